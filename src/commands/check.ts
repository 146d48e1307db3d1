/**
 * `dlq check FILE [--answers STUDENT] [--root DIR] [--timeout S] [--max-memory MB] [--json]
 * [--junit OUT.xml] [--only ID]`: runs the entries of an answers file and compares the JSON each
 * command prints with the expected values (self-check), or — with `--answers` — with the values a
 * student's file gives for the key's questions. See {@link CHECK_HELP} for the rules of exit
 * codes and of expected refusals (`$exit`, `$stderr`), and README, "Grading untrusted answers",
 * for what `--answers` guarantees.
 *
 * Entries run in a worker thread with a time and memory budget (src/commands/check_runner.ts),
 * reading files only under the root, writing none (src/commands/input.ts). The report is drawn in
 * src/commands/check_report.ts.
 */
import { statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { compare, PathError, resolvePath } from "../analysis/checkfile.js";
import { formatLoc, InputError } from "../errors.js";
import {
  EXIT_PATH,
  parseAnswers,
  parseStudentAnswers,
  STDERR_PATH,
  type AnswerEntry,
  type Expected,
  type Json,
  type StudentAnswer,
} from "../spec/answers.js";
import { escapeControls, quoteToken } from "../util/quote.js";
import { didYouMean } from "../util/suggest.js";
import { EntryRunner, type Budget, type RawRun } from "./check_runner.js";
import {
  checkJsonText,
  commandLine,
  junitXml,
  textReport,
  type CheckReport,
  type CheckResult,
  type EntryResult,
} from "./check_report.js";
import { outputOf, type Context } from "./context.js";
import { NO_PROGRESS, progressOf, type Progress } from "./progress.js";

/** Entries from which a run shows progress (on a terminal). */
const PROGRESS_ENTRIES = 10;
import { readSource } from "./input.js";
export { CHECK_HELP } from "./check_help.js";
export { shellQuote, xmlEscape, junitXml, checkJson } from "./check_report.js";

export interface CheckOptions {
  json?: boolean;
  junit?: string;
  only?: string[];
  answers?: string;
  root?: string;
  timeout?: string;
  maxMemory?: string;
}

/** The default budget of an entry: --timeout and --max-memory. */
export const DEFAULT_BUDGET: Budget = { seconds: 10, megabytes: 1024 };

/** The first non-blank line of a command's stderr, without `dlq: `, escaped and clipped. */
function firstLine(s: string): string {
  const line = (s.split("\n").find((l) => l.trim() !== "") ?? "").replace(/^dlq: /, "").trim();
  const e = escapeControls(line);
  return e.length > 300 ? e.slice(0, 299) + "…" : e;
}

/**
 * An entry's internal-error message without the words the line around it already says: the
 * entry's own stderr reads "internal error: X (this is a bug in dlq; please report it)".
 */
function bugText(message: string): string {
  return message
    .replace(/^(internal error: )+/, "")
    .replace(/ \(this is a bug in dlq; please report it\)$/, "");
}

/** The entry's result when its run did not end normally (stopped, or a dlq bug). */
function stoppedResult(base: Omit<EntryResult, "status" | "checks">, raw: RawRun): EntryResult {
  if (raw.stopped) {
    return {
      ...base,
      status: "error",
      reason: raw.stopped.reason === "crash" ? "crash" : raw.stopped.reason,
      message: raw.stopped.message,
      checks: [],
    };
  }
  return {
    ...base,
    status: "error",
    reason: "internal",
    message: firstLine(raw.stderr) || `exit code ${raw.code}`,
    checks: [],
  };
}

/** The JSON a command printed, or undefined. */
function parseOutput(stdout: string): Json | undefined {
  try {
    return JSON.parse(stdout) as Json;
  } catch {
    return undefined;
  }
}

/** Self-check: compares an entry's run with its `expect` (and that its `answer` path exists). */
function selfCheck(entry: AnswerEntry, argv: string[], raw: RawRun): EntryResult {
  const base = {
    id: entry.id,
    argv,
    exitCode: raw.code,
    seconds: raw.seconds,
    where: formatLoc(entry.run.loc),
  };
  const code = raw.code;
  if (raw.stopped || code === null) return stoppedResult(base, raw);
  const stderr = raw.stderr;
  if (code === 2 && !entry.checksExit) {
    return {
      ...base,
      status: "malformed",
      message: `${commandLine(entry.run.argv)}: ${firstLine(stderr) || "bad input or usage (exit 2)"} (to expect this refusal, add $exit: 2 to expect)`,
      checks: [],
    };
  }
  if (code !== 0 && code !== 1 && code !== 2) return stoppedResult(base, raw);
  const doc = parseOutput(raw.stdout);
  if (doc === undefined && (code !== 2 || raw.stdout.trim() !== "")) {
    return {
      ...base,
      status: "error",
      reason: "internal",
      message: "the command did not print a JSON document",
      checks: [],
    };
  }
  const stderrText = stderr
    .split("\n")
    .map((l) => l.replace(/^dlq: /, ""))
    .join("\n")
    .trim();
  const checks: CheckResult[] = [];
  const unknownPath = (path: string, loc: AnswerEntry["loc"], e: PathError): EntryResult => ({
    ...base,
    status: "malformed",
    where: formatLoc(loc),
    message: `unknown path ${quoteToken(path)} in the output of 'dlq ${entry.run.argv[0]}': ${e.message}`,
    checks,
  });
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
        return unknownPath(ex.path, ex.loc, e);
      }
    }
    const o = compare(got, ex.expected, entry.tolerance);
    checks.push({ path: ex.path, expected: ex.expected, got, ok: o.ok, message: o.message });
  }
  if (entry.answer && doc !== undefined) {
    let right: Json;
    try {
      right = resolvePath(doc, entry.answer.steps);
    } catch (e) {
      if (!(e instanceof PathError)) throw e;
      return unknownPath(entry.answer.path, entry.answer.loc, e);
    }
    // A question without expect: its row shows the answer the key gives.
    if (entry.expect.length === 0) {
      checks.push({ path: entry.answer.path, got: right, ok: true, message: "" });
    }
  }
  return { ...base, status: checks.every((c) => c.ok) ? "pass" : "fail", checks };
}

