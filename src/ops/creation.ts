/**
 * Creation ops: `torch.zeros/ones/empty/full/rand/randn/randint/arange/linspace/eye/tensor`,
 * `*_like`, `x.new_zeros/new_ones/new_full/new_empty/new_tensor`, and the triangular masks
 * `tril`/`triu` (which take a tensor), plus `torch.manual_seed`.
 *
 * Meta: PyTorch's dtype inference (a Python float gives the default dtype float32, ints int64,
 * bools bool; `*_like` and `new_*` keep their tensor's dtype unless `dtype=`), the shape, and
 * PyTorch's refusals (a negative size, `requires_grad` on an integer dtype, an empty arange).
 * Kernels draw from the kernel context's generator (dlq's seeded stream, not PyTorch's) and
 * return leaves; `requires_grad=True` sets `requiresGrad` for the host to register.
 */
import { PyFloat, isFloat, typeName, type Value } from "../python/values.js";
import type { Tensor } from "../tensor/index.js";
import { seqItems } from "./args.js";
import { DEFAULT_FLOAT, isFloating, scalarTypeName } from "./dtype.js";
import { method, op, torch } from "./define.js";
import { preserveStrides } from "./layout.js";
import {
  OpError,
  type DType,
  type KernelContext,
  type OpArgs,
  type OpDef,
  type TensorCore,
  type TensorMeta,
} from "./types.js";
import { meta, numel, scalarKind, shapeStr, wrapDim } from "./util.js";

export const CREATION_OPS: OpDef[] = [];
const add = (d: OpDef): void => void CREATION_OPS.push(d);

const FACTORY_KW = [
  "out=None",
  "dtype=None",
  "layout=None",
  "device=None",
  "pin_memory=False",
  "requires_grad=False",
];
const LIKE_KW = [
  "*",
  "dtype=None",
  "layout=None",
  "device=None",
  "pin_memory=False",
  "requires_grad=False",
  "memory_format=None",
];

function checkSize(size: readonly number[]): void {
  for (const s of size)
    if (s < 0)
      throw new OpError(`Trying to create tensor with negative dimension ${s}: ${shapeStr(size)}`);
}
function checkGrad(a: OpArgs<unknown>, dtype: DType): void {
  if (a.has("requires_grad") && a.bool("requires_grad") && !isFloating(dtype))
    throw new OpError("Only Tensors of floating point and complex dtype can require gradients");
}
/** A kernel's new leaf: values rounded to the dtype's integers, `requires_grad` set. */
function leaf(
  T: TensorCore,
  a: OpArgs<Tensor>,
  data: Float64Array,
  shape: readonly number[],
  dtype: DType,
): Tensor {
  if (!isFloating(dtype))
    for (let i = 0; i < data.length; i++)
      data[i] = dtype === "bool" ? (data[i] !== 0 ? 1 : 0) : Math.trunc(data[i]);
  const t = new T.Tensor(data, shape);
  if (a.has("requires_grad") && a.bool("requires_grad")) t.requiresGrad = true;
  return t;
}

/** The dtype a Python fill value gives (`torch.full`): bool, int64 or the default float. */
function valueDtype(v: Value): DType {
  const k = scalarKind(v);
  return k === "bool" ? "bool" : k === "int" ? "int64" : DEFAULT_FLOAT;
}

type Fill = (
  T: TensorCore,
  a: OpArgs<Tensor>,
  shape: readonly number[],
  dtype: DType,
  ctx: KernelContext,
) => Float64Array;

const zerosFill: Fill = (_T, _a, shape) => new Float64Array(numel(shape));
const onesFill: Fill = (_T, _a, shape) => new Float64Array(numel(shape)).fill(1);
const randFill: Fill = (_T, _a, shape, _d, ctx) => {
  const d = new Float64Array(numel(shape));
  ctx.generator.fillUniform(d);
  return d;
};
const randnFill: Fill = (_T, _a, shape, _d, ctx) => {
  const d = new Float64Array(numel(shape));
  ctx.generator.fillNormal(d);
  return d;
};

/** Refuses a random fill of an integer dtype as PyTorch's kernels do. */
function randomDtype(name: string, d: DType): void {
  if (isFloating(d)) return;
  const kernel = name === "rand" ? "check_uniform_bounds" : "normal_kernel_cpu";
  throw new OpError(`"${kernel}" not implemented for '${scalarTypeName(d)}'`);
}

