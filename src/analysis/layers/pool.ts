/**
 * Pools: `MaxPool1d/2d/3d`, `AvgPool1d/2d/3d`, `AdaptiveAvgPool1d/2d/3d`, `AdaptiveMaxPool1d/2d/3d`,
 * as in PyTorch 1.13 (torch/nn/modules/pooling.py, ATen's Pool.h and the pooling kernels' shape
 * checks).
 *
 * PyTorch's pooling modules store their arguments unchecked and refuse bad ones at forward time;
 * what fails for every input (kernel 0, padding more than half the kernel, divisor_override 0, an
 * output_size of None for a 1-d adaptive pool…) is refused here by `configure`, what depends on the
 * input by `outputShape`. Golden cases: tests/fixtures/layers_spatial.json.
 */
import type { PyValue } from "../../spec/types.js";
import { bool, int, intTuple, py, shapeStr, truthy } from "./common.js";
import { spatialInput, type SpatialInput } from "./conv.js";
import {
  poolingOutputSize,
  poolPadMessage,
  poolPadTooLarge,
  poolTooSmallMessage,
} from "../../tensor/geometry.js";
import type { Tensor } from "../../tensor/index.js";
import { LayerError, type LayerDef, type RfStep, type Shape, type TensorCore } from "./types.js";

/** A normalised `MaxPool{n}d` or `AvgPool{n}d` (AvgPool: dilation all 1). */
export interface PoolConfig {
  n: number;
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceilMode: boolean;
  /** MaxPool only. */
  returnIndices: boolean;
  /** AvgPool only. */
  countIncludePad: boolean;
  /** AvgPool2d/3d only; null when not given. */
  divisorOverride: number | null;
}

/** A normalised `Adaptive{Avg,Max}Pool{n}d`; `null` entries keep the input size. */
export interface AdaptivePoolConfig {
  n: number;
  outputSize: (number | null)[];
  returnIndices: boolean;
}

/** One axis of a pool's output size: see the geometry module (src/tensor/geometry.ts). */
export { poolingOutputSize };

/** Refuses an empty non-batch dimension, as every pooling kernel does. */
function nonEmpty(x: SpatialInput, input: Shape, op: string, allowEmptyChannels = false): void {
  const dims = [...(allowEmptyChannels ? [] : [x.channels]), ...x.spatial];
  if (dims.some((d) => d === 0)) {
    throw new LayerError(
      `${op}: expected the input's non-batch dimensions to be non-empty, but got input of size ${shapeStr(input)}`,
    );
  }
}

/** Kernel, stride (None → kernel_size), padding; padding at most half the kernel. */
function windowArgs(
  n: number,
  args: Record<string, PyValue>,
): Pick<PoolConfig, "kernel" | "stride" | "padding"> {
  const kernel = intTuple("kernel_size", args.kernel_size, n, 1);
  const stride = args.stride === null ? kernel.slice() : intTuple("stride", args.stride, n, 1);
  const padding = intTuple("padding", args.padding, n, 0);
  // ATen's pooling_output_shape (1.13): pad ≤ kernel_size / 2, without the dilation.
  padding.forEach((p, i) => {
    if (poolPadTooLarge(p, kernel[i])) {
      throw new LayerError(poolPadMessage(p, kernel[i], n > 1 ? i : undefined));
    }
  });
  return { kernel, stride, padding };
}

function poolOutputShape(op: string, avg3d: boolean) {
  return (c: PoolConfig, input: Shape): Shape => {
    const x = spatialInput(input, c.n, op);
    nonEmpty(x, input, op);
    if (avg3d && x.spatial.some((s, i) => s < c.kernel[i])) {
      // avg_pool3d checks the unpadded input against the kernel (pool3d_shape_check).
      throw new LayerError(
        `input image (T: ${x.spatial[0]} H: ${x.spatial[1]} W: ${x.spatial[2]}) smaller than kernel size (kT: ${c.kernel[0]} kH: ${c.kernel[1]} kW: ${c.kernel[2]}); avg_pool3d compares the input before padding`,
      );
    }
    const out = x.spatial.map((s, i) =>
      poolingOutputSize(s, c.kernel[i], c.padding[i], c.stride[i], c.dilation[i], c.ceilMode),
    );
    if (out.some((o) => o < 1)) {
      throw new LayerError(poolTooSmallMessage(x.channels, x.spatial, out));
    }
    return [...input.slice(0, input.length - c.n), ...out];
  };
}

function poolRf(c: PoolConfig): RfStep {
  return {
    kind: "spatial",
    kernel: c.kernel.slice(),
    stride: c.stride.slice(),
    padding: c.padding.slice(),
    dilation: c.dilation.slice(),
  };
}

