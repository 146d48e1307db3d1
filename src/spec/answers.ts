/**
 * The files of `dlq check`, parsed: an answers file (or an instructor's key: the same format) and a
 * student's answers for `--answers`. YAML 1.2 or JSON (read by the same parser, so both are
 * located at file:line:column); shell-like splitting of `run` strings; paths into a command's JSON
 * output (`layers[3].params`). Pure: no I/O, nothing runs here.
 *
 * Answers file / key (README, "dlq check"):
 *
 * ```yaml
 * tolerance: {abs: 1e-9, rel: 1e-9}     # optional file-wide default (then the list is `answers:`)
 * answers:
 *   - id: cnn-rf
 *     run: rf course_cnn.py             # any dlq command line; --json is added
 *     answer: size                      # for --answers: the student's value is compared with it
 *     expect:                           # self-check: PATH: VALUE
 *       size: [112, 112]
 *       stride[0]: 8                    # in a {flow: mapping}, quote paths with brackets
 *   - id: kl
 *     run: {command: kl, args: [--mu, "0.5,-1", --logvar, "0,0.2"]}
 *     expect: {closed_form: {"≈": 0.6357}, mc.within_3se: true}
 *     tolerance: {abs: 1e-4}
 * ```
 *
 * A student's answers (`dlq check KEY --answers FILE`): a mapping `{id: value}` and nothing else;
 * a value is a number, text, true/false, null or a list of those. Tolerances, comparisons,
 * commands and paths belong to the key.
 *
 * Bounds (an answers file may come from anyone): at most {@link MAX_ENTRIES} entries, values
 * nested at most {@link MAX_DEPTH} deep, no aliases (`*name`: no expansion at all, so no
 * billion-laughs), duplicate keys refused.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from "yaml";
import type { Document, Node as YNode } from "yaml";
import { InputError, type Loc } from "../errors.js";
import { quoteToken } from "../util/quote.js";
import { didYouMean } from "../util/suggest.js";

/** A JSON value, as commands print them. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Absolute and relative tolerance of number comparisons. */
export interface Tolerance {
  abs: number;
  rel: number;
}

/** One step of a path: an object key or an array index (negative counts from the end). */
export type PathStep = string | number;

/** The pseudo-path that addresses the command's exit code instead of its output. */
export const EXIT_PATH = "$exit";

/** The pseudo-path that addresses what the command wrote on stderr (trimmed, `dlq: ` dropped). */
export const STDERR_PATH = "$stderr";

/** The most entries an answers file, a key or a student's answers may hold. */
export const MAX_ENTRIES = 10_000;

/** The deepest nesting of values (lists, comparisons) in these files. */
export const MAX_DEPTH = 64;

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

/**
 * Options that write a file (or stdout in place of the report): refused inside entries, whatever
 * their value. Kept in step with src/cli.ts by a test that reads every command's --help (any
 * option whose description says it writes); the command layer refuses writes in entries as well.
 */
export const OUTPUT_OPTIONS = ["--svg", "--png", "--junit"] as const;

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
  /**
   * The command line without `dlq` and `--json` (the command name first). Relative paths in it
   * are read under the check's root (`--root`, by default the answers file's folder).
   */
  argv: string[];
  /** Inline model source, fed to the command as standard input (argv holds `-` for it). */
  stdin?: string;
  loc: Loc;
}

/**
 * The `answer:` of a key's entry: where in the output the right value of the question is, and the
 * tolerance a student's answer gets (else the entry's, else the file's, else the default rule).
 */
export interface AnswerPath {
  path: string;
  steps: PathStep[];
  tolerance?: Tolerance;
  loc: Loc;
}

