/** cobra's command prefix matching (`fleetctl list-m` runs `list-machines`), on the raw argument list. */

/**
 * Replaces the first positional argument by the one command it uniquely
 * prefixes. Root flags in `valueFlags` consume the next argument unless
 * written `--flag=value`. Exact names, ambiguous and unknown prefixes are
 * left alone (commander then reports the unknown command). Pure.
 */
export function expandCommandPrefix(argv: readonly string[], commands: readonly string[], valueFlags: ReadonlySet<string>): string[] {
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const a = out[i]!;
    if (a === '--') return out;
    if (a.startsWith('-')) {
      if (valueFlags.has(a)) i++;
      continue;
    }
    if (commands.includes(a)) return out;
    const matches = commands.filter((c) => c.startsWith(a));
    if (matches.length === 1) out[i] = matches[0]!;
    return out;
  }
  return out;
}
