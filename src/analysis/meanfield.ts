/**
 * Mean-field signal propagation through a fully-connected network (an MLP of `nn.Linear` layers
 * with an element-wise activation φ between them), after Poole, Lahiri, Raghu, Sohl-Dickstein &
 * Ganguli, "Exponential expressivity in deep neural networks through transient chaos" (NeurIPS
 * 2016) and Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, "Deep Information Propagation" (ICLR
 * 2017).
 *
 * ## Conventions (fixed here, used by `dlq grad`)
 * Linear layers are numbered l = 1..L from the input (arrays are 0-based: index l − 1). Layer l
 * maps xˡ⁻¹ (width Nₗ₋₁ = fan_in) to the pre-activation hˡ = Wˡxˡ⁻¹ + bˡ (width Nₗ = fan_out);
 * xˡ = φ(hˡ) for l < L; the last layer is not followed by φ (x⁰ is the input). Weights have
 * per-entry variance σw,ₗ²/Nₗ₋₁ (so σw² = fan_in·Var(W)) and biases variance σb,ₗ², both mean 0.
 *
 * - q⁰ is the input's mean square, ‖x⁰‖²/N₀; qˡ is the variance of one unit of hˡ over the weights
 *   (Poole eq. 3): q¹ = σw,₁²·q⁰ + σb,₁², and qˡ = σw,ₗ²·E_z[φ(√qˡ⁻¹·z)²] + σb,ₗ² for l ≥ 2.
 * - χˡ (l = 1..L−1) = σw,ₗ₊₁²·E_z[φ′(√qˡ·z)²]: the factor by which the squared norm of the
 *   backpropagated error δ = ∂E/∂h shrinks or grows from layer l+1 back to layer l (Schoenholz eq.
 *   (9): δˡ = φ′(hˡ) ⊙ Wˡ⁺¹ᵀδˡ⁺¹, so ‖δˡ‖² ≈ χˡ·‖δˡ⁺¹‖², independently of the widths when
 *   stated for whole-layer norms). χˡ pairs the activation after layer l with the weights of layer
 *   l+1 (Schoenholz's χ₁ with per-layer σw²); there is no χᴸ, as no φ follows the last layer.
 * - Predicted gradient norms, per example (a batch of one; a batch gradient also depends on the
 *   correlations between examples, the c-map, which is not modelled):
 *   log₁₀(‖∂E/∂bˡ‖/‖∂E/∂bᴸ‖) = ½·Σ_{k=l..L−1} log₁₀ χᵏ (the L−l factors crossed between layer L
 *   and layer l), and, as ∂E/∂Wˡ = δˡ·xˡ⁻¹ᵀ has norm ‖δˡ‖·‖xˡ⁻¹‖,
 *   log₁₀(‖∂E/∂Wˡ‖/‖∂E/∂Wᴸ‖) = ½·Σ_{k=l..L−1} log₁₀ χᵏ + ½·log₁₀(Aˡ⁻¹/Aᴸ⁻¹), with
 *   Aˡ⁻¹ = E‖xˡ⁻¹‖² = Nₗ₋₁·E_z[φ(√qˡ⁻¹·z)²] (A⁰ = N₀·q⁰).
 *   Indexing χ instead by the layer whose weights it contains (χ̃ᵏ = χᵏ⁻¹, k = 2..L), the same
 *   sum reads ½·Σ_{k=l+1..L} log₁₀ χ̃ᵏ. The second term is what turns the bias (δ) ratio into the
 *   weight ratio; for a sigmoid MLP it is small, but it is not for relu (it cancels the χ product
 *   exactly at σb² = 0) or when the input's squared norm differs from the hidden activations'.
 *
 * ## Expectations
 * E_z[f(√q·z)], z ~ N(0, 1), is computed by composite Gauss–Legendre quadrature (16 nodes a panel)
 * over z ∈ [−12, 12], with panel breakpoints every 0.5 in z, every 1 in x = √q·z for |x| ≤ 40
 * (the activations' own scale), and at their kinks (0 for relu/elu/selu, PyTorch's softplus
 * threshold): it agrees with 30-digit references to 1e−12 relative (tested for q = 0.01…1e4).
 * Plain Gauss–Hermite with 100 nodes ({@link gaussHermite}, also exported, `method: "hermite"`) is
 * as accurate only for small q: for E[tanh′(√q·z)²] its relative error is 8e−10 at q = 1, 3e−4 at
 * q = 4, 2e−2 at q = 10 and 30 % at q = 30, because φ′(√q·z) varies on the scale 1/√q, below the
 * node spacing; and it converges only algebraically when φ′ jumps at 0 (selu, elu with α ≠ 1).
 */
