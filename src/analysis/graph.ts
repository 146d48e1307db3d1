/**
 * The traced graph: what a model's forward does on data-less tensors, as torch.fx's ShapeProp
 * records it. Nodes are placeholders (the model's inputs), module calls (a layer of the catalogue),
 * op calls (a torch function, a tensor method or an operator of the op registry) and the
 * parameters, buffers and constants forward reads; each node holds its tensor inputs, its output
 * shapes and dtypes and where it was called. Calls of container modules (a class's forward,
 * `nn.Sequential`) are recorded around the nodes they made, for the module hierarchy.
 *
 * This is the one table of layer facts that `shape`, `rf`, `grad` and `check` read. The
 * {@link GraphBuilder} is used by the source reader's host (src/spec/torch_host.ts) as the
 * interpreter runs `forward`, and by {@link traceSequential} for models without a forward of their
 * own (printed reprs, JSON specs).
 */
import { formatLoc, InputError, type Loc } from "../errors.js";
import { bindArgs, shapeStr } from "./layers/common.js";
import { layerDef } from "./layers/index.js";
import { LayerError, type LayerDef, type Shape, type ShapeTree } from "./layers/types.js";
import type { DType, OpDef, OpOut, TensorMeta } from "../ops/types.js";
import type { ContainerModule, LayerModule, ModuleSpec, SequentialModule } from "../spec/types.js";
import { HostValue, type Value } from "../python/values.js";

/** Output `index` of node `node`. */
export interface TensorRef {
  readonly node: number;
  readonly index: number;
}

/** The structure of a call's result: a tensor, None, a tuple of trees, or another value. */
export type OutTree = TensorRef | null | { tuple: OutTree[] } | { other: string };

export type NodeKind = "input" | "module" | "op" | "param" | "buffer" | "constant";

/** One node of the graph. */
export interface GraphNode {
  id: number;
  kind: NodeKind;
  /**
   * The row name: a module's dotted path (`layer1.0.conv1`), an op's name within its scope
   * (`layer1.0.add`, `add_1`), a parameter's path (`cls_token`), an input's name (`x`).
   */
  name: string;
  /** PyTorch's class name (`Conv2d`) or the op's name (`add`, `cat`); `Tensor` for inputs. */
  type: string;
  /** The path of the module whose forward made this call (`""`: the model's own forward). */
  scope: string;
  /** Tensor inputs, in argument order (flattened through tuples). */
  inputs: TensorRef[];
  /** Output tensors, in order (flattened through tuples). */
  outputs: TensorMeta[];
  /** The output's structure (an LSTM's `(output, (h_n, c_n))`). */
  out: OutTree;
  /** Where forward (or the source) called it. */
  callLoc?: Loc;
  /** Module nodes: the layer, its definition and configuration. */
  module?: LayerModule;
  def?: LayerDef<unknown>;
  config?: unknown;
  /** Module nodes with several tensor inputs: each forward parameter's tree of input refs. */
  moduleInputs?: Record<string, OutTree>;
  /** The first node applying the same module, when this one applies it again. */
  sharedWith?: string;
  /** Op nodes: the op and its bound arguments (tensors as {@link RefArg}). */
  op?: OpDef;
  args?: ReadonlyMap<string, Value>;
  /** The name the user called (`F.relu`, `torch.cat`, `Tensor.view`, `+`). */
  display?: string;
  /**
   * Buffer and constant nodes: the host's tensor value, which remembers the op that made it when
   * the source was read (so that `dlq grad` can recompute a causal mask, say).
   */
  leaf?: Value;
}

/** A call of a container module (a class's forward, `nn.Sequential`), around the nodes it made. */
export interface ModuleCall {
  /** Dotted path (`layer1`, `layer1.0`); `""` for the model itself. */
  path: string;
  type: string;
  module: ModuleSpec;
  /** Nesting depth: 0 for the model, 1 for its children, … */
  depth: number;
  /** The first node made inside the call, and one past the last. */
  firstNode: number;
  endNode: number;
  /** The nodes the call's inputs and outputs come from. */
  inputs: TensorRef[];
  out: OutTree;
  callLoc?: Loc;
  /** Position among every call and node, for the hierarchy's order (pre-order). */
  order: number;
}