const MAX_POOL_SIGNATURE = [
  { name: "kernel_size" },
  { name: "stride", default: null },
  { name: "padding", default: 0 },
  { name: "dilation", default: 1 },
  { name: "return_indices", default: false },
  { name: "ceil_mode", default: false },
];

function noIndices(c: { returnIndices: boolean }, type: string): void {
  if (c.returnIndices) {
    throw new LayerError(`${type}(return_indices=True) returns a tuple; it has no tensor forward`);
  }
}

/** MaxPool1d/2d on the tensor core (`F.max_pool1d`/`F.max_pool2d`). */
function maxPoolForward(c: PoolConfig, x: Tensor, F: TensorCore): Tensor {
  noIndices(c, `MaxPool${c.n}d`);
  if (c.n === 1) {
    return F.max_pool1d(x, c.kernel[0], {
      stride: c.stride[0],
      padding: c.padding[0],
      dilation: c.dilation[0],
      ceil_mode: c.ceilMode,
    });
  }
  return F.max_pool2d(x, [c.kernel[0], c.kernel[1]], {
    stride: [c.stride[0], c.stride[1]],
    padding: [c.padding[0], c.padding[1]],
    dilation: [c.dilation[0], c.dilation[1]],
    ceil_mode: c.ceilMode,
  });
}

/** AvgPool1d/2d on the tensor core (`F.avg_pool1d`/`F.avg_pool2d`). */
function avgPoolForward(c: PoolConfig, x: Tensor, F: TensorCore): Tensor {
  if (c.n === 1) {
    return F.avg_pool1d(x, c.kernel[0], {
      stride: c.stride[0],
      padding: c.padding[0],
      ceil_mode: c.ceilMode,
      count_include_pad: c.countIncludePad,
    });
  }
  return F.avg_pool2d(x, [c.kernel[0], c.kernel[1]], {
    stride: [c.stride[0], c.stride[1]],
    padding: [c.padding[0], c.padding[1]],
    ceil_mode: c.ceilMode,
    count_include_pad: c.countIncludePad,
    divisor_override: c.divisorOverride,
  });
}

function maxPool(n: number): LayerDef<PoolConfig> {
  return {
    type: `MaxPool${n}d`,
    signature: MAX_POOL_SIGNATURE.map((p) => ({ ...p })),
    configure: (args) => ({
      n,
      ...windowArgs(n, args),
      dilation: intTuple("dilation", args.dilation, n, 1),
      returnIndices: truthy(args.return_indices),
      ceilMode: bool("ceil_mode", args.ceil_mode),
      countIncludePad: false,
      divisorOverride: null,
    }),
    // MaxPool1d without autograd takes another ATen path that returns a length-0 output where
    // this (and every other max pool, and MaxPool1d inside a network being trained) refuses.
    outputShape: poolOutputShape(`max_pool${n}d`, false),
    parameters: () => [],
    rf: poolRf,
    ...(n <= 2
      ? {
          forward: (c: PoolConfig, x: Tensor, _p: unknown, F: TensorCore) =>
            maxPoolForward(c, x, F),
        }
      : {}),
  };
}

/**
 * `torch.nn.MaxPool1d` (https://pytorch.org/docs/1.13/generated/torch.nn.MaxPool1d.html):
 * `L_out = ⌊(L_in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1⌋` (⌈ ⌉ with
 * `ceil_mode`, dropping a last window that starts in the right padding); stride defaults to
 * kernel_size; padding at most kernel_size/2. No parameters.
 */
export const MaxPool1d = maxPool(1);

/**
 * `torch.nn.MaxPool2d` (https://pytorch.org/docs/1.13/generated/torch.nn.MaxPool2d.html): per axis
 * `out = ⌊(in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1⌋` (ceil with `ceil_mode`,
 * see {@link poolingOutputSize}). No parameters.
 */
export const MaxPool2d = maxPool(2);

/**
 * `torch.nn.MaxPool3d` (https://pytorch.org/docs/1.13/generated/torch.nn.MaxPool3d.html): per axis
 * `out = ⌊(in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1⌋` (ceil with `ceil_mode`).
 * No parameters.
 */
export const MaxPool3d = maxPool(3);

