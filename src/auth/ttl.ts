import { parseGoDuration } from '../fleetd/duration.js';

const DAY_MS = 86_400_000;

/**
 * A token lifetime as operators write it (`token create --ttl`): days
 * (`30d`), weeks (`2w`), or a Go duration (`12h`, `90m`, `1h30m`).
 * @returns milliseconds, > 0.
 * @throws {RangeError} naming the text when it is none of these or not positive.
 */
export function parseTokenTtl(text: string): number {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?)([dw])$/.exec(t);
  let ms: number;
  if (m !== null) ms = Number(m[1]) * (m[2] === 'w' ? 7 * DAY_MS : DAY_MS);
  else {
    try {
      ms = parseGoDuration(t);
    } catch {
      throw new RangeError(`invalid lifetime ${JSON.stringify(text)} (examples: 30d, 2w, 12h, 90m)`);
    }
  }
  if (!(ms > 0)) throw new RangeError(`token lifetime must be positive, got ${JSON.stringify(text)}`);
  return Math.round(ms);
}
