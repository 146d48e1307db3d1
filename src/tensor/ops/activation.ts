/**
 * Activation functions, forward and backward together, with the formulas of PyTorch 1.13's CPU
 * kernels (aten/src/ATen/native/cpu/Activation.cpp) and the torch.nn docs
 * (https://pytorch.org/docs/stable/nn.html#non-linear-activations-weighted-sum-nonlinearity).
 */
import { TensorError } from "../errors.js";
import { Tensor } from "../tensor.js";
import { erf as erfScalar } from "../special.js";
import { signSide } from "../kinks.js";
import { unaryOp } from "./elementwise.js";

/** tanh; derivative 1 − tanh². */
export function tanh(a: Tensor): Tensor {
  return unaryOp("tanh", a, Math.tanh, (_x, y) => 1 - y * y);
}

/** σ(x) = 1/(1 + e^{−x}); derivative σ(1 − σ). */
export function sigmoid(a: Tensor): Tensor {
  return unaryOp(
    "sigmoid",
    a,
    (x) => 1 / (1 + Math.exp(-x)),
    (_x, y) => y * (1 - y),
  );
}

/** max(0, x); derivative 1 where x > 0, else 0 (including x = 0, as PyTorch). */
export function relu(a: Tensor): Tensor {
  return unaryOp(
    "relu",
    a,
    (x) => (x > 0 ? x : x !== x ? x : 0),
    (x) => (x > 0 ? 1 : 0),
    signSide,
  );
}

/**
 * x if x > 0 else slope·x; derivative 1 or slope (slope at 0). The slope has no default here:
 * PyTorch's (0.01) lives with `F.leaky_relu` in the op registry (src/ops/activation.ts).
 */
export function leaky_relu(a: Tensor, negative_slope: number): Tensor {
  const s = negative_slope;
  return unaryOp(
    "leaky_relu",
    a,
    (x) => (x > 0 ? x : x * s),
    (x) => (x > 0 ? 1 : s),
    signSide,
  );
}

/** ELU: x if x > 0 else α(eˣ − 1) (default α = 1); derivative αeˣ for x ≤ 0. */
export function elu(a: Tensor, alpha = 1): Tensor {
  return unaryOp(
    "elu",
    a,
    (x) => (x > 0 ? x : alpha * Math.expm1(x)),
    (x) => (x > 0 ? 1 : alpha * Math.exp(x)),
    signSide,
  );
}

/** SELU's constants (Klambauer et al. 2017): PyTorch's 1.6732632423543772848170429916717 and
 * 1.0507009873554804934193349852946 rounded to float64. */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

/** SELU: scale·(x if x > 0 else α(eˣ − 1)). */
export function selu(a: Tensor): Tensor {
  return unaryOp(
    "selu",
    a,
    (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)),
    signSide,
  );
}

const SQRT1_2 = Math.SQRT1_2;
const GELU_PDF = 0.3989422804014327; // 1/√(2π) = M_2_SQRTPI · M_SQRT1_2 · 0.5
const GELU_TANH_BETA = 0.7978845608028654; // √(2/π)
const GELU_TANH_KAPPA = 0.044715;

/**
 * GELU (Hendrycks & Gimpel 2016). `approximate: 'none'` (default): x·Φ(x) = x·½(1 + erf(x/√2));
 * `'tanh'`: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
 * @throws {TensorError} for another `approximate`.
 */
export function gelu(a: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
  if (approximate === "none") {
    return unaryOp(
      "gelu",
      a,
      (x) => x * 0.5 * (1 + erfScalar(x * SQRT1_2)),
      (x) => 0.5 * (1 + erfScalar(x * SQRT1_2)) + x * Math.exp(-0.5 * x * x) * GELU_PDF,
    );
  }
  if (approximate === "tanh") {
    return unaryOp(
      "gelu",
      a,
      (x) => 0.5 * x * (1 + Math.tanh(GELU_TANH_BETA * (x + GELU_TANH_KAPPA * x * x * x))),
      (x) => {
        const t = Math.tanh(GELU_TANH_BETA * (x + GELU_TANH_KAPPA * x * x * x));
        const inner = GELU_TANH_BETA * (1 + 3 * GELU_TANH_KAPPA * x * x);
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * inner;
      },
    );
  }
  throw new TensorError(
    `approximate argument must be either none or tanh, got ${String(approximate)}`,
  );
}

/** SiLU (swish): x·σ(x); derivative σ(1 + x(1 − σ)). */
export function silu(a: Tensor): Tensor {
  return unaryOp(
    "silu",
    a,
    (x) => x / (1 + Math.exp(-x)),
    (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 + x * (1 - s));
    },
  );
}

/**
 * Softplus: log(1 + e^{βx})/β, and x itself where βx > threshold (PyTorch's defaults β = 1,
 * threshold = 20); derivative σ(βx) (1 above the threshold).
 */
export function softplus(a: Tensor, beta = 1, threshold = 20): Tensor {
  return unaryOp(
    "softplus",
    a,
    (x) => (x * beta > threshold ? x : Math.log1p(Math.exp(x * beta)) / beta),
    (x) => {
      if (x * beta > threshold) return 1;
      const z = Math.exp(x * beta);
      return z / (z + 1);
    },
    (x) => signSide(x * beta - threshold),
  );
}
