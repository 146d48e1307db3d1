/** Embedding lookup and dropout (PyTorch's `F.embedding`, `F.dropout`). */
import { TensorError } from "../errors.js";
import { shapeStr } from "../shape.js";
import { createOp, Tensor } from "../tensor.js";
import { Generator } from "../random.js";

/**
 * Rows of `weight` `[num_embeddings, dim]` picked by integer `indices` (any shape) → `[...indices,
 * dim]` (https://pytorch.org/docs/stable/generated/torch.nn.functional.embedding.html).
 * The backward scatter-adds into the picked rows, skipping `padding_idx` (which gets no gradient).
 * @throws {TensorError} "index out of range in self" for an index outside [0, num_embeddings), or a
 *   non-integer index.
 */
export function embedding(indices: Tensor, weight: Tensor, padding_idx?: number | null): Tensor {
  if (weight.ndim !== 2)
    throw new TensorError(`embedding: weight must be 2-D, got ${shapeStr(weight.shape)}`);
  const [V, D] = weight.shape;
  let pad = padding_idx ?? null;
  if (pad !== null) {
    if (pad < -V || pad >= V) throw new TensorError("Padding_idx must be within num_embeddings");
    if (pad < 0) pad += V;
  }
  const idx = indices.data;
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (!Number.isInteger(v) || v < 0 || v >= V) {
      throw new TensorError(
        `index out of range in self: index ${v} at position ${i}, num_embeddings ${V}`,
      );
    }
  }
  const n = idx.length;
  const Wd = weight.data;
  const out = new Float64Array(n * D);
  for (let i = 0; i < n; i++) out.set(Wd.subarray(idx[i] * D, idx[i] * D + D), i * D);
  return createOp("embedding", out, [...indices.shape, D], [indices, weight], (g, needs) => {
    if (!needs[1]) return [null, null];
    const gw = new Float64Array(V * D);
    for (let i = 0; i < n; i++) {
      const r = idx[i];
      if (r === pad) continue;
      const ro = r * D;
      const go = i * D;
      for (let j = 0; j < D; j++) gw[ro + j] += g[go + j];
    }
    return [null, gw];
  });
}

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Training mode (default true); in eval mode dropout is the identity. */
  training?: boolean;
  /** Generator for the mask; required when training with 0 < p. */
  generator?: Generator;
}

/**
 * Inverted dropout (https://pytorch.org/docs/stable/generated/torch.nn.functional.dropout.html):
 * in training each element is zeroed with probability p and the survivors scaled by 1/(1 − p);
 * in eval mode (or p = 0) returns `input` itself. p = 1 zeroes everything.
 * @throws {TensorError} unless 0 ≤ p ≤ 1, or if training with 0 < p < 1 and no generator.
 */
export function dropout(input: Tensor, p = 0.5, opts: DropoutOptions = {}): Tensor {
  if (!(p >= 0 && p <= 1))
    throw new TensorError(`dropout probability has to be between 0 and 1, but got ${p}`);
  const training = opts.training ?? true;
  if (!training || p === 0) return input;
  const n = input.size;
  const mask = new Float64Array(n);
  if (p < 1) {
    const gen = opts.generator;
    if (!gen) throw new TensorError("dropout: a seeded Generator is required in training mode");
    const scale = 1 / (1 - p);
    const keep = 1 - p;
    for (let i = 0; i < n; i++) mask[i] = gen.uniform() < keep ? scale : 0;
  }
  const x = input.data;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i] * mask[i];
  return createOp("dropout", out, input.shape, [input], (g) => {
    const gx = new Float64Array(n);
    for (let i = 0; i < n; i++) gx[i] = g[i] * mask[i];
    return [gx];
  });
}
