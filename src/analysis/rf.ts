/**
 * Receptive fields over the traced graph, with the closed forms of Araujo, Norris & Sim,
 * "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019
 * (https://distill.pub/2019/computing-receptive-fields/), equations (1)–(4) for a single path:
 *
 *   r₀ = Σₗ (kₗ − 1) · Π_{i<l} sᵢ + 1        receptive field size
 *   S₀ = Πₗ sₗ                               effective stride
 *   P₀ = Σₗ pₗ · Π_{i<l} sᵢ                  effective padding
 *
 * with kₗ the effective kernel dₗ·(kₗ − 1) + 1 of a dilated layer. They are accumulated node by
 * node from the input side, so every node gets its own row. The centre of the receptive field of
 * output position 0 is (r₀ − 1)/2 − P₀, in input pixel coordinates where input pixel i covers
 * [i − ½, i + ½] (pixel centres at integers, the first at 0); output position u is centred at that
 * value + u·S₀.
 *
 * At a merge (`x + y`, `torch.cat` along channels, `x * y`) the paper's rule for multi-path
 * networks applies, as Google's `receptive_field` library implements it: per axis, every path must
 * have the same effective stride and the same centre (r − 1)/2 − P, or the output positions of the
 * paths do not line up and there is no receptive field ("not aligned"); otherwise the largest field
 * wins. Tensors that do not come from the input (parameters, buffers) take no part.
 */
import { InputError, formatLoc } from "../errors.js";
import { makeOpArgs } from "../ops/args.js";
import type { OpRf, TensorMeta } from "../ops/types.js";
import { layerWhere, RefArg, treeRefs, type Graph, type GraphNode } from "./graph.js";
import type { RfStep } from "./layers/types.js";

/** Receptive-field facts after one node (per spatial axis). */
export interface RfRow {
  name: string;
  type: string;
  /** Receptive field size r per axis (input pixels); null after a node that sees the whole input. */
  size: (number | null)[];
  /** Effective stride S per axis. */
  stride: number[];
  /** Effective padding P per axis. */
  padding: number[];
  /** Centre of output position 0's field per axis, (r − 1)/2 − P; null when the whole input. */
  center: (number | null)[];
  /** Set from the first node that mixes every input position onward. */
  wholeInput?: WholeInput;
  /** `module` (a layer) or `op` (a torch function). */
  kind: "module" | "op";
}

/** The node from which every output sees the whole input, and why. */
export interface WholeInput {
  /** The node's name (`fc`, `flatten`). */
  name: string;
  /** Its class or op (`Linear`, `flatten`). */
  type: string;
  reason: string;
}

export interface RfResult {
  /** Number of spatial axes (1 for Conv1d, 2 for Conv2d, …); 0 for a model without spatial layers. */
  axes: number;
  rows: RfRow[];
  /** The output's values (the whole network). */
  size: (number | null)[];
  stride: number[];
  padding: number[];
  center: (number | null)[];
  wholeInput?: WholeInput;
}

/** The field of one tensor: per axis r, S, P; `whole` once every input position is mixed in. */
interface Field {
  r: number[];
  S: number[];
  P: number[];
  /** Why the field is the whole input (the first node that mixed everything). */
  whole?: WholeInput;
  /** The node that last set it (for "not aligned" messages). */
  from: string;
}

/** Where a node is, for messages. */
function where(n: GraphNode): string {
  if (n.kind === "module") return layerWhere(n.name, n.type, n.module?.loc);
  return `${n.callLoc ? `${formatLoc(n.callLoc)}: ` : ""}${n.name} (${n.display ?? n.type})`;
}

/** The receptive-field step of a node, or undefined for a node that does not see the input. */
function stepOf(graph: Graph, n: GraphNode, axes: number): OpRf | undefined {
  if (n.kind === "module") {
    const x = n.inputs[0];
    return n.def!.rf(
      n.config,
      x && !graph.shapeless ? graph.nodes[x.node].outputs[x.index].shape : undefined,
    ) as RfStep;
  }
  if (n.kind === "op") {
    if (!n.op!.rf)
      return {
        kind: "unsupported",
        reason: `dlq has no receptive-field rule for ${n.display ?? n.type}`,
      };
    const a = makeOpArgs(
      n.op!,
      n.display ?? n.type,
      new Map(n.args!),
      (v) => (v instanceof RefArg ? v.meta : undefined) as TensorMeta | undefined,
    );
    return n.op!.rf(a, axes);
  }
  return undefined;
}

/**
 * Receptive fields through every node of a traced graph.
 * @throws InputError when a node has no receptive field in Araujo et al.'s sense (transposed
 *   convolution, upsampling, recurrence), when paths meeting at a merge are not aligned, or when
 *   nodes disagree on the number of spatial axes.
 */
