/** Tensor factories: from nested arrays, zeros/ones/full, arange, linspace, eye. */
import { TensorError } from "./errors.js";
import { checkShape, Shape, shapeSize } from "./shape.js";
import { Tensor } from "./tensor.js";

/** Options shared by the factories. */
export interface FactoryOptions {
  /** Make the new leaf require grad (PyTorch's `requires_grad=True`). */
  requiresGrad?: boolean;
}

/**
 * A tensor from nested arrays of numbers (PyTorch's `torch.tensor(data)`), or from a number
 * (0-d). Booleans are read as 0/1.
 * @throws {TensorError} on ragged nesting ("expected sequence of length 3 at dim 1 (got 2)") or a
 *   non-numeric leaf.
 */
export function tensor(data: unknown, opts: FactoryOptions = {}): Tensor {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const out = new Float64Array(shapeSize(shape));
  let k = 0;
  const walk = (v: unknown, d: number): void => {
    if (d === shape.length) {
      if (typeof v === "number") out[k++] = v;
      else if (typeof v === "boolean") out[k++] = v ? 1 : 0;
      else {
        throw new TensorError(
          `tensor: expected a number at depth ${d}, got ${Array.isArray(v) ? "a list" : v === null ? "null" : typeof v}`,
        );
      }
      return;
    }
    if (!Array.isArray(v)) {
      throw new TensorError(`tensor: expected a sequence at dim ${d}, got ${typeof v}`);
    }
    if (v.length !== shape[d]) {
      throw new TensorError(
        `expected sequence of length ${shape[d]} at dim ${d} (got ${v.length})`,
      );
    }
    for (const x of v) walk(x, d + 1);
  };
  walk(data, 0);
  return new Tensor(out, shape, opts.requiresGrad ?? false);
}

/**
 * A tensor wrapping (not copying) a flat row-major array.
 * @throws {TensorError} if the length does not match `shape`.
 */
export function fromArray(
  data: Float64Array | readonly number[],
  shape: Shape,
  opts: FactoryOptions = {},
): Tensor {
  const arr = data instanceof Float64Array ? data : Float64Array.from(data);
  return new Tensor(arr, shape, opts.requiresGrad ?? false);
}

/** A tensor of `shape` filled with `value` (PyTorch's `torch.full`). */
export function full(shape: Shape, value: number, opts: FactoryOptions = {}): Tensor {
  checkShape(shape, "full");
  const d = new Float64Array(shapeSize(shape));
  if (value !== 0) d.fill(value);
  return new Tensor(d, shape, opts.requiresGrad ?? false);
}

/** Zeros of `shape`. */
export function zeros(shape: Shape, opts: FactoryOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/** Ones of `shape`. */
export function ones(shape: Shape, opts: FactoryOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Zeros with the shape of `t`. */
export function zerosLike(t: Tensor, opts: FactoryOptions = {}): Tensor {
  return full(t.shape, 0, opts);
}

/** Ones with the shape of `t`. */
export function onesLike(t: Tensor, opts: FactoryOptions = {}): Tensor {
  return full(t.shape, 1, opts);
}

/**
 * `[start, start+step, …)` below `end` (PyTorch's `torch.arange`; one argument means `[0, end)`).
 * Length `ceil((end − start)/step)`.
 * @throws {TensorError} if `step` is 0 or has the wrong sign.
 */
export function arange(start: number, end?: number, step = 1, opts: FactoryOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || (end - start) * step < 0) {
    throw new TensorError("arange: upper bound and larger bound inconsistent with step sign");
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = start + i * step;
  return new Tensor(d, [n], opts.requiresGrad ?? false);
}

/** `steps` evenly spaced values from `start` to `end` inclusive (PyTorch's `torch.linspace`). */
export function linspace(
  start: number,
  end: number,
  steps: number,
  opts: FactoryOptions = {},
): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new TensorError("linspace: number of steps must be non-negative");
  const d = new Float64Array(steps);
  const h = steps > 1 ? (end - start) / (steps - 1) : 0;
  // PyTorch fills the two halves from each end for symmetry
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) d[i] = i < half ? start + h * i : end - h * (steps - 1 - i);
  return new Tensor(d, [steps], opts.requiresGrad ?? false);
}

/** The `n × m` identity (PyTorch's `torch.eye`). */
export function eye(n: number, m = n, opts: FactoryOptions = {}): Tensor {
  const d = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) d[i * m + i] = 1;
  return new Tensor(d, [n, m], opts.requiresGrad ?? false);
}
