/**
 * `dlq gradcheck EXPR --var NAME=SPEC ... [--eps] [--atol] [--rtol] [--seed] [--fast]
 * [--allow-inconclusive] [--show-grad] [--json]`: autodiff gradients of a PyTorch expression or
 * snippet against central differences (PyTorch's gradcheck criterion). Exit 0 only when the
 * verdict is pass (src/tensor/gradcheck.ts): no element fails, at least one matches, and none is
 * inconclusive (at a kink) unless `--allow-inconclusive`; exit 1 otherwise.
 */
import { InputError } from "../errors.js";
import {
  parseVarSpec,
  prepare,
  runGradcheck,
  type At,
  type GradcheckReport,
} from "../analysis/gradcheck.js";
import * as T from "../tensor/index.js";
import { parseJSONTensor, parseNpy, type NestedArray } from "../tensor/index.js";
import { formatLoc } from "../errors.js";
import { jsonDoc, outputOf, type Context } from "./context.js";
import { progressOf } from "./progress.js";
import { namesFile, readInputBytes, readSource } from "./input.js";
import { renderTable } from "./table.js";

export interface GradcheckOptions {
  var?: string[];
  eps?: string;
  atol?: string;
  rtol?: string;
  seed?: string;
  fast?: boolean;
  allowInconclusive?: boolean;
  showGrad?: boolean;
  json?: boolean;
}

/** Checked elements from which a full check shows progress (on a terminal). */
const PROGRESS_ELEMENTS = 2000;

/** Largest input shown by --show-grad. */
const SHOW_GRAD_MAX = 100;

function positive(text: string | undefined, opt: string, allowZero = false): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new InputError(
      `expected a ${allowZero ? "non-negative" : "positive"} number, got '${text}'`,
      opt,
    );
  }
  return v;
}

/** JSON-safe number: non-finite values become null. */
const jnum = (x: number): number | null => (Number.isFinite(x) ? x : null);
const jat = (a: At | null): Record<string, unknown> | null =>
  a === null
    ? null
    : {
        index: a.index,
        output_index: a.output,
        analytic: jnum(a.analytic),
        numerical: jnum(a.numerical),
        abs_error: jnum(a.absError),
        rel_error: jnum(a.relError),
        ...(a.forward !== undefined
          ? { forward_difference: jnum(a.forward), backward_difference: jnum(a.backward!) }
          : {}),
        ...(a.forwardHalf !== undefined
          ? {
              forward_difference_half: jnum(a.forwardHalf),
              backward_difference_half: jnum(a.backwardHalf!),
            }
          : {}),
        ...(a.kink !== undefined ? { kink: a.kink } : {}),
        ...(a.nearKink !== undefined ? { near_kink: a.nearKink } : {}),
        ...(a.atKink !== undefined ? { at_kink: a.atKink } : {}),
      };
const jnested = (v: NestedArray): unknown => (Array.isArray(v) ? v.map(jnested) : jnum(v));

/** The stable JSON document of `dlq gradcheck --json`. */
export function gradcheckJson(r: GradcheckReport): Record<string, unknown> {
  return {
    passed: r.passed,
    verdict: r.verdict,
    allow_inconclusive: r.allowInconclusive,
    checked: r.label,
    inputs: r.inputs.map((i) => ({
      name: i.name,
      shape: i.shape,
      entries: i.entries,
      max_abs_error: jnum(i.maxAbsError),
      max_rel_error: jnum(i.maxRelError),
      max_abs_at: jat(i.maxAbsAt),
      max_rel_at: jat(i.maxRelAt),
      failures: i.failures,
      inconclusive: i.inconclusive,
      matched: i.matched,
      verdict: i.verdict,
      passed: i.passed,
      failing: i.failing.map(jat),
      inconclusive_at: i.inconclusiveAt.map(jat),
      ...(i.grad !== undefined ? { grad: jnested(i.grad) } : {}),
    })),
    constants: r.constants,
    eps: r.eps,
    atol: r.atol,
    rtol: r.rtol,
    seed: r.seed,
    mode: r.mode,
    value: r.value === null ? null : jnum(r.value),
    output_shape: r.outputShape,
    notes: r.notes,
  };
}

/** Infinity and NaN as text: never printed as `Infinity`/`NaN`. */
const nonFinite = (x: number): string => (Number.isNaN(x) ? "n/a" : x > 0 ? "∞" : "−∞");
/** 3 significant digits in exponent form for errors; 10 for values. */
const e3 = (x: number): string => (Number.isFinite(x) ? x.toExponential(2) : nonFinite(x));
const val = (x: number): string =>
  Number.isFinite(x) ? String(Number(x.toPrecision(10))) : nonFinite(x);
/** A relative error: `∞ (numerical 0)` where the numerical value is 0 and the analytic is not. */
const relStr = (x: number, a: At): string =>
  x === Infinity && a.numerical === 0 ? "∞ (numerical 0)" : e3(x);
