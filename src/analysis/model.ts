/**
 * The model's facts as `dlq shape` reports them, following torchinfo: the model's parameters (as
 * `model.parameters()` yields them: tied and shared ones once), and one row per call in the traced
 * graph (src/analysis/graph.ts) — leaf modules, the ops that compute or merge, the parameters
 * forward reads, and (for models that are not a plain `nn.Sequential`) the container calls around
 * them, with their depth and parent — with input and output shapes, parameters and mult-adds.
 * Totals are the sums of the rows.
 */
import { InputError, type Loc } from "../errors.js";
import type {
  ContainerModule,
  LayerModule,
  ModelSpec,
  ModuleSpec,
  OwnParam,
  ParamOwner,
} from "../spec/types.js";
import type { TensorMeta } from "../ops/types.js";
import {
  configureLayer,
  isSequentialTree,
  layerWhere,
  treeRefs,
  type Graph,
  type GraphNode,
} from "./graph.js";
import { prod } from "./layers/common.js";
import type { LayerDef, ParamTensor, Shape } from "./layers/types.js";

/** One application of a layer module (a module node of the graph, or a layer of the tree). */
export interface LayerUse {
  /** PyTorch's name path in the model (`"3"`, `"features.0"`, `"layer1.0.conv1"`). */
  name: string;
  type: string;
  module: LayerModule;
  def: LayerDef<unknown>;
  config: unknown;
  /** The name of this module's first application when it is applied again (shared weights). */
  sharedWith?: string;
}

/**
 * The layers of a module tree in the order `nn.Sequential` would apply them, each configured
 * (validated) once; a module appearing twice is one module applied twice.
 * @throws InputError naming the layer (and its file position) for an argument PyTorch refuses.
 */
export function resolveModel(spec: ModelSpec): LayerUse[] {
  const uses: LayerUse[] = [];
  const seen = new Map<LayerModule, LayerUse>();
  const stack: { name: string; module: ModuleSpec }[] = [{ name: "", module: spec.root }];
  while (stack.length > 0) {
    const { name, module } = stack.pop()!;
    if (module.kind !== "layer") {
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
    const { def, config } = configureLayer(module, useName);
    const use: LayerUse = { name: useName, type: module.type, module, def, config };
    seen.set(module, use);
    uses.push(use);
  }
  return uses;
}

/** The module nodes of a graph as layer applications, in execution order. */
export function usesOf(graph: Graph): LayerUse[] {
  return graph.nodes
    .filter(
      (n): n is GraphNode & Required<Pick<GraphNode, "module" | "def">> => n.kind === "module",
    )
    .map((n) => ({
      name: n.name,
      type: n.type,
      module: n.module,
      def: n.def,
      config: n.config,
      ...(n.sharedWith !== undefined ? { sharedWith: n.sharedWith } : {}),
    }));
}

export { layerWhere };

// ---------------------------------------------------------------------------------------------
// Parameters

/** One parameter of the model, as `model.named_parameters()` yields it. */
export interface ModelParam {
  /** Its first dotted path (`features.0.weight`). */
  path: string;
  shape: number[];
  trainable: boolean;
  /** The module at whose path it first appears (its row in the table). */
  module: ModuleSpec;
  /** Its name in that module. */
  name: string;
}

/** Follows tied weights to the module that owns the parameter. */
export function resolveOwner(o: ParamOwner): ParamOwner {
  let cur = o;
  for (let i = 0; i < 1000; i++) {
    let next: ParamOwner | undefined;
    if (cur.module.kind === "layer") next = cur.module.tied?.[cur.name];
    else next = cur.module.params.find((p) => p.name === cur.name)?.tiedTo;
    if (!next || (next.module === cur.module && next.name === cur.name)) return cur;
    cur = next;
  }
  return cur;
}

const ids = new WeakMap<object, number>();
let nextId = 0;
function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = ++nextId));
  return id;
}

/** The identity of a parameter: tied parameters have the same. */
export function paramIdentity(o: ParamOwner): string {
  const r = resolveOwner(o);
  return `${idOf(r.module)}:${r.name}`;
}

/** The parameter tensors of a layer (the catalogue's), configured. */
function layerParams(m: LayerModule, name: string): ParamTensor[] {
  const { def, config } = configureLayer(m, name);
  return def.parameters(config);
}

