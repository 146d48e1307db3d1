/**
 * Shape ops: views (`view`, `reshape`, `flatten`, `unflatten`, `permute`, `transpose`, `t`, `T`,
 * `squeeze`, `unsqueeze`, `expand`, `narrow`, `select`, `chunk`, `split`, `unbind`,
 * `contiguous`), copies that only move data (`repeat`, `flip`, `clone`, `movedim`), joins (`cat`,
 * `stack`), and dtype conversions (`x.float()`, `x.to(torch.long)`, `x.type_as(y)`).
 *
 * Each view is written once as a function of (sizes, strides) → (sizes, strides, offset), as
 * ATen computes it: the meta rule applies it to the meta tensor's strides (so a later `view` is
 * refused exactly when PyTorch refuses it, src/ops/layout.ts), the kernel to the core tensor's
 * contiguous storage (a gather with its scatter-add backward, or a storage-sharing reshape).
 *
 * Receptive field: pointwise while the trailing spatial axes stay in place; `global` when a view
 * merges them (`flatten(1)`) or an expand repeats one; `unsupported` when an op moves, crops or
 * joins along one (permuting NCHW to NHWC, `torch.cat` along W).
 */
import { PyTuple, type Value } from "../python/values.js";
import type { Tensor } from "../tensor/index.js";
import { DTYPE_ALIASES, isFloating, resultType, scalarTypeName, tensorTypeName } from "./dtype.js";
import { method, op, torch } from "./define.js";
import { coreStrides, stridedView } from "./kernels.js";
import {
  contiguousStrides,
  normStrides,
  preserveStrides,
  stridesOf,
  viewStrides,
} from "./layout.js";
import {
  DTypeValue,
  OpError,
  type DType,
  type OpArgs,
  type OpDef,
  type OpOut,
  type OpRf,
  type TensorCore,
  type TensorMeta,
} from "./types.js";
import { meta, numel, shapeStr, wrapDim } from "./util.js";

export const SHAPE_OPS: OpDef[] = [];
const add = (d: OpDef): void => void SHAPE_OPS.push(d);

/** A view: sizes, strides and storage offset (in elements). */
export interface View {
  shape: number[];
  strides: number[];
  offset: number;
}

type AnyArgs = OpArgs<TensorMeta> | OpArgs<Tensor>;
type ViewFn = (a: AnyArgs, shape: readonly number[], strides: readonly number[]) => View;

/** PyTorch's `infer_size`: a shape with at most one −1 for `numel` elements. */
export function inferSize(shape: readonly number[], n: number): number[] {
  let infer = -1;
  let known = 1;
  shape.forEach((s, i) => {
    if (s === -1) {
      if (infer >= 0) throw new OpError("only one dimension can be inferred");
      infer = i;
    } else if (s >= 0) known *= s;
    else throw new OpError(`invalid shape dimension ${s}`);
  });
  const out = shape.slice();
  if (n === known || (infer >= 0 && known > 0 && n % known === 0)) {
    if (infer >= 0) {
      if (known === 0)
        throw new OpError(
          `cannot reshape tensor of 0 elements into shape ${shapeStr(shape)} because the unspecified dimension size -1 can be any value and is ambiguous`,
        );
      out[infer] = n / known;
    }
    return out;
  }
  throw new OpError(`shape '${shapeStr(shape)}' is invalid for input of size ${n}`);
}

/** Whether the trailing `axes` sizes of `a` and `b` agree (the spatial axes stayed in place). */
function sameSpatial(a: readonly number[], b: readonly number[], axes: number): boolean {
  if (axes === 0) return true;
  if (a.length < axes || b.length < axes) return false;
  for (let i = 1; i <= axes; i++) if (a[a.length - i] !== b[b.length - i]) return false;
  return true;
}

/** rf of a reshaping view: pointwise when the spatial axes are untouched, else global. */
function reshapeRf(
  name: string,
  from: readonly number[],
  to: readonly number[],
  axes: number,
): OpRf {
  if (sameSpatial(from, to, axes)) return { kind: "pointwise" };
  return {
    kind: "global",
    reason: `${name} from ${shapeStr(from)} to ${shapeStr(to)} merges or splits the spatial axes`,
  };
}

/** A spatial axis of a tensor of rank `rank` (the last `axes` dims). */
const isSpatial = (d: number, rank: number, axes: number): boolean => axes > 0 && d >= rank - axes;

interface ViewSpec {
  name: string;
  names: string[];
  params: string[];
  python?: boolean;
  symInt?: string[];
  view: ViewFn;
  /** The kernel may share storage (the result is a reshape of the core's contiguous data). */
  reshape?: boolean;
  rf: (a: OpArgs<TensorMeta>, axes: number, out: TensorMeta) => OpRf;
  messageName?: string;
}

function viewOp(s: ViewSpec): void {
  const metaOf = (a: OpArgs<TensorMeta>): TensorMeta => {
    const x = a.tensor("input");
    const v = s.view(a, x.shape, stridesOf(x));
    return meta(v.shape, x.dtype, normStrides(v.shape, v.strides));
  };
  add(
    op({
      name: s.name,
      names: s.names,
      params: s.params,
      ...(s.python ? { python: true } : {}),
      ...(s.symInt ? { symInt: s.symInt } : {}),
      ...(s.messageName ? { messageName: s.messageName } : {}),
      kind: "view",
      meta: metaOf,
      kernel: (a, T) => {
        const x = a.tensor("input");
        const v = s.view(a, x.shape, coreStrides(x.shape));
        if (s.reshape) return T.reshape(x, v.shape);
        return stridedView(T, s.name, x, v.shape, v.strides, v.offset);
      },
      rf: (a, axes) => s.rf(a, axes, metaOf(a)),
    }),
  );
}

