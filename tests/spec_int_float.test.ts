// Ints and floats. PyTorch refuses a float where it needs an int, even a whole one; every case
// below was checked against PyTorch 1.13 (`/usr/bin/python3`, constructing the module and running
// it on an input):
//   nn.Linear(3.0, 4)  TypeError: empty(): argument 'size' must be tuple of SymInts, but found
//                      element of type float at pos 2 (also 3., 1e3, 64 / 2, -0.0, 1e16)
//   nn.Conv2d(3, 4, 3.0), nn.Conv2d(3, 4, (3, 3.0)), groups=1.0, nn.BatchNorm2d(3.0),
//   nn.Embedding(10.0, 3), nn.LSTM(5.0, 5), nn.RNN(5, 5.0), nn.PReLU(3.0),
//   nn.InstanceNorm2d(3.0, affine=True)        TypeError from empty() at construction
//   nn.LayerNorm(16.0)                         TypeError: 'float' object is not iterable
//   nn.LSTM(5, 5, num_layers=2.0)              TypeError: 'float' object cannot be interpreted as an integer
//   stride=2.0 (Conv2d), output_padding=0.0 (ConvTranspose2d), nn.MaxPool2d(2.0),
//   nn.AvgPool2d(2, padding=1.0), divisor_override=2.0, nn.AdaptiveAvgPool2d(2.0),
//   nn.Flatten(1.0), nn.Unflatten(1, (2.0, 6)), nn.Softmax(dim=1.0), nn.GroupNorm(3.0, 3),
//   nn.LocalResponseNorm(2.0), nn.Upsample(size=8.0)   TypeError at forward
// and accepts ints and floats alike where it takes a float (p, eps, momentum, negative_slope,
// alpha, scale_factor, …), and a whole float where it creates no tensor of that size
// (nn.InstanceNorm2d(8.0), nn.GroupNorm(2, 8.0, affine=False),
// nn.BatchNorm2d(8.0, affine=False, track_running_stats=False)). The model ACCEPTED below gives
// output (1, 16) and 51,008 parameters on a (1, 3, 7, 7) input in PyTorch 1.13.
import { describe, expect, it } from "vitest";
import { load, errorLine, factsOf } from "./helpers.js";

const errLine = (text: string, file = "m.py"): string => errorLine(() => load(text, file));

const H = "import torch.nn as nn\n";

