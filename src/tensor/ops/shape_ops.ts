/**
 * Shape ops: reshape/view/flatten/unsqueeze/squeeze share storage; transpose, permute, expand and
 * slicing copy through a strided index map (the "view" is materialised), and their backward
 * scatters the gradient back through the same map, summing repeats (so expand's backward sums
 * over the expanded axes). Semantics and messages follow PyTorch
 * (https://pytorch.org/docs/stable/tensor_view.html).
 */
import { TensorError } from "../errors.js";
import { broadcastsTo, normDim, Shape, shapeSize, shapeStr, stridedMap } from "../shape.js";
import { createOp, Tensor } from "../tensor.js";

/** Copies `a` through `map` (out[i] = a[map[i]]); the backward scatter-adds through it. */
function gather(name: string, a: Tensor, shape: Shape, map: Int32Array): Tensor {
  const n = map.length;
  const x = a.data;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = x[map[i]];
  return createOp(name, out, shape, [a], (g) => {
    const ga = new Float64Array(a.size);
    for (let i = 0; i < n; i++) ga[map[i]] += g[i];
    return [ga];
  });
}

/** Shares storage under a new shape of the same size. */
function restride(name: string, a: Tensor, shape: Shape): Tensor {
  return createOp(name, a.data, shape, [a], (g) => [g]);
}

/**
 * Same data, new shape (PyTorch's `reshape`); one size may be −1 (inferred). Shares storage.
 * @throws {TensorError} "shape '[5]' is invalid for input of size 6".
 */
export function reshape(a: Tensor, shape: Shape): Tensor {
  const out = shape.slice();
  let infer = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === -1) {
      if (infer >= 0) throw new TensorError("only one dimension can be inferred");
      infer = i;
    } else if (!Number.isInteger(out[i]) || out[i] < 0) {
      throw new TensorError(`invalid shape dimension ${out[i]} in ${shapeStr(shape)}`);
    } else known *= out[i];
  }
  if (infer >= 0) {
    if (known === 0 || a.size % known !== 0) {
      throw new TensorError(`shape '${shapeStr(shape)}' is invalid for input of size ${a.size}`);
    }
    out[infer] = a.size / known;
  }
  if (shapeSize(out) !== a.size) {
    throw new TensorError(`shape '${shapeStr(shape)}' is invalid for input of size ${a.size}`);
  }
  return restride("reshape", a, out);
}

/** PyTorch's `view`; storage is always contiguous here, so identical to {@link reshape}. */
export function view(a: Tensor, shape: Shape): Tensor {
  return reshape(a, shape);
}

/** Flattens dims `start_dim..end_dim` into one (PyTorch's `flatten`, defaults 0 and −1). */
export function flatten(a: Tensor, start_dim = 0, end_dim = -1): Tensor {
  if (a.ndim === 0) return reshape(a, [1]);
  const s = normDim(start_dim, a.ndim, "flatten");
  const e = normDim(end_dim, a.ndim, "flatten");
  if (s > e)
    throw new TensorError("flatten() has invalid args: start_dim cannot come after end_dim");
  const shape = [
    ...a.shape.slice(0, s),
    shapeSize(a.shape.slice(s, e + 1)),
    ...a.shape.slice(e + 1),
  ];
  return restride("flatten", a, shape);
}

/** Inserts a size-1 dim at `dim` (range [−ndim−1, ndim]). */
export function unsqueeze(a: Tensor, dim: number): Tensor {
  const d = normDim(dim, a.ndim + 1, "unsqueeze");
  const shape = a.shape.slice();
  shape.splice(d, 0, 1);
  return restride("unsqueeze", a, shape);
}

/**
 * Removes size-1 dims: all of them, or only `dim` (a dim whose size is not 1 is left alone, as in
 * PyTorch).
 */
export function squeeze(a: Tensor, dim?: number | readonly number[]): Tensor {
  let drop: Set<number>;
  if (dim === undefined) drop = new Set(a.shape.map((_s, i) => i));
  else
    drop = new Set(
      (typeof dim === "number" ? [dim] : dim).map((d) => normDim(d, a.ndim, "squeeze")),
    );
  const shape = a.shape.filter((s, i) => !(s === 1 && drop.has(i)));
  return restride("squeeze", a, shape);
}

/**
 * Reorders dims (PyTorch's `permute`).
 * @throws {TensorError} if `dims` is not a permutation of the tensor's dims.
 */
export function permute(a: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== a.ndim) {
    throw new TensorError(
      `permute(): number of dims don't match: input.dim() = ${a.ndim} is not equal to len(dims) = ${dims.length}`,
    );
  }
  const seen = new Set<number>();
  const nd = dims.map((d) => {
    const k = normDim(d, a.ndim, "permute");
    if (seen.has(k)) throw new TensorError("permute(): duplicate dims are not allowed.");
    seen.add(k);
    return k;
  });
  const shape = nd.map((d) => a.shape[d]);
  const strides = nd.map((d) => a.strides[d]);
  return gather("permute", a, shape, stridedMap(shape, strides));
}

