/**
 * Convolutions: `Conv1d/2d/3d` and `ConvTranspose1d/2d/3d`, as in PyTorch 1.13
 * (torch/nn/modules/conv.py and ATen's convolution shape checks).
 *
 * What PyTorch refuses only at forward time but for every input (stride 0, a negative padding, a
 * tuple of the wrong length, an output_padding that is neither smaller than the stride nor the
 * dilation…) is refused here by `configure`: no input could make the module run. What depends on
 * the input (rank, channels, sizes) is refused by `outputShape`, as PyTorch's forward does.
 * Golden cases: tests/fixtures/layers_spatial.json (scripts/fixtures/gen_layers_spatial.py).
 */
import type { PyValue } from "../../spec/types.js";
import type { Tensor } from "../../tensor/index.js";
import {
  convOutputSize,
  convTransposeOutputSize,
  convTransposeTooSmallMessage,
  effectiveKernel,
  kernelTooLargeMessage,
  pyTuple,
  reflectPadMessage,
  samePadding,
  sameStridedMessage,
} from "../../tensor/geometry.js";
import { int, intTuple, py, shapeStr, truthy } from "./common.js";
import {
  LayerError,
  type LayerDef,
  type ParamTensor,
  type RfStep,
  type Shape,
  type TensorCore,
} from "./types.js";

/** PyTorch's `padding_mode` values. */
export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";
const PADDING_MODES: readonly PaddingMode[] = ["zeros", "reflect", "replicate", "circular"];

/** A normalised `Conv{n}d`. Per-axis arrays have one entry per spatial axis. */
export interface ConvConfig {
  /** Number of spatial axes (1, 2 or 3). */
  n: number;
  inChannels: number;
  outChannels: number;
  kernel: number[];
  stride: number[];
  /** `padding` as given: per-axis ints, or PyTorch's padding strings. */
  padding: number[] | "same" | "valid";
  /** The padding PyTorch applies before (left) and after (right) each axis; 'same' can be uneven. */
  padLeft: number[];
  padRight: number[];
  dilation: number[];
  groups: number;
  bias: boolean;
  paddingMode: PaddingMode;
}

/** A normalised `ConvTranspose{n}d`. */
export interface ConvTransposeConfig {
  n: number;
  inChannels: number;
  outChannels: number;
  kernel: number[];
  stride: number[];
  padding: number[];
  outputPadding: number[];
  groups: number;
  bias: boolean;
  dilation: number[];
}

/** An input split into batch, channels and spatial sizes. */
export interface SpatialInput {
  /** Whether the input has a batch dimension (`(N, C, *spatial)` rather than `(C, *spatial)`). */
  batched: boolean;
  /** The batch size (1 for an unbatched input). */
  batch: number;
  channels: number;
  spatial: number[];
}

/**
 * Splits an input of shape `(N, C, *spatial)` or `(C, *spatial)` with `n` spatial axes. Throws
 * LayerError naming the expected ranks otherwise (PyTorch's wording; `op` is e.g. `conv2d`).
 */
export function spatialInput(input: Shape, n: number, op: string): SpatialInput {
  if (input.length !== n + 1 && input.length !== n + 2) {
    throw new LayerError(
      `Expected ${n + 1}D (unbatched) or ${n + 2}D (batched) input to ${op}, but got input of size: ${shapeStr(input)}`,
    );
  }
  const batched = input.length === n + 2;
  return {
    batched,
    batch: batched ? input[0] : 1,
    channels: input[batched ? 1 : 0],
    spatial: input.slice(batched ? 2 : 1),
  };
}

/** The common channel / groups arguments of every convolution (PyTorch's `_ConvNd.__init__`). */
function channelsAndGroups(
  args: Record<string, PyValue>,
): Pick<ConvConfig, "inChannels" | "outChannels" | "groups"> {
  // out_channels = 0 fails at every forward in PyTorch ("expected weight to be at least 1 at
  // dimension 0"), and so does in_channels = 0 for ConvTranspose. A Conv with in_channels = 0
  // runs in PyTorch 1.13 on a 0-channel input but returns 0 channels instead of out_channels
  // (its empty-input shortcut); dlq refuses it rather than copy that.
  const inChannels = int("in_channels", args.in_channels, 1);
  const outChannels = int("out_channels", args.out_channels, 1);
  const g = args.groups;
  if (typeof g !== "number" || !Number.isInteger(g) || g <= 0) {
    throw new LayerError(`groups must be a positive integer, got ${py(g)}`);
  }
  if (inChannels % g !== 0) {
    throw new LayerError(
      `in_channels must be divisible by groups, got in_channels=${inChannels} and groups=${g}`,
    );
  }
  if (outChannels % g !== 0) {
    throw new LayerError(
      `out_channels must be divisible by groups, got out_channels=${outChannels} and groups=${g}`,
    );
  }
  return { inChannels, outChannels, groups: g };
}

