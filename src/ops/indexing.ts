/**
 * Indexing, `x[...]` (`operator.getitem`), as PyTorch 1.13 does it (torch/csrc/autograd/
 * python_variable_indexing.cpp and ATen's TensorIndexing.h): first the basic indices, left to
 * right, as views (an int selects, a slice narrows with a positive step, None and True insert a
 * dim, `...` skips dims), then the advanced ones (long tensors, lists of ints, bool masks) as one
 * gather: their shapes broadcast, and the result's dims replace the indexed dims where the indexed
 * dims are adjacent, else go first (NumPy's rule).
 *
 * Meta: exact for basic indexing (with strides) and for long-tensor indexing; a bool mask's
 * result size is the number of True elements, known only with data ({@link DataDependent}; its
 * shape is still checked). Out-of-range long indices are found by the kernel.
 *
 * Receptive field: pointwise while only non-spatial dims are indexed; a slice of a spatial axis
 * with step s from start a is a kernel-1 window of stride s and padding −a; anything else on a
 * spatial axis is unsupported.
 */
import {
  ELLIPSIS,
  PyList,
  PySlice,
  PyTuple,
  isInt,
  typeName,
  type Value,
} from "../python/values.js";
import { operator, op } from "./define.js";
import { coreStrides, gatherMap, stridedIndex } from "./kernels.js";
import { normStrides, stridesOf } from "./layout.js";
import {
  DataDependent,
  OpError,
  type DType,
  type OpArgs,
  type OpDef,
  type OpRf,
  type TensorMeta,
} from "./types.js";
import { broadcastAll, meta, numel, shapeStr, wrapDim } from "./util.js";
import { tensorTypeName } from "./dtype.js";
import type { Tensor } from "../tensor/index.js";

/** What indexing needs to know of a tensor index: shape and dtype, and its values if known. */
interface IndexTensor {
  shape: readonly number[];
  dtype: DType;
  data?: Float64Array;
}

/** An advanced index at a dim of the basic view: a long index, or a bool mask over `shape.length` dims. */
interface Advanced {
  dim: number;
  kind: "long" | "bool";
  idx: IndexTensor;
}

/** The plan of an indexing: the basic view and the advanced indices on it. */
interface Plan {
  shape: number[];
  strides: number[];
  offset: number;
  adv: Advanced[];
  /** Per dim of the basic view: the spatial input axis it is, for rf (−1: not a spatial axis). */
  rf: OpRf;
}

type Item =
  | { k: "int"; v: number }
  | { k: "slice"; s: PySlice }
  | { k: "none" }
  | { k: "ellipsis" }
  | { k: "bool"; v: boolean }
  | { k: "tensor"; t: IndexTensor };

const INVALID =
  "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices";

/** A nested list of ints (or bools) as an index tensor with data. */
function listIndex(v: PyList | PyTuple): IndexTensor {
  const shape: number[] = [];
  const data: number[] = [];
  let isBool = true;
  const walk = (x: Value, depth: number): void => {
    if (x instanceof PyList || x instanceof PyTuple) {
      if (shape.length === depth) shape.push(x.items.length);
      else if (shape[depth] !== x.items.length)
        throw new OpError(
          `expected sequence of length ${shape[depth]} at dim ${depth} (got ${x.items.length})`,
          "ValueError",
        );
      for (const y of x.items) walk(y, depth + 1);
      return;
    }
    if (typeof x === "boolean") data.push(x ? 1 : 0);
    else if (isInt(x)) {
      isBool = false;
      data.push(x);
    } else throw new OpError(`${INVALID} (got ${typeName(x)})`, "IndexError");
  };
  walk(v, 0);
  return {
    shape,
    dtype: isBool && data.length > 0 ? "bool" : "int64",
    data: Float64Array.from(data),
  };
}

/** Whether a list index is a sequence of indices (a tuple in disguise, NumPy's legacy rule). */
function listIsTuple(v: PyList, isTensor: (v: Value) => boolean): boolean {
  if (v.items.length >= 32) return false;
  return v.items.some(
    (x) =>
      x instanceof PySlice ||
      x === ELLIPSIS ||
      x === null ||
      x instanceof PyList ||
      x instanceof PyTuple ||
      typeof x === "string" ||
      isTensor(x),
  );
}

