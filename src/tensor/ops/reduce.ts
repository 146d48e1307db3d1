/**
 * Reductions (sum, mean, max, min over dims, with keepdim) and softmax/log_softmax.
 *
 * Gradient conventions (PyTorch 1.13): `max(x, dim)` routes the gradient to the first maximal
 * element (the returned index); `max(x)` over all elements, and over several dims (PyTorch's
 * `amax`), split it evenly among ties.
 *
 * max/min/argmax/argmin report their branches (src/tensor/kinks.ts): per output, the winning
 * index and how many elements tie with it.
 */
import { TensorError } from "../errors.js";
import { normDim, Shape, stridedMap } from "../shape.js";
import { createOp, Tensor } from "../tensor.js";
import { noteBranches, recordingBranches } from "../kinks.js";

/** Dims to reduce: one dim, several, or all (undefined / null). */
export type Dims = number | readonly number[] | null | undefined;

interface Reduction {
  /** The output shape. */
  shape: number[];
  /** For every input element (row-major), the flat index of its output element. */
  map: Int32Array;
  /** Elements per output. */
  count: number;
}

function planReduction(inShape: Shape, dims: Dims, keepdim: boolean, op: string): Reduction {
  const nd = inShape.length;
  const reduced = new Array<boolean>(nd).fill(dims === undefined || dims === null);
  if (dims !== undefined && dims !== null) {
    const list = typeof dims === "number" ? [dims] : dims;
    for (const d of list) {
      const k = normDim(d, nd, op);
      if (nd > 0 && reduced[k])
        throw new TensorError(`${op}: dim ${k} appears multiple times in the list of dims`);
      if (nd > 0) reduced[k] = true;
    }
  }
  const shape: number[] = [];
  const kept: number[] = [];
  let count = 1;
  for (let d = 0; d < nd; d++) {
    if (reduced[d]) {
      count *= inShape[d];
      kept.push(1);
      if (keepdim) shape.push(1);
    } else {
      kept.push(inShape[d]);
      shape.push(inShape[d]);
    }
  }
  // strides of the (kept-dims) output, 0 along reduced dims
  const strides = new Array<number>(nd);
  let acc = 1;
  for (let d = nd - 1; d >= 0; d--) {
    strides[d] = reduced[d] ? 0 : acc;
    acc *= kept[d];
  }
  return { shape, map: stridedMap(inShape, strides, 0), count };
}

/** Sum over `dim` (all if omitted), keeping reduced dims as size 1 if `keepdim`. */
export function sum(a: Tensor, dim?: Dims, keepdim = false): Tensor {
  const r = planReduction(a.shape, dim, keepdim, "sum");
  const { map } = r;
  const x = a.data;
  const n = a.size;
  const out = new Float64Array(sizeOf(r.shape));
  for (let i = 0; i < n; i++) out[map[i]] += x[i];
  return createOp("sum", out, r.shape, [a], (g) => {
    const ga = new Float64Array(n);
    for (let i = 0; i < n; i++) ga[i] = g[map[i]];
    return [ga];
  });
}

/** Mean over `dim` (all if omitted); NaN for an empty reduction, as PyTorch. */
export function mean(a: Tensor, dim?: Dims, keepdim = false): Tensor {
  const r = planReduction(a.shape, dim, keepdim, "mean");
  const { map, count } = r;
  const x = a.data;
  const n = a.size;
  const out = new Float64Array(sizeOf(r.shape));
  for (let i = 0; i < n; i++) out[map[i]] += x[i];
  for (let o = 0; o < out.length; o++) out[o] /= count;
  return createOp("mean", out, r.shape, [a], (g) => {
    const ga = new Float64Array(n);
    for (let i = 0; i < n; i++) ga[i] = g[map[i]] / count;
    return [ga];
  });
}

function sizeOf(shape: Shape): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

