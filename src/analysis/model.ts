/**
 * Model resolution and per-layer facts (the `dlq shape` table), following torchinfo's conventions.
 *
 * A {@link ModelSpec} tree is flattened into the sequence of layer applications PyTorch would run
 * for `nn.Sequential`. Each distinct module is bound and validated once (shared modules keep one
 * configuration and one set of parameters); each application then gets its input and output shape,
 * parameter count and mult-adds.
 */
import { InputError, formatLoc } from "../errors.js";
import type { LayerModule, ModelSpec, ModuleSpec } from "../spec/types.js";
import { bindArgs, prod, shapeStr } from "./layers/common.js";
import { layerDef } from "./layers/index.js";
import { LayerError, type LayerDef, type ParamTensor, type Shape } from "./layers/types.js";

/** One application of a layer module, in execution order. */
export interface LayerUse {
  /** PyTorch's name path in the model (`"3"`, `"features.0"`, or the bound variable's name). */
  name: string;
  type: string;
  module: LayerModule;
  def: LayerDef<unknown>;
  config: unknown;
  /** The name of this module's first application when it is applied again (shared weights). */
  sharedWith?: string;
}

/** `layer 3 (Conv2d)`, prefixed with `file:line:column` when the module's position is known. */
export function layerWhere(use: Pick<LayerUse, "name" | "type" | "module">): string {
  const at = use.module.loc ? `${formatLoc(use.module.loc)}: ` : "";
  return `${at}layer ${use.name} (${use.type})`;
}

/**
 * Flattens the model into layer applications and validates every module's arguments.
 * @throws InputError naming the layer (and its file position) for an unknown module type or an
 *   argument PyTorch would refuse.
 */
export function resolveModel(spec: ModelSpec): LayerUse[] {
  const uses: LayerUse[] = [];
  const seen = new Map<LayerModule, LayerUse>();
  // Iterative walk (a deep nesting of Sequentials must not overflow the stack).
  const stack: { name: string; module: ModuleSpec }[] = [{ name: "", module: spec.root }];
  while (stack.length > 0) {
    const { name, module } = stack.pop()!;
    if (module.kind === "sequential") {
      for (let i = module.children.length - 1; i >= 0; i--) {
        const child = module.children[i];
        stack.push({ name: name ? `${name}.${child.name}` : child.name, module: child.module });
      }
      continue;
    }
    const useName = name || spec.name || module.type;
    const first = seen.get(module);
    if (first) {
      uses.push({ ...first, name: useName, sharedWith: first.name });
      continue;
    }
    const partial = { name: useName, type: module.type, module };
    let def: LayerDef<unknown>;
    let config: unknown;
    try {
      def = layerDef(module.type);
      const repr = spec.format === "repr";
      config = def.configure(bindArgs(def, module.args.positional, module.args.keywords, { repr }));
    } catch (e) {
      if (e instanceof LayerError) throw new InputError(e.message, layerWhere(partial));
      throw e;
    }
    const use: LayerUse = { ...partial, def, config };
    seen.set(module, use);
    uses.push(use);
  }
  return uses;
}

/** Facts about one layer application (one row of the `dlq shape` table). */
export interface LayerFacts {
  name: string;
  type: string;
  input: Shape;
  output: Shape;
  /** Parameters owned by the module, counted on its first application only (0 when shared). */
  params: number;
  trainableParams: number;
  /** Mult-adds of this application, torchinfo's convention (see {@link multAdds}). */
  multAdds: number;
  sharedWith?: string;
}

/** The whole `dlq shape` result. Sizes in bytes; torchinfo's estimate. */
export interface ModelFacts {
  input: Shape;
  output: Shape;
  layers: LayerFacts[];
  params: number;
  trainableParams: number;
  nonTrainableParams: number;
  multAdds: number;
  memory: {
    /** Input tensor: 4 bytes per float element (8 per int64 index for Embedding). */
    inputBytes: number;
    /** Σ over applications of modules with parameters of output elements × 4 bytes × 2 (gradients). */
    forwardBackwardBytes: number;
    /** Parameters × 4 bytes (float32). */
    paramBytes: number;
    totalBytes: number;
  };
}

/**
 * Mult-adds of one application, exactly as torchinfo's `LayerInfo.calculate_macs`: for each
 * parameter named `weight` or `bias`, its element count × (for classes whose name contains "Conv")
 * the batch size times the output's spatial size, or (otherwise) the output's first dimension; for
 * recurrent weights (`weight_ih_l0`, …) its count × the product of the output's first two dims.
 * Source: torchinfo/layer_info.py (TylerYep/torchinfo).
 */
export function multAdds(type: string, params: readonly ParamTensor[], output: Shape): number {
  let macs = 0;
  for (const p of params) {
    const n = prod(p.shape);
    if (p.name === "weight" || p.name === "bias") {
      macs += type.includes("Conv")
        ? n * prod([...output.slice(0, 1), ...output.slice(2)])
        : output[0] * n;
    } else if (p.name.includes("weight") || p.name.includes("bias")) {
      macs += prod(output.slice(0, 2)) * n;
    }
  }
  return macs;
}

/**
 * Runs the shape rules through every application, from `input` (batch dimension first).
 * @throws InputError naming the layer and the numbers when a shape cannot flow (PyTorch's refusals).
 */
export function modelFacts(uses: readonly LayerUse[], input: Shape): ModelFacts {
  const layers: LayerFacts[] = [];
  let shape = input;
  let params = 0;
  let trainable = 0;
  let fwdBwdElems = 0;
  for (const use of uses) {
    let output: Shape;
    try {
      output = use.def.outputShape(use.config, shape);
    } catch (e) {
      if (e instanceof LayerError) {
        throw new InputError(`${e.message} (input ${shapeStr(shape)})`, layerWhere(use));
      }
      throw e;
    }
    const tensors = use.def.parameters(use.config);
    const own = tensors.reduce((s, t) => s + prod(t.shape), 0);
    const counted = use.sharedWith ? 0 : own;
    const isTrainable = use.module.trainable !== false;
    params += counted;
    if (isTrainable) trainable += counted;
    if (own > 0) fwdBwdElems += prod(output) * 2;
    layers.push({
      name: use.name,
      type: use.type,
      input: shape,
      output,
      params: counted,
      trainableParams: isTrainable ? counted : 0,
      multAdds: multAdds(use.type, tensors, output),
      ...(use.sharedWith ? { sharedWith: use.sharedWith } : {}),
    });
    shape = output;
  }
  const indexInput = uses.length > 0 && uses[0].def.inputKind === "index";
  const inputBytes = prod(input) * (indexInput ? 8 : 4);
  const forwardBackwardBytes = fwdBwdElems * 4;
  const paramBytes = params * 4;
  return {
    input,
    output: shape,
    layers,
    params,
    trainableParams: trainable,
    nonTrainableParams: params - trainable,
    multAdds: layers.reduce((s, l) => s + l.multAdds, 0),
    memory: {
      inputBytes,
      forwardBackwardBytes,
      paramBytes,
      totalBytes: inputBytes + forwardBackwardBytes + paramBytes,
    },
  };
}
