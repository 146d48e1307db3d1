/**
 * Sliding windows and resampling: `F.conv1d`/`F.conv2d`, `F.max_pool1d/2d` (with
 * `return_indices`), `F.avg_pool1d/2d`, `F.adaptive_avg_pool1d/2d`, `F.adaptive_max_pool1d/2d`,
 * `F.interpolate` (nearest, linear, bilinear; `align_corners`; `size` or `scale_factor`), and
 * `F.pad` (constant with negative pads, reflect, replicate, circular).
 *
 * Meta: PyTorch 1.13's output sizes and refusals (ATen's ConvUtils.h `check_shape_forward`,
 * Pool.h `pool2d_shape_check`, AdaptiveAveragePooling.cpp, UpSample.h, PadNd.cpp, and
 * torch/nn/functional.py's Python checks). Kernels: the tensor core's conv/pool ops, and
 * gathers (src/ops/kernels.ts) for adaptive pooling, interpolation and padding.
 *
 * Receptive field: a conv or pool is a `spatial` step (kernel, stride, padding, dilation per
 * axis); padding shifts positions (kernel 1, padding = the left pad); adaptive pooling to 1 is
 * `global`, to a divisor of the input size a plain pool, else `unsupported`; interpolation is
 * `unsupported` (it resamples, it is not a window).
 */
import { PyTuple, isInt, typeName, type Value } from "../python/values.js";
import type { Tensor } from "../tensor/index.js";
import { seqItems } from "./args.js";
import { isFloating, scalarTypeName } from "./dtype.js";
import { nnf, op, torch } from "./define.js";
import { gatherMap, weightedGather } from "./kernels.js";
import {
  OpError,
  type OpArgs,
  type OpDef,
  type OpOut,
  type OpRf,
  type TensorCore,
  type TensorMeta,
} from "./types.js";
import { meta, numel, pyNum, shapeStr, wrapDim } from "./util.js";

export const CONV_OPS: OpDef[] = [];
const add = (d: OpDef): void => void CONV_OPS.push(d);

/**
 * One axis of ATen's `pooling_output_shape` (Pool.h), also the convolution output size without
 * ceil mode: ⌊(in + 2·pad − dilation·(k − 1) − 1 + (ceil ? stride − 1 : 0)) / stride⌋ + 1, a last
 * ceil-mode window starting in the right padding dropped.
 * TODO(geometry): use src/tensor/geometry.ts's formula once it lands.
 */
