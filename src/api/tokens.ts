/**
 * Our tokens resource (admin) and the one-time bootstrap:
 *
 * - `POST /auth/bootstrap` (no body): the cluster's first admin token, once
 *   per cluster, only on a unix-socket listener; 201 with the token, 409
 *   when bootstrapped before, 403 on any other listener.
 * - `GET /tokens`: `{"tokens":[...]}` sorted by name then id, never a secret.
 * - `POST /tokens` `{"name","role","ttlSeconds"?}`: 201 with the token, shown once.
 * - `DELETE /tokens/<id>`: 204, 404 `token does not exist`.
 */
import { compareTokens, issueToken, isRole, tokenInfo, tokenNameProblem } from '../auth/index.js';
import type { TokenRegistry } from '../registry/index.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { empty, json, type Reply } from './reply.js';
import { readJson, requireJsonContentType, type ApiRequest } from './request.js';
import { toApiToken, type ApiTokenList } from './token-wire.js';

/** What the token handlers need; absent from the context when the API serves no tokens (tests, tools). */
export interface TokenApi {
  readonly registry: TokenRegistry;
  /** ms since the epoch. */
  now(): number;
}

/** Longest `ttlSeconds` accepted: ten years. */
const MAX_TTL_SECONDS = 10 * 366 * 86_400;

function tokenApi(ctx: ApiContext): TokenApi {
  if (ctx.tokens === undefined) throw new ApiError(404, '');
  return ctx.tokens;
}

/** `POST /auth/bootstrap`; `unixListener` says whether the request came through a unix socket. */
export async function bootstrapAuth(ctx: ApiContext, unixListener: boolean): Promise<Reply> {
  const api = tokenApi(ctx);
  if (!unixListener) throw new ApiError(403, 'auth bootstrap is only accepted on a fleetd\'s local unix socket');
  const { record, bearer } = issueToken({ name: 'bootstrap', role: 'admin', now: api.now() });
  await api.registry.bootstrap(record);
  ctx.logger.info({ token: record.id }, 'API authentication bootstrapped: first admin token created');
  return json(201, toApiToken(tokenInfo(record), bearer));
}

/** `GET /tokens`. */
export async function listTokens(ctx: ApiContext): Promise<Reply> {
  const { tokens } = await tokenApi(ctx).registry.listTokens();
  const infos = tokens.map(tokenInfo).sort(compareTokens);
  const body: ApiTokenList = { tokens: infos.map((t) => toApiToken(t)) };
  return json(200, body);
}

/** `POST /tokens`. */
export async function createToken(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  const api = tokenApi(ctx);
  requireJsonContentType(req.raw);
  const body = await readJson(req.raw, ctx.maxBodyBytes);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'unable to decode body: expected a JSON object {"name","role","ttlSeconds"}');
  const { name, role, ttlSeconds } = body as Record<string, unknown>;
  if (typeof name !== 'string') throw new ApiError(400, 'a token needs a name (string)');
  const nameProblem = tokenNameProblem(name);
  if (nameProblem !== undefined) throw new ApiError(400, nameProblem);
  if (!isRole(role)) throw new ApiError(400, `invalid role ${JSON.stringify(role)}: expected read, operate or admin`);
  if (ttlSeconds !== undefined && !(typeof ttlSeconds === 'number' && Number.isInteger(ttlSeconds) && ttlSeconds > 0 && ttlSeconds <= MAX_TTL_SECONDS)) {
    throw new ApiError(400, `invalid ttlSeconds ${JSON.stringify(ttlSeconds)}: expected a whole number of seconds from 1 to ${MAX_TTL_SECONDS}`);
  }
  const { record, bearer } = issueToken({ name, role, now: api.now(), ...(ttlSeconds !== undefined ? { ttlMs: ttlSeconds * 1000 } : {}) });
  await api.registry.createToken(record);
  return json(201, toApiToken(tokenInfo(record), bearer));
}

/** `DELETE /tokens/<id>`. */
export async function revokeToken(ctx: ApiContext, id: string): Promise<Reply> {
  await tokenApi(ctx).registry.revokeToken(id);
  return empty(204);
}
