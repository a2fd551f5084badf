import type { Logger } from 'pino';
import type { SystemdDriver, UnitFile } from '../systemd/driver.js';
import type { Task, TaskKind } from './plan-tasks.js';
import { pooled } from '../pool.js';

/** What happened to one planned task. */
export interface TaskOutcome {
  readonly task: Task;
  /** Undefined = success. */
  readonly error?: Error;
  /** True when the task was not attempted because an earlier task for the same unit failed. */
  readonly skipped?: boolean;
}

/** Called around tasks so the agent can track which units it has launched. */
export interface TaskHooks {
  /** Unit bodies (with their drop-in) for `load` tasks; a missing body fails that task. */
  body(name: string): UnitFile | undefined;
  /** The drop-in a `limit` task writes (undefined: remove it). */
  dropIn?(name: string): string | undefined;
  /** After a `limit` task wrote the unit's drop-in. */
  limited?(name: string): void;
  loaded?(name: string): void;
  /** Asked right before a unit's StartUnit is sent; false skips it (outcome `skipped`: the unit is no longer to be started). Default: all are. */
  startable?(name: string): boolean;
  started?(name: string): void;
  stopped?(name: string): void;
  unloaded?(name: string): void;
}

/** Options of {@link runTasks}. */
export interface RunTasksOptions {
  /**
   * D-Bus calls of one phase in flight at once; default 16. systemd answers
   * one call at a time, but pipelining removes a round trip per unit:
   * measured on a sandbox host, 30 StartUnit calls take 324 ms one by one
   * and 49 ms pipelined, 30 unloads 511 ms and 197 ms.
   */
  readonly concurrency?: number;
}

/**
 * Executes planned tasks against systemd phase by phase, in the planned
 * phase order (unload, load, limit + at most one daemon reload, stop, start). Within a
 * phase the units are independent, so their calls are pipelined. Unlike
 * fleet, a failed task does not abort the pass: only the remaining tasks of
 * the same unit (and tasks that must run `after` it: a preempting unit's
 * start) are skipped, so one broken unit never holds up the others.
 * Outcomes come back in the planned task order.
 */
export async function runTasks(tasks: readonly Task[], driver: SystemdDriver, hooks: TaskHooks, log: Logger, options: RunTasksOptions = {}): Promise<TaskOutcome[]> {
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const outcomes = new Map<Task, TaskOutcome>();
  const failed = new Set<string>();
  const record = (task: Task, error?: Error): void => {
    if (error !== undefined && task.unit !== undefined) failed.add(task.unit);
    outcomes.set(task, error === undefined ? { task } : { task, error });
    if (error === undefined) log.info({ task: task.kind, unit: task.unit, reason: task.reason }, 'AgentReconciler completed task');
    else log.warn({ task: task.kind, unit: task.unit, reason: task.reason, err: error }, 'AgentReconciler task failed');
  };
  const runnable = (batch: readonly Task[]): Task[] =>
    batch.filter((task) => {
      const blocked = (task.unit !== undefined && failed.has(task.unit)) || (task.after ?? []).some((u) => failed.has(u));
      if (!blocked) return true;
      outcomes.set(task, { task, skipped: true });
      return false;
    });
  const unitCall = (call: (name: string) => Promise<void>, hook: ((name: string) => void) | undefined) => async (task: Task) => {
    try {
      await call(task.unit!);
      hook?.(task.unit!);
      record(task);
    } catch (err) {
      record(task, err as Error);
    }
  };

  for (const phase of phases(tasks)) {
    switch (phase.kind) {
      case 'unload':
        await pooled(runnable(phase.tasks), concurrency, unitCall((n) => driver.unload(n), hooks.unloaded));
        break;
      case 'stop':
        await pooled(runnable(phase.tasks), concurrency, unitCall((n) => driver.stop(n), hooks.stopped));
        break;
      case 'start': {
        const start = unitCall((n) => driver.start(n), hooks.started);
        await pooled(runnable(phase.tasks), concurrency, async (task) => {
          if (hooks.startable?.(task.unit!) === false) outcomes.set(task, { task, skipped: true });
          else await start(task);
        });
        break;
      }
      case 'load':
        // Loads wait for the reload task that follows them.
        break;
      case 'limit':
        await pooled(runnable(phase.tasks), concurrency, unitCall((n) => driver.setDropIn(n, hooks.dropIn?.(n)), hooks.limited));
        break;
      case 'reload':
        for (const task of runnable(phase.tasks)) {
          const loads = runnable(tasks.filter((t) => t.kind === 'load'));
          // A rewritten drop-in reaches a unit systemd holds only through a reload, as a removed unit does.
          const mustReload = tasks.some((t) => t.kind === 'unload') || (tasks.some((t) => t.kind === 'limit' && outcomes.get(t)?.error === undefined));
          await loadAndReload(task, loads, mustReload, driver, hooks, record);
        }
        break;
    }
  }
  if (tasks.some((t) => t.kind === 'load') && !tasks.some((t) => t.kind === 'reload')) throw new Error('planTasks produced loads without a reload task');
  return tasks.map((t) => outcomes.get(t) ?? { task: t, skipped: true });
}

/**
 * Loads every unit of the pass in ONE driver call, so the driver can decide
 * once whether systemd needs a daemon reload: units new to systemd need none
 * (it loads them on StartUnit), and a reload stalls systemd ~1 ms per loaded
 * unit (~1 s at 1,000 running units on a sandbox host). Links are plain
 * symlinks now, so there is nothing left to pipeline per unit. After unloads (and rewritten drop-ins)
 * the reload is always issued, so systemd forgets the removed definitions
 * now rather than at its next garbage collection.
 */
async function loadAndReload(
  reload: Task,
  loads: readonly Task[],
  mustReload: boolean,
  driver: SystemdDriver,
  hooks: TaskHooks,
  record: (task: Task, error?: Error) => void,
): Promise<void> {
  const files: UnitFile[] = [];
  const byName = new Map(loads.map((t) => [t.unit!, t]));
  for (const t of loads) {
    const body = hooks.body(t.unit!);
    if (body === undefined) record(t, new Error(`no unit body with the scheduled hash for ${t.unit}`));
    else files.push(body);
  }
  let linked: string[] | undefined;
  try {
    const results = files.length === 0 ? [] : await driver.loadUnits(files, mustReload ? { reload: false } : {});
    linked = [];
    for (const r of results) {
      if (r.error === undefined) linked.push(r.name);
      else record(byName.get(r.name)!, r.error);
    }
    if (mustReload) await driver.reload();
  } catch (err) {
    // loadUnits throws only for its reload, after linking: every unit not reported failed shares the error
    for (const name of linked ?? files.map((f) => f.name)) record(byName.get(name)!, err as Error);
    record(reload, err as Error);
    return;
  }
  for (const name of linked) {
    hooks.loaded?.(name);
    record(byName.get(name)!);
  }
  record(reload);
}

/** Consecutive tasks of one kind (planTasks sorts tasks by kind). */
function phases(tasks: readonly Task[]): Array<{ kind: TaskKind; tasks: Task[] }> {
  const out: Array<{ kind: TaskKind; tasks: Task[] }> = [];
  for (const t of tasks) {
    const last = out[out.length - 1];
    if (last !== undefined && last.kind === t.kind) last.tasks.push(t);
    else out.push({ kind: t.kind, tasks: [t] });
  }
  return out;
}
