/**
 * Activation functions: the one place for each activation's signature and defaults (PyTorch
 * 1.13's `torch.nn.functional`), forward-time checks, formula dispatch on the tensor core, and the
 * functional ops (`F.relu`, `torch.relu`, `x.relu()`, `F.relu_`, `F.leaky_relu(x, 0.2)`,
 * `F.softmax(x, dim=1)`…). The activation modules (src/analysis/layers/activation.ts: `nn.ReLU`,
 * `nn.LeakyReLU`, `nn.GELU`…) take their defaults from {@link activationDefaults} and run
 * {@link applyActivation}.
 *
 * Formulas and the derivatives at the kinks follow PyTorch 1.13's CPU kernels
 * (aten/src/ATen/native/cpu/Activation.cpp): ReLU6 and Hardtanh pass the gradient only strictly
 * inside (min, max); Hardshrink zeroes |x| ≤ λ; PReLU's slope applies at x ≤ 0; Hardsigmoid's
 * backward multiplies by the float32 constant 1/6.
 *
 * Meta: the input's shape, dtype and layout (elementwise TensorIterator ops), except the softmax
 * family (contiguous output; `dtype=` casts first). Receptive field: pointwise, except softmax
 * over a spatial axis (global).
 */
import type { Value } from "../python/values.js";
import type { Tensor } from "../tensor/index.js";
import { opSig } from "./args.js";
import { DEFAULT_FLOAT, isFloating, scalarTypeName } from "./dtype.js";
import { method, nnf, op, torch } from "./define.js";
import {
  OpError,
  type OpArgs,
  type OpDef,
  type OpRf,
  type TensorCore,
  type TensorMeta,
} from "./types.js";
import { iterStrides } from "./layout.js";
import { shapeStr, wrapDim } from "./util.js";

/** The function an activation applies, named as in `torch.nn.functional`. */
export type ActivationFn =
  | "relu"
  | "relu6"
  | "leaky_relu"
  | "prelu"
  | "elu"
  | "selu"
  | "celu"
  | "gelu"
  | "silu"
  | "mish"
  | "sigmoid"
  | "tanh"
  | "softplus"
  | "softsign"
  | "softmax"
  | "log_softmax"
  | "softmin"
  | "hardtanh"
  | "hardsigmoid"
  | "hardswish"
  | "threshold"
  | "tanhshrink"
  | "hardshrink"
  | "softshrink"
  | "logsigmoid";

/** An activation's arguments by PyTorch's names (numbers, strings, bools, None). */
export type ActivationParams = Record<string, number | string | boolean | null>;

/** The softmax-like normalisers (not elementwise). */
export const NORMALISERS: ReadonlySet<ActivationFn> = new Set([
  "softmax",
  "log_softmax",
  "softmin",
]);

interface ActivationSpec {
  /** `torch.nn.functional.FN`'s parameters after `input`, with PyTorch's defaults. */
  params: string[];
  /** Whether `F.FN` is a Python function in PyTorch (CPython's binder messages). */
  python: boolean;
  /** The name PyTorch's messages use, when not FN (`log_sigmoid` for `F.logsigmoid`). */
  messageName?: string;
  /** Further qualified names of the out-of-place op (`torch.relu`, `Tensor.relu`). */
  aliases?: string[];
  /** Qualified names of the in-place op (`F.relu_`, `torch.relu_`, `Tensor.relu_`). */
  inplaceNames?: string[];
  /** The result dtype for an integer or bool input: kept, made float, or refused (kernel name). */
  ints: "keep" | "float" | { refuse: string };
  /** The parameters read from a call, typed (PyTorch's TypeErrors). */
  read?: (a: OpArgs<TensorMeta>) => ActivationParams;
  /** PyTorch's forward-time refusals of the arguments. */
  check?: (p: ActivationParams) => void;
}

const num = (p: ActivationParams, k: string): number => p[k] as number;
const sigmoidScalar = (v: number): number => 1 / (1 + Math.exp(-v));

