/**
 * JSON graph specs (`"nodes"`): the same graph from a model's source and from its JSON graph
 * (every class-based example JSON can say, written back by tests/graph_export.ts: parameters,
 * mult-adds, every layer and op row, outputs and receptive field agree — and the source side is
 * checked against PyTorch in tests/models_pytorch.test.ts), a hand-written residual example with
 * its numbers worked by hand, and the spec's refusals.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { modelFacts } from "../src/analysis/model.js";
import { receptiveField } from "../src/analysis/rf.js";
import { parseModel } from "../src/spec/index.js";
import { graphToSpec } from "./graph_export.js";
import { ROOT, catalogue, dlq, errorLine } from "./helpers.js";

const fixture = JSON.parse(readFileSync(ROOT + "tests/fixtures/models.json", "utf8")) as {
  models: Record<string, { file: string; inputs: { shape: number[]; dtype: string }[] }>;
};

/** The rows two readings of one model must agree on (containers are the source's classes). */
function rows(facts: ReturnType<typeof modelFacts>) {
  return facts.layers
    .filter((l) => l.kind === "module" || l.kind === "op")
    .map((l) => ({ type: l.type, output: l.output, params: l.params, mult_adds: l.multAdds }));
}

function fromJson(spec: unknown) {
  const parsed = parseModel(JSON.stringify(spec), "graph.json", catalogue);
  return { spec: parsed, graph: parsed.trace!() };
}

describe("the same graph from source and from a JSON graph spec", () => {
  const written: string[] = [];
  for (const [name, e] of Object.entries(fixture.models)) {
    const spec = parseModel(readFileSync(ROOT + e.file, "utf8"), e.file, catalogue);
    const overrides = e.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype as "float32" }));
    const graph = spec.trace!(spec.inputs?.length ? undefined : overrides);
    const out = graphToSpec(graph, e.inputs[0].shape);
    if ("skip" in out) {
      it.skip(`${name}: JSON cannot say it (${out.skip})`, () => {});
      continue;
    }
    written.push(name);
    it(`${name}: parameters, mult-adds, every layer and op, outputs, receptive field`, () => {
      const src = modelFacts(spec.root, graph, spec.name);
      const j = fromJson(out.spec);
      const json = modelFacts(j.spec.root, j.graph, j.spec.name);
      expect(json.params).toBe(src.params);
      expect(json.trainableParams).toBe(src.trainableParams);
      expect(json.multAdds).toBe(src.multAdds);
      expect(json.outputs).toEqual(src.outputs);
      expect(rows(json)).toEqual(rows(src));
      // the field, or the same refusal (a transposed convolution, an Embedding)
      const rf = (g: typeof graph) => {
        try {
          const r = receptiveField(g);
          return { size: r.size, stride: r.stride, padding: r.padding, whole: !!r.wholeInput };
        } catch (e) {
          return { refused: (e as Error).message };
        }
      };
      expect(rf(j.graph)).toEqual(rf(graph));
    });
  }
  it("covers the multi-path examples (residual adds, concatenations, gates)", () => {
    for (const m of ["resnet18_cifar", "resnet50_cifar", "densenet_block", "inception_block"])
      expect(written).toContain(m);
  });
});

describe("examples/residual_block.graph.json (worked by hand)", () => {
  it("parameters, output and mult-adds", () => {
    const r = dlq(["shape", "examples/residual_block.graph.json", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    // stem Conv2d(3, 16, 3): 16·3·9 + 16 = 448; BatchNorm2d(16): 32;
    // block: Conv2d(16, 32, 3, s2, no bias) 4,608 + BN 64 + Conv2d(32, 32, 3, no bias) 9,216 +
    // BN 64; shortcut Conv2d(16, 32, 1, s2, no bias) 512 + BN 64; fc Linear(64, 10): 650
    // (after the average- and max-pooled features are concatenated: 32 + 32 = 64)
    expect(j.params).toBe(448 + 32 + 4608 + 64 + 9216 + 64 + 512 + 64 + 650);
    expect(j.output).toEqual([2, 10]);
    const names = j.layers.map((l: { name: string }) => l.name);
    expect(names).toContain("add");
    expect(names).toContain("cat");
  });
  it("receptive field: the longest path is aligned with the shortcut", () => {
    const r = dlq(["rf", "examples/residual_block.graph.json", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    // at the add: main path stem 3 → conv s2 3: 3 + 2·1 = 5 (j 2) → conv 3: 5 + 2·2 = 9, P 1 + 1 + 2 = 4;
    // the shortcut stem 3 → 1×1 s2: 3 (j 2), P 1; centres (r−1)/2 − P: 0 and 0 (aligned)
    const add = j.layers.find((l: { name: string }) => l.name === "add");
    expect(add.size).toEqual([9, 9]);
    expect(add.stride).toEqual([2, 2]);
    expect(add.padding).toEqual([4, 4]);
  });
});

describe("graph spec refusals: one line, where in the spec, what", () => {
  const base = (nodes: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({ input: [1, 3, 8, 8], nodes, ...extra }, null, 1);
  const conv = { name: "c", type: "Conv2d", in_channels: 3, out_channels: 4, kernel_size: 3 };
  const cases: [string, string, RegExp][] = [
    [
      "an input that names no earlier node",
      base([conv, { name: "s", op: "add", inputs: ["c", "cc"] }]),
      /nodes\/1\/inputs\/1: no earlier node named "cc" \(did you mean 'c'\?\)/,
    ],
    [
      "a node named input",
      base([{ ...conv, name: "input" }]),
      /nodes\/0\/name: "input" is the graph's input/,
    ],
    ["a duplicate node name", base([conv, { ...conv, in_channels: 4 }]), /duplicate node name "c"/],
    ["an unknown op", base([conv, { name: "s", op: "ad" }]), /dlq has no op 'ad' \(did you mean/],
    [
      "an add of shapes that do not broadcast (PyTorch's words)",
      base([conv, { name: "s", op: "add", inputs: ["c", "input"] }]),
      /node s \(add\): The size of tensor a \(6\) must match the size of tensor b \(8\) at non-singleton dimension 3/,
    ],
    [
      "a layer whose input does not fit",
      base([conv, { ...conv, name: "d" }]),
      /layer d \(Conv2d\): Given groups=1, weight of size \[4, 3, 3, 3\], expected input\[1, 4, 6, 6\] to have 3 channels/,
    ],
    [
      "inputs in a Sequential's layers",
      JSON.stringify({ input: [1, 3], layers: [{ type: "ReLU", inputs: ["x"] }] }),
      /layers\/0\/inputs/,
    ],
    [
      "nodes and layers together",
      JSON.stringify({ input: [1, 3], nodes: [{ name: "r", type: "ReLU" }], layers: [] }),
      /\(top level\)/,
    ],
    [
      "a picked item of a tensor",
      base([conv, { name: "r", type: "ReLU", inputs: ["c.0"] }]),
      /"c.0": the output is not a tuple/,
    ],
  ];
  for (const [what, text, want] of cases) {
    it(what, () => {
      const r = dlq(["shape", "-"], { input: text });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(want);
      expect(r.stdout).toBe("");
    });
  }
  it("the same refusals from the library, as InputErrors", () => {
    expect(
      errorLine(() => fromJson({ input: [1, 3, 8, 8], nodes: [conv, { name: "r", ref: "q" }] })),
    ).toMatch(/nodes\/1\/ref: no earlier node named "q"/);
  });
});
