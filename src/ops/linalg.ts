/**
 * Matrix products: `matmul` (`@`, with ATen 1.13's dispatch: dot, mv, mm, folding a batched left
 * operand into mm, else broadcast batch dims and bmm, each with its message), `mm`, `bmm`, `mv`,
 * `dot`, `outer`, `F.linear`, `einsum`.
 *
 * Meta: the result shape and dtype (both operands must have the same dtype); contiguous.
 * Multiply-accumulates: batch·m·n·k for a product, the product of every index size for einsum.
 * Receptive field: global (a product contracts the last axis, a spatial one in (N, C, *spatial)).
 */
import type { Tensor } from "../tensor/index.js";
import { isFloating, scalarTypeName } from "./dtype.js";
import { method, nnf, op, operator, torch } from "./define.js";
import {
  OpError,
  type OpArgs,
  type OpDef,
  type OpOut,
  type OpRf,
  type TensorCore,
  type TensorMeta,
} from "./types.js";
import { broadcastShapes, meta, numel, shapeStr } from "./util.js";
import { seqItems } from "./args.js";
import { typeName } from "../python/values.js";

export const LINALG_OPS: OpDef[] = [];
const add = (d: OpDef): void => void LINALG_OPS.push(d);

const GLOBAL: OpRf = {
  kind: "global",
  reason: "a matrix product mixes every position of the contracted axis",
};

function sameDtype(a: TensorMeta, b: TensorMeta): void {
  if (a.dtype !== b.dtype)
    throw new OpError(
      `expected scalar type ${scalarTypeName(a.dtype)} but found ${scalarTypeName(b.dtype)}`,
    );
}
const x2 = (s: readonly number[]): string => s.join("x");

function dotMeta(a: TensorMeta, b: TensorMeta): TensorMeta {
  if (a.shape.length !== 1 || b.shape.length !== 1)
    throw new OpError(
      `1D tensors expected, but got ${a.shape.length}D and ${b.shape.length}D tensors`,
    );
  if (a.shape[0] !== b.shape[0])
    throw new OpError(
      `inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`,
    );
  if (a.dtype !== b.dtype)
    throw new OpError(
      `dot : expected both vectors to have same dtype, but found ${scalarTypeName(a.dtype)} and ${scalarTypeName(b.dtype)}`,
    );
  return meta([], a.dtype);
}
function mvMeta(m: TensorMeta, v: TensorMeta): TensorMeta {
  if (m.shape.length !== 2 || v.shape.length !== 1)
    throw new OpError(
      `vector + matrix @ vector expected, got 1, ${m.shape.length}, ${v.shape.length}`,
    );
  if (m.shape[1] !== v.shape[0])
    throw new OpError(`size mismatch, got ${m.shape[0]}, ${x2(m.shape)},${v.shape[0]}`);
  sameDtype(m, v);
  return meta([m.shape[0]], m.dtype);
}
function mmMeta(a: TensorMeta, b: TensorMeta): TensorMeta {
  if (a.shape.length !== 2) throw new OpError("self must be a matrix");
  if (b.shape.length !== 2) throw new OpError("mat2 must be a matrix");
  if (a.shape[1] !== b.shape[0])
    throw new OpError(
      `mat1 and mat2 shapes cannot be multiplied (${x2(a.shape)} and ${x2(b.shape)})`,
    );
  if (a.dtype !== b.dtype)
    throw new OpError(
      `expected scalar type ${scalarTypeName(a.dtype)} but found ${scalarTypeName(b.dtype)}`,
    );
  return meta([a.shape[0], b.shape[1]], a.dtype);
}
function bmmMeta(a: TensorMeta, b: TensorMeta): TensorMeta {
  if (a.shape.length !== 3) throw new OpError("batch1 must be a 3D tensor");
  if (b.shape.length !== 3) throw new OpError("batch2 must be a 3D tensor");
  const [bs, n, k] = a.shape;
  if (b.shape[0] !== bs || b.shape[1] !== k)
    throw new OpError(
      `Expected size for first two dimensions of batch2 tensor to be: [${bs}, ${k}] but got: [${b.shape[0]}, ${b.shape[1]}].`,
    );
  sameDtype(a, b);
  return meta([bs, n, b.shape[2]], a.dtype);
}

