/**
 * The report of `dlq check`: the text table, `--json` and JUnit XML, from the results that
 * src/commands/check.ts collects. Everything an answers file (or a student) wrote — ids, values,
 * messages — is escaped on the way out: control characters can neither erase nor forge a row
 * (src/util/quote.ts), JSON escapes them too, and JUnit goes through {@link xmlEscape}.
 *
 * JUnit XML is written by a small serializer here (no XML library is installed): every attribute
 * and text value goes through {@link xmlEscape}, which also drops characters XML 1.0 forbids.
 */
import { basename } from "node:path";
import { formatJson } from "../analysis/checkfile.js";
import type { Expected, Json } from "../spec/answers.js";
import { escapeControls, jsonTextSafe } from "../util/quote.js";
import { jsonDoc, type Style } from "./context.js";
import { PLAIN_OUTPUT, type Output } from "./output.js";
import { renderTable } from "./table.js";

/** The outcome of one expectation (or, with --answers, of one answer). */
export interface CheckResult {
  path: string;
  /** What was expected: the key's value (self-check) or the right answer (--answers). */
  expected?: Expected;
  /** What the command printed (self-check) or what the student answered (--answers). */
  got?: Json;
  ok: boolean;
  message: string;
}

/** Why an entry that did not run to its end stopped. */
export type StopReason = "internal" | "timeout" | "memory" | "output" | "crash";

/** The outcome of one entry. */
export interface EntryResult {
  id: string;
  /** pass, fail (a wrong answer), malformed (the entry is wrong), error (dlq or a budget). */
  status: "pass" | "fail" | "malformed" | "error";
  /** For errors: internal (a dlq bug), timeout, memory, output (too much), crash. */
  reason?: StopReason;
  argv: string[];
  exitCode: number | null;
  seconds: number;
  /** Where the entry (or the offending path) is, file:line:column. */
  where: string;
  /** For malformed and error entries: what went wrong. */
  message?: string;
  /** With --answers: whether the student answered this question. */
  answered?: boolean;
  checks: CheckResult[];
}

