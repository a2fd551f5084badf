/** stderr lines for failed waits, in fleet's wording. */
import type { Output } from '../output/io.js';
import type { WaitFailure } from '../wait/states.js';

/**
 * Prints one line per failure (`Error waiting for units: ...`, or for the
 * systemd check `Error waiting for systemd unit states, err: ...`) and
 * fleet's closing line. Returns true when there was nothing to report.
 */
export function reportWaitFailures(out: Output, failures: readonly WaitFailure[]): boolean {
  if (failures.length === 0) return true;
  for (const f of failures) {
    out.stderr.write(f.phase === 'systemd' ? `Error waiting for systemd unit states, err: ${f.message}\n` : `Error waiting for units: ${f.message}\n`);
  }
  out.stderr.write('Error waiting for unit states, exit status: 1\n');
  return false;
}

/** Go's `%v` of a string slice: `[a b]`. */
export function goList(items: readonly string[]): string {
  return `[${items.join(' ')}]`;
}
