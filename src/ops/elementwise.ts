/**
 * Elementwise ops: unary math (`torch.exp`, `x.sqrt()`), arithmetic with broadcasting and type
 * promotion (`torch.add(x, y, alpha=2)`, `x / 2`, `2 ** x`), comparisons (bool results), logical
 * and bitwise ops, `torch.where`, `torch.clamp`, `masked_fill`, and their in-place variants
 * (`add_`, `x += y`, `masked_fill_`).
 *
 * Meta: the broadcast shape (ATen's `infer_size`, PyTorch's message), the result type (ATen's
 * `result_type`, src/ops/dtype.ts), the TensorIterator layout (src/ops/layout.ts). In-place ops
 * keep their tensor's shape, dtype and layout and refuse what PyTorch refuses ("output with shape
 * [3] doesn't match the broadcast shape [2, 3]", "result type Float can't be cast to the desired
 * output type Long").
 *
 * Kernels: the tensor core's ops, or `unaryOp`/`binaryOp` with the derivative PyTorch 1.13's
 * derivatives.yaml gives (0 for `floor`, `round`, `sign`, `div(rounding_mode=…)`; `floor_divide`
 * has none: its backward raises PyTorch's error). Comparisons and logical ops are computed outside
 * the graph, as bool results cannot require grad.
 *
 * Receptive field: pointwise for one tensor input, `merge` for several.
 */
import type { Tensor } from "../tensor/index.js";
import { TensorError } from "../tensor/errors.js";
import { canCast, DEFAULT_FLOAT, isFloating, isIntegral, scalarTypeName } from "./dtype.js";
import { method, op, operator, torch } from "./define.js";
import {
  OpError,
  type DType,
  type KernelContext,
  type OpArgs,
  type OpDef,
  type OpRf,
  type TensorCore,
  type TensorMeta,
} from "./types.js";
import { elementwiseMeta, meta, operand, scalarKind, shapeStr } from "./util.js";
import { iterStrides } from "./layout.js";

export const ELEMENTWISE_OPS: OpDef[] = [];
const add = (d: OpDef): void => void ELEMENTWISE_OPS.push(d);

/** pointwise with one tensor operand, merge with several. */
export function mergeOrPointwise(a: OpArgs<TensorMeta>, names: readonly string[]): OpRf {
  const n = names.filter((k) => typeof a.tensorOrNumber(k) !== "number").length;
  return n > 1 ? { kind: "merge" } : { kind: "pointwise" };
}

/**
 * The meta of an in-place op on `self` whose out-of-place result would be `result`.
 * @throws OpError as PyTorch's TensorIterator refuses a resize or a lossy cast.
 */
export function inplaceMeta(self: TensorMeta, result: TensorMeta): TensorMeta {
  const same =
    result.shape.length === self.shape.length && result.shape.every((s, i) => s === self.shape[i]);
  if (!same)
    throw new OpError(
      `output with shape ${shapeStr(self.shape)} doesn't match the broadcast shape ${shapeStr(result.shape)}`,
    );
  if (!canCast(result.dtype, self.dtype))
    throw new OpError(
      `result type ${scalarTypeName(result.dtype)} can't be cast to the desired output type ${scalarTypeName(self.dtype)}`,
    );
  return self;
}

// ---------------------------------------------------------------------------------------------
// Unary math

type Fwd = (x: number) => number;
type Der = (x: number, y: number) => number;

/** How a unary op's result dtype follows its input's. */
type UnaryDtype = "float" | "same" | "bool";

interface UnarySpec {
  name: string;
  /** Extra qualified names beyond torch.X and Tensor.X (and Tensor.X_ when `inplace`). */
  aliases?: string[];
  /** The forward (unless {@link core} computes the op). */
  f?: Fwd;
  /** The derivative from the input and output values; 0 (no gradient) when absent. */
  df?: Der;
  /** Use this tensor-core op instead of `unaryOp(f, df)` (same formula, its own backward). */
  core?: (T: TensorCore, x: Tensor) => Tensor;
  dtype: UnaryDtype;
  /** Refuses a dtype (PyTorch's kernel is not implemented for it). */
  refuse?: (d: DType) => string | undefined;
  /** Also define `Tensor.NAME_` / `torch.NAME_`. */
  inplace?: boolean;
}

function unaryDtype(kind: UnaryDtype, d: DType): DType {
  if (kind === "bool") return "bool";
  if (kind === "float") return isFloating(d) ? d : DEFAULT_FLOAT;
  return d;
}

