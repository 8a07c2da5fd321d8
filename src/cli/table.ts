// Plain-text tables for terminal output: the one table renderer of the CLI, its reports and the benchmarks.
export type TableCell = string | number | null | undefined;

/** One row per line; an absent cell (null, undefined) shows "-"; every column as wide as its widest cell, two spaces apart. */
export function formatTable(rows: TableCell[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = cells.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
