/**
 * Sliding-window and padding geometry, shared by the layer catalogue (src/analysis/layers/) and the
 * tensor core (src/tensor/ops/): output sizes of convolutions, pools and pads, the split of
 * `padding='same'`, and PyTorch's refusal wording for each. One formula, one message, two callers.
 *
 * This module is pure and imports nothing: `dlq shape` bundles the catalogue without the tensor
 * core, and the catalogue loads this file. Functions that detect a refusal return its message
 * (or `undefined`); the caller throws its own error class (LayerError, TensorError).
 *
 * Sources: the shape formulas of PyTorch's documentation (torch.nn.Conv2d, ConvTranspose2d,
 * MaxPool2d, ReflectionPad2d, …, https://pytorch.org/docs/1.13/nn.html) and, for the cases the
 * docs leave out (ceil mode, refusals), ATen's `pooling_output_shape` (aten/src/ATen/native/Pool.h)
 * and padding kernels, checked against PyTorch 1.13 by the fixtures in tests/fixtures/.
 */

/** A tensor shape (sizes per dimension). */
export type Dims = readonly number[];

/** Renders per-axis sizes as PyTorch's shape messages do: `(4 x 4)`. */
export function axesStr(xs: readonly number[], sep = " x "): string {
  return `(${xs.join(sep)})`;
}

/** Renders ints as a Python tuple: `(2, 2)`, `(2,)`. */
export function pyTuple(xs: readonly number[]): string {
  return `(${xs.join(", ")}${xs.length === 1 ? "," : ""})`;
}

/** Renders a shape as `[2, 3, 5]`. */
function dimsStr(s: Dims): string {
  return `[${s.join(", ")}]`;
}

// ------------------------------------------------------------------------------ convolution

/** The effective (dilated) kernel size `d·(k − 1) + 1`. */
export function effectiveKernel(kernel: number, dilation: number): number {
  return dilation * (kernel - 1) + 1;
}

/**
 * One axis of a convolution's output size (torch.nn.Conv2d's docs, with 2·padding written as the
 * two sides, which differ for `padding='same'`):
 * `out = ⌊(in + padLeft + padRight − dilation·(kernel − 1) − 1) / stride⌋ + 1`.
 * Below 1 when the kernel does not fit: see {@link kernelTooLargeMessage}.
 */
export function convOutputSize(
  size: number,
  kernel: number,
  stride: number,
  padLeft: number,
  padRight: number,
  dilation: number,
): number {
  return Math.floor((size + padLeft + padRight - effectiveKernel(kernel, dilation)) / stride) + 1;
}

/**
 * PyTorch's split of `padding='same'` for one axis (torch.nn.modules.conv `_ConvNd.__init__`): the
 * total padding `d·(k − 1)`, `⌊total/2⌋` before the input and the rest after it (an even
 * effective kernel pads one more on the right). Stride 1 only: see {@link sameStridedMessage}.
 */
export function samePadding(kernel: number, dilation: number): { left: number; right: number } {
  const total = dilation * (kernel - 1);
  const left = Math.floor(total / 2);
  return { left, right: total - left };
}

/**
 * PyTorch's refusal of `padding='same'` with a stride other than 1, with the stride:
 * "padding='same' is not supported for strided convolutions, got stride=(2, 2)".
 */
export function sameStridedMessage(stride: readonly number[]): string {
  return `padding='same' is not supported for strided convolutions, got stride=${pyTuple(stride)}`;
}

/**
 * PyTorch's refusal of a (dilated) kernel larger than the padded input, per axis:
 * "Calculated padded input size per channel: (4 x 4). Kernel size (dilated): (5 x 5). Kernel size
 * can't be greater than actual input size" ("(dilated)" is dlq's, when a dilation is not 1).
 */
export function kernelTooLargeMessage(
  padded: readonly number[],
  effective: readonly number[],
  dilated: boolean,
): string {
  return `Calculated padded input size per channel: ${axesStr(padded)}. Kernel size${dilated ? " (dilated)" : ""}: ${axesStr(effective)}. Kernel size can't be greater than actual input size`;
}

/**
 * One axis of a transposed convolution's output size (torch.nn.ConvTranspose2d's docs):
 * `out = (in − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1`.
 */
