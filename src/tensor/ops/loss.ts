/**
 * Loss functions with PyTorch's definitions, reductions and conventions
 * (https://pytorch.org/docs/stable/nn.functional.html#loss-functions). `reduction` is 'mean'
 * (default), 'sum' or 'none'. Weights (`weight`, `pos_weight`) are constants: no gradient flows to
 * them. Targets get gradients where PyTorch gives them (mse, l1, both BCEs), not class indices.
 */
import { TensorError } from "../errors.js";
import { broadcastShapes, sameShape, shapeStr } from "../shape.js";
import { createOp, Tensor } from "../tensor.js";
import { noteBranches, recordingBranches, signSide } from "../kinks.js";
import { expand } from "./shape_ops.js";
import { log_softmax, mean, sum } from "./reduce.js";
import { add, mul, neg } from "./elementwise.js";

/** How a loss reduces its elementwise values. */
export type Reduction = "mean" | "sum" | "none";

function checkReduction(r: string): Reduction {
  if (r !== "mean" && r !== "sum" && r !== "none")
    throw new TensorError(`${r} is not a valid value for reduction`);
  return r;
}

/**
 * A pointwise loss: `f(x, t)` per element, with partials `dx`, `dt`, reduced by `reduction`.
 * Inputs have the same shape.
 */
function pointwiseLoss(
  name: string,
  input: Tensor,
  target: Tensor,
  reduction: Reduction,
  f: (x: number, t: number, i: number) => number,
  dx: (x: number, t: number, i: number) => number,
  dt: ((x: number, t: number, i: number) => number) | null,
  side?: (x: number, t: number) => number,
): Tensor {
  const r = checkReduction(reduction);
  const n = input.size;
  const x = input.data;
  const y = target.data;
  const l = new Float64Array(n);
  for (let i = 0; i < n; i++) l[i] = f(x[i], y[i], i);
  if (side && recordingBranches()) noteBranches(name, n, (i) => side(x[i], y[i]));
  let out: Float64Array;
  let shape: number[];
  if (r === "none") {
    out = l;
    shape = input.shape.slice();
  } else {
    let s = 0;
    for (let i = 0; i < n; i++) s += l[i];
    out = new Float64Array([r === "mean" ? s / n : s]);
    shape = [];
  }
  return createOp(name, out, shape, [input, target], (g, needs) => {
    const scale = r === "mean" ? 1 / n : 1;
    const gi = (i: number): number => (r === "none" ? g[i] : g[0] * scale);
    let gx: Float64Array | null = null;
    let gt: Float64Array | null = null;
    if (needs[0]) {
      gx = new Float64Array(n);
      for (let i = 0; i < n; i++) gx[i] = gi(i) * dx(x[i], y[i], i);
    }
    if (needs[1] && dt) {
      gt = new Float64Array(n);
      for (let i = 0; i < n; i++) gt[i] = gi(i) * dt(x[i], y[i], i);
    }
    return [gx, gt];
  });
}

/** Broadcasts input and target to a common shape (PyTorch warns but broadcasts for mse/l1). */
function broadcastPair(input: Tensor, target: Tensor, op: string): [Tensor, Tensor] {
  if (sameShape(input.shape, target.shape)) return [input, target];
  const s = broadcastShapes(input.shape, target.shape, op);
  return [
    sameShape(s, input.shape) ? input : expand(input, s),
    sameShape(s, target.shape) ? target : expand(target, s),
  ];
}

/** Mean squared error (x − t)² (https://pytorch.org/docs/stable/generated/torch.nn.MSELoss.html). */
export function mse_loss(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  const [a, b] = broadcastPair(input, target, "mse_loss");
  return pointwiseLoss(
    "mse_loss",
    a,
    b,
    reduction,
    (x, t) => (x - t) * (x - t),
    (x, t) => 2 * (x - t),
    (x, t) => -2 * (x - t),
  );
}