/** One entry of an answers file. */
export interface AnswerEntry {
  id: string;
  run: RunSpec;
  /** The self-check's expectations (may be empty when the entry has an `answer`). */
  expect: Expectation[];
  /** For `--answers`: the path whose value the student's answer is compared with. */
  answer?: AnswerPath;
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

/** One answer of a student's file. */
export interface StudentAnswer {
  id: string;
  value: Json;
  /** Where the value is written. */
  loc: Loc;
}

const ENTRY_KEYS = ["id", "run", "expect", "answer", "tolerance", "description"];
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

/** A mapping key as text, for messages and lookups (collections as keys are refused). */
function keyText(w: Walker, node: unknown): string {
  const v = scalarValue(node);
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null) return "null";
  return w.fail("a key must be a plain value, not a list or a mapping", node as YNode);
}

/** Sets `o[k] = v` as an own property, even for `__proto__`. */
function setOwn(o: { [k: string]: Json }, k: string, v: Json): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** The node as plain JSON (collections recursively, at most {@link MAX_DEPTH} deep). */
function toJson(w: Walker, node: unknown, depth = 0): Json {
  if (depth > MAX_DEPTH) w.fail(`nested more than ${MAX_DEPTH} levels deep`, node as YNode);
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || typeof v === "boolean" || typeof v === "string") return v;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) w.fail(`${v} is not a finite number`, node);
      return v;
    }
    return w.fail(`unsupported value ${quoteToken(String(v))}`, node);
  }
  if (isSeq(node)) return node.items.map((n) => toJson(w, n, depth + 1));
  if (isMap(node)) {
    const o: { [k: string]: Json } = {};
    for (const p of node.items) setOwn(o, keyText(w, p.key), toJson(w, p.value, depth + 1));
    return o;
  }
  return w.fail("aliases and tags are not supported in answers files", node as YNode);
}

/** A compact JSON rendering of a value for a parse-time message (short, escaped). */
function describe(w: Walker, node: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(toJson(w, node)) ?? "nothing";
  } catch {
    s = "an unsupported value";
  }
  return s.length > 40 ? quoteToken(s, 40) : quoteToken(s).slice(1, -1);
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
      `unknown pseudo-path ${quoteToken(text)}: use ${EXIT_PATH} (exit code) or ${STDERR_PATH}`,
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
      else throw new Error(`${quoteToken(`[${inner}]`)} is neither an index nor a quoted key`);
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

