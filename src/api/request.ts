import type { IncomingMessage } from 'node:http';
import type { Principal } from '../auth/index.js';
import { ApiError } from './errors.js';

/** Default request body limit: 1 MiB (a unit file is at most 64 KiB of options, metadata patches are tiny). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** After this many bytes of an oversize body the connection is dropped instead of drained. */
const MAX_DRAIN_BYTES = 16 * 1024 * 1024;

/** A request as handlers see it. */
export interface ApiRequest {
  readonly method: string;
  /** Path segments after the API prefix, percent-decoded: `['units', 'foo.service']`. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly raw: IncomingMessage;
  /** Aborted when the client goes away or the server shuts down. */
  readonly signal: AbortSignal;
  /** Who sent it, as the chain's authenticate stage decided; undefined only outside the chain. */
  readonly principal?: Principal;
}

/**
 * Checks fleet's Content-Type rule for JSON bodies: exactly one header whose
 * media type is `application/json`. With `optional`, a missing header is
 * accepted (fleet's PATCH never looked).
 * @throws {ApiError} 415 with fleet's messages.
 */
export function requireJsonContentType(req: IncomingMessage, optional = false): void {
  const values = req.headersDistinct['content-type'] ?? [];
  if (values.length === 0 && optional) return;
  if (values.length !== 1) throw new ApiError(415, `expected 1 Content-Type, got ${values.length}`);
  const media = values[0]!.split(';')[0]!.trim().toLowerCase();
  if (media !== 'application/json') throw new ApiError(415, 'only acceptable Content-Type is application/json');
}

/**
 * Reads the whole body, at most `limit` bytes.
 * @returns the body bytes (empty when there is none).
 * @throws {ApiError} 413 when the body is larger than `limit` (checked on
 *   Content-Length first, then while reading; the rest is drained so the
 *   client can read the answer).
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new ApiError(413, `request body exceeds ${limit} bytes`, { connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    await drain(req, 0);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      await drain(req, size);
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

async function drain(req: IncomingMessage, already: number): Promise<void> {
  let seen = already;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > MAX_DRAIN_BYTES) {
      req.socket.destroy();
      return;
    }
  }
}

/**
 * Reads and parses a JSON body.
 * @returns the parsed value (any JSON type; callers check the shape).
 * @throws {ApiError} 413 as {@link readBody}; 400 `unable to decode body: ...`
 *   naming the parse problem (an empty body reads as `EOF`, as in fleet).
 */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  const textBody = body.toString('utf8');
  if (textBody.trim() === '') throw new ApiError(400, 'unable to decode body: EOF');
  try {
    return JSON.parse(textBody) as unknown;
  } catch (err) {
    throw new ApiError(400, `unable to decode body: ${(err as Error).message}`);
  }
}

/**
 * The first value of a query parameter (fleet reads only the first).
 * @returns undefined when the parameter is absent.
 */
export function firstQuery(query: URLSearchParams, name: string): string | undefined {
  return query.get(name) ?? undefined;
}