/** A traced forward pass. */
export interface Graph {
  nodes: GraphNode[];
  calls: ModuleCall[];
  /** The placeholder nodes, in the order of the forward's tensor arguments. */
  inputs: number[];
  /** The forward's result. */
  out: OutTree;
  /** For each node, its position in the same order as {@link ModuleCall.order}. */
  order: number[];
  /** Set for a graph traced without an input shape: no node's shape is known. */
  shapeless?: boolean;
}

/** A tensor argument of a recorded op call: the node output it came from, and its meta. */
export class RefArg extends HostValue {
  constructor(
    readonly ref: TensorRef,
    readonly meta: TensorMeta,
  ) {
    super();
  }
  get typeName(): string {
    return "Tensor";
  }
}

/** The refs in an output tree, in order. */
export function treeRefs(t: OutTree): TensorRef[] {
  const out: TensorRef[] = [];
  const todo: OutTree[] = [t];
  while (todo.length) {
    const x = todo.shift()!;
    if (x === null) continue;
    if ("tuple" in x) todo.unshift(...x.tuple);
    else if ("node" in x) out.push(x);
  }
  return out;
}

/** `file:l:c: layer 3 (Conv2d)`, naming where the module was constructed. */
export function layerWhere(name: string, type: string, loc?: Loc): string {
  return `${loc ? `${formatLoc(loc)}: ` : ""}layer ${name} (${type})`;
}

/** A configured layer (one per module object: shared modules are configured once). */
export interface ConfiguredLayer {
  def: LayerDef<unknown>;
  config: unknown;
}

const configured = new WeakMap<LayerModule, ConfiguredLayer>();

/**
 * The layer's definition and configuration (bound and validated once per module object).
 * @throws InputError naming the layer and where it was built, with PyTorch's refusal.
 */
export function configureLayer(m: LayerModule, name: string): ConfiguredLayer {
  let c = configured.get(m);
  if (c) return c;
  if (m.unknownArg)
    throw new InputError(m.unknownArg.message, m.unknownArg.loc ?? layerWhere(name, m.type, m.loc));
  try {
    const def = layerDef(m.type);
    c = {
      def,
      config: def.configure(
        bindArgs(def, m.args.positional, m.args.keywords, { repr: m.fromRepr === true }),
      ),
    };
  } catch (e) {
    if (e instanceof LayerError) throw new InputError(e.message, layerWhere(name, m.type, m.loc));
    throw e;
  }
  configured.set(m, c);
  return c;
}

/** A tree of tensors as the builder takes a module's inputs: refs with their metas. */
export type InTree = { ref: TensorRef; meta: TensorMeta } | null | { tuple: InTree[] };

function inShapes(t: InTree): ShapeTree | null {
  if (t === null) return null;
  if ("tuple" in t) return { tuple: t.tuple.map((x) => inShapes(x) ?? []) };
  return t.meta.shape;
}

function inRefs(t: InTree, out: TensorRef[]): OutTree {
  if (t === null) return null;
  if ("tuple" in t) return { tuple: t.tuple.map((x) => inRefs(x, out)) };
  out.push(t.ref);
  return t.ref;
}

/** The refusal of a call that cannot flow: PyTorch's message, where it was built and called. */
export class TraceError extends Error {
  constructor(
    message: string,
    /** `file:l:c: layer NAME (TYPE)` for a module, the call's location for an op. */
    readonly where: string,
    readonly callLoc?: Loc,
  ) {
    super(message);
    this.name = "TraceError";
  }
  /** The one line the user sees. */
  toInputError(): InputError {
    const called = this.callLoc ? ` (called at ${formatLoc(this.callLoc)})` : "";
    return new InputError(`${this.message}${called}`, this.where);
  }
}

/**
 * Builds a {@link Graph} as a forward runs. Module nodes for layers of the catalogue, op nodes for
 * the op registry's ops; container calls around them.
 */
export class GraphBuilder {
  readonly graph: Graph = { nodes: [], calls: [], inputs: [], out: null, order: [] };
  /** @param shapeless trace without shapes (layers are configured, no shape rule runs). */
  constructor(readonly shapeless = false) {
    if (shapeless) this.graph.shapeless = true;
  }
  private seq = 0;
  /** Names given so far in each scope, for `add`, `add_1`, … */
  private readonly used = new Set<string>();
  /** The first node name of each module object (shared modules). */
  private readonly firstUse = new Map<LayerModule, string>();
  /** Open container calls. */
  private readonly open: ModuleCall[] = [];

