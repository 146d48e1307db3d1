/**
 * `dlq check FILE [--json] [--junit OUT.xml] [--only ID]`: runs every entry of an answers file
 * in-process (through the same `main` as the command line, with captured output) and compares the
 * JSON each command prints with the expected values. See {@link CHECK_HELP} for the rules of exit
 * codes and of expected refusals (`$exit`, `$stderr`).
 *
 * JUnit XML is written by a small serializer here (no XML library is installed): every attribute
 * and text value goes through {@link xmlEscape}, which also drops characters XML 1.0 forbids.
 */
import { existsSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import {
  compare,
  EXIT_PATH,
  STDERR_PATH,
  formatExpected,
  formatJson,
  parseAnswers,
  PathError,
  resolvePath,
  type AnswerEntry,
  type Expected,
  type Json,
} from "../analysis/checkfile.js";
import { formatLoc, InputError } from "../errors.js";
import { didYouMean } from "../util/suggest.js";
import { jsonDoc, PLAIN, type Context } from "./context.js";
export { CHECK_HELP } from "./check_help.js";
import { readSource } from "./input.js";
import { renderTable } from "./table.js";

export interface CheckOptions {
  json?: boolean;
  junit?: string;
  only?: string[];
}

/** The outcome of one expectation. */
export interface CheckResult {
  path: string;
  expected: Expected;
  got?: Json;
  ok: boolean;
  message: string;
}

/** The outcome of one entry. */
export interface EntryResult {
  id: string;
  /** pass, fail (a wrong answer), malformed (the entry is wrong), error (dlq is wrong). */
  status: "pass" | "fail" | "malformed" | "error";
  argv: string[];
  exitCode: number | null;
  seconds: number;
  /** Where the entry (or the offending path) is, file:line:column. */
  where: string;
  /** For malformed and error entries: what went wrong. */
  message?: string;
  checks: CheckResult[];
}

/** The whole run. */
export interface CheckReport {
  file: string;
  entries: EntryResult[];
  passed: number;
  failed: number;
  malformed: number;
  errors: number;
  seconds: number;
}

/** A token as a shell would need it written (for showing command lines). */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Escapes text for XML 1.0 content or (with `attr`) a double- or single-quoted attribute value:
 * & < > " ' become entities; in attributes, tab, newline and carriage return become character
 * references (so that they survive attribute-value normalisation); characters XML 1.0 does not
 * allow (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) become U+FFFD.
 */
export function xmlEscape(text: string, attr = false): string {
  // With the u flag, lone surrogates are single code points outside the allowed ranges.
  const clean = text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD");
  let out = clean
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
  if (attr) out = out.replace(/\t/g, "&#9;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;");
  return out;
}

const secs = (s: number): string => s.toFixed(3);

/** The JUnit XML of a report: one testsuite per answers file, one testcase per entry. */
export function junitXml(r: CheckReport): string {
  const a = (s: string | number): string => xmlEscape(String(s), true);
  const t = (s: string): string => xmlEscape(s);
  const failures = r.failed;
  const errors = r.malformed + r.errors;
  const classname = "dlq.check." + basename(r.file).replace(/\.[^.]*$/, "");
  let x = '<?xml version="1.0" encoding="UTF-8"?>\n';
  x += `<testsuites name="dlq check" tests="${r.entries.length}" failures="${failures}" errors="${errors}" time="${secs(r.seconds)}">\n`;
  x += `  <testsuite name="${a(r.file)}" tests="${r.entries.length}" failures="${failures}" errors="${errors}" skipped="0" time="${secs(r.seconds)}">\n`;
  for (const e of r.entries) {
    const line = /:(\d+):\d+$/.exec(e.where)?.[1];
    x += `    <testcase name="${a(e.id)}" classname="${a(classname)}" file="${a(r.file)}"${line ? ` line="${line}"` : ""} time="${secs(e.seconds)}">\n`;
    const cmd = "dlq " + e.argv.map(shellQuote).join(" ");
    if (e.status === "fail") {
      const bad = e.checks.filter((c) => !c.ok);
      const first = bad[0];
      x += `      <failure type="WrongAnswer" message="${a(`${first.path}: ${first.message}`)}">`;
      x += t(bad.map((c) => `${c.path}: ${c.message}`).join("\n") + `\n(${cmd})`);
      x += "</failure>\n";
    } else if (e.status === "malformed" || e.status === "error") {
      const type = e.status === "malformed" ? "MalformedEntry" : "InternalError";
      x += `      <error type="${type}" message="${a(e.message ?? "")}">`;
      x += t(`${e.where}: ${e.message ?? ""}\n(${cmd})`);
      x += "</error>\n";
    }
    x += `      <system-out>${t(cmd)}</system-out>\n`;
    x += "    </testcase>\n";
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

/** An expected value as JSON (comparisons as `{"<": 1e-6}`), for --json. */
function expectedJson(e: Expected): Json {
  if (e.kind === "value") return e.value;
  if (e.kind === "list") return e.items.map(expectedJson);
  const o: { [k: string]: Json } = {};
  for (const { op, value } of e.ops) o[op] = value;
  if (e.tolerance) {
    o.abs = e.tolerance.abs;
    o.rel = e.tolerance.rel;
  }
  return o;
}

/** The stable JSON document of `dlq check --json`. */
export function checkJson(r: CheckReport): Record<string, unknown> {
  return {
    file: r.file,
    ok: r.failed + r.malformed + r.errors === 0,
    passed: r.passed,
    failed: r.failed,
    malformed: r.malformed,
    errors: r.errors,
    entries: r.entries.map((e) => ({
      id: e.id,
      status: e.status,
      command: ["dlq", ...e.argv],
      exit_code: e.exitCode,
      where: e.where,
      ...(e.message !== undefined ? { message: e.message } : {}),
      checks: e.checks.map((c) => ({
        path: c.path,
        expected: expectedJson(c.expected),
        got: c.got === undefined ? null : c.got,
        ok: c.ok,
        ...(c.message ? { message: c.message } : {}),
      })),
    })),
  };
}

/** A token that names a model, graph or data file even when it does not exist (yet). */
const FILE_LIKE = /^[^=\s()]*\.(py|txt|json|yaml|yml|npy)$/;

/** Resolves file arguments against the answers file's directory (see {@link runEntry}). */
function resolveArgs(entry: AnswerEntry, base: string): string[] {
  const argv = entry.run.argv.slice();
  const rel = (p: string): string => {
    const r = relative(process.cwd(), p);
    return r === "" || r.startsWith("..") || isAbsolute(r) ? p : r;
  };
  if (entry.run.modelIndex !== undefined) {
    const m = argv[entry.run.modelIndex];
    if (m !== "-" && !isAbsolute(m)) argv[entry.run.modelIndex] = rel(resolve(base, m));
  }
  for (const i of entry.run.pathArgs) {
    const tok = argv[i];
    if (tok === "-" || tok.startsWith("-") || isAbsolute(tok)) continue;
    const cand = resolve(base, tok);
    try {
      if ((existsSync(cand) && statSync(cand).isFile()) || FILE_LIKE.test(tok)) argv[i] = rel(cand);
    } catch {
      // unreadable: leave the token as written
    }
  }
  return argv;
}

/**
 * Runs one entry through `main` in-process and compares its output.
 * Arguments (other than options) that name an existing file next to the answers file are read
 * from there, whatever the working directory; `model:` is always relative to the answers file.
 */
async function runEntry(
  entry: AnswerEntry,
  base: string,
  main: (argv: string[], io: Partial<Context>) => Promise<number>,
): Promise<EntryResult> {
  const argv = resolveArgs(entry, base);
  const full = argv.includes("--json") ? argv : [...argv, "--json"];
  let stdout = "";
  let stderr = "";
  const stdin = entry.run.stdin;
  const t0 = performance.now();
  const code = await main(full, {
    color: false,
    style: PLAIN,
    out: (s) => void (stdout += s),
    err: (s) => void (stderr += s),
    readStdin: async () => {
      if (stdin === undefined) {
        throw new InputError(
          "an answers-file entry has no standard input: give inline model source as run: {command, model: |...}",
          "-",
        );
      }
      return stdin;
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const base0 = {
    id: entry.id,
    argv: full,
    exitCode: code,
    seconds,
    where: formatLoc(entry.run.loc),
    checks: [] as CheckResult[],
  };
  const firstLine = (s: string): string =>
    (s.split("\n").find((l) => l.trim() !== "") ?? "").replace(/^dlq: /, "").trim();
  const cmdLine = `dlq ${argv.map(shellQuote).join(" ")}`;
  if (code === 2 && !entry.checksExit) {
    return {
      ...base0,
      status: "malformed",
      message: `${cmdLine}: ${firstLine(stderr) || "bad input or usage (exit 2)"} (to expect this refusal, add $exit: 2 to expect)`,
    };
  }
  if (code !== 0 && code !== 1 && code !== 2) {
    return {
      ...base0,
      status: "error",
      message: firstLine(stderr) || `exit code ${code}`,
    };
  }
  let doc: Json | undefined;
  try {
    doc = JSON.parse(stdout) as Json;
  } catch {
    doc = undefined;
  }
  if (doc === undefined && (code !== 2 || stdout.trim() !== "")) {
    return { ...base0, status: "error", message: "the command did not print a JSON document" };
  }
  const stderrText = stderr
    .split("\n")
    .map((l) => l.replace(/^dlq: /, ""))
    .join("\n")
    .trim();
  const checks: CheckResult[] = [];
  for (const ex of entry.expect) {
    let got: Json;
    if (ex.steps[0] === EXIT_PATH) got = code;
    else if (ex.steps[0] === STDERR_PATH) got = stderrText;
    else if (doc === undefined) {
      // A refusal (exit 2) prints no JSON: the path cannot hold its value.
      checks.push({
        path: ex.path,
        expected: ex.expected,
        ok: false,
        message: `no JSON output: the command exited ${code} (${firstLine(stderr) || "no message"})`,
      });
      continue;
    } else {
      try {
        got = resolvePath(doc, ex.steps);
      } catch (e) {
        if (!(e instanceof PathError)) throw e;
        return {
          ...base0,
          status: "malformed",
          where: formatLoc(ex.loc),
          message: `unknown path '${ex.path}' in the output of 'dlq ${argv[0]}': ${e.message}`,
          checks,
        };
      }
    }
    const o = compare(got, ex.expected, entry.tolerance);
    checks.push({ path: ex.path, expected: ex.expected, got, ok: o.ok, message: o.message });
  }
  return { ...base0, status: checks.every((c) => c.ok) ? "pass" : "fail", checks };
}

/** Runs the entries of a parsed answers file (all of them, in order). */
export async function runAnswers(
  file: string,
  entries: AnswerEntry[],
  base: string,
): Promise<CheckReport> {
  const { main } = await import("../cli.js");
  const t0 = performance.now();
  const results: EntryResult[] = [];
  for (const e of entries) results.push(await runEntry(e, base, main));
  const count = (s: EntryResult["status"]): number => results.filter((r) => r.status === s).length;
  return {
    file,
    entries: results,
    passed: count("pass"),
    failed: count("fail"),
    malformed: count("malformed"),
    errors: count("error"),
    seconds: (performance.now() - t0) / 1000,
  };
}

const clip = (s: string, n = 48): string => (s.length > n ? s.slice(0, n - 1) + "…" : s);

export async function run(ctx: Context, file: string, opts: CheckOptions): Promise<number> {
  const { text, file: name } = await readSource(file, ctx).catch((e: unknown) => {
    if (e instanceof InputError)
      throw new InputError(e.message.replace("model", "answers file"), file);
    throw e;
  });
  let entries = parseAnswers(text, name);
  if (opts.only && opts.only.length > 0) {
    const ids = entries.map((e) => e.id);
    for (const id of opts.only) {
      if (!ids.includes(id)) {
        throw new InputError(`no entry with id '${id}'${didYouMean(id, ids)}`, "--only");
      }
    }
    entries = entries.filter((e) => opts.only!.includes(e.id));
  }
  const base = file === "-" ? process.cwd() : dirname(resolve(file));
  const report = await runAnswers(name, entries, base);

  if (opts.junit) {
    try {
      await writeFile(opts.junit, junitXml(report), "utf8");
    } catch (e) {
      throw new InputError(`cannot write JUnit XML: ${(e as Error).message}`, opts.junit);
    }
  }
  for (const e of report.entries) {
    // An internal error is a dlq bug: say so on stderr too (the report still goes to stdout).
    if (e.status === "error") {
      ctx.err(`dlq: ${e.where}: entry '${e.id}': internal error: ${e.message} (a bug in dlq)\n`);
    }
  }
  if (opts.json) {
    ctx.out(jsonDoc(checkJson(report)));
  } else {
    const s = ctx.style;
    const rows: string[][] = [];
    for (const e of report.entries) {
      if (e.status === "malformed" || e.status === "error") {
        rows.push([e.id, "-", "-", "-", s.red(e.status)]);
        continue;
      }
      for (const c of e.checks) {
        rows.push([
          e.id,
          c.path,
          clip(formatExpected(c.expected)),
          clip(c.got === undefined ? "-" : formatJson(c.got)),
          c.ok ? s.green("pass") : s.red(s.bold("FAIL")),
        ]);
      }
    }
    let out = renderTable(["id", "path", "expected", "got", "result"].map(s.bold), rows);
    for (const e of report.entries) {
      for (const c of e.checks)
        if (!c.ok) out += `${s.red("✗")} ${e.id}: ${c.path}: ${c.message}\n`;
      if (e.status === "malformed" || e.status === "error") {
        out += `${s.red("✗")} ${e.id}: ${e.status} (${e.where}): ${e.message ?? ""}\n`;
      }
    }
    out += `${report.passed} passed, ${report.failed} failed\n`;
    if (report.malformed > 0) out += `${report.malformed} malformed (see above)\n`;
    if (report.errors > 0) out += `${report.errors} internal errors\n`;
    ctx.out(out);
  }
  if (report.errors > 0) return 3;
  return report.failed + report.malformed > 0 ? 1 : 0;
}