function items(index: Value, tensorInfo: (v: Value) => IndexTensor | undefined): Item[] {
  let parts: readonly Value[];
  if (index instanceof PyTuple) parts = index.items;
  else if (index instanceof PyList && listIsTuple(index, (x) => tensorInfo(x) !== undefined))
    parts = index.items;
  else parts = [index];
  return parts.map((p): Item => {
    if (typeof p === "boolean") return { k: "bool", v: p };
    if (isInt(p)) return { k: "int", v: p };
    if (p instanceof PySlice) return { k: "slice", s: p };
    if (p === null) return { k: "none" };
    if (p === ELLIPSIS) return { k: "ellipsis" };
    if (p instanceof PyList || p instanceof PyTuple) return { k: "tensor", t: listIndex(p) };
    // a str is a sequence to Python: PyTorch tries to make a tensor of it
    if (typeof p === "string") throw new OpError("new(): invalid data type 'str'", "TypeError");
    const t = tensorInfo(p);
    if (t) {
      if (
        t.dtype !== "bool" &&
        t.dtype !== "uint8" &&
        !["int64", "int32", "int16", "int8"].includes(t.dtype)
      )
        throw new OpError(
          "tensors used as indices must be long, byte or bool tensors",
          "IndexError",
        );
      if ((t.dtype === "bool" || t.dtype === "uint8") && t.shape.length === 0) {
        if (!t.data)
          throw new DataDependent(
            "indexing with a 0-dim bool tensor: the result depends on its value",
          );
        return { k: "bool", v: t.data[0] !== 0 };
      }
      return { k: "tensor", t };
    }
    throw new OpError(`${INVALID} (got ${typeName(p)})`, "IndexError");
  });
}

/** A slice bound (an int or None). */
function sliceInt(v: Value): number | null {
  if (v === null) return null;
  if (isInt(v)) return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new OpError(
    "slice indices must be integers or None or have an __index__ method",
    "TypeError",
  );
}

/** Plans `x[index]` over (sizes, strides); `axes` trailing spatial axes for the rf. */
function plan(
  index: Value,
  shape: readonly number[],
  strides: readonly number[],
  tensorInfo: (v: Value) => IndexTensor | undefined,
  axes = 0,
): Plan {
  const its = items(index, tensorInfo);
  const consumed = its.reduce((n, it) => {
    if (it.k === "int" || it.k === "slice") return n + 1;
    if (it.k === "tensor")
      return n + (it.t.dtype === "bool" || it.t.dtype === "uint8" ? it.t.shape.length : 1);
    return n;
  }, 0);
  // PyTorch 1.13 takes several ellipses (`x[..., ...]`), each skipping the unindexed dims
  if (shape.length === 0 && its.some((it) => it.k === "int"))
    throw new OpError(
      "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number",
      "IndexError",
    );
  if (consumed > shape.length)
    throw new OpError(`too many indices for tensor of dimension ${shape.length}`, "IndexError");
  const sh = [...shape];
  const st = [...strides];
  let offset = 0;
  let dim = 0; // in the current view
  let real = 0; // in the input
  const adv: Advanced[] = [];
  const rank = shape.length;
  let rf: OpRf = { kind: "pointwise" };
  const spatial = (d: number): boolean => axes > 0 && d >= rank - axes;
  const touch = (d: number, what: OpRf): void => {
    if (spatial(d) && rf.kind === "pointwise") rf = what;
  };
  for (const it of its) {
    switch (it.k) {
      case "int": {
        const size = sh[dim];
        if (it.v < -size || it.v >= size)
          throw new OpError(
            `index ${it.v} is out of bounds for dimension ${real} with size ${size}`,
            "IndexError",
          );
        const i = it.v < 0 ? it.v + size : it.v;
        offset += i * st[dim];
        sh.splice(dim, 1);
        st.splice(dim, 1);
        touch(real, {
          kind: "unsupported",
          reason: "an integer index selects one position of a spatial axis",
        });
        real++;
        break;
      }
      case "slice": {
        const step = sliceInt(it.s.step) ?? 1;
        if (step === 0) throw new OpError("slice step cannot be zero", "ValueError");
        if (step < 0) throw new OpError("step must be greater than zero", "ValueError");
        const size = sh[dim];
        const clamp = (v: number | null, dflt: number): number => {
          if (v === null) return dflt;
          const w = v < 0 ? v + size : v;
          return Math.min(Math.max(w, 0), size);
        };
        const start = clamp(sliceInt(it.s.start), 0);
        const stop = Math.max(clamp(sliceInt(it.s.stop), size), start);
        const len = Math.ceil((stop - start) / step);
        offset += start * st[dim];
        sh[dim] = len;
        st[dim] = st[dim] * step;
        if (start !== 0 || step !== 1 || stop !== size)
          touch(real, {
            kind: "spatial",
            kernel: Array<number>(axes).fill(1),
            stride: Array.from({ length: axes }, (_x, k) =>
              k === real - (rank - axes) ? step : 1,
            ),
            padding: Array.from({ length: axes }, (_x, k) =>
              k === real - (rank - axes) ? -start : 0,
            ),
            dilation: Array<number>(axes).fill(1),
          });
        dim++;
        real++;
        break;
      }
      case "none":
      case "bool": {
        const s = dim < sh.length ? sh[dim] * st[dim] : 1;
        sh.splice(dim, 0, it.k === "bool" && !it.v ? 0 : 1);
        st.splice(dim, 0, s);
        if (real > rank - axes && axes > 0 && real < rank && rf.kind === "pointwise")
          rf = { kind: "unsupported", reason: "None inserts a dim among the spatial axes" };
        dim++;
        break;
      }
      case "ellipsis": {
        const skip = rank - consumed;
        dim += skip;
        real += skip;
        break;
      }
      case "tensor": {
        const isMask = it.t.dtype === "bool" || it.t.dtype === "uint8";
        const n = isMask ? it.t.shape.length : 1;
        if (isMask) {
          for (let k = 0; k < n; k++)
            if (it.t.shape[k] !== sh[dim + k])
              throw new OpError(
                `The shape of the mask ${shapeStr(it.t.shape)} at index ${k} does not match the shape of the indexed tensor ${shapeStr(sh)} at index ${dim + k}`,
                "IndexError",
              );
        }
        for (let k = 0; k < n; k++)
          touch(real + k, {
            kind: "unsupported",
            reason: "tensor indexing gathers positions of a spatial axis",
          });
        adv.push({ dim, kind: isMask ? "bool" : "long", idx: it.t });
        dim += n;
        real += n;
        break;
      }
    }
  }
  return { shape: sh, strides: st, offset, adv, rf };
}

