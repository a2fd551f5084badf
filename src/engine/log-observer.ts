/**
 * The engine's logs as an {@link EngineObserver}. Unplaced units, broken
 * units and plan warnings are logged once per distinct message (every pass
 * reports all of them; the log shows changes only).
 */
import type { Logger } from 'pino';
import { formatExplanation } from '../scheduler/index.js';
import type { EngineObserver, PassReport } from './observer.js';

/** Logs through `logger` (a child with `component: 'engine'`). */
export function logObserver(logger: Logger): EngineObserver {
  const log = logger.child({ component: 'engine' });
  /** What was last logged per unit/warning, so repeated passes do not repeat logs. */
  const reported = new Map<string, string>();

  const report = (pass: PassReport): void => {
    const seen = new Set<string>();
    const once = (key: string, message: string, write: () => void) => {
      seen.add(key);
      if (reported.get(key) === message) return;
      reported.set(key, message);
      write();
    };
    for (const e of pass.plan.unplaced) {
      const why = formatExplanation(e);
      once(`unplaced:${e.unit}`, why, () => log.info({ unit: e.unit, why }, `Unable to schedule unit ${e.unit}: ${why}`));
    }
    for (const b of pass.broken) {
      const why = b.problems.join('; ');
      once(`broken:${b.unit}`, why, () => log.error({ unit: b.unit, problems: b.problems }, `Unit ${b.unit} has unusable [X-Fleet] options and is not scheduled: ${why}`));
    }
    for (const w of pass.plan.warnings) {
      once(`warning:${w.message}:${w.units.join(',')}`, w.message, () => log.warn({ units: w.units }, w.message));
    }
    for (const key of reported.keys()) if (!seen.has(key)) reported.delete(key);
  };

  return {
    elected(e) {
      reported.clear();
      log.info('Engine leadership acquired');
      if (e.cordoned !== undefined) {
        log.info({ machine: e.cordoned.machine, forMs: e.cordoned.forMs }, 'cordoned the previous engine leader: no new units there until it leaves or proves alive');
      }
    },
    deposed: (reason) => log.warn({ reason }, 'Engine leadership lost'),
    loaded: (e) => log.debug({ revision: String(e.revision), units: e.units, machines: e.machines }, 'engine cache loaded'),
    cordonLifted(machine, why) {
      if (why === 'left') log.info({ machine }, 'cordoned machine left; cordon lifted');
      else log.info({ machine }, 'previous engine leader is still registered after the suspicion period: cordon lifted');
    },
    planned: report,
    applied(pass) {
      if (pass.ops.length === 0) return;
      for (const d of pass.plan.decisions) {
        log.info({ unit: d.unit, machine: d.machine, reason: d.reason }, d.kind === 'schedule' ? 'Scheduled unit' : 'Unscheduled unit');
      }
      const refreshed = pass.ops.length - pass.plan.decisions.length;
      if (refreshed > 0) log.debug({ refreshed }, 'refreshed schedule entries (target state or content changed)');
    },
    preempted(preemptions) {
      for (const p of preemptions) {
        const victims = p.victims.map((v) => `${v.unit} (priority ${v.priority})`).join(', ');
        log.info({ unit: p.unit, priority: p.priority, machine: p.machine, victims: p.victims }, `Preempted ${victims} on ${p.machine} for ${p.unit} (priority ${p.priority})`);
      }
    },
    preemptionFlapping(e) {
      log.warn(
        { unit: e.unit, count: e.count, windowMs: e.windowMs, by: e.by },
        `Unit ${e.unit} was preempted ${e.count} times within ${Math.round(e.windowMs / 1000)} s (last by ${e.by.unit}, priority ${e.by.priority}); it is not preempted again until that window passes`,
      );
    },
    published(writes, deferred) {
      log.debug({ writes, deferred }, 'published unplaced-unit explanations');
    },
    writeFailed(_pass, err, _ms, notLeader) {
      if (notLeader) log.warn({ err }, 'engine write refused: no longer leader');
      else log.warn({ err }, 'engine could not write the schedule; retrying');
    },
    recordsUpgraded: (e) => log.info({ upgraded: e.upgraded, raced: e.raced }, 'upgraded unit records written by an older fleetd to content-addressed bodies'),
    bodiesCollected: (hashes) => log.info({ deleted: hashes.length, hashes }, 'deleted unit bodies nothing refers to any more'),
    rollout(e) {
      const what = `rollout of ${e.group}: ${e.kind}${e.batch !== undefined ? ` (batch ${e.batch}${e.targets ? `: ${e.targets.join(', ')}` : ''})` : ''}${e.reason !== undefined ? `: ${e.reason}` : ''}`;
      if (e.kind === 'batchFailed' || e.kind === 'failed') log.warn({ rollout: e }, what);
      else log.info({ rollout: e }, what);
    },
    trouble(what, detail) {
      if (what === 'election') log.warn({ err: detail }, 'engine election trouble');
      else if (what === 'list') log.warn({ err: detail }, 'engine could not list the cluster; retrying');
      else if (what === 'publish') log.warn({ err: detail }, 'engine could not publish why units are unplaced; retrying on a later pass');
      else if (what === 'upgrade') log.warn({ err: detail }, 'could not upgrade old unit records; retrying');
      else if (what === 'collect') log.warn({ err: detail }, 'could not delete unused unit bodies; retrying');
      else if (what === 'rollout') log.warn({ err: detail }, 'could not advance a rollout; retrying on the next pass');
      else log.info({ reason: detail }, 'engine watch lost its place; re-listing');
    },
  };
}