function configureConv(n: number, args: Record<string, PyValue>): ConvConfig {
  const { inChannels, outChannels, groups } = channelsAndGroups(args);
  const kernel = intTuple("kernel_size", args.kernel_size, n, 1);
  const stride = intTuple("stride", args.stride, n, 1);
  const dilation = intTuple("dilation", args.dilation, n, 1);
  let padding: ConvConfig["padding"];
  if (typeof args.padding === "string") {
    if (args.padding !== "same" && args.padding !== "valid") {
      throw new LayerError(
        `Invalid padding string ${py(args.padding)}, should be one of 'valid', 'same' (or an int or a tuple of ${n} ints)`,
      );
    }
    padding = args.padding;
    if (padding === "same" && stride.some((s) => s !== 1)) {
      throw new LayerError(sameStridedMessage(stride));
    }
  } else {
    padding = intTuple("padding", args.padding, n, 0);
  }
  if (
    typeof args.padding_mode !== "string" ||
    !PADDING_MODES.includes(args.padding_mode as PaddingMode)
  ) {
    throw new LayerError(
      `padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', but got padding_mode=${py(args.padding_mode)}`,
    );
  }
  const paddingMode = args.padding_mode as PaddingMode;
  const bias = truthy(args.bias);
  // PyTorch's _ConvNd: for 'same', total padding d·(k−1) per axis, left = total // 2, the rest
  // on the right (so an even effective kernel pads one more on the right).
  let padLeft: number[];
  let padRight: number[];
  if (padding === "same") {
    const split = kernel.map((k, i) => samePadding(k, dilation[i]));
    padLeft = split.map((p) => p.left);
    padRight = split.map((p) => p.right);
  } else if (padding === "valid") {
    padLeft = new Array<number>(n).fill(0);
    padRight = padLeft.slice();
  } else {
    padLeft = padding.slice();
    padRight = padding.slice();
  }
  return {
    n,
    inChannels,
    outChannels,
    kernel,
    stride,
    padding,
    padLeft,
    padRight,
    dilation,
    groups,
    bias,
    paddingMode,
  };
}

function convWeight(c: ConvConfig): number[] {
  return [c.outChannels, c.inChannels / c.groups, ...c.kernel];
}

function convOutputShape(c: ConvConfig, input: Shape): Shape {
  const n = c.n;
  const x = spatialInput(input, n, `conv${n}d`);
  // Non-zero padding modes: PyTorch pads with F.pad first, then convolves without padding.
  if (c.paddingMode !== "zeros") {
    if (c.paddingMode === "circular" && !x.batched) {
      throw new LayerError(
        `padding_mode='circular' needs a batched input (N, C, *spatial) in PyTorch 1.13 (its circular pad refuses an unbatched input), got input of size ${shapeStr(input)}`,
      );
    }
    x.spatial.forEach((size, i) => {
      const l = c.padLeft[i];
      const r = c.padRight[i];
      const dim = input.length - n + i;
      if (c.paddingMode === "reflect" && (l >= size || r >= size)) {
        throw new LayerError(
          `${reflectPadMessage({ dim, left: l, right: r }, input)} (padding_mode='reflect')`,
        );
      }
      if (c.paddingMode === "circular" && (l > size || r > size)) {
        throw new LayerError(
          `Padding value causes wrapping around more than once: padding (${l}, ${r}) at dimension ${dim} of input ${shapeStr(input)} is larger than its size ${size} (padding_mode='circular')`,
        );
      }
    });
  }
  if (x.channels !== c.inChannels) {
    throw new LayerError(
      `Given groups=${c.groups}, weight of size ${shapeStr(convWeight(c))}, expected input${shapeStr(input)} to have ${c.inChannels} channels, but got ${x.channels} channels instead`,
    );
  }
  const padded = x.spatial.map((s, i) => s + c.padLeft[i] + c.padRight[i]);
  const effective = c.kernel.map((k, i) => effectiveKernel(k, c.dilation[i]));
  if (padded.some((p, i) => p < effective[i])) {
    throw new LayerError(
      kernelTooLargeMessage(
        padded,
        effective,
        c.dilation.some((d) => d !== 1),
      ),
    );
  }
  const out = x.spatial.map((s, i) =>
    convOutputSize(s, c.kernel[i], c.stride[i], c.padLeft[i], c.padRight[i], c.dilation[i]),
  );
  return x.batched ? [x.batch, c.outChannels, ...out] : [c.outChannels, ...out];
}

function convParameters(c: ConvConfig): ParamTensor[] {
  const params: ParamTensor[] = [{ name: "weight", shape: convWeight(c) }];
  if (c.bias) params.push({ name: "bias", shape: [c.outChannels] });
  return params;
}