function unaryKernel(s: UnarySpec) {
  return (x: Tensor, T: TensorCore): Tensor => {
    if (s.core) return s.core(T, x);
    const f = s.f as Fwd;
    return T.unaryOp(s.name, x, f, s.df ?? (() => 0));
  };
}

function unary(s: UnarySpec): void {
  const kern = unaryKernel(s);
  const metaOf = (x: TensorMeta): TensorMeta => {
    const why = s.refuse?.(x.dtype);
    if (why) throw new OpError(why);
    // a new tensor in the input's memory order (TensorIterator)
    return meta(x.shape, unaryDtype(s.dtype, x.dtype), iterStrides(x.shape, [x]));
  };
  add(
    op({
      name: s.name,
      names: [torch(s.name), method(s.name), ...(s.aliases ?? [])],
      params: ["input"],
      kind: "compute",
      meta: (a) => metaOf(a.tensor("input")),
      kernel: (a, T) => kern(a.tensor("input"), T),
      rf: () => ({ kind: "pointwise" }),
    }),
  );
  if (s.inplace) {
    add(
      op({
        name: `${s.name}_`,
        names: [torch(`${s.name}_`), method(`${s.name}_`)],
        params: ["input"],
        kind: "compute",
        inplace: true,
        meta: (a) => {
          const x = a.tensor("input");
          return inplaceMeta(x, metaOf(x));
        },
        kernel: (a, T) => kern(a.tensor("input"), T),
        rf: () => ({ kind: "pointwise" }),
      }),
    );
  }
}

const LN2 = Math.LN2;
const LN10 = Math.LN10;
const boolNeg = (d: DType): string | undefined =>
  d === "bool"
    ? "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
    : undefined;

unary({ name: "exp", core: (T, x) => T.exp(x), dtype: "float", inplace: true });
unary({ name: "exp2", f: (x) => 2 ** x, df: (_x, y) => y * LN2, dtype: "float" });
unary({ name: "log", core: (T, x) => T.log(x), dtype: "float", inplace: true });
unary({ name: "log2", f: Math.log2, df: (x) => 1 / (x * LN2), dtype: "float" });
unary({ name: "log10", f: Math.log10, df: (x) => 1 / (x * LN10), dtype: "float" });
unary({ name: "log1p", f: Math.log1p, df: (x) => 1 / (1 + x), dtype: "float" });
unary({ name: "expm1", f: Math.expm1, df: (_x, y) => y + 1, dtype: "float" });
unary({ name: "sqrt", core: (T, x) => T.sqrt(x), dtype: "float", inplace: true });
unary({
  name: "rsqrt",
  f: (x) => 1 / Math.sqrt(x),
  df: (_x, y) => -0.5 * y * y * y,
  dtype: "float",
});
unary({ name: "sin", f: Math.sin, df: (x) => Math.cos(x), dtype: "float" });
unary({ name: "cos", f: Math.cos, df: (x) => -Math.sin(x), dtype: "float" });
unary({ name: "tan", f: Math.tan, df: (_x, y) => 1 + y * y, dtype: "float" });
unary({ name: "asin", f: Math.asin, df: (x) => 1 / Math.sqrt(1 - x * x), dtype: "float" });
unary({ name: "acos", f: Math.acos, df: (x) => -1 / Math.sqrt(1 - x * x), dtype: "float" });
unary({ name: "atan", f: Math.atan, df: (x) => 1 / (1 + x * x), dtype: "float" });
unary({ name: "sinh", f: Math.sinh, df: (x) => Math.cosh(x), dtype: "float" });
unary({ name: "cosh", f: Math.cosh, df: (x) => Math.sinh(x), dtype: "float" });
unary({
  name: "erf",
  aliases: ["torch.special.erf"],
  core: (T, x) => T.erf(x),
  dtype: "float",
});
unary({
  name: "reciprocal",
  f: (x) => 1 / x,
  df: (_x, y) => -y * y,
  dtype: "float",
  inplace: true,
});
unary({
  name: "abs",
  aliases: ["torch.absolute", "Tensor.absolute", "Tensor.__abs__"],
  f: Math.abs,
  core: (T, x) => T.abs(x),
  dtype: "same",
  refuse: (d) => (d === "bool" ? `"abs_cpu" not implemented for 'Bool'` : undefined),
  inplace: true,
});
unary({
  name: "neg",
  aliases: ["torch.negative", "Tensor.negative", "operator.neg"],
  f: (x) => -x,
  core: (T, x) => T.neg(x),
  dtype: "same",
  refuse: boolNeg,
  inplace: true,
});
unary({
  name: "square",
  f: (x) => x * x,
  core: (T, x) => T.pow(x, 2),
  dtype: "same",
  inplace: true,
});
unary({ name: "sign", f: Math.sign, dtype: "same" });
unary({ name: "floor", f: Math.floor, dtype: "same", inplace: true });
unary({ name: "ceil", f: Math.ceil, dtype: "same", inplace: true });
unary({ name: "trunc", aliases: ["torch.fix", "Tensor.fix"], f: Math.trunc, dtype: "same" });
unary({ name: "frac", f: (x) => x - Math.trunc(x), df: () => 1, dtype: "same" });
/** round half to even, as PyTorch (nearbyint). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
unary({ name: "round", f: roundHalfEven, dtype: "same", inplace: true });

/** `+x`: the tensor itself (`Tensor.__pos__`); PyTorch refuses it on bool. */
add(
  op({
    name: "positive",
    names: ["torch.positive", "Tensor.positive", "operator.pos"],
    params: ["input"],
    kind: "view",
    meta: (a) => {
      const x = a.tensor("input");
      if (x.dtype === "bool")
        throw new OpError("The `+` operator, on a bool tensor is not supported.");
      return x;
    },
    kernel: (a) => a.tensor("input"),
    rf: () => ({ kind: "pointwise" }),
  }),
);

