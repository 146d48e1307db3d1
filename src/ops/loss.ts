/**
 * Loss functions of `torch.nn.functional`: `mse_loss`, `l1_loss`, `smooth_l1_loss`, `huber_loss`,
 * `binary_cross_entropy`, `binary_cross_entropy_with_logits`, `nll_loss`, `cross_entropy`
 * (class indices or class probabilities, `label_smoothing`), `kl_div`.
 *
 * Meta: PyTorch 1.13's Python checks (torch/nn/functional.py: `reduction`, the legacy
 * `size_average`/`reduce`, the target size) and ATen's (LossNLL.cpp); the result is 0-d, or the
 * (broadcast) input's shape for `reduction='none'`. Kernels: the tensor core's losses, and
 * compositions of its ops for the others. Receptive field: global (a loss reduces everything),
 * pointwise for `reduction='none'`.
 */
import type { Tensor } from "../tensor/index.js";
import { isFloating, scalarTypeName } from "./dtype.js";
import { nnf, op } from "./define.js";
import {
  OpError,
  type OpArgs,
  type OpDef,
  type OpRf,
  type TensorCore,
  type TensorMeta,
} from "./types.js";
import { broadcastShapes, meta, shapeStr } from "./util.js";

export const LOSS_OPS: OpDef[] = [];
const add = (d: OpDef): void => void LOSS_OPS.push(d);

type Red = "mean" | "sum" | "none" | "batchmean";

/** `reduction`, or the legacy `size_average`/`reduce` pair (`_Reduction.legacy_get_string`). */
function reduction(a: OpArgs<unknown>, allowBatchmean = false): Red {
  const legacy = ["size_average", "reduce"].some((k) => a.has(k));
  if (legacy) {
    const sa = a.has("size_average") ? a.truthy("size_average") : true;
    const re = a.has("reduce") ? a.truthy("reduce") : true;
    return sa && re ? "mean" : re ? "sum" : "none";
  }
  const r = a.str("reduction");
  if (r === "mean" || r === "sum" || r === "none" || (allowBatchmean && r === "batchmean"))
    return r;
  throw new OpError(`${r} is not a valid value for reduction`, "ValueError");
}

const torchSize = (s: readonly number[]): string => `torch.Size(${shapeStr(s)})`;
const reducedMeta = (shape: readonly number[], dtype: TensorMeta["dtype"], r: Red): TensorMeta =>
  meta(r === "none" ? shape : [], dtype);
const lossRf = (a: OpArgs<TensorMeta>): OpRf => {
  const r = a.raw("reduction");
  return r === "none" && !a.has("size_average") && !a.has("reduce")
    ? { kind: "pointwise" }
    : { kind: "global", reason: "a loss reduces over every position" };
};

/** Reduces elementwise losses on the tensor core. */
function reduce(T: TensorCore, l: Tensor, r: Red, batch = 1): Tensor {
  if (r === "none") return l;
  if (r === "sum") return T.sum(l);
  if (r === "batchmean") return T.div(T.sum(l), batch);
  return T.mean(l);
}

/** mse/l1/smooth_l1/huber: input and target broadcast (PyTorch only warns). */
function pointwiseMeta(a: OpArgs<TensorMeta>): TensorMeta {
  const x = a.tensor("input");
  const t = a.tensor("target");
  const r = reduction(a);
  const shape = broadcastShapes(x.shape, t.shape);
  if (!isFloating(x.dtype) && !isFloating(t.dtype))
    throw new OpError(`"mse_cpu" not implemented for '${scalarTypeName(x.dtype)}'`);
  return reducedMeta(shape, isFloating(x.dtype) ? x.dtype : t.dtype, r);
}

