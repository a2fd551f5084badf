/**
 * `/policy` (ours, not fleet's): the cluster's placement policy. GET shows
 * the policy in force (every field, defaults included, plus `problem` when
 * the stored document cannot be used); PUT validates a document and
 * replaces it, or answers 400 naming every problem and writes nothing.
 */
import { InvalidPolicyError, parsePolicy, policyDocument, readPolicyDocument } from '../scheduler/policy.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { json, type Reply } from './reply.js';
import { readJson, requireJsonContentType, type ApiRequest } from './request.js';

/** `GET /policy`. */
export async function getPolicy(_req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  const { policy, problem } = readPolicyDocument(await ctx.registry.getPolicy());
  return json(200, { ...policyDocument(policy), ...(problem !== undefined ? { problem } : {}) });
}

/** `PUT /policy`. Throws ApiError 400 for an invalid document. */
export async function putPolicy(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  requireJsonContentType(req.raw, true);
  const body = await readJson(req.raw, ctx.maxBodyBytes);
  let doc: Record<string, unknown>;
  try {
    doc = policyDocument(parsePolicy(body));
  } catch (err) {
    if (err instanceof InvalidPolicyError) throw new ApiError(400, err.message);
    throw err;
  }
  await ctx.registry.setPolicy(JSON.stringify(doc));
  ctx.logger.info({ policy: doc }, 'placement policy replaced');
  return json(200, doc);
}
