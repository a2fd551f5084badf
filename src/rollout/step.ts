/**
 * The rollout state machine (pure): `stepRollout(record, view, now)` turns
 * a stored rollout and what the cluster shows into the record to store and
 * the actions to take. The engine leader calls it on every pass while a
 * rollout is unfinished; a new leader continues from the stored record.
 *
 * Each target runs the text its status says (`pins.ts`): `updating`,
 * `healthy` and `failed` targets the new one, the others their previous
 * one; so starting a batch is nothing but marking its targets `updating`,
 * and the engine's schedule refresh does the rest (the agent restarts the
 * unit with the new text). Unit records are rewritten only at the end (the
 * new text when done, the previous one after an undo of a finished rollout).
 *
 * Order of decisions in one step: start a pending rollout; turn an undo
 * request into `reverting`; judge the running batch (healthy, failed, past
 * its deadline); start the next batch unless paused; finish. Capacity: a
 * batch starts only with the targets not yet healthy, so at most
 * `maxParallel` targets are ever not healthy because of the rollout
 * (targets already down are taken first).
 */
import type { DesiredState } from '../domain/index.js';
import { formatMs } from './settings.js';
import { isRunning, judgeTarget, where, type TargetObservation } from './health.js';
import { targetId, type RolloutBatch, type RolloutRecord, type RolloutTarget, type TargetStatus } from './types.js';

/** A unit record of the group as the engine sees it now. */
export interface GroupMember {
  readonly name: string;
  readonly hash: string;
  readonly desired: DesiredState;
  /** Machines it is scheduled to, sorted. */
  readonly machines: readonly string[];
}

/** What one step reads of the cluster. */
export interface RolloutView {
  /** Every unit record of the group now (the template or unit itself and its instances), sorted by name. */
  readonly members: readonly GroupMember[];
  /** The last state report for `unit` on `machine`; undefined when there is none. */
  observe(unit: string, machine: string): TargetObservation | undefined;
}

/** Something that happened to a rollout, for logs and the event stream. */
export interface RolloutEvent {
  readonly kind: 'started' | 'batchStarted' | 'batchHealthy' | 'batchFailed' | 'batchReverted' | 'failed' | 'reverting' | 'reverted' | 'done';
  readonly group: string;
  readonly batch?: number;
  /** Target ids of the batch. */
  readonly targets?: readonly string[];
  readonly reason?: string;
}

/** What the engine must do besides storing the record. */
export type RolloutAction =
  /** Rewrite these unit records with these texts (same transaction as the record). */
  | { readonly type: 'writeUnits'; readonly units: readonly { readonly name: string; readonly hash: string }[] }
  | { readonly type: 'event'; readonly event: RolloutEvent };

/** The result of one step. */
export interface RolloutStep {
  /** The record to store; the same object when nothing changed (nothing to write). */
  readonly record: RolloutRecord;
  readonly actions: readonly RolloutAction[];
}

/** The hash a target should run, by its status. */
export function wantedHash(r: Pick<RolloutRecord, 'toHash'>, t: Pick<RolloutTarget, 'status' | 'fromHash'>): string {
  return t.status === 'updating' || t.status === 'healthy' || t.status === 'failed' ? r.toHash : t.fromHash;
}

/** Advances `record` by what `view` shows at `now` (see the module comment). */
export function stepRollout(record: RolloutRecord, view: RolloutView, now: number): RolloutStep {
  const s = new Stepper(record, view, now);
  s.run();
  return s.result();
}

class Stepper {
  private r: RolloutRecord;
  private readonly actions: RolloutAction[] = [];
  private changed = false;

  constructor(
    private readonly original: RolloutRecord,
    private readonly view: RolloutView,
    private readonly now: number,
  ) {
    this.r = original;
  }

  result(): RolloutStep {
    return { record: this.changed ? { ...this.r, updatedAt: this.now } : this.original, actions: this.actions };
  }

  run(): void {
    if (this.r.phase === 'pending') {
      if (this.r.undoRequested) return this.finish('reverted', 'undone before it started; nothing was changed');
      this.start();
    }
    if (this.r.undoRequested && (this.r.phase === 'running' || this.r.phase === 'failed' || this.r.phase === 'done')) this.beginRevert('undo requested');
    if (this.r.phase === 'running' || this.r.phase === 'reverting') this.judgeBatch();
    if (this.r.phase === 'running' || this.r.phase === 'reverting') this.advance();
  }

  private set(patch: Partial<RolloutRecord>): void {
    this.r = { ...this.r, ...patch };
    this.changed = true;
  }

  private event(e: Omit<RolloutEvent, 'group'>): void {
    this.actions.push({ type: 'event', event: { group: this.r.group, ...e } });
  }

