/**
 * Elementwise ops with NumPy/PyTorch broadcasting. Each op is its forward and its backward
 * (the partial derivatives) side by side; broadcast backward sums over the broadcast axes because
 * the backward loop accumulates through the same broadcast index map as the forward.
 *
 * Gradient conventions at kinks and ties follow PyTorch's `derivatives.yaml` (1.13): abs'(0) = 0,
 * relu'(0) = 0, clamp passes the gradient where min ≤ x ≤ max, maximum/minimum split it in half
 * on ties, pow's exponent gradient is 0 where base = 0 and exponent ≥ 0.
 *
 * Ops with a kink report, per element, which side of it they took (src/tensor/kinks.ts), so that
 * gradcheck can tell an input at a kink from a smooth function: the `side` argument of
 * {@link unaryOp} and {@link binaryOp}; the comparisons (`<`, `>`, `<=`, `>=`, `==`, `!=`, built
 * with binaryOp under those names by the interpreter) report x < y, x = y, x > y.
 */
import { TensorError } from "../errors.js";
import { broadcastMap, broadcastShapes, sameShape, shapeSize } from "../shape.js";
import { asTensor, createOp, Tensor, TensorLike } from "../tensor.js";
import { erf as erfScalar } from "../special.js";
import { compareSide, noteBranches, recordingBranches, signSide } from "../kinks.js";

type Fwd2 = (x: number, y: number) => number;
/** ∂out/∂operand given the operand values and the output value. */
type Partial2 = (x: number, y: number, out: number) => number;

/** Comparison operators: piecewise constant, with their "kink" where x = y. */
/** Comparisons, by operator and by the op registry's names: they report ties as kinks. */
const COMPARISONS = new Set(["<", ">", "<=", ">=", "==", "!=", "lt", "gt", "le", "ge", "eq", "ne"]);

/**
 * A broadcasting binary op: `f` is the forward, `da`/`db` the partials; `side(x, y)`, for ops
 * with a kink, the side of it each element is on (see src/tensor/kinks.ts; the comparison
 * operators, by name, get x < y, x = y, x > y).
 * @throws {TensorError} if the shapes do not broadcast (names both shapes).
 */
export function binaryOp(
  name: string,
  a: TensorLike,
  b: TensorLike,
  f: Fwd2,
  da: Partial2,
  db: Partial2,
  side?: (x: number, y: number) => number,
): Tensor {
  const A = asTensor(a);
  const B = asTensor(b);
  const shape = sameShape(A.shape, B.shape)
    ? A.shape.slice()
    : broadcastShapes(A.shape, B.shape, name);
  const n = shapeSize(shape);
  const x = A.data;
  const y = B.data;
  const mapA = A.size === n && sameShape(A.shape, shape) ? null : broadcastMap(shape, A.shape);
  const mapB = B.size === n && sameShape(B.shape, shape) ? null : broadcastMap(shape, B.shape);
  const out = new Float64Array(n);
  if (mapA === null && mapB === null) {
    for (let i = 0; i < n; i++) out[i] = f(x[i], y[i]);
  } else if (mapA === null) {
    const mb = mapB as Int32Array;
    for (let i = 0; i < n; i++) out[i] = f(x[i], y[mb[i]]);
  } else if (mapB === null) {
    for (let i = 0; i < n; i++) out[i] = f(x[mapA[i]], y[i]);
  } else {
    for (let i = 0; i < n; i++) out[i] = f(x[mapA[i]], y[mapB[i]]);
  }
  const sideOf = side ?? (COMPARISONS.has(name) ? compareSide : undefined);
  if (sideOf && recordingBranches()) {
    noteBranches(name, n, (i) =>
      sideOf(x[mapA === null ? i : mapA[i]], y[mapB === null ? i : mapB[i]]),
    );
  }
  return createOp(name, out, shape, [A, B], (g, needs) => {
    let ga: Float64Array | null = null;
    let gb: Float64Array | null = null;
    if (needs[0]) {
      ga = new Float64Array(A.size);
      for (let i = 0; i < n; i++) {
        const ia = mapA === null ? i : mapA[i];
        ga[ia] += g[i] * da(x[ia], y[mapB === null ? i : mapB[i]], out[i]);
      }
    }
    if (needs[1]) {
      gb = new Float64Array(B.size);
      for (let i = 0; i < n; i++) {
        const ib = mapB === null ? i : mapB[i];
        gb[ib] += g[i] * db(x[mapA === null ? i : mapA[i]], y[ib], out[i]);
      }
    }
    return [ga, gb];
  });
}

/**
 * An elementwise unary op: `f` the forward, `df(x, out)` its derivative; `side(x)`, for ops with
 * a kink, the side of it each element is on (see src/tensor/kinks.ts).
 */
export function unaryOp(
  name: string,
  a: Tensor,
  f: (x: number) => number,
  df: (x: number, out: number) => number,
  side?: (x: number) => number,
): Tensor {
  const n = a.size;
  const x = a.data;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(x[i]);
  if (side && recordingBranches()) noteBranches(name, n, (i) => side(x[i]));
  return createOp(name, out, a.shape, [a], (g) => {
    const ga = new Float64Array(n);
    for (let i = 0; i < n; i++) ga[i] = g[i] * df(x[i], out[i]);
    return [ga];
  });
}

