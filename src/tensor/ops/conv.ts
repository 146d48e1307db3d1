/**
 * Convolution and pooling, NCHW (and NCL via a height-1 view), PyTorch semantics:
 * https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html,
 * https://pytorch.org/docs/stable/generated/torch.nn.MaxPool2d.html,
 * https://pytorch.org/docs/stable/generated/torch.nn.AvgPool2d.html.
 *
 * conv2d is im2col + the GEMM kernel: per sample and group the receptive fields are unrolled into
 * a `[C/g·kH·kW, Hout·Wout]` matrix (allocated once per call) and multiplied by the group's
 * weight rows. Backward: dW += dY·colsᵀ, dcols = Wᵀ·dY scattered back by col2im, db = Σ dY.
 */
import { TensorError } from "../errors.js";
import {
  convOutputSize,
  effectiveKernel,
  kernelTooLargeMessage,
  poolingOutputSize,
  poolPadMessage,
  poolPadTooLarge,
  poolTooSmallMessage,
  samePadding,
  sameStridedMessage,
} from "../geometry.js";
import { shapeStr } from "../shape.js";
import { createOp, Tensor } from "../tensor.js";
import { noteBranches, recordingBranches } from "../kinks.js";
import { gemm, transposeInto } from "./linalg.js";
import { reshape, unsqueeze, squeeze } from "./shape_ops.js";

/** An int or a pair (height, width). */
export type Pair = number | readonly [number, number];

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'valid' (0) or 'same' (stride 1 only; extra padding goes right/bottom). */
  padding?: Pair | "valid" | "same";
  dilation?: Pair;
  groups?: number;
}

function pair(v: Pair, name: string, min: number): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  for (const x of p) {
    if (!Number.isInteger(x) || x < min) {
      throw new TensorError(
        `${name} must be ${min === 0 ? "non-negative" : "positive"} integers, got ${String(v)}`,
      );
    }
  }
  return p;
}

interface ConvGeom {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  G: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
  dh: number;
  dw: number;
  Ho: number;
  Wo: number;
}

/** Unrolls sample n, channels [c0, c0+Cg) into cols[(c·kh + i)·kw + j][oh·Wo + ow]. */
function im2col(
  x: Float64Array,
  g: ConvGeom,
  n: number,
  c0: number,
  Cg: number,
  cols: Float64Array,
): void {
  const { H, W, kh, kw, sh, sw, pt, pl, dh, dw, Ho, Wo } = g;
  const P = Ho * Wo;
  for (let c = 0; c < Cg; c++) {
    const xc = (n * g.C + c0 + c) * H * W;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = ((c * kh + ki) * kw + kj) * P;
        for (let oh = 0; oh < Ho; oh++) {
          const ih = oh * sh - pt + ki * dh;
          const r = row + oh * Wo;
          if (ih < 0 || ih >= H) {
            cols.fill(0, r, r + Wo);
            continue;
          }
          const xr = xc + ih * W;
          let iw = -pl + kj * dw;
          for (let ow = 0; ow < Wo; ow++, iw += sw)
            cols[r + ow] = iw >= 0 && iw < W ? x[xr + iw] : 0;
        }
      }
    }
  }
}

/** The adjoint of im2col: adds cols back into gx. */
function col2im(
  cols: Float64Array,
  g: ConvGeom,
  n: number,
  c0: number,
  Cg: number,
  gx: Float64Array,
): void {
  const { H, W, kh, kw, sh, sw, pt, pl, dh, dw, Ho, Wo } = g;
  const P = Ho * Wo;
  for (let c = 0; c < Cg; c++) {
    const xc = (n * g.C + c0 + c) * H * W;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = ((c * kh + ki) * kw + kj) * P;
        for (let oh = 0; oh < Ho; oh++) {
          const ih = oh * sh - pt + ki * dh;
          if (ih < 0 || ih >= H) continue;
          const r = row + oh * Wo;
          const xr = xc + ih * W;
          let iw = -pl + kj * dw;
          for (let ow = 0; ow < Wo; ow++, iw += sw)
            if (iw >= 0 && iw < W) gx[xr + iw] += cols[r + ow];
        }
      }
    }
  }
}

