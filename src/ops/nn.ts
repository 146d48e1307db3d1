/**
 * Neural-network functions: dropout (`F.dropout`, `F.dropout1d/2d/3d`, `F.alpha_dropout`),
 * `F.embedding`, `F.one_hot`, normalisation (`F.layer_norm`, `F.group_norm`, `F.batch_norm`,
 * `F.normalize`), and `F.scaled_dot_product_attention` (PyTorch 2.x's API: dlq reads code written
 * for newer PyTorch too; its semantics are the math definition of PyTorch 2.x's docs).
 *
 * Dropout is the one place for the dropout formula: the dropout modules
 * (src/analysis/layers/dropout.ts) run {@link applyDropout}. The functional ops follow their
 * `training` argument (default True, as in PyTorch), drawing masks from the kernel's generator.
 */
import { typeName } from "../python/values.js";
import type { Tensor } from "../tensor/index.js";
import { isFloating, scalarTypeName, tensorTypeName } from "./dtype.js";
import { nnf, op, torch } from "./define.js";
import { iterStrides } from "./layout.js";
import { matmulMeta } from "./linalg.js";
import {
  DataDependent,
  OpError,
  type KernelContext,
  type OpArgs,
  type OpDef,
  type OpRf,
  type TensorCore,
  type TensorMeta,
} from "./types.js";
import { broadcastShapes, meta, numel, pyNum, shapeStr, wrapDim } from "./util.js";
import { scalarKind } from "./util.js";

export const NN_OPS: OpDef[] = [];
const add = (d: OpDef): void => void NN_OPS.push(d);

// ---- dropout ----------------------------------------------------------------------------------

/** Which elements share a dropout mask entry: every element, or whole channels. */
export type DropoutKind = "element" | "feature1d" | "feature2d" | "feature3d" | "alpha";

/**
 * Dropout in training mode on the tensor core: inverted dropout with probability `p`, per element
 * or per channel (a `feature*` kind: the mask covers the batch and channel dims and broadcasts over
 * the rest, as ATen's `feature_dropout`; an unbatched input's channels are its first dim), from
 * `generator`. p = 0 is the identity, p = 1 zeroes everything.
 */
export function applyDropout(
  kind: DropoutKind,
  x: Tensor,
  p: number,
  T: TensorCore,
  generator: KernelContext["generator"] | undefined,
): Tensor {
  if (p === 0) return x;
  if (kind === "alpha") throw new OpError("alpha_dropout in training mode has no kernel in dlq");
  if (kind === "element") return T.dropout(x, p, { training: true, generator });
  const unbatched =
    (kind === "feature1d" && x.ndim === 2) || (kind === "feature3d" && x.ndim !== 5);
  const k = unbatched ? 1 : 2;
  const shape = x.shape.map((s, i) => (i < k ? s : 1));
  const mask = T.zeros(shape);
  if (p < 1) {
    if (!generator) throw new OpError("dropout: a generator is needed in training mode");
    const keep = 1 - p;
    for (let i = 0; i < mask.size; i++) mask.data[i] = generator.uniform() < keep ? 1 / keep : 0;
  }
  return T.mul(x, mask);
}

/** `F.dropout`'s defaults of `p` and `inplace` (what the dropout modules default to). */
export function dropoutDefaults(): { p: number; inplace: boolean } {
  const d = NN_OPS.find((o) => o.names.includes(nnf("dropout"))) as OpDef;
  const get = (n: string): unknown => d.params.find((p) => p.name === n)?.default;
  const p = get("p") as number | { float: number };
  return { p: typeof p === "number" ? p : p.float, inplace: get("inplace") as boolean };
}

/** F.dropout's Python check of p (its message prints p as Python does). */
function checkP(a: OpArgs<unknown>): number {
  const v = a.raw("p");
  const p = a.float("p");
  if (p < 0 || p > 1)
    throw new OpError(
      `dropout probability has to be between 0 and 1, but got ${pyNum(p, scalarKind(v) === "float")}`,
      "ValueError",
    );
  return p;
}
/** `training` goes to ATen's `dropout(input, p, train)`: a bool (PyTorch's TypeError names 'train'). */
function checkTrain(a: OpArgs<unknown>, native: string): boolean {
  const v = a.raw("training");
  if (typeof v !== "boolean")
    throw new OpError(
      `${native}(): argument 'train' (position 3) must be bool, not ${typeName(v)}`,
      "TypeError",
    );
  return v;
}

