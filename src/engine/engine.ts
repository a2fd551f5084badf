import type { Logger } from 'pino';
import {
  follow,
  NotLeaderError,
  type ClusterSnapshot as RegistrySnapshot,
  type EngineRegistry,
  type LeaderElection,
  type RegistryError,
  type RegistryEvent,
  type Subscription,
} from '../registry/index.js';
import { formatExplanation, type Pipeline } from '../scheduler/index.js';
import type { EngineMetrics } from '../metrics/engine.js';
import { ClusterCache } from './cluster-cache.js';
import { planReconcile } from './plan-reconcile.js';
import { RequirementsCache } from './requirements-cache.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';

/** Options of {@link Engine}; see fleet.conf for the user-facing ones. */
export interface EngineOptions {
  readonly registry: EngineRegistry;
  /** This host's candidate in the leader election (not yet started). */
  readonly election: LeaderElection;
  readonly logger: Logger;
  /** `engine_reconcile_interval`: how soon a pass that could not write is retried, ms. */
  readonly reconcileIntervalMs: number;
  /** Quiet time after a change before a pass runs, so a burst becomes one pass; default 5 ms. */
  readonly debounceMs?: number;
  /** A pass runs at the latest this long after the first change of a burst; default 100 ms. */
  readonly maxDelayMs?: number;
  /**
   * While changes keep coming, a pass starts no sooner than this many times
   * the previous pass's planning time after it ended, so planning takes at
   * most 1/(1+factor) of a core during a burst and the work is done in
   * bigger batches; default 2. A quiet cluster is unaffected (a pass plans in
   * about a millisecond). Measured with 1,000 hollow machines and 10,000
   * units: without pacing the engine ran 261 full passes (up to 1 s each)
   * during submission and took 42 % of a core from etcd and the API.
   */
  readonly busyFactor?: number;
  readonly clock?: Clock;
  readonly pipeline?: Pipeline;
  /** Prometheus recorder (`fleet_engine_*`); default none. */
  readonly metrics?: EngineMetrics;
  /**
   * After taking over from another leader whose machine is still
   * registered, that machine takes no new units for this long (ms), or until
   * it leaves: its engine lease expired, so it is probably dead, but its
   * registration lives up to agent_ttl longer. fleetd passes agent_ttl + 1 s
   * (a live machine's registration cannot outlast that if it were dead).
   * Default 0: no cordon.
   */
  readonly suspectPreviousLeaderMs?: number;
}

/** Counters for metrics and tests. */
export interface EngineStats {
  passes: number;
  failedPasses: number;
  opsWritten: number;
  /** Time the last pass spent deciding, ms. */
  lastPlanMs: number;
}

/**
 * The engine: when this host leads, keeps a cache of the cluster (list once,
 * then watch) and turns every relevant change into one scheduling pass whose
 * writes are fenced on the leadership. When it does not lead, it holds no
 * cache and does nothing but wait in the election.
 */
export class Engine {
  readonly stats: EngineStats = { passes: 0, failedPasses: 0, opsWritten: 0, lastPlanMs: 0 };
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;
  private cache: ClusterCache | undefined;
  private requirements = new RequirementsCache();
  private sub: Subscription | undefined;
  private timer: TimerHandle | undefined;
  private firstKickAt: number | undefined;
  /** Earliest time the next pass may start (see `busyFactor`). */
  private notBefore = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** What was last logged per unit/warning, so repeated passes do not repeat logs. */
  private readonly reported = new Map<string, string>();
  /** Machines that take no new units while this engine leads: machine id -> reason. */
  private readonly cordons = new Map<string, string>();

  constructor(private readonly opts: EngineOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger.child({ component: 'engine' });
    this.debounceMs = opts.debounceMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 100;
  }

  /** True while this host leads and its cache is loaded. */
  get active(): boolean {
    return this.cache !== undefined && this.opts.election.isLeader;
  }

  /** Joins the election; leading starts by itself when elected. */
  async start(): Promise<void> {
    const e = this.opts.election;
    e.on('elected', (fence) => this.lead(fence.machineId));
    e.on('deposed', (reason) => this.follow(reason));
    e.on('warning', (err) => this.log.warn({ err }, 'engine election trouble'));
    await e.start();
  }

  /** Stops acting and leaves the election (resigning if leader). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.dropCache();
    await this.running;
    await this.opts.election.stop();
  }

  private lead(self: string): void {
    if (this.stopped) return;
    this.log.info('Engine leadership acquired');
    this.opts.metrics?.leaderStarted(this.clock.now());
    const cache = new ClusterCache();
    this.cache = cache;
    this.cordonPreviousLeader(self);
    this.requirements = new RequirementsCache();
    this.reported.clear();
    const registry = this.opts.registry;
    this.sub = follow<RegistrySnapshot, RegistryEvent>(
      { list: () => registry.snapshot(), watch: (rev, l) => registry.watchCluster(rev, l) },
      {
        onSnapshot: (snap) => {
          if (this.cache !== cache) return;
          cache.load(snap);
          this.log.debug({ revision: String(snap.revision), units: snap.units.length, machines: snap.machines.length }, 'engine cache loaded');
          this.kick(0);
        },
        onEvents: (events) => {
          if (this.cache !== cache) return;
          for (const ev of events) {
            // A cordoned machine that left (or whose lease expired) is gone; if it registers again it is alive.
            if (ev.kind === 'machine' && ev.machine === undefined && this.cordons.delete(ev.machineId)) {
              this.log.info({ machine: ev.machineId }, 'cordoned machine left; cordon lifted');
            }
          }
          if (cache.apply(events)) this.kick();
        },
        onResync: (reason) => this.log.info({ reason }, 'engine watch lost its place; re-listing'),
        onError: (err: RegistryError) => this.log.warn({ err }, 'engine could not list the cluster; retrying'),
      },
      { clock: this.clock },
    );
  }

  /**
   * Cordons the machine that led before us (see `suspectPreviousLeaderMs`).
   * The cordon ends after that time, when the machine leaves, or when this
   * engine stops leading.
   */
  private cordonPreviousLeader(self: string): void {
    this.cordons.clear();
    const prev = this.opts.election.previousLeader();
    const ms = this.opts.suspectPreviousLeaderMs ?? 0;
    if (prev === undefined || prev === self || ms <= 0) return;
    this.cordons.set(prev, 'it was the engine leader until its lease expired, so it may be dead; its registration has not expired yet');
    this.log.info({ machine: prev, forMs: ms }, 'cordoned the previous engine leader: no new units there until it leaves or proves alive');
    this.clock.setTimeout(() => {
      if (this.cordons.delete(prev)) {
        this.log.info({ machine: prev }, 'previous engine leader is still registered after the suspicion period: cordon lifted');
        this.kick(0);
      }
    }, ms);
  }

