/**
 * `GET /auth/whoami` (ours): who the API takes the caller for, so a client
 * (the dashboard) shows only what the caller's role allows, and which
 * machine this fleetd is (status and journal are read on the unit's own
 * machine). Role `read`.
 */
import { principalLabel } from '../auth/index.js';
import type { ApiContext } from './context.js';
import { json, type Reply } from './reply.js';
import type { ApiRequest } from './request.js';

/** The caller's principal: `{kind, role, label, machineId}` plus `name` and `id` for a token. Throws nothing of its own. */
export async function whoAmI(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  const p = req.principal;
  if (p === undefined) throw new Error('API chain: whoami ran before authenticate');
  return json(200, p.kind === 'token' ? { kind: p.kind, role: p.role, name: p.name, id: p.id, label: principalLabel(p), machineId: ctx.machineId } : { kind: p.kind, role: p.role, label: principalLabel(p), machineId: ctx.machineId });
}
