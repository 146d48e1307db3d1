/**
 * The class-based model fixture (tests/fixtures/models.json, from scripts/fixtures/gen_models.py,
 * whose header documents the format) is consistent with itself and with examples/: every file it
 * names exists, the per-module columns add up to the totals, and every structure points at the
 * flattened outputs exactly once. dlq itself is not exercised here.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

type Shape = number[];
type Structure = number | Structure[];
interface Typed {
  shape: Shape;
  dtype: string;
}
interface ModuleCall {
  name: string;
  type: string;
  depth: number;
  leaf: boolean;
  outputs: (Shape | null)[];
  structure: Structure;
  params: number;
  total_params: number;
  mult_adds: number | null;
  weight_shape: number[] | null;
}
interface Rf {
  at: string;
  call: number;
  size: number[];
  stride: number[];
  padding: number[];
  measured_on: Shape;
}
interface Entry {
  file: string;
  model: string | null;
  class: string;
  call: string;
  call_in_file: boolean;
  inputs: Typed[];
  input_structure: Structure;
  outputs: (Typed | null)[];
  output_structure: Structure;
  params: number;
  trainable_params: number;
  buffers: number;
  unused_params: number;
  mult_adds: number;
  rf: Rf | null;
  rf_note?: string;
  rf_conv_path?: Rf;
  calls: Record<string, number>;
  modules: ModuleCall[];
}

const fixture = JSON.parse(readFileSync(ROOT + "tests/fixtures/models.json", "utf8")) as {
  torch_version: string;
  models: Record<string, Entry>;
};

/** The indices a structure refers to, in order. */
function indices(s: Structure): number[] {
  return typeof s === "number" ? [s] : s.flatMap(indices);
}

/** Asserts that a structure names each of `n` flattened values once, in order. */
function expectCovers(s: Structure, n: number): void {
  expect(indices(s)).toEqual([...Array(n).keys()]);
}

describe("tests/fixtures/models.json", () => {
  it("lists every class-based example in examples/", () => {
    const classBased = readdirSync(ROOT + "examples")
      .filter((f) => f.endsWith(".py"))
      .filter((f) => /^class \w+\(nn\.Module\)/m.test(readFileSync(ROOT + "examples/" + f, "utf8")))
      .map((f) => f.replace(/\.py$/, ""))
      .sort();
    expect(Object.keys(fixture.models).sort()).toEqual(classBased);
  });
});

for (const [name, m] of Object.entries(fixture.models)) {
  describe(name, () => {
    it("names files that exist, and a call the file makes", () => {
      expect(m.file).toBe(`examples/${name}.py`);
      expect(existsSync(ROOT + m.file)).toBe(true);
      expect(existsSync(ROOT + `examples/${name}.repr.txt`)).toBe(true);
      const src = readFileSync(ROOT + m.file, "utf8");
      expect(src).toMatch(new RegExp(`^class ${m.class}\\(nn\\.Module\\):`, "m"));
      if (m.call_in_file) {
        expect(m.model).not.toBeNull();
        expect(src).toContain(`${m.model} = `);
        expect(src).toContain(m.call);
      }
    });

    it("has inputs and outputs, and structures that cover them", () => {
      expect(m.inputs.length).toBeGreaterThan(0);
      expect(m.outputs.length).toBeGreaterThan(0);
      expect(m.outputs.some((o) => o !== null)).toBe(true);
      expectCovers(m.input_structure, m.inputs.length);
      expectCovers(m.output_structure, m.outputs.length);
      for (const row of m.modules) {
        expect(row.outputs.length).toBeGreaterThan(0);
        expectCovers(row.structure, row.outputs.length);
      }
    });

    it("starts with the root module, whose output is the model's", () => {
      const root = m.modules[0];
      expect(root).toMatchObject({ name: "", type: m.class, depth: 0, total_params: m.params });
      expect(root.outputs).toEqual(m.outputs.map((o) => (o === null ? null : o.shape)));
      expect(root.structure).toEqual(m.output_structure);
      expect(m.modules.filter((r) => r.depth === 0)).toHaveLength(1);
    });

    it("adds up: parameters, calls and mult-adds", () => {
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      expect(sum(m.modules.map((r) => r.params)) + m.unused_params).toBe(m.params);
      expect(m.trainable_params).toBeLessThanOrEqual(m.params);
      expect(sum(m.modules.filter((r) => r.leaf).map((r) => r.mult_adds ?? NaN))).toBe(m.mult_adds);
      for (const row of m.modules) {
        expect(row.mult_adds === null).toBe(!row.leaf);
        expect(row.params).toBeLessThanOrEqual(row.total_params);
        expect(row.depth).toBe(row.name === "" ? 0 : row.name.split(".").length);
      }
      for (const [mod, n] of Object.entries(m.calls)) {
        expect(m.modules.filter((r) => r.name === mod)).toHaveLength(n);
      }
      expect(sum(Object.values(m.calls))).toBe(m.modules.length);
    });

    it("has a receptive field measured at a called module, or says why not", () => {
      if (m.rf === null) {
        expect(m.rf_note).toMatch(/\w/);
      }
      for (const rf of [m.rf, m.rf_conv_path]) {
        if (!rf) continue;
        expect(m.calls[rf.at]).toBeGreaterThanOrEqual(rf.call);
        for (const axis of [rf.size, rf.stride, rf.padding]) expect(axis).toHaveLength(2);
        expect(rf.measured_on).toHaveLength(4);
      }
    });
  });
}