const DROPOUTS: [string, DropoutKind, string, (r: number) => string | null][] = [
  ["dropout", "element", "dropout", () => null],
  [
    "dropout1d",
    "feature1d",
    "feature_dropout",
    (r) =>
      r === 2 || r === 3
        ? null
        : `dropout1d: Expected 2D or 3D input, but received a ${r}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).`,
  ],
  [
    "dropout2d",
    "feature2d",
    "feature_dropout",
    (r) => (r >= 2 ? null : "Feature dropout requires at least 2 dimensions in the input"),
  ],
  [
    "dropout3d",
    "feature3d",
    "feature_dropout",
    (r) => (r >= 1 ? null : "Feature dropout requires at least 2 dimensions in the input"),
  ],
  ["alpha_dropout", "alpha", "alpha_dropout", () => null],
];
for (const [name, kind, native, check] of DROPOUTS) {
  add(
    op({
      name,
      names: [nnf(name)],
      params: [
        "input",
        "p=0.5",
        `training=${kind === "alpha" ? "False" : "True"}`,
        "inplace=False",
      ],
      python: true,
      random: true,
      inplace: (a) => a.truthy("inplace"),
      kind: "compute",
      meta: (a) => {
        const x = a.tensor("input");
        checkP(a);
        const why = check(x.shape.length);
        if (why) throw new OpError(why);
        checkTrain(a, native);
        const p = a.float("p");
        if (!a.bool("training") || p === 0) return x;
        if (!isFloating(x.dtype) && p < 1)
          throw new OpError(
            `result type Float can't be cast to the desired output type ${scalarTypeName(x.dtype)}`,
          );
        // input · mask, the mask laid out like the input (TensorIterator)
        return meta(x.shape, x.dtype, iterStrides(x.shape, [x]));
      },
      kernel: (a, T, ctx) => {
        const x = a.tensor("input");
        if (!a.bool("training")) return x;
        return applyDropout(kind, x, a.float("p"), T, ctx.generator);
      },
      rf: () => ({ kind: "pointwise" }),
    }),
  );
}
add(
  op({
    name: "dropout",
    names: [torch("dropout")],
    params: ["input", "p", "train"],
    random: true,
    kind: "compute",
    meta: (a) => {
      a.float("p");
      a.bool("train");
      return a.tensor("input");
    },
    kernel: (a, T, ctx) =>
      a.bool("train")
        ? applyDropout("element", a.tensor("input"), a.float("p"), T, ctx.generator)
        : a.tensor("input"),
    rf: () => ({ kind: "pointwise" }),
  }),
);

// ---- embedding, one_hot --------------------------------------------------------------------

function embeddingMeta(a: OpArgs<TensorMeta>): TensorMeta {
  const idx = a.tensor("input");
  const w = a.tensor("weight");
  if (a.has("padding_idx")) {
    const p = a.int("padding_idx");
    const V = w.shape[0];
    if ((p > 0 && p >= V) || (p < 0 && p < -V))
      throw new OpError("Padding_idx must be within num_embeddings", "AssertionError");
  }
  if (idx.dtype !== "int64" && idx.dtype !== "int32")
    throw new OpError(
      `Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ${tensorTypeName(idx.dtype)} instead (while checking arguments for embedding)`,
    );
  if (w.shape.length !== 2) throw new OpError("'weight' must be 2-D");
  return meta([...idx.shape, w.shape[1]], w.dtype);
}
add(
  op({
    name: "embedding",
    names: [nnf("embedding")],
    params: [
      "input",
      "weight",
      "padding_idx=None",
      "max_norm=None",
      "norm_type=2.0",
      "scale_grad_by_freq=False",
      "sparse=False",
    ],
    python: true,
    kind: "compute",
    meta: (a) => {
      if (a.has("max_norm")) a.float("max_norm");
      return embeddingMeta(a);
    },
    kernel: (a, T) => {
      if (a.has("max_norm"))
        throw new OpError(
          "F.embedding(max_norm=…) renormalises the weight in place: dlq has no kernel for it",
        );
      const w = a.tensor("weight");
      let p = a.has("padding_idx") ? a.int("padding_idx") : null;
      if (p !== null && p < 0) p += w.shape[0];
      const idx = a.tensor("input");
      for (const v of idx.data)
        if (v < 0 || v >= w.shape[0]) throw new OpError("index out of range in self", "IndexError");
      return T.embedding(idx, w, p);
    },
    rf: () => ({ kind: "pointwise" }),
  }),
);
add(
  op({
    name: "one_hot",
    names: [nnf("one_hot")],
    params: ["input", "num_classes=-1"],
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const c = a.int("num_classes");
      if (x.dtype !== "int64") throw new OpError("one_hot is only applicable to index tensor.");
      if (c === -1) {
        if (numel(x.shape) === 0)
          throw new OpError("Can not infer total number of classes from empty tensor.");
        throw new DataDependent(
          "one_hot with num_classes=-1: the number of classes is the input's maximum + 1, known only from its values",
          "int64",
        );
      }
      return meta([...x.shape, c], "int64");
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      let c = a.int("num_classes");
      if (c === -1) c = Math.max(...x.data) + 1;
      const out = new Float64Array(x.size * c);
      x.data.forEach((v, i) => {
        if (v < 0) throw new OpError("Class values must be non-negative.");
        if (v >= c) throw new OpError("Class values must be smaller than num_classes.");
        out[i * c + v] = 1;
      });
      return new T.Tensor(out, [...x.shape, c]);
    },
    rf: () => ({ kind: "pointwise" }),
  }),
);

