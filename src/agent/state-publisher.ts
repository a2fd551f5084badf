import type { Logger } from 'pino';
import {
  LeaseLostError,
  type AgentRegistry,
  type MachinePresence,
  type UnitStateRecord,
} from '../registry/index.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../domain/index.js';

/** Options of {@link StatePublisher}. */
export interface StatePublisherOptions {
  readonly registry: AgentRegistry;
  readonly presence: MachinePresence;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Changes arriving within this window go out in one write; default 10 ms. */
  readonly batchMs?: number;
  /** Cap of the retry backoff while etcd is unreachable; default 2000 ms. */
  readonly retryMaxMs?: number;
  /** Longest a {@link StatePublisher.hold} delays a write; default 1000 ms. */
  readonly maxHoldMs?: number;
}

/**
 * Publishes this machine's unit states to the registry: only what changed,
 * batched, on the machine's lease (so reports vanish with the machine).
 * While etcd is unreachable changes accumulate (latest per unit) and go out
 * when it answers again; after the lease was re-granted, everything is
 * republished, since reports on the old lease are gone.
 */
export class StatePublisher {
  /** What etcd holds (as far as we know), per unit. */
  private readonly published = new Map<string, UnitStateRecord>();
  /** Latest state per unit still to write; `null` = delete the report. */
  private readonly pending = new Map<string, UnitStateRecord | null>();
  /** The batch being written right now (what etcd will hold if the write succeeds). */
  private inflight = new Map<string, UnitStateRecord | null>();
  private timer: TimerHandle | undefined;
  private flushing = false;
  /** The write in progress, so flush() can wait for it instead of polling on a real timer. */
  private writing: Promise<void> = Promise.resolve();
  private attempt = 0;
  private closed = false;
  private holds = 0;
  private heldSince = 0;
  private readonly clock: Clock;
  private readonly unsubscribe: () => void;

  constructor(private readonly opts: StatePublisherOptions) {
    this.clock = opts.clock ?? systemClock;
    this.unsubscribe = opts.presence.on('reregistered', () => this.republishAll());
  }

  /** Queues `state` for publishing if it differs from what was last published. */
  update(state: UnitStateRecord): void {
    // Compare with what etcd will hold: a report being written counts as written (a failed write is re-queued).
    const prev = this.expected(state.name);
    if (prev && sameState(prev, state)) {
      if (this.pending.has(state.name)) this.pending.set(state.name, state);
      return;
    }
    this.pending.set(state.name, state);
    this.schedule(this.opts.batchMs ?? 10);
  }

  /**
   * Holds writes back (up to `maxHoldMs`) until the returned function is
   * called. The agent holds while a pass runs, so a unit it loads and
   * starts in one pass is reported once, in its final state, instead of
   * once as loaded/inactive and again as active/running: one write per
   * started unit instead of two. Holds nest; releasing twice is harmless.
   */
  hold(): () => void {
    if (this.holds++ === 0) this.heldSince = this.clock.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds > 0 || this.pending.size === 0) return;
      if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      this.schedule(this.opts.batchMs ?? 10);
    };
  }

  /** What etcd holds for `name` once pending and in-flight writes land; undefined = no report. */
  private expected(name: string): UnitStateRecord | undefined {
    for (const m of [this.pending, this.inflight]) if (m.has(name)) return m.get(name) ?? undefined;
    return this.published.get(name);
  }

  /**
   * Queues removal of the unit's report (after it was unloaded here). A
   * report still being written counts: skipping it left that report in etcd
   * for good when the unload finished while its last state was in flight
   * (seen with 1,000 fast unloads in the sandbox bench).
   */
  remove(name: string): void {
    if (this.expected(name) === undefined && !this.published.has(name)) return;
    this.pending.set(name, null);
    this.schedule(this.opts.batchMs ?? 10);
  }

  /** The states as last published, by name (for tests and diagnostics). */
  snapshot(): Map<string, UnitStateRecord> {
    return new Map(this.published);
  }

  /** Writes everything pending now (tests use it to wait for the writes); errors are logged, not thrown. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.writing;
    await this.write();
  }

  /** Stops publishing; pending changes are dropped (the lease takes the reports with it). */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private republishAll(): void {
    // What etcd would hold once the write in flight lands: a removal in
    // flight must not bring its report back on the new lease.
    const known = new Map(this.published);
    for (const [name, s] of this.inflight) {
      if (s === null) known.delete(name);
      else known.set(name, s);
    }
    for (const [name, state] of known) if (!this.pending.has(name)) this.pending.set(name, state);
    this.published.clear();
    this.opts.logger.info({ units: this.pending.size }, 'machine re-registered; republishing unit states');
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.closed || this.timer !== undefined) return;
    if (this.holds > 0) ms = Math.max(ms, this.heldSince + (this.opts.maxHoldMs ?? 1000) - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, ms);
  }

  private write(): Promise<void> {
    if (this.closed || this.flushing || this.pending.size === 0) return Promise.resolve();
    this.flushing = true;
    this.writing = this.writeBatch();
    return this.writing;
  }

  private async writeBatch(): Promise<void> {
    const batch = new Map(this.pending);
    this.inflight = batch;
    this.pending.clear();
    const puts = [...batch.values()].filter((s): s is UnitStateRecord => s !== null);
    const deletes = [...batch].filter(([, s]) => s === null).map(([name]) => name);
    try {
      if (puts.length > 0) await this.opts.registry.publishStates(this.opts.presence, puts);
      if (deletes.length > 0) await this.opts.registry.deleteStates(this.opts.presence.machineId, deletes);
      for (const s of puts) this.published.set(s.name, s);
      for (const name of deletes) this.published.delete(name);
      this.attempt = 0;
      this.inflight = new Map();
    } catch (err) {
      this.inflight = new Map();
      // Put back what is not superseded by newer changes, then retry later.
      for (const [name, s] of batch) if (!this.pending.has(name)) this.pending.set(name, s);
      if (err instanceof LeaseLostError) {
        this.opts.logger.info('lease lost; unit states wait for re-registration');
      } else {
        const delay = backoffDelay(this.attempt++, { ...DEFAULT_BACKOFF, maxMs: this.opts.retryMaxMs ?? DEFAULT_BACKOFF.maxMs });
        this.opts.logger.warn({ err, retryInMs: delay }, 'could not publish unit states; retrying');
        this.flushing = false;
        this.schedule(delay);
        return;
      }
    }
    this.flushing = false;
    if (this.pending.size > 0) this.schedule(this.opts.batchMs ?? 10);
  }
}

function sameState(a: UnitStateRecord, b: UnitStateRecord): boolean {
  return a.loadState === b.loadState && a.activeState === b.activeState && a.subState === b.subState && a.hash === b.hash && a.restarts === b.restarts;
}
