/**
 * `[X-Fleet]` section -> UnitRequirements (fleet `job/job.go`), with the
 * problems and warnings fleet swallows returned as data.
 *
 * Pipeline per option, as fleet: multi-value splitting (parseMultivalueLine),
 * then specifier expansion when the unit name is known, then folding of the
 * deprecated aliases into their modern key.
 *
 * Differences from fleet (nothing is silently dropped):
 * - unknown keys, deprecated aliases, ignored extra MachineID values,
 *   unexpanded specifiers and non-boolean Global values produce warnings;
 * - `MachineMetadata=a=1 b=2` (quirk #10) is two pairs when every
 *   whitespace-separated token is `key=value`; any value that is not made of
 *   `key=value` pairs (no `=`, empty key or value, `a=b=c`) is a problem;
 * - an empty MachineID, a MachineOf that is not a valid unit name (it could
 *   never be satisfied) and a malformed Conflicts/Replaces glob (it could
 *   never match) are problems;
 * - Replaces values are split on whitespace like Conflicts (unit names never
 *   contain whitespace, so fleet's unsplit pattern could never match).
 * - `Resources=` (not in fleet) is parsed by resources.ts: a bad item is a
 *   problem naming the line.
 * - `Priority=` and `Preemptible=` (not in fleet) are parsed by priority.ts:
 *   a value out of range or not a boolean is a problem naming the line.
 * - MachineID is exposed as written; the scheduler matches full IDs only
 *   (fleet's 8-character short-ID match is quirk #4).
 * - A template (`ms@.service`) is judged only on what cannot depend on the
 *   instance: a value using `%n %N %i %I` is deferred (left out of the
 *   template's requirements, counted only for which options are present) and
 *   each instance is judged on its own expansion; a problem found in an
 *   expanded value names the value as written and the unit it was expanded for.
 *   fleet validated with every specifier empty, so `MachineMetadata=host=%i`
 *   could never be submitted.
 */
import { isValidGlob } from './glob.js';
import { parseUnitName, unitNameProblem } from './names.js';
import { atLine, type OptionLines, type UnitOption } from './options.js';
import type { UnitRequirements } from './requirements.js';
import { extractPriority } from './priority.js';
import { extractResourceRequests } from './resources.js';
import { readRolloutOptions, ROLLOUT_XFLEET_KEYS } from './rollout-options.js';
import { dependsOnInstance, expandSpecifiers } from './specifiers.js';
import { goFields, goQuote } from './text.js';
import { isDesiredState, parseLooseBool, type DesiredState } from '../domain/index.js';

/** Section fleet reads its scheduling options from. */
export const XFLEET_SECTION = 'X-Fleet';

/** Deprecated `[X-Fleet]` keys and the key each folds into. */
export const DEPRECATED_XFLEET_KEYS: ReadonlyMap<string, string> = new Map([
  ['X-ConditionMachineID', 'MachineID'],
  ['X-ConditionMachineBootID', 'MachineID'],
  ['X-ConditionMachineOf', 'MachineOf'],
  ['X-ConditionMachineMetadata', 'MachineMetadata'],
  ['X-Conflicts', 'Conflicts'],
]);

/** Every key fleet understands in `[X-Fleet]`, current and deprecated. */
export const XFLEET_KEYS: ReadonlySet<string> = new Set([
  'MachineID', 'MachineOf', 'MachineMetadata', 'Conflicts', 'Replaces', 'Global', 'Resources', 'Priority', 'Preemptible', 'DesiredState',
  ...ROLLOUT_XFLEET_KEYS,
  ...DEPRECATED_XFLEET_KEYS.keys(),
]);

/**
 * `[X-Fleet] DesiredState=` (ours): the state `fleetctl apply` gives the
 * unit (the last value counts; other commands ignore it).
 * @returns the state; undefined when the option is absent; `{ problem }`
 *   when its value is not one of the three states (naming its line when
 *   `lines` knows it). Never throws.
 */
export function fileDesiredState(options: readonly UnitOption[], lines?: OptionLines): DesiredState | { readonly problem: string } | undefined {
  const last = options.filter((o) => o.section === XFLEET_SECTION && o.name === 'DesiredState').at(-1);
  if (last === undefined) return undefined;
  return isDesiredState(last.value) ? last.value : { problem: `${atLine(lines, last)}DesiredState value ${goQuote(last.value)} is not one of inactive, loaded, launched` };
}

/** A requirement of UnitRequirements, by its field name. */
export type RequirementKind = 'machineId' | 'machineOf' | 'metadata' | 'conflicts' | 'replaces' | 'global' | 'resources' | 'priority' | 'preemptible';

