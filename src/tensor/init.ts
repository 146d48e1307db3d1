/**
 * Parameter initialisers with the names and semantics of `torch.nn.init`
 * (https://pytorch.org/docs/stable/nn.init.html), plus the default initialisation of
 * `nn.Linear` and `nn.ConvNd` (`reset_parameters`). All fill a tensor's storage in place (outside
 * the graph, as PyTorch runs them under `no_grad`) and return it. The random draws come from the
 * given {@link Generator}, so the values differ from PyTorch's but the distributions are the same.
 */
import { TensorError } from "./errors.js";
import { Generator } from "./random.js";
import { shapeStr } from "./shape.js";
import { Tensor } from "./tensor.js";

/** Nonlinearity names accepted by {@link calculate_gain}. */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu";

/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`): linear, conv*, sigmoid → 1;
 * tanh → 5/3; relu → √2; leaky_relu → √(2/(1 + a²)) with a = `param` (default 0.01); selu → 3/4.
 * @throws {TensorError} "Unsupported nonlinearity X", or a non-numeric leaky_relu slope.
 */
export function calculate_gain(nonlinearity: string, param?: number | null): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "conv_transpose1d":
    case "conv_transpose2d":
    case "conv_transpose3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5.0 / 3;
    case "relu":
      return Math.sqrt(2.0);
    case "leaky_relu": {
      const slope = param === undefined || param === null ? 0.01 : param;
      if (typeof slope !== "number" || !Number.isFinite(slope)) {
        throw new TensorError(`negative_slope ${String(param)} not a valid number`);
      }
      return Math.sqrt(2.0 / (1 + slope * slope));
    }
    case "selu":
      return 3.0 / 4;
    default:
      throw new TensorError(`Unsupported nonlinearity ${nonlinearity}`);
  }
}

/**
 * PyTorch's `_calculate_fan_in_and_fan_out`: for a weight `[out, in, k1, k2, …]`,
 * fan_in = in·k1·k2·…, fan_out = out·k1·k2·….
 * @throws {TensorError} "Fan in and fan out can not be computed for tensor with fewer than 2
 *   dimensions".
 */
export function _calculate_fan_in_and_fan_out(tensor: Tensor): { fan_in: number; fan_out: number } {
  if (tensor.ndim < 2) {
    throw new TensorError(
      "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions",
    );
  }
  let receptive = 1;
  for (let d = 2; d < tensor.ndim; d++) receptive *= tensor.shape[d];
  return { fan_in: tensor.shape[1] * receptive, fan_out: tensor.shape[0] * receptive };
}

/** Alias of {@link _calculate_fan_in_and_fan_out}. */
export const calculateFanInAndFanOut = _calculate_fan_in_and_fan_out;

/** Fan mode for the Kaiming initialisers. */
export type FanMode = "fan_in" | "fan_out";

function calculateCorrectFan(tensor: Tensor, mode: FanMode): number {
  if (mode !== "fan_in" && mode !== "fan_out") {
    throw new TensorError(`Mode ${String(mode)} not supported, please use one of fan_in, fan_out`);
  }
  const f = _calculate_fan_in_and_fan_out(tensor);
  return mode === "fan_in" ? f.fan_in : f.fan_out;
}

/** Fills with U(a, b) (default U(0, 1)). */
export function uniform_(tensor: Tensor, generator: Generator, a = 0, b = 1): Tensor {
  generator.fillUniform(tensor.data, a, b);
  return tensor;
}

/** Fills with N(mean, std²) (default N(0, 1)). */
export function normal_(tensor: Tensor, generator: Generator, mean = 0, std = 1): Tensor {
  generator.fillNormal(tensor.data, mean, std);
  return tensor;
}

/** Fills with a constant. */
export function constant_(tensor: Tensor, val: number): Tensor {
  tensor.data.fill(val);
  return tensor;
}

/** Fills with 0. */
export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0);
}

/** Fills with 1. */
export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}

/**
 * Glorot/Xavier uniform (Glorot & Bengio 2010): U(−a, a), a = gain·√(6/(fan_in + fan_out)),
 * i.e. variance gain²·2/(fan_in + fan_out).
 */
export function xavier_uniform_(tensor: Tensor, generator: Generator, gain = 1): Tensor {
  const { fan_in, fan_out } = _calculate_fan_in_and_fan_out(tensor);
  const std = gain * Math.sqrt(2.0 / (fan_in + fan_out));
  const a = Math.sqrt(3.0) * std;
  return uniform_(tensor, generator, -a, a);
}

/** Glorot/Xavier normal: N(0, std²), std = gain·√(2/(fan_in + fan_out)). */
export function xavier_normal_(tensor: Tensor, generator: Generator, gain = 1): Tensor {
  const { fan_in, fan_out } = _calculate_fan_in_and_fan_out(tensor);
  const std = gain * Math.sqrt(2.0 / (fan_in + fan_out));
  return normal_(tensor, generator, 0, std);
}

/** Options of the Kaiming initialisers (PyTorch's defaults: a = 0, fan_in, leaky_relu). */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

/**
 * He/Kaiming uniform (He et al. 2015): U(−bound, bound), bound = gain·√(3/fan_mode), gain =
 * calculate_gain(nonlinearity, a).
 * @throws {TensorError} for < 2 dims, an unknown mode or nonlinearity.
 */
export function kaiming_uniform_(
  tensor: Tensor,
  generator: Generator,
  opts: KaimingOptions = {},
): Tensor {
  const fan = calculateCorrectFan(tensor, opts.mode ?? "fan_in");
  const gain = calculate_gain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0);
  const std = gain / Math.sqrt(fan);
  const bound = Math.sqrt(3.0) * std;
  return uniform_(tensor, generator, -bound, bound);
}

/** He/Kaiming normal: N(0, std²), std = gain/√fan_mode. */
export function kaiming_normal_(
  tensor: Tensor,
  generator: Generator,
  opts: KaimingOptions = {},
): Tensor {
  const fan = calculateCorrectFan(tensor, opts.mode ?? "fan_in");
  const gain = calculate_gain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0);
  const std = gain / Math.sqrt(fan);
  return normal_(tensor, generator, 0, std);
}

/**
 * Householder QR of an m×n matrix (m ≥ n, row-major): returns the thin Q (m×n, row-major) and
 * the diagonal of R (Golub & Van Loan, Algorithm 5.2.1).
 */
export function householderQR(
  a: Float64Array,
  m: number,
  n: number,
): { q: Float64Array; rdiag: Float64Array } {
  const r = a.slice();
  const vs: Float64Array[] = [];
  const rdiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k] * r[i * n + k];
    norm = Math.sqrt(norm);
    const v = new Float64Array(m);
    const x0 = r[k * n + k];
    const alpha = x0 >= 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i] = r[i * n + k];
    v[k] -= alpha;
    let vn = 0;
    for (let i = k; i < m; i++) vn += v[i] * v[i];
    if (vn > 0) {
      // R ← (I − 2vvᵀ/vᵀv) R on columns k..n−1
      for (let j = k; j < n; j++) {
        let s = 0;
        for (let i = k; i < m; i++) s += v[i] * r[i * n + j];
        const f = (2 * s) / vn;
        for (let i = k; i < m; i++) r[i * n + j] -= f * v[i];
      }
    }
    vs.push(v);
    rdiag[k] = r[k * n + k];
  }
  // Q = H0 H1 … H(n−1) applied to the first n columns of I
  const q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    let vn = 0;
    for (let i = k; i < m; i++) vn += v[i] * v[i];
    if (vn === 0) continue;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i] * q[i * n + j];
      const f = (2 * s) / vn;
      for (let i = k; i < m; i++) q[i * n + j] -= f * v[i];
    }
  }
  return { q, rdiag };
}

/**
 * (Semi-)orthogonal matrix (Saxe et al. 2013), as PyTorch's `orthogonal_`: a `[rows, cols]`
 * (trailing dims flattened) N(0, 1) matrix — transposed when rows < cols — is QR-factorised by
 * Householder reflections, Q's columns are multiplied by sign(diag R) (making the factorisation
 * unique), transposed back, and scaled by `gain`. QᵀQ = I (or QQᵀ = I when rows < cols).
 * @throws {TensorError} for fewer than 2 dims.
 */
export function orthogonal_(tensor: Tensor, generator: Generator, gain = 1): Tensor {
  if (tensor.ndim < 2)
    throw new TensorError("Only tensors with 2 or more dimensions are supported");
  if (tensor.size === 0) return tensor;
  const rows = tensor.shape[0];
  const cols = tensor.size / rows;
  const flat = new Float64Array(rows * cols);
  generator.fillNormal(flat);
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  let a = flat;
  if (!tall) {
    a = new Float64Array(m * n);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[j * n + i] = flat[i * cols + j];
  }
  const { q, rdiag } = householderQR(a, m, n);
  for (let j = 0; j < n; j++) {
    const s = rdiag[j] > 0 ? 1 : rdiag[j] < 0 ? -1 : 0;
    for (let i = 0; i < m; i++) q[i * n + j] *= s;
  }
  const out = tensor.data;
  if (tall) for (let i = 0; i < m * n; i++) out[i] = gain * q[i];
  else
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) out[i * cols + j] = gain * q[j * n + i];
  return tensor;
}

/**
 * The default initialisation of `nn.Linear(in, out)` and `nn.Conv{1,2,3}d`
 * (`reset_parameters`): weight ← kaiming_uniform_(a = √5), i.e. U(±1/√fan_in); bias ←
 * U(±1/√fan_in) (bias untouched if fan_in = 0). Works for any weight with ≥ 2 dims.
 * @throws {TensorError} if bias's size differs from weight's first dim.
 */
export function reset_parameters_(weight: Tensor, bias: Tensor | null, generator: Generator): void {
  kaiming_uniform_(weight, generator, { a: Math.sqrt(5) });
  if (bias) {
    if (bias.size !== weight.shape[0]) {
      throw new TensorError(
        `bias of shape ${shapeStr(bias.shape)} does not match weight ${shapeStr(weight.shape)}`,
      );
    }
    const { fan_in } = _calculate_fan_in_and_fan_out(weight);
    if (fan_in > 0) {
      const bound = 1 / Math.sqrt(fan_in);
      uniform_(bias, generator, -bound, bound);
    }
  }
}

/** Default init of `nn.Linear`: see {@link reset_parameters_}. weight `[out, in]`, bias `[out]`. */
export const init_linear_ = reset_parameters_;
/** Default init of `nn.ConvNd`: see {@link reset_parameters_}. weight `[out, in/groups, k…]`. */
export const init_conv_ = reset_parameters_;