// ---- normalisation --------------------------------------------------------------------------

/** (x − mean)/√(var + eps) over `dims` (biased variance), on the tensor core. */
function normalise(T: TensorCore, x: Tensor, dims: number[], eps: number): Tensor {
  const mu = T.mean(x, dims, true);
  const c = T.sub(x, mu);
  const v = T.mean(T.mul(c, c), dims, true);
  return T.div(c, T.sqrt(T.add(v, eps)));
}

add(
  op({
    name: "layer_norm",
    names: [nnf("layer_norm"), torch("layer_norm")],
    params: ["input", "normalized_shape", "weight=None", "bias=None", "eps=1e-05"],
    python: true,
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const ns = a.intList("normalized_shape");
      const w = a.optTensor("weight");
      const b = a.optTensor("bias");
      a.float("eps");
      if (ns.length < 1)
        throw new OpError(
          "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []",
        );
      for (const [t, what] of [
        [w, "weight"],
        [b, "bias"],
      ] as const)
        if (t && (t.shape.length !== ns.length || t.shape.some((s, i) => s !== ns[i])))
          throw new OpError(
            `Expected ${what} to be of same shape as normalized_shape, but got ${what} of shape ${shapeStr(t.shape)} and normalized_shape = ${shapeStr(ns)}`,
          );
      const r = x.shape.length;
      if (r < ns.length || x.shape.slice(r - ns.length).some((s, i) => s !== ns[i]))
        throw new OpError(
          `Given normalized_shape=${shapeStr(ns)}, expected input with shape [*, ${ns.join(", ")}], but got input of size${shapeStr(x.shape)}`,
        );
      return meta(x.shape, x.dtype);
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const k = a.intList("normalized_shape").length;
      const dims = Array.from({ length: k }, (_x, i) => x.ndim - k + i);
      let y = normalise(T, x, dims, a.float("eps"));
      const w = a.optTensor("weight");
      const b = a.optTensor("bias");
      if (w) y = T.mul(y, w);
      if (b) y = T.add(y, b);
      return y;
    },
    // the normalised dims are the last ones, where the spatial axes are
    rf: (_a, axes) =>
      axes > 0
        ? { kind: "global", reason: "layer_norm normalises over the spatial axes" }
        : { kind: "pointwise" },
  }),
);

/** Per-channel affine parameters broadcast along dim 1. */
function channelView(T: TensorCore, p: Tensor, rank: number): Tensor {
  return T.reshape(p, [1, p.size, ...new Array<number>(Math.max(rank - 2, 0)).fill(1)]);
}

add(
  op({
    name: "group_norm",
    names: [nnf("group_norm"), torch("group_norm")],
    params: ["input", "num_groups", "weight=None", "bias=None", "eps=1e-05"],
    python: true,
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const g = a.int("num_groups");
      // F.group_norm reads input.size(1) first
      wrapDim(1, x.shape.length);
      const size = [Math.floor((x.shape[0] * x.shape[1]) / g), g, ...x.shape.slice(2)];
      if (size[0] * numel(size.slice(2)) === 1)
        throw new OpError(
          `Expected more than 1 value per channel when training, got input size ${shapeStr(size)}`,
          "ValueError",
        );
      if (x.shape[1] % g !== 0)
        throw new OpError(
          `Expected number of channels in input to be divisible by num_groups, but got input of shape ${shapeStr(x.shape)} and num_groups=${g}`,
        );
      for (const k of ["weight", "bias"]) {
        const t = a.optTensor(k);
        if (t && (t.shape.length !== 1 || t.shape[0] !== x.shape[1]))
          throw new OpError(
            `Expected ${k} tensor to have ${x.shape[1]} elements, but got ${k} tensor of shape ${shapeStr(t.shape)}`,
          );
      }
      return meta(x.shape, x.dtype);
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const g = a.int("num_groups");
      const N = x.shape[0];
      const grouped = T.reshape(x, [N, g, -1]);
      let y = T.reshape(normalise(T, grouped, [2], a.float("eps")), x.shape);
      const w = a.optTensor("weight");
      const b = a.optTensor("bias");
      if (w) y = T.mul(y, channelView(T, w, x.ndim));
      if (b) y = T.add(y, channelView(T, b, x.ndim));
      return y;
    },
    rf: (a, axes) =>
      axes > 0 && a.tensor("input").shape.length > 2
        ? { kind: "global", reason: "group_norm normalises over the spatial axes" }
        : { kind: "pointwise" },
  }),
);

