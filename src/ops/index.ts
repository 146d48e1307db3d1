/** The op registry (src/ops/registry.ts), its contract, and the argument binder for hosts. */
export * from "./types.js";
export { bindOp, makeOpArgs, BoundArgs, opSig, parseDefault } from "./args.js";
export { OP_DEFS, lookupOp, opNamed, opNames, closeOpNames } from "./registry.js";
export { resultType, promoteTypes, DTYPE_ALIASES, DEFAULT_FLOAT } from "./dtype.js";
export { torchSize } from "./meta.js";
export { isTensorOut } from "./util.js";
