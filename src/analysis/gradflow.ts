/**
 * Gradient flow through depth, measured on the tensor core (`dlq grad`).
 *
 * Protocol (README, "dlq grad"): the model is built from the layer catalogue's `forward`s; every
 * module is initialised as PyTorch does by default (or by `init`); the input is N(0, 1) of the
 * given shape (integer indices, uniform over the vocabulary, for an Embedding-first model); the
 * loss is MSE against a zero target (`bce`: BCE-with-logits against 1, i.e. through a sigmoid;
 * `ce`: cross-entropy against class 0); one forward and one backward pass per seed, seeds
 * 0 … N−1 of dlq's generator (src/tensor/random.ts). Every statistic is the median over seeds.
 *
 * A shared module (one module object applied several times, as `[Linear(…), Sigmoid()] * 24`
 * builds) holds one set of parameter tensors: its weight gradient accumulates over all its
 * applications, exactly as in PyTorch; the gradient with respect to each application's output is
 * reported per application.
 */
import * as F from "../tensor/index.js";
import { InputError } from "../errors.js";
import { lookupOp } from "../ops/registry.js";
import type { OpDef } from "../ops/types.js";
import type { Value } from "../python/values.js";
import type { LayerModule, ModuleSpec } from "../spec/types.js";
import { makeOpArgs } from "../ops/args.js";
import { checkRunnable, execute, outputOf } from "./execute.js";
import { RefArg, type Graph, type GraphNode } from "./graph.js";
import { ACTIVATION_FN } from "./layers/activation.js";
import { bindArgs } from "./layers/common.js";
import { layerDef } from "./layers/index.js";
import {
  initVariances,
  linearShapes,
  meanFieldMlp,
  MeanFieldOverflow,
  type ActivationSpec,
  type InitScheme,
} from "./meanfield.js";
import { paramIdentity, usesOf, type LayerUse } from "./model.js";

/** Weight initialisations `--init` accepts (torch.nn.init's names). */
export const INITS = [
  "pytorch",
  "xavier_uniform",
  "xavier_normal",
  "kaiming_uniform",
  "kaiming_normal",
  "orthogonal",
] as const;
export type InitName = (typeof INITS)[number];

/** Losses `--loss` accepts. */
export const LOSSES = ["mse", "bce", "ce"] as const;
export type LossName = (typeof LOSSES)[number];

/** Activations `--act` may swap in: `torch.nn.functional` name → PyTorch class. */
export const SWAP_ACTS: Readonly<Record<string, string>> = {
  sigmoid: "Sigmoid",
  tanh: "Tanh",
  relu: "ReLU",
  leaky_relu: "LeakyReLU",
  elu: "ELU",
  selu: "SELU",
  gelu: "GELU",
  silu: "SiLU",
  softplus: "Softplus",
  mish: "Mish",
};

/** Normalisers that are not hidden-layer activations (never swapped, never "the activation"). */
const NORMALISERS = new Set(["softmax", "log_softmax", "softmin"]);

/** float32's unit roundoff: w + Δw rounds back to w when |Δw| < 2⁻²⁴·|w|. */
export const FLOAT32_RESOLUTION = 2 ** -24;

/** |log10(first/last)| beyond this many decades → vanishing / exploding. */
export const VERDICT_DECADES = 2;

/** |φ′(z)| below this counts as saturated (for ReLU: exactly 0, a dead unit). */
export const SATURATION_THRESHOLD = 0.01;

export interface GradProtocol {
  /** Input shape, batch dimension first (already replaced by the batch size). */
  input: number[];
  seeds: number;
  init: InitName;
  /** Overrides the initialiser's gain (xavier_*: 1, kaiming_*: √2, orthogonal: 1). */
  gain?: number;
  loss: LossName;
  trainDropout: boolean;
  /** The SGD learning rate for the relative update lr·‖∇W‖/‖W‖. */
  lr: number;
}