/** What extractRequirements found. */
export interface RequirementsExtraction {
  /** The requirements; values that were problems (and a template's deferred values) are left out. */
  readonly requirements: UnitRequirements;
  /** Things worth telling the user that do not stop the unit, e.g. `Unit foo.service: unrecognized requirement in [X-Fleet] section: "Bogus"`. */
  readonly warnings: readonly string[];
  /** Values that make the unit unusable (see module doc); empty when all is well. */
  readonly problems: readonly string[];
  /** For a template: the requirements given by values that depend on the instance, checked per instance; empty otherwise. */
  readonly deferred: ReadonlySet<RequirementKind>;
}

/**
 * fleet's parseMultivalueLine: a value that both starts and ends with `"` is
 * split on spaces outside quotes and loses every `"` (`"a" "b c"` -> `a`,
 * `b c`; `""` -> one empty value); any other value is one item. Never throws.
 */
export function parseMultivalueLine(value: string): string[] {
  if (!value.startsWith('"') || !value.endsWith('"')) return [value];
  const values: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ' ' && !quoted) {
      values.push(cur);
      cur = '';
    } else cur += ch;
  }
  values.push(cur);
  return values;
}

/** True when the unit's `[X-Fleet]` says `Global=true` (unreadable values count as not global). Never throws. */
export function isGlobalUnit(unit: { readonly name: string; readonly options: readonly UnitOption[] }): boolean {
  return extractRequirements(unit.options, unit.name).requirements.global;
}

/**
 * Builds the requirements of a unit from its options. `unitName` (when
 * given and containing a dot) is used for specifier expansion and to prefix
 * warnings; for a template name, values that depend on the instance are
 * deferred (see module doc). With `lines` (options read from a file), each
 * problem with a value starts with its line (`line 7: `). Never throws:
 * problems are returned for the caller to raise.
 */
export function extractRequirements(options: readonly UnitOption[], unitName?: string, lines?: OptionLines): RequirementsExtraction {
  const warnings: string[] = [];
  const problems: string[] = [];
  const deferred = new Set<RequirementKind>();
  const warn = (msg: string) => warnings.push(unitName === undefined ? msg : `Unit ${unitName}: ${msg}`);
  const values = collectValues(options, unitName, warn, lines);
  const shown = (v: XFleetValue, text = v.value) => (v.value === v.raw ? goQuote(text) : `${goQuote(text)} (${goQuote(v.raw)} expanded for ${unitName})`);

  for (const key of values.keys()) {
    if (!XFLEET_KEYS.has(key)) warn(`unrecognized requirement in [X-Fleet] section: ${goQuote(key)}`);
    const modern = DEPRECATED_XFLEET_KEYS.get(key);
    if (modern !== undefined) {
      const note = key === 'X-ConditionMachineBootID' ? ' (a boot ID is compared with machine IDs, so this rarely matches)' : '';
      warn(`[X-Fleet] ${goQuote(key)} is deprecated; use ${goQuote(modern)}${note}`);
    }
  }
  /** The values of `keys` in order; deferred ones are left out and recorded as `kind`. */
  const items = (kind: RequirementKind, ...keys: string[]): XFleetValue[] => {
    const all = keys.flatMap((k) => values.get(k) ?? []);
    if (all.some((v) => v.deferred)) deferred.add(kind);
    return all.filter((v) => !v.deferred);
  };

  const machineIds = ['MachineID', 'X-ConditionMachineID', 'X-ConditionMachineBootID'].flatMap((k) => values.get(k) ?? []);
  const first = machineIds[0];
  if (first?.deferred === true) deferred.add('machineId');
  const machineId = first === undefined || first.deferred ? undefined : first.value;
  if (machineId === '') problems.push(first!.value === first!.raw ? `${first!.at}MachineID cannot be empty` : `${first!.at}MachineID ${shown(first!)} cannot be empty`);
  if (new Set(machineIds.map((v) => v.raw)).size > 1) {
    warn(`[X-Fleet] MachineID given ${machineIds.length} times; only the first, ${goQuote(first!.raw)}, is used`);
  }

  const machineOf: string[] = [];
  const seenPeers = new Set<string>();
  for (const peer of items('machineOf', 'X-ConditionMachineOf', 'MachineOf')) {
    if (seenPeers.has(peer.value)) continue;
    seenPeers.add(peer.value);
    const why = unitNameProblem(peer.value);
    if (why !== undefined) problems.push(`${peer.at}MachineOf value ${shown(peer)} is not a valid unit name: ${why}`);
    else machineOf.push(peer.value);
  }

  const metadata = new Map<string, string[]>();
  for (const item of items('metadata', 'X-ConditionMachineMetadata', 'MachineMetadata')) {
    const pairs = metadataPairs(item.value, item.quoted);
    if (pairs === undefined) {
      problems.push(`${item.at}MachineMetadata value ${shown(item)} is not of the form "key=value" (several pairs: k1=v1 k2=v2)`);
      continue;
    }
    for (const [k, val] of pairs) {
      const accepted = metadata.get(k) ?? [];
      if (!accepted.includes(val)) accepted.push(val);
      metadata.set(k, accepted);
    }
  }

  const conflicts = globs('Conflicts', items('conflicts', 'X-Conflicts', 'Conflicts'), problems, shown);
  const replaces = globs('Replaces', items('replaces', 'Replaces'), problems, shown);

  const globals = values.get('Global') ?? [];
  const last = globals[globals.length - 1];
  if (last?.deferred === true) deferred.add('global');
  const lastGlobal = last === undefined || last.deferred ? undefined : last.value;
  if (lastGlobal !== undefined && parseLooseBool(lastGlobal) === undefined) {
    warn(`[X-Fleet] Global value ${shown(last!)} is not a boolean; treated as false`);
  }

  const { requests, problems: resourceProblems } = extractResourceRequests(items('resources', 'Resources'), options);
  problems.push(...resourceProblems);
  const { priority, preemptible, problems: priorityProblems } = extractPriority(items('priority', 'Priority'), items('preemptible', 'Preemptible'));
  problems.push(...priorityProblems);
  // Rollout settings (`rollout-options.ts`) are not placement, but a bad value must stop the unit at submit time too.
  problems.push(...readRolloutOptions(options, lines).problems);
  const state = fileDesiredState(options, lines);
  if (typeof state === 'object') problems.push(state.problem);

  const requirements: UnitRequirements = {
    ...(machineId !== undefined && machineId !== '' ? { machineId } : {}),
    machineOf,
    metadata,
    conflicts,
    replaces,
    global: lastGlobal !== undefined && parseLooseBool(lastGlobal) === true,
    ...(requests !== undefined ? { resources: requests } : {}),
    ...(priority !== undefined ? { priority } : {}),
    ...(preemptible !== undefined ? { preemptible } : {}),
  };
  return { requirements, warnings, problems, deferred };
}

