/**
 * Ops that move values to new positions: padding (`F.pad`), pixel and channel shuffles
 * (`F.pixel_shuffle`, `F.pixel_unshuffle`, `F.channel_shuffle`) and interpolation
 * (`F.interpolate`'s nearest and (bi/tri)linear modes), as PyTorch 1.13 computes them.
 *
 * Each output element is a weighted sum of a few input elements, fixed by the shapes alone; the
 * forward gathers them and the backward scatter-adds the upstream gradient back with the same
 * weights. Shapes and refusals come from the geometry module (src/tensor/geometry.ts), which the
 * layer catalogue shares.
 */
import { TensorError } from "../errors.js";
import {
  padOutputShape,
  padProblem,
  padTupleProblem,
  padAxes,
  pixelShuffleProblem,
  pixelShuffleShape,
  channelShuffleProblem,
  interpolateGeometry,
  type PadMode,
} from "../geometry.js";
import { contiguousStrides, shapeSize } from "../shape.js";
import { createOp, Tensor } from "../tensor.js";

/**
 * An op whose output element `o` is `input[src[o]]`, or `fill` where `src[o] < 0`; the backward
 * adds `grad[o]` into `src[o]`.
 */
function gather(
  name: string,
  input: Tensor,
  shape: readonly number[],
  src: Int32Array,
  fill = 0,
): Tensor {
  const x = input.data;
  const n = src.length;
  const out = new Float64Array(n);
  for (let o = 0; o < n; o++) out[o] = src[o] >= 0 ? x[src[o]] : fill;
  return createOp(name, out, shape, [input], (g) => {
    const gx = new Float64Array(input.size);
    for (let o = 0; o < n; o++) if (src[o] >= 0) gx[src[o]] += g[o];
    return [gx];
  });
}

/**
 * The flat input index of every output element, for an output of `outShape` whose coordinate
 * `j` along dim `d` reads input coordinate `maps[d][j]` (−1: none).
 */
function indexMap(inShape: readonly number[], outShape: readonly number[], maps: Int32Array[]) {
  const rank = outShape.length;
  const strides = contiguousStrides(inShape);
  const n = shapeSize(outShape);
  const src = new Int32Array(n);
  if (n === 0) return src;
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o++) {
    let s = 0;
    for (let d = 0; d < rank; d++) {
      const c = maps[d][idx[d]];
      if (c < 0) {
        s = -1;
        break;
      }
      s += c * strides[d];
    }
    src[o] = s;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return src;
}

/** The identity map of a dimension of size n. */
function identity(n: number): Int32Array {
  const m = new Int32Array(n);
  for (let j = 0; j < n; j++) m[j] = j;
  return m;
}

/**
 * Pads (or, with negative values, crops) the trailing dimensions, as PyTorch's `F.pad(input, pad,
 * mode, value)` (https://pytorch.org/docs/1.13/generated/torch.nn.functional.pad.html): `pad` is
 * `(left, right, top, bottom, front, back)`, its first pair for the last dimension. Output
 * position j of a padded dimension of size W reads input position v = j − left:
 * - `constant`: v if 0 ≤ v < W, else `value`;
 * - `reflect`: v mirrored at the edges without repeating them (−v below 0, 2(W − 1) − v above);
 * - `replicate`: v clamped to [0, W − 1].
 *
 * reflect/replicate pad 1–3 dims of a batched or unbatched input (2, 4 or 6 values).
 * @throws {TensorError} with PyTorch's messages (src/tensor/geometry.ts `padProblem`): an odd
 *   length, too many pairs, a reflection padding not smaller than its dimension, an empty output.
 */