const num = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x));
const idx = (a: At): string =>
  a.index.length === 0 && a.output.length === 0
    ? "vᵀJu"
    : `[${a.index.join(", ")}]${a.output.length ? ` (output [${a.output.join(", ")}])` : ""}`;
/** An element of input `name` (`W[0, 1]`), or its directional check in fast mode (`W: vᵀJu`). */
const elem = (name: string, a: At): string =>
  a.index.length === 0 && a.output.length === 0 ? `${name}: vᵀJu` : `${name}${idx(a)}`;
const shapeStr = (s: number[]): string => `[${s.join(", ")}]`;

/** Why a failure at a kink is not inconclusive (rules 3–4 of src/tensor/gradcheck.ts). */
function kinkWhy(a: At): string {
  if (a.forward === undefined || a.forwardHalf === undefined) return "see the rule in README";
  const gap = Math.abs(a.forward - a.backward!);
  const gapHalf = Math.abs(a.forwardHalf - a.backwardHalf!);
  const d = `one-sided differences ${val(a.forward)} and ${val(a.backward!)}, at eps/2 ${val(a.forwardHalf)} and ${val(a.backwardHalf!)}`;
  return gapHalf < T.KINK_GAP_KEPT * gap
    ? `their gap shrinks as eps halves, as a smooth function's does (${d})`
    : `the analytic value lies outside them (${d})`;
}

function fmtNested(v: NestedArray, indent = 2): string {
  const row = (a: NestedArray): string =>
    Array.isArray(a) ? `[${a.map((x) => row(x)).join(", ")}]` : val(a);
  if (!Array.isArray(v) || !Array.isArray(v[0])) return " ".repeat(indent) + row(v);
  return v.map((r) => " ".repeat(indent) + row(r)).join("\n");
}