/**
 * One `[X-Fleet]` value after multi-value splitting and specifier expansion.
 * `raw` is the value as written; `quoted` when it came from the `"a" "b"`
 * form; `deferred` when the unit is a template and the value depends on the
 * instance (then `value` is `raw`, unexpanded).
 */
interface XFleetValue {
  readonly value: string;
  readonly raw: string;
  readonly quoted: boolean;
  readonly deferred: boolean;
  /** The option as written (`Name=value`), for messages. */
  readonly line: string;
  /** `line N: ` when read from a file (see `atLine`), else "": what its problems start with. */
  readonly at: string;
}

/** `[X-Fleet]` key -> its values after multi-value splitting and expansion, keys in order of first appearance. */
function collectValues(
  options: readonly UnitOption[],
  unitName: string | undefined,
  warn: (msg: string) => void,
  lines: OptionLines | undefined,
): Map<string, XFleetValue[]> {
  const info = unitName === undefined ? undefined : parseUnitName(unitName);
  const out = new Map<string, XFleetValue[]>();
  for (const opt of options) {
    if (opt.section !== XFLEET_SECTION) continue;
    const list = out.get(opt.name) ?? [];
    const split = parseMultivalueLine(opt.value);
    const quoted = opt.value.startsWith('"') && opt.value.endsWith('"');
    const line = `${opt.name}=${opt.value}`;
    const at = atLine(lines, opt);
    for (const raw of split) {
      if (info === undefined) {
        list.push({ value: raw, raw, quoted, deferred: false, line, at });
        continue;
      }
      const { value, unexpanded } = expandSpecifiers(raw, info);
      for (const spec of unexpanded) {
        warn(`[X-Fleet] ${opt.name}: specifier ${goQuote(spec)} in ${goQuote(raw)} is not supported and was left as written`);
      }
      const deferred = info.isTemplate && dependsOnInstance(raw);
      list.push({ value: deferred ? raw : value, raw, quoted, deferred, line, at });
    }
    out.set(opt.name, list);
  }
  return out;
}

/**
 * `key=value` pairs of one MachineMetadata value, or undefined when it is
 * not made of such pairs. A quoted item is one pair whose value may contain
 * spaces (fleet's rule); an unquoted item with whitespace must be a list of
 * `key=value` tokens (quirk #10).
 */
function metadataPairs(value: string, quoted: boolean): Array<[string, string]> | undefined {
  const tokens = goFields(value);
  if (quoted || tokens.length === 1) {
    const single = splitPair(value);
    return single === undefined ? undefined : [single];
  }
  if (tokens.length === 0) return undefined;
  const pairs: Array<[string, string]> = [];
  for (const t of tokens) {
    const p = splitPair(t);
    if (p === undefined) return undefined;
    pairs.push(p);
  }
  return pairs;
}

function splitPair(s: string): [string, string] | undefined {
  const parts = s.split('=');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  return [parts[0]!, parts[1]!];
}

function globs(key: string, values: readonly XFleetValue[], problems: string[], shown: (v: XFleetValue, text: string) => string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    for (const g of goFields(v.value)) {
      if (seen.has(g)) continue;
      seen.add(g);
      if (isValidGlob(g)) out.push(g);
      else problems.push(`${v.at}${key} pattern ${shown(v, g)} is not a valid glob`);
    }
  }
  return out;
}
