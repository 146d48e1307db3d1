/**
 * Reductions: `sum`, `mean`, `max`/`min` (all three overloads: full, over a dim with indices,
 * elementwise with a tensor), `amax`/`amin`, `argmax`/`argmin`, `logsumexp`, `norm`, `var`/`std`,
 * `all`/`any`, `cumsum`.
 *
 * Meta: the reduced shape (`keepdim`), PyTorch's dtype rules (integer sums are int64, `mean` of an
 * integer tensor is refused, `argmax` is int64), and a contiguous result. Receptive field: global
 * when a spatial axis is reduced, pointwise otherwise.
 *
 * Gradients (PyTorch 1.13): `max(x, dim)` sends the gradient to the returned index; `max(x)` and
 * `amax` split it evenly among ties (the tensor core's conventions, src/tensor/ops/reduce.ts).
 */
import type { Tensor } from "../tensor/index.js";
import { DEFAULT_FLOAT, isFloating, scalarTypeName } from "./dtype.js";
import { method, op, torch } from "./define.js";
import {
  OpError,
  type DType,
  type OpArgs,
  type OpDef,
  type OpRf,
  type TensorCore,
  type TensorMeta,
} from "./types.js";
import { meta, numel, wrapDim } from "./util.js";
import { mergeOrPointwise } from "./elementwise.js";

export const REDUCE_OPS: OpDef[] = [];
const add = (d: OpDef): void => void REDUCE_OPS.push(d);

/** The dims a reduction reduces (sorted, wrapped), or every dim for undefined / empty. */
export function reducedDims(
  rank: number,
  dims: readonly number[] | undefined,
  emptyIsAll = true,
): number[] {
  if (dims === undefined || (dims.length === 0 && emptyIsAll)) return [...Array(rank).keys()];
  const out: number[] = [];
  for (const d of dims) {
    const k = wrapDim(d, rank);
    if (out.includes(k)) throw new OpError(`dim ${k} appears multiple times in the list of dims`);
    out.push(k);
  }
  return rank === 0 ? [] : out.sort((a, b) => a - b);
}

