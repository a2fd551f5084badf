/**
 * Anomaly detection (pure): fed the cluster's events and the time, says
 * which anomalies to record. Runs on the engine leader only (see
 * `src/events/anomaly-monitor.ts`), so each is recorded once; the detector
 * keeps only what it learned from events since it started (the monitor adds
 * a previous leader whose machine record was gone before it took over),
 * and hands that memory over to the next leader ({@link AnomalyDetector.memory},
 * kept in etcd by the monitor).
 */
import type { AnomalyRecord } from '../registry/index.js';
import type { FleetEvent } from './types.js';

/** Thresholds (fleet.conf `anomaly_*`). */
export interface AnomalyThresholds {
  /** `anomaly_flap_restarts`: this many restarts of a unit on one machine ... */
  readonly flapRestarts: number;
  /** `anomaly_flap_window`: ... within this long (ms) is flapping. */
  readonly flapWindowMs: number;
  /** `anomaly_unplaced_after`: an active unit the engine cannot place for this long (ms). */
  readonly unplacedAfterMs: number;
  /** `anomaly_machine_lost_after`: a machine that left and did not come back for this long (ms). */
  readonly machineLostAfterMs: number;
}

/** The defaults documented in fleet.conf.sample. */
export const DEFAULT_ANOMALY_THRESHOLDS: AnomalyThresholds = { flapRestarts: 5, flapWindowMs: 10 * 60_000, unplacedAfterMs: 5 * 60_000, machineLostAfterMs: 60_000 };

const key = (unit: string, machine: string): string => `${unit}\0${machine}`;
const unkey = (k: string): [string, string] => {
  const i = k.indexOf('\0');
  return [k.slice(0, i), k.slice(i + 1)];
};

/**
 * What the detectors remember that a new leader must not forget: who is
 * failing, restarts within the window, flap alerts' quiet times, since when
 * units wait to be placed, since when machines are gone. Times are ms since
 * the Unix epoch. Restart counters are kept for the units with restarts in
 * the window (for the others the first report a leader sees is the baseline).
 */
export interface AnomalyMemory {
  /** [unit, machine] reported failed and not up since. */
  readonly failing: ReadonlyArray<readonly [string, string]>;
  /** [unit, machine, restart times, systemd's restart counter as last reported (-1: none)]. */
  readonly restarts: ReadonlyArray<readonly [string, string, readonly number[], number]>;
  /** [unit, machine, no flapping alert before]. */
  readonly flapQuiet: ReadonlyArray<readonly [string, string, number]>;
  /** [unit, since, the engine's message, already said]. */
  readonly unplaced: ReadonlyArray<readonly [string, number, string, boolean]>;
  /** [machine, left at]. */
  readonly left: ReadonlyArray<readonly [string, number]>;
}
const UP = new Set(['activating', 'active', 'reloading', 'refreshing']);

/**
 * The detectors' memory. `observe` takes each event (in revision order) and
 * `due` the passing of time; both return the anomalies to record now.
 */
export class AnomalyDetector {
  /** (unit, machine) reported failed and not up since: `unit-failing` was said. */
  private readonly failing = new Set<string>();
  /** (unit, machine) -> times of restarts seen within the window. */
  private readonly restarts = new Map<string, number[]>();
  /** (unit, machine) -> time until which `unit-flapping` is not said again. */
  private readonly flapQuiet = new Map<string, number>();
  /** Unit -> since when the engine could not place it (cleared when scheduled, destroyed or stopped). */
  private readonly unplaced = new Map<string, { since: number; message: string; said: boolean }>();
  /** Machine -> when it left (cleared when it comes back). */
  private readonly left = new Map<string, number>();

  /** `memory`: what a previous leader's detector remembered (see {@link memory}). */
  constructor(
    private readonly t: AnomalyThresholds = DEFAULT_ANOMALY_THRESHOLDS,
    memory?: AnomalyMemory,
  ) {
    if (memory === undefined) return;
    for (const [u, m] of memory.failing) this.failing.add(key(u, m));
    for (const [u, m, times, counter] of memory.restarts) {
      this.restarts.set(key(u, m), [...times]);
      if (counter >= 0) this.counters.set(key(u, m), counter);
    }
    for (const [u, m, until] of memory.flapQuiet) this.flapQuiet.set(key(u, m), until);
    for (const [u, since, message, said] of memory.unplaced) this.unplaced.set(u, { since, message, said });
    for (const [m, at] of memory.left) this.left.set(m, at);
  }

