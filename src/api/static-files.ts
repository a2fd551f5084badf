/**
 * Static files served from a directory (a dashboard's assets): only regular
 * files inside the directory, after following symlinks; no dot segments, no
 * hidden files, no NUL or backslash; a content type by extension; a
 * directory serves its `index.html`. Anything else is fleet's 404 with an
 * empty message, so a probe learns nothing about the file system.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ApiError } from './errors.js';
import type { Reply } from './reply.js';

/** Content types by extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
});

/** The content type of a file name by its extension. Never throws. */
export function contentTypeOf(fileName: string): string {
  return CONTENT_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The relative path `segments` (percent-decoded URL segments after the
 * mount) names, when it is safe: no `.`/`..`, no hidden names, no NUL,
 * backslash or slash inside a segment, no empty segment except a trailing
 * one (a directory: `index.html`).
 * @returns the relative path with `/` separators; undefined when unsafe. Never throws.
 */
export function safeRelativePath(segments: readonly string[]): string | undefined {
  const parts = [...segments];
  if (parts.length > 0 && parts[parts.length - 1] === '') parts[parts.length - 1] = 'index.html';
  if (parts.length === 0) parts.push('index.html');
  for (const p of parts) {
    if (p === '' || p.startsWith('.') || /[\0\\/]/.test(p)) return undefined;
  }
  return parts.join('/');
}

/**
 * The reply for `segments` under `root`: the file (a `file` reply), or a
 * 404 when the path is unsafe, missing, not a regular file, or leaves
 * `root` through a symlink.
 * @throws {ApiError} 404 with an empty message for every refusal.
 */
export async function staticFile(root: string, segments: readonly string[]): Promise<Reply> {
  const notFound = () => new ApiError(404, '');
  const relative = safeRelativePath(segments);
  if (relative === undefined) throw notFound();
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(join(realRoot, ...relative.split('/')));
  } catch {
    throw notFound();
  }
  if (!real.startsWith(realRoot + sep)) throw notFound();
  const info = await stat(real).catch(() => undefined);
  if (info === undefined || !info.isFile()) throw notFound();
  return { kind: 'file', status: 200, path: real, size: info.size, contentType: contentTypeOf(real) };
}

/**
 * Writes a `file` reply: status, `Content-Type`, `Content-Length`,
 * `X-Content-Type-Options: nosniff`, then the bytes.
 * @throws when reading fails part-way (the caller cuts the connection).
 */
export async function sendFile(res: ServerResponse, reply: { readonly status: number; readonly path: string; readonly size: number; readonly contentType: string }): Promise<void> {
  const body = createReadStream(reply.path);
  await new Promise<void>((resolve, reject) => {
    body.once('open', () => resolve());
    // Gone or unreadable since it was found: still nothing to show.
    body.once('error', () => reject(new ApiError(404, '')));
  });
  res.writeHead(reply.status, { 'Content-Type': reply.contentType, 'Content-Length': reply.size, 'X-Content-Type-Options': 'nosniff' });
  await pipeline(body, res);
}
