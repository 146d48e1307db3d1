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
 * input at all. {@link influence} and {@link influenceAll} confirm the field numerically by
 * autodiff.
 *
 * Δ is stored sparse (compressed sparse rows, {@link Csr}): a graph's Laplacian has n + 2·|E|
 * non-zeros, so Δ·H costs O(nnz·F) instead of O(n²·F). The product is a tensor-core op
 * ({@link spmm}, built with `createOp`, backward Δᵀ·G), so autodiff runs through it.
 *
 * Everything numeric runs on the tensor core (float64), φ = tanh.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YNode } from "yaml";
import { InputError, type Loc } from "../errors.js";
import { quoteToken } from "../util/quote.js";
import {
  add,
  createOp,
  Generator,
  grad,
  matmul,
  mul,
  randn,
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

/**
 * Largest graph accepted: the autodiff confirmation of every node's receptive field costs
 * O(n · (q·L·nnz·F + L·q·n·F²)) (one batched backward per block of output nodes).
 */
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
    throw new InputError(`${nodes} nodes: at most ${MAX_NODES} are supported`, file);
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
      // Quote one short token, never the line: the file may be anything (/etc/passwd).
      const bad = parts.find((p) => !/^\d+$/.test(p));
      throw new InputError(
        `expected an edge 'i j' (two node indices ≥ 0) or a lone node 'i', got ${bad !== undefined ? quoteToken(bad, 16) : `${parts.length} numbers`}`,
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
      throw new InputError(
        `unknown key ${quoteToken(k, 16)}: a graph has nodes and edges`,
        loc(p.key),
      );
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

/**
 * A sparse n×n matrix in compressed sparse row form: the non-zeros of row i are
 * `val[rowPtr[i] … rowPtr[i+1] − 1]`, in columns `col[…]` (increasing).
 */
export interface Csr {
  readonly n: number;
  readonly rowPtr: Int32Array;
  readonly col: Int32Array;
  readonly val: Float64Array;
}

/** Δ in either form: a dense n×n tensor or sparse rows. */
export type Delta = Tensor | Csr;

/** Whether Δ is given in sparse form. */
export function isCsr(d: Delta): d is Csr {
  return !(d instanceof Tensor);
}

/** The sparse form of Δ (dense tensors are scanned for non-zeros; CSR passes through). */
export function toCsr(d: Delta): Csr {
  if (isCsr(d)) return d;
  const n = d.shape[0];
  if (d.ndim !== 2 || d.shape[1] !== n) throw new Error(`Δ must be square, got [${d.shape}]`);
  const rowPtr = new Int32Array(n + 1);
  const col: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = d.data[i * n + j];
      if (v !== 0) {
        col.push(j);
        val.push(v);
      }
    }
    rowPtr[i + 1] = col.length;
  }
  return { n, rowPtr, col: Int32Array.from(col), val: Float64Array.from(val) };
}

/** Δ as a dense n×n tensor. */
export function toDense(d: Delta): Tensor {
  if (!isCsr(d)) return d;
  const { n, rowPtr, col, val } = d;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) out[i * n + col[p]] = val[p];
  }
  return new Tensor(out, [n, n]);
}

/** Sorted neighbour lists, built once per graph. */
const ADJ = new WeakMap<Graph, Int32Array[]>();

/** Each node's neighbours, sorted (cached per graph). */
export function adjacency(g: Graph): Int32Array[] {
  let adj = ADJ.get(g);
  if (adj) return adj;
  const lists: number[][] = Array.from({ length: g.nodes }, () => []);
  for (const [a, b] of g.edges) {
    lists[a].push(b);
    lists[b].push(a);
  }
  adj = lists.map((l) => Int32Array.from(l).sort());
  ADJ.set(g, adj);
  return adj;
}

/**
 * Δ in sparse form (see the module comment for the two kinds): row i holds the diagonal dᵢ
 * (1 when normalised) and −1 (−1/√(dᵢdⱼ)) for each neighbour j; an isolated node's row is empty.
 */
