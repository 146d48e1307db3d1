/**
 * The op registry: every op by each qualified name it answers to (`torch.cat`,
 * `torch.nn.functional.relu`, `Tensor.view`, `operator.add`).
 */
import { ACTIVATION_OPS } from "./activation.js";
import { ELEMENTWISE_OPS } from "./elementwise.js";
import { INDEXING_OPS } from "./indexing.js";
import { REDUCE_OPS } from "./reduce.js";
import { SHAPE_OPS } from "./shape.js";
import type { OpDef } from "./types.js";

let byName: Map<string, OpDef> | undefined;

function table(): Map<string, OpDef> {
  if (!byName) {
    byName = new Map();
    for (const d of [...ELEMENTWISE_OPS, ...ACTIVATION_OPS, ...REDUCE_OPS, ...SHAPE_OPS, ...INDEXING_OPS])
      for (const n of d.names) byName.set(n, d);
  }
  return byName;
}

/** The op a qualified name denotes, or undefined. */
export function opNamed(qualname: string): OpDef | undefined {
  return table().get(qualname);
}

/** Every qualified name of every op (for "did you mean" suggestions). */
export function opNames(): string[] {
  return [...table().keys()];
}