/** One application of a module with parameters, first = closest to the input. */
export interface LayerGrad {
  name: string;
  type: string;
  /** 1-based position among the applications with parameters. */
  depth: number;
  /** The first application's name when this module is applied again (shared weights). */
  sharedWith?: string;
  /** How many times this module is applied (> 1: its weight gradient is the accumulated one). */
  applications: number;
  /** ‖∂L/∂W‖ (Frobenius) of the module's `weight` (all its parameters if it has no `weight`). */
  weightGradNorm: number;
  /** ‖W‖ (Frobenius). */
  weightNorm: number;
  /** lr·‖∂L/∂W‖/‖W‖. */
  relativeUpdate: number;
  /** ‖∂L/∂y‖ (Frobenius, whole batch) of this application's output y. */
  outputGradNorm: number;
  /** Median over seeds of log10(‖∂L/∂W‖ / the last layer's); null if not finite. */
  log10RatioToLast: number | null;
  /** Median over seeds of log10(‖∂L/∂y‖ / the last layer's). */
  outputLog10RatioToLast: number | null;
  /** The activation following the layer (before the next layer with weights), if any. */
  act: string | null;
  actMean: number | null;
  actStd: number | null;
  /** Fraction of the activation's inputs z with |φ′(z)| < 0.01 (ReLU: φ′ = 0, dead). */
  saturated: number | null;
  /**
   * Mean-field prediction of {@link log10RatioToLast} (src/analysis/meanfield.ts); null for a
   * non-MLP, and for a module applied more than once (its accumulated gradient is not modelled).
   */
  predictedLog10RatioToLast: number | null;
  /** Mean-field prediction of {@link outputLog10RatioToLast}: ½·Σ log₁₀ χ (null for a non-MLP). */
  predictedOutputLog10RatioToLast: number | null;
}

export type Verdict = "vanishing" | "exploding" | "healthy";

export interface GradVariant {
  /** The activation(s) in this variant, e.g. `sigmoid` (several joined by `+`; `none`). */
  act: string;
  layers: LayerGrad[];
  /** Median over seeds of log10(‖∂L/∂W_first‖ / ‖∂L/∂W_last‖); null if not finite. */
  log10FirstToLast: number | null;
  /**
   * `vanishing` / `exploding` when |log10 first/last| > {@link VERDICT_DECADES} for ‖∂L/∂W‖ (or,
   * failing that, for ‖∂L/∂y‖), by its sign; `exploding` when a value overflowed; else `healthy`.
   */
  verdict: Verdict;
  /**
   * Per-layer change of log10 ‖∂L/∂y‖ (least-squares slope over the applications with parameters
   * but the last, per application toward the output): > 0 means gradients shrink toward the input.
   */
  log10PerLayer: number | null;
  /**
   * The depth (number of applications with parameters) at which the first layer's relative update
   * lr·‖∂L/∂W₁‖/‖W₁‖ falls below float32's resolution 2⁻²⁴, extrapolating the measured first layer
   * by {@link log10PerLayer} per layer added or removed; null when gradients do not shrink toward
   * the input.
   */
  float32FreezeDepth: number | null;
  /** Median loss over seeds. */
  loss: number;
  /** Why there is no mean-field prediction (null when there is one). */
  predictionUnavailable: string | null;
  /** The prediction of {@link log10FirstToLast} (null without one). */
  predictedLog10FirstToLast: number | null;
  /** Messages about non-finite values (overflow), for the text and JSON output. */
  notes: string[];
}

/** Median of the finite-or-infinite values (NaN dropped); NaN when none. */
export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function norm(d: Float64Array): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  return Math.sqrt(s);
}

/** The elementwise activation function of a use, or null (softmax-like normalisers excluded). */
export function activationOf(use: Pick<LayerUse, "type">): string | null {
  const fn = ACTIVATION_FN[use.type];
  return fn && !NORMALISERS.has(fn) ? fn : null;
}

/** The functional activations (`F.relu`, `torch.tanh`, `x.sigmoid()`): op name → function. */
const FUNCTIONAL_ACTS = new Set<string>(
  Object.values(ACTIVATION_FN).filter((f) => !NORMALISERS.has(f)),
);

/** The elementwise activation a graph node applies (a module or a functional op), or null. */
export function nodeActivation(n: GraphNode): string | null {
  if (n.kind === "module") return activationOf(n);
  if (n.kind === "op" && FUNCTIONAL_ACTS.has(n.type)) return n.type;
  return null;
}

/**
 * Replaces every elementwise activation — modules and functional calls — by `fn` (e.g. `tanh`),
 * with PyTorch's default arguments.
 * @throws InputError for a name outside {@link SWAP_ACTS}.
 */
