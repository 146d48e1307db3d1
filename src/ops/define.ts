/**
 * How the op families write their entries: {@link op} fills an {@link OpDef} from a compact
 * signature, and the name helpers spell qualified names (`torch.X`, `torch.nn.functional.X`,
 * `Tensor.X`, `operator.X`).
 */
import type { SigParam } from "../python/signature.js";
import type { Value } from "../python/values.js";
import { opSig } from "./args.js";
import { OpError, type OpDef, type TensorMeta } from "./types.js";

/** An op as a family file writes it: the signature in compact form (see `sig`). */
export type OpSpec = Omit<OpDef, "params"> & { params: readonly string[] | SigParam<Value>[] };

/** An {@link OpDef} from its spec. */
export function op(spec: OpSpec): OpDef {
  const params =
    spec.params.length > 0 && typeof spec.params[0] !== "string"
      ? (spec.params as SigParam<Value>[])
      : opSig(spec.params as readonly string[]);
  return { ...spec, params };
}

export const torch = (n: string): string => `torch.${n}`;
export const nnf = (n: string): string => `torch.nn.functional.${n}`;
export const method = (n: string): string => `Tensor.${n}`;
export const operator = (n: string): string => `operator.${n}`;

/** PyTorch's placement keywords that dlq accepts and ignores (creation functions, `to`). */
export const PLACEMENT = ["layout=None", "device=None", "pin_memory=False"];

/**
 * Refuses a tensor whose dtype PyTorch's kernel is not implemented for, with its wording:
 * `"abs_cpu" not implemented for 'Bool'`.
 */
export function notImplementedFor(kernel: string, dtypeName: string): never {
  throw new OpError(`"${kernel}" not implemented for '${dtypeName}'`);
}

/** The same meta tensor (an identity op: `contiguous()` of a contiguous tensor, `x.float()` of float). */
export function same(x: TensorMeta): TensorMeta {
  return x;
}
