/**
 * Runs a traced graph (src/analysis/graph.ts) on the tensor core, node by node, recorded for
 * autodiff: module nodes by their layer's tensor forward, op nodes by the op registry's kernels,
 * parameters from the caller, and the tensors forward read from outside (buffers such as a causal
 * mask, constants) recomputed from the ops that made them when the source was read.
 */
import { InputError, formatLoc } from "../errors.js";
import { makeOpArgs } from "../ops/args.js";
import type { DType, KernelContext, OpOut, TensorCore } from "../ops/types.js";
import { HostValue, PyList, PyTuple, type Value } from "../python/values.js";
import type { Generator, Tensor } from "../tensor/index.js";
import { layerWhere, RefArg, treeRefs, type Graph, type GraphNode, type OutTree } from "./graph.js";
import { LayerError, type ForwardMode, type TensorTree } from "./layers/types.js";

/** What the executor needs besides the graph. */
export interface ExecuteOptions {
  /** The tensors of forward's tensor arguments, in the order of `graph.inputs`. */
  inputs: Tensor[];
  /** A module node's parameter tensors by name (shared modules: the same tensors). */
  params(node: GraphNode): Readonly<Record<string, Tensor>>;
  /** A parameter node's tensor (a container's own `nn.Parameter`). */
  param(node: GraphNode): Tensor;
  generator: Generator;
  trainDropout: boolean;
}

/** Every node's output tensors, by node id. */
export type Values = Tensor[][];

/** Where a node is, for messages. */
function where(n: GraphNode): string {
  if (n.kind === "module") return layerWhere(n.name, n.type, n.module?.loc);
  return `${n.callLoc ? `${formatLoc(n.callLoc)}: ` : ""}${n.name} (${n.display ?? n.type})`;
}

/**
 * Refuses a graph the tensor core cannot run: a layer without a tensor forward, an op without a
 * kernel.
 * @throws InputError naming the node.
 */
export function checkRunnable(graph: Graph, command = "dlq grad"): void {
  for (const n of graph.nodes) {
    if (n.kind === "module" && !n.def!.forward && !n.def!.forwardTree) {
      throw new InputError(
        `${n.type} has no tensor forward in dlq, so ${command} cannot run this model`,
        where(n),
      );
    }
    if (n.kind === "op" && !n.op!.kernel) {
      throw new InputError(
        `${n.display ?? n.type} has no kernel in dlq's tensor core, so ${command} cannot run this model`,
        where(n),
      );
    }
  }
}

/** A value recorded with a tensor's origin (src/spec/torch_host.ts's meta tensors). */
interface WithOrigin {
  meta: { shape: readonly number[]; dtype: DType };
  origin?: {
    op: import("../ops/types.js").OpDef;
    display: string;
    args: ReadonlyMap<string, Value>;
  };
}

function hasMeta(v: unknown): v is WithOrigin & HostValue {
  return v instanceof HostValue && "meta" in v;
}

/**
 * Runs `graph` on the tensor core.
 * @throws InputError naming the node when a layer or op refuses its input.
 */
export function execute(graph: Graph, T: TensorCore, o: ExecuteOptions): Values {
  const values: Values = [];
  const dtypes = new WeakMap<Tensor, DType>();
  const ctx: KernelContext = {
    generator: o.generator,
    trainDropout: o.trainDropout,
    dtypeOf: (t) => dtypes.get(t) ?? "float32",
  };
  const mode: ForwardMode = { trainDropout: o.trainDropout, generator: o.generator };
  const memo = new Map<unknown, Tensor>();
  /** A tensor read from outside forward, recomputed from the op that made it. */
  const outside = (v: WithOrigin): Tensor => {
    const seen = memo.get(v);
    if (seen) return seen;
    let t: Tensor;
    if (v.origin) {
      const out = v.origin.op.kernel!(
        makeOpArgs(v.origin.op, v.origin.display, new Map(v.origin.args), (x) =>
          hasMeta(x) ? outside(x) : undefined,
        ),
        T,
        ctx,
      );
      t = firstTensor(out);
    } else t = T.zeros(v.meta.shape);
    dtypes.set(t, v.meta.dtype);
    memo.set(v, t);
    return t;
  };
  const get = (r: { node: number; index: number }): Tensor => values[r.node][r.index];
  const tensorOf = (v: Value): Tensor | undefined => {
    if (v instanceof RefArg) return get(v.ref);
    if (hasMeta(v)) return outside(v);
    return undefined;
  };
  let k = 0;
  for (const n of graph.nodes) {
    let outs: Tensor[];
    try {
      switch (n.kind) {
        case "input":
          outs = [o.inputs[k++]];
          break;
        case "param":
          outs = [o.param(n)];
          break;
        case "buffer":
        case "constant":
          outs = [n.leaf ? outside(n.leaf as unknown as WithOrigin) : T.zeros(n.outputs[0].shape)];
          break;
        case "module": {
          const def = n.def!;
          const params = o.params(n);
          if (def.forwardTree && n.moduleInputs) {
            const ins: Record<string, TensorTree | null> = {};
            for (const [key, tree] of Object.entries(n.moduleInputs))
              ins[key] = toTensorTree(tree, get);
            outs = flattenTree(def.forwardTree(n.config, ins, params, T, mode));
          } else if (def.forwardTree && !def.forward) {
            outs = flattenTree(
              def.forwardTree(n.config, { input: get(n.inputs[0]) }, params, T, mode),
            );
          } else outs = [def.forward!(n.config, get(n.inputs[0]), params, T, mode)];
          break;
        }
        case "op": {
          const a = makeOpArgs(n.op!, n.display ?? n.type, new Map(n.args!), tensorOf);
          outs = flattenOut(n.op!.kernel!(a, T, ctx));
          break;
        }
      }
    } catch (e) {
      if (e instanceof LayerError || e instanceof InputError)
        throw new InputError(e.message, where(n));
      if (e instanceof Error && e.name === "OpError") throw new InputError(e.message, where(n));
      throw e;
    }
    outs.forEach((t, i) => dtypes.set(t, n.outputs[i]?.dtype ?? "float32"));
    values[n.id] = outs;
  }
  return values;
}

/** The first output tensor of a graph's result. */
export function outputOf(graph: Graph, values: Values): Tensor {
  const r = treeRefs(graph.out)[0];
  if (!r) throw new InputError("the model's forward returns no tensor", "forward");
  return values[r.node][r.index];
}

function firstTensor(o: OpOut<Tensor>): Tensor {
  const flat = flattenOut(o);
  if (!flat.length) throw new Error("an op made no tensor");
  return flat[0];
}

function flattenOut(o: OpOut<Tensor>): Tensor[] {
  if ("tuple" in o) return o.tuple.flatMap(flattenOut);
  if ("py" in o) return [];
  return [o];
}

function flattenTree(t: TensorTree): Tensor[] {
  if ("tuple" in t && !("data" in t))
    return (t as { tuple: TensorTree[] }).tuple.flatMap(flattenTree);
  return [t as Tensor];
}

function toTensorTree(
  t: OutTree,
  get: (r: { node: number; index: number }) => Tensor,
): TensorTree | null {
  if (t === null) return null;
  if ("tuple" in t) return { tuple: t.tuple.map((x) => toTensorTree(x, get) as TensorTree) };
  if ("other" in t) return null;
  return get(t);
}

export { PyList, PyTuple };