/** Mean absolute error |x − t|; gradient sign(x − t) (0 at 0). */
export function l1_loss(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  const [a, b] = broadcastPair(input, target, "l1_loss");
  const sign = (d: number): number => (d > 0 ? 1 : d < 0 ? -1 : 0);
  return pointwiseLoss(
    "l1_loss",
    a,
    b,
    reduction,
    (x, t) => Math.abs(x - t),
    (x, t) => sign(x - t),
    (x, t) => -sign(x - t),
    (x, t) => signSide(x - t),
  );
}

function weightArray(
  weight: Tensor | null | undefined,
  like: Tensor,
  op: string,
): Float64Array | null {
  if (!weight) return null;
  if (sameShape(weight.shape, like.shape)) return weight.data;
  broadcastShapes(weight.shape, like.shape, op);
  return expand(weight.detach(), like.shape).data;
}

/** Options of the binary cross-entropies. */
export interface BCEOptions {
  /** Rescaling weight, broadcastable to the input. */
  weight?: Tensor | null;
  reduction?: Reduction;
}

/**
 * Binary cross-entropy on probabilities: −w[t·log x + (1 − t)·log(1 − x)] with each log clamped
 * to ≥ −100, as PyTorch (https://pytorch.org/docs/stable/generated/torch.nn.BCELoss.html).
 * Gradient wrt x: w(x − t)/max(x(1 − x), 1e-12), PyTorch's formula.
 * @throws {TensorError} if target's shape differs from input's, or an input is outside [0, 1].
 */
export function binary_cross_entropy(input: Tensor, target: Tensor, opts: BCEOptions = {}): Tensor {
  if (!sameShape(input.shape, target.shape)) {
    throw new TensorError(
      `Using a target size (${shapeStr(target.shape)}) that is different to the input size (${shapeStr(input.shape)}) is deprecated. Please ensure they have the same size.`,
    );
  }
  for (const v of input.data) {
    if (!(v >= 0 && v <= 1))
      throw new TensorError("all elements of input should be between 0 and 1");
  }
  const w = weightArray(opts.weight, input, "binary_cross_entropy");
  const wi = (i: number): number => (w ? w[i] : 1);
  const clog = (v: number): number => Math.max(Math.log(v), -100);
  return pointwiseLoss(
    "binary_cross_entropy",
    input,
    target,
    opts.reduction ?? "mean",
    (x, t, i) => -wi(i) * (t * clog(x) + (1 - t) * clog(1 - x)),
    (x, t, i) => (wi(i) * (x - t)) / Math.max((1 - x) * x, 1e-12),
    (x, _t, i) => wi(i) * (clog(1 - x) - clog(x)),
  );
}

/** Options of {@link binary_cross_entropy_with_logits}. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of positive examples, broadcast along the last (class) dim. */
  pos_weight?: Tensor | null;
}

/**
 * Sigmoid + binary cross-entropy in the stable form PyTorch uses
 * (https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html):
 * ℓ = w[(1 − t)x + (1 + (p − 1)t)(log(1 + e^{−|x|}) + max(−x, 0))], p = pos_weight (1 if absent).
 * ∂ℓ/∂x = w[(1 + (p − 1)t)σ(x) − pt]; ∂ℓ/∂t = w[(p − 1)·softplus(−x) − x].
 * @throws {TensorError} "Target size ([3]) must be the same as input size ([3, 1])".
 */
export function binary_cross_entropy_with_logits(
  input: Tensor,
  target: Tensor,
  opts: BCEWithLogitsOptions = {},
): Tensor {
  if (!sameShape(input.shape, target.shape)) {
    throw new TensorError(
      `Target size (${shapeStr(target.shape)}) must be the same as input size (${shapeStr(input.shape)})`,
    );
  }
  const w = weightArray(opts.weight, input, "binary_cross_entropy_with_logits");
  const pw = weightArray(opts.pos_weight, input, "binary_cross_entropy_with_logits");
  const wi = (i: number): number => (w ? w[i] : 1);
  const pi = (i: number): number => (pw ? pw[i] : 1);
  const spNeg = (x: number): number => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0); // softplus(−x)
  return pointwiseLoss(
    "binary_cross_entropy_with_logits",
    input,
    target,
    opts.reduction ?? "mean",
    (x, t, i) => wi(i) * ((1 - t) * x + (1 + (pi(i) - 1) * t) * spNeg(x)),
    (x, t, i) => wi(i) * ((1 + (pi(i) - 1) * t) / (1 + Math.exp(-x)) - pi(i) * t),
    (x, _t, i) => wi(i) * ((pi(i) - 1) * spNeg(x) - x),
  );
}