export function swapActivations(graph: Graph, fn: string): Graph {
  const type = SWAP_ACTS[fn];
  if (!type) {
    throw new InputError(
      `unknown activation '${fn}' (one of ${Object.keys(SWAP_ACTS).join(", ")})`,
      "--act",
    );
  }
  const def = layerDef(type);
  const config = def.configure(bindArgs(def, [], {}));
  const op = lookupOp(`torch.nn.functional.${fn}`) as OpDef;
  const nodes = graph.nodes.map((n): GraphNode => {
    if (!nodeActivation(n)) return n;
    if (n.kind === "module") return { ...n, type, def, config };
    const input = n.args!.get(n.op!.params[0].name) as RefArg;
    return {
      ...n,
      type: fn,
      op,
      display: `F.${fn}`,
      args: new Map<string, Value>([[op.params[0].name, input]]),
    };
  });
  return { ...graph, nodes };
}

/** The label of a variant: its distinct activation functions in order, or `none`. */
export function activationLabel(graph: Graph): string {
  const fns = [...new Set(graph.nodes.map(nodeActivation).filter((f): f is string => f !== null))];
  return fns.length ? fns.join("+") : "none";
}

/** Fills a weight of ≥ 2 dims with the protocol's `--init` (and `--gain`), as `torch.nn.init` does. */
function initWeight(t: F.Tensor, p: GradProtocol, gen: F.Generator): void {
  const g = p.gain;
  switch (p.init) {
    case "xavier_uniform":
      F.xavier_uniform_(t, gen, g ?? 1);
      break;
    case "xavier_normal":
      F.xavier_normal_(t, gen, g ?? 1);
      break;
    case "kaiming_uniform":
    case "kaiming_normal": {
      const fill = p.init === "kaiming_uniform" ? F.kaiming_uniform_ : F.kaiming_normal_;
      fill(t, gen);
      if (g !== undefined) {
        // kaiming_*(nonlinearity='leaky_relu', a=0) has gain √2; rescale to the requested gain.
        const s = g / Math.SQRT2;
        for (let i = 0; i < t.size; i++) t.data[i] *= s;
      }
      break;
    }
    case "orthogonal":
      F.orthogonal_(t, gen, g ?? 1);
      break;
    default:
      throw new Error(`initWeight: ${p.init}`);
  }
}

/**
 * A module's parameter tensors, initialised as PyTorch's `reset_parameters` does (Linear/Conv:
 * kaiming_uniform_(a=√5) and U(±1/√fan_in) bias; norms: weight 1, bias 0; Embedding: N(0, 1) with
 * the padding row zeroed; PReLU: `init`; RNN/LSTM/GRU and their cells: U(±1/√hidden_size) for
 * every parameter), or with `--init` on weights of ≥ 2 dims (biases then 0).
 */
function initParams(use: LayerUse, p: GradProtocol, gen: F.Generator): Record<string, F.Tensor> {
  const specs = use.def.parameters(use.config);
  const out: Record<string, F.Tensor> = {};
  for (const s of specs) out[s.name] = F.zeros(s.shape);
  const w = out.weight;
  const b = out.bias ?? null;
  const type = use.type;
  if (/^(Linear|Conv\dd|ConvTranspose\dd)$/.test(type) && w) {
    if (p.init === "pytorch") F.reset_parameters_(w, b, gen);
    else initWeight(w, p, gen);
  } else if (type === "Embedding" && w) {
    if (p.init === "pytorch") F.normal_(w, gen);
    else initWeight(w, p, gen);
    const pad = (use.config as { padding_idx: number | null }).padding_idx;
    if (pad !== null) w.data.fill(0, pad * w.shape[1], (pad + 1) * w.shape[1]);
  } else if (/^(RNN|LSTM|GRU)(Cell)?$/.test(type)) {
    // RNNBase/RNNCellBase.reset_parameters: every parameter ~ U(±1/√hidden_size).
    const h = (use.config as { hidden_size: number }).hidden_size;
    const stdv = h > 0 ? 1 / Math.sqrt(h) : 0;
    for (const t of Object.values(out)) {
      if (p.init !== "pytorch" && t.ndim >= 2) initWeight(t, p, gen);
      else if (p.init === "pytorch") F.uniform_(t, gen, -stdv, stdv);
    }
  } else if (type === "PReLU" && w) {
    F.constant_(w, (use.config as { params: { init: number } }).params.init);
  } else if (/Norm/.test(type)) {
    if (w) F.ones_(w);
  } else {
    for (const t of Object.values(out)) F.normal_(t, gen);
  }
  for (const t of Object.values(out)) t.requiresGrad_(true);
  return out;
}

