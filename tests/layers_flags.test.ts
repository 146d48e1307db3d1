/**
 * Flags PyTorch reads only for their truth (`if bias:`) take any value, as Python does; flags it
 * passes on to a C++ op must be bools. Every expectation below was checked against PyTorch 1.13
 * (construct the module, run a forward pass, count `parameters()`), e.g.
 * `nn.Linear(3, 4, bias=0)` → 12 parameters, `bias='yes'` → 16, `nn.MaxPool2d(2, ceil_mode=1)` →
 * `TypeError: max_pool2d(): argument 'ceil_mode' (position 6) must be bool, not int`.
 */
import { describe, expect, it } from "vitest";
import { errorLine, load, factsOf } from "./helpers.js";

const H = "import torch.nn as nn\n";
const params = (layer: string, input: number[]): number =>
  factsOf(load(`${H}m = nn.Sequential(${layer})\n`).uses, input).params;

describe("flags read for their truth", () => {
  it.each([
    ["nn.Linear(3, 4, bias=0)", [2, 3], 12],
    ["nn.Linear(3, 4, bias=1)", [2, 3], 16],
    ["nn.Linear(3, 4, bias=None)", [2, 3], 12],
    ["nn.Linear(3, 4, bias='yes')", [2, 3], 16],
    ["nn.Linear(3, 4, bias=[])", [2, 3], 12],
    ["nn.Conv2d(3, 4, 3, bias=0)", [2, 3, 8, 8], 108],
    ["nn.Conv2d(3, 4, 3, bias=1)", [2, 3, 8, 8], 112],
    ["nn.ConvTranspose2d(3, 4, 3, bias=0)", [2, 3, 8, 8], 108],
    ["nn.BatchNorm2d(3, affine=0)", [2, 3, 8, 8], 0],
    ["nn.BatchNorm2d(3, track_running_stats=0)", [2, 3, 8, 8], 6],
    ["nn.LayerNorm(8, elementwise_affine=0)", [2, 3, 8, 8], 0],
    ["nn.GroupNorm(1, 3, affine=0)", [2, 3, 8, 8], 0],
    ["nn.InstanceNorm2d(3, affine=1)", [2, 3, 8, 8], 6],
    ["nn.InstanceNorm2d(3, track_running_stats=1)", [2, 3, 8, 8], 0],
    ["nn.ReLU(inplace=1)", [2, 3], 0],
    ["nn.LeakyReLU(0.1, inplace=1)", [2, 3], 0],
    ["nn.Dropout(0.5, inplace=1)", [2, 3], 0],
    ["nn.MaxPool2d(2, return_indices=1)", [2, 3, 8, 8], 0],
  ] as const)("%s: %j → %i parameters", (layer, input, n) => {
    expect(params(layer, [...input])).toBe(n);
  });
});

describe("flags PyTorch hands to a C++ op must be bools", () => {
  it.each([
    ["nn.MaxPool2d(2, ceil_mode=1)", "ceil_mode must be a bool, got 1"],
    ["nn.AvgPool2d(2, count_include_pad=0)", "count_include_pad must be a bool, got 0"],
    ["nn.Embedding(10, 3, sparse=1)", "sparse must be a bool, got 1"],
    ["nn.LSTM(3, 4, bias=0)", "bias must be a bool, got 0"],
    ["nn.LSTM(3, 4, batch_first=1)", "batch_first must be a bool, got 1"],
  ])("%s", (layer, message) => {
    expect(errorLine(() => load(`${H}m = nn.Sequential(${layer})\n`))).toMatch(
      new RegExp(`layer 0 \\(\\w+\\): ${message}$`),
    );
  });
});