/** Swaps two dims (PyTorch's `transpose`). */
export function transpose(a: Tensor, dim0: number, dim1: number): Tensor {
  const d0 = normDim(dim0, a.ndim, "transpose");
  const d1 = normDim(dim1, a.ndim, "transpose");
  if (a.ndim < 2 || d0 === d1) return restride("transpose", a, a.shape);
  const dims = a.shape.map((_s, i) => i);
  dims[d0] = d1;
  dims[d1] = d0;
  return permute(a, dims);
}

/** Transpose of a ≤ 2-D tensor (PyTorch's `t()`). */
export function t(a: Tensor): Tensor {
  if (a.ndim > 2)
    throw new TensorError(`t() expects a tensor with <= 2 dimensions, but self is ${a.ndim}D`);
  return a.ndim < 2 ? restride("t", a, a.shape) : transpose(a, 0, 1);
}

/**
 * Broadcasts to `shape` (PyTorch's `expand`; −1 keeps a size; new dims go in front). The backward
 * sums over the expanded dims.
 * @throws {TensorError} "The expanded size of the tensor (4) must match the existing size (3) at
 *   non-singleton dimension 1.  Target sizes: [2, 4].  Tensor sizes: [3]".
 */
export function expand(a: Tensor, shape: Shape): Tensor {
  if (shape.length < a.ndim) {
    throw new TensorError(
      `expand: the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${a.ndim})`,
    );
  }
  const off = shape.length - a.ndim;
  const target = shape.map((s, i) => (s === -1 && i >= off ? a.shape[i - off] : s));
  for (let i = 0; i < target.length; i++) {
    const cur = i >= off ? a.shape[i - off] : 1;
    if (target[i] < 0 || (cur !== 1 && cur !== target[i])) {
      throw new TensorError(
        `The expanded size of the tensor (${target[i]}) must match the existing size (${cur}) at non-singleton dimension ${i}.  Target sizes: ${shapeStr(shape)}.  Tensor sizes: ${shapeStr(a.shape)}`,
      );
    }
  }
  if (!broadcastsTo(a.shape, target))
    throw new TensorError(`expand: cannot expand ${shapeStr(a.shape)} to ${shapeStr(shape)}`);
  const strides = target.map((s, i) =>
    i < off || a.shape[i - off] === 1 ? 0 : a.strides[i - off],
  );
  return gather("expand", a, target, stridedMap(target, strides));
}

/** Expands to the shape of `other`. */
export function expand_as(a: Tensor, other: Tensor): Tensor {
  return expand(a, other.shape);
}

/**
 * Concatenates along `dim` (PyTorch's `torch.cat`); all tensors have the same shape except along
 * `dim`.
 * @throws {TensorError} "Sizes of tensors must match except in dimension 0. Expected size 3 but
 *   got size 4 for tensor number 1 in the list."
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0)
    throw new TensorError("torch.cat(): expected a non-empty list of Tensors");
  const first = tensors[0];
  if (first.ndim === 0)
    throw new TensorError("zero-dimensional tensor (at position 0) cannot be concatenated");
  const d = normDim(dim, first.ndim, "cat");
  for (let k = 1; k < tensors.length; k++) {
    const tk = tensors[k];
    if (tk.ndim !== first.ndim) {
      throw new TensorError(
        `Tensors must have same number of dimensions: got ${first.ndim} and ${tk.ndim} (shapes ${shapeStr(first.shape)} and ${shapeStr(tk.shape)})`,
      );
    }
    for (let i = 0; i < first.ndim; i++) {
      if (i !== d && tk.shape[i] !== first.shape[i]) {
        throw new TensorError(
          `Sizes of tensors must match except in dimension ${d}. Expected size ${first.shape[i]} but got size ${tk.shape[i]} for tensor number ${k} in the list.`,
        );
      }
    }
  }
  let outer = 1;
  for (let i = 0; i < d; i++) outer *= first.shape[i];
  let inner = 1;
  for (let i = d + 1; i < first.ndim; i++) inner *= first.shape[i];
  const chunks = tensors.map((tk) => tk.shape[d] * inner);
  const row = chunks.reduce((s, c) => s + c, 0);
  const shape = first.shape.slice();
  shape[d] = tensors.reduce((s, tk) => s + tk.shape[d], 0);
  const out = new Float64Array(outer * row);
  let col = 0;
  for (let k = 0; k < tensors.length; k++) {
    const src = tensors[k].data;
    const c = chunks[k];
    for (let o = 0; o < outer; o++) out.set(src.subarray(o * c, o * c + c), o * row + col);
    col += c;
  }
  return createOp("cat", out, shape, tensors, (g, needs) => {
    const res: (Float64Array | null)[] = [];
    let c0 = 0;
    for (let k = 0; k < tensors.length; k++) {
      const c = chunks[k];
      if (needs[k]) {
        const gk = new Float64Array(outer * c);
        for (let o = 0; o < outer; o++) gk.set(g.subarray(o * row + c0, o * row + c0 + c), o * c);
        res.push(gk);
      } else res.push(null);
      c0 += c;
    }
    return res;
  });
}

/** Alias of {@link cat} (PyTorch's `torch.concatenate`). */
export const concatenate = cat;

