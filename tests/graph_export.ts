/**
 * Test support: a traced graph written back as a JSON graph spec (`"nodes"`, src/spec/json.ts),
 * so that the tests can read a model from its source and from JSON and compare. Graphs JSON
 * cannot say (several inputs, parameters read by forward, tied or frozen weights, arguments that
 * are not JSON literals) are reported as skipped, with the reason.
 */
import type { Graph, GraphNode, OutTree, TensorRef } from "../src/analysis/graph.js";
import { treeRefs } from "../src/analysis/graph.js";
import { PyFloat, PyList, PyTuple, type Value } from "../src/python/values.js";
import { RefArg } from "../src/analysis/graph.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

class Skip extends Error {}

/** A JSON literal for a Python value, or Skip. */
function literal(v: Value | unknown): Json {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Skip("a non-finite number argument");
    return v;
  }
  if (v instanceof PyFloat) return v.float;
  if (v instanceof PyTuple || v instanceof PyList) return v.items.map(literal);
  if (Array.isArray(v)) return v.map(literal);
  throw new Skip(
    `an argument JSON cannot hold (${typeof v === "object" ? v?.constructor.name : typeof v})`,
  );
}

/** The path to `ref` inside a node's output tree. */
function pathTo(out: OutTree, ref: TensorRef, at: number[] = []): number[] | undefined {
  if (out === null || "other" in out) return undefined;
  if ("node" in out) return out.node === ref.node && out.index === ref.index ? at : undefined;
  for (let i = 0; i < out.tuple.length; i++) {
    const p = pathTo(out.tuple[i], ref, [...at, i]);
    if (p) return p;
  }
  return undefined;
}

/**
 * The JSON graph spec of `graph` traced on `input`, or why it cannot be written.
 * Node names are the graph's with dots as underscores.
 */
export function graphToSpec(
  graph: Graph,
  input: number[],
): { spec: Record<string, Json> } | { skip: string } {
  try {
    if (graph.inputs.length !== 1) throw new Skip("several inputs");
    const names = new Map<number, string>();
    const used = new Set<string>(["input"]);
    const firstOf = new Map<unknown, string>();
    const nodes: Record<string, Json>[] = [];
    const refName = (r: TensorRef): string => {
      const n = graph.nodes[r.node];
      if (n.kind === "input") return "input";
      const base = names.get(r.node);
      if (base === undefined) throw new Skip(`a tensor from a ${n.kind} node (${n.name})`);
      const path = pathTo(n.out, r);
      if (path === undefined) throw new Skip(`an output of ${n.name} outside its result`);
      return [base, ...path].join(".");
    };
    for (const n of graph.nodes) {
      if (n.kind === "input") continue;
      if (n.kind !== "module" && n.kind !== "op") throw new Skip(`a ${n.kind} node (${n.name})`);
      let name = n.name.replace(/\./g, "_");
      for (let k = 1; used.has(name); k++) name = `${n.name.replace(/\./g, "_")}_${k}`;
      used.add(name);
      const entry: Record<string, Json> = { name };
      entry.inputs = inputsOf(n).map(refName);
      if (n.kind === "module") {
        const m = n.module!;
        if (m.tied || m.frozen || m.trainable === false) throw new Skip("tied or frozen weights");
        const first = firstOf.get(m);
        if (first !== undefined) entry.ref = first;
        else {
          firstOf.set(m, name);
          entry.type = m.type;
          const sig = n.def!.signature;
          m.args.positional.forEach((v, i) => {
            if (i >= sig.length) throw new Skip(`${m.type}: variadic arguments`);
            entry[sig[i].name] = literal(v);
          });
          for (const [k, v] of Object.entries(m.args.keywords)) entry[k] = literal(v);
        }
      } else {
        const def = n.op!;
        const display = n.display ?? def.name;
        const qualname = display.startsWith("Tensor.")
          ? display
          : (def.names.find((x) => /^(torch|operator)\./.test(x)) ??
            def.names.find((x) => x.startsWith("Tensor.")));
        if (qualname === undefined) throw new Skip(`${display}: no qualified name`);
        entry.op = qualname;
        let tensorsDone = false;
        for (const p of def.params) {
          if (!n.args!.has(p.name)) continue;
          const v = n.args!.get(p.name)!;
          const isTensors =
            v instanceof RefArg ||
            ((v instanceof PyList || v instanceof PyTuple) &&
              v.items.length > 0 &&
              v.items.every((x) => x instanceof RefArg));
          if (isTensors) {
            if (tensorsDone) throw new Skip(`${display}: a tensor after other arguments`);
            continue;
          }
          tensorsDone = true;
          if (p.kind === "vararg") entry.args = literal(v) as Json[];
          else entry[p.name] = literal(v);
        }
      }
      nodes.push(entry);
      names.set(n.id, name);
    }
    const outs = treeRefs(graph.out).map(refName);
    const spec: Record<string, Json> = { input, nodes };
    if (!(outs.length === 1 && outs[0] === nodes[nodes.length - 1]?.name)) spec.outputs = outs;
    return { spec };
  } catch (e) {
    if (e instanceof Skip) return { skip: e.message };
    throw e;
  }
}

/** A node's tensor inputs in its forward's (or op's) argument order. */
function inputsOf(n: GraphNode): TensorRef[] {
  if (n.kind === "module" && n.moduleInputs) {
    const order = ["input", ...(n.def!.forwardParams ?? []).map((p) => p.name)];
    const refs: TensorRef[] = [];
    for (const k of order) {
      const t = n.moduleInputs[k];
      if (t === undefined || t === null) break;
      if (!("node" in t)) throw new Skip(`${n.name}: a tuple argument`);
      refs.push(t);
    }
    return refs;
  }
  return n.inputs;
}
