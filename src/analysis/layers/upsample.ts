/**
 * Upsampling layers: Upsample.
 *
 * Receptive field: `unsupported` (Upsample interpolates; it is not a sliding window over its
 * input).
 */
import type { PyValue } from "../../spec/types.js";
import { bool, int, py, real, shapeStr, unfloat } from "./common.js";
import { LayerError, type LayerDef } from "./types.js";

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

const UPSAMPLE_MODES = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact";
const INTERP_RANK: Record<string, number> = { linear: 3, bilinear: 4, bicubic: 4, trilinear: 5 };
const AXIS_NAMES = [["W"], ["H", "W"], ["D", "H", "W"]];

function optBool(name: string, v: PyValue): boolean | null {
  return v === null ? null : bool(name, v);
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
  configure(a) {
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
  },
  outputShape(c, input) {
    const r = input.length;
    const { mode, size, scale_factor: sf } = c;
    if (
      (mode === "nearest" || mode === "area" || mode === "nearest-exact") &&
      c.align_corners !== null
    ) {
      throw new LayerError(
        "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear",
      );
    }
    const dim = r - 2;
    const spatial = input.slice(2);
    if (size !== null && sf !== null) {
      throw new LayerError("only one of size or scale_factor should be defined");
    }
    if (size === null && sf === null) {
      throw new LayerError("either size or scale_factor should be defined");
    }
    if (Array.isArray(size) && size.length !== dim) {
      throw new LayerError(
        `Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${shapeStr(spatial)} and output size of ${py(size)}`,
      );
    }
    if (Array.isArray(sf) && sf.length !== dim) {
      throw new LayerError(
        `Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${shapeStr(spatial)} and scale_factor of shape ${py(sf)}`,
      );
    }
    if (c.recompute_scale_factor === true && size !== null) {
      throw new LayerError("recompute_scale_factor is not meaningful with an explicit size.");
    }
    const need = INTERP_RANK[mode];
    const known = need !== undefined || ["nearest", "area", "nearest-exact"].includes(mode);
    if (r < 3 || r > 5 || !known || (mode === "bicubic" && r !== 4)) {
      throw new LayerError(
        `Input Error: Only 3D, 4D and 5D input Tensors supported (got ${r}D) for the modes: ${UPSAMPLE_MODES} (got ${mode})`,
      );
    }
    if (need !== undefined && need !== r) {
      throw new LayerError(`Got ${r}D input, but ${mode} mode needs ${need}D input`);
    }
    const out = spatial.map((n, i) => {
      if (size !== null) return Array.isArray(size) ? size[i] : size;
      const s = Array.isArray(sf) ? sf[i] : (sf as number);
      return Math.floor(n * s);
    });
    if (out.some((o) => o <= 0) || spatial.some((n) => n <= 0)) {
      const names = AXIS_NAMES[dim - 1];
      const fmt = (xs: number[]) => xs.map((x, i) => `${names[i]}: ${x}`).join(", ");
      throw new LayerError(
        `Input and output sizes should be greater than 0, but got input (${fmt(spatial)}) output (${fmt(out)})`,
      );
    }
    return [input[0], input[1], ...out];
  },
  parameters: () => [],
  rf: () => ({
    kind: "unsupported",
    reason: "Upsample interpolates; it is not a sliding window over its input",
  }),
};

/** Every upsampling layer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const upsampleLayers: LayerDef<any>[] = [Upsample];
