/** Jobs this process is running right now; agenda's drain() can miss a job that has just ended. */
export class RunningJobs {
  private count = 0;
  private idle: (() => void)[] = [];

  async track<T>(work: Promise<T>): Promise<T> {
    this.count += 1;
    try {
      return await work;
    } finally {
      this.count -= 1;
      if (this.count === 0) this.idle.splice(0).forEach((resolve) => resolve());
    }
  }

  whenIdle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }
}