/** The right answer as an expected value: equal (numbers within the key's tolerance). */
function exactly(v: Json): Expected {
  if (Array.isArray(v)) return { kind: "list", items: v.map(exactly) };
  if (v !== null && typeof v === "object") return { kind: "cmp", ops: [{ op: "==", value: v }] };
  return { kind: "value", value: v };
}

/** --answers: compares a student's answer with the value at the key's `answer` path. */
function gradeAnswer(
  entry: AnswerEntry,
  argv: string[],
  raw: RawRun,
  answer: StudentAnswer,
): EntryResult {
  const path = entry.answer!.path;
  const base = {
    id: entry.id,
    argv,
    exitCode: raw.code,
    seconds: raw.seconds,
    where: formatLoc(entry.run.loc),
    answered: true,
  };
  const code = raw.code;
  if (raw.stopped || code === null) return stoppedResult(base, raw);
  if (code === 2) {
    return {
      ...base,
      status: "malformed",
      message: `the key's command ${commandLine(entry.run.argv)} was refused: ${firstLine(raw.stderr) || "exit 2"}`,
      checks: [],
    };
  }
  if (code !== 0 && code !== 1) return stoppedResult(base, raw);
  const doc = parseOutput(raw.stdout);
  if (doc === undefined) {
    return {
      ...base,
      status: "error",
      reason: "internal",
      message: "the command did not print a JSON document",
      checks: [],
    };
  }
  let right: Json;
  try {
    right = resolvePath(doc, entry.answer!.steps);
  } catch (e) {
    if (!(e instanceof PathError)) throw e;
    return {
      ...base,
      status: "malformed",
      where: formatLoc(entry.answer!.loc),
      message: `the key's answer path ${quoteToken(path)} is not in the output of 'dlq ${entry.run.argv[0]}': ${e.message}`,
      checks: [],
    };
  }
  const tol = entry.answer!.tolerance ?? entry.tolerance;
  // A number with a tolerance shows it: ≈ 1.9560115027140732 (abs 0, rel 0.001).
  const expected: Expected =
    typeof right === "number" && tol
      ? { kind: "cmp", ops: [{ op: "≈", value: right }], tolerance: tol }
      : exactly(right);
  const o = compare(answer.value, expected, tol);
  const check = { path, expected, got: answer.value, ok: o.ok, message: o.message };
  return { ...base, status: o.ok ? "pass" : "fail", checks: [check] };
}

/** A question the student did not answer: failed, its command not run. */
function unanswered(entry: AnswerEntry): EntryResult {
  return {
    id: entry.id,
    argv: [...entry.run.argv, "--json"],
    exitCode: null,
    seconds: 0,
    where: formatLoc(entry.run.loc),
    answered: false,
    status: "fail",
    checks: [{ path: entry.answer!.path, ok: false, message: "no answer" }],
  };
}

/** A positive number of an option, within bounds. */
function bounded(text: string | undefined, opt: string, dflt: number, min: number, max: number) {
  if (text === undefined) return dflt;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v < min || v > max) {
    throw new InputError(`${quoteToken(text)} is not a number in [${min}, ${max}]`, opt);
  }
  return v;
}