/** `view(shape)` on (sizes, strides); a refusal in PyTorch's words when the strides forbid it. */
function viewTo(
  shape: readonly number[],
  strides: readonly number[],
  target: readonly number[],
  copyIfNeeded: boolean,
): View {
  const size = inferSize(target, numel(shape));
  const st = viewStrides(shape, strides, size);
  if (st) return { shape: size, strides: st, offset: 0 };
  if (copyIfNeeded) return { shape: size, strides: contiguousStrides(size), offset: 0 };
  throw new OpError(
    "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
  );
}

/** `x.view(dtype)`'s dtype, when that is the call. */
function viewDtype(a: AnyArgs): DType | undefined {
  const sz = a.raw("size");
  return sz instanceof PyTuple && sz.items.length === 1 && sz.items[0] instanceof DTypeValue
    ? sz.items[0].dtype
    : undefined;
}
const ITEM_SIZE: Record<DType, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};
/**
 * `x.view(dtype)` (the same bytes read as another dtype): the last dim scales by the ratio of the
 * element sizes, with ATen's refusals.
 */
function viewAsDtype(x: TensorMeta, to: DType): TensorMeta {
  const from = x.dtype;
  const a = ITEM_SIZE[from];
  const b = ITEM_SIZE[to];
  if (a === b) return { ...x, dtype: to };
  const what = `to view ${scalarTypeName(from)} as ${scalarTypeName(to)} (different element sizes)`;
  const r = x.shape.length;
  if (r === 0) throw new OpError(`self.dim() cannot be 0 ${what}`);
  const st = stridesOf(x);
  if (st[r - 1] !== 1) throw new OpError(`self.stride(-1) must be 1 ${what}, but got ${st[r - 1]}`);
  const shape = [...x.shape];
  let strides: number[];
  if (a > b) {
    const k = a / b;
    shape[r - 1] *= k;
    strides = st.map((s, i) => (i === r - 1 ? 1 : s * k));
  } else {
    const k = b / a;
    if (shape[r - 1] % k !== 0)
      throw new OpError(`self.size(-1) must be divisible by ${k} ${what}, but got ${shape[r - 1]}`);
    shape[r - 1] /= k;
    strides = st.map((s, i) => (i === r - 1 ? 1 : s / k));
  }
  return meta(shape, to, normStrides(shape, strides));
}
add(
  op({
    name: "view",
    names: [method("view")],
    params: ["input", "*size"],
    symInt: ["size"],
    kind: "view",
    meta: (a) => {
      const x = a.tensor("input");
      const dt = viewDtype(a);
      if (dt) return viewAsDtype(x, dt);
      const v = viewTo(x.shape, stridesOf(x), a.shape("size"), false);
      return meta(v.shape, x.dtype, normStrides(v.shape, v.strides));
    },
    kernel: (a, T, ctx) => {
      const x = a.tensor("input");
      const dt = viewDtype(a);
      if (dt) {
        if (dt === ctx.dtypeOf(x)) return x;
        throw new OpError(
          "x.view(dtype) reinterprets the tensor's bytes: dlq's float64 tensor core cannot",
        );
      }
      return T.reshape(x, inferSize(a.shape("size"), x.size));
    },
    rf: (a, axes) => {
      const x = a.tensor("input");
      if (viewDtype(a)) return { kind: "pointwise" };
      return reshapeRf("view", x.shape, inferSize(a.shape("size"), numel(x.shape)), axes);
    },
  }),
);
viewOp({
  name: "reshape",
  names: [method("reshape")],
  params: ["input", "*shape"],
  symInt: ["shape"],
  reshape: true,
  view: (a, shape, strides) => viewTo(shape, strides, a.shape("shape"), true),
  rf: (a, axes, out) => reshapeRf("reshape", a.tensor("input").shape, out.shape, axes),
});
viewOp({
  name: "reshape",
  names: [torch("reshape")],
  params: ["input", "shape"],
  symInt: ["shape"],
  reshape: true,
  view: (a, shape, strides) => viewTo(shape, strides, a.intList("shape"), true),
  rf: (a, axes, out) => reshapeRf("reshape", a.tensor("input").shape, out.shape, axes),
});
for (const [name, copy] of [
  ["view_as", false],
  ["reshape_as", true],
] as const) {
  viewOp({
    name,
    names: [method(name)],
    params: ["input", "other"],
    reshape: true,
    view: (a, shape, strides) =>
      viewTo(shape, strides, (a.tensor("other") as { shape: readonly number[] }).shape, copy),
    rf: (a, axes, out) => reshapeRf(name, a.tensor("input").shape, out.shape, axes),
  });
}

function flattenView(a: AnyArgs, shape: readonly number[], strides: readonly number[]): View {
  if (shape.length === 0) return { shape: [1], strides: [1], offset: 0 };
  const s = wrapDim(a.int("start_dim"), shape.length);
  const e = wrapDim(a.int("end_dim"), shape.length);
  if (s > e) throw new OpError("flatten() has invalid args: start_dim cannot come after end_dim");
  if (s === e) return { shape: [...shape], strides: [...strides], offset: 0 };
  const target = [...shape.slice(0, s), numel(shape.slice(s, e + 1)), ...shape.slice(e + 1)];
  return viewTo(shape, strides, target, true);
}
viewOp({
  name: "flatten",
  names: [torch("flatten"), method("flatten")],
  params: ["input", "start_dim=0", "end_dim=-1"],
  reshape: true,
  view: flattenView,
  rf: (a, axes, out) => reshapeRf("flatten", a.tensor("input").shape, out.shape, axes),
});
viewOp({
  name: "unflatten",
  names: [torch("unflatten"), method("unflatten")],
  params: ["input", "dim", "sizes"],
  python: true,
  reshape: true,
  view: (a, shape, strides) => {
    const d = wrapDim(a.int("dim"), shape.length);
    const sizes = a.intList("sizes");
    const n = sizes.includes(-1) ? inferSize(sizes, shape[d]) : sizes;
    if (numel(n) !== shape[d])
      throw new OpError(
        `unflatten: Provided sizes ${shapeStr(sizes)} don't multiply up to the size of dim ${a.int("dim")} (${shape[d]}) in the input tensor`,
      );
    return viewTo(shape, strides, [...shape.slice(0, d), ...n, ...shape.slice(d + 1)], false);
  },
  rf: (a, axes, out) => reshapeRf("unflatten", a.tensor("input").shape, out.shape, axes),
});