export function pad(
  input: Tensor,
  pad: readonly number[],
  mode: PadMode = "constant",
  value = 0,
): Tensor {
  if (pad.some((p) => !Number.isInteger(p))) {
    throw new TensorError(`pad: padding must be ints, got [${pad.join(", ")}]`);
  }
  const why = padTupleProblem(pad, mode) ?? padProblem(input.shape, pad, mode);
  if (why) throw new TensorError(why);
  const outShape = padOutputShape(input.shape, pad);
  const maps = outShape.map((n) => identity(n));
  for (const a of padAxes(input.ndim, pad)) {
    const W = input.shape[a.dim];
    const m = new Int32Array(outShape[a.dim]);
    for (let j = 0; j < m.length; j++) {
      let v = j - a.left;
      if (mode === "constant") v = v >= 0 && v < W ? v : -1;
      else if (mode === "replicate") v = Math.min(Math.max(v, 0), W - 1);
      else {
        if (v < 0) v = -v;
        if (v > W - 1) v = 2 * (W - 1) - v;
      }
      m[j] = v;
    }
    maps[a.dim] = m;
  }
  return gather(`pad_${mode}`, input, outShape, indexMap(input.shape, outShape, maps), value);
}

function shuffle(input: Tensor, factor: number, unshuffle: boolean): Tensor {
  const why = pixelShuffleProblem(input.shape, factor, unshuffle);
  if (why) throw new TensorError(why);
  const outShape = pixelShuffleShape(input.shape, factor, unshuffle);
  const r = factor;
  // The "small" side: (C, H, W) of the shuffle's output or the unshuffle's input.
  const big = unshuffle ? outShape : input.shape;
  const rank = big.length;
  const B = shapeSize(big.slice(0, rank - 3));
  const [Cb, H, W] = big.slice(rank - 3);
  const C = Cb / (r * r);
  const src = new Int32Array(shapeSize(outShape));
  // Channel c·r² + i·r + j at (h, w) of the packed tensor is pixel (c, h·r + i, w·r + j).
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < r; j++) {
          const packedC = (b * Cb + c * r * r + i * r + j) * H * W;
          for (let h = 0; h < H; h++) {
            for (let w = 0; w < W; w++) {
              const packed = packedC + h * W + w;
              const pixel = ((b * C + c) * H * r + h * r + i) * W * r + w * r + j;
              if (unshuffle) src[packed] = pixel;
              else src[pixel] = packed;
            }
          }
        }
      }
    }
  }
  return gather(unshuffle ? "pixel_unshuffle" : "pixel_shuffle", input, outShape, src);
}

/**
 * Rearranges `(*, C·r², H, W)` into `(*, C, H·r, W·r)` as PyTorch's `F.pixel_shuffle`
 * (https://pytorch.org/docs/1.13/generated/torch.nn.PixelShuffle.html): output (c, h·r + i,
 * w·r + j) is input channel c·r² + i·r + j at (h, w).
 * @throws {TensorError} with PyTorch's messages (fewer than 3 dims, r < 1, channels not divisible
 *   by r²).
 */
export function pixel_shuffle(input: Tensor, upscale_factor: number): Tensor {
  return shuffle(input, upscale_factor, false);
}

/**
 * The inverse of {@link pixel_shuffle}, PyTorch's `F.pixel_unshuffle`: `(*, C, H·r, W·r)` →
 * `(*, C·r², H, W)` (https://pytorch.org/docs/1.13/generated/torch.nn.PixelUnshuffle.html).
 * @throws {TensorError} with PyTorch's messages (fewer than 3 dims, r < 1, a height or width not
 *   divisible by r).
 */
export function pixel_unshuffle(input: Tensor, downscale_factor: number): Tensor {
  return shuffle(input, downscale_factor, true);
}

/**
 * Interleaves the channel groups as PyTorch's `F.channel_shuffle` (ShuffleNet;
 * https://pytorch.org/docs/1.13/generated/torch.nn.ChannelShuffle.html): input `(N, C, *)` viewed
 * as `(N, g, C/g, *)`, its dims 1 and 2 swapped, so output channel i·g + j is input channel
 * j·(C/g) + i. Dim 1 is the channel dim whatever the rank (PyTorch 1.13 has no unbatched form).
 * @throws {TensorError} with PyTorch's messages (fewer than 3 dims, groups < 1, channels not
 *   divisible by groups).
 */
