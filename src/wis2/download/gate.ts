/**
 * A bound on the downloads one process has queued and not yet seen finish. `acquire` waits for a free slot;
 * `release` frees the slot of a (subscription, message) when its outcome is seen. A slot whose outcome never comes
 * (a job lost with its worker) is reclaimed after `staleMs`, so the gate cannot close for good.
 */
export class DownloadGate {
  private readonly held = new Map<string, number>();
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    readonly limit: number,
    private readonly staleMs = 15 * 60_000,
  ) {}

  get size(): number {
    return this.held.size;
  }

  async acquire(subscriptionId: string, messageId: string): Promise<void> {
    while (!this.closed && this.held.size >= this.limit) {
      this.reclaimStale();
      if (this.held.size < this.limit) break;
      // Woken by a release, or after a second to look for stale slots.
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== wake);
          resolve();
        };
        const timer = setTimeout(wake, 1000);
        this.waiters.push(wake);
      });
    }
    this.held.set(key(subscriptionId, messageId), Date.now());
  }

  release(subscriptionId: string, messageId: string): void {
    if (!this.held.delete(key(subscriptionId, messageId))) return;
    this.waiters[0]?.();
  }

  /** Lets every waiter through (shutdown). */
  close(): void {
    this.closed = true;
    for (const wake of [...this.waiters]) wake();
  }

  private reclaimStale(): void {
    const cutoff = Date.now() - this.staleMs;
    for (const [k, since] of this.held) if (since < cutoff) this.held.delete(k);
  }
}

const key = (subscriptionId: string, messageId: string) => `${subscriptionId}\n${messageId}`;