/** Options of {@link nll_loss} and {@link cross_entropy}. */
export interface NLLOptions {
  /** Per-class weight `[C]`. */
  weight?: Tensor | null;
  /** Target value that contributes nothing (default −100). */
  ignore_index?: number;
  reduction?: Reduction;
}

/**
 * Negative log-likelihood on log-probabilities
 * (https://pytorch.org/docs/stable/generated/torch.nn.NLLLoss.html): input `[N, C]`, `[C]` or
 * `[N, C, d1, …]`, target class indices `[N]`, `[]` or `[N, d1, …]`. ℓᵢ = −w[tᵢ]·input[i, tᵢ];
 * 'mean' divides by Σ w[tᵢ] over non-ignored i (NaN if all are ignored, as PyTorch).
 * @throws {TensorError} on mismatched batch sizes ("Expected input batch_size (3) to match target
 *   batch_size (4)."), a target out of range ("Target 5 is out of bounds."), or a bad weight.
 */
export function nll_loss(input: Tensor, target: Tensor, opts: NLLOptions = {}): Tensor {
  const r = checkReduction(opts.reduction ?? "mean");
  const ignore = opts.ignore_index ?? -100;
  if (input.ndim < 1)
    throw new TensorError("nll_loss: input must have at least 1 dimension (classes)");
  const batched = input.ndim >= 2;
  const C = batched ? input.shape[1] : input.shape[0];
  const N = batched ? input.shape[0] : 1;
  let S = 1;
  for (let d = 2; d < input.ndim; d++) S *= input.shape[d];
  const expected = batched ? [N, ...input.shape.slice(2)] : [];
  if (!sameShape(target.shape, expected)) {
    if (batched && target.ndim >= 1 && target.shape[0] !== N) {
      throw new TensorError(
        `Expected input batch_size (${N}) to match target batch_size (${target.shape[0]}).`,
      );
    }
    throw new TensorError(
      `nll_loss: expected target of shape ${shapeStr(expected)} for input of shape ${shapeStr(input.shape)}, got ${shapeStr(target.shape)}`,
    );
  }
  if (opts.weight && !(opts.weight.ndim === 1 && opts.weight.size === C)) {
    throw new TensorError(
      `weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${shapeStr(opts.weight.shape)}`,
    );
  }
  const w = opts.weight ? opts.weight.data : null;
  const tg = target.data;
  const M = N * S;
  for (let i = 0; i < M; i++) {
    const c = tg[i];
    if (c !== ignore && !(Number.isInteger(c) && c >= 0 && c < C))
      throw new TensorError(`Target ${c} is out of bounds.`);
  }
  const x = input.data;
  // flat position of element (m, class c) for m = n·S + s: n·C·S + c·S + s
  const pos = (m: number, c: number): number => Math.floor(m / S) * C * S + c * S + (m % S);
  const wt = new Float64Array(M);
  const l = new Float64Array(M);
  let wsum = 0;
  for (let m = 0; m < M; m++) {
    const c = tg[m];
    if (c === ignore) continue;
    wt[m] = w ? w[c] : 1;
    wsum += wt[m];
    l[m] = -wt[m] * x[pos(m, c)];
  }
  let out: Float64Array;
  let shape: number[];
  if (r === "none") {
    out = l;
    shape = target.shape.slice();
  } else {
    let s = 0;
    for (let m = 0; m < M; m++) s += l[m];
    out = new Float64Array([r === "mean" ? s / wsum : s]);
    shape = [];
  }
  return createOp("nll_loss", out, shape, [input, target], (g, needs) => {
    if (!needs[0]) return [null, null];
    const gx = new Float64Array(input.size);
    for (let m = 0; m < M; m++) {
      const c = tg[m];
      if (c === ignore) continue;
      const up = r === "none" ? g[m] : r === "mean" ? g[0] / wsum : g[0];
      gx[pos(m, c)] = -wt[m] * up;
    }
    return [gx, null];
  });
}

