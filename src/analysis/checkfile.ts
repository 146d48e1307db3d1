/**
 * Answers files for `dlq check`: parsing (YAML or JSON, every value located at file:line:column),
 * shell-like splitting of `run` strings, JSON-output paths (`layers[3].params`) and the comparison
 * of expected values with what a command printed. Pure: no I/O, no commands run here.
 *
 * Format (README, "Answers files"):
 *
 * ```yaml
 * tolerance: {abs: 1e-9, rel: 1e-9}     # optional file-wide default (then the list is `answers:`)
 * answers:
 *   - id: cnn-rf
 *     run: rf course_cnn.py             # any dlq command line; --json is added
 *     expect:
 *       size: [112, 112]
 *       stride[0]: 8                    # in a {flow: mapping}, quote paths with brackets
 *   - id: kl
 *     run: {command: kl, args: [--mu, "0.5,-1", --logvar, "0,0.2"]}
 *     expect: {closed_form: {"≈": 0.6357}, mc.within_3se: true}
 *     tolerance: {abs: 1e-4}
 * ```
 *
 * The top level is either that list of entries or a mapping with `answers:` (and optionally
 * `tolerance:`). Number comparison: |got − expected| ≤ abs + rel·|expected| (the rule of
 * `numpy.isclose` and `torch.testing.assert_close`); when the entry (or file) gives no tolerance,
 * two integers must be equal exactly and otherwise abs = rel = 1e-9.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YNode } from "yaml";
import { InputError, type Loc } from "../errors.js";
import { didYouMean } from "../util/suggest.js";

/** A JSON value, as commands print them. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Absolute and relative tolerance of number comparisons. */
export interface Tolerance {
  abs: number;
  rel: number;
}

/** The default float tolerance (used when neither the entry nor the file gives one). */
export const DEFAULT_TOLERANCE: Tolerance = { abs: 1e-9, rel: 1e-9 };

/** One step of a path: an object key or an array index (negative counts from the end). */
export type PathStep = string | number;

/** The pseudo-path that addresses the command's exit code instead of its output. */
export const EXIT_PATH = "$exit";

/** The pseudo-path that addresses what the command wrote on stderr (trimmed, `dlq: ` dropped). */
export const STDERR_PATH = "$stderr";

/**
 * The dlq commands an answers file may run (every subcommand but `check` itself). Kept in step
 * with src/cli.ts by a test that reads `dlq --help`.
 */
export const DLQ_COMMANDS = [
  "shape",
  "rf",
  "dropout",
  "grad",
  "gradcheck",
  "derive",
  "loss",
  "kl",
  "gcn",
] as const;

/** A comparison operator of an expected value `{OP: VALUE}`. */
export type CmpOp = "<" | "<=" | ">" | ">=" | "==" | "!=" | "≈" | "contains";

const OP_ALIASES: Record<string, CmpOp> = {
  "<": "<",
  "<=": "<=",
  "≤": "<=",
  ">": ">",
  ">=": ">=",
  "≥": ">=",
  "==": "==",
  "=": "==",
  "!=": "!=",
  "≠": "!=",
  "≈": "≈",
  "~": "≈",
  approx: "≈",
  contains: "contains",
};
/** Keys that may accompany an operator: a tolerance for this comparison only. */
const TOL_KEYS = new Set(["abs", "rel"]);

/** What an expectation requires of the value at its path. */
export type Expected =
  | { kind: "value"; value: null | boolean | number | string }
  | { kind: "list"; items: Expected[] }
  | { kind: "cmp"; ops: { op: CmpOp; value: Json }[]; tolerance?: Tolerance };

/** One `PATH: VALUE` of an entry's `expect`. */
export interface Expectation {
  /** The path as written. */
  path: string;
  steps: PathStep[];
  expected: Expected;
  /** Where the path (the key) is written. */
  loc: Loc;
}

/** How to run an entry's command. */
export interface RunSpec {
  /** The command line without `dlq` and `--json` (the command name first). */
  argv: string[];
  /** Indices in `argv` of tokens that may name files relative to the answers file. */
  pathArgs: number[];
  /** Index in `argv` of the `model:` path (always relative to the answers file). */
  modelIndex?: number;
  /** Inline model source, fed to the command as standard input (argv holds `-` for it). */
  stdin?: string;
  loc: Loc;
}

