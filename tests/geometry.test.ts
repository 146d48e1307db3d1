/**
 * The one geometry module (src/tensor/geometry.ts): formulas worked by hand from PyTorch's docs,
 * and the layer catalogue and the tensor core refusing the same case with the same words.
 */
import { describe, expect, it } from "vitest";
import { bindArgs } from "../src/analysis/layers/common.js";
import { layerDef } from "../src/analysis/layers/index.js";
import type { PyValue } from "../src/spec/types.js";
import * as G from "../src/tensor/geometry.js";
import * as F from "../src/tensor/index.js";

function layerMessage(type: string, pos: PyValue[], kw: Record<string, PyValue>, input: number[]) {
  const d = layerDef(type);
  try {
    d.outputShape(d.configure(bindArgs(d, pos, kw)), input);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("no refusal");
}

function tensorMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("no refusal");
}

describe("formulas", () => {
  it("convolution output size: ⌊(in + pl + pr − d(k − 1) − 1)/s⌋ + 1", () => {
    // in 7, k 3, s 2, p 1: ⌊(7 + 2 − 2 − 1)/2⌋ + 1 = 4. in 8, k 5, d 2, p 2: ⌊(8 + 4 − 8 − 1)/1⌋ + 1 = 4.
    expect(G.convOutputSize(7, 3, 2, 1, 1, 1)).toBe(4);
    expect(G.convOutputSize(8, 5, 1, 2, 2, 2)).toBe(4);
    expect(G.effectiveKernel(5, 2)).toBe(9);
  });
  it("'same' puts ⌊d(k − 1)/2⌋ on the left, the rest on the right", () => {
    expect(G.samePadding(4, 1)).toEqual({ left: 1, right: 2 });
    expect(G.samePadding(3, 3)).toEqual({ left: 3, right: 3 });
    expect(G.samePadding(1, 1)).toEqual({ left: 0, right: 0 });
  });
  it("transposed convolution: (in − 1)s − 2p + d(k − 1) + op + 1", () => {
    // in 5, k 3, s 2, p 1, op 1: 8 − 2 + 2 + 1 + 1 = 10.
    expect(G.convTransposeOutputSize(5, 3, 2, 1, 1, 1)).toBe(10);
  });
  it("F.pad pads the last dim with the first pair", () => {
    expect(G.padAxes(4, [1, 2, 3, 4])).toEqual([
      { dim: 2, left: 3, right: 4 },
      { dim: 3, left: 1, right: 2 },
    ]);
    expect(G.padOutputShape([2, 3, 5, 5], [1, 2, 3, 4])).toEqual([2, 3, 12, 8]);
    expect(G.padOutputShape([2, 3, 5], [-1, -1])).toEqual([2, 3, 3]);
  });
});

describe("the catalogue and the tensor core say the same", () => {
  it("a dilated kernel larger than the padded input", () => {
    const layer = layerMessage("Conv2d", [1, 1, 3], { dilation: 2 }, [1, 1, 4, 4]);
    const tensor = tensorMessage(() =>
      F.conv2d(F.zeros([1, 1, 4, 4]), F.zeros([1, 1, 3, 3]), null, { dilation: 2 }),
    );
    expect(layer).toBe(
      "Calculated padded input size per channel: (4 x 4). Kernel size (dilated): (5 x 5). Kernel size can't be greater than actual input size",
    );
    expect(tensor).toBe(layer);
  });
  it("padding='same' with a stride", () => {
    const d = layerDef("Conv1d");
    const layer = tensorMessage(() =>
      d.configure(bindArgs(d, [1, 1, 3], { padding: "same", stride: 2 })),
    );
    const tensor = tensorMessage(() =>
      F.conv1d(F.zeros([1, 1, 8]), F.zeros([1, 1, 3]), null, { padding: "same", stride: 2 }),
    );
    expect(layer).toBe("padding='same' is not supported for strided convolutions, got stride=(2,)");
    expect(tensor).toBe(layer);
  });
  it("an empty pool output", () => {
    const layer = layerMessage("MaxPool2d", [3], {}, [1, 3, 2, 2]);
    const tensor = tensorMessage(() => F.max_pool2d(F.zeros([1, 3, 2, 2]), 3));
    expect(layer).toBe(
      "Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small",
    );
    expect(tensor).toBe(`max_pool2d: ${layer}`);
  });
  it("a pool padding above half the kernel", () => {
    const d = layerDef("MaxPool1d");
    const layer = tensorMessage(() => d.configure(bindArgs(d, [3], { padding: 2 })));
    const tensor = tensorMessage(() => F.max_pool1d(F.zeros([1, 1, 8]), 3, { padding: 2 }));
    expect(layer).toBe(
      "pad should be at most half of kernel size, but got pad=2 and kernel_size=3",
    );
    expect(tensor).toBe(`max_pool2d: ${layer}`);
  });
  it("Linear on a last dim that is not in_features, including an empty one", () => {
    for (const shape of [[4, 2, 4], [2, 0], [4]]) {
      const layer = layerMessage("Linear", [3, 5], {}, shape);
      const tensor = tensorMessage(() => F.linear(F.zeros(shape), F.zeros([5, 3])));
      expect(tensor).toBe(layer);
    }
    // PyTorch 1.13: F.linear(torch.zeros(2, 0), torch.zeros(5, 3)) → "(2x0 and 3x5)".
    expect(layerMessage("Linear", [3, 5], {}, [2, 0])).toBe(
      "mat1 and mat2 shapes cannot be multiplied (2x0 and 3x5)",
    );
  });
});
