/**
 * Kernels the op families share, written on the tensor core's `createOp` (each forward with its
 * backward): gathers through an index map (views the core does not have as an op: a general
 * strided view, indexing, padding, flipping, nearest interpolation) and weighted gathers (linear
 * interpolation, adaptive average pooling). The tensor core is passed in (never imported), as for
 * every kernel.
 */
import type { Tensor } from "../tensor/index.js";
import type { TensorCore } from "./types.js";

/**
 * `out[i] = x[map[i]]` (`map[i] < 0`: `fill`) with shape `shape`; the backward scatter-adds
 * through the map, so repeated indices sum their gradients.
 */
export function gatherMap(
  T: TensorCore,
  name: string,
  x: Tensor,
  shape: readonly number[],
  map: Int32Array,
  fill = 0,
): Tensor {
  const n = map.length;
  const src = x.data;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = map[i] >= 0 ? src[map[i]] : fill;
  return T.createOp(name, out, shape, [x], (g) => {
    const gx = new Float64Array(x.size);
    for (let i = 0; i < n; i++) if (map[i] >= 0) gx[map[i]] += g[i];
    return [gx];
  });
}

/**
 * A strided view of the core tensor `x` (contiguous storage): element `idx` of the result reads
 * `x.data[offset + Σ idx[d]·strides[d]]`, as ATen's `as_strided` (stride 0 repeats).
 */
export function stridedView(
  T: TensorCore,
  name: string,
  x: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset = 0,
): Tensor {
  return gatherMap(T, name, x, shape, stridedIndex(shape, strides, offset));
}

/** The flat source index of every element of a strided view, row-major. */
export function stridedIndex(
  shape: readonly number[],
  strides: readonly number[],
  offset = 0,
): Int32Array {
  const n = shape.reduce((p, s) => p * s, 1);
  const map = new Int32Array(n);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let p = offset;
  for (let i = 0; i < n; i++) {
    map[i] = p;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      p += strides[d];
      if (idx[d] < shape[d]) break;
      p -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return map;
}

/**
 * A weighted gather: `out[i] = Σ_k w[i][k]·x[src[i][k]]`, stored flat as `starts` (CSR row
 * pointers into `src`/`w`); the backward scatters `w·g`.
 */
export function weightedGather(
  T: TensorCore,
  name: string,
  x: Tensor,
  shape: readonly number[],
  starts: Int32Array,
  src: Int32Array,
  w: Float64Array,
): Tensor {
  const n = starts.length - 1;
  const xd = x.data;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = starts[i]; k < starts[i + 1]; k++) s += w[k] * xd[src[k]];
    out[i] = s;
  }
  return T.createOp(name, out, shape, [x], (g) => {
    const gx = new Float64Array(x.size);
    for (let i = 0; i < n; i++)
      for (let k = starts[i]; k < starts[i + 1]; k++) gx[src[k]] += w[k] * g[i];
    return [gx];
  });
}

/** Row-major strides of `shape` (the core's storage layout). */
export function coreStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}
