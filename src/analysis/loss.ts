/**
 * Loss values and their gradients, computed on the tensor core (its PyTorch-defined losses and
 * reverse-mode autodiff), and the course's "dog (0) vs hotdog (1)" comparison of the L2 loss and
 * the binary cross-entropy through a sigmoid.
 *
 * For a prediction p = σ(z) of the probability of class 1 and a true label y:
 * - L2 = (p − y)², dL2/dp = 2(p − y), dL2/dz = 2(p − y)·p(1 − p), since σ'(z) = p(1 − p);
 * - BCE = −[y log p + (1 − y) log(1 − p)], dBCE/dp = (p − y)/(p(1 − p)), dBCE/dz = p − y.
 * When the prediction is confidently wrong (y = 1, p → 0) the factor p(1 − p) → 0 makes the L2
 * gradient vanish (−0.0196 at p = 0.01) while the BCE gradient stays near −1 (−0.99): the sigmoid's
 * saturation is cancelled by the log. (Goodfellow, Bengio & Courville, "Deep Learning", §6.2.2.2.)
 */
import {
  binary_cross_entropy,
  binary_cross_entropy_with_logits,
  cross_entropy,
  grad,
  l1_loss,
  mse_loss,
  onesLike,
  sigmoid,
  softmax,
  tensor,
  type NestedArray,
  type Reduction,
  type Tensor,
} from "../tensor/index.js";

/** The losses `dlq loss` knows, by their command-line names. */
export const LOSSES = ["mse", "l1", "bce", "bce_logits", "ce"] as const;
export type LossName = (typeof LOSSES)[number];

/** What each loss computes, with its PyTorch name, for output. */
export const LOSS_INFO: Record<LossName, { torch: string; formula: string; pred: string }> = {
  mse: {
    torch: "F.mse_loss",
    formula: "ℓ = (p − t)², dℓ/dp = 2(p − t)",
    pred: "predictions",
  },
  l1: { torch: "F.l1_loss", formula: "ℓ = |p − t|, dℓ/dp = sign(p − t)", pred: "predictions" },
  bce: {
    torch: "F.binary_cross_entropy",
    formula: "ℓ = −[t log p + (1 − t) log(1 − p)], dℓ/dp = (p − t)/(p(1 − p)), dℓ/dz = p − t",
    pred: "probabilities",
  },
  bce_logits: {
    torch: "F.binary_cross_entropy_with_logits",
    formula: "ℓ = −[t log σ(z) + (1 − t) log(1 − σ(z))], dℓ/dz = σ(z) − t",
    pred: "logits",
  },
  ce: {
    torch: "F.cross_entropy",
    formula: "ℓ = −log softmax(z)[t], dℓ/dz = softmax(z) − onehot(t)",
    pred: "logits",
  },
};

/** PyTorch's default `ignore_index` of `F.cross_entropy`: targets equal to it contribute nothing. */
export const IGNORE_INDEX = -100;

/**
 * Inputs a loss cannot take (beyond what PyTorch itself refuses), or results that do not fit in
 * float64. `which` names the offending argument: the predictions or the targets.
 */
export class LossInputError extends Error {
  constructor(
    message: string,
    readonly which: "pred" | "target",
  ) {
    super(message);
    this.name = "LossInputError";
  }
}

/** The result of {@link lossGrad}. */
export interface LossResult {
  loss: LossName;
  reduction: Reduction;
  pred: NestedArray;
  target: NestedArray;
  /**
   * The loss (a nested array for reduction 'none'); null when it does not exist: `ce` with
   * reduction 'mean' when every target is ignore_index (PyTorch's 0/0 = nan).
   */
  value: NestedArray | null;
  /** Why `value` is null, if it is. */
  undefinedReason: string | null;
  /** d(loss)/d(pred), pred's shape; for reduction 'none', the gradient of the sum. */
  gradPred: NestedArray;
  /** The logits z (bce, or mse/l1 with `sigmoid`: z = log(p/(1 − p)); bce_logits, ce: pred). */
  logits: NestedArray | null;
  /** σ(z) (bce_logits) or softmax(z) along the class dim (ce); null otherwise. */
  probs: NestedArray | null;
  /** d(loss)/dz; null when there are no logits (or a probability is 0 or 1). */
  gradLogits: NestedArray | null;
  /** Why gradLogits is null, if it is. */
  note: string | null;
}