/** One entry of an answers file. */
export interface AnswerEntry {
  id: string;
  run: RunSpec;
  expect: Expectation[];
  /**
   * Whether `expect` mentions `$exit` or `$stderr`: the exit code is then data to compare (an
   * expected refusal, exit 2, is a pass), not a sign of a malformed entry.
   */
  checksExit: boolean;
  /** The entry's tolerance, else the file's, else undefined (the defaults apply). */
  tolerance?: Tolerance;
  /** Where the entry starts. */
  loc: Loc;
}

const ENTRY_KEYS = ["id", "run", "expect", "tolerance", "description"];
const RUN_KEYS = ["command", "args", "model"];

/** Located errors while walking the YAML tree. */
class Walker {
  constructor(
    readonly file: string,
    readonly lc: LineCounter,
  ) {}
  loc(node: YNode | null | undefined, fallback?: Loc): Loc {
    const off = node?.range?.[0];
    if (off === undefined) return fallback ?? { file: this.file, line: 1, column: 1 };
    const p = this.lc.linePos(off);
    return { file: this.file, line: p.line, column: p.col };
  }
  fail(message: string, node: YNode | null | undefined, fallback?: Loc): never {
    throw new InputError(message, this.loc(node, fallback));
  }
}

/** A scalar's JS value, or undefined for collections. */
function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined;
}

/** The node as plain JSON (collections recursively); aliases are refused. */
function toJson(w: Walker, node: unknown): Json {
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || typeof v === "boolean" || typeof v === "string") return v;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) w.fail(`${v} is not a finite number`, node);
      return v;
    }
    return w.fail(`unsupported value ${String(v)}`, node);
  }
  if (isSeq(node)) return node.items.map((n) => toJson(w, n));
  if (isMap(node)) {
    const o: { [k: string]: Json } = {};
    for (const p of node.items) o[String(scalarValue(p.key))] = toJson(w, p.value);
    return o;
  }
  return w.fail("aliases and tags are not supported in answers files", node as YNode);
}

/**
 * Splits a command line as a POSIX shell would split words, without running anything: blanks
 * separate words; '…' is literal; "…" keeps blanks and honours \" \\ \$ \` escapes; a backslash
 * outside quotes escapes the next character. No variables, globs or redirections.
 * @throws Error (message only) on an unterminated quote or a trailing backslash.
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' quote at character ${i + 1}`);
      cur += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length && '"\\$`'.includes(text[j + 1])) j++;
        cur += text[j];
      }
      if (j >= text.length) throw new Error(`unterminated " quote at character ${i + 1}`);
      inWord = true;
      i = j;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new Error("trailing backslash");
      if (text[i + 1] !== "\n") cur += text[i + 1];
      inWord = true;
      i++;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/**
 * Parses a path into the JSON output: keys joined by `.`, indices in brackets (`layers[3].params`,
 * `size[-1]`, `["odd key"].x`), or `$exit` for the exit code, `$stderr` for the message.
 * @throws Error (message only) when the path is not well formed.
 */
export function parsePath(text: string): PathStep[] {
  if (text === EXIT_PATH) return [EXIT_PATH];
  if (text === STDERR_PATH) return [STDERR_PATH];
  if (text.startsWith("$")) {
    throw new Error(
      `unknown pseudo-path '${text}': use ${EXIT_PATH} (exit code) or ${STDERR_PATH}`,
    );
  }
  const steps: PathStep[] = [];
  let i = 0;
  const n = text.length;
  if (n === 0) throw new Error("empty path");
  while (i < n) {
    if (text[i] === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) throw new Error(`unclosed '[' at character ${i + 1}`);
      const inner = text.slice(i + 1, close).trim();
      if (/^-?\d+$/.test(inner)) steps.push(Number(inner));
      else if (/^"[^"]*"$|^'[^']*'$/.test(inner)) steps.push(inner.slice(1, -1));
      else throw new Error(`'[${inner}]' is neither an index nor a quoted key`);
      i = close + 1;
    } else {
      if (steps.length > 0) {
        if (text[i] !== ".") throw new Error(`expected '.' or '[' at character ${i + 1}`);
        i++;
      }
      let j = i;
      while (j < n && text[j] !== "." && text[j] !== "[" && text[j] !== "]") j++;
      const key = text.slice(i, j);
      if (key === "") throw new Error(`empty key at character ${i + 1}`);
      steps.push(key);
      i = j;
    }
  }
  return steps;
}

