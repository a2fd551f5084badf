/**
 * Creating units from local files before submit/load/start (§5.4). Every
 * argument is resolved and validated first; only when all are usable is
 * anything written, so one bad file never leaves half a batch behind.
 * `--replace` swaps the body in place and keeps the desired state (the
 * agent moves a running unit to the new body), unlike fleet, which reset
 * replaced units to `inactive`.
 */
import { buildUnit, goQuote, parseUnitName, templateOf, unitFromTemplate, unitNameProblem, UnitError, type Unit } from '../../src/units/index.js';
import type { CommandContext } from '../context.js';
import { errorMessage } from '../client/errors.js';
import type { FleetUnit } from '../client/types.js';
import { forEachUnit } from './each.js';
import { lookupUnits } from './find.js';
import { readLocal, sameBody, templatePath, unitArg, type UnitArg } from './local-files.js';
import type { DesiredState } from '../../src/domain/index.js';

/** The command creating units; decides which desired states `--replace` may touch. */
export type CreatingCommand = 'submit' | 'load' | 'start';

/** fleet's allowed states for `--replace`: a command only replaces what it would not move backwards. */
const REPLACEABLE: Readonly<Record<CreatingCommand, readonly DesiredState[]>> = {
  submit: ['inactive'],
  load: ['inactive', 'loaded'],
  start: ['inactive', 'loaded', 'launched'],
};

/**
 * One write to make: what of the built unit the write and its report need.
 * Not the unit itself: its canonical text and requirements would stay alive
 * for every unit of the command (1,000 files: old-space the process never
 * gives back, and its peak RSS).
 */
interface Planned {
  readonly name: string;
  readonly options: Unit['options'];
  readonly hash: string;
  readonly warnings: Unit['warnings'];
  readonly kind: 'create' | 'replace';
}

function planned({ name, options, hash, warnings }: Unit, kind: Planned['kind']): Planned {
  return { name, options, hash, warnings, kind };
}

/** What {@link createUnits} did. */
export interface CreateResult {
  /** False when anything failed (messages already printed); nothing was written unless the failure came from the API. */
  readonly ok: boolean;
  /** Units whose body was replaced: name -> new hash (waits should look for that body). */
  readonly replaced: ReadonlyMap<string, string>;
  /**
   * Every unit known to exist now among the arguments, by name: as looked up,
   * or as just written (then without a current state). Empty after a failure
   * before any write.
   */
  readonly known: ReadonlyMap<string, FleetUnit>;
  /** Units this call created (with the `desired` state asked for, unless a template). */
  readonly created: ReadonlySet<string>;
}

class CreateError extends Error {}

function build(name: string, source: string | FleetUnit['options'], what: 'file' | 'template'): Unit {
  try {
    return what === 'template' ? unitFromTemplate(name, source) : buildUnit(name, source);
  } catch (err) {
    if (err instanceof UnitError) throw new CreateError(`failed getting Unit(${name}) from ${what}: ${err.message}`);
    throw err;
  }
}

function read(path: string): string | undefined {
  try {
    return readLocal(path);
  } catch (err) {
    throw new CreateError(`failed reading ${path}: ${errorMessage(err)}`);
  }
}

/** The local body of `a`: its file, or for an instance the template file beside it. */
function localBody(a: UnitArg): { text: string; template?: string } | undefined {
  const text = read(a.path);
  if (text !== undefined) return { text };
  const template = templateOf(a.name);
  if (template === undefined) return undefined;
  const tText = read(templatePath(a.path, template));
  return tText === undefined ? undefined : { text: tText, template };
}

/** Decides what to do for an argument whose unit already exists. */
function planExisting(ctx: CommandContext, a: UnitArg, existing: FleetUnit, command: CreatingCommand, replace: boolean): Planned | undefined {
  const local = localBody(a);
  const differs = local !== undefined && !sameBody(a.name, local.text, existing.options);
  if (!replace) {
    if (differs) {
      const what = local.template === undefined ? `local unit file ${a.path}` : `local template unit file ${templatePath(a.path, local.template)}`;
      ctx.out.stderr.write(`WARNING: Unit ${a.name} in registry differs from ${what}. Add --replace to override.\n`);
    }
    return undefined;
  }
  if (local === undefined) throw new CreateError(`unable to find local Unit(${a.name}) to replace it (looked for ${a.path})`);
  if (!differs) {
    ctx.out.stdout.write(`Found same Unit(${a.name}) in Registry, nothing to do\n`);
    return undefined;
  }
  if (!REPLACEABLE[command].includes(existing.desiredState)) {
    ctx.out.stderr.write(`Warning: can not replace Unit(${a.name}) in state '${existing.desiredState}', use the appropriate command\n`);
    return undefined;
  }
  return planned(build(a.name, local.text, local.template === undefined ? 'file' : 'template'), 'replace');
}