export function channel_shuffle(input: Tensor, groups: number): Tensor {
  const why = channelShuffleProblem(input.shape, groups);
  if (why) throw new TensorError(why);
  const [N, C] = input.shape;
  const S = shapeSize(input.shape.slice(2));
  const per = C / groups;
  const src = new Int32Array(input.size);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < per; i++) {
      for (let j = 0; j < groups; j++) {
        const o = (n * C + i * groups + j) * S;
        const s = (n * C + j * per + i) * S;
        for (let k = 0; k < S; k++) src[o + k] = s + k;
      }
    }
  }
  return gather("channel_shuffle", input, input.shape, src);
}

/** Options of {@link interpolate}, as `F.interpolate`'s keywords. */
export interface InterpolateOptions {
  size?: number | readonly number[] | null;
  scale_factor?: number | readonly number[] | null;
  /** `nearest` (default), `nearest-exact`, `linear` (3-D input), `bilinear` (4-D), `trilinear` (5-D). */
  mode?: string;
  align_corners?: boolean | null;
  recompute_scale_factor?: boolean | null;
}

/** Per output index along one axis: two input indices and their weights (nearest: one, weight 1). */
interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
}

/**
 * ATen's `compute_scales_value`: 1/scale when the kernel got a (positive) scale factor, else in/out.
 */
function scaleValue(scale: number | null, inSize: number, outSize: number): number {
  return scale !== null && scale > 0 ? 1 / scale : inSize / outSize;
}

/**
 * One axis of ATen's CPU upsampling (aten/src/ATen/native/UpSample.h, 1.13). Nearest modes compute
 * their index in float32 (`float scale`, `floorf`), as PyTorch does whatever the dtype; the linear
 * modes in the tensor's own precision (float64 here):
 * - nearest: same size → identity; twice the size → o >> 1; else min(⌊o · s⌋, in − 1) with
 *   s = 1/scale_factor or in/out;
 * - nearest-exact: min(⌊(o + ½) · s⌋, in − 1);
 * - linear: same size → identity; else the source x = s·o (align_corners, s = (in − 1)/(out − 1))
 *   or max(s·(o + ½) − ½, 0), split between ⌊x⌋ and the next index (clamped) with weights
 *   1 − λ and λ = x − ⌊x⌋.
 */
function axisTaps(
  mode: string,
  inSize: number,
  outSize: number,
  scale: number | null,
  alignCorners: boolean,
): AxisTaps {
  const t: AxisTaps = {
    i0: new Int32Array(outSize),
    i1: new Int32Array(outSize),
    w0: new Float64Array(outSize).fill(1),
    w1: new Float64Array(outSize),
  };
  const f32 = Math.fround;
  for (let o = 0; o < outSize; o++) {
    let i0: number;
    let i1: number;
    let l1 = 0;
    if (mode === "nearest" || mode === "nearest-exact") {
      const s = f32(scaleValue(scale, inSize, outSize));
      if (mode === "nearest" && outSize === inSize) i0 = o;
      else if (mode === "nearest" && outSize === 2 * inSize) i0 = o >> 1;
      else if (mode === "nearest") i0 = Math.min(Math.floor(f32(o * s)), inSize - 1);
      else i0 = Math.min(Math.floor(f32((o + 0.5) * s)), inSize - 1);
      i1 = i0;
    } else if (outSize === inSize) {
      i0 = i1 = o;
    } else {
      const s = alignCorners
        ? outSize > 1
          ? (inSize - 1) / (outSize - 1)
          : 0
        : scaleValue(scale, inSize, outSize);
      const x = alignCorners ? s * o : Math.max(s * (o + 0.5) - 0.5, 0);
      i0 = Math.trunc(x);
      i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
      l1 = Math.min(Math.max(x - i0, 0), 1);
    }
    t.i0[o] = i0;
    t.i1[o] = i1;
    t.w0[o] = 1 - l1;
    t.w1[o] = l1;
  }
  return t;
}