export function receptiveField(graph: Graph, rowNodes?: ReadonlySet<number>): RfResult {
  // the number of spatial axes: from the first sliding window
  let axes = 0;
  const steps = new Map<number, OpRf | undefined>();
  for (const n of graph.nodes) {
    const s = stepOf(graph, n, axes);
    steps.set(n.id, s);
    if (s?.kind === "spatial" && axes === 0) axes = s.kernel.length;
  }
  const fields = new Map<string, Field | null>();
  const key = (node: number, index: number): string => `${node}:${index}`;
  const ones = (v: number): number[] => new Array<number>(axes).fill(v);
  const rows: RfRow[] = [];
  const rowOf = (n: GraphNode, f: Field): RfRow => ({
    name: n.name,
    type: n.type,
    kind: n.kind === "module" ? "module" : "op",
    size: f.whole ? f.r.map(() => null) : [...f.r],
    stride: [...f.S],
    padding: [...f.P],
    center: f.whole ? f.r.map(() => null) : f.r.map((r, a) => (r - 1) / 2 - f.P[a]),
    ...(f.whole ? { wholeInput: f.whole } : {}),
  });
  for (const n of graph.nodes) {
    let f: Field | null;
    if (n.kind === "input") f = { r: ones(1), S: ones(1), P: ones(0), from: n.name };
    else if (n.kind === "param" || n.kind === "buffer" || n.kind === "constant") f = null;
    else {
      const ins = n.inputs.map((r) => fields.get(key(r.node, r.index)) ?? null);
      const live = ins.filter((x): x is Field => x !== null);
      const step = steps.get(n.id)!;
      if (live.length === 0) f = null;
      else if (step.kind === "merge" || (live.length > 1 && step.kind === "pointwise"))
        f = merge(n, live);
      else {
        const x = live[0];
        if (step.kind === "unsupported") {
          throw new InputError(`no receptive field through this node: ${step.reason}`, where(n));
        }
        f = {
          r: [...x.r],
          S: [...x.S],
          P: [...x.P],
          from: n.name,
          ...(x.whole ? { whole: x.whole } : {}),
        };
        if (step.kind === "global" && !f.whole)
          f.whole = { name: n.name, type: n.type, reason: step.reason };
        if (step.kind === "spatial" && !f.whole) {
          if (step.kernel.length !== axes) {
            throw new InputError(
              `has ${step.kernel.length} spatial axes but earlier layers have ${axes}`,
              where(n),
            );
          }
          const kEff = step.kernel.map((k, a) => step.dilation[a] * (k - 1) + 1);
          f.r = f.r.map((ra, a) => ra + (kEff[a] - 1) * x.S[a]);
          f.P = f.P.map((pa, a) => pa + step.padding[a] * x.S[a]);
          f.S = f.S.map((sa, a) => sa * step.stride[a]);
        }
      }
    }
    n.outputs.forEach((_o, i) => fields.set(key(n.id, i), f));
    const isRow = rowNodes
      ? rowNodes.has(n.id)
      : n.kind === "module" || (n.kind === "op" && n.op!.kind === "compute");
    if (isRow && f) rows.push(rowOf(n, f));
  }
  const outRef = treeRefs(graph.out)[0];
  const last = outRef ? (fields.get(key(outRef.node, outRef.index)) ?? null) : null;
  const lastRow = last ? rowOf(graph.nodes[outRef!.node], last) : undefined;
  return {
    axes,
    rows,
    size: lastRow ? lastRow.size : [],
    stride: lastRow ? lastRow.stride : [],
    padding: lastRow ? lastRow.padding : [],
    center: lastRow ? lastRow.center : [],
    ...(lastRow?.wholeInput ? { wholeInput: lastRow.wholeInput } : {}),
  };
}

/** The field after a merge of paths (Araujo et al.'s alignment rule). */
function merge(n: GraphNode, paths: Field[]): Field {
  const whole = paths.find((p) => p.whole);
  if (whole) return { ...whole, from: n.name };
  const [a, ...rest] = paths;
  for (const b of rest) {
    for (let ax = 0; ax < a.r.length; ax++) {
      const ca = (a.r[ax] - 1) / 2 - a.P[ax];
      const cb = (b.r[ax] - 1) / 2 - b.P[ax];
      if (a.S[ax] !== b.S[ax] || ca !== cb) {
        throw new InputError(
          `not aligned: the paths meeting here have effective stride ${a.S[ax]} and centre ${ca} (from ${a.from}) but effective stride ${b.S[ax]} and centre ${cb} (from ${b.from}) on axis ${ax}, so their output positions do not line up and there is no receptive field (Araujo et al. 2019)`,
          where(n),
        );
      }
    }
  }
  // aligned: the same centre c on every path, so the largest field has P = (r − 1)/2 − c
  const r = a.r.map((_, ax) => Math.max(...paths.map((p) => p.r[ax])));
  const P = r.map((ra, ax) => (ra - 1) / 2 - ((a.r[ax] - 1) / 2 - a.P[ax]));
  return { r, S: [...a.S], P, from: n.name };
}
