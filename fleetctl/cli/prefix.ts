/** cobra's command prefix matching (`fleetctl list-m` runs `list-machines`), on the raw argument list. */

/**
 * Replaces the first positional argument by the one command it uniquely
 * prefixes. Root flags in `valueFlags` consume the next argument unless
 * written `--flag=value`. Exact names, ambiguous and unknown prefixes are
 * left alone (commander then reports the unknown command). Pure.
 */
export function expandCommandPrefix(argv: readonly string[], commands: readonly string[], valueFlags: ReadonlySet<string>): string[] {
  const out = [...argv];
  const i = commandIndex(out, valueFlags);
  if (i < 0 || commands.includes(out[i]!)) return out;
  const matches = commands.filter((c) => c.startsWith(out[i]!));
  if (matches.length === 1) out[i] = matches[0]!;
  return out;
}

/**
 * Where the command name is in `argv`: the first positional argument, after
 * root flags (those in `valueFlags` consume the next argument unless written
 * `--flag=value`); -1 when there is none (or it follows `--`). Pure.
 */
export function commandIndex(argv: readonly string[], valueFlags: ReadonlySet<string>): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return -1;
    if (a.startsWith('-')) {
      if (valueFlags.has(a)) i++;
      continue;
    }
    return i;
  }
  return -1;
}