function avgPool(n: number): LayerDef<PoolConfig> {
  const signature: { name: string; default?: PyValue }[] = [
    { name: "kernel_size" },
    { name: "stride", default: null },
    { name: "padding", default: 0 },
    { name: "ceil_mode", default: false },
    { name: "count_include_pad", default: true },
  ];
  if (n > 1) signature.push({ name: "divisor_override", default: null });
  return {
    type: `AvgPool${n}d`,
    signature,
    configure: (args) => {
      let divisorOverride: number | null = null;
      if (n > 1 && args.divisor_override !== null) {
        const d = args.divisor_override;
        if (typeof d !== "number" || !Number.isInteger(d)) {
          throw new LayerError(`divisor_override must be an int or None, got ${py(d)}`);
        }
        if (d === 0) throw new LayerError("divisor must be not zero (divisor_override=0)");
        divisorOverride = d;
      }
      return {
        n,
        ...windowArgs(n, args),
        dilation: new Array<number>(n).fill(1),
        returnIndices: false,
        ceilMode: bool("ceil_mode", args.ceil_mode),
        countIncludePad: bool("count_include_pad", args.count_include_pad),
        divisorOverride,
      };
    },
    outputShape: poolOutputShape(`avg_pool${n}d`, n === 3),
    parameters: () => [],
    rf: poolRf,
    ...(n <= 2
      ? {
          forward: (c: PoolConfig, x: Tensor, _p: unknown, F: TensorCore) =>
            avgPoolForward(c, x, F),
        }
      : {}),
  };
}

/**
 * `torch.nn.AvgPool1d` (https://pytorch.org/docs/1.13/generated/torch.nn.AvgPool1d.html):
 * `L_out = ⌊(L_in + 2·padding − kernel_size) / stride + 1⌋` (ceil with `ceil_mode`, dropping a last
 * window that starts in the right padding); stride defaults to kernel_size; padding at most
 * kernel_size/2. No parameters.
 */
export const AvgPool1d = avgPool(1);

/**
 * `torch.nn.AvgPool2d` (https://pytorch.org/docs/1.13/generated/torch.nn.AvgPool2d.html): per axis
 * `out = ⌊(in + 2·padding − kernel_size) / stride + 1⌋` (ceil with `ceil_mode`); divisor_override
 * must not be 0. No parameters.
 */
export const AvgPool2d = avgPool(2);

/**
 * `torch.nn.AvgPool3d` (https://pytorch.org/docs/1.13/generated/torch.nn.AvgPool3d.html): per axis
 * `out = ⌊(in + 2·padding − kernel_size) / stride + 1⌋` (ceil with `ceil_mode`); PyTorch also
 * requires the unpadded input to be at least the kernel on every axis. No parameters.
 */
export const AvgPool3d = avgPool(3);

function configureAdaptive(n: number, type: string, v: PyValue): (number | null)[] {
  const expect =
    n === 1
      ? "an int"
      : `an int or a tuple of ${n} entries, each an int or None (keep the input size)`;
  if (typeof v === "number") {
    return new Array<number>(n).fill(int("output_size", v, 0));
  }
  if (Array.isArray(v) && v.length === n) {
    return v.map((e) => {
      if (e === null && n > 1) return null;
      if (typeof e !== "number") {
        throw new LayerError(`output_size of ${type} must be ${expect}, got ${py(v)}`);
      }
      return int("output_size", e, 0);
    });
  }
  throw new LayerError(`output_size of ${type} must be ${expect}, got ${py(v)}`);
}

/**
 * Adaptive 1-d/2-d pools on the tensor core when every input size is a multiple of its output size:
 * then PyTorch's windows (from ⌊i·in/out⌋ to ⌈(i+1)·in/out⌉) are all in/out wide with stride
 * in/out, i.e. a plain pool with kernel = stride = in/out. Other sizes have no tensor forward.
 */
function adaptiveForward(
  kind: "Avg" | "Max",
  c: AdaptivePoolConfig,
  x: Tensor,
  F: TensorCore,
): Tensor {
  const type = `Adaptive${kind}Pool${c.n}d`;
  noIndices(c, type);
  const spatial = x.shape.slice(x.ndim - c.n);
  const out = c.outputSize.map((o, i) => o ?? spatial[i]);
  if (out.some((o, i) => o < 1 || spatial[i] % o !== 0)) {
    throw new LayerError(
      `${type} from ${axesList(spatial)} to ${axesList(out)}: dlq's tensor forward needs each input size to be a multiple of the output size`,
    );
  }
  const k = out.map((o, i) => spatial[i] / o);
  const pool: PoolConfig = {
    n: c.n,
    kernel: k,
    stride: k.slice(),
    padding: k.map(() => 0),
    dilation: k.map(() => 1),
    ceilMode: false,
    returnIndices: false,
    countIncludePad: true,
    divisorOverride: null,
  };
  return kind === "Max" ? maxPoolForward(pool, x, F) : avgPoolForward(pool, x, F);
}

