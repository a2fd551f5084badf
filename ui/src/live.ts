/**
 * Keeps the store's picture current: list once, then follow the event
 * stream (`GET /fleet/v1/events`, server-sent events read through fetch so
 * the token goes in a header). The stream is opened before the listing and
 * what arrives meanwhile is applied after it (events are idempotent), so
 * nothing falls between the two. A dropped stream resumes after the last
 * revision seen; a compacted one (410) re-lists. A fleetd without the
 * stream (404) is polled instead.
 */
import { ApiError, getUnit, listMachines, listStates, listUnits, request } from './api.js';
import { clusterFrom } from './model/cluster.js';
import { isEventType } from '../../src/events/types.js';
import { applyEvents, type ClusterEvent } from './model/events.js';
import { SseParser } from './model/sse.js';
import type { Store } from './store.js';

/** How often a fleetd without the event stream is re-listed. */
const POLL_MS = 3000;
/** After a burst of (un)scheduling, machines (their allocated resources) are re-listed once, this much later. */
const MACHINES_REFRESH_MS = 2000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/** Lists the whole cluster into the store. Throws ApiError. */
export async function loadAll(store: Store, signal: AbortSignal): Promise<void> {
  const [machines, units, states] = await Promise.all([listMachines(signal), listUnits(signal), listStates(signal)]);
  store.replace(clusterFrom(machines, units, states));
}

/** Runs until `signal` aborts, keeping `store` current. Never throws. */
export async function keepLive(store: Store, signal: AbortSignal): Promise<void> {
  let from: number | undefined;
  let listed = false;
  let failures = 0;
  const refresher = new Refresher(store, signal);
  while (!signal.aborted) {
    try {
      const res = await openStream(from, signal);
      if (res === 'absent') return poll(store, signal);
      const pending: ClusterEvent[] = [];
      let ready = listed;
      const onEvents = (events: ClusterEvent[], seen: number | undefined) => {
        if (seen !== undefined) from = seen + 1;
        if (events.length === 0) return;
        if (!ready) {
          pending.push(...events);
          return;
        }
        refresher.apply(events);
      };
      const reading = readStream(res, onEvents, () => {
        failures = 0;
      });
      // Awaited below; until then a failure must not count as unhandled.
      reading.catch(() => undefined);
      if (!listed) {
        await loadAll(store, signal);
        listed = true;
        ready = true;
        refresher.apply(pending.splice(0));
      }
      store.setStatus({ kind: 'live', via: 'stream' });
      await reading;
      throw new ApiError(0, 'the event stream ended');
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 410) {
        // Compacted past our revision: start over from a fresh listing.
        from = undefined;
        listed = false;
      }
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        store.setStatus({ kind: 'retrying', reason: err.message });
        return;
      }
      failures++;
      store.setStatus({ kind: 'retrying', reason: (err as Error).message });
      await sleep(Math.min(10_000, 500 * 2 ** Math.min(failures, 5)), signal);
    }
  }
}

/** Opens the stream; `absent` when this fleetd has none. Throws ApiError. */
async function openStream(from: number | undefined, signal: AbortSignal): Promise<Response | 'absent'> {
  const q = from !== undefined ? `?from=${from}` : '';
  try {
    return await request(`/events${q}`, { headers: { Accept: 'text/event-stream' }, signal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return 'absent';
    throw err;
  }
}

/**
 * Reads server-sent events until the body ends. `onEvents` gets each
 * chunk's events and the revision every change up to which has been seen
 * (a heartbeat's `revision` counts too), `onAlive` every chunk.
 * @throws {ApiError} with the in-band error's code (410: compacted, list again).
 */
async function readStream(res: Response, onEvents: (events: ClusterEvent[], seen: number | undefined) => void, onAlive: () => void): Promise<void> {
  if (res.body === null) throw new ApiError(0, 'the event stream has no body');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onAlive();
    const events: ClusterEvent[] = [];
    let seen: number | undefined;
    for (const m of parser.push(value).messages) {
      let o: { type?: unknown; revision?: unknown; error?: { code?: number; message?: string } };
      try {
        o = JSON.parse(m.data) as typeof o;
      } catch {
        continue; // not JSON: nothing this client knows
      }
      if (o.type === 'error' || m.event === 'error') throw new ApiError(o.error?.code ?? 503, o.error?.message ?? 'the event stream ended with an error');
      if (typeof o.revision !== 'number') continue;
      seen = o.revision;
      // Heartbeats and types newer than this page only move the resume point.
      if (o.type !== 'heartbeat' && m.event !== 'heartbeat' && typeof o.type === 'string' && isEventType(o.type)) events.push(o as ClusterEvent);
    }
    onEvents(events, seen);
  }
}

/** Applies events, then fetches what they did not carry (new unit bodies, machines' resources). */
class Refresher {
  private machinesTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: Store,
    private readonly signal: AbortSignal,
  ) {}

  apply(events: readonly ClusterEvent[]): void {
    if (events.length === 0) return;
    const need = applyEvents(this.store.data, events);
    this.store.addEvents(events);
    for (const name of need.units) void this.fetchUnit(name);
    if (need.machines && this.machinesTimer === undefined) {
      this.machinesTimer = setTimeout(() => {
        this.machinesTimer = undefined;
        void this.fetchMachines();
      }, MACHINES_REFRESH_MS);
    }
  }

  private fetchUnit(name: string): Promise<void> {
    return fetchUnit(this.store, name, this.signal);
  }

  private async fetchMachines(): Promise<void> {
    try {
      const machines = await listMachines(this.signal);
      this.store.data.machines.clear();
      for (const m of machines) this.store.data.machines.set(m.id, m);
      this.store.changed();
    } catch {
      // the next refresh repairs it
    }
  }
}

/**
 * Reads unit `name` whole (with its options, which listings leave out) into
 * the store, if the store still has it. Never throws: a unit destroyed
 * meanwhile, or an unreachable fleetd, is repaired by the next event or listing.
 */
export async function fetchUnit(store: Store, name: string, signal?: AbortSignal): Promise<void> {
  try {
    const unit = await getUnit(name, signal);
    if (store.data.units.has(name)) {
      store.data.units.set(name, unit);
      store.changed();
    }
  } catch {
    // see above
  }
}

/** Re-lists every {@link POLL_MS} while the page is visible (a fleetd without the event stream). */
async function poll(store: Store, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      if (document.visibilityState === 'visible' || store.firstLoadMs === undefined) {
        await loadAll(store, signal);
        store.setStatus({ kind: 'live', via: 'polling' });
      }
    } catch (err) {
      if (signal.aborted) return;
      store.setStatus({ kind: 'retrying', reason: (err as Error).message });
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return;
    }
    await sleep(POLL_MS, signal);
  }
}