/** `layers[3].params` back from steps. */
export function formatPath(steps: readonly PathStep[]): string {
  let s = "";
  for (const st of steps) {
    if (typeof st === "number") s += `[${st}]`;
    else if (/^[^.[\]"']+$/.test(st)) s += (s === "" ? "" : ".") + st;
    else s += `["${st}"]`;
  }
  return s;
}

/** Why a path does not exist in an output (reported as a malformed answers file). */
export class PathError extends Error {}

/**
 * The value at `steps` in `doc`.
 * @throws PathError naming the first step that does not exist, with the keys that do.
 */
export function resolvePath(doc: Json, steps: readonly PathStep[]): Json {
  let v: Json = doc;
  for (let k = 0; k < steps.length; k++) {
    const st = steps[k];
    const here = formatPath(steps.slice(0, k)) || "the output";
    if (typeof st === "number") {
      if (!Array.isArray(v)) {
        throw new PathError(`${here} is ${describeKind(v)}, not a list: [${st}] does not exist`);
      }
      const idx = st < 0 ? v.length + st : st;
      if (idx < 0 || idx >= v.length) {
        throw new PathError(`index [${st}] is out of range: ${here} has ${v.length} items`);
      }
      v = v[idx];
    } else {
      if (v === null || typeof v !== "object" || Array.isArray(v)) {
        throw new PathError(`${here} is ${describeKind(v)}, not an object: '${st}' does not exist`);
      }
      if (!Object.prototype.hasOwnProperty.call(v, st)) {
        const keys = Object.keys(v);
        throw new PathError(
          `no key '${st}' in ${here}${didYouMean(st, keys)}; keys: ${keys.join(", ")}`,
        );
      }
      v = v[st];
    }
  }
  return v;
}

function describeKind(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === "object") return "an object";
  return `the ${typeof v} ${JSON.stringify(v)}`;
}

/** The result of comparing one expectation. */
export interface CheckOutcome {
  ok: boolean;
  /** Why it failed (empty when it passed). */
  message: string;
}

/** Whether `got` is within tolerance of `want`; `tol` undefined means the default rule. */
export function numbersMatch(got: number, want: number, tol: Tolerance | undefined): boolean {
  if (tol === undefined) {
    if (Number.isInteger(got) && Number.isInteger(want)) return got === want;
    tol = DEFAULT_TOLERANCE;
  }
  if (got === want) return true;
  return Math.abs(got - want) <= tol.abs + tol.rel * Math.abs(want);
}

/** A JSON value written compactly with a space after commas: `[1, 32, 122, 122]`. */
export function formatJson(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(formatJson).join(", ")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${formatJson(x)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(v);
}
const show = formatJson;

/** Deep equality of JSON values, numbers within tolerance. */
function jsonMatch(got: Json, want: Json, tol: Tolerance | undefined, where: string): string {
  if (typeof want === "number") {
    if (typeof got !== "number") return `${at(where)}expected the number ${want}, got ${show(got)}`;
    return numbersMatch(got, want, tol)
      ? ""
      : `${at(where)}expected ${want}, got ${got} (off by ${fmtNum(got - want)})`;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return `${at(where)}expected a list, got ${show(got)}`;
    if (got.length !== want.length) {
      return `${at(where)}expected ${want.length} items, got ${got.length}: ${clip(show(got))}`;
    }
    for (let i = 0; i < want.length; i++) {
      const m = jsonMatch(got[i], want[i], tol, `${where}[${i}]`);
      if (m) return m;
    }
    return "";
  }
  if (want !== null && typeof want === "object") {
    if (got === null || typeof got !== "object" || Array.isArray(got)) {
      return `${at(where)}expected an object, got ${clip(show(got))}`;
    }
    const gk = Object.keys(got).sort();
    const wk = Object.keys(want).sort();
    if (gk.join("\0") !== wk.join("\0")) {
      return `${at(where)}expected keys ${wk.join(", ")}, got ${gk.join(", ")}`;
    }
    for (const k of wk) {
      const m = jsonMatch(got[k], want[k], tol, `${where}.${k}`);
      if (m) return m;
    }
    return "";
  }
  if (got === want) return "";
  if (typeof want === "string" && typeof got === "number") {
    const asNum = Number(want.replace(/[,_]/g, ""));
    const hint =
      want.trim() !== "" && Number.isFinite(asNum)
        ? " (write numbers without thousands separators or quotes)"
        : "";
    return `${at(where)}expected the string ${show(want)}, got the number ${got}${hint}`;
  }
  return `${at(where)}expected ${show(want)}, got ${clip(show(got))}`;
}

/** The prefix naming where inside a value a mismatch is (`[1]: `), or nothing at the top. */
const at = (where: string): string => (where ? `at ${where}: ` : "");
const fmtNum = (x: number): string => String(Number(x.toPrecision(3)));
const clip = (s: string, n = 80): string => (s.length > n ? s.slice(0, n - 1) + "…" : s);

/**
 * Compares the value found at an expectation's path with what it expects.
 * @param tol the entry's tolerance (undefined: the default rule).
 */
export function compare(got: Json, expected: Expected, tol: Tolerance | undefined): CheckOutcome {
  const m = compareInner(got, expected, tol, "");
  return { ok: m === "", message: m };
}

function compareInner(
  got: Json,
  expected: Expected,
  tol: Tolerance | undefined,
  where: string,
): string {
  if (expected.kind === "value") return jsonMatch(got, expected.value, tol, where);
  if (expected.kind === "list") {
    if (!Array.isArray(got)) return `${at(where)}expected a list, got ${clip(show(got))}`;
    if (got.length !== expected.items.length) {
      return `${at(where)}expected ${expected.items.length} items, got ${got.length}: ${clip(show(got))}`;
    }
    for (let i = 0; i < got.length; i++) {
      const m = compareInner(got[i], expected.items[i], tol, `${where}[${i}]`);
      if (m) return m;
    }
    return "";
  }
  const t = expected.tolerance ?? tol;
  for (const { op, value } of expected.ops) {
    if (op === "contains") {
      if (typeof got !== "string" || !got.includes(value as string)) {
        return `${at(where)}expected text containing ${show(value)}, got ${clip(show(got))}`;
      }
      continue;
    }
    if (op === "==" || op === "!=") {
      const diff = jsonMatch(got, value, t, "");
      if (op === "==" && diff) return at(where) + diff;
      if (op === "!=" && !diff) return `${at(where)}expected anything but ${show(value)}, got it`;
      continue;
    }
    if (typeof got !== "number")
      return `${at(where)}expected a number ${op} ${show(value)}, got ${clip(show(got))}`;
    const v = value as number;
    let ok: boolean;
    switch (op) {
      case "<":
        ok = got < v;
        break;
      case "<=":
        ok = got <= v;
        break;
      case ">":
        ok = got > v;
        break;
      case ">=":
        ok = got >= v;
        break;
      default: // ≈: the tolerance rule even for integers
        ok = numbersMatch(got, v, t ?? DEFAULT_TOLERANCE);
    }
    if (!ok) {
      const extra = op === "≈" ? ` (off by ${fmtNum(got - v)})` : "";
      return `${at(where)}expected ${op} ${v}, got ${got}${extra}`;
    }
  }
  return "";
}

/** An expected value written back as text, for tables and messages. */
export function formatExpected(e: Expected, tol?: Tolerance): string {
  if (e.kind === "value") return show(e.value);
  if (e.kind === "list") return `[${e.items.map((i) => formatExpected(i)).join(", ")}]`;
  const t = e.tolerance ?? tol;
  return e.ops
    .map(({ op, value }) =>
      op === "≈"
        ? `≈ ${show(value)}${t ? ` (abs ${t.abs}, rel ${t.rel})` : ""}`
        : `${op} ${show(value)}`,
    )
    .join(" and ");
}

function parseTolerance(w: Walker, node: unknown): Tolerance {
  if (!isMap(node)) return w.fail("tolerance must be a mapping {abs: X, rel: Y}", node as YNode);
  const t: Tolerance = { abs: 0, rel: 0 };
  for (const p of node.items) {
    const k = String(scalarValue(p.key));
    if (k !== "abs" && k !== "rel") {
      w.fail(
        `unknown tolerance '${k}'${didYouMean(k, ["abs", "rel"])}: use abs and rel`,
        p.key as YNode,
      );
    }
    const v = scalarValue(p.value);
    if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
      w.fail(`tolerance ${k} must be a number ≥ 0`, p.value as YNode);
    }
    t[k] = v;
  }
  return t;
}

function parseExpected(w: Walker, node: unknown): Expected {
  if (isScalar(node)) {
    const v = toJson(w, node);
    return { kind: "value", value: v as null | boolean | number | string };
  }
  if (isSeq(node)) return { kind: "list", items: node.items.map((n) => parseExpected(w, n)) };
  if (isMap(node)) {
    const ops: { op: CmpOp; value: Json }[] = [];
    let tolerance: Tolerance | undefined;
    const tolPairs: unknown[] = [];
    for (const p of node.items) {
      const k = String(scalarValue(p.key));
      if (TOL_KEYS.has(k)) {
        tolPairs.push(p);
        continue;
      }
      const op = OP_ALIASES[k];
      if (!op) {
        w.fail(
          `'${k}' is not a comparison (use <, <=, >, >=, ==, !=, ≈, contains; to reach into an object, write the longer path, e.g. layers[0].params)`,
          p.key as YNode,
        );
      }
      const value = toJson(w, p.value);
      if (op === "contains") {
        if (typeof value !== "string") {
          w.fail(`contains looks for text: ${show(value)} is not a string`, p.value as YNode);
        }
      } else if (op !== "==" && op !== "!=" && typeof value !== "number") {
        w.fail(`${k} compares numbers: ${show(value)} is not a number`, p.value as YNode);
      }
      ops.push({ op, value });
    }
    if (ops.length === 0) w.fail('a comparison needs an operator, e.g. {"<": 1e-6}', node);
    if (tolPairs.length > 0) {
      if (!ops.some((o) => o.op === "≈" || o.op === "==" || o.op === "!=")) {
        w.fail("abs and rel go with ≈, == or != only", node);
      }
      tolerance = { abs: 0, rel: 0 };
      for (const p of tolPairs as { key: unknown; value: unknown }[]) {
        const k = String(scalarValue(p.key)) as "abs" | "rel";
        const v = scalarValue(p.value);
        if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v))
          w.fail(`${k} must be a number ≥ 0`, p.value as YNode);
        tolerance[k] = v;
      }
    }
    return { kind: "cmp", ops, ...(tolerance ? { tolerance } : {}) };
  }
  return w.fail("unsupported expected value", node as YNode);
}