  /** What this detector remembers at `nowMs` (restarts and quiet times past the window dropped), sorted, for the next leader. */
  memory(nowMs: number): AnomalyMemory {
    const byKey = <T>(a: readonly [string, ...T[]], b: readonly [string, ...T[]]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    return {
      failing: [...this.failing].sort().map(unkey),
      restarts: [...this.restarts]
        .map(([k, times]) => [k, times.filter((at) => at > nowMs - this.t.flapWindowMs)] as const)
        .filter(([, times]) => times.length > 0)
        .sort(byKey)
        .map(([k, times]) => [...unkey(k), times, this.counters.get(k) ?? -1] as const),
      flapQuiet: [...this.flapQuiet].filter(([, until]) => until > nowMs).sort(byKey).map(([k, until]) => [...unkey(k), until] as const),
      unplaced: [...this.unplaced].sort(byKey).map(([u, x]) => [u, x.since, x.message, x.said] as const),
      left: [...this.left].sort(byKey),
    };
  }

  /** The anomalies `event`, seen at `nowMs`, reveals. */
  observe(event: FleetEvent, nowMs: number): AnomalyRecord[] {
    switch (event.type) {
      case 'unit.failed': {
        const k = key(event.unit, event.machine);
        if (this.failing.has(k)) return [];
        this.failing.add(k);
        return [{ anomaly: 'unit-failing', unit: event.unit, machine: event.machine, message: `${event.unit} failed on ${event.machine} (${event.subState})`, detectedAt: nowMs }];
      }
      case 'unit.state':
        return this.state(event, nowMs);
      case 'unit.unplaceable': {
        const was = this.unplaced.get(event.unit);
        this.unplaced.set(event.unit, { since: was?.since ?? nowMs, message: event.message, said: was?.said ?? false });
        return [];
      }
      case 'unit.scheduled':
      case 'unit.destroyed':
        this.unplaced.delete(event.unit);
        if (event.type === 'unit.destroyed') this.forgetUnit(event.unit);
        return [];
      case 'unit.desired':
        if (event.desiredState === 'inactive') this.unplaced.delete(event.unit);
        return [];
      case 'machine.left':
        this.left.set(event.machine, nowMs);
        return [];
      case 'machine.joined':
        this.left.delete(event.machine);
        return [];
      default:
        return [];
    }
  }

  private state(event: Extract<FleetEvent, { type: 'unit.state' }>, nowMs: number): AnomalyRecord[] {
    const k = key(event.unit, event.machine);
    if (UP.has(event.activeState)) this.failing.delete(k);
    // A restart: systemd's counter went up, or (without it) the unit came up again after being down.
    const before = event.previous;
    const counted =
      event.restarts !== undefined && before !== undefined ? 0 : before !== undefined && UP.has(event.activeState) && !UP.has(before.activeState) && before.activeState !== 'inactive' ? 1 : 0;
    const delta = counted + this.counterDelta(k, event.restarts);
    if (delta <= 0) return [];
    const times = (this.restarts.get(k) ?? []).filter((at) => at > nowMs - this.t.flapWindowMs);
    for (let i = 0; i < delta; i++) times.push(nowMs);
    this.restarts.set(k, times);
    if (times.length < this.t.flapRestarts || (this.flapQuiet.get(k) ?? -Infinity) > nowMs) return [];
    this.flapQuiet.set(k, nowMs + this.t.flapWindowMs);
    const minutes = Math.round(this.t.flapWindowMs / 60_000);
    const window = minutes >= 1 ? `${minutes} min` : `${Math.round(this.t.flapWindowMs / 1000)} s`;
    return [{ anomaly: 'unit-flapping', unit: event.unit, machine: event.machine, message: `${event.unit} restarted ${times.length} times in ${window} on ${event.machine}`, detectedAt: nowMs }];
  }

  /** Restart counter per (unit, machine) as last reported. */
  private readonly counters = new Map<string, number>();

  private counterDelta(k: string, restarts: number | undefined): number {
    if (restarts === undefined) return 0;
    const was = this.counters.get(k);
    this.counters.set(k, restarts);
    return was === undefined || restarts < was ? 0 : restarts - was;
  }

  private forgetUnit(unit: string): void {
    for (const m of [this.failing, this.restarts, this.flapQuiet, this.counters]) for (const k of [...m.keys()]) if (k.startsWith(`${unit}\0`)) m.delete(k);
  }

  /** The anomalies whose time has come at `nowMs` (each said once). */
  due(nowMs: number): AnomalyRecord[] {
    const out: AnomalyRecord[] = [];
    for (const [unit, u] of [...this.unplaced].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (u.said || nowMs - u.since < this.t.unplacedAfterMs) continue;
      u.said = true;
      out.push({ anomaly: 'unit-unplaced', unit, message: `${unit} could not be placed for ${Math.round((nowMs - u.since) / 1000)} s: ${u.message}`, detectedAt: nowMs });
    }
    for (const [machine, since] of [...this.left].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (nowMs - since < this.t.machineLostAfterMs) continue;
      this.left.delete(machine);
      out.push({ anomaly: 'machine-lost', machine, message: `machine ${machine} left ${Math.round((nowMs - since) / 1000)} s ago and has not come back`, detectedAt: nowMs });
    }
    return out;
  }

  /** When `due` next has something to say (ms), or undefined. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const u of this.unplaced.values()) if (!u.said) next = Math.min(next ?? Infinity, u.since + this.t.unplacedAfterMs);
    for (const since of this.left.values()) next = Math.min(next ?? Infinity, since + this.t.machineLostAfterMs);
    return next;
  }
}

/** The `leader-changed` anomaly a new leader records when it took over from `previous`. */
export function leaderChangedAnomaly(previous: string | undefined, self: string, nowMs: number): AnomalyRecord | undefined {
  if (previous === undefined || previous === self) return undefined;
  return { anomaly: 'leader-changed', machine: self, message: `engine leadership moved from ${previous} to ${self}`, detectedAt: nowMs };
}
