/**
 * A small simulated cluster for rollout tests: targets whose systemd state
 * follows the text the rollout pins them to (stop, start, then running or
 * failed), driven one tick at a time on a manual clock.
 */
import { RolloutPins, stepRollout, type GroupMember, type RolloutAction, type RolloutRecord, type TargetObservation } from '../../../src/rollout/index.js';

export interface SimUnit {
  hash: string;
  activeState: TargetObservation['activeState'];
  subState: string;
  timestamp: number;
  /** Tick at which a start in progress becomes running (or failed). */
  readyAt?: number;
}

export interface SimOptions {
  /** Units (name -> machine); every one launched and running `fromHash`. */
  readonly placement: ReadonlyMap<string, string>;
  readonly fromHash: string;
  /** Texts that fail when started. */
  readonly broken?: ReadonlySet<string>;
  /** Ticks a start takes (default 1); a function gets the unit. */
  readonly startTicks?: (unit: string, tick: number) => number;
  /** Global unit: one name, several machines. */
  readonly global?: { readonly name: string; readonly machines: readonly string[] };
  readonly template?: string;
}

export class Sim {
  now = 0;
  tick = 0;
  readonly units = new Map<string, SimUnit>();
  readonly events: RolloutAction[] = [];
  readonly records = new Map<string, string>();
  /** Restarts per key (a MainPID change). */
  readonly restarts = new Map<string, number>();

  constructor(
    public record: RolloutRecord,
    private readonly o: SimOptions,
  ) {
    for (const key of this.keys()) this.units.set(key, { hash: o.fromHash, activeState: 'active', subState: 'running', timestamp: 0 });
    for (const name of this.memberNames()) this.records.set(name, o.fromHash);
  }

  private keys(): string[] {
    if (this.o.global) return this.o.global.machines.map((m) => `${this.o.global!.name}\0${m}`);
    return [...this.o.placement].map(([u, m]) => `${u}\0${m}`);
  }

  private memberNames(): string[] {
    if (this.o.global) return [this.o.global.name];
    return [...(this.o.template ? [this.o.template] : []), ...this.o.placement.keys()].sort();
  }

  members(): GroupMember[] {
    return this.memberNames().map((name) => ({
      name,
      hash: this.records.get(name)!,
      desired: name === this.o.template ? 'inactive' : 'launched',
      machines: this.o.global ? [...this.o.global.machines].sort() : name === this.o.template ? [] : [this.o.placement.get(name)!],
    }));
  }

  /** How many targets are not active/running now. */
  down(): number {
    return [...this.units.values()].filter((u) => !(u.activeState === 'active' && u.subState === 'running')).length;
  }

  /** One second: the engine steps, then agents act on the pins. */
  step(): RolloutRecord {
    this.tick++;
    this.now += 1000;
    const { record, actions } = stepRollout(this.record, { members: this.members(), observe: (u, m) => this.units.get(`${u}\0${m}`) }, this.now);
    this.record = record;
    for (const a of actions) {
      if (a.type === 'writeUnits') for (const u of a.units) this.records.set(u.name, u.hash);
      else this.events.push(a);
    }
    const pins = new RolloutPins([{ record }]);
    for (const [key, u] of this.units) {
      const [name, machine] = key.split('\0') as [string, string];
      const want = pins.hashFor(name, machine, this.records.get(name)!);
      if (want !== u.hash) {
        // The agent stops the old text and starts the new one.
        this.restarts.set(key, (this.restarts.get(key) ?? 0) + 1);
        Object.assign(u, { hash: want, activeState: 'activating', subState: 'start', timestamp: this.now, readyAt: this.tick + (this.o.startTicks?.(name, this.tick) ?? 1) });
      } else if (u.readyAt !== undefined && this.tick >= u.readyAt) {
        const broken = this.o.broken?.has(u.hash) === true;
        Object.assign(u, { activeState: broken ? 'failed' : 'active', subState: broken ? 'failed' : 'running', timestamp: this.now, readyAt: undefined });
      }
    }
    return record;
  }

  /** Steps until the rollout is done, reverted or failed (at most `max` ticks). */
  runToEnd(max = 10_000, each?: () => void): RolloutRecord {
    for (let i = 0; i < max; i++) {
      this.step();
      each?.();
      if (['done', 'reverted', 'failed'].includes(this.record.phase)) return this.record;
    }
    throw new Error(`rollout still ${this.record.phase} after ${max} ticks`);
  }

  kinds(): string[] {
    return this.events.flatMap((a) => (a.type === 'event' ? [`${a.event.kind}${a.event.batch !== undefined ? ` ${a.event.batch}` : ''}`] : []));
  }
}
