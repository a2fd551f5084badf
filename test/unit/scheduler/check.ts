/**
 * An independent, naive checker of a schedule against every constraint,
 * written from fleet's rules rather than from the scheduler's indexes, so
 * property tests do not grade the scheduler with its own code.
 */
import { globMatch } from '../../../src/units/glob.js';
import type { ClusterSnapshot, UnitSnapshot } from '../../../src/scheduler/types.js';

/** Every violation in `snap`'s schedule, as readable strings (empty = valid). */
export function violations(snap: ClusterSnapshot): string[] {
  const out: string[] = [];
  const units = new Map(snap.units.map((u) => [u.name, u] as const));
  const machines = new Map(snap.machines.map((m) => [m.id, m] as const));
  const on = new Map<string, string[]>();
  for (const [name, ids] of snap.schedule) {
    const u = units.get(name);
    if (u === undefined || u.desiredState === 'inactive') out.push(`${name} is scheduled but not active`);
    if (u !== undefined && !u.requirements.global && ids.length > 1) out.push(`${name} is on ${ids.length} machines`);
    for (const id of ids) {
      if (!machines.has(id)) out.push(`${name} is on missing machine ${id}`);
      on.set(id, [...(on.get(id) ?? []), name]);
    }
  }
  for (const [id, names] of on) {
    const m = machines.get(id);
    if (m === undefined) continue;
    const here = names.map((n) => units.get(n)).filter((u): u is UnitSnapshot => u !== undefined);
    for (const u of here) {
      const r = u.requirements;
      if (r.machineId !== undefined && r.machineId !== id && r.machineId !== id.slice(0, 8)) out.push(`${u.name} on ${id}: MachineID ${r.machineId}`);
      for (const [k, vs] of r.metadata) {
        if (!Object.hasOwn(m.metadata, k) || !vs.includes(m.metadata[k]!)) out.push(`${u.name} on ${id}: metadata ${k}`);
      }
      for (const peer of r.machineOf) if (!names.includes(peer)) out.push(`${u.name} on ${id}: peer ${peer} missing`);
      for (const v of here) {
        if (v === u) continue;
        if (r.conflicts.some((p) => globMatch(p, v.name))) out.push(`${u.name} on ${id}: conflicts with ${v.name}`);
        if (r.replaces.some((p) => globMatch(p, v.name))) out.push(`${u.name} on ${id}: shares machine with replaced ${v.name}`);
      }
    }
  }
  return out;
}

/** True when ordinary unit `u` could be added to machine `id` of `snap` without a violation. */
export function fits(snap: ClusterSnapshot, u: UnitSnapshot, id: string): boolean {
  const schedule = new Map(snap.schedule);
  schedule.set(u.name, [id]);
  return violations({ ...snap, schedule }).length === 0;
}
