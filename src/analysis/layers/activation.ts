/**
 * Activation layers (torch.nn's "non-linear activations"). Each keeps the input's shape and, except
 * PReLU, owns no parameters. Each definition's configuration names the function it applies
 * (`config.fn`, also in {@link ACTIVATION_FN}) so a later tensor forward can dispatch on it.
 *
 * The functional ops (src/ops/activation.ts) are the one place for each activation's defaults and
 * formula: a module's constructor defaults are its `torch.nn.functional` function's (LeakyReLU's
 * `negative_slope` is F.leaky_relu's), and its forward is {@link applyActivation}. This file keeps
 * the modules' own part: constructor validation and PyTorch's construction-time refusals.
 *
 * Receptive field: elementwise functions are `pointwise`. Softmax, LogSoftmax and Softmin normalise
 * along one dim: when that dim is a spatial axis (dim ≥ 2 of an input of rank ≥ 3, laid out
 * (N, C, *spatial)) every output sees the whole axis, so the step is `global`; otherwise (the class
 * or channel axis, the usual case) it is `pointwise`.
 */
import type { PyValue } from "../../spec/types.js";
import type { Tensor } from "../../tensor/index.js";
import {
  activationDefaults,
  applyActivation,
  checkActivation,
  softmaxDim as opSoftmaxDim,
  type ActivationFn,
} from "../../ops/activation.js";
import { OpError } from "../../ops/types.js";
import { PyFloat, type Value } from "../../python/values.js";
import { anyInt, int, py, real, shapeStr, truthy } from "./common.js";
import { LayerError, type LayerDef, type ParamSpec, type Shape, type TensorCore } from "./types.js";

export type { ActivationFn };

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

/**
 * Applies an activation module's function on the tensor core (src/ops/activation.ts's
 * {@link applyActivation}); `weight` is PReLU's parameter.
 */
export function activationForward(
  c: ActivationConfig,
  x: Tensor,
  F: TensorCore,
  weight?: Tensor,
): Tensor {
  try {
    return applyActivation(c.fn, c.params, x, F, weight);
  } catch (e) {
    if (e instanceof OpError) throw new LayerError(e.message);
    throw e;
  }
}

/** A module parameter whose default is F.FN's (as the layer catalogue holds values). */
function fromF(fn: ActivationFn, name: string): ParamSpec {
  const d = activationDefaults(fn)[name];
  if (d === undefined) throw new Error(`F.${fn} has no default for '${name}'`);
  return { name, default: pyValue(d) };
}
/** A default as the catalogue's signatures hold it: a whole float as its number (like JSON). */
function pyValue(v: Value): PyValue {
  if (v instanceof PyFloat) return v.float;
  if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean")
    return v;
  throw new Error(`no layer-catalogue value for a default of type ${typeof v}`);
}

/** The functional op's forward-time refusals (`CELU(alpha=0)`), as a layer's LayerError. */
function forwardCheck(fn: ActivationFn): (p: ActivationConfig["params"]) => void {
  return (p) => {
    try {
      checkActivation(fn, p);
    } catch (e) {
      if (e instanceof OpError) throw new LayerError(e.message);
      throw e;
    }
  };
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

const INPLACE: ParamSpec = fromF("relu", "inplace");
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
  [fromF("leaky_relu", "negative_slope"), INPLACE],
  (a) => ({
    negative_slope: real("negative_slope", a.negative_slope),
    inplace: truthy(a.inplace),
  }),
);

/** https://pytorch.org/docs/stable/generated/torch.nn.ELU.html — (*) → (*). */
export const ELU = act("ELU", [fromF("elu", "alpha"), INPLACE], (a) => ({
  alpha: real("alpha", a.alpha),
  inplace: truthy(a.inplace),
}));

/**
 * https://pytorch.org/docs/stable/generated/torch.nn.CELU.html — (*) → (*); PyTorch refuses
 * alpha = 0 in forward.
 */
export const CELU = act(
  "CELU",
  [fromF("celu", "alpha"), INPLACE],
  (a) => ({ alpha: real("alpha", a.alpha), inplace: truthy(a.inplace) }),
  forwardCheck("celu"),
);

/**
 * https://pytorch.org/docs/stable/generated/torch.nn.GELU.html — (*) → (*); approximate is
 * 'none' or 'tanh' (PyTorch checks it in forward).
 */
export const GELU = act(
  "GELU",
  [fromF("gelu", "approximate")],
  (a) => {
    if (typeof a.approximate !== "string") {
      throw new LayerError(`approximate must be a str, got ${py(a.approximate)}`);
    }
    return { approximate: a.approximate };
  },
  forwardCheck("gelu"),
);

/** https://pytorch.org/docs/stable/generated/torch.nn.Softplus.html — (*) → (*). */
export const Softplus = act(
  "Softplus",
  [fromF("softplus", "beta"), fromF("softplus", "threshold")],
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
    fromF("hardtanh", "min_val"),
    fromF("hardtanh", "max_val"),
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
export const Hardshrink = act("Hardshrink", [fromF("hardshrink", "lambd")], (a) => ({
  lambd: real("lambd", a.lambd),
}));

/**
 * https://pytorch.org/docs/stable/generated/torch.nn.Softshrink.html — (*) → (*); PyTorch refuses
 * lambd < 0 in forward.
 */
export const Softshrink = act(
  "Softshrink",
  [fromF("softshrink", "lambd")],
  (a) => ({ lambd: real("lambd", a.lambd) }),
  forwardCheck("softshrink"),
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
 * The dim Softmax/LogSoftmax/Softmin normalise along (src/ops/activation.ts's `softmaxDim`:
 * `dim`, or PyTorch's legacy implicit choice for dim=None). Throws LayerError when dim is out of
 * range.
 */
export function softmaxDim(dim: number | null, input: Shape): number {
  try {
    return opSoftmaxDim(dim, input);
  } catch (e) {
    if (e instanceof OpError) throw new LayerError(e.message);
    throw e;
  }
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
    signature: [fromF(ACTIVATION_FN[type], "dim")],
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
