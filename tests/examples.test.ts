/**
 * Every example in examples/, in each of its forms (source, printed repr, JSON), against what
 * PyTorch itself computed (tests/fixtures/examples.json, from scripts/fixtures/gen_examples.py):
 * per-layer output shapes, parameter counts (shared modules once), torchinfo mult-adds, and the
 * receptive field measured by gradient support.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT, loadFile, factsOf, rfOf } from "./helpers.js";

interface Row {
  name: string;
  type: string;
  output: number[];
  params: number;
  mult_adds: number;
}
interface Example {
  input: number[];
  output: number[];
  params: number;
  layers: Row[];
  rf_axis0?: { layer: number; size: number; first: number; u: number }[];
}
const fixture = JSON.parse(readFileSync(ROOT + "tests/fixtures/examples.json", "utf8")) as {
  examples: Record<string, Example>;
};

for (const [name, ex] of Object.entries(fixture.examples)) {
  describe(name, () => {
    const forms = [`examples/${name}.py`, `examples/${name}.repr.txt`, `examples/${name}.json`];
    for (const path of forms.filter((p) => existsSync(ROOT + p))) {
      it(`${path}: shapes, parameters and mult-adds match PyTorch`, () => {
        const { uses } = loadFile(path);
        const facts = factsOf(uses, ex.input);
        expect(facts.output).toEqual(ex.output);
        expect(facts.layers.map((l) => l.type)).toEqual(ex.layers.map((l) => l.type));
        expect(facts.layers.map((l) => l.output)).toEqual(ex.layers.map((l) => l.output));
        expect(facts.layers.map((l) => l.multAdds)).toEqual(ex.layers.map((l) => l.mult_adds));
        // torchinfo's invariant: the per-layer columns sum to the totals.
        expect(facts.layers.reduce((s, l) => s + l.params, 0)).toBe(facts.params);
        expect(facts.layers.reduce((s, l) => s + l.multAdds, 0)).toBe(facts.multAdds);
        if (path.endsWith(".repr.txt") && name === "course_mlpirate") {
          // A printed repr cannot show sharing: every entry is a distinct module there.
          expect(facts.params).toBe(42 * 128 + 128 + 24 * (128 * 128 + 128) + 129);
        } else {
          expect(facts.params).toBe(ex.params);
          expect(facts.layers.map((l) => l.params)).toEqual(ex.layers.map((l) => l.params));
        }
      });
    }
    if (ex.rf_axis0) {
      it("receptive field equals the gradient support PyTorch measured", () => {
        const { uses } = loadFile(`examples/${name}.py`);
        const inputs = factsOf(uses, ex.input).layers.map((l) => l.input);
        const rf = rfOf(uses, inputs);
        for (const m of ex.rf_axis0!) {
          const row = rf.rows[m.layer];
          expect(row.size[0], `size after layer ${m.layer}`).toBe(m.size);
          // The support of output position u starts at u·S − P.
          expect(m.u * row.stride[0] - row.padding[0], `start after layer ${m.layer}`).toBe(
            m.first,
          );
        }
      });
    }
  });
}

describe("the course's answers", () => {
  it("CNN: 112×112, effective stride 8, effective padding 29 (Araujo et al. worked by hand)", () => {
    const rf = rfOf(loadFile("examples/course_cnn.py").uses);
    expect(rf.size).toEqual([112, 112]);
    expect(rf.stride).toEqual([8, 8]);
    expect(rf.padding).toEqual([29, 29]);
    expect(rf.center).toEqual([(112 - 1) / 2 - 29, (112 - 1) / 2 - 29]);
  });
  it("the JSON and repr forms give the same receptive field", () => {
    for (const p of ["examples/course_cnn.json", "examples/course_cnn.repr.txt"]) {
      const rf = rfOf(loadFile(p).uses);
      expect([rf.size, rf.stride, rf.padding]).toEqual([
        [112, 112],
        [8, 8],
        [29, 29],
      ]);
    }
  });
  it("LeNet-5 ends in Linear: the field is the whole input", () => {
    const rf = rfOf(loadFile("examples/lenet5.py").uses);
    expect(rf.size).toEqual([null, null]);
    expect(rf.wholeInput).toMatchObject({ type: "Flatten" });
  });
});