function lossOf(out: F.Tensor, loss: LossName): F.Tensor {
  if (loss === "mse") return F.mse_loss(out, F.zeros(out.shape));
  if (loss === "bce") return F.binary_cross_entropy_with_logits(out, F.ones(out.shape));
  const shape = out.ndim >= 2 ? [out.shape[0], ...out.shape.slice(2)] : [];
  return F.cross_entropy(out, F.zeros(shape));
}

/**
 * The activation that reports for a node with parameters (or −1): the first node downstream of
 * it, through norms, dropout, pooling and reshapes, that is an activation; none when another layer
 * with parameters comes first.
 */
function followingActivation(graph: Graph, i: number): number {
  const consumers = new Map<number, number[]>();
  for (const n of graph.nodes)
    for (const r of n.inputs) {
      const xs = consumers.get(r.node);
      if (xs) xs.push(n.id);
      else consumers.set(r.node, [n.id]);
    }
  const todo = [...(consumers.get(i) ?? [])].sort((a, b) => a - b);
  const seen = new Set<number>();
  while (todo.length) {
    const j = todo.shift()!;
    if (seen.has(j)) continue;
    seen.add(j);
    const n = graph.nodes[j];
    if (nodeActivation(n)) return j;
    const hasParams = n.kind === "module" && n.def!.parameters(n.config).length > 0;
    if (hasParams && !/Norm/.test(n.type)) continue;
    todo.push(...(consumers.get(j) ?? []));
    todo.sort((a, b) => a - b);
  }
  return -1;
}

/** The graph's nodes with parameters (the rows of `dlq grad`), in execution order. */
function paramNodes(graph: Graph): number[] {
  return graph.nodes
    .filter((n) => n.kind === "module" && n.def!.parameters(n.config).length > 0)
    .map((n) => n.id);
}

interface SeedRun {
  loss: number;
  wg: number[];
  w: number[];
  og: number[];
  act: ({ mean: number; std: number; sat: number } | null)[];
}

function runSeed(
  graph: Graph,
  rows: number[],
  follow: number[],
  p: GradProtocol,
  seed: number,
): SeedRun {
  const gen = new F.Generator(seed);
  // one set of tensors per parameter: shared modules and tied weights share them
  const byModule = new Map<LayerModule, Record<string, F.Tensor>>();
  const byIdentity = new Map<string, F.Tensor>();
  for (const n of graph.nodes) {
    if (n.kind !== "module" || byModule.has(n.module!)) continue;
    const own = initParams(n as GraphNode & LayerUse, p, gen);
    const ps: Record<string, F.Tensor> = {};
    for (const [name, t] of Object.entries(own)) {
      const key = paramIdentity({ module: n.module!, name });
      const shared = byIdentity.get(key);
      if (shared) ps[name] = shared;
      else {
        byIdentity.set(key, t);
        ps[name] = t;
      }
    }
    byModule.set(n.module!, ps);
  }
  const inputs = graph.inputs.map((id) => {
    const meta = graph.nodes[id].outputs[0];
    const index = meta.dtype.startsWith("int") || meta.dtype === "uint8";
    if (!index)
      return F.randn(p.input.length && id === graph.inputs[0] ? p.input : meta.shape, gen);
    const emb = graph.nodes.find(
      (n) =>
        n.kind === "module" && n.def!.inputKind === "index" && n.inputs.some((r) => r.node === id),
    );
    const v = emb ? (emb.config as { num_embeddings: number }).num_embeddings : 2;
    return F.randint(0, v, id === graph.inputs[0] ? p.input : [...meta.shape], gen);
  });
  const ownParams = new Map<string, F.Tensor>();
  const values = execute(graph, F, {
    inputs,
    params: (n) => byModule.get(n.module!)!,
    param: (n) => {
      let t = ownParams.get(n.name);
      if (!t) {
        t = F.randn(n.outputs[0].shape, gen);
        t.requiresGrad_(true);
        ownParams.set(n.name, t);
      }
      return t;
    },
    generator: gen,
    trainDropout: p.trainDropout,
  });
  for (const i of rows) for (const t of values[i]) if (t.requiresGrad) t.retainGrad();
  const x = outputOf(graph, values);
  const loss = lossOf(x, p.loss);
  if (loss.requiresGrad) loss.backward();
  const wg: number[] = [];
  const w: number[] = [];
  const og: number[] = [];
  const act: SeedRun["act"] = [];
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    const ps = byModule.get(graph.nodes[i].module!)!;
    const ts = ps.weight ? [ps.weight] : Object.values(ps);
    let g2 = 0;
    let w2 = 0;
    for (const t of ts) {
      if (t.grad) g2 += norm(t.grad.data) ** 2;
      w2 += norm(t.data) ** 2;
    }
    wg.push(Math.sqrt(g2));
    w.push(Math.sqrt(w2));
    const o = values[i][0].grad;
    og.push(o ? norm(o.data) : 0);
    const j = follow[r];
    if (j < 0) {
      act.push(null);
      continue;
    }
    const an = graph.nodes[j];
    const z = values[an.inputs[0].node][an.inputs[0].index];
    const a = values[j][0].data;
    let s = 0;
    for (let k = 0; k < a.length; k++) s += a[k];
    const mean = s / a.length;
    let v = 0;
    for (let k = 0; k < a.length; k++) v += (a[k] - mean) ** 2;
    // φ′(z) of the (elementwise) activation, by autodiff on a detached copy of its input.
    const zl = new F.Tensor(z.data, z.shape, true);
    const y =
      an.kind === "module"
        ? an.def!.forward!(an.config, zl, {}, F)
        : (an.op!.kernel!(makeActArgs(an, zl), F, {
            generator: gen,
            trainDropout: false,
            dtypeOf: () => "float32",
          }) as F.Tensor);
    const [d] = F.grad(F.sum(y), [zl]);
    let sat = 0;
    for (let k = 0; k < d.length; k++) if (Math.abs(d[k]) < SATURATION_THRESHOLD) sat++;
    // PyTorch's Tensor.std(): unbiased.
    act.push({ mean, std: Math.sqrt(v / Math.max(a.length - 1, 1)), sat: sat / d.length });
  }
  return { loss: loss.item(), wg, w, og, act };
}