/** The result shape of the advanced step over a basic view of `shape` (long indices only). */
function advancedShape(
  shape: readonly number[],
  adv: readonly Advanced[],
  idxShapes: readonly (readonly number[])[],
): number[] {
  let b: number[];
  try {
    b = broadcastAll(idxShapes);
  } catch {
    throw new OpError(
      `shape mismatch: indexing tensors could not be broadcast together with shapes ${idxShapes.map(shapeStr).join(", ")}`,
      "IndexError",
    );
  }
  const dims = adv.flatMap((a) =>
    a.kind === "bool" ? [...a.idx.shape.keys()].map((k) => a.dim + k) : [a.dim],
  );
  const adjacent = dims.every((d, i) => i === 0 || d === dims[i - 1] + 1);
  const rest = shape.filter((_s, d) => !dims.includes(d));
  if (!adjacent) return [...b, ...rest];
  const first = dims[0];
  const before = shape.slice(0, first).filter((_s, d) => !dims.includes(d));
  return [...before, ...b, ...shape.slice(first).filter((_s, k) => !dims.includes(first + k))];
}

export const INDEXING_OPS: OpDef[] = [];

INDEXING_OPS.push(
  op({
    name: "getitem",
    names: [operator("getitem"), "Tensor.__getitem__"],
    params: ["input", "index", "/"],
    python: true,
    kind: "view",
    meta: (a: OpArgs<TensorMeta>) => {
      const x = a.tensor("input");
      const p = plan(a.raw("index"), x.shape, stridesOf(x), (v) => hostInfo(a, v));
      if (p.adv.length === 0) return meta(p.shape, x.dtype, normStrides(p.shape, p.strides));
      checkBounds(p);
      if (p.adv.some((q) => q.kind === "bool" && !q.idx.data && numel(q.idx.shape) > 0))
        throw new DataDependent(
          `indexing with a bool mask: the result's size is the number of True elements of the mask, known only from its values`,
          x.dtype,
        );
      const shapes = p.adv.map((q) =>
        q.kind === "bool" ? [q.idx.data ? count(q.idx.data) : 0] : q.idx.shape,
      );
      return meta(advancedShape(p.shape, p.adv, shapes), x.dtype);
    },
    kernel: (a, T, ctx) => {
      const x = a.tensor("input");
      const info = (v: Value): IndexTensor | undefined => {
        const t = a.tensorOf(v);
        return t ? { shape: t.shape, dtype: ctx.dtypeOf(t), data: t.data } : undefined;
      };
      const p = plan(a.raw("index"), x.shape, coreStrides(x.shape), info);
      const basic = stridedIndex(p.shape, p.strides, p.offset);
      if (p.adv.length === 0) return gatherMap(T, "index", x, p.shape, basic);
      return gatherMap(T, "index", x, ...advancedGather(p, basic));
    },
    rf: (a, axes) => {
      const x = a.tensor("input");
      const p = plan(a.raw("index"), x.shape, stridesOf(x), (v) => hostInfo(a, v), axes);
      return p.rf;
    },
  }),
);

