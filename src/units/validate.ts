/**
 * Whole-unit option validation: fleet's ValidateOptions rules and messages
 * (`api/units.go`), in fleet's order, plus the `[X-Fleet]` value problems
 * extractRequirements finds. Every problem is reported, not just the first.
 */
import { UnitParseError, UnitValidationError } from './errors.js';
import { globMatch } from './glob.js';
import { canonicalOrder, type OptionLines, type UnitOption } from './options.js';
import { parseUnitFile } from './parser.js';
import type { UnitRequirements } from './requirements.js';
import { serializeUnit } from './serialize.js';
import { goQuote } from './text.js';
import { extractRequirements, type RequirementKind } from './xfleet.js';

/**
 * Returns the contradictions in `req`, in fleet's order and wording:
 * peers matched by a conflict or replace glob, then the forbidden
 * combinations (Global goes only with MachineMetadata and Conflicts;
 * Replaces not with Global or Conflicts; MachineID with nothing but
 * MachineMetadata). `deferred` names requirements a template gives only
 * through instance-dependent values: they count as present for the
 * combination rules (which hold for every instance) but their values are
 * judged per instance. Empty when consistent. Never throws.
 */
export function requirementConflicts(req: UnitRequirements, deferred: ReadonlySet<RequirementKind> = new Set()): string[] {
  const problems: string[] = [];
  for (const peer of req.machineOf) {
    for (const conflict of req.conflicts) {
      if (globMatch(conflict, peer)) {
        problems.push(`unresolvable requirements: peer ${goQuote(peer)} matches conflict ${goQuote(conflict)}`);
      }
    }
  }
  for (const peer of req.machineOf) {
    for (const replace of req.replaces) {
      if (globMatch(replace, peer)) {
        problems.push(`unresolvable requirements: peer ${goQuote(peer)} matches replace ${goQuote(replace)}`);
      }
    }
  }
  const hasTarget = req.machineId !== undefined || deferred.has('machineId');
  const hasPeers = req.machineOf.length > 0 || deferred.has('machineOf');
  const hasConflicts = req.conflicts.length > 0 || deferred.has('conflicts');
  const hasReplaces = req.replaces.length > 0 || deferred.has('replaces');
  const rules: Array<[boolean, string]> = [
    [hasTarget && hasPeers, 'MachineID cannot be used with Peers'],
    [hasTarget && hasConflicts, 'MachineID cannot be used with Conflicts'],
    [hasTarget && req.global, 'MachineID cannot be used with Global'],
    [hasTarget && hasReplaces, 'MachineID cannot be used with Replaces'],
    [req.global && hasPeers, 'Global cannot be used with Peers'],
    [req.global && hasReplaces, 'Global cannot be used with Replaces'],
    [hasConflicts && hasReplaces, 'Conflicts cannot be used with Replaces'],
  ];
  for (const [broken, message] of rules) if (broken) problems.push(message);
  return problems;
}

/**
 * Returns why `options` would not come back unchanged from their canonical
 * text (fleet only checks that the text parses; we also insist nothing
 * changes on the way), or undefined when they round-trip. Never throws.
 */
export function roundTripProblem(options: readonly UnitOption[]): string | undefined {
  let reparsed: UnitOption[];
  try {
    reparsed = parseUnitFile(serializeUnit(options));
  } catch (err) {
    if (err instanceof UnitParseError) return `options do not form a valid unit file: ${err.message}`;
    throw err;
  }
  const expected = canonicalOrder(options);
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i]!;
    const got = reparsed[i];
    if (got === undefined || got.section !== want.section || got.name !== want.name || got.value !== want.value) {
      return `option ${goQuote(want.name)} in section ${goQuote(want.section)} with value ${goQuote(want.value)} cannot be written to a unit file unchanged`;
    }
  }
  if (reparsed.length !== expected.length) return 'options do not survive serialization unchanged';
  return undefined;
}

/** Requirements and warnings of options that passed validateUnitOptions. */
export interface ValidatedOptions {
  readonly requirements: UnitRequirements;
  readonly warnings: readonly string[];
}

/**
 * Validates a unit's options: they must round-trip through the canonical
 * text, their `[X-Fleet]` values must be well-formed, and the requirements
 * must not contradict each other. `unitName`, when given, is used for
 * specifier expansion (so `Conflicts=%p@*.service` is checked as the unit
 * will be scheduled) and in warnings; a template is checked only on what
 * cannot depend on its instance (each instance is checked when created).
 * `lines` (options read from a file) makes each problem with a value start
 * with its line (`line 7: `). Returns the requirements and warnings;
 * throws UnitValidationError listing every problem.
 */
export function validateUnitOptions(options: readonly UnitOption[], unitName?: string, lines?: OptionLines): ValidatedOptions {
  const problems: string[] = [];
  const roundTrip = roundTripProblem(options);
  if (roundTrip !== undefined) problems.push(roundTrip);
  const { requirements, warnings, problems: valueProblems, deferred } = extractRequirements(options, unitName, lines);
  problems.push(...valueProblems, ...requirementConflicts(requirements, deferred));
  if (problems.length > 0) throw new UnitValidationError(unitName, problems);
  return { requirements, warnings };
}