/** A functional activation node's arguments with its input replaced by `z`. */
function makeActArgs(n: GraphNode, z: F.Tensor) {
  const bound = new Map(n.args!);
  const first = n.op!.params[0].name;
  return makeOpArgsFor(n.op!, n.display ?? n.type, bound, first, z);
}

const log10Ratio = (a: number, b: number): number =>
  a === 0 && b === 0 ? NaN : Math.log10(a) - Math.log10(b);

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Measures gradient magnitudes per layer (see the module comment for the protocol).
 * @param uses the model's layer applications (src/analysis/model.ts), activations possibly swapped.
 * @throws InputError naming the layer when a layer has no forward or cannot run on its input.
 */
export function measureGradFlow(graph: Graph, p: GradProtocol): GradVariant {
  checkRunnable(graph);
  const rows = paramNodes(graph);
  const follow = rows.map((i) => followingActivation(graph, i));
  const runs: SeedRun[] = [];
  for (let s = 0; s < p.seeds; s++) runs.push(runSeed(graph, rows, follow, p, s));
  const counts = new Map<LayerModule, number>();
  for (const n of graph.nodes)
    if (n.kind === "module") counts.set(n.module!, (counts.get(n.module!) ?? 0) + 1);
  const uses = graph.nodes;
  const last = rows.length - 1;
  const notes: string[] = [];
  const layers: LayerGrad[] = rows.map((i, r) => {
    const u = uses[i];
    const col = (f: (run: SeedRun) => number): number => median(runs.map(f));
    const actCol = (f: (a: { mean: number; std: number; sat: number }) => number): number | null =>
      follow[r] >= 0 ? finiteOrNull(col((run) => (run.act[r] ? f(run.act[r]!) : NaN))) : null;
    return {
      name: u.name,
      type: u.type,
      depth: r + 1,
      ...(u.sharedWith !== undefined ? { sharedWith: u.sharedWith } : {}),
      applications: counts.get(u.module!) ?? 1,
      weightGradNorm: col((run) => run.wg[r]),
      weightNorm: col((run) => run.w[r]),
      relativeUpdate: col((run) => (p.lr * run.wg[r]) / run.w[r]),
      outputGradNorm: col((run) => run.og[r]),
      log10RatioToLast: finiteOrNull(col((run) => log10Ratio(run.wg[r], run.wg[last]))),
      outputLog10RatioToLast: finiteOrNull(col((run) => log10Ratio(run.og[r], run.og[last]))),
      act: follow[r] >= 0 ? nodeActivation(uses[follow[r]]) : null,
      actMean: actCol((a) => a.mean),
      actStd: actCol((a) => a.std),
      saturated: actCol((a) => a.sat),
      predictedLog10RatioToLast: null,
      predictedOutputLog10RatioToLast: null,
    };
  });
  const lossMed = median(runs.map((r) => r.loss));
  const nonFinite = runs.some(
    (run) => !Number.isFinite(run.loss) || run.wg.some((g) => !Number.isFinite(g)),
  );
  if (nonFinite) {
    notes.push(
      "some seeds overflowed (a loss or gradient is infinite or NaN); those values are reported as null",
    );
  }
  // The verdict reads the medians before they are made JSON-safe: a first-layer gradient of
  // exactly 0 (saturated activations) is log10 ratio −∞, vanishing completely, not unknown.
  const rawRatio = (g: (run: SeedRun) => number[]): number | null =>
    layers.length > 0 ? median(runs.map((run) => log10Ratio(g(run)[0], g(run)[last]))) : null;
  const firstToLast = rawRatio((run) => run.wg);
  const outFirstToLast = rawRatio((run) => run.og);
  // The weight gradients decide; the gradients w.r.t. the outputs decide when the weights' do not
  // cross the threshold (e.g. exploding ‖∂L/∂y‖ offset by shrinking activations).
  const decide = (r: number | null): Verdict | null =>
    r === null || Number.isNaN(r)
      ? null
      : r < -VERDICT_DECADES
        ? "vanishing"
        : r > VERDICT_DECADES
          ? "exploding"
          : null;
  const verdict: Verdict = nonFinite
    ? "exploding"
    : (decide(firstToLast) ?? decide(outFirstToLast) ?? "healthy");
  // Per-layer slope of log10 ‖∂L/∂y‖ over the applications with parameters but the last.
  const pts = layers
    .slice(0, Math.max(layers.length - 1, 2))
    .map((l) => [l.depth, l.outputGradNorm > 0 ? Math.log10(l.outputGradNorm) : NaN])
    .filter(([, y]) => Number.isFinite(y));
  let slope: number | null = null;
  if (pts.length >= 2) {
    const mx = pts.reduce((s, [x]) => s + x, 0) / pts.length;
    const my = pts.reduce((s, [, y]) => s + y, 0) / pts.length;
    let sxy = 0;
    let sxx = 0;
    for (const [x, y] of pts) {
      sxy += (x - mx) * (y - my);
      sxx += (x - mx) ** 2;
    }
    slope = sxx > 0 ? sxy / sxx : null;
  }
  let freeze: number | null = null;
  const u1 = layers.length > 0 ? layers[0].relativeUpdate : NaN;
  if (slope !== null && slope > 1e-3 && u1 > 0 && Number.isFinite(u1)) {
    const L = layers.length;
    freeze = Math.max(1, Math.ceil(L + (Math.log10(u1) - Math.log10(FLOAT32_RESOLUTION)) / slope));
    if (freeze > 1e6) freeze = null;
  }
  const mf = predictMlp(graph, p);
  if (typeof mf !== "string") {
    layers.forEach((l, r) => {
      l.predictedOutputLog10RatioToLast = mf.bias[r];
      l.predictedLog10RatioToLast = l.applications === 1 ? mf.weight[r] : null;
    });
  }
  return {
    act: activationLabel(graph),
    predictionUnavailable: typeof mf === "string" ? mf : null,
    predictedLog10FirstToLast: layers.length > 0 ? layers[0].predictedLog10RatioToLast : null,
    layers,
    log10FirstToLast: layers.length > 0 ? layers[0].log10RatioToLast : null,
    verdict,
    log10PerLayer: slope,
    float32FreezeDepth: freeze,
    loss: lossMed,
    notes,
  };
}

