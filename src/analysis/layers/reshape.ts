/**
 * Reshaping layers: Flatten, Unflatten and ChannelShuffle.
 *
 * Receptive field: Flatten (over spatial axes) is `global`; Unflatten and ChannelShuffle (a
 * permutation of the channels at each position) are `pointwise`.
 */
import type { Tensor } from "../../tensor/index.js";
import { channelShuffleGroupsMessage, channelShuffleProblem } from "../../tensor/geometry.js";
import { anyInt, prod, py, shapeStr, wrapDim } from "./common.js";
import { LayerError, type LayerDef, type Shape, type TensorCore } from "./types.js";

/** Normalised configuration of Flatten. */
export interface FlattenConfig {
  start_dim: number;
  end_dim: number;
}

/** The [start, end] dims Flatten merges for an input, wrapped; throws as PyTorch does. */
function flattenRange(c: FlattenConfig, input: Shape): [number, number] {
  const start = wrapDim(c.start_dim, input.length);
  const end = wrapDim(c.end_dim, input.length);
  if (start > end) {
    throw new LayerError("flatten() has invalid args: start_dim cannot come after end_dim");
  }
  return [start, end];
}

/**
 * `nn.Flatten` — https://pytorch.org/docs/stable/generated/torch.nn.Flatten.html
 *
 * Shape: (*, S_start, …, S_end, *) → (*, ∏ S_start..S_end, *); dims may be negative. A 0-d input
 * becomes (1,) (PyTorch wraps dims of a 0-d tensor as if it had one dim). RF: `global` when the
 * merged range includes a spatial axis (dim ≥ 2) and spans more than one dim; otherwise `pointwise`.
 */
export const Flatten: LayerDef<FlattenConfig> = {
  type: "Flatten",
  signature: [
    { name: "start_dim", default: 1 },
    { name: "end_dim", default: -1 },
  ],
  configure: (a) => ({
    start_dim: anyInt("start_dim", a.start_dim),
    end_dim: anyInt("end_dim", a.end_dim),
  }),
  outputShape(c, input) {
    const [start, end] = flattenRange(c, input);
    if (input.length === 0) return [1];
    return [...input.slice(0, start), prod(input.slice(start, end + 1)), ...input.slice(end + 1)];
  },
  parameters: () => [],
  rf(c, input) {
    if (input !== undefined) {
      const [start, end] = flattenRange(c, input);
      if (start === end || end < 2) return { kind: "pointwise" };
    }
    return { kind: "global", reason: "Flatten merges the spatial axes into one feature axis" };
  },
  forward: (c, x, _p, F) => F.reshape(x, Flatten.outputShape(c, x.shape)),
};

/** Normalised configuration of Unflatten. */
export interface UnflattenConfig {
  dim: number;
  unflattened_size: number[];
}

/**
 * `nn.Unflatten` — https://pytorch.org/docs/stable/generated/torch.nn.Unflatten.html
 *
 * Shape: (*, S_dim, *) → (*, U_1, …, U_n, *) with ∏ U_i = S_dim; one U_i may be −1 (inferred).
 */
export const Unflatten: LayerDef<UnflattenConfig> = {
  type: "Unflatten",
  signature: [{ name: "dim" }, { name: "unflattened_size" }],
  configure(a) {
    const sizes = a.unflattened_size;
    if (!Array.isArray(sizes)) {
      throw new LayerError(`unflattened_size must be a tuple of ints, but found ${py(sizes)}`);
    }
    return {
      dim: anyInt("dim", a.dim),
      unflattened_size: sizes.map((s) => anyInt("unflattened_size", s)),
    };
  },
  outputShape(c, input) {
    if (input.length === 0) {
      throw new LayerError(`Dimension specified as ${c.dim} but tensor has no dimensions`);
    }
    const d = wrapDim(c.dim, input.length);
    const sizes = c.unflattened_size;
    if (sizes.length === 0) throw new LayerError("unflatten: sizes must be non-empty");
    let inferAt = -1;
    sizes.forEach((s, i) => {
      if (s === -1) {
        if (inferAt >= 0) throw new LayerError("only one dimension can be inferred");
        inferAt = i;
      } else if (s < 0) {
        throw new LayerError(`invalid shape dimension ${s}`);
      }
    });
    const n = input[d];
    const known = prod(sizes.filter((s) => s !== -1));
    const mismatch = () =>
      new LayerError(
        `unflatten: Provided sizes ${shapeStr(sizes)} don't multiply up to the size of dim ${d} (${n}) in the input tensor`,
      );
    const out = [...sizes];
    if (inferAt >= 0) {
      if (known === 0) {
        if (n === 0) {
          throw new LayerError(
            `cannot reshape tensor of 0 elements into shape ${shapeStr(sizes)} because the unspecified dimension size -1 can be any value and is ambiguous`,
          );
        }
        throw mismatch();
      }
      if (n % known !== 0) throw mismatch();
      out[inferAt] = n / known;
    } else if (known !== n) {
      throw mismatch();
    }
    return [...input.slice(0, d), ...out, ...input.slice(d + 1)];
  },
  parameters: () => [],
  rf: () => ({ kind: "pointwise" }),
  forward: (c, x, _p, F) => F.reshape(x, Unflatten.outputShape(c, x.shape)),
};

/** Normalised configuration of ChannelShuffle. */
export interface ChannelShuffleConfig {
  groups: number;
}

/**
 * `torch.nn.ChannelShuffle(groups)` (https://pytorch.org/docs/1.13/generated/torch.nn.ChannelShuffle.html,
 * ShuffleNet): `(N, C, *)` → the same shape, channels regrouped (output channel i·g + j is input
 * channel j·(C/g) + i). PyTorch 1.13 reads dim 1 as the channels whatever the rank, and needs more
 * than 2 dims; C must be divisible by groups. No parameters. PyTorch 1.13 has no backward for it
 * ("derivative for channel_shuffle is not implemented"); dlq's tensor forward has one (the
 * permutation's transpose), so `dlq grad` can train through it where 1.13 cannot.
 */
export const ChannelShuffle: LayerDef<ChannelShuffleConfig> = {
  type: "ChannelShuffle",
  signature: [{ name: "groups" }],
  configure(a) {
    const g = a.groups;
    if (typeof g !== "number" || !Number.isInteger(g)) {
      throw new LayerError(`groups must be an int, got ${py(g)}`);
    }
    // PyTorch checks groups at forward, for every input of more than 2 dims.
    if (g < 1) throw new LayerError(channelShuffleGroupsMessage(g));
    return { groups: g };
  },
  outputShape(c, input) {
    const why = channelShuffleProblem(input, c.groups);
    if (why) throw new LayerError(why);
    return [...input];
  },
  parameters: () => [],
  rf: () => ({ kind: "pointwise" }),
  forward: (c: ChannelShuffleConfig, x: Tensor, _p: unknown, F: TensorCore) =>
    F.channel_shuffle(x, c.groups),
};

/** Every reshaping layer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const reshapeLayers: LayerDef<any>[] = [Flatten, Unflatten, ChannelShuffle];