/**
 * 2-D convolution (cross-correlation) as PyTorch's `F.conv2d`: input `[N, C, H, W]` (or unbatched
 * `[C, H, W]`), weight `[O, C/groups, kH, kW]`, bias `[O]` → `[N, O, Hout, Wout]` with
 * Hout = ⌊(H + 2·pad − dil·(kH − 1) − 1)/stride⌋ + 1.
 * @throws {TensorError} on wrong ranks, channel/group mismatches (PyTorch's "Given groups=1,
 *   weight of size [32, 16, 3, 3], expected input[1, 8, 64, 64] to have 16 channels, but got 8
 *   channels instead"), a bad bias, or an output size below 1.
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: Conv2dOptions = {},
): Tensor {
  if (input.ndim === 3) return squeeze(conv2d(unsqueeze(input, 0), weight, bias, opts), 0);
  if (input.ndim !== 4) {
    throw new TensorError(
      `conv2d: expected 3-D (unbatched) or 4-D (batched) input, but got input of size: ${shapeStr(input.shape)}`,
    );
  }
  if (weight.ndim !== 4) {
    throw new TensorError(
      `conv2d: expected weight [out_channels, in_channels/groups, kH, kW], got ${shapeStr(weight.shape)}`,
    );
  }
  const G = opts.groups ?? 1;
  if (!Number.isInteger(G) || G < 1) throw new TensorError("non-positive groups is not supported");
  const [N, C, H, W] = input.shape;
  const [O, Cg, kh, kw] = weight.shape;
  if (O % G !== 0) {
    throw new TensorError(
      `Given groups=${G}, expected weight to be divisible by ${G} at dimension 0, but got weight of size ${shapeStr(weight.shape)} instead`,
    );
  }
  if (Cg * G !== C) {
    throw new TensorError(
      `Given groups=${G}, weight of size ${shapeStr(weight.shape)}, expected input${shapeStr(input.shape)} to have ${Cg * G} channels, but got ${C} channels instead`,
    );
  }
  if (bias && !(bias.ndim === 1 && bias.size === O)) {
    throw new TensorError(
      `Given weight of size ${shapeStr(weight.shape)}, expected bias to be 1-dimensional with ${O} elements, but got bias of size ${shapeStr(bias.shape)} instead`,
    );
  }
  const [sh, sw] = pair(opts.stride ?? 1, "stride", 1);
  const [dh, dw] = pair(opts.dilation ?? 1, "dilation", 1);
  let pt: number, pb: number, pl: number, pr: number;
  const pad = opts.padding ?? 0;
  if (pad === "valid") pt = pb = pl = pr = 0;
  else if (pad === "same") {
    if (sh !== 1 || sw !== 1) throw new TensorError(sameStridedMessage([sh, sw]));
    ({ left: pt, right: pb } = samePadding(kh, dh));
    ({ left: pl, right: pr } = samePadding(kw, dw));
  } else {
    [pt, pl] = pair(pad, "padding", 0);
    pb = pt;
    pr = pl;
  }
  const Ho = convOutputSize(H, kh, sh, pt, pb, dh);
  const Wo = convOutputSize(W, kw, sw, pl, pr, dw);
  if (Ho < 1 || Wo < 1) {
    throw new TensorError(
      kernelTooLargeMessage(
        [H + pt + pb, W + pl + pr],
        [effectiveKernel(kh, dh), effectiveKernel(kw, dw)],
        dh !== 1 || dw !== 1,
      ),
    );
  }
  const geom: ConvGeom = { N, C, H, W, O, G, kh, kw, sh, sw, pt, pl, dh, dw, Ho, Wo };
  const Og = O / G;
  const Kc = Cg * kh * kw;
  const P = Ho * Wo;
  const X = input.data;
  const Wt = weight.data;
  const out = new Float64Array(N * O * P);
  const cols = new Float64Array(Kc * P);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      im2col(X, geom, n, gi * Cg, Cg, cols);
      gemm(Og, P, Kc, Wt, gi * Og * Kc, Kc, 1, cols, 0, out, (n * O + gi * Og) * P);
    }
  }
  if (bias) {
    const bd = bias.data;
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < O; o++) {
        const base = (n * O + o) * P;
        const bv = bd[o];
        for (let p = 0; p < P; p++) out[base + p] += bv;
      }
    }
  }
  const inputs = bias ? [input, weight, bias] : [input, weight];
  return createOp("conv2d", out, [N, O, Ho, Wo], inputs, (g, needs) => {
    let gx: Float64Array | null = null;
    let gw: Float64Array | null = null;
    let gb: Float64Array | null = null;
    const colsB = new Float64Array(Kc * P);
    const colsT = needs[1] ? new Float64Array(Kc * P) : null;
    if (needs[0]) gx = new Float64Array(input.size);
    if (needs[1]) gw = new Float64Array(weight.size);
    for (let n = 0; n < N; n++) {
      for (let gi = 0; gi < G; gi++) {
        const gOff = (n * O + gi * Og) * P;
        if (gw && colsT) {
          im2col(X, geom, n, gi * Cg, Cg, colsB);
          transposeInto(colsB, 0, Kc, P, colsT, 0);
          gemm(Og, Kc, P, g, gOff, P, 1, colsT, 0, gw, gi * Og * Kc);
        }
        if (gx) {
          colsB.fill(0);
          gemm(Kc, P, Og, Wt, gi * Og * Kc, 1, Kc, g, gOff, colsB, 0);
          col2im(colsB, geom, n, gi * Cg, Cg, gx);
        }
      }
    }
    if (bias && needs[2]) {
      gb = new Float64Array(O);
      for (let n = 0; n < N; n++) {
        for (let o = 0; o < O; o++) {
          const base = (n * O + o) * P;
          let s = 0;
          for (let p = 0; p < P; p++) s += g[base + p];
          gb[o] += s;
        }
      }
    }
    return bias ? [gx, gw, gb] : [gx, gw];
  });
}

/** Options of {@link conv1d}. */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | "valid" | "same";
  dilation?: number;
  groups?: number;
}

