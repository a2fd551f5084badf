/**
 * What `fleetctl import` writes for each exported unit, given what the
 * cluster already holds (empty after a wipe; with `--force`, possibly not).
 * Pure: the command executes the plan after every check passed.
 */
import type { DesiredState } from '../domain/index.js';
import { parseUnitName, type Unit } from '../units/index.js';
import type { ExportContents } from './export-format.js';

/** A unit as the cluster holds it now. */
export interface ExistingUnit {
  readonly hash: string;
  readonly desiredState: DesiredState;
}

/** One write of an import. */
export type ImportStep =
  /** The unit does not exist: create it with its desired state. */
  | { readonly kind: 'create'; readonly unit: Unit; readonly desiredState: DesiredState }
  /** It exists with another body: replace the body and set the desired state (a running unit restarts with the new body). */
  | { readonly kind: 'replace'; readonly unit: Unit; readonly desiredState: DesiredState }
  /** Same body, another desired state: set it. */
  | { readonly kind: 'setDesired'; readonly unit: Unit; readonly desiredState: DesiredState }
  /** Same body and desired state: nothing to write. */
  | { readonly kind: 'unchanged'; readonly unit: Unit; readonly desiredState: DesiredState };

/**
 * Plans the unit writes of an import into a cluster holding `existing`
 * (name -> unit). Units of the cluster absent from the export are left
 * alone. Templates come first so that instances find them.
 * @returns one step per exported unit: templates, then the rest, by name.
 */
export function planImport(contents: ExportContents, existing: ReadonlyMap<string, ExistingUnit>): ImportStep[] {
  const steps = contents.units.map(({ unit, desiredState }): ImportStep => {
    const have = existing.get(unit.name);
    if (have === undefined) return { kind: 'create', unit, desiredState };
    if (have.hash !== unit.hash) return { kind: 'replace', unit, desiredState };
    return { kind: have.desiredState === desiredState ? 'unchanged' : 'setDesired', unit, desiredState };
  });
  const isTemplate = (s: ImportStep): number => (parseUnitName(s.unit.name)?.isTemplate === true ? 0 : 1);
  return steps.sort((a, b) => isTemplate(a) - isTemplate(b) || (a.unit.name < b.unit.name ? -1 : a.unit.name > b.unit.name ? 1 : 0));
}