/** The most multiply-adds one `dlq grad` run may take (a few seconds on the tensor core). */
export const WORK_BUDGET = 1e10;

/**
 * Refuses a study that cannot be useful: cross-entropy over a single output (identically 0, so every
 * gradient is 0), or one whose multiply-adds — torchinfo's count for one forward pass at the study's
 * batch, ×3 for forward and backward, × seeds × variants — exceed {@link WORK_BUDGET}.
 * @param multAdds mult-adds of one forward pass at the study's input shape (src/analysis/model.ts).
 * @param output the model's output shape.
 * @throws InputError saying what to change.
 */
export function checkStudy(
  multAdds: number,
  output: readonly number[],
  p: Pick<GradProtocol, "seeds" | "loss" | "input">,
  variants: number,
): void {
  if (p.loss === "ce" && (output.length < 2 || output[1] < 2)) {
    throw new InputError(
      `cross-entropy needs at least 2 classes in dim 1, but the output is [${output.join(", ")}]: with one class the loss is identically 0 and so is every gradient (use --loss mse or bce)`,
      "--loss",
    );
  }
  const work = multAdds * 3 * p.seeds * variants;
  if (work > WORK_BUDGET) {
    throw new InputError(
      `this study would take about ${work.toExponential(1)} multiply-adds (input [${p.input.join(", ")}], ${p.seeds} seeds, ${variants} variant${variants === 1 ? "" : "s"}); dlq grad allows ${WORK_BUDGET.toExponential(0)}: use a smaller --input (spatial size), --batch or --seeds`,
      "--input",
    );
  }
}