/**
 * 1-D convolution as PyTorch's `F.conv1d`: input `[N, C, L]` (or `[C, L]`), weight
 * `[O, C/groups, k]`, bias `[O]` → `[N, O, Lout]`; computed as conv2d over a height-1 view.
 * @throws {TensorError} as {@link conv2d}.
 */
export function conv1d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: Conv1dOptions = {},
): Tensor {
  if (input.ndim === 2) return squeeze(conv1d(unsqueeze(input, 0), weight, bias, opts), 0);
  if (input.ndim !== 3) {
    throw new TensorError(
      `conv1d: expected 2-D (unbatched) or 3-D (batched) input, but got input of size: ${shapeStr(input.shape)}`,
    );
  }
  if (weight.ndim !== 3) {
    throw new TensorError(
      `conv1d: expected weight [out_channels, in_channels/groups, k], got ${shapeStr(weight.shape)}`,
    );
  }
  const pad = opts.padding ?? 0;
  const stride = opts.stride ?? 1;
  if (pad === "same" && stride !== 1) throw new TensorError(sameStridedMessage([stride]));
  const y = conv2d(unsqueeze(input, 2), unsqueeze(weight, 2), bias, {
    stride: [1, stride],
    padding: typeof pad === "number" ? [0, pad] : pad,
    dilation: [1, opts.dilation ?? 1],
    groups: opts.groups ?? 1,
  });
  return squeeze(y, 2);
}

/** Options of the 2-D pools. */
export interface Pool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair | null;
  padding?: Pair;
  /** max_pool2d only. */
  dilation?: Pair;
  ceil_mode?: boolean;
  /** avg_pool2d only (default true): count padded zeros in the divisor. */
  count_include_pad?: boolean;
  /** avg_pool2d only: divide by this instead. */
  divisor_override?: number | null;
}

interface PoolGeom {
  NC: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  Ho: number;
  Wo: number;
}

