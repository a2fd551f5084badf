/**
 * The anomaly detectors' shell: while this fleetd's engine leads, follows
 * the cluster's events from the moment it was elected, feeds the pure
 * {@link AnomalyDetector}, records each anomaly in etcd (`engine/anomaly`,
 * fenced: once per cluster, resumable in the stream) and hands it to the
 * notifiers. What the detectors remember (restarts counted, since when a
 * unit waits or a machine is gone) is kept in etcd too
 * (`engine/anomaly-memory`, fenced, at most once a second and only when it
 * changed), and a new leader starts from it. Writes nothing unless something
 * goes wrong, so an idle cluster stays idle.
 */
import { isoTime, type Clock, type TimerHandle } from '../clock.js';
import type { AnomalyRecord, ApiRegistry, EngineRegistry, LeaderElection, Subscription } from '../registry/index.js';
import { AnomalyDetector, leaderChangedAnomaly, type AnomalyMemory, type AnomalyThresholds } from './anomalies.js';
import { decodeAnomalyMemory, encodeAnomalyMemory } from './anomaly-memory.js';
import { deriveBatch } from './derive.js';
import type { EventNotifier, NotifyLogger } from './notify.js';
import type { FleetEvent } from './types.js';

/** Options of {@link AnomalyMonitor}. */
export interface AnomalyMonitorOptions {
  readonly election: LeaderElection;
  readonly engine: Pick<EngineRegistry, 'recordAnomaly' | 'saveAnomalyMemory' | 'loadAnomalyMemory'>;
  readonly api: Pick<ApiRegistry, 'watchChanges' | 'headRevision' | 'listMachines'>;
  readonly thresholds: AnomalyThresholds;
  readonly clock: Clock;
  readonly notifiers: readonly EventNotifier[];
  readonly log: NotifyLogger;
}

/** How long after a change of the detectors' memory it is stored (changes meanwhile go along), ms. */
const MEMORY_SAVE_DELAY_MS = 1000;

/** Detects while leading; see the module comment. */
export class AnomalyMonitor {
  private sub: Subscription | undefined;
  private timer: TimerHandle | undefined;
  private saveTimer: TimerHandle | undefined;
  /** The memory document last stored (or found when taking over). */
  private saved: string | undefined;
  private detector: AnomalyDetector | undefined;
  private generation = 0;
  private offs: Array<() => void> = [];

  constructor(private readonly o: AnomalyMonitorOptions) {}

  /** Starts listening to the election (call before or after it starts). */
  start(): void {
    this.offs = [this.o.election.on('elected', () => void this.lead()), this.o.election.on('deposed', () => this.follow())];
    if (this.o.election.isLeader) void this.lead();
  }

  /** Stops detecting and notifying. */
  stop(): void {
    for (const off of this.offs) off();
    this.offs = [];
    this.follow();
    for (const n of this.o.notifiers) n.close();
  }

  private async lead(): Promise<void> {
    this.follow();
    const gen = ++this.generation;
    const self = this.o.election.fence()?.machineId;
    if (self !== undefined) {
      const changed = leaderChangedAnomaly(this.o.election.previousLeader(), self, this.o.clock.now());
      if (changed !== undefined) void this.record([changed], gen);
    }
    let head: bigint;
    let gone: string | undefined;
    let memory: AnomalyMemory | undefined;
    try {
      head = await this.o.api.headRevision();
      const previous = this.o.election.previousLeader();
      // The host whose loss moved the leadership here often left before this
      // leader listened (its machine record expired first): its loss would
      // never be said. Its record missing now counts as it leaving now.
      if (previous !== undefined && previous !== self && !(await this.o.api.listMachines()).some((m) => m.id === previous)) gone = previous;
      memory = await this.takeOverMemory();
    } catch (err) {
      this.o.log.warn({ err }, 'anomaly detection could not start; it starts with the next leadership');
      return;
    }
    if (gen !== this.generation) return;
    const detector = new AnomalyDetector(this.o.thresholds, memory);
    this.detector = detector;
    if (gone !== undefined) {
      const now = this.o.clock.now();
      detector.observe({ revision: Number(head), time: isoTime(now), type: 'machine.left', machine: gone }, now);
      this.remember(gen);
    }
    this.arm(gen);
    this.sub = this.o.api.watchChanges(head + 1n, {
      onEvents: (changes) => {
        if (gen !== this.generation) return;
        const now = this.o.clock.now();
        const found = deriveBatch(changes, now).flatMap((e) => detector.observe(e, now));
        if (found.length > 0) void this.record(found, gen);
        this.remember(gen);
        this.arm(gen);
      },
      onResync: () => {
        // Lost our place (compaction while lagging): start over from now with fresh memory.
        if (gen === this.generation) void this.lead();
      },
    });
  }

  /** Wakes up when the detector next has something due. */
  private arm(gen: number): void {
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.detector?.nextDue();
    if (next === undefined) return;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      if (gen !== this.generation || this.detector === undefined) return;
      const found = this.detector.due(this.o.clock.now());
      if (found.length > 0) void this.record(found, gen);
      this.remember(gen);
      this.arm(gen);
    }, Math.max(0, next - this.o.clock.now()));
  }

  /** The memory the previous leader stored; undefined (start empty) when there is none or it cannot be used. Throws the registry's errors. */
  private async takeOverMemory(): Promise<AnomalyMemory | undefined> {
    const doc = await this.o.engine.loadAnomalyMemory();
    this.saved = doc;
    if (doc === undefined) return undefined;
    const memory = decodeAnomalyMemory(doc);
    if (!('problem' in memory)) return memory;
    this.o.log.warn({ problem: memory.problem }, 'the anomaly detectors\' stored memory cannot be used; they start empty');
    return undefined;
  }

  /** Stores the detectors' memory a moment from now, if it changed by then (fenced: a deposed leader writes nothing). */
  private remember(gen: number): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = this.o.clock.setTimeout(() => {
      this.saveTimer = undefined;
      const fence = this.o.election.fence();
      if (gen !== this.generation || this.detector === undefined || fence === undefined) return;
      const doc = encodeAnomalyMemory(this.detector.memory(this.o.clock.now()));
      if (doc === this.saved) return;
      this.saved = doc;
      this.o.engine.saveAnomalyMemory(doc, fence).catch((err: unknown) => {
        this.saved = undefined; // stored again with the next change
        this.o.log.warn({ err }, 'could not store the anomaly detectors\' memory');
      });
    }, MEMORY_SAVE_DELAY_MS);
  }

  private async record(found: readonly AnomalyRecord[], gen: number): Promise<void> {
    for (const record of found) {
      const fence = this.o.election.fence();
      if (fence === undefined || gen !== this.generation) return;
      let revision: bigint;
      try {
        revision = await this.o.engine.recordAnomaly(record, fence);
      } catch (err) {
        this.o.log.warn({ err, anomaly: record.anomaly }, 'could not record an anomaly');
        continue;
      }
      const event = {
        revision: Number(revision),
        time: isoTime(record.detectedAt),
        type: `anomaly.${record.anomaly}`,
        message: record.message,
        ...(record.unit !== undefined ? { unit: record.unit } : {}),
        ...(record.machine !== undefined ? { machine: record.machine } : {}),
      } as FleetEvent;
      for (const n of this.o.notifiers) n.notify(event);
    }
  }

  private follow(): void {
    this.generation++;
    this.detector = undefined;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.saveTimer !== undefined) this.o.clock.clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    void this.sub?.close();
    this.sub = undefined;
  }
}