const SPECS: Record<ActivationFn, ActivationSpec> = {
  relu: {
    params: ["inplace=False"],
    python: true,
    aliases: [torch("relu"), method("relu")],
    inplaceNames: [nnf("relu_"), torch("relu_"), method("relu_")],
    ints: "keep",
  },
  relu6: { params: ["inplace=False"], python: true, ints: "keep" },
  leaky_relu: {
    params: ["negative_slope=0.01", "inplace=False"],
    python: true,
    inplaceNames: [nnf("leaky_relu_")],
    ints: { refuse: "leaky_relu_cpu" },
    read: (a) => ({ negative_slope: a.scalar("negative_slope") }),
  },
  prelu: { params: ["weight"], python: false, aliases: [torch("prelu")], ints: "keep" },
  elu: {
    params: ["alpha=1.0", "inplace=False"],
    python: true,
    inplaceNames: [nnf("elu_")],
    ints: { refuse: "elu_cpu" },
    read: (a) => ({ alpha: a.scalar("alpha") }),
  },
  selu: {
    params: ["inplace=False"],
    python: true,
    aliases: [torch("selu")],
    inplaceNames: [torch("selu_")],
    ints: { refuse: "elu_cpu" },
  },
  celu: {
    params: ["alpha=1.0", "inplace=False"],
    python: true,
    aliases: [torch("celu")],
    inplaceNames: [torch("celu_")],
    ints: { refuse: "elu_cpu" },
    read: (a) => ({ alpha: a.scalar("alpha") }),
    check: (p) => {
      if (p.alpha === 0) throw new OpError("ZeroDivisionError: alpha cannot be 0 for CELU");
    },
  },
  gelu: {
    params: ["*", "approximate='none'"],
    python: false,
    ints: { refuse: "GeluKernelImpl" },
    read: (a) => ({ approximate: a.str("approximate") }),
    check: (p) => {
      if (p.approximate !== "none" && p.approximate !== "tanh")
        throw new OpError("approximate argument must be either none or tanh.");
    },
  },
  silu: { params: ["inplace=False"], python: true, ints: { refuse: "silu_cpu" } },
  mish: { params: ["inplace=False"], python: true, ints: { refuse: "mish_cpu" } },
  sigmoid: {
    params: [],
    python: true,
    aliases: [torch("sigmoid"), method("sigmoid"), "torch.special.expit"],
    inplaceNames: [torch("sigmoid_"), method("sigmoid_")],
    ints: "float",
  },
  tanh: {
    params: [],
    python: true,
    aliases: [torch("tanh"), method("tanh")],
    inplaceNames: [torch("tanh_"), method("tanh_")],
    ints: "float",
  },
  softplus: {
    params: ["beta=1", "threshold=20"],
    python: false,
    ints: { refuse: "softplus_cpu" },
    read: (a) => ({ beta: a.scalar("beta"), threshold: a.scalar("threshold") }),
  },
  softsign: { params: [], python: true, ints: "float" },
  softmax: { params: ["dim=None", "_stacklevel=3", "dtype=None"], python: true, ints: "float" },
  log_softmax: {
    params: ["dim=None", "_stacklevel=3", "dtype=None"],
    python: true,
    ints: "float",
  },
  softmin: { params: ["dim=None", "_stacklevel=3", "dtype=None"], python: true, ints: "float" },
  hardtanh: {
    params: ["min_val=-1.0", "max_val=1.0", "inplace=False"],
    python: true,
    inplaceNames: [nnf("hardtanh_")],
    ints: "keep",
    read: (a) => ({ min_val: a.scalar("min_val"), max_val: a.scalar("max_val") }),
  },
  hardsigmoid: { params: ["inplace=False"], python: true, ints: { refuse: "hardsigmoid_cpu" } },
  hardswish: { params: ["inplace=False"], python: true, ints: { refuse: "hardswish_cpu" } },
  threshold: {
    params: ["threshold", "value", "inplace=False"],
    python: true,
    inplaceNames: [nnf("threshold_")],
    aliases: [torch("threshold")],
    ints: "keep",
    read: (a) => ({ threshold: a.scalar("threshold"), value: a.scalar("value") }),
  },
  tanhshrink: { params: [], python: true, ints: "float" },
  hardshrink: {
    params: ["lambd=0.5"],
    python: false,
    aliases: [torch("hardshrink"), method("hardshrink")],
    ints: { refuse: "hardshrink_cpu" },
    read: (a) => ({ lambd: a.scalar("lambd") }),
  },
  softshrink: {
    params: ["lambd=0.5"],
    python: false,
    ints: { refuse: "softshrink_cpu" },
    read: (a) => ({ lambd: a.scalar("lambd") }),
    check: (p) => {
      if (num(p, "lambd") < 0)
        throw new OpError(
          `lambda must be greater or equal to 0, but found to be ${num(p, "lambd")}.`,
        );
    },
  },
  logsigmoid: {
    params: [],
    python: false,
    messageName: "log_sigmoid",
    ints: { refuse: "log_sigmoid_cpu" },
  },
};