/** ATen 1.13's `matmul` shape rule and refusals (aten/src/ATen/native/LinearAlgebra.cpp). */
export function matmulMeta(a: TensorMeta, b: TensorMeta): TensorMeta {
  const d1 = a.shape.length;
  const d2 = b.shape.length;
  if (d1 === 0 || d2 === 0)
    throw new OpError(
      `both arguments to matmul need to be at least 1D, but they are ${d1}D and ${d2}D`,
    );
  if (d1 === 1 && d2 === 1) return dotMeta(a, b);
  if (d1 === 2 && d2 === 1) return mvMeta(a, b);
  if (d1 === 1 && d2 === 2) {
    const r = mmMeta(meta([1, a.shape[0]], a.dtype), b);
    return meta([r.shape[1]], r.dtype);
  }
  if (d1 === 2 && d2 === 2) return mmMeta(a, b);
  if (d1 >= 3 && (d2 === 1 || d2 === 2)) {
    // fold the batch dims of the left operand into the rows of one mm (or mv)
    const k = a.shape[d1 - 1];
    const rows = numel(a.shape) / (k || 1);
    const folded = meta([k === 0 ? numel(a.shape.slice(0, -1)) : rows, k], a.dtype);
    const r = d2 === 1 ? mvMeta(folded, b) : mmMeta(folded, b);
    const out = [...a.shape.slice(0, -1)];
    if (d2 === 2) out.push(b.shape[1]);
    return meta(out, r.dtype);
  }
  // batched: broadcast the batch dims, then bmm
  const n = d1 > 1 ? a.shape[d1 - 2] : 1;
  const m1 = a.shape[d1 - 1];
  const batch1 = a.shape.slice(0, Math.max(d1 - 2, 0));
  const m2 = d2 > 1 ? b.shape[d2 - 2] : b.shape[0];
  const p = d2 > 1 ? b.shape[d2 - 1] : 1;
  const batch2 = b.shape.slice(0, Math.max(d2 - 2, 0));
  const batch = broadcastShapes(batch1, batch2);
  const bs = numel(batch);
  bmmMeta(meta([bs, n, m1], a.dtype), meta([bs, m2, p], b.dtype));
  const out = [...batch];
  if (d1 > 1) out.push(n);
  if (d2 > 1) out.push(p);
  return meta(out, a.dtype);
}

/** m·n·k·batch of a product whose result is `out`, contracting `k`. */
function productFma(out: TensorMeta, k: number): number {
  return numel(out.shape) * k;
}

for (const [name, names, metaFn, kname] of [
  ["matmul", [torch("matmul"), method("matmul")], matmulMeta, "other"],
  ["mm", [torch("mm"), method("mm")], mmMeta, "mat2"],
  ["bmm", [torch("bmm"), method("bmm")], bmmMeta, "mat2"],
  ["mv", [torch("mv"), method("mv")], mvMeta, "vec"],
  ["dot", [torch("dot"), method("dot"), torch("inner"), method("inner")], dotMeta, "other"],
] as const) {
  add(
    op({
      name,
      names: [...names],
      params: ["input", kname],
      kind: "compute",
      meta: (a) => metaFn(a.tensor("input"), a.tensor(kname)),
      kernel: (a, T) => T.matmul(a.tensor("input"), a.tensor(kname)),
      rf: () => GLOBAL,
      fma: (a, out) => productFma(out as TensorMeta, a.tensor("input").shape.at(-1) ?? 1),
    }),
  );
}
add(
  op({
    name: "matmul",
    names: [operator("matmul")],
    params: ["input", "other", "/"],
    python: true,
    kind: "compute",
    meta: (a) => matmulMeta(a.tensor("input"), a.tensor("other")),
    kernel: (a, T) => T.matmul(a.tensor("input"), a.tensor("other")),
    rf: () => GLOBAL,
    fma: (a, out) => productFma(out as TensorMeta, a.tensor("input").shape.at(-1) ?? 1),
  }),
);
add(
  op({
    name: "outer",
    names: [torch("outer"), method("outer"), torch("ger"), method("ger")],
    params: ["input", "vec2"],
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const y = a.tensor("vec2");
      if (x.shape.length !== 1)
        throw new OpError(`outer: Expected 1-D argument self, but got ${x.shape.length}-D`);
      if (y.shape.length !== 1)
        throw new OpError(`outer: Expected 1-D argument vec2, but got ${y.shape.length}-D`);
      return meta([x.shape[0], y.shape[0]], x.dtype === y.dtype ? x.dtype : x.dtype);
    },
    kernel: (a, T) => T.mul(T.unsqueeze(a.tensor("input"), 1), T.unsqueeze(a.tensor("vec2"), 0)),
    rf: () => GLOBAL,
    fma: (_a, out) => numel((out as TensorMeta).shape),
  }),
);