/** permute on (sizes, strides). */
function permuteView(
  dims: readonly number[],
  shape: readonly number[],
  strides: readonly number[],
): View {
  if (dims.length !== shape.length)
    throw new OpError(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${shape.length} is not equal to len(dims) = ${dims.length}`,
    );
  const seen = new Set<number>();
  const p = dims.map((d) => {
    const k = wrapDim(d, shape.length);
    if (seen.has(k)) throw new OpError("permute(): duplicate dims are not allowed.");
    seen.add(k);
    return k;
  });
  return { shape: p.map((d) => shape[d]), strides: p.map((d) => strides[d]), offset: 0 };
}
/** rf of a dim reordering: pointwise when no spatial axis moves. */
function permuteRf(name: string, perm: readonly number[], rank: number, axes: number): OpRf {
  for (let i = rank - axes; i < rank; i++)
    if (i >= 0 && perm[i] !== i)
      return {
        kind: "unsupported",
        reason: `${name} moves a spatial axis (dims ${perm.join(", ")})`,
      };
  return { kind: "pointwise" };
}
const wrapAll = (dims: readonly number[], rank: number): number[] =>
  dims.map((d) => wrapDim(d, rank));

viewOp({
  name: "permute",
  names: [method("permute")],
  params: ["input", "*dims"],
  view: (a, shape, strides) => permuteView(a.shape("dims"), shape, strides),
  rf: (a, axes) => {
    const x = a.tensor("input");
    return permuteRf("permute", wrapAll(a.shape("dims"), x.shape.length), x.shape.length, axes);
  },
});
viewOp({
  name: "permute",
  names: [torch("permute")],
  params: ["input", "dims"],
  view: (a, shape, strides) => permuteView(a.intList("dims"), shape, strides),
  rf: (a, axes) => {
    const x = a.tensor("input");
    return permuteRf("permute", wrapAll(a.intList("dims"), x.shape.length), x.shape.length, axes);
  },
});

function transposeView(
  d0: number,
  d1: number,
  shape: readonly number[],
  strides: readonly number[],
): View {
  const a = wrapDim(d0, shape.length);
  const b = wrapDim(d1, shape.length);
  if (shape.length === 0) return { shape: [], strides: [], offset: 0 };
  const sh = [...shape];
  const st = [...strides];
  [sh[a], sh[b]] = [sh[b], sh[a]];
  [st[a], st[b]] = [st[b], st[a]];
  return { shape: sh, strides: st, offset: 0 };
}
function swapPerm(rank: number, d0: number, d1: number): number[] {
  const p = [...Array(rank).keys()];
  if (rank === 0) return p;
  const a = wrapDim(d0, rank);
  const b = wrapDim(d1, rank);
  [p[a], p[b]] = [p[b], p[a]];
  return p;
}
viewOp({
  name: "transpose",
  names: [
    torch("transpose"),
    method("transpose"),
    torch("swapaxes"),
    method("swapaxes"),
    torch("swapdims"),
    method("swapdims"),
  ],
  params: ["input", "dim0", "dim1"],
  view: (a, shape, strides) => transposeView(a.int("dim0"), a.int("dim1"), shape, strides),
  rf: (a, axes) => {
    const x = a.tensor("input");
    return permuteRf(
      "transpose",
      swapPerm(x.shape.length, a.int("dim0"), a.int("dim1")),
      x.shape.length,
      axes,
    );
  },
});
viewOp({
  name: "t",
  names: [torch("t"), method("t")],
  params: ["input"],
  view: (_a, shape, strides) => {
    if (shape.length > 2)
      throw new OpError(`t() expects a tensor with <= 2 dimensions, but self is ${shape.length}D`);
    return shape.length < 2
      ? { shape: [...shape], strides: [...strides], offset: 0 }
      : transposeView(0, 1, shape, strides);
  },
  rf: (a, axes) => {
    const r = a.tensor("input").shape.length;
    return permuteRf("t", r < 2 ? [...Array(r).keys()] : [1, 0], r, axes);
  },
});
viewOp({
  name: "T",
  names: [method("T"), method("numpy_T")],
  params: ["input"],
  view: (_a, shape, strides) => permuteView([...shape.keys()].reverse(), shape, strides),
  rf: (a, axes) => {
    const r = a.tensor("input").shape.length;
    return permuteRf(".T", [...Array(r).keys()].reverse(), r, axes);
  },
});
viewOp({
  name: "mT",
  names: [method("mT")],
  params: ["input"],
  view: (_a, shape, strides) => {
    if (shape.length < 2)
      throw new OpError(
        `tensor.mT is only supported on matrices or batches of matrices. Got ${shape.length}-D tensor.`,
      );
    return transposeView(-2, -1, shape, strides);
  },
  rf: (a, axes) => {
    const r = a.tensor("input").shape.length;
    return permuteRf(".mT", swapPerm(r, -2, -1), r, axes);
  },
});

viewOp({
  name: "movedim",
  names: [torch("movedim"), method("movedim"), torch("moveaxis"), method("moveaxis")],
  params: ["input", "source", "destination"],
  view: (a, shape, strides) => permuteView(movedimPerm(a, shape.length), shape, strides),
  rf: (a, axes) => {
    const r = a.tensor("input").shape.length;
    return permuteRf("movedim", movedimPerm(a, r), r, axes);
  },
});
function movedimPerm(a: AnyArgs, rank: number): number[] {
  const src = a.ints("source").map((d) => wrapDim(d, rank));
  const dst = a.ints("destination").map((d) => wrapDim(d, rank));
  if (src.length !== dst.length)
    throw new OpError(
      `movedim: Invalid source or destination dims: source (${shapeStr(a.ints("source"))} dims) should contain the same number of dims as destination (${shapeStr(a.ints("destination"))} dims)`,
    );
  const perm = new Array<number>(rank).fill(-1);
  src.forEach((s, i) => (perm[dst[i]] = s));
  const rest = [...Array(rank).keys()].filter((d) => !src.includes(d));
  let k = 0;
  for (let i = 0; i < rank; i++) if (perm[i] < 0) perm[i] = rest[k++];
  return perm;
}

viewOp({
  name: "squeeze",
  names: [torch("squeeze"), method("squeeze")],
  params: ["input", "dim=None"],
  view: (a, shape, strides) => {
    const dim = a.has("dim") ? wrapDim(a.int("dim"), shape.length) : undefined;
    const keep = shape.map((s, i) => !(s === 1 && (dim === undefined || dim === i)));
    return {
      shape: shape.filter((_s, i) => keep[i]),
      strides: strides.filter((_s, i) => keep[i]),
      offset: 0,
    };
  },
  reshape: true,
  rf: (a, axes, out) => {
    const x = a.tensor("input");
    const removed = x.shape.length - out.shape.length;
    const dim = a.has("dim") ? wrapDim(a.int("dim"), x.shape.length) : undefined;
    const spatial = x.shape.some(
      (s, i) => s === 1 && (dim === undefined || dim === i) && isSpatial(i, x.shape.length, axes),
    );
    return removed > 0 && spatial
      ? { kind: "unsupported", reason: "squeeze removes a spatial axis" }
      : { kind: "pointwise" };
  },
});
viewOp({
  name: "unsqueeze",
  names: [torch("unsqueeze"), method("unsqueeze")],
  params: ["input", "dim"],
  view: (a, shape, strides) => {
    const d = wrapDim(a.int("dim"), shape.length + 1);
    const st = d >= shape.length ? 1 : shape[d] * strides[d];
    return {
      shape: [...shape.slice(0, d), 1, ...shape.slice(d)],
      strides: [...strides.slice(0, d), st, ...strides.slice(d)],
      offset: 0,
    };
  },
  reshape: true,
  rf: (a, axes) => {
    const x = a.tensor("input");
    const d = wrapDim(a.int("dim"), x.shape.length + 1);
    return d > x.shape.length - axes
      ? { kind: "unsupported", reason: "unsqueeze inserts a dim among the spatial axes" }
      : { kind: "pointwise" };
  },
});

/** ATen's `inferExpandGeometry`: the sizes and strides of `x.expand(sizes)`. */
function expandView(
  target: readonly number[],
  shape: readonly number[],
  strides: readonly number[],
  dtype: DType,
): View {
  const nd = target.length;
  const td = shape.length;
  if (nd < td)
    throw new OpError(
      `expand(${tensorTypeName(dtype)}{${shapeStr(shape)}}, size=${shapeStr(target)}): the number of sizes provided (${nd}) must be greater or equal to the number of dimensions in the tensor (${td})`,
    );
  const outS = new Array<number>(nd);
  const outT = new Array<number>(nd);
  for (let i = nd - 1; i >= 0; i--) {
    const off = nd - 1 - i;
    const dim = td - 1 - off;
    let size = dim >= 0 ? shape[dim] : 1;
    let stride = dim >= 0 ? strides[dim] : i + 1 < nd ? outS[i + 1] * outT[i + 1] : 1;
    let t = target[i];
    if (t === -1) {
      if (dim < 0)
        throw new OpError(
          `The expanded size of the tensor (${t}) isn't allowed in a leading, non-existing dimension ${i}`,
        );
      t = size;
    }
    if (size !== t) {
      if (size !== 1)
        throw new OpError(
          `The expanded size of the tensor (${t}) must match the existing size (${size}) at non-singleton dimension ${i}.  Target sizes: ${shapeStr(target)}.  Tensor sizes: ${shapeStr(shape)}`,
        );
      size = t;
      stride = 0;
    }
    if (size < 0)
      throw new OpError(
        `Trying to create tensor with negative dimension ${size}: ${shapeStr(target)}`,
      );
    outS[i] = size;
    outT[i] = stride;
  }
  return { shape: outS, strides: outT, offset: 0 };
}
function expandRf(x: TensorMeta, out: TensorMeta, axes: number): OpRf {
  return sameSpatial(x.shape, out.shape, axes) && x.shape.length >= axes
    ? { kind: "pointwise" }
    : { kind: "global", reason: "expand repeats a size-1 spatial axis" };
}
for (const [names, params, target] of [
  [[method("expand")], ["input", "*size", "implicit=False"], (a: AnyArgs) => a.shape("size")],
  [
    [method("expand_as"), torch("expand_as")],
    ["input", "other"],
    (a: AnyArgs) => [...(a.tensor("other") as { shape: readonly number[] }).shape],
  ],
] as const) {
  add(
    op({
      name: names[0] === "Tensor.expand" ? "expand" : "expand_as",
      names: [...names],
      params: [...params],
      symInt: ["size"],
      kind: "view",
      meta: (a) => {
        const x = a.tensor("input");
        const v = expandView(target(a), x.shape, stridesOf(x), x.dtype);
        return meta(v.shape, x.dtype, normStrides(v.shape, v.strides));
      },
      kernel: (a, T) =>
        T.expand(
          a.tensor("input"),
          expandView(
            target(a),
            a.tensor("input").shape,
            coreStrides(a.tensor("input").shape),
            "float64",
          ).shape,
        ),
      rf: (a, axes) => {
        const x = a.tensor("input");
        return expandRf(
          x,
          meta(expandView(target(a), x.shape, stridesOf(x), x.dtype).shape, x.dtype),
          axes,
        );
      },
    }),
  );
}

