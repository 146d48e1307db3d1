/**
 * Central-difference gradient check, after `torch.autograd.gradcheck`
 * (https://pytorch.org/docs/stable/generated/torch.autograd.gradcheck.html), with its defaults
 * eps = 1e-6, atol = 1e-5, rtol = 1e-3.
 *
 * For every input that requires grad, the analytical Jacobian (one vector–Jacobian product per
 * output element, by the autodiff engine) is compared element by element with the numerical one,
 * J[o][k] ≈ (f(x + eps·e_k)[o] − f(x − eps·e_k)[o]) / (2·eps), evaluated in float64 with grad
 * recording off. An entry fails when |analytical − numerical| > atol + rtol·|numerical|, PyTorch's
 * criterion.
 *
 * Kinks: an entry that fails is re-examined with the one-sided differences
 * D₊ = (f(x + eps·e_k) − f(x))/eps and D₋ = (f(x) − f(x − eps·e_k))/eps, which cost nothing more
 * than one evaluation of f(x). Where f is differentiable D₊ and D₋ agree up to eps·f″ and rounding;
 * where they differ by more than the tolerance, x is within eps of a point where f is not
 * differentiable (relu/abs/clamp at the boundary, max ties), the central difference is an average
 * of two slopes, and no single number is "the" derivative. Such an entry is *inconclusive* (not a
 * failure) if the analytical value lies between D₋ and D₊ (within tolerance), i.e. it is one of
 * the one-sided derivatives or a convex combination of them, as PyTorch's conventions (relu′(0) = 0,
 * abs′(0) = 0, ties split) all are; otherwise it still fails.
 *
 * Determinism: f is evaluated twice at the unperturbed inputs (once recording the graph, once
 * not). If the two values differ, f is not a function of its inputs alone (it draws new random
 * values on every call, like `torch.rand` or dropout inside it): the differences then measure
 * noise, and PyTorch's gradcheck fails such a function ("Jacobian mismatch"). The result says so
 * (`deterministic: false`), and no entry is reported as a kink (noise is not a kink), so the
 * verdict is PyTorch's: entries fail where |analytical − numerical| > atol + rtol·|numerical|.
 *
 * Fast mode (`fast: true`) follows `torch.autograd.gradcheck(..., fast_mode=True)` (PyTorch 1.13,
 * torch/autograd/gradcheck.py `_fast_gradcheck`): per input, random unit vectors u (input-sized)
 * and v (output-sized) with U[0, 1) entries, and the single number vᵀJu computed analytically (one
 * vector–Jacobian product, dotted with u) and numerically (the directional central difference
 * along u, dotted with v). The comparison uses atol·(Σu)(Σv), PyTorch's `_adjusted_atol`. Cost: one
 * backward and two forwards per input instead of one per element.
 */
import { TensorError } from "./errors.js";
import { Generator } from "./random.js";
import { grad, noGrad, Tensor } from "./tensor.js";

/** Tolerances (PyTorch's defaults). */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Failures listed per input (default 20); all are counted. */
  maxFailures?: number;
  /** Compare vᵀJu along random directions instead of every Jacobian entry (default false). */
  fast?: boolean;
  /** The generator of the random directions in fast mode (default: seed 0). */
  generator?: Generator;
  /**
   * Report failing entries at kinks as inconclusive (default true; never when `f` is not
   * deterministic); see the module comment.
   */
  kinks?: boolean;
}

/** One Jacobian entry compared. */
export interface GradcheckEntry {
  /** Flat index of the output element. */
  output: number;
  /** Flat index of the input element. */
  flatIndex: number;
  /** Multi-index of the input element. */
  index: number[];
  analytical: number;
  numerical: number;
  absError: number;
  /** |analytical − numerical| / |numerical| (0 if both are 0, Infinity if only numerical is). */
  relError: number;
  /** One-sided differences (f(x+eps)−f(x))/eps and (f(x)−f(x−eps))/eps, for entries at a kink. */
  forward?: number;
  backward?: number;
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
  /** Entries within eps of a kink (see the module comment), at most `maxFailures`. */
  inconclusive: GradcheckEntry[];
  numInconclusive: number;
}

