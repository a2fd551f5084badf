/**
 * The two ways `fleetctl events` reads the cluster's events: from a fleetd's
 * `GET /fleet/v1/events` (newline JSON), or (`--driver etcd`) by running the
 * same follow loop as the API (`src/events/stream.ts`) on the registry.
 * Either way the command receives the same events and the same errors.
 */
import type { IncomingMessage } from 'node:http';
import { keepAliveClock } from '../../src/clock.js';
import { EventFilterError, EventsCompactedError, openEventStream, parseEventFilter, type EventSource, type FleetEvent } from '../../src/events/index.js';
import { ApiError } from './errors.js';
import { apiPath, readText, send, type HttpTarget } from './http-transport.js';
import type { EventsQuery, EventsTarget } from './types.js';

/** The stream resource (below `/fleet/v1`) for `query`, newline JSON. */
export function eventsResource(query: EventsQuery): string {
  const p = new URLSearchParams();
  if (query.types.length > 0) p.set('type', query.types.join(','));
  if (query.unit !== undefined) p.set('unit', query.unit);
  if (query.machine !== undefined) p.set('machine', query.machine);
  if (query.from !== undefined) p.set('from', String(query.from));
  p.set('follow', String(query.follow));
  return `/events?${p.toString()}`;
}

/**
 * Reads newline JSON lines from `res`, handing events to `target`; skips
 * heartbeats. @throws {ApiError} for an in-band error line (410, 503).
 */
async function readEventLines(res: IncomingMessage, target: EventsTarget): Promise<void> {
  let buffered = '';
  const line = (text: string): void => {
    if (text.trim() === '') return;
    const o = JSON.parse(text) as { type?: unknown; error?: { code?: unknown; message?: unknown } };
    if (o.type === 'heartbeat') return;
    if (o.type === 'error') throw new ApiError(typeof o.error?.code === 'number' ? o.error.code : 500, typeof o.error?.message === 'string' ? o.error.message : '');
    target.onEvent(o as FleetEvent);
  };
  res.setEncoding('utf8');
  try {
    for await (const chunk of res as AsyncIterable<string>) {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        line(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    }
  } catch (err) {
    if (target.signal?.aborted) return;
    throw err;
  }
  line(buffered);
}

/**
 * `GET /fleet/v1/events` on the fleetd behind `http`.
 * @throws {ApiError} for answers other than 200 and in-band errors; `TransportError` when it cannot be reached.
 */
export async function requestEvents(http: HttpTarget, query: EventsQuery, target: EventsTarget): Promise<void> {
  let res: IncomingMessage;
  try {
    res = await send(http, 'GET', apiPath(http, eventsResource(query)), { ...(target.signal !== undefined ? { signal: target.signal } : {}), idle: false });
  } catch (err) {
    if (target.signal?.aborted) return;
    throw err;
  }
  if (res.statusCode === 200) return readEventLines(res, target);
  const text = await readText(res);
  let message = text.trim();
  try {
    const m = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    if (typeof m === 'string') message = m;
  } catch {
    // not JSON: keep the text
  }
  throw new ApiError(res.statusCode ?? 0, message);
}

/** The etcd driver: the API's follow loop on the registry, errors as the API would answer them. */
export async function followEventsDirect(source: EventSource, query: EventsQuery, target: EventsTarget): Promise<void> {
  let filter;
  try {
    filter = parseEventFilter({ types: query.types, ...(query.unit !== undefined ? { unit: query.unit } : {}), ...(query.machine !== undefined ? { machine: query.machine } : {}) });
  } catch (err) {
    if (err instanceof EventFilterError) throw new ApiError(400, err.message);
    throw err;
  }
  const request = { filter, follow: query.follow, ...(query.from !== undefined ? { from: query.from } : {}) };
  let stream;
  try {
    stream = await openEventStream(source, request, { clock: keepAliveClock, heartbeatMs: 15_000, replayIdleMs: 300 });
  } catch (err) {
    if (err instanceof EventsCompactedError) throw new ApiError(410, err.message);
    throw err;
  }
  const signal = target.signal ?? new AbortController().signal;
  const end = await stream.run({ events: (events) => events.forEach((e) => target.onEvent(e)), idle: () => undefined }, signal);
  if (end.kind === 'lost') throw new ApiError(end.reason === 'compacted' || end.reason === 'reset' ? 410 : 503, end.message);
}