/** The whole run. */
export interface CheckReport {
  /** The answers file (self-check) or the key (--answers). */
  file: string;
  /** With --answers: the student's file. */
  answersFile?: string;
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

/** A command line as shown: `dlq rf course_cnn.py --json`, escaped. */
export const commandLine = (argv: readonly string[]): string =>
  escapeControls("dlq " + argv.map(shellQuote).join(" "));

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

/** An expected value written back as text, for tables and messages. */
export function formatExpected(e: Expected | undefined): string {
  if (e === undefined) return "-";
  if (e.kind === "value") return formatJson(e.value);
  if (e.kind === "list") return `[${e.items.map((i) => formatExpected(i)).join(", ")}]`;
  const t = e.tolerance;
  return e.ops
    .map(({ op, value }) =>
      op === "≈"
        ? `≈ ${formatJson(value)}${t ? ` (abs ${t.abs}, rel ${t.rel})` : ""}`
        : `${op} ${formatJson(value)}`,
    )
    .join(" and ");
}

/** The JUnit XML of a report: one testsuite per answers file, one testcase per entry. */
export function junitXml(r: CheckReport): string {
  const a = (s: string | number): string => xmlEscape(escapeControls(String(s)), true);
  const t = (s: string): string => xmlEscape(s);
  const e1 = escapeControls;
  const failures = r.failed;
  const errors = r.malformed + r.errors;
  const suite = r.answersFile ?? r.file;
  const classname = "dlq.check." + basename(suite).replace(/\.[^.]*$/, "");
  let x = '<?xml version="1.0" encoding="UTF-8"?>\n';
  x += `<testsuites name="dlq check" tests="${r.entries.length}" failures="${failures}" errors="${errors}" time="${secs(r.seconds)}">\n`;
  x += `  <testsuite name="${a(suite)}" tests="${r.entries.length}" failures="${failures}" errors="${errors}" skipped="0" time="${secs(r.seconds)}">\n`;
  for (const e of r.entries) {
    const line = /:(\d+):\d+$/.exec(e.where)?.[1];
    x += `    <testcase name="${a(e.id)}" classname="${a(classname)}" file="${a(r.file)}"${line ? ` line="${line}"` : ""} time="${secs(e.seconds)}">\n`;
    const cmd = commandLine(e.argv);
    if (e.status === "fail") {
      const bad = e.checks.filter((c) => !c.ok);
      const first = bad[0];
      x += `      <failure type="WrongAnswer" message="${a(`${first.path}: ${first.message}`)}">`;
      x += t(bad.map((c) => e1(`${c.path}: ${c.message}`)).join("\n") + `\n(${cmd})`);
      x += "</failure>\n";
    } else if (e.status === "malformed" || e.status === "error") {
      const type =
        e.status === "malformed"
          ? "MalformedEntry"
          : e.reason === "timeout"
            ? "Timeout"
            : e.reason === "memory"
              ? "OutOfMemory"
              : "InternalError";
      x += `      <error type="${type}" message="${a(e.message ?? "")}">`;
      x += t(e1(`${e.where}: ${e.message ?? ""}`) + `\n(${cmd})`);
      x += "</error>\n";
    }
    x += `      <system-out>${t(cmd)}</system-out>\n`;
    x += "    </testcase>\n";
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

/** An expected value as JSON (comparisons as `{"<": 1e-6}`), for --json. */
function expectedJson(e: Expected | undefined): Json {
  if (e === undefined) return null;
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
    ...(r.answersFile !== undefined ? { answers_file: r.answersFile } : {}),
    mode: r.answersFile !== undefined ? "answers" : "self-check",
    ok: r.failed + r.malformed + r.errors === 0,
    passed: r.passed,
    failed: r.failed,
    malformed: r.malformed,
    errors: r.errors,
    entries: r.entries.map((e) => ({
      id: e.id,
      status: e.status,
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
      ...(e.answered !== undefined ? { answered: e.answered } : {}),
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

/** The JSON text of a report: {@link jsonDoc}, terminal-safe ({@link jsonTextSafe}). */
export function checkJsonText(r: CheckReport): string {
  return jsonTextSafe(jsonDoc(checkJson(r)));
}

const clip = (s: string, n = 48): string => (s.length > n ? s.slice(0, n - 1) + "…" : s);
/** A table cell: escaped first (so that an escape is never cut in two by the clip), then clipped. */
const cell = (s: string, n = 48): string => clip(escapeControls(s), n);

/** The text report: a table (id, path, expected, got or answer, result), the failures, totals. */
export function textReport(r: CheckReport, s: Style, output: Output = PLAIN_OUTPUT): string {
  const answers = r.answersFile !== undefined;
  const rows: string[][] = [];
  for (const e of r.entries) {
    if (e.status === "malformed" || e.status === "error") {
      rows.push([cell(e.id), "-", "-", "-", s.red(e.status)]);
      continue;
    }
    for (const c of e.checks) {
      rows.push([
        cell(e.id),
        cell(c.path),
        cell(formatExpected(c.expected)),
        cell(c.got === undefined ? "-" : formatJson(c.got)),
        c.ok ? s.green("pass") : s.red(s.bold("FAIL")),
      ]);
    }
  }
  const head = ["id", "path", "expected", answers ? "answer" : "got", "result"];
  let out = renderTable(head.map(s.bold), rows, { output });
  if (output.format === "csv") return out;
  if (output.format === "markdown") out += "\n";
  const e1 = escapeControls;
  for (const e of r.entries) {
    for (const c of e.checks)
      if (!c.ok) out += `${s.red("✗")} ${e1(e.id)}: ${e1(c.path)}: ${e1(c.message)}\n`;
    if (e.status === "malformed" || e.status === "error") {
      const what =
        e.status === "error" && e.reason && e.reason !== "internal" ? e.reason : e.status;
      out += `${s.red("✗")} ${e1(e.id)}: ${what} (${e1(e.where)}): ${e1(e.message ?? "")}\n`;
    }
  }
  out += `${r.passed} passed, ${r.failed} failed\n`;
  if (r.malformed > 0) out += `${r.malformed} malformed (see above)\n`;
  if (r.errors > 0) out += `${r.errors} stopped or failed inside dlq (see above)\n`;
  return out;
}