/** F.linear: input @ weightᵀ (+ bias), with ATen's messages (the addmm path for 2-D input). */
export function linearMeta(x: TensorMeta, w: TensorMeta, b: TensorMeta | undefined): TensorMeta {
  if (w.shape.length > 2 || w.shape.length === 0)
    throw new OpError(`t() expects a tensor with <= 2 dimensions, but self is ${w.shape.length}D`);
  const wt = meta(w.shape.length === 2 ? [w.shape[1], w.shape[0]] : w.shape, w.dtype);
  const out = matmulMeta(x, wt);
  if (b) {
    if (x.shape.length === 2 && out.shape.length === 2) {
      // addmm(bias, input, weight.t()): the bias expands to the result
      const [m, n] = out.shape;
      const bs = b.shape;
      const ok =
        bs.length <= 2 &&
        (bs.length === 0 || bs[bs.length - 1] === n || bs[bs.length - 1] === 1) &&
        (bs.length < 2 || bs[0] === m || bs[0] === 1);
      if (!ok) {
        const nd = bs.length;
        const target = [m, n];
        for (let i = 1; i >= 0; i--) {
          const dim = nd - 2 + i;
          const size = dim >= 0 ? bs[dim] : 1;
          if (size !== target[i] && size !== 1)
            throw new OpError(
              `The expanded size of the tensor (${target[i]}) must match the existing size (${size}) at non-singleton dimension ${i}.  Target sizes: ${shapeStr(target)}.  Tensor sizes: ${shapeStr(bs)}`,
            );
        }
        throw new OpError(
          `expand: the bias of shape ${shapeStr(bs)} cannot be broadcast to ${shapeStr(target)}`,
        );
      }
      return out;
    }
    if (x.shape.length === 3 && out.shape.length === 3 && !x.strides) {
      // a contiguous 3-D input takes ATen's fused path: addmm over the flattened rows
      const rows = x.shape[0] * x.shape[1];
      linearMeta(meta([rows, x.shape[2]], x.dtype), w, b);
      return out;
    }
    const s = broadcastShapes(out.shape, b.shape);
    if (s.length !== out.shape.length || s.some((v, i) => v !== out.shape[i]))
      throw new OpError(
        `output with shape ${shapeStr(out.shape)} doesn't match the broadcast shape ${shapeStr(s)}`,
      );
  }
  return out;
}
add(
  op({
    name: "linear",
    names: [nnf("linear"), torch("linear")],
    params: ["input", "weight", "bias=None"],
    kind: "compute",
    meta: (a) => linearMeta(a.tensor("input"), a.tensor("weight"), a.optTensor("bias")),
    kernel: (a, T) => {
      const x = a.tensor("input");
      const w = a.tensor("weight");
      const b = a.optTensor("bias");
      if (w.ndim === 2 && x.ndim >= 1 && (!b || b.ndim <= 1) && (!b || b.size === w.shape[0]))
        return T.linear(x, w, b ?? null);
      const y = T.matmul(x, w.ndim === 2 ? T.t(w) : w);
      return b ? T.add(y, b) : y;
    },
    rf: () => GLOBAL,
    fma: (a, out) => {
      const w = a.tensor("weight");
      return numel((out as TensorMeta).shape) * (w.shape.at(-1) ?? 1);
    },
  }),
);
add(
  op({
    name: "bilinear",
    names: [nnf("bilinear"), torch("bilinear")],
    params: ["input1", "input2", "weight", "bias=None"],
    kind: "compute",
    meta: (a) => {
      const x1 = a.tensor("input1");
      const x2t = a.tensor("input2");
      const w = a.tensor("weight");
      if (w.shape.length !== 3)
        throw new OpError(
          `bilinear(): weight must be three-dimensional, but got ${w.shape.length}`,
        );
      const [o, i1, i2] = w.shape;
      if (x1.shape.at(-1) !== i1)
        throw new OpError(
          `bilinear(): input1 size does not match weight size: got ${x1.shape.at(-1)} but expected ${i1}`,
        );
      if (x2t.shape.at(-1) !== i2)
        throw new OpError(
          `bilinear(): input2 size does not match weight size: got ${x2t.shape.at(-1)} but expected ${i2}`,
        );
      return meta([...x1.shape.slice(0, -1), o], x1.dtype);
    },
    kernel: (a, T) => {
      const x1 = a.tensor("input1");
      const x2t = a.tensor("input2");
      const w = a.tensor("weight");
      // y[..., o] = Σ_ij x1[..., i] W[o, i, j] x2[..., j]
      const [o, i1, i2] = w.shape;
      const lead = x1.shape.slice(0, -1);
      const x1f = T.reshape(x1, [-1, 1, i1, 1]);
      const x2f = T.reshape(x2t, [-1, 1, 1, i2]);
      const prod = T.mul(T.mul(x1f, T.reshape(w, [1, o, i1, i2])), x2f);
      let y = T.reshape(T.sum(prod, [2, 3]), [...lead, o]);
      const b = a.optTensor("bias");
      if (b) y = T.add(y, b);
      return y;
    },
    rf: () => GLOBAL,
    fma: (a, out) => {
      const w = a.tensor("weight");
      return numel((out as TensorMeta).shape) * w.shape[1] * (w.shape[2] + 1);
    },
  }),
);