function parseTolerance(w: Walker, node: unknown): Tolerance {
  if (!isMap(node)) return w.fail("tolerance must be a mapping {abs: X, rel: Y}", node as YNode);
  const t: Tolerance = { abs: 0, rel: 0 };
  for (const p of node.items) {
    const k = keyText(w, p.key);
    if (k !== "abs" && k !== "rel") {
      w.fail(
        `unknown tolerance ${quoteToken(k)}${didYouMean(k, ["abs", "rel"])}: use abs and rel`,
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

function parseExpected(w: Walker, node: unknown, depth = 0): Expected {
  if (depth > MAX_DEPTH) w.fail(`nested more than ${MAX_DEPTH} levels deep`, node as YNode);
  if (isScalar(node)) {
    const v = toJson(w, node);
    return { kind: "value", value: v as null | boolean | number | string };
  }
  if (isSeq(node))
    return { kind: "list", items: node.items.map((n) => parseExpected(w, n, depth + 1)) };
  if (isMap(node)) {
    const ops: { op: CmpOp; value: Json }[] = [];
    let tolerance: Tolerance | undefined;
    const tolPairs: unknown[] = [];
    for (const p of node.items) {
      const k = keyText(w, p.key);
      if (TOL_KEYS.has(k)) {
        tolPairs.push(p);
        continue;
      }
      const op = OP_ALIASES[k];
      if (!op) {
        w.fail(
          `${quoteToken(k)} is not a comparison (use <, <=, >, >=, ==, !=, ≈, contains; to reach into an object, write the longer path, e.g. layers[0].params)`,
          p.key as YNode,
        );
      }
      const value = toJson(w, p.value, depth + 1);
      if (op === "contains") {
        if (typeof value !== "string") {
          w.fail(
            `contains looks for text: ${describe(w, p.value)} is not a string`,
            p.value as YNode,
          );
        }
      } else if (op !== "==" && op !== "!=" && typeof value !== "number") {
        w.fail(`${k} compares numbers: ${describe(w, p.value)} is not a number`, p.value as YNode);
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
        const k = keyText(w, p.key) as "abs" | "rel";
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
        `${EXIT_PATH} is dlq's exit code: 0, 1, 2 or 3 (e.g. ${EXIT_PATH}: 2 for a refused input), got ${describe(w, node)}`,
        node as YNode,
      );
    }
  } else if (first === STDERR_PATH) {
    const good =
      (expected.kind === "value" && typeof expected.value === "string") ||
      (expected.kind === "cmp" && expected.ops.every((o) => typeof o.value === "string"));
    if (!good) {
      w.fail(
        `${STDERR_PATH} is the message dlq wrote: compare it with text (e.g. {contains: "no such file"}), got ${describe(w, node)}`,
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
    return { argv, loc };
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
    const k = keyText(w, p.key);
    if (!RUN_KEYS.includes(k)) {
      w.fail(
        `unknown key ${quoteToken(k)} in run${didYouMean(k, RUN_KEYS)}; keys: ${RUN_KEYS.join(", ")}`,
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
  let stdin: string | undefined;
  if (model !== undefined) {
    if (model.includes("\n")) {
      stdin = model;
      argv.push("-");
    } else {
      argv.push(model.trim());
    }
  }
  argv.push(...args);
  return { argv, loc, ...(stdin !== undefined ? { stdin } : {}) };
}

/** `answer: PATH` or `answer: {path: PATH, tolerance: {abs, rel}}`. */
function parseAnswerPath(w: Walker, node: unknown, keyNode: YNode): AnswerPath {
  let pathNode: unknown = node;
  let tolerance: Tolerance | undefined;
  if (isMap(node)) {
    pathNode = undefined;
    for (const p of node.items) {
      const k = keyText(w, p.key);
      if (k === "path") pathNode = p.value;
      else if (k === "tolerance") tolerance = parseTolerance(w, p.value);
      else {
        w.fail(
          `unknown key ${quoteToken(k)} in answer${didYouMean(k, ["path", "tolerance"])}: answer is PATH or {path, tolerance}`,
          p.key as YNode,
        );
      }
    }
    if (pathNode === undefined) w.fail("answer needs a path (e.g. answer: {path: q})", node);
  }
  const at = (pathNode ?? keyNode) as YNode;
  const path = scalarValue(pathNode);
  if (typeof path !== "string" || path.trim() === "")
    return w.fail("answer must be a path into the command's output, like layers[3].params", at);
  let steps: PathStep[];
  try {
    steps = parsePath(path.trim());
  } catch (err) {
    return w.fail(`bad answer path ${quoteToken(path)}: ${(err as Error).message}`, at);
  }
  if (steps[0] === EXIT_PATH || steps[0] === STDERR_PATH) {
    w.fail(
      `answer is a path into the command's JSON output; ${EXIT_PATH} and ${STDERR_PATH} are not answers`,
      at,
    );
  }
  return { path: path.trim(), steps, loc: w.loc(at), ...(tolerance ? { tolerance } : {}) };
}

/**
 * Parses a YAML/JSON text into a document, refusing what these files never need: syntax errors
 * and duplicate keys (located), aliases (no expansion at all), nesting deeper than the parser's
 * stack (as one line, not a crash).
 */
function parseYaml(text: string, file: string): { doc: Document.Parsed; w: Walker } {
  const lc = new LineCounter();
  let doc: Document.Parsed;
  const tooDeep = `nested too deeply (at most ${MAX_DEPTH} levels of lists and mappings)`;
  try {
    doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(tooDeep, file);
    throw e;
  }
  const w = new Walker(file, lc);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const p = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    let msg = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    if (/maximum call stack/i.test(msg)) msg = tooDeep;
    else if (/flow map/i.test(msg))
      msg += ' (inside {…}, quote paths that contain brackets: "size[0]": 112)';
    throw new InputError(msg, { file, line: p.line, column: p.col });
  }
  let alias: YNode | undefined;
  try {
    visit(doc, {
      Alias(_, node) {
        alias = node;
        return visit.BREAK;
      },
    });
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(tooDeep, file);
    throw e;
  }
  if (alias) w.fail("aliases (*name) are not supported: write the value out", alias);
  return { doc, w };
}

/**
 * Parses and validates an answers file or a key (the same format): syntax, keys, paths,
 * comparisons, and that each `run` names a dlq command ({@link DLQ_COMMANDS}) without an option
 * that writes files ({@link OUTPUT_OPTIONS}). Nothing is run: `dlq check` calls this before
 * running any entry.
 * @param file the name shown in messages.
 * @throws InputError at file:line:column for the first malformed part.
 */
export function parseAnswers(text: string, file: string): AnswerEntry[] {
  const parsed = parseYaml(text, file);
  const doc = parsed.doc;
  // Annotated, so that TypeScript narrows after w.fail(…) (it returns never).
  const w: Walker = parsed.w;
  let list: unknown = doc.contents;
  let fileTol: Tolerance | undefined;
  if (isMap(list)) {
    let answers: unknown;
    for (const p of list.items) {
      const k = keyText(w, p.key);
      if (k === "answers") answers = p.value;
      else if (k === "tolerance") fileTol = parseTolerance(w, p.value);
      else if (k !== "description") {
        w.fail(
          `unknown key ${quoteToken(k)} at the top level${didYouMean(k, ["answers", "tolerance"])}: expected answers (and optionally tolerance, description)`,
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
  if (list.items.length > MAX_ENTRIES) {
    w.fail(`${list.items.length} entries: an answers file holds at most ${MAX_ENTRIES}`, list);
  }
  const seen = new Map<string, Loc>();
  return list.items.map((node, i) => {
    const entryLoc = w.loc(node as YNode);
    if (!isMap(node)) w.fail(`entry ${i + 1} must be a mapping {id, run, expect}`, node as YNode);
    let id: string | undefined;
    let run: RunSpec | undefined;
    let expect: Expectation[] | undefined;
    let answer: AnswerPath | undefined;
    let tolerance = fileTol;
    for (const p of node.items) {
      const k = keyText(w, p.key);
      const keyNode = p.key as YNode;
      switch (k) {
        case "id": {
          const v = scalarValue(p.value);
          if ((typeof v !== "string" && typeof v !== "number") || String(v).trim() === "") {
            w.fail("id must be a non-empty string", p.value as YNode);
          }
          id = String(v).trim();
          const prev = seen.get(id);
          if (prev)
            w.fail(`duplicate id ${quoteToken(id)} (first at line ${prev.line})`, p.value as YNode);
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
              return w.fail(`bad path ${quoteToken(path)}: ${(err as Error).message}`, pk);
            }
            const expected = parseExpected(w, ep.value);
            checkPseudoPath(w, steps[0], expected, ep.value);
            return { path, steps, expected, loc: w.loc(pk) };
          });
          break;
        }
        case "answer":
          answer = parseAnswerPath(w, p.value, keyNode);
          break;
        case "tolerance":
          tolerance = parseTolerance(w, p.value);
          break;
        case "description":
          break;
        default:
          w.fail(
            `unknown key ${quoteToken(k)}${didYouMean(k, ENTRY_KEYS)}; an entry has ${ENTRY_KEYS.join(", ")}`,
            keyNode,
          );
      }
    }
    const name = id === undefined ? "" : quoteToken(id);
    if (id === undefined) w.fail(`entry ${i + 1} has no id`, node);
    if (run === undefined) w.fail(`entry ${name} has no run (a dlq command line)`, node);
    if (expect === undefined && answer === undefined)
      w.fail(`entry ${name} has no expect (or answer, for --answers)`, node);
    if (run.argv[0] === "check") w.fail("an answers file cannot run 'check' itself", node);
    const cmd = run.argv[0];
    if (!(DLQ_COMMANDS as readonly string[]).includes(cmd)) {
      throw new InputError(
        `entry ${name}: unknown command ${quoteToken(cmd)}${didYouMean(cmd, DLQ_COMMANDS)}; dlq has ${DLQ_COMMANDS.join(", ")}`,
        run.loc,
      );
    }
    const info = run.argv.find((a) => ["--help", "-h", "--version", "-V"].includes(a));
    if (info !== undefined) {
      throw new InputError(
        `entry ${name}: '${info}' prints help text, not a result to check; remove it`,
        run.loc,
      );
    }
    const writes = run.argv.find((a) =>
      (OUTPUT_OPTIONS as readonly string[]).some((o) => a === o || a.startsWith(o + "=")),
    );
    if (writes !== undefined) {
      throw new InputError(
        `entry ${name}: ${quoteToken(writes.split("=")[0])} writes a file; entries of an answers file never write files (run it yourself, outside dlq check)`,
        run.loc,
      );
    }
    expect ??= [];
    const checksExit = expect.some((e) => e.steps[0] === EXIT_PATH || e.steps[0] === STDERR_PATH);
    return {
      id,
      run,
      expect,
      checksExit,
      loc: entryLoc,
      ...(answer ? { answer } : {}),
      ...(tolerance ? { tolerance } : {}),
    };
  });
}

/** The longest id looked up for "did you mean" (edit distance is quadratic in the length). */
const SUGGEST_MAX = 64;

/**
 * Parses a student's answers for `dlq check KEY --answers FILE`: a mapping `{id: value}` whose
 * ids are the key's, each value a number, text, true/false, null or a (nested) list of those.
 * Anything else — another key (`tolerance`, `$exit`, an id the key does not have), a mapping as a
 * value (`{"≈": 99, abs: 1e300}`, `{">": -1e308}`), a list of entries with `run:` or `model:`, an
 * alias — is refused: the key owns commands, paths, comparisons and tolerances.
 * An empty file answers nothing.
 * @param ids the key's ids (those that have an `answer`).
 * @throws InputError at file:line:column for the first problem.
 */
export function parseStudentAnswers(
  text: string,
  file: string,
  ids: readonly string[],
): Map<string, StudentAnswer> {
  const parsed = parseYaml(text, file);
  const doc = parsed.doc;
  const w: Walker = parsed.w;
  const root = doc.contents;
  const out = new Map<string, StudentAnswer>();
  if (root === null || (isScalar(root) && root.value === null)) return out;
  if (!isMap(root)) {
    return w.fail(
      "a student's answers file is a mapping {id: value} (one answer per question of the key), nothing else",
      root as YNode,
    );
  }
  if (root.items.length > MAX_ENTRIES) {
    w.fail(`${root.items.length} answers: at most ${MAX_ENTRIES}`, root);
  }
  const known = new Set(ids);
  for (const p of root.items) {
    const id = keyText(w, p.key).trim();
    if (!known.has(id)) {
      const hint = id.length <= SUGGEST_MAX ? didYouMean(id, ids) : "";
      w.fail(
        `${quoteToken(id)} is not a question of the key${hint}: this file holds only {id: value} answers (tolerances, comparisons and commands belong to the key)`,
        p.key as YNode,
      );
    }
    if (out.has(id)) w.fail(`${quoteToken(id)} is answered twice`, p.key as YNode);
    const v = p.value as unknown;
    const at = (v ?? p.key) as YNode;
    if (isMap(v)) {
      w.fail(
        `${quoteToken(id)}: an answer is a value (a number, text, true/false or a list), not a mapping; comparisons and tolerances belong to the key`,
        at,
      );
    }
    const value = v === null ? null : toJson(w, v);
    if (containsObject(value)) {
      w.fail(`${quoteToken(id)}: a list in an answer holds values, not mappings`, at);
    }
    out.set(id, { id, value, loc: w.loc(at, w.loc(p.key as YNode)) });
  }
  return out;
}

function containsObject(v: Json): boolean {
  if (Array.isArray(v)) return v.some(containsObject);
  return v !== null && typeof v === "object";
}
