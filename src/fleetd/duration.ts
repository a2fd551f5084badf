/**
 * Go's `time.ParseDuration` syntax, which fleet uses for `agent_ttl`
 * ("30s", "1m30s", "500ms", "1.5h"). Operators copy these values from their
 * old fleet.conf, so we accept exactly the same forms.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration into milliseconds.
 * @returns the duration in ms (may be fractional for sub-ms units).
 * @throws {Error} naming the text when it is not a Go duration.
 */
export function parseGoDuration(text: string): number {
  // The micro signs are escaped (µ U+00B5, μ U+03BC): esbuild copies regular
  // expression literals into fleetd's bundle as written, and one character
  // above U+00FF makes V8 hold the whole 1.5 MB bundle source as UTF-16
  // (scripts/bundle.mjs checks).
  const s = text.trim();
  if (s === '0' || s === '+0' || s === '-0') return 0;
  const m = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$/u.exec(s);
  if (m === null) throw new Error(`invalid duration ${JSON.stringify(text)} (examples: 30s, 1m30s, 500ms)`);
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/gu)) {
    total += Number(part[1]) * UNIT_MS[part[2]!]!;
  }
  return m[1] === '-' ? -total : total;
}
