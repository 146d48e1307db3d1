/**
 * Example inputs for a model's first layer, for the "no input shape" message: what such a layer
 * takes (its channels or features, as its arguments say), at the usual sizes, most common first.
 * The caller keeps the first one that flows through the whole model.
 */
import type { DType } from "../../ops/types.js";
import { bindArgs } from "./common.js";
import type { LayerDef } from "./types.js";
import type { LayerModule } from "../../spec/types.js";

/** A candidate input: its shape (batch first), dtype, and how to read it. */
export interface ExampleInput {
  shape: number[];
  dtype?: DType;
  label?: string;
}

const SIZES = [224, 32, 28, 64, 96, 128, 256, 299, 512];

/** Candidate inputs for a model whose first layer is `first`. */
export function exampleInputs(first: {
  def: LayerDef<unknown>;
  module: LayerModule;
  config: unknown;
}): ExampleInput[] {
  const { def } = first;
  if (def.inputKind === "index")
    return [{ shape: [8, 20], dtype: "int64", label: "(indices: batch, sequence)" }];
  const args = bindArgs(def, first.module.args.positional, first.module.args.keywords, {
    repr: first.module.fromRepr === true,
  });
  const config = first.config as { kernel?: unknown[]; n?: number } | undefined;
  if (typeof args.in_features === "number") return [{ shape: [1, args.in_features] }];
  if (typeof args.in_channels === "number") {
    const axes = config?.n ?? (Array.isArray(config?.kernel) ? config.kernel.length : 2);
    if (axes === 1)
      return [100, 1000, 28, 32].map((n) => ({ shape: [1, args.in_channels as number, n] }));
    if (axes === 3)
      return [
        [16, 64, 64],
        [16, 112, 112],
        [8, 32, 32],
      ].map((s) => ({ shape: [1, args.in_channels as number, ...s] }));
    return SIZES.map((n) => ({ shape: [1, args.in_channels as number, n, n] }));
  }
  if (typeof args.input_size === "number") {
    return args.batch_first === true
      ? [{ shape: [1, 10, args.input_size], label: "(batch, sequence, features)" }]
      : [{ shape: [10, 1, args.input_size], label: "(sequence, batch, features)" }];
  }
  return SIZES.map((n) => ({ shape: [1, 3, n, n] }));
}