export function windowOutput(
  size: number,
  k: number,
  pad: number,
  stride: number,
  dilation: number,
  ceil = false,
): number {
  let out =
    Math.floor((size + 2 * pad - dilation * (k - 1) - 1 + (ceil ? stride - 1 : 0)) / stride) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** A spatial rf step over the last `axes` tracked axes from an n-d window. */
function windowRf(
  n: number,
  axes: number,
  kernel: number[],
  stride: number[],
  padding: number[],
  dilation: number[],
  name: string,
): OpRf {
  if (axes > n)
    return { kind: "unsupported", reason: `${name} slides over ${n} axes but ${axes} are tracked` };
  const tail = (xs: number[]): number[] => xs.slice(n - axes);
  return {
    kind: "spatial",
    kernel: tail(kernel),
    stride: tail(stride),
    padding: tail(padding),
    dilation: tail(dilation),
  };
}

// ---- convolution -------------------------------------------------------------------------------

/** An `int[n]` argument: an int for every axis, or a sequence of exactly n ints. */
function intN(a: OpArgs<unknown>, name: string, n: number, conv: string): number[] {
  const v = a.raw(name);
  if (isInt(v)) return new Array<number>(n).fill(v);
  const items = seqItems(v);
  if (!items) return a.ints(name);
  const xs = a.ints(name);
  if (xs.length === 1) return new Array<number>(n).fill(xs[0]);
  if (xs.length !== n)
    throw new OpError(
      `expected ${name} to be a single integer value or a list of ${n} values to match the convolution dimensions, but got ${name}=${shapeStr(xs)}`,
    );
  void conv;
  return xs;
}

interface ConvGeom {
  batched: boolean;
  kernel: number[];
  stride: number[];
  padding: number[];
  /** Padding on the right (differs from the left for padding='same' with an even kernel). */
  padRight: number[];
  dilation: number[];
  groups: number;
  out: number[];
}

function convGeom(n: number, a: OpArgs<TensorMeta>): ConvGeom {
  const name = `conv${n}d`;
  const x = a.tensor("input");
  const w = a.tensor("weight");
  const b = a.optTensor("bias");
  const r = x.shape.length;
  if (r !== n + 1 && r !== n + 2)
    throw new OpError(
      `Expected ${n + 1}D (unbatched) or ${n + 2}D (batched) input to ${name}, but got input of size: ${shapeStr(x.shape)}`,
    );
  const batched = r === n + 2;
  const xs = batched ? x.shape : [1, ...x.shape];
  const stride = intN(a, "stride", n, name);
  const dilation = intN(a, "dilation", n, name);
  const groups = a.int("groups");
  const padV = a.raw("padding");
  const k = w.shape.slice(2);
  let padding: number[];
  let padRight: number[];
  if (typeof padV === "string") {
    if (padV === "valid") padding = padRight = new Array<number>(n).fill(0);
    else if (padV === "same") {
      if (stride.some((s) => s !== 1))
        throw new OpError("padding='same' is not supported for strided convolutions");
      const total = k.map((ks, i) => dilation[i] * (ks - 1));
      padding = total.map((t) => Math.floor(t / 2));
      padRight = total.map((t, i) => t - padding[i]);
    } else throw new OpError(`Invalid padding string: '${padV}'`);
  } else {
    padding = intN(a, "padding", n, name);
    padRight = padding;
  }
  if (w.shape.length !== n + 2 && w.shape.length >= 3) {
    // ATen takes the convolution's dims from the weight and checks the expanded arguments
    const k = w.shape.length - 2;
    throw new OpError(
      `expected stride to be a single integer value or a list of ${k} values to match the convolution dimensions, but got stride=${shapeStr(stride)}`,
    );
  }
  if (x.dtype !== w.dtype)
    throw new OpError(
      `expected scalar type ${scalarTypeName(x.dtype)} but found ${scalarTypeName(w.dtype)}`,
    );
  if (groups <= 0) throw new OpError("non-positive groups is not supported");
  if (padding.some((p) => p < 0)) throw new OpError("negative padding is not supported");
  if (stride.some((s) => s <= 0)) throw new OpError("non-positive stride is not supported");
  if (dilation.some((d) => d <= 0)) throw new OpError("dilation should be greater than zero");
  if (w.shape.length !== n + 2)
    throw new OpError(
      `Expected ${w.shape.length}-dimensional input for ${w.shape.length}-dimensional weight ${shapeStr(w.shape)}, but got ${xs.length}-dimensional input of size ${shapeStr(xs)} instead`,
    );
  if (w.shape[0] < groups)
    throw new OpError(
      `Given groups=${groups}, expected weight to be at least ${groups} at dimension 0, but got weight of size ${shapeStr(w.shape)} instead`,
    );
  if (w.shape[0] % groups !== 0)
    throw new OpError(
      `Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${shapeStr(w.shape)}] instead`,
    );
  if (xs[1] !== w.shape[1] * groups)
    throw new OpError(
      `Given groups=${groups}, weight of size ${shapeStr(w.shape)}, expected input${shapeStr(xs)} to have ${w.shape[1] * groups} channels, but got ${xs[1]} channels instead`,
    );
  if (b && (b.shape.length !== 1 || b.shape[0] !== w.shape[0]))
    throw new OpError(
      `Given weight of size ${shapeStr(w.shape)}, expected bias to be 1-dimensional with ${w.shape[0]} elements, but got bias of size ${shapeStr(b.shape)} instead`,
    );
  const spatial = xs.slice(2);
  const padded = spatial.map((s, i) => s + padding[i] + padRight[i]);
  const eff = k.map((ks, i) => dilation[i] * (ks - 1) + 1);
  if (padded.some((p, i) => p < eff[i]))
    throw new OpError(
      `Calculated padded input size per channel: (${padded.join(" x ")}). Kernel size: (${eff.join(" x ")}). Kernel size can't be greater than actual input size`,
    );
  const out = spatial.map(
    (s, i) => Math.floor((s + padding[i] + padRight[i] - eff[i]) / stride[i]) + 1,
  );
  return { batched, kernel: k, stride, padding, padRight, dilation, groups, out };
}

for (const n of [1, 2] as const) {
  const name = `conv${n}d`;
  add(
    op({
      name,
      names: [nnf(name), torch(name)],
      params: ["input", "weight", "bias=None", "stride=1", "padding=0", "dilation=1", "groups=1"],
      kind: "compute",
      meta: (a) => {
        const x = a.tensor("input");
        const w = a.tensor("weight");
        const g = convGeom(n, a);
        const lead = g.batched ? [x.shape[0]] : [];
        return meta([...lead, w.shape[0], ...g.out], x.dtype);
      },
      kernel: (a, T) => {
        const x = a.tensor("input");
        const w = a.tensor("weight");
        const b = a.optTensor("bias") ?? null;
        const padV = a.raw("padding");
        const groups = a.int("groups");
        if (n === 2) {
          const pair = (k: string): [number, number] => {
            const v = a.ints(k);
            return [v[0], v[v.length - 1]];
          };
          return T.conv2d(x, w, b, {
            stride: pair("stride"),
            padding: typeof padV === "string" ? (padV as "same" | "valid") : pair("padding"),
            dilation: pair("dilation"),
            groups,
          });
        }
        const one = (k: string): number => a.ints(k)[0];
        return T.conv1d(x, w, b, {
          stride: one("stride"),
          padding: typeof padV === "string" ? (padV as "same" | "valid") : one("padding"),
          dilation: one("dilation"),
          groups,
        });
      },
      rf: (a, axes) => {
        const g = convGeom(n, a);
        return windowRf(n, axes, g.kernel, g.stride, g.padding, g.dilation, name);
      },
      fma: (a, out) => {
        const w = a.tensor("weight");
        return numel((out as TensorMeta).shape) * numel(w.shape.slice(1));
      },
    }),
  );
}

// ---- max / avg pooling -------------------------------------------------------------------------

interface PoolGeom {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceil: boolean;
  out: number[];
}

/** A pool's int-list argument as n ints (one int for every axis), or the empty list. */
function poolInts(
  a: OpArgs<unknown>,
  name: string,
  n: number,
  bad: (len: number) => string,
): number[] {
  const v = a.raw(name);
  const xs = isInt(v) ? [v] : a.ints(name);
  if (xs.length === 0) return [];
  if (xs.length === 1) return new Array<number>(n).fill(xs[0]);
  if (xs.length !== n) throw new OpError(bad(xs.length));
  return xs;
}

/** `ceil_mode`: F.max_pool*d passes it to ATen as its 6th positional argument. */
function ceilMode(a: OpArgs<unknown>, op: string): boolean {
  const v = a.raw("ceil_mode");
  if (typeof v !== "boolean")
    throw new OpError(
      `${op}(): argument 'ceil_mode' (position 6) must be bool, not ${typeName(v)}`,
      "TypeError",
    );
  return v;
}

/**
 * The geometry of a max/avg pool and PyTorch 1.13's refusals, path by path: `max_pool2d` and
 * `avg_pool2d` (ATen's pool2d_shape_check), `max_pool1d` (its own checks on inputs that do not
 * require grad; an empty output is allowed there) and `avg_pool1d` (via avg_pool2d).
 */
function poolGeom<X extends { shape: readonly number[] }>(
  n: 1 | 2,
  kind: "max" | "avg",
  a: OpArgs<X>,
): PoolGeom {
  const opname = `${kind}_pool${n}d`;
  const x = a.tensor("input");
  const r = x.shape.length;
  const pair = (what: string) => () =>
    `${opname}: ${what} must either be a single int, or a tuple of two ints`;
  const one = (what: string, noneOk: boolean) => (len: number) =>
    kind === "max"
      ? `max_pool1d() ${what} must be ${noneOk ? "None, " : ""}an int, list of ints${noneOk || what === "padding" ? "," : ""} or tuple of ints of size 1 but got size ${len}`
      : `avg_pool1d() argument '${what}' should contain one int (got ${len})`;
  if (n === 1 && kind === "max" && r !== 2 && r !== 3)
    throw new OpError(
      `max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:${shapeStr(x.shape)}`,
    );
  const kernel = poolInts(
    a,
    "kernel_size",
    n,
    n === 2 ? pair("kernel_size") : one("kernel_size", false),
  );
  let stride = a.has("stride")
    ? poolInts(
        a,
        "stride",
        n,
        n === 2
          ? () => `${opname}: stride must either be omitted, a single int, or a tuple of two ints`
          : one("stride", true),
      )
    : [];
  if (stride.length === 0) stride = kernel.slice();
  const padding = poolInts(a, "padding", n, n === 2 ? pair("padding") : one("padding", false));
  const dilation =
    kind === "max"
      ? poolInts(
          a,
          "dilation",
          n,
          n === 2
            ? () => `max_pool2d: dilation must be either a single int, or a tuple of two ints`
            : one("dilation", false),
        )
      : new Array<number>(n).fill(1);
  const ceil = kind === "max" ? ceilMode(a, opname) : a.bool("ceil_mode");
  const spatial = x.shape.slice(Math.max(r - n, 0));
  if (n === 1 && kind === "max") {
    if (kernel[0] <= 0)
      throw new OpError(`max_pool1d() kernel_size must be greater than zero, but got ${kernel[0]}`);
    if (stride[0] <= 0)
      throw new OpError(`max_pool1d() stride must be greater than zero, but got ${stride[0]}`);
    if (padding[0] < 0)
      throw new OpError(`max_pool1d() padding must be non-negative, but got ${padding[0]}`);
    if (padding[0] > Math.floor(kernel[0] / 2))
      throw new OpError(
        `max_pool1d() padding should be at most half of kernel size, but got padding=${padding[0]} and kernel_size=${kernel[0]}`,
      );
    if (dilation[0] <= 0)
      throw new OpError(`max_pool1d() dilation must be greater than zero, but got ${dilation[0]}`);
    const out = [windowOutput(spatial[0], kernel[0], padding[0], stride[0], dilation[0], ceil)];
    if (out[0] < 0) throw new OpError(`max_pool1d() Invalid computed output size: ${out[0]}`);
    return { kernel, stride, padding, dilation, ceil, out };
  }
  if (n === 1 && (r < 2 || r > 3))
    throw new OpError(
      `Expected 2 to 3 dimensions, but got ${r}-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)`,
    );
  // the 2-D checks (avg_pool1d runs avg_pool2d on a height-1 view)
  const k2 = n === 1 ? [1, kernel[0]] : kernel;
  const s2 = n === 1 ? [1, stride[0]] : stride;
  const p2 = n === 1 ? [0, padding[0]] : padding;
  const d2 = n === 1 ? [1, dilation[0]] : dilation;
  const x2 = n === 1 ? [...x.shape.slice(0, -1), 1, x.shape[r - 1]] : [...x.shape];
  if (s2.some((v) => v === 0)) throw new OpError("stride should not be zero");
  if (kind === "avg" && x2.length < 3) wrapDim(-3, x2.length);
  if (x2.length !== 3 && x2.length !== 4)
    throw new OpError("non-empty 3D or 4D (batch mode) tensor expected for input");
  if (k2.some((k) => k <= 0))
    throw new OpError(`kernel size should be greater than zero, but got kH: ${k2[0]} kW: ${k2[1]}`);
  if (s2.some((v) => v < 0))
    throw new OpError(`stride should be greater than zero, but got dH: ${s2[0]} dW: ${s2[1]}`);
  if (d2.some((d) => d <= 0))
    throw new OpError(
      `dilation should be greater than zero, but got dilationH: ${d2[0]} dilationW: ${d2[1]}`,
    );
  p2.forEach((pd, i) => {
    if (pd > Math.floor(k2[i] / 2))
      throw new OpError(
        `pad should be at most half of kernel size, but got pad=${pd} and kernel_size=${k2[i]}`,
      );
  });
  const sp2 = x2.slice(-2);
  const out2 = sp2.map((sz, i) => windowOutput(sz, k2[i], p2[i], s2[i], d2[i], ceil));
  const C = x2[x2.length - 3];
  if (out2.some((o) => o < 1))
    throw new OpError(
      `Given input size: (${[C, ...sp2].join("x")}). Calculated output size: (${[C, ...out2].join("x")}). Output size is too small`,
    );
  return { kernel, stride, padding, dilation, ceil, out: n === 1 ? [out2[1]] : out2 };
}

/** The flat index (within each H·W plane) of every window's max, as PyTorch's `indices`. */
function poolIndices(x: Tensor, n: 1 | 2, g: PoolGeom, T: TensorCore): Tensor {
  const H = n === 2 ? x.shape[x.ndim - 2] : 1;
  const W = x.shape[x.ndim - 1];
  const [kh, kw] = n === 2 ? g.kernel : [1, g.kernel[0]];
  const [sh, sw] = n === 2 ? g.stride : [1, g.stride[0]];
  const [ph, pw] = n === 2 ? g.padding : [0, g.padding[0]];
  const [dh, dw] = n === 2 ? g.dilation : [1, g.dilation[0]];
  const [Ho, Wo] = n === 2 ? g.out : [1, g.out[0]];
  const planes = x.size / (H * W || 1);
  const out = new Float64Array(planes * Ho * Wo);
  for (let c = 0; c < planes; c++)
    for (let oh = 0; oh < Ho; oh++)
      for (let ow = 0; ow < Wo; ow++) {
        let best = -Infinity;
        let bi = -1;
        for (let i = 0; i < kh; i++) {
          const ih = oh * sh - ph + i * dh;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < kw; j++) {
            const iw = ow * sw - pw + j * dw;
            if (iw < 0 || iw >= W) continue;
            const v = x.data[c * H * W + ih * W + iw];
            if (bi < 0 || v > best || v !== v) {
              best = v;
              bi = ih * W + iw;
            }
          }
        }
        out[(c * Ho + oh) * Wo + ow] = bi;
      }
  return new T.Tensor(out, [...x.shape.slice(0, x.ndim - n), ...g.out]);
}