add(
  op({
    name: "logical_not",
    names: [torch("logical_not"), method("logical_not")],
    params: ["input"],
    kind: "compute",
    meta: (a) => ({ ...a.tensor("input"), dtype: "bool" }),
    kernel: (a, T) =>
      T.noGrad(() =>
        T.unaryOp(
          "logical_not",
          a.tensor("input"),
          (x) => (x === 0 ? 1 : 0),
          () => 0,
        ),
      ),
    rf: () => ({ kind: "pointwise" }),
  }),
);

add(
  op({
    name: "bitwise_not",
    names: [torch("bitwise_not"), method("bitwise_not"), operator("invert")],
    params: ["input"],
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      if (isFloating(x.dtype)) {
        // `~x` is Tensor.__invert__, which checks before dispatching
        if (a.display === "operator.invert")
          throw new OpError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors",
            "TypeError",
          );
        throw new OpError(`"bitwise_not_cpu" not implemented for '${scalarTypeName(x.dtype)}'`);
      }
      return x;
    },
    kernel: (a, T, ctx) => {
      const x = a.tensor("input");
      const isBool = ctx.dtypeOf(x) === "bool";
      return T.noGrad(() =>
        T.unaryOp("bitwise_not", x, isBool ? (v) => (v === 0 ? 1 : 0) : (v) => -v - 1, () => 0),
      );
    },
    rf: () => ({ kind: "pointwise" }),
  }),
);

// ---------------------------------------------------------------------------------------------
// Binary arithmetic

interface BinarySpec {
  name: string;
  /** Qualified names of the out-of-place op (torch.X, Tensor.X, operator.X…). */
  names: string[];
  /** The in-place op's names (Tensor.X_, operator.iX); none when absent. */
  inplaceNames?: string[];
  /** Extra parameters after `input, other`. */
  extra?: string[];
  /** The second parameter's name (`exponent` for pow). */
  otherName?: string;
  /** The result dtype from the promoted one (true division makes ints float). */
  dtype?: (promoted: DType, a: OpArgs<TensorMeta>) => DType;
  /** PyTorch's refusals that depend on dtypes or arguments. */
  check?: (a: OpArgs<TensorMeta>, x: TensorMeta | number, y: TensorMeta | number) => void;
  /** Whether `other` may only be a tensor (maximum/minimum). */
  tensorOther?: boolean;
  kernel: (a: OpArgs<Tensor>, T: TensorCore, x: Tensor | number, y: Tensor | number) => Tensor;
}

/**
 * A binary elementwise op. Its first argument may be a Python number only through `operator.X`
 * (`2 - x` is `operator.sub(2, x)`, Python's reflected `x.__rsub__(2)`).
 */