function convRf(c: ConvConfig): RfStep {
  return {
    kind: "spatial",
    kernel: c.kernel.slice(),
    stride: c.stride.slice(),
    padding: c.padLeft.slice(),
    dilation: c.dilation.slice(),
  };
}

const CONV_SIGNATURE = [
  { name: "in_channels" },
  { name: "out_channels" },
  { name: "kernel_size" },
  { name: "stride", default: 1 },
  { name: "padding", default: 0 },
  { name: "dilation", default: 1 },
  { name: "groups", default: 1 },
  { name: "bias", default: true },
  { name: "padding_mode", default: "zeros" },
  { name: "device", default: null },
  { name: "dtype", default: null },
];

/**
 * Conv1d/Conv2d on the tensor core (`F.conv1d`/`F.conv2d`, zero padding, PyTorch's 'same' split);
 * other padding modes and Conv3d have no tensor forward.
 */
function convForward(
  c: ConvConfig,
  x: Tensor,
  p: Readonly<Record<string, Tensor>>,
  F: TensorCore,
): Tensor {
  if (c.paddingMode !== "zeros") {
    throw new LayerError(
      `padding_mode='${c.paddingMode}' has no tensor forward in dlq (only 'zeros')`,
    );
  }
  const bias = p.bias ?? null;
  if (c.n === 1) {
    const padding = typeof c.padding === "string" ? c.padding : c.padLeft[0];
    return F.conv1d(x, p.weight, bias, {
      stride: c.stride[0],
      padding,
      dilation: c.dilation[0],
      groups: c.groups,
    });
  }
  const padding =
    typeof c.padding === "string" ? c.padding : ([c.padLeft[0], c.padLeft[1]] as const);
  return F.conv2d(x, p.weight, bias, {
    stride: [c.stride[0], c.stride[1]],
    padding,
    dilation: [c.dilation[0], c.dilation[1]],
    groups: c.groups,
  });
}

function conv(n: number): LayerDef<ConvConfig> {
  const type = `Conv${n}d`;
  return {
    type,
    signature: CONV_SIGNATURE.map((p) => ({ ...p })),
    configure: (args) => configureConv(n, args),
    outputShape: convOutputShape,
    parameters: convParameters,
    rf: convRf,
    ...(n <= 2 ? { forward: convForward } : {}),
  };
}

/**
 * `torch.nn.Conv1d` (https://pytorch.org/docs/1.13/generated/torch.nn.Conv1d.html): input
 * `(N, C_in, L_in)` or `(C_in, L_in)`, output `(N, C_out, L_out)` with
 * `L_out = ⌊(L_in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1⌋`
 * (`padding='same'`: `L_out = L_in`; `'valid'`: padding 0). Parameters: `weight`
 * `[out_channels, in_channels/groups, kernel_size]`, `bias` `[out_channels]`.
 */
export const Conv1d = conv(1);

/**
 * `torch.nn.Conv2d` (https://pytorch.org/docs/1.13/generated/torch.nn.Conv2d.html): input
 * `(N, C_in, H_in, W_in)` or `(C_in, H_in, W_in)`, per axis
 * `H_out = ⌊(H_in + 2·padding[0] − dilation[0]·(kernel_size[0] − 1) − 1) / stride[0] + 1⌋`
 * (same for W with index 1). Parameters: `weight` `[out, in/groups, kH, kW]`, `bias` `[out]`.
 */
export const Conv2d = conv(2);

/**
 * `torch.nn.Conv3d` (https://pytorch.org/docs/1.13/generated/torch.nn.Conv3d.html): input
 * `(N, C_in, D, H, W)` or `(C_in, D, H, W)`, per axis
 * `out = ⌊(in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1⌋`.
 * Parameters: `weight` `[out, in/groups, kD, kH, kW]`, `bias` `[out]`.
 */
export const Conv3d = conv(3);

function configureConvTranspose(
  n: number,
  type: string,
  args: Record<string, PyValue>,
): ConvTransposeConfig {
  if (args.padding_mode !== "zeros") {
    throw new LayerError(
      `Only "zeros" padding mode is supported for ${type}, got padding_mode=${py(args.padding_mode)}`,
    );
  }
  const { inChannels, outChannels, groups } = channelsAndGroups(args);
  const kernel = intTuple("kernel_size", args.kernel_size, n, 1);
  const stride = intTuple("stride", args.stride, n, 1);
  if (typeof args.padding === "string") {
    throw new LayerError(
      `padding must be an int or a tuple of ${n} ints, got ${py(args.padding)} (${type} has no padding strings)`,
    );
  }
  const padding = intTuple("padding", args.padding, n, 0);
  const outputPadding = intTuple("output_padding", args.output_padding, n, 0);
  const dilation = intTuple("dilation", args.dilation, n, 1);
  const bias = truthy(args.bias);
  // ATen's slow_conv_transpose shape check, per axis (PyTorch checks it at forward, for any input).
  if (outputPadding.some((op, i) => op >= stride[i] && op >= dilation[i])) {
    throw new LayerError(
      `output padding must be smaller than either stride or dilation, but got output_padding=${pyTuple(outputPadding)}, stride=${pyTuple(stride)} and dilation=${pyTuple(dilation)}`,
    );
  }
  return {
    n,
    inChannels,
    outChannels,
    kernel,
    stride,
    padding,
    outputPadding,
    groups,
    bias,
    dilation,
  };
}

