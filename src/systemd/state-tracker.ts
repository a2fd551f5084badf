import { stateChanged, type DriverEvent, type UnitState } from './driver.js';

/**
 * The set of units a driver reports on, the last state reported for each,
 * and the listeners. Shared by the real and the fake driver so both
 * deduplicate the same way: a `state` event only when load/active/sub
 * changed, whatever order or multiplicity the inputs arrive in.
 */
export class StateTracker {
  private readonly tracked = new Set<string>();
  private readonly last = new Map<string, UnitState>();
  private readonly listeners = new Set<(event: DriverEvent) => void>();

  /** Starts reporting on `name` (idempotent). */
  track(name: string): void {
    this.tracked.add(name);
  }

  /** Stops reporting on `name`; emits `removed` if it was tracked. */
  untrack(name: string): void {
    if (!this.tracked.delete(name)) return;
    this.last.delete(name);
    this.emit({ type: 'removed', name });
  }

  /** Whether `name` is tracked. */
  has(name: string): boolean {
    return this.tracked.has(name);
  }

  /** Tracked names, sorted. */
  names(): string[] {
    return [...this.tracked].sort();
  }

  /** Last reported state of `name`; undefined if none yet or untracked. */
  lastState(name: string): UnitState | undefined {
    return this.last.get(name);
  }

  /**
   * Records a fresh observation. Emits a `state` event and returns true when
   * the unit is tracked and its load/active/sub state differs from the last
   * report; otherwise returns false (mainPid alone never triggers an event).
   */
  report(state: UnitState): boolean {
    if (!this.tracked.has(state.name)) return false;
    const previous = this.last.get(state.name);
    if (!stateChanged(previous, state)) return false;
    this.last.set(state.name, state);
    this.emit({ type: 'state', state, previous });
    return true;
  }

  /** Forgets every last-reported state, so the next report of each unit is emitted (after a reconnect). */
  forgetStates(): void {
    this.last.clear();
  }

  /** Registers a listener; returns its unsubscribe function. */
  subscribe(listener: (event: DriverEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers `event` to every listener; a throwing listener is reported as a process warning, not propagated. */
  emit(event: DriverEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        process.emitWarning(`systemd driver listener threw: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }
}
