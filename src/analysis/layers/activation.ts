/**
 * Activation layers (torch.nn's "non-linear activations"). Each keeps the input's shape and, except
 * PReLU, owns no parameters. Each definition's configuration names the function it applies
 * (`config.fn`, also in {@link ACTIVATION_FN}) so a later tensor forward can dispatch on it.
 *
 * Receptive field: elementwise functions are `pointwise`. Softmax, LogSoftmax and Softmin normalise
 * along one dim: when that dim is a spatial axis (dim ≥ 2 of an input of rank ≥ 3, laid out
 * (N, C, *spatial)) every output sees the whole axis, so the step is `global`; otherwise (the class
 * or channel axis, the usual case) it is `pointwise`.
 */
import type { PyValue } from "../../spec/types.js";
import type { Tensor } from "../../tensor/index.js";
import { anyInt, int, py, real, shapeStr, truthy, wrapDim } from "./common.js";
import { LayerError, type LayerDef, type ParamSpec, type Shape, type TensorCore } from "./types.js";

/** The function an activation layer applies, named as in `torch.nn.functional`. */
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

/** A configured activation: the function and its arguments (PyTorch's names, defaults filled). */
export interface ActivationConfig {
  fn: ActivationFn;
  params: Record<string, number | string | boolean | null>;
}

/** PyTorch class name → the `torch.nn.functional` function it applies. */
export const ACTIVATION_FN: Readonly<Record<string, ActivationFn>> = {
  ReLU: "relu",
  ReLU6: "relu6",
  LeakyReLU: "leaky_relu",
  PReLU: "prelu",
  ELU: "elu",
  SELU: "selu",
  CELU: "celu",
  GELU: "gelu",
  SiLU: "silu",
  Mish: "mish",
  Sigmoid: "sigmoid",
  Tanh: "tanh",
  Softplus: "softplus",
  Softsign: "softsign",
  Softmax: "softmax",
  LogSoftmax: "log_softmax",
  Softmin: "softmin",
  Hardtanh: "hardtanh",
  Hardsigmoid: "hardsigmoid",
  Hardswish: "hardswish",
  Threshold: "threshold",
  Tanhshrink: "tanhshrink",
  Hardshrink: "hardshrink",
  Softshrink: "softshrink",
  LogSigmoid: "logsigmoid",
};

type Parse = (args: Record<string, PyValue>) => ActivationConfig["params"];

const sigmoidScalar = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * Applies an activation on the tensor core, with the formulas (and the derivatives at the kinks)
 * of PyTorch 1.13's CPU kernels (aten/src/ATen/native/cpu/Activation.cpp): ReLU6 and Hardtanh pass
 * the gradient only strictly inside (min, max); Hardshrink zeroes |x| ≤ λ; PReLU's slope applies
 * at x ≤ 0; Softmax/LogSoftmax/Softmin normalise along {@link softmaxDim}. `weight` is PReLU's
 * parameter (broadcast along dim 1 of inputs of rank ≥ 2).
 */