function poolGeom(input: Tensor, kernel: Pair, opts: Pool2dOptions, op: string): PoolGeom {
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new TensorError(
      `${op}: expected 3D or 4D (batch mode) tensor for input, got ${shapeStr(input.shape)}`,
    );
  }
  const [kh, kw] = pair(kernel, "kernel_size", 1);
  const [sh, sw] =
    opts.stride === undefined || opts.stride === null ? [kh, kw] : pair(opts.stride, "stride", 1);
  const [ph, pw] = pair(opts.padding ?? 0, "padding", 0);
  const [dh, dw] = pair(opts.dilation ?? 1, "dilation", 1);
  if (poolPadTooLarge(ph, kh)) throw new TensorError(`${op}: ${poolPadMessage(ph, kh)}`);
  if (poolPadTooLarge(pw, kw)) throw new TensorError(`${op}: ${poolPadMessage(pw, kw)}`);
  const H = input.shape[input.ndim - 2];
  const W = input.shape[input.ndim - 1];
  const NC = input.size / (H * W || 1);
  const ceil = opts.ceil_mode ?? false;
  const Ho = poolingOutputSize(H, kh, ph, sh, dh, ceil);
  const Wo = poolingOutputSize(W, kw, pw, sw, dw, ceil);
  if (Ho < 1 || Wo < 1) {
    const C = input.shape[input.ndim - 3];
    throw new TensorError(`${op}: ${poolTooSmallMessage(C, [H, W], [Ho, Wo])}`);
  }
  return { NC, H, W, kh, kw, sh, sw, ph, pw, dh, dw, Ho, Wo };
}

/**
 * 2-D max pooling as PyTorch's `F.max_pool2d(input, kernel_size, stride=kernel_size, padding=0,
 * dilation=1, ceil_mode=False)`; input `[N, C, H, W]` or `[C, H, W]`. Padding counts as −∞. The
 * gradient goes to the first maximal element of each window.
 * @throws {TensorError} if padding exceeds half the kernel or the output would be empty.
 */
export function max_pool2d(input: Tensor, kernel_size: Pair, opts: Pool2dOptions = {}): Tensor {
  const p = poolGeom(input, kernel_size, opts, "max_pool2d");
  const { NC, H, W, kh, kw, sh, sw, ph, pw, dh, dw, Ho, Wo } = p;
  const X = input.data;
  const out = new Float64Array(NC * Ho * Wo);
  const arg = new Int32Array(NC * Ho * Wo);
  // the winner of each window and how many tie with it (branches, src/tensor/kinks.ts)
  const ties = recordingBranches() ? new Int32Array(NC * Ho * Wo) : null;
  for (let c = 0; c < NC; c++) {
    const xb = c * H * W;
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        let best = -Infinity;
        let bi = -1;
        let tie = 0;
        for (let i = 0; i < kh; i++) {
          const ih = oh * sh - ph + i * dh;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < kw; j++) {
            const iw = ow * sw - pw + j * dw;
            if (iw < 0 || iw >= W) continue;
            const idx = xb + ih * W + iw;
            const v = X[idx];
            if (bi < 0 || v > best || (v !== v && best === best)) {
              best = v;
              bi = idx;
              tie = 1;
            } else if (v === best) tie++;
          }
        }
        const o = (c * Ho + oh) * Wo + ow;
        out[o] = best;
        arg[o] = bi;
        if (ties) ties[o] = tie;
      }
    }
  }
  if (ties) {
    const m = out.length;
    noteBranches("max_pool2d", 2 * m, (i) => (i < m ? arg[i] : ties[i - m]));
  }
  const shape = [...input.shape.slice(0, -2), Ho, Wo];
  return createOp("max_pool2d", out, shape, [input], (g) => {
    const gx = new Float64Array(input.size);
    for (let o = 0; o < out.length; o++) if (arg[o] >= 0) gx[arg[o]] += g[o];
    return [gx];
  });
}

/**
 * 2-D average pooling as PyTorch's `F.avg_pool2d(input, kernel_size, stride=kernel_size,
 * padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)`. The divisor is the
 * window clipped to the padded input (count_include_pad) or to the input, as PyTorch's CPU kernel.
 * @throws {TensorError} as {@link max_pool2d}.
 */