function convTransposeWeight(c: ConvTransposeConfig): number[] {
  return [c.inChannels, c.outChannels / c.groups, ...c.kernel];
}

function convTransposeOutputShape(c: ConvTransposeConfig, input: Shape): Shape {
  const x = spatialInput(input, c.n, `conv_transpose${c.n}d`);
  if (x.channels !== c.inChannels) {
    throw new LayerError(
      `Given transposed=1, weight of size ${shapeStr(convTransposeWeight(c))}, expected input${shapeStr(input)} to have ${c.inChannels} channels, but got ${x.channels} channels instead`,
    );
  }
  if (x.spatial.some((s) => s === 0) && x.batch !== 0 && x.channels !== 0) {
    throw new LayerError(
      `Only zero batch or zero channel inputs are supported, but got input shape: ${shapeStr(input)} (a spatial size is 0)`,
    );
  }
  const out = x.spatial.map((s, i) =>
    convTransposeOutputSize(
      s,
      c.kernel[i],
      c.stride[i],
      c.padding[i],
      c.outputPadding[i],
      c.dilation[i],
    ),
  );
  if (out.some((o) => o < 1)) {
    throw new LayerError(convTransposeTooSmallMessage(x.spatial, out));
  }
  return x.batched ? [x.batch, c.outChannels, ...out] : [c.outChannels, ...out];
}

function convTransposeParameters(c: ConvTransposeConfig): ParamTensor[] {
  const params: ParamTensor[] = [{ name: "weight", shape: convTransposeWeight(c) }];
  if (c.bias) params.push({ name: "bias", shape: [c.outChannels] });
  return params;
}

const CONV_TRANSPOSE_SIGNATURE = [
  { name: "in_channels" },
  { name: "out_channels" },
  { name: "kernel_size" },
  { name: "stride", default: 1 },
  { name: "padding", default: 0 },
  { name: "output_padding", default: 0 },
  { name: "groups", default: 1 },
  { name: "bias", default: true },
  { name: "dilation", default: 1 },
  { name: "padding_mode", default: "zeros" },
  { name: "device", default: null },
  { name: "dtype", default: null },
];

function convTranspose(n: number): LayerDef<ConvTransposeConfig> {
  const type = `ConvTranspose${n}d`;
  return {
    type,
    signature: CONV_TRANSPOSE_SIGNATURE.map((p) => ({ ...p })),
    configure: (args) => configureConvTranspose(n, type, args),
    outputShape: convTransposeOutputShape,
    parameters: convTransposeParameters,
    rf: () => ({
      kind: "unsupported",
      reason:
        "transposed convolution upsamples; Araujo et al.'s receptive-field formulas cover strided sliding windows only",
    }),
  };
}

/**
 * `torch.nn.ConvTranspose1d` (https://pytorch.org/docs/1.13/generated/torch.nn.ConvTranspose1d.html):
 * `L_out = (L_in − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1`;
 * output_padding must be smaller than either stride or dilation. Parameters: `weight`
 * `[in_channels, out_channels/groups, kernel_size]` (transposed layout), `bias` `[out_channels]`.
 */
export const ConvTranspose1d = convTranspose(1);

/**
 * `torch.nn.ConvTranspose2d` (https://pytorch.org/docs/1.13/generated/torch.nn.ConvTranspose2d.html):
 * per axis `out = (in − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1`.
 * Parameters: `weight` `[in, out/groups, kH, kW]`, `bias` `[out]`.
 */
export const ConvTranspose2d = convTranspose(2);

/**
 * `torch.nn.ConvTranspose3d` (https://pytorch.org/docs/1.13/generated/torch.nn.ConvTranspose3d.html):
 * per axis `out = (in − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1`.
 * Parameters: `weight` `[in, out/groups, kD, kH, kW]`, `bias` `[out]`.
 */
export const ConvTranspose3d = convTranspose(3);

/** Every convolution definition, for the layer catalogue. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const convLayers: LayerDef<any>[] = [
  Conv1d,
  Conv2d,
  Conv3d,
  ConvTranspose1d,
  ConvTranspose2d,
  ConvTranspose3d,
];