const one = (): number => 1;
const minusOne = (): number => -1;

/** a + b (broadcast). */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp("add", a, b, (x, y) => x + y, one, one);
}

/** a − b (broadcast). */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp("sub", a, b, (x, y) => x - y, one, minusOne);
}

/** a · b elementwise (broadcast). */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(
    "mul",
    a,
    b,
    (x, y) => x * y,
    (_x, y) => y,
    (x) => x,
  );
}

/** a / b elementwise (broadcast); ∂/∂b = −a/b². */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(
    "div",
    a,
    b,
    (x, y) => x / y,
    (_x, y) => 1 / y,
    (x, y) => -x / (y * y),
  );
}

/** −a. */
export function neg(a: Tensor): Tensor {
  return unaryOp("neg", a, (x) => -x, minusOne);
}

/**
 * a^b elementwise (broadcast); `b` may be a number or a tensor (PyTorch's `torch.pow`).
 * ∂/∂a = b·a^(b−1) (0 where b = 0); ∂/∂b = a^b·ln a (0 where a = 0 and b ≥ 0).
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === "number" && a instanceof Tensor) {
    const e = b;
    return unaryOp(
      "pow",
      a,
      (x) => Math.pow(x, e),
      (x) => (e === 0 ? 0 : e * Math.pow(x, e - 1)),
    );
  }
  return binaryOp(
    "pow",
    a,
    b,
    Math.pow,
    (x, y) => (y === 0 ? 0 : y * Math.pow(x, y - 1)),
    (x, y, out) => (x === 0 && y >= 0 ? 0 : out * Math.log(x)),
  );
}

/** eˣ. */
export function exp(a: Tensor): Tensor {
  return unaryOp("exp", a, Math.exp, (_x, out) => out);
}

/** Natural logarithm. */
export function log(a: Tensor): Tensor {
  return unaryOp("log", a, Math.log, (x) => 1 / x);
}

/** √x; derivative 1/(2√x). */
export function sqrt(a: Tensor): Tensor {
  return unaryOp("sqrt", a, Math.sqrt, (_x, out) => 0.5 / out, signSide);
}

/** |x|; derivative sign(x) (0 at 0, as PyTorch). */
export function abs(a: Tensor): Tensor {
  return unaryOp("abs", a, Math.abs, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), signSide);
}

/** The error function; derivative (2/√π)e^{−x²}. */
export function erf(a: Tensor): Tensor {
  return unaryOp("erf", a, erfScalar, (x) => 1.1283791670955126 * Math.exp(-x * x));
}

/**
 * Clamps into `[min, max]` (either bound optional; PyTorch's `torch.clamp`). The gradient passes
 * where min ≤ x ≤ max. If min > max every element becomes max, as in PyTorch.
 * @throws {TensorError} if both bounds are missing.
 */
export function clamp(a: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new TensorError("torch.clamp: At least one of 'min' or 'max' must not be None");
  }
  return unaryOp(
    "clamp",
    a,
    (x) => Math.min(Math.max(x, lo), hi),
    (x) => (x >= lo && x <= hi ? 1 : 0),
    (x) => (x < lo ? -2 : x === lo ? -1 : x < hi ? 0 : x === hi ? 1 : x > hi ? 2 : 3),
  );
}

/** Elementwise maximum (broadcast, NaN-propagating); on ties each side gets half the gradient. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(
    "maximum",
    a,
    b,
    Math.max,
    (x, y) => (x > y ? 1 : x === y ? 0.5 : 0),
    (x, y) => (y > x ? 1 : x === y ? 0.5 : 0),
    compareSide,
  );
}

/** Elementwise minimum (broadcast, NaN-propagating); on ties each side gets half the gradient. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(
    "minimum",
    a,
    b,
    Math.min,
    (x, y) => (x < y ? 1 : x === y ? 0.5 : 0),
    (x, y) => (y < x ? 1 : x === y ? 0.5 : 0),
    compareSide,
  );
}

/**
 * `cond ? a : b` elementwise, the three broadcast together (PyTorch's `torch.where`); `cond` is
 * true where non-zero. No gradient flows to `cond`.
 * @throws {TensorError} if the shapes do not broadcast.
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const A = asTensor(a);
  const B = asTensor(b);
  const shape = broadcastShapes(broadcastShapes(cond.shape, A.shape, "where"), B.shape, "where");
  const n = shapeSize(shape);
  const mc = broadcastMap(shape, cond.shape);
  const ma = broadcastMap(shape, A.shape);
  const mb = broadcastMap(shape, B.shape);
  const c = cond.data;
  const x = A.data;
  const y = B.data;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = c[mc[i]] !== 0 ? x[ma[i]] : y[mb[i]];
  return createOp("where", out, shape, [cond, A, B], (g, needs) => {
    let ga: Float64Array | null = null;
    let gb: Float64Array | null = null;
    if (needs[1]) {
      ga = new Float64Array(A.size);
      for (let i = 0; i < n; i++) if (c[mc[i]] !== 0) ga[ma[i]] += g[i];
    }
    if (needs[2]) {
      gb = new Float64Array(B.size);
      for (let i = 0; i < n; i++) if (c[mc[i]] === 0) gb[mb[i]] += g[i];
    }
    return [null, ga, gb];
  });
}
