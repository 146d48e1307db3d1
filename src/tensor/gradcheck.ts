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
 */
import { TensorError } from "./errors.js";
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
}

/** The result for one input. */
export interface GradcheckInputReport {
  /** Position of the input in the `inputs` array. */
  input: number;
  shape: number[];
  /** False for inputs that do not require grad (not checked). */
  checked: boolean;
  /** Jacobian entries compared (output size × input size). */
  entries: number;
  maxAbsError: number;
  maxRelError: number;
  /** The entry with the largest absolute error (null when nothing was compared). */
  worst: GradcheckEntry | null;
  /** Failing entries, at most `maxFailures`. */
  failures: GradcheckEntry[];
  numFailures: number;
}

/** The result of {@link gradcheck}. */
export interface GradcheckResult {
  ok: boolean;
  eps: number;
  atol: number;
  rtol: number;
  outputShape: number[];
  inputs: GradcheckInputReport[];
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

/**
 * Checks autodiff gradients of `f` against central differences.
 *
 * @param f the function; called with `inputs` (the same tensor objects, whose storage is perturbed
 *   in place and restored) and returning a tensor of any shape.
 * @param inputs the inputs; those with `requiresGrad` are checked.
 * @returns per-input max abs/rel errors, the worst entry and the failures; `ok` if none failed.
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
  const checked = inputs.filter((t) => t.requiresGrad);
  if (checked.length === 0)
    throw new TensorError("gradcheck expects at least one input tensor to require gradient");
  const out = f(...inputs);
  if (!(out instanceof Tensor))
    throw new TensorError("gradcheck: the function must return a Tensor");
  const m = out.size;
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
  const reports: GradcheckInputReport[] = [];
  let ok = true;
  let ci = 0;
  inputs.forEach((t, pos) => {
    if (!t.requiresGrad) {
      reports.push({
        input: pos,
        shape: t.shape.slice(),
        checked: false,
        entries: 0,
        maxAbsError: 0,
        maxRelError: 0,
        worst: null,
        failures: [],
        numFailures: 0,
      });
      return;
    }
    const J = jac[ci++];
    const n = t.size;
    const x = t.data;
    const rep: GradcheckInputReport = {
      input: pos,
      shape: t.shape.slice(),
      checked: true,
      entries: m * n,
      maxAbsError: 0,
      maxRelError: 0,
      worst: null,
      failures: [],
      numFailures: 0,
    };
    for (let k = 0; k < n; k++) {
      const orig = x[k];
      x[k] = orig + eps;
      const fp = noGrad(() => f(...inputs)).data.slice();
      x[k] = orig - eps;
      const fm = noGrad(() => f(...inputs)).data.slice();
      x[k] = orig;
      for (let o = 0; o < m; o++) {
        const num = (fp[o] - fm[o]) / (2 * eps);
        const ana = J[o * n + k];
        const absErr = Math.abs(ana - num);
        const relErr = absErr === 0 ? 0 : num === 0 ? Infinity : absErr / Math.abs(num);
        const bad = !(absErr <= atol + rtol * Math.abs(num));
        if (rep.worst === null || absErr > rep.worst.absError) {
          rep.worst = {
            output: o,
            flatIndex: k,
            index: unravel(k, t.shape),
            analytical: ana,
            numerical: num,
            absError: absErr,
            relError: relErr,
          };
        }
        if (absErr > rep.maxAbsError || Number.isNaN(absErr)) rep.maxAbsError = absErr;
        if (relErr > rep.maxRelError || Number.isNaN(relErr)) rep.maxRelError = relErr;
        if (bad) {
          rep.numFailures++;
          if (rep.failures.length < maxFailures) {
            rep.failures.push({
              output: o,
              flatIndex: k,
              index: unravel(k, t.shape),
              analytical: ana,
              numerical: num,
              absError: absErr,
              relError: relErr,
            });
          }
        }
      }
    }
    if (rep.numFailures > 0) ok = false;
    reports.push(rep);
  });
  return { ok, eps, atol, rtol, outputShape: out.shape.slice(), inputs: reports };
}
