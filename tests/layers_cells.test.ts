/**
 * Recurrent cells (RNNCell, LSTMCell, GRUCell) and the full forward of RNN, LSTM and GRU
 * (`forward(input, hx)` → `(output, h_n)` / `(output, (h_n, c_n))`) against PyTorch 1.13: shapes,
 * hx checks and their refusals, values and gradients (input, hx and every weight) from
 * tests/fixtures/layers_new.json (scripts/fixtures/gen_layers_new.py).
 */
import { describe, expect, it } from "vitest";
import { bindArgs } from "../src/analysis/layers/common.js";
import { layerDef } from "../src/analysis/layers/index.js";
import { gradInput } from "../src/analysis/gradflow.js";
import * as F from "../src/tensor/index.js";
import { load, gradOf } from "./helpers.js";
import {
  expectVerbatim,
  fixture,
  forwardLabel,
  label,
  runForwardCase,
  runShapeCase,
} from "./layers_new_fixture.js";

const CELLS = ["RNNCell", "LSTMCell", "GRUCell"];
const TYPES = new Set([...CELLS, "RNN", "LSTM", "GRU"]);
const cases = fixture.cases.filter((c) => TYPES.has(c.type));
const forwards = fixture.forwards.filter((f) => TYPES.has(f.type));

describe(`recurrent cells and layers against PyTorch ${fixture.torch}`, () => {
  it("covers every class, with and without hx", () => {
    expect([...new Set(cases.map((c) => c.type))].sort()).toEqual([...TYPES].sort());
    expect(cases.filter((c) => c.hx !== undefined && c.hx !== null).length).toBeGreaterThan(60);
    expect([...new Set(forwards.map((f) => f.type))].sort()).toEqual([...TYPES].sort());
  });

  it.each(CELLS)("%s has PyTorch's signature", (type) => {
    expect(layerDef(type).signature).toEqual(fixture.signatures[type]);
  });

  it.each([...TYPES])("%s takes forward(input, hx=None)", (type) => {
    expect(layerDef(type).forwardParams).toEqual([{ name: "hx", default: null }]);
  });

  it.each(cases.map((c) => [label(c), c] as const))("%s", (_, c) => {
    runShapeCase(c);
  });

  it("reproduces PyTorch's words where it has them", () => {
    const prefixes = [
      "input has inconsistent input_size",
      "Input batch size",
      "hidden0 has inconsistent hidden_size",
      "mat1 and mat2 shapes cannot be multiplied",
      "Unknown nonlinearity",
      "RNNCell: Expected input to be 1-D or 2-D",
      "LSTMCell: Expected input to be 1-D or 2-D",
      "GRUCell: Expected input to be 1-D or 2-D",
      "Expected hidden size",
      "Expected hidden[0] size",
      "Expected hidden[1] size",
      "For batched 3-D input",
      "For unbatched 2-D input",
      "Expected sequence length to be larger than 0 in RNN",
      "input.size(-1) must be equal to input_size",
    ];
    let checked = 0;
    for (const c of cases) {
      if (!c.error) continue;
      const dlq = runShapeCase(c)!;
      if (expectVerbatim(c, dlq, prefixes)) checked++;
    }
    expect(checked).toBeGreaterThan(60);
  });

  it.each(forwards.map((f, k) => [forwardLabel(f, k), f] as const))("forward %s", (_, f) =>
    runForwardCase(f),
  );
});

describe("state shapes, worked from PyTorch's docs", () => {
  const outputs = (type: string, kw: Record<string, unknown>, input: number[]) => {
    const d = layerDef(type);
    const c = d.configure(bindArgs(d, [5, 7], kw as never));
    return d.outputs!(c, { input, hx: null });
  };
  it("h_n is (D·num_layers, N, H_out), c_n (D·num_layers, N, hidden_size); no N unbatched", () => {
    expect(
      outputs("LSTM", { num_layers: 2, bidirectional: true, proj_size: 3 }, [4, 6, 5]),
    ).toEqual({
      tuple: [
        [4, 6, 6],
        {
          tuple: [
            [4, 6, 3],
            [4, 6, 7],
          ],
        },
      ],
    });
    expect(outputs("GRU", { batch_first: true, num_layers: 3 }, [6, 4, 5])).toEqual({
      tuple: [
        [6, 4, 7],
        [3, 6, 7],
      ],
    });
    expect(outputs("RNN", {}, [4, 5])).toEqual({
      tuple: [
        [4, 7],
        [1, 7],
      ],
    });
    expect(outputs("LSTMCell", {}, [3, 5])).toEqual({
      tuple: [
        [3, 7],
        [3, 7],
      ],
    });
    expect(outputs("GRUCell", {}, [5])).toEqual([7]);
  });
  it("an LSTM's hx must be a tuple", () => {
    const d = layerDef("LSTM");
    const c = d.configure(bindArgs(d, [5, 7], {}));
    expect(() => d.outputs!(c, { input: [4, 3, 5], hx: [1, 3, 7] })).toThrow(
      /tuple of two tensors/,
    );
  });
});

describe("dlq grad can run recurrent layers", () => {
  it("RNN's forward is its output alone, with gradients flowing to every weight", () => {
    const d = layerDef("GRU");
    const c = d.configure(bindArgs(d, [3, 4, 2], { bidirectional: true }));
    const gen = new F.Generator(1);
    const params: Record<string, F.Tensor> = {};
    for (const p of d.parameters(c)) params[p.name] = F.randn(p.shape, gen).requiresGrad_(true);
    const x = F.randn([5, 2, 3], gen).requiresGrad_(true);
    const y = d.forward!(c, x, params, F);
    expect([...y.shape]).toEqual([5, 2, 8]);
    F.sum(y).backward();
    for (const p of Object.values(params)) expect(p.grad).not.toBeNull();
  });
});

describe("dlq grad on a recurrent model", () => {
  const src = (kw: string) =>
    `import torch.nn as nn\nnet = nn.Sequential(nn.LSTM(8, 16, num_layers=2${kw}))\n`;
  it("--batch replaces the batch dim of (L, N, H_in), or of (N, L, H_in) with batch_first", () => {
    expect(gradInput(load(src("")).uses, [10, 4, 8], 64)).toEqual([10, 64, 8]);
    expect(gradInput(load(src(", batch_first=True")).uses, [4, 10, 8], 64)).toEqual([64, 10, 8]);
  });
  it("runs forward and backward through an LSTM initialised as PyTorch does", () => {
    const { uses } = load(src(""));
    const v = gradOf(uses, {
      input: [5, 3, 8],
      seeds: 2,
      init: "pytorch",
      loss: "mse",
      trainDropout: false,
      lr: 0.01,
    });
    const [lstm] = v.layers;
    expect(lstm.type).toBe("LSTM");
    expect(lstm.weightGradNorm).toBeGreaterThan(0);
    // U(±1/√16) over its 3,840 parameters: E‖W‖² = 3840 · (1/4)²/3 = 80, ‖W‖ ≈ 8.9 (N(0, 1): ≈ 62).
    expect(lstm.weightNorm).toBeGreaterThan(8);
    expect(lstm.weightNorm).toBeLessThan(10);
  });
});
