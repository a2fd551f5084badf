/** `/machines`: list (metadata merged) and PATCH of dynamic metadata. */
import type { MachineRecord } from '../registry/index.js';
import { resourcesView } from '../resources/index.js';
import type { ApiContext } from './context.js';
import { parseMetadataOps } from './machine-ops.js';
import { paginate, requestedPage } from './pagination.js';
import { empty, json, type Reply } from './reply.js';
import { readJson, requireJsonContentType, type ApiRequest } from './request.js';
import type { ApiMachine, ApiMachinePage } from './schema.js';

/** `GET /machines`: one page of machines sorted by id. Throws ApiError / registry errors. */
export async function listMachines(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  const token = requestedPage(req.query, ctx.tokenLimit);
  // From the watch-fed view (machines-view.ts): no listing of machines/ per request.
  const page = paginate(await ctx.machines.machines(), token);
  const body: ApiMachinePage = {};
  if (page.items.length > 0) body.machines = page.items.map(toApiMachine);
  if (page.nextPageToken !== undefined) body.nextPageToken = page.nextPageToken;
  return json(200, body);
}

/** `PATCH /machines`: dynamic metadata ops, validated first, applied in order. Throws ApiError / registry errors. */
export async function patchMachines(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  // fleet never checked the type of PATCH bodies; a missing header stays accepted, a wrong one is refused.
  requireJsonContentType(req.raw, true);
  const ops = parseMetadataOps(await readJson(req.raw, ctx.maxBodyBytes));
  // Applied in order, one write each (as fleet): an etcd failure midway leaves earlier ops applied.
  for (const op of ops) {
    if (op.op === 'set') await ctx.registry.setMachineMetadata(op.machineId, op.key, op.value);
    else await ctx.registry.deleteMachineMetadata(op.machineId, op.key);
  }
  ctx.logger.info({ ops: ops.length }, 'machine metadata patched');
  return empty(204, true);
}

/** A machine as fleet's API shows it (`metadata` omitted when empty). */
export function toApiMachine(m: MachineRecord): ApiMachine {
  const out: ApiMachine = { id: m.id };
  if (Object.keys(m.metadata).length > 0) out.metadata = { ...m.metadata };
  if (m.publicIP !== '') out.primaryIP = m.publicIP;
  if (m.apiEndpoint !== undefined) out.apiEndpoint = m.apiEndpoint;
  if (m.resources !== undefined) out.resources = resourcesView(m.resources);
  return out;
}
