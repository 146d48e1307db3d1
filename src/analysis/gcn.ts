/**
 * Graph convolution layers in the polynomial form
 *
 *   H⁽ˡ⁺¹⁾ = φ( Σ_{k=1..q} Δᵏ H⁽ˡ⁾ α⁽ˡ⁾ₖ + b⁽ˡ⁾ ),   H⁽⁰⁾ = X,  Y = H⁽ᴸ⁾
 *
 * (Defferrard, Bresson & Vandergheynst, "Convolutional Neural Networks on Graphs with Fast
 * Localized Spectral Filtering", NeurIPS 2016, with monomials of Δ in place of Chebyshev
 * polynomials). Δ is the graph Laplacian: the combinatorial L = D − A by default, or the
 * symmetric normalised D^−½ (D − A) D^−½ (= I − D^−½ A D^−½ on nodes with neighbours; 0 on
 * isolated nodes, as networkx).
 *
 * Receptive field: (Δᵏ)ᵢⱼ is zero unless node j is within k hops of i, so each layer widens the
 * field by q hops and output node i can depend only on the nodes within q·L hops — the same for
 * every Δ with the graph's sparsity pattern. It does depend on all of them for generic weights,
 * because Δ has a non-zero diagonal on every node with a neighbour (walks may pause). The
 * exception is an isolated node: its row of Δ is zero, so its output is φ(b) and depends on no
 * input at all. {@link influence} confirms the field numerically by autodiff.
 *
 * Everything numeric runs on the tensor core (float64), φ = tanh.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YNode } from "yaml";
import { InputError, type Loc } from "../errors.js";
import {
  add,
  Generator,
  grad,
  matmul,
  mul,
  randn,
  select,
  sum,
  tanh,
  Tensor,
} from "../tensor/index.js";

/** An undirected simple graph on nodes 0 … nodes − 1. */
export interface Graph {
  nodes: number;
  /** Each edge once, as [min, max], sorted. */
  edges: [number, number][];
  /** Self-loops that were given and dropped (a Laplacian has none). */
  droppedSelfLoops: number;
}

/** Which Laplacian Δ is. */
export type LaplacianKind = "combinatorial" | "normalized";

export const LAPLACIAN_TEXT: Record<LaplacianKind, string> = {
  combinatorial: "combinatorial Laplacian L = D − A",
  normalized:
    "normalised Laplacian D^−½ (D − A) D^−½ = I − D^−½ A D^−½ (0 rows for isolated nodes)",
};

/** Largest graph accepted (Δ is stored dense). */
export const MAX_NODES = 2000;

