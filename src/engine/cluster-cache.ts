import {
  mergeMetadata,
  type ClusterSnapshot as RegistrySnapshot,
  type MachineRecord,
  type RegistryEvent,
  type ScheduleEntry,
  type ScheduleOp,
  type StoredRollout,
  type UnitRecord,
} from '../registry/index.js';
import type { DesiredState } from '../domain/index.js';
import type { Cordon } from './cordon.js';

/**
 * The engine's in-memory picture of the cluster: filled from one registry
 * snapshot, then kept current by watch events (house example 2). Every
 * reconcile works from here, so etcd is never re-read wholesale per change.
 *
 * Unit states are not kept: placement does not depend on them, and at scale
 * they are the busiest keys.
 */
export class ClusterCache {
  readonly units = new Map<string, UnitRecord>();
  readonly desired = new Map<string, DesiredState>();
  readonly machines = new Map<string, MachineRecord>();
  /** machine id -> dynamic metadata key -> value ('' = deleted). */
  readonly machineMetadata = new Map<string, Map<string, string>>();
  /** machine id -> unit name -> entry. */
  readonly schedule = new Map<string, Map<string, ScheduleEntry>>();
  /**
   * Machines that take no new units (planning input, see `Cordon`). A cordon
   * ends when its time is up or when the machine leaves (if it registers
   * again it is alive); reloading the cache keeps it.
   */
  readonly cordons = new Map<string, Cordon>();
  /** The placement policy document as stored; undefined: none set (the default policy). */
  policy: string | undefined;
  /** Content hash -> revision its body was written at (for the body collector). */
  readonly bodies = new Map<string, bigint>();
  /** Revision of the last snapshot or event applied. */
  revision = 0n;
  /**
   * How far the view of body references (unit records, schedule entries)
   * is complete: every change below these revisions has been applied. Each
   * directory is watched on its own, so each has its own mark.
   */
  readonly referencesSeen = { units: 0n, schedule: 0n, rollouts: 0n };
  /** Rollout records by group, with the revision each was written at (for compare-and-set writes). */
  readonly rollouts = new Map<string, StoredRollout>();
  /**
   * Counts the changes a plan depends on (`pass-input.ts`): loads, watch
   * events `apply` calls relevant, the engine's own schedule and rollout
   * writes. Unit states, bodies and the echo of the engine's own writes do
   * not count, nor do cordons (compared by what is in force at a pass).
   */
  get version(): number {
    return this.changes;
  }
  private changes = 0;
  /** Counts changes to `bodies` (body events, loads, {@link forgetBody}): with `version`, all the body collector's answer depends on. */
  get bodiesVersion(): number {
    return this.bodyChanges;
  }
  private bodyChanges = 0;
  /** Merged metadata per machine, valid while the machine record is the same object (dropped on metadata events). */
  private readonly merged = new Map<string, { readonly record: MachineRecord; readonly metadata: Record<string, string> }>();

  /** Replaces everything with `snap`. */
  load(snap: RegistrySnapshot): void {
    this.units.clear();
    this.desired.clear();
    this.machines.clear();
    this.machineMetadata.clear();
    this.schedule.clear();
    this.bodies.clear();
    this.merged.clear();
    this.rollouts.clear();
    for (const r of snap.rollouts ?? []) this.rollouts.set(r.record.group, r);
    for (const id of [...this.cordons.keys()]) if (!snap.machines.some((m) => m.id === id)) this.cordons.delete(id);
    for (const u of snap.units) this.units.set(u.name, u);
    for (const [name, d] of snap.desired) this.desired.set(name, d);
    for (const m of snap.machines) this.machines.set(m.id, m);
    for (const [id, md] of snap.machineMetadata) this.machineMetadata.set(id, new Map(md));
    for (const e of snap.schedule) this.putEntry(e);
    this.policy = snap.policy;
    for (const [hash, rev] of snap.bodies) this.bodies.set(hash, rev);
    this.revision = snap.revision;
    this.referencesSeen.units = snap.revision;
    this.referencesSeen.schedule = snap.revision;
    this.referencesSeen.rollouts = snap.revision;
    this.changes++;
    this.bodyChanges++;
  }

