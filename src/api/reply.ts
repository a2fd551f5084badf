import type { ServerResponse } from 'node:http';

/**
 * What a handler answers. Handlers return data; `server.ts` writes it, so
 * headers common to every response (`Server:`) live in one place.
 */
export type Reply =
  /** A JSON body with `Content-Type: application/json` (and `headers`, e.g. on an error naming a machine). */
  | { readonly kind: 'json'; readonly status: number; readonly body: unknown; readonly headers?: Readonly<Record<string, string>> }
  /** No body. `jsonType` sends `Content-Type: application/json` anyway (fleet's PATCH 204 does). */
  | { readonly kind: 'empty'; readonly status: number; readonly jsonType?: boolean }
  /** A text body with its own content type (`/metrics`). */
  | { readonly kind: 'text'; readonly status: number; readonly contentType: string; readonly body: string }
  /** A regular file, already checked to lie inside its served directory (`static-files.ts`). */
  | { readonly kind: 'file'; readonly status: number; readonly path: string; readonly size: number; readonly contentType: string }
  /** The handler writes the response itself (streamed command output). */
  | { readonly kind: 'stream'; write(res: ServerResponse): Promise<void> };

/** A JSON reply. */
export function json(status: number, body: unknown): Reply {
  return { kind: 'json', status, body };
}

/** A reply without a body. */
export function empty(status: number, jsonType = false): Reply {
  return { kind: 'empty', status, jsonType };
}

/** A text reply. */
export function text(status: number, contentType: string, body: string): Reply {
  return { kind: 'text', status, contentType, body };
}