import { InputError } from "../errors.js";
import { calculate_gain } from "../tensor/init.js";
import { erf, erfc } from "../tensor/special.js";

// ---------------------------------------------------------------------------------------------
// Quadrature rules
// ---------------------------------------------------------------------------------------------

/** A quadrature rule: Σᵢ weights[i]·f(nodes[i]) approximates an integral or expectation. */
export interface QuadratureRule {
  nodes: number[];
  weights: number[];
}

const hermiteCache = new Map<number, QuadratureRule>();

/**
 * The n-point Gauss–Hermite rule in the probabilists' form: Σᵢ wᵢ·f(zᵢ) ≈ E[f(z)], z ~ N(0, 1)
 * (weights sum to 1; exact for polynomials of degree ≤ 2n − 1). Computed as the physicists' rule
 * (weight e^{−x²}) by Newton's method on the three-term recurrence of the orthonormal Hermite
 * polynomials (Press et al., Numerical Recipes 3rd ed. §4.6, `gauher`), then mapped by z = √2·x,
 * w ← w/√π.
 * Nodes are ascending and symmetric; for even n no node lies at 0.
 * @throws RangeError unless 1 ≤ n ≤ 400 is an integer.
 */
export function gaussHermite(n: number): QuadratureRule {
  if (!Number.isInteger(n) || n < 1 || n > 400) {
    throw new RangeError(`Gauss–Hermite order must be an integer in 1..400, got ${n}`);
  }
  const cached = hermiteCache.get(n);
  if (cached) return cached;
  const PIM4 = Math.pow(Math.PI, -0.25);
  const x = new Array<number>(n).fill(0);
  const w = new Array<number>(n).fill(0);
  const m = Math.floor((n + 1) / 2);
  let z = 0;
  for (let i = 0; i < m; i++) {
    // Initial guesses for the largest roots first (Numerical Recipes), then from previous roots.
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * Math.pow(2 * n + 1, -1 / 6);
    else if (i === 1) z -= (1.14 * Math.pow(n, 0.426)) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0];
    else if (i === 3) z = 1.91 * z - 0.91 * x[1];
    else z = 2 * z - x[i - 2];
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      // Orthonormal Hermite polynomials: p₀ = π^{−1/4}, p_{j} = x√(2/j)p_{j−1} − √((j−1)/j)p_{j−2}.
      let p1 = PIM4;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-15 * Math.max(1, Math.abs(z))) break;
    }
    x[i] = z;
    x[n - 1 - i] = -z;
    w[i] = 2 / (pp * pp);
    w[n - 1 - i] = w[i];
  }
  const rule: QuadratureRule = { nodes: [], weights: [] };
  for (let i = n - 1; i >= 0; i--) {
    rule.nodes.push(Math.SQRT2 * x[i]);
    rule.weights.push(w[i] / Math.sqrt(Math.PI));
  }
  // For odd n the middle node is exactly 0.
  if (n % 2 === 1) rule.nodes[(n - 1) / 2] = 0;
  hermiteCache.set(n, rule);
  return rule;
}

const legendreCache = new Map<number, QuadratureRule>();

/**
 * The n-point Gauss–Legendre rule on [−1, 1] (exact for polynomials of degree ≤ 2n − 1), by
 * Newton's method on the Legendre recurrence (Numerical Recipes §4.6, `gauleg`).
 * @throws RangeError unless 1 ≤ n ≤ 400 is an integer.
 */
export function gaussLegendre(n: number): QuadratureRule {
  if (!Number.isInteger(n) || n < 1 || n > 400) {
    throw new RangeError(`Gauss–Legendre order must be an integer in 1..400, got ${n}`);
  }
  const cached = legendreCache.get(n);
  if (cached) return cached;
  const x = new Array<number>(n).fill(0);
  const w = new Array<number>(n).fill(0);
  const m = Math.floor((n + 1) / 2);
  for (let i = 0; i < m; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      pp = (n * (z * p1 - p2)) / (z * z - 1);
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-16) break;
    }
    x[i] = -z;
    x[n - 1 - i] = z;
    w[i] = 2 / ((1 - z * z) * pp * pp);
    w[n - 1 - i] = w[i];
  }
  if (n % 2 === 1) x[(n - 1) / 2] = 0;
  const rule = { nodes: x, weights: w };
  legendreCache.set(n, rule);
  return rule;
}