function binary(s: BinarySpec): void {
  const other = s.otherName ?? "other";
  const params = ["input", other, ...(s.extra ?? [])];
  const metaOf = (a: OpArgs<TensorMeta>): TensorMeta => {
    const x = a.tensorOrNumber("input");
    const y = s.tensorOther ? a.tensor(other) : a.tensorOrNumber(other);
    if (typeof x === "number" && typeof y === "number") a.tensor("input");
    s.check?.(a, x, y);
    return elementwiseMeta([operand(a, "input"), operand(a, other)], (p) =>
      s.dtype ? s.dtype(p, a) : p,
    );
  };
  const kernel = (a: OpArgs<Tensor>, T: TensorCore): Tensor =>
    s.kernel(a, T, a.tensorOrNumber("input"), a.tensorOrNumber(other));
  const torchNames = s.names.filter((n) => !n.startsWith("operator."));
  const opNames = s.names.filter((n) => n.startsWith("operator."));
  const base = {
    kind: "compute" as const,
    kernel,
    rf: (a: OpArgs<TensorMeta>) => mergeOrPointwise(a, ["input", other]),
  };
  add(
    op({
      ...base,
      name: s.name,
      names: torchNames,
      params,
      meta: (a) => {
        a.tensor("input");
        return metaOf(a);
      },
    }),
  );
  if (opNames.length)
    add(
      op({
        ...base,
        name: s.name,
        names: opNames,
        params: ["input", other, "/"],
        python: true,
        meta: metaOf,
      }),
    );
  if (s.inplaceNames)
    add(
      op({
        ...base,
        name: `${s.name}_`,
        names: s.inplaceNames,
        params: s.inplaceNames.some((n) => n.startsWith("operator."))
          ? ["input", other, "/"]
          : params,
        inplace: true,
        meta: (a) => inplaceMeta(a.tensor("input"), metaOf(a)),
      }),
    );
}

/** `alpha` times `y`, for add/sub (a number stays a number). */
function scaled(T: TensorCore, y: Tensor | number, alpha: number): Tensor | number {
  if (alpha === 1) return y;
  return typeof y === "number" ? y * alpha : T.mul(y, alpha);
}

function alphaCheck(a: OpArgs<TensorMeta>, x: TensorMeta | number, y: TensorMeta | number): void {
  if (!a.has("alpha")) return;
  const alpha = a.raw("alpha");
  a.scalar("alpha");
  const ints = [x, y].every((t) => (typeof t === "number" ? true : !isFloating(t.dtype)));
  if (ints && scalarKind(alpha) === "float")
    throw new OpError(
      "For integral input tensors, argument alpha must not be a floating point number.",
    );
}

function boolSubCheck(x: TensorMeta | number, y: TensorMeta | number): void {
  const bx = typeof x !== "number" && x.dtype === "bool";
  const by = typeof y !== "number" && y.dtype === "bool";
  if (bx && by)
    throw new OpError(
      "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.",
    );
  if (bx || by)
    throw new OpError(
      "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
    );
}

binary({
  name: "add",
  names: [torch("add"), method("add"), operator("add")],
  inplaceNames: [method("add_")],
  extra: ["*", "alpha=1"],
  check: (a, x, y) => alphaCheck(a, x, y),
  kernel: (a, T, x, y) => T.add(x, scaled(T, y, a.has("alpha") ? a.scalar("alpha") : 1)),
});
add(
  op({
    name: "add_",
    names: [operator("iadd")],
    params: ["input", "other", "/"],
    python: true,
    kind: "compute",
    inplace: true,
    meta: (a) =>
      inplaceMeta(a.tensor("input"), elementwiseMeta([operand(a, "input"), operand(a, "other")])),
    kernel: (a, T) => T.add(a.tensor("input"), a.tensorOrNumber("other")),
    rf: (a) => mergeOrPointwise(a, ["input", "other"]),
  }),
);
binary({
  name: "sub",
  names: [torch("sub"), torch("subtract"), method("sub"), method("subtract"), operator("sub")],
  inplaceNames: [method("sub_")],
  extra: ["*", "alpha=1"],
  check: (a, x, y) => {
    boolSubCheck(x, y);
    alphaCheck(a, x, y);
  },
  kernel: (a, T, x, y) => T.sub(x, scaled(T, y, a.has("alpha") ? a.scalar("alpha") : 1)),
});
add(
  op({
    name: "rsub",
    names: [torch("rsub")],
    params: ["input", "other", "*", "alpha=1"],
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const y = a.tensorOrNumber("other");
      boolSubCheck(x, y);
      return elementwiseMeta([x, operand(a, "other")]);
    },
    kernel: (a, T) =>
      T.sub(a.tensorOrNumber("other"), scaled(T, a.tensor("input"), a.scalar("alpha"))),
    rf: (a) => mergeOrPointwise(a, ["input", "other"]),
  }),
);
binary({
  name: "mul",
  names: [torch("mul"), torch("multiply"), method("mul"), method("multiply"), operator("mul")],
  inplaceNames: [method("mul_")],
  kernel: (_a, T, x, y) => T.mul(x, y),
});

