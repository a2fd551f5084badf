/**
 * `fleetctl restart UNIT...`: stop then start units. Fixed from fleet: the
 * stop phase waits for `loaded` (fleet waited for `launched`, so the restart
 * could be a no-op), and global units are restarted too (fleet did nothing),
 * waiting on every machine's state report.
 */
import type { CommandContext } from '../context.js';
import { errorMessage } from '../client/errors.js';
import type { FleetUnitSummary } from '../client/types.js';
import { unitSummary } from '../client/unit-view.js';
import { createUnits } from '../units/create.js';
import { forEachUnit, unitErrorText } from '../units/each.js';
import { findUnits } from '../units/find.js';
import { MachineLegends } from '../units/legend.js';
import { reportWaitFailures } from '../units/report.js';
import { waitForStates } from '../wait/states.js';
import { pollBudget } from '../wait/timing.js';
import { count, parseCount, type CommandSpec } from './spec.js';
import { isRunning, isStarted, type DesiredState } from '../../src/domain/index.js';

/**
 * Waits until a global unit reached `target` on every machine it is
 * scheduled to (its currentState, the least advanced over its machines,
 * which is `inactive` while it is scheduled nowhere) and every machine's
 * report is started (`launched`) or not running (`loaded`). A unit no
 * machine reports on has not reached anything: the wait runs out.
 */
async function waitGlobal(ctx: CommandContext, name: string, target: DesiredState, attempts: number): Promise<string | undefined> {
  const budget = pollBudget(ctx.timing, attempts);
  for (let polls = 0; ; polls++) {
    const unit = await ctx.client.getUnit(name);
    if (unit === undefined) return `unit ${name} no longer exists`;
    const states = await ctx.client.listUnitStates({ unitName: name });
    const settled = (s: { readonly activeState: string }): boolean => (target === 'launched' ? isStarted(s.activeState) : !isRunning(s.activeState));
    if (unit.currentState === target && states.length > 0 && states.every(settled)) {
      ctx.out.stdout.write(`Unit ${name} ${target} on ${states.length} machine${states.length === 1 ? '' : 's'}\n`);
      return undefined;
    }
    if (polls >= budget) return `timed out waiting for global unit ${name} to report state ${target} on every machine`;
    await ctx.timing.sleep(ctx.timing.pollMs, ctx.signal);
  }
}

async function restartGlobal(ctx: CommandContext, unit: FleetUnitSummary, attempts: number): Promise<boolean> {
  for (const target of ['loaded', 'launched'] as const) {
    await ctx.client.setDesiredState(unit.name, target);
    const err = await waitGlobal(ctx, unit.name, target, attempts);
    if (err !== undefined) return reportWaitFailures(ctx.out, [{ name: unit.name, phase: 'state', message: err }]);
  }
  return true;
}

/**
 * Restarts ordinary units as a batch: every running one is stopped (desired
 * `loaded`, waiting for loaded), then all are started (waiting for launched
 * and systemd active). Each phase writes a bounded number at a time and
 * waits with one observation per round; a unit whose write fails is
 * reported and left out of the rest.
 * @returns false when anything failed (already reported).
 */
async function restartBatch(ctx: CommandContext, units: readonly FleetUnitSummary[], attempts: number, legends: MachineLegends): Promise<boolean> {
  const { client, out } = ctx;
  let ok = true;
  const setAll = (list: readonly FleetUnitSummary[], target: DesiredState) =>
    forEachUnit(
      client,
      list,
      (u) => ({ kind: 'put', name: u.name, options: [], desiredState: target }),
      (u, err) => {
        if (err === undefined) return;
        out.stderr.write(`Error restarting units: ${unitErrorText(u.name, err)}\n`);
        ok = false;
      },
    );
  // Only a running unit needs the stop phase; a loaded (or just created) one is simply started.
  const stopped = await setAll(
    units.filter((u) => u.currentState === 'launched'),
    'loaded',
  );
  const stopFailures = await waitForStates(ctx, stopped.map((u) => ({ name: u.name, target: 'loaded' as const })), attempts, legends);
  if (!reportWaitFailures(out, stopFailures)) ok = false;
  const failedStop = new Set(stopFailures.map((f) => f.name));
  const stoppedNames = new Set(stopped.map((u) => u.name));
  const startable = units.filter((u) => u.currentState !== 'launched' || (stoppedNames.has(u.name) && !failedStop.has(u.name)));
  const started = await setAll(startable, 'launched');
  const startFailures = await waitForStates(ctx, started.map((u) => ({ name: u.name, target: 'launched' as const, systemdActive: true })), attempts, legends);
  if (!reportWaitFailures(out, startFailures)) ok = false;
  return ok;
}

/** The restart command. */
export const restartCommand: CommandSpec = {
  name: 'restart',
  usage: 'UNIT...',
  summary: 'Instruct systemd to restart one or more units in the cluster',
  description: 'A launched unit is stopped (waiting for loaded), then started (waiting for launched); a loaded one is started. Missing units are created from local files first.',
  flags: [{ flags: '--block-attempts <n>', description: 'Wait up to N windows of 2s for each phase; 0 waits forever.', defaultValue: 0, parse: parseCount }],
  async run(ctx, args, flags) {
    const { out, client } = ctx;
    if (args.length === 0) {
      out.stderr.write('No units given\n');
      return 1;
    }
    const attempts = count(flags, 'blockAttempts', 0);
    let existing: FleetUnitSummary[];
    let fresh: FleetUnitSummary[] = [];
    try {
      const found = await findUnits(client, args);
      existing = found.units;
      if (found.missing.length > 0) {
        // Units that did not exist are created from local files and started.
        const created = await createUnits(ctx, found.missing, 'start', false);
        if (!created.ok) return 1;
        fresh = found.missing.flatMap((n) => {
          const u = created.known.get(n);
          return u === undefined ? [] : [unitSummary(u)];
        });
      }
    } catch (err) {
      out.stderr.write(`Error restarting units: ${errorMessage(err)}\n`);
      return 1;
    }
    let code = 0;
    const legends = new MachineLegends(client);
    const batch: FleetUnitSummary[] = [];
    for (const unit of [...existing, ...fresh]) {
      if (existing.includes(unit) && !unit.global && (unit.currentState ?? 'inactive') === 'inactive') {
        out.stderr.write(`Unable to restart unit ${unit.name} in state inactive\n`);
        code = 1;
        continue;
      }
      if (!unit.global) {
        batch.push(unit);
        continue;
      }
      try {
        if (!(await restartGlobal(ctx, unit, attempts))) code = 1;
      } catch (err) {
        out.stderr.write(`Error restarting units: ${errorMessage(err)}\n`);
        code = 1;
      }
    }
    if (batch.length > 0 && !(await restartBatch(ctx, batch, attempts, legends))) code = 1;
    return code;
  },
};
