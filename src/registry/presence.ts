import type { Clock } from '../clock.js';
import { sleep, systemClock } from '../clock.js';
import { TypedEmitter, type ListenerErrorHandler } from './emitter.js';
import { DuplicateMachineError, RegistryClosedError } from './errors.js';
import type { KeyLayout } from './keys.js';
import type { KvBackend } from './kv.js';
import { asRegistryError, LeaseKeeper } from './lease.js';
import { decodeMachine, encodeMachine, type MachineRecord } from './records.js';
import type { Compare } from './kv.js';
import type { MachinePresence, PresenceEvents } from './roles.js';
import { backoffDelay } from '../domain/index.js';

/** Options of {@link announceMachine}. */
export interface PresenceOptions {
  readonly ttlSeconds: number;
  readonly clock?: Clock;
  /** Aborting stops the initial registration attempts. */
  readonly signal?: AbortSignal;
  /** See `AnnounceOptions.onDuplicate`. */
  readonly onDuplicate?: (error: DuplicateMachineError) => void;
  /** See `AnnounceOptions.onListenerError`. */
  readonly onListenerError?: ListenerErrorHandler;
}

/**
 * Keeps `machines/<id>` on the agent's lease. A brief outage only produces
 * `keepaliveFailed` warnings (nothing is withdrawn or concluded); if the
 * lease turns out to be gone when etcd answers again, a new lease is granted,
 * the record is put again and `reregistered` tells the agent to republish
 * its unit states.
 */
class LeasePresence extends TypedEmitter<PresenceEvents> implements MachinePresence {
  private record: MachineRecord;
  private stopped = false;
  /** Aborted by stop(): ends a registration back-off at once. */
  private readonly halt = new AbortController();
  private readonly keeper: LeaseKeeper;

  constructor(
    private readonly kv: KvBackend,
    private readonly layout: KeyLayout,
    record: MachineRecord,
    private readonly options: PresenceOptions,
  ) {
    super(options.onListenerError);
    this.record = record;
    this.keeper = new LeaseKeeper(kv, { ttlSeconds: options.ttlSeconds, clock: options.clock, regrant: true, onListenerError: options.onListenerError });
    this.keeper.on('keepalive', (until) => this.emit('keepalive', until));
    this.keeper.on('keepaliveFailed', (err) => this.emit('keepaliveFailed', err));
    this.keeper.on('unconfirmed', (id) => this.emit('unconfirmed', id));
    this.keeper.on('lost', (id, reason) => this.emit('lost', id, reason));
    this.keeper.on('granted', (id, regranted) => {
      this.emit('granted', id, regranted);
      if (regranted) void this.reregister(id);
    });
  }

  get machineId(): string {
    return this.record.id;
  }

  get leaseId(): string {
    return this.keeper.leaseId ?? '0';
  }

  /** Grants the lease and puts the record, retrying while etcd is unavailable. */
  async begin(): Promise<void> {
    const signal = this.options.signal;
    const onAbort = (): void => void this.keeper.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const id = await this.keeper.start();
      await this.putRecord(id);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Waits `ms` before the next registration attempt; ends early (timer cleared) when stopped or aborted. */
  private async pause(clock: Clock, ms: number): Promise<void> {
    const signals = [this.halt.signal, ...(this.options.signal ? [this.options.signal] : [])];
    await sleep(clock, ms, AbortSignal.any(signals)).catch(() => undefined);
  }

  private async putRecord(leaseId: string): Promise<boolean> {
    const clock = this.options.clock ?? systemClock;
    for (let attempt = 0; ; attempt++) {
      if (this.stopped || this.options.signal?.aborted) throw new RegistryClosedError();
      if (this.keeper.leaseId !== leaseId) return false; // superseded by a newer lease
      try {
        if (await this.putIfOurs(leaseId)) return true;
        attempt = -1; // lost a race with another writer: look again at once
        continue;
      } catch (err) {
        const e = asRegistryError(err);
        // A lost lease is handled by the keeper (it re-grants and we re-register then).
        if (e.code === 'LEASE_LOST') return false;
        if (!e.retryable) throw e;
        if (e instanceof DuplicateMachineError) {
          this.options.onDuplicate?.(e);
          this.emit('duplicate', e);
          await this.pause(clock, Math.min(5000, this.options.ttlSeconds * 500));
          continue;
        }
        this.emit('keepaliveFailed', e);
        await this.pause(clock, backoffDelay(attempt));
      }
    }
  }

  /**
   * Puts the record unless another fleetd instance holds a live registration
   * under the same id (compare-and-set on what was read).
   * @returns false when the key changed between read and write.
   * @throws DuplicateMachineError, RegistryError.
   */
  private async putIfOurs(leaseId: string): Promise<boolean> {
    const key = this.layout.machine(this.record.id);
    const { kv } = await this.kv.get(key);
    if (kv !== undefined && kv.lease !== leaseId && this.record.instance !== undefined) {
      let other: MachineRecord | undefined;
      try {
        other = decodeMachine(key, kv.value);
      } catch {
        other = undefined; // unreadable: ours to overwrite
      }
      if (other?.instance !== undefined && other.instance !== this.record.instance) throw new DuplicateMachineError(this.record.id, other.publicIP);
    }
    const guard: Compare = kv === undefined ? { key, target: 'create', result: 'equal', value: 0n } : { key, target: 'mod', result: 'equal', value: kv.modRevision };
    const r = await this.kv.txn([guard], [{ type: 'put', key, value: encodeMachine(this.record), lease: leaseId }]);
    return r.succeeded;
  }

  private async reregister(leaseId: string): Promise<void> {
    try {
      if (await this.putRecord(leaseId)) this.emit('reregistered', leaseId);
    } catch (err) {
      if (!this.stopped) this.emit('keepaliveFailed', asRegistryError(err));
    }
  }

  async update(record: MachineRecord): Promise<void> {
    if (record.id !== this.record.id) throw new RangeError(`presence of ${this.record.id} cannot announce ${record.id}`);
    this.record = record;
    const id = this.keeper.leaseId;
    if (id === undefined) return; // the re-grant will put the new record
    await this.kv.txn([], [{ type: 'put', key: this.layout.machine(record.id), value: encodeMachine(record), lease: id }]);
  }

  async stop(options: { graceful?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    await this.keeper.stop({ revoke: options.graceful ?? true });
  }
}

/**
 * Announces `record` on a new lease and keeps it alive. Resolves once the
 * record is in the registry; rejects on a non-retryable error or abort.
 */
export async function announceMachine(
  kv: KvBackend,
  layout: KeyLayout,
  record: MachineRecord,
  options: PresenceOptions,
): Promise<MachinePresence> {
  layout.machine(record.id); // validate before granting anything
  const p = new LeasePresence(kv, layout, record, options);
  try {
    await p.begin();
  } catch (err) {
    await p.stop({ graceful: true });
    throw err;
  }
  return p;
}