describe("a float where PyTorch needs an int is refused, naming the layer and argument", () => {
  const cases: [string, string][] = [
    ["nn.Linear(3.0, 4)", "layer 0 (Linear): in_features must be an int, got 3.0"],
    ["nn.Linear(3, 4.0)", "layer 0 (Linear): out_features must be an int, got 4.0"],
    ["nn.Linear(3., 4)", "layer 0 (Linear): in_features must be an int, got 3.0"],
    ["nn.Linear(1e3, 4)", "layer 0 (Linear): in_features must be an int, got 1000.0"],
    ["nn.Linear(64 / 2, 4)", "layer 0 (Linear): in_features must be an int, got 32.0"],
    ["nn.Linear(-0.0, 4)", "layer 0 (Linear): in_features must be an int, got -0.0"],
    ["nn.Linear(1e16, 4)", "layer 0 (Linear): in_features must be an int, got 1e+16"],
    [
      "nn.Conv2d(3, 4, 3.0)",
      "layer 0 (Conv2d): kernel_size must be an int or a tuple of 2 ints, got 3.0",
    ],
    ["nn.Conv2d(3, 4, (3, 3.0))", "layer 0 (Conv2d): kernel_size must be an int, got 3.0"],
    [
      "nn.Conv2d(3, 4, 3, stride=2.0)",
      "layer 0 (Conv2d): stride must be an int or a tuple of 2 ints, got 2.0",
    ],
    [
      "nn.Conv2d(3, 4, 3, groups=1.0)",
      "layer 0 (Conv2d): groups must be a positive integer, got 1.0",
    ],
    [
      "nn.ConvTranspose2d(3, 4, 3, output_padding=0.0)",
      "layer 0 (ConvTranspose2d): output_padding must be an int or a tuple of 2 ints, got 0.0",
    ],
    [
      "nn.MaxPool2d(2.0)",
      "layer 0 (MaxPool2d): kernel_size must be an int or a tuple of 2 ints, got 2.0",
    ],
    [
      "nn.AvgPool2d(2, padding=1.0)",
      "layer 0 (AvgPool2d): padding must be an int or a tuple of 2 ints, got 1.0",
    ],
    [
      "nn.AvgPool2d(2, divisor_override=2.0)",
      "layer 0 (AvgPool2d): divisor_override must be an int or None, got 2.0",
    ],
    [
      "nn.AdaptiveAvgPool2d(2.0)",
      "layer 0 (AdaptiveAvgPool2d): output_size of AdaptiveAvgPool2d must be an int or a tuple of 2 entries, each an int or None (keep the input size), got 2.0",
    ],
    ["nn.Flatten(1.0)", "layer 0 (Flatten): start_dim must be an int, got 1.0"],
    ["nn.Unflatten(1, (2.0, 6))", "layer 0 (Unflatten): unflattened_size must be an int, got 2.0"],
    ["nn.Softmax(dim=1.0)", "layer 0 (Softmax): dim must be an int, got 1.0"],
    ["nn.BatchNorm2d(3.0)", "layer 0 (BatchNorm2d): num_features must be an int, got 3.0"],
    [
      "nn.InstanceNorm2d(3.0, affine=True)",
      "layer 0 (InstanceNorm2d): num_features must be an int, got 3.0",
    ],
    ["nn.LayerNorm(16.0)", "layer 0 (LayerNorm): normalized_shape must be an int, got 16.0"],
    ["nn.GroupNorm(3.0, 3)", "layer 0 (GroupNorm): num_groups must be an int, got 3.0"],
    ["nn.LocalResponseNorm(2.0)", "layer 0 (LocalResponseNorm): size must be an int, got 2.0"],
    ["nn.PReLU(3.0)", "layer 0 (PReLU): num_parameters must be an int, got 3.0"],
    ["nn.Upsample(size=8.0)", "layer 0 (Upsample): size must be an int, got 8.0"],
    ["nn.Embedding(10.0, 3)", "layer 0 (Embedding): num_embeddings must be an int, got 10.0"],
    ["nn.LSTM(5.0, 5)", "layer 0 (LSTM): input_size must be an int, got 5.0"],
    ["nn.LSTM(5, 5, num_layers=2.0)", "layer 0 (LSTM): num_layers must be an int, got 2.0"],
    ["nn.RNN(5, 5.0)", "layer 0 (RNN): hidden_size should be of type int, got: 5.0"],
  ];
  for (const [call, want] of cases) {
    it(call, () => {
      expect(errLine(`${H}model = nn.Sequential(${call})\n`)).toBe(`m.py:2:23: ${want}`);
    });
  }

  it("floats made by arithmetic and builtins, through names", () => {
    const at = (n: string): string => `${H}n = ${n}\nmodel = nn.Sequential(nn.Linear(n, 4))\n`;
    expect(errLine(at("64 / 2"))).toBe(
      "m.py:3:23: layer 0 (Linear): in_features must be an int, got 32.0",
    );
    expect(errLine(at("float(3)"))).toMatch(/in_features must be an int, got 3\.0$/);
    expect(errLine(at("max(3, 4.0)"))).toMatch(/in_features must be an int, got 4\.0$/);
    expect(errLine(at("2 * 1.5"))).toMatch(/in_features must be an int, got 3\.0$/);
    expect(errLine(at("abs(-3.0)"))).toMatch(/in_features must be an int, got 3\.0$/);
  });
});