/** Stacks same-shaped tensors along a new dim (PyTorch's `torch.stack`). */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new TensorError("stack expects a non-empty TensorList");
  const d = normDim(dim, tensors[0].ndim + 1, "stack");
  for (let k = 1; k < tensors.length; k++) {
    if (
      tensors[k].ndim !== tensors[0].ndim ||
      tensors[k].shape.some((s, i) => s !== tensors[0].shape[i])
    ) {
      throw new TensorError(
        `stack expects each tensor to be equal size, but got ${shapeStr(tensors[0].shape)} at entry 0 and ${shapeStr(tensors[k].shape)} at entry ${k}`,
      );
    }
  }
  return cat(
    tensors.map((tk) => unsqueeze(tk, d)),
    d,
  );
}

/** A Python-style slice of one dim; omitted fields mean the whole range; step > 0. */
export interface Slice {
  start?: number | null;
  stop?: number | null;
  step?: number | null;
}

/**
 * Index of one dim: an integer (selects, and removes the dim), a {@link Slice}, or null (`:`).
 */
export type Index = number | Slice | null;

/**
 * Parses NumPy/PyTorch basic-indexing text, e.g. `"0, 1:3, ::2, :"` (integers and slices only).
 * @throws {TensorError} on anything else.
 */
export function parseIndex(text: string): Index[] {
  if (text.trim() === "") return [];
  return text.split(",").map((part) => {
    const p = part.trim();
    const num = (s: string): number | null => {
      const v = s.trim();
      if (v === "") return null;
      if (!/^[+-]?\d+$/.test(v))
        throw new TensorError(`invalid index '${p}': expected integers and slices like 1:3 or ::2`);
      return Number(v);
    };
    if (!p.includes(":")) {
      const v = num(p);
      if (v === null) throw new TensorError(`invalid index: empty index in '${text}'`);
      return v;
    }
    const fields = p.split(":");
    if (fields.length > 3) throw new TensorError(`invalid slice '${p}'`);
    return {
      start: num(fields[0]),
      stop: num(fields[1]),
      step: fields.length === 3 ? num(fields[2]) : null,
    };
  });
}

/**
 * Basic indexing (PyTorch's `t[i, a:b:s, :]`): one {@link Index} per leading dim (missing ones are
 * `:`), or the same as text (see {@link parseIndex}). Slices clamp like Python's; integers may be
 * negative. Returns a copy; the backward scatters into the selected positions.
 * @throws {TensorError} on too many indices, an out-of-range integer ("index 5 is out of bounds
 *   for dimension 0 with size 3") or a non-positive step ("step must be greater than zero").
 */
export function slice(a: Tensor, index: readonly Index[] | string): Tensor {
  const idx = typeof index === "string" ? parseIndex(index) : index;
  if (idx.length > a.ndim) {
    throw new TensorError(`too many indices for tensor of dimension ${a.ndim} (got ${idx.length})`);
  }
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = 0;
  for (let d = 0; d < a.ndim; d++) {
    const size = a.shape[d];
    const ix = d < idx.length ? idx[d] : null;
    if (typeof ix === "number") {
      if (!Number.isInteger(ix) || ix < -size || ix >= size) {
        throw new TensorError(`index ${ix} is out of bounds for dimension ${d} with size ${size}`);
      }
      offset += (ix < 0 ? ix + size : ix) * a.strides[d];
      continue;
    }
    const step = ix?.step ?? 1;
    if (!Number.isInteger(step) || step <= 0)
      throw new TensorError("step must be greater than zero");
    const clampIdx = (v: number | null | undefined, dflt: number): number => {
      if (v === null || v === undefined) return dflt;
      const w = v < 0 ? v + size : v;
      return Math.min(Math.max(w, 0), size);
    };
    const start = clampIdx(ix?.start, 0);
    const stop = clampIdx(ix?.stop, size);
    const len = stop > start ? Math.ceil((stop - start) / step) : 0;
    shape.push(len);
    strides.push(a.strides[d] * step);
    offset += start * a.strides[d];
  }
  return gather("slice", a, shape, stridedMap(shape, strides, offset));
}

/** Selects `index` along `dim`, removing the dim (PyTorch's `select`). */
export function select(a: Tensor, dim: number, index: number): Tensor {
  const d = normDim(dim, a.ndim, "select");
  const idx: Index[] = new Array<Index>(d).fill(null);
  idx.push(index);
  return slice(a, idx);
}

/** `length` elements of `dim` from `start` (PyTorch's `narrow`). */
export function narrow(a: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim(dim, a.ndim, "narrow");
  const size = a.shape[d];
  const s = start < 0 ? start + size : start;
  if (s < 0 || length < 0 || s + length > size) {
    throw new TensorError(
      `start (${start}) + length (${length}) exceeds dimension size (${size}).`,
    );
  }
  const idx: Index[] = new Array<Index>(d).fill(null);
  idx.push({ start: s, stop: s + length });
  return slice(a, idx);
}
