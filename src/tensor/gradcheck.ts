/**
 * Central-difference gradient check, after `torch.autograd.gradcheck` (PyTorch 1.13,
 * torch/autograd/gradcheck.py; https://pytorch.org/docs/stable/generated/torch.autograd.gradcheck.html),
 * with its defaults eps = 1e-6, atol = 1e-5, rtol = 1e-3.
 *
 * For every input that requires grad, the analytical Jacobian (one vector–Jacobian product per
 * output element, by the autodiff engine) is compared with the numerical one,
 * J[o][k] ≈ (f(x + eps·e_k)[o] − f(x − eps·e_k)[o]) / (2·eps), evaluated in float64 with grad
 * recording off, as PyTorch's `_compute_numerical_gradient`. PyTorch compares each Jacobian block
 * with `torch.allclose(analytical, numerical, rtol, atol)`, i.e. element by element: an entry
 * fails when |analytical − numerical| > atol + rtol·|numerical| (and any NaN fails; equal
 * infinities are close, an infinite error is not: `torch.isclose`). When the output does not
 * require grad at all, PyTorch instead demands a numerical Jacobian of exact zeros
 * (`_check_no_differentiable_outputs`); so does this check.
 *
 * Each entry ends with one of three verdicts — *match*, *fail* or *inconclusive* — and the check
 * with `pass`, `fail` or `inconclusive`; see {@link gradcheck} for the rule.
 *
 * Determinism: f is evaluated twice at the unperturbed inputs (once recording the graph, once
 * not). If the two values differ, f is not a function of its inputs alone (it draws new random
 * values on every call, like `torch.rand` or dropout inside it): the differences then measure
 * noise, and PyTorch's gradcheck fails such a function ("Jacobian mismatch"). The result says so
 * (`deterministic: false`), and no entry is inconclusive (noise is not a kink).
 *
 * Fast mode (`fast: true`) follows `torch.autograd.gradcheck(..., fast_mode=True)`
 * (`_fast_gradcheck`): per input, random unit vectors u (input-sized) and v (output-sized) with
 * U[0, 1) entries, and the single number vᵀJu computed analytically (one vector–Jacobian product,
 * dotted with u) and numerically (the directional central difference along u, dotted with v). The
 * comparison uses atol·(Σu)(Σv), PyTorch's `_adjusted_atol`. Cost: one backward and two forwards
 * per input instead of one per element. The kink rule applies to vᵀJu along u as to an entry
 * along e_k.
 */
import { TensorError } from "./errors.js";
import { branchDifference, type BranchLog, recordBranches } from "./kinks.js";
import { Generator } from "./random.js";
import { grad, noGrad, Tensor } from "./tensor.js";

/** Tolerances (PyTorch's defaults) and the verdict's options. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Failures (and inconclusive entries) listed per input (default 20); all are counted. */
  maxFailures?: number;
  /** Compare vᵀJu along random directions instead of every Jacobian entry (default false). */
  fast?: boolean;
  /** The generator of the random directions in fast mode (default: seed 0). */
  generator?: Generator;
  /**
   * Tell entries at a kink apart as inconclusive (default true; never when `f` is not
   * deterministic); false: every disagreement fails, as in PyTorch.
   */
  kinks?: boolean;
  /**
   * Accept inconclusive entries (default false): the verdict is `pass` when no entry fails and at
   * least one matches, even if some are inconclusive.
   */
  allowInconclusive?: boolean;
  /**
   * Called as the work advances: `done` of `total` units (a Jacobian row, or an input element's
   * two evaluations), for a progress bar. Full mode only (fast mode is quick).
   */
  onProgress?: (done: number, total: number) => void;
  /**
   * Called once f's output size is known (after its first evaluation), before any Jacobian is
   * built or any input perturbed: throw to refuse a check too large to run (full mode holds
   * `outputSize` × each input's size entries).
   */
  admit?: (plan: { outputSize: number; mode: "full" | "fast" }) => void;
}

/** The verdict of the check, or of one input. */
export type GradcheckVerdict = "pass" | "fail" | "inconclusive";