/** The shape after reducing `dims` of `shape`. */
export function reducedShape(
  shape: readonly number[],
  dims: readonly number[],
  keepdim: boolean,
): number[] {
  const out: number[] = [];
  shape.forEach((s, i) => {
    if (!dims.includes(i)) out.push(s);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** global when a reduced dim is one of the `axes` trailing spatial axes. */
export function reductionRf(
  name: string,
  x: TensorMeta,
  dims: readonly number[],
  axes: number,
): OpRf {
  const first = x.shape.length - axes;
  if (axes > 0 && dims.some((d) => d >= first))
    return { kind: "global", reason: `${name} reduces over a spatial axis` };
  return { kind: "pointwise" };
}

const intResult = (d: DType): DType => (isFloating(d) ? d : "int64");

interface SumLike {
  name: "sum" | "mean" | "nansum";
  dtype: (input: DType, given: DType | undefined) => DType;
  kernel: (T: TensorCore, x: Tensor, dims: number[] | undefined, keep: boolean) => Tensor;
}

function sumLike(s: SumLike): void {
  const dimsOf = (a: OpArgs<TensorMeta> | OpArgs<Tensor>): number[] | undefined => a.dims("dim");
  add(
    op({
      name: s.name,
      names: [torch(s.name), method(s.name)],
      params: ["input", "dim=None", "keepdim=False", "*", "dtype=None"],
      kind: "compute",
      meta: (a) => {
        const x = a.tensor("input");
        const keep = a.bool("keepdim");
        const dims = reducedDims(x.shape.length, dimsOf(a));
        const dtype = s.dtype(x.dtype, a.dtype("dtype"));
        return meta(reducedShape(x.shape, dims, keep), dtype);
      },
      kernel: (a, T) => {
        const x = a.tensor("input");
        const d = dimsOf(a);
        return s.kernel(T, x, d === undefined || d.length === 0 ? undefined : d, a.bool("keepdim"));
      },
      rf: (a, axes) => {
        const x = a.tensor("input");
        return reductionRf(s.name, x, reducedDims(x.shape.length, dimsOf(a)), axes);
      },
    }),
  );
}

sumLike({
  name: "sum",
  dtype: (d, given) => given ?? intResult(d),
  kernel: (T, x, dims, keep) => T.sum(x, dims, keep),
});
sumLike({
  name: "mean",
  dtype: (d, given) => {
    const out = given ?? d;
    if (!isFloating(out))
      throw new OpError(
        `mean(): could not infer output dtype. ${given ? "Optional" : "Input"} dtype must be either a floating point or complex dtype. Got: ${scalarTypeName(out)}`,
      );
    return out;
  },
  kernel: (T, x, dims, keep) => T.mean(x, dims, keep),
});

// ---- max / min ---------------------------------------------------------------------------

for (const [name, isMax] of [
  ["max", true],
  ["min", false],
] as const) {
  const empty = (x: TensorMeta): void => {
    if (numel(x.shape) === 0)
      throw new OpError(
        `${name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
      );
  };
  add(
    op({
      name,
      names: [torch(name), method(name)],
      params: ["input", "dim=None", "keepdim=False"],
      kind: "compute",
      meta: (a) => {
        const x = a.tensor("input");
        const d = a.raw("dim");
        if (d === null) {
          empty(x);
          return meta([], x.dtype);
        }
        if (a.isTensor("dim")) return elementwise(x, a.tensor("dim"));
        const dim = wrapDim(a.int("dim"), x.shape.length);
        const keep = a.bool("keepdim");
        if (x.shape.length > 0 && x.shape[dim] === 0)
          throw new OpError(
            `${name}(): Expected reduction dim ${dim} to have non-zero size.`,
            "IndexError",
          );
        const shape = reducedShape(x.shape, x.shape.length ? [dim] : [], keep);
        return {
          tuple: [meta(shape, x.dtype), meta(shape, "int64")],
          names: ["values", "indices"],
          typeName: `torch.return_types.${name}`,
        };
      },
      kernel: (a, T) => {
        const x = a.tensor("input");
        const d = a.raw("dim");
        if (d === null) return isMax ? T.max(x) : T.min(x);
        if (a.isTensor("dim"))
          return isMax ? T.maximum(x, a.tensor("dim")) : T.minimum(x, a.tensor("dim"));
        const dim = a.int("dim");
        const keep = a.bool("keepdim");
        return {
          tuple: [
            isMax ? T.max(x, dim, keep) : T.min(x, dim, keep),
            isMax ? T.argmax(x, dim, keep) : T.argmin(x, dim, keep),
          ],
          names: ["values", "indices"],
          typeName: `torch.return_types.${name}`,
        };
      },
      rf: (a, axes) => {
        const x = a.tensor("input");
        const d = a.raw("dim");
        if (d !== null && a.isTensor("dim")) return mergeOrPointwise(a, ["input", "dim"]);
        const dims = d === null ? [...x.shape.keys()] : [wrapDim(a.int("dim"), x.shape.length)];
        return reductionRf(name, x, dims, axes);
      },
    }),
  );
  const aname = `a${name}`;
  add(
    op({
      name: aname,
      names: [torch(aname), method(aname)],
      params: ["input", "dim=()", "keepdim=False"],
      kind: "compute",
      meta: (a) => {
        const x = a.tensor("input");
        const dims = reducedDims(x.shape.length, a.dims("dim"));
        for (const d of dims)
          if (x.shape[d] === 0)
            throw new OpError(
              `${aname}(): Expected reduction dim ${d} to have non-zero size.`,
              "IndexError",
            );
        if (numel(x.shape) === 0 && x.shape.length === 0) empty(x);
        return meta(reducedShape(x.shape, dims, a.bool("keepdim")), x.dtype);
      },
      kernel: (a, T) => {
        const x = a.tensor("input");
        const d = a.dims("dim");
        const dims = d === undefined || d.length === 0 ? undefined : d;
        return isMax ? T.max(x, dims, a.bool("keepdim")) : T.min(x, dims, a.bool("keepdim"));
      },
      rf: (a, axes) => {
        const x = a.tensor("input");
        return reductionRf(aname, x, reducedDims(x.shape.length, a.dims("dim")), axes);
      },
    }),
  );
  const argname = `arg${name}`;
  add(
    op({
      name: argname,
      names: [torch(argname), method(argname)],
      params: ["input", "dim=None", "keepdim=False"],
      kind: "compute",
      meta: (a) => {
        const x = a.tensor("input");
        const keep = a.bool("keepdim");
        if (!a.has("dim")) {
          if (numel(x.shape) === 0)
            throw new OpError(
              `${argname}(): Expected reduction dim to be specified for input.numel() == 0.`,
              "IndexError",
            );
          return meta(keep ? x.shape.map(() => 1) : [], "int64");
        }
        const dim = wrapDim(a.int("dim"), x.shape.length);
        if (x.shape.length > 0 && x.shape[dim] === 0)
          throw new OpError(
            `${argname}(): Expected reduction dim ${dim} to have non-zero size.`,
            "IndexError",
          );
        return meta(reducedShape(x.shape, x.shape.length ? [dim] : [], keep), "int64");
      },
      kernel: (a, T) => {
        const x = a.tensor("input");
        const keep = a.bool("keepdim");
        const f = isMax ? T.argmax : T.argmin;
        if (!a.has("dim")) {
          const r = f(x);
          return keep
            ? T.reshape(
                r,
                x.shape.map(() => 1),
              )
            : r;
        }
        return f(x, a.int("dim"), keep);
      },
      rf: (a, axes) => {
        const x = a.tensor("input");
        const dims = a.has("dim") ? [wrapDim(a.int("dim"), x.shape.length)] : [...x.shape.keys()];
        return reductionRf(argname, x, dims, axes);
      },
    }),
  );
}

/** The broadcast meta of `max(x, other)` (a tensor `dim` is the other overload). */
function elementwise(x: TensorMeta, y: TensorMeta): TensorMeta {
  const n = Math.max(x.shape.length, y.shape.length);
  const shape: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = x.shape[x.shape.length - n + i] ?? 1;
    const b = y.shape[y.shape.length - n + i] ?? 1;
    if (a !== b && a !== 1 && b !== 1)
      throw new OpError(
        `The size of tensor a (${a}) must match the size of tensor b (${b}) at non-singleton dimension ${i}`,
      );
    shape.push(a === 1 ? b : a);
  }
  return meta(shape, x.dtype);
}

// ---- logsumexp, norm, var/std, all/any, cumsum --------------------------------------------

add(
  op({
    name: "logsumexp",
    names: [torch("logsumexp"), method("logsumexp"), "torch.special.logsumexp"],
    params: ["input", "dim", "keepdim=False"],
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const dims = reducedDims(x.shape.length, a.dims("dim"), false);
      return meta(
        reducedShape(x.shape, dims, a.bool("keepdim")),
        isFloating(x.dtype) ? x.dtype : DEFAULT_FLOAT,
      );
    },
    kernel: (a, T) => {
      const d = a.dims("dim");
      return T.logsumexp(
        a.tensor("input"),
        d === undefined || d.length === 0 ? undefined : d,
        a.bool("keepdim"),
      );
    },
    rf: (a, axes) => {
      const x = a.tensor("input");
      return reductionRf("logsumexp", x, reducedDims(x.shape.length, a.dims("dim"), false), axes);
    },
  }),
);

/** `p` of `torch.norm`: 'fro', 'nuc', or a number (inf included). */
function normP(a: OpArgs<TensorMeta> | OpArgs<Tensor>): number | "fro" {
  const v = a.raw("p");
  if (v === null || v === "fro") return "fro";
  if (typeof v === "string")
    throw new OpError(`norm: p='${v}' is not supported by dlq (use 'fro' or a number)`);
  return a.float("p");
}

add(
  op({
    name: "norm",
    names: [torch("norm"), method("norm")],
    params: ["input", "p='fro'", "dim=None", "keepdim=False", "dtype=None"],
    python: true,
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      normP(a);
      const given = a.dtype("dtype");
      if (!isFloating(x.dtype) && !given)
        throw new OpError(
          `norm(): input dtype should be either floating point or complex. Got ${scalarTypeName(x.dtype)} instead.`,
        );
      const dims = reducedDims(x.shape.length, a.dims("dim"));
      return meta(reducedShape(x.shape, dims, a.bool("keepdim")), given ?? x.dtype);
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const p = normP(a);
      const d = a.dims("dim");
      const dims = d === undefined || d.length === 0 ? undefined : d;
      const keep = a.bool("keepdim");
      if (p === "fro" || p === 2) return T.sqrt(T.sum(T.mul(x, x), dims, keep));
      if (p === 1) return T.sum(T.abs(x), dims, keep);
      if (p === Infinity) return T.max(T.abs(x), dims ?? [...x.shape.keys()], keep);
      if (p === -Infinity) return T.min(T.abs(x), dims ?? [...x.shape.keys()], keep);
      return T.pow(T.sum(T.pow(T.abs(x), p), dims, keep), 1 / p);
    },
    rf: (a, axes) => {
      const x = a.tensor("input");
      return reductionRf("norm", x, reducedDims(x.shape.length, a.dims("dim")), axes);
    },
  }),
);

for (const name of ["var", "std"] as const) {
  /** The Bessel correction: `correction=` (1.13) or `unbiased=` (default True). */
  const correction = (a: OpArgs<TensorMeta> | OpArgs<Tensor>): number => {
    if (a.has("correction")) return a.int("correction");
    return a.bool("unbiased") ? 1 : 0;
  };
  add(
    op({
      name,
      names: [torch(name), method(name)],
      params: ["input", "dim=None", "unbiased=True", "keepdim=False", "*", "correction=None"],
      kind: "compute",
      meta: (a) => {
        const x = a.tensor("input");
        correction(a);
        if (!isFloating(x.dtype))
          throw new OpError(`std and var only support floating point and complex dtypes`);
        const dims = reducedDims(x.shape.length, a.dims("dim"));
        return meta(reducedShape(x.shape, dims, a.bool("keepdim")), x.dtype);
      },
      kernel: (a, T) => {
        const x = a.tensor("input");
        const d = a.dims("dim");
        const dims = reducedDims(x.ndim, d);
        const keep = a.bool("keepdim");
        const n = dims.reduce((p, k) => p * (x.ndim ? x.shape[k] : 1), 1);
        const c = T.sub(x, T.mean(x, dims.length ? dims : undefined, true));
        const v = T.div(
          T.sum(T.mul(c, c), dims.length ? dims : undefined, keep),
          Math.max(n - correction(a), 0),
        );
        return name === "std" ? T.sqrt(v) : v;
      },
      rf: (a, axes) => {
        const x = a.tensor("input");
        return reductionRf(name, x, reducedDims(x.shape.length, a.dims("dim")), axes);
      },
    }),
  );
}

for (const name of ["all", "any"] as const) {
  add(
    op({
      name,
      names: [torch(name), method(name)],
      params: ["input", "dim=None", "keepdim=False"],
      kind: "compute",
      meta: (a) => {
        const x = a.tensor("input");
        if (!a.has("dim")) return meta([], x.dtype === "uint8" ? "uint8" : "bool");
        const dim = wrapDim(a.int("dim"), x.shape.length);
        return meta(
          reducedShape(x.shape, x.shape.length ? [dim] : [], a.bool("keepdim")),
          x.dtype === "uint8" ? "uint8" : "bool",
        );
      },
      kernel: (a, T) => {
        const x = a.tensor("input");
        const nz = T.noGrad(() =>
          T.unaryOp(
            "ne0",
            x,
            (v) => (v !== 0 ? 1 : 0),
            () => 0,
          ),
        );
        const dims = a.has("dim") ? a.int("dim") : undefined;
        const keep = a.bool("keepdim");
        const r = T.noGrad(() =>
          name === "all"
            ? T.min(nz, dims === undefined ? undefined : [dims], keep)
            : T.max(nz, dims === undefined ? undefined : [dims], keep),
        );
        return x.size === 0 ? T.noGrad(() => T.full(r.shape, name === "all" ? 1 : 0)) : r;
      },
      rf: (a, axes) => {
        const x = a.tensor("input");
        const dims = a.has("dim") ? [wrapDim(a.int("dim"), x.shape.length)] : [...x.shape.keys()];
        return reductionRf(name, x, dims, axes);
      },
    }),
  );
}

add(
  op({
    name: "cumsum",
    names: [torch("cumsum"), method("cumsum")],
    params: ["input", "dim", "*", "dtype=None"],
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      wrapDim(a.int("dim"), x.shape.length);
      return meta(x.shape, a.dtype("dtype") ?? intResult(x.dtype));
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const d = wrapDim(a.int("dim"), x.ndim);
      const len = x.ndim ? x.shape[d] : 1;
      let inner = 1;
      for (let i = d + 1; i < x.ndim; i++) inner *= x.shape[i];
      const outer = x.size / (len * inner || 1);
      const scan = (src: Float64Array, reverse: boolean): Float64Array => {
        const out = new Float64Array(src.length);
        for (let o = 0; o < outer; o++)
          for (let k = 0; k < inner; k++) {
            let s = 0;
            for (let jj = 0; jj < len; jj++) {
              const j = reverse ? len - 1 - jj : jj;
              const p = (o * len + j) * inner + k;
              s += src[p];
              out[p] = s;
            }
          }
        return out;
      };
      return T.createOp("cumsum", scan(x.data, false), x.shape, [x], (g) => [scan(g, true)]);
    },
    rf: (a, axes) => {
      const x = a.tensor("input");
      return reductionRf("cumsum", x, [wrapDim(a.int("dim"), x.shape.length)], axes);
    },
  }),
);
