/**
 * The agent's decision: from what the schedule wants on this machine and what
 * systemd has, the ordered list of tasks that closes the gap. Pure; the task
 * runner executes the list.
 */

/** A unit the schedule wants on this machine. */
export interface DesiredUnit {
  readonly name: string;
  /** Content hash of the scheduled unit body. */
  readonly hash: string;
  readonly targetState: 'loaded' | 'launched';
  /** fleet's drop-in the unit should have (enforced resource limits); undefined = none. */
  readonly dropIn?: string;
  /** Units the engine preempted here to make room for this one (the schedule entry's `preempts`); undefined = none. */
  readonly preempts?: readonly string[];
}

/** A fleet-managed unit present on this machine (its file is in fleet's unit directory). */
export interface CurrentUnit {
  readonly name: string;
  /** Content hash of the file on disk. */
  readonly hash: string;
  /**
   * Whether the unit counts as launched: the agent started it (and has not
   * stopped it since), or systemd reports it active/activating/reloading.
   * A unit that was started and then failed stays "launched": restarting it is
   * systemd's job (Restart=), not a loop in fleet.
   */
  readonly launched: boolean;
  /** fleet's drop-in on disk; undefined = none. */
  readonly dropIn?: string;
}

/** `limit` rewrites (or removes) a loaded unit's drop-in; the reload that follows applies it, also to a running unit. */
export type TaskKind = 'unload' | 'load' | 'limit' | 'reload' | 'stop' | 'start';

export interface Task {
  readonly kind: TaskKind;
  /** Absent only for `reload` (one daemon reload per batch). */
  readonly unit?: string;
  /** Why, for logs and the operator. */
  readonly reason: string;
  /**
   * Units whose tasks in this list must all succeed before this one runs
   * (a preempting unit starts only once its victims are stopped); the
   * runner skips this task when one of them failed. Absent: none.
   */
  readonly after?: readonly string[];
}

const ORDER: Record<TaskKind, number> = { unload: 0, load: 1, limit: 2, reload: 3, stop: 4, start: 5 };

/**
 * Plans the tasks that bring `current` to `desired`. Units in `held` (see
 * `reset-hold.ts`) that are not desired here are left as they are instead
 * of being unloaded.
 * @returns tasks ordered unload < load < limit < reload < stop < start, by
 *   unit name within a kind; a single `reload` follows any load/unload/limit;
 *   empty when nothing differs. A unit placed by preemption whose victims
 *   are still here (on disk and no longer scheduled) starts after their
 *   unloads (which stop them, waiting for systemd's stop job: their own
 *   ExecStop= and TimeoutStopSec=) and names them in `after`, so it is not
 *   started if one of them could not be stopped.
 */
export function planTasks(desired: readonly DesiredUnit[], current: readonly CurrentUnit[], held: ReadonlySet<string> = new Set()): Task[] {
  const want = new Map(desired.map((d) => [d.name, d]));
  const have = new Map(current.map((c) => [c.name, c]));
  const names = [...new Set([...want.keys(), ...have.keys()])].sort();
  const tasks: Task[] = [];
  for (const name of names) {
    if (!want.has(name) && held.has(name)) continue;
    const d = want.get(name);
    const victims = (d?.preempts ?? []).filter((v) => have.has(v) && !want.has(v) && !held.has(v)).sort();
    for (const t of planUnit(d, have.get(name))) {
      tasks.push(t.kind === 'start' && victims.length > 0 ? { ...t, reason: `${t.reason}, once preempted ${victims.join(', ')} stopped`, after: victims } : t);
    }
  }
  if (tasks.some((t) => t.kind === 'load' || t.kind === 'unload' || t.kind === 'limit')) {
    tasks.push({ kind: 'reload', reason: 'unit files changed' });
  }
  // Stable sort keeps name order within a kind.
  return tasks.sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
}

function planUnit(d: DesiredUnit | undefined, c: CurrentUnit | undefined): Task[] {
  if (d === undefined) {
    return c === undefined ? [] : [{ kind: 'unload', unit: c.name, reason: 'unit loaded but not scheduled here' }];
  }
  const start: Task[] = d.targetState === 'launched' ? [{ kind: 'start', unit: d.name, reason: 'unit scheduled here with target state launched' }] : [];
  if (c === undefined) {
    return [{ kind: 'load', unit: d.name, reason: `unit scheduled here with target state ${d.targetState}` }, ...start];
  }
  if (c.hash !== d.hash) {
    return [
      { kind: 'unload', unit: d.name, reason: `unit content changed (${c.hash.slice(0, 7)} -> ${d.hash.slice(0, 7)})` },
      { kind: 'load', unit: d.name, reason: `unit content changed (${c.hash.slice(0, 7)} -> ${d.hash.slice(0, 7)})` },
      ...start,
    ];
  }
  const limit: Task[] =
    c.dropIn === d.dropIn
      ? []
      : [{ kind: 'limit', unit: d.name, reason: d.dropIn === undefined ? 'resource limits no longer enforced' : 'resource limits to enforce changed' }];
  if (d.targetState === 'launched' && !c.launched) return [...limit, ...start];
  if (d.targetState === 'loaded' && c.launched) {
    return [...limit, { kind: 'stop', unit: d.name, reason: 'unit launched but target state loaded' }];
  }
  return limit;
}
