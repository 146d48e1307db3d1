/**
 * Padding layers: `ReflectionPad1d/2d/3d`, `ReplicationPad1d/2d/3d`, `ConstantPad1d/2d/3d` and
 * `ZeroPad2d`, as in PyTorch 1.13 (torch/nn/modules/padding.py; 1.13 has no ZeroPad1d/3d). Each
 * module stores its padding (an int repeated 2·n times, or the tuple as given) and calls
 * `F.pad(input, padding, mode, value)` in forward, so the tuple's length, not the class, decides
 * how many trailing dims are padded: the shape rule and refusals are F.pad's (geometry module,
 * src/tensor/geometry.ts). What F.pad refuses for every input (an odd length, a non-int entry, a
 * reflect/replicate tuple of other than 2, 4 or 6 values) is refused here by `configure`.
 *
 * Receptive field (Araujo et al. 2019): a pad is a window with kernel 1 and stride 1 whose padding
 * is the left/top/front padding of each spatial axis (negative for a crop); the effective-padding
 * formula only ever uses the left side. For reflect/replicate the padded positions read mirrored
 * or edge inputs, which the paper's zero-padding view does not follow; sizes and centres of
 * positions inside the input are unaffected.
 * Golden cases: tests/fixtures/layers_new.json (scripts/fixtures/gen_layers_new.py).
 */
import type { PyValue } from "../../spec/types.js";
import type { Tensor } from "../../tensor/index.js";
import {
  padOutputShape,
  padProblem,
  padTupleProblem,
  type PadMode,
} from "../../tensor/geometry.js";
import { py, unfloat } from "./common.js";
import { LayerError, type LayerDef, type RfStep, type TensorCore } from "./types.js";

/** A normalised padding module. */
export interface PadConfig {
  /** Number of spatial axes of the class (2 for ReflectionPad2d). */
  n: number;
  mode: PadMode;
  /** F.pad's tuple: (left, right, top, bottom, front, back), as many pairs as given. */
  pad: number[];
  /** The fill of constant padding (0 for ZeroPad2d). */
  value: number;
}

/** `_pair`/`_quadruple`/`_ntuple(6)`: an int repeated 2·n times; a tuple taken as given. */
function configurePad(n: number, v: PyValue, mode: PadMode): number[] {
  const bad = () =>
    new LayerError(`padding must be an int or a tuple of ints, got ${py(v)} (F.pad takes ints)`);
  let pad: number[];
  if (Array.isArray(v)) {
    pad = v.map((x) => {
      if (typeof x !== "number" || !Number.isInteger(x)) throw bad();
      return x;
    });
  } else if (typeof v === "number" && Number.isInteger(v)) {
    pad = new Array<number>(2 * n).fill(v);
  } else {
    throw bad();
  }
  if (pad.some((p) => !Number.isSafeInteger(p))) {
    throw new LayerError("padding is too large (beyond 2^53 − 1, dlq cannot hold it exactly)");
  }
  const why = padTupleProblem(pad, mode);
  if (why) throw new LayerError(why);
  return pad;
}

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** F.pad's `value`: a number (a bool counts as 0 or 1, None as 0). */
function configureValue(v: PyValue): number {
  const x = unfloat(v);
  if (x === null || x === false) return 0;
  if (x === true) return 1;
  if (typeof x === "number") {
    // PyTorch fills a float32 tensor (its default dtype), which a finite |value| > 3.4e38 overflows.
    if (Number.isFinite(x) && Math.abs(x) > FLOAT32_MAX) {
      throw new LayerError(
        `value cannot be converted to type float without overflow: ${x} (PyTorch's default dtype is float32)`,
      );
    }
    return x;
  }
  throw new LayerError(
    `value must be a number, got ${py(v)} (pad(): argument 'value' must be float)`,
  );
}