for (const [name, fill, random] of [
  ["zeros", zerosFill, false],
  ["ones", onesFill, false],
  ["empty", zerosFill, false],
  ["rand", randFill, true],
  ["randn", randnFill, true],
] as const) {
  add(
    op({
      name,
      names: [torch(name)],
      params: [
        "*size",
        ...(random ? ["generator=None"] : []),
        ...FACTORY_KW,
        ...(name === "empty" ? ["memory_format=None"] : []),
      ],
      symInt: ["size"],
      kind: "creation",
      ...(random ? { random: true } : {}),
      meta: (a) => {
        const size = a.shape("size");
        checkSize(size);
        const dtype = a.dtype("dtype") ?? DEFAULT_FLOAT;
        if (random) randomDtype(name, dtype);
        checkGrad(a, dtype);
        return meta(size, dtype);
      },
      kernel: (a, T, ctx) => {
        const size = a.shape("size");
        const dtype = a.dtype("dtype") ?? DEFAULT_FLOAT;
        return leaf(T, a, fill(T, a, size, dtype, ctx), size, dtype);
      },
    }),
  );
  // x.new_zeros(size) & co.: the tensor's dtype
  if (!random)
    add(
      op({
        name: `new_${name}`,
        names: [method(`new_${name}`)],
        params: [
          "input",
          "*size",
          "dtype=None",
          "layout=None",
          "device=None",
          "pin_memory=False",
          "requires_grad=False",
        ],
        symInt: ["size"],
        kind: "creation",
        meta: (a) => {
          const size = a.shape("size");
          checkSize(size);
          const dtype = a.dtype("dtype") ?? a.tensor("input").dtype;
          checkGrad(a, dtype);
          return meta(size, dtype);
        },
        kernel: (a, T, ctx) => {
          const size = a.shape("size");
          const dtype = a.dtype("dtype") ?? ctx.dtypeOf(a.tensor("input"));
          return leaf(T, a, fill(T, a, size, dtype, ctx), size, dtype);
        },
      }),
    );
  add(
    op({
      name: `${name}_like`,
      names: [torch(`${name}_like`)],
      params: ["input", ...LIKE_KW],
      kind: "creation",
      ...(random ? { random: true } : {}),
      meta: (a) => {
        const x = a.tensor("input");
        const dtype = a.dtype("dtype") ?? x.dtype;
        if (random) randomDtype(name, dtype);
        checkGrad(a, dtype);
        return meta(x.shape, dtype, preserveStrides(x));
      },
      kernel: (a, T, ctx) => {
        const x = a.tensor("input");
        const dtype = a.dtype("dtype") ?? ctx.dtypeOf(x);
        return leaf(T, a, fill(T, a, x.shape, dtype, ctx), x.shape, dtype);
      },
    }),
  );
}

add(
  op({
    name: "full",
    names: [torch("full")],
    params: ["size", "fill_value", "*", ...FACTORY_KW],
    symInt: ["size"],
    kind: "creation",
    meta: (a) => {
      const size = a.ints("size");
      checkSize(size);
      a.scalar("fill_value");
      const dtype = a.dtype("dtype") ?? valueDtype(a.raw("fill_value"));
      checkGrad(a, dtype);
      return meta(size, dtype);
    },
    kernel: (a, T) => {
      const size = a.ints("size");
      const dtype = a.dtype("dtype") ?? valueDtype(a.raw("fill_value"));
      return leaf(T, a, new Float64Array(numel(size)).fill(a.scalar("fill_value")), size, dtype);
    },
  }),
);
add(
  op({
    name: "full_like",
    names: [torch("full_like")],
    params: ["input", "fill_value", ...LIKE_KW],
    kind: "creation",
    meta: (a) => {
      const x = a.tensor("input");
      a.scalar("fill_value");
      const dtype = a.dtype("dtype") ?? x.dtype;
      checkGrad(a, dtype);
      return meta(x.shape, dtype, preserveStrides(x));
    },
    kernel: (a, T, ctx) => {
      const x = a.tensor("input");
      const dtype = a.dtype("dtype") ?? ctx.dtypeOf(x);
      return leaf(T, a, new Float64Array(x.size).fill(a.scalar("fill_value")), x.shape, dtype);
    },
  }),
);
add(
  op({
    name: "new_full",
    names: [method("new_full")],
    params: [
      "input",
      "size",
      "fill_value",
      "*",
      "dtype=None",
      "layout=None",
      "device=None",
      "pin_memory=False",
      "requires_grad=False",
    ],
    symInt: ["size"],
    kind: "creation",
    meta: (a) => {
      const size = a.ints("size");
      checkSize(size);
      a.scalar("fill_value");
      const dtype = a.dtype("dtype") ?? a.tensor("input").dtype;
      checkGrad(a, dtype);
      return meta(size, dtype);
    },
    kernel: (a, T, ctx) => {
      const size = a.ints("size");
      const dtype = a.dtype("dtype") ?? ctx.dtypeOf(a.tensor("input"));
      return leaf(T, a, new Float64Array(numel(size)).fill(a.scalar("fill_value")), size, dtype);
    },
  }),
);