export function activationForward(
  c: ActivationConfig,
  x: Tensor,
  F: TensorCore,
  weight?: Tensor,
): Tensor {
  const p = c.params;
  const num = (k: string): number => p[k] as number;
  switch (c.fn) {
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
      const lo = num("min_val");
      const hi = num("max_val");
      return F.unaryOp(
        "hardtanh",
        x,
        (v) => (v !== v ? v : Math.min(Math.max(v, lo), hi)),
        (v) => (v > lo && v < hi ? 1 : 0),
      );
    }
    case "leaky_relu":
      return F.leaky_relu(x, num("negative_slope"));
    case "prelu": {
      if (!weight) throw new LayerError("PReLU needs its weight");
      const shape =
        x.ndim >= 2 ? x.shape.map((_s, i) => (i === 1 ? weight.size : 1)) : [weight.size];
      const w = weight.size === 1 ? F.reshape(weight, []) : F.reshape(weight, shape);
      const pos = F.relu(x);
      return F.add(pos, F.mul(w, F.sub(x, pos)));
    }
    case "elu":
      return F.elu(x, num("alpha"));
    case "celu": {
      const a = num("alpha");
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
      return F.softplus(x, num("beta"), num("threshold"));
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
      const th = num("threshold");
      const val = num("value");
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
      const l = num("lambd");
      return F.unaryOp(
        "hardshrink",
        x,
        (v) => (v >= -l && v <= l ? 0 : v),
        (v) => (v >= -l && v <= l ? 0 : 1),
      );
    }
    case "softshrink": {
      const l = num("lambd");
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

/**
 * One activation class: shape identity, no parameters, pointwise; `check` adds PyTorch's
 * forward-time refusals.
 */
function act(
  type: string,
  signature: ParamSpec[],
  parse: Parse,
  check?: (p: ActivationConfig["params"], input: Shape) => void,
): LayerDef<ActivationConfig> {
  return {
    type,
    signature,
    configure: (args) => ({ fn: ACTIVATION_FN[type], params: parse(args) }),
    outputShape(c, input) {
      check?.(c.params, input);
      return [...input];
    },
    parameters: () => [],
    rf: () => ({ kind: "pointwise" }),
    forward: (c, x, _p, F) => activationForward(c, x, F),
  };
}

const INPLACE: ParamSpec = { name: "inplace", default: false };
const inplaceOnly: Parse = (a) => ({ inplace: truthy(a.inplace) });
const none: Parse = () => ({});

/** https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html — max(0, x); (*) → (*). */
export const ReLU = act("ReLU", [INPLACE], inplaceOnly);
/** https://pytorch.org/docs/stable/generated/torch.nn.ReLU6.html — min(max(0, x), 6); (*) → (*). */
export const ReLU6 = act("ReLU6", [INPLACE], inplaceOnly);
/** https://pytorch.org/docs/stable/generated/torch.nn.SELU.html — scale·ELU(x, α); (*) → (*). */
export const SELU = act("SELU", [INPLACE], inplaceOnly);
/** https://pytorch.org/docs/stable/generated/torch.nn.SiLU.html — x·σ(x); (*) → (*). */
export const SiLU = act("SiLU", [INPLACE], inplaceOnly);
/** https://pytorch.org/docs/stable/generated/torch.nn.Mish.html — x·tanh(softplus(x)); (*) → (*). */
export const Mish = act("Mish", [INPLACE], inplaceOnly);
/** https://pytorch.org/docs/stable/generated/torch.nn.Hardsigmoid.html — (*) → (*). */
export const Hardsigmoid = act("Hardsigmoid", [INPLACE], inplaceOnly);
/** https://pytorch.org/docs/stable/generated/torch.nn.Hardswish.html — (*) → (*). */
export const Hardswish = act("Hardswish", [INPLACE], inplaceOnly);
/** https://pytorch.org/docs/stable/generated/torch.nn.Sigmoid.html — 1/(1+e^−x); (*) → (*). */
export const Sigmoid = act("Sigmoid", [], none);
/** https://pytorch.org/docs/stable/generated/torch.nn.Tanh.html — (*) → (*). */
export const Tanh = act("Tanh", [], none);
/** https://pytorch.org/docs/stable/generated/torch.nn.Softsign.html — x/(1+|x|); (*) → (*). */
export const Softsign = act("Softsign", [], none);
/** https://pytorch.org/docs/stable/generated/torch.nn.Tanhshrink.html — x − tanh(x); (*) → (*). */
export const Tanhshrink = act("Tanhshrink", [], none);
/** https://pytorch.org/docs/stable/generated/torch.nn.LogSigmoid.html — log σ(x); (*) → (*). */
export const LogSigmoid = act("LogSigmoid", [], none);

/** https://pytorch.org/docs/stable/generated/torch.nn.LeakyReLU.html — (*) → (*). */
export const LeakyReLU = act(
  "LeakyReLU",
  [{ name: "negative_slope", default: 0.01 }, INPLACE],
  (a) => ({
    negative_slope: real("negative_slope", a.negative_slope),
    inplace: truthy(a.inplace),
  }),
);

/** https://pytorch.org/docs/stable/generated/torch.nn.ELU.html — (*) → (*). */
export const ELU = act("ELU", [{ name: "alpha", default: 1.0 }, INPLACE], (a) => ({
  alpha: real("alpha", a.alpha),
  inplace: truthy(a.inplace),
}));

/**
 * https://pytorch.org/docs/stable/generated/torch.nn.CELU.html — (*) → (*); PyTorch refuses
 * alpha = 0 in forward.
 */
export const CELU = act(
  "CELU",
  [{ name: "alpha", default: 1.0 }, INPLACE],
  (a) => ({ alpha: real("alpha", a.alpha), inplace: truthy(a.inplace) }),
  (p) => {
    if (p.alpha === 0) throw new LayerError("ZeroDivisionError: alpha cannot be 0 for CELU");
  },
);

/**
 * https://pytorch.org/docs/stable/generated/torch.nn.GELU.html — (*) → (*); approximate is
 * 'none' or 'tanh' (PyTorch checks it in forward).
 */
export const GELU = act(
  "GELU",
  [{ name: "approximate", default: "none" }],
  (a) => {
    if (typeof a.approximate !== "string") {
      throw new LayerError(`approximate must be a str, got ${py(a.approximate)}`);
    }
    return { approximate: a.approximate };
  },
  (p) => {
    if (p.approximate !== "none" && p.approximate !== "tanh") {
      throw new LayerError(
        `approximate argument must be either none or tanh, got ${py(p.approximate)}`,
      );
    }
  },
);

/** https://pytorch.org/docs/stable/generated/torch.nn.Softplus.html — (*) → (*). */
export const Softplus = act(
  "Softplus",
  [
    { name: "beta", default: 1.0 },
    { name: "threshold", default: 20.0 },
  ],
  (a) => ({ beta: real("beta", a.beta), threshold: real("threshold", a.threshold) }),
);

/**
 * https://pytorch.org/docs/stable/generated/torch.nn.Hardtanh.html — clamp(x, min_val, max_val);
 * (*) → (*). The deprecated `min_value`/`max_value` override `min_val`/`max_val`; PyTorch asserts
 * max_val > min_val at construction.
 */
export const Hardtanh = act(
  "Hardtanh",
  [
    { name: "min_val", default: -1.0 },
    { name: "max_val", default: 1.0 },
    INPLACE,
    { name: "min_value", default: null },
    { name: "max_value", default: null },
  ],
  (a) => {
    const min_val =
      a.min_value === null ? real("min_val", a.min_val) : real("min_value", a.min_value);
    const max_val =
      a.max_value === null ? real("max_val", a.max_val) : real("max_value", a.max_value);
    if (!(max_val > min_val)) {
      throw new LayerError(
        `max_val must be greater than min_val, got min_val=${min_val} and max_val=${max_val}`,
      );
    }
    return { min_val, max_val, inplace: truthy(a.inplace) };
  },
);

/**
 * https://pytorch.org/docs/stable/generated/torch.nn.Threshold.html — x if x > threshold else
 * value; (*) → (*).
 */
export const Threshold = act(
  "Threshold",
  [{ name: "threshold" }, { name: "value" }, INPLACE],
  (a) => ({
    threshold: real("threshold", a.threshold),
    value: real("value", a.value),
    inplace: truthy(a.inplace),
  }),
);

/** https://pytorch.org/docs/stable/generated/torch.nn.Hardshrink.html — (*) → (*). */
export const Hardshrink = act("Hardshrink", [{ name: "lambd", default: 0.5 }], (a) => ({
  lambd: real("lambd", a.lambd),
}));

/**
 * https://pytorch.org/docs/stable/generated/torch.nn.Softshrink.html — (*) → (*); PyTorch refuses
 * lambd < 0 in forward.
 */
export const Softshrink = act(
  "Softshrink",
  [{ name: "lambd", default: 0.5 }],
  (a) => ({ lambd: real("lambd", a.lambd) }),
  (p) => {
    if ((p.lambd as number) < 0) {
      throw new LayerError(`lambda must be greater or equal to 0, but found to be ${p.lambd}.`);
    }
  },
);

/** Normalised configuration of PReLU. */
export interface PReLUConfig extends ActivationConfig {
  params: { num_parameters: number; init: number };
}

/**
 * `nn.PReLU` — https://pytorch.org/docs/stable/generated/torch.nn.PReLU.html
 *
 * Shape: (*) → (*). Parameter: weight (num_parameters,). num_parameters must be 1 or the number of
 * channels, which PyTorch takes as input.size(1) for inputs of rank ≥ 2 and 1 otherwise; a 0-d input
 * is refused unless num_parameters = 1.
 */
export const PReLU: LayerDef<PReLUConfig> = {
  type: "PReLU",
  signature: [
    { name: "num_parameters", default: 1 },
    { name: "init", default: 0.25 },
    { name: "device", default: null },
    { name: "dtype", default: null },
  ],
  configure: (a) => ({
    fn: "prelu",
    params: {
      num_parameters: int("num_parameters", a.num_parameters, 0),
      init: real("init", a.init),
    },
  }),
  outputShape(c, input) {
    const n = c.params.num_parameters;
    if (n !== 1) {
      if (input.length === 0) throw new LayerError("Not allow zero-dim input tensor.");
      const ch = input.length >= 2 ? input[1] : 1;
      if (ch !== n) {
        throw new LayerError(
          `Mismatch of parameter numbers and input channel size. Found parameter numbers = ${n} and channel size = ${ch}.`,
        );
      }
    }
    return [...input];
  },
  parameters: (c) => [{ name: "weight", shape: [c.params.num_parameters] }],
  rf: () => ({ kind: "pointwise" }),
  forward: (c, x, p, F) => activationForward(c, x, F, p.weight),
};

/**
 * The dim Softmax/LogSoftmax/Softmin normalise along: `dim`, or for dim=None PyTorch's legacy
 * implicit choice (`_get_softmax_dim`: 0 for inputs of rank 0, 1 or 3, else 1). Throws LayerError
 * when dim is out of range.
 */
export function softmaxDim(dim: number | null, input: Shape): number {
  if (dim === null) return input.length === 0 || input.length === 1 || input.length === 3 ? 0 : 1;
  return wrapDim(dim, input.length);
}

/**
 * `nn.Softmax`, `nn.LogSoftmax`, `nn.Softmin` —
 * https://pytorch.org/docs/stable/generated/torch.nn.Softmax.html
 *
 * Shape: (*) → (*). dim defaults to None (implicit, see {@link softmaxDim}).
 */
function softmaxLike(type: string): LayerDef<ActivationConfig> {
  return {
    type,
    signature: [{ name: "dim", default: null }],
    configure: (a) => ({
      fn: ACTIVATION_FN[type],
      params: { dim: a.dim === null ? null : anyInt("dim", a.dim) },
    }),
    outputShape(c, input) {
      softmaxDim(c.params.dim as number | null, input);
      return [...input];
    },
    parameters: () => [],
    rf(c, input) {
      if (input === undefined || input.length < 3) return { kind: "pointwise" };
      const d = softmaxDim(c.params.dim as number | null, input);
      if (d < 2) return { kind: "pointwise" };
      return {
        kind: "global",
        reason: `${type} normalises along dim ${d}, a spatial axis of input ${shapeStr(input)}`,
      };
    },
    forward: (c, x, _p, F) => activationForward(c, x, F),
  };
}

export const Softmax = softmaxLike("Softmax");
export const LogSoftmax = softmaxLike("LogSoftmax");
export const Softmin = softmaxLike("Softmin");

/** Every activation layer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const activationLayers: LayerDef<any>[] = [
  ReLU,
  ReLU6,
  LeakyReLU,
  PReLU,
  ELU,
  SELU,
  CELU,
  GELU,
  SiLU,
  Mish,
  Sigmoid,
  Tanh,
  Softplus,
  Softsign,
  Softmax,
  LogSoftmax,
  Softmin,
  Hardtanh,
  Hardsigmoid,
  Hardswish,
  Threshold,
  Tanhshrink,
  Hardshrink,
  Softshrink,
  LogSigmoid,
];
