/**
 * Tables exactly as fleet prints them: Go's text/tabwriter with minwidth 0,
 * tabwidth 8, padding 1 and a TAB as padding character. Scripts that parse
 * `fleetctl list-units` split on tabs and depend on this layout, so we
 * reproduce it rather than aligning with spaces.
 *
 * A column's width is the widest cell plus the padding, rounded up to the tab
 * width; each cell but the last in a row is followed by as many tabs as it
 * takes to reach that width. The last cell is never padded.
 */
const TAB_WIDTH = 8;
const PADDING = 1;

/** Renders rows (the first may be a header) as tab-padded lines, each ending in "\n". */
export function formatTable(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (let c = 0; c < row.length - 1; c++) {
      widths[c] = Math.max(widths[c] ?? 0, cellWidth(row[c]!));
    }
  }
  const colWidths = widths.map((w) => Math.ceil((w + PADDING) / TAB_WIDTH) * TAB_WIDTH);
  let out = '';
  for (const row of rows) {
    let line = '';
    for (let c = 0; c < row.length; c++) {
      const cell = row[c]!;
      line += cell;
      if (c < row.length - 1) line += '\t'.repeat(Math.ceil((colWidths[c]! - cellWidth(cell)) / TAB_WIDTH));
    }
    out += `${line}\n`;
  }
  return out;
}

/** tabwriter measures cells in Unicode code points, not bytes. */
function cellWidth(cell: string): number {
  return Array.from(cell).length;
}