for (const n of [1, 2] as const) {
  const name = `max_pool${n}d`;
  const poolMeta = (a: OpArgs<TensorMeta>): OpOut<TensorMeta> => {
    const x = a.tensor("input");
    const g = poolGeom(n, "max", a);
    const out = meta([...x.shape.slice(0, x.shape.length - n), ...g.out], x.dtype);
    if (!a.truthy("return_indices")) return out;
    return { tuple: [out, { ...out, dtype: "int64" }] };
  };
  add(
    op({
      name,
      names: [nnf(name)],
      params: [
        "input",
        "kernel_size",
        "stride=None",
        "padding=0",
        "dilation=1",
        "ceil_mode=False",
        "return_indices=False",
      ],
      python: true,
      kind: "compute",
      meta: poolMeta,
      kernel: (a, T): OpOut<Tensor> => {
        const x = a.tensor("input");
        const g = poolGeom(n, "max", a);
        const y =
          n === 2
            ? T.max_pool2d(x, [g.kernel[0], g.kernel[1]], {
                stride: [g.stride[0], g.stride[1]],
                padding: [g.padding[0], g.padding[1]],
                dilation: [g.dilation[0], g.dilation[1]],
                ceil_mode: g.ceil,
              })
            : T.max_pool1d(x, g.kernel[0], {
                stride: g.stride[0],
                padding: g.padding[0],
                dilation: g.dilation[0],
                ceil_mode: g.ceil,
              });
        if (!a.truthy("return_indices")) return y;
        return { tuple: [y, poolIndices(x, n, g, T)] };
      },
      rf: (a, axes) => {
        const g = poolGeom(n, "max", a);
        return windowRf(n, axes, g.kernel, g.stride, g.padding, g.dilation, name);
      },
    }),
  );
  const aname = `avg_pool${n}d`;
  add(
    op({
      name: aname,
      names: [nnf(aname), torch(aname)],
      params: [
        "input",
        "kernel_size",
        "stride=None",
        "padding=0",
        "ceil_mode=False",
        "count_include_pad=True",
        ...(n === 2 ? ["divisor_override=None"] : []),
      ],
      kind: "compute",
      meta: (a) => {
        const x = a.tensor("input");
        const g = poolGeom(n, "avg", a);
        a.bool("count_include_pad");
        if (n === 2 && a.has("divisor_override") && a.int("divisor_override") === 0)
          throw new OpError("divisor must be not zero");
        if (!isFloating(x.dtype) && x.dtype !== "int64")
          throw new OpError(
            `"avg_pool2d_out_frame" not implemented for '${scalarTypeName(x.dtype)}'`,
          );
        return meta([...x.shape.slice(0, x.shape.length - n), ...g.out], x.dtype);
      },
      kernel: (a, T) => {
        const x = a.tensor("input");
        const g = poolGeom(n, "avg", a);
        if (n === 2)
          return T.avg_pool2d(x, [g.kernel[0], g.kernel[1]], {
            stride: [g.stride[0], g.stride[1]],
            padding: [g.padding[0], g.padding[1]],
            ceil_mode: g.ceil,
            count_include_pad: a.bool("count_include_pad"),
            divisor_override: a.has("divisor_override") ? a.int("divisor_override") : null,
          });
        return T.avg_pool1d(x, g.kernel[0], {
          stride: g.stride[0],
          padding: g.padding[0],
          ceil_mode: g.ceil,
          count_include_pad: a.bool("count_include_pad"),
        });
      },
      rf: (a, axes) => {
        const g = poolGeom(n, "avg", a);
        return windowRf(n, axes, g.kernel, g.stride, g.padding, g.dilation, aname);
      },
    }),
  );
}