export function laplacianCsr(g: Graph, kind: LaplacianKind = "combinatorial"): Csr {
  const n = g.nodes;
  const adj = adjacency(g);
  const deg = adj.map((a) => a.length);
  const s = deg.map((d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
  const rowPtr = new Int32Array(n + 1);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    nnz += deg[i] > 0 ? deg[i] + 1 : 0;
    rowPtr[i + 1] = nnz;
  }
  const col = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  for (let i = 0; i < n; i++) {
    if (deg[i] === 0) continue;
    let p = rowPtr[i];
    let diagDone = false;
    const diag = kind === "normalized" ? deg[i] * (s[i] * s[i]) : deg[i];
    for (const j of adj[i]) {
      if (!diagDone && j > i) {
        col[p] = i;
        val[p++] = diag;
        diagDone = true;
      }
      col[p] = j;
      val[p++] = kind === "normalized" ? -1 * (s[i] * s[j]) : -1;
    }
    if (!diagDone) {
      col[p] = i;
      val[p] = diag;
    }
  }
  return { n, rowPtr, col, val };
}

/** Δ as a dense N×N tensor (see the module comment for the two kinds). */
export function laplacian(g: Graph, kind: LaplacianKind = "combinatorial"): Tensor {
  return toDense(laplacianCsr(g, kind));
}

/**
 * The product Δ·H of sparse Δ (n×n) and dense H (`[..., n, F]`, leading dimensions batched), as
 * a tensor-core op: out[…, i, f] = Σ_p val[p]·H[…, col[p], f] over row i's non-zeros; backward
 * ∂/∂H = Δᵀ·G (scattered: G's row i adds val[p]·G[…, i, f] to row col[p]). O(batch·nnz·F).
 */
export function spmm(A: Csr, H: Tensor): Tensor {
  const n = A.n;
  if (H.ndim < 2 || H.shape[H.ndim - 2] !== n) {
    throw new Error(`spmm: Δ is ${n}×${n} but H has shape [${H.shape.join(", ")}]`);
  }
  const F = H.shape[H.ndim - 1];
  const batch = H.size / (n * F);
  const { rowPtr, col, val } = A;
  const x = H.data;
  const out = new Float64Array(H.size);
  for (let b = 0; b < batch; b++) {
    const off = b * n * F;
    for (let i = 0; i < n; i++) {
      const o = off + i * F;
      for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) {
        const v = val[p];
        const r = off + col[p] * F;
        for (let f = 0; f < F; f++) out[o + f] += v * x[r + f];
      }
    }
  }
  return createOp("spmm", out, H.shape.slice(), [H], (g) => {
    const gx = new Float64Array(H.size);
    for (let b = 0; b < batch; b++) {
      const off = b * n * F;
      for (let i = 0; i < n; i++) {
        const o = off + i * F;
        let zero = true;
        for (let f = 0; f < F; f++) if (g[o + f] !== 0) zero = false;
        if (zero) continue; // most rows of a one-node cotangent are zero
        for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) {
          const v = val[p];
          const r = off + col[p] * F;
          for (let f = 0; f < F; f++) gx[r + f] += v * g[o + f];
        }
      }
    }
    return [gx];
  });
}

/** Hop distances from `src` by breadth-first search (−1: unreachable). */
export function hopDistances(g: Graph, src: number): number[] {
  const adj = adjacency(g);
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
  if (adjacency(g)[i].length === 0) return [];
  const dist = hopDistances(g, i);
  const out: number[] = [];
  for (let j = 0; j < g.nodes; j++) if (dist[j] >= 0 && dist[j] <= q * layers) out.push(j);
  return out;
}

/** The weights of one layer: αₖ (F_in × F_out) for k = 1..q and b (F_out). */
export interface GcnLayer {
  alphas: Tensor[];
  bias: Tensor;
}

/**
 * The forward pass Y = H⁽ᴸ⁾ (φ = tanh), on the tensor core (recorded for autodiff). X is N×F, or
 * B×N×F for B independent copies (the layers apply to each).
 */