const Z_MAX = 12; // P(|z| > 12) ≈ 3.6e−33
const Z_STEP = 0.5;
const X_STEP = 1;
const X_RANGE = 40;
const PANEL_ORDER = 16;
const INV_SQRT_2PI = 0.3989422804014327;

/** Options of {@link expectNormal}. */
export interface ExpectOptions {
  /**
   * `"composite"` (default): composite Gauss–Legendre as described in the module doc, accurate
   * for every q. `"hermite"`: plain Gauss–Hermite with {@link hermiteNodes} nodes (accurate only
   * for smooth f and q ≲ 1; kept for comparison).
   */
  method?: "composite" | "hermite";
  /** Gauss–Hermite order for `method: "hermite"` (default 100). */
  hermiteNodes?: number;
  /** Points x (in units of f's argument, x = √q·z) where f has a kink or jump. */
  kinks?: readonly number[];
}

/**
 * E_z[f(√q·z)] for z ~ N(0, 1): the expectation of f over N(0, q).
 * @param q variance, ≥ 0 and finite (q = 0 gives f(0)).
 * @throws RangeError for a negative or non-finite q.
 */
export function expectNormal(
  f: (x: number) => number,
  q: number,
  opts: ExpectOptions = {},
): number {
  if (!(q >= 0) || !Number.isFinite(q)) throw new RangeError(`variance must be ≥ 0, got ${q}`);
  if (q === 0) return f(0);
  const s = Math.sqrt(q);
  if (opts.method === "hermite") {
    const { nodes, weights } = gaussHermite(opts.hermiteNodes ?? 100);
    let sum = 0;
    for (let i = 0; i < nodes.length; i++) sum += weights[i] * f(s * nodes[i]);
    return sum;
  }
  const pts: number[] = [0];
  for (let k = 1; k * Z_STEP < Z_MAX; k++) pts.push(k * Z_STEP, -k * Z_STEP);
  for (let j = 1; j <= X_RANGE / X_STEP; j++) {
    const z = (j * X_STEP) / s;
    if (z >= Z_MAX) break;
    pts.push(z, -z);
  }
  for (const k of opts.kinks ?? []) {
    const z = k / s;
    if (Math.abs(z) < Z_MAX) pts.push(z);
  }
  pts.push(-Z_MAX, Z_MAX);
  pts.sort((a, b) => a - b);
  const { nodes, weights } = gaussLegendre(PANEL_ORDER);
  let sum = 0;
  for (let p = 0; p + 1 < pts.length; p++) {
    const a = pts[p];
    const b = pts[p + 1];
    if (!(b > a)) continue;
    const half = (b - a) / 2;
    const mid = (a + b) / 2;
    let panel = 0;
    for (let i = 0; i < nodes.length; i++) {
      const z = mid + half * nodes[i];
      panel += weights[i] * f(s * z) * Math.exp(-0.5 * z * z);
    }
    sum += half * panel;
  }
  return sum * INV_SQRT_2PI;
}

// ---------------------------------------------------------------------------------------------
// Activations
// ---------------------------------------------------------------------------------------------

/** Activation names, as in `torch.nn.functional` (`identity` is an alias of `linear`). */
export type ActivationName =
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "elu"
  | "selu"
  | "gelu"
  | "silu"
  | "softplus"
  | "linear"
  | "identity";

/**
 * An activation, by name or with PyTorch's arguments: leaky_relu `negative_slope` (0.01), elu
 * `alpha` (1), gelu `approximate` ("none" | "tanh"), softplus `beta` (1) and `threshold` (20).
 */
export type ActivationSpec =
  | ActivationName
  | {
      fn: ActivationName;
      negative_slope?: number;
      alpha?: number;
      approximate?: "none" | "tanh";
      beta?: number;
      threshold?: number;
    };

/** An activation φ with its derivative φ′ (float64) and the points where φ or φ′ has a kink. */
export interface Activation {
  name: ActivationName;
  phi: (x: number) => number;
  dphi: (x: number) => number;
  kinks: number[];
}