// ---- adaptive pooling -------------------------------------------------------------------------

/** The output size of an adaptive pool (None entries keep the input size, PyTorch's Python side). */
function adaptiveSize(
  a: OpArgs<unknown>,
  x: { shape: readonly number[] },
  n: number,
  op: string,
): number[] {
  const v = a.raw("output_size");
  const r = x.shape.length;
  let sizes: (number | null)[];
  if (isInt(v)) sizes = new Array<number>(n).fill(v);
  else {
    const items = seqItems(v);
    if (!items)
      throw new OpError(
        `${op}(): argument 'output_size' must be tuple of ints, not ${typeName(v)}`,
        "TypeError",
      );
    sizes = items.map((e, i) => {
      if (e === null) return null;
      if (!isInt(e))
        throw new OpError(
          `${op}(): argument 'output_size' must be tuple of ints, but found element of type ${typeName(e)} at pos ${i + 1}`,
          "TypeError",
        );
      return e;
    });
    if (n === 1 && sizes.length !== 1)
      throw new OpError(
        `${op}() argument 'output_size' should contain one int (got ${sizes.length})`,
      );
    if (n === 2 && sizes.length !== 2) throw new OpError(`${op}: output_size must be 2`);
  }
  return sizes.map((s, i) => (s === null ? x.shape[r - n + i] : s));
}

