/**
 * The layer catalogue's tensor forwards against PyTorch 1.13 (float64): for a fixed input, fixed
 * weights and a fixed upstream gradient, the output and the gradients of sum(output · upstream)
 * with respect to the input and every parameter. Golden values: tests/fixtures/grad_forward.json
 * (scripts/fixtures/gen_grad.py). BatchNorm/InstanceNorm/GroupNorm run in training mode (batch
 * statistics); Dropout in eval mode (the identity).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bindArgs } from "../src/analysis/layers/common.js";
import { LAYERS, layerDef } from "../src/analysis/layers/index.js";
import type { PyValue } from "../src/spec/types.js";
import * as F from "../src/tensor/index.js";

interface Case {
  type: string;
  positional: PyValue[];
  keywords: Record<string, PyValue>;
  input: number[];
  input_shape: number[];
  params: Record<string, { shape: number[]; data: number[] }>;
  output_shape: number[];
  output: number[];
  upstream: number[];
  input_grad: number[] | null;
  param_grads: Record<string, number[]>;
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/grad_forward.json", import.meta.url), "utf8"),
) as { torch: string; cases: Case[] };

function close(got: ArrayLike<number>, want: number[], what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-9 + 1e-9 * Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      throw new Error(`${what}[${i}]: got ${got[i]}, PyTorch ${want[i]}`);
    }
  }
}

describe("layer forwards match PyTorch (values and gradients)", () => {
  fixture.cases.forEach((c, k) => {
    it(`${k}: ${c.type}(${JSON.stringify(c.positional)}, ${JSON.stringify(c.keywords)}) on ${JSON.stringify(c.input_shape)}`, () => {
      const def = layerDef(c.type);
      const config = def.configure(bindArgs(def, c.positional, c.keywords));
      expect(def.forward, `${c.type} has a forward`).toBeDefined();
      const params: Record<string, F.Tensor> = {};
      for (const [n, p] of Object.entries(c.params)) {
        params[n] = new F.Tensor(Float64Array.from(p.data), p.shape, true);
      }
      const index = c.input_grad === null;
      const x = new F.Tensor(Float64Array.from(c.input), c.input_shape, !index);
      const y = def.forward!(config, x, params, F);
      expect([...y.shape]).toEqual(c.output_shape);
      expect(def.outputShape(config, c.input_shape)).toEqual(c.output_shape);
      close(y.data, c.output, "output");
      F.sum(F.mul(y, new F.Tensor(Float64Array.from(c.upstream), y.shape))).backward();
      if (!index) close(x.grad!.data, c.input_grad!, "input grad");
      for (const [n, g] of Object.entries(c.param_grads))
        close(params[n].grad!.data, g, `${n} grad`);
    });
  });

  it("covers the layers the issue names", () => {
    const covered = new Set(fixture.cases.map((c) => c.type));
    for (const t of [
      "Linear",
      "Conv1d",
      "Conv2d",
      "MaxPool1d",
      "MaxPool2d",
      "AvgPool1d",
      "AvgPool2d",
      "BatchNorm1d",
      "BatchNorm2d",
      "LayerNorm",
      "Sigmoid",
      "Tanh",
      "ReLU",
      "Dropout",
      "Flatten",
      "Embedding",
    ]) {
      expect(covered.has(t), t).toBe(true);
    }
  });

  it("dropout in training mode zeroes and rescales (p = 0.5 → survivors × 2), channel-wise for Dropout2d", () => {
    const gen = new F.Generator(0);
    const x = F.ones([4, 3, 2, 2]);
    for (const type of ["Dropout", "Dropout2d"]) {
      const def = layerDef(type);
      const config = def.configure(bindArgs(def, [0.5], {}));
      const y = def.forward!(config, x, {}, F, { trainDropout: true, generator: gen });
      expect(new Set(y.data)).toEqual(new Set([0, 2]));
      if (type === "Dropout2d") {
        for (let c = 0; c < 12; c++) {
          expect(new Set(y.data.subarray(c * 4, c * 4 + 4)).size, "one mask per channel").toBe(1);
        }
      }
      expect(def.forward!(config, x, {}, F)).toBe(x);
    }
  });

  it("layers without a tensor forward are exactly the ones dlq cannot run", () => {
    const without = [...LAYERS.values()].filter((d) => !d.forward).map((d) => d.type);
    expect(without.sort()).toEqual(
      [
        "AdaptiveAvgPool3d",
        "AdaptiveMaxPool3d",
        "AvgPool3d",
        "Conv3d",
        "ConvTranspose1d",
        "ConvTranspose2d",
        "ConvTranspose3d",
        "LocalResponseNorm",
        "MaxPool3d",
      ].sort(),
    );
  });
});