const ROUNDING = new Set(["trunc", "floor"]);
function divDtype(p: DType, a: OpArgs<TensorMeta>): DType {
  const mode = a.has("rounding_mode") ? a.str("rounding_mode") : undefined;
  if (mode === undefined) return isFloating(p) ? p : DEFAULT_FLOAT;
  return p;
}
function divCheck(a: OpArgs<TensorMeta>, x: TensorMeta | number, y: TensorMeta | number): void {
  if (!a.has("rounding_mode")) return;
  const m = a.str("rounding_mode");
  if (!ROUNDING.has(m))
    throw new OpError(
      `div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${m}'`,
    );
  const bools = [x, y].every((t) => typeof t !== "number" && t.dtype === "bool");
  if (bools) throw new OpError(`"div_${m}_cpu" not implemented for 'Bool'`);
}
function divKernel(a: OpArgs<Tensor>, T: TensorCore, x: Tensor | number, y: Tensor | number) {
  const mode = a.has("rounding_mode") ? a.str("rounding_mode") : undefined;
  if (mode === undefined) return T.div(x, y);
  const r = mode === "floor" ? Math.floor : Math.trunc;
  return T.binaryOp(
    "div",
    x,
    y,
    (u, v) => r(u / v),
    () => 0,
    () => 0,
  );
}
binary({
  name: "div",
  names: [
    torch("div"),
    torch("divide"),
    method("div"),
    method("divide"),
    torch("true_divide"),
    method("true_divide"),
    operator("truediv"),
  ],
  inplaceNames: [method("div_")],
  extra: ["*", "rounding_mode=None"],
  dtype: divDtype,
  check: divCheck,
  kernel: divKernel,
});
add(
  op({
    name: "div_",
    names: [operator("itruediv")],
    params: ["input", "other", "/"],
    python: true,
    kind: "compute",
    inplace: true,
    meta: (a) =>
      inplaceMeta(
        a.tensor("input"),
        elementwiseMeta([operand(a, "input"), operand(a, "other")], (p) =>
          isFloating(p) ? p : DEFAULT_FLOAT,
        ),
      ),
    kernel: (a, T) => T.div(a.tensor("input"), a.tensorOrNumber("other")),
    rf: (a) => mergeOrPointwise(a, ["input", "other"]),
  }),
);
for (const [name, names, fn] of [
  ["sub_", [operator("isub")], "sub"],
  ["mul_", [operator("imul")], "mul"],
] as const) {
  add(
    op({
      name,
      names: [...names],
      params: ["input", "other", "/"],
      python: true,
      kind: "compute",
      inplace: true,
      meta: (a) => {
        const x = a.tensor("input");
        if (fn === "sub") boolSubCheck(x, a.tensorOrNumber("other"));
        return inplaceMeta(x, elementwiseMeta([operand(a, "input"), operand(a, "other")]));
      },
      kernel: (a, T) =>
        fn === "sub"
          ? T.sub(a.tensor("input"), a.tensorOrNumber("other"))
          : T.mul(a.tensor("input"), a.tensorOrNumber("other")),
      rf: (a) => mergeOrPointwise(a, ["input", "other"]),
    }),
  );
}

binary({
  name: "floor_divide",
  names: [torch("floor_divide"), method("floor_divide"), operator("floordiv")],
  inplaceNames: [method("floor_divide_"), operator("ifloordiv")],
  check: (_a, x, y) => {
    if ([x, y].every((t) => typeof t !== "number" && t.dtype === "bool"))
      throw new OpError(`"div_floor_cpu" not implemented for 'Bool'`);
  },
  kernel: (_a, T, x, y) =>
    T.binaryOp(
      "floor_divide",
      x,
      y,
      (u, v) => Math.floor(u / v),
      () => {
        throw new TensorError("derivative for aten::floor_divide is not implemented");
      },
      () => {
        throw new TensorError("derivative for aten::floor_divide is not implemented");
      },
    ),
});

