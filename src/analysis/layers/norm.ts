/**
 * Normalisation layers: BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm,
 * LocalResponseNorm. All keep the input's shape; their parameters are the affine `weight` and
 * `bias` only (running statistics are buffers, not parameters).
 *
 * Receptive field: every normalisation layer is a `pointwise` step. BatchNorm in eval mode is
 * exactly a per-channel affine map; InstanceNorm, GroupNorm and LayerNorm draw their statistics from
 * the whole sample, which receptive-field calculators conventionally ignore (Araujo et al. 2019
 * count only the sliding-window operations); LocalResponseNorm mixes neighbouring channels only.
 */
import type { PyValue } from "../../spec/types.js";
import { FACTORY, int, real, shapeStr, truthy, unfloat } from "./common.js";
import type { Tensor } from "../../tensor/index.js";
import {
  LayerError,
  type LayerDef,
  type ParamSpec,
  type ParamTensor,
  type TensorCore,
} from "./types.js";

/**
 * (x − E[x]) / √(Var[x] + eps) over `dims` (biased variance, as PyTorch's normalisation layers in
 * training mode), recorded for autodiff.
 */
function normalize(x: Tensor, dims: number[], eps: number, F: TensorCore): Tensor {
  const xc = F.sub(x, F.mean(x, dims, true));
  const v = F.mean(F.mul(xc, xc), dims, true);
  return F.div(xc, F.sqrt(F.add(v, eps)));
}

/** y·weight + bias with the per-channel parameters broadcast along `dim` of y. */
function channelAffine(
  y: Tensor,
  dim: number,
  p: Readonly<Record<string, Tensor>>,
  F: TensorCore,
): Tensor {
  const shape = y.shape.map((s, i) => (i === dim ? s : 1));
  if (p.weight) y = F.mul(y, F.reshape(p.weight, shape));
  if (p.bias) y = F.add(y, F.reshape(p.bias, shape));
  return y;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_v, i) => a + i);

function optReal(name: string, v: PyValue): number | null {
  return v === null ? null : real(name, v);
}

function affineParams(shape: number[], weight: boolean, bias: boolean): ParamTensor[] {
  const out: ParamTensor[] = [];
  if (weight) out.push({ name: "weight", shape: [...shape] });
  if (bias) out.push({ name: "bias", shape: [...shape] });
  return out;
}

/** Normalised configuration of BatchNorm*d and InstanceNorm*d. */
export interface BatchNormConfig {
  num_features: number;
  eps: number;
  /** null: cumulative moving average. */
  momentum: number | null;
  affine: boolean;
  track_running_stats: boolean;
  /** Number of spatial axes (1, 2, 3). */
  spatial: 1 | 2 | 3;
}

function configureBn(args: Record<string, PyValue>, spatial: 1 | 2 | 3): BatchNormConfig {
  // Without affine parameters or running statistics PyTorch creates no tensor of num_features
  // elements, so a whole float passes (`nn.InstanceNorm2d(3.0)` runs in PyTorch 1.13).
  const sized = args.affine !== false || args.track_running_stats !== false;
  return {
    num_features: int("num_features", sized ? args.num_features : unfloat(args.num_features), 0),
    eps: real("eps", args.eps),
    momentum: optReal("momentum", args.momentum),
    affine: truthy(args.affine),
    track_running_stats: truthy(args.track_running_stats),
    spatial,
  };
}

function bnSignature(affine: boolean, track: boolean): ParamSpec[] {
  return [
    { name: "num_features" },
    { name: "eps", default: 1e-5 },
    { name: "momentum", default: 0.1 },
    { name: "affine", default: affine },
    { name: "track_running_stats", default: track },
    ...FACTORY,
  ];
}

/**
 * `nn.BatchNorm{1,2,3}d` — https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
 *
 * Shape: BatchNorm1d takes (N, C) or (N, C, L); BatchNorm2d (N, C, H, W); BatchNorm3d
 * (N, C, D, H, W); output = input. C must equal num_features when the layer holds per-channel
 * tensors (running statistics or affine parameters). Parameters: weight (C,), bias (C,) when affine.
 *
 * PyTorch's training-mode refusal "Expected more than 1 value per channel when training" depends on
 * the batch, not the layer, and is not mirrored.
 */
