export interface GasfluxProgress {
  /** Stage name, e.g. `background`, `variogram`, `kriging`, `report`. */
  stage: string;
  gas?: string;
  /** Steps finished so far; an event that ends a stage already counts it. */
  completedSteps: number;
  totalSteps: number;
  /** Share of the named stage already done, 0–1 (kriging reports it per node); 1 when the event ends the stage. */
  stageFraction: number;
  /** Share of the whole run already done, 0–1. Never decreases from one event to the next of a run. */
  fraction: number;
}

export type ProgressListener = (progress: GasfluxProgress) => void;

/** Counts steps through the run and tells the listener at every stage boundary and within long stages. */
export class ProgressTracker {
  private completed = 0;
  private current: { stage: string; gas?: string } | null = null;
  private reached = 0;

  constructor(
    readonly totalSteps: number,
    private readonly listener: ProgressListener = () => {},
    alreadyCompleted = 0,
  ) {
    this.completed = alreadyCompleted;
  }

  begin(stage: string, gas?: string): void {
    this.current = { stage, gas };
    this.emit(0, this.completed);
  }

  advance(fraction: number): void {
    const share = Math.min(Math.max(fraction, 0), 1);
    if (this.current) this.emit(share, this.completed + share);
  }

  end(): void {
    this.completed += 1;
    // The ended stage is inside `completed` now: adding its fraction again would run ahead of the next begin().
    this.emit(1, this.completed);
    this.current = null;
  }

  private emit(stageFraction: number, stepsDone: number): void {
    const { stage, gas } = this.current ?? { stage: 'done' };
    this.reached = Math.max(this.reached, Math.min(1, stepsDone / this.totalSteps));
    this.listener({ stage, ...(gas ? { gas } : {}), completedSteps: this.completed, totalSteps: this.totalSteps, stageFraction, fraction: this.reached });
  }
}