// ---- randint --------------------------------------------------------------------------------

/** randint(high, size) or randint(low, high, size). */
function randintArgs(a: OpArgs<unknown>): { low: number; high: number; size: number[] } {
  if (!a.has("size")) {
    if (!a.has("high"))
      throw new OpError('randint() missing 1 required positional arguments: "size"', "TypeError");
    return { low: 0, high: a.int("low"), size: a.ints("high") };
  }
  return { low: a.int("low"), high: a.int("high"), size: a.ints("size") };
}
add(
  op({
    name: "randint",
    names: [torch("randint")],
    params: ["low", "high=None", "size=None", "*", "generator=None", ...FACTORY_KW],
    symInt: ["size"],
    kind: "creation",
    random: true,
    meta: (a) => {
      const { low, high, size } = randintArgs(a);
      checkSize(size);
      if (low >= high)
        throw new OpError(
          `random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`,
        );
      const dtype = a.dtype("dtype") ?? "int64";
      checkGrad(a, dtype);
      return meta(size, dtype);
    },
    kernel: (a, T, ctx) => {
      const { low, high, size } = randintArgs(a);
      const d = new Float64Array(numel(size));
      for (let i = 0; i < d.length; i++) d[i] = ctx.generator.randint(low, high);
      return leaf(T, a, d, size, a.dtype("dtype") ?? "int64");
    },
  }),
);
add(
  op({
    name: "randint_like",
    names: [torch("randint_like")],
    params: ["input", "low", "high=None", ...LIKE_KW],
    kind: "creation",
    random: true,
    meta: (a) => {
      const x = a.tensor("input");
      const [low, high] = a.has("high") ? [a.int("low"), a.int("high")] : [0, a.int("low")];
      if (low >= high)
        throw new OpError(
          `random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`,
        );
      return meta(x.shape, a.dtype("dtype") ?? x.dtype, preserveStrides(x));
    },
    kernel: (a, T, ctx) => {
      const x = a.tensor("input");
      const [low, high] = a.has("high") ? [a.int("low"), a.int("high")] : [0, a.int("low")];
      const d = new Float64Array(x.size);
      for (let i = 0; i < d.length; i++) d[i] = ctx.generator.randint(low, high);
      return leaf(T, a, d, x.shape, a.dtype("dtype") ?? ctx.dtypeOf(x));
    },
  }),
);

// ---- arange, linspace, eye ---------------------------------------------------------------------

