import type { Clock, TimerHandle } from '../clock.js';
import { NotLeaderError, type CollectableBody, type EngineRegistry, type LeaderFence } from '../registry/index.js';
import type { EngineObserver } from './observer.js';
import type { ClusterCache } from './cluster-cache.js';
import { rolloutHashes, type RolloutRecord } from '../rollout/index.js';

/** What {@link unreferencedBodies} reads: bodies and everything that may refer to one. */
export interface BodyReferences {
  readonly bodies: ReadonlyMap<string, bigint>;
  readonly units: ReadonlyMap<string, { readonly hash: string }>;
  entries(): Iterable<{ readonly hash: string }>;
  /** Rollouts refer to their old and new texts (a revert or an undo needs the old one). */
  readonly rollouts?: ReadonlyMap<string, { readonly record: RolloutRecord }>;
}

/**
 * The bodies no unit record and no schedule entry refers to, sorted by
 * hash (pure). A replaced unit's old body stays while any machine is still
 * scheduled to run it; a destroyed unit's body goes once it is unscheduled
 * everywhere.
 */
export function unreferencedBodies(view: BodyReferences): CollectableBody[] {
  if (view.bodies.size === 0) return [];
  const used = new Set<string>();
  for (const u of view.units.values()) used.add(u.hash);
  for (const e of view.entries()) used.add(e.hash);
  for (const { record } of view.rollouts?.values() ?? []) for (const h of rolloutHashes(record)) used.add(h);
  const out: CollectableBody[] = [];
  for (const [hash, revision] of view.bodies) if (!used.has(hash)) out.push({ hash, revision });
  return out.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
}

/** Options of {@link BodyCollector}. */
export interface BodyCollectorOptions {
  readonly registry: Pick<EngineRegistry, 'deleteBodies'>;
  /** The leader's current fence; undefined when no longer leading. */
  readonly fence: () => LeaderFence | undefined;
  readonly clock: Clock;
  /** Told about deletions and failed attempts. */
  readonly observe: Required<Pick<EngineObserver, 'bodiesCollected' | 'trouble'>>;
  /** Wait after a change before collecting, ms; default 1000. Doubles (up to 30 s) while the view is outdated. */
  readonly delayMs?: number;
}

const MAX_DELAY_MS = 30_000;

/**
 * The leader's garbage collector for unit bodies: a while after a pass
 * leaves some body unreferenced in the engine's cache, it deletes them with
 * a guarded, fenced write (`EngineRegistry.deleteBodies`). When the cache
 * had not yet seen a recent unit or schedule write (e.g. the echo of the
 * engine's own), the write changes nothing and is retried later. Collection
 * is never urgent: a body costs one key until then.
 */
export class BodyCollector {
  private timer: TimerHandle | undefined;
  private running = false;
  private stopped = false;
  private delayMs: number;
  /** The cache's versions when a poke last found every body referenced (see {@link poke}). */
  private clean: { readonly version: number; readonly bodies: number } | undefined;

  constructor(
    private readonly cache: ClusterCache,
    private readonly opts: BodyCollectorOptions,
  ) {
    this.delayMs = opts.delayMs ?? 1000;
  }

  /**
   * After a pass: arms a collection if some body is unreferenced and none is
   * pending. An idle leader pokes after every periodic pass, and with 1,000
   * units each look went through every unit and schedule entry; the answer
   * changes only with the cache (its `version` counts units, entries and
   * rollouts, `bodiesVersion` the bodies), so an unchanged cache is not
   * looked at again.
   */
  poke(): void {
    if (this.stopped || this.timer !== undefined || this.running) return;
    const at = { version: this.cache.version, bodies: this.cache.bodiesVersion };
    if (this.clean !== undefined && this.clean.version === at.version && this.clean.bodies === at.bodies) return;
    if (unreferencedBodies(this.cache).length > 0) this.arm();
    else this.clean = at;
  }

  /** Stops collecting (leadership lost); an in-flight write finishes. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      void this.collect();
    }, this.delayMs);
  }

  private async collect(): Promise<void> {
    const candidates = unreferencedBodies(this.cache);
    const fence = this.opts.fence();
    if (this.stopped || candidates.length === 0 || fence === undefined) return;
    this.running = true;
    const seen = this.cache.referencesSeen;
    const view = { unitsBefore: seen.units + 1n, scheduleBefore: seen.schedule + 1n, rolloutsBefore: seen.rollouts + 1n };
    try {
      const { deleted, complete } = await this.opts.registry.deleteBodies(candidates, view, fence);
      // Like the engine's own schedule writes: recorded before the watch echo.
      for (const b of candidates.slice(0, deleted)) this.cache.forgetBody(b.hash, b.revision);
      if (deleted > 0) this.opts.observe.bodiesCollected(candidates.slice(0, deleted).map((b) => b.hash));
      if (complete) {
        this.delayMs = this.opts.delayMs ?? 1000;
        return;
      }
      // A unit or schedule write is not in the cache yet: try again once it is.
      this.backoff();
    } catch (err) {
      if (err instanceof NotLeaderError) return; // the next leader collects
      this.opts.observe.trouble('collect', err);
      this.backoff();
    } finally {
      this.running = false;
    }
  }

  private backoff(): void {
    if (this.stopped) return;
    this.delayMs = Math.min(MAX_DELAY_MS, this.delayMs * 2);
    this.arm();
  }
}