/** One Jacobian entry (or vᵀJu) compared. */
export interface GradcheckEntry {
  /** Flat index of the output element (−1 in fast mode). */
  output: number;
  /** Flat index of the input element (−1 in fast mode). */
  flatIndex: number;
  /** Multi-index of the input element ([] in fast mode). */
  index: number[];
  analytical: number;
  numerical: number;
  absError: number;
  /** |analytical − numerical| / |numerical| (0 if both are 0, Infinity if only numerical is). */
  relError: number;
  /**
   * One-sided differences (f(x+eps)−f(x))/eps and (f(x)−f(x−eps))/eps, for inconclusive entries
   * and failing entries near a kink.
   */
  forward?: number;
  backward?: number;
  /** The same at eps/2 (inconclusive entries, and failures at a kink). */
  forwardHalf?: number;
  backwardHalf?: number;
  /** Inconclusive: the op whose kink the input sits at (e.g. "relu"). */
  kink?: string;
  /**
   * Failing entries only: an op that changes branch within eps of the input, although the input
   * is not at its kink (not within eps/1024): the function is differentiable there, and a
   * smaller eps would check it.
   */
  nearKink?: string;
  /**
   * Failing entries only: the op whose kink the input sits at, although the kink does not explain
   * the difference (the one-sided gap shrinks as eps halves, or the analytical value lies outside
   * the one-sided differences).
   */
  atKink?: string;
}

/** The result for one input. */
export interface GradcheckInputReport {
  /** Position of the input in the `inputs` array. */
  input: number;
  shape: number[];
  /** False for inputs that do not require grad (not checked). */
  checked: boolean;
  /** Jacobian entries compared (output size × input size; 1 in fast mode). */
  entries: number;
  /** Entries that match (entries − failures − inconclusive). */
  matched: number;
  /** Largest |analytical − numerical| over the conclusive (not inconclusive) entries. */
  maxAbsError: number;
  /** Largest relative error over the conclusive entries. */
  maxRelError: number;
  /** The conclusive entry with the largest absolute error (null when nothing was compared). */
  worst: GradcheckEntry | null;
  /** The conclusive entry with the largest relative error (null when nothing was compared). */
  worstRel: GradcheckEntry | null;
  /** Failing entries, at most `maxFailures`. */
  failures: GradcheckEntry[];
  numFailures: number;
  /** Entries at a kink (see {@link gradcheck}), at most `maxFailures`. */
  inconclusive: GradcheckEntry[];
  numInconclusive: number;
  /**
   * `fail` if an entry fails; else `inconclusive` if an entry is inconclusive and
   * `allowInconclusive` is off or no entry matched; else `pass` (also for inputs not checked).
   */
  verdict: GradcheckVerdict;
}

/** The result of {@link gradcheck}. */
export interface GradcheckResult {
  /** The verdict is `pass` (see {@link gradcheck}). */
  ok: boolean;
  verdict: GradcheckVerdict;
  /** Whether inconclusive entries were accepted (`allowInconclusive`). */
  allowInconclusive: boolean;
  mode: "full" | "fast";
  eps: number;
  atol: number;
  rtol: number;
  outputShape: number[];
  /** The function's value at the inputs (a copy of its output's data). */
  value: Float64Array;
  /**
   * False when two evaluations at the same inputs gave different values (see the module
   * comment); then no entry is inconclusive.
   */
  deterministic: boolean;
  /** Where the two evaluations differ most (when not deterministic). */
  nondeterminism?: { output: number; first: number; second: number };
  /** False when the output does not require grad (then the numerical Jacobian must be 0). */
  differentiable: boolean;
  inputs: GradcheckInputReport[];
}

/** The multi-index of flat (row-major) position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

/** The probe step, as a fraction of eps, at which a kink must still be witnessed (see gradcheck). */
export const KINK_PROBE = 1 / 1024;
/** How much of the one-sided gap must survive halving eps for a kink (see gradcheck). */
export const KINK_GAP_KEPT = 0.75;

/** `torch.isclose(a, n, rtol, atol)` (equal_nan false) for one pair. */
function isClose(a: number, n: number, atol: number, rtol: number): boolean {
  if (a === n) return true;
  const err = Math.abs(a - n);
  return Number.isFinite(err) && err <= atol + rtol * Math.abs(n);
}