export function avg_pool2d(input: Tensor, kernel_size: Pair, opts: Pool2dOptions = {}): Tensor {
  if (opts.dilation !== undefined && opts.dilation !== 1)
    throw new TensorError("avg_pool2d: dilation is not supported");
  const p = poolGeom(input, kernel_size, opts, "avg_pool2d");
  const { NC, H, W, kh, kw, sh, sw, ph, pw, Ho, Wo } = p;
  const includePad = opts.count_include_pad ?? true;
  const override = opts.divisor_override ?? null;
  if (override !== null && override === 0)
    throw new TensorError("avg_pool2d: divisor must be not zero");
  const X = input.data;
  const out = new Float64Array(NC * Ho * Wo);
  // divisor per output position (same for every channel)
  const div = new Float64Array(Ho * Wo);
  const hs = new Int32Array(Ho);
  const he = new Int32Array(Ho);
  const ws = new Int32Array(Wo);
  const we = new Int32Array(Wo);
  for (let oh = 0; oh < Ho; oh++) {
    for (let ow = 0; ow < Wo; ow++) {
      let h0 = oh * sh - ph;
      let w0 = ow * sw - pw;
      let h1 = Math.min(h0 + kh, H + ph);
      let w1 = Math.min(w0 + kw, W + pw);
      const poolSize = (h1 - h0) * (w1 - w0);
      h0 = Math.max(h0, 0);
      w0 = Math.max(w0, 0);
      h1 = Math.min(h1, H);
      w1 = Math.min(w1, W);
      hs[oh] = h0;
      he[oh] = h1;
      ws[ow] = w0;
      we[ow] = w1;
      div[oh * Wo + ow] =
        override !== null ? override : includePad ? poolSize : (h1 - h0) * (w1 - w0);
    }
  }
  for (let c = 0; c < NC; c++) {
    const xb = c * H * W;
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        let s = 0;
        for (let ih = hs[oh]; ih < he[oh]; ih++)
          for (let iw = ws[ow]; iw < we[ow]; iw++) s += X[xb + ih * W + iw];
        const q = oh * Wo + ow;
        out[c * Ho * Wo + q] = hs[oh] >= he[oh] || ws[ow] >= we[ow] ? 0 : s / div[q];
      }
    }
  }
  const shape = [...input.shape.slice(0, -2), Ho, Wo];
  return createOp("avg_pool2d", out, shape, [input], (g) => {
    const gx = new Float64Array(input.size);
    for (let c = 0; c < NC; c++) {
      const xb = c * H * W;
      for (let oh = 0; oh < Ho; oh++) {
        for (let ow = 0; ow < Wo; ow++) {
          const q = oh * Wo + ow;
          const v = g[c * Ho * Wo + q] / div[q];
          for (let ih = hs[oh]; ih < he[oh]; ih++)
            for (let iw = ws[ow]; iw < we[ow]; iw++) gx[xb + ih * W + iw] += v;
        }
      }
    }
    return [gx];
  });
}

/** 1-D max pooling (`[N, C, L]` or `[C, L]`) via {@link max_pool2d} on a height-1 view. */
export function max_pool1d(
  input: Tensor,
  kernel_size: number,
  opts: { stride?: number | null; padding?: number; dilation?: number; ceil_mode?: boolean } = {},
): Tensor {
  const y = max_pool2d(unsqueeze(input, -2), [1, kernel_size], {
    stride: [1, opts.stride ?? kernel_size],
    padding: [0, opts.padding ?? 0],
    dilation: [1, opts.dilation ?? 1],
    ceil_mode: opts.ceil_mode,
  });
  return reshape(y, [...input.shape.slice(0, -1), y.shape[y.ndim - 1]]);
}

/** 1-D average pooling via {@link avg_pool2d} on a height-1 view. */
export function avg_pool1d(
  input: Tensor,
  kernel_size: number,
  opts: {
    stride?: number | null;
    padding?: number;
    ceil_mode?: boolean;
    count_include_pad?: boolean;
  } = {},
): Tensor {
  const y = avg_pool2d(unsqueeze(input, -2), [1, kernel_size], {
    stride: [1, opts.stride ?? kernel_size],
    padding: [0, opts.padding ?? 0],
    ceil_mode: opts.ceil_mode,
    count_include_pad: opts.count_include_pad,
  });
  return reshape(y, [...input.shape.slice(0, -1), y.shape[y.ndim - 1]]);
}