  /** pending → running: fix the members and the targets from what runs now. */
  private start(): void {
    const { kind, group } = this.r;
    const members = this.view.members.map((m) => ({ unit: m.name, fromHash: m.hash }));
    const targets: RolloutTarget[] = [];
    for (const m of this.view.members) {
      if (m.desired !== 'launched' || m.machines.length === 0) continue;
      if (kind === 'template' && m.name === group) continue;
      if (kind === 'global') for (const machine of m.machines) targets.push({ unit: m.name, machine, fromHash: m.hash, status: 'pending' });
      else targets.push({ unit: m.name, machine: m.machines[0]!, fromHash: m.hash, status: 'pending' });
    }
    targets.sort((a, b) => naturalCompare(targetId(kind, a), targetId(kind, b)));
    this.set({ phase: 'running', members, targets });
    this.event({ kind: 'started', reason: `${targets.length} target(s), ${this.r.settings.maxParallel} at a time` });
  }

  private beginRevert(why: string): void {
    const running = this.runningBatch();
    if (running !== undefined) this.endBatch(running, 'failed', why);
    this.set({ phase: 'reverting', undoRequested: false, message: `reverting: ${why}` });
    this.event({ kind: 'reverting', reason: why });
  }

  private runningBatch(): RolloutBatch | undefined {
    const last = this.r.batches.at(-1);
    return last?.state === 'running' ? last : undefined;
  }

  private endBatch(b: RolloutBatch, state: 'healthy' | 'failed', reason?: string): void {
    const ended: RolloutBatch = { ...b, state, endedAt: this.now, ...(reason !== undefined ? { reason } : {}) };
    this.set({ batches: this.r.batches.map((x) => (x.index === b.index ? ended : x)) });
  }

  private setTargets(update: (t: RolloutTarget) => RolloutTarget): void {
    let any = false;
    const targets = this.r.targets.map((t) => {
      const n = update(t);
      if (n !== t) any = true;
      return n;
    });
    if (any) this.set({ targets });
  }

  /** Judges every target of the running batch; ends the batch when all are healthy, one failed, or the deadline passed. */
  private judgeBatch(): void {
    const b = this.runningBatch();
    if (b === undefined) return;
    const { kind, settings } = this.r;
    const ids = new Set(b.targets);
    const failures: string[] = [];
    let waiting: RolloutTarget[] = [];
    const late = this.now - b.startedAt > settings.healthyDeadlineMs;
    this.setTargets((t) => {
      if (!ids.has(targetId(kind, t)) || (t.status !== 'updating' && t.status !== 'reverting')) return t;
      const v = judgeTarget(t, wantedHash(this.r, t), this.observe(t), this.now, settings.minHealthyTimeMs);
      if (v.verdict === 'failed') {
        failures.push(v.reason);
        return b.kind === 'update' ? { ...v.target, status: 'failed', reason: v.reason } : { ...v.target, reason: v.reason };
      }
      if (v.verdict === 'healthy') {
        const { reason: _r, ...rest } = v.target;
        return { ...rest, status: b.kind === 'update' ? 'healthy' : 'reverted' };
      }
      waiting.push(v.target);
      return v.target;
    });
    if (failures.length === 0 && late && waiting.length > 0) {
      const reason = `not healthy within ${formatMs(settings.healthyDeadlineMs)}: ${waiting.map((t) => `${where(t)} (${this.describe(t)})`).join(', ')}`;
      failures.push(reason);
      const late = new Set(waiting.map((t) => targetId(kind, t)));
      if (b.kind === 'update') this.setTargets((t) => (late.has(targetId(kind, t)) ? { ...t, status: 'failed', reason } : t));
      waiting = [];
    }
    if (failures.length > 0) return this.batchFailed(b, failures.join('; '));
    if (waiting.length === 0) {
      this.endBatch(b, 'healthy');
      this.event({ kind: b.kind === 'update' ? 'batchHealthy' : 'batchReverted', batch: b.index, targets: b.targets });
    }
  }

  private batchFailed(b: RolloutBatch, reason: string): void {
    this.endBatch(b, 'failed', reason);
    this.event({ kind: 'batchFailed', batch: b.index, targets: b.targets, reason });
    if (b.kind === 'revert') {
      this.set({ phase: 'failed', message: `revert stopped: batch ${b.index} failed: ${reason}` });
      this.event({ kind: 'failed', reason });
      return;
    }
    if (this.r.settings.autoRevert) return this.beginRevert(`batch ${b.index} failed: ${reason}`);
    const left = this.r.targets.filter((t) => t.status === 'pending').length;
    this.set({
      phase: 'failed',
      message: `batch ${b.index} failed: ${reason}; stopped with ${left} of ${this.r.targets.length} target(s) still on the previous text (undo puts it back everywhere)`,
    });
    this.event({ kind: 'failed', reason });
  }

