/**
 * One `Name=Value` line of a unit file, with the section it appeared in.
 * Values are verbatim (after systemd's whitespace trimming): no unquoting,
 * no specifier expansion. A repeated key is several options, in file order.
 */
export interface UnitOption {
  readonly section: string;
  readonly name: string;
  readonly value: string;
}

/**
 * Returns the options grouped by section in order of each section's first
 * appearance, keeping the order within a section. This is the order the
 * canonical text has, so `parseUnitFile(serializeUnit(o))` yields
 * `canonicalOrder(o)`. Never throws.
 */
export function canonicalOrder(options: readonly UnitOption[]): UnitOption[] {
  const bySection = new Map<string, UnitOption[]>();
  for (const opt of options) {
    let group = bySection.get(opt.section);
    if (group === undefined) {
      group = [];
      bySection.set(opt.section, group);
    }
    group.push(opt);
  }
  return [...bySection.values()].flat();
}

/** Values of every option `name` in `section`, in order; empty when there are none. */
export function optionValues(options: readonly UnitOption[], section: string, name: string): string[] {
  return options.filter((o) => o.section === section && o.name === name).map((o) => o.value);
}

/** The first `[Unit] Description=` value, or "" when there is none (as fleet). */
export function unitDescription(options: readonly UnitOption[]): string {
  return optionValues(options, 'Unit', 'Description')[0] ?? '';
}

/**
 * Where options were read from: the 1-based line of the file each option
 * (this very object) starts on. Options not read from a file (the API's
 * JSON, canonicalized copies) have none.
 */
export type OptionLines = ReadonlyMap<UnitOption, number>;

/** `line N: ` for an option read from a file (to prefix a problem with), or "" when its line is unknown. Never throws. */
export function atLine(lines: OptionLines | undefined, option: UnitOption | undefined): string {
  const n = option === undefined ? undefined : lines?.get(option);
  return n === undefined ? '' : `line ${n}: `;
}