/**
 * The defaults of `torch.nn.functional.FN`'s parameters (what the activation modules default to,
 * e.g. LeakyReLU's `negative_slope` 0.01): parameter name → value as the interpreter holds it.
 */
export function activationDefaults(fn: ActivationFn): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const p of opSig(SPECS[fn].params))
    if (p.kind !== "vararg" && p.kind !== "kwarg" && p.default !== undefined)
      out[p.name] = p.default;
  return out;
}

/** PyTorch's forward-time refusals of an activation's arguments (`CELU(alpha=0)`). */
export function checkActivation(fn: ActivationFn, p: ActivationParams): void {
  SPECS[fn].check?.(p);
}

/**
 * The dim the softmax family normalises along: `dim`, or for dim=None PyTorch's legacy implicit
 * choice (`_get_softmax_dim`: 0 for inputs of rank 0, 1 or 3, else 1).
 * @throws OpError (IndexError) when dim is out of range.
 */
export function softmaxDim(dim: number | null, input: readonly number[]): number {
  if (dim === null) return input.length === 0 || input.length === 1 || input.length === 3 ? 0 : 1;
  return wrapDim(dim, input.length);
}

/**
 * Applies activation `fn` with arguments `p` (PyTorch's names, defaults filled) on the tensor
 * core; `weight` is PReLU's (broadcast along dim 1 of inputs of rank ≥ 2).
 */
export function applyActivation(
  fn: ActivationFn,
  p: ActivationParams,
  x: Tensor,
  F: TensorCore,
  weight?: Tensor,
): Tensor {
  switch (fn) {
    case "relu":
      return F.relu(x);
    case "relu6":
      return F.unaryOp(
        "relu6",
        x,
        (v) => (v !== v ? v : Math.min(Math.max(v, 0), 6)),
        (v) => (v > 0 && v < 6 ? 1 : 0),
      );
    case "hardtanh": {
      const lo = num(p, "min_val");
      const hi = num(p, "max_val");
      return F.unaryOp(
        "hardtanh",
        x,
        (v) => (v !== v ? v : Math.min(Math.max(v, lo), hi)),
        (v) => (v > lo && v < hi ? 1 : 0),
      );
    }
    case "leaky_relu":
      return F.leaky_relu(x, num(p, "negative_slope"));
    case "prelu": {
      if (!weight) throw new OpError("prelu needs its weight");
      const shape =
        x.ndim >= 2 ? x.shape.map((_s, i) => (i === 1 ? weight.size : 1)) : [weight.size];
      const w = weight.size === 1 ? F.reshape(weight, []) : F.reshape(weight, shape);
      const pos = F.relu(x);
      return F.add(pos, F.mul(w, F.sub(x, pos)));
    }
    case "elu":
      return F.elu(x, num(p, "alpha"));
    case "celu": {
      const a = num(p, "alpha");
      return F.mul(F.elu(F.mul(x, 1 / a), 1), a);
    }
    case "selu":
      return F.selu(x);
    case "gelu":
      return F.gelu(x, p.approximate as "none" | "tanh");
    case "silu":
      return F.silu(x);
    case "mish":
      return F.mul(x, F.tanh(F.softplus(x)));
    case "sigmoid":
      return F.sigmoid(x);
    case "tanh":
      return F.tanh(x);
    case "softplus":
      return F.softplus(x, num(p, "beta"), num(p, "threshold"));
    case "softsign":
      return F.unaryOp(
        "softsign",
        x,
        (v) => v / (1 + Math.abs(v)),
        (v) => 1 / ((1 + Math.abs(v)) * (1 + Math.abs(v))),
      );
    case "softmax":
      return F.softmax(x, softmaxDim(p.dim as number | null, x.shape));
    case "log_softmax":
      return F.log_softmax(x, softmaxDim(p.dim as number | null, x.shape));
    case "softmin":
      return F.softmax(F.neg(x), softmaxDim(p.dim as number | null, x.shape));
    case "hardsigmoid":
      return F.unaryOp(
        "hardsigmoid",
        x,
        (v) => (v <= -3 ? 0 : v >= 3 ? 1 : v / 6 + 0.5),
        // PyTorch 1.13's backward multiplies by one_sixth = 1.0f / 6.0f, a float32 constant.
        (v) => (v > -3 && v < 3 ? Math.fround(1 / 6) : 0),
      );
    case "hardswish":
      return F.unaryOp(
        "hardswish",
        x,
        (v) => (v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6),
        (v) => (v < -3 ? 0 : v <= 3 ? v / 3 + 0.5 : 1),
      );
    case "threshold": {
      const th = num(p, "threshold");
      const val = num(p, "value");
      return F.unaryOp(
        "threshold",
        x,
        (v) => (v > th ? v : val),
        (v) => (v > th ? 1 : 0),
      );
    }
    case "tanhshrink":
      return F.unaryOp(
        "tanhshrink",
        x,
        (v) => v - Math.tanh(v),
        (v) => Math.tanh(v) ** 2,
      );
    case "hardshrink": {
      const l = num(p, "lambd");
      return F.unaryOp(
        "hardshrink",
        x,
        (v) => (v >= -l && v <= l ? 0 : v),
        (v) => (v >= -l && v <= l ? 0 : 1),
      );
    }
    case "softshrink": {
      const l = num(p, "lambd");
      return F.unaryOp(
        "softshrink",
        x,
        (v) => (v > l ? v - l : v < -l ? v + l : 0),
        (v) => (v > l || v < -l ? 1 : 0),
      );
    }
    case "logsigmoid":
      return F.unaryOp(
        "logsigmoid",
        x,
        (v) => Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v))),
        (v) => sigmoidScalar(-v),
      );
  }
}