function buildGraph(
  nodes: number,
  pairs: { a: number; b: number; loc: Loc }[],
  file: string,
): Graph {
  const seen = new Set<string>();
  const edges: [number, number][] = [];
  let loops = 0;
  for (const { a, b, loc } of pairs) {
    for (const v of [a, b]) {
      if (v >= nodes) {
        throw new InputError(`node ${v} does not exist: the graph has nodes 0 … ${nodes - 1}`, loc);
      }
    }
    if (a === b) {
      loops++;
      continue;
    }
    const e: [number, number] = a < b ? [a, b] : [b, a];
    const key = `${e[0]},${e[1]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push(e);
  }
  if (nodes > MAX_NODES) {
    throw new InputError(`${nodes} nodes: at most ${MAX_NODES} are supported (Δ is dense)`, file);
  }
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return { nodes, edges, droppedSelfLoops: loops };
}

/**
 * Parses a graph: JSON `{"nodes": N, "edges": [[0, 1], …]}` (`nodes` optional: then the largest
 * index + 1), or text with one edge `i j` (or `i,j`) per line, a lone `i` for a node without
 * edges, and `#` comments. Edges are undirected; duplicates are merged, self-loops dropped.
 * @throws InputError at file:line:column.
 */
export function parseGraph(text: string, file: string): Graph {
  if (/^\s*\{/.test(text)) return parseJsonGraph(text, file);
  const pairs: { a: number; b: number; loc: Loc }[] = [];
  let maxNode = -1;
  text.split(/\r?\n/).forEach((raw, li) => {
    const line = raw.replace(/#.*$/, "");
    if (line.trim() === "") return;
    const col = line.search(/\S/) + 1;
    const loc: Loc = { file, line: li + 1, column: col };
    const parts = line.trim().split(/\s*[,\s]\s*/);
    if (parts.length > 2 || !parts.every((p) => /^\d+$/.test(p))) {
      throw new InputError(
        `expected an edge 'i j' (two node indices ≥ 0) or a lone node 'i', got '${line.trim()}'`,
        loc,
      );
    }
    const [a, b] = parts.map(Number);
    maxNode = Math.max(maxNode, a, b ?? a);
    if (parts.length === 2) pairs.push({ a, b, loc });
  });
  if (maxNode < 0) throw new InputError("the graph has no nodes", file);
  return buildGraph(maxNode + 1, pairs, file);
}

function parseJsonGraph(text: string, file: string): Graph {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const loc = (n: unknown): Loc => {
    const off = (n as YNode | undefined)?.range?.[0] ?? 0;
    const p = lc.linePos(off);
    return { file, line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const p = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    throw new InputError(e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, ""), {
      file,
      line: p.line,
      column: p.col,
    });
  }
  const root = doc.contents;
  if (!isMap(root)) throw new InputError('expected {"nodes": N, "edges": [[i, j], …]}', loc(root));
  let nodes: number | undefined;
  let nodesLoc: Loc | undefined;
  let edgesNode: unknown;
  for (const p of root.items) {
    const k = isScalar(p.key) ? String(p.key.value) : "";
    if (k === "nodes") {
      const v = isScalar(p.value) ? p.value.value : undefined;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
        throw new InputError("nodes must be a positive integer", loc(p.value));
      }
      nodes = v;
      nodesLoc = loc(p.value);
    } else if (k === "edges") edgesNode = p.value;
    else if (k !== "$comment" && k !== "name") {
      throw new InputError(`unknown key '${k}': a graph has nodes and edges`, loc(p.key));
    }
  }
  if (!isSeq(edgesNode)) {
    throw new InputError(
      "edges must be a list of pairs [[i, j], …]",
      edgesNode ? loc(edgesNode) : loc(root),
    );
  }
  let maxNode = -1;
  const pairs = edgesNode.items.map((e) => {
    const ok =
      isSeq(e) &&
      e.items.length === 2 &&
      e.items.every((x) => isScalar(x) && Number.isInteger(x.value) && (x.value as number) >= 0);
    if (!ok) throw new InputError("an edge is a pair [i, j] of node indices ≥ 0", loc(e));
    const [a, b] = (e as { items: { value: number }[] }).items.map((x) => x.value);
    maxNode = Math.max(maxNode, a, b);
    return { a, b, loc: loc(e) };
  });
  const n = nodes ?? maxNode + 1;
  if (n < 1) throw new InputError("the graph has no nodes", nodesLoc ?? loc(root));
  return buildGraph(n, pairs, file);
}

/** Node degrees. */
export function degrees(g: Graph): number[] {
  const d = new Array<number>(g.nodes).fill(0);
  for (const [a, b] of g.edges) {
    d[a]++;
    d[b]++;
  }
  return d;
}

/** Δ as a dense N×N tensor (see the module comment for the two kinds). */
export function laplacian(g: Graph, kind: LaplacianKind = "combinatorial"): Tensor {
  const n = g.nodes;
  const deg = degrees(g);
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) L[i * n + i] = deg[i];
  for (const [a, b] of g.edges) {
    L[a * n + b] = -1;
    L[b * n + a] = -1;
  }
  if (kind === "normalized") {
    const s = deg.map((d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) L[i * n + j] *= s[i] * s[j];
  }
  return new Tensor(L, [n, n]);
}

/** Hop distances from `src` by breadth-first search (−1: unreachable). */
export function hopDistances(g: Graph, src: number): number[] {
  const adj: number[][] = Array.from({ length: g.nodes }, () => []);
  for (const [a, b] of g.edges) {
    adj[a].push(b);
    adj[b].push(a);
  }
  const dist = new Array<number>(g.nodes).fill(-1);
  dist[src] = 0;
  const queue = [src];
  for (let h = 0; h < queue.length; h++) {
    const u = queue[h];
    for (const v of adj[u]) {
      if (dist[v] < 0) {
        dist[v] = dist[u] + 1;
        queue.push(v);
      }
    }
  }
  return dist;
}

/**
 * The receptive field of output node `i` after `layers` layers of powers 1..q: the nodes within
 * q·L hops (BFS), sorted; empty for an isolated node (its row of Δ is zero).
 */
export function receptiveField(g: Graph, i: number, q: number, layers: number): number[] {
  const dist = hopDistances(g, i);
  if (!dist.some((d, j) => j !== i && d === 1)) return [];
  const out: number[] = [];
  for (let j = 0; j < g.nodes; j++) if (dist[j] >= 0 && dist[j] <= q * layers) out.push(j);
  return out;
}

/** The weights of one layer: αₖ (F_in × F_out) for k = 1..q and b (F_out). */
export interface GcnLayer {
  alphas: Tensor[];
  bias: Tensor;
}

/** The forward pass Y = H⁽ᴸ⁾ (φ = tanh), on the tensor core (recorded for autodiff). */
export function gcnForward(delta: Tensor, X: Tensor, layers: readonly GcnLayer[]): Tensor {
  let H = X;
  for (const { alphas, bias } of layers) {
    let P = H;
    let acc: Tensor | null = null;
    for (const a of alphas) {
      P = matmul(delta, P);
      const term = matmul(P, a);
      acc = acc ? add(acc, term) : term;
    }
    H = tanh(add(acc!, bias));
  }
  return H;
}

/**
 * Random inputs and weights for checking: X ~ N(0, 1) (N × F), αₖ ~ N(0, 1/(F·q²·ρ^{2k})) with
 * ρ = max row sum of |Δ| (so that pre-activations stay O(1) and tanh does not saturate), b ~ N(0, 1),
 * all from the seeded generator.
 */
export function randomGcn(
  delta: Tensor,
  features: number,
  q: number,
  layers: number,
  seed: number,
): { X: Tensor; layers: GcnLayer[] } {
  const gen = new Generator(seed);
  const n = delta.shape[0];
  let rho = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(delta.data[i * n + j]);
    rho = Math.max(rho, s);
  }
  if (rho === 0) rho = 1;
  const X = randn([n, features], gen);
  const ls: GcnLayer[] = [];
  for (let l = 0; l < layers; l++) {
    const alphas: Tensor[] = [];
    for (let k = 1; k <= q; k++) {
      alphas.push(mul(randn([features, features], gen), 1 / (Math.sqrt(features) * q * rho ** k)));
    }
    ls.push({ alphas, bias: randn([features], gen) });
  }
  return { X, layers: ls };
}

/** Δ with row and column `i` set to zero. */
export function zeroRowCol(delta: Tensor, i: number): Tensor {
  const n = delta.shape[0];
  const d = delta.data.slice();
  for (let j = 0; j < n; j++) {
    d[i * n + j] = 0;
    d[j * n + i] = 0;
  }
  return new Tensor(d, [n, n]);
}

/** The result of {@link zeroEffect}. */
export interface ZeroEffect {
  node: number;
  /** Nodes whose output row changed by more than `threshold` (max abs over features). */
  changed: number[];
  /** Nodes whose output changed at all (bitwise). */
  changedAtAll: number[];
  /** max_f |Y'ᵢf − Yᵢf| per node. */
  maxChange: number[];
  threshold: number;
  /** The receptive field of the zeroed node (nodes within q·L hops). */
  withinHops: number[];
  /** Whether `changed` equals `withinHops`. */
  agrees: boolean;
  /** max over features of |∂Y/∂X_node| summed over all outputs after zeroing (0: X_node unused). */
  ownInputInfluence: number;
}

/**
 * Which outputs change when row and column `i` of Δ are zeroed: Y before and after on the same
 * random X, αₖ, b; plus, after zeroing, whether node i's own features still reach any output
 * (autodiff of Σ Y with respect to X).
 */
export function zeroEffect(
  g: Graph,
  delta: Tensor,
  net: { X: Tensor; layers: GcnLayer[] },
  i: number,
  q: number,
  threshold = 1e-12,
): ZeroEffect {
  const n = g.nodes;
  const before = gcnForward(delta, net.X, net.layers);
  const X = new Tensor(net.X.data.slice(), net.X.shape, true);
  const after = gcnForward(zeroRowCol(delta, i), X, net.layers);
  const F = before.shape[1];
  const maxChange: number[] = [];
  for (let v = 0; v < n; v++) {
    let m = 0;
    for (let f = 0; f < F; f++)
      m = Math.max(m, Math.abs(after.data[v * F + f] - before.data[v * F + f]));
    maxChange.push(m);
  }
  const gx = grad(sum(after), [X])[0];
  let own = 0;
  for (let f = 0; f < X.shape[1]; f++) own = Math.max(own, Math.abs(gx[i * X.shape[1] + f]));
  const changed = maxChange.flatMap((m, v) => (m > threshold ? [v] : []));
  const withinHops = receptiveField(g, i, q, net.layers.length);
  return {
    node: i,
    changed,
    changedAtAll: maxChange.flatMap((m, v) => (m > 0 ? [v] : [])),
    maxChange,
    threshold,
    withinHops,
    agrees: changed.length === withinHops.length && changed.every((v, k) => v === withinHops[k]),
    ownInputInfluence: own,
  };
}

/** The nodes j with ∂Yᵢ/∂Xⱼ ≠ 0 (autodiff of Σ_f Y[i, f]): output node i's measured field. */
export function influence(
  delta: Tensor,
  net: { X: Tensor; layers: GcnLayer[] },
  i: number,
): number[] {
  const X = new Tensor(net.X.data.slice(), net.X.shape, true);
  const Y = gcnForward(delta, X, net.layers);
  const gx = grad(sum(select(Y, 0, i)), [X])[0];
  const F = X.shape[1];
  const out: number[] = [];
  for (let j = 0; j < X.shape[0]; j++) {
    let nz = false;
    for (let f = 0; f < F; f++) if (gx[j * F + f] !== 0) nz = true;
    if (nz) out.push(j);
  }
  return out;
}
