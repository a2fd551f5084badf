/**
 * `fleetctl token create --name N --role R [--ttl D]`, `token list [-o json]`,
 * `token revoke ID`: API tokens (admin). A created token is printed once,
 * alone on stdout; lists never show secrets.
 */
import { parseRole, parseTokenTtl, type Role, type TokenInfo } from '../../src/auth/index.js';
import { errorMessage } from '../client/errors.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output/table.js';
import type { CommandSpec, Flags } from './spec.js';

const USAGE = 'Usage: fleetctl token create --name NAME --role read|operate|admin [--ttl 30d] | token list [-o json] | token revoke ID\n';

const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

async function create(ctx: CommandContext, flags: Flags): Promise<number> {
  const name = flags['name'];
  const role = flags['role'] as Role | undefined;
  if (typeof name !== 'string' || role === undefined) {
    ctx.out.stderr.write(`token create needs --name and --role\n${USAGE}`);
    return 1;
  }
  const ttl = flags['ttl'] as number | undefined;
  const t = await ctx.client.createToken(name, role, ttl);
  ctx.out.stdout.write(`${t.token}\n`);
  ctx.out.stderr.write(`Created ${t.role} token ${t.id} (${t.name})${t.expiresAt !== undefined ? `, expires ${iso(t.expiresAt)}` : ''}. It is shown only this once.\n`);
  return 0;
}

async function list(ctx: CommandContext, flags: Flags): Promise<number> {
  const format = flags['output'] ?? 'table';
  if (format !== 'table' && format !== 'json') {
    ctx.out.stderr.write(`Invalid output format ${JSON.stringify(format)}: use table or json\n`);
    return 1;
  }
  const tokens = await ctx.client.listTokens();
  if (format === 'json') {
    const rows = tokens.map((t: TokenInfo) => ({ id: t.id, name: t.name, role: t.role, createdAt: iso(t.createdAt), expiresAt: t.expiresAt === undefined ? null : iso(t.expiresAt) }));
    ctx.out.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const rows = tokens.map((t) => [t.id, t.name, t.role, iso(t.createdAt), iso(t.expiresAt)]);
  ctx.out.stdout.write(formatTable([['ID', 'NAME', 'ROLE', 'CREATED', 'EXPIRES'], ...rows]));
  return 0;
}

/** The token command. */
export const tokenCommand: CommandSpec = {
  name: 'token',
  usage: 'create|list|revoke [ID]',
  summary: 'Create, list or revoke API tokens (needs an admin token)',
  description: 'create prints the new token once on stdout; --ttl takes days (30d), weeks (2w) or a duration (12h). Roles: read (every GET), operate (also submit/load/start/stop/unload/destroy), admin (also machine metadata and tokens).',
  flags: [
    { flags: '--name <name>', description: 'token create: a label for the token (e.g. ci)' },
    { flags: '--role <role>', description: 'token create: read, operate or admin', parse: parseRole },
    { flags: '--ttl <duration>', description: 'token create: lifetime (30d, 2w, 12h); default: no expiry', parse: parseTokenTtl },
    { flags: '-o, --output <format>', description: 'token list: table or json', defaultValue: 'table' },
  ],
  async run(ctx, args, flags) {
    const [verb, ...rest] = args;
    try {
      if (verb === 'create' && rest.length === 0) return await create(ctx, flags);
      if (verb === 'list' && rest.length === 0) return await list(ctx, flags);
      if (verb === 'revoke' && rest.length > 0) {
        let code = 0;
        for (const id of rest) {
          try {
            await ctx.client.revokeToken(id);
            ctx.out.stdout.write(`Revoked token ${id}\n`);
          } catch (err) {
            ctx.out.stderr.write(`Error revoking token ${id}: ${errorMessage(err)}\n`);
            code = 1;
          }
        }
        return code;
      }
    } catch (err) {
      ctx.out.stderr.write(`Error: ${errorMessage(err)}\n`);
      return 1;
    }
    ctx.out.stderr.write(USAGE);
    return 1;
  },
};