// ---------------------------------------------------------------------------------------------
// The functional ops

export const ACTIVATION_OPS: OpDef[] = [];

function dtypeFor(fn: ActivationFn, x: TensorMeta): TensorMeta {
  // a new tensor in the input's memory order (TensorIterator)
  const out = (dtype: TensorMeta["dtype"]): TensorMeta => ({
    shape: [...x.shape],
    dtype,
    ...(iterStrides(x.shape, [x]) ? { strides: iterStrides(x.shape, [x]) } : {}),
  });
  if (isFloating(x.dtype)) return out(x.dtype);
  const r = SPECS[fn].ints;
  if (r === "keep") return out(x.dtype);
  if (r === "float") return out(DEFAULT_FLOAT);
  throw new OpError(`"${r.refuse}" not implemented for '${scalarTypeName(x.dtype)}'`);
}

function readParams(fn: ActivationFn, a: OpArgs<TensorMeta> | OpArgs<Tensor>): ActivationParams {
  const s = SPECS[fn];
  return s.read ? s.read(a as OpArgs<TensorMeta>) : {};
}

/** PReLU's checks (ATen's prelu): the weight's size is 1 or the input's channels. */
function preluMeta(x: TensorMeta, w: TensorMeta): void {
  const n = w.shape.reduce((p, s) => p * s, 1);
  if (w.shape.length > 1)
    throw new OpError(
      `prelu: Expected \`weight\` to be a scalar or 1D tensor, but got ndim = ${w.shape.length}`,
    );
  if (n !== 1) {
    if (x.shape.length === 0) throw new OpError("Not allow zero-dim input tensor.");
    const ch = x.shape.length >= 2 ? x.shape[1] : 1;
    if (ch !== n)
      throw new OpError(
        `Mismatch of parameter numbers and input channel size. Found parameter numbers = ${n} and channel size = ${ch}.`,
      );
  }
}