/** Python's modulo: the sign of the divisor (PyTorch's `remainder`). */
const pyMod = (u: number, v: number): number => {
  const r = u % v;
  return r !== 0 && r < 0 !== v < 0 ? r + v : r;
};
binary({
  name: "remainder",
  names: [torch("remainder"), method("remainder"), operator("mod")],
  inplaceNames: [method("remainder_"), operator("imod")],
  kernel: (_a, T, x, y) =>
    T.binaryOp(
      "remainder",
      x,
      y,
      pyMod,
      () => 1,
      (u, v) => -Math.floor(u / v),
    ),
});
binary({
  name: "fmod",
  names: [torch("fmod"), method("fmod")],
  kernel: (_a, T, x, y) =>
    T.binaryOp(
      "fmod",
      x,
      y,
      (u, v) => u % v,
      () => 1,
      (u, v) => -Math.trunc(u / v),
    ),
});

binary({
  name: "pow",
  names: [torch("pow"), method("pow"), operator("pow")],
  inplaceNames: [method("pow_"), operator("ipow")],
  otherName: "exponent",
  check: (a, x, y) => {
    const intBase = typeof x !== "number" && isIntegral(x.dtype);
    const e = a.raw("exponent");
    if (intBase && typeof y === "number" && scalarKind(e) === "int" && y < 0)
      throw new OpError("Integers to negative integer powers are not allowed.");
  },
  kernel: (_a, T, x, y) => T.pow(x, y),
});

for (const [name, isMax] of [
  ["maximum", true],
  ["minimum", false],
] as const) {
  binary({
    name,
    names: [torch(name), method(name)],
    tensorOther: true,
    kernel: (_a, T, x, y) =>
      isMax ? T.maximum(x as Tensor, y as Tensor) : T.minimum(x as Tensor, y as Tensor),
  });
}

// ---------------------------------------------------------------------------------------------
// Comparisons, logical and bitwise ops

const COMPARE: [string, string[], (x: number, y: number) => boolean][] = [
  ["eq", ["operator.eq"], (x, y) => x === y],
  ["ne", ["torch.not_equal", "Tensor.not_equal", "operator.ne"], (x, y) => x !== y],
  ["lt", ["torch.less", "Tensor.less", "operator.lt"], (x, y) => x < y],
  ["le", ["torch.less_equal", "Tensor.less_equal", "operator.le"], (x, y) => x <= y],
  ["gt", ["torch.greater", "Tensor.greater", "operator.gt"], (x, y) => x > y],
  ["ge", ["torch.greater_equal", "Tensor.greater_equal", "operator.ge"], (x, y) => x >= y],
];

/** A 0/1 result outside the graph (bool results cannot require grad). */
function noGradBinary(
  T: TensorCore,
  name: string,
  x: Tensor | number,
  y: Tensor | number,
  f: (u: number, v: number) => number,
): Tensor {
  return T.noGrad(() =>
    T.binaryOp(
      name,
      x,
      y,
      f,
      () => 0,
      () => 0,
    ),
  );
}

for (const [name, aliases, f] of COMPARE) {
  binary({
    name,
    names: [torch(name), method(name), ...aliases],
    inplaceNames: [method(`${name}_`)],
    dtype: () => "bool",
    kernel: (_a, T, x, y) => noGradBinary(T, name, x, y, (u, v) => (f(u, v) ? 1 : 0)),
  });
}

for (const [name, f] of [
  ["logical_and", (x: number, y: number) => x !== 0 && y !== 0],
  ["logical_or", (x: number, y: number) => x !== 0 || y !== 0],
  ["logical_xor", (x: number, y: number) => (x !== 0) !== (y !== 0)],
] as const) {
  add(
    op({
      name,
      names: [torch(name), method(name)],
      params: ["input", "other"],
      kind: "compute",
      meta: (a) => elementwiseMeta([a.tensor("input"), a.tensor("other")], () => "bool"),
      kernel: (a, T) =>
        noGradBinary(T, name, a.tensor("input"), a.tensor("other"), (u, v) => (f(u, v) ? 1 : 0)),
      rf: () => ({ kind: "merge" }),
    }),
  );
}