export async function run(ctx: Context, expr: string, opts: GradcheckOptions): Promise<number> {
  const eps = positive(opts.eps, "--eps");
  const atol = positive(opts.atol, "--atol", true);
  const rtol = positive(opts.rtol, "--rtol", true);
  let seed = 0;
  if (opts.seed !== undefined) {
    if (!/^\d+$/.test(opts.seed) || !Number.isSafeInteger(Number(opts.seed)))
      throw new InputError(`expected a non-negative integer, got '${opts.seed}'`, "--seed");
    seed = Number(opts.seed);
  }
  const vars = (opts.var ?? []).map(parseVarSpec);
  const seen = new Set<string>();
  for (const v of vars) {
    if (seen.has(v.name)) throw new InputError(`'${v.name}' is given twice`, `--var ${v.text}`);
    seen.add(v.name);
    if (v.source === "file") {
      // Read through the capped reader (and, inside dlq check, under its root).
      const path = v.path!;
      const bytes = readInputBytes(path, ctx, `--var ${v.name}`);
      v.tensor = /\.npy$/i.test(path)
        ? parseNpy(bytes, path)
        : parseJSONTensor(bytes.toString("utf8"), path);
    }
  }
  let text = expr;
  let file = "<expr>";
  if (expr === "-" || namesFile(expr, ctx, "snippet")) {
    const s = await readSource(expr, ctx, "snippet");
    text = s.text;
    file = s.file;
  }
  if (text.trim() === "") throw new InputError("empty expression", file);
  const prepared = prepare(text, file, vars, seed);
  // A bar for a long full check (on a terminal's stderr only: src/commands/progress.ts).
  const elements = prepared.inputs.reduce(
    (a, i) => a + (i.tensor.requiresGrad ? i.tensor.size : 0),
    0,
  );
  const progress =
    !opts.fast && elements >= PROGRESS_ELEMENTS
      ? await progressOf(ctx)(
          `gradcheck: ${elements} elements (--fast checks one direction per input)`,
          elements,
        )
      : undefined;
  let r: GradcheckReport;
  try {
    r = runGradcheck(prepared, {
      eps,
      atol,
      rtol,
      fast: opts.fast ? true : undefined,
      seed,
      showGrad: opts.showGrad ? SHOW_GRAD_MAX : 0,
      allowInconclusive: opts.allowInconclusive ?? false,
      ...(progress
        ? { onProgress: (done: number, total: number) => progress.update(done, total) }
        : {}),
    });
  } finally {
    progress?.done();
  }
  const code = r.passed ? 0 : 1;
  if (opts.json) {
    ctx.out(jsonDoc(gradcheckJson(r)));
    return code;
  }
  const s = ctx.style;
  let out = `${s.bold("gradcheck")} ${r.label}${r.where ? s.dim(`  (${formatLoc(r.where)})`) : ""}\n`;
  out += `value ${r.value === null ? `shape ${shapeStr(r.outputShape)}` : val(r.value)}; `;
  out +=
    r.mode === "fast"
      ? `fast mode (vᵀJu along random unit directions, seed ${r.seed}); `
      : "central differences; ";
  out += `eps ${num(r.eps)}, atol ${num(r.atol)}, rtol ${num(r.rtol)}: fails where |a − n| > atol + rtol·|n|\n`;
  if (r.constants.length)
    out += s.dim(
      `constants: ${r.constants.map((c) => `${c.name} ${shapeStr(c.shape)}`).join(", ")}\n`,
    );
  const rows = r.inputs.map((i) => [
    i.name,
    shapeStr(i.shape),
    i.maxAbsAt ? `${e3(i.maxAbsError)} at ${idx(i.maxAbsAt)}` : "--",
    i.maxRelAt ? `${relStr(i.maxRelError, i.maxRelAt)} at ${idx(i.maxRelAt)}` : "--",
    `${i.failures}/${i.entries}`,
    String(i.inconclusive),
    i.verdict === "pass"
      ? s.green("pass")
      : i.verdict === "fail"
        ? s.red("FAIL")
        : s.yellow("inconclusive"),
  ]);
  const output = outputOf(ctx);
  const table = renderTable(
    ["Input", "Shape", "Max abs error", "Max rel error", "Failures", "Inconclusive", "Result"].map(
      s.bold,
    ),
    rows,
    { right: [4, 5], output },
  );
  if (output.format === "csv") {
    ctx.out(table);
    return code;
  }
  out += output.format === "markdown" ? "\n" + table + "\n" : table;
  const ana = (a: At): string => `analytic ${val(a.analytic)}, numerical ${val(a.numerical)}`;
  for (const i of r.inputs) {
    if (i.maxAbsAt) out += `  ${i.name}: max abs error at ${idx(i.maxAbsAt)}: ${ana(i.maxAbsAt)}\n`;
    const rel = i.maxRelAt;
    if (rel && (!i.maxAbsAt || idx(rel) !== idx(i.maxAbsAt)))
      out += `  ${i.name}: max rel error at ${idx(rel)}: ${ana(rel)}\n`;
  }
  for (const i of r.inputs) {
    for (const f of i.failing.slice(0, 5)) {
      const why = f.nearKink
        ? ` (${f.nearKink} changes branch within eps, but the input is not at its kink: it is differentiable there, and a smaller --eps checks it)`
        : f.atKink
          ? ` (at a kink of ${f.atKink}, which does not explain the difference: ${kinkWhy(f)})`
          : "";
      out += s.red(`  ${elem(i.name, f)} fails: ${ana(f)}${why}\n`);
    }
    if (i.failures > 5)
      out += s.red(`  … and ${i.failures - 5} more failing elements of ${i.name}\n`);
    for (const k of i.inconclusiveAt.slice(0, 5)) {
      out += s.yellow(
        `  ${elem(i.name, k)}: inconclusive, at a kink of ${k.kink} (one-sided differences ${val(k.forward!)} and ${val(k.backward!)}, at eps/2 ${val(k.forwardHalf!)} and ${val(k.backwardHalf!)}; analytic ${val(k.analytic)}, numerical ${val(k.numerical)})\n`,
      );
    }
    if (i.inconclusive > 5)
      out += s.yellow(`  … and ${i.inconclusive - 5} more inconclusive elements of ${i.name}\n`);
    if (i.grad !== undefined) out += `  ∂/∂${i.name} (analytic):\n${fmtNested(i.grad, 4)}\n`;
    else if (opts.showGrad)
      out += s.dim(`  ∂/∂${i.name}: not shown (more than ${SHOW_GRAD_MAX} elements)\n`);
  }
  for (const n of r.notes) out += s.dim(`note: ${n}\n`);
  const total = r.inputs.reduce((a, i) => a + i.entries, 0);
  const failed = r.inputs.reduce((a, i) => a + i.failures, 0);
  const inconc = r.inputs.reduce((a, i) => a + i.inconclusive, 0);
  const matched = r.inputs.reduce((a, i) => a + i.matched, 0);
  const what = r.mode === "fast" ? "directional checks" : "elements";
  const atKink = `${inconc} inconclusive (at a kink, where the derivative does not exist)`;
  if (r.verdict === "pass") {
    out += s.green(`passed: ${matched} of ${total} ${what} match`);
    out += inconc ? s.yellow(`, ${atKink}, accepted by --allow-inconclusive\n`) : "\n";
  } else if (r.verdict === "fail") {
    out += s.red(
      `FAILED: ${failed} of ${total} ${what} differ${r.deterministic ? "" : " (the function is not deterministic)"}`,
    );
    out += inconc ? s.yellow(`, ${atKink}\n`) : "\n";
  } else if (matched === 0) {
    out += s.yellow(
      total === 0
        ? `NOT VERIFIED: nothing to compare\n`
        : `NOT VERIFIED: 0 of ${total} ${what} match, ${atKink}: nothing was verified${r.allowInconclusive ? ", even with --allow-inconclusive" : ""} (move the inputs off the kink)\n`,
    );
  } else {
    out += s.yellow(
      `NOT VERIFIED: ${matched} of ${total} ${what} match, ${atKink} (--allow-inconclusive accepts them)\n`,
    );
  }
  if (r.mode === "full" && total > 20000 && !opts.json)
    out += s.dim("tip: --fast checks one random direction per input (PyTorch's fast_mode)\n");
  ctx.out(out);
  return code;
}