add(
  op({
    name: "batch_norm",
    names: [nnf("batch_norm"), torch("batch_norm")],
    params: [
      "input",
      "running_mean",
      "running_var",
      "weight=None",
      "bias=None",
      "training=False",
      "momentum=0.1",
      "eps=1e-05",
    ],
    python: true,
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const training = a.truthy("training");
      if (training) {
        const s = x.shape;
        if (s[0] * numel(s.slice(2)) === 1)
          throw new OpError(
            `Expected more than 1 value per channel when training, got input size torch.Size(${shapeStr(s)})`,
            "ValueError",
          );
      }
      if (x.shape.length < 2)
        throw new OpError(`batch_norm: expected 2D or more input, got ${x.shape.length}D`);
      const C = x.shape[1];
      for (const k of ["running_mean", "running_var", "weight", "bias"]) {
        const t = a.optTensor(k);
        if (t && numel(t.shape) !== C)
          throw new OpError(`${k} should contain ${C} elements not ${numel(t.shape)}`);
      }
      return meta(x.shape, x.dtype);
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_x, i) => i + 2)];
      const eps = a.float("eps");
      let y: Tensor;
      const rm = a.optTensor("running_mean");
      const rv = a.optTensor("running_var");
      if (a.truthy("training") || !rm || !rv) y = normalise(T, x, dims, eps);
      else
        y = T.div(
          T.sub(x, channelView(T, rm.detach(), x.ndim)),
          T.sqrt(T.add(channelView(T, rv.detach(), x.ndim), eps)),
        );
      const w = a.optTensor("weight");
      const b = a.optTensor("bias");
      if (w) y = T.mul(y, channelView(T, w, x.ndim));
      if (b) y = T.add(y, channelView(T, b, x.ndim));
      return y;
    },
    rf: () => ({ kind: "pointwise" }),
  }),
);

add(
  op({
    name: "normalize",
    names: [nnf("normalize")],
    params: ["input", "p=2.0", "dim=1", "eps=1e-12", "out=None"],
    python: true,
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      a.float("p");
      wrapDim(a.int("dim"), x.shape.length);
      a.float("eps");
      if (!isFloating(x.dtype))
        throw new OpError(
          `linalg.vector_norm: Expected a floating point or complex tensor as input. Got ${scalarTypeName(x.dtype)}`,
        );
      return meta(x.shape, x.dtype);
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const p = a.float("p");
      const d = a.int("dim");
      const n =
        p === 2
          ? T.sqrt(T.sum(T.mul(x, x), [d], true))
          : p === 1
            ? T.sum(T.abs(x), [d], true)
            : T.pow(T.sum(T.pow(T.abs(x), p), [d], true), 1 / p);
      return T.div(x, T.clamp(n, a.float("eps"), null));
    },
    rf: (a, axes) => {
      const x = a.tensor("input");
      const d = wrapDim(a.int("dim"), x.shape.length);
      return axes > 0 && d >= x.shape.length - axes
        ? { kind: "global", reason: "normalize divides by a norm over a spatial axis" }
        : { kind: "pointwise" };
    },
  }),
);

// ---- scaled_dot_product_attention ---------------------------------------------------------

/**
 * PyTorch 2.x's `F.scaled_dot_product_attention(query, key, value, attn_mask=None,
 * dropout_p=0.0, is_causal=False, *, scale=None)`: query (…, L, E), key (…, S, E), value
 * (…, S, Ev) → (…, L, Ev); the batch dims broadcast as in `query @ key.transpose(-2, -1)`, and
 * attn_mask (bool: True keeps; float: added) must broadcast to (…, L, S).
 */
