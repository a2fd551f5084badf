import type { Logger } from 'pino';
import type { SystemdDriver, UnitFile } from '../systemd/driver.js';
import type { Task } from './plan-tasks.js';

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
  /** Unit bodies for `load` tasks; a missing body fails that task. */
  body(name: string): UnitFile | undefined;
  loaded?(name: string): void;
  started?(name: string): void;
  stopped?(name: string): void;
  unloaded?(name: string): void;
}

/**
 * Executes planned tasks against systemd in their planned order. Loads go out
 * as one batch with one daemon reload. Unlike fleet, a failed task does not
 * abort the pass: only the remaining tasks of the same unit are skipped, so
 * one broken unit never holds up the others.
 */
export async function runTasks(tasks: readonly Task[], driver: SystemdDriver, hooks: TaskHooks, log: Logger): Promise<TaskOutcome[]> {
  const outcomes: TaskOutcome[] = [];
  const failed = new Set<string>();
  const record = (task: Task, error?: Error): void => {
    if (error !== undefined && task.unit !== undefined) failed.add(task.unit);
    outcomes.push(error === undefined ? { task } : { task, error });
    if (error === undefined) log.info({ task: task.kind, unit: task.unit, reason: task.reason }, 'AgentReconciler completed task');
    else log.warn({ task: task.kind, unit: task.unit, reason: task.reason, err: error }, 'AgentReconciler task failed');
  };
  const skip = (task: Task): boolean => {
    if (task.unit === undefined || !failed.has(task.unit)) return false;
    outcomes.push({ task, skipped: true });
    return true;
  };

  let reloaded = false;
  const loads: Task[] = [];
  for (const task of tasks) {
    if (skip(task)) continue;
    switch (task.kind) {
      case 'unload':
        try {
          await driver.unload(task.unit!);
          hooks.unloaded?.(task.unit!);
          record(task);
        } catch (err) {
          record(task, err as Error);
        }
        break;
      case 'load':
        loads.push(task);
        break;
      case 'reload': {
        // One reload for the batch: loadUnits reloads when there are loads.
        const files: UnitFile[] = [];
        for (const t of loads) {
          const body = hooks.body(t.unit!);
          if (body === undefined) record(t, new Error(`no unit body with the scheduled hash for ${t.unit}`));
          else files.push(body);
        }
        try {
          if (files.length > 0) {
            const results = await driver.loadUnits(files);
            for (const r of results) {
              if (r.error === undefined) hooks.loaded?.(r.name);
              record(loads.find((t) => t.unit === r.name)!, r.error);
            }
          } else {
            await driver.reload();
          }
          reloaded = true;
          record(task);
        } catch (err) {
          for (const f of files) record(loads.find((t) => t.unit === f.name)!, err as Error);
          record(task, err as Error);
        }
        break;
      }
      case 'stop':
        try {
          await driver.stop(task.unit!);
          hooks.stopped?.(task.unit!);
          record(task);
        } catch (err) {
          record(task, err as Error);
        }
        break;
      case 'start':
        try {
          await driver.start(task.unit!);
          hooks.started?.(task.unit!);
          record(task);
        } catch (err) {
          record(task, err as Error);
        }
        break;
    }
  }
  if (loads.length > 0 && !reloaded) throw new Error('planTasks produced loads without a reload task');
  return outcomes;
}