function arangeArgs(a: OpArgs<unknown>): {
  start: number;
  end: number;
  step: number;
  float: boolean;
} {
  const kinds = ["start", "end", "step"].map((k) => (a.has(k) ? scalarKind(a.raw(k)) : "int"));
  const float = kinds.includes("float");
  let start = a.scalar("start");
  let end: number;
  if (a.has("end")) end = a.scalar("end");
  else {
    end = start;
    start = 0;
  }
  const step = a.scalar("step");
  return { start, end, step, float };
}
function arangeSize(start: number, end: number, step: number): number {
  if (step === 0) throw new OpError("step must be nonzero");
  if (!Number.isFinite(start) || !Number.isFinite(end))
    throw new OpError(`unsupported range: ${start} -> ${end}`);
  if ((step > 0 && end < start) || (step < 0 && end > start))
    throw new OpError("upper bound and larger bound inconsistent with step sign");
  return Math.ceil((end - start) / step);
}
add(
  op({
    name: "arange",
    names: [torch("arange")],
    params: ["start", "end=None", "step=1", "*", ...FACTORY_KW],
    kind: "creation",
    meta: (a) => {
      const { start, end, step, float } = arangeArgs(a);
      const n = arangeSize(start, end, step);
      const dtype = a.dtype("dtype") ?? (float ? DEFAULT_FLOAT : "int64");
      checkGrad(a, dtype);
      return meta([n], dtype);
    },
    kernel: (a, T) => {
      const { start, end, step, float } = arangeArgs(a);
      const n = arangeSize(start, end, step);
      const d = new Float64Array(n);
      for (let i = 0; i < n; i++) d[i] = start + i * step;
      return leaf(T, a, d, [n], a.dtype("dtype") ?? (float ? DEFAULT_FLOAT : "int64"));
    },
  }),
);
add(
  op({
    name: "linspace",
    names: [torch("linspace")],
    params: ["start", "end", "steps", "*", ...FACTORY_KW],
    kind: "creation",
    meta: (a) => {
      a.scalar("start");
      a.scalar("end");
      const n = a.int("steps");
      if (n < 0) throw new OpError("number of steps must be non-negative");
      const dtype = a.dtype("dtype") ?? DEFAULT_FLOAT;
      checkGrad(a, dtype);
      return meta([n], dtype);
    },
    kernel: (a, T) => {
      const s = a.scalar("start");
      const e = a.scalar("end");
      const n = a.int("steps");
      const d = new Float64Array(n);
      // ATen's linspace: from both ends towards the middle
      const step = n > 1 ? (e - s) / (n - 1) : 0;
      const half = Math.floor(n / 2);
      for (let i = 0; i < n; i++) d[i] = i < half ? s + step * i : e - step * (n - 1 - i);
      return leaf(T, a, d, [n], a.dtype("dtype") ?? DEFAULT_FLOAT);
    },
  }),
);
add(
  op({
    name: "eye",
    names: [torch("eye")],
    params: ["n", "m=None", "*", ...FACTORY_KW],
    kind: "creation",
    meta: (a) => {
      const n = a.int("n");
      const m = a.has("m") ? a.int("m") : n;
      if (n < 0) throw new OpError(`n must be greater or equal to 0, got ${n}`);
      if (m < 0) throw new OpError(`m must be greater or equal to 0, got ${m}`);
      const dtype = a.dtype("dtype") ?? DEFAULT_FLOAT;
      checkGrad(a, dtype);
      return meta([n, m], dtype);
    },
    kernel: (a, T) => {
      const n = a.int("n");
      const m = a.has("m") ? a.int("m") : n;
      const d = new Float64Array(n * m);
      for (let i = 0; i < Math.min(n, m); i++) d[i * m + i] = 1;
      return leaf(T, a, d, [n, m], a.dtype("dtype") ?? DEFAULT_FLOAT);
    },
  }),
);

// ---- torch.tensor -------------------------------------------------------------------------------

/**
 * The shape, inferred dtype and values of nested Python data, as `torch.tensor` reads it
 * (torch/csrc/utils/tensor_new.cpp): the shape follows the first element at each depth (a str is
 * a sequence there: "too many dimensions 'str'"), then every element is checked against it.
 */