/** Two's-complement bitwise ops on integer values (bool: logical). */
const BITWISE: [string, string, (x: number, y: number) => number][] = [
  ["bitwise_and", "and_", (x, y) => Number(BigInt(x) & BigInt(y))],
  ["bitwise_or", "or_", (x, y) => Number(BigInt(x) | BigInt(y))],
  ["bitwise_xor", "xor", (x, y) => Number(BigInt(x) ^ BigInt(y))],
];
for (const [name, pyop, f] of BITWISE) {
  binary({
    name,
    names: [torch(name), method(name), operator(pyop)],
    check: (_a, x, y) => {
      for (const t of [x, y])
        if (typeof t !== "number" && isFloating(t.dtype))
          throw new OpError(`"${name}_cpu" not implemented for '${scalarTypeName(t.dtype)}'`);
    },
    kernel: (_a, T, x, y) =>
      noGradBinary(T, name, x, y, (u, v) =>
        Number.isInteger(u) && Number.isInteger(v) ? f(u, v) : NaN,
      ),
  });
}

// ---------------------------------------------------------------------------------------------
// where, clamp, masked_fill

add(
  op({
    name: "where",
    names: [torch("where")],
    params: ["condition", "input", "other"],
    kind: "compute",
    meta: (a) => whereMeta(a),
    kernel: (a, T) =>
      T.where(a.tensor("condition"), a.tensorOrNumber("input"), a.tensorOrNumber("other")),
    rf: (a) => mergeOrPointwise(a, ["condition", "input", "other"]),
  }),
);

function whereMeta(a: OpArgs<TensorMeta>): TensorMeta {
  const c = a.tensor("condition");
  a.tensorOrNumber("input");
  a.tensorOrNumber("other");
  if (c.dtype !== "bool" && c.dtype !== "uint8")
    throw new OpError(
      `where expected condition to be a boolean tensor, but got a tensor with dtype ${scalarTypeName(c.dtype)}`,
    );
  // the condition is bool, which never wins a promotion: the result type is the values'
  return elementwiseMeta([c, operand(a, "input"), operand(a, "other")]);
}

/** `x.where(condition, y)`: PyTorch's `torch.where(condition, x, y)`. */
add(
  op({
    name: "where",
    names: [method("where")],
    params: ["input", "condition", "other"],
    kind: "compute",
    meta: (a) => whereMeta(a),
    kernel: (a, T) => T.where(a.tensor("condition"), a.tensor("input"), a.tensorOrNumber("other")),
    rf: (a) => mergeOrPointwise(a, ["condition", "input", "other"]),
  }),
);

function clampMeta(a: OpArgs<TensorMeta>): TensorMeta {
  const x = a.tensor("input");
  const lo = a.has("min") ? a.tensorOrNumber("min") : undefined;
  const hi = a.has("max") ? a.tensorOrNumber("max") : undefined;
  if (lo === undefined && hi === undefined)
    throw new OpError("torch.clamp: At least one of 'min' or 'max' must not be None");
  if (x.dtype === "bool") throw new OpError(`"clamp_cpu" not implemented for 'Bool'`);
  const ops = [
    x,
    ...(lo === undefined ? [] : [operand(a, "min")]),
    ...(hi === undefined ? [] : [operand(a, "max")]),
  ];
  return elementwiseMeta(ops);
}
function clampKernel(a: OpArgs<Tensor>, T: TensorCore): Tensor {
  const x = a.tensor("input");
  const lo = a.has("min") ? a.tensorOrNumber("min") : undefined;
  const hi = a.has("max") ? a.tensorOrNumber("max") : undefined;
  if ((lo === undefined || typeof lo === "number") && (hi === undefined || typeof hi === "number"))
    return T.clamp(x, lo ?? null, hi ?? null);
  // tensor bounds: the gradient goes to x where lo <= x <= hi, to a bound where it is applied
  let y: Tensor = x;
  if (lo !== undefined)
    y = T.where(
      T.noGrad(() =>
        T.binaryOp(
          "lt",
          y,
          lo,
          (u, v) => (u < v ? 1 : 0),
          () => 0,
          () => 0,
        ),
      ),
      lo,
      y,
    );
  if (hi !== undefined)
    y = T.where(
      T.noGrad(() =>
        T.binaryOp(
          "gt",
          y,
          hi,
          (u, v) => (u > v ? 1 : 0),
          () => 0,
          () => 0,
        ),
      ),
      hi,
      y,
    );
  return y;
}
add(
  op({
    name: "clamp",
    names: [torch("clamp"), torch("clip"), method("clamp"), method("clip")],
    params: ["input", "min=None", "max=None"],
    kind: "compute",
    meta: clampMeta,
    kernel: clampKernel,
    rf: (a) =>
      mergeOrPointwise(a, [
        "input",
        ...(a.has("min") ? ["min"] : []),
        ...(a.has("max") ? ["max"] : []),
      ]),
  }),
);
add(
  op({
    name: "clamp_",
    names: [torch("clamp_"), method("clamp_"), torch("clip_"), method("clip_")],
    params: ["input", "min=None", "max=None"],
    kind: "compute",
    inplace: true,
    meta: (a) => inplaceMeta(a.tensor("input"), clampMeta(a)),
    kernel: clampKernel,
    rf: () => ({ kind: "pointwise" }),
  }),
);
for (const [name, bound] of [
  ["clamp_min", "min"],
  ["clamp_max", "max"],
] as const) {
  add(
    op({
      name,
      names: [torch(name), method(name)],
      params: ["input", bound],
      kind: "compute",
      meta: (a) => elementwiseMeta([a.tensor("input"), operand(a, bound)]),
      kernel: (a, T) => {
        const b = a.tensorOrNumber(bound);
        if (typeof b !== "number")
          throw new OpError(`${name} with a tensor bound has no kernel in dlq`);
        return T.clamp(a.tensor("input"), bound === "min" ? b : null, bound === "max" ? b : null);
      },
      rf: () => ({ kind: "pointwise" }),
    }),
  );
}