/** Reports, per output `o`, the winning element `arg[o]` and the number of elements equal to it. */
function noteWinners(
  op: string,
  x: Float64Array,
  map: Int32Array,
  best: Float64Array,
  arg: ArrayLike<number>,
): void {
  const m = best.length;
  const ties = new Int32Array(m);
  for (let i = 0; i < x.length; i++) if (x[i] === best[map[i]]) ties[map[i]]++;
  noteBranches(op, 2 * m, (i) => (i < m ? arg[i] : ties[i - m]));
}

function extremum(a: Tensor, dim: Dims, keepdim: boolean, isMax: boolean): Tensor {
  const op = isMax ? "max" : "min";
  if (a.size === 0) {
    throw new TensorError(
      `${op}(): Expected reduction dim to be specified for input.numel() == 0.`,
    );
  }
  const r = planReduction(a.shape, dim, keepdim, op);
  const { map } = r;
  const x = a.data;
  const n = a.size;
  const m = sizeOf(r.shape);
  if (r.count === 0) throw new TensorError(`${op}(): cannot reduce over a zero-size dimension`);
  const out = new Float64Array(m).fill(isMax ? -Infinity : Infinity);
  const arg = new Int32Array(m).fill(-1);
  for (let i = 0; i < n; i++) {
    const o = map[i];
    const v = x[i];
    const best = out[o];
    if (arg[o] < 0 || (best === best && (v !== v || (isMax ? v > best : v < best)))) {
      out[o] = v;
      arg[o] = i;
    }
  }
  if (recordingBranches()) noteWinners(op, x, map, out, arg);
  const single = typeof dim === "number";
  return createOp(op, out, r.shape, [a], (g) => {
    const ga = new Float64Array(n);
    if (single) {
      for (let o = 0; o < m; o++) ga[arg[o]] += g[o];
    } else {
      const ties = new Float64Array(m);
      for (let i = 0; i < n; i++) if (x[i] === out[map[i]]) ties[map[i]]++;
      for (let i = 0; i < n; i++) {
        const o = map[i];
        if (x[i] === out[o]) ga[i] = g[o] / ties[o];
      }
    }
    return [ga];
  });
}

/**
 * Maximum over `dim` (all elements if omitted). With a single dim the gradient goes to the first
 * maximal element (PyTorch's `max(x, dim).values`); over all or several dims it is split evenly
 * among ties (PyTorch's `max(x)` / `amax`). NaN propagates.
 * @throws {TensorError} on an empty tensor or dim out of range.
 */
export function max(a: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extremum(a, dim, keepdim, true);
}

/** Minimum over `dim`; conventions as {@link max}. */
export function min(a: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extremum(a, dim, keepdim, false);
}

function argExtremum(a: Tensor, dim: number | undefined, keepdim: boolean, isMax: boolean): Tensor {
  const op = isMax ? "argmax" : "argmin";
  if (a.size === 0)
    throw new TensorError(
      `${op}(): Expected reduction dim to be specified for input.numel() == 0.`,
    );
  const flat = dim === undefined;
  const r = planReduction(a.shape, flat ? undefined : dim, flat ? false : keepdim, op);
  const { map } = r;
  const x = a.data;
  const m = sizeOf(r.shape);
  const best = new Float64Array(m);
  const out = new Float64Array(m).fill(-1);
  // index along the reduced dim (or flat index when reducing everything)
  const inner = flat ? 1 : a.strides[normDim(dim, a.ndim)];
  const len = flat ? a.size : a.ndim === 0 ? 1 : a.shape[normDim(dim, a.ndim)];
  for (let i = 0; i < a.size; i++) {
    const o = map[i];
    const v = x[i];
    if (out[o] < 0 || (best[o] === best[o] && (v !== v || (isMax ? v > best[o] : v < best[o])))) {
      best[o] = v;
      out[o] = Math.floor(i / inner) % len;
    }
  }
  if (recordingBranches()) noteWinners(op, x, map, best, out);
  return new Tensor(out, r.shape);
}

/** Index of the first maximum along `dim` (of the flattened tensor if omitted); no gradient. */
export function argmax(a: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum(a, dim, keepdim, true);
}

/** Index of the first minimum along `dim` (of the flattened tensor if omitted); no gradient. */
export function argmin(a: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum(a, dim, keepdim, false);
}

