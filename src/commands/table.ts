/**
 * Tables, in the three formats of `--format` (src/commands/output.ts):
 * - `table`: a box (torchinfo's compact look: no rule between rows) that fits the terminal: when
 *   it is too wide, the widest text column is narrowed and its cells wrap at spaces (right-aligned
 *   columns hold numbers and never wrap); with wrapped rows, a rule separates the rows. ASCII
 *   boxes (`+-|`) and cells when the output is ASCII.
 * - `markdown`: a GitHub-flavoured Markdown table (`|` escaped), never wrapped.
 * - `csv`: RFC 4180 (fields with `,`, `"` or a line break quoted, `"` doubled), never wrapped.
 * Colour codes in cells count for nothing in widths; Markdown and CSV drop them.
 *
 * One pass over the rows, no recursion and no spread of a row list into arguments: linear in the
 * rows, for a 100,000-layer model too.
 */
import { PLAIN_OUTPUT, toAscii, type Output, type TableFormat } from "./output.js";

export interface TableOptions {
  /** Columns (by index) right-aligned: numbers, never wrapped. */
  right?: number[];
  /**
   * Where the table lands. Default: the process's terminal ({@link setProcessOutput}: its width
   * and whether it is ASCII), drawn as a box.
   */
  output?: Output;
}

let processOutput: Output = PLAIN_OUTPUT;

/**
 * The width and ASCII-ness that tables drawn without {@link TableOptions.output} use: src/cli.ts
 * sets them for the run; returns the previous ones.
 */
export function setProcessOutput(o: Output): Output {
  const before = processOutput;
  processOutput = o;
  return before;
}

/** The terminal the process writes to, as {@link setProcessOutput} set it (format: table). */
export function processTableOutput(): Output {
  return { ...processOutput, format: "table" };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
/** `s` without colour codes. */
export const stripAnsi = (s: string): string => s.replace(ANSI, "");

/** Columns a code point takes in a terminal: 0 for combining marks, 2 for East Asian wide. */
function charWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || cp === 0xfe0f) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** The columns `s` takes in a terminal (colour codes aside). */
export function displayWidth(s: string): number {
  const plain = stripAnsi(s);
  let w = 0;
  for (let i = 0; i < plain.length; i++) {
    const c = plain.charCodeAt(i);
    if (c < 0x300) {
      w++;
      continue;
    }
    const cp = plain.codePointAt(i)!;
    if (cp > 0xffff) i++;
    w += charWidth(cp);
  }
  return w;
}