const LEGACY = ["size_average=None", "reduce=None"];
add(
  op({
    name: "mse_loss",
    names: [nnf("mse_loss")],
    params: ["input", "target", ...LEGACY, "reduction='mean'"],
    python: true,
    kind: "compute",
    meta: pointwiseMeta,
    kernel: (a, T) => T.mse_loss(a.tensor("input"), a.tensor("target"), reduction(a) as "mean"),
    rf: lossRf,
  }),
);
add(
  op({
    name: "l1_loss",
    names: [nnf("l1_loss")],
    params: ["input", "target", ...LEGACY, "reduction='mean'"],
    python: true,
    kind: "compute",
    meta: pointwiseMeta,
    kernel: (a, T) => T.l1_loss(a.tensor("input"), a.tensor("target"), reduction(a) as "mean"),
    rf: lossRf,
  }),
);
/** Smooth L1 (β) and Huber (δ): quadratic below the threshold, linear above. */
function smoothKernel(T: TensorCore, x: Tensor, t: Tensor, th: number, huber: boolean): Tensor {
  const d = T.sub(x, t);
  const ad = T.abs(d);
  if (th === 0) return huber ? T.mul(ad, 0) : ad;
  const quad = T.div(T.mul(T.mul(d, d), 0.5), huber ? 1 : th);
  const lin = huber ? T.mul(T.sub(ad, 0.5 * th), th) : T.sub(ad, 0.5 * th);
  const below = T.noGrad(() =>
    T.unaryOp(
      "lt",
      ad,
      (v) => (v < th ? 1 : 0),
      () => 0,
    ),
  );
  return T.where(below, quad, lin);
}
add(
  op({
    name: "smooth_l1_loss",
    names: [nnf("smooth_l1_loss")],
    params: ["input", "target", ...LEGACY, "reduction='mean'", "beta=1.0"],
    python: true,
    kind: "compute",
    meta: (a) => {
      if (a.float("beta") < 0)
        throw new OpError("smooth_l1_loss does not support negative values for beta.");
      return pointwiseMeta(a);
    },
    kernel: (a, T) => {
      const s = broadcastShapes(a.tensor("input").shape, a.tensor("target").shape);
      const x = T.expand(a.tensor("input"), s);
      const t = T.expand(a.tensor("target"), s);
      return reduce(T, smoothKernel(T, x, t, a.float("beta"), false), reduction(a));
    },
    rf: lossRf,
  }),
);
add(
  op({
    name: "huber_loss",
    names: [nnf("huber_loss")],
    params: ["input", "target", "reduction='mean'", "delta=1.0"],
    python: true,
    kind: "compute",
    meta: (a) => {
      if (a.float("delta") <= 0)
        throw new OpError("huber_loss does not support non-positive values for delta.");
      return pointwiseMeta(a);
    },
    kernel: (a, T) => {
      const s = broadcastShapes(a.tensor("input").shape, a.tensor("target").shape);
      const x = T.expand(a.tensor("input"), s);
      const t = T.expand(a.tensor("target"), s);
      return reduce(T, smoothKernel(T, x, t, a.float("delta"), true), reduction(a));
    },
    rf: lossRf,
  }),
);

function bceCheck(a: OpArgs<TensorMeta>, logits: boolean): TensorMeta {
  const x = a.tensor("input");
  const t = a.tensor("target");
  const r = reduction(a);
  const same = x.shape.length === t.shape.length && x.shape.every((s, i) => s === t.shape[i]);
  if (!same)
    throw new OpError(
      logits
        ? `Target size (${torchSize(t.shape)}) must be the same as input size (${torchSize(x.shape)})`
        : `Using a target size (${torchSize(t.shape)}) that is different to the input size (${torchSize(x.shape)}) is deprecated. Please ensure they have the same size.`,
      "ValueError",
    );
  const w = a.optTensor("weight");
  if (w) broadcastShapes(t.shape, w.shape);
  if (logits) {
    const pw = a.optTensor("pos_weight");
    if (pw) broadcastShapes(x.shape, pw.shape);
  }
  return reducedMeta(x.shape, x.dtype, r);
}
add(
  op({
    name: "binary_cross_entropy",
    names: [nnf("binary_cross_entropy")],
    params: ["input", "target", "weight=None", ...LEGACY, "reduction='mean'"],
    python: true,
    kind: "compute",
    meta: (a) => bceCheck(a, false),
    kernel: (a, T) =>
      T.binary_cross_entropy(a.tensor("input"), a.tensor("target"), {
        weight: a.optTensor("weight"),
        reduction: reduction(a) as "mean",
      }),
    rf: lossRf,
  }),
);
add(
  op({
    name: "binary_cross_entropy_with_logits",
    names: [nnf("binary_cross_entropy_with_logits")],
    params: ["input", "target", "weight=None", ...LEGACY, "reduction='mean'", "pos_weight=None"],
    python: true,
    kind: "compute",
    meta: (a) => bceCheck(a, true),
    kernel: (a, T) =>
      T.binary_cross_entropy_with_logits(a.tensor("input"), a.tensor("target"), {
        weight: a.optTensor("weight"),
        pos_weight: a.optTensor("pos_weight"),
        reduction: reduction(a) as "mean",
      }),
    rf: lossRf,
  }),
);