// ---- einsum ---------------------------------------------------------------------------------

interface EinsumPlan {
  /** Per operand: its subscripts (letters; '.' dims of an ellipsis get synthetic names). */
  subs: string[][];
  out: string[];
  sizes: Map<string, number>;
}

function einsumPlan(eq: string, shapes: readonly (readonly number[])[]): EinsumPlan {
  const s = eq.replace(/\s+/g, "");
  const [lhs, rhs] = s.includes("->") ? s.split("->") : [s, undefined];
  const parts = lhs.split(",");
  if (parts.length !== shapes.length)
    throw new OpError(
      `einsum(): ${parts.length > shapes.length ? "fewer" : "more"} operands were provided than specified in the equation`,
    );
  let ellDims = 0;
  const subs = parts.map((p, k) => {
    const r = shapes[k].length;
    const letters = p.replace("...", "");
    if (!/^[a-zA-Z]*$/.test(letters))
      throw new OpError(
        `einsum(): invalid subscript given at index ${p.search(/[^a-zA-Z.]/)} in the equation string, subscripts must be in [a-zA-Z]`,
      );
    const hasEll = p.includes("...");
    const nEll = hasEll ? r - letters.length : 0;
    if ((!hasEll && letters.length !== r) || nEll < 0)
      throw new OpError(
        `einsum(): the number of subscripts in the equation (${letters.length}) ${hasEll ? "is more than" : "does not match"} the number of dimensions (${r}) for operand ${k}${hasEll ? "" : " and no ellipsis was given"}`,
      );
    ellDims = Math.max(ellDims, nEll);
    const [before, after] = hasEll ? p.split("...") : [p, ""];
    const ell = Array.from({ length: nEll }, (_x, i) => `.${ellDims - nEll + i}`);
    return [...before, ...ell, ...after];
  });
  // ellipsis dims are right-aligned across operands
  const ellNames = Array.from({ length: ellDims }, (_x, i) => `.${i}`);
  const sizes = new Map<string, number>();
  subs.forEach((ss, k) =>
    ss.forEach((c, d) => {
      const n = shapes[k][d];
      const prev = sizes.get(c);
      if (prev === undefined || prev === 1) sizes.set(c, n);
      else if (n !== prev && n !== 1)
        throw new OpError(
          `einsum(): subscript ${c} has size ${n} for operand ${k} which does not broadcast with previously seen size ${prev}`,
        );
    }),
  );
  let out: string[];
  if (rhs === undefined) {
    const counts = new Map<string, number>();
    subs.flat().forEach((c) => counts.set(c, (counts.get(c) ?? 0) + 1));
    out = [
      ...ellNames,
      ...[...counts.keys()].filter((c) => !c.startsWith(".") && counts.get(c) === 1).sort(),
    ];
  } else {
    const letters = rhs.replace("...", "");
    const [before, after] = rhs.includes("...") ? rhs.split("...") : [rhs, ""];
    out = [...before, ...(rhs.includes("...") ? ellNames : []), ...after];
    for (const c of letters)
      if (!sizes.has(c))
        throw new OpError(
          `einsum(): output subscript ${c} does not appear in the equation for any input operand`,
        );
  }
  return { subs, out, sizes };
}

