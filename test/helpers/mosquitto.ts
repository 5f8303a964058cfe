// A real Mosquitto broker for MQTT tests: loopback only, anonymous, persistent (a restart keeps
// the clients' sessions and queued QoS 1 messages), in a temporary directory of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the Debian package installs mosquitto; override with MOSQUITTO_PATH. */
export const mosquittoPath = process.env.MOSQUITTO_PATH ?? '/usr/sbin/mosquitto';

/** The `skip` option for a suite that needs mosquitto: false when it is installed, otherwise the reason. */
export function needsMosquitto(): false | string {
  return existsSync(mosquittoPath)
    ? false
    : `needs mosquitto at ${mosquittoPath} (apt-get install -y mosquitto), which is absent: the MQTT tests did not run`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Mosquitto {
  readonly dir: string;
  private child: ChildProcess | null = null;
  private stderr = '';

  private constructor(readonly port: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'gasflux-mosquitto-'));
    const lines = [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${this.dir}/`,
      'autosave_interval 1',
      'max_queued_messages 10000',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
    ];
    // Run as root (CI containers) mosquitto would switch to the 'mosquitto' user, which may not
    // be able to write the temporary directory; 'user root' keeps it where it is.
    if (process.getuid?.() === 0) lines.push('user root');
    writeFileSync(join(this.dir, 'mosquitto.conf'), lines.join('\n') + '\n');
  }

  /** Starts a broker on a free loopback port and waits until it accepts connections. */
  static async start(): Promise<Mosquitto> {
    const broker = new Mosquitto(await freePort());
    try {
      await broker.startProcess();
    } catch (err) {
      rmSync(broker.dir, { recursive: true, force: true });
      throw err;
    }
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  private async startProcess(timeoutMs = 10_000): Promise<void> {
    this.stderr = '';
    const child = spawn(mosquittoPath, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    let exited = false;
    child.once('exit', () => {
      exited = true;
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`mosquitto exited at start: ${this.stderr.trim()}`);
      if (await canConnect(this.port)) return;
      await sleep(25);
    }
    child.kill('SIGKILL');
    throw new Error(`mosquitto did not accept connections on port ${this.port} within ${timeoutMs} ms: ${this.stderr.trim()}`);
  }

  /** Stops the broker with SIGTERM (it saves its persistence file) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }

  /** Starts it again on the same port; sessions survive unless forgetSessions deletes the saved state. */
  async restart(options: { forgetSessions?: boolean } = {}): Promise<void> {
    await this.stop();
    if (options.forgetSessions) rmSync(join(this.dir, 'mosquitto.db'), { force: true });
    await this.startProcess();
  }

  /** Stops the broker and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
