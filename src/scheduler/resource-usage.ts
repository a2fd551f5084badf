/**
 * Per-machine resource accounting of one pass, in fixed units (bytes,
 * thousandths): what each machine can give (its allocatable amounts) and
 * what the units placed on it so far request (global units included).
 * Free may go below 0 on a machine that kept units after its capacity
 * shrank (over-committed): it keeps them and takes nothing new.
 */
import type { MachineIndex, MachineInfo } from './model.js';
import { toFixedUnits } from '../resources/index.js';

/** Read side, for filters and scorers. */
export interface ResourceUsageView {
  /** What machine `m` can give of `name` in fixed units; 0 when it offers none. */
  allocatable(m: MachineIndex, name: string): number;
  /** Requested of `name` on `m` by the units placed there in this pass, fixed units. */
  used(m: MachineIndex, name: string): number;
  /** allocatable − used (negative when over-committed). */
  free(m: MachineIndex, name: string): number;
  /**
   * For scoring: the fraction (0..1) of `name` on `m` in use once `unit`
   * is added, counting every placed unit's scoring requests (best-effort
   * units as the policy's small default); 1 when `m` offers none of it.
   */
  usedFractionWith(m: MachineIndex, name: string, amount: number): number;
  /** Requested of `name` on `m` for scoring (best-effort units at the policy's default), fixed units. */
  scoringUsed(m: MachineIndex, name: string): number;
  /** A resource `m` has more of allocated than it can give (over-committed), first by name; undefined when none. */
  overcommitted(m: MachineIndex): string | undefined;
}

/** Mutable {@link ResourceUsageView}. */
export class ResourceUsage implements ResourceUsageView {
  private readonly capacity: Array<ReadonlyMap<string, number>>;
  private readonly usage: Array<Map<string, number>>;
  /**
   * Like usage, with best-effort units counted at the policy's default.
   * Built on first read (from `scoringOf`): a pass whose scorers never read
   * it (fleet's least-loaded placement) does not keep it up to date.
   */
  private scoring: Array<Map<string, number>> | undefined;
  /** Per machine, the resources where used > allocatable. */
  private readonly over: Array<Set<string> | undefined>;

  /** `scoringOf(m)`: the scoring requests of every unit placed on `m` so far (read once, when scoring usage is first asked for). */
  constructor(
    machines: readonly MachineInfo[],
    private readonly scoringOf: (m: MachineIndex) => Iterable<ReadonlyArray<readonly [string, number]>>,
  ) {
    this.capacity = machines.map((m) => new Map(Object.entries(m.capacity ?? {}).map(([name, v]) => [name, toFixedUnits(name, v)])));
    this.usage = machines.map(() => new Map());
    this.over = machines.map(() => undefined);
  }

  private scoringUsage(): Array<Map<string, number>> {
    if (this.scoring === undefined) {
      this.scoring = this.capacity.map((_, m) => {
        const used = new Map<string, number>();
        for (const requests of this.scoringOf(m)) for (const [name, v] of requests) used.set(name, (used.get(name) ?? 0) + v);
        return used;
      });
    }
    return this.scoring;
  }

  overcommitted(m: MachineIndex): string | undefined {
    const over = this.over[m];
    return over === undefined || over.size === 0 ? undefined : [...over].sort()[0];
  }

  allocatable(m: MachineIndex, name: string): number {
    return this.capacity[m]!.get(name) ?? 0;
  }

  used(m: MachineIndex, name: string): number {
    return this.usage[m]!.get(name) ?? 0;
  }

  free(m: MachineIndex, name: string): number {
    return this.allocatable(m, name) - this.used(m, name);
  }

  scoringUsed(m: MachineIndex, name: string): number {
    return this.scoringUsage()[m]!.get(name) ?? 0;
  }

  usedFractionWith(m: MachineIndex, name: string, amount: number): number {
    const alloc = this.allocatable(m, name);
    if (alloc <= 0) return 1;
    return Math.min(1, Math.max(0, ((this.scoringUsage()[m]!.get(name) ?? 0) + amount) / alloc));
  }

  /** Adds (`sign` 1) or removes (-1) a unit's scoring requests on `m`. */
  updateScoring(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>, sign: 1 | -1): void {
    if (this.scoring === undefined) return;
    const used = this.scoring[m]!;
    for (const [name, v] of requests) used.set(name, (used.get(name) ?? 0) + sign * v);
  }

  /** Adds (`sign` 1) or removes (-1) `requests` on `m`. */
  update(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>, sign: 1 | -1): void {
    if (requests.length === 0) return;
    const used = this.usage[m]!;
    for (const [name, v] of requests) {
      const now = (used.get(name) ?? 0) + sign * v;
      used.set(name, now);
      if (now > this.allocatable(m, name)) (this.over[m] ??= new Set()).add(name);
      else this.over[m]?.delete(name);
    }
  }
}
