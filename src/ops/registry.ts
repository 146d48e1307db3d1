/**
 * The op registry: every torch function, tensor method and operator dlq interprets, by qualified
 * name (`torch.cat`, `torch.nn.functional.relu`, `Tensor.view`, `operator.add`,
 * `operator.getitem`). Both interpreter hosts (model reading on meta tensors, gradcheck on the
 * tensor core) look ops up here; see src/ops/types.ts for the contract.
 */
import { closeNames } from "../util/suggest.js";
import { ACTIVATION_OPS } from "./activation.js";
import { CONV_OPS } from "./conv.js";
import { CREATION_OPS } from "./creation.js";
import { ELEMENTWISE_OPS } from "./elementwise.js";
import { INDEXING_OPS } from "./indexing.js";
import { LINALG_OPS } from "./linalg.js";
import { LOSS_OPS } from "./loss.js";
import { META_OPS } from "./meta.js";
import { NN_OPS } from "./nn.js";
import { REDUCE_OPS } from "./reduce.js";
import { SHAPE_OPS } from "./shape.js";
import type { OpDef } from "./types.js";

/** Every op definition, by family. */
export const OP_DEFS: readonly OpDef[] = [
  ...ELEMENTWISE_OPS,
  ...ACTIVATION_OPS,
  ...REDUCE_OPS,
  ...SHAPE_OPS,
  ...INDEXING_OPS,
  ...LINALG_OPS,
  ...CONV_OPS,
  ...NN_OPS,
  ...LOSS_OPS,
  ...CREATION_OPS,
  ...META_OPS,
];

const BY_NAME = new Map<string, OpDef>();
for (const d of OP_DEFS)
  for (const n of d.names) {
    if (BY_NAME.has(n)) throw new Error(`op registry: '${n}' is defined twice`);
    BY_NAME.set(n, d);
  }

/** The op a qualified name denotes, or undefined. */
export function lookupOp(qualname: string): OpDef | undefined {
  return BY_NAME.get(qualname);
}

/**
 * The op a qualified name denotes.
 * @throws Error for an unknown name (a programming error: hosts check with {@link lookupOp}).
 */
export function opNamed(qualname: string): OpDef {
  const d = BY_NAME.get(qualname);
  if (!d) throw new Error(`no op named '${qualname}'${suggestion(qualname)}`);
  return d;
}

/** Every qualified name the registry answers to, sorted. */
export function opNames(): string[] {
  return [...BY_NAME.keys()].sort();
}

/**
 * The names under `prefix` (`torch.nn.functional.`, `Tensor.`) close to `name`, for "did you mean"
 * (`torch.nn.functional.rellu` → `relu`): the bare names, without the prefix.
 */
export function closeOpNames(prefix: string, name: string): string[] {
  const cands = [...BY_NAME.keys()]
    .filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes("."))
    .map((k) => k.slice(prefix.length));
  return closeNames(name, cands);
}

function suggestion(qualname: string): string {
  const i = qualname.lastIndexOf(".");
  const close = closeOpNames(qualname.slice(0, i + 1), qualname.slice(i + 1));
  return close.length ? ` (did you mean ${close.map((c) => `'${c}'`).join(" or ")}?)` : "";
}
