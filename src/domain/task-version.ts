/**
 * The one ordering rule for task states, shared by the service and its clients: every stored state carries a version
 * raised by one with each write, and a state is news only if its version is higher than the one already held. Order
 * of arrival, clocks and timestamps never decide.
 */
export interface VersionedState {
  id: string;
  version: number;
}

export const isNewer = (candidate: VersionedState, known: VersionedState | null | undefined): boolean =>
  !known || candidate.version > known.version;

/** Remembers the newest version passed on per id (for the `capacity` ids seen last) and lets only newer states by. */
export class NewestVersions {
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  admit(state: VersionedState): boolean {
    const known = this.seen.get(state.id);
    if (known !== undefined && state.version <= known) return false;
    this.seen.delete(state.id);
    this.seen.set(state.id, state.version);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }
}
