import type { Logger } from 'pino';
import {
  follow,
  type AgentRegistry,
  type DuplicateMachineError,
  type MachinePresence,
  type MachineRecord,
  type RegistryEvent,
  type ScheduleEntry,
  type Subscription,
} from '../registry/index.js';
import type { DriverEvent, SystemdDriver, UnitState } from '../systemd/driver.js';
import { hashUnitText } from '../units/hash.js';
import type { AgentMetrics } from '../metrics/agent.js';
import { planTasks, type CurrentUnit, type DesiredUnit } from './plan-tasks.js';
import { StatePublisher } from './state-publisher.js';
import { runTasks, type TaskHooks, type TaskOutcome } from './task-runner.js';
import { UnitBodies } from './unit-bodies.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { Backoff, isRunning } from '../domain/index.js';
import { Allocation, sameAmounts } from './allocation.js';
import { enforcementDropIn } from './enforcement.js';
import { readPolicyDocument } from '../scheduler/policy.js';
import { registryWasReset, settleHold, startHold, type ResetHold } from './reset-hold.js';

/** The first retry after failed tasks, ms (then doubling up to `retryIntervalMs`). */
const FIRST_RETRY_MS = 250;

/** Options of {@link Agent}. */
export interface AgentOptions {
  readonly registry: AgentRegistry;
  readonly driver: SystemdDriver;
  /** This machine's record (id, public IP, configured metadata, version). */
  readonly machine: MachineRecord;
  /** `agent_ttl`: lifetime of the presence lease (and of state reports with it), ms. */
  readonly ttlMs: number;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Quiet time after a schedule change before tasks run; default 5 ms. */
  readonly debounceMs?: number;
  /**
   * Longest wait before failed tasks are retried; default 5000 ms (fleet's
   * agent interval). The first retry comes after 250 ms (or this, if less),
   * doubling up to it while retries keep failing: a transient failure (a
   * body read past etcd's deadline, a StartUnit a busy systemd answered
   * late) costs a fraction of a second, not fleet's whole interval.
   */
  readonly retryIntervalMs?: number;
  /** Prometheus recorder (`fleet_agent_task_count_total`); default none. */
  readonly metrics?: AgentMetrics;
  /** Called each time registration is refused because another live fleetd holds this machine id (it is retried until that one leaves). */
  readonly onDuplicate?: (error: DuplicateMachineError) => void;
  /** Called when the machine record is in the registry: first registration and every re-registration. */
  readonly onRegistered?: () => void;
  /**
   * `registry_reset_hold`, ms: after the registry was reset (etcd wiped:
   * the registry's epoch changed), units running here stay as they are
   * this long while the operator restores the cluster (`fleetctl import`);
   * those the registry has not scheduled here again by then are stopped.
   * 0: no hold (they are stopped at once, like destroyed units). Default 0.
   */
  readonly resetHoldMs?: number;
}

/**
 * The agent: keeps this machine registered, runs what the schedule assigns
 * to it through systemd, and reports what systemd says.
 *
 * It watches only its own schedule prefix and reads unit bodies only for new
 * hashes, so changes elsewhere in the cluster cost it nothing. While etcd is
 * unreachable nothing is concluded: the schedule cache stays as last seen,
 * units keep running, and state reports are queued until etcd answers.
 */