  private follow(reason: string): void {
    if (this.cache !== undefined) {
      this.log.warn({ reason }, 'Engine leadership lost');
      this.opts.metrics?.leaderStopped();
    }
    this.dropCache();
  }

  private dropCache(): void {
    this.cache = undefined;
    void this.sub?.close();
    this.sub = undefined;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.firstKickAt = undefined;
  }

  /** Schedules a pass after `delay` ms of quiet, but no later than maxDelayMs after the first kick. */
  private kick(delay = this.debounceMs): void {
    if (this.cache === undefined) return;
    const now = this.clock.now();
    this.firstKickAt ??= now;
    const due = Math.max(this.notBefore, Math.min(now + delay, this.firstKickAt + this.maxDelayMs));
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.firstKickAt = undefined;
      void this.pass();
    }, Math.max(0, due - now));
  }

  /** Runs one pass; passes never overlap (a change during a pass causes one more). */
  private async pass(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.runPass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick(0);
      }
    });
    await this.running;
  }

  private async runPass(): Promise<void> {
    const cache = this.cache;
    if (cache === undefined) return;
    const t0 = performance.now();
    const { ops, plan, broken } = planReconcile(cache, this.requirements, this.opts.pipeline, this.cordons);
    this.stats.lastPlanMs = performance.now() - t0;
    this.notBefore = this.clock.now() + (this.opts.busyFactor ?? 2) * this.stats.lastPlanMs;
    this.stats.passes++;
    this.report(plan, broken);
    if (ops.length === 0) {
      this.opts.metrics?.reconciled(performance.now() - t0);
      return;
    }
    const fence = this.opts.election.fence();
    if (fence === undefined) return; // deposed meanwhile; the new leader decides
    try {
      await this.opts.registry.applySchedule(ops, fence);
      this.opts.metrics?.reconciled(performance.now() - t0);
      for (const op of ops) this.opts.metrics?.task(op.type === 'put' ? 'schedule' : 'unschedule', true);
      if (this.cache === cache) cache.applyOps(ops);
      this.stats.opsWritten += ops.length;
      for (const d of plan.decisions) {
        this.log.info({ unit: d.unit, machine: d.machine, reason: d.reason }, d.kind === 'schedule' ? 'Scheduled unit' : 'Unscheduled unit');
      }
      const refreshed = ops.length - plan.decisions.length;
      if (refreshed > 0) this.log.debug({ refreshed }, 'refreshed schedule entries (target state or content changed)');
    } catch (err) {
      this.stats.failedPasses++;
      this.opts.metrics?.reconciled(performance.now() - t0, 'schedule');
      for (const op of ops) this.opts.metrics?.task(op.type === 'put' ? 'schedule' : 'unschedule', false);
      if (err instanceof NotLeaderError) {
        this.log.warn({ err }, 'engine write refused: no longer leader');
        return;
      }
      this.log.warn({ err }, 'engine could not write the schedule; retrying');
      this.clock.setTimeout(() => this.kick(0), this.opts.reconcileIntervalMs);
    }
  }

  /** Logs unplaced units, broken units and plan warnings once per distinct message. */
  private report(plan: ReturnType<typeof planReconcile>['plan'], broken: ReturnType<typeof planReconcile>['broken']): void {
    const seen = new Set<string>();
    const once = (key: string, message: string, log: () => void) => {
      seen.add(key);
      if (this.reported.get(key) === message) return;
      this.reported.set(key, message);
      log();
    };
    for (const e of plan.unplaced) {
      const why = formatExplanation(e);
      once(`unplaced:${e.unit}`, why, () => this.log.info({ unit: e.unit, why }, `Unable to schedule unit ${e.unit}: ${why}`));
    }
    for (const b of broken) {
      const why = b.problems.join('; ');
      once(`broken:${b.unit}`, why, () => this.log.error({ unit: b.unit, problems: b.problems }, `Unit ${b.unit} has unusable [X-Fleet] options and is not scheduled: ${why}`));
    }
    for (const w of plan.warnings) {
      once(`warning:${w.message}:${w.units.join(',')}`, w.message, () => this.log.warn({ units: w.units }, w.message));
    }
    for (const key of this.reported.keys()) if (!seen.has(key)) this.reported.delete(key);
  }
}
