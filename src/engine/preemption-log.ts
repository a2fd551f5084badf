/**
 * What the engine remembers about preemptions between passes (the scheduler
 * is a pure function of one snapshot and forgets):
 * - who last preempted each unit that still waits, so its explanation keeps
 *   saying `preempted by <unit> (priority N)` on every later pass;
 * - when each unit was preempted, so a unit preempted `limit` times within
 *   `windowMs` is reported once and shielded: it is not chosen as a victim
 *   again until its oldest preemption in the window is older than `windowMs`
 *   (reported, not flapped forever).
 * Times come from the caller (the engine's injected clock). Leadership
 * failover: the new leader seeds the waiting units' causes from the
 * explanations the previous leader published.
 */
import type { Preemption } from '../scheduler/index.js';

/** Preemptions within the window after which a unit is reported and shielded. */
export const PREEMPTION_FLAP_LIMIT = 3;
/** The window, ms. */
export const PREEMPTION_FLAP_WINDOW_MS = 60_000;

/** Who preempted a unit last, and when. */
export interface PreemptedBy {
  readonly unit: string;
  readonly priority: number;
  readonly atMs: number;
}

/** A unit that reached the limit in this pass. */
export interface PreemptionFlap {
  readonly unit: string;
  /** Preemptions within the window. */
  readonly count: number;
  /** Last preemptor. */
  readonly by: PreemptedBy;
}

/** The engine's memory of preemptions (see module doc). One per leadership. */
export class PreemptionLog {
  private readonly last = new Map<string, PreemptedBy>();
  private readonly times = new Map<string, number[]>();
  /** Units reported as flapping in their current window. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly limit = PREEMPTION_FLAP_LIMIT,
    private readonly windowMs = PREEMPTION_FLAP_WINDOW_MS,
  ) {}

  /**
   * Records a pass's preemptions decided at `nowMs` and forgets the causes of
   * units no longer waiting (`waiting`: the pass's unplaced units). Returns
   * the victims that reached the limit with this pass, each once per window.
   */
  record(preemptions: readonly Preemption[], waiting: ReadonlySet<string>, nowMs: number): PreemptionFlap[] {
    const flaps: PreemptionFlap[] = [];
    this.prune(nowMs);
    for (const p of preemptions) {
      for (const v of p.victims) {
        const by: PreemptedBy = { unit: p.unit, priority: p.priority, atMs: nowMs };
        this.last.set(v.unit, by);
        const list = this.times.get(v.unit) ?? [];
        list.push(nowMs);
        this.times.set(v.unit, list);
        if (list.length >= this.limit && !this.reported.has(v.unit)) {
          this.reported.add(v.unit);
          flaps.push({ unit: v.unit, count: list.length, by });
        }
      }
    }
    for (const name of this.last.keys()) if (!waiting.has(name)) this.last.delete(name);
    return flaps;
  }

  /** Units preempted `limit` times or more within the window ending at `nowMs`: the scheduler must not preempt them. */
  shielded(nowMs: number): ReadonlySet<string> {
    this.prune(nowMs);
    const out = new Set<string>();
    for (const [name, list] of this.times) if (list.length >= this.limit) out.add(name);
    return out;
  }

  /** Who last preempted `name` while it still waits; undefined when it was not preempted or has been placed since. */
  preemptedBy(name: string): PreemptedBy | undefined {
    return this.last.get(name);
  }

  /** Preemptions of `name` within the window, as of the last record/shielded call. */
  recent(name: string): number {
    return this.times.get(name)?.length ?? 0;
  }

  /** Remembers a cause published by a previous leader (failover), unless one is known already. */
  seed(name: string, by: PreemptedBy): void {
    if (!this.last.has(name)) this.last.set(name, by);
  }

  private prune(nowMs: number): void {
    for (const [name, list] of this.times) {
      const kept = list.filter((t) => nowMs - t < this.windowMs);
      if (kept.length === 0) {
        this.times.delete(name);
        this.reported.delete(name);
      } else if (kept.length !== list.length) {
        this.times.set(name, kept);
        if (kept.length < this.limit) this.reported.delete(name);
      }
    }
  }
}