/** The result of {@link gradcheck}. */
export interface GradcheckResult {
  /** No entry failed (inconclusive entries do not fail). */
  ok: boolean;
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

/**
 * Checks autodiff gradients of `f` against central differences (every Jacobian entry, or vᵀJu per
 * input in fast mode), reporting entries at kinks as inconclusive (see the module comment).
 *
 * @param f the function; called with `inputs` (the same tensor objects, whose storage is perturbed
 *   in place and restored) and returning a tensor of any shape.
 * @param inputs the inputs; those with `requiresGrad` are checked.
 * @returns per-input max abs/rel errors, the worst entries, the failures and the inconclusive
 *   entries; `ok` if none failed; `deterministic: false` if two evaluations of `f` at the same
 *   inputs differed (then nothing is inconclusive).
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
  const checked = inputs.filter((t) => t.requiresGrad);
  if (checked.length === 0)
    throw new TensorError("gradcheck expects at least one input tensor to require gradient");
  const out = f(...inputs);
  if (!(out instanceof Tensor))
    throw new TensorError("gradcheck: the function must return a Tensor");
  const m = out.size;
  const value = out.data.slice();
  const evalF = (): Float64Array => {
    const y = noGrad(() => f(...inputs));
    if (!(y instanceof Tensor) || y.size !== m)
      throw new TensorError("gradcheck: the function's output changed shape under perturbation");
    return y.data.slice();
  };
  const f0 = evalF();
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
  const result = (
    mode: GradcheckResult["mode"],
    ok: boolean,
    reports: GradcheckResult["inputs"],
  ): GradcheckResult => ({
    ok,
    mode,
    eps,
    atol,
    rtol,
    outputShape: out.shape.slice(),
    value,
    deterministic,
    ...(nondeterminism ? { nondeterminism } : {}),
    inputs: reports,
  });
  const kinks = (opts.kinks ?? true) && deterministic;

  const blank = (pos: number, t: Tensor, isChecked: boolean): GradcheckInputReport => ({
    input: pos,
    shape: t.shape.slice(),
    checked: isChecked,
    entries: 0,
    maxAbsError: 0,
    maxRelError: 0,
    worst: null,
    worstRel: null,
    failures: [],
    numFailures: 0,
    inconclusive: [],
    numInconclusive: 0,
  });

  /** Compares one entry and files it into `rep`. */
  const compare = (
    rep: GradcheckInputReport,
    e: Omit<GradcheckEntry, "absError" | "relError">,
    tolAbs: number,
    fp: number,
    fm: number,
    f0v: number,
    scale: number,
  ): void => {
    const { analytical: ana, numerical: num } = e;
    const absErr = Math.abs(ana - num);
    const relErr = absErr === 0 ? 0 : num === 0 ? Infinity : absErr / Math.abs(num);
    const entry: GradcheckEntry = { ...e, absError: absErr, relError: relErr };
    rep.entries++;
    const bad = !(absErr <= tolAbs + rtol * Math.abs(num));
    if (bad && kinks) {
      const dp = (fp - f0v) / (eps * scale);
      const dm = (f0v - fm) / (eps * scale);
      const tol = tolAbs + rtol * Math.max(Math.abs(dp), Math.abs(dm));
      const lo = Math.min(dp, dm) - tol;
      const hi = Math.max(dp, dm) + tol;
      if (Math.abs(dp - dm) > tol && ana >= lo && ana <= hi) {
        rep.numInconclusive++;
        if (rep.inconclusive.length < maxFailures)
          rep.inconclusive.push({ ...entry, forward: dp, backward: dm });
        return;
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

  const reports: GradcheckInputReport[] = [];
  let ok = true;

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
    const vJ = out.requiresGrad
      ? grad(out, checked, v)
      : checked.map((t) => new Float64Array(t.size));
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
      let fp: Float64Array;
      let fm: Float64Array;
      try {
        for (let k = 0; k < n; k++) x[k] = orig[k] + eps * u[k];
        fp = evalF();
        for (let k = 0; k < n; k++) x[k] = orig[k] - eps * u[k];
        fm = evalF();
      } finally {
        x.set(orig);
      }
      let vp = 0;
      let vm = 0;
      let v0 = 0;
      for (let o = 0; o < m; o++) {
        vp += v[o] * fp[o];
        vm += v[o] * fm[o];
        v0 += v[o] * f0[o];
      }
      const num = (vp - vm) / (2 * eps);
      const rep = blank(pos, t, true);
      const e = { output: -1, flatIndex: -1, index: [], analytical: ana, numerical: num };
      compare(rep, e, atol * sumU * sumV, vp, vm, v0, 1);
      if (rep.numFailures > 0) ok = false;
      reports.push(rep);
    });
    return result("fast", ok, reports);
  }

  // analytical Jacobian rows: jac[i][o * n_i + k]
  const jac = checked.map((t) => new Float64Array(m * t.size));
  if (out.requiresGrad) {
    const seed = new Float64Array(m);
    for (let o = 0; o < m; o++) {
      seed.fill(0);
      seed[o] = 1;
      const gs = grad(out, checked, seed);
      gs.forEach((g, i) => jac[i].set(g, o * checked[i].size));
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
      const orig = x[k];
      let fp: Float64Array;
      let fm: Float64Array;
      try {
        x[k] = orig + eps;
        fp = evalF();
        x[k] = orig - eps;
        fm = evalF();
      } finally {
        x[k] = orig;
      }
      for (let o = 0; o < m; o++) {
        const e = {
          output: o,
          flatIndex: k,
          index: unravel(k, t.shape),
          analytical: J[o * n + k],
          numerical: (fp[o] - fm[o]) / (2 * eps),
        };
        compare(rep, e, atol, fp[o], fm[o], f0[o], 1);
      }
    }
    if (rep.numFailures > 0) ok = false;
    reports.push(rep);
  });
  return result("full", ok, reports);
}