/** `narrow`/`select` on (sizes, strides). */
function narrowView(
  dim: number,
  start: number,
  length: number,
  shape: readonly number[],
  strides: readonly number[],
): View {
  if (shape.length === 0) throw new OpError("narrow() cannot be applied to a 0-dim tensor.");
  const d = wrapDim(dim, shape.length);
  const size = shape[d];
  // ATen wraps `start` like a dim (the end itself is a valid start)
  const s = start === size ? start : wrapDim(start, size);
  if (s + length > size || length < 0)
    throw new OpError(`start (${s}) + length (${length}) exceeds dimension size (${size}).`);
  const sh = [...shape];
  sh[d] = length;
  return { shape: sh, strides: [...strides], offset: s * strides[d] };
}
function selectView(
  dim: number,
  index: number,
  shape: readonly number[],
  strides: readonly number[],
): View {
  if (shape.length === 0)
    throw new OpError("select() cannot be applied to a 0-dim tensor.", "IndexError");
  const d = wrapDim(dim, shape.length);
  const size = shape[d];
  if (index < -size || index >= size)
    throw new OpError(
      `select(): index ${index} out of range for tensor of size ${shapeStr(shape)} at dimension ${d}`,
      "IndexError",
    );
  const i = index < 0 ? index + size : index;
  return {
    shape: shape.filter((_s, k) => k !== d),
    strides: strides.filter((_s, k) => k !== d),
    offset: i * strides[d],
  };
}
function alongRf(name: string, x: TensorMeta, dim: number, axes: number): OpRf {
  if (x.shape.length === 0) return { kind: "pointwise" };
  return isSpatial(wrapDim(dim, x.shape.length), x.shape.length, axes)
    ? { kind: "unsupported", reason: `${name} along a spatial axis crops it` }
    : { kind: "pointwise" };
}
viewOp({
  name: "narrow",
  names: [torch("narrow"), method("narrow")],
  params: ["input", "dim", "start", "length"],
  view: (a, shape, strides) =>
    narrowView(a.int("dim"), a.int("start"), a.int("length"), shape, strides),
  rf: (a, axes) => alongRf("narrow", a.tensor("input"), a.int("dim"), axes),
});
viewOp({
  name: "select",
  names: [torch("select"), method("select")],
  params: ["input", "dim", "index"],
  view: (a, shape, strides) => selectView(a.int("dim"), a.int("index"), shape, strides),
  rf: (a, axes) => alongRf("select", a.tensor("input"), a.int("dim"), axes),
});

