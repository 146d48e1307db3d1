/**
 * Shape utilities: sizes, contiguous strides, dimension normalisation and NumPy/PyTorch
 * broadcasting (https://numpy.org/doc/stable/user/basics.broadcasting.html,
 * https://pytorch.org/docs/stable/notes/broadcasting.html).
 */
import { TensorError } from "./errors.js";

/** A tensor shape: one non-negative integer per dimension; `[]` is a 0-d (scalar) tensor. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for `[]`). */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Row-major (C order) strides of a contiguous tensor, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Formats a shape as PyTorch prints `list(t.shape)`: `[2, 3]`. */
export function shapeStr(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** Formats a shape as PyTorch's matmul messages do: `2x3`. */
export function shapeX(shape: Shape): string {
  return shape.join("x");
}

/** Equality of two shapes. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Normalises a possibly negative dimension index into `[0, ndim)`.
 * @throws {TensorError} "Dimension out of range (expected to be in range of [-n, n-1], but got d)".
 */
export function normDim(dim: number, ndim: number, op = ""): number {
  const n = Math.max(ndim, 1); // PyTorch lets 0-d tensors use dim 0 / -1
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new TensorError(
      `${op ? op + ": " : ""}Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + n : dim;
}

/** Checks that a shape is a list of non-negative integers. */
export function checkShape(shape: Shape, op: string): void {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) {
      throw new TensorError(
        `${op}: invalid shape ${shapeStr(shape)}: sizes must be non-negative integers`,
      );
    }
  }
  const n = shapeSize(shape);
  if (n > MAX_ELEMENTS) {
    throw new TensorError(
      `${op}: a tensor of shape ${shapeStr(shape)} has ${n.toExponential(2)} elements (${((n * 8) / 1e9).toPrecision(3)} GB in float64); dlq's tensor core takes at most 2^27 = ${MAX_ELEMENTS} elements`,
    );
  }
}

/** The largest tensor a factory creates: 2^27 float64 elements (1 GB). */
export const MAX_ELEMENTS = 2 ** 27;

/**
 * The broadcast shape of two shapes (NumPy rules: align trailing dims; sizes must match or be 1).
 * @throws {TensorError} naming both shapes and PyTorch's "The size of tensor a (3) must match the
 *   size of tensor b (4) at non-singleton dimension 1".
 */
export function broadcastShapes(a: Shape, b: Shape, op = ""): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new TensorError(
        `${op ? op + ": " : ""}shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast: ` +
          `the size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
      );
    }
  }
  return out;
}

/** Whether `from` broadcasts to exactly `to` (as `expand` requires). */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) if (from[i] !== 1 && from[i] !== to[i + off]) return false;
  return true;
}

/**
 * For each element of a contiguous tensor of shape `outShape` (row-major), the flat offset of the
 * element it reads in a strided source: `offset + Σ idx[d]·strides[d]`. Stride 0 repeats
 * (broadcast/expand); permuted strides transpose; scaled strides slice. Built once per op call.
 */
export function stridedMap(outShape: Shape, strides: readonly number[], offset = 0): Int32Array {
  const n = shapeSize(outShape);
  const map = new Int32Array(n);
  const nd = outShape.length;
  if (n === 0) return map;
  if (nd === 0) {
    map[0] = offset;
    return map;
  }
  const last = nd - 1;
  const lastSize = outShape[last];
  const lastStride = strides[last];
  const idx = new Array<number>(nd).fill(0);
  let p = offset;
  let i = 0;
  while (i < n) {
    // innermost dimension in a tight loop
    let q = p;
    for (let j = 0; j < lastSize; j++) {
      map[i++] = q;
      q += lastStride;
    }
    // odometer over the outer dimensions
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      p += strides[d];
      if (idx[d] < outShape[d]) break;
      p -= strides[d] * outShape[d];
      idx[d] = 0;
    }
    if (d < 0) break;
  }
  return map;
}

/**
 * The broadcast map from a shape `outShape` to a source of shape `inShape` that broadcasts to it:
 * `map[i]` is the flat index in the source read by output element `i`.
 */
export function broadcastMap(outShape: Shape, inShape: Shape): Int32Array {
  const nd = outShape.length;
  const off = nd - inShape.length;
  const strides = new Array<number>(nd).fill(0);
  let s = 1;
  for (let d = inShape.length - 1; d >= 0; d--) {
    strides[d + off] = inShape[d] === 1 ? 0 : s;
    s *= inShape[d];
  }
  return stridedMap(outShape, strides, 0);
}
