/**
 * How output fits where it lands, decided once at start-up (src/cli.ts) from the command line, the
 * environment and what stdout is:
 * - colour: `--color=auto|always|never` (the last one given wins; `--no-color` is `never`), as in
 *   ripgrep and git. `auto` colours a terminal only, and never with `NO_COLOR` (any non-empty
 *   value), `FORCE_COLOR=0`, `TERM=dumb` or a table format other than `table`; another
 *   `FORCE_COLOR` forces it on. `--json` is never coloured.
 * - characters: ASCII only with `--ascii`, or when the locale is not UTF-8 (the first of `LC_ALL`,
 *   `LC_CTYPE`, `LANG` that is set names no UTF-8 codeset, e.g. `C` or `POSIX`): box drawing, ×,
 *   ², Σ, √ and the other symbols dlq prints are spelled in ASCII ({@link toAscii}); JSON keeps its
 *   data and escapes non-ASCII characters as `\uXXXX`.
 * - width: tables fit a terminal's columns (`COLUMNS` when set, else the terminal's own width);
 *   output that is piped or redirected has no width limit.
 * - `--format table|markdown|csv`: how a command's tables are written (src/commands/table.ts).
 */
import { InputError } from "../errors.js";

/** How tables are written: boxes for a terminal, GitHub-flavoured Markdown, or CSV (RFC 4180). */
export type TableFormat = "table" | "markdown" | "csv";
export const TABLE_FORMATS: readonly TableFormat[] = ["table", "markdown", "csv"];

/** Where output lands, for the renderers. */
export interface Output {
  format: TableFormat;
  /** The columns text must fit in (a terminal's width); undefined: no limit. */
  width?: number;
  /** ASCII characters only. */
  ascii: boolean;
}

/** A terminal-less default: boxes, Unicode, no width limit. */
export const PLAIN_OUTPUT: Output = { format: "table", ascii: false };

/** `--color` values. */
export type ColorMode = "auto" | "always" | "never";
const COLOR_MODES: readonly ColorMode[] = ["auto", "always", "never"];

/** The value of a `--name VALUE` or `--name=VALUE` option in argv (the last one), before `--`. */
export function optionValue(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") break;
    if (a === name && i + 1 < argv.length) value = argv[++i];
    else if (a.startsWith(name + "=")) value = a.slice(name.length + 1);
  }
  return value;
}

/** The `--color` mode argv asks for: the last `--color[=]WHEN` or `--no-color`; default auto. */
export function colorMode(argv: readonly string[]): ColorMode {
  let mode: ColorMode = "auto";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") break;
    let v: string | undefined;
    if (a === "--no-color") v = "never";
    else if (a === "--color") v = argv[++i];
    else if (a.startsWith("--color=")) v = a.slice("--color=".length);
    if (v === undefined) continue;
    if (!(COLOR_MODES as readonly string[]).includes(v)) {
      throw new InputError(`'${v}' is not a colour mode: use auto, always or never`, "--color");
    }
    mode = v as ColorMode;
  }
  return mode;
}

/** The table format argv asks for (`--format`); default table. @throws InputError for another. */
export function tableFormat(argv: readonly string[]): TableFormat {
  const v = optionValue(argv, "--format");
  if (v === undefined) return "table";
  if (!(TABLE_FORMATS as readonly string[]).includes(v)) {
    throw new InputError(`'${v}' is not a format: use table, markdown or csv`, "--format");
  }
  return v as TableFormat;
}

/**
 * Whether to colour (see the module comment).
 * @throws InputError for a `--color` value other than auto, always, never.
 */
export function wantColor(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  isTTY: boolean,
): boolean {
  const mode = colorMode(argv);
  if (argv.includes("--json")) return false;
  if (mode !== "auto") return mode === "always";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  // FORCE_COLOR as chalk and supports-color read it: 0 or false forces colour off, else on.
  const force = env.FORCE_COLOR;
  if (force === "0" || force === "false") return false;
  if (force !== undefined && force !== "") return true;
  if (env.TERM === "dumb") return false;
  if (optionValue(argv, "--format") !== undefined && optionValue(argv, "--format") !== "table")
    return false;
  return isTTY;
}

