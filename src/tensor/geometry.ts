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