function batchNorm(spatial: 1 | 2 | 3): LayerDef<BatchNormConfig> {
  return {
    type: `BatchNorm${spatial}d`,
    signature: bnSignature(true, true),
    configure: (args) => configureBn(args, spatial),
    outputShape(c, input) {
      const r = input.length;
      const ok = spatial === 1 ? r === 2 || r === 3 : r === spatial + 2;
      if (!ok) {
        const want = spatial === 1 ? "2D or 3D" : `${spatial + 2}D`;
        throw new LayerError(`expected ${want} input (got ${r}D input)`);
      }
      const ch = input[1];
      if (ch !== c.num_features) {
        if (c.track_running_stats) {
          throw new LayerError(`running_mean should contain ${ch} elements not ${c.num_features}`);
        }
        if (c.affine) {
          throw new LayerError(`weight should contain ${ch} elements not ${c.num_features}`);
        }
      }
      return [...input];
    },
    parameters: (c) => affineParams([c.num_features], c.affine, c.affine),
    rf: () => ({ kind: "pointwise" }),
    /** Training mode: batch statistics over every dim but the channel dim 1 (biased variance). */
    forward: (c, x, p, F) =>
      channelAffine(normalize(x, [0, ...range(2, x.ndim)], c.eps, F), 1, p, F),
  };
}

/**
 * `nn.InstanceNorm{1,2,3}d` — https://pytorch.org/docs/stable/generated/torch.nn.InstanceNorm2d.html
 *
 * Shape: (N, C, *spatial) or unbatched (C, *spatial) with 1, 2 or 3 spatial axes; output = input.
 * Defaults differ from BatchNorm: affine=False, track_running_stats=False, and then C need not equal
 * num_features (PyTorch only warns). Parameters: weight (C,), bias (C,) when affine.
 */
function instanceNorm(spatial: 1 | 2 | 3): LayerDef<BatchNormConfig> {
  return {
    type: `InstanceNorm${spatial}d`,
    signature: bnSignature(false, false),
    configure: (args) => configureBn(args, spatial),
    outputShape(c, input) {
      const r = input.length;
      if (r !== spatial + 1 && r !== spatial + 2) {
        throw new LayerError(`expected ${spatial + 1}D or ${spatial + 2}D input (got ${r}D input)`);
      }
      const featureDim = r - (spatial + 1);
      const ch = input[featureDim];
      if (ch !== c.num_features) {
        if (c.affine) {
          throw new LayerError(
            `expected input's size at dim=${featureDim} to match num_features (${c.num_features}), but got: ${ch}.`,
          );
        }
        if (c.track_running_stats) {
          const n = featureDim === 1 ? input[0] : 1;
          throw new LayerError(
            `running_mean should contain ${n * ch} elements not ${n * c.num_features}`,
          );
        }
      }
      return [...input];
    },
    parameters: (c) => affineParams([c.num_features], c.affine, c.affine),
    rf: () => ({ kind: "pointwise" }),
    /** Per-sample, per-channel statistics over the spatial axes (training mode). */
    forward: (c, x, p, F) =>
      channelAffine(
        normalize(x, range(x.ndim - spatial, x.ndim), c.eps, F),
        x.ndim - spatial - 1,
        p,
        F,
      ),
  };
}

/** Normalised configuration of LayerNorm. */
export interface LayerNormConfig {
  normalized_shape: number[];
  eps: number;
  elementwise_affine: boolean;
  bias: boolean;
}

/**
 * `nn.LayerNorm` — https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html
 *
 * Shape: (*, *normalized_shape) → same; the input's trailing dims must equal normalized_shape (an
 * int means a 1-tuple). Parameters: weight and bias of shape normalized_shape when
 * elementwise_affine (bias only if `bias`, an argument added in PyTorch 2.1).
 */
export const LayerNorm: LayerDef<LayerNormConfig> = {
  type: "LayerNorm",
  signature: [
    { name: "normalized_shape" },
    { name: "eps", default: 1e-5 },
    { name: "elementwise_affine", default: true },
    { name: "bias", default: true },
    ...FACTORY,
  ],
  configure(args) {
    const ns = args.normalized_shape;
    const shape = Array.isArray(ns)
      ? ns.map((x) => int("normalized_shape", x, 0))
      : [int("normalized_shape", ns, 0)];
    return {
      normalized_shape: shape,
      eps: real("eps", args.eps),
      elementwise_affine: truthy(args.elementwise_affine),
      bias: truthy(args.bias),
    };
  },
  outputShape(c, input) {
    const ns = c.normalized_shape;
    if (ns.length === 0) {
      throw new LayerError(
        "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []",
      );
    }
    const tail = input.slice(input.length - ns.length);
    if (input.length < ns.length || tail.some((d, i) => d !== ns[i])) {
      throw new LayerError(
        `Given normalized_shape=${shapeStr(ns)}, expected input with shape [*, ${ns.join(", ")}], but got input of size${shapeStr(input)}`,
      );
    }
    return [...input];
  },
  parameters: (c) =>
    affineParams(c.normalized_shape, c.elementwise_affine, c.elementwise_affine && c.bias),
  rf: () => ({ kind: "pointwise" }),
  /** Statistics over the trailing normalized_shape dims; weight and bias broadcast over them. */
  forward(c, x, p, F) {
    let y = normalize(x, range(x.ndim - c.normalized_shape.length, x.ndim), c.eps, F);
    if (p.weight) y = F.mul(y, p.weight);
    if (p.bias) y = F.add(y, p.bias);
    return y;
  },
};

