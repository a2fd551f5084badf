/**
 * The desired set of `fleetctl apply`: unit files (already read) turned into
 * validated units with the desired state each should have. Pure. Every file
 * is judged, by the unit parser and the one unit PUT policy
 * (`src/units/put-policy.ts`), before anything is written, and every
 * problem is reported at once, each naming its file (and line or option).
 */
import type { DesiredState } from '../domain/index.js';
import { checkUnitPut, fileDesiredState, parseUnitName, templateOf, unitFromTemplate, UnitError, UnitParseError, buildUnit, unitNameProblem, type Unit } from '../units/index.js';

/** One unit file as read from disk. */
export interface UnitFile {
  /** Where it came from, as the user named it (for messages). */
  readonly path: string;
  /** The unit name: the file's base name. */
  readonly name: string;
  /** The bytes as read (the parser refuses invalid UTF-8 naming the line), or text. */
  readonly text: string | Uint8Array;
}

/** A unit of the desired set. */
export interface DesiredUnit {
  readonly unit: Unit;
  /** The state apply gives it: always `inactive` for a template. */
  readonly desired: DesiredState;
  /** The file it came from. */
  readonly path: string;
}

/** The desired set could not be built; nothing may be written. */
export class ApplyInputError extends Error {
  readonly code = 'APPLY_INPUT';
  /** Every problem, in file order, each starting with the file's path. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ApplyInputError';
    this.problems = Object.freeze([...problems]);
  }
}

/**
 * Builds the desired set from `files`. An instance file (`web@1.service`)
 * that is empty (or only whitespace) takes its body from its template in
 * the same set, as a symlink to the template does. A unit's state is its
 * `[X-Fleet] DesiredState=`, else `state`; a template's is `inactive`.
 * @returns the units sorted by name.
 * @throws {ApplyInputError} listing every problem: bad or duplicate names,
 *   parse errors (`path: line N: ...`), invalid options, an empty instance
 *   without its template, and whatever the unit PUT policy refuses.
 */
export function buildDesiredSet(files: readonly UnitFile[], state: DesiredState): DesiredUnit[] {
  const problems: string[] = [];
  const byName = new Map<string, UnitFile>();
  for (const f of files) {
    const nameProblem = unitNameProblem(f.name);
    const earlier = byName.get(f.name);
    if (nameProblem !== undefined) problems.push(`${f.path}: invalid unit name ${JSON.stringify(f.name)}: ${nameProblem}`);
    else if (earlier !== undefined) problems.push(`${f.path}: unit ${f.name} is also given by ${earlier.path}`);
    else byName.set(f.name, f);
  }
  const out: DesiredUnit[] = [];
  for (const f of byName.values()) {
    try {
      out.push(desiredUnit(f, byName, state));
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      problems.push(`${f.path}: ${err.message}`);
    }
  }
  if (problems.length > 0) throw new ApplyInputError(problems);
  return out.sort((a, b) => (a.unit.name < b.unit.name ? -1 : a.unit.name > b.unit.name ? 1 : 0));
}

function desiredUnit(f: UnitFile, byName: ReadonlyMap<string, UnitFile>, state: DesiredState): DesiredUnit {
  const unit = build(f, byName);
  if (unit.options.length === 0) throw new UnitParseError('the file has no options (an empty unit)');
  const isTemplate = parseUnitName(f.name)?.isTemplate === true;
  const fromFile = fileDesiredState(unit.options);
  // buildUnit refused a bad DesiredState value already.
  const desired: DesiredState = isTemplate ? 'inactive' : typeof fromFile === 'string' ? fromFile : state;
  checkUnitPut(f.name, { options: unit.options, desiredState: desired });
  return { unit, desired, path: f.path };
}

function build(f: UnitFile, byName: ReadonlyMap<string, UnitFile>): Unit {
  const template = templateOf(f.name);
  if (template === undefined || !isBlank(f.text)) return buildUnit(f.name, f.text);
  const source = byName.get(template);
  if (source === undefined) throw new UnitParseError(`empty instance file: its template ${template} must be in the set too (or make the file a symlink to it)`);
  return unitFromTemplate(f.name, source.text);
}

/** True when the file holds nothing but whitespace. */
function isBlank(text: string | Uint8Array): boolean {
  if (typeof text === 'string') return text.trim() === '';
  return text.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
}