viewOp({
  name: "contiguous",
  names: [method("contiguous")],
  params: ["input", "memory_format=None"],
  reshape: true,
  view: (_a, shape) => ({ shape: [...shape], strides: contiguousStrides(shape), offset: 0 }),
  rf: () => ({ kind: "pointwise" }),
});

// ---- tuple-valued views: chunk, split, unbind --------------------------------------------

type MultiViewFn = (a: AnyArgs, shape: readonly number[], strides: readonly number[]) => View[];

function multiViewOp(
  name: string,
  names: string[],
  params: string[],
  views: MultiViewFn,
  dimOf: (a: AnyArgs) => number,
  python = false,
): void {
  add(
    op({
      name,
      names,
      params,
      ...(python ? { python: true } : {}),
      kind: "view",
      meta: (a): OpOut<TensorMeta> => {
        const x = a.tensor("input");
        return {
          tuple: views(a, x.shape, stridesOf(x)).map((v) =>
            meta(v.shape, x.dtype, normStrides(v.shape, v.strides)),
          ),
        };
      },
      kernel: (a, T): OpOut<Tensor> => {
        const x = a.tensor("input");
        return {
          tuple: views(a, x.shape, coreStrides(x.shape)).map((v) =>
            stridedView(T, name, x, v.shape, v.strides, v.offset),
          ),
        };
      },
      rf: (a, axes) => alongRf(name, a.tensor("input"), dimOf(a), axes),
    }),
  );
}

