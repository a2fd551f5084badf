/**
 * The export format: a cluster's intent (every unit file, its desired state,
 * the placement policy) as a directory of plain files an operator can diff,
 * keep in git and restore with `fleetctl import` (or submit by hand):
 *
 * ```
 * DIR/fleet-export.json   {"format": "fleet-export/1", "units": {"web.service": "launched", ...}}
 * DIR/units/<name>        each unit file, canonical text (what `fleetctl cat` prints)
 * DIR/policy.json         the placement policy, only when it is not the default
 * ```
 *
 * Deliberately not exported: the schedule and unit states (the engine and
 * the agents rebuild them, and the agents keep what already runs: see the
 * registry-reset hold), machine records (each fleetd announces its own),
 * API tokens (credentials; bootstrap again after a restore) and machine
 * metadata set through the API (per-machine state, not the units' intent).
 *
 * Pure: the CLI reads and writes the files.
 */
import { isDesiredState, type DesiredState } from '../domain/index.js';
import { DEFAULT_POLICY, InvalidPolicyError, parsePolicy, policyDocument } from '../scheduler/policy.js';
import { buildUnit, canonicalOrder, parseUnitName, serializeUnit, UnitError, unitNameProblem, type Unit, type UnitOption } from '../units/index.js';

/** The `format` field this version writes and reads. */
export const EXPORT_FORMAT = 'fleet-export/1';
/** The manifest: format and every unit's desired state. */
export const MANIFEST_FILE = 'fleet-export.json';
/** Directory of the unit files. */
export const UNITS_DIR = 'units';
/** The placement policy document (absent: the default policy). */
export const POLICY_FILE = 'policy.json';

/** A unit as the cluster holds it. */
export interface ExportedUnit {
  readonly name: string;
  readonly options: readonly UnitOption[];
  readonly desiredState: DesiredState;
}

/** A validated export, ready to write into a cluster. */
export interface ExportContents {
  /** Sorted by name. */
  readonly units: ReadonlyArray<{ readonly unit: Unit; readonly desiredState: DesiredState }>;
  /** The policy document as the API stores it (every field); undefined: the default policy. */
  readonly policy?: Record<string, unknown>;
}

/** An export directory that cannot be imported; `problems` names every one (file, unit, line, value). */
export class InvalidExportError extends Error {
  readonly code = 'INVALID_EXPORT';
  constructor(readonly problems: readonly string[]) {
    super(`invalid export: ${problems.join('; ')}`);
    this.name = 'InvalidExportError';
  }
}

/**
 * The files of an export of `units` and `policy` (the policy in force as
 * the API shows it; undefined or the default writes no policy file).
 * Deterministic: the same cluster gives the same bytes.
 * @returns relative path -> content, sorted by path.
 */
