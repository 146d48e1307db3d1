/**
 * `dlq gcn`: hand-checked receptive fields on small graphs, the Laplacians, graph parsing with
 * locations, and --zero against PyTorch (scripts/fixtures/gen_gcn.py).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/cli.js";
import { describe, expect, it } from "vitest";
import {
  gcnForward,
  hopDistances,
  influence,
  influenceAll,
  laplacian,
  laplacianCsr,
  spmm,
  toDense,
  parseGraph,
  randomGcn,
  receptiveField,
  zeroEffect,
  zeroRowCol,
  type Graph,
} from "../src/analysis/gcn.js";
import { grad, tensor, type NestedArray } from "../src/tensor/index.js";
import { ROOT, dlq } from "./helpers.js";

const path5: Graph = parseGraph("0 1\n1 2\n2 3\n3 4\n", "path.txt");
const flat = (v: NestedArray): number[] => (typeof v === "number" ? [v] : v.flatMap(flat));

describe("receptive fields (nodes within q·L hops)", () => {
  it("path 0-1-2-3-4, q = 1, L = 2: node 0 sees {0, 1, 2}, node 2 sees everything", () => {
    expect(receptiveField(path5, 0, 1, 2)).toEqual([0, 1, 2]);
    expect(receptiveField(path5, 2, 1, 2)).toEqual([0, 1, 2, 3, 4]);
    expect(receptiveField(path5, 4, 1, 2)).toEqual([2, 3, 4]);
  });
  it("q and L enter only as q·L: q = 2, L = 1 is the same as q = 1, L = 2", () => {
    for (let i = 0; i < 5; i++) {
      expect(receptiveField(path5, i, 2, 1)).toEqual(receptiveField(path5, i, 1, 2));
    }
  });
  it("a star: the centre sees all leaves in one hop, a leaf needs two", () => {
    const star = parseGraph("0 1\n0 2\n0 3\n0 4\n", "star.txt");
    expect(receptiveField(star, 0, 1, 1)).toEqual([0, 1, 2, 3, 4]);
    expect(receptiveField(star, 1, 1, 1)).toEqual([0, 1]);
    expect(receptiveField(star, 1, 1, 2)).toEqual([0, 1, 2, 3, 4]);
  });
  it("BFS distances on the path; an isolated node sees nothing", () => {
    expect(hopDistances(path5, 0)).toEqual([0, 1, 2, 3, 4]);
    const g = parseGraph("0 1\n2\n", "g.txt");
    expect(hopDistances(g, 0)).toEqual([0, 1, -1]);
    expect(receptiveField(g, 2, 3, 3)).toEqual([]);
  });
  it("autodiff agrees with BFS on every node, for both Laplacians", () => {
    const g = parseGraph(
      readFileSync(ROOT + "examples/graph_small.txt", "utf8"),
      "graph_small.txt",
    );
    for (const kind of ["combinatorial", "normalized"] as const) {
      for (const [q, L] of [
        [1, 1],
        [1, 2],
        [2, 2],
      ]) {
        const d = laplacian(g, kind);
        const net = randomGcn(d, 3, q, L, 1);
        for (let i = 0; i < g.nodes; i++) {
          expect(influence(d, net, i), `${kind} q=${q} L=${L} node ${i}`).toEqual(
            receptiveField(g, i, q, L),
          );
        }
      }
    }
  });
});

describe("sparse Δ and the batched autodiff confirmation", () => {
  const g = parseGraph(readFileSync(ROOT + "examples/graph_small.txt", "utf8"), "graph_small.txt");
  it("the sparse Laplacian is the dense one; an isolated node has an empty row", () => {
    for (const kind of ["combinatorial", "normalized"] as const) {
      expect(flat(toDense(laplacianCsr(g, kind)).toArray())).toEqual(
        flat(laplacian(g, kind).toArray()),
      );
    }
    const iso = laplacianCsr(parseGraph("0 1\n2\n", "g.txt"));
    expect(iso.rowPtr[3] - iso.rowPtr[2]).toBe(0);
    // path 0-1-2: nnz = n + 2|E| = 3 + 4
    expect(laplacianCsr(parseGraph("0 1\n1 2\n", "p.txt")).col).toHaveLength(7);
  });
  it("spmm: Δ·H by hand on the path 0-1-2, and its backward Δᵀ·G", () => {
    const A = laplacianCsr(parseGraph("0 1\n1 2\n", "p.txt"));
    // L = [[1,-1,0],[-1,2,-1],[0,-1,1]], H = [[1],[2],[4]] → L·H = [[-1],[-1],[2]]
    const H = tensor([[1], [2], [4]], { requiresGrad: true });
    const Y = spmm(A, H);
    expect(flat(Y.toArray())).toEqual([-1, -1, 2]);
    // ∂(Σ w·Y)/∂H = Lᵀ·w with w = (1, 0, 0): column 0 of L = (1, -1, 0)
    expect(Array.from(grad(Y, [H], [1, 0, 0])[0])).toEqual([1, -1, 0]);
  });
  it("influenceAll equals one backward per node, for any block size", () => {
    for (const kind of ["combinatorial", "normalized"] as const) {
      const d = laplacianCsr(g, kind);
      const net = randomGcn(d, 3, 2, 2, 3);
      const nodes = Array.from({ length: g.nodes }, (_, i) => i);
      const one = nodes.map((i) => influence(d, net, i));
      for (const block of [1, 3, 64]) expect(influenceAll(d, net, nodes, block)).toEqual(one);
      expect(one).toEqual(nodes.map((i) => receptiveField(g, i, 2, 2)));
    }
  });
});

describe("Laplacians", () => {
  it("combinatorial D − A of the path", () => {
    expect(flat(laplacian(path5).toArray())).toEqual(
      flat([
        [1, -1, 0, 0, 0],
        [-1, 2, -1, 0, 0],
        [0, -1, 2, -1, 0],
        [0, 0, -1, 2, -1],
        [0, 0, 0, -1, 1],
      ]),
    );
  });
  it("normalised: 1 on the diagonal, −1/√(dᵢdⱼ) off it", () => {
    const L = laplacian(path5, "normalized").toArray() as number[][];
    expect(L[0][0]).toBeCloseTo(1, 15);
    expect(L[0][1]).toBeCloseTo(-1 / Math.sqrt(2), 15);
    expect(L[1][2]).toBeCloseTo(-0.5, 15);
  });
});

describe("graph files", () => {
  it("JSON and text give the same graph; duplicates merge, self-loops drop", () => {
    const a = parseGraph('{"nodes": 4, "edges": [[0,1],[1,0],[2,2],[2,3]]}', "g.json");
    const b = parseGraph("# comment\n0 1\n1,0\n2 2  # a loop\n2 3\n", "g.txt");
    expect(a.edges).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(b).toEqual(a);
    expect(a.droppedSelfLoops).toBe(1);
  });
  it("errors are located at file:line:column", () => {
    const where = (text: string, file: string): string => {
      try {
        parseGraph(text, file);
      } catch (e) {
        return (e as Error & { toLine(): string }).toLine();
      }
      return "no error";
    };
    expect(where("0 1\n  1 x\n", "g.txt")).toMatch(/^g\.txt:2:3: expected an edge/);
    expect(where('{"nodes": 3,\n "edges": [[0, 1], [1, 5]]}', "g.json")).toMatch(
      /^g\.json:2:20: node 5 does not exist/,
    );
    expect(where('{"nodes": 3, "edges": [[0, 1, 2]]}', "g.json")).toMatch(/g\.json:1:24: .*pair/);
  });
});

describe("--zero against PyTorch (scripts/fixtures/gen_gcn.py)", () => {
  const fx = JSON.parse(readFileSync(ROOT + "tests/fixtures/gcn.json", "utf8"));
  const g = parseGraph(JSON.stringify({ nodes: fx.nodes, edges: fx.edges }), "fixture.json");
  const net = {
    X: tensor(fx.X),
    layers: (fx.alphas as number[][][][]).map((as, l) => ({
      alphas: as.map((a) => tensor(a)),
      bias: tensor(fx.biases[l]),
    })),
  };
  it("the Laplacians equal torch's", () => {
    expect(flat(laplacian(g).toArray())).toEqual(flat(fx.laplacian));
    flat(laplacian(g, "normalized").toArray()).forEach((x, i) =>
      expect(x).toBeCloseTo(flat(fx.laplacian_normalized)[i], 14),
    );
  });
  it("the forward pass equals torch's before and after zeroing", () => {
    const d = laplacian(g);
    const y = flat(gcnForward(d, net.X, net.layers).toArray());
    const yz = flat(gcnForward(zeroRowCol(d, fx.zero), net.X, net.layers).toArray());
    y.forEach((v, i) => expect(Math.abs(v - flat(fx.Y)[i])).toBeLessThan(1e-13));
    yz.forEach((v, i) => expect(Math.abs(v - flat(fx.Y_zeroed)[i])).toBeLessThan(1e-13));
  });
  it("the same outputs change as in PyTorch: the nodes within q·L hops of the zeroed node", () => {
    const z = zeroEffect(g, laplacian(g), net, fx.zero, fx.q);
    expect(z.changed).toEqual(fx.changed);
    expect(z.withinHops).toEqual(fx.changed);
    expect(z.agrees).toBe(true);
    // torch: the zeroed node's own features reach no output afterwards
    expect(flat(fx.grad_X_zero_row_after).every((x) => x === 0)).toBe(true);
    expect(z.ownInputInfluence).toBe(0);
  });
  it("dlq's own random weights give the same set (it is structural)", () => {
    const d = laplacian(g);
    for (const seed of [0, 1, 2]) {
      const z = zeroEffect(g, d, randomGcn(d, 4, fx.q, fx.layers, seed), fx.zero, fx.q);
      expect(z.changed).toEqual(fx.changed);
    }
  });
});

describe("the real bin", () => {
  it("path graph, --node 0 --json", () => {
    const r = dlq([
      "gcn",
      "examples/graph_path5.json",
      "--layers",
      "2",
      "--q",
      "1",
      "--node",
      "0",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.schema_version).toBe(1);
    expect(j.hops).toBe(2);
    expect(j.receptive_fields).toEqual([
      { node: 0, receptive_field: [0, 1, 2], autodiff: [0, 1, 2], agrees: true },
    ]);
    expect(j.laplacian_definition).toMatch(/D − A/);
  });
  it("--zero as text states the sets and the reasoning", () => {
    const r = dlq(["gcn", "examples/graph_small.txt", "-L", "2", "-q", "1", "--zero", "2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/outputs that change .*\{0, 1, 2, 3, 4, 6\}/);
    expect(r.stdout).toMatch(/\(the same\)/);
    expect(r.stdout).toMatch(/reaches no output/);
  });
  it("2,000 nodes (a ring plus 4,000 chords) in seconds, every field confirmed", async () => {
    // A ring 0-1-…-1999 plus chords i ~ (7i + 3) mod 2000 and i ~ (13i + 5) mod 2000.
    const n = 2000;
    const edges: [number, number][] = [];
    for (let i = 0; i < n; i++)
      edges.push([i, (i + 1) % n], [i, (7 * i + 3) % n], [i, (13 * i + 5) % n]);
    const dir = mkdtempSync(join(tmpdir(), "dlq-gcn-"));
    writeFileSync(join(dir, "ring.json"), JSON.stringify({ nodes: n, edges }));
    let out = "";
    let err = "";
    const t0 = Date.now();
    const code = await main(["gcn", join(dir, "ring.json"), "-L", "2", "-q", "1", "--json"], {
      color: false,
      out: (s) => void (out += s),
      err: (s) => void (err += s),
    });
    const seconds = (Date.now() - t0) / 1000;
    expect(code, err).toBe(0);
    const j = JSON.parse(out);
    expect(j.receptive_fields).toHaveLength(n);
    expect(j.agrees).toBe(true);
    // node 0: neighbours 1, 1999, 3, 5, and those with 7i+3 ≡ 0 or 13i+5 ≡ 0 (mod 2000)…; the field
    // is everything within 2 hops: check against BFS of the same graph
    const g = parseGraph(JSON.stringify({ nodes: n, edges }), "g.json");
    expect(j.receptive_fields[0].receptive_field).toEqual(receptiveField(g, 0, 1, 2));
    // generous bound (was 80 s before sparse Δ and the batched backward; about 3–5 s now)
    expect(seconds).toBeLessThan(30);
  }, 60_000);
  it("a node out of range, a bad file, a missing option: exit 2", () => {
    expect(
      dlq(["gcn", "examples/graph_path5.json", "-L", "1", "-q", "1", "--node", "9"]).code,
    ).toBe(2);
    const r = dlq(["gcn", "-", "-L", "1", "-q", "1"], { input: "0 1\n1 two\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/<stdin>:2:1:/);
    expect(dlq(["gcn", "examples/graph_path5.json", "-q", "1"]).code).toBe(2);
  });
});