/**
 * What `$exit` and `$stderr` can be compared with, checked before anything runs: an exit code is
 * one of dlq's (0, 1, 2, 3: README, "Exit codes"), compared as a number; a message is text.
 */
function checkPseudoPath(w: Walker, first: PathStep, expected: Expected, node: unknown): void {
  if (first === EXIT_PATH) {
    const ok = (v: Json): boolean => typeof v === "number" && [0, 1, 2, 3].includes(v);
    const good =
      (expected.kind === "value" && ok(expected.value)) ||
      (expected.kind === "cmp" && expected.ops.every((o) => typeof o.value === "number"));
    if (!good) {
      w.fail(
        `${EXIT_PATH} is dlq's exit code: 0, 1, 2 or 3 (e.g. ${EXIT_PATH}: 2 for a refused input), got ${formatExpected(expected)}`,
        node as YNode,
      );
    }
  } else if (first === STDERR_PATH) {
    const good =
      (expected.kind === "value" && typeof expected.value === "string") ||
      (expected.kind === "cmp" && expected.ops.every((o) => typeof o.value === "string"));
    if (!good) {
      w.fail(
        `${STDERR_PATH} is the message dlq wrote: compare it with text (e.g. {contains: "no such file"}), got ${formatExpected(expected)}`,
        node as YNode,
      );
    }
  }
}

