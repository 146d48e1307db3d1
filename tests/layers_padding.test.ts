/**
 * Padding layers (ReflectionPad, ReplicationPad, ConstantPad 1d/2d/3d, ZeroPad2d) and the tensor
 * core's F.pad against PyTorch 1.13: shapes, refusals, values and gradients from
 * tests/fixtures/layers_new.json (scripts/fixtures/gen_layers_new.py).
 */
import { describe, expect, it } from "vitest";
import { bindArgs } from "../src/analysis/layers/common.js";
import { layerDef } from "../src/analysis/layers/index.js";
import { paddingLayers } from "../src/analysis/layers/padding.js";
import type { PyValue } from "../src/spec/types.js";
import * as F from "../src/tensor/index.js";
import {
  expectVerbatim,
  fixture,
  forwardLabel,
  label,
  runForwardCase,
  runShapeCase,
} from "./layers_new_fixture.js";

const TYPES = new Set(paddingLayers.map((d) => d.type));
const cases = fixture.cases.filter((c) => TYPES.has(c.type));
const forwards = fixture.forwards.filter((f) => TYPES.has(f.type));

describe(`padding layers against PyTorch ${fixture.torch}`, () => {
  it("covers every padding class (1.13 has no ZeroPad1d/3d)", () => {
    expect([...new Set(cases.map((c) => c.type))].sort()).toEqual([...TYPES].sort());
    expect(cases.length).toBeGreaterThan(450);
    expect([...new Set(forwards.map((f) => f.type))].sort()).toEqual([...TYPES].sort());
  });

  it.each([...TYPES])("%s has PyTorch's signature", (type) => {
    expect(layerDef(type).signature).toEqual(fixture.signatures[type]);
  });

  it.each(cases.map((c) => [label(c), c] as const))("%s", (_, c) => {
    runShapeCase(c);
  });

  it("reproduces PyTorch's words where it has them", () => {
    const prefixes = [
      "Padding length must be divisible by 2",
      "Padding length too large",
      "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now",
      "Expected 2D or 3D (batch mode) tensor with possibly 0 batch size",
      "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size",
      "Expected 4D or 5D (batch mode) tensor with possibly 0 batch size",
      "Padding size should be less than the corresponding input dimension",
      "input (W: 5) is too small",
    ];
    let checked = 0;
    for (const c of cases) {
      if (!c.error) continue;
      // ReflectionPad2d's message names the input's rank ("of input 4"), dlq names its shape.
      if (/of input \d+$/.test(c.message!)) continue;
      const dlq = runShapeCase(c)!;
      if (expectVerbatim(c, dlq, prefixes)) checked++;
    }
    expect(checked).toBeGreaterThan(80);
  });

  it.each(forwards.map((f, k) => [forwardLabel(f, k), f] as const))("forward %s", (_, f) =>
    runForwardCase(f),
  );
});

describe("refusals say what is wrong", () => {
  const refuse = (type: string, pos: PyValue[], input?: number[]) => {
    const d = layerDef(type);
    try {
      const c = d.configure(bindArgs(d, pos, {}));
      if (input) d.outputShape(c, input);
    } catch (e) {
      return (e as Error).message;
    }
    return "accepted";
  };
  it("a reflection padding not smaller than its dimension names both", () => {
    expect(refuse("ReflectionPad1d", [[5, 0]], [2, 3, 5])).toBe(
      "Padding size should be less than the corresponding input dimension, but got: padding (5, 0) at dimension 2 of input [2, 3, 5]",
    );
  });
  it("a reflect/replicate tuple that cannot pad this rank says which ranks it can", () => {
    expect(refuse("ReplicationPad2d", [2], [5, 5])).toMatch(
      /needs a 3-D \(unbatched\) or 4-D \(batched\) input, got \[5, 5\]/,
    );
    expect(refuse("ReflectionPad1d", [[1, 2, 3]])).toBe("Padding length must be divisible by 2");
  });
  it("a crop beyond the input (constant mode) names the sizes", () => {
    expect(refuse("ConstantPad1d", [[-3, -3], 0.0], [2, 3, 5])).toMatch(
      /input size 5, plus negative padding -3 and -3 resulted in a negative output size/,
    );
  });
  it("non-int padding", () => {
    expect(refuse("ZeroPad2d", [2.5])).toMatch(/padding must be an int or a tuple of ints/);
  });
});

describe("F.pad on the tensor core", () => {
  it("refuses as the layer does", () => {
    expect(() => F.pad(F.zeros([2, 3, 2]), [2, 2], "reflect")).toThrow(
      /Padding size should be less than the corresponding input dimension/,
    );
    expect(() => F.pad(F.zeros([2, 3]), [1, 1, 1], "constant")).toThrow(
      "Padding length must be divisible by 2",
    );
    expect(() => F.pad(F.zeros([3]), [1, 1, 1, 1])).toThrow("Padding length too large");
  });
  it("worked by hand: reflect [1, 2, 3] by (2, 1) is [3, 2, 1, 2, 3, 2]; replicate [1, 1, 1, 2, 3, 3]", () => {
    const x = F.tensor([[1, 2, 3]]);
    expect(F.pad(x, [2, 1], "reflect").toArray()).toEqual([[3, 2, 1, 2, 3, 2]]);
    expect(F.pad(x, [2, 1], "replicate").toArray()).toEqual([[1, 1, 1, 2, 3, 3]]);
    expect(F.pad(x, [1, -1], "constant", 9).toArray()).toEqual([[9, 1, 2]]);
  });
});

describe("receptive-field steps", () => {
  const rf = (type: string, pos: PyValue[]) => {
    const d = layerDef(type);
    return d.rf(d.configure(bindArgs(d, pos, {})));
  };
  it("a pad is kernel 1, stride 1, padding = the left/top/front side of each axis", () => {
    expect(rf("ZeroPad2d", [[1, 2, 3, 4]])).toEqual({
      kind: "spatial",
      kernel: [1, 1],
      stride: [1, 1],
      padding: [3, 1],
      dilation: [1, 1],
    });
    expect(rf("ReflectionPad3d", [[1, 0, 2, 0, 3, 0]])).toMatchObject({ padding: [3, 2, 1] });
    expect(rf("ConstantPad1d", [-2, 0.0])).toMatchObject({ padding: [-2] });
    // A 2-value tuple on a 2-d pad pads the width only.
    expect(rf("ConstantPad2d", [[4, 0], 0.0])).toMatchObject({ padding: [0, 4] });
  });
  it("a tuple padding more dims than the class's spatial axes has no spatial step", () => {
    expect(rf("ConstantPad1d", [[1, 1, 2, 2], 0.0]).kind).toBe("unsupported");
  });
});