function maskedFillMeta(a: OpArgs<TensorMeta>, inplace: boolean): TensorMeta {
  const x = a.tensor("input");
  const mask = a.tensor("mask");
  const v = a.tensorOrNumber("value");
  // PyTorch 1.13 also takes a uint8 mask (deprecated), and another dtype's mask whose values are
  // all 0 or 1 ("Mask tensor can take 0 and 1 values only" otherwise): the kernel checks values
  void mask;
  if (typeof v !== "number" && v.shape.length !== 0)
    throw new OpError(
      `masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${v.shape.length} dimension(s).`,
    );
  const out = elementwiseMeta([x, mask], () => x.dtype);
  // out of place, PyTorch clones the (expanded) input contiguously, then fills in place
  return inplace ? inplaceMeta(x, out) : meta(out.shape, out.dtype);
}
function maskedFillKernel(a: OpArgs<Tensor>, T: TensorCore, ctx: KernelContext): Tensor {
  const x = a.tensor("input");
  const v = a.tensorOrNumber("value");
  const mask = a.tensor("mask");
  if (ctx.dtypeOf(mask) !== "bool" && mask.data.some((m) => m !== 0 && m !== 1))
    throw new OpError("Mask tensor can take 0 and 1 values only");
  return T.where(a.tensor("mask"), v, x);
}
add(
  op({
    name: "masked_fill",
    names: [torch("masked_fill"), method("masked_fill")],
    params: ["input", "mask", "value"],
    kind: "compute",
    meta: (a) => maskedFillMeta(a, false),
    kernel: maskedFillKernel,
    rf: () => ({ kind: "pointwise" }),
  }),
);
add(
  op({
    name: "masked_fill_",
    names: [method("masked_fill_")],
    params: ["input", "mask", "value"],
    kind: "compute",
    inplace: true,
    meta: (a) => maskedFillMeta(a, true),
    kernel: maskedFillKernel,
    rf: () => ({ kind: "pointwise" }),
  }),
);

/** `x.zero_()`, `x.fill_(v)`: in place, the tensor's shape and dtype. */
add(
  op({
    name: "zero_",
    names: [method("zero_")],
    params: ["input"],
    kind: "compute",
    inplace: true,
    meta: (a) => a.tensor("input"),
    kernel: (a, T) => T.zeros(a.tensor("input").shape),
    rf: () => ({ kind: "pointwise" }),
  }),
);
add(
  op({
    name: "fill_",
    names: [method("fill_"), torch("fill_")],
    params: ["input", "value"],
    kind: "compute",
    inplace: true,
    meta: (a) => {
      const x = a.tensor("input");
      const v = a.tensorOrNumber("value");
      if (typeof v !== "number" && v.shape.length !== 0)
        throw new OpError(
          `fill_ only supports 0-dimension value tensor but got tensor with ${v.shape.length} dimensions.`,
        );
      return x;
    },
    kernel: (a, T) => {
      const x = a.tensor("input");
      const v = a.tensorOrNumber("value");
      return typeof v === "number" ? T.full(x.shape, v) : T.expand(T.reshape(v, []), x.shape);
    },
    rf: () => ({ kind: "pointwise" }),
  }),
);