/** Whether the locale's codeset is UTF-8: the first of LC_ALL, LC_CTYPE, LANG that is set. */
export function utf8Locale(env: NodeJS.ProcessEnv): boolean {
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((v) => v !== undefined && v !== "");
  // No locale at all: Node writes UTF-8, and so do the terminals it runs in.
  if (locale === undefined) return true;
  return /utf-?8/i.test(locale);
}

/** The terminal's columns when stdout is one (COLUMNS first); undefined when it is not. */
export function terminalWidth(env: NodeJS.ProcessEnv, isTTY: boolean): number | undefined {
  if (!isTTY) return undefined;
  const columns = Number(env.COLUMNS);
  if (Number.isInteger(columns) && columns > 0) return columns;
  // process.stdout builds a tty.WriteStream (about 4 ms): only paid for on a terminal.
  const w = process.stdout.columns;
  return Number.isInteger(w) && w > 0 ? w : undefined;
}

/** What every non-ASCII character dlq itself prints is written as in ASCII. */
const ASCII: Record<string, string> = {
  // Box drawing (tables) and the terminal chart (asciichart): one character each, so that
  // columns stay aligned.
  "┌": "+",
  "┬": "+",
  "┐": "+",
  "├": "+",
  "┼": "+",
  "┤": "+",
  "└": "+",
  "┴": "+",
  "┘": "+",
  "─": "-",
  "│": "|",
  "━": "=",
  "╭": ".",
  "╮": ".",
  "╰": "'",
  "╯": "'",
  "×": "x",
  "·": "*",
  "−": "-",
  "–": "-",
  "—": "--",
  "…": "...",
  "‖": "||",
  "∂": "d",
  "÷": "/",
  "±": "+/-",
  "≤": "<=",
  "≥": ">=",
  "≈": "~",
  "≠": "!=",
  "→": "->",
  "←": "<-",
  "∞": "inf",
  "∅": "{}",
  "∈": " in ",
  "∇": "grad ",
  "√": "sqrt",
  Σ: "sum",
  Π: "prod",
  "½": "1/2",
  "¼": "1/4",
  "¾": "3/4",
  "✗": "x",
  "✓": "v",
  "′": "'",
  "‘": "'",
  "’": "'",
  "“": '"',
  "”": '"',
  "⁰": "^0",
  "¹": "^1",
  "²": "^2",
  "³": "^3",
  "⁴": "^4",
  "⁵": "^5",
  "⁶": "^6",
  "⁷": "^7",
  "⁸": "^8",
  "⁹": "^9",
  "⁻": "^-",
  "⁺": "^+",
  ᵀ: "^T",
  ᵏ: "^k",
  ⁿ: "^n",
  "₀": "_0",
  "₁": "_1",
  "₂": "_2",
  "₃": "_3",
  ₗ: "_l",
  ᵢ: "_i",
  ⱼ: "_j",
  ₖ: "_k",
  α: "alpha",
  β: "beta",
  γ: "gamma",
  δ: "delta",
  Δ: "Delta",
  ε: "eps",
  η: "eta",
  θ: "theta",
  λ: "lambda",
  μ: "mu",
  ν: "nu",
  π: "pi",
  ρ: "rho",
  σ: "sigma",
  τ: "tau",
  φ: "phi",
  χ: "chi",
  ψ: "psi",
  ω: "omega",
  Ω: "Omega",
};

const NON_ASCII = /[\u0080-\u{10FFFF}]/gu;

/**
 * `text` in ASCII: dlq's symbols spelled out ({@link ASCII}: `×` → `x`, `²` → `^2`, `Σ` → `sum`,
 * `√` → `sqrt`, box drawing → `+ - |`); any other non-ASCII character (a user's layer name) as
 * `\u{…}`, so that nothing is lost.
 */
export function toAscii(text: string): string {
  return text.replace(
    NON_ASCII,
    (c) => ASCII[c] ?? `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`,
  );
}

/** JSON text with every non-ASCII character escaped (`\u00d7`): the same document, in ASCII. */
export function jsonAscii(text: string): string {
  return text.replace(
    /[\u0080-\uFFFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
