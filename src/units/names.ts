/**
 * Unit names: fleet's validation rules and messages (`api/units.go`
 * ValidateName, after systemd's `unit_name_is_valid`), name anatomy
 * (prefix, instance, template), and fleetctl's name mangling.
 *
 * This is the one unit-name rule: the API, fleetctl, the registry's key
 * builder and the systemd driver's last guard before a path all call
 * {@link unitNameProblem}. It is fleet's rule (1..256 bytes, a known type
 * after the last dot, systemd's alphabet, no leading `@`) plus one addition:
 * no leading `.` (fleet accepted `.foo.service`, but fleetd keeps its
 * temporary files as dot-files in the units directory, so such a unit could
 * never be loaded). The alphabet has no `/` or NUL, so a valid name is always
 * one path segment and one registry key segment.
 */
import { InvalidUnitNameError } from './errors.js';
import { goQuote, goQuoteRune, utf8Length } from './text.js';

/** Longest accepted unit name, in bytes. */
export const MAX_UNIT_NAME_LENGTH = 256;

/** Unit types fleet accepts, i.e. the suffixes after the last dot. */
export const UNIT_TYPES: readonly string[] = Object.freeze([
  'automount', 'busname', 'device', 'mount', 'path', 'scope', 'service',
  'slice', 'snapshot', 'socket', 'swap', 'target', 'timer',
]);

/** Unit types that may be templates or instances (names with `@`). */
export const TEMPLATE_UNIT_TYPES: readonly string[] = Object.freeze(['path', 'service', 'socket', 'target', 'timer']);

/**
 * Names that certainly pass every rule below, in one test: systemd's alphabet
 * (ASCII, so characters are bytes), not starting with `@` or `.`, a known
 * type after the last dot; with an `@` only a template type. The registry
 * checks every key it reads (~46,000 at 10,000 units); anything else (and
 * every invalid name) takes the long way, which names the problem.
 */
const PLAIN_VALID = new RegExp(`^[0-9a-zA-Z:_\\-\\\\][0-9a-zA-Z:_.\\-\\\\]*\\.(?:${UNIT_TYPES.join('|')})$`);
const TEMPLATED_VALID = new RegExp(`^[0-9a-zA-Z:_\\-\\\\][0-9a-zA-Z:_.@\\-\\\\]*\\.(?:${TEMPLATE_UNIT_TYPES.join('|')})$`);
const VALID_CHAR = /^[0-9a-zA-Z:_.@\-\\]$/;
const VALID_BASE = /^[0-9a-zA-Z:_.@\-\\]*$/;

/** Returns fleet's message for the first rule `name` breaks, or undefined when it is valid. */
export function unitNameProblem(name: string): string | undefined {
  if (name.length <= MAX_UNIT_NAME_LENGTH && (PLAIN_VALID.test(name) || TEMPLATED_VALID.test(name))) return undefined;
  const length = utf8Length(name);
  if (length === 0) return 'unit name cannot be empty';
  if (length > MAX_UNIT_NAME_LENGTH) return `unit name exceeds maximum length (${MAX_UNIT_NAME_LENGTH})`;
  const dot = name.lastIndexOf('.');
  if (dot === -1) return 'unit name must contain "."';
  if (dot === name.length - 1) return 'unit name cannot end in "."';
  const suffix = name.slice(dot + 1);
  if (!UNIT_TYPES.includes(suffix)) return `invalid unit type: ${goQuote(suffix)}`;
  if (name.includes('@') && !TEMPLATE_UNIT_TYPES.includes(suffix)) {
    return `invalid unit type for template: ${goQuote(suffix)}`;
  }
  // One test of the whole name first (the registry checks every key it reads: ~46,000 at 10,000 units); per character only to name the bad one.
  const base = name.slice(0, dot);
  if (!VALID_BASE.test(base)) {
    for (const ch of base) {
      if (!VALID_CHAR.test(ch)) return `invalid character ${goQuoteRune(ch)} in unit name`;
    }
  }
  if (name.startsWith('@')) return 'unit name cannot start in "@"';
  if (name.startsWith('.')) return 'unit name cannot start in "."';
  return undefined;
}

/** Returns nothing when `name` is a valid unit name; throws InvalidUnitNameError (fleet's message) otherwise. */
export function validateUnitName(name: string): void {
  const problem = unitNameProblem(name);
  if (problem !== undefined) throw new InvalidUnitNameError(name, problem);
}

/** True when `name` is a valid unit name. Never throws. */
export function isValidUnitName(name: string): boolean {
  return unitNameProblem(name) === undefined;
}

/** Anatomy of a unit name, e.g. for `foo@bar.service`. */
export interface UnitNameInfo {
  /** The whole name: `foo@bar.service`. */
  readonly fullName: string;
  /** The name without the type suffix: `foo@bar`. */
  readonly name: string;
  /** The part before the first `@` (the whole `name` when there is none): `foo`. */
  readonly prefix: string;
  /** The type, without the dot: `service`. */
  readonly type: string;
  /** The template name `foo@.service`; "" when the name has no `@`. */
  readonly template: string;
  /** Text after the first `@` (may contain more `@`): `bar`; "" for templates and plain units. */
  readonly instance: string;
  /** True for `foo@.service`. */
  readonly isTemplate: boolean;
  /** True for `foo@bar.service`. */
  readonly isInstance: boolean;
}

/**
 * Splits a unit name like fleet's NewUnitNameInfo. Returns undefined when
 * `name` has no dot. Does not validate; call validateUnitName for that.
 */
export function parseUnitName(name: string): UnitNameInfo | undefined {
  const dot = name.lastIndexOf('.');
  if (dot === -1) return undefined;
  const base = name.slice(0, dot);
  const type = name.slice(dot + 1);
  const at = base.indexOf('@');
  const prefix = at === -1 ? base : base.slice(0, at);
  const template = at === -1 ? '' : `${prefix}@.${type}`;
  const instance = at === -1 ? '' : base.slice(at + 1);
  return {
    fullName: name,
    name: base,
    prefix,
    type,
    template,
    instance,
    isTemplate: template !== '' && instance === '',
    isInstance: instance !== '',
  };
}

/**
 * Returns the template an instance comes from (`foo@bar.service` ->
 * `foo@.service`), or undefined when `name` is not an instance name.
 */
export function templateOf(name: string): string | undefined {
  const info = parseUnitName(name);
  return info?.isInstance ? info.template : undefined;
}

/**
 * Returns the instance name of `template` for `instance` (`foo@.service`,
 * `bar` -> `foo@bar.service`), or undefined when `template` is not a template name.
 */
export function instanceName(template: string, instance: string): string | undefined {
  const info = parseUnitName(template);
  return info?.isTemplate ? `${info.prefix}@${instance}.${info.type}` : undefined;
}

/**
 * fleetctl's mapping of a command-line argument to a unit name: the last
 * path element, with `.service` appended unless it already ends in a unit
 * type. Unlike fleet (quirk #5) every type fleet accepts counts, so
 * `foo.target` stays `foo.target`. Never throws; the result is not validated.
 */
export function mangleUnitName(arg: string): string {
  const base = pathBase(arg);
  const dot = base.lastIndexOf('.');
  if (dot !== -1 && UNIT_TYPES.includes(base.slice(dot + 1))) return base;
  return `${base}.service`;
}

/** Go's path.Base. */
function pathBase(p: string): string {
  if (p === '') return '.';
  const stripped = p.replace(/\/+$/, '');
  if (stripped === '') return '/';
  return stripped.slice(stripped.lastIndexOf('/') + 1);
}