function hostInfo(a: OpArgs<TensorMeta>, v: Value): IndexTensor | undefined {
  const t = a.tensorOf(v);
  return t ? { shape: t.shape, dtype: t.dtype } : undefined;
}

/** Out-of-range long indices whose values are known (a list literal, or with data). */
function checkBounds(p: Plan): void {
  for (const q of p.adv) {
    if (q.kind !== "long" || !q.idx.data) continue;
    const size = p.shape[q.dim];
    for (const v of q.idx.data)
      if (v < -size || v >= size)
        throw new OpError(
          `index ${v} is out of bounds for dimension ${q.dim} with size ${size}`,
          "IndexError",
        );
  }
}

function count(d: Float64Array): number {
  let n = 0;
  for (const v of d) if (v !== 0) n++;
  return n;
}

/** The advanced step with data: long indices (bool masks as their nonzero positions), as one map. */
function advancedGather(p: Plan, basic: Int32Array): [number[], Int32Array] {
  // every advanced index as per-dim long index arrays over a shared broadcast shape
  const dims: number[] = [];
  const idxs: { shape: readonly number[]; data: Float64Array }[] = [];
  for (const q of p.adv) {
    const data = q.idx.data as Float64Array;
    if (q.kind === "long") {
      dims.push(q.dim);
      idxs.push({ shape: q.idx.shape, data });
      continue;
    }
    const nd = q.idx.shape.length;
    const nz: number[][] = Array.from({ length: nd }, () => []);
    const st = coreStrides(q.idx.shape);
    for (let i = 0; i < data.length; i++) {
      if (data[i] === 0) continue;
      let r = i;
      for (let k = 0; k < nd; k++) {
        nz[k].push(Math.floor(r / st[k]));
        r %= st[k];
      }
    }
    for (let k = 0; k < nd; k++) {
      dims.push(q.dim + k);
      idxs.push({ shape: [nz[k].length], data: Float64Array.from(nz[k]) });
    }
  }
  checkBounds(p);
  const b = broadcastAll(idxs.map((t) => t.shape));
  const outShape = advancedShape(
    p.shape,
    p.adv,
    idxs.map((t) => t.shape),
  );
  const bst = coreStrides(p.shape);
  const bn = numel(b);
  const bIdx = new Array<number>(b.length).fill(0);
  // for each broadcast position, the flat offset (in the basic view) of the indexed dims
  const advOff = new Int32Array(bn);
  for (let i = 0; i < bn; i++) {
    let r = i;
    const bs = coreStrides(b);
    for (let k = 0; k < b.length; k++) {
      bIdx[k] = Math.floor(r / bs[k]);
      r %= bs[k];
    }
    let off = 0;
    idxs.forEach((t, k) => {
      const nd = t.shape.length;
      let flat = 0;
      const ts = coreStrides(t.shape);
      for (let j = 0; j < nd; j++) {
        const bi = bIdx[b.length - nd + j];
        flat += (t.shape[j] === 1 ? 0 : bi) * ts[j];
      }
      const size = p.shape[dims[k]];
      const v = t.data[flat];
      off += (v < 0 ? v + size : v) * bst[dims[k]];
    });
    advOff[i] = off;
  }
  const restDims = p.shape.map((_s, d) => d).filter((d) => !dims.includes(d));
  const adjacent = dims.every((d, i) => i === 0 || d === dims[i - 1] + 1);
  const n = numel(outShape);
  const map = new Int32Array(n);
  const os = coreStrides(outShape);
  const split = adjacent ? restDims.filter((d) => d < dims[0]).length : 0;
  for (let i = 0; i < n; i++) {
    let r = i;
    const oi: number[] = [];
    for (let k = 0; k < outShape.length; k++) {
      oi.push(Math.floor(r / os[k]));
      r %= os[k];
    }
    // out index = [rest before..., broadcast..., rest after...]
    const restIdx = [...oi.slice(0, split), ...oi.slice(split + b.length)];
    const bPart = oi.slice(split, split + b.length);
    let bflat = 0;
    const bs = coreStrides(b);
    bPart.forEach((v, k) => (bflat += v * bs[k]));
    let off = advOff[bflat];
    restDims.forEach((d, k) => (off += restIdx[k] * bst[d]));
    map[i] = basic[off];
  }
  return [outShape, map];
}