export function gcnForward(delta: Delta, X: Tensor, layers: readonly GcnLayer[]): Tensor {
  const A = toCsr(delta);
  let H = X;
  for (const { alphas, bias } of layers) {
    let P = H;
    let acc: Tensor | null = null;
    for (const a of alphas) {
      P = spmm(A, P);
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
  delta: Delta,
  features: number,
  q: number,
  layers: number,
  seed: number,
): { X: Tensor; layers: GcnLayer[] } {
  const gen = new Generator(seed);
  const A = toCsr(delta);
  const n = A.n;
  let rho = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = A.rowPtr[i]; p < A.rowPtr[i + 1]; p++) s += Math.abs(A.val[p]);
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

/** Δ with row and column `i` set to zero (in the form it was given: dense or sparse). */
export function zeroRowCol(delta: Tensor, i: number): Tensor;
export function zeroRowCol(delta: Csr, i: number): Csr;
export function zeroRowCol(delta: Delta, i: number): Delta;
export function zeroRowCol(delta: Delta, i: number): Delta {
  if (isCsr(delta)) {
    const { n, rowPtr, col, val } = delta;
    const rp = new Int32Array(n + 1);
    const c: number[] = [];
    const v: number[] = [];
    for (let r = 0; r < n; r++) {
      if (r !== i) {
        for (let p = rowPtr[r]; p < rowPtr[r + 1]; p++) {
          if (col[p] === i) continue;
          c.push(col[p]);
          v.push(val[p]);
        }
      }
      rp[r + 1] = c.length;
    }
    return { n, rowPtr: rp, col: Int32Array.from(c), val: Float64Array.from(v) };
  }
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
  delta: Delta,
  net: { X: Tensor; layers: GcnLayer[] },
  i: number,
  q: number,
  threshold = 1e-12,
): ZeroEffect {
  const n = g.nodes;
  const A = toCsr(delta);
  const before = gcnForward(A, net.X, net.layers);
  const X = new Tensor(net.X.data.slice(), net.X.shape, true);
  const after = gcnForward(zeroRowCol(A, i), X, net.layers);
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
  delta: Delta,
  net: { X: Tensor; layers: GcnLayer[] },
  i: number,
): number[] {
  return influenceAll(delta, net, [i])[0];
}

/**
 * {@link influence} for several output nodes at once, exactly (the same reverse-mode gradients
 * ∂(Σ_f Y[i, f])/∂X, not an approximation): each block of up to `block` nodes runs one forward
 * and one backward on the tensor core over B = block copies of X stacked as B×N×F, with the
 * cotangent of copy b equal to 1 on row nodes[b] of Y and 0 elsewhere — so copy b's gradient is
 * node nodes[b]'s. Cost O(n·(q·L·nnz·F + L·q·N·F²)) for n nodes, in n/block passes instead of n.
 */
export function influenceAll(
  delta: Delta,
  net: { X: Tensor; layers: GcnLayer[] },
  nodes: readonly number[],
  block = 64,
  onProgress?: (done: number, total: number) => void,
): number[][] {
  const A = toCsr(delta);
  const [N, F] = net.X.shape;
  const out: number[][] = [];
  for (let start = 0; start < nodes.length; start += block) {
    const ids = nodes.slice(start, start + block);
    const B = ids.length;
    const xb = new Float64Array(B * N * F);
    for (let b = 0; b < B; b++) xb.set(net.X.data, b * N * F);
    const X = new Tensor(xb, [B, N, F], true);
    const Y = gcnForward(A, X, net.layers);
    const seed = new Float64Array(B * N * F);
    ids.forEach((i, b) => seed.fill(1, b * N * F + i * F, b * N * F + (i + 1) * F));
    const gx = grad(Y, [X], seed)[0];
    for (let b = 0; b < B; b++) {
      const row: number[] = [];
      for (let j = 0; j < N; j++) {
        const o = b * N * F + j * F;
        let nz = false;
        for (let f = 0; f < F; f++) if (gx[o + f] !== 0) nz = true;
        if (nz) row.push(j);
      }
      out.push(row);
    }
    onProgress?.(out.length, nodes.length);
  }
  return out;
}
