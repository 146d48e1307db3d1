import { describe, expect, it } from "vitest";
import { catalogue } from "./helpers.js";
import { InputError } from "../src/errors.js";
import { parseModel } from "../src/spec/index.js";
import { parseSource } from "../src/spec/source.js";
import { resolveModel } from "../src/analysis/model.js";
import type { LayerModule, ModelSpec, ModuleSpec, SequentialModule } from "../src/spec/types.js";

// The catalogue is written elsewhere; the parsers only need to know which class names exist.
// The real layer catalogue decides which module names exist.
const opts = catalogue;
const src = (text: string, extra: { model?: string } = {}): ModelSpec =>
  parseSource(text, "m.py", { ...opts, ...extra });

function seq(m: ModuleSpec): SequentialModule {
  expect(m.kind).toBe("sequential");
  return m as SequentialModule;
}
function layer(m: ModuleSpec): LayerModule {
  expect(m.kind).toBe("layer");
  return m as LayerModule;
}
function thrown(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

describe("course snippets (verbatim, as in examples/)", () => {
  it("(a) the CNN fed a 1024×1024 image", () => {
    const spec = src(`import torch
import torch.nn as nn

cnn = nn.Sequential(
    nn.Conv2d(in_channels=3, out_channels=4, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(in_channels=4, out_channels=16, kernel_size=5, stride=2, padding=2),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(in_channels=16, out_channels=32, kernel_size=7, dilation=2, padding=3),
    nn.ReLU(),
)

cnn(torch.rand(size=(1, 3, 1024, 1024), dtype=torch.float32)).shape
`);
    const root = seq(spec.root);
    expect(root.children).toHaveLength(8);
    expect(root.children.map((c) => c.name)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    expect(spec.input).toEqual([1, 3, 1024, 1024]);
    expect(spec.name).toBe("cnn");
    expect(spec.format).toBe("source");
    expect(layer(root.children[2].module).args).toEqual({ positional: [2], keywords: {} });
    expect(layer(root.children[6].module).args).toEqual({
      positional: [],
      keywords: { in_channels: 16, out_channels: 32, kernel_size: 7, dilation: 2, padding: 3 },
    });
    expect(root.children[6].module.loc).toEqual({ file: "m.py", line: 11, column: 5 });
  });

  it("(b) dropout probabilities from a tuple assignment, model not bound to a name", () => {
    const spec = src(`import torch.nn as nn

p1, p2 = 0.1, 0.2
nn.Sequential(
    nn.Conv2d(in_channels=3, out_channels=4, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.Dropout(p=p1),
    nn.Dropout(p=p2),
)
`);
    const root = seq(spec.root);
    expect(root.children).toHaveLength(4);
    expect(layer(root.children[2].module).args.keywords).toEqual({ p: 0.1 });
    expect(layer(root.children[3].module).args.keywords).toEqual({ p: 0.2 });
    expect(spec.name).toBeUndefined();
    expect(spec.input).toBeUndefined();
  });

  it("(c) the mlpirate: [Linear, Sigmoid] * 24 repeats the SAME modules", () => {
    const spec = src(`import torch.nn as nn

N = 42  # number of known global pirate hot spots
H = 128
mlpirate = nn.Sequential(
    nn.Linear(in_features=N, out_features=H),
    nn.Sigmoid(),
    *[
        nn.Linear(in_features=H, out_features=H), nn.Sigmoid(),
    ]*24,
    nn.Linear(in_features=H, out_features=1),
)
`);
    const root = seq(spec.root);
    expect(root.children).toHaveLength(51);
    const shared = root.children[2].module;
    for (let i = 2; i <= 48; i += 2) expect(root.children[i].module).toBe(shared);
    for (let i = 3; i <= 49; i += 2) expect(root.children[i].module).toBe(root.children[3].module);
    expect(root.children[0].module).not.toBe(shared);
    expect(root.children[50].module).not.toBe(shared);
    expect(layer(shared).args.keywords).toEqual({ in_features: 128, out_features: 128 });
    expect(layer(root.children[0].module).args.keywords).toEqual({
      in_features: 42,
      out_features: 128,
    });
    expect(layer(root.children[50].module).args.keywords).toEqual({
      in_features: 128,
      out_features: 1,
    });
    expect(spec.name).toBe("mlpirate");
  });

  it("(d) the Embedding fed a randint tensor", () => {
    const spec = src(`import torch.nn as nn

X = torch.randint(low=0, high=42, size=(5, 6, 7, 8))
embedding = nn.Embedding(num_embeddings=42, embedding_dim=42000)
Y = embedding(X)
print(f"{Y.shape=}")
`);
    expect(layer(spec.root)).toMatchObject({
      type: "Embedding",
      args: { positional: [], keywords: { num_embeddings: 42, embedding_dim: 42000 } },
    });
    expect(spec.input).toEqual([5, 6, 7, 8]);
    expect(spec.name).toBe("embedding");
  });
});

describe("interpretation", () => {
  it("integer and float arithmetic", () => {
    const spec = src(`C = 2 ** 3
k = (7 - 1) // 2
h = -C % 5
net = nn.Sequential(nn.Conv2d(C, C * 2 + 1, k * 2 + 1, padding=k), nn.Dropout(1 / 4), nn.Linear(h, int(3.9)))`);
    const [conv, drop, lin] = seq(spec.root).children.map((c) => layer(c.module));
    expect(conv.args.positional).toEqual([8, 17, 7]);
    expect(conv.args.keywords).toEqual({ padding: 3 });
    expect(drop.args.positional).toEqual([0.25]);
    expect(lin.args.positional).toEqual([2, 3]);
  });

  it("imports: torch.nn.X, bare X from `from torch.nn import`, aliases", () => {
    const spec = src(`import torch
from torch.nn import Conv2d, ReLU as R
import torch.nn as tnn
m = torch.nn.Sequential(Conv2d(1, 2, 3), R(), tnn.Flatten())`);
    expect(seq(spec.root).children.map((c) => c.module.type)).toEqual([
      "Conv2d",
      "ReLU",
      "Flatten",
    ]);
  });

  it("a name used twice is one module; a comprehension makes distinct modules", () => {
    const spec = src(`relu = nn.ReLU()
lin = [nn.Linear(4, 4) for _ in range(3)]
model = nn.Sequential(lin[0], relu, lin[1], relu, *lin[2:])`);
    const ch = seq(spec.root).children.map((c) => c.module);
    expect(ch[1]).toBe(ch[3]);
    expect(new Set([ch[0], ch[2], ch[4]]).size).toBe(3);
  });

  it("OrderedDict names and nesting", () => {
    const spec = src(`from collections import OrderedDict
model = nn.Sequential(OrderedDict([("conv", nn.Conv2d(1, 2, 3)), ("act", nn.ReLU()), ("head", nn.Sequential(nn.Flatten()))]))`);
    const root = seq(spec.root);
    expect(root.children.map((c) => c.name)).toEqual(["conv", "act", "head"]);
    expect(seq(root.children[2].module).children[0].name).toBe("0");
  });

  it("loops, append, functions returning modules, ModuleList unpacking", () => {
    const spec = src(`def block(c_in, c_out, k=3):
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, padding=k // 2), nn.ReLU())

layers = []
chans = [3, 8, 16]
for a, b in zip(chans[:-1], chans[1:]):
    layers.append(block(a, b))
ml = nn.ModuleList([nn.Flatten()])
model = nn.Sequential(*layers, *ml)
model.eval()
out = model(torch.zeros(2, 3, 8, 8).to("cpu"))
`);
    const root = seq(spec.root);
    expect(root.children.map((c) => c.module.type)).toEqual([
      "Sequential",
      "Sequential",
      "Flatten",
    ]);
    expect(layer(seq(root.children[1].module).children[0].module).args.positional).toEqual([
      8, 16, 3,
    ]);
    expect(spec.input).toEqual([2, 3, 8, 8]);
  });

  it("skips statements it does not understand", () => {
    const spec = src(`import torch
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.MSELoss()
for epoch in range(10):
    loss = criterion(model(x), y)
    loss.backward()
print(model)
class Foo:
    pass
`);
    expect(spec.name).toBe("model");
  });

  it("a single module is a model; --model picks one; the last top-level container wins", () => {
    expect(layer(src("net = nn.LSTM(5, 5)").root).args.positional).toEqual([5, 5]);
    const two = `a = nn.Linear(1, 2)
b = nn.Sequential(a, nn.ReLU())
head = b[0]`;
    expect(src(two).name).toBe("b");
    expect(src(two, { model: "a" }).root.type).toBe("Linear");
    const e = thrown(() => src(two, { model: "c" }));
    expect(e.message).toMatch(/no model named 'c'.*defined models: a, b, head/);
  });

  it("input shapes from positional dims and tuples", () => {
    expect(src("m = nn.Flatten()\nm(torch.rand(1, 3, 32, 32))").input).toEqual([1, 3, 32, 32]);
    expect(src("m = nn.Flatten()\nx = torch.randn((1, 3, 32, 32))\ny = m(x)").input).toEqual([
      1, 3, 32, 32,
    ]);
    expect(src("m = nn.Flatten()\nm(torch.tensor([[1.0, 2.0]]))").input).toEqual([1, 2]);
    expect(src("m = nn.Flatten()").input).toBeUndefined();
  });
});

describe("errors", () => {
  it("syntax error with line:column", () => {
    const e = thrown(() =>
      src("model = nn.Sequential(\n    nn.Conv2d(3, 4, kernel_size=3,, padding=1))"),
    );
    expect(e.where).toBe("m.py:2:35");
    expect(e.message).toMatch(/^invalid syntax/);
  });

  it("unknown module suggests close names", () => {
    const e = thrown(() => src("net = nn.Sequential(\n  nn.Conv2D(3, 4, 3))"));
    expect(e.message).toMatch(/^unknown module 'Conv2D' \(did you mean 'Conv2d'/);
    expect(e.where).toBe("m.py:2:6");
  });

  it("undefined names in module arguments", () => {
    // the layer is an error when it is used (configured), as every input form's layers are
    const e = thrown(() => resolveModel(src("N = 4\nnet = nn.Linear(N, H)")));
    expect(e.message).toBe("name 'H' is not defined");
    expect(e.where).toBe("m.py:2:20");
  });

  it("non-modules in a Sequential, no model at all", () => {
    expect(thrown(() => src("nn.Sequential(nn.ReLU(), 3)")).message).toMatch(
      /expects torch.nn modules, not the number 3/,
    );
    expect(thrown(() => src("x = 1")).message).toMatch(/no model found/);
    // a class without forward is a model; running it is PyTorch's NotImplementedError
    const net = src("class Net(nn.Module):\n  pass\nnet = Net()");
    expect(net.root).toMatchObject({ kind: "container", type: "Net" });
    expect(thrown(() => net.trace!([{ shape: [1, 3] }])).message).toBe(
      'NotImplementedError: Module [Net] is missing the required "forward" function',
    );
  });

  it("runaway sizes are input errors", () => {
    expect(thrown(() => src("m = nn.Sequential(*[nn.ReLU()] * 10**9)")).message).toMatch(
      /too many items/,
    );
    expect(
      thrown(() =>
        src("while True:\n  pass\nfor i in range(10**5):\n  for j in range(10**5):\n    pass"),
      ).message,
    ).toMatch(/too much work/);
  });

  it("parseModel routes source", () => {
    expect(parseModel("net = nn.LSTM(5, 5)", "m.py", opts).format).toBe("source");
  });
});

describe("input shapes from other calls", () => {
  it("model.forward(x) and torchinfo.summary(model, input_size=...)", () => {
    expect(src("m = nn.Flatten()\nm.forward(torch.ones(4, 2))").input).toEqual([4, 2]);
    expect(
      src("from torchinfo import summary\nm = nn.Flatten()\nsummary(m, input_size=(16, 3, 8, 8))")
        .input,
    ).toEqual([16, 3, 8, 8]);
  });
});
