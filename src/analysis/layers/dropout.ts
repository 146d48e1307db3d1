/**
 * Dropout layers: Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout. Each keeps the
 * input's shape, owns no parameters and is a `pointwise` receptive-field step.
 *
 * Input ranks follow PyTorch in training mode (a fresh module's mode): the channel-wise ("feature")
 * variants refuse inputs with too few dims.
 */
import type { PyValue } from "../../spec/types.js";
import { py, truthy, unfloat } from "./common.js";
import type { Tensor } from "../../tensor/index.js";
import { LayerError, type ForwardMode, type LayerDef, type TensorCore } from "./types.js";

/** Normalised configuration of every dropout layer. */
export interface DropoutConfig {
  /** Probability of an element (or a whole channel, for the feature variants) being zeroed. */
  p: number;
  inplace: boolean;
}

/**
 * The dropout probability p of a configured dropout layer (for the dropout analyses).
 * @param config a {@link DropoutConfig} from one of {@link dropoutLayers}' `configure`.
 */
export function dropoutP(config: DropoutConfig): number {
  return config.p;
}

function configure(args: Record<string, PyValue>): DropoutConfig {
  const p = unfloat(args.p);
  if (typeof p !== "number" || Number.isNaN(p) || p < 0 || p > 1) {
    // PyTorch's _DropoutNd.__init__ wording.
    throw new LayerError(`dropout probability has to be between 0 and 1, but got ${py(args.p)}`);
  }
  return { p, inplace: truthy(args.inplace) };
}

/**
 * The tensor forward of a dropout class: the identity (eval mode) unless `mode.trainDropout`; then
 * inverted dropout with a mask from `mode.generator`, per element (`channelDims` 0) or per channel
 * (the mask covers the first `channelDims(rank)` dims and broadcasts over the rest), as PyTorch's
 * `F.dropout` / `F.dropout1d/2d/3d` in training mode.
 */
function dropoutForward(type: string, channelDims: ((rank: number) => number) | "alpha" | null) {
  return (c: DropoutConfig, x: Tensor, _p: unknown, F: TensorCore, mode?: ForwardMode): Tensor => {
    if (!mode?.trainDropout || c.p === 0) return x;
    if (channelDims === "alpha") {
      throw new LayerError(`${type} in training mode has no tensor forward in dlq`);
    }
    if (channelDims === null)
      return F.dropout(x, c.p, { training: true, generator: mode.generator });
    const k = channelDims(x.ndim);
    const shape = x.shape.map((s, i) => (i < k ? s : 1));
    const mask = F.zeros(shape);
    if (c.p < 1) {
      if (!mode.generator) throw new LayerError(`${type}: a generator is needed in training mode`);
      const keep = 1 - c.p;
      for (let i = 0; i < mask.size; i++)
        mask.data[i] = mode.generator.uniform() < keep ? 1 / keep : 0;
    }
    return F.mul(x, mask);
  };
}

/**
 * One dropout class. `check` refuses input ranks PyTorch refuses (in training mode).
 */
function dropout(
  type: string,
  check: (rank: number) => string | null,
  channelDims: ((rank: number) => number) | "alpha" | null = null,
): LayerDef<DropoutConfig> {
  return {
    type,
    signature: [
      { name: "p", default: 0.5 },
      { name: "inplace", default: false },
    ],
    configure,
    outputShape(_c, input) {
      const err = check(input.length);
      if (err) throw new LayerError(err);
      return [...input];
    },
    parameters: () => [],
    rf: () => ({ kind: "pointwise" }),
    forward: dropoutForward(type, channelDims),
  };
}

const FEATURE_MIN = "Feature dropout requires at least 2 dimensions in the input";

/**
 * `nn.Dropout` — https://pytorch.org/docs/stable/generated/torch.nn.Dropout.html
 * Shape: (*) → (*). p ∈ [0, 1].
 */
export const Dropout = dropout("Dropout", () => null);

/**
 * `nn.Dropout1d` — https://pytorch.org/docs/stable/generated/torch.nn.Dropout1d.html
 * Shape: (N, C, L) or (C, L) → same; zeroes whole channels.
 */
export const Dropout1d = dropout(
  "Dropout1d",
  (r) =>
    r === 2 || r === 3
      ? null
      : `dropout1d: Expected 2D or 3D input, but received a ${r}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).`,
  (r) => r - 1,
);

/**
 * `nn.Dropout2d` — https://pytorch.org/docs/stable/generated/torch.nn.Dropout2d.html
 * Shape: (N, C, H, W) or (N, C, L) → same (PyTorch only warns for other ranks ≥ 2); zeroes whole
 * channels. A 3D input is treated as (N, C, L), as PyTorch does.
 */
export const Dropout2d = dropout(
  "Dropout2d",
  (r) => (r >= 2 ? null : FEATURE_MIN),
  () => 2,
);

/**
 * `nn.Dropout3d` — https://pytorch.org/docs/stable/generated/torch.nn.Dropout3d.html
 * Shape: (N, C, D, H, W) or (C, D, H, W) → same (PyTorch warns for other ranks and adds a batch
 * dim to non-5D inputs, so any rank ≥ 1 flows).
 */
export const Dropout3d = dropout(
  "Dropout3d",
  (r) => (r >= 1 ? null : FEATURE_MIN),
  (r) => (r === 5 ? 2 : 1),
);

/**
 * `nn.AlphaDropout` — https://pytorch.org/docs/stable/generated/torch.nn.AlphaDropout.html
 * Shape: (*) → (*); keeps SELU's self-normalising mean and variance.
 */
export const AlphaDropout = dropout("AlphaDropout", () => null, "alpha");

/**
 * `nn.FeatureAlphaDropout` — https://pytorch.org/docs/stable/generated/torch.nn.FeatureAlphaDropout.html
 * Shape: (N, C, *) with at least 2 dims → same; alpha dropout of whole channels.
 */
export const FeatureAlphaDropout = dropout(
  "FeatureAlphaDropout",
  (r) => (r >= 2 ? null : FEATURE_MIN),
  "alpha",
);

/** Every dropout layer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const dropoutLayers: LayerDef<any>[] = [
  Dropout,
  Dropout1d,
  Dropout2d,
  Dropout3d,
  AlphaDropout,
  FeatureAlphaDropout,
];
