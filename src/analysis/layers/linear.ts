/**
 * Linear layers: Linear and Identity.
 *
 * Receptive field: Linear is `global` (it mixes every input position); Identity is `pointwise`.
 */
import { linearMismatchMessage } from "../../tensor/geometry.js";
import { FACTORY, int, truthy } from "./common.js";
import { LayerError, type LayerDef } from "./types.js";

/** Normalised configuration of Linear. */
export interface LinearConfig {
  in_features: number;
  out_features: number;
  bias: boolean;
}

/**
 * `nn.Linear` — https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
 *
 * Shape: (*, in_features) → (*, out_features), any number of leading dims (including none).
 * Parameters: weight (out_features, in_features), bias (out_features,) when bias. A last dim other
 * than in_features is refused with PyTorch's "mat1 and mat2 shapes cannot be multiplied (AxB and
 * CxD)", A being the product of the leading dims (1 for a 1-D input).
 */
export const Linear: LayerDef<LinearConfig> = {
  type: "Linear",
  signature: [
    { name: "in_features" },
    { name: "out_features" },
    { name: "bias", default: true },
    ...FACTORY,
  ],
  configure: (a) => ({
    in_features: int("in_features", a.in_features, 0),
    out_features: int("out_features", a.out_features, 0),
    bias: truthy(a.bias),
  }),
  outputShape(c, input) {
    if (input.length === 0) {
      throw new LayerError(
        "both arguments to matmul need to be at least 1D, but they are 0D and 2D",
      );
    }
    const last = input[input.length - 1];
    const lead = input.slice(0, -1);
    if (last !== c.in_features) {
      throw new LayerError(linearMismatchMessage(input, c.in_features, c.out_features));
    }
    return [...lead, c.out_features];
  },
  parameters: (c) => [
    { name: "weight", shape: [c.out_features, c.in_features] },
    ...(c.bias ? [{ name: "bias", shape: [c.out_features] }] : []),
  ],
  rf: () => ({ kind: "global", reason: "Linear mixes every input position" }),
  /** `F.linear(x, weight, bias)`: y = x·Wᵀ + b. */
  forward: (_c, x, p, F) => F.linear(x, p.weight, p.bias ?? null),
};

/**
 * `nn.Identity` — https://pytorch.org/docs/stable/generated/torch.nn.Identity.html
 *
 * Shape: (*) → (*); no parameters. PyTorch's `Identity(*args, **kwargs)` ignores any arguments,
 * and so does this definition (`variadic`).
 */
export const Identity: LayerDef<Record<string, never>> = {
  type: "Identity",
  signature: [],
  variadic: true,
  configure: () => ({}),
  outputShape: (_c, input) => [...input],
  parameters: () => [],
  rf: () => ({ kind: "pointwise" }),
  forward: (_c, x) => x,
};

/** Every linear layer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const linearLayers: LayerDef<any>[] = [Linear, Identity];