export function exportFiles(units: readonly ExportedUnit[], policy?: Readonly<Record<string, unknown>>): Map<string, string> {
  const sorted = [...units].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files = new Map<string, string>();
  const manifest = { format: EXPORT_FORMAT, units: Object.fromEntries(sorted.map((u) => [u.name, u.desiredState])) };
  files.set(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  if (policy !== undefined) {
    const { problem: _problem, ...doc } = policy;
    const normal = policyDocument(parsePolicy(doc));
    if (JSON.stringify(normal) !== JSON.stringify(policyDocument(DEFAULT_POLICY))) files.set(POLICY_FILE, `${JSON.stringify(normal, null, 2)}\n`);
  }
  for (const u of sorted) files.set(`${UNITS_DIR}/${u.name}`, serializeUnit(canonicalOrder(u.options)));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Reads and validates an export. `files` maps relative paths to contents:
 * the manifest, every file under `units/` and the policy file if present
 * (other paths are ignored). Every problem is collected before throwing.
 * @returns the units (sorted) and the policy.
 * @throws {InvalidExportError} naming every problem: a missing or unreadable
 *   manifest, an unknown format, a unit listed without a file or a file not
 *   listed, a bad name, desired state or unit file (with its line), an
 *   activated template, an invalid policy.
 */
export function readExport(files: ReadonlyMap<string, string>): ExportContents {
  const problems: string[] = [];
  const manifestText = files.get(MANIFEST_FILE);
  if (manifestText === undefined) throw new InvalidExportError([`${MANIFEST_FILE} not found (is this a directory written by fleetctl export?)`]);
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText);
  } catch (err) {
    throw new InvalidExportError([`${MANIFEST_FILE} is not JSON: ${(err as Error).message}`]);
  }
  const mentioned = new Set<string>();
  const listed = readManifest(manifest, problems, mentioned);

  const unitFiles = new Map<string, string>();
  for (const [path, text] of files) if (path.startsWith(`${UNITS_DIR}/`)) unitFiles.set(path.slice(UNITS_DIR.length + 1), text);
  for (const name of [...unitFiles.keys()].sort()) {
    if (!mentioned.has(name)) problems.push(`${UNITS_DIR}/${name} is not listed in ${MANIFEST_FILE}`);
  }
  const units: Array<{ unit: Unit; desiredState: DesiredState }> = [];
  for (const [name, desiredState] of [...listed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const text = unitFiles.get(name);
    if (text === undefined) {
      problems.push(`unit ${name} is listed in ${MANIFEST_FILE} but ${UNITS_DIR}/${name} is missing`);
      continue;
    }
    try {
      units.push({ unit: buildUnit(name, text), desiredState });
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      problems.push(`${UNITS_DIR}/${name}: ${err.message}`);
    }
  }

  let policy: Record<string, unknown> | undefined;
  const policyText = files.get(POLICY_FILE);
  if (policyText !== undefined) {
    try {
      policy = policyDocument(parsePolicy(JSON.parse(policyText)));
    } catch (err) {
      problems.push(`${POLICY_FILE}: ${err instanceof InvalidPolicyError ? err.message : `not JSON: ${(err as Error).message}`}`);
    }
  }
  if (problems.length > 0) throw new InvalidExportError(problems);
  return { units, ...(policy !== undefined ? { policy } : {}) };
}

/** The manifest's unit -> desired state map; problems are appended to `problems`, every name listed (valid or not) to `mentioned`. */
function readManifest(manifest: unknown, problems: string[], mentioned: Set<string>): Map<string, DesiredState> {
  const out = new Map<string, DesiredState>();
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    problems.push(`${MANIFEST_FILE} must be a JSON object`);
    return out;
  }
  const m = manifest as Record<string, unknown>;
  for (const k of Object.keys(m)) if (k !== 'format' && k !== 'units') problems.push(`${MANIFEST_FILE}: unknown field ${JSON.stringify(k)} (known: format, units)`);
  if (m['format'] !== EXPORT_FORMAT) problems.push(`${MANIFEST_FILE}: format ${JSON.stringify(m['format'])} is not ${JSON.stringify(EXPORT_FORMAT)}`);
  const units = m['units'];
  if (typeof units !== 'object' || units === null || Array.isArray(units)) {
    problems.push(`${MANIFEST_FILE}: units must be an object of unit name -> desired state`);
    return out;
  }
  for (const [name, state] of Object.entries(units)) {
    mentioned.add(name);
    const bad = unitNameProblem(name);
    if (bad !== undefined) problems.push(`${MANIFEST_FILE}: invalid unit name ${JSON.stringify(name)}: ${bad}`);
    else if (!isDesiredState(state)) problems.push(`${MANIFEST_FILE}: unit ${name}: desired state ${JSON.stringify(state)} is not one of inactive, loaded, launched`);
    else if (state !== 'inactive' && parseUnitName(name)?.isTemplate === true) problems.push(`${MANIFEST_FILE}: unit ${name} is a template and cannot be ${state}`);
    else out.set(name, state);
  }
  return out;
}