export class Agent {
  private readonly log: Logger;
  private readonly clock: Clock;
  private presence: MachinePresence | undefined;
  private publisher: StatePublisher | undefined;
  private scheduleSub: Subscription | undefined;
  private policySub: Subscription | undefined;
  /** The policy's `enforce`, as last read; false until read. */
  private enforce = false;
  /** fleet's drop-in on disk per unit. */
  private readonly dropIns = new Map<string, string>();
  /** The drop-in each unit body should have, per name (bodies are immutable per hash). */
  private readonly wantedDropIns = new Map<string, { hash: string; enforce: boolean; dropIn: string | undefined }>();
  private unsubscribeDriver: (() => void) | undefined;
  /** This machine's schedule entries by unit name; undefined until first listed. */
  private schedule: Map<string, ScheduleEntry> | undefined;
  /** Hash of each fleet unit file on disk. */
  private readonly onDisk = new Map<string, string>();
  /** Units this agent launched (or found running at start-up) and has not stopped since. */
  private readonly launched = new Set<string>();
  /**
   * Units whose start was handed to a background start run and has not been
   * answered yet, with the run's token. They count as launched for planning;
   * a pass that stops or unloads one drops it first, so its StartUnit is
   * never sent after the StopUnit.
   */
  private readonly starting = new Map<string, object>();
  /** The background start runs, one after another (one bounded window of StartUnit calls); `stop` waits for it. */
  private startRuns: Promise<void> = Promise.resolve();
  /** Last systemd state per unit. */
  private readonly systemd = new Map<string, UnitState>();
  private readonly bodies: UnitBodies;
  /** The record as last announced (its `resources.allocated` follows the schedule). */
  private machine: MachineRecord;
  private readonly allocation = new Allocation();
  private timer: TimerHandle | undefined;
  /** The pending retry after failed tasks (one at a time) and its backoff. */
  private retryTimer: TimerHandle | undefined;
  private readonly retries: Backoff;
  /** The registry epoch last read; undefined before the first read. */
  private epoch: string | undefined;
  /** In force after a registry reset (see `reset-hold.ts`). */
  private hold: ResetHold | undefined;
  private holdTimer: TimerHandle | undefined;
  /** Bumped for each schedule follow; callbacks of an older one are ignored. */
  private followGeneration = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: AgentOptions) {
    this.log = opts.logger.child({ component: 'agent' });
    this.clock = opts.clock ?? systemClock;
    this.bodies = new UnitBodies(opts.registry);
    this.machine = opts.machine;
    const maxMs = opts.retryIntervalMs ?? 5000;
    this.retries = new Backoff({ initialMs: Math.min(FIRST_RETRY_MS, maxMs), maxMs });
  }

  /** The machine's presence (after `start`). */
  get machinePresence(): MachinePresence | undefined {
    return this.presence;
  }

  /** Units this agent considers launched (for the SIGUSR1 dump and tests). */
  launchedUnits(): string[] {
    return [...this.launched].sort();
  }

  /**
   * Registers the machine (retrying while etcd is unavailable), adopts the
   * fleet units already on disk and starts following the schedule.
   * @throws when registration fails for a non-retryable reason or `signal` aborts.
   */
  async start(signal?: AbortSignal): Promise<void> {
    const { registry, driver, machine } = this.opts;
    this.presence = await registry.announce(machine, {
      ttlSeconds: Math.max(1, Math.ceil(this.opts.ttlMs / 1000)),
      ...(signal ? { signal } : {}),
      onDuplicate: (err) => {
        this.log.error({ err }, err.message);
        this.opts.onDuplicate?.(err);
      },
      onListenerError: (err, event) => this.log.error({ err, event }, 'a machine presence listener threw'),
    });
    this.opts.onRegistered?.();
    this.presence.on('keepaliveFailed', (err) => this.log.warn({ err }, 'machine lease keepalive failed; units keep running'));
    this.presence.on('reregistered', (leaseId) => {
      this.log.warn({ leaseId }, 'machine lease had expired; registered again');
      this.opts.onRegistered?.();
      // The lease may be gone because the registry was reset: read it afresh
      // (epoch and schedule) instead of resuming a watch by revision.
      this.followSchedule();
    });
    if (machine.resources !== undefined) this.opts.metrics?.resources?.(machine.resources);
    this.publisher = new StatePublisher({ registry, presence: this.presence, logger: this.log, clock: this.clock });

    // Adopt what a previous run left: files on disk and what systemd runs.
    this.unsubscribeDriver = driver.subscribe((ev) => this.onDriverEvent(ev));
    const managed = await driver.managedUnits();
    for (const name of managed) {
      const text = await driver.readUnit(name);
      if (text !== undefined) this.onDisk.set(name, hashUnitText(text));
      const dropIn = await driver.readDropIn(name);
      if (dropIn !== undefined) this.dropIns.set(name, dropIn);
    }
    for (const s of await driver.listStates(managed)) {
      this.systemd.set(s.name, s);
      if (isRunning(s.activeState)) this.launched.add(s.name);
    }
    this.publishKnownStates();
    if (managed.length > 0) this.log.info({ units: managed.length, running: this.launched.size }, 'found fleet units from a previous run');

    this.followPolicy();
    this.followSchedule();
  }

  /**
   * Lists this machine's schedule (with the registry's epoch) and watches it;
   * called again after a re-registration, replacing the previous follow.
   */
  private followSchedule(): void {
    if (this.stopped) return;
    const { registry } = this.opts;
    const id = this.opts.machine.id;
    const generation = ++this.followGeneration;
    const current = (): boolean => generation === this.followGeneration && !this.stopped;
    void this.scheduleSub?.close();
    this.scheduleSub = follow<{ revision: bigint; entries: ScheduleEntry[]; epoch: string }, RegistryEvent>(
      {
        list: async () => {
          const epoch = await registry.registryEpoch();
          return { ...(await registry.listSchedule(id)), epoch };
        },
        watch: (rev, l) => registry.watchSchedule(id, rev, l),
      },
      {
        onSnapshot: (s) => {
          if (!current()) return;
          if (registryWasReset(this.epoch, s.epoch)) this.registryReset(this.epoch!, s.epoch);
          this.epoch = s.epoch;
          this.schedule = new Map(s.entries.map((e) => [e.name, e]));
          this.kick(0);
        },
        onEvents: (events) => {
          const schedule = this.schedule;
          if (schedule === undefined || !current()) return;
          for (const ev of events) {
            if (ev.kind !== 'schedule' || ev.machineId !== id) continue;
            if (ev.entry === undefined) schedule.delete(ev.name);
            else schedule.set(ev.name, ev.entry);
          }
          this.kick();
        },
        onResync: (reason) => this.log.info({ reason }, 'schedule watch lost its place; re-listing'),
        onConnection: (connected) => {
          if (!current()) return;
          if (!connected) this.log.warn('lost the etcd watch; units keep running as they are');
          else this.log.info('etcd watch back');
        },
        onError: (err) => this.log.warn({ err }, 'could not list this machine\'s schedule; retrying'),
      },
      { clock: this.clock },
    );
  }

  /** Follows the policy key for `enforce`; a change re-runs the reconcile (drop-ins are added or removed). */
  private followPolicy(): void {
    const { registry } = this.opts;
    const apply = (document: string | undefined): void => {
      const { policy, problem } = readPolicyDocument(document);
      if (problem !== undefined) this.log.warn({ problem }, 'placement policy cannot be read; enforcing no limits');
      if (policy.enforce === this.enforce) return;
      this.enforce = policy.enforce;
      this.log.info({ enforce: this.enforce }, 'resource limit enforcement changed');
      this.kick(0);
    };
    this.policySub = follow<{ revision: bigint; document: string | undefined }, RegistryEvent>(
      { list: () => registry.readPolicy(), watch: (rev, l) => registry.watchPolicy(rev, l) },
      {
        onSnapshot: (s) => apply(s.document),
        onEvents: (events) => {
          for (const ev of events) if (ev.kind === 'policy') apply(ev.document);
        },
        onError: (err) => this.log.warn({ err }, 'could not read the placement policy; retrying'),
      },
      { clock: this.clock },
    );
  }

  /** The registry's epoch changed: hold what runs here (see `reset-hold.ts`). */
  private registryReset(before: string, after: string): void {
    const graceMs = this.opts.resetHoldMs ?? 0;
    const hold = startHold(this.onDisk.keys(), this.clock.now(), graceMs);
    if (hold === undefined) {
      this.log.warn({ before, after }, 'the registry was reset (etcd wiped?); no hold configured (registry_reset_hold): units it does not schedule here are stopped');
      return;
    }
    this.hold = hold;
    if (this.holdTimer !== undefined) this.clock.clearTimeout(this.holdTimer);
    this.holdTimer = this.clock.setTimeout(() => {
      this.holdTimer = undefined;
      this.kick(0);
    }, graceMs);
    this.log.warn(
      { before, after, units: [...hold.units].sort(), holdMs: graceMs },
      `the registry was reset (etcd wiped?): holding ${hold.units.size} units as they run for ${Math.round(graceMs / 1000)} s; restore the cluster (fleetctl import) to keep them, or they are stopped then`,
    );
  }

  /**
   * Stops the agent. `graceful` (SIGTERM) leaves the cluster as fleet does:
   * every fleet unit here is stopped and unloaded, and the lease is revoked so
   * the machine and its reports vanish and the engine reschedules at once.
   * Otherwise units keep running and the lease simply expires (or is adopted
   * by a restarted fleetd).
   */
  async stop(options: { graceful: boolean }): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.holdTimer !== undefined) this.clock.clearTimeout(this.holdTimer);
    await this.scheduleSub?.close();
    await this.policySub?.close();
    await this.running;
    this.starting.clear(); // queued starts are not sent any more; those in flight are answered
    await this.startRuns;
    if (options.graceful) {
      for (const name of await this.opts.driver.managedUnits().catch(() => [...this.onDisk.keys()])) {
        try {
          await this.opts.driver.unload(name);
          this.log.info({ unit: name }, 'unloaded unit on shutdown');
        } catch (err) {
          this.log.warn({ err, unit: name }, 'could not unload unit on shutdown');
        }
      }
      await this.opts.driver.reload().catch((err: unknown) => this.log.warn({ err }, 'daemon reload on shutdown failed'));
    }
    this.unsubscribeDriver?.();
    this.publisher?.close();
    await this.presence?.stop({ graceful: options.graceful });
  }

  private kick(delay = this.opts.debounceMs ?? 5): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.pass();
    }, delay);
  }

  private async pass(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.reconcile()
      .catch((err: unknown) => {
        this.log.warn({ err }, 'agent pass failed; retrying');
        this.retryLater();
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick(0);
        }
      });
    await this.running;
  }

  private retryLater(): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.kick(0);
    }, this.retries.next());
  }

  private async reconcile(): Promise<void> {
    const schedule = this.schedule;
    if (schedule === undefined || this.stopped) return; // never act without having seen the schedule
    const entries = [...schedule.values()].filter((e) => e.targetState !== 'inactive');
    const wantedHashes = new Map(entries.map((e) => [e.name, e.hash]));
    this.bodies.retain(new Set(wantedHashes.values()));
    for (const name of this.wantedDropIns.keys()) if (!wantedHashes.has(name)) this.wantedDropIns.delete(name);
    // With resources published or enforced, every scheduled body is needed once (for its requests); otherwise only new ones.
    const needBodies =
      this.machine.resources !== undefined || this.enforce || this.dropIns.size > 0
        ? wantedHashes
        : new Map([...wantedHashes].filter(([name, hash]) => this.onDisk.get(name) !== hash));
    try {
      await this.bodies.ensure(needBodies);
    } catch (err) {
      this.log.warn({ err }, 'could not read unit bodies; loading them later');
    }
    this.settleHold(new Set(wantedHashes.keys()));
    await this.publishAllocation(wantedHashes);
    const desired: DesiredUnit[] = entries.map((e) => {
      const dropIn = this.wantedDropIn(e.name, e.hash);
      return {
        name: e.name,
        hash: e.hash,
        targetState: e.targetState as DesiredUnit['targetState'],
        ...(dropIn !== undefined ? { dropIn } : {}),
        ...(e.preempts !== undefined ? { preempts: e.preempts } : {}),
      };
    });
    const current: CurrentUnit[] = [...this.onDisk].map(([name, hash]) => {
      const dropIn = this.dropIns.get(name);
      return { name, hash, launched: this.launched.has(name) || this.starting.has(name), ...(dropIn !== undefined ? { dropIn } : {}) };
    });
    const tasks = planTasks(desired, current, this.hold?.units);
    if (tasks.length === 0) return;
    const release = this.publisher?.hold();
    try {
      await this.runPlanned(tasks, wantedHashes);
    } finally {
      release?.();
    }
  }

  /**
   * The drop-in unit `name` should have with body `hash` under the current
   * `enforce`; while the body is not available, whatever it has now.
   */
  private wantedDropIn(name: string, hash: string): string | undefined {
    const hit = this.wantedDropIns.get(name);
    if (hit !== undefined && hit.hash === hash && hit.enforce === this.enforce) return hit.dropIn;
    const text = this.bodies.get(hash);
    if (text === undefined) return this.onDisk.get(name) === hash ? this.dropIns.get(name) : undefined;
    const dropIn = enforcementDropIn(name, text, this.enforce);
    this.wantedDropIns.set(name, { hash, enforce: this.enforce, dropIn });
    return dropIn;
  }

  /** Brings the hold up to date with the schedule (units scheduled here leave it) and logs its end. */
  private settleHold(scheduled: ReadonlySet<string>): void {
    const before = this.hold;
    if (before === undefined) return;
    this.hold = settleHold(before, scheduled, new Set(this.onDisk.keys()), this.clock.now());
    if (this.hold !== undefined) return;
    if (this.holdTimer !== undefined) this.clock.clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const left = [...before.units].filter((n) => !scheduled.has(n) && this.onDisk.has(n)).sort();
    if (left.length === 0) this.log.info('every unit held after the registry reset is scheduled here again; hold over');
    else this.log.warn({ units: left }, `hold after the registry reset ended: stopping ${left.length} units the registry does not schedule here`);
  }

  /**
   * Announces what the scheduled units request and which units the hold
   * keeps (`held`, the engine's placement hint) when either changed; a
   * failed write is retried on the next pass.
   */
  private async publishAllocation(scheduled: ReadonlyMap<string, string>): Promise<void> {
    if (this.presence === undefined) return;
    const held = this.hold === undefined ? [] : [...this.hold.units].sort();
    const heldChanged = held.join('\0') !== (this.machine.held ?? []).join('\0');
    const resources = this.machine.resources;
    const allocated = resources === undefined ? undefined : this.allocation.sum(scheduled, (hash) => this.bodies.get(hash));
    const allocationChanged = resources !== undefined && allocated !== undefined && !sameAmounts(allocated, resources.allocated);
    if (!heldChanged && !allocationChanged) return;
    const { held: _old, ...base } = this.machine;
    const next: MachineRecord = {
      ...base,
      ...(allocationChanged ? { resources: { ...resources!, allocated: allocated! } } : {}),
      ...(held.length > 0 ? { held } : {}),
    };
    try {
      await this.presence.update(next);
      this.machine = next;
      if (allocationChanged) this.opts.metrics?.resources?.(next.resources!);
    } catch (err) {
      this.log.warn({ err }, 'could not update the machine record (allocated resources, held units); retrying');
      this.retryLater();
    }
  }

  /**
   * Runs a pass's tasks: everything but the starts now, the starts in the
   * background. StartUnit calls are answered at systemd's pace (measured
   * 15-35 a second per sandbox host while 1,000 units started on a loaded
   * machine), and a pass that waited for them kept the units scheduled
   * meanwhile from being loaded until every start of the batch before was
   * answered; now the next pass loads them while those starts go on.
   * A unit whose own tasks failed, or whose preempted victims could not be
   * stopped, is not started (as within one runTasks call).
   */
  private async runPlanned(tasks: ReturnType<typeof planTasks>, wantedHashes: ReadonlyMap<string, string>): Promise<void> {
    for (const t of tasks) if (t.kind === 'unload' || t.kind === 'stop') this.starting.delete(t.unit!);
    const hooks = this.taskHooks(wantedHashes);
    const now = tasks.filter((t) => t.kind !== 'start');
    const outcomes = now.length === 0 ? [] : await runTasks(now, this.opts.driver, hooks, this.log);
    this.finished(outcomes);
    const failed = new Set(outcomes.flatMap((o) => (o.task.unit !== undefined && (o.error !== undefined || o.skipped) ? [o.task.unit] : [])));
    const starts = tasks.filter((t) => t.kind === 'start' && !failed.has(t.unit!) && !(t.after ?? []).some((u) => failed.has(u)));
    if (starts.length > 0 && !this.stopped) this.startInBackground(starts, hooks);
  }

  /**
   * Queues the starts of a pass behind those of earlier passes (one window of
   * StartUnit calls, in pass order) without holding up the next pass (see
   * {@link runPlanned}).
   */
  private startInBackground(starts: ReturnType<typeof planTasks>, hooks: TaskHooks): void {
    const token = {};
    for (const t of starts) this.starting.set(t.unit!, token);
    const mine = (name: string): boolean => this.starting.get(name) === token;
    const release = this.publisher?.hold();
    const run = (): Promise<void> =>
      runTasks(
        starts,
        this.opts.driver,
        {
          ...hooks,
          startable: (name) => mine(name) && !this.stopped,
          started: (name) => {
            if (!mine(name)) return; // stopped or unloaded meanwhile
            this.starting.delete(name);
            this.launched.add(name);
          },
        },
        this.log,
      ).then((outcomes) => this.finished(outcomes));
    this.startRuns = this.startRuns
      .then(run)
      .catch((err: unknown) => {
        this.log.warn({ err }, 'agent start run failed; retrying');
        this.retryLater();
      })
      .finally(() => {
        for (const t of starts) if (mine(t.unit!)) this.starting.delete(t.unit!);
        release?.();
      });
  }

  /** After tasks ran: states reported, tasks counted, failures retried later (a run without failures resets the retry backoff). */
  private finished(outcomes: readonly TaskOutcome[]): void {
    this.publishKnownStates();
    for (const o of outcomes) if (!o.skipped) this.opts.metrics?.task(o.task.kind, o.error === undefined);
    if (outcomes.some((o) => o.error !== undefined)) this.retryLater();
    else if (outcomes.length > 0) this.retries.reset();
  }

  /** What the task runner calls around tasks: bodies for loads, and the agent's bookkeeping. */
  private taskHooks(wantedHashes: ReadonlyMap<string, string>): TaskHooks {
    return {
      body: (name) => {
        const hash = wantedHashes.get(name) ?? '';
        const text = this.bodies.get(hash);
        if (text === undefined) return undefined;
        const dropIn = this.wantedDropIn(name, hash);
        return { name, text, ...(dropIn !== undefined ? { dropIn } : {}) };
      },
      dropIn: (name) => this.wantedDropIn(name, wantedHashes.get(name) ?? ''),
      limited: (name) => this.setDropIn(name, this.wantedDropIn(name, wantedHashes.get(name) ?? '')),
      loaded: (name) => {
        const hash = wantedHashes.get(name)!;
        this.onDisk.set(name, hash);
        this.setDropIn(name, this.wantedDropIn(name, hash));
      },
      started: (name) => this.launched.add(name),
      stopped: (name) => this.launched.delete(name),
      unloaded: (name) => {
        this.onDisk.delete(name);
        this.dropIns.delete(name);
        this.wantedDropIns.delete(name);
        this.launched.delete(name);
        this.systemd.delete(name);
        this.publisher?.remove(name);
      },
    };
  }

  private setDropIn(name: string, dropIn: string | undefined): void {
    if (dropIn === undefined) this.dropIns.delete(name);
    else this.dropIns.set(name, dropIn);
  }

  private onDriverEvent(ev: DriverEvent): void {
    switch (ev.type) {
      case 'state':
        this.systemd.set(ev.state.name, ev.state);
        this.publishState(ev.state.name);
        break;
      case 'removed':
        this.systemd.delete(ev.name);
        break;
      case 'disconnected':
        this.log.warn({ err: ev.error }, 'lost the systemd bus connection; reconnecting');
        break;
      case 'reconnected':
        this.log.info('systemd bus connection back');
        this.kick(0);
        break;
    }
  }

  private publishKnownStates(): void {
    for (const name of this.onDisk.keys()) this.publishState(name);
  }

  private publishState(name: string): void {
    const hash = this.onDisk.get(name);
    const s = this.systemd.get(name);
    if (hash === undefined || s === undefined || this.publisher === undefined) return;
    this.publisher.update({
      name,
      machineId: this.opts.machine.id,
      loadState: s.loadState,
      activeState: s.activeState,
      subState: s.subState,
      hash,
      timestamp: this.clock.now(),
      ...(s.restarts !== undefined ? { restarts: s.restarts } : {}),
    });
  }
}