function adaptiveMeta(n: 1 | 2, kind: "avg" | "max", a: OpArgs<TensorMeta>): TensorMeta {
  const opname = `adaptive_${kind}_pool${n}d`;
  const x = a.tensor("input");
  const out = adaptiveSize(a, x, n, opname);
  const r = x.shape.length;
  if (r !== n + 1 && r !== n + 2)
    throw new OpError(
      n === 1
        ? `Expected 2 to 3 dimensions, but got ${r}-dimensional tensor for argument #1 'self' (while checking arguments for ${opname})`
        : `${opname}(): Expected 3D or 4D tensor, but got${kind === "max" ? ":" : ""} ${shapeStr(x.shape)}`,
    );
  // the kernels check dims 1..; adaptive_avg_pool1d/2d accept 0 channels in a batch
  for (let d = kind === "avg" && r === n + 2 ? 2 : 1; d < r; d++)
    if (x.shape[d] === 0)
      throw new OpError(
        `${opname}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${shapeStr(x.shape)} with dimension ${d} being empty`,
      );
  if (out.some((o) => o < 0))
    throw new OpError(
      `${opname}: elements of output_size must be greater than or equal to 0 but received ${shapeStr(out)}`,
    );
  return meta([...x.shape.slice(0, r - n), ...out], x.dtype);
}

/** PyTorch's adaptive windows along one axis: [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). */
function windows(inSize: number, outSize: number): [number, number][] {
  return Array.from({ length: outSize }, (_x, i) => [
    Math.floor((i * inSize) / outSize),
    Math.ceil(((i + 1) * inSize) / outSize),
  ]);
}

function adaptiveKernel(
  n: 1 | 2,
  kind: "avg" | "max",
  x: Tensor,
  out: number[],
  T: TensorCore,
): { y: Tensor; idx: Float64Array } {
  const H = n === 2 ? x.shape[x.ndim - 2] : 1;
  const W = x.shape[x.ndim - 1];
  const [Ho, Wo] = n === 2 ? out : [1, out[0]];
  const wh = windows(H, Ho);
  const ww = windows(W, Wo);
  const planes = x.size / (H * W || 1);
  const shape = [...x.shape.slice(0, x.ndim - n), ...out];
  const m = planes * Ho * Wo;
  const idx = new Float64Array(m);
  if (kind === "max") {
    const map = new Int32Array(m);
    for (let c = 0; c < planes; c++)
      for (let oh = 0; oh < Ho; oh++)
        for (let ow = 0; ow < Wo; ow++) {
          let best = -Infinity;
          let bi = -1;
          for (let ih = wh[oh][0]; ih < wh[oh][1]; ih++)
            for (let iw = ww[ow][0]; iw < ww[ow][1]; iw++) {
              const v = x.data[c * H * W + ih * W + iw];
              if (bi < 0 || v > best || v !== v) {
                best = v;
                bi = ih * W + iw;
              }
            }
          const o = (c * Ho + oh) * Wo + ow;
          map[o] = c * H * W + bi;
          idx[o] = bi;
        }
    return { y: gatherMap(T, `adaptive_max_pool${n}d`, x, shape, map), idx };
  }
  const starts = new Int32Array(m + 1);
  const src: number[] = [];
  const w: number[] = [];
  let o = 0;
  for (let c = 0; c < planes; c++)
    for (let oh = 0; oh < Ho; oh++)
      for (let ow = 0; ow < Wo; ow++) {
        starts[o++] = src.length;
        const cnt = (wh[oh][1] - wh[oh][0]) * (ww[ow][1] - ww[ow][0]);
        for (let ih = wh[oh][0]; ih < wh[oh][1]; ih++)
          for (let iw = ww[ow][0]; iw < ww[ow][1]; iw++) {
            src.push(c * H * W + ih * W + iw);
            w.push(1 / cnt);
          }
      }
  starts[m] = src.length;
  return {
    y: weightedGather(
      T,
      `adaptive_avg_pool${n}d`,
      x,
      shape,
      starts,
      Int32Array.from(src),
      Float64Array.from(w),
    ),
    idx,
  };
}

function adaptiveRf(n: number, x: TensorMeta, out: number[], axes: number, name: string): OpRf {
  const spatial = x.shape.slice(x.shape.length - n);
  if (out.every((o) => o === 1))
    return {
      kind: "global",
      reason: `${name} with output size 1 pools each channel over its whole input`,
    };
  if (out.some((o) => o === 0))
    return { kind: "unsupported", reason: `${name} has an empty output` };
  if (out.every((o, i) => spatial[i] % o === 0)) {
    const k = out.map((o, i) => spatial[i] / o);
    return windowRf(
      n,
      axes,
      k,
      k.slice(),
      k.map(() => 0),
      k.map(() => 1),
      name,
    );
  }
  return {
    kind: "unsupported",
    reason: `${name} from ${spatial.join("×")} to ${out.join("×")}: an input size is not a multiple of the output size, so the windows (from ⌊i·in/out⌋ to ⌈(i+1)·in/out⌉) differ in size and stride`,
  };
}