// ---- x[index] = value ------------------------------------------------------------------------

/** `x[index] = value`'s value shape after PyTorch drops its leading size-1 dims (basic indexing). */
function stripOnes(shape: readonly number[]): number[] {
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  return shape.slice(i);
}

/**
 * The checks of `x[index] = value`: basic indexing copies the value (its leading 1s dropped,
 * then expanded: expand's messages) into the view; advanced indexing is `index_put_` (its value
 * broadcasts to the indexing result). Returns the indexing result's shape when known.
 */
function setitemCheck(p: Plan, value: TensorMeta | number): number[] | undefined {
  if (typeof value === "number") return undefined;
  if (p.adv.length === 0) {
    const v = stripOnes(value.shape);
    const target = p.shape;
    if (v.length > target.length)
      throw new OpError(
        `expand(${tensorTypeName(value.dtype)}{${shapeStr(value.shape)}}, size=${shapeStr(target)}): the number of sizes provided (${target.length}) must be greater or equal to the number of dimensions in the tensor (${value.shape.length})`,
      );
    for (let i = target.length - 1, j = v.length - 1; j >= 0; i--, j--)
      if (v[j] !== target[i] && v[j] !== 1)
        throw new OpError(
          `The expanded size of the tensor (${target[i]}) must match the existing size (${v[j]}) at non-singleton dimension ${i}.  Target sizes: ${shapeStr(target)}.  Tensor sizes: ${shapeStr(v)}`,
        );
    return target;
  }
  checkBounds(p);
  if (p.adv.some((q) => q.kind === "bool" && !q.idx.data && numel(q.idx.shape) > 0))
    return undefined;
  const shapes = p.adv.map((q) =>
    q.kind === "bool" ? [q.idx.data ? count(q.idx.data) : 0] : q.idx.shape,
  );
  const result = advancedShape(p.shape, p.adv, shapes);
  let ok = true;
  try {
    const b = broadcastAll([value.shape, result]);
    ok = b.length === result.length && b.every((s, i) => s === result[i]);
  } catch {
    ok = false;
  }
  if (!ok)
    throw new OpError(
      `shape mismatch: value tensor of shape ${shapeStr(value.shape)} cannot be broadcast to indexing result of shape ${shapeStr(result)}`,
    );
  return result;
}

INDEXING_OPS.push(
  op({
    name: "setitem",
    names: [operator("setitem"), "Tensor.__setitem__"],
    params: ["input", "index", "value", "/"],
    python: true,
    kind: "compute",
    inplace: true,
    meta: (a) => {
      const x = a.tensor("input");
      const p = plan(a.raw("index"), x.shape, stridesOf(x), (v) => hostInfo(a, v));
      setitemCheck(p, a.tensorOrNumber("value"));
      return x;
    },
    kernel: (a, T, ctx) => {
      const x = a.tensor("input");
      const info = (v: Value): IndexTensor | undefined => {
        const t = a.tensorOf(v);
        return t ? { shape: t.shape, dtype: ctx.dtypeOf(t), data: t.data } : undefined;
      };
      const p = plan(a.raw("index"), x.shape, coreStrides(x.shape), info);
      const basic = stridedIndex(p.shape, p.strides, p.offset);
      const [shape, map] = p.adv.length === 0 ? [p.shape, basic] : advancedGather(p, basic);
      const raw = a.tensorOrNumber("value");
      let v: Tensor;
      if (typeof raw === "number") v = T.full(shape, raw);
      else {
        const stripped = p.adv.length === 0 ? stripOnes(raw.shape) : raw.shape;
        v = T.expand(T.reshape(raw, stripped), shape);
      }
      const isInt = !["float64", "float32", "float16", "bfloat16"].includes(ctx.dtypeOf(x));
      const out = x.data.slice();
      const vd = v.data;
      for (let i = 0; i < map.length; i++) out[map[i]] = isInt ? Math.trunc(vd[i]) : vd[i];
      return T.createOp("setitem", out, x.shape, [x, v], (g, needs) => {
        let gx: Float64Array | null = null;
        let gv: Float64Array | null = null;
        if (needs[0]) {
          gx = g.slice();
          for (let i = 0; i < map.length; i++) gx[map[i]] = 0;
        }
        if (needs[1]) {
          gv = new Float64Array(v.size);
          for (let i = 0; i < map.length; i++) gv[i] = g[map[i]];
        }
        return [gx, gv];
      });
    },
    rf: () => ({ kind: "merge" }),
  }),
);

