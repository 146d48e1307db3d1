/**
 * Memory layout of meta tensors: PyTorch's strides, as far as they decide what PyTorch refuses
 * (`view` of a tensor whose dims cannot be merged without a copy) or reports (`x.stride()`,
 * `x.is_contiguous()`).
 *
 * - View ops compute their result's strides exactly as ATen does (transpose swaps, expand puts 0,
 *   slicing multiplies by the step, `view` by {@link viewStrides}, ATen's `computeStride`).
 * - Elementwise ops (TensorIterator) allocate their output in the inputs' memory order
 *   ({@link iterStrides}): `x.t() + 1` is transposed like `x.t()`, so `(x.t() + 1).view(-1)` is
 *   refused by PyTorch and by dlq.
 * - Every other op (matmul, reductions, softmax, convolution, …) allocates a contiguous output,
 *   as they do in PyTorch on CPU for contiguous-or-strided inputs (channels-last memory format
 *   is not modelled: `memory_format=` arguments are ignored).
 *
 * A {@link TensorMeta} without `strides` is contiguous.
 */
import type { TensorMeta } from "./types.js";

/** Row-major strides of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= Math.max(shape[d], 1);
  }
  return s;
}

/** The strides of a meta tensor (contiguous when it records none). */
export function stridesOf(m: TensorMeta): readonly number[] {
  return m.strides ?? contiguousStrides(m.shape);
}

/** ATen's `is_contiguous()`: dims of size 1 may have any stride; an empty tensor is contiguous. */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  if (shape.some((s) => s === 0)) return true;
  let z = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1) {
      if (strides[d] !== z) return false;
      z *= shape[d];
    }
  }
  return true;
}

/** ATen's `is_non_overlapping_and_dense()`: a permutation of a contiguous layout. */
export function isNonOverlappingAndDense(
  shape: readonly number[],
  strides: readonly number[],
): boolean {
  const n = shape.length;
  if (n === 1) return shape[0] < 2 || strides[0] === 1;
  const perm = shape.map((_s, i) => i);
  perm.sort((a, b) => {
    if (shape[a] < 2) return shape[b] < 2 ? 0 : 1;
    if (shape[b] < 2) return -1;
    return strides[a] - strides[b];
  });
  let need = 1;
  for (const d of perm) {
    if (shape[d] < 2) return true;
    if (strides[d] !== need) return false;
    need *= shape[d];
  }
  return true;
}

/** `strides` unless they are the contiguous ones (then undefined, the meta convention). */
export function normStrides(
  shape: readonly number[],
  strides: readonly number[],
): readonly number[] | undefined {
  const c = contiguousStrides(shape);
  return strides.every((s, i) => s === c[i]) ? undefined : strides;
}

/**
 * The strides of `x.view(shape)` (ATen's `computeStride`, aten/src/ATen/TensorUtils.cpp): the
 * view must split or merge only dims that are contiguous with each other. Undefined when it
 * cannot (PyTorch: "view size is not compatible with input tensor's size and stride").
 */
export function viewStrides(
  oldShape: readonly number[],
  oldStrides: readonly number[],
  newShape: readonly number[],
): number[] | undefined {
  if (oldShape.length === 0) return newShape.map(() => 1);
  const numel = oldShape.reduce((p, s) => p * s, 1);
  if (numel === 0) {
    if (oldShape.length === newShape.length && oldShape.every((s, i) => s === newShape[i]))
      return oldStrides.slice();
    const out = new Array<number>(newShape.length);
    for (let d = newShape.length - 1; d >= 0; d--)
      out[d] = d === newShape.length - 1 ? 1 : Math.max(newShape[d + 1], 1) * out[d + 1];
    return out;
  }
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  // stride of the innermost dim of the current chunk of contiguous old dims
  let chunkBase = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    const chunkEnds =
      d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase);
    if (!chunkEnds) continue;
    while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
      out[viewD] = viewNumel * chunkBase;
      viewNumel *= newShape[viewD];
      viewD--;
    }
    if (viewNumel !== tensorNumel) return undefined;
    if (d > 0) {
      chunkBase = oldStrides[d - 1];
      tensorNumel = 1;
      viewNumel = 1;
    }
  }
  return viewD === -1 ? out : undefined;
}

/**
 * The output strides of an elementwise op over `inputs` broadcast to `shape` (TensorIterator,
 * aten/src/ATen/TensorIterator.cpp): with every input of the output's shape and the same dense
 * layout, that layout; otherwise the dims ordered by the inputs' strides (the first input that
 * orders two dims decides; broadcast dims do not), then laid out densely in that order.
 * Undefined (contiguous) in the common case.
 */
export function iterStrides(
  shape: readonly number[],
  inputs: readonly TensorMeta[],
): readonly number[] | undefined {
  const nd = shape.length;
  if (nd === 0 || inputs.every((t) => t.strides === undefined)) return undefined;
  const same = inputs.every(
    (t) => t.shape.length === nd && t.shape.every((s, i) => s === shape[i]),
  );
  if (same) {
    if (inputs.every((t) => isContiguous(t.shape, stridesOf(t)))) return undefined;
    const first = stridesOf(inputs[0]);
    if (
      inputs.every((t) => isNonOverlappingAndDense(t.shape, stridesOf(t))) &&
      inputs.every((t) => stridesOf(t).every((s, i) => s === first[i]))
    )
      return normStrides(shape, first);
  }
  // each input's strides in the broadcast shape (0 along broadcast dims)
  const ops = inputs.map((t) => {
    const st = stridesOf(t);
    const off = nd - t.shape.length;
    return shape.map((s, d) => {
      if (d < off) return 0;
      const k = d - off;
      return t.shape[k] === 1 && s !== 1 ? 0 : st[k];
    });
  });
  if (nd === 1) return undefined;
  // perm[0] is the fastest-moving dim
  const perm = shape.map((_s, i) => nd - 1 - i);
  const shouldSwap = (d0: number, d1: number): number => {
    for (const st of ops) {
      const s0 = st[d0];
      const s1 = st[d1];
      if (s0 === 0 || s1 === 0) continue;
      if (s0 < s1) return -1;
      if (s0 > s1) return 1;
      if (shape[d0] > shape[d1]) return 1;
    }
    return 0;
  };
  for (let i = 1; i < nd; i++) {
    let d1 = i;
    for (let d0 = i - 1; d0 >= 0; d0--) {
      const c = shouldSwap(perm[d0], perm[d1]);
      if (c > 0) {
        [perm[d0], perm[d1]] = [perm[d1], perm[d0]];
        d1 = d0;
      } else if (c < 0) break;
    }
  }
  const out = new Array<number>(nd);
  let acc = 1;
  for (const d of perm) {
    out[d] = acc;
    acc *= shape[d];
  }
  return normStrides(shape, out);
}

/**
 * The layout `empty_like(x)` / `x.clone()` / `x.to(dtype)` give (memory_format=preserve): `x`'s
 * own when dense, else dense in `x`'s stride order.
 */
export function preserveStrides(x: TensorMeta): readonly number[] | undefined {
  if (x.strides === undefined) return undefined;
  if (isNonOverlappingAndDense(x.shape, x.strides)) return normStrides(x.shape, x.strides);
  return iterStrides(x.shape, [x]);
}