/** Options of {@link cross_entropy}. */
export interface CrossEntropyOptions extends NLLOptions {
  /** Label smoothing ε ∈ [0, 1] (PyTorch ≥ 1.10); class-index targets only. */
  label_smoothing?: number;
}

/**
 * Cross-entropy on unnormalised logits (https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html):
 * `nll_loss(log_softmax(input, classDim), target)` with classDim 1 (0 for unbatched `[C]`).
 * Targets are class indices (`[N]`, `[N, d1, …]`) or, if target has the input's shape, class
 * probabilities: ℓₙ = −Σ_c w_c t_{n,c} log p_{n,c}, 'mean' dividing by N·d1·….
 * With label smoothing ε: (1 − ε)·nll + ε·(−Σ_c w_c log p_c)/C reduced as PyTorch.
 * @throws {TensorError} as {@link nll_loss}.
 */
export function cross_entropy(
  input: Tensor,
  target: Tensor,
  opts: CrossEntropyOptions = {},
): Tensor {
  const classDim = input.ndim >= 2 ? 1 : 0;
  const reduction = checkReduction(opts.reduction ?? "mean");
  const eps = opts.label_smoothing ?? 0;
  if (!(eps >= 0 && eps <= 1))
    throw new TensorError(`label_smoothing must be between 0.0 and 1.0. Got: ${eps}`);
  const logp = log_softmax(input, classDim);
  const C = input.shape[classDim];
  const wShape = input.shape.map((_s, i) => (i === classDim ? C : 1));
  if (opts.weight && !(opts.weight.ndim === 1 && opts.weight.size === C)) {
    throw new TensorError(
      `weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${shapeStr(opts.weight.shape)}`,
    );
  }
  const wConst = opts.weight ? new Tensor(opts.weight.data, wShape) : null;
  const weighted = (t: Tensor): Tensor => (wConst ? mul(t, wConst) : t);
  if (sameShape(target.shape, input.shape) && input.ndim >= 1) {
    // probability targets
    let tgt: Tensor = target;
    if (eps > 0) {
      const td = new Float64Array(target.size);
      for (let i = 0; i < td.length; i++) td[i] = target.data[i] * (1 - eps) + eps / C;
      tgt = new Tensor(td, target.shape);
    }
    const per = neg(sum(weighted(mul(logp, tgt)), classDim));
    if (reduction === "none") return per;
    if (reduction === "sum") return sum(per);
    return mean(per);
  }
  const nll = nll_loss(logp, target, opts);
  if (eps === 0) return nll;
  // label smoothing with class indices
  const ignore = opts.ignore_index ?? -100;
  const mask = new Float64Array(target.size);
  for (let i = 0; i < mask.length; i++) mask[i] = target.data[i] === ignore ? 0 : 1;
  const maskT = new Tensor(mask, target.shape);
  const smooth = mul(neg(sum(weighted(logp), classDim)), maskT);
  let ret: Tensor;
  if (reduction === "none") ret = smooth;
  else if (reduction === "sum") ret = sum(smooth);
  else {
    let denom = 0;
    for (let i = 0; i < mask.length; i++)
      if (mask[i]) denom += opts.weight ? opts.weight.data[target.data[i]] : 1;
    ret = mul(sum(smooth), 1 / denom);
  }
  return add(mul(nll, 1 - eps), mul(ret, eps / C));
}