/**
 * SELU's constants (Klambauer et al. 2017; PyTorch's `torch.nn.SELU`): α =
 * 1.6732632423543772848…, λ = 1.0507009873554804934…, as the nearest float64.
 */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function finiteArg(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (typeof x !== "number" || !Number.isFinite(x)) {
    throw new InputError(`${name} must be a finite number, got ${String(v)}`);
  }
  return x;
}

/**
 * φ and φ′ for an activation, following PyTorch's definitions: leaky_relu(x) = x (x ≥ 0) or
 * slope·x; elu(x) = x (x > 0) or α(eˣ − 1); selu = λ·elu with α, λ = {@link SELU_ALPHA},
 * {@link SELU_SCALE}; gelu(x) = x·Φ(x) or, with approximate "tanh",
 * ½x(1 + tanh(√(2/π)(x + 0.044715x³))); silu(x) = x·sigmoid(x); softplus(x) = log(1 + e^{βx})/β,
 * or x where βx > threshold. Derivatives at the kinks take the right-hand value.
 * @throws InputError for an unknown name or a non-finite argument.
 */
export function activation(spec: ActivationSpec): Activation {
  const o = typeof spec === "string" ? { fn: spec } : spec;
  const name = o.fn;
  switch (name) {
    case "sigmoid":
      return {
        name,
        phi: sigmoid,
        dphi: (x) => sigmoid(x) * sigmoid(-x),
        kinks: [],
      };
    case "tanh":
      return {
        name,
        phi: Math.tanh,
        dphi: (x) => {
          const c = Math.cosh(x);
          return 1 / (c * c);
        },
        kinks: [],
      };
    case "relu":
      return { name, phi: (x) => (x > 0 ? x : 0), dphi: (x) => (x > 0 ? 1 : 0), kinks: [0] };
    case "leaky_relu": {
      const a = finiteArg("negative_slope", o.negative_slope, 0.01);
      return {
        name,
        phi: (x) => (x >= 0 ? x : a * x),
        dphi: (x) => (x >= 0 ? 1 : a),
        kinks: [0],
      };
    }
    case "elu":
    case "selu": {
      const alpha = name === "selu" ? SELU_ALPHA : finiteArg("alpha", o.alpha, 1);
      const scale = name === "selu" ? SELU_SCALE : 1;
      return {
        name,
        phi: (x) => scale * (x > 0 ? x : alpha * Math.expm1(x)),
        dphi: (x) => scale * (x > 0 ? 1 : alpha * Math.exp(x)),
        kinks: [0],
      };
    }
    case "gelu": {
      if (o.approximate === "tanh") {
        const k = Math.sqrt(2 / Math.PI);
        const c = 0.044715;
        return {
          name,
          phi: (x) => 0.5 * x * (1 + Math.tanh(k * (x + c * x * x * x))),
          dphi: (x) => {
            const u = k * (x + c * x * x * x);
            if (!(Math.abs(u) < 40)) return x > 0 ? 1 : 0;
            const t = Math.tanh(u);
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x);
          },
          kinks: [],
        };
      }
      if (o.approximate !== undefined && o.approximate !== "none") {
        throw new InputError(
          `approximate argument must be either none or tanh, got ${String(o.approximate)}`,
        );
      }
      // Φ(x) = ½·erfc(−x/√2), accurate in the left tail.
      const Phi = (x: number) =>
        x < 0 ? 0.5 * erfc(-x / Math.SQRT2) : 0.5 * (1 + erf(x / Math.SQRT2));
      return {
        name,
        phi: (x) => x * Phi(x),
        dphi: (x) => Phi(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
        kinks: [],
      };
    }
    case "silu":
      return {
        name,
        phi: (x) => x * sigmoid(x),
        dphi: (x) => {
          const s = sigmoid(x);
          return s * (1 + x * (1 - s));
        },
        kinks: [],
      };
    case "softplus": {
      const beta = finiteArg("beta", o.beta, 1);
      const threshold = finiteArg("threshold", o.threshold, 20);
      if (beta === 0) throw new InputError("softplus beta must be nonzero");
      return {
        name,
        phi: (x) => {
          const bx = beta * x;
          if (bx > threshold) return x;
          return (bx > 0 ? bx + Math.log1p(Math.exp(-bx)) : Math.log1p(Math.exp(bx))) / beta;
        },
        dphi: (x) => (beta * x > threshold ? 1 : sigmoid(beta * x)),
        kinks: [threshold / beta],
      };
    }
    case "linear":
    case "identity":
      return { name, phi: (x) => x, dphi: () => 1, kinks: [] };
    default:
      throw new InputError(`unknown activation ${JSON.stringify(name)}`);
  }
}

