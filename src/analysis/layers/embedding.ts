/**
 * Embedding: a lookup table from integer indices to vectors.
 *
 * Receptive field: `unsupported` (an Embedding's input is a tensor of indices, not a feature map
 * with spatial axes).
 */
import type { PyValue } from "../../spec/types.js";
import { anyInt, bool, FACTORY, int, prod, real, shapeStr } from "./common.js";
import { LayerError, type LayerDef } from "./types.js";

/** Normalised configuration of Embedding. */
export interface EmbeddingConfig {
  num_embeddings: number;
  embedding_dim: number;
  /** Normalised to [0, num_embeddings) as PyTorch stores it; null when absent. */
  padding_idx: number | null;
  max_norm: number | null;
  norm_type: number;
  scale_grad_by_freq: boolean;
  sparse: boolean;
  /** false when `_freeze=True` (the weight is still a parameter, with requires_grad=False). */
  trainable: boolean;
}

function nestedShape(v: PyValue): number[] {
  if (!Array.isArray(v)) return [];
  return [v.length, ...(v.length > 0 ? nestedShape(v[0]) : [])];
}

/**
 * `nn.Embedding` — https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html
 *
 * Input: an index tensor of any shape (*) → (*, embedding_dim). Parameter: weight
 * (num_embeddings, embedding_dim). padding_idx must lie in [−num_embeddings, num_embeddings).
 * `_weight`, when given as a nested list, must have shape (num_embeddings, embedding_dim).
 */
export const Embedding: LayerDef<EmbeddingConfig> = {
  type: "Embedding",
  inputKind: "index",
  signature: [
    { name: "num_embeddings" },
    { name: "embedding_dim" },
    { name: "padding_idx", default: null },
    { name: "max_norm", default: null },
    { name: "norm_type", default: 2.0 },
    { name: "scale_grad_by_freq", default: false },
    { name: "sparse", default: false },
    { name: "_weight", default: null },
    { name: "_freeze", default: false },
    ...FACTORY,
  ],
  configure(a) {
    const num = int("num_embeddings", a.num_embeddings, 0);
    const dim = int("embedding_dim", a.embedding_dim, 0);
    let padding_idx: number | null = null;
    if (a.padding_idx !== null) {
      const p = anyInt("padding_idx", a.padding_idx);
      if ((p > 0 && p >= num) || (p < 0 && p < -num)) {
        throw new LayerError(
          `Padding_idx must be within num_embeddings: got padding_idx=${p} for num_embeddings=${num}`,
        );
      }
      padding_idx = p < 0 ? num + p : p;
    }
    if (a._weight !== null) {
      const s = nestedShape(a._weight);
      if (!Array.isArray(a._weight) || s.length !== 2 || s[0] !== num || s[1] !== dim) {
        throw new LayerError(
          `Shape of weight does not match num_embeddings and embedding_dim: expected [${num}, ${dim}], got ${shapeStr(s)}`,
        );
      }
    }
    return {
      num_embeddings: num,
      embedding_dim: dim,
      padding_idx,
      max_norm: a.max_norm === null ? null : real("max_norm", a.max_norm),
      norm_type: real("norm_type", a.norm_type),
      scale_grad_by_freq: bool("scale_grad_by_freq", a.scale_grad_by_freq),
      sparse: bool("sparse", a.sparse),
      trainable: !bool("_freeze", a._freeze),
    };
  },
  outputShape(c, input) {
    if (c.num_embeddings === 0 && prod(input) > 0) {
      throw new LayerError(
        "index_select(): self indexing axis dim should be positive (num_embeddings is 0)",
      );
    }
    return [...input, c.embedding_dim];
  },
  parameters: (c) => [{ name: "weight", shape: [c.num_embeddings, c.embedding_dim] }],
  rf: () => ({
    kind: "unsupported",
    reason: "Embedding looks up indices; its input is not a feature map",
  }),
  /** `F.embedding(indices, weight, padding_idx)`; max_norm's in-place renormalisation is refused. */
  forward(c, x, p, F) {
    if (c.scale_grad_by_freq) {
      throw new LayerError("Embedding with scale_grad_by_freq=True has no tensor forward in dlq");
    }
    if (c.max_norm !== null) {
      throw new LayerError(
        "Embedding with max_norm renormalises its weight in place; not supported",
      );
    }
    return F.embedding(x, p.weight, c.padding_idx);
  },
};

/** Every embedding layer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const embeddingLayers: LayerDef<any>[] = [Embedding];