/** ATen's `nll_loss_nd` checks over log-probabilities `x` and class indices `t`, in its order. */
function nllMeta(x: TensorMeta, t: TensorMeta, w: TensorMeta | undefined, r: Red): TensorMeta {
  const nd = x.shape.length;
  if (nd < 1) throw new OpError(`Expected 1 or more dimensions (got ${nd})`, "ValueError");
  if (nd !== 1 && t.shape.length >= 1 && x.shape[0] !== t.shape[0])
    throw new OpError(
      `Expected input batch_size (${x.shape[0]}) to match target batch_size (${t.shape[0]}).`,
      "ValueError",
    );
  const C = nd === 1 ? x.shape[0] : x.shape[1];
  const rest = (): void => {
    if (t.dtype !== "int64")
      throw new OpError(`expected scalar type Long but found ${scalarTypeName(t.dtype)}`);
    if (w && (w.shape.length !== 1 || w.shape[0] !== C))
      throw new OpError(
        `weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${shapeStr(w.shape)}`,
      );
  };
  if (nd <= 2) {
    if (t.shape.length > 1)
      throw new OpError("0D or 1D target tensor expected, multi-target not supported");
    if (nd === 1 && t.shape.length !== 0)
      throw new OpError(
        `size mismatch (got input: ${shapeStr(x.shape)}, target: ${shapeStr(t.shape)})`,
      );
    rest();
    return reducedMeta(nd === 2 ? [x.shape[0]] : [], x.dtype, r);
  }
  const expected = [x.shape[0], ...x.shape.slice(2)];
  if (t.shape.length !== expected.length || t.shape.some((s, i) => s !== expected[i])) {
    if (nd === 4) {
      if (t.shape.length !== 3)
        throw new OpError(
          `only batches of spatial targets supported (3D tensors) but got targets of dimension: ${t.shape.length}`,
        );
      throw new OpError(
        `size mismatch (got input: ${shapeStr(x.shape)} , target: ${shapeStr(t.shape)}`,
      );
    }
    throw new OpError(`Expected target size ${shapeStr(expected)}, got ${shapeStr(t.shape)}`);
  }
  rest();
  return reducedMeta(expected, x.dtype, r);
}

add(
  op({
    name: "nll_loss",
    names: [nnf("nll_loss")],
    params: [
      "input",
      "target",
      "weight=None",
      "size_average=None",
      "ignore_index=-100",
      "reduce=None",
      "reduction='mean'",
    ],
    python: true,
    kind: "compute",
    meta: (a) => {
      a.int("ignore_index");
      return nllMeta(a.tensor("input"), a.tensor("target"), a.optTensor("weight"), reduction(a));
    },
    kernel: (a, T) =>
      T.nll_loss(a.tensor("input"), a.tensor("target"), {
        weight: a.optTensor("weight"),
        ignore_index: a.int("ignore_index"),
        reduction: reduction(a) as "mean",
      }),
    rf: lossRf,
  }),
);

