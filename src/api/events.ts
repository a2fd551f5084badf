/**
 * `GET /events`: the cluster's events (`src/events/`) as a stream:
 * server-sent events when the client accepts `text/event-stream`, else
 * newline-delimited JSON. Derived from one etcd watch over the registry
 * (each change with its previous value), so it is resumable by revision.
 * The wire format is documented in `src/api/README.md`.
 */
import type { ServerResponse } from 'node:http';
import { isoTime, systemClock, type Clock } from '../clock.js';
import { ChangeHub, EventFilterError, EventsCompactedError, openEventStream, parseEventFilter, type EventFilter, type FleetEvent, type OpenedEventStream } from '../events/index.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import type { Reply } from './reply.js';
import type { ApiRequest } from './request.js';

/** How the event stream runs; built once by the server. */
export interface EventStreamSettings {
  readonly clock: Clock;
  /** Default heartbeat interval while idle, ms (`?heartbeat=` seconds overrides it per request). */
  readonly heartbeatMs: number;
  /** Streams open at once on this fleetd (`api_max_streams`); one more is 503. */
  readonly slots: StreamSlots;
  /** A replay without `follow` ends after this long without a change once it has caught up, ms. */
  readonly replayIdleMs: number;
  /** The one registry watch the streams share; undefined: each stream watches for itself. */
  readonly hub?: ChangeHub;
}

/** Default heartbeat: every 15 s of silence. */
export const DEFAULT_EVENT_HEARTBEAT_MS = 15_000;

/** A counter of open streams with a cap. */
export class StreamSlots {
  private open = 0;
  /** `limit` undefined: unlimited. */
  constructor(readonly limit?: number) {}

  /** Takes a slot; returns its release function (idempotent), or undefined at the cap. */
  acquire(): (() => void) | undefined {
    if (this.limit !== undefined && this.open >= this.limit) return undefined;
    this.open++;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.open--;
      }
    };
  }

  /** Streams open now. */
  get inUse(): number {
    return this.open;
  }
}

/** What a stream request asks for (see {@link parseEventQuery}). */
export interface EventQuery {
  readonly filter: EventFilter;
  /** First revision to send (inclusive); undefined: from now on. */
  readonly from?: bigint;
  /** Keep streaming new events (default true); false ends once the history up to the request's revision was sent. */
  readonly follow: boolean;
  /** Heartbeat interval, ms; undefined: the server's default. */
  readonly heartbeatMs?: number;
  readonly format: 'sse' | 'ndjson';
}

const REVISION = /^[1-9][0-9]{0,18}$/;

/**
 * Reads `type` (repeatable, comma-separated patterns), `unit`, `machine`,
 * `from`, `follow`, `heartbeat` (seconds) and the format (`Accept:
 * text/event-stream` for SSE); a `Last-Event-ID` header without `from`
 * resumes after that revision.
 * @throws {ApiError} 400 naming the parameter and value.
 */
export function parseEventQuery(query: URLSearchParams, headers: { accept?: string | undefined; 'last-event-id'?: string | string[] | undefined }): EventQuery {
  let filter: EventFilter;
  try {
    const unit = query.get('unit') ?? undefined;
    const machine = query.get('machine') ?? undefined;
    filter = parseEventFilter({ types: query.getAll('type'), ...(unit !== undefined ? { unit } : {}), ...(machine !== undefined ? { machine } : {}) });
  } catch (err) {
    if (err instanceof EventFilterError) throw new ApiError(400, err.message);
    throw err;
  }
  let from: bigint | undefined;
  const fromRaw = query.get('from');
  const lastId = headers['last-event-id'];
  if (fromRaw !== null) {
    if (!REVISION.test(fromRaw)) throw new ApiError(400, `invalid from ${JSON.stringify(fromRaw)}: expected a revision (a positive integer)`);
    from = BigInt(fromRaw);
  } else if (typeof lastId === 'string' && REVISION.test(lastId)) {
    from = BigInt(lastId) + 1n;
  }
  const followRaw = query.get('follow') ?? 'true';
  if (followRaw !== 'true' && followRaw !== 'false') throw new ApiError(400, `invalid follow ${JSON.stringify(followRaw)}: expected true or false`);
  const hbRaw = query.get('heartbeat');
  let heartbeatMs: number | undefined;
  if (hbRaw !== null) {
    if (!/^\d{1,3}$/.test(hbRaw) || Number(hbRaw) < 1 || Number(hbRaw) > 300) throw new ApiError(400, `invalid heartbeat ${JSON.stringify(hbRaw)}: expected seconds from 1 to 300`);
    heartbeatMs = Number(hbRaw) * 1000;
  }
  const accept = headers.accept ?? '';
  const format = /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept) ? 'sse' : 'ndjson';
  return { filter, ...(from !== undefined ? { from } : {}), follow: followRaw === 'true', ...(heartbeatMs !== undefined ? { heartbeatMs } : {}), format };
}