/** The folder relative paths of entries are read from (and never leave). */
function checkRoot(file: string, opts: CheckOptions): string {
  if (opts.root === undefined) return file === "-" ? process.cwd() : dirname(resolve(file));
  const root = resolve(opts.root);
  let ok = false;
  try {
    ok = statSync(root).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new InputError("not a directory", "--root");
  return root;
}

/** Runs the entries of a parsed answers file (all of them, in order). */
async function runAll(
  entries: AnswerEntry[],
  runner: EntryRunner,
  grade: Map<string, StudentAnswer> | undefined,
  progress: Progress,
): Promise<EntryResult[]> {
  const results: EntryResult[] = [];
  for (const e of entries) {
    progress.update(results.length);
    const argv = e.run.argv.includes("--json") ? e.run.argv : [...e.run.argv, "--json"];
    if (grade) {
      const answer = grade.get(e.id);
      if (!answer) {
        results.push(unanswered(e));
        continue;
      }
      results.push(gradeAnswer(e, argv, await runner.run(argv, e.run.stdin), answer));
    } else {
      results.push(selfCheck(e, argv, await runner.run(argv, e.run.stdin)));
    }
  }
  return results;
}

export async function run(ctx: Context, file: string, opts: CheckOptions): Promise<number> {
  const budget: Budget = {
    seconds: bounded(opts.timeout, "--timeout", DEFAULT_BUDGET.seconds, 0.001, 86400),
    megabytes: Math.round(
      bounded(opts.maxMemory, "--max-memory", DEFAULT_BUDGET.megabytes, 64, 1 << 20),
    ),
  };
  if (opts.junit === "-" && opts.json) {
    throw new InputError("--junit - writes the XML to stdout: it cannot go with --json", "--junit");
  }
  if (opts.answers !== undefined && opts.answers === file) {
    throw new InputError("the key and the student's answers must be two files", "--answers");
  }
  const root = checkRoot(file, opts);
  const runner = new EntryRunner(budget, root);
  // The thread starts while the files are read and validated.
  runner.warm();
  try {
    const { text, file: name } = await readSource(file, ctx, "answers file");
    let entries = parseAnswers(text, name);
    let grade: Map<string, StudentAnswer> | undefined;
    let answersName: string | undefined;
    if (opts.answers !== undefined) {
      entries = entries.filter((e) => e.answer !== undefined);
      if (entries.length === 0) {
        throw new InputError(
          "the key has no entry with 'answer:' (the path of the output a student's answer is compared with)",
          name,
        );
      }
      const s = await readSource(opts.answers, ctx, "answers");
      answersName = s.file;
      grade = parseStudentAnswers(
        s.text,
        s.file,
        entries.map((e) => e.id),
      );
    }
    if (opts.only && opts.only.length > 0) {
      const ids = entries.map((e) => e.id);
      for (const id of opts.only) {
        if (!ids.includes(id)) {
          throw new InputError(
            `no entry with id ${quoteToken(id)}${didYouMean(id, ids)}`,
            "--only",
          );
        }
      }
      entries = entries.filter((e) => opts.only!.includes(e.id));
    }
    const t0 = performance.now();
    // A bar for many entries (on a terminal's stderr only: src/commands/progress.ts).
    const progress = await (entries.length >= PROGRESS_ENTRIES ? progressOf(ctx) : NO_PROGRESS)(
      `check: ${entries.length} entries`,
      entries.length,
    );
    let results: EntryResult[];
    try {
      results = await runAll(entries, runner, grade, progress);
    } finally {
      progress.done();
    }
    const count = (s: EntryResult["status"]): number =>
      results.filter((r) => r.status === s).length;
    const report: CheckReport = {
      file: name,
      ...(answersName !== undefined ? { answersFile: answersName } : {}),
      entries: results,
      passed: count("pass"),
      failed: count("fail"),
      malformed: count("malformed"),
      errors: count("error"),
      seconds: (performance.now() - t0) / 1000,
    };
    if (opts.junit && opts.junit !== "-") {
      try {
        await writeFile(opts.junit, junitXml(report), "utf8");
      } catch (e) {
        throw new InputError(
          `cannot write JUnit XML: ${escapeControls((e as Error).message)}`,
          opts.junit,
        );
      }
    }
    for (const e of report.entries) {
      // An internal error is a dlq bug: say so on stderr too (the report still goes to stdout).
      if (e.status === "error" && e.reason === "internal") {
        ctx.err(
          `dlq: ${escapeControls(e.where)}: entry ${quoteToken(e.id)}: internal error: ${escapeControls(bugText(e.message ?? ""))} (a bug in dlq)\n`,
        );
      }
    }
    if (opts.junit === "-") ctx.out(junitXml(report));
    else if (opts.json) ctx.out(checkJsonText(report));
    else ctx.out(textReport(report, ctx.style, outputOf(ctx)));
    return report.failed + report.malformed + report.errors > 0 ? 1 : 0;
  } finally {
    await runner.close();
  }
}