/** A cell as prefix (colour codes), text and suffix (the reset): how a styled cell is wrapped. */
function splitStyle(cell: string): { pre: string; text: string; post: string } {
  const m = /^((?:\x1b\[[0-9;]*m)*)([^\x1b]*)((?:\x1b\[[0-9;]*m)*)$/.exec(cell); // eslint-disable-line no-control-regex
  return m ? { pre: m[1], text: m[2], post: m[3] } : { pre: "", text: stripAnsi(cell), post: "" };
}

/**
 * `text` in lines of at most `width` columns: broken at spaces where it can be, inside a word
 * where a word is longer than the line.
 */
export function wrapText(text: string, width: number): string[] {
  if (displayWidth(text) <= width) return [text];
  const lines: string[] = [];
  let line = "";
  let lineW = 0;
  const push = () => {
    lines.push(line);
    line = "";
    lineW = 0;
  };
  for (const word of text.split(" ")) {
    let w = displayWidth(word);
    if (lineW > 0 && lineW + 1 + w <= width) {
      line += " " + word;
      lineW += 1 + w;
      continue;
    }
    if (lineW > 0) push();
    let rest = word;
    // A word longer than the line is cut, code point by code point.
    while (w > width) {
      let cut = "";
      let cutW = 0;
      for (const ch of rest) {
        const cw = displayWidth(ch);
        if (cutW + cw > width) break;
        cut += ch;
        cutW += cw;
      }
      if (cut === "") break;
      lines.push(cut);
      rest = rest.slice(cut.length);
      w -= cutW;
    }
    line = rest;
    lineW = w;
  }
  if (lineW > 0 || lines.length === 0) push();
  return lines;
}

/** The narrowest a text column gets when its words are cut (its text permitting). */
const MIN_TEXT_WIDTH = 6;

/**
 * The content width of each column so that the box fits `total` columns: the widest column that
 * can give is narrowed one column at a time, first down to its `soft` floor (its longest word:
 * cells wrap between words), then, if the box is still too wide, down to its `hard` floor (words
 * are cut). Number columns have both floors at their widest number: they never wrap.
 */
function fitWidths(
  natural: number[],
  soft: number[],
  hard: number[],
  total: number | undefined,
): number[] {
  const w = natural.slice();
  if (total === undefined) return w;
  // Borders: "│ " before each cell, " " after it, and a closing "│".
  let width = 3 * w.length + 1;
  for (const x of w) width += x;
  for (const floor of [soft, hard]) {
    while (width > total) {
      let widest = -1;
      for (let i = 0; i < w.length; i++) {
        if (w[i] > floor[i] && (widest < 0 || w[i] > w[widest])) widest = i;
      }
      if (widest < 0) break;
      w[widest]--;
      width--;
    }
  }
  return w;
}

/** The widest word (run without spaces) of `s`. */
function longestWord(s: string): number {
  let best = 0;
  for (const word of stripAnsi(s).split(" ")) {
    const w = displayWidth(word);
    if (w > best) best = w;
  }
  return best;
}

const BOX = {
  unicode: {
    h: "─",
    v: "│",
    tl: "┌",
    tm: "┬",
    tr: "┐",
    ml: "├",
    mm: "┼",
    mr: "┤",
    bl: "└",
    bm: "┴",
    br: "┘",
  },
  ascii: {
    h: "-",
    v: "|",
    tl: "+",
    tm: "+",
    tr: "+",
    ml: "+",
    mm: "+",
    mr: "+",
    bl: "+",
    bm: "+",
    br: "+",
  },
};

/** Renders rows under a header in the output's format; see the module comment. */
export function renderTable(head: string[], rows: string[][], opts: TableOptions = {}): string {
  const output = opts.output ?? processTableOutput();
  const conv = output.ascii ? toAscii : (s: string) => s;
  if (output.format === "csv") return csvTable(head, rows, conv);
  if (output.format === "markdown") return markdownTable(head, rows, new Set(opts.right), conv);
  return boxTable(head, rows, new Set(opts.right), output.width, output.ascii);
}

function boxTable(
  headIn: string[],
  rowsIn: string[][],
  right: Set<number>,
  total: number | undefined,
  ascii: boolean,
): string {
  const n = headIn.length;
  const conv = ascii ? toAscii : (s: string) => s;
  const head = headIn.map(conv);
  const rows: string[][] = new Array(rowsIn.length);
  for (let r = 0; r < rowsIn.length; r++) {
    const row = new Array<string>(n);
    for (let i = 0; i < n; i++) row[i] = conv(rowsIn[r][i] ?? "");
    rows[r] = row;
  }
  // Widths: the widest cell of each column. Floors: a number column's widest number (its heading
  // may wrap, then be cut, down to it); a text column's longest word (soft), then MIN_TEXT_WIDTH
  // (hard).
  const natural = head.map(displayWidth);
  const numbers = new Array<number>(n).fill(0);
  const words = head.map(longestWord);
  for (const row of rows) {
    for (let i = 0; i < n; i++) {
      const c = row[i];
      const cw = displayWidth(c);
      if (cw > natural[i]) natural[i] = cw;
      if (right.has(i)) {
        if (cw > numbers[i]) numbers[i] = cw;
      } else if (cw > MIN_TEXT_WIDTH && cw > words[i]) {
        const lw = longestWord(c);
        if (lw > words[i]) words[i] = lw;
      }
    }
  }
  const soft = new Array<number>(n);
  const hard = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    if (right.has(i)) {
      hard[i] = Math.max(numbers[i], 1);
      soft[i] = Math.max(hard[i], words[i]);
    } else {
      hard[i] = Math.min(natural[i], MIN_TEXT_WIDTH);
      soft[i] = Math.max(hard[i], Math.min(natural[i], words[i]));
    }
  }
  const w = fitWidths(natural, soft, hard, total);
  const box = ascii ? BOX.ascii : BOX.unicode;
  const rule = (l: string, m: string, r: string): string => {
    let s = l;
    for (let i = 0; i < n; i++) s += box.h.repeat(w[i] + 2) + (i < n - 1 ? m : "");
    return s + r + "\n";
  };
  /** The lines of one row: its cells wrapped to their column, padded and aligned. */
  const lines = (cells: string[]): string[] => {
    const wrapped: string[][] = new Array(n);
    let height = 1;
    for (let i = 0; i < n; i++) {
      const c = cells[i];
      if (displayWidth(c) <= w[i]) wrapped[i] = [c];
      else {
        const { pre, text, post } = splitStyle(c);
        wrapped[i] = wrapText(text, w[i]).map((l) => pre + l + post);
      }
      if (wrapped[i].length > height) height = wrapped[i].length;
    }
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      let s = box.v;
      for (let i = 0; i < n; i++) {
        const c = wrapped[i][k] ?? "";
        const pad = " ".repeat(Math.max(0, w[i] - displayWidth(c)));
        s += " " + (right.has(i) ? pad + c : c + pad) + " " + box.v;
      }
      out.push(s + "\n");
    }
    return out;
  };
  const out: string[] = [rule(box.tl, box.tm, box.tr)];
  for (const l of lines(head)) out.push(l);
  const body: string[][] = new Array(rows.length);
  let tall = false;
  for (let r = 0; r < rows.length; r++) {
    body[r] = lines(rows[r]);
    if (body[r].length > 1) tall = true;
  }
  // Rows that wrapped are told apart by a rule between every two rows.
  const between = tall ? rule(box.ml, box.mm, box.mr) : "";
  for (let r = 0; r < body.length; r++) {
    if (r > 0 && tall) out.push(between);
    for (const l of body[r]) out.push(l);
  }
  out.push(rule(box.bl, box.bm, box.br));
  return out.join("");
}

function markdownTable(
  head: string[],
  rows: string[][],
  right: Set<number>,
  conv: (s: string) => string,
): string {
  const cell = (s: string): string =>
    conv(stripAnsi(s)).replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
  const line = (cells: string[]): string =>
    "| " + head.map((_, i) => cell(cells[i] ?? "")).join(" | ") + " |\n";
  const out: string[] = [line(head)];
  out.push("| " + head.map((_, i) => (right.has(i) ? "---:" : "---")).join(" | ") + " |\n");
  for (const r of rows) out.push(line(r));
  return out.join("");
}

/** A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvTable(head: string[], rows: string[][], conv: (s: string) => string): string {
  const line = (cells: string[]): string =>
    head.map((_, i) => csvField(conv(stripAnsi(cells[i] ?? "")))).join(",") + "\n";
  const out: string[] = [line(head)];
  for (const r of rows) out.push(line(r));
  return out.join("");
}

/** 26848 → `26,848` (a regex, not toLocaleString: ICU's first call costs ~15 ms at start-up). */
export function commas(n: number): string {
  const [int, frac] = String(n).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

export type { TableFormat };