/** The most memory one `dlq grad` run may need, by {@link checkMemory}'s estimate (1 GiB). */
export const MEMORY_BUDGET = 2 ** 30;

/**
 * Refuses, before anything is allocated, a study whose tensors would not fit in
 * {@link MEMORY_BUDGET}. The estimate: the tensor core stores float64 (8 bytes an element), and a
 * forward/backward keeps each application's output, its gradient and about one temporary of its
 * size (×3), and each parameter with its gradient and its initialisation's temporary (×3):
 * 8 × 3 × (input + Σ outputs + parameters) bytes. One seed and one variant at a time, so neither
 * multiplies it. (VGG-11 at 32×32: 133 M parameters, about 3 GB: it allocated 1.1 GB before
 * failing.)
 * @param facts the model's shapes at the study's input (src/analysis/model.ts `modelFacts`).
 * @param p the study's protocol (its input, batch included).
 * @throws InputError saying what to change.
 */
export function checkMemory(
  facts: { layers: readonly { output: readonly number[]; kind?: string }[]; params: number },
  p: Pick<GradProtocol, "input">,
): void {
  const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  let elements = size(p.input);
  // a container's output is one of its layers' (counted there)
  for (const l of facts.layers) if (l.kind !== "container") elements += size(l.output);
  const bytes = 8 * 3 * (elements + facts.params);
  if (bytes > MEMORY_BUDGET) {
    const gb = (x: number): string => `${(x / 2 ** 30).toFixed(1)} GB`;
    const what =
      facts.params >= elements
        ? `${facts.params.toExponential(2)} parameters`
        : `${elements.toExponential(2)} activation elements at input [${p.input.join(", ")}]`;
    throw new InputError(
      `this study would need about ${gb(bytes)} of memory (mostly ${what}, as float64 with their gradients); dlq grad allows ${gb(MEMORY_BUDGET)}: ${facts.params >= elements ? "use a smaller model (fewer or narrower layers)" : "use a smaller --input (spatial size) or --batch"}`,
      facts.params >= elements ? undefined : "--input",
    );
  }
}

/**
 * The default input shape of `dlq grad`: the given or stated shape, else `(batch, in_features)`
 * for a Linear-first model; the batch dimension replaced by `batch`.
 * @throws InputError when no shape can be found.
 */
export function gradInput(
  uses: readonly Pick<LayerUse, "type" | "config">[],
  stated: readonly number[] | undefined,
  batch: number,
): number[] {
  let shape: number[];
  if (stated) shape = [...stated];
  else if (uses[0].type === "Linear") {
    shape = [1, (uses[0].config as { in_features: number }).in_features];
  } else {
    throw new InputError(
      `no input shape: pass --input (e.g. --input 1,3,32,32); the model does not feed itself a tensor (first layer: ${uses[0].type})`,
    );
  }
  if (shape.length < 2) {
    throw new InputError(
      `input shape [${shape.join(", ")}] has no batch dimension; dlq grad needs (batch, …)`,
      "--input",
    );
  }
  shape[batchDim(uses[0], shape)] = batch;
  return shape;
}

/**
 * Where the first layer's input keeps its batch: dim 1 of a recurrent layer's time-major
 * `(L, N, H_in)` input (dim 0 with batch_first), dim 0 otherwise.
 */
function batchDim(first: Pick<LayerUse, "type" | "config">, shape: readonly number[]): number {
  if (/^(RNN|LSTM|GRU)$/.test(first.type) && shape.length === 3) {
    return (first.config as { batch_first: boolean }).batch_first ? 0 : 1;
  }
  return 0;
}