/** outer × len × inner decomposition of a tensor around one dim. */
function around(a: Tensor, dim: number, op: string): [number, number, number] {
  const d = normDim(dim, a.ndim, op);
  if (a.ndim === 0) return [1, 1, 1];
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < d; i++) outer *= a.shape[i];
  for (let i = d + 1; i < a.ndim; i++) inner *= a.shape[i];
  return [outer, a.shape[d], inner];
}

/**
 * softmax along `dim`: exp(x − max)/Σ exp(x − max) (https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html).
 * Backward: y ⊙ (g − Σ g⊙y).
 */
export function softmax(a: Tensor, dim: number): Tensor {
  const [outer, len, inner] = around(a, dim, "softmax");
  const x = a.data;
  const y = new Float64Array(a.size);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * len * inner + k;
      let m = -Infinity;
      for (let j = 0; j < len; j++) m = Math.max(m, x[base + j * inner]);
      let s = 0;
      for (let j = 0; j < len; j++) {
        const e = Math.exp(x[base + j * inner] - m);
        y[base + j * inner] = e;
        s += e;
      }
      for (let j = 0; j < len; j++) y[base + j * inner] /= s;
    }
  }
  return createOp("softmax", y, a.shape, [a], (g) => {
    const ga = new Float64Array(a.size);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        const base = o * len * inner + k;
        let s = 0;
        for (let j = 0; j < len; j++) s += g[base + j * inner] * y[base + j * inner];
        for (let j = 0; j < len; j++) {
          const p = base + j * inner;
          ga[p] = y[p] * (g[p] - s);
        }
      }
    }
    return [ga];
  });
}

/**
 * log_softmax along `dim`: x − max − log Σ exp(x − max). Backward: g − softmax ⊙ Σ g.
 */
export function log_softmax(a: Tensor, dim: number): Tensor {
  const [outer, len, inner] = around(a, dim, "log_softmax");
  const x = a.data;
  const y = new Float64Array(a.size);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * len * inner + k;
      let m = -Infinity;
      for (let j = 0; j < len; j++) m = Math.max(m, x[base + j * inner]);
      let s = 0;
      for (let j = 0; j < len; j++) s += Math.exp(x[base + j * inner] - m);
      const lse = m + Math.log(s);
      for (let j = 0; j < len; j++) y[base + j * inner] = x[base + j * inner] - lse;
    }
  }
  return createOp("log_softmax", y, a.shape, [a], (g) => {
    const ga = new Float64Array(a.size);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        const base = o * len * inner + k;
        let s = 0;
        for (let j = 0; j < len; j++) s += g[base + j * inner];
        for (let j = 0; j < len; j++) {
          const p = base + j * inner;
          ga[p] = g[p] - Math.exp(y[p]) * s;
        }
      }
    }
    return [ga];
  });
}

/** log Σ exp(x) over `dim` (all if omitted), computed stably; gradient softmax ⊙ g. */
export function logsumexp(a: Tensor, dim?: Dims, keepdim = false): Tensor {
  const r = planReduction(a.shape, dim, keepdim, "logsumexp");
  const { map } = r;
  const x = a.data;
  const n = a.size;
  const m = sizeOf(r.shape);
  const mx = new Float64Array(m).fill(-Infinity);
  for (let i = 0; i < n; i++) if (x[i] > mx[map[i]]) mx[map[i]] = x[i];
  const s = new Float64Array(m);
  for (let i = 0; i < n; i++)
    s[map[i]] += Math.exp(x[i] - (Number.isFinite(mx[map[i]]) ? mx[map[i]] : 0));
  const out = new Float64Array(m);
  for (let o = 0; o < m; o++) out[o] = Math.log(s[o]) + (Number.isFinite(mx[o]) ? mx[o] : 0);
  return createOp("logsumexp", out, r.shape, [a], (g) => {
    const ga = new Float64Array(n);
    for (let i = 0; i < n; i++) ga[i] = g[map[i]] * Math.exp(x[i] - out[map[i]]);
    return [ga];
  });
}