/** `split(split_size, dim)` as views (ATen's `split`): pieces of split_size, the last smaller. */
function splitBySize(
  size: number,
  dim: number,
  shape: readonly number[],
  strides: readonly number[],
): View[] {
  if (shape.length === 0) throw new OpError("split expects at least a 1-dimensional tensor");
  const d = wrapDim(dim, shape.length);
  const n = shape[d];
  if (size < 0)
    throw new OpError(`split expects split_size be non-negative, but got split_size=${size}`);
  if (size === 0 && n !== 0)
    throw new OpError(
      `split_size can only be 0 if dimension size is 0, but got dimension size of ${n}`,
    );
  const pieces = size === 0 ? 1 : Math.max(Math.ceil(n / size), 1);
  const out: View[] = [];
  for (let i = 0; i < pieces; i++) {
    const start = i * size;
    const len = Math.min(size, n - start);
    out.push(narrowView(d, start, Math.max(len, 0), shape, strides));
  }
  return out;
}
function splitBySizes(
  sizes: readonly number[],
  dim: number,
  shape: readonly number[],
  strides: readonly number[],
): View[] {
  if (shape.length === 0) throw new OpError("split expects at least a 1-dimensional tensor");
  const d = wrapDim(dim, shape.length);
  const total = sizes.reduce((p, s) => p + s, 0);
  if (total !== shape[d] || sizes.some((s) => s < 0))
    throw new OpError(
      `split_with_sizes expects split_sizes to sum exactly to ${shape[d]} (input tensor's size at dimension ${d}), but got split_sizes=${shapeStr(sizes)}`,
    );
  let start = 0;
  return sizes.map((s) => {
    const v = narrowView(d, start, s, shape, strides);
    start += s;
    return v;
  });
}
multiViewOp(
  "chunk",
  [torch("chunk"), method("chunk")],
  ["input", "chunks", "dim=0"],
  (a, shape, strides) => {
    if (shape.length === 0) throw new OpError("chunk expects at least a 1-dimensional tensor");
    const chunks = a.int("chunks");
    if (chunks <= 0)
      throw new OpError(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
    const d = wrapDim(a.int("dim"), shape.length);
    const n = shape[d];
    const size = Math.ceil(n / chunks);
    if (size === 0 && n === 0)
      return splitBySizes(new Array<number>(chunks).fill(0), d, shape, strides);
    return splitBySize(size, d, shape, strides);
  },
  (a) => a.int("dim"),
);
function splitViews(
  a: AnyArgs,
  key: string,
  shape: readonly number[],
  strides: readonly number[],
): View[] {
  const v = a.raw(key);
  const dim = a.int("dim");
  if (typeof v === "number") return splitBySize(a.int(key), dim, shape, strides);
  return splitBySizes(a.intList(key), dim, shape, strides);
}
multiViewOp(
  "split",
  [torch("split")],
  ["input", "split_size_or_sections", "dim=0"],
  (a, shape, strides) => splitViews(a, "split_size_or_sections", shape, strides),
  (a) => a.int("dim"),
  true,
);
multiViewOp(
  "split",
  [method("split")],
  ["input", "split_size", "dim=0"],
  (a, shape, strides) => splitViews(a, "split_size", shape, strides),
  (a) => a.int("dim"),
  true,
);
multiViewOp(
  "split_with_sizes",
  [torch("split_with_sizes"), method("split_with_sizes")],
  ["input", "split_sizes", "dim=0"],
  (a, shape, strides) => splitBySizes(a.intList("split_sizes"), a.int("dim"), shape, strides),
  (a) => a.int("dim"),
);
multiViewOp(
  "unbind",
  [torch("unbind"), method("unbind")],
  ["input", "dim=0"],
  (a, shape, strides) => {
    if (shape.length === 0)
      throw new OpError("Dimension specified as 0 but tensor has no dimensions", "IndexError");
    const d = wrapDim(a.int("dim"), shape.length);
    return [...Array(shape[d]).keys()].map((i) => selectView(d, i, shape, strides));
  },
  (a) => a.int("dim"),
);

// ---- copies: repeat, flip, clone, detach ---------------------------------------------------

add(
  op({
    name: "repeat",
    names: [method("repeat")],
    params: ["input", "*repeats"],
    symInt: ["repeats"],
    kind: "view",
    meta: (a) => {
      const x = a.tensor("input");
      const r = a.shape("repeats");
      if (r.length < x.shape.length)
        throw new OpError(
          "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor",
        );
      const padded = [...new Array<number>(r.length - x.shape.length).fill(1), ...x.shape];
      return meta(
        padded.map((s, i) => s * r[i]),
        x.dtype,
      );
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const r = a.shape("repeats");
      const padded = [...new Array<number>(r.length - x.ndim).fill(1), ...x.shape];
      const inter = padded.flatMap((s) => [1, s]);
      const big = padded.flatMap((s, i) => [r[i], s]);
      return T.reshape(
        T.expand(T.reshape(x, inter), big),
        padded.map((s, i) => s * r[i]),
      );
    },
    rf: (a, axes) => {
      const r = a.shape("repeats");
      return r.slice(r.length - axes).some((k) => k !== 1)
        ? { kind: "unsupported", reason: "repeat tiles a spatial axis" }
        : { kind: "pointwise" };
    },
  }),
);
add(
  op({
    name: "flip",
    names: [torch("flip"), method("flip")],
    params: ["input", "dims"],
    kind: "view",
    meta: (a) => {
      const x = a.tensor("input");
      const dims = a.ints("dims").map((d) => wrapDim(d, x.shape.length));
      const dup = dims.find((d, i) => dims.indexOf(d) !== i);
      if (dup !== undefined)
        throw new OpError(`dim ${dup} appears multiple times in the list of dims`);
      return meta(x.shape, x.dtype, preserveStrides(x));
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const dims = a.ints("dims").map((d) => wrapDim(d, x.ndim));
      const st = coreStrides(x.shape);
      let off = 0;
      const strides = st.map((s, d) => {
        if (!dims.includes(d)) return s;
        off += (x.shape[d] - 1) * s;
        return -s;
      });
      return stridedView(T, "flip", x, x.shape, strides, off);
    },
    rf: (a, axes) => {
      const x = a.tensor("input");
      const dims = a.ints("dims").map((d) => wrapDim(d, x.shape.length));
      return dims.some((d) => isSpatial(d, x.shape.length, axes))
        ? { kind: "unsupported", reason: "flip reverses a spatial axis" }
        : { kind: "pointwise" };
    },
  }),
);
add(
  op({
    name: "clone",
    names: [torch("clone"), method("clone")],
    params: ["input", "*", "memory_format=None"],
    kind: "view",
    meta: (a) => {
      const x = a.tensor("input");
      return meta(x.shape, x.dtype, preserveStrides(x));
    },
    kernel: (a, T) => T.mul(a.tensor("input"), 1),
    rf: () => ({ kind: "pointwise" }),
  }),
);
add(
  op({
    name: "detach",
    names: [torch("detach"), method("detach"), method("data")],
    params: ["input"],
    kind: "view",
    meta: (a) => a.tensor("input"),
    kernel: (a) => a.tensor("input").detach(),
    rf: () => ({ kind: "pointwise" }),
  }),
);
add(
  op({
    name: "cpu",
    names: [method("cpu"), method("cuda")],
    params: ["input", "device=None", "non_blocking=False", "memory_format=None"],
    kind: "view",
    meta: (a) => a.tensor("input"),
    kernel: (a) => a.tensor("input"),
    rf: () => ({ kind: "pointwise" }),
  }),
);
add(
  op({
    name: "requires_grad_",
    names: [method("requires_grad_")],
    params: ["input", "requires_grad=True"],
    kind: "view",
    meta: (a) => {
      const x = a.tensor("input");
      if (a.bool("requires_grad") && !isFloating(x.dtype))
        throw new OpError("only Tensors of floating point dtype can require gradients");
      return x;
    },
    kernel: (a) => {
      const x = a.tensor("input");
      x.requiresGrad = a.bool("requires_grad");
      return x;
    },
    rf: () => ({ kind: "pointwise" }),
  }),
);

// ---- joins: cat, stack ----------------------------------------------------------------------

/** torch.cat's checks and result (ATen's `cat_out` shape check, 1.13), over meta tensors. */
export function catMeta(ts: readonly TensorMeta[], dim: number): TensorMeta {
  if (ts.length === 0) throw new OpError("torch.cat(): expected a non-empty list of Tensors");
  ts.forEach((t, i) => {
    if (t.shape.length === 0)
      throw new OpError(`zero-dimensional tensor (at position ${i}) cannot be concatenated`);
  });
  // legacy: 1-d empty tensors are skipped
  const skip = (t: TensorMeta): boolean => t.shape.length === 1 && t.shape[0] === 0;
  const ref = ts.find((t) => !skip(t)) ?? ts[0];
  const d = wrapDim(dim, ref.shape.length);
  ts.forEach((t, i) => {
    if (skip(t) || t === ref) return;
    if (t.shape.length !== ref.shape.length)
      throw new OpError(
        `Tensors must have same number of dimensions: got ${ref.shape.length} and ${t.shape.length}`,
      );
    for (let k = 0; k < ref.shape.length; k++)
      if (k !== d && t.shape[k] !== ref.shape[k])
        throw new OpError(
          `Sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[k]} but got size ${t.shape[k]} for tensor number ${i} in the list.`,
        );
  });
  const shape = [...ref.shape];
  shape[d] = ts.reduce((s, t) => s + (skip(t) ? 0 : t.shape[d]), 0);
  return meta(shape, resultType(ts));
}
function joinRf(name: string, rank: number, dim: number, axes: number): OpRf {
  return isSpatial(dim, rank, axes)
    ? { kind: "unsupported", reason: `${name} along a spatial axis joins different positions` }
    : { kind: "merge" };
}
add(
  op({
    name: "cat",
    names: [torch("cat"), torch("concat"), torch("concatenate")],
    params: ["tensors", "dim=0"],
    kind: "compute",
    meta: (a) => catMeta(a.tensors("tensors"), a.int("dim")),
    kernel: (a, T) => {
      const ts = a.tensors("tensors").filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
      const all = a.tensors("tensors");
      const list = ts.length ? ts : all;
      return T.cat(list, wrapDim(a.int("dim"), list[0].ndim));
    },
    rf: (a, axes) => {
      const ts = a.tensors("tensors");
      const r = ts[0]?.shape.length ?? 0;
      return joinRf("cat", r, wrapDim(a.int("dim"), Math.max(r, 1)), axes);
    },
  }),
);
add(
  op({
    name: "stack",
    names: [torch("stack")],
    params: ["tensors", "dim=0"],
    kind: "compute",
    meta: (a) => {
      const ts = a.tensors("tensors");
      if (ts.length === 0) throw new OpError("stack expects a non-empty TensorList");
      const d = wrapDim(a.int("dim"), ts[0].shape.length + 1);
      ts.forEach((t, i) => {
        if (t.shape.length !== ts[0].shape.length || t.shape.some((s, k) => s !== ts[0].shape[k]))
          throw new OpError(
            `stack expects each tensor to be equal size, but got ${shapeStr(ts[0].shape)} at entry 0 and ${shapeStr(t.shape)} at entry ${i}`,
          );
      });
      const shape = [...ts[0].shape];
      shape.splice(d, 0, ts.length);
      return meta(shape, resultType(ts));
    },
    kernel: (a, T) => {
      const ts = a.tensors("tensors");
      return T.stack(ts, wrapDim(a.int("dim"), ts[0].ndim + 1));
    },
    rf: (a, axes) => {
      const ts = a.tensors("tensors");
      const r = ts[0].shape.length;
      const d = wrapDim(a.int("dim"), r + 1);
      return d > r - axes
        ? { kind: "unsupported", reason: "stack inserts a dim among the spatial axes" }
        : { kind: "merge" };
    },
  }),
);

// ---- dtype conversions -------------------------------------------------------------------------

/** `x.to(dtype)`'s result: the same tensor when nothing changes, else a copy (preserve format). */
function castMeta(x: TensorMeta, dtype: DType | undefined, copy = false): TensorMeta {
  if (dtype === undefined || (dtype === x.dtype && !copy)) return x;
  return meta(x.shape, dtype, preserveStrides(x));
}
/** The kernel of a cast: integer and bool targets round values (no gradient flows). */
function castKernel(T: TensorCore, x: Tensor, from: DType, to: DType | undefined): Tensor {
  if (to === undefined || to === from) return x;
  // dlq computes every floating dtype in float64 (gradcheck's central differences need it)
  if (isFloating(to)) return T.mul(x, 1);
  const conv =
    to === "bool"
      ? (v: number) => (v !== 0 ? 1 : 0)
      : to === "uint8"
        ? (v: number) => ((Math.trunc(v) % 256) + 256) % 256
        : Math.trunc;
  return T.noGrad(() => T.unaryOp("to", x, conv, () => 0));
}

const CASTS: [string, DType][] = [
  ["float", "float32"],
  ["double", "float64"],
  ["half", "float16"],
  ["bfloat16", "bfloat16"],
  ["long", "int64"],
  ["int", "int32"],
  ["short", "int16"],
  ["char", "int8"],
  ["byte", "uint8"],
  ["bool", "bool"],
];
for (const [name, dtype] of CASTS) {
  add(
    op({
      name,
      names: [method(name)],
      params: ["input", "memory_format=None"],
      kind: "view",
      meta: (a) => castMeta(a.tensor("input"), dtype),
      kernel: (a, T, ctx) =>
        castKernel(T, a.tensor("input"), ctx.dtypeOf(a.tensor("input")), dtype),
      rf: () => ({ kind: "pointwise" }),
    }),
  );
}

/**
 * `x.to(...)`'s overloads: `to(dtype)`, `to(device, dtype)`, `to(other)`, keyword `dtype=`;
 * devices (a string or a `torch.device`) are accepted and ignored.
 */
function toTarget<T>(a: OpArgs<T>, dtypeOf: (t: T) => DType): DType | undefined {
  let target: DType | undefined;
  for (const k of ["arg0", "arg1"]) {
    const v = a.raw(k);
    if (v === null) continue;
    if (v instanceof DTypeValue) target = v.dtype;
    else if (a.isTensor(k)) target = dtypeOf(a.tensor(k));
  }
  if (a.has("dtype")) target = a.dtype("dtype");
  return target;
}
add(
  op({
    name: "to",
    names: [method("to")],
    params: [
      "input",
      "arg0=None",
      "arg1=None",
      "non_blocking=False",
      "copy=False",
      "*",
      "dtype=None",
      "device=None",
      "memory_format=None",
    ],
    kind: "view",
    meta: (a) => {
      const x = a.tensor("input");
      return castMeta(
        x,
        toTarget(a, (t) => t.dtype),
        a.bool("copy"),
      );
    },
    kernel: (a, T, ctx) => {
      const x = a.tensor("input");
      return castKernel(
        T,
        x,
        ctx.dtypeOf(x),
        toTarget(a, (t) => ctx.dtypeOf(t)),
      );
    },
    rf: () => ({ kind: "pointwise" }),
  }),
);
add(
  op({
    name: "type_as",
    names: [method("type_as")],
    params: ["input", "other"],
    kind: "view",
    meta: (a) => castMeta(a.tensor("input"), a.tensor("other").dtype),
    kernel: (a, T, ctx) =>
      castKernel(
        T,
        a.tensor("input"),
        ctx.dtypeOf(a.tensor("input")),
        ctx.dtypeOf(a.tensor("other")),
      ),
    rf: () => ({ kind: "pointwise" }),
  }),
);

/** `x.type(dtype)`: a torch.dtype or a type string (`'torch.FloatTensor'`); no argument: the string. */
function typeTarget(v: Value): DType | undefined {
  if (v instanceof DTypeValue) return v.dtype;
  if (typeof v === "string") {
    const m = /^torch\.(?:cuda\.)?(\w+)Tensor$/.exec(v);
    const names: Record<string, DType> = {
      Float: "float32",
      Double: "float64",
      Half: "float16",
      BFloat16: "bfloat16",
      Long: "int64",
      Int: "int32",
      Short: "int16",
      Char: "int8",
      Byte: "uint8",
      Bool: "bool",
    };
    if (m && names[m[1]]) return names[m[1]];
    const alias = /^torch\.(\w+)$/.exec(v);
    if (alias && DTYPE_ALIASES[alias[1]]) return DTYPE_ALIASES[alias[1]];
    throw new OpError(`invalid type: '${v}'`, "ValueError");
  }
  return undefined;
}
add(
  op({
    name: "type",
    names: [method("type")],
    params: ["input", "dtype=None", "non_blocking=False", "**kwargs"],
    kind: "view",
    meta: (a) => {
      const x = a.tensor("input");
      const v = a.raw("dtype");
      if (v === null) return { py: tensorTypeName(x.dtype) };
      return castMeta(x, typeTarget(v));
    },
    kernel: (a, T, ctx) => {
      const x = a.tensor("input");
      const v = a.raw("dtype");
      if (v === null) return { py: tensorTypeName(ctx.dtypeOf(x)) };
      return castKernel(T, x, ctx.dtypeOf(x), typeTarget(v));
    },
    rf: () => ({ kind: "pointwise" }),
  }),
);