for (const n of [1, 2] as const) {
  for (const kind of ["avg", "max"] as const) {
    const name = `adaptive_${kind}_pool${n}d`;
    add(
      op({
        name,
        names: [nnf(name), ...(kind === "avg" && n === 1 ? [torch(name)] : [])],
        params: ["input", "output_size", ...(kind === "max" ? ["return_indices=False"] : [])],
        python: !(kind === "avg" && n === 1),
        kind: "compute",
        meta: (a) => {
          const out = adaptiveMeta(n, kind, a);
          if (kind === "max" && a.truthy("return_indices"))
            return { tuple: [out, { ...out, dtype: "int64" }] };
          return out;
        },
        kernel: (a, T): OpOut<Tensor> => {
          const x = a.tensor("input");
          const out = adaptiveSize(a, x, n, name);
          const { y, idx } = adaptiveKernel(n, kind, x, out, T);
          if (kind === "max" && a.truthy("return_indices"))
            return { tuple: [y, new T.Tensor(idx, y.shape)] };
          return y;
        },
        rf: (a, axes) => {
          const x = a.tensor("input");
          return adaptiveRf(n, x, adaptiveSize(a, x, n, name), axes, name);
        },
      }),
    );
  }
}

// ---- interpolate ------------------------------------------------------------------------------

const INTERP_MODES = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact";

interface Interp {
  mode: string;
  align: boolean;
  out: number[];
  /** The scale factors the kernel uses (None when the size was given or recomputed). */
  scales: (number | null)[];
}

/** A Python float list as printed in F.interpolate's messages (`[2.0, 3.0]`). */
function pyList(v: Value): string {
  const items = seqItems(v) ?? [];
  const s = items.map((x) =>
    typeof x === "number"
      ? pyNum(x, !Number.isInteger(x))
      : (x as { float?: number }).float !== undefined
        ? pyNum((x as { float: number }).float, true)
        : String(x),
  );
  return v instanceof PyTuple
    ? `(${s.join(", ")}${s.length === 1 ? "," : ""})`
    : `[${s.join(", ")}]`;
}

function interpPlan<X extends { shape: readonly number[] }>(a: OpArgs<X>): Interp {
  const x = a.tensor("input");
  const mode = a.str("mode");
  const alignV = a.raw("align_corners");
  if (mode === "nearest" || mode === "area" || mode === "nearest-exact") {
    if (alignV !== null)
      throw new OpError(
        "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear",
        "ValueError",
      );
  }
  const align = alignV === null ? false : a.bool("align_corners");
  const dim = x.shape.length - 2;
  const sizeV = a.raw("size");
  const sfV = a.raw("scale_factor");
  let out: number[] | null = null;
  let scales: (number | null)[] = [];
  if (sizeV !== null && sfV !== null)
    throw new OpError("only one of size or scale_factor should be defined", "ValueError");
  if (sizeV !== null) {
    const items = seqItems(sizeV);
    if (items) {
      if (items.length !== dim)
        throw new OpError(
          `Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${shapeStr(x.shape.slice(2))} and output size of ${pyList(sizeV)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.`,
          "ValueError",
        );
      out = a.ints("size");
    } else out = new Array<number>(Math.max(dim, 0)).fill(a.int("size"));
    scales = out.map(() => null);
  } else if (sfV !== null) {
    const items = seqItems(sfV);
    if (items) {
      if (items.length !== dim)
        throw new OpError(
          `Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${shapeStr(x.shape.slice(2))} and scale_factor of shape ${pyList(sfV)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.`,
          "ValueError",
        );
      scales = items.map((v) => (typeof v === "number" ? v : (v as { float: number }).float));
    } else scales = new Array<number>(Math.max(dim, 0)).fill(a.float("scale_factor"));
  } else throw new OpError("either size or scale_factor should be defined", "ValueError");
  const recompute = a.raw("recompute_scale_factor");
  if (recompute === true && sizeV !== null)
    throw new OpError(
      "recompute_scale_factor is not meaningful with an explicit size.",
      "ValueError",
    );
  if (out === null) {
    out = x.shape.slice(2).map((s, i) => Math.floor(s * (scales[i] as number)));
    if (recompute === true || mode === "area") scales = out.map(() => null);
  }
  if (
    a.truthy("antialias") &&
    !((mode === "bilinear" || mode === "bicubic") && x.shape.length === 4)
  )
    throw new OpError(
      "Anti-alias option is only supported for bilinear and bicubic modes",
      "ValueError",
    );
  const r = x.shape.length;
  const need: Record<string, number> = { linear: 3, bilinear: 4, trilinear: 5, bicubic: 4 };
  const known = ["nearest", "nearest-exact", "area"].includes(mode) || mode in need;
  if (!known || r < 3 || r > 5 || (mode in need && need[mode] !== r)) {
    if (mode in need && r >= 3 && r <= 5 && mode !== "bicubic")
      throw new OpError(
        `Got ${r}D input, but ${mode} mode needs ${need[mode]}D input`,
        "NotImplementedError",
      );
    throw new OpError(
      `Input Error: Only 3D, 4D and 5D input Tensors supported (got ${r}D) for the modes: ${INTERP_MODES} (got ${mode})`,
      "NotImplementedError",
    );
  }
  const spatial = x.shape.slice(2);
  if (spatial.some((s) => s <= 0) || out.some((o) => o <= 0)) {
    const names = [["W"], ["H", "W"], ["D", "H", "W"]][dim - 1];
    const fmt = (xs: readonly number[]): string => xs.map((v, i) => `${names[i]}: ${v}`).join(", ");
    throw new OpError(
      `Input and output sizes should be greater than 0, but got input (${fmt(spatial)}) output (${fmt(out)})`,
    );
  }
  return { mode, align, out, scales };
}

