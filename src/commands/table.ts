/**
 * Terminal tables: cli-table3 with colourless borders (so piped output stays plain), and, for long
 * tables, a linear-time renderer drawing the same box (cli-table3 costs ~0.2 ms a row, seconds for
 * a 10,000-layer model).
 */
import Table from "cli-table3";

/** Tables longer than this are drawn by {@link renderLong}. */
const LONG = 200;

/** Renders rows under a header; numeric columns (by index) are right-aligned. */
export function renderTable(
  head: string[],
  rows: string[][],
  opts: { right?: number[] } = {},
): string {
  const right = new Set(opts.right ?? []);
  if (rows.length > LONG) return renderLong(head, rows, right);
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

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const width = (s: string): number => [...s.replace(ANSI, "")].length;

/** The same box as cli-table3 draws above, in one pass over the cells. */
function renderLong(head: string[], rows: string[][], right: Set<number>): string {
  // A loop, not Math.max(...column): spreading 120,000 rows as arguments overflows the stack.
  const w = head.map(width);
  for (const r of rows) for (let i = 0; i < w.length; i++) w[i] = Math.max(w[i], width(r[i] ?? ""));
  const line = (l: string, m: string, r: string): string =>
    l + w.map((n) => "─".repeat(n + 2)).join(m) + r + "\n";
  const cells = (r: string[]): string =>
    "│" +
    r
      .map((c, i) => {
        const pad = " ".repeat(w[i] - width(c));
        return " " + (right.has(i) ? pad + c : c + pad) + " ";
      })
      .join("│") +
    "│\n";
  const out = [line("┌", "┬", "┐"), cells(head)];
  for (const r of rows) out.push(cells(r));
  out.push(line("└", "┴", "┘"));
  return out.join("");
}

/** 26848 → `26,848` (a regex, not toLocaleString: ICU's first call costs ~15 ms at start-up). */
export function commas(n: number): string {
  const [int, frac] = String(n).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}