/**
 * `GET /events`. Checks the query, the stream cap and (with `from`)
 * compaction before anything is sent, so those are ordinary JSON errors
 * (400, 503, 410); after that the stream reports trouble in-band and ends.
 */
export async function streamEvents(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  const q = parseEventQuery(req.query, req.raw.headers);
  const settings = ctx.events;
  const release = settings.slots.acquire();
  if (release === undefined) throw new ApiError(503, `too many event streams open on this host (api_max_streams=${settings.slots.limit}); try again later`);
  try {
    const timing = { clock: settings.clock, heartbeatMs: q.heartbeatMs ?? settings.heartbeatMs, replayIdleMs: settings.replayIdleMs };
    const hub = settings.hub;
    const source = hub === undefined ? ctx.registry : { headRevision: () => ctx.registry.headRevision(), isCompacted: (r: bigint) => ctx.registry.isCompacted(r), watchChanges: hub.watchChanges.bind(hub) };
    const stream = await openEventStream(source, { filter: q.filter, follow: q.follow, ...(q.from !== undefined ? { from: q.from } : {}) }, timing).catch((err: unknown) => {
      throw err instanceof EventsCompactedError ? new ApiError(410, err.message) : err;
    });
    return { kind: 'stream', write: (res) => writeStream(res, req, settings.clock, q.format === 'sse', stream).finally(release) };
  } catch (err) {
    release();
    throw err;
  }
}

/** Writes the stream until the client leaves, the server closes, the watch fails, or (without follow) the history is sent. */
async function writeStream(res: ServerResponse, req: ApiRequest, clock: Clock, sse: boolean, stream: OpenedEventStream): Promise<void> {
  res.writeHead(200, {
    'Content-Type': sse ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'X-Fleet-Revision': String(stream.from - 1n),
  });
  res.flushHeaders(); // the client learns the stream is open before the first event
  if (sse) res.write(`retry: 2000\n\n`);
  const end = await stream.run(
    {
      events: (events) => void res.write(events.map((e) => eventChunk(sse, e)).join('')),
      idle: (position) => void res.write(heartbeatChunk(sse, position, clock.now())),
    },
    req.signal,
  );
  if (end.kind === 'lost') res.write(errorChunk(sse, end.reason === 'compacted' || end.reason === 'reset' ? 410 : 503, end.message));
  res.end();
}

/** One event on the wire: an SSE message with the revision as its id, or one JSON line. */
export function eventChunk(sse: boolean, e: FleetEvent): string {
  const data = JSON.stringify(e);
  return sse ? `id: ${e.revision}\ndata: ${data}\n\n` : `${data}\n`;
}

/** The heartbeat: `{"type":"heartbeat","revision":R,"time":...}`, R being the revision the stream has seen up to (resume with R + 1). */
export function heartbeatChunk(sse: boolean, revision: bigint, nowMs: number): string {
  const data = JSON.stringify({ type: 'heartbeat', revision: Number(revision), time: isoTime(nowMs) });
  return sse ? `id: ${revision}\nevent: heartbeat\ndata: ${data}\n\n` : `${data}\n`;
}

/** In-band end of a stream: `{"type":"error","error":{"code","message"}}` (SSE: `event: error`). */
export function errorChunk(sse: boolean, code: number, message: string): string {
  const data = JSON.stringify({ type: 'error', error: { code, message } });
  return sse ? `event: error\ndata: ${data}\n\n` : `${data}\n`;
}

/** Settings with defaults. */
export function eventStreamSettings(o: { clock?: Clock; heartbeatMs?: number; maxStreams?: number; replayIdleMs?: number; hub?: ChangeHub } = {}): EventStreamSettings {
  return {
    clock: o.clock ?? systemClock,
    heartbeatMs: o.heartbeatMs ?? DEFAULT_EVENT_HEARTBEAT_MS,
    slots: new StreamSlots(o.maxStreams),
    replayIdleMs: o.replayIdleMs ?? 300,
    ...(o.hub !== undefined ? { hub: o.hub } : {}),
  };
}
