/**
 * The graph of a JSON graph spec (`"nodes"`, src/spec/json.ts): each node, in order, applied to
 * the outputs its `inputs` name — a module of the layer catalogue or an `nn.Sequential` (a
 * container call around its layers, as PyTorch runs it), an earlier node's module again (shared
 * weights), or an op of the registry (src/ops/) with its shape rule and PyTorch's refusals. The
 * same {@link GraphBuilder} records it as the model-reading host records a traced forward, so
 * every command reads a graph spec as it reads the source it describes.
 */
import { formatLoc, InputError } from "../errors.js";
import { bindOp, makeOpArgs } from "../ops/args.js";
import { opNamed } from "../ops/registry.js";
import { DataDependent, OpError, type OpOut, type TensorMeta } from "../ops/types.js";
import { PyList, PyTuple, type Value } from "../python/values.js";
import type { ModuleSpec, PyValue, SpecNode, SpecNodeInput } from "../spec/types.js";
import {
  GraphBuilder,
  RefArg,
  TraceError,
  treeRefs,
  type Graph,
  type InTree,
  type OutTree,
  type TensorRef,
} from "./graph.js";
import { layerDef } from "./layers/index.js";

/** The name a graph spec's input goes by in `inputs`. */
export const GRAPH_INPUT = "input";

/**
 * Traces a graph spec's nodes on `input`.
 * @param root the module tree (a container whose children are the module nodes).
 * @param outputs the graph's outputs (default: the last node's).
 * @throws InputError naming the node (and where it is in the spec) when an input does not exist
 *   or is not a tensor, or when PyTorch would refuse a layer's or an op's shapes.
 */
export function traceNodes(
  root: ModuleSpec,
  nodes: readonly SpecNode[],
  outputs: readonly SpecNodeInput[] | undefined,
  input: TensorMeta,
  modelName?: string,
): Graph {
  const b = new GraphBuilder();
  const values = new Map<string, OutTree>();
  const x = b.input(input, GRAPH_INPUT);
  values.set(GRAPH_INPUT, x);
  const pick = (i: SpecNodeInput): OutTree => {
    let t: OutTree = values.get(i.node)!;
    const shown = [i.node, ...i.index].join(".");
    for (const k of i.index) {
      if (t === null || !("tuple" in t) || k >= t.tuple.length) {
        const n = t !== null && "tuple" in t ? t.tuple.length : 0;
        throw new InputError(
          `"${shown}": ${n ? `the output has ${n} items (0 to ${n - 1})` : "the output is not a tuple"}`,
          i.loc,
        );
      }
      t = t.tuple[k];
    }
    return t;
  };
  const tensor = (i: SpecNodeInput): TensorRef => {
    const t = pick(i);
    if (t !== null && "node" in t) return t;
    const shown = [i.node, ...i.index].join(".");
    const what =
      t !== null && "tuple" in t
        ? `a tuple of ${t.tuple.length} (pick one: "${shown}.0")`
        : "not a tensor";
    throw new InputError(`"${shown}" is ${what}`, i.loc);
  };
  const metaOf = (r: TensorRef): TensorMeta => b.graph.nodes[r.node].outputs[r.index];

  b.enter("", modelName ?? root.type, root, [x]);
  let last: OutTree = x;
  for (const n of nodes) {
    const refs = n.inputs.map(tensor);
    try {
      last = n.op
        ? applyOp(
            b,
            n,
            refs.map((r) => new RefArg(r, metaOf(r))),
          )
        : applyModule(b, n.module!, n.ref ?? n.name, "", refs, metaOf, n);
    } catch (e) {
      if (e instanceof TraceError) throw new InputError(e.message, e.where);
      throw e;
    }
    values.set(n.name, last);
  }
  const out: OutTree =
    outputs === undefined
      ? last
      : outputs.length === 1
        ? pick(outputs[0])
        : { tuple: outputs.map(pick) };
  b.exit(out);
  return b.finish(out);
}

/** A module node: a layer on its inputs (`input`, then its forward's further parameters), or a Sequential. */
function applyModule(
  b: GraphBuilder,
  m: ModuleSpec,
  name: string,
  scope: string,
  refs: TensorRef[],
  metaOf: (r: TensorRef) => TensorMeta,
  node: SpecNode,
): OutTree {
  if (m.kind === "layer") {
    const names = ["input", ...(layerDef(m.type)?.forwardParams ?? []).map((p) => p.name)];
    if (refs.length > names.length) {
      throw new InputError(
        `node ${node.name} (${m.type}): ${refs.length} inputs, but ${m.type}.forward takes ${names.length} (${names.join(", ")})`,
        node.loc,
      );
    }
    const inputs: Record<string, InTree> = {};
    refs.forEach((r, i) => (inputs[names[i]] = { ref: r, meta: metaOf(r) }));
    return b.layer(m, name, scope, inputs, node.loc).out;
  }
  if (refs.length !== 1) {
    throw new InputError(
      `node ${node.name} (${m.type}): an nn.Sequential takes one input, not ${refs.length}`,
      node.loc,
    );
  }
  b.enter(name, m.type, m, refs, node.loc);
  let x = refs[0];
  let out: OutTree = x;
  for (const c of m.children) {
    out = applyModule(b, c.module, `${name}.${c.name}`, name, [x], metaOf, node);
    x = treeRefs(out)[0];
  }
  b.exit(out);
  return out;
}

/** A JSON literal as a Python value: arrays are tuples. */
function toValue(v: PyValue): Value {
  return Array.isArray(v) ? new PyTuple(v.map(toValue)) : v;
}

/** An op node: the registry's op on its tensors (as a list for `cat`/`stack`), then its other arguments. */
function applyOp(b: GraphBuilder, n: SpecNode, tensors: RefArg[]): OutTree {
  const { qualname, display, args, keywords } = n.op!;
  const def = opNamed(qualname);
  const where = `${formatLoc(n.loc)}: node ${n.name} (${display})`;
  if (def.kind === "meta" || def.kind === "creation") {
    throw new InputError(`${display} does not compute a tensor from its inputs`, where);
  }
  const positional: Value[] =
    def.params[0]?.name === "tensors" ? [new PyList(tensors)] : [...tensors];
  for (const a of args) positional.push(toValue(a));
  const kws = Object.entries(keywords).map(([k, v]) => [k, toValue(v)] as const);
  let result: OpOut<TensorMeta>;
  let bound: Map<string, Value>;
  try {
    bound = bindOp(def, positional, kws, display, qualname.startsWith("Tensor."));
    result = def.meta(
      makeOpArgs(def, display, bound, (v) => (v instanceof RefArg ? v.meta : undefined)),
    );
  } catch (e) {
    if (e instanceof DataDependent)
      throw new InputError(`${e.message}: its output shape depends on the data`, where);
    if (e instanceof OpError) throw new InputError(e.message, where);
    throw e;
  }
  return b.op(def, display, bound, result, "", n.loc, n.name).out;
}
