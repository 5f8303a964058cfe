export interface GasfluxProgress {
  /** Stage name, e.g. `background`, `variogram`, `kriging`, `report`. */
  stage: string;
  gas?: string;
  completedSteps: number;
  totalSteps: number;
  /** Share of the current stage already done, 0–1 (kriging reports it per node). */
  stageFraction: number;
}

export type ProgressListener = (progress: GasfluxProgress) => void;

/** Counts steps through the run and tells the listener at every stage boundary and within long stages. */
export class ProgressTracker {
  private completed = 0;
  private current: { stage: string; gas?: string } | null = null;

  constructor(
    readonly totalSteps: number,
    private readonly listener: ProgressListener = () => {},
    alreadyCompleted = 0,
  ) {
    this.completed = alreadyCompleted;
  }

  begin(stage: string, gas?: string): void {
    this.current = { stage, gas };
    this.emit(0);
  }

  advance(fraction: number): void {
    if (this.current) this.emit(Math.min(Math.max(fraction, 0), 1));
  }

  end(): void {
    this.completed += 1;
    this.emit(1);
    this.current = null;
  }

  private emit(stageFraction: number): void {
    const { stage, gas } = this.current ?? { stage: 'done' };
    this.listener({ stage, ...(gas ? { gas } : {}), completedSteps: this.completed, totalSteps: this.totalSteps, stageFraction });
  }
}