/**
 * One axis of linear resampling, as ATen's `area_pixel_compute_source_index`: the source positions
 * and weights of each output position.
 */
function linearAxis(
  inSize: number,
  outSize: number,
  align: boolean,
  scale: number | null,
): [number, number, number][] {
  const ratio = align
    ? outSize > 1
      ? (inSize - 1) / (outSize - 1)
      : 0
    : scale !== null && scale > 0
      ? 1 / scale
      : inSize / outSize;
  return Array.from({ length: outSize }, (_x, i) => {
    let src = align ? ratio * i : ratio * (i + 0.5) - 0.5;
    if (!align && src < 0) src = 0;
    const i0 = Math.floor(src);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    const l1 = src - i0;
    return [i0, i1, l1];
  });
}

/** One axis of nearest resampling (ATen's `nearest_idx`, computed in float32 as ATen does). */
function nearestAxis(
  inSize: number,
  outSize: number,
  scale: number | null,
  exact = false,
): number[] {
  if (exact) {
    // ATen's nearest_neighbor_exact_compute_source_index, in float32
    const s = Math.fround(scale !== null && scale > 0 ? 1 / scale : inSize / outSize);
    return Array.from({ length: outSize }, (_x, i) =>
      Math.min(Math.floor(Math.fround((i + 0.5) * s)), inSize - 1),
    );
  }
  if (outSize === inSize) return [...Array(outSize).keys()];
  if (outSize === 2 * inSize) return Array.from({ length: outSize }, (_x, i) => i >> 1);
  const s = Math.fround(scale !== null && scale > 0 ? 1 / scale : inSize / outSize);
  return Array.from({ length: outSize }, (_x, i) =>
    Math.min(Math.floor(Math.fround(i * s)), inSize - 1),
  );
}

function interpKernel(x: Tensor, p: Interp, T: TensorCore): Tensor {
  const n = x.ndim - 2;
  const spatial = x.shape.slice(2);
  const planes = x.shape[0] * x.shape[1];
  const shape = [x.shape[0], x.shape[1], ...p.out];
  const inPlane = numel(spatial);
  const outPlane = numel(p.out);
  if (p.mode === "area" && n <= 2) return adaptiveKernel(n as 1 | 2, "avg", x, p.out, T).y;
  if (p.mode === "nearest" || p.mode === "nearest-exact") {
    const exact = p.mode === "nearest-exact";
    const axes = spatial.map((s, i) => nearestAxis(s, p.out[i], p.scales[i], exact));
    const map = new Int32Array(planes * outPlane);
    for (let c = 0; c < planes; c++)
      for (let o = 0; o < outPlane; o++) {
        let r = o;
        let off = 0;
        let stride = 1;
        const idx: number[] = [];
        for (let d = n - 1; d >= 0; d--) {
          idx[d] = r % p.out[d];
          r = Math.floor(r / p.out[d]);
        }
        for (let d = n - 1; d >= 0; d--) {
          off += axes[d][idx[d]] * stride;
          stride *= spatial[d];
        }
        map[c * outPlane + o] = c * inPlane + off;
      }
    return gatherMap(T, "upsample_nearest", x, shape, map);
  }
  if (p.mode === "linear" || p.mode === "bilinear" || p.mode === "trilinear") {
    const axes = spatial.map((s, i) => linearAxis(s, p.out[i], p.align, p.scales[i]));
    const corners = 1 << n;
    const m = planes * outPlane;
    const starts = new Int32Array(m + 1);
    const src = new Int32Array(m * corners);
    const w = new Float64Array(m * corners);
    let k = 0;
    for (let c = 0; c < planes; c++)
      for (let o = 0; o < outPlane; o++) {
        starts[c * outPlane + o] = k;
        const idx: number[] = [];
        let r = o;
        for (let d = n - 1; d >= 0; d--) {
          idx[d] = r % p.out[d];
          r = Math.floor(r / p.out[d]);
        }
        for (let corner = 0; corner < corners; corner++) {
          let off = 0;
          let stride = 1;
          let wt = 1;
          for (let d = n - 1; d >= 0; d--) {
            const [i0, i1, l1] = axes[d][idx[d]];
            const hi = (corner >> (n - 1 - d)) & 1;
            off += (hi ? i1 : i0) * stride;
            wt *= hi ? l1 : 1 - l1;
            stride *= spatial[d];
          }
          src[k] = c * inPlane + off;
          w[k] = wt;
          k++;
        }
      }
    starts[m] = k;
    return weightedGather(T, `upsample_${p.mode}`, x, shape, starts, src, w);
  }
  throw new OpError(`interpolate(mode='${p.mode}') has no kernel in dlq`);
}

add(
  op({
    name: "interpolate",
    names: [nnf("interpolate"), nnf("upsample")],
    params: [
      "input",
      "size=None",
      "scale_factor=None",
      "mode='nearest'",
      "align_corners=None",
      "recompute_scale_factor=None",
      "antialias=False",
    ],
    python: true,
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      const p = interpPlan(a);
      return meta([x.shape[0], x.shape[1], ...p.out], x.dtype);
    },
    kernel: (a, T) => interpKernel(a.tensor("input"), interpPlan(a), T),
    rf: () => ({
      kind: "unsupported",
      reason: "interpolate resamples its input; it is not a sliding window",
    }),
  }),
);

