import type { Logger } from 'pino';
import {
  encodeUnplaced,
  follow,
  NotLeaderError,
  type ClusterSnapshot as RegistrySnapshot,
  type EngineRegistry,
  type LeaderElection,
  type RegistryError,
  type RegistryEvent,
  type Subscription,
} from '../registry/index.js';
import type { Pipeline } from '../scheduler/index.js';
import type { EngineMetrics } from '../metrics/engine.js';
import { BodyCollector } from './body-collector.js';
import { ClusterCache } from './cluster-cache.js';
import { planReconcile, type ReconcilePlan } from './plan-reconcile.js';
import { passInput, samePassInput, type PassInput } from './pass-input.js';
import { RequirementsCache } from './requirements-cache.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { previousLeaderCordon } from './cordon.js';
import { unplacedOps, unplacedRecords } from './explain.js';
import { PREEMPTION_FLAP_LIMIT, PREEMPTION_FLAP_WINDOW_MS, PreemptionLog } from './preemption-log.js';
import { fanOut, type EngineObserver, type PassReport } from './observer.js';
import { logObserver } from './log-observer.js';
import { metricsObserver } from './metrics-observer.js';
import { runRollouts } from './rollout-runner.js';
import { Backoff } from '../domain/index.js';

/** First delay of the early pass after a failed schedule write, ms. */
const WRITE_RETRY_MS = 200;

/** See {@link EngineOptions.debounceMs}. */
const DEFAULT_DEBOUNCE_MS = 20;

/** Options of {@link Engine}; see fleet.conf for the user-facing ones. */
export interface EngineOptions {
  readonly registry: EngineRegistry;
  /** This host's candidate in the leader election (not yet started). */
  readonly election: LeaderElection;
  readonly logger: Logger;
  /**
   * `engine_reconcile_interval`, ms: while leader, a full pass runs at least
   * this often, from the cache (no etcd reads; a pass with nothing to do
   * writes nothing), so a write that failed is retried and anything a pass
   * missed is repaired by the next one.
   */
  readonly reconcileIntervalMs: number;
  /**
   * Quiet time after a change before a pass runs, so a burst becomes one
   * pass; default 20 ms. The API writes a batch of units in a few
   * transactions whose watch events arrive up to tens of ms apart: with 5 ms
   * the first of them often got a pass of its own, and the rest (and every
   * agent's load of them) waited for that pass to finish.
   */
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
   * At most this many `engine/unplaced/<name>` writes per pass (default 500);
   * the rest follow on later passes, one reconcile interval apart. Bounds
   * the etcd cost when many explanations change at once (e.g. a machine
   * joins while thousands of units wait: every "0 of N machines" changes).
   */
  readonly maxUnplacedWritesPerPass?: number;
  /** More observers of decisions, unplaced units, warnings and failovers (logs and metrics are built from `logger` and `metrics`). */
  readonly observers?: readonly EngineObserver[];
  /**
   * After taking over from another leader whose machine is still
   * registered, that machine takes no new units for this long (ms), or until
   * it leaves: its engine lease expired, so it is probably dead, but its
   * registration lives up to agent_ttl longer. fleetd passes agent_ttl + 1 s
   * (a live machine's registration cannot outlast that if it were dead).
   * Default 0: no cordon.
   */
  readonly suspectPreviousLeaderMs?: number;
  /** How long after a pass an unreferenced unit body is deleted, ms; default 1000 (see `BodyCollector`). */
  readonly bodyCollectDelayMs?: number;
  /** While a rollout is in progress a pass runs at least this often (health is judged on passes), ms; default 1000. */
  readonly rolloutTickMs?: number;
}

/** Counters for metrics and tests. */
export interface EngineStats {
  passes: number;
  failedPasses: number;
  opsWritten: number;
  /** Time the last pass spent deciding, ms. */
  lastPlanMs: number;
  /** `engine/unplaced/<name>` puts and deletes written. */
  unplacedWrites: number;
  /** Passes that reused the previous pass's plan: nothing it depends on had changed (`pass-input.ts`). */
  reusedPlans: number;
}

/**
 * The engine: when this host leads, keeps a cache of the cluster (list once,
 * then watch) and turns every relevant change into one scheduling pass whose
 * writes are fenced on the leadership. When it does not lead, it holds no
 * cache and does nothing but wait in the election.
 */
