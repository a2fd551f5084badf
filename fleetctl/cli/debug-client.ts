/** `--debug`: log every client call and its outcome to stderr, in fleet's log format. */
import type { FleetClient } from '../client/types.js';
import { errorMessage } from '../client/errors.js';

/** fleet's `YYYY/MM/DD HH:MM:SS` timestamp. */
function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Wraps `client` so each method call is logged as `... DEBUG client: getUnit("a.service") ok in 3ms`. */
export function withDebugLog(client: FleetClient, log: (line: string) => void, now: () => Date = () => new Date()): FleetClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return async (...args: unknown[]) => {
        const started = Date.now();
        const shown = args.filter((a) => typeof a !== 'object' || Array.isArray(a)).map((a) => JSON.stringify(a)).join(', ');
        try {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          log(`${stamp(now())} DEBUG client: ${prop}(${shown}) ok in ${Date.now() - started}ms`);
          return result;
        } catch (err) {
          log(`${stamp(now())} DEBUG client: ${prop}(${shown}) failed in ${Date.now() - started}ms: ${errorMessage(err)}`);
          throw err;
        }
      };
    },
  });
}
