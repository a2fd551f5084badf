/**
 * `GET /units/<name>/status` and `GET /units/<name>/journal`: systemd's view
 * of a unit, read on the machine that runs it (fleetctl used SSH for this).
 *
 * Protocol: 200 `text/plain; charset=utf-8`, chunked, the command's stdout
 * and stderr interleaved as they come; when the command ends, the HTTP
 * trailer `X-Fleet-Exit-Code` carries its exit status (declared up front in
 * `Trailer:`), which fleetctl mirrors. A trailer rather than a header because
 * the status is known only after the output has been sent; with `follow`
 * the stream ends only when the client disconnects (the command is then
 * terminated) or the server shuts down (exit code 143 in the trailer).
 * Errors before the command started are ordinary JSON errors.
 */
import { pipeline } from 'node:stream/promises';
import { JOURNAL_OUTPUT_MODES, MAX_JOURNAL_LINES, type JournalOptions } from './command-argv.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import type { RunningCommand } from './local-commands.js';
import type { Reply } from './reply.js';
import type { ApiRequest } from './request.js';
import { requireScheduledHere } from './unit-location.js';

/** The trailer carrying the command's exit status. */
export const EXIT_CODE_TRAILER = 'X-Fleet-Exit-Code';

/** Default `lines` (fleetctl journal's `--lines`). */
export const DEFAULT_JOURNAL_LINES = 10;

/** `GET /units/<name>/status[?machineID=ID]` (ID: which machine's copy). Throws ApiError / registry errors / LocalCommandError. */
export async function unitStatus(req: ApiRequest, ctx: ApiContext, name: string): Promise<Reply> {
  await requireScheduledHere(ctx, name, req.query.get('machineID') ?? undefined);
  return streamCommand(await ctx.commands.status(name, req.signal));
}

/** `GET /units/<name>/journal?lines=N&output=MODE&follow=true|false`. Throws as {@link unitStatus}, 400 for bad parameters. */
export async function unitJournal(req: ApiRequest, ctx: ApiContext, name: string): Promise<Reply> {
  const options = parseJournalQuery(req.query);
  await requireScheduledHere(ctx, name, req.query.get('machineID') ?? undefined);
  return streamCommand(await ctx.commands.journal(name, options, req.signal));
}

/**
 * Reads the journal parameters (first value of each).
 * @returns defaults `lines` 10, `output` short, `follow` false for absent ones.
 * @throws {ApiError} 400 naming the bad parameter and value.
 */
export function parseJournalQuery(query: URLSearchParams): JournalOptions {
  const lines = query.get('lines') ?? String(DEFAULT_JOURNAL_LINES);
  if (!/^\d{1,7}$/.test(lines) || Number(lines) > MAX_JOURNAL_LINES) {
    throw new ApiError(400, `invalid lines ${JSON.stringify(lines)}: expected an integer from 0 to ${MAX_JOURNAL_LINES}`);
  }
  const output = query.get('output') ?? 'short';
  if (!JOURNAL_OUTPUT_MODES.includes(output)) {
    throw new ApiError(400, `invalid output ${JSON.stringify(output)}: expected one of ${JOURNAL_OUTPUT_MODES.join(', ')}`);
  }
  const follow = query.get('follow') ?? 'false';
  if (follow !== 'true' && follow !== 'false') throw new ApiError(400, `invalid follow ${JSON.stringify(follow)}: expected true or false`);
  return { lines: Number(lines), output, follow: follow === 'true' };
}

function streamCommand(cmd: RunningCommand): Reply {
  return {
    kind: 'stream',
    async write(res) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', Trailer: EXIT_CODE_TRAILER });
      try {
        await pipeline(cmd.output, res, { end: false });
      } catch {
        // The client went away; the aborted request signal terminates the command.
        cmd.output.destroy();
        return;
      }
      const code = await cmd.exitCode;
      res.addTrailers({ [EXIT_CODE_TRAILER]: String(code) });
      res.end();
    },
  };
}