/** Whether a parameter is trainable (its owner's flags). */
function isTrainable(o: ParamOwner): boolean {
  const r = resolveOwner(o);
  if (r.module.kind === "layer")
    return r.module.trainable !== false && !(r.module.frozen ?? []).includes(r.name);
  return r.module.params.find((p: OwnParam) => p.name === r.name)?.trainable !== false;
}

/**
 * `model.named_parameters()`: modules in pre-order (each once), each module's own parameters in
 * PyTorch's order, each parameter once (a tied or shared one at its first path).
 * @throws InputError for a layer whose arguments PyTorch refuses.
 */
export function modelParameters(root: ModuleSpec, rootName?: string): ModelParam[] {
  const out: ModelParam[] = [];
  const seenParams = new Set<string>();
  const seenModules = new Set<ModuleSpec>();
  const stack: { path: string; m: ModuleSpec }[] = [{ path: "", m: root }];
  while (stack.length) {
    const { path, m } = stack.pop()!;
    if (seenModules.has(m)) continue;
    seenModules.add(m);
    const own: { name: string; shape: number[]; owner: ParamOwner }[] =
      m.kind === "layer"
        ? layerParams(m, path || rootName || m.type).map((p) => ({
            name: p.name,
            shape: p.shape,
            owner: { module: m, name: p.name },
          }))
        : m.kind === "container"
          ? m.params.map((p) => ({
              name: p.name,
              shape: p.shape,
              owner: { module: m, name: p.name },
            }))
          : [];
    for (const p of own) {
      const key = paramIdentity(p.owner);
      if (seenParams.has(key)) continue;
      seenParams.add(key);
      out.push({
        path: path ? `${path}.${p.name}` : p.name,
        shape: p.shape,
        trainable: isTrainable(p.owner),
        module: m,
        name: p.name,
      });
    }
    if (m.kind !== "layer") {
      for (let i = m.children.length - 1; i >= 0; i--) {
        const c = m.children[i];
        stack.push({ path: path ? `${path}.${c.name}` : c.name, m: c.module });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rows

/** One row of the `dlq shape` table. */
export interface LayerFacts {
  name: string;
  type: string;
  /** `module` (a layer), `container` (a module around others), `op` (a torch function), `param`. */
  kind: "module" | "container" | "op" | "param";
  /** 1 for the model's direct children and its own ops, +1 per level of nesting. */
  depth: number;
  /** The path of the container it belongs to; null at the top. */
  parent: string | null;
  input: Shape;
  output: Shape;
  /** Every output when there are several (an LSTM's `(output, (h_n, c_n))`). */
  outputs?: Shape[];
  /**
   * Parameters counted at this row: a layer's own on its first application (0 when shared, or
   * tied to a parameter counted earlier); a container's: the sum of its rows.
   */
  params: number;
  trainableParams: number;
  /** Mult-adds of this application, torchinfo's convention (see {@link multAdds}). */
  multAdds: number;
  sharedWith?: string;
  /** false for a module of the model that forward never calls. */
  called?: false;
  /**
   * torchinfo's "Kernel Shape": the `weight` parameter's shape with its first two dimensions
   * swapped (`Conv2d(3, 64, 7)` → `[3, 64, 7, 7]`, `Linear(120, 84)` → `[120, 84]`); absent
   * for a row without a weight (torchinfo layer_info.py, `calculate_num_params`).
   */
  kernel?: Shape;
}

/** See {@link LayerFacts.kernel}. */
function kernelOf(tensors: readonly ParamTensor[]): { kernel?: Shape } {
  const w = tensors.find((t) => t.name === "weight");
  if (!w) return {};
  const k = [...w.shape];
  if (k.length > 1) [k[0], k[1]] = [k[1], k[0]];
  return { kernel: k };
}

/** The whole `dlq shape` result. Sizes in bytes; torchinfo's estimate. */
export interface ModelFacts {
  input: Shape;
  /** Every tensor input (several for a forward with several tensor arguments). */
  inputs: Shape[];
  output: Shape;
  /** Every output of forward, in order (None results are left out). */
  outputs: Shape[];
  layers: LayerFacts[];
  /** `model.parameters()`'s count. */
  params: number;
  trainableParams: number;
  nonTrainableParams: number;
  multAdds: number;
  /** Parameters of modules forward never calls (included in {@link params}). */
  unusedParams: number;
  memory: {
    /** Input tensors: 4 bytes per float32 element, 8 per int64 (indices). */
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

const BYTES: Record<string, number> = {
  float64: 8,
  int64: 8,
  int32: 4,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/**
 * The rows and totals of a traced model.
 * @param root the model's module tree (for `model.parameters()`).
 * @param graph its traced forward.
 */
export function modelFacts(root: ModuleSpec, graph: Graph, rootName?: string): ModelFacts {
  const params = modelParameters(root, rootName);
  // each parameter belongs to the row of the module at its first path, on the first application
  const byModule = new Map<ModuleSpec, ModelParam[]>();
  for (const p of params) {
    const xs = byModule.get(p.module);
    if (xs) xs.push(p);
    else byModule.set(p.module, [p]);
  }
  /** Counts (and consumes) the parameters of `m` not counted yet; `only` picks one. */
  const take = (m: ModuleSpec, only?: ModelParam): { n: number; t: number } => {
    let n = 0;
    let t = 0;
    const left: ModelParam[] = [];
    for (const p of byModule.get(m) ?? []) {
      if (only && p !== only) {
        left.push(p);
        continue;
      }
      const k = prod(p.shape);
      n += k;
      if (p.trainable) t += k;
    }
    byModule.set(m, left);
    return { n, t };
  };
  const flat = isSequentialTree(root);
  const shapeOf = (n: GraphNode): Shape => n.outputs[0]?.shape ?? [];
  const inputOf = (n: GraphNode): Shape => {
    const r = n.inputs[0];
    return r ? graph.nodes[r.node].outputs[r.index].shape : [];
  };
  const depthOf = (scope: string): number => (scope === "" ? 1 : scope.split(".").length + 1);
  type Row = LayerFacts & { order: number; end?: number; start?: number };
  const rows: Row[] = [];
  let fwdBwdElems = 0;
  const shapeOfRef = (r: { node: number; index: number } | undefined): Shape =>
    r ? graph.nodes[r.node].outputs[r.index].shape : [];
  // A module of the source without children (`class LayerNorm(nn.Module)` computing with
  // F.layer_norm) is a leaf for torchinfo: a row with its own parameters and their mult-adds.
  const leafCalls = new Set<number>();
  graph.calls.forEach((c, i) => {
    if (c.module.kind !== "container" || c.module.children.length > 0) return;
    if (c.path === "" && !flat && graph.calls.length > 1) return;
    leafCalls.add(i);
    const own = take(c.module);
    const out = shapeOfRef(treeRefs(c.out)[0]);
    const tensors: ParamTensor[] = c.module.params.map((p) => ({ name: p.name, shape: p.shape }));
    if (own.n > 0) fwdBwdElems += prod(out) * 2;
    rows.push({
      name: c.path || rootName || c.type,
      type: c.type,
      kind: "module",
      depth: c.path === "" ? 1 : c.path.split(".").length,
      parent: c.path.includes(".") ? c.path.slice(0, c.path.lastIndexOf(".")) : null,
      input: shapeOfRef(c.inputs[0]),
      output: out,
      params: own.n,
      trainableParams: own.t,
      multAdds: multAdds(c.type, tensors, out),
      ...kernelOf(tensors),
      order: c.order,
    });
  });
  for (const n of graph.nodes) {
    if (n.kind === "module") {
      const m = n.module!;
      const own = n.sharedWith === undefined ? take(m) : { n: 0, t: 0 };
      const tensors = n.def!.parameters(n.config);
      if (tensors.length > 0) fwdBwdElems += prod(shapeOf(n)) * 2;
      const outs = n.outputs.map((o) => o.shape);
      rows.push({
        name: n.name,
        type: n.type,
        kind: "module",
        depth: flat ? 1 : depthOf(n.scope),
        parent: flat || n.scope === "" ? null : n.scope,
        input: inputOf(n),
        output: shapeOf(n),
        ...(outs.length > 1 ? { outputs: outs } : {}),
        params: own.n,
        trainableParams: own.t,
        multAdds: multAdds(n.type, tensors, shapeOf(n)),
        ...kernelOf(tensors),
        ...(n.sharedWith !== undefined ? { sharedWith: n.sharedWith } : {}),
        order: graph.order[n.id],
      });
    } else if (n.kind === "op" && n.op!.kind === "compute" && !flat) {
      rows.push({
        name: n.name,
        type: n.type,
        kind: "op",
        depth: depthOf(n.scope),
        parent: n.scope === "" ? null : n.scope,
        input: inputOf(n),
        output: shapeOf(n),
        ...(n.outputs.length > 1 ? { outputs: n.outputs.map((o) => o.shape) } : {}),
        params: 0,
        trainableParams: 0,
        multAdds: 0,
        order: graph.order[n.id],
      });
    } else if (n.kind === "param") {
      // a container's own parameter that forward reads (`self.cls_token`)
      const owner = params.find((p) => p.path === n.name);
      if (!owner || owner.module.kind === "layer") continue;
      if (!(byModule.get(owner.module) ?? []).includes(owner)) continue;
      const own = take(owner.module, owner);
      rows.push({
        name: n.name,
        type: "Parameter",
        kind: "param",
        depth: depthOf(n.scope),
        parent: n.scope === "" ? null : n.scope,
        input: [],
        output: shapeOf(n),
        params: own.n,
        trainableParams: own.t,
        multAdds: 0,
        order: graph.order[n.id],
      });
    }
  }
  if (!flat) {
    for (const [i, c] of graph.calls.entries()) {
      if (c.path === "" || leafCalls.has(i)) continue;
      const firstIn = c.inputs[0];
      const outRef = treeRefs(c.out)[0];
      rows.push({
        name: c.path,
        type: c.type,
        kind: "container",
        depth: c.path.split(".").length,
        parent: c.path.includes(".") ? c.path.slice(0, c.path.lastIndexOf(".")) : null,
        input: firstIn ? graph.nodes[firstIn.node].outputs[firstIn.index].shape : [],
        output: outRef ? graph.nodes[outRef.node].outputs[outRef.index].shape : [],
        params: 0,
        trainableParams: 0,
        multAdds: 0,
        order: c.order,
        start: c.firstNode,
        end: c.endNode,
      });
    }
  }
  rows.sort((a, b) => a.order - b.order);
  // container totals: the rows inside their call
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.kind !== "container") continue;
    for (let j = i + 1; j < rows.length && rows[j].depth > r.depth; j++) {
      if (rows[j].kind === "container") continue;
      r.params += rows[j].params;
      r.trainableParams += rows[j].trainableParams;
      r.multAdds += rows[j].multAdds;
    }
  }
  // modules of the model that forward never calls: their parameters still count
  let unused = 0;
  for (const [m, ps] of byModule) {
    if (ps.length === 0) continue;
    const first = ps[0];
    const own = take(m);
    unused += own.n;
    rows.push({
      name: first.path.slice(0, Math.max(0, first.path.length - first.name.length - 1)) || m.type,
      type: m.type,
      kind: m.kind === "layer" ? "module" : "param",
      depth: 1,
      parent: null,
      input: [],
      output: [],
      params: own.n,
      trainableParams: own.t,
      multAdds: 0,
      called: false,
      order: Infinity,
    });
  }
  const layers: LayerFacts[] = rows.map((r) => {
    const { order: _o, start: _s, end: _e, ...rest } = r;
    return rest;
  });
  const leaf = layers.filter((l) => l.kind !== "container");
  const total = leaf.reduce((s, l) => s + l.params, 0);
  const trainable = leaf.reduce((s, l) => s + l.trainableParams, 0);
  const inputs = graph.inputs.map((id) => graph.nodes[id].outputs[0]);
  const outputs = treeRefs(graph.out).map((r) => graph.nodes[r.node].outputs[r.index].shape);
  const inputBytes = inputs.reduce(
    (s, t: TensorMeta) => s + prod(t.shape) * (BYTES[t.dtype] ?? 4),
    0,
  );
  const forwardBackwardBytes = fwdBwdElems * 4;
  const paramBytes = total * 4;
  if (total !== params.reduce((s, p) => s + prod(p.shape), 0)) {
    throw new Error("internal: the rows' parameters do not add up to model.parameters()");
  }
  return {
    input: inputs[0]?.shape ?? [],
    inputs: inputs.map((t) => t.shape),
    output: outputs[0] ?? [],
    outputs,
    layers,
    params: total,
    trainableParams: trainable,
    nonTrainableParams: total - trainable,
    multAdds: leaf.reduce((s, l) => s + l.multAdds, 0),
    unusedParams: unused,
    memory: {
      inputBytes,
      forwardBackwardBytes,
      paramBytes,
      totalBytes: inputBytes + forwardBackwardBytes + paramBytes,
    },
  };
}

/** A located refusal for a model with nothing to run. */
export function noLayers(where: string | Loc): InputError {
  return new InputError("the model has no layers", where);
}

export type { ContainerModule };
