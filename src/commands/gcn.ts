/**
 * `dlq gcn GRAPH --layers L --q Q [--node i] [--zero i] [--json]`: receptive fields of graph
 * convolution layers Y = φ(Σ_{k=1..q} Δᵏ X αₖ + b), checked by autodiff, and which outputs change
 * when row and column i of Δ are zeroed (computed on the tensor core).
 */
import {
  adjacency,
  influenceAll,
  LAPLACIAN_TEXT,
  laplacianCsr,
  parseGraph,
  randomGcn,
  receptiveField,
  zeroEffect,
  type LaplacianKind,
} from "../analysis/gcn.js";
import { InputError } from "../errors.js";
import { jsonDoc, outputOf, type Context } from "./context.js";
import { progressOf } from "./progress.js";

/** Output nodes from which the autodiff check shows progress (on a terminal). */
const PROGRESS_NODES = 512;
import { readSource } from "./input.js";
import { renderTable } from "./table.js";

export interface GcnOptions {
  layers: string;
  q: string;
  node?: string;
  zero?: string;
  laplacian?: string;
  features?: string;
  seed?: string;
  json?: boolean;
}

function integer(
  text: string | undefined,
  what: string,
  dflt: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (text === undefined) return dflt;
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) {
    throw new InputError(
      max === Number.MAX_SAFE_INTEGER
        ? `'${text}' is not an integer ≥ ${min}`
        : `'${text}' is not an integer in [${min}, ${max}]`,
      what,
    );
  }
  return Number(t);
}

const set = (xs: readonly number[]): string => (xs.length === 0 ? "∅" : `{${xs.join(", ")}}`);

/** The reasoning behind --zero, stated with the numbers that decide it. */
function zeroReasoning(i: number, hops: number, isolated: boolean, ownReaches: boolean): string {
  if (isolated) {
    return `Node ${i} has no neighbours: row and column ${i} of Δ are already zero, so nothing changes.`;
  }
  const own = ownReaches
    ? `Autodiff finds that X_${i} still reaches some output after zeroing.`
    : `Autodiff confirms that X_${i} then reaches no output at all (∂ΣY/∂X_${i} = 0): there is no path that avoids Δ's column ${i}, since the layer has no k = 0 (skip) term and every use of X_${i} is a product with column ${i}.`;
  return (
    `Zeroing row ${i} removes node ${i}'s whole aggregation: its hidden state becomes φ(b) at every layer, independent of X. ` +
    `Zeroing column ${i} removes node ${i}'s state from every other node's aggregation, so no term of Δ'ᵏ is a walk that touches node ${i}. ` +
    own +
    ` An output changes when it had a walk through node ${i}: the nodes within q·L = ${hops} hop${hops === 1 ? "" : "s"} of ${i}, node ${i} included; farther nodes never saw node ${i}.`
  );
}