/** A run argument: strings as they are, numbers and booleans as written. */
function argString(w: Walker, node: unknown): string {
  const v = scalarValue(node);
  if (typeof v === "string") return v;
  if (isScalar(node) && (typeof v === "number" || typeof v === "boolean")) {
    // keep the source spelling of numbers (0.10 stays 0.10)
    return node.source ?? String(v);
  }
  return w.fail("each argument must be a string or a number", node as YNode);
}

function parseRun(w: Walker, node: unknown, entryLoc: Loc): RunSpec {
  const loc = w.loc(node as YNode, entryLoc);
  const split = (text: string, n: unknown): string[] => {
    try {
      return splitCommandLine(text);
    } catch (e) {
      return w.fail(`cannot split the command line: ${(e as Error).message}`, n as YNode);
    }
  };
  if (isScalar(node) && typeof node.value === "string") {
    const argv = split(node.value, node);
    if (argv[0] === "dlq") argv.shift();
    if (argv.length === 0) w.fail("run is empty: give a dlq command line", node);
    return { argv, pathArgs: argv.map((_, i) => i).slice(1), loc };
  }
  if (!isMap(node)) {
    return w.fail(
      'run must be a command line ("rf model.py") or {command, args, model}',
      node as YNode,
    );
  }
  let command: string | undefined;
  let args: string[] = [];
  let model: string | undefined;
  for (const p of node.items) {
    const k = String(scalarValue(p.key));
    if (!RUN_KEYS.includes(k)) {
      w.fail(
        `unknown key '${k}' in run${didYouMean(k, RUN_KEYS)}; keys: ${RUN_KEYS.join(", ")}`,
        p.key as YNode,
      );
    }
    if (k === "command") {
      const v = scalarValue(p.value);
      if (typeof v !== "string" || v.trim() === "")
        w.fail("command must be a dlq command name", p.value as YNode);
      command = v.trim();
    } else if (k === "args") {
      if (isSeq(p.value)) args = p.value.items.map((n) => argString(w, n));
      else if (isScalar(p.value) && typeof p.value.value === "string")
        args = split(p.value.value, p.value);
      else w.fail("args must be a list of strings or a command-line string", p.value as YNode);
    } else {
      const v = scalarValue(p.value);
      if (typeof v !== "string" || v.trim() === "") {
        w.fail(
          "model must be a path (relative to the answers file) or model source",
          p.value as YNode,
        );
      }
      model = v;
    }
  }
  if (command === undefined) return w.fail("run needs a command (e.g. command: shape)", node);
  const argv = [command];
  const pathArgs: number[] = [];
  let stdin: string | undefined;
  let modelIndex: number | undefined;
  if (model !== undefined) {
    if (model.includes("\n")) {
      stdin = model;
      argv.push("-");
    } else {
      modelIndex = argv.length;
      argv.push(model.trim());
    }
  }
  for (const a of args) {
    pathArgs.push(argv.length);
    argv.push(a);
  }
  return {
    argv,
    pathArgs,
    loc,
    ...(modelIndex !== undefined ? { modelIndex } : {}),
    ...(stdin !== undefined ? { stdin } : {}),
  };
}