function readData<T>(
  v: Value,
  tensorOf: (v: Value) => T | undefined,
  metaOf: (t: T) => { shape: readonly number[]; dtype: DType },
  valuesOf?: (t: T) => Float64Array,
): { shape: number[]; dtype: DType; values: number[] } {
  const top = tensorOf(v);
  if (top !== undefined) {
    const m = metaOf(top);
    return { shape: [...m.shape], dtype: m.dtype, values: valuesOf ? [...valuesOf(top)] : [] };
  }
  if (typeof v === "string") throw new OpError("new(): invalid data type 'str'", "TypeError");
  const shape: number[] = [];
  for (let x: Value = v; ;) {
    if (typeof x === "string") throw new OpError("too many dimensions 'str'", "ValueError");
    const items = seqItems(x);
    if (!items) break;
    shape.push(items.length);
    if (items.length === 0) break;
    x = items[0];
  }
  const values: number[] = [];
  const seen = { kind: -1 }; // -1 none, 0 bool, 1 int, 2 float
  const up = (k: number): void => void (seen.kind = Math.max(seen.kind, k));
  const walk = (x: Value, depth: number): void => {
    if (depth < shape.length) {
      const items = seqItems(x);
      if (!items) throw new OpError("not a sequence", "TypeError");
      if (items.length !== shape[depth])
        throw new OpError(
          `expected sequence of length ${shape[depth]} at dim ${depth} (got ${items.length})`,
          "ValueError",
        );
      for (const y of items) walk(y, depth + 1);
      return;
    }
    if (typeof x === "boolean") {
      up(0);
      values.push(x ? 1 : 0);
      return;
    }
    if (typeof x === "number" || x instanceof PyFloat) {
      up(isFloat(x) ? 2 : 1);
      values.push(typeof x === "number" ? x : x.float);
      return;
    }
    if (typeof x === "string") throw new OpError("new(): invalid data type 'str'", "TypeError");
    const t = tensorOf(x);
    if (t !== undefined) {
      const m = metaOf(t);
      if (numel(m.shape) !== 1)
        throw new OpError(
          "only one element tensors can be converted to Python scalars",
          "ValueError",
        );
      up(isFloating(m.dtype) ? 2 : m.dtype === "bool" ? 0 : 1);
      if (valuesOf) values.push(...valuesOf(t));
      return;
    }
    if (seqItems(x))
      throw new OpError(`'${typeName(x)}' object cannot be interpreted as an integer`, "TypeError");
    throw new OpError(`Could not infer dtype of ${typeName(x)}`, "RuntimeError");
  };
  walk(v, 0);
  const dtype: DType = seen.kind === 0 ? "bool" : seen.kind === 1 ? "int64" : DEFAULT_FLOAT;
  return { shape, dtype, values };
}
for (const name of ["tensor", "as_tensor"] as const) {
  add(
    op({
      name,
      names: [torch(name)],
      params: ["data", "*", "dtype=None", "device=None", "requires_grad=False", "pin_memory=False"],
      kind: "creation",
      meta: (a) => {
        const d = readData(
          a.raw("data"),
          (v) => a.tensorOf(v),
          (t) => t,
        );
        const dtype = a.dtype("dtype") ?? d.dtype;
        checkGrad(a, dtype);
        return meta(d.shape, dtype);
      },
      kernel: (a, T, ctx) => {
        const d = readData(
          a.raw("data"),
          (v) => a.tensorOf(v),
          (t) => ({ shape: t.shape, dtype: ctx.dtypeOf(t) }),
          (t) => t.data,
        );
        const dtype = a.dtype("dtype") ?? d.dtype;
        return leaf(T, a, Float64Array.from(d.values), d.shape, dtype);
      },
    }),
  );
}
add(
  op({
    name: "new_tensor",
    names: [method("new_tensor")],
    params: ["input", "data", "*", "dtype=None", "device=None", "requires_grad=False"],
    kind: "creation",
    meta: (a) => {
      const d = readData(
        a.raw("data"),
        (v) => a.tensorOf(v),
        (t) => t,
      );
      const dtype = a.dtype("dtype") ?? a.tensor("input").dtype;
      checkGrad(a, dtype);
      return meta(d.shape, dtype);
    },
    kernel: (a, T, ctx) => {
      const d = readData(
        a.raw("data"),
        (v) => a.tensorOf(v),
        (t) => ({ shape: t.shape, dtype: ctx.dtypeOf(t) }),
        (t) => t.data,
      );
      return leaf(
        T,
        a,
        Float64Array.from(d.values),
        d.shape,
        a.dtype("dtype") ?? ctx.dtypeOf(a.tensor("input")),
      );
    },
  }),
);

// ---- tril / triu ---------------------------------------------------------------------------------

for (const name of ["tril", "triu"] as const) {
  const keep = (i: number, j: number, k: number): boolean =>
    name === "tril" ? j - i <= k : j - i >= k;
  const metaOf = (a: OpArgs<TensorMeta>): TensorMeta => {
    const x = a.tensor("input");
    a.int("diagonal");
    // ATen wraps dim -2 before checking the rank
    if (x.shape.length < 2) wrapDim(-2, x.shape.length);
    return meta(x.shape, x.dtype);
  };
  const kernel = (a: OpArgs<Tensor>, T: TensorCore): Tensor => {
    const x = a.tensor("input");
    const k = a.int("diagonal");
    const [R, C] = x.shape.slice(-2);
    const m = new Float64Array(R * C);
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) m[i * C + j] = keep(i, j, k) ? 1 : 0;
    return T.mul(x, new T.Tensor(m, [R, C]));
  };
  add(
    op({
      name,
      names: [torch(name), method(name)],
      params: ["input", "diagonal=0"],
      kind: "compute",
      meta: metaOf,
      kernel,
      rf: () => ({ kind: "pointwise" }),
    }),
  );
  add(
    op({
      name: `${name}_`,
      names: [method(`${name}_`)],
      params: ["input", "diagonal=0"],
      kind: "compute",
      inplace: true,
      meta: metaOf,
      kernel,
      rf: () => ({ kind: "pointwise" }),
    }),
  );
}

add(
  op({
    name: "manual_seed",
    names: [torch("manual_seed"), "torch.random.manual_seed"],
    params: ["seed"],
    kind: "meta",
    random: true,
    meta: (a) => {
      a.int("seed");
      return { py: null };
    },
    kernel: (a, _T, ctx) => {
      ctx.generator.manualSeed(a.int("seed"));
      return { py: null };
    },
  }),
);