function elementwiseActivation(fn: ActivationFn): void {
  const s = SPECS[fn];
  const meta = (a: OpArgs<TensorMeta>): TensorMeta => {
    const x = a.tensor("input");
    const p = readParams(fn, a);
    if (fn === "prelu") preluMeta(x, a.tensor("weight"));
    s.check?.(p);
    return dtypeFor(fn, x);
  };
  const kernel = (a: OpArgs<Tensor>, T: TensorCore): Tensor =>
    applyActivation(
      fn,
      readParams(fn, a),
      a.tensor("input"),
      T,
      fn === "prelu" ? a.tensor("weight") : undefined,
    );
  const hasInplaceArg = s.params.some((p) => p.startsWith("inplace"));
  const base = {
    name: fn,
    kind: "compute" as const,
    meta,
    kernel,
    rf: (): OpRf => ({ kind: "pointwise" }),
  };
  // F.FN: Python-level in PyTorch for most (with `inplace=`)
  ACTIVATION_OPS.push(
    op({
      ...base,
      names: [nnf(fn)],
      params: ["input", ...s.params],
      python: s.python,
      ...(s.messageName ? { messageName: s.messageName } : {}),
      ...(hasInplaceArg ? { inplace: (a: OpArgs<TensorMeta>) => a.truthy("inplace") } : {}),
    }),
  );
  // torch.FN / Tensor.FN: natives, without `inplace`
  const nativeParams = s.params.filter((p) => !p.startsWith("inplace"));
  const aliases = s.aliases ?? [];
  if (aliases.length)
    ACTIVATION_OPS.push(
      op({ ...base, names: aliases, params: ["input", ...nativeParams], python: false }),
    );
  if (s.inplaceNames?.length)
    ACTIVATION_OPS.push(
      op({
        ...base,
        name: `${fn}_`,
        names: s.inplaceNames,
        params: ["input", ...nativeParams],
        python: s.inplaceNames.some((n) => n.startsWith("torch.nn.functional.")),
        inplace: true,
      }),
    );
}

for (const fn of Object.keys(SPECS) as ActivationFn[])
  if (!NORMALISERS.has(fn)) elementwiseActivation(fn);

// ---- softmax, log_softmax, softmin --------------------------------------------------------

/** The softmax family's rf: global when it normalises along a spatial axis. */
function softmaxRf(fn: string, x: TensorMeta, dim: number, axes: number): OpRf {
  if (axes > 0 && dim >= x.shape.length - axes)
    return {
      kind: "global",
      reason: `${fn} normalises along dim ${dim}, a spatial axis of input ${shapeStr(x.shape)}`,
    };
  return { kind: "pointwise" };
}

function softmaxMeta(fn: string, a: OpArgs<TensorMeta>, dimOptional: boolean): TensorMeta {
  const x = a.tensor("input");
  const dtype = a.dtype("dtype");
  const dimV = a.raw("dim");
  if (!dimOptional || dimV !== null) a.int("dim");
  const d = dimV === null ? null : a.int("dim");
  softmaxDim(d, x.shape);
  const out = dtype ?? x.dtype;
  // CPU kernels: none for integers, none for float16 in PyTorch 1.13
  if (!isFloating(out) || out === "float16") {
    const last = softmaxDim(d, x.shape) === Math.max(x.shape.length - 1, 0);
    const base = fn === "log_softmax" ? "log_softmax" : "softmax";
    throw new OpError(
      `"${base}${last ? "_lastdim" : ""}_kernel_impl" not implemented for '${scalarTypeName(out)}'`,
    );
  }
  return { shape: [...x.shape], dtype: out };
}

function softmaxKernel(fn: "softmax" | "log_softmax" | "softmin") {
  return (a: OpArgs<Tensor>, T: TensorCore): Tensor => {
    const x = a.tensor("input");
    const dimV = a.raw("dim");
    const d = dimV === null ? null : a.int("dim");
    return applyActivation(fn, { dim: d }, x, T);
  };
}

for (const fn of ["softmax", "log_softmax", "softmin"] as const) {
  const rf = (a: OpArgs<TensorMeta>, axes: number): OpRf => {
    const x = a.tensor("input");
    const dimV = a.raw("dim");
    return softmaxRf(fn, x, softmaxDim(dimV === null ? null : a.int("dim"), x.shape), axes);
  };
  ACTIVATION_OPS.push(
    op({
      name: fn,
      names: [nnf(fn)],
      params: ["input", ...SPECS[fn].params],
      python: true,
      kind: "compute",
      meta: (a) => {
        if (a.has("_stacklevel")) a.int("_stacklevel");
        return softmaxMeta(fn, a, true);
      },
      kernel: softmaxKernel(fn),
      rf,
    }),
  );
  if (fn !== "softmin")
    ACTIVATION_OPS.push(
      op({
        name: fn,
        names: [torch(fn), method(fn), ...(fn === "softmax" ? ["torch.special.softmax"] : [])],
        params: ["input", "dim", "dtype=None"],
        kind: "compute",
        meta: (a) => softmaxMeta(fn, a, false),
        kernel: softmaxKernel(fn),
        rf,
      }),
    );
}