export class Engine {
  readonly stats: EngineStats = { passes: 0, failedPasses: 0, opsWritten: 0, lastPlanMs: 0, unplacedWrites: 0, reusedPlans: 0 };
  private readonly clock: Clock;
  private readonly observe: Required<EngineObserver>;
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;
  private cache: ClusterCache | undefined;
  private collector: BodyCollector | undefined;
  private requirements = new RequirementsCache();
  /** Preemption causes and counts of this leadership (`preemption-log.ts`). */
  private preemptions = new PreemptionLog();
  /** The latest planned pass's input and plan, reused while the input stays the same; undefined when not leading. */
  private lastPlan: { readonly input: PassInput; readonly result: ReconcilePlan } | undefined;
  /** Unplaced records as stored (name -> encoded), read once per leadership; undefined until read. */
  private published: Map<string, string> | undefined;
  private sub: Subscription | undefined;
  private timer: TimerHandle | undefined;
  /** Wakes the engine when a cordon's time is up. */
  private cordonTimer: TimerHandle | undefined;
  private resyncTimer: TimerHandle | undefined;
  /** The next pass for an active rollout's health timing. */
  private rolloutTimer: TimerHandle | undefined;
  /** An early pass after a failed schedule write (see {@link retryWrite}). */
  private retryTimer: TimerHandle | undefined;
  /** Delays of those early passes; reset by a write that succeeds. */
  private readonly writeRetry: Backoff;
  private firstKickAt: number | undefined;
  /** Earliest time the next pass may start (see `busyFactor`). */
  private notBefore = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: EngineOptions) {
    this.clock = opts.clock ?? systemClock;
    this.observe = fanOut([logObserver(opts.logger), opts.metrics && metricsObserver(opts.metrics), ...(opts.observers ?? [])]);
    this.debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.maxDelayMs = opts.maxDelayMs ?? 100;
    this.writeRetry = new Backoff({ initialMs: Math.min(WRITE_RETRY_MS, opts.reconcileIntervalMs), maxMs: opts.reconcileIntervalMs });
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
    e.on('warning', (err) => this.observe.trouble('election', err));
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
    const cache = new ClusterCache();
    this.cache = cache;
    this.collector = new BodyCollector(cache, {
      registry: this.opts.registry,
      fence: () => (this.cache === cache ? this.opts.election.fence() : undefined),
      clock: this.clock,
      observe: this.observe,
      ...(this.opts.bodyCollectDelayMs !== undefined ? { delayMs: this.opts.bodyCollectDelayMs } : {}),
    });
    this.upgradeUnitRecords(cache);
    this.requirements = new RequirementsCache();
    this.preemptions = new PreemptionLog();
    this.published = undefined;
    const now = this.clock.now();
    const cordon = previousLeaderCordon(this.opts.election.previousLeader(), self, now, this.opts.suspectPreviousLeaderMs ?? 0);
    if (cordon !== undefined) {
      cache.cordons.set(cordon.machine, cordon.cordon);
      // The cordon ends by itself in planning; this pass is what makes that happen.
      this.cordonTimer = this.clock.setTimeout(() => {
        this.cordonTimer = undefined;
        if (this.cache !== cache || cache.cordons.get(cordon.machine) !== cordon.cordon) return;
        this.observe.cordonLifted(cordon.machine, 'expired');
        this.kick(0);
      }, cordon.cordon.untilMs - now);
    }
    this.scheduleResync(cache);
    this.observe.elected({ atMs: now, ...(cordon !== undefined ? { cordoned: { machine: cordon.machine, forMs: cordon.cordon.untilMs - now } } : {}) });
    const registry = this.opts.registry;
    this.sub = follow<RegistrySnapshot, RegistryEvent>(
      { list: () => registry.snapshot(), watch: (rev, l) => registry.watchCluster(rev, l) },
      {
        onSnapshot: (snap) => {
          if (this.cache !== cache) return;
          const cordoned = [...cache.cordons.keys()];
          cache.load(snap);
          for (const id of cordoned) if (!cache.cordons.has(id)) this.observe.cordonLifted(id, 'left');
          this.observe.loaded({ revision: snap.revision, units: snap.units.length, machines: snap.machines.length });
          this.kick(0);
        },
        onEvents: (events) => {
          if (this.cache !== cache) return;
          const cordoned = cache.cordons.size > 0 ? [...cache.cordons.keys()] : [];
          const relevant = cache.apply(events);
          for (const id of cordoned) if (!cache.cordons.has(id)) this.observe.cordonLifted(id, 'left');
          if (relevant) this.kick();
        },
        onResync: (reason) => this.observe.trouble('resync', reason),
        onError: (err: RegistryError) => this.observe.trouble('list', err),
      },
      { clock: this.clock },
    );
  }

  /**
   * Brings unit records written by fleetds older than bodies to the current
   * format (with their bodies), once per leadership; retried while leading
   * if etcd is unavailable. Until then agents run such units from the text
   * inline in their record.
   */
  private upgradeUnitRecords(cache: ClusterCache): void {
    this.opts.registry.upgradeUnitRecords().then(
      ({ upgraded, raced }) => {
        if (upgraded > 0 || raced > 0) this.observe.recordsUpgraded({ upgraded, raced });
      },
      (err: unknown) => {
        if (this.cache !== cache) return;
        this.observe.trouble('upgrade', err);
        this.clock.setTimeout(() => {
          if (this.cache === cache) this.upgradeUnitRecords(cache);
        }, this.opts.reconcileIntervalMs);
      },
    );
  }

  private follow(reason: string): void {
    if (this.cache !== undefined) this.observe.deposed(reason);
    this.dropCache();
  }

  private dropCache(): void {
    this.cache = undefined;
    this.lastPlan = undefined;
    this.collector?.stop();
    this.collector = undefined;
    void this.sub?.close();
    this.sub = undefined;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.cordonTimer !== undefined) this.clock.clearTimeout(this.cordonTimer);
    this.cordonTimer = undefined;
    if (this.resyncTimer !== undefined) this.clock.clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    if (this.rolloutTimer !== undefined) this.clock.clearTimeout(this.rolloutTimer);
    this.rolloutTimer = undefined;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.firstKickAt = undefined;
  }

  /** The periodic full pass (`engine_reconcile_interval`) while `cache` is the leader's. */
  private scheduleResync(cache: ClusterCache): void {
    this.resyncTimer = this.clock.setTimeout(() => {
      this.resyncTimer = undefined;
      if (this.cache !== cache) return;
      this.kick(0);
      this.scheduleResync(cache);
    }, this.opts.reconcileIntervalMs);
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
      this.collector?.poke();
      if (this.again) {
        this.again = false;
        this.kick(0);
      }
    });
    await this.running;
  }

  /** Last reported problem with the stored policy. */
  private policyProblem: string | undefined;

  private async runPass(): Promise<void> {
    const cache = this.cache;
    if (cache === undefined) return;
    if (cache.rollouts.size > 0 && !(await this.stepRollouts(cache))) return;
    const t0 = performance.now();
    const now = this.clock.now();
    const shielded = this.preemptions.shielded(now);
    const input = passInput(cache, now, shielded);
    // An idle leader passes every reconcile interval: with nothing changed, the plan is the last one.
    const last = this.lastPlan;
    const planned = last !== undefined && samePassInput(last.input, input) ? last : { input, result: planReconcile(cache, this.requirements, now, this.opts.pipeline, shielded) };
    if (planned === last) this.stats.reusedPlans++;
    else this.lastPlan = planned;
    const { ops, plan, broken, policyProblem } = planned.result;
    if (policyProblem !== this.policyProblem) {
      this.policyProblem = policyProblem;
      if (policyProblem !== undefined) this.opts.logger.warn({ problem: policyProblem }, 'placement policy cannot be used; placing with the default policy');
    }
    const pass: PassReport = { plan, broken, ops, planMs: performance.now() - t0 };
    this.stats.lastPlanMs = pass.planMs;
    this.notBefore = this.clock.now() + (this.opts.busyFactor ?? 2) * pass.planMs;
    this.stats.passes++;
    this.observe.planned(pass);
    if (ops.length === 0) {
      this.observe.applied(pass, performance.now() - t0);
      this.recordPreemptions(pass, now);
      await this.publishUnplaced(cache, pass);
      return;
    }
    const fence = this.opts.election.fence();
    if (fence === undefined) return; // deposed meanwhile; the new leader decides
    try {
      await this.opts.registry.applySchedule(ops, fence);
      if (this.cache === cache) cache.applyOps(ops);
      this.writeRetry.reset();
      this.stats.opsWritten += ops.length;
      this.observe.applied(pass, performance.now() - t0);
      this.recordPreemptions(pass, now);
    } catch (err) {
      this.stats.failedPasses++;
      const notLeader = err instanceof NotLeaderError;
      this.observe.writeFailed(pass, err, performance.now() - t0, notLeader);
      // Not leader: the new leader decides. Otherwise a pass retries soon.
      if (!notLeader) this.retryWrite(cache);
      return;
    }
    await this.publishUnplaced(cache, pass);
  }

  /**
   * After a failed schedule write (etcd slow or briefly away: under load a
   * 1,000-unit write hit etcd's 1 s deadline), passes again after a backoff
   * from 200 ms up to the reconcile interval instead of leaving the units
   * unscheduled until the next periodic pass.
   */
  private retryWrite(cache: ClusterCache): void {
    if (this.retryTimer !== undefined || this.cache !== cache) return;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.cache === cache) this.kick(0);
    }, this.writeRetry.next());
  }

  /** Remembers the applied pass's preemptions (causes, flap counts) and reports them. */
  private recordPreemptions(pass: PassReport, nowMs: number): void {
    const done = pass.plan.preemptions ?? [];
    const flaps = this.preemptions.record(done, new Set(pass.plan.unplaced.map((e) => e.unit)), nowMs);
    if (done.length > 0) this.observe.preempted(done);
    for (const f of flaps) this.observe.preemptionFlapping({ unit: f.unit, count: f.count, windowMs: PREEMPTION_FLAP_WINDOW_MS, by: { unit: f.by.unit, priority: f.by.priority } });
  }

  /**
   * Steps the rollouts (before planning, so the pass's schedule refresh
   * follows their new progress) and keeps passes coming while one is active.
   * @returns false when leadership was lost (the pass stops).
   */
  private async stepRollouts(cache: ClusterCache): Promise<boolean> {
    let active = true;
    try {
      active = await runRollouts(cache, this.clock.now(), {
        registry: this.opts.registry,
        fence: () => (this.cache === cache ? this.opts.election.fence() : undefined),
        event: (e) => this.observe.rollout(e),
      });
    } catch (err) {
      if (err instanceof NotLeaderError) return false;
      this.observe.trouble('rollout', err); // retried on the next pass
    }
    if (active && this.rolloutTimer === undefined && this.cache === cache) {
      this.rolloutTimer = this.clock.setTimeout(() => {
        this.rolloutTimer = undefined;
        if (this.cache === cache) this.kick(0);
      }, this.opts.rolloutTickMs ?? 1000);
    }
    return this.cache === cache;
  }

  /**
   * Brings `engine/unplaced/` in line with the pass: only records that
   * changed are written, so a pass that changed nothing writes nothing.
   */
  private async publishUnplaced(cache: ClusterCache, pass: PassReport): Promise<void> {
    const fence = this.opts.election.fence();
    if (fence === undefined) return;
    try {
      if (this.published === undefined) {
        const list = await this.opts.registry.listUnplaced();
        if (this.cache !== cache) return;
        this.published = new Map(list.map((r) => [r.name, encodeUnplaced(r)]));
        // A previous leader's preemption causes: waiting units keep saying who took their machine.
        for (const r of list) {
          const by = preemptedByOf(r.explanation);
          if (by !== undefined) this.preemptions.seed(r.name, { ...by, atMs: this.clock.now() });
        }
      }
      const log = this.preemptions;
      const wanted = unplacedRecords(pass.plan, pass.broken, (name) => cache.units.get(name)?.hash, (name) => {
        const by = log.preemptedBy(name);
        return by === undefined ? undefined : { unit: by.unit, priority: by.priority, flapping: log.recent(name) >= PREEMPTION_FLAP_LIMIT };
      });
      const { ops, deferred } = unplacedOps(this.published, wanted, this.opts.maxUnplacedWritesPerPass ?? 500);
      if (ops.length > 0) {
        await this.opts.registry.applyUnplaced(ops, fence);
        for (const op of ops) {
          if (op.type === 'put') this.published.set(op.record.name, encodeUnplaced(op.record));
          else this.published.delete(op.name);
        }
        this.stats.unplacedWrites += ops.length;
        this.observe.published(ops.length, deferred);
      }
      // The rest (`deferred`) follows on the next periodic pass.
    } catch (err) {
      this.published = undefined; // read again: a failed chunk may or may not have been applied
      if (err instanceof NotLeaderError) return;
      this.observe.trouble('publish', err); // the next periodic pass retries
    }
  }
}
/** The `preemptedBy` of a published explanation (see `unplacedRecords`); undefined when absent or malformed. */
function preemptedByOf(explanation: unknown): { unit: string; priority: number } | undefined {
  if (typeof explanation !== 'object' || explanation === null) return undefined;
  const by = (explanation as { preemptedBy?: unknown }).preemptedBy;
  if (typeof by !== 'object' || by === null) return undefined;
  const { unit, priority } = by as { unit?: unknown; priority?: unknown };
  return typeof unit === 'string' && typeof priority === 'number' ? { unit, priority } : undefined;
}