/** What the kink probe found along one direction (one input element, or u in fast mode). */
interface Probe {
  /** An op that changes branch between x and x ± eps (null: none). */
  near: string | null;
  /** An op that changes branch between x and x ± eps·KINK_PROBE (null: none). */
  at: string | null;
  /** f(x ± eps/2), when `at` is set. */
  fpHalf?: Float64Array;
  fmHalf?: Float64Array;
}

/**
 * Checks autodiff gradients of `f` against central differences (every Jacobian entry, or vᵀJu per
 * input in fast mode), PyTorch's criterion, telling entries at a kink apart.
 *
 * **The verdict of an entry** (a Jacobian entry J[o][k], or vᵀJu along u in fast mode; e is e_k
 * or u, h = eps, a the analytical value, n the numerical one):
 * - *match* when |a − n| ≤ atol + rtol·|n| (`torch.isclose`; for an output that does not require
 *   grad: n = 0 exactly), as PyTorch's gradcheck;
 * - otherwise *inconclusive* when all of these hold, else *fail*:
 *   1. f is deterministic (two evaluations at x agree) and its output requires grad;
 *   2. the input sits at a kink: an op with a kink on the path (relu, leaky_relu, elu, selu, abs,
 *      sqrt at 0, clamp at a bound, ties of maximum/minimum/max/min/argmax/max_pool, a comparison
 *      at equality, l1_loss at 0, softplus at its threshold; src/tensor/kinks.ts) takes another
 *      branch at x + δe or x − δe than at x, for δ = eps·{@link KINK_PROBE} (eps/1024) — so the
 *      kink lies within eps/1024 of x, not merely within eps;
 *   3. the one-sided differences D₊(s) = (f(x+se) − f(x))/s and D₋(s) = (f(x) − f(x−se))/s stay
 *      apart when the step is halved: |D₊(h/2) − D₋(h/2)| > tol and
 *      |D₊(h/2) − D₋(h/2)| ≥ {@link KINK_GAP_KEPT}·|D₊(h) − D₋(h)|. At a kink the gap is the jump
 *      of the derivative and stays (ratio ≈ 1); for a smooth function it is ≈ h·f″ and halves
 *      with h (ratio ≈ ½, or less) — a smooth function at a coarse eps, or a wrong gradient, fails;
 *   4. a lies between D₋(h/2) and D₊(h/2), widened by tol = atol + rtol·max(|D₊(h/2)|, |D₋(h/2)|):
 *      a one-sided derivative or a value between them, as PyTorch's conventions at kinks are
 *      (relu′(0) = 0, abs′(0) = 0, clamp passes the gradient at its bounds, ties split or go to
 *      one). A value outside fails, kink or not.
 *   All numbers involved are finite. Rule 2 is per input direction, not per output: an output that
 *   a kink elsewhere on the path does not explain still fails rule 3 or 4. A kink the tensor core
 *   cannot see (Python-level `if x.item() > 0:`) gives no witness: such entries fail, as in
 *   PyTorch. A failing entry where an op changes branch within eps but
 *   not within eps/1024 carries `nearKink` (differentiable there: a smaller eps would check it);
 *   one at a kink that rules 3–4 reject carries `atKink`.
 *
 * **The verdict of an input**: `fail` if one of its entries fails; else `inconclusive` if one is
 * inconclusive and either `allowInconclusive` is off or none of its entries matched (an input
 * nothing was verified of is never accepted: in fast mode, where an input has one entry, an
 * inconclusive vᵀJu stays inconclusive — full mode checks the other elements one by one); else
 * `pass`. **The verdict of the check**: `fail` if an input fails; else `inconclusive` if an input
 * is, or if no entry matched at all (nothing was verified: never a pass); else `pass`; `ok` is
 * `verdict === "pass"`. Every entry dlq calls inconclusive disagrees with its central difference,
 * so PyTorch fails it too: by default dlq never passes what PyTorch fails.
 *
 * Cost: two evaluations of f per input element (one direction per input in fast mode), and four
 * more for each direction with a failing entry and an op changing branch within eps.
 *
 * @param f the function; called with `inputs` (the same tensor objects, whose storage is perturbed
 *   in place and restored) and returning a tensor of any shape.
 * @param inputs the inputs; those with `requiresGrad` are checked.
 * @returns per-input max abs/rel errors, the worst entries, the failures and the inconclusive
 *   entries, per-input and overall verdicts; `deterministic: false` if two evaluations of `f` at
 *   the same inputs differed (then nothing is inconclusive).
 * @throws {TensorError} if no input requires grad, or if `f` does not return a Tensor.
 */