describe("what PyTorch accepts is still accepted", () => {
  const ACCEPTED =
    H +
    "model = nn.Sequential(\n" +
    "    nn.Conv2d(3, 8, 3, padding=8 * 2 // 16),\n" +
    "    nn.BatchNorm2d(8, eps=1, momentum=1.0),\n" +
    "    nn.LeakyReLU(1.0),\n" +
    "    nn.Dropout(1.0),\n" +
    "    nn.Upsample(scale_factor=2.0),\n" +
    "    nn.InstanceNorm2d(8.0),\n" +
    "    nn.GroupNorm(2, 8.0, affine=False),\n" +
    "    nn.BatchNorm2d(8.0, affine=False, track_running_stats=False),\n" +
    "    nn.Flatten(),\n" +
    "    nn.Linear(8 * 14 * 14, 64 // 2),\n" +
    "    nn.ELU(alpha=1),\n" +
    "    nn.Hardtanh(-1.0, 1.0),\n" +
    "    nn.Threshold(1.0, 2.0),\n" +
    "    nn.Softplus(beta=2.0, threshold=20.0),\n" +
    "    nn.PReLU(int(64 / 2), init=1.0),\n" +
    "    nn.Dropout(p=0.0),\n" +
    "    nn.Linear(2 ** 5, round(15.6)),\n" +
    ")\n";
  it("a model mixing ints, int arithmetic and floats where PyTorch takes them", () => {
    const { uses } = load(ACCEPTED, "m.py");
    const facts = factsOf(uses, [1, 3, 7, 7]);
    expect(facts.output).toEqual([1, 16]);
    expect(facts.params).toBe(51008);
  });

  it("a recurrent dropout of 0.0 and an Embedding's max_norm of 1.0", () => {
    // PyTorch 1.13: LSTM(5, 5, num_layers=2, dropout=0.0) on (4, 1, 5) → (4, 1, 5), 480 params;
    // Embedding(10, 3, max_norm=1.0, norm_type=2) on (1, 2) → (1, 2, 3), 30 params.
    const lstm = load(H + "m = nn.LSTM(5, 5, num_layers=2, dropout=0.0)\n", "m.py");
    const l = factsOf(lstm.uses, [4, 1, 5]);
    expect([l.output, l.params]).toEqual([[4, 1, 5], 480]);
    const emb = load(H + "m = nn.Embedding(10, 3, max_norm=1.0, norm_type=2)\n", "m.py");
    const e = factsOf(emb.uses, [1, 2]);
    expect([e.output, e.params]).toEqual([[1, 2, 3], 30]);
  });
});

describe("the repr and JSON forms", () => {
  it("a repr prints ints as ints: a float there is a float", () => {
    const bad = "Sequential(\n  (0): Conv2d(3, 4, kernel_size=(3, 3), stride=(2.0, 2.0))\n)\n";
    expect(errLine(bad, "r.txt")).toBe(
      "r.txt:2:8: layer 0 (Conv2d): stride must be an int, got 2.0",
    );
    // What PyTorch prints for modules that run (PyTorch 1.13 reprs).
    const good = [
      "Sequential(",
      "  (0): Conv2d(3, 4, kernel_size=(3, 3), stride=(2, 2))",
      "  (1): Upsample(scale_factor=2.0, mode=nearest)",
      "  (2): Hardtanh(min_val=-1.0, max_val=1.0)",
      "  (3): ELU(alpha=1.0)",
      "  (4): Dropout(p=0.0, inplace=False)",
      ")",
    ].join("\n");
    const facts = factsOf(load(good, "r.txt").uses, [1, 3, 9, 9]);
    expect(facts.output).toEqual([1, 4, 8, 8]);
    expect(facts.params).toBe(112);
  });

  it("JSON cannot tell 3.0 from 3: a JSON spec's whole numbers are ints", () => {
    const json = '{"layers": [{"type": "Linear", "in_features": 3.0, "out_features": 4}]}';
    expect(factsOf(load(json, "m.json").uses, [1, 3]).params).toBe(16);
  });
});

describe("integers beyond 2^53 − 1 (float64 cannot hold them exactly)", () => {
  it("an int argument that large is refused, not rounded (2^53 + 1 would read as 2^53)", () => {
    expect(errLine(H + "net = nn.Linear(9007199254740993, 2)")).toBe(
      "m.py:2:7: layer net (Linear): in_features is too large (beyond 2^53 − 1, dlq cannot hold it exactly)",
    );
    expect(errLine(H + "H = 2**60\nnet = nn.Sequential(nn.Embedding(H, 4))")).toMatch(
      /layer 0 \(Embedding\): num_embeddings is too large/,
    );
  });
  it("a float argument that large is a float, as in PyTorch (BatchNorm1d(3, eps=10**20) runs)", () => {
    const { uses } = load(
      H + "net = nn.Sequential(nn.BatchNorm1d(3, eps=10**20), nn.LeakyReLU(2**60))",
    );
    expect(factsOf(uses, [2, 3]).params).toBe(6); // weight and bias of 3 each
  });
  it("an unused large constant is no concern of the model's", () => {
    expect(() => load(H + "seed = 0xFFFFFFFFFFFFFFFF\nnet = nn.Linear(3, 2)")).not.toThrow();
  });
});