export function convTransposeOutputSize(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  outputPadding: number,
  dilation: number,
): number {
  return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;
}

/**
 * PyTorch's refusal of a transposed convolution whose output would be empty: "Given input size
 * per channel: (2 x 2). Calculated output size per channel: (0 x 0). Output size is too small".
 */
export function convTransposeTooSmallMessage(
  input: readonly number[],
  output: readonly number[],
): string {
  return `Given input size per channel: ${axesStr(input)}. Calculated output size per channel: ${axesStr(output)}. Output size is too small`;
}

// ------------------------------------------------------------------------------ pooling

/**
 * One axis of ATen's `pooling_output_shape` (aten/src/ATen/native/Pool.h; the floor form is
 * torch.nn.MaxPool2d's docs):
 * `out = ⌊(in + 2·pad − dilation·(k − 1) − 1 + (ceil_mode ? stride − 1 : 0)) / stride⌋ + 1`, and in
 * ceil mode a last window that would start inside the right padding is dropped:
 * if `(out − 1)·stride ≥ in + pad` then `out − 1`.
 */
export function poolingOutputSize(
  size: number,
  kernel: number,
  pad: number,
  stride: number,
  dilation: number,
  ceilMode: boolean,
): number {
  let out =
    Math.floor(
      (size + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride,
    ) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** Whether a pool's padding exceeds half its kernel (ATen refuses `pad > kernel_size / 2`). */
export function poolPadTooLarge(pad: number, kernel: number): boolean {
  return pad > Math.floor(kernel / 2);
}

/**
 * PyTorch's refusal of a pool padding above half the kernel: "pad should be at most half of kernel
 * size, but got pad=2 and kernel_size=3", with the axis (dlq's) when there are several.
 */
export function poolPadMessage(pad: number, kernel: number, axis?: number): string {
  return `pad should be at most half of kernel size, but got pad=${pad} and kernel_size=${kernel}${axis === undefined ? "" : ` (axis ${axis})`}`;
}

/**
 * PyTorch's refusal of an empty pool output: "Given input size: (3x2x2). Calculated output size:
 * (3x0x0). Output size is too small" (channels first, then the spatial sizes).
 */
export function poolTooSmallMessage(
  channels: number,
  input: readonly number[],
  output: readonly number[],
): string {
  return `Given input size: (${[channels, ...input].join("x")}). Calculated output size: (${[channels, ...output].join("x")}). Output size is too small`;
}

// ------------------------------------------------------------------------------ matrix products

/**
 * PyTorch's refusal of a matrix product with mismatched inner sizes: "mat1 and mat2 shapes cannot
 * be multiplied (MxK and K2xN)".
 */
export function matmulMismatchMessage(m: number, k: number, k2: number, n: number): string {
  return `mat1 and mat2 shapes cannot be multiplied (${m}x${k} and ${k2}x${n})`;
}

/**
 * The same refusal for `F.linear(x, W)` (torch.nn.Linear's docs: input `(*, in_features)`): x is
 * flattened to `(∏ leading dims) × last` (1 row for a 1-D x) against Wᵀ `in_features × out_features`.
 */
export function linearMismatchMessage(
  input: Dims,
  inFeatures: number,
  outFeatures: number,
): string {
  let rows = 1;
  for (let i = 0; i < input.length - 1; i++) rows *= input[i];
  return matmulMismatchMessage(rows, input[input.length - 1], inFeatures, outFeatures);
}

// ------------------------------------------------------------------------------ padding

/** `F.pad`'s modes that dlq models (`circular` only inside convolutions). */
export type PadMode = "constant" | "reflect" | "replicate";

/** The padding of one axis: before (left/top/front) and after (right/bottom/back) it. */
export interface AxisPad {
  /** The input dimension this pads. */
  dim: number;
  left: number;
  right: number;
}

/**
 * How `F.pad(input, pad)` pads (torch.nn.functional.pad's docs): the pad tuple
 * `(left, right, top, bottom, front, back)` pads the last dimension with its first pair, the one
 * before with the second, and so on; `pad.length / 2` dimensions in all. Returns one entry per
 * padded dimension, in dimension order (front/depth first, width last).
 */
export function padAxes(rank: number, pad: readonly number[]): AxisPad[] {
  const k = pad.length / 2;
  const out: AxisPad[] = [];
  for (let j = k - 1; j >= 0; j--) {
    out.push({ dim: rank - 1 - j, left: pad[2 * j], right: pad[2 * j + 1] });
  }
  return out;
}

/**
 * The output shape of `F.pad(input, pad)`: each padded dimension grows by `left + right`
 * (torch.nn.ReflectionPad2d's docs: `H_out = H_in + padding_top + padding_bottom`,
 * `W_out = W_in + padding_left + padding_right`); negative padding crops.
 */
export function padOutputShape(input: Dims, pad: readonly number[]): number[] {
  const out = input.slice();
  for (const a of padAxes(input.length, pad)) out[a.dim] = input[a.dim] + a.left + a.right;
  return out;
}

const NON_CONSTANT_RANKS =
  "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now";

/**
 * `F.pad`'s refusal of a pad tuple for every input: an odd length ("Padding length must be
 * divisible by 2"), or, for reflect/replicate, a length other than 2, 4 or 6 (PyTorch's
 * NotImplementedError). Undefined when the tuple can pad some input.
 */
export function padTupleProblem(pad: readonly number[], mode: PadMode): string | undefined {
  if (pad.length % 2 !== 0) return "Padding length must be divisible by 2";
  if (mode !== "constant" && ![2, 4, 6].includes(pad.length)) {
    return `${NON_CONSTANT_RANKS} (${mode} padding takes 2, 4 or 6 values, got ${pad.length})`;
  }
  return undefined;
}

const AXIS_LETTERS = ["D", "H", "W"];

/**
 * `F.pad(input, pad, mode)`'s refusal of this input, in PyTorch 1.13's order of checks, or
 * undefined when it pads. Assumes {@link padTupleProblem} passed.
 * - More pairs than dimensions: "Padding length too large".
 * - reflect/replicate pad k = 1, 2, 3 trailing dims of a (k+1)-D (unbatched) or (k+2)-D (batched)
 *   input, non-empty except for the batch (1.13's reflection 1-d/2-d kernels also let an unbatched
 *   input's channels be empty); reflect needs each pad smaller than its dimension; the output must
 *   not be empty.
 * - constant: cropping (negative padding) may empty a dimension but not go below zero.
 */
export function padProblem(input: Dims, pad: readonly number[], mode: PadMode): string | undefined {
  const k = pad.length / 2;
  if (k > input.length) return "Padding length too large";
  const axes = padAxes(input.length, pad);
  if (mode === "constant") {
    for (const a of axes) {
      const size = input[a.dim];
      if (size + Math.min(a.left, 0) + Math.min(a.right, 0) < 0) {
        return `The input size ${size}, plus negative padding ${a.left} and ${a.right} resulted in a negative output size, which is invalid. Check dimension ${a.dim} of your input.`;
      }
    }
    return undefined;
  }
  if (input.length !== k + 1 && input.length !== k + 2) {
    return `${NON_CONSTANT_RANKS} (${mode} padding of ${k} dimension${k === 1 ? "" : "s"} needs a ${k + 1}-D (unbatched) or ${k + 2}-D (batched) input, got ${dimsStr(input)})`;
  }
  const batched = input.length === k + 2;
  const firstNonEmpty = batched || (mode === "reflect" && k < 3) ? 1 : 0;
  if (input.slice(firstNonEmpty).some((s) => s === 0)) {
    return `Expected ${k + 1}D or ${k + 2}D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ${dimsStr(input)}`;
  }
  if (mode === "reflect") {
    // ATen checks the width first, then the height, then the depth.
    for (let i = axes.length - 1; i >= 0; i--) {
      const a = axes[i];
      const size = input[a.dim];
      if (a.left >= size || a.right >= size) return reflectPadMessage(a, input);
    }
  }
  const out = padOutputShape(input, pad);
  if (axes.some((a) => out[a.dim] < 1)) {
    const letters = AXIS_LETTERS.slice(3 - k);
    const sizes = axes.map((a, i) => `${letters[i]}: ${input[a.dim]}`).join(", ");
    const outs = axes.map((a, i) => `${letters[i]}: ${out[a.dim]}`).join(" ");
    return `input (${sizes}) is too small. Calculated output ${outs}`;
  }
  return undefined;
}

/**
 * PyTorch's refusal of a reflection padding not smaller than its dimension: "Padding size should be
 * less than the corresponding input dimension, but got: padding (2, 2) at dimension 2 of input
 * [2, 3, 2]" (also for `padding_mode='reflect'` convolutions, which add the mode).
 */
export function reflectPadMessage(a: AxisPad, input: Dims): string {
  return `Padding size should be less than the corresponding input dimension, but got: padding (${a.left}, ${a.right}) at dimension ${a.dim} of input ${dimsStr(input)}`;
}

// ------------------------------------------------------------------------------ shuffles

/**
 * PyTorch's refusal of a pixel (un)shuffle factor below 1: "pixel_shuffle expects a positive
 * upscale_factor, but got 0" ("pixel_unshuffle … downscale_factor" for the inverse).
 */
export function pixelShuffleFactorMessage(factor: number, unshuffle: boolean): string {
  const [op, arg] = unshuffle
    ? ["pixel_unshuffle", "downscale_factor"]
    : ["pixel_shuffle", "upscale_factor"];
  return `${op} expects a positive ${arg}, but got ${factor}`;
}

/**
 * `F.pixel_shuffle(input, r)`'s (or, `unshuffle`, `F.pixel_unshuffle`'s) refusal of an input, in
 * PyTorch 1.13's order: fewer than 3 dims, a factor below 1, channels not divisible by r²
 * (shuffle) or a height or width not divisible by r (unshuffle). Undefined when it runs.
 */
export function pixelShuffleProblem(
  input: Dims,
  factor: number,
  unshuffle: boolean,
): string | undefined {
  const op = unshuffle ? "pixel_unshuffle" : "pixel_shuffle";
  const r = input.length;
  if (r < 3) {
    return `${op} expects input to have at least 3 dimensions, but got input with ${r} dimension(s)`;
  }
  if (factor < 1) return pixelShuffleFactorMessage(factor, unshuffle);
  if (!unshuffle) {
    const c = input[r - 3];
    if (c % (factor * factor) !== 0) {
      return `pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=${c} is not divisible by ${factor * factor}`;
    }
    return undefined;
  }
  if (input[r - 2] % factor !== 0) {
    return `pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=${input[r - 2]} is not divisible by ${factor}`;
  }
  if (input[r - 1] % factor !== 0) {
    return `pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=${input[r - 1]} is not divisible by ${factor}`;
  }
  return undefined;
}

/**
 * The output shape of a pixel shuffle (torch.nn.PixelShuffle's docs): `(*, C·r², H, W)` →
 * `(*, C, H·r, W·r)`; the unshuffle (torch.nn.PixelUnshuffle) is the inverse,
 * `(*, C, H·r, W·r)` → `(*, C·r², H, W)`.
 */
export function pixelShuffleShape(input: Dims, factor: number, unshuffle: boolean): number[] {
  const r = input.length;
  const [c, h, w] = input.slice(r - 3);
  const f2 = factor * factor;
  const tail = unshuffle ? [c * f2, h / factor, w / factor] : [c / f2, h * factor, w * factor];
  return [...input.slice(0, r - 3), ...tail];
}

/**
 * PyTorch's refusal of a channel-shuffle group count below 1: "Number of groups to divide channels
 * in must be positive. Value of groups:0".
 */
export function channelShuffleGroupsMessage(groups: number): string {
  return `Number of groups to divide channels in must be positive. Value of groups:${groups}`;
}

/**
 * `F.channel_shuffle(input, groups)`'s refusal (PyTorch 1.13's order): fewer than 3 dims, groups
 * below 1, channels (always dim 1: an unbatched input is not recognised) not divisible by groups.
 */
export function channelShuffleProblem(input: Dims, groups: number): string | undefined {
  if (input.length <= 2) {
    return `channel_shuffle expects input with > 2 dims, but got input with sizes ${dimsStr(input)}`;
  }
  if (groups < 1) return channelShuffleGroupsMessage(groups);
  if (input[1] % groups !== 0) {
    return `Number of channels must be divisible by groups. Got ${input[1]} channels and ${groups} groups.`;
  }
  return undefined;
}

// ------------------------------------------------------------------------------ interpolation

/** The arguments of `F.interpolate` that fix its output (as torch.nn.Upsample stores them). */
export interface InterpolateArgs {
  /** One size for every spatial axis, or one per axis; null when scale_factor is used. */
  size: number | readonly number[] | null;
  /** One factor for every spatial axis, or one per axis; null (or 0) when size is used. */
  scale_factor: number | readonly number[] | null;
  mode: string;
  align_corners: boolean | null;
  recompute_scale_factor: boolean | null;
}

/** What `F.interpolate` computes for an input: the output shape and the kernel's scales. */
export interface InterpolateGeometry {
  shape: number[];
  /**
   * Per spatial axis, the scale factor the kernel receives (PyTorch passes the user's
   * scale_factor unless recompute_scale_factor=True); null: the kernel uses in/out.
   */
  scales: (number | null)[];
}

const INTERPOLATE_MODES =
  "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact";
const INTERPOLATE_RANK: Record<string, number> = {
  linear: 3,
  bilinear: 4,
  bicubic: 4,
  trilinear: 5,
};
const SPATIAL_NAMES = [["W"], ["H", "W"], ["D", "H", "W"]];

/**
 * `F.interpolate`'s output for an input `(N, C, *spatial)` with 1–3 spatial axes
 * (torch.nn.Upsample's docs: `out = size`, or `⌊in · scale_factor⌋` per axis), or PyTorch 1.13's
 * refusal, checked in its order: align_corners with a non-interpolating mode, both or neither of
 * size and scale_factor, a size or scale_factor tuple of the wrong length, recompute_scale_factor
 * with a size, a rank the mode cannot take, an empty input or output.
 */
export function interpolateGeometry(input: Dims, a: InterpolateArgs): InterpolateGeometry | string {
  const r = input.length;
  const { mode, size } = a;
  const sf = a.scale_factor === 0 ? null : a.scale_factor;
  if (
    (mode === "nearest" || mode === "area" || mode === "nearest-exact") &&
    a.align_corners !== null
  ) {
    return "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear";
  }
  const dim = r - 2;
  const spatial = input.slice(2);
  if (size !== null && sf !== null) return "only one of size or scale_factor should be defined";
  if (size === null && sf === null) return "either size or scale_factor should be defined";
  if (typeof size !== "number" && size !== null && size.length !== dim) {
    return `Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${dimsStr(spatial)} and output size of ${pyTuple(size)}`;
  }
  if (typeof sf !== "number" && sf !== null && sf.length !== dim) {
    return `Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${dimsStr(spatial)} and scale_factor of shape ${pyTuple(sf)}`;
  }
  if (a.recompute_scale_factor === true && size !== null) {
    return "recompute_scale_factor is not meaningful with an explicit size.";
  }
  const need = INTERPOLATE_RANK[mode];
  const known = need !== undefined || ["nearest", "area", "nearest-exact"].includes(mode);
  if (r < 3 || r > 5 || !known || (mode === "bicubic" && r !== 4)) {
    return `Input Error: Only 3D, 4D and 5D input Tensors supported (got ${r}D) for the modes: ${INTERPOLATE_MODES} (got ${mode})`;
  }
  if (need !== undefined && need !== r)
    return `Got ${r}D input, but ${mode} mode needs ${need}D input`;
  const factor = (i: number): number | null =>
    sf === null ? null : typeof sf === "number" ? sf : sf[i];
  const out = spatial.map((n, i) => {
    if (size !== null) return typeof size === "number" ? size : size[i];
    return Math.floor(n * (factor(i) as number));
  });
  if (out.some((o) => o <= 0) || spatial.some((n) => n <= 0)) {
    const names = SPATIAL_NAMES[dim - 1];
    const fmt = (xs: readonly number[]) => xs.map((x, i) => `${names[i]}: ${x}`).join(", ");
    return `Input and output sizes should be greater than 0, but got input (${fmt(spatial)}) output (${fmt(out)})`;
  }
  const scales = spatial.map((_n, i) => (a.recompute_scale_factor === true ? null : factor(i)));
  return { shape: [input[0], input[1], ...out], scales };
}
