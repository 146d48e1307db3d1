/**
 * Linear and reshaping layers: Linear, Identity, Flatten, Unflatten, Embedding, Upsample.
 *
 * Receptive field: Linear and Flatten (over spatial axes) are `global`; Identity and Unflatten are
 * `pointwise`; Upsample and Embedding are `unsupported` (Upsample is not a sliding window, and an
 * Embedding's input is a tensor of indices, not a feature map with spatial axes).
 */
import type { PyValue } from "../../spec/types.js";
import { linearMismatchMessage } from "../../tensor/geometry.js";
import { anyInt, bool, int, prod, py, real, shapeStr, truthy, unfloat, wrapDim } from "./common.js";
import { LayerError, type LayerDef, type ParamSpec, type Shape } from "./types.js";

const FACTORY: ParamSpec[] = [
  { name: "device", default: null },
  { name: "dtype", default: null },
];

/** Normalised configuration of Linear. */
export interface LinearConfig {
  in_features: number;
  out_features: number;
  bias: boolean;
}

/**
 * `nn.Linear` — https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
 *
 * Shape: (*, in_features) → (*, out_features), any number of leading dims (including none).
 * Parameters: weight (out_features, in_features), bias (out_features,) when bias. A last dim other
 * than in_features is refused with PyTorch's "mat1 and mat2 shapes cannot be multiplied (AxB and
 * CxD)", A being the product of the leading dims (1 for a 1-D input).
 */
export const Linear: LayerDef<LinearConfig> = {
  type: "Linear",
  signature: [
    { name: "in_features" },
    { name: "out_features" },
    { name: "bias", default: true },
    ...FACTORY,
  ],
  configure: (a) => ({
    in_features: int("in_features", a.in_features, 0),
    out_features: int("out_features", a.out_features, 0),
    bias: truthy(a.bias),
  }),
  outputShape(c, input) {
    if (input.length === 0) {
      throw new LayerError(
        "both arguments to matmul need to be at least 1D, but they are 0D and 2D",
      );
    }
    const last = input[input.length - 1];
    const lead = input.slice(0, -1);
    if (last !== c.in_features) {
      throw new LayerError(linearMismatchMessage(input, c.in_features, c.out_features));
    }
    return [...lead, c.out_features];
  },
  parameters: (c) => [
    { name: "weight", shape: [c.out_features, c.in_features] },
    ...(c.bias ? [{ name: "bias", shape: [c.out_features] }] : []),
  ],
  rf: () => ({ kind: "global", reason: "Linear mixes every input position" }),
  /** `F.linear(x, weight, bias)`: y = x·Wᵀ + b. */
  forward: (_c, x, p, F) => F.linear(x, p.weight, p.bias ?? null),
};

/**
 * `nn.Identity` — https://pytorch.org/docs/stable/generated/torch.nn.Identity.html
 *
 * Shape: (*) → (*); no parameters. PyTorch's `Identity(*args, **kwargs)` ignores any arguments,
 * and so does this definition (`variadic`).
 */
export const Identity: LayerDef<Record<string, never>> = {
  type: "Identity",
  signature: [],
  variadic: true,
  configure: () => ({}),
  outputShape: (_c, input) => [...input],
  parameters: () => [],
  rf: () => ({ kind: "pointwise" }),
  forward: (_c, x) => x,
};

/** Normalised configuration of Flatten. */
export interface FlattenConfig {
  start_dim: number;
  end_dim: number;
}

/** The [start, end] dims Flatten merges for an input, wrapped; throws as PyTorch does. */
function flattenRange(c: FlattenConfig, input: Shape): [number, number] {
  const start = wrapDim(c.start_dim, input.length);
  const end = wrapDim(c.end_dim, input.length);
  if (start > end) {
    throw new LayerError("flatten() has invalid args: start_dim cannot come after end_dim");
  }
  return [start, end];
}

/**
 * `nn.Flatten` — https://pytorch.org/docs/stable/generated/torch.nn.Flatten.html
 *
 * Shape: (*, S_start, …, S_end, *) → (*, ∏ S_start..S_end, *); dims may be negative. A 0-d input
 * becomes (1,) (PyTorch wraps dims of a 0-d tensor as if it had one dim). RF: `global` when the
 * merged range includes a spatial axis (dim ≥ 2) and spans more than one dim; otherwise `pointwise`.
 */
