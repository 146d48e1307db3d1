/**
 * The comparisons of `dlq check`: the value at a path of a command's JSON output, and whether it
 * matches what an entry expects (or what a student answered). Pure: no I/O, no commands run here.
 * The files themselves are parsed in src/spec/answers.ts; the report is drawn in
 * src/commands/check_report.ts.
 *
 * Number comparison: |got − expected| ≤ abs + rel·|expected| (the rule of `numpy.isclose` and
 * `torch.testing.assert_close`); when the entry (or file) gives no tolerance, two integers must be
 * equal exactly and otherwise abs = rel = 1e-9.
 */
import {
  formatPath,
  type Expected,
  type Json,
  type PathStep,
  type Tolerance,
} from "../spec/answers.js";
import { quoteToken } from "../util/quote.js";
import { didYouMean } from "../util/suggest.js";

/** The default float tolerance (used when neither the entry nor the file gives one). */
export const DEFAULT_TOLERANCE: Tolerance = { abs: 1e-9, rel: 1e-9 };

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
        throw new PathError(
          `${here} is ${describeKind(v)}, not an object: ${quoteToken(st)} does not exist`,
        );
      }
      if (!Object.prototype.hasOwnProperty.call(v, st)) {
        const keys = Object.keys(v);
        throw new PathError(
          `no key ${quoteToken(st)} in ${here}${didYouMean(st, keys)}; keys: ${keys.join(", ")}`,
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
  return `the ${typeof v} ${clip(JSON.stringify(v))}`;
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
/** A value in a message: compact JSON, at most 80 characters. */
const show = (v: Json): string => clip(formatJson(v));

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
