import { readFileSync } from 'node:fs';

/**
 * The fleet version, read once from package.json so there is one place to
 * bump it. Compiled files live in dist/src/, two levels below the root.
 */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