export const Flatten: LayerDef<FlattenConfig> = {
  type: "Flatten",
  signature: [
    { name: "start_dim", default: 1 },
    { name: "end_dim", default: -1 },
  ],
  configure: (a) => ({
    start_dim: anyInt("start_dim", a.start_dim),
    end_dim: anyInt("end_dim", a.end_dim),
  }),
  outputShape(c, input) {
    const [start, end] = flattenRange(c, input);
    if (input.length === 0) return [1];
    return [...input.slice(0, start), prod(input.slice(start, end + 1)), ...input.slice(end + 1)];
  },
  parameters: () => [],
  rf(c, input) {
    if (input !== undefined) {
      const [start, end] = flattenRange(c, input);
      if (start === end || end < 2) return { kind: "pointwise" };
    }
    return { kind: "global", reason: "Flatten merges the spatial axes into one feature axis" };
  },
  forward: (c, x, _p, F) => F.reshape(x, Flatten.outputShape(c, x.shape)),
};

/** Normalised configuration of Unflatten. */
export interface UnflattenConfig {
  dim: number;
  unflattened_size: number[];
}

/**
 * `nn.Unflatten` — https://pytorch.org/docs/stable/generated/torch.nn.Unflatten.html
 *
 * Shape: (*, S_dim, *) → (*, U_1, …, U_n, *) with ∏ U_i = S_dim; one U_i may be −1 (inferred).
 */
export const Unflatten: LayerDef<UnflattenConfig> = {
  type: "Unflatten",
  signature: [{ name: "dim" }, { name: "unflattened_size" }],
  configure(a) {
    const sizes = a.unflattened_size;
    if (!Array.isArray(sizes)) {
      throw new LayerError(`unflattened_size must be a tuple of ints, but found ${py(sizes)}`);
    }
    return {
      dim: anyInt("dim", a.dim),
      unflattened_size: sizes.map((s) => anyInt("unflattened_size", s)),
    };
  },
  outputShape(c, input) {
    if (input.length === 0) {
      throw new LayerError(`Dimension specified as ${c.dim} but tensor has no dimensions`);
    }
    const d = wrapDim(c.dim, input.length);
    const sizes = c.unflattened_size;
    if (sizes.length === 0) throw new LayerError("unflatten: sizes must be non-empty");
    let inferAt = -1;
    sizes.forEach((s, i) => {
      if (s === -1) {
        if (inferAt >= 0) throw new LayerError("only one dimension can be inferred");
        inferAt = i;
      } else if (s < 0) {
        throw new LayerError(`invalid shape dimension ${s}`);
      }
    });
    const n = input[d];
    const known = prod(sizes.filter((s) => s !== -1));
    const mismatch = () =>
      new LayerError(
        `unflatten: Provided sizes ${shapeStr(sizes)} don't multiply up to the size of dim ${d} (${n}) in the input tensor`,
      );
    const out = [...sizes];
    if (inferAt >= 0) {
      if (known === 0) {
        if (n === 0) {
          throw new LayerError(
            `cannot reshape tensor of 0 elements into shape ${shapeStr(sizes)} because the unspecified dimension size -1 can be any value and is ambiguous`,
          );
        }
        throw mismatch();
      }
      if (n % known !== 0) throw mismatch();
      out[inferAt] = n / known;
    } else if (known !== n) {
      throw mismatch();
    }
    return [...input.slice(0, d), ...out, ...input.slice(d + 1)];
  },
  parameters: () => [],
  rf: () => ({ kind: "pointwise" }),
  forward: (c, x, _p, F) => F.reshape(x, Unflatten.outputShape(c, x.shape)),
};

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

/** Normalised configuration of Upsample. */
export interface UpsampleConfig {
  /** An int (every spatial axis) or one int per spatial axis; null when scale_factor is used. */
  size: number | number[] | null;
  /** A factor (every spatial axis) or one per axis; null when size is used (0 counts as None). */
  scale_factor: number | number[] | null;
  mode: string;
  align_corners: boolean | null;
  recompute_scale_factor: boolean | null;
}

const UPSAMPLE_MODES = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact";
const INTERP_RANK: Record<string, number> = { linear: 3, bilinear: 4, bicubic: 4, trilinear: 5 };
const AXIS_NAMES = [["W"], ["H", "W"], ["D", "H", "W"]];

function optBool(name: string, v: PyValue): boolean | null {
  return v === null ? null : bool(name, v);
}

