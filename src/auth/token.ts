/**
 * API tokens. A token is shown once, at creation, as `<id>.<secret>`; the
 * registry keeps only its {@link TokenRecord}: id, name, role, creation
 * time, optional expiry and a salted SHA-256 of the secret. The secret is
 * 32 random bytes (256 bits), so a fast hash is enough: a slow password
 * KDF (scrypt) protects low-entropy human passwords, and here would only
 * cost every API request tens of milliseconds of CPU. Comparison is
 * constant-time.
 */
import { createHash, randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';
import { isRole, type Role } from './roles.js';

/** What the registry stores for a token (never the secret). */
export interface TokenRecord {
  /** 16 lowercase hex characters; public (shown by `token list`, named in audit logs). */
  readonly id: string;
  /** Operator's label, e.g. `ci`. */
  readonly name: string;
  readonly role: Role;
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
  /** Milliseconds since the Unix epoch; absent = never expires. */
  readonly expiresAt?: number;
  /** 16 random bytes, hex. */
  readonly salt: string;
  /** SHA-256 of salt bytes followed by the secret's UTF-8 bytes, hex. */
  readonly hash: string;
}

/** Token names: what `token create --name` accepts. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const ID = /^[0-9a-f]{16}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

/** Source of random bytes (injected in tests). */
export type RandomBytes = (size: number) => Buffer;

/**
 * Why a token name cannot be used.
 * @returns undefined when `name` is acceptable.
 */
export function tokenNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name === '') return 'a token needs a name';
  if (!NAME.test(name)) return `invalid token name ${JSON.stringify(name)}: 1-64 characters of A-Z a-z 0-9 _ . @ -, starting with a letter or digit`;
  return undefined;
}

/** True when `id` has the form of a token id (16 lowercase hex characters). */
export function isTokenId(id: string): boolean {
  return typeof id === 'string' && ID.test(id);
}

/** Options of {@link issueToken}. */
export interface IssueTokenOptions {
  readonly name: string;
  readonly role: Role;
  /** Creation time, ms since the epoch. */
  readonly now: number;
  /** Lifetime in ms; undefined = no expiry. */
  readonly ttlMs?: number;
  /** Default `crypto.randomBytes`. */
  readonly randomBytes?: RandomBytes;
}

/**
 * Creates a token.
 * @returns the record to store and the bearer text to show once.
 * @throws {RangeError} for a bad name or a non-positive ttl.
 */
export function issueToken(options: IssueTokenOptions): { record: TokenRecord; bearer: string } {
  const problem = tokenNameProblem(options.name);
  if (problem !== undefined) throw new RangeError(problem);
  if (options.ttlMs !== undefined && !(Number.isFinite(options.ttlMs) && options.ttlMs > 0)) throw new RangeError(`token lifetime must be positive, got ${options.ttlMs} ms`);
  const random = options.randomBytes ?? cryptoRandomBytes;
  const id = random(8).toString('hex');
  const secret = random(32).toString('base64url');
  const salt = random(16).toString('hex');
  const record: TokenRecord = {
    id,
    name: options.name,
    role: options.role,
    createdAt: options.now,
    ...(options.ttlMs !== undefined ? { expiresAt: options.now + options.ttlMs } : {}),
    salt,
    hash: secretHash(salt, secret),
  };
  return { record, bearer: `${id}.${secret}` };
}

function secretHash(saltHex: string, secret: string): string {
  return createHash('sha256').update(Buffer.from(saltHex, 'hex')).update(secret, 'utf8').digest('hex');
}

/** Why a presented token was refused. */
export type TokenRejection = 'malformed' | 'unknown' | 'mismatch' | 'expired';

/** Outcome of {@link checkBearer}. */
export type BearerCheck = { readonly ok: true; readonly record: TokenRecord } | { readonly ok: false; readonly reason: TokenRejection };

/**
 * Checks a presented bearer text against the stored tokens: its id must be
 * known (`lookup`), its secret hash equal (constant-time) and the token
 * unexpired at `now`. Never throws.
 */
export function checkBearer(bearer: string, lookup: (id: string) => TokenRecord | undefined, now: number): BearerCheck {
  const dot = bearer.indexOf('.');
  const id = bearer.slice(0, dot);
  const secret = bearer.slice(dot + 1);
  if (dot < 0 || !ID.test(id) || !SECRET.test(secret)) return { ok: false, reason: 'malformed' };
  const record = lookup(id);
  if (record === undefined) return { ok: false, reason: 'unknown' };
  const expected = Buffer.from(record.hash, 'hex');
  const actual = Buffer.from(secretHash(record.salt, secret), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { ok: false, reason: 'mismatch' };
  if (isExpired(record, now)) return { ok: false, reason: 'expired' };
  return { ok: true, record };
}

/** True when `record` has an expiry at or before `now`. */
export function isExpired(record: TokenRecord, now: number): boolean {
  return record.expiresAt !== undefined && record.expiresAt <= now;
}

/**
 * The bearer text of an `Authorization` header value.
 * @returns undefined when the header is absent; `null` when present but not `Bearer <token>`.
 */
export function bearerFromHeader(value: string | undefined): string | undefined | null {
  if (value === undefined) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
  return m === null ? null : m[1]!;
}

/** A token record without its secret's hash: what `token list` shows. */
export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly expiresAt?: number;
}

/** Order of token lists: by name, then id. */
export function compareTokens(a: TokenInfo, b: TokenInfo): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The public part of a record. */
export function tokenInfo(r: TokenRecord): TokenInfo {
  return { id: r.id, name: r.name, role: r.role, createdAt: r.createdAt, ...(r.expiresAt !== undefined ? { expiresAt: r.expiresAt } : {}) };
}

/**
 * Decodes a stored token record.
 * @throws {Error} naming the field that is wrong.
 */
export function parseTokenRecord(value: unknown): TokenRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  const o = value as Record<string, unknown>;
  const str = (f: string, re?: RegExp): string => {
    const v = o[f];
    if (typeof v !== 'string' || (re !== undefined && !re.test(v))) throw new Error(`field ${f} is missing or malformed`);
    return v;
  };
  const time = (f: string): number => {
    const v = o[f];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`field ${f} is not a time`);
    return v;
  };
  if (!isRole(o['role'])) throw new Error('field role is not read, operate or admin');
  return {
    id: str('id', ID),
    name: str('name', NAME),
    role: o['role'],
    createdAt: time('createdAt'),
    ...(o['expiresAt'] !== undefined ? { expiresAt: time('expiresAt') } : {}),
    salt: str('salt', /^[0-9a-f]{32}$/),
    hash: str('hash', /^[0-9a-f]{64}$/),
  };
}