/** Decides how to create an argument's unit that does not exist yet; `registered` finds a template in the registry. */
async function planNew(a: UnitArg, registered: (template: string) => Promise<FleetUnit | undefined>, warn: (line: string) => void): Promise<Planned> {
  const text = read(a.path);
  if (text !== undefined) return planned(build(a.name, text, 'file'), 'create');
  const template = templateOf(a.name);
  if (template === undefined) throw new CreateError(`unable to find Unit(${a.name}) in Registry or on filesystem`);
  const localPath = templatePath(a.path, template);
  const fromRegistry = await registered(template);
  const localText = read(localPath);
  if (fromRegistry !== undefined) {
    if (localText !== undefined && !sameBody(template, localText, fromRegistry.options)) {
      warn(`WARNING: Unit ${template} in registry differs from local template unit file ${localPath}. Add --replace to override.`);
    }
    return planned(build(a.name, fromRegistry.options, 'template'), 'create');
  }
  if (localText === undefined) throw new CreateError(`unable to find template Unit(${template}) in Registry or on filesystem`);
  return planned(build(a.name, localText, 'template'), 'create');
}

/**
 * Makes sure a unit exists for every argument, creating missing ones from
 * local files (or templates) and replacing changed ones with `replace`.
 * New units are created with `desired` (default `inactive`; never for a
 * template, which cannot be activated), saving the separate request that
 * would raise it. Units are looked up in one listing when there are many,
 * and written {@link REQUEST_CONCURRENCY} at a time. Prints warnings,
 * `Unit X inactive` (`Unit X submitted` for submit) per new unit, `Unit X
 * replaced` per replaced one, and on failure `Error creating units: ...`
 * lines, all in argument order. Never rejects.
 */
export async function createUnits(ctx: CommandContext, args: readonly string[], command: CreatingCommand, replace: boolean, desired?: DesiredState): Promise<CreateResult> {
  const failed: CreateResult = { ok: false, replaced: new Map(), known: new Map(), created: new Set() };
  const failures: string[] = [];
  const unitArgs: UnitArg[] = [];
  const seen = new Set<string>();
  for (const arg of args) {
    const a = unitArg(arg);
    if (seen.has(a.name)) continue;
    seen.add(a.name);
    const problem = unitNameProblem(a.name);
    if (problem !== undefined) failures.push(`invalid unit name ${goQuote(a.name)}: ${problem}`);
    else unitArgs.push(a);
  }
  let existing = new Map<string, FleetUnit>();
  if (unitArgs.length > 0) {
    try {
      existing = await lookupUnits(ctx.client, unitArgs.map((a) => a.name));
    } catch (err) {
      const what = unitArgs.length === 1 ? `Unit(${unitArgs[0]!.name})` : 'units';
      failures.push(`failed getting ${what}: ${errorMessage(err)}`);
      unitArgs.length = 0;
    }
  }
  const templates = new Map<string, Promise<FleetUnit | undefined>>();
  const registered = (template: string): Promise<FleetUnit | undefined> => {
    const known = existing.get(template);
    if (known !== undefined) return Promise.resolve(known);
    let p = templates.get(template);
    if (p === undefined) templates.set(template, (p = ctx.client.getUnit(template)));
    return p;
  };
  const warn = (line: string): void => void ctx.out.stderr.write(`${line}\n`);
  const planned: Planned[] = [];
  for (const a of unitArgs) {
    try {
      const ex = existing.get(a.name);
      const plan = ex === undefined ? await planNew(a, registered, warn) : planExisting(ctx, a, ex, command, replace);
      if (plan !== undefined) planned.push(plan);
    } catch (err) {
      failures.push(err instanceof CreateError ? err.message : `failed getting Unit(${a.name}): ${errorMessage(err)}`);
    }
  }
  for (const f of failures) ctx.out.stderr.write(`Error creating units: ${f}\n`);
  if (failures.length > 0) return failed;
  const replaced = new Map<string, string>();
  const known = new Map(existing);
  const initial = (u: Planned): DesiredState | undefined => (desired !== undefined && desired !== 'inactive' && parseUnitName(u.name)?.isTemplate !== true ? desired : undefined);
  const written = await forEachUnit(
    ctx.client,
    planned,
    (unit) => {
      const desiredState = unit.kind === 'create' ? initial(unit) : undefined;
      return { kind: 'put', name: unit.name, options: unit.options, ...(desiredState === undefined ? {} : { desiredState }) };
    },
    (unit, error) => {
      for (const w of unit.warnings) ctx.out.stderr.write(`${w}\n`);
      if (error !== undefined) {
        ctx.out.stderr.write(`Error creating units: failed creating unit ${unit.name}: ${errorMessage(error)}\n`);
        return;
      }
      const line = unit.kind === 'replace' ? 'replaced' : command === 'submit' ? 'submitted' : 'inactive';
      ctx.out.stdout.write(`Unit ${unit.name} ${line}\n`);
    },
  );
  const created = new Set<string>();
  for (const unit of written) {
    const { kind } = unit;
    if (kind === 'replace') replaced.set(unit.name, unit.hash);
    else created.add(unit.name);
    const desiredState = kind === 'replace' ? (existing.get(unit.name)?.desiredState ?? 'inactive') : (initial(unit) ?? 'inactive');
    known.set(unit.name, { name: unit.name, options: unit.options, desiredState });
  }
  return { ok: written.length === planned.length, replaced, known, created };
}