/**
 * `nn.Upsample` — https://pytorch.org/docs/stable/generated/torch.nn.Upsample.html
 * (checks as `torch.nn.functional.interpolate`).
 *
 * Shape: (N, C, *spatial) with 1–3 spatial axes → (N, C, *out), where out = size, or
 * ⌊in · scale_factor⌋ per axis. Exactly one of size and scale_factor; align_corners only with the
 * interpolating modes; the mode must suit the rank (linear 3D, bilinear/bicubic 4D, trilinear 5D).
 * PyTorch checks all of this in forward, and so does this definition.
 */
export const Upsample: LayerDef<UpsampleConfig> = {
  type: "Upsample",
  signature: [
    { name: "size", default: null },
    { name: "scale_factor", default: null },
    { name: "mode", default: "nearest" },
    { name: "align_corners", default: null },
    { name: "recompute_scale_factor", default: null },
  ],
  configure(a) {
    const size =
      a.size === null
        ? null
        : Array.isArray(a.size)
          ? a.size.map((s) => int("size", s, 0))
          : int("size", a.size, 0);
    const sf = unfloat(a.scale_factor);
    const scale_factor =
      sf === null || sf === 0
        ? null
        : Array.isArray(sf)
          ? sf.map((s) => real("scale_factor", s))
          : real("scale_factor", sf);
    if (typeof a.mode !== "string") throw new LayerError(`mode must be a str, got ${py(a.mode)}`);
    return {
      size,
      scale_factor,
      mode: a.mode,
      align_corners: optBool("align_corners", a.align_corners),
      recompute_scale_factor: optBool("recompute_scale_factor", a.recompute_scale_factor),
    };
  },
  outputShape(c, input) {
    const r = input.length;
    const { mode, size, scale_factor: sf } = c;
    if (
      (mode === "nearest" || mode === "area" || mode === "nearest-exact") &&
      c.align_corners !== null
    ) {
      throw new LayerError(
        "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear",
      );
    }
    const dim = r - 2;
    const spatial = input.slice(2);
    if (size !== null && sf !== null) {
      throw new LayerError("only one of size or scale_factor should be defined");
    }
    if (size === null && sf === null) {
      throw new LayerError("either size or scale_factor should be defined");
    }
    if (Array.isArray(size) && size.length !== dim) {
      throw new LayerError(
        `Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${shapeStr(spatial)} and output size of ${py(size)}`,
      );
    }
    if (Array.isArray(sf) && sf.length !== dim) {
      throw new LayerError(
        `Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${shapeStr(spatial)} and scale_factor of shape ${py(sf)}`,
      );
    }
    if (c.recompute_scale_factor === true && size !== null) {
      throw new LayerError("recompute_scale_factor is not meaningful with an explicit size.");
    }
    const need = INTERP_RANK[mode];
    const known = need !== undefined || ["nearest", "area", "nearest-exact"].includes(mode);
    if (r < 3 || r > 5 || !known || (mode === "bicubic" && r !== 4)) {
      throw new LayerError(
        `Input Error: Only 3D, 4D and 5D input Tensors supported (got ${r}D) for the modes: ${UPSAMPLE_MODES} (got ${mode})`,
      );
    }
    if (need !== undefined && need !== r) {
      throw new LayerError(`Got ${r}D input, but ${mode} mode needs ${need}D input`);
    }
    const out = spatial.map((n, i) => {
      if (size !== null) return Array.isArray(size) ? size[i] : size;
      const s = Array.isArray(sf) ? sf[i] : (sf as number);
      return Math.floor(n * s);
    });
    if (out.some((o) => o <= 0) || spatial.some((n) => n <= 0)) {
      const names = AXIS_NAMES[dim - 1];
      const fmt = (xs: number[]) => xs.map((x, i) => `${names[i]}: ${x}`).join(", ");
      throw new LayerError(
        `Input and output sizes should be greater than 0, but got input (${fmt(spatial)}) output (${fmt(out)})`,
      );
    }
    return [input[0], input[1], ...out];
  },
  parameters: () => [],
  rf: () => ({
    kind: "unsupported",
    reason: "Upsample interpolates; it is not a sliding window over its input",
  }),
};

/** Every linear and reshaping layer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const linearLayers: LayerDef<any>[] = [
  Linear,
  Identity,
  Flatten,
  Unflatten,
  Embedding,
  Upsample,
];
