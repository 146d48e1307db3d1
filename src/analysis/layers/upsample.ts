/**
 * Upsampling layers: Upsample, its aliases UpsamplingNearest2d and UpsamplingBilinear2d, and the
 * sub-pixel rearrangements PixelShuffle and PixelUnshuffle.
 *
 * Receptive field: Upsample, its aliases and PixelShuffle are `unsupported` (they upsample: not a
 * sliding window over their input); PixelUnshuffle(r) is a window with kernel r and stride r (each
 * output position gathers, over its r² channels, one r×r block of the input).
 * Golden cases: tests/fixtures/layers_other.json (Upsample) and layers_new.json (the rest).
 */
import type { PyValue } from "../../spec/types.js";
import type { Tensor } from "../../tensor/index.js";
import {
  interpolateGeometry,
  pixelShuffleFactorMessage,
  pixelShuffleProblem,
  pixelShuffleShape,
} from "../../tensor/geometry.js";
import { bool, int, py, real, unfloat } from "./common.js";
import { LayerError, type LayerDef, type TensorCore } from "./types.js";

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

function optBool(name: string, v: PyValue): boolean | null {
  return v === null ? null : bool(name, v);
}

function configureUpsample(a: Record<string, PyValue>): UpsampleConfig {
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
  configure: configureUpsample,
  outputShape(c, input) {
    const g = interpolateGeometry(input, c);
    if (typeof g === "string") throw new LayerError(g);
    return g.shape;
  },
  parameters: () => [],
  rf: () => ({
    kind: "unsupported",
    reason: "Upsample interpolates; it is not a sliding window over its input",
  }),
  forward: upsampleForward,
};

/**
 * Upsample on the tensor core (`F.interpolate`): the modes nearest, nearest-exact, linear,
 * bilinear and trilinear; bicubic and area have no tensor forward in dlq.
 */
function upsampleForward(c: UpsampleConfig, x: Tensor, _p: unknown, F: TensorCore): Tensor {
  if (c.mode === "bicubic" || c.mode === "area") {
    throw new LayerError(`Upsample(mode='${c.mode}') has no tensor forward in dlq`);
  }
  return F.interpolate(x, c);
}

/**
 * An alias of Upsample with a fixed mode: PyTorch's UpsamplingNearest2d/UpsamplingBilinear2d take
 * only `size` and `scale_factor`, but print their mode (`UpsamplingNearest2d(scale_factor=2.0,
 * mode=nearest)`), which a repr may therefore hold.
 */
function upsampling(
  type: string,
  mode: "nearest" | "bilinear",
  alignCorners: boolean | null,
): LayerDef<UpsampleConfig> {
  return {
    ...Upsample,
    type,
    signature: [
      { name: "size", default: null },
      { name: "scale_factor", default: null },
    ],
    reprKeywords: { mode },
    configure: (a) =>
      configureUpsample({ ...a, mode, align_corners: alignCorners, recompute_scale_factor: null }),
  };
}

/**
 * `torch.nn.UpsamplingNearest2d(size=None, scale_factor=None)`
 * (https://pytorch.org/docs/1.13/generated/torch.nn.UpsamplingNearest2d.html): Upsample with
 * mode='nearest'. F.interpolate's nearest mode takes a 3-D, 4-D or 5-D input, and so does this
 * "2d" class. Shape: `(N, C, H, W)` → `(N, C, ⌊H·s⌋, ⌊W·s⌋)` or `size`.
 */
export const UpsamplingNearest2d = upsampling("UpsamplingNearest2d", "nearest", null);

/**
 * `torch.nn.UpsamplingBilinear2d(size=None, scale_factor=None)`
 * (https://pytorch.org/docs/1.13/generated/torch.nn.UpsamplingBilinear2d.html): Upsample with
 * mode='bilinear' and align_corners=True; a 4-D input only.
 */
export const UpsamplingBilinear2d = upsampling("UpsamplingBilinear2d", "bilinear", true);

/** Normalised configuration of PixelShuffle and PixelUnshuffle. */
export interface PixelShuffleConfig {
  /** The upscale factor (PixelShuffle) or downscale factor (PixelUnshuffle), r ≥ 1. */
  factor: number;
  unshuffle: boolean;
}

function pixelShuffle(unshuffle: boolean): LayerDef<PixelShuffleConfig> {
  const type = unshuffle ? "PixelUnshuffle" : "PixelShuffle";
  const arg = unshuffle ? "downscale_factor" : "upscale_factor";
  return {
    type,
    signature: [{ name: arg }],
    configure(a) {
      const v = a[arg];
      if (typeof v !== "number" || !Number.isInteger(v)) {
        throw new LayerError(`${arg} must be an int, got ${py(v)}`);
      }
      // PyTorch checks the factor at forward, for every input of at least 3 dims.
      if (v < 1) throw new LayerError(pixelShuffleFactorMessage(v, unshuffle));
      if (!Number.isSafeInteger(v * v)) {
        throw new LayerError(`${arg} is too large (its square is beyond 2^53 − 1)`);
      }
      return { factor: v, unshuffle };
    },
    outputShape(c, input) {
      const why = pixelShuffleProblem(input, c.factor, c.unshuffle);
      if (why) throw new LayerError(why);
      return pixelShuffleShape(input, c.factor, c.unshuffle);
    },
    parameters: () => [],
    rf: (c) =>
      c.unshuffle
        ? {
            kind: "spatial",
            kernel: [c.factor, c.factor],
            stride: [c.factor, c.factor],
            padding: [0, 0],
            dilation: [1, 1],
          }
        : {
            kind: "unsupported",
            reason:
              "PixelShuffle upsamples (each output pixel reads one input pixel, from a channel its position picks); it is not a sliding window",
          },
    forward: (c: PixelShuffleConfig, x: Tensor, _p: unknown, F: TensorCore) =>
      c.unshuffle ? F.pixel_unshuffle(x, c.factor) : F.pixel_shuffle(x, c.factor),
  };
}

/**
 * `torch.nn.PixelShuffle(upscale_factor)` (https://pytorch.org/docs/1.13/generated/torch.nn.PixelShuffle.html):
 * `(*, C·r², H, W)` → `(*, C, H·r, W·r)`, any number of leading dims. No parameters.
 */
export const PixelShuffle = pixelShuffle(false);

/**
 * `torch.nn.PixelUnshuffle(downscale_factor)` (https://pytorch.org/docs/1.13/generated/torch.nn.PixelUnshuffle.html):
 * `(*, C, H·r, W·r)` → `(*, C·r², H, W)`; H and W must be multiples of r. PyTorch 1.13 returns an
 * input with no elements unchanged (its shape too); dlq gives the documented shape.
 */
export const PixelUnshuffle = pixelShuffle(true);

/** Every upsampling layer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const upsampleLayers: LayerDef<any>[] = [
  Upsample,
  UpsamplingNearest2d,
  UpsamplingBilinear2d,
  PixelShuffle,
  PixelUnshuffle,
];