function padRf(c: PadConfig): RfStep {
  const pairs = c.pad.length / 2;
  if (pairs > c.n) {
    return {
      kind: "unsupported",
      reason: `this ${c.n}-d pad's ${pairs} padding pairs also pad a non-spatial dimension`,
    };
  }
  // Spatial axis a (0 = first spatial axis) is padded by pair n − 1 − a, when given.
  const padding = Array.from({ length: c.n }, (_v, a) => {
    const j = c.n - 1 - a;
    return 2 * j < c.pad.length ? c.pad[2 * j] : 0;
  });
  const ones = new Array<number>(c.n).fill(1);
  return { kind: "spatial", kernel: ones, stride: ones.slice(), padding, dilation: ones.slice() };
}

const MODE_WORD: Record<PadMode, string> = {
  reflect: "Reflection",
  replicate: "Replication",
  constant: "Constant",
};

function padLayer(mode: PadMode, n: number, zero = false): LayerDef<PadConfig> {
  const type = zero ? `ZeroPad${n}d` : `${MODE_WORD[mode]}Pad${n}d`;
  const withValue = mode === "constant" && !zero;
  return {
    type,
    signature: withValue ? [{ name: "padding" }, { name: "value" }] : [{ name: "padding" }],
    configure: (a) => ({
      n,
      mode,
      pad: configurePad(n, a.padding, mode),
      value: withValue ? configureValue(a.value) : 0,
    }),
    outputShape(c, input) {
      const why = padProblem(input, c.pad, c.mode);
      if (why) throw new LayerError(why);
      return padOutputShape(input, c.pad);
    },
    parameters: () => [],
    rf: padRf,
    forward: (c: PadConfig, x: Tensor, _p: unknown, F: TensorCore) =>
      F.pad(x, c.pad, c.mode, c.value),
  };
}

/**
 * `torch.nn.ReflectionPad1d` (https://pytorch.org/docs/1.13/generated/torch.nn.ReflectionPad1d.html):
 * `(C, W)` or `(N, C, W)` → `W_out = W_in + left + right`, mirroring without repeating the edge;
 * each padding must be smaller than the input's width.
 */
export const ReflectionPad1d = padLayer("reflect", 1);
/**
 * `torch.nn.ReflectionPad2d`: `(C, H, W)` or `(N, C, H, W)`, padding (left, right, top, bottom);
 * `H_out = H_in + top + bottom`, `W_out = W_in + left + right`.
 */
export const ReflectionPad2d = padLayer("reflect", 2);
/** `torch.nn.ReflectionPad3d`: `(C, D, H, W)` or `(N, C, D, H, W)`, padding (…, front, back). */
export const ReflectionPad3d = padLayer("reflect", 3);
/** `torch.nn.ReplicationPad1d`: as ReflectionPad1d, repeating the edge value (any padding size). */
export const ReplicationPad1d = padLayer("replicate", 1);
/** `torch.nn.ReplicationPad2d`: as ReflectionPad2d, repeating the edge values. */
export const ReplicationPad2d = padLayer("replicate", 2);
/** `torch.nn.ReplicationPad3d`: as ReflectionPad3d, repeating the edge values. */
export const ReplicationPad3d = padLayer("replicate", 3);
/**
 * `torch.nn.ConstantPad1d(padding, value)`: pads the last dim of any input with `value` (no rank
 * check beyond having the dims to pad); negative padding crops.
 */
export const ConstantPad1d = padLayer("constant", 1);
/** `torch.nn.ConstantPad2d(padding, value)`: pads the last two dims (left, right, top, bottom). */
export const ConstantPad2d = padLayer("constant", 2);
/** `torch.nn.ConstantPad3d(padding, value)`: pads the last three dims. */
export const ConstantPad3d = padLayer("constant", 3);
/** `torch.nn.ZeroPad2d(padding)`: ConstantPad2d with value 0. */
export const ZeroPad2d = padLayer("constant", 2, true);

/** Every padding layer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const paddingLayers: LayerDef<any>[] = [
  ReflectionPad1d,
  ReflectionPad2d,
  ReflectionPad3d,
  ReplicationPad1d,
  ReplicationPad2d,
  ReplicationPad3d,
  ConstantPad1d,
  ConstantPad2d,
  ConstantPad3d,
  ZeroPad2d,
];
