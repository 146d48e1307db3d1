/**
 * Receptive fields of a chain of layers, with the closed forms of Araujo, Norris & Sim,
 * "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019
 * (https://distill.pub/2019/computing-receptive-fields/), equations (1)–(4) for a single path:
 *
 *   r₀ = Σₗ (kₗ − 1) · Π_{i<l} sᵢ + 1        receptive field size
 *   S₀ = Πₗ sₗ                               effective stride
 *   P₀ = Σₗ pₗ · Π_{i<l} sᵢ                  effective padding
 *
 * with kₗ the effective kernel dₗ·(kₗ − 1) + 1 of a dilated layer. They are accumulated layer by
 * layer from the input side, so every prefix of the network gets its own row. The centre of the
 * receptive field of output position 0 is (r₀ − 1)/2 − P₀, in input pixel coordinates where input
 * pixel i covers [i − ½, i + ½] (pixel centres at integers, the first at 0); output position u is
 * centred at that value + u·S₀.
 */
import { InputError } from "../errors.js";
import { layerWhere, type LayerUse } from "./model.js";
import type { RfStep, Shape } from "./layers/types.js";

/** Receptive-field facts after one layer (per spatial axis). */
export interface RfRow {
  name: string;
  type: string;
  /** Receptive field size r per axis (input pixels); null after a layer that sees the whole input. */
  size: (number | null)[];
  /** Effective stride S per axis. */
  stride: number[];
  /** Effective padding P per axis. */
  padding: number[];
  /** Centre of output position 0's field per axis, (r − 1)/2 − P; null when the whole input. */
  center: (number | null)[];
  /** Set from the first layer that mixes every input position onward, with the reason. */
  wholeInput?: string;
}

export interface RfResult {
  /** Number of spatial axes (1 for Conv1d, 2 for Conv2d, …); 0 for a model without spatial layers. */
  axes: number;
  rows: RfRow[];
  /** The last row's values (the whole network). */
  size: (number | null)[];
  stride: number[];
  padding: number[];
  center: (number | null)[];
  wholeInput?: string;
}

/**
 * Accumulates receptive fields through the layer applications.
 * @param inputs the shape entering each layer when known (from the shape analysis), for layers whose
 *   step depends on it (adaptive pooling).
 * @throws InputError when a layer has no receptive field in Araujo et al.'s sense (transposed
 *   convolution, upsampling, recurrence) or when layers disagree on the number of spatial axes.
 */
export function receptiveField(uses: readonly LayerUse[], inputs?: readonly Shape[]): RfResult {
  const steps: RfStep[] = uses.map((u, i) => u.def.rf(u.config, inputs?.[i]));
  const firstSpatial = steps.find((s) => s.kind === "spatial");
  const axes = firstSpatial && firstSpatial.kind === "spatial" ? firstSpatial.kernel.length : 0;
  let r = new Array<number>(axes).fill(1);
  let S = new Array<number>(axes).fill(1);
  let P = new Array<number>(axes).fill(0);
  let whole: string | undefined;
  const rows: RfRow[] = [];
  steps.forEach((step, i) => {
    const use = uses[i];
    if (step.kind === "unsupported") {
      throw new InputError(
        `no receptive field through this layer: ${step.reason}`,
        layerWhere(use),
      );
    }
    if (step.kind === "global" && whole === undefined) {
      whole = `${use.type} (layer ${use.name}): ${step.reason}`;
    }
    if (step.kind === "spatial" && whole === undefined) {
      if (step.kernel.length !== axes) {
        throw new InputError(
          `has ${step.kernel.length} spatial axes but earlier layers have ${axes}`,
          layerWhere(use),
        );
      }
      const kEff = step.kernel.map((k, a) => step.dilation[a] * (k - 1) + 1);
      r = r.map((ra, a) => ra + (kEff[a] - 1) * S[a]);
      P = P.map((pa, a) => pa + step.padding[a] * S[a]);
      S = S.map((sa, a) => sa * step.stride[a]);
    }
    rows.push({
      name: use.name,
      type: use.type,
      size: whole ? r.map(() => null) : [...r],
      stride: [...S],
      padding: [...P],
      center: whole ? r.map(() => null) : r.map((ra, a) => (ra - 1) / 2 - P[a]),
      ...(whole ? { wholeInput: whole } : {}),
    });
  });
  const last = rows[rows.length - 1];
  return {
    axes,
    rows,
    size: last ? last.size : [],
    stride: last ? last.stride : [],
    padding: last ? last.padding : [],
    center: last ? last.center : [],
    ...(whole ? { wholeInput: whole } : {}),
  };
}