/**
 * Parses and validates an answers file (YAML 1.2; JSON is read by the same parser, so both are
 * located): syntax, keys, paths, comparisons, and that each `run` names a dlq command
 * ({@link DLQ_COMMANDS}). Nothing is run: `dlq check` calls this before running any entry.
 * @param file the name shown in messages.
 * @throws InputError at file:line:column for the first malformed part.
 */
export function parseAnswers(text: string, file: string): AnswerEntry[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const w: Walker = new Walker(file, lc);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const p = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    let msg = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    if (/flow map/i.test(msg))
      msg += ' (inside {…}, quote paths that contain brackets: "size[0]": 112)';
    throw new InputError(msg, { file, line: p.line, column: p.col });
  }
  let list: unknown = doc.contents;
  let fileTol: Tolerance | undefined;
  if (isMap(list)) {
    let answers: unknown;
    for (const p of list.items) {
      const k = String(scalarValue(p.key));
      if (k === "answers") answers = p.value;
      else if (k === "tolerance") fileTol = parseTolerance(w, p.value);
      else if (k !== "description") {
        w.fail(
          `unknown key '${k}' at the top level${didYouMean(k, ["answers", "tolerance"])}: expected answers (and optionally tolerance, description)`,
          p.key as YNode,
        );
      }
    }
    if (answers === undefined) w.fail("no answers: the top level needs an 'answers' list", list);
    list = answers;
  }
  if (!isSeq(list)) {
    return w.fail("an answers file is a list of entries {id, run, expect}", list as YNode);
  }
  if (list.items.length === 0) w.fail("the answers list is empty", list);
  const seen = new Map<string, Loc>();
  return list.items.map((node, i) => {
    const entryLoc = w.loc(node as YNode);
    if (!isMap(node)) w.fail(`entry ${i + 1} must be a mapping {id, run, expect}`, node as YNode);
    let id: string | undefined;
    let run: RunSpec | undefined;
    let expect: Expectation[] | undefined;
    let tolerance = fileTol;
    for (const p of node.items) {
      const k = String(scalarValue(p.key));
      const keyNode = p.key as YNode;
      switch (k) {
        case "id": {
          const v = scalarValue(p.value);
          if ((typeof v !== "string" && typeof v !== "number") || String(v).trim() === "") {
            w.fail("id must be a non-empty string", p.value as YNode);
          }
          id = String(v).trim();
          const prev = seen.get(id);
          if (prev) w.fail(`duplicate id '${id}' (first at line ${prev.line})`, p.value as YNode);
          seen.set(id, w.loc(p.value as YNode));
          break;
        }
        case "run":
          run = parseRun(w, p.value, w.loc(keyNode));
          break;
        case "expect": {
          const e = p.value;
          if (!isMap(e) || e.items.length === 0) {
            w.fail(
              "expect must be a non-empty mapping {PATH: VALUE, ...}",
              (e ?? keyNode) as YNode,
            );
          }
          expect = e.items.map((ep) => {
            const path = scalarValue(ep.key);
            const pk = ep.key as YNode;
            if (typeof path !== "string")
              w.fail("a path must be a string like layers[3].params", pk);
            let steps: PathStep[];
            try {
              steps = parsePath(path);
            } catch (err) {
              return w.fail(`bad path '${path}': ${(err as Error).message}`, pk);
            }
            const expected = parseExpected(w, ep.value);
            checkPseudoPath(w, steps[0], expected, ep.value);
            return { path, steps, expected, loc: w.loc(pk) };
          });
          break;
        }
        case "tolerance":
          tolerance = parseTolerance(w, p.value);
          break;
        case "description":
          break;
        default:
          w.fail(
            `unknown key '${k}'${didYouMean(k, ENTRY_KEYS)}; an entry has ${ENTRY_KEYS.join(", ")}`,
            keyNode,
          );
      }
    }
    if (id === undefined) w.fail(`entry ${i + 1} has no id`, node);
    if (run === undefined) w.fail(`entry '${id}' has no run (a dlq command line)`, node);
    if (expect === undefined) w.fail(`entry '${id}' has no expect`, node);
    if (run.argv[0] === "check") w.fail("an answers file cannot run 'check' itself", node);
    const cmd = run.argv[0];
    if (!(DLQ_COMMANDS as readonly string[]).includes(cmd)) {
      throw new InputError(
        `entry '${id}': unknown command '${cmd}'${didYouMean(cmd, DLQ_COMMANDS)}; dlq has ${DLQ_COMMANDS.join(", ")}`,
        run.loc,
      );
    }
    const info = run.argv.find((a) => ["--help", "-h", "--version", "-V"].includes(a));
    if (info !== undefined) {
      throw new InputError(
        `entry '${id}': '${info}' prints help text, not a result to check; remove it`,
        run.loc,
      );
    }
    const checksExit = expect.some((e) => e.steps[0] === EXIT_PATH || e.steps[0] === STDERR_PATH);
    return { id, run, expect, checksExit, loc: entryLoc, ...(tolerance ? { tolerance } : {}) };
  });
}