add(
  op({
    name: "cross_entropy",
    names: [nnf("cross_entropy")],
    params: [
      "input",
      "target",
      "weight=None",
      "size_average=None",
      "ignore_index=-100",
      "reduce=None",
      "reduction='mean'",
      "label_smoothing=0.0",
    ],
    python: true,
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const t = a.tensor("target");
      const r = reduction(a);
      const ls = a.float("label_smoothing");
      a.int("ignore_index");
      if (ls < 0 || ls > 1)
        throw new OpError(`label_smoothing must be between 0.0 and 1.0. Got: ${ls}`);
      const w = a.optTensor("weight");
      const same = x.shape.length === t.shape.length && x.shape.every((s, i) => s === t.shape[i]);
      // class probabilities when the target has the input's shape, else class indices
      if (same) {
        if (!isFloating(t.dtype))
          throw new OpError(
            `Expected floating point type for target with class probabilities, got ${scalarTypeName(t.dtype)}`,
          );
        const C = x.shape.length === 1 ? x.shape[0] : x.shape[1];
        if (w && (w.shape.length !== 1 || w.shape[0] !== C))
          throw new OpError(
            `weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${shapeStr(w.shape)}`,
          );
        const out = x.shape.length === 1 ? [] : [x.shape[0], ...x.shape.slice(2)];
        return reducedMeta(out, x.dtype, r);
      }
      return nllMeta(x, t, w, r);
    },
    kernel: (a, T, ctx) => {
      const x = a.tensor("input");
      const t = a.tensor("target");
      const r = reduction(a);
      const ls = a.float("label_smoothing");
      const same = x.ndim === t.ndim && x.shape.every((s, i) => s === t.shape[i]);
      if (same && isFloating(ctx.dtypeOf(t))) {
        const cdim = x.ndim === 1 ? 0 : 1;
        const C = x.shape[cdim];
        let target: Tensor = t;
        if (ls > 0) target = T.add(T.mul(t, 1 - ls), ls / C);
        let lp = T.log_softmax(x, cdim);
        const w = a.optTensor("weight");
        if (w)
          lp = T.mul(
            lp,
            x.ndim === 1 ? w : T.reshape(w, [1, C, ...new Array<number>(x.ndim - 2).fill(1)]),
          );
        const l = T.neg(T.sum(T.mul(lp, target), [cdim]));
        if (r === "mean") return T.div(T.sum(l), x.ndim === 1 ? 1 : x.size / C);
        return reduce(T, l, r);
      }
      return T.cross_entropy(x, t, {
        weight: a.optTensor("weight"),
        ignore_index: a.int("ignore_index"),
        reduction: r as "mean",
        label_smoothing: ls,
      });
    },
    rf: lossRf,
  }),
);

add(
  op({
    name: "kl_div",
    names: [nnf("kl_div")],
    params: ["input", "target", ...LEGACY, "reduction='mean'", "log_target=False"],
    python: true,
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const t = a.tensor("target");
      const r = reduction(a, true);
      a.bool("log_target");
      const shape = broadcastShapes(x.shape, t.shape);
      return reducedMeta(shape, x.dtype, r === "batchmean" ? "sum" : r);
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const t = a.tensor("target");
      const r = reduction(a, true);
      // target·(log target − input), 0 where target = 0 (xlogy); log_target: e^t·(t − input)
      const l = a.bool("log_target")
        ? T.mul(T.exp(t), T.sub(t, x))
        : T.sub(
            // d/dt t·log t = log t + 1; PyTorch's target gradient is NaN where t = 0
            T.binaryOp(
              "xlogy",
              t,
              t,
              (u) => (u === 0 ? 0 : u * Math.log(u)),
              (u) => (u === 0 ? NaN : Math.log(u) + 1),
              () => 0,
            ),
            T.mul(t, x),
          );
      return reduce(T, l, r, x.ndim ? x.shape[0] : 1);
    },
    rf: lossRf,
  }),
);
