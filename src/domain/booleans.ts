/**
 * The two boolean spellings fleet accepts, each defined once.
 *
 * - {@link parseStrictBool}: Go's `strconv.ParseBool`, which fleet uses for
 *   every fleet.conf option and flag value; anything else is an error.
 * - {@link parseLooseBool}: fleet's `isTruthyValue` for unit files
 *   (`[X-Fleet] Global=`), which is systemd's parse_boolean without `y`/`n`,
 *   any case; also fleetctl's boolean environment variables and the fake
 *   systemd's reading of unit options.
 */

const STRICT_TRUE: ReadonlySet<string> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const STRICT_FALSE: ReadonlySet<string> = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const LOOSE_TRUE: ReadonlySet<string> = new Set(['true', 'yes', '1', 'on', 't']);
const LOOSE_FALSE: ReadonlySet<string> = new Set(['false', 'no', '0', 'off', 'f']);

/** Go's strconv.ParseBool (surrounding blanks ignored). Throws an Error naming the value otherwise. */
export function parseStrictBool(raw: string): boolean {
  const v = raw.trim();
  if (STRICT_TRUE.has(v)) return true;
  if (STRICT_FALSE.has(v)) return false;
  throw new Error(`expected a boolean (true/false/1/0), got ${JSON.stringify(raw)}`);
}

/**
 * fleet's unit-file boolean: `true yes 1 on t` / `false no 0 off f`, any case.
 * @returns the value, or undefined when `raw` is neither (callers decide: fleet treats it as false).
 */
export function parseLooseBool(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase();
  if (LOOSE_TRUE.has(v)) return true;
  if (LOOSE_FALSE.has(v)) return false;
  return undefined;
}