add(
  op({
    name: "einsum",
    names: [torch("einsum")],
    params: ["equation", "*operands"],
    python: true,
    kind: "compute",
    meta: (a) => {
      const ts = einsumOperands(a);
      const p = einsumPlan(
        a.str("equation"),
        ts.map((t) => t.shape),
      );
      const dt = ts[0].dtype;
      for (const t of ts)
        if (t.dtype !== dt)
          throw new OpError(
            `expected scalar type ${scalarTypeName(dt)} but found ${scalarTypeName(t.dtype)}`,
          );
      return meta(
        p.out.map((c) => p.sizes.get(c) as number),
        isFloating(dt) ? dt : dt,
      );
    },
    kernel: (a, T) => einsumKernel(a, T),
    rf: () => GLOBAL,
    fma: (a) => {
      const ts = einsumOperands(a);
      const p = einsumPlan(
        a.str("equation"),
        ts.map((t) => t.shape),
      );
      return [...p.sizes.values()].reduce((x, y) => x * y, 1) * Math.max(ts.length - 1, 1);
    },
  }),
);

/** einsum's operands: varargs, or one list of tensors (`torch.einsum('ij->i', [x])`). */
function einsumOperands<T>(a: OpArgs<T>): T[] {
  let items = seqItems(a.raw("operands")) ?? [];
  if (items.length === 1 && a.tensorOf(items[0]) === undefined) items = seqItems(items[0]) ?? items;
  return items.map((v, i) => {
    const t = a.tensorOf(v);
    if (t === undefined)
      throw new OpError(
        `einsum(): argument 'operands' must be tuple of Tensors, but found element of type ${typeName(v)} at pos ${i + 1}`,
        "TypeError",
      );
    return t;
  });
}

function einsumKernel(a: OpArgs<Tensor>, T: TensorCore): OpOut<Tensor> {
  const ts = einsumOperands(a);
  const p = einsumPlan(
    a.str("equation"),
    ts.map((t) => t.shape),
  );
  const all = [...p.sizes.keys()];
  const dimsOf = all.map((c) => p.sizes.get(c) as number);
  const total = dimsOf.reduce((x, y) => x * y, 1);
  const outShape = p.out.map((c) => p.sizes.get(c) as number);
  const outN = numel(outShape);
  // for each operand and the output: the flat offset contribution of each index letter
  const strideFor = (subs: readonly string[], shape: readonly number[]): number[] => {
    const st = new Array<number>(all.length).fill(0);
    let acc = 1;
    for (let d = subs.length - 1; d >= 0; d--) {
      const k = all.indexOf(subs[d]);
      if (shape[d] !== 1) st[k] += acc;
      acc *= shape[d];
    }
    return st;
  };
  const opStrides = ts.map((t, k) => strideFor(p.subs[k], t.shape));
  const outStrides = strideFor(p.out, outShape);
  const offsets = (st: number[]): Int32Array => {
    const m = new Int32Array(total);
    const idx = new Array<number>(all.length).fill(0);
    let off = 0;
    for (let i = 0; i < total; i++) {
      m[i] = off;
      for (let d = all.length - 1; d >= 0; d--) {
        idx[d]++;
        off += st[d];
        if (idx[d] < dimsOf[d]) break;
        off -= st[d] * dimsOf[d];
        idx[d] = 0;
      }
    }
    return m;
  };
  const opOff = opStrides.map(offsets);
  const outOff = offsets(outStrides);
  const out = new Float64Array(outN);
  for (let i = 0; i < total; i++) {
    let v = 1;
    for (let k = 0; k < ts.length; k++) v *= ts[k].data[opOff[k][i]];
    out[outOff[i]] += v;
  }
  return T.createOp("einsum", out, outShape, ts, (g, needs) =>
    ts.map((t, k) => {
      if (!needs[k]) return null;
      const gk = new Float64Array(t.size);
      for (let i = 0; i < total; i++) {
        let v = g[outOff[i]];
        for (let j = 0; j < ts.length; j++) if (j !== k) v *= ts[j].data[opOff[j][i]];
        gk[opOff[k][i]] += v;
      }
      return gk;
    }),
  );
}
