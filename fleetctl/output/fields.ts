import { formatTable } from './table.js';

/** A list command's `--fields` value that cannot be used (fleet's messages). */
export class FieldsError extends Error {
  readonly code = 'INVALID_FIELDS';
  constructor(message: string) {
    super(message);
    this.name = 'FieldsError';
  }
}

/** How one `--fields` column turns a row into a cell. */
export type FieldSet<Row> = Readonly<Record<string, (row: Row, full: boolean) => string>>;

/**
 * Parses `--fields` (comma-separated) against a command's field set.
 * @throws {FieldsError} `Must define output format` for an empty list,
 *   `Invalid key in output format: "x"` for an unknown field.
 */
export function parseFields<Row>(spec: string, fields: FieldSet<Row>): string[] {
  const names = spec.split(',').map((s) => s.trim());
  if (spec.trim() === '' || names.length === 0) throw new FieldsError('Must define output format');
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(fields, name)) throw new FieldsError(`Invalid key in output format: ${JSON.stringify(name)}`);
  }
  return names;
}

/**
 * Renders rows as fleet does: a header of the field names upper-cased
 * (unless `noLegend`), then one tab-padded line per row.
 */
export function renderFields<Row>(rows: readonly Row[], names: readonly string[], fields: FieldSet<Row>, opts: { full: boolean; noLegend: boolean }): string {
  const table: string[][] = [];
  if (!opts.noLegend) table.push(names.map((n) => n.toUpperCase()));
  for (const row of rows) table.push(names.map((n) => fields[n]!(row, opts.full)));
  return formatTable(table);
}

/** Machine description as fleet prints it: `113f16a7.../172.17.8.103`, or the full id with `--full`. */
export function machineLegend(id: string, publicIp: string | undefined, full: boolean): string {
  const shown = full ? id : `${id.slice(0, 8)}...`;
  return publicIp ? `${shown}/${publicIp}` : shown;
}