/** meanfield.ts's activation spec for an activation use, or null when it has none. */
function meanFieldAct(use: LayerUse): ActivationSpec | null {
  const fn = activationOf(use);
  const p = (use.config as { params: Record<string, number | string | boolean | null> }).params;
  switch (fn) {
    case "sigmoid":
    case "tanh":
    case "relu":
    case "selu":
    case "silu":
      return fn;
    case "leaky_relu":
      return { fn, negative_slope: p.negative_slope as number };
    case "elu":
      return { fn, alpha: p.alpha as number };
    case "gelu":
      return { fn, approximate: p.approximate as "none" | "tanh" };
    case "softplus":
      return { fn, beta: p.beta as number, threshold: p.threshold as number };
    default:
      return null;
  }
}

/** The init scheme of meanfield.ts matching the protocol's `init` (biases 0 unless `pytorch`). */
function meanFieldInit(p: GradProtocol): InitScheme {
  switch (p.init) {
    case "pytorch":
      return { scheme: "default" };
    case "xavier_uniform":
    case "xavier_normal":
    case "orthogonal":
      return { scheme: p.init, gain: p.gain ?? 1, bias: "zeros" };
    default:
      return { scheme: p.init, bias: "zeros" };
  }
}

/**
 * The mean-field prediction (src/analysis/meanfield.ts) for an MLP: Linear layers with at most one
 * elementwise activation between them (Dropout in eval mode and Identity ignored; a final
 * activation after the last Linear changes no ratio to the last layer and is ignored too).
 * Returns per application with parameters the predicted log10 ratios to the last layer of the
 * weight gradient and of the gradient w.r.t. the layer's output, or why there is none.
 */
export function predictMlp(
  graph: Graph,
  p: GradProtocol,
): { weight: number[]; bias: number[] } | string {
  const op = graph.nodes.find((n) => n.kind === "op");
  if (op)
    return `the model is not an MLP of Linear layers and activation modules (at ${op.name}: ${op.display ?? op.type})`;
  const uses = usesOf(graph);
  const steps = uses.filter(
    (u) => u.type !== "Identity" && !(/Dropout/.test(u.type) && !p.trainDropout),
  );
  const linears: LayerUse[] = [];
  const acts: ActivationSpec[] = [];
  let pending: ActivationSpec | null = null;
  let sawAct = false;
  for (const u of steps) {
    if (u.type === "Linear") {
      if (linears.length > 0) acts.push(pending ?? "linear");
      linears.push(u);
      pending = null;
      sawAct = false;
      continue;
    }
    const a = meanFieldAct(u);
    if (a === null || linears.length === 0 || sawAct) {
      return `the model is not an MLP of Linear layers and the activations mean-field theory covers (at ${u.name}: ${u.type})`;
    }
    pending = a;
    sawAct = true;
  }
  if (linears.length < 2) return "the model has fewer than two Linear layers";
  const widths = [
    (linears[0].config as { in_features: number }).in_features,
    ...linears.map((l) => (l.config as { out_features: number }).out_features),
  ];
  let layers;
  try {
    layers = initVariances(linearShapes(widths), meanFieldInit(p));
  } catch (e) {
    return `mean-field variances unavailable: ${(e as Error).message}`;
  }
  layers = layers.map((l, i) => {
    const cfg = linears[i].config as { bias: boolean };
    let sigmaW2 = l.sigmaW2;
    if (p.gain !== undefined && (p.init === "kaiming_uniform" || p.init === "kaiming_normal")) {
      sigmaW2 = p.gain * p.gain;
    }
    return { ...l, sigmaW2, sigmaB2: cfg.bias ? l.sigmaB2 : 0 };
  });
  let mf;
  try {
    mf = meanFieldMlp({ layers, act: acts, inputQ: 1 });
  } catch (e) {
    if (e instanceof MeanFieldOverflow) return e.message;
    throw e;
  }
  return { weight: mf.predictedLog10GradRatioToLast, bias: mf.predictedLog10BiasGradRatioToLast };
}

/** Op arguments with the first tensor parameter replaced by `z`. */
function makeOpArgsFor(
  op: OpDef,
  display: string,
  bound: Map<string, unknown>,
  first: string,
  z: F.Tensor,
) {
  bound.set(first, z as unknown as never);
  return makeOpArgs(op, display, bound as never, (v) => (v === (z as unknown) ? z : undefined));
}

export type { ModuleSpec };
