/**
 * fleet API v1 page tokens: URL-safe base64 (with `=` padding) of four bytes,
 * little-endian uint16 page size then little-endian uint16 page number
 * (1-based). Clients treat tokens as opaque, but existing ones may hold a
 * token across a fleetd upgrade, so the encoding is kept bit for bit.
 */

/** A page token that cannot be used; the API answers 400 with this message. */
export class InvalidPageTokenError extends Error {
  readonly code = 'INVALID_PAGE_TOKEN';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPageTokenError';
  }
}

export interface PageToken {
  readonly limit: number;
  readonly page: number;
}

/** Encodes a token; `page` is 1-based. */
export function encodePageToken(token: PageToken): string {
  const buf = Buffer.alloc(4);
  buf.writeUInt16LE(token.limit, 0);
  buf.writeUInt16LE(token.page, 2);
  return buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * Decodes the `nextPageToken` query values of a request.
 * @returns page 1 at `limit` when no token was given.
 * @throws {InvalidPageTokenError} for several tokens, undecodable text, a
 *   different page size than the server's, or page 0 (fleet's messages).
 */
export function decodePageToken(values: readonly string[], limit: number): PageToken {
  if (values.length === 0) return { limit, page: 1 };
  if (values.length > 1) throw new InvalidPageTokenError('too many values for page token');
  const text = values[0]!;
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new InvalidPageTokenError('illegal base64 data in page token');
  }
  const buf = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (buf.length < 4) throw new InvalidPageTokenError('unexpected EOF');
  const token = { limit: buf.readUInt16LE(0), page: buf.readUInt16LE(2) };
  if (token.limit !== limit) throw new InvalidPageTokenError(`token limit must be ${limit}`);
  if (token.page === 0) throw new InvalidPageTokenError('token page must be greater than zero');
  return token;
}

/** The largest page a `pageSize` may ask for (the token holds it in 16 bits). */
export const MAX_PAGE_SIZE = 0xffff;

/**
 * The page a list request asks for: `pageSize` (ours, not fleet's: a
 * client that wants everything, like the dashboard, asks for big pages
 * instead of one request per 100 items) or the server's `token_limit`,
 * then `nextPageToken` at that size. A client following tokens sends the
 * same `pageSize` again.
 * @throws {InvalidPageTokenError} for a `pageSize` that is not a whole
 *   number from 1 to 65535, or a token of another size (see {@link decodePageToken}).
 */
export function requestedPage(query: URLSearchParams, serverLimit: number): PageToken {
  const sizes = query.getAll('pageSize');
  if (sizes.length > 1) throw new InvalidPageTokenError('too many values for pageSize');
  let limit = serverLimit;
  if (sizes.length === 1) {
    const text = sizes[0]!;
    const n = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
    if (!(n >= 1 && n <= MAX_PAGE_SIZE)) throw new InvalidPageTokenError(`invalid pageSize ${JSON.stringify(text)}: expected a whole number from 1 to ${MAX_PAGE_SIZE}`);
    limit = n;
  }
  return decodePageToken(query.getAll('nextPageToken'), limit);
}

/**
 * Slices one page out of a sorted list.
 * @returns the page's items and the token of the next page, or no token when
 *   this page reaches the end (fleet also returned one when the page was
 *   exactly full, sending clients to fetch an empty page; fixed).
 */
export function paginate<T>(items: readonly T[], token: PageToken): { items: T[]; nextPageToken?: string } {
  const start = (token.page - 1) * token.limit;
  const end = Math.min(start + token.limit, items.length);
  const page = start < items.length ? items.slice(start, end) : [];
  if (end < items.length && token.page < 0xffff) {
    return { items: page, nextPageToken: encodePageToken({ limit: token.limit, page: token.page + 1 }) };
  }
  return { items: page };
}