/** E_z[φ(√q·z)²]: the mean square of the activation of a unit with pre-activation variance q. */
export function activationMeanSquare(act: ActivationSpec | Activation, q: number): number {
  const a = resolve(act);
  return expectNormal((x) => a.phi(x) ** 2, q, { kinks: a.kinks });
}

/** E_z[φ′(√q·z)²]. */
export function derivativeMeanSquare(act: ActivationSpec | Activation, q: number): number {
  const a = resolve(act);
  return expectNormal((x) => a.dphi(x) ** 2, q, { kinks: a.kinks });
}

function resolve(act: ActivationSpec | Activation): Activation {
  return typeof act === "object" && "phi" in act ? act : activation(act);
}

/** The length map q ↦ σw²·E_z[φ(√q·z)²] + σb² (Poole et al. 2016, eq. 3). */
export function lengthMap(
  act: ActivationSpec | Activation,
  sigmaW2: number,
  sigmaB2: number,
  q: number,
): number {
  return sigmaW2 * activationMeanSquare(act, q) + sigmaB2;
}

/** χ = σw²·E_z[φ′(√q·z)²] (Schoenholz et al. 2017, eq. 5; Poole et al.'s χ₁). */
export function chiMap(act: ActivationSpec | Activation, sigmaW2: number, q: number): number {
  return sigmaW2 * derivativeMeanSquare(act, q);
}

// ---------------------------------------------------------------------------------------------
// Fixed point
// ---------------------------------------------------------------------------------------------

/** The result of {@link fixedPoint}. */
export interface FixedPoint {
  /** q*, the fixed point of the length map reached from q0 (Infinity if q grows without bound). */
  qStar: number;
  /** χ* = σw²·E_z[φ′(√q*·z)²]: < 1 ordered (gradients vanish), > 1 chaotic (explode). */
  chiStar: number;
  /** "ordered" (χ* < 1), "critical" (|χ* − 1| ≤ 1e−9) or "chaotic" (χ* > 1). */
  phase: "ordered" | "critical" | "chaotic";
  /**
   * ξ∇ = 1/|ln χ*| (Schoenholz et al. eq. 14): the squared gradient norm changes by a factor e per
   * ξ∇ layers near the fixed point; Infinity when critical.
   */
  gradDepthScale: number;
}

/**
 * The fixed point q* of the length map reached by iterating from q0, and χ* there. The
 * order-to-chaos boundary is χ* = 1 (Poole et al. 2016; Schoenholz et al. 2017, §3); e.g. tanh
 * with σb² = 0 has q* = 0 and χ* = σw², critical at σw² = 1; relu with σb² = 0 has χ* = σw²/2.
 *
 * The map q ↦ L(q) is increasing for the activations here, so iterates converge monotonically to
 * the nearest fixed point in their direction of travel; after some iterations the root of L(q) − q
 * is bracketed and bisected to full precision (iteration alone converges only like 1/l at
 * criticality). When every q is a fixed point (relu at σw² = 2, linear at σw² = 1, σb² = 0), q0
 * is returned. If q grows past 1e300, q* = Infinity and χ* is taken at q = 1e300.
 * @throws RangeError for negative or non-finite σw², σb², q0.
 */
