/**
 * A bound on the downloads one process has queued and not yet seen finish. `acquire` waits for a free slot;
 * `release` frees the slot of a (subscription, message) when its outcome is seen. Once full, the gate lets requests
 * through again only when the downloads held have fallen to `resumeAt`, and then lets them through together: they
 * become one batch job (./batch-enqueue.ts) instead of one job per finished download. A slot whose outcome never
 * comes (a job lost with its worker) is reclaimed after `staleMs`, so the gate cannot close for good.
 */
export class DownloadGate {
  private readonly held = new Map<string, number>();
  private waiters: Array<() => void> = [];
  private closed = false;
  /** Full since the held downloads last fell to resumeAt. */
  private draining = false;
  readonly resumeAt: number;

  constructor(
    readonly limit: number,
    private readonly staleMs = 15 * 60_000,
    resumeAt = Math.floor(limit / 2),
  ) {
    this.resumeAt = Math.max(0, Math.min(resumeAt, limit - 1));
  }

  get size(): number {
    return this.held.size;
  }

  async acquire(subscriptionId: string, messageId: string): Promise<void> {
    while (!this.closed && (this.held.size >= this.limit || this.draining)) {
      this.reclaimStale();
      if (!this.closed && !this.draining && this.held.size < this.limit) break;
      // Woken once the gate reopens, or after a second to look for stale slots.
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
    if (this.held.size >= this.limit) this.draining = true;
  }

  release(subscriptionId: string, messageId: string): void {
    if (!this.held.delete(key(subscriptionId, messageId))) return;
    this.reopenIfDrained();
  }

  /** Lets every waiter through (shutdown). */
  close(): void {
    this.closed = true;
    for (const wake of [...this.waiters]) wake();
  }

  private reopenIfDrained(): void {
    if (this.held.size > this.resumeAt) {
      if (!this.draining) this.waiters[0]?.();
      return;
    }
    this.draining = false;
    for (const wake of [...this.waiters]) wake();
  }

  private reclaimStale(): void {
    const cutoff = Date.now() - this.staleMs;
    for (const [k, since] of this.held) if (since < cutoff) this.held.delete(k);
    if (this.held.size <= this.resumeAt) this.draining = false;
  }
}

const key = (subscriptionId: string, messageId: string) => `${subscriptionId}\n${messageId}`;