/** Normalised configuration of GroupNorm. */
export interface GroupNormConfig {
  num_groups: number;
  num_channels: number;
  eps: number;
  affine: boolean;
}

/**
 * `nn.GroupNorm` — https://pytorch.org/docs/stable/generated/torch.nn.GroupNorm.html
 *
 * Shape: (N, C, *) → same, with C divisible by num_groups (and equal to num_channels when affine).
 * num_channels must be divisible by num_groups at construction. Parameters: weight (C,), bias (C,)
 * when affine.
 */
export const GroupNorm: LayerDef<GroupNormConfig> = {
  type: "GroupNorm",
  signature: [
    { name: "num_groups" },
    { name: "num_channels" },
    { name: "eps", default: 1e-5 },
    { name: "affine", default: true },
    ...FACTORY,
  ],
  configure(args) {
    const num_groups = int("num_groups", args.num_groups, 1);
    // Without affine parameters PyTorch creates no tensor of num_channels elements: a whole float
    // passes (`nn.GroupNorm(3, 3.0, affine=False)` runs in PyTorch 1.13).
    const num_channels = int(
      "num_channels",
      args.affine !== false ? args.num_channels : unfloat(args.num_channels),
      0,
    );
    if (num_channels % num_groups !== 0) {
      throw new LayerError(
        `num_channels must be divisible by num_groups, got num_channels=${num_channels} and num_groups=${num_groups}`,
      );
    }
    return {
      num_groups,
      num_channels,
      eps: real("eps", args.eps),
      affine: truthy(args.affine),
    };
  },
  outputShape(c, input) {
    if (input.length === 0) {
      throw new LayerError("Dimension specified as 0 but tensor has no dimensions");
    }
    if (input.length === 1) {
      throw new LayerError(
        "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
      );
    }
    const ch = input[1];
    if (ch % c.num_groups !== 0) {
      throw new LayerError(
        `Expected number of channels in input to be divisible by num_groups, but got input of shape ${shapeStr(input)} and num_groups=${c.num_groups}`,
      );
    }
    if (c.affine && ch !== c.num_channels) {
      throw new LayerError(
        `Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape [${c.num_channels}] and input of shape ${shapeStr(input)}`,
      );
    }
    return [...input];
  },
  parameters: (c) => affineParams([c.num_channels], c.affine, c.affine),
  rf: () => ({ kind: "pointwise" }),
  /** Statistics per sample and group of C/num_groups channels (with their spatial positions). */
  forward(c, x, p, F) {
    const g = F.reshape(x, [x.shape[0], c.num_groups, x.size / (x.shape[0] * c.num_groups)]);
    return channelAffine(F.reshape(normalize(g, [2], c.eps, F), x.shape), 1, p, F);
  },
};

/** Normalised configuration of LocalResponseNorm. */
export interface LocalResponseNormConfig {
  size: number;
  alpha: number;
  beta: number;
  k: number;
}

/**
 * `nn.LocalResponseNorm` — https://pytorch.org/docs/stable/generated/torch.nn.LocalResponseNorm.html
 *
 * Shape: (N, C, *) with at least 3 dims → same. No parameters. Normalises across `size` neighbouring
 * channels, so spatially it is a pointwise step.
 */
export const LocalResponseNorm: LayerDef<LocalResponseNormConfig> = {
  type: "LocalResponseNorm",
  signature: [
    { name: "size" },
    { name: "alpha", default: 1e-4 },
    { name: "beta", default: 0.75 },
    { name: "k", default: 1.0 },
  ],
  configure: (args) => ({
    size: int("size", args.size, 1),
    alpha: real("alpha", args.alpha),
    beta: real("beta", args.beta),
    k: real("k", args.k),
  }),
  outputShape(_c, input) {
    if (input.length < 3) {
      throw new LayerError(
        `Expected 3D or higher dimensionality input (got ${input.length} dimensions)`,
      );
    }
    return [...input];
  },
  parameters: () => [],
  rf: () => ({ kind: "pointwise" }),
};

/** Every normalisation layer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const normLayers: LayerDef<any>[] = [
  batchNorm(1),
  batchNorm(2),
  batchNorm(3),
  instanceNorm(1),
  instanceNorm(2),
  instanceNorm(3),
  LayerNorm,
  GroupNorm,
  LocalResponseNorm,
];
