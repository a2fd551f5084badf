/**
 * Shared by the three list commands: their common flags, the table / JSON
 * switch, and fleet's `--fields` errors.
 */
import type { Output } from './io.js';
import { FieldsError, parseFields, renderFields, type FieldSet } from './fields.js';
import type { FlagSpec, Flags } from '../commands/spec.js';

/** `-o table|json`. */
export type ListFormat = 'table' | 'json';

/** Flags every list command has, given its default `--fields`. */
export function listFlags(defaultFields: string, shortFull: boolean): FlagSpec[] {
  return [
    { flags: '--fields <fields>', description: 'Columns to print, comma-separated.', defaultValue: defaultFields },
    { flags: shortFull ? '-l, --full' : '--full', description: 'Do not ellipsize fields on output.' },
    ...(shortFull ? [{ flags: '--l', description: 'Same as --full (fleet spelling).', hidden: true }] : []),
    { flags: '--no-legend', description: 'Do not print a legend (column headers).' },
    { flags: '-o, --output <format>', description: 'Output format: table or json (a JSON array of objects, full values).', defaultValue: 'table' },
  ];
}

/** The list options as parsed. */
export interface ListOptions {
  readonly fields: string[];
  readonly full: boolean;
  readonly noLegend: boolean;
  readonly format: ListFormat;
}

/**
 * Reads the list flags; prints the error and returns undefined when `--fields`
 * or `--output` cannot be used.
 */
export function readListOptions<Row>(out: Output, flags: Flags, fields: FieldSet<Row>, defaultFields: string): ListOptions | undefined {
  const format = typeof flags['output'] === 'string' ? flags['output'] : 'table';
  if (format !== 'table' && format !== 'json') {
    out.stderr.write(`Invalid output format ${JSON.stringify(format)}: use table or json\n`);
    return undefined;
  }
  try {
    const names = parseFields(typeof flags['fields'] === 'string' ? flags['fields'] : defaultFields, fields);
    return { fields: names, full: flags['full'] === true || flags['l'] === true, noLegend: flags['legend'] === false, format };
  } catch (err) {
    if (!(err instanceof FieldsError)) throw err;
    out.stderr.write(`${err.message}\n`);
    return undefined;
  }
}

/** Prints rows as fleet's table or as a JSON array (one object per row from `toJson`). */
export function printList<Row>(out: Output, rows: readonly Row[], opts: ListOptions, fields: FieldSet<Row>, toJson: (row: Row) => object): void {
  if (opts.format === 'json') out.stdout.write(`${JSON.stringify(rows.map(toJson), null, 2)}\n`);
  else out.stdout.write(renderFields(rows, opts.fields, fields, { full: opts.full, noLegend: opts.noLegend }));
}
