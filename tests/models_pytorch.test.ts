/**
 * The class-based models of examples/ (`class Net(nn.Module)` with a forward: ResNets, U-Nets,
 * DenseNet, Inception, MobileNetV2, SE, DCGAN, VAE, RNN language models, nanoGPT) read as dlq
 * reads them, against what PyTorch 1.13 computes for the same files
 * (tests/fixtures/models.json, from scripts/fixtures/gen_models.py): outputs, parameters (tied
 * once), every module call's output shape, torchinfo's mult-adds, and the receptive field measured
 * by gradient support.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { treeRefs, type Graph } from "../src/analysis/graph.js";
import { modelFacts } from "../src/analysis/model.js";
import { receptiveField } from "../src/analysis/rf.js";
import { ROOT, catalogue } from "./helpers.js";
import { parseModel } from "../src/spec/index.js";
import type { ModelSpec } from "../src/spec/types.js";

interface Entry {
  file: string;
  model: string | null;
  class: string;
  inputs: { shape: number[]; dtype: string }[];
  outputs: ({ shape: number[]; dtype: string } | null)[];
  params: number;
  trainable_params: number;
  unused_params: number;
  mult_adds: number;
  rf: { at: string; call: number; size: number[]; stride: number[]; padding: number[] } | null;
  modules: {
    name: string;
    type: string;
    leaf: boolean;
    outputs: (number[] | null)[];
    params: number;
    weight_shape: number[] | null;
  }[];
}

const fixture = JSON.parse(readFileSync(ROOT + "tests/fixtures/models.json", "utf8")) as {
  models: Record<string, Entry>;
};

function read(e: Entry): { spec: ModelSpec; graph: Graph } {
  const spec = parseModel(readFileSync(ROOT + e.file, "utf8"), e.file, catalogue);
  // mnist_net builds its model inside main() and never calls it: the fixture's input is given
  const overrides = e.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype as "float32" }));
  const graph = spec.trace!(spec.inputs?.length ? undefined : overrides);
  return { spec, graph };
}

describe("class-based examples agree with PyTorch 1.13", () => {
  for (const [name, e] of Object.entries(fixture.models)) {
    describe(name, () => {
      it("inputs, outputs (None left out), parameters, trainable parameters, mult-adds", () => {
        const { spec, graph } = read(e);
        const facts = modelFacts(spec.root, graph, spec.name);
        expect(facts.inputs).toEqual(e.inputs.map((i) => i.shape));
        expect(facts.outputs).toEqual(e.outputs.filter((o) => o !== null).map((o) => o!.shape));
        expect(facts.params).toBe(e.params);
        expect(facts.trainableParams).toBe(e.trainable_params);
        expect(facts.unusedParams).toBe(e.unused_params);
        expect(facts.multAdds).toBe(e.mult_adds);
        // totals are the sum of the leaf rows (torchinfo's invariant)
        const leaf = facts.layers.filter((l) => l.kind !== "container");
        expect(leaf.reduce((s, l) => s + l.params, 0)).toBe(facts.params);
        expect(leaf.reduce((s, l) => s + l.multAdds, 0)).toBe(facts.multAdds);
      });

      it("every leaf module call: its name, class, output shapes, parameters and kernel shape, in call order", () => {
        const { spec, graph } = read(e);
        const facts = modelFacts(spec.root, graph, spec.name);
        const mine = facts.layers
          .filter((l) => l.kind === "module" && l.called !== false)
          .map((l) => ({
            name: l.name,
            type: l.type,
            outputs: l.outputs ?? [l.output],
            params: l.params,
            kernel: l.kernel ?? null,
          }));
        const theirs = e.modules
          .filter((m) => m.leaf && m.type !== "Sequential")
          .map((m) => ({
            name: m.name,
            type: m.type,
            outputs: m.outputs.filter((o) => o !== null),
            params: m.params,
            // torchinfo's "Kernel Shape": the weight's shape, first two dimensions swapped
            kernel: m.weight_shape
              ? m.weight_shape.length > 1
                ? [m.weight_shape[1], m.weight_shape[0], ...m.weight_shape.slice(2)]
                : m.weight_shape
              : null,
          }));
        expect(mine).toEqual(theirs);
      });

      if (e.rf) {
        const want = e.rf;
        it(`receptive field at ${want.at}: ${want.size.join("×")}, stride ${want.stride.join("×")}, padding ${want.padding.join("×")}`, () => {
          const { graph } = read(e);
          const calls = graph.nodes.filter((n) => n.name === want.at);
          const container = graph.calls.filter((c) => c.path === want.at);
          // the field of the module's output: a leaf node, or the last node of a container call
          const id =
            calls.length >= want.call
              ? calls[want.call - 1].id
              : treeRefs(container[want.call - 1].out)[0].node;
          const rf = receptiveField({ ...graph, out: { node: id, index: 0 } });
          expect(rf.size).toEqual(want.size);
          expect(rf.stride).toEqual(want.stride);
          expect(rf.padding).toEqual(want.padding);
        });
      }
    });
  }
});
