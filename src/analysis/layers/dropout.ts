/**
 * Dropout layers: Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout. Each keeps the
 * input's shape, owns no parameters and is a `pointwise` receptive-field step. Their defaults are
 * `F.dropout`'s and their training-mode forward is the op registry's dropout
 * ({@link applyDropout}, src/ops/nn.ts), the one place for the dropout formula.
 *
 * Input ranks follow PyTorch in training mode (a fresh module's mode): the channel-wise ("feature")
 * variants refuse inputs with too few dims.
 */
import type { PyValue } from "../../spec/types.js";
import { py, truthy, unfloat } from "./common.js";
import type { Tensor } from "../../tensor/index.js";
import { applyDropout, dropoutDefaults, type DropoutKind } from "../../ops/nn.js";
import { OpError } from "../../ops/types.js";
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
 * the op registry's dropout of `kind` (per element, or per channel for the feature variants), as
 * PyTorch's `F.dropout` / `F.dropout1d/2d/3d` in training mode.
 */
function dropoutForward(type: string, kind: DropoutKind) {
  return (c: DropoutConfig, x: Tensor, _p: unknown, F: TensorCore, mode?: ForwardMode): Tensor => {
    if (!mode?.trainDropout || c.p === 0) return x;
    if (kind === "alpha") {
      throw new LayerError(`${type} in training mode has no tensor forward in dlq`);
    }
    try {
      return applyDropout(kind, x, c.p, F, mode.generator);
    } catch (e) {
      if (e instanceof OpError) throw new LayerError(`${type}: ${e.message}`);
      throw e;
    }
  };
}

/** F.dropout's defaults (p = 0.5, inplace = False), as the catalogue's signatures hold them. */
const DEFAULTS = dropoutDefaults();

/**
 * One dropout class. `check` refuses input ranks PyTorch refuses (in training mode).
 */
function dropout(
  type: string,
  check: (rank: number) => string | null,
  kind: DropoutKind = "element",
): LayerDef<DropoutConfig> {
  return {
    type,
    signature: [
      { name: "p", default: DEFAULTS.p },
      { name: "inplace", default: DEFAULTS.inplace },
    ],
    configure,
    outputShape(_c, input) {
      const err = check(input.length);
      if (err) throw new LayerError(err);
      return [...input];
    },
    parameters: () => [],
    rf: () => ({ kind: "pointwise" }),
    forward: dropoutForward(type, kind),
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
  "feature1d",
);

/**
 * `nn.Dropout2d` — https://pytorch.org/docs/stable/generated/torch.nn.Dropout2d.html
 * Shape: (N, C, H, W) or (N, C, L) → same (PyTorch only warns for other ranks ≥ 2); zeroes whole
 * channels. A 3D input is treated as (N, C, L), as PyTorch does.
 */
export const Dropout2d = dropout("Dropout2d", (r) => (r >= 2 ? null : FEATURE_MIN), "feature2d");

/**
 * `nn.Dropout3d` — https://pytorch.org/docs/stable/generated/torch.nn.Dropout3d.html
 * Shape: (N, C, D, H, W) or (C, D, H, W) → same (PyTorch warns for other ranks and adds a batch
 * dim to non-5D inputs, so any rank ≥ 1 flows).
 */
export const Dropout3d = dropout("Dropout3d", (r) => (r >= 1 ? null : FEATURE_MIN), "feature3d");

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