// ---- index_select, gather ------------------------------------------------------------------

INDEXING_OPS.push(
  op({
    name: "index_select",
    names: ["torch.index_select", "Tensor.index_select"],
    params: ["input", "dim", "index"],
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const idx = a.tensor("index");
      const d = wrapDim(a.int("dim"), x.shape.length);
      if (idx.shape.length > 1)
        throw new OpError("index_select(): Index is supposed to be a vector", "IndexError");
      if (idx.dtype !== "int64" && idx.dtype !== "int32")
        throw new OpError("index_select(): Expected dtype int32 or int64 for index");
      if (x.shape.length === 0) return meta([], x.dtype);
      const shape = [...x.shape];
      shape[d] = numel(idx.shape);
      return meta(shape, x.dtype);
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const idx = a.tensor("index");
      if (x.ndim === 0) return gatherMap(T, "index_select", x, [], Int32Array.from([0]));
      const d = wrapDim(a.int("dim"), x.ndim);
      const size = x.shape[d];
      for (const v of idx.data)
        if (v < 0 || v >= size) throw new OpError(`index out of range in self`, "IndexError");
      const shape = [...x.shape];
      shape[d] = idx.size;
      const st = coreStrides(x.shape);
      const os = coreStrides(shape);
      const map = new Int32Array(numel(shape));
      for (let i = 0; i < map.length; i++) {
        let r = i;
        let off = 0;
        for (let k = 0; k < shape.length; k++) {
          const c = Math.floor(r / os[k]);
          r %= os[k];
          off += (k === d ? idx.data[c] : c) * st[k];
        }
        map[i] = off;
      }
      return gatherMap(T, "index_select", x, shape, map);
    },
    rf: (a, axes) => {
      const x = a.tensor("input");
      const d = wrapDim(a.int("dim"), x.shape.length);
      return axes > 0 && d >= x.shape.length - axes
        ? { kind: "unsupported", reason: "index_select gathers positions of a spatial axis" }
        : { kind: "pointwise" };
    },
  }),
);
INDEXING_OPS.push(
  op({
    name: "gather",
    names: ["torch.gather", "Tensor.gather"],
    params: ["input", "dim", "index", "*", "sparse_grad=False"],
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const idx = a.tensor("index");
      const d = wrapDim(a.int("dim"), x.shape.length);
      if (idx.dtype !== "int64") throw new OpError("gather(): Expected dtype int64 for index");
      if (Math.max(idx.shape.length, 1) !== Math.max(x.shape.length, 1))
        throw new OpError("Index tensor must have the same number of dimensions as input tensor");
      for (let k = 0; k < x.shape.length; k++)
        if (k !== d && idx.shape[k] > x.shape[k])
          throw new OpError(
            `Size does not match at dimension ${k} expected index ${shapeStr(idx.shape)} to be smaller than self ${shapeStr(x.shape)} apart from dimension ${d}`,
          );
      return meta(idx.shape, x.dtype);
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const idx = a.tensor("index");
      const d = wrapDim(a.int("dim"), x.ndim);
      const st = coreStrides(x.shape);
      const os = coreStrides(idx.shape);
      const map = new Int32Array(idx.size);
      for (let i = 0; i < map.length; i++) {
        let r = i;
        let off = 0;
        for (let k = 0; k < idx.ndim; k++) {
          const c = Math.floor(r / os[k]);
          r %= os[k];
          if (k === d) {
            const v = idx.data[i];
            if (v < -x.shape[d] || v >= x.shape[d])
              throw new OpError(
                `index ${v} is out of bounds for dimension ${d} with size ${x.shape[d]}`,
              );
            off += (v < 0 ? v + x.shape[d] : v) * st[k];
          } else off += c * st[k];
        }
        map[i] = off;
      }
      return gatherMap(T, "gather", x, idx.shape, map);
    },
    rf: (a, axes) => {
      const x = a.tensor("input");
      const d = wrapDim(a.int("dim"), x.shape.length);
      return axes > 0 && d >= x.shape.length - axes
        ? { kind: "unsupported", reason: "gather picks positions of a spatial axis" }
        : { kind: "pointwise" };
    },
  }),
);
