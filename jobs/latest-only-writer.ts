/**
 * Writes values one at a time, in order; while a write is in flight only the newest value waits for its turn. A slow
 * database then delays progress but never builds a backlog of stale states, and no write overtakes an earlier one.
 */
export class LatestOnlyWriter<T> {
  private pending: { value: T } | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly write: (value: T) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  push(value: T): void {
    this.pending = { value };
    this.running ??= this.drain();
  }

  /** Resolves once everything pushed so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const { value } = this.pending;
      this.pending = null;
      try {
        await this.write(value);
      } catch (error) {
        this.onError(error);
      }
    }
    this.running = null;
  }
}