function adaptive(kind: "Avg" | "Max", n: number): LayerDef<AdaptivePoolConfig> {
  const type = `Adaptive${kind}Pool${n}d`;
  const op = `adaptive_${kind.toLowerCase()}_pool${n}d`;
  const signature: { name: string; default?: PyValue }[] = [{ name: "output_size" }];
  if (kind === "Max") signature.push({ name: "return_indices", default: false });
  return {
    type,
    signature,
    configure: (args) => ({
      n,
      outputSize: configureAdaptive(n, type, args.output_size),
      returnIndices: kind === "Max" ? truthy(args.return_indices) : false,
    }),
    outputShape: (c, input) => {
      const x = spatialInput(input, n, op);
      // The adaptive kernels check dims 1.. of the input: an unbatched input's channels may be 0,
      // and adaptive_avg_pool1d/2d (not 3d, not max) also accept 0 channels in a batch.
      nonEmpty(x, input, op, !x.batched || (kind === "Avg" && n < 3));
      const out = c.outputSize.map((o, i) => o ?? x.spatial[i]);
      return [...input.slice(0, input.length - n), ...out];
    },
    parameters: () => [],
    rf: (c, input) => {
      const spatial = input && input.length >= n ? input.slice(input.length - n) : undefined;
      const out = c.outputSize.map((o, i) => o ?? spatial?.[i]);
      if (out.every((o) => o === 1)) {
        return {
          kind: "global",
          reason: `${type} with output size 1 pools each channel over its whole input`,
        };
      }
      if (!spatial) {
        return {
          kind: "unsupported",
          reason: `${type}'s windows depend on the input size, which is not known here`,
        };
      }
      const sizes = out as number[];
      if (sizes.some((o) => o === 0)) {
        return { kind: "unsupported", reason: `${type} has an empty output (output size 0)` };
      }
      const even = sizes.every((o, i) => o >= 1 && spatial[i] % o === 0);
      if (even) {
        const k = sizes.map((o, i) => spatial[i] / o);
        return {
          kind: "spatial",
          kernel: k,
          stride: k.slice(),
          padding: new Array<number>(n).fill(0),
          dilation: new Array<number>(n).fill(1),
        };
      }
      return {
        kind: "unsupported",
        reason: `${type} from ${axesList(spatial)} to ${axesList(sizes)}: an input size is not a multiple of the output size, so the windows (from ⌊i·in/out⌋ to ⌈(i+1)·in/out⌉) differ in size and stride`,
      };
    },
    ...(n <= 2
      ? {
          forward: (c: AdaptivePoolConfig, x: Tensor, _p: unknown, F: TensorCore) =>
            adaptiveForward(kind, c, x, F),
        }
      : {}),
  };
}

function axesList(xs: readonly number[]): string {
  return xs.join("×");
}

/**
 * `torch.nn.AdaptiveAvgPool1d` (https://pytorch.org/docs/1.13/generated/torch.nn.AdaptiveAvgPool1d.html):
 * output `(N, C, output_size)`; output_size is an int. No parameters.
 */
export const AdaptiveAvgPool1d = adaptive("Avg", 1);

/**
 * `torch.nn.AdaptiveAvgPool2d` (https://pytorch.org/docs/1.13/generated/torch.nn.AdaptiveAvgPool2d.html):
 * output `(N, C, H_out, W_out)` = output_size, a None entry keeping the input's size. No parameters.
 */
export const AdaptiveAvgPool2d = adaptive("Avg", 2);

/**
 * `torch.nn.AdaptiveAvgPool3d` (https://pytorch.org/docs/1.13/generated/torch.nn.AdaptiveAvgPool3d.html):
 * output `(N, C, D_out, H_out, W_out)` = output_size, None entries keeping the input's size.
 */
export const AdaptiveAvgPool3d = adaptive("Avg", 3);

/**
 * `torch.nn.AdaptiveMaxPool1d` (https://pytorch.org/docs/1.13/generated/torch.nn.AdaptiveMaxPool1d.html):
 * output `(N, C, output_size)`; output_size is an int. No parameters.
 */
export const AdaptiveMaxPool1d = adaptive("Max", 1);

/**
 * `torch.nn.AdaptiveMaxPool2d` (https://pytorch.org/docs/1.13/generated/torch.nn.AdaptiveMaxPool2d.html):
 * output `(N, C, H_out, W_out)` = output_size, a None entry keeping the input's size.
 */
export const AdaptiveMaxPool2d = adaptive("Max", 2);

/**
 * `torch.nn.AdaptiveMaxPool3d` (https://pytorch.org/docs/1.13/generated/torch.nn.AdaptiveMaxPool3d.html):
 * output `(N, C, D_out, H_out, W_out)` = output_size, None entries keeping the input's size.
 */
export const AdaptiveMaxPool3d = adaptive("Max", 3);

/** Every pooling definition, for the layer catalogue. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const poolLayers: LayerDef<any>[] = [
  MaxPool1d,
  MaxPool2d,
  MaxPool3d,
  AvgPool1d,
  AvgPool2d,
  AvgPool3d,
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
];