function sdpaMeta(a: OpArgs<TensorMeta>): TensorMeta {
  const q = a.tensor("query");
  const k = a.tensor("key");
  const v = a.tensor("value");
  const mask = a.optTensor("attn_mask");
  const dropoutP = a.float("dropout_p");
  const causal = a.bool("is_causal");
  if (a.has("scale")) a.float("scale");
  if (q.dtype !== k.dtype || q.dtype !== v.dtype)
    throw new OpError(
      `Expected query, key, and value to have the same dtype, but got query.dtype: ${scalarTypeName(q.dtype)} key.dtype: ${scalarTypeName(k.dtype)} and value.dtype: ${scalarTypeName(v.dtype)} instead.`,
    );
  if (!isFloating(q.dtype))
    throw new OpError(
      `scaled_dot_product_attention: expected floating point query, key and value, got ${scalarTypeName(q.dtype)}`,
    );
  if (q.shape.length < 2 || k.shape.length < 2 || v.shape.length < 2)
    throw new OpError(
      `scaled_dot_product_attention: query, key and value must be at least 2-D, got ${q.shape.length}D, ${k.shape.length}D and ${v.shape.length}D`,
    );
  if (dropoutP < 0 || dropoutP > 1)
    throw new OpError(`dropout probability has to be between 0 and 1, but got ${dropoutP}`);
  if (causal && mask)
    throw new OpError(
      "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True",
    );
  const kt = meta(
    [...k.shape.slice(0, -2), k.shape.at(-1) as number, k.shape.at(-2) as number],
    k.dtype,
  );
  const scores = matmulMeta(q, kt);
  if (mask) {
    if (mask.dtype !== "bool" && mask.dtype !== q.dtype)
      throw new OpError(
        `Expected attn_mask dtype to be bool or to match query dtype, but got attn_mask.dtype: ${scalarTypeName(mask.dtype)} and  query.dtype: ${scalarTypeName(q.dtype)} instead.`,
      );
    const b = broadcastShapes(scores.shape, mask.shape);
    if (b.length !== scores.shape.length || b.some((s, i) => s !== scores.shape[i]))
      throw new OpError(
        `attn_mask of shape ${shapeStr(mask.shape)} does not broadcast to the attention weights' shape ${shapeStr(scores.shape)}`,
      );
  }
  const out = matmulMeta(scores, v);
  return meta(out.shape, q.dtype);
}

add(
  op({
    name: "scaled_dot_product_attention",
    names: [nnf("scaled_dot_product_attention")],
    params: [
      "query",
      "key",
      "value",
      "attn_mask=None",
      "dropout_p=0.0",
      "is_causal=False",
      "*",
      "scale=None",
    ],
    random: true,
    kind: "compute",
    meta: sdpaMeta,
    kernel: (a, T, ctx) => {
      const q = a.tensor("query");
      const k = a.tensor("key");
      const v = a.tensor("value");
      const E = q.shape[q.ndim - 1];
      const scale = a.has("scale") ? a.float("scale") : 1 / Math.sqrt(E);
      let s = T.mul(T.matmul(q, T.transpose(k, -2, -1)), scale);
      const L = q.shape[q.ndim - 2];
      const S = k.shape[k.ndim - 2];
      if (a.bool("is_causal")) {
        const m = new Float64Array(L * S);
        for (let i = 0; i < L; i++)
          for (let j = 0; j < S; j++) m[i * S + j] = j <= i ? 0 : -Infinity;
        s = T.add(s, new T.Tensor(m, [L, S]));
      }
      const mask = a.optTensor("attn_mask");
      if (mask) {
        if (ctx.dtypeOf(mask) === "bool")
          s = T.add(
            s,
            T.noGrad(() =>
              T.unaryOp(
                "mask",
                mask,
                (x) => (x !== 0 ? 0 : -Infinity),
                () => 0,
              ),
            ),
          );
        else s = T.add(s, mask);
      }
      let w = T.softmax(s, -1);
      const p = a.float("dropout_p");
      if (p > 0) w = applyDropout("element", w, p, T, ctx.generator);
      return T.matmul(w, v);
    },
    rf: (): OpRf => ({ kind: "global", reason: "attention mixes every position" }),
    fma: (a, out) => {
      const q = a.tensor("query");
      const k = a.tensor("key");
      const L = q.shape.at(-2) as number;
      const E = q.shape.at(-1) as number;
      const S = k.shape.at(-2) as number;
      const o = out as TensorMeta;
      const Ev = o.shape.at(-1) as number;
      const batch = numel(o.shape) / (L * Ev || 1);
      return batch * L * S * (E + Ev);
    },
  }),
);