/** The logit log(p/(1 − p)) (the inverse of σ). */
export function logit(p: number): number {
  return Math.log(p) - Math.log1p(-p);
}

function apply(name: LossName, pred: Tensor, target: Tensor, reduction: Reduction): Tensor {
  switch (name) {
    case "mse":
      return mse_loss(pred, target, reduction);
    case "l1":
      return l1_loss(pred, target, reduction);
    case "bce":
      return binary_cross_entropy(pred, target, { reduction });
    case "bce_logits":
      return binary_cross_entropy_with_logits(pred, target, { reduction });
    case "ce":
      return cross_entropy(pred, target, { reduction });
  }
}

/** Gradient of `out` (summed if it has several elements) with respect to `x`, as nested arrays. */
function gradOf(out: Tensor, x: Tensor): NestedArray {
  const g = grad(out, [x], out.size === 1 ? undefined : onesLike(out))[0];
  return fromFlat(g, x.shape);
}

function fromFlat(data: Float64Array, shape: readonly number[]): NestedArray {
  const strides: number[] = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  const build = (d: number, off: number): NestedArray => {
    if (d === shape.length) return data[off];
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[d]; i++) out.push(build(d + 1, off + i * strides[d]));
    return out;
  };
  return build(0, 0);
}

/** The first number in `v` that is not finite, if any. */
function firstNonFinite(v: NestedArray | null): number | undefined {
  if (v === null) return undefined;
  if (typeof v === "number") return Number.isFinite(v) ? undefined : v;
  for (const x of v) {
    const bad = firstNonFinite(x);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

/**
 * A loss's value and gradients, on the tensor core.
 * - `pred`, `target`: nested arrays. For `ce`, pred holds logits `[C]` or `[N, C]`, and target
 *   either class indices (`[]`/`[N]`; a one-element target for unbatched logits is read as a
 *   scalar) or class probabilities of pred's shape (as PyTorch decides: by shape). Class indices
 *   must be integers; those equal to {@link IGNORE_INDEX} are ignored (as PyTorch).
 * - `sigmoid` (mse, l1): pred holds probabilities σ(z), so each must be in [0, 1]; also report
 *   d(loss)/dz.
 * - `ce` with reduction 'mean' and every target ignored: the mean is 0/0 (PyTorch: nan); the
 *   value is null with `undefinedReason`, the gradient is 0 (as PyTorch's).
 * @throws TensorError from the tensor core for shapes or values PyTorch refuses (with its message).
 * @throws LossInputError for probabilities outside [0, 1] with `sigmoid`, non-integer class
 *   indices, and results that overflow float64 (an infinite or NaN loss or gradient).
 */
export function lossGrad(
  name: LossName,
  pred: NestedArray,
  target: NestedArray,
  opts: { reduction?: Reduction; sigmoid?: boolean } = {},
): LossResult {
  const reduction = opts.reduction ?? "mean";
  const x = tensor(pred, { requiresGrad: true });
  let t = tensor(target);
  if (name === "ce" && x.ndim === 1 && t.size === 1 && t.ndim === 1) t = tensor(t.data[0]);
  if (opts.sigmoid) {
    const bad = Array.from(x.data).find((p) => !(p >= 0 && p <= 1));
    if (bad !== undefined) {
      throw new LossInputError(
        `with --sigmoid the predictions are probabilities p = σ(z) and must be in [0, 1]: got ${bad}`,
        "pred",
      );
    }
  }
  const indices = name === "ce" && t.shape.join(",") !== x.shape.join(",");
  if (indices) {
    const bad = Array.from(t.data).find((c) => !Number.isInteger(c));
    if (bad !== undefined) {
      throw new LossInputError(
        `class indices must be integers, got ${bad} (for class probabilities give a target of the logits' shape [${x.shape.join(", ")}])`,
        "target",
      );
    }
  }
  const out = apply(name, x, t, reduction);
  let value: NestedArray | null = out.toArray();
  let undefinedReason: string | null = null;
  if (indices && reduction === "mean" && Array.from(t.data).every((c) => c === IGNORE_INDEX)) {
    value = null;
    undefinedReason = `every target is ignore_index (${IGNORE_INDEX}): the mean over no terms is 0/0 (PyTorch: nan)`;
  }
  const gradPred = gradOf(out, x);
  let logits: NestedArray | null = null;
  let probs: NestedArray | null = null;
  let gradLogits: NestedArray | null = null;
  let note: string | null = null;
  if (name === "bce_logits" || name === "ce") {
    logits = x.toArray();
    probs = (
      name === "ce" ? softmax(x.detach(), x.ndim >= 2 ? 1 : 0) : sigmoid(x.detach())
    ).toArray();
    gradLogits = gradPred;
  } else if (name === "bce" || opts.sigmoid) {
    const ps = Array.from(x.data);
    if (ps.every((p) => p > 0 && p < 1)) {
      const z = tensor(fromFlat(Float64Array.from(ps, logit), x.shape), { requiresGrad: true });
      const outZ = apply(name, sigmoid(z), t, reduction);
      logits = z.toArray();
      gradLogits = gradOf(outZ, z);
    } else {
      note = "a probability of exactly 0 or 1 has an infinite logit: no gradient with respect to z";
    }
  }
  const results: [string, NestedArray | null][] = [
    ["the loss", value],
    ["d loss / d pred", gradPred],
    ["the logits", logits],
    ["the probabilities", probs],
    ["d loss / d z", gradLogits],
  ];
  for (const [what, v] of results) {
    const bad = firstNonFinite(v);
    if (bad !== undefined) {
      throw new LossInputError(
        `${what} is ${Number.isNaN(bad) ? "not a number (NaN)" : "infinite"} in float64 for these values (PyTorch: ${Number.isNaN(bad) ? "nan" : "inf"}): the largest float64 is about 1.8e308; use smaller magnitudes`,
        "pred",
      );
    }
  }
  return {
    loss: name,
    reduction,
    pred: x.toArray(),
    target: t.toArray(),
    value,
    undefinedReason,
    gradPred,
    logits,
    probs,
    gradLogits,
    note,
  };
}

/** One row of {@link lossCompare}. */
export interface CompareRow {
  /** Predicted probability of class 1. */
  p: number;
  /** z = log(p/(1 − p)). */
  logit: number;
  l2: number;
  dl2_dp: number;
  dl2_dlogit: number;
  bce: number;
  dbce_dp: number;
  dbce_dlogit: number;
}

/** The default probabilities of the course's comparison. */
export const COMPARE_PROBS = [0.01, 0.1, 0.5, 0.9];

/**
 * The course's comparison: for the true label `target` (0 = dog, 1 = hotdog) and each predicted
 * probability p = σ(z) of class 1, the L2 loss (p − y)² and the BCE, with their gradients with
 * respect to p and to the logit z, by autodiff through the sigmoid on the tensor core.
 * @param probs probabilities strictly between 0 and 1 (validated by the caller).
 */
export function lossCompare(target: 0 | 1, probs: readonly number[]): CompareRow[] {
  return probs.map((p) => {
    const y = tensor([target]);
    const pLeaf = tensor([p], { requiresGrad: true });
    const z = tensor([logit(p)], { requiresGrad: true });
    const l2p = mse_loss(pLeaf, y);
    const bcep = binary_cross_entropy(pLeaf, y);
    const l2z = mse_loss(sigmoid(z), y);
    const bcez = binary_cross_entropy(sigmoid(z), y);
    const g = (out: Tensor, at: Tensor): number => grad(out, [at])[0][0];
    return {
      p,
      logit: z.data[0],
      l2: l2p.item(),
      dl2_dp: g(l2p, pLeaf),
      dl2_dlogit: g(l2z, z),
      bce: bcep.item(),
      dbce_dp: g(bcep, pLeaf),
      dbce_dlogit: g(bcez, z),
    };
  });
}