  /** No batch running: start the next one, or finish. */
  private advance(): void {
    if (this.runningBatch() !== undefined || this.r.paused) return;
    const { kind, settings } = this.r;
    const reverting = this.r.phase === 'reverting';
    const candidates = this.r.targets.filter((t) => (reverting ? ['updating', 'failed', 'healthy'].includes(t.status) : t.status === 'pending'));
    if (candidates.length === 0) return reverting ? this.finishRevert() : this.finishUpdate();
    // Targets already down go first: switching them costs no capacity.
    const down = (t: RolloutTarget) => {
      const obs = this.observe(t);
      return t.status !== 'healthy' && !(obs !== undefined && obs.activeState === 'active');
    };
    const order = (a: RolloutTarget, b: RolloutTarget) =>
      Number(down(b)) - Number(down(a)) || (reverting ? (b.batch ?? 0) - (a.batch ?? 0) : 0) || naturalCompare(targetId(kind, a), targetId(kind, b));
    // Targets the rollout already moved that are not running now use up slots (at most maxParallel are down because of it).
    const lost = this.r.targets.filter((t) => (t.status === 'healthy' || t.status === 'reverted') && !this.running(t)).length;
    const slots = settings.maxParallel - lost;
    if (slots <= 0) {
      const message = `waiting: ${lost} target(s) already moved are not running`;
      if (this.r.message !== message) this.set({ message });
      return;
    }
    const picked = [...candidates].sort(order).slice(0, slots);
    const index = this.r.batches.length;
    const ids = new Set(picked.map((t) => targetId(kind, t)));
    const status: TargetStatus = reverting ? 'reverting' : 'updating';
    this.setTargets((t) => {
      if (!ids.has(targetId(kind, t))) return t;
      const { runningSince: _a, stateStamp: _b, restarts: _c, reason: _d, ...rest } = t;
      return { ...rest, status, batch: index };
    });
    const batch: RolloutBatch = { index, kind: reverting ? 'revert' : 'update', targets: [...ids], startedAt: this.now, state: 'running' };
    this.set({ batches: [...this.r.batches, batch], message: `${reverting ? 'reverting' : 'updating'} batch ${index}: ${[...ids].join(', ')}` });
    this.event({ kind: 'batchStarted', batch: index, targets: batch.targets });
  }

  private finishUpdate(): void {
    // Every record of the group still on a previous text gets the new one.
    const fromHashes = new Set([this.r.fromHash, ...this.r.members.map((m) => m.fromHash)]);
    const units = this.view.members.filter((m) => m.hash !== this.r.toHash && fromHashes.has(m.hash)).map((m) => ({ name: m.name, hash: this.r.toHash }));
    if (units.length > 0) this.actions.push({ type: 'writeUnits', units });
    this.finish('done', `${this.r.targets.length} target(s) updated`);
  }

  private finishRevert(): void {
    // After an undo of a finished rollout the records carry the new text: put each member's previous one back.
    const before = new Map(this.r.members.map((m) => [m.unit, m.fromHash]));
    const units = this.view.members.flatMap((m) => {
      const from = before.get(m.name);
      return from !== undefined && m.hash === this.r.toHash && from !== m.hash ? [{ name: m.name, hash: from }] : [];
    });
    if (units.length > 0) this.actions.push({ type: 'writeUnits', units });
    const failed = this.r.batches.find((b) => b.kind === 'update' && b.state === 'failed');
    this.finish('reverted', failed?.reason !== undefined ? `reverted after batch ${failed.index} failed: ${failed.reason}` : 'reverted');
  }

  private finish(phase: 'done' | 'reverted', message: string): void {
    this.set({ phase, message, undoRequested: false, paused: false });
    this.event({ kind: phase, reason: message });
  }

  private observe(t: RolloutTarget): TargetObservation | undefined {
    if (this.r.kind === 'global') return this.view.observe(t.unit, t.machine);
    // An instance or unit may have moved: judge it where it is scheduled now.
    const m = this.view.members.find((x) => x.name === t.unit);
    const machine = m?.machines[0] ?? t.machine;
    return this.view.observe(t.unit, machine);
  }

  private running(t: RolloutTarget): boolean {
    const obs = this.observe(t);
    return obs !== undefined && obs.hash === wantedHash(this.r, t) && isRunning(t.unit, obs);
  }

  private describe(t: RolloutTarget): string {
    const obs = this.observe(t);
    if (obs === undefined) return 'no state reported';
    if (obs.hash !== wantedHash(this.r, t)) return 'still on another text';
    return `${obs.activeState}/${obs.subState}`;
  }
}

/** Compares names with digit runs as numbers (`web@2` before `web@10`). */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x) && /^\d/.test(y);
    if (nx && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}