export function gradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const maxFailures = opts.maxFailures ?? 20;
  const fast = opts.fast ?? false;
  const allowInconclusive = opts.allowInconclusive ?? false;
  const checked = inputs.filter((t) => t.requiresGrad);
  if (checked.length === 0)
    throw new TensorError("gradcheck expects at least one input tensor to require gradient");
  const out = f(...inputs);
  if (!(out instanceof Tensor))
    throw new TensorError("gradcheck: the function must return a Tensor");
  const m = out.size;
  opts.admit?.({ outputSize: m, mode: fast ? "fast" : "full" });
  const value = out.data.slice();
  const differentiable = out.requiresGrad;
  /** f at the current inputs, without the graph, with the branches it took. */
  const evalF = (): { y: Float64Array; log: BranchLog } => {
    const { value: y, log } = recordBranches(() => noGrad(() => f(...inputs)));
    if (!(y instanceof Tensor) || y.size !== m)
      throw new TensorError("gradcheck: the function's output changed shape under perturbation");
    return { y: y.data.slice(), log };
  };
  const { y: f0, log: log0 } = evalF();
  let nondeterminism: GradcheckResult["nondeterminism"];
  let worstDiff = -1;
  for (let o = 0; o < m; o++) {
    const a = value[o];
    const b = f0[o];
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
    const d = Math.abs(a - b);
    if (Number.isNaN(d) || d > worstDiff) {
      worstDiff = Number.isNaN(d) ? Infinity : d;
      nondeterminism = { output: o, first: a, second: b };
    }
  }
  const deterministic = nondeterminism === undefined;
  const kinks = (opts.kinks ?? true) && deterministic && differentiable;

  /**
   * Probes along one direction: `set(s)` puts the input at x + s·e (s = 0 restores x). `lp`/`lm`
   * are the branch records at x ± eps, already evaluated.
   */
  const probe = (set: (s: number) => void, lp: BranchLog, lm: BranchLog): Probe => {
    const near = branchDifference(lp, log0) ?? branchDifference(lm, log0);
    if (near === null) return { near, at: null };
    try {
      const d = eps * KINK_PROBE;
      set(d);
      const a = branchDifference(evalF().log, log0);
      set(-d);
      const at = a ?? branchDifference(evalF().log, log0);
      if (at === null) return { near, at };
      set(eps / 2);
      const fpHalf = evalF().y;
      set(-eps / 2);
      const fmHalf = evalF().y;
      return { near, at, fpHalf, fmHalf };
    } finally {
      set(0);
    }
  };

  const blank = (pos: number, t: Tensor, isChecked: boolean): GradcheckInputReport => ({
    input: pos,
    shape: t.shape.slice(),
    checked: isChecked,
    entries: 0,
    matched: 0,
    maxAbsError: 0,
    maxRelError: 0,
    worst: null,
    worstRel: null,
    failures: [],
    numFailures: 0,
    inconclusive: [],
    numInconclusive: 0,
    verdict: "pass",
  });

  /**
   * Compares one entry and files it into `rep`. `fp`, `fm`, `f0v`: the (projected) values at
   * x ± eps and x; `getProbe` runs the kink probe of the entry's direction (once per direction).
   */
  const compare = (
    rep: GradcheckInputReport,
    e: Omit<GradcheckEntry, "absError" | "relError">,
    tolAbs: number,
    fp: number,
    fm: number,
    f0v: number,
    getProbe: () => { probe: Probe; half: (y: Float64Array) => number },
  ): void => {
    const { analytical: ana, numerical: num } = e;
    const absErr = Math.abs(ana - num);
    const relErr = absErr === 0 ? 0 : num === 0 ? Infinity : absErr / Math.abs(num);
    const entry: GradcheckEntry = { ...e, absError: absErr, relError: relErr };
    rep.entries++;
    const bad = differentiable ? !isClose(ana, num, tolAbs, rtol) : num !== 0;
    if (bad && kinks) {
      const { probe: pr, half } = getProbe();
      if (pr.near !== null) {
        const dp = (fp - f0v) / eps;
        const dm = (f0v - fm) / eps;
        entry.forward = dp;
        entry.backward = dm;
        if (pr.at !== null) {
          // rule 3 and 4 at the half step
          const dp2 = (half(pr.fpHalf!) - f0v) / (eps / 2);
          const dm2 = (f0v - half(pr.fmHalf!)) / (eps / 2);
          const gap = Math.abs(dp - dm);
          const gap2 = Math.abs(dp2 - dm2);
          const tol = tolAbs + rtol * Math.max(Math.abs(dp2), Math.abs(dm2));
          const atKink =
            [ana, dp, dm, dp2, dm2].every(Number.isFinite) &&
            gap2 > tol &&
            gap2 >= KINK_GAP_KEPT * gap &&
            ana >= Math.min(dp2, dm2) - tol &&
            ana <= Math.max(dp2, dm2) + tol;
          entry.forwardHalf = dp2;
          entry.backwardHalf = dm2;
          if (atKink) {
            rep.numInconclusive++;
            if (rep.inconclusive.length < maxFailures)
              rep.inconclusive.push({ ...entry, kink: pr.at });
            return;
          }
        }
        if (pr.at !== null) entry.atKink = pr.at;
        else entry.nearKink = pr.near;
      }
    }
    if (rep.worst === null || absErr > rep.worst.absError || Number.isNaN(absErr))
      rep.worst = entry;
    if (rep.worstRel === null || relErr > rep.worstRel.relError || Number.isNaN(relErr))
      rep.worstRel = entry;
    if (absErr > rep.maxAbsError || Number.isNaN(absErr)) rep.maxAbsError = absErr;
    if (relErr > rep.maxRelError || Number.isNaN(relErr)) rep.maxRelError = relErr;
    if (bad) {
      rep.numFailures++;
      if (rep.failures.length < maxFailures) rep.failures.push(entry);
    }
  };

  /** Counts the matches and gives the input its verdict. */
  const finish = (rep: GradcheckInputReport): GradcheckInputReport => {
    rep.matched = rep.entries - rep.numFailures - rep.numInconclusive;
    rep.verdict =
      rep.numFailures > 0
        ? "fail"
        : rep.numInconclusive > 0 && (!allowInconclusive || rep.matched === 0)
          ? "inconclusive"
          : "pass";
    return rep;
  };

  const result = (
    mode: GradcheckResult["mode"],
    reports: GradcheckInputReport[],
  ): GradcheckResult => {
    const matched = reports.reduce((s, r) => s + r.matched, 0);
    const verdict: GradcheckVerdict = reports.some((r) => r.verdict === "fail")
      ? "fail"
      : reports.some((r) => r.verdict === "inconclusive") || matched === 0
        ? "inconclusive"
        : "pass";
    return {
      ok: verdict === "pass",
      verdict,
      allowInconclusive,
      mode,
      eps,
      atol,
      rtol,
      outputShape: out.shape.slice(),
      value,
      deterministic,
      ...(nondeterminism ? { nondeterminism } : {}),
      differentiable,
      inputs: reports,
    };
  };

  const reports: GradcheckInputReport[] = [];

  if (fast) {
    const gen = opts.generator ?? new Generator(0);
    const unit = (n: number): Float64Array => {
      const v = new Float64Array(n);
      gen.fillUniform(v);
      let norm = 0;
      for (let i = 0; i < n; i++) norm += v[i] * v[i];
      norm = Math.sqrt(norm);
      if (norm > 0) for (let i = 0; i < n; i++) v[i] /= norm;
      return v;
    };
    const v = unit(m);
    let sumV = 0;
    for (let o = 0; o < m; o++) sumV += v[o];
    const vJ = differentiable
      ? grad(out, checked, v)
      : checked.map((t) => new Float64Array(t.size));
    const dotV = (y: Float64Array): number => {
      let s = 0;
      for (let o = 0; o < m; o++) s += v[o] * y[o];
      return s;
    };
    let ci = 0;
    inputs.forEach((t, pos) => {
      if (!t.requiresGrad) {
        reports.push(blank(pos, t, false));
        return;
      }
      const g = vJ[ci++];
      const n = t.size;
      const u = unit(n);
      let sumU = 0;
      let ana = 0;
      for (let k = 0; k < n; k++) {
        sumU += u[k];
        ana += g[k] * u[k];
      }
      const x = t.data;
      const orig = x.slice();
      const set = (s: number): void => {
        if (s === 0) x.set(orig);
        else for (let k = 0; k < n; k++) x[k] = orig[k] + s * u[k];
      };
      let p: ReturnType<typeof evalF>;
      let mm: ReturnType<typeof evalF>;
      try {
        set(eps);
        p = evalF();
        set(-eps);
        mm = evalF();
      } finally {
        set(0);
      }
      const rep = blank(pos, t, true);
      const vp = dotV(p.y);
      const vm = dotV(mm.y);
      if (!differentiable) {
        // PyTorch's _check_no_differentiable_outputs_fast: the directional derivative must be 0
        let nonzero = 0;
        for (let o = 0; o < m; o++)
          if (p.y[o] !== mm.y[o]) nonzero = (p.y[o] - mm.y[o]) / (2 * eps);
        const e = { output: -1, flatIndex: -1, index: [], analytical: 0, numerical: nonzero };
        compare(rep, e, 0, vp, vm, 0, () => ({ probe: { near: null, at: null }, half: dotV }));
        reports.push(finish(rep));
        return;
      }
      const num = (vp - vm) / (2 * eps);
      const e = { output: -1, flatIndex: -1, index: [], analytical: ana, numerical: num };
      let pr: Probe | undefined;
      compare(rep, e, atol * sumU * sumV, vp, vm, dotV(f0), () => ({
        probe: (pr ??= probe(set, p.log, mm.log)),
        half: dotV,
      }));
      reports.push(finish(rep));
    });
    return result("fast", reports);
  }

  // analytical Jacobian rows: jac[i][o * n_i + k]
  const jac = checked.map((t) => new Float64Array(m * t.size));
  const onProgress = opts.onProgress;
  const work = (differentiable ? m : 0) + checked.reduce((a, t) => a + t.size, 0);
  let worked = 0;
  if (differentiable) {
    const seed = new Float64Array(m);
    for (let o = 0; o < m; o++) {
      seed.fill(0);
      seed[o] = 1;
      const gs = grad(out, checked, seed);
      gs.forEach((g, i) => jac[i].set(g, o * checked[i].size));
      onProgress?.(++worked, work);
    }
  }
  let ci = 0;
  inputs.forEach((t, pos) => {
    if (!t.requiresGrad) {
      reports.push(blank(pos, t, false));
      return;
    }
    const J = jac[ci++];
    const n = t.size;
    const x = t.data;
    const rep = blank(pos, t, true);
    for (let k = 0; k < n; k++) {
      onProgress?.(++worked, work);
      const orig = x[k];
      const set = (s: number): void => {
        x[k] = s === 0 ? orig : orig + s;
      };
      let p: ReturnType<typeof evalF>;
      let mm: ReturnType<typeof evalF>;
      try {
        set(eps);
        p = evalF();
        set(-eps);
        mm = evalF();
      } finally {
        set(0);
      }
      let pr: Probe | undefined;
      for (let o = 0; o < m; o++) {
        const e = {
          output: o,
          flatIndex: k,
          index: unravel(k, t.shape),
          analytical: J[o * n + k],
          numerical: (p.y[o] - mm.y[o]) / (2 * eps),
        };
        compare(rep, e, atol, p.y[o], mm.y[o], f0[o], () => ({
          probe: (pr ??= probe(set, p.log, mm.log)),
          half: (y) => y[o],
        }));
      }
    }
    reports.push(finish(rep));
  });
  return result("full", reports);
}