  private push(n: Omit<GraphNode, "id">): GraphNode {
    const node = { ...n, id: this.graph.nodes.length } as GraphNode;
    this.graph.nodes.push(node);
    this.graph.order.push(this.seq++);
    return node;
  }

  /** A fresh name in `scope` for `base` (`relu`, `relu_1`, …). */
  uniqueName(scope: string, base: string): string {
    const full = scope ? `${scope}.${base}` : base;
    let name = full;
    for (let k = 1; this.used.has(name); k++) name = `${full}_${k}`;
    this.used.add(name);
    return name;
  }

  /** A placeholder (one of forward's tensor arguments). */
  input(meta: TensorMeta, name: string): TensorRef {
    const n = this.push({
      kind: "input",
      name,
      type: "Tensor",
      scope: "",
      inputs: [],
      outputs: [meta],
      out: null,
    });
    n.out = { node: n.id, index: 0 };
    this.graph.inputs.push(n.id);
    return n.out;
  }

  /** A parameter, buffer or outside tensor that forward reads. */
  leaf(
    kind: "param" | "buffer" | "constant",
    meta: TensorMeta,
    name: string,
    scope: string,
    value?: Value,
  ): TensorRef {
    const n = this.push({
      kind,
      name,
      type: kind === "param" ? "Parameter" : "Tensor",
      scope,
      inputs: [],
      outputs: [meta],
      out: null,
      ...(value !== undefined ? { leaf: value } : {}),
    });
    n.out = { node: n.id, index: 0 };
    return n.out;
  }

  /** Opens a container module's call. */
  enter(path: string, type: string, module: ModuleSpec, inputs: TensorRef[], callLoc?: Loc): void {
    const call: ModuleCall = {
      path,
      type,
      module,
      depth: path === "" ? 0 : path.split(".").length,
      firstNode: this.graph.nodes.length,
      endNode: -1,
      inputs,
      out: null,
      callLoc,
      order: this.seq++,
    };
    this.graph.calls.push(call);
    this.open.push(call);
  }

  /** Closes the innermost container call with its result. */
  exit(out: OutTree): void {
    const call = this.open.pop()!;
    call.endNode = this.graph.nodes.length;
    call.out = out;
  }

  /**
   * A call of a layer of the catalogue: `inputs` maps `input` (and the layer's further forward
   * parameters) to trees of tensors. Returns the output tree.
   * @throws InputError for arguments PyTorch refuses; TraceError when the shapes cannot flow.
   */
  layer(
    m: LayerModule,
    name: string,
    scope: string,
    inputs: Record<string, InTree>,
    callLoc?: Loc,
  ): { out: OutTree; metas: TensorMeta[]; node: GraphNode } {
    const { def, config } = configureLayer(m, name);
    const where = layerWhere(name, m.type, m.loc);
    const x = inputs.input;
    if (x === null || x === undefined || "tuple" in x) {
      throw new TraceError(`${m.type}.forward() expects a tensor as its input`, where, callLoc);
    }
    let tree: ShapeTree;
    try {
      if (this.shapeless) tree = [];
      else if (def.outputs) {
        const shapes: Record<string, ShapeTree | null> = {};
        for (const [k, t] of Object.entries(inputs)) shapes[k] = inShapes(t);
        tree = def.outputs(config, shapes);
      } else {
        tree = def.outputShape(config, x.meta.shape);
      }
    } catch (e) {
      if (e instanceof LayerError)
        throw new TraceError(`${e.message} (input ${shapeStr(x.meta.shape)})`, where, callLoc);
      throw e;
    }
    const refs: TensorRef[] = [];
    const moduleInputs: Record<string, OutTree> = {};
    for (const [k, t] of Object.entries(inputs)) moduleInputs[k] = inRefs(t, refs);
    const outDtype: DType = def.inputKind === "index" ? "float32" : x.meta.dtype;
    const metas: TensorMeta[] = [];
    const node = this.push({
      kind: "module",
      name,
      type: m.type,
      scope,
      inputs: refs,
      outputs: metas,
      out: null,
      callLoc,
      module: m,
      def,
      config,
      ...(Object.keys(inputs).length > 1 ? { moduleInputs } : {}),
    });
    const first = this.firstUse.get(m);
    if (first !== undefined) node.sharedWith = first;
    else this.firstUse.set(m, name);
    const build = (t: ShapeTree): OutTree => {
      if (Array.isArray(t) || !("tuple" in (t as object))) {
        metas.push({ shape: t as Shape, dtype: outDtype });
        return { node: node.id, index: metas.length - 1 };
      }
      return { tuple: (t as { tuple: ShapeTree[] }).tuple.map(build) };
    };
    node.out = build(tree);
    return { out: node.out, metas, node };
  }