export function fixedPoint(
  act: ActivationSpec | Activation,
  sigmaW2: number,
  sigmaB2: number,
  q0 = 1,
): FixedPoint {
  for (const [k, v] of [
    ["sigmaW2", sigmaW2],
    ["sigmaB2", sigmaB2],
    ["q0", q0],
  ] as const) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${k} must be ≥ 0, got ${v}`);
  }
  const a = resolve(act);
  const L = (q: number) => lengthMap(a, sigmaW2, sigmaB2, q);
  const g = (q: number) => L(q) - q;
  const BIG = 1e300;
  let q = q0;
  for (let i = 0; i < 50; i++) {
    const next = L(q);
    if (next === q || !(next < BIG)) {
      q = next;
      break;
    }
    q = next;
  }
  let qStar: number;
  if (!(q < BIG)) qStar = Infinity;
  else {
    const d = g(q);
    if (d === 0 || Math.abs(d) <= 1e-16 * q) qStar = q;
    else if (d > 0) {
      // Root above q: find hi with g(hi) ≤ 0.
      let lo = q;
      let hi = q > 0 ? q : 1e-300;
      while (g(hi) > 0) {
        lo = hi;
        hi = hi * 2;
        if (hi > BIG) break;
      }
      qStar = hi > BIG ? Infinity : bisect(g, lo, hi);
    } else {
      // Root below q: find lo with g(lo) ≥ 0, halving towards 0.
      let hi = q;
      let lo = q / 2;
      while (g(lo) < 0) {
        hi = lo;
        lo = lo / 2;
        if (lo < 1e-300) break;
      }
      qStar = lo < 1e-300 ? 0 : bisect(g, lo, hi);
    }
  }
  const chiStar = chiMap(a, sigmaW2, Number.isFinite(qStar) ? qStar : BIG);
  const phase = Math.abs(chiStar - 1) <= 1e-9 ? "critical" : chiStar < 1 ? "ordered" : "chaotic";
  const gradDepthScale = phase === "critical" ? Infinity : 1 / Math.abs(Math.log(chiStar));
  return { qStar, chiStar, phase, gradDepthScale };
}

/** A root of g in [lo, hi] where g(lo) ≥ 0 ≥ g(hi), to full double precision. */
function bisect(g: (q: number) => number, lo: number, hi: number): number {
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    const v = g(mid);
    if (v === 0) return mid;
    if (v > 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

// ---------------------------------------------------------------------------------------------
// Initialisation → (σw², σb²)
// ---------------------------------------------------------------------------------------------

/** A Linear layer's widths. */
export interface LinearShape {
  fanIn: number;
  fanOut: number;
}

/** A Linear layer with its weight and bias scales: Var(W) = sigmaW2/fanIn, Var(b) = sigmaB2. */
export interface MeanFieldLayer extends LinearShape {
  sigmaW2: number;
  sigmaB2: number;
}

/**
 * How biases are initialised: `"default"` is nn.Linear's U(±1/√fan_in), Var = 1/(3·fan_in) (the
 * bias PyTorch leaves when only the weight is re-initialised); `"zeros"`; or a number, the bias
 * variance σb² itself.
 */
export type BiasInit = "default" | "zeros" | number;

/** A weight initialisation scheme, with `torch.nn.init`'s names and arguments. */
export type InitScheme =
  | { scheme: "default"; bias?: BiasInit }
  | { scheme: "xavier_uniform" | "xavier_normal"; gain?: number; bias?: BiasInit }
  | {
      scheme: "kaiming_uniform" | "kaiming_normal";
      a?: number;
      mode?: "fan_in" | "fan_out";
      nonlinearity?: string;
      bias?: BiasInit;
    }
  | { scheme: "orthogonal"; gain?: number; bias?: BiasInit }
  | { scheme: "normal"; std: number; bias?: BiasInit }
  | { scheme: "uniform"; a: number; b: number; bias?: BiasInit };

/** Consecutive Linear layers from widths [N₀, N₁, …, N_L]: layer l is Linear(Nₗ₋₁, Nₗ). */
export function linearShapes(widths: readonly number[]): LinearShape[] {
  if (widths.length < 2) throw new RangeError("need at least two widths (one Linear layer)");
  for (const w of widths) {
    if (!Number.isInteger(w) || w < 1)
      throw new RangeError(`width must be a positive integer, got ${w}`);
  }
  return widths.slice(1).map((fanOut, i) => ({ fanIn: widths[i], fanOut }));
}

/**
 * σw² = fan_in·Var(W) and σb² = Var(b) of each Linear layer under an init scheme (PyTorch's
 * formulas, https://pytorch.org/docs/stable/nn.init.html):
 * - `default` (nn.Linear.reset_parameters): W ~ U(±1/√fan_in) (kaiming_uniform_ with a = √5), so
 *   Var(W) = 1/(3·fan_in) and σw² = 1/3; b ~ U(±1/√fan_in), σb² = 1/(3·fan_in).
 * - `xavier_uniform` / `xavier_normal`: Var(W) = gain²·2/(fan_in + fan_out), σw² =
 *   gain²·2·fan_in/(fan_in + fan_out).
 * - `kaiming_uniform` / `kaiming_normal`: Var(W) = g²/fan_mode with g = calculate_gain(nonlinearity
 *   (default "leaky_relu"), a (default 0)); σw² = g² (mode fan_in) or g²·fan_in/fan_out.
 * - `orthogonal`: rows (fan_out ≤ fan_in) or columns orthonormal, times gain: σw² = gain² if
 *   fan_out ≤ fan_in, else gain²·fan_in/fan_out (each row then has squared norm fan_in/fan_out).
 * - `normal` N(0, std²): σw² = fan_in·std²; `uniform` U(a, b): σw² = fan_in·(b − a)²/12 (the mean
 *   (a + b)/2 must be 0 for mean-field theory; a nonzero mean is refused).
 * Biases: see {@link BiasInit} (default `"default"`).
 * @throws InputError for a bad argument (negative variance, nonzero-mean uniform, unknown
 *   nonlinearity).
 */
export function initVariances(layers: readonly LinearShape[], init: InitScheme): MeanFieldLayer[] {
  return layers.map((layer) => {
    const { fanIn, fanOut } = layer;
    let sigmaW2: number;
    switch (init.scheme) {
      case "default":
        sigmaW2 = 1 / 3;
        break;
      case "xavier_uniform":
      case "xavier_normal": {
        const gain = init.gain ?? 1;
        sigmaW2 = gain * gain * ((2 * fanIn) / (fanIn + fanOut));
        break;
      }
      case "kaiming_uniform":
      case "kaiming_normal": {
        let gain: number;
        try {
          gain = calculate_gain(init.nonlinearity ?? "leaky_relu", init.a ?? 0);
        } catch (e) {
          throw new InputError((e as Error).message);
        }
        sigmaW2 = init.mode === "fan_out" ? gain * gain * (fanIn / fanOut) : gain * gain;
        break;
      }
      case "orthogonal": {
        const gain = init.gain ?? 1;
        sigmaW2 = fanOut <= fanIn ? gain * gain : gain * gain * (fanIn / fanOut);
        break;
      }
      case "normal":
        sigmaW2 = fanIn * init.std * init.std;
        break;
      case "uniform":
        if (init.a + init.b !== 0) {
          throw new InputError(
            `uniform init U(${init.a}, ${init.b}) has a nonzero mean; mean-field theory needs U(−a, a)`,
          );
        }
        sigmaW2 = (fanIn * (init.b - init.a) ** 2) / 12;
        break;
    }
    const bias = init.bias ?? "default";
    const sigmaB2 = bias === "default" ? 1 / (3 * fanIn) : bias === "zeros" ? 0 : bias;
    if (!(sigmaB2 >= 0) || !Number.isFinite(sigmaB2)) {
      throw new InputError(`bias variance must be ≥ 0, got ${sigmaB2}`);
    }
    return { fanIn, fanOut, sigmaW2, sigmaB2 };
  });
}

// ---------------------------------------------------------------------------------------------
// The MLP
// ---------------------------------------------------------------------------------------------

/** The input of {@link meanFieldMlp}. */
export interface MeanFieldMlpInput {
  /** The Linear layers from the input; fanIn of each must equal fanOut of the previous. */
  layers: readonly MeanFieldLayer[];
  /**
   * The activation after every Linear but the last, or one per layer (length L − 1, or L with the
   * last entry ignored).
   */
  act: ActivationSpec | readonly ActivationSpec[];
  /** q⁰: the input's mean square ‖x⁰‖²/N₀ (1 for standardised inputs). */
  inputQ: number;
}

/** The result of {@link meanFieldMlp}; arrays are per Linear layer, index 0 nearest the input. */
export interface MeanFieldMlp {
  /** qˡ, length L: pre-activation variance of each Linear's output units. */
  q: number[];
  /** E_z[φ(√qˡ·z)²], length L − 1: mean square of the activation after layers 1..L−1. */
  activationMeanSquare: number[];
  /** χˡ = σw,ₗ₊₁²·E_z[φ′(√qˡ·z)²], length L − 1 (l = 1..L−1; see the module doc). */
  chi: number[];
  /**
   * log₁₀(‖∂E/∂Wˡ‖/‖∂E/∂Wᴸ‖), length L (last = 0): ½·Σ_{k=l..L−1} log₁₀ χᵏ + ½·log₁₀(Aˡ⁻¹/Aᴸ⁻¹).
   */
  predictedLog10GradRatioToLast: number[];
  /**
   * log₁₀(‖∂E/∂bˡ‖/‖∂E/∂bᴸ‖) = log₁₀(‖δˡ‖/‖δᴸ‖), length L (last = 0): ½·Σ_{k=l..L−1} log₁₀ χᵏ,
   * the χ-product alone.
   */
  predictedLog10BiasGradRatioToLast: number[];
}

/** The variances of {@link meanFieldMlp} overflow float64: no prediction (not a bad input). */
export class MeanFieldOverflow extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "MeanFieldOverflow";
  }
}

/**
 * The mean-field forward (qˡ) and backward (χˡ) recursions of an MLP, and the predicted per-example
 * gradient-norm ratio of every Linear layer to the last (formulas and indices in the module doc).
 * Valid for wide layers (the mean-field limit) with i.i.d. zero-mean weights and biases.
 * @throws InputError naming the layer for inconsistent widths or a negative/non-finite σ², and for
 *   a bad activation; RangeError for a negative input mean square; {@link MeanFieldOverflow} when
 *   the variances grow beyond float64 (e.g. a huge `--gain` through 25 ReLU layers).
 */
export function meanFieldMlp(input: MeanFieldMlpInput): MeanFieldMlp {
  const { layers, inputQ } = input;
  const L = layers.length;
  if (L < 1) throw new InputError("an MLP needs at least one Linear layer");
  if (!(inputQ >= 0) || !Number.isFinite(inputQ)) {
    throw new RangeError(`input mean square must be ≥ 0, got ${inputQ}`);
  }
  layers.forEach((layer, i) => {
    const where = `layer ${i + 1} (Linear)`;
    for (const k of ["fanIn", "fanOut"] as const) {
      if (!Number.isInteger(layer[k]) || layer[k] < 1) {
        throw new InputError(`${k} must be a positive integer, got ${layer[k]}`, where);
      }
    }
    for (const k of ["sigmaW2", "sigmaB2"] as const) {
      if (layer[k] === Infinity) {
        throw new MeanFieldOverflow(`the weight variance overflows float64 at layer ${i + 1}`);
      }
      if (!(layer[k] >= 0) || !Number.isFinite(layer[k])) {
        throw new InputError(`${k} must be a finite number ≥ 0, got ${layer[k]}`, where);
      }
    }
    if (i > 0 && layer.fanIn !== layers[i - 1].fanOut) {
      throw new InputError(
        `in_features ${layer.fanIn} does not match the previous layer's out_features ${layers[i - 1].fanOut}`,
        where,
      );
    }
  });
  const acts: Activation[] = [];
  if (Array.isArray(input.act)) {
    const list = input.act as readonly ActivationSpec[];
    if (list.length !== L - 1 && list.length !== L) {
      throw new InputError(
        `expected ${L - 1} activations (one after each Linear but the last), got ${list.length}`,
      );
    }
    for (let i = 0; i < L - 1; i++) acts.push(activation(list[i]));
  } else {
    const a = activation(input.act as ActivationSpec);
    for (let i = 0; i < L - 1; i++) acts.push(a);
  }

  const q: number[] = [];
  const act2: number[] = [];
  for (let l = 0; l < L; l++) {
    q.push(layers[l].sigmaW2 * (l === 0 ? inputQ : act2[l - 1]) + layers[l].sigmaB2);
    if (!Number.isFinite(q[l])) {
      throw new MeanFieldOverflow(
        `the pre-activation variance grows beyond float64 by layer ${l + 1} (σw² = ${layers[l].sigmaW2.toPrecision(3)})`,
      );
    }
    if (l < L - 1) act2.push(activationMeanSquare(acts[l], q[l]));
  }
  const chi: number[] = [];
  for (let l = 0; l < L - 1; l++) chi.push(chiMap(acts[l], layers[l + 1].sigmaW2, q[l]));

  // A[l] = E‖input of layer l‖² (0-based).
  const A = layers.map((layer, l) => layer.fanIn * (l === 0 ? inputQ : act2[l - 1]));
  const bias = new Array<number>(L).fill(0);
  for (let l = L - 2; l >= 0; l--) bias[l] = bias[l + 1] + 0.5 * Math.log10(chi[l]);
  const logA = A.map((x) => Math.log10(x));
  const weight = bias.map((b, l) => b + 0.5 * (logA[l] - logA[L - 1]));
  return {
    q,
    activationMeanSquare: act2,
    chi,
    predictedLog10GradRatioToLast: weight,
    predictedLog10BiasGradRatioToLast: bias,
  };
}
