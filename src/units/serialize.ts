/**
 * Canonical unit text, byte-for-byte what fleet (go-systemd `Serialize`)
 * produces: options grouped by section in order of first appearance (a
 * repeated section is merged into the first), `[Section]` then one
 * `Name=Value` line per option, a blank line between sections, nothing after
 * the last option line. Comments, blank lines, whitespace around `=` and
 * empty sections do not survive, so they do not change the hash.
 */
import type { UnitOption } from './options.js';

/** Returns the canonical text of `options`; "" for no options. Never throws. */
export function serializeUnit(options: readonly UnitOption[]): string {
  const bySection = new Map<string, string[]>();
  for (const opt of options) {
    let lines = bySection.get(opt.section);
    if (lines === undefined) {
      lines = [];
      bySection.set(opt.section, lines);
    }
    lines.push(`${opt.name}=${opt.value}\n`);
  }
  return [...bySection].map(([section, lines]) => `[${section}]\n${lines.join('')}`).join('\n');
}