  /**
   * A call of an op: `meta` is the op's result computed by the host (from {@link OpArgs} over the
   * arguments' metas), `args` the bound arguments with tensors as {@link RefArg}s.
   */
  op(
    def: OpDef,
    display: string,
    args: ReadonlyMap<string, Value>,
    result: OpOut<TensorMeta>,
    scope: string,
    callLoc?: Loc,
    /** The node's name when the model names it (a JSON graph spec); else `add`, `add_1`, … */
    name?: string,
  ): { out: OutTree; node: GraphNode } {
    const refs: TensorRef[] = [];
    const collect = (v: unknown): void => {
      if (v instanceof RefArg) refs.push(v.ref);
      else if (
        v &&
        typeof v === "object" &&
        "items" in v &&
        Array.isArray((v as { items: unknown[] }).items)
      )
        for (const x of (v as { items: unknown[] }).items) collect(x);
    };
    for (const v of args.values()) collect(v);
    const metas: TensorMeta[] = [];
    const node = this.push({
      kind: "op",
      name: name ?? this.uniqueName(scope, def.name),
      type: def.name,
      scope,
      inputs: refs,
      outputs: metas,
      out: null,
      callLoc,
      op: def,
      args,
      display,
    });
    const build = (r: OpOut<TensorMeta>): OutTree => {
      if ("tuple" in r) return { tuple: r.tuple.map(build) };
      if ("py" in r) return { other: "value" };
      metas.push(r);
      return { node: node.id, index: metas.length - 1 };
    };
    node.out = build(result);
    return { out: node.out, node };
  }

  /** Finishes the graph with forward's result. */
  finish(out: OutTree): Graph {
    this.graph.out = out;
    return this.graph;
  }
}

/** Whether the module tree holds only `nn.Sequential` containers and layers. */
export function isSequentialTree(m: ModuleSpec): boolean {
  const todo: ModuleSpec[] = [m];
  for (let x = todo.pop(); x; x = todo.pop()) {
    if (x.kind === "container") return false;
    if (x.kind === "sequential") for (const c of x.children) todo.push(c.module);
  }
  return true;
}

/**
 * The graph of a model without a forward of its own (a printed repr, a JSON spec, a source
 * `nn.Sequential`): its layers applied in order, as `nn.Sequential.forward` does.
 * @param input the input tensor (shape and dtype).
 * @throws InputError naming the layer (and where it was built) when the shapes cannot flow.
 */
export function traceSequential(
  root: ModuleSpec,
  input: TensorMeta | undefined,
  modelName?: string,
): Graph {
  const b = new GraphBuilder(input === undefined);
  let meta: TensorMeta = input ?? { shape: [], dtype: "float32" };
  let x: TensorRef = b.input(meta, "input");
  // iterative walk: a deep nesting of Sequentials must not overflow the stack
  const stack: { name: string; module: ModuleSpec }[] = [{ name: "", module: root }];
  while (stack.length) {
    const { name, module } = stack.pop()!;
    if (module.kind === "sequential" || module.kind === "container") {
      if (module.kind === "container") {
        throw new InputError(
          `${module.type} has no forward dlq can follow here; give the model's source`,
          module.loc ? formatLoc(module.loc) : name || module.type,
        );
      }
      for (let i = module.children.length - 1; i >= 0; i--) {
        const c = module.children[i];
        stack.push({ name: name ? `${name}.${c.name}` : c.name, module: c.module });
      }
      continue;
    }
    const useName = name || modelName || module.type;
    try {
      const r = b.layer(module, useName, "", { input: { ref: x, meta } });
      const refs = treeRefs(r.out);
      x = refs[0];
      meta = r.metas[0];
    } catch (e) {
      if (e instanceof TraceError) throw new InputError(e.message, e.where);
      throw e;
    }
  }
  return b.finish(x);
}

export type { ContainerModule, LayerModule, SequentialModule };