  /**
   * Applies watch events in order.
   * @returns true when something placement depends on changed (unit states
   *   and leader changes do not count).
   */
  apply(events: readonly RegistryEvent[]): boolean {
    let relevant = false;
    for (const ev of events) {
      if (ev.revision > this.revision) this.revision = ev.revision;
      switch (ev.kind) {
        case 'unit':
          setOrDelete(this.units, ev.name, ev.unit);
          if (ev.revision > this.referencesSeen.units) this.referencesSeen.units = ev.revision;
          relevant = true;
          break;
        case 'body':
          // Not a placement input: no pass.
          setOrDelete(this.bodies, ev.hash, ev.text === undefined ? undefined : ev.revision);
          this.bodyChanges++;
          break;
        case 'desired':
          setOrDelete(this.desired, ev.name, ev.desired);
          relevant = true;
          break;
        case 'machine':
          setOrDelete(this.machines, ev.machineId, ev.machine);
          if (ev.machine === undefined) this.cordons.delete(ev.machineId);
          relevant = true;
          break;
        case 'machineMetadata': {
          let md = this.machineMetadata.get(ev.machineId);
          if (md === undefined) this.machineMetadata.set(ev.machineId, (md = new Map()));
          setOrDelete(md, ev.key, ev.value);
          this.merged.delete(ev.machineId);
          relevant = true;
          break;
        }
        case 'schedule': {
          // The engine records its own writes at once (applyOps); their
          // echo from the watch changes nothing and must not cause another
          // pass, which at 10,000 units costs as much as a real one.
          const cached = this.schedule.get(ev.machineId)?.get(ev.name);
          if (ev.revision > this.referencesSeen.schedule) this.referencesSeen.schedule = ev.revision;
          if (ev.entry === undefined) {
            if (cached !== undefined) relevant = true;
            this.deleteEntry(ev.machineId, ev.name);
          } else {
            if (cached === undefined || cached.hash !== ev.entry.hash || cached.targetState !== ev.entry.targetState) relevant = true;
            this.putEntry(ev.entry);
          }
          break;
        }
        case 'policy':
          this.policy = ev.document;
          relevant = true;
          break;
        case 'rollout': {
          if (ev.revision > this.referencesSeen.rollouts) this.referencesSeen.rollouts = ev.revision;
          // Like schedule entries: the echo of the engine's own write (already recorded) changes nothing.
          const cached = this.rollouts.get(ev.group);
          if (cached !== undefined && cached.modRevision >= ev.revision && ev.rollout !== undefined) break;
          setOrDelete(this.rollouts, ev.group, ev.rollout === undefined ? undefined : { record: ev.rollout, modRevision: ev.revision });
          relevant = true;
          break;
        }
        case 'state':
        case 'leader':
          break;
      }
    }
    if (relevant) this.changes++;
    return relevant;
  }

  /** Records schedule writes the engine just made, before their watch events arrive. */
  applyOps(ops: readonly ScheduleOp[]): void {
    if (ops.length > 0) this.changes++;
    for (const op of ops) {
      if (op.type === 'put') this.putEntry(op.entry);
      else this.deleteEntry(op.machineId, op.name);
    }
  }

  /** Records a rollout record (and unit records) the engine just wrote at `revision`, before their watch events arrive. */
  applyRolloutWrite(rollout: StoredRollout, units: readonly UnitRecord[]): void {
    this.changes++;
    this.rollouts.set(rollout.record.group, rollout);
    for (const u of units) this.units.set(u.name, u);
  }

  /** Records that the body `hash` seen at `revision` was deleted (by the body collector), before its watch event arrives; a body written again since stays. */
  forgetBody(hash: string, revision: bigint): void {
    if (this.bodies.get(hash) !== revision) return;
    this.bodies.delete(hash);
    this.bodyChanges++;
  }

  /** A machine's metadata with dynamic metadata merged in (fleet's rule). */
  metadataOf(machine: MachineRecord): Record<string, string> {
    // Every pass asks for every machine; merging 1,000 machines' metadata per pass showed in profiles.
    const hit = this.merged.get(machine.id);
    if (hit !== undefined && hit.record === machine) return hit.metadata;
    const metadata = mergeMetadata(machine.metadata, this.machineMetadata.get(machine.id) ?? new Map());
    this.merged.set(machine.id, { record: machine, metadata });
    return metadata;
  }

  /** Every schedule entry, by machine then name. */
  *entries(): Iterable<ScheduleEntry> {
    for (const byName of this.schedule.values()) yield* byName.values();
  }

  private putEntry(e: ScheduleEntry): void {
    let byName = this.schedule.get(e.machineId);
    if (byName === undefined) this.schedule.set(e.machineId, (byName = new Map()));
    byName.set(e.name, e);
  }

  private deleteEntry(machineId: string, name: string): void {
    const byName = this.schedule.get(machineId);
    if (byName === undefined) return;
    byName.delete(name);
    if (byName.size === 0) this.schedule.delete(machineId);
  }
}

function setOrDelete<K, V>(map: Map<K, V>, key: K, value: V | undefined): void {
  if (value === undefined) map.delete(key);
  else map.set(key, value);
}