/**
 * Resizes the spatial axes of `(N, C, *spatial)` as PyTorch's `F.interpolate`
 * (https://pytorch.org/docs/1.13/generated/torch.nn.functional.interpolate.html) in the modes
 * `nearest`, `nearest-exact`, `linear`, `bilinear` and `trilinear` (align_corners as given, None
 * meaning False). Each output is a weighted sum over the 2ⁿ corners of its source cell (one
 * input element for the nearest modes); the backward scatters with the same weights.
 * @throws {TensorError} with PyTorch's messages for arguments or ranks F.interpolate refuses
 *   (src/tensor/geometry.ts `interpolateGeometry`); for `bicubic` and `area`, which dlq does not
 *   compute.
 */
export function interpolate(input: Tensor, opts: InterpolateOptions = {}): Tensor {
  const mode = opts.mode ?? "nearest";
  const g = interpolateGeometry(input.shape, {
    size: opts.size ?? null,
    scale_factor: opts.scale_factor ?? null,
    mode,
    align_corners: opts.align_corners ?? null,
    recompute_scale_factor: opts.recompute_scale_factor ?? null,
  });
  if (typeof g === "string") throw new TensorError(g);
  if (mode === "bicubic" || mode === "area") {
    throw new TensorError(`interpolate: mode '${mode}' has no tensor forward in dlq`);
  }
  const spatial = input.shape.slice(2);
  const outSpatial = g.shape.slice(2);
  const n = spatial.length;
  const align = opts.align_corners ?? false;
  const taps = spatial.map((s, a) => axisTaps(mode, s, outSpatial[a], g.scales[a], align));
  const planes = input.shape[0] * input.shape[1];
  const inPlane = shapeSize(spatial);
  const outPlane = shapeSize(outSpatial);
  const inStrides = contiguousStrides(spatial);
  const corners = mode.startsWith("nearest") ? 1 : 1 << n;
  // For every output position and corner: the input offset within a plane and the weight.
  const offs = new Int32Array(outPlane * corners);
  const wts = new Float64Array(outPlane * corners);
  const idx = new Array<number>(n).fill(0);
  for (let p = 0; p < outPlane; p++) {
    for (let k = 0; k < corners; k++) {
      let off = 0;
      let w = 1;
      for (let a = 0; a < n; a++) {
        const t = taps[a];
        const hi = (k >> (n - 1 - a)) & 1;
        off += (hi ? t.i1[idx[a]] : t.i0[idx[a]]) * inStrides[a];
        w *= hi ? t.w1[idx[a]] : t.w0[idx[a]];
      }
      offs[p * corners + k] = off;
      wts[p * corners + k] = w;
    }
    for (let a = n - 1; a >= 0; a--) {
      if (++idx[a] < outSpatial[a]) break;
      idx[a] = 0;
    }
  }
  const x = input.data;
  const out = new Float64Array(planes * outPlane);
  for (let c = 0; c < planes; c++) {
    const xb = c * inPlane;
    const ob = c * outPlane;
    for (let p = 0; p < outPlane; p++) {
      let s = 0;
      for (let k = 0; k < corners; k++) s += wts[p * corners + k] * x[xb + offs[p * corners + k]];
      out[ob + p] = s;
    }
  }
  return createOp(`upsample_${mode}`, out, g.shape, [input], (gr) => {
    const gx = new Float64Array(input.size);
    for (let c = 0; c < planes; c++) {
      const xb = c * inPlane;
      const ob = c * outPlane;
      for (let p = 0; p < outPlane; p++) {
        const v = gr[ob + p];
        for (let k = 0; k < corners; k++)
          gx[xb + offs[p * corners + k]] += wts[p * corners + k] * v;
      }
    }
    return [gx];
  });
}