export async function run(ctx: Context, graphPath: string, opts: GcnOptions): Promise<number> {
  const L = integer(opts.layers, "--layers", 1, 1, 50);
  const q = integer(opts.q, "--q", 1, 1, 50);
  const F = integer(opts.features, "--features", 4, 1, 64);
  const seed = integer(opts.seed, "--seed", 0, 0);
  const kind = (opts.laplacian ?? "combinatorial").replace(
    "normalised",
    "normalized",
  ) as LaplacianKind;
  if (kind !== "combinatorial" && kind !== "normalized") {
    throw new InputError(
      `'${opts.laplacian}' is not a Laplacian: use combinatorial or normalized`,
      "--laplacian",
    );
  }
  const { text, file } = await readSource(graphPath, ctx, "graph");
  const g = parseGraph(text, file);
  const nodeArg = (v: string | undefined, what: string): number | undefined =>
    v === undefined ? undefined : integer(v, what, 0, 0, g.nodes - 1);
  const node = nodeArg(opts.node, "--node");
  const zero = nodeArg(opts.zero, "--zero");
  const hops = q * L;
  const delta = laplacianCsr(g, kind);
  const net = randomGcn(delta, F, q, L, seed);
  const shown = node !== undefined ? [node] : Array.from({ length: g.nodes }, (_, i) => i);
  // One batched backward per block of output nodes (exact reverse-mode gradients; see influenceAll).
  // A bar for a large graph (on a terminal's stderr only: src/commands/progress.ts).
  const progress =
    shown.length >= PROGRESS_NODES
      ? await progressOf(ctx)(`gcn: receptive fields of ${shown.length} nodes`, shown.length)
      : undefined;
  let autodiff: number[][];
  try {
    autodiff = influenceAll(delta, net, shown, 64, progress && ((done) => progress.update(done)));
  } finally {
    progress?.done();
  }
  const fields = shown.map((i, k) => {
    const bfs = receptiveField(g, i, q, L);
    const measured = autodiff[k];
    return {
      node: i,
      receptive_field: bfs,
      autodiff: measured,
      agrees: bfs.length === measured.length && bfs.every((v, k) => v === measured[k]),
    };
  });
  const z = zero !== undefined ? zeroEffect(g, delta, net, zero, q) : null;
  const isolated = (i: number): boolean => adjacency(g)[i].length === 0;
  const allAgree = fields.every((f) => f.agrees) && (z ? z.agrees : true);

  if (opts.json) {
    ctx.out(
      jsonDoc({
        graph: { nodes: g.nodes, edges: g.edges, dropped_self_loops: g.droppedSelfLoops },
        laplacian: kind,
        laplacian_definition: LAPLACIAN_TEXT[kind],
        layers: L,
        q,
        hops,
        activation: "tanh",
        features: F,
        seed,
        receptive_fields: fields,
        zero: z
          ? {
              node: z.node,
              changed: z.changed,
              changed_at_all: z.changedAtAll,
              max_change: z.maxChange,
              threshold: z.threshold,
              within_hops: z.withinHops,
              agrees: z.agrees,
              own_input_reaches_outputs: z.ownInputInfluence > 0,
              reasoning: zeroReasoning(z.node, hops, isolated(z.node), z.ownInputInfluence > 0),
            }
          : null,
        agrees: allAgree,
      }),
    );
    return 0;
  }
  const s = ctx.style;
  let out = `Graph: ${g.nodes} nodes, ${g.edges.length} edges; Δ = ${LAPLACIAN_TEXT[kind]}.\n`;
  out += `${L} layer${L > 1 ? "s" : ""} of Σ_{k=1..${q}} Δᵏ H αₖ: each output sees the nodes within q·L = ${s.bold(String(hops))} hop${hops === 1 ? "" : "s"}.\n`;
  const output = outputOf(ctx);
  if (output.format === "markdown") out += "\n";
  const table = renderTable(
    ["node", "receptive field (BFS, ≤ q·L hops)", "size", "autodiff ∂Yᵢ/∂Xⱼ ≠ 0"].map(s.bold),
    fields.map((f) => [
      String(f.node),
      set(f.receptive_field),
      String(f.receptive_field.length),
      f.agrees ? s.green("agrees") : s.red(set(f.autodiff)),
    ]),
    { right: [0, 2], output },
  );
  if (output.format === "csv") {
    ctx.out(table);
    return 0;
  }
  out += table;
  if (output.format === "markdown") out += "\n";
  if (fields.some((f) => isolated(f.node))) {
    out +=
      s.dim("An isolated node's row of Δ is zero: its output is φ(b) and depends on no input.") +
      "\n";
  }
  if (z) {
    out += `\nZeroing row and column ${z.node} of Δ (same random X, αₖ, b; seed ${seed}):\n`;
    out += `  outputs that change (by more than ${z.threshold}): ${s.bold(set(z.changed))}\n`;
    out += `  nodes within ${hops} hops of ${z.node}:              ${set(z.withinHops)} ${z.agrees ? s.green("(the same)") : s.red("(different)")}\n`;
    out += `  node ${z.node}'s own features still reach an output: ${z.ownInputInfluence > 0 ? "yes" : "no"} (autodiff)\n`;
    if (z.changedAtAll.length !== z.changed.length) {
      out += s.yellow(
        `  changed below the threshold: ${set(z.changedAtAll.filter((v) => !z.changed.includes(v)))}\n`,
      );
    }
    out += zeroReasoning(z.node, hops, isolated(z.node), z.ownInputInfluence > 0) + "\n";
  }
  ctx.out(out);
  return 0;
}
