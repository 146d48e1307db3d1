/** Terminal tables (cli-table3) with colourless borders, so piped output stays plain. */
import Table from "cli-table3";

/** Renders rows under a header; numeric columns (by index) are right-aligned. */
export function renderTable(
  head: string[],
  rows: string[][],
  opts: { right?: number[] } = {},
): string {
  const right = new Set(opts.right ?? []);
  const table = new Table({
    head,
    style: { head: [], border: [] },
    // No rule between body rows: compact like torchinfo.
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
    colAligns: head.map((_, i) => (right.has(i) ? "right" : "left")),
  });
  for (const r of rows) table.push(r);
  return table.toString() + "\n";
}

/** 26848 → `26,848` (a regex, not toLocaleString: ICU's first call costs ~15 ms at start-up). */
export function commas(n: number): string {
  const [int, frac] = String(n).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}
