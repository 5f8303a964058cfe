/**
 * The flight runs of this process, by task and attempt, so a status change made anywhere (any API process) can stop
 * the one it concerns: the thread is terminated and the run's partial files removed before the change goes on.
 */
export class ActiveRuns {
  private readonly runs = new Map<string, { attempt: number; stop: () => Promise<void> }>();

  add(taskId: string, attempt: number, stop: () => Promise<void>): void {
    this.runs.set(taskId, { attempt, stop });
  }

  remove(taskId: string, attempt: number): void {
    if (this.runs.get(taskId)?.attempt === attempt) this.runs.delete(taskId);
  }

  /** Stops the run of that attempt if this process has it; false when it does not. */
  async stop(taskId: string, attempt: number): Promise<boolean> {
    const run = this.runs.get(taskId);
    if (!run || run.attempt !== attempt) return false;
    await run.stop();
    return true;
  }
}