// ---- pad ---------------------------------------------------------------------------------------

interface PadPlan {
  mode: string;
  /** (left, right) per padded dim, from the last dim backwards as F.pad takes them. */
  pads: [number, number][];
  out: number[];
  value: number;
}

function padPlan<X extends { shape: readonly number[] }>(a: OpArgs<X>): PadPlan {
  const x = a.tensor("input");
  const pad = a.intList("pad");
  const mode = a.str("mode");
  const r = x.shape.length;
  if (pad.length % 2 !== 0) throw new OpError("Padding length must be divisible by 2");
  if (pad.length / 2 > r) throw new OpError("Padding length too large");
  const pads: [number, number][] = [];
  for (let i = 0; i < pad.length; i += 2) pads.push([pad[i], pad[i + 1]]);
  const out = [...x.shape];
  const value = a.has("value") ? a.float("value") : 0;
  if (mode === "constant") {
    // ATen first narrows away the negative pads (with narrow's refusals), then pads
    const cur = [...x.shape];
    pads.forEach(([l, rr], i) => {
      const d = r - 1 - i;
      if (l < 0) {
        if (-l !== cur[d]) wrapDim(-l, cur[d]);
        cur[d] += l;
      }
      if (rr < 0) {
        if (cur[d] + rr < 0)
          throw new OpError(
            `start (0) + length (${cur[d] + rr}) exceeds dimension size (${cur[d]}).`,
          );
        cur[d] += rr;
      }
    });
    pads.forEach(([l, rr], i) => {
      const d = r - 1 - i;
      const o = x.shape[d] + l + rr;
      if (o < 0)
        throw new OpError(
          `The input size ${x.shape[d]}, plus negative padding ${l} and ${rr} resulted in a negative output size, which is invalid. Check dimension ${d} of your input.`,
        );
      out[d] = o;
    });
    return { mode, pads, out, value };
  }
  if (a.has("value")) throw new OpError(`Padding mode "${mode}" doesn't take in value argument`);
  const n = pads.length;
  const ok =
    (n === 1 && (r === 2 || r === 3)) ||
    (n === 2 && (r === 3 || r === 4)) ||
    (n === 3 && (r === 4 || r === 5));
  if (!["reflect", "replicate", "circular"].includes(mode))
    throw new OpError(`Unrecognised padding mode ${mode}`, "NotImplementedError");
  if (!ok)
    throw new OpError(
      "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now",
      "NotImplementedError",
    );
  pads.forEach(([l, rr], i) => {
    const d = r - 1 - i;
    const size = x.shape[d];
    if (mode === "reflect" && (l >= size || rr >= size))
      throw new OpError(
        `Argument #${4 + 2 * i}: Padding size should be less than the corresponding input dimension, but got: padding (${l}, ${rr}) at dimension ${d} of input ${r}`,
      );
    if (mode === "circular" && (l > size || rr > size))
      throw new OpError("Padding value causes wrapping around more than once.");
    out[d] = size + l + rr;
    if (out[d] < 1)
      throw new OpError(
        `input (${x.shape.slice(r - n).join(" ")}) padded by (${pads.map((p) => p.join(" ")).join(" ")}) gives an empty output`,
      );
  });
  return { mode, pads, out, value };
}

function padKernel(x: Tensor, p: PadPlan, T: TensorCore): Tensor {
  const r = x.ndim;
  const n = numel(p.out);
  const map = new Int32Array(n);
  const inSt: number[] = [];
  let acc = 1;
  for (let d = r - 1; d >= 0; d--) {
    inSt[d] = acc;
    acc *= x.shape[d];
  }
  const left = new Array<number>(r).fill(0);
  p.pads.forEach(([l], i) => (left[r - 1 - i] = l));
  const src = (d: number, o: number): number => {
    const size = x.shape[d];
    let i = o - left[d];
    if (i >= 0 && i < size) return i;
    if (p.mode === "constant") return -1;
    if (p.mode === "replicate") return Math.min(Math.max(i, 0), size - 1);
    if (p.mode === "circular") return ((i % size) + size) % size;
    // reflect (no edge repeat)
    while (i < 0 || i >= size) i = i < 0 ? -i : 2 * (size - 1) - i;
    return i;
  };
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let d = 0; d < r; d++) {
      const s = src(d, idx[d]);
      if (s < 0) {
        off = -1;
        break;
      }
      off += s * inSt[d];
    }
    map[k] = off;
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d] < p.out[d]) break;
      idx[d] = 0;
    }
  }
  return gatherMap(T, "pad", x, p.out, map, p.value);
}

add(
  op({
    name: "pad",
    names: [nnf("pad")],
    params: ["input", "pad", "mode='constant'", "value=None"],
    symInt: ["pad"],
    kind: "compute",
    meta: (a) => {
      const x = a.tensor("input");
      return meta(padPlan(a).out, x.dtype);
    },
    kernel: (a, T) => padKernel(a.tensor("input"), padPlan(a), T),
    rf: (a, axes) => {
      const x = a.tensor("input");
      const p = padPlan(a);
      const r = x.shape.length;
      const left = new Array<number>(axes).fill(0);
      let spatialOnly = true;
      p.pads.forEach(([l, rr], i) => {
        const d = r - 1 - i;
        const k = d - (r - axes);
        if (k >= 0) left[k] = l;
        else if (l !== 0 || rr !== 0) spatialOnly = false;
      });
      void spatialOnly;
      if (left.every((l) => l === 0)) return { kind: "pointwise" };
      return {
        kind: "spatial",
        kernel: left.map(() => 1),
        stride: left.map(() => 1),
        padding: left,
        dilation: left.map(() => 1),
      };
    },
  }),
);
