/**
 * The tokens resource on the wire (our extension of fleet's API): times are
 * RFC 3339 strings; the bearer text appears only in the answer that created
 * the token. Server and fleetctl both convert through here.
 */
import { isRole, type TokenInfo } from '../auth/index.js';
import { isoTime } from '../clock.js';

/** `GET /tokens` items and the body of `POST /tokens` / `POST /auth/bootstrap` answers. */
export interface ApiToken {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  expiresAt?: string;
  /** Only in the answer that created the token. */
  token?: string;
}

/** `GET /tokens`. */
export interface ApiTokenList {
  tokens: ApiToken[];
}

/** `POST /tokens` request body. */
export interface ApiTokenRequest {
  name: string;
  role: string;
  /** Lifetime in seconds; absent = no expiry. */
  ttlSeconds?: number;
}

/** A token's public fields as sent. */
export function toApiToken(t: TokenInfo, bearer?: string): ApiToken {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    createdAt: isoTime(t.createdAt),
    ...(t.expiresAt !== undefined ? { expiresAt: isoTime(t.expiresAt) } : {}),
    ...(bearer !== undefined ? { token: bearer } : {}),
  };
}

/**
 * A token as received.
 * @throws {Error} when the value is not a token.
 */
export function fromApiToken(value: unknown): TokenInfo & { token?: string } {
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const time = (f: string): number => {
    const t = typeof o[f] === 'string' ? Date.parse(o[f] as string) : NaN;
    if (!Number.isFinite(t)) throw new Error(`the fleet API sent a token whose ${f} is not a time`);
    return t;
  };
  if (typeof o['id'] !== 'string' || typeof o['name'] !== 'string' || !isRole(o['role'])) throw new Error('the fleet API sent something that is not a token');
  return {
    id: o['id'],
    name: o['name'],
    role: o['role'],
    createdAt: time('createdAt'),
    ...(o['expiresAt'] !== undefined ? { expiresAt: time('expiresAt') } : {}),
    ...(typeof o['token'] === 'string' ? { token: o['token'] } : {}),
  };
}
