// `with` statements in PyTorch source. Python's `with` opens no scope: the body of
// `with torch.no_grad():` runs as ordinary statements, so names bound there are defined after it
// and a tensor fed to the model there gives the input shape. Any other context manager
// (`with open(...) as f:`) is skipped like the other statements dlq does not interpret (`try`,
// `while`): the names it binds are unknown. Shapes and counts are worked out by hand
// (Linear(i, o): i·o + o parameters; Conv2d(3, 8, 3) on 32×32: 30×30 out, 8·3·3·3 + 8 = 224).
import { describe, expect, it } from "vitest";
import { catalogue, load, errorLine, layersOf, factsOf } from "./helpers.js";
import { parsePython } from "../src/python/parse.js";
import { parseSource } from "../src/spec/source.js";
import { resolveModel } from "../src/analysis/model.js";
import type { LayerModule, ModelSpec } from "../src/spec/types.js";

const src = (text: string): ModelSpec => parseSource(text, "m.py", catalogue);

/** The error a model is refused with when it is read and its layers are configured. */
const errLine = (text: string): string => errorLine(() => resolveModel(src(text)));

const layers = layersOf;

const H = "import torch\nimport torch.nn as nn\n";

describe("with over torch's context managers runs its body", () => {
  it("a model defined and fed a tensor inside `with torch.no_grad():`", () => {
    const text =
      H + "with torch.no_grad():\n    model = nn.Linear(4, 8)\n    y = model(torch.rand(2, 4))\n";
    const spec = src(text);
    expect(spec.name).toBe("model");
    expect(spec.input).toEqual([2, 4]);
    const { uses } = load(text, "m.py");
    const facts = factsOf(uses, spec.input!);
    expect(facts.output).toEqual([2, 8]);
    expect(facts.params).toBe(40);
  });

  it("a model fed a tensor inside the block: its input shape", () => {
    const text =
      H +
      "model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())\n" +
      "with torch.no_grad():\n    out = model(torch.rand(1, 3, 32, 32))\n";
    const spec = src(text);
    expect(spec.input).toEqual([1, 3, 32, 32]);
    const facts = factsOf(load(text, "m.py").uses, spec.input!);
    expect(facts.output).toEqual([1, 8, 30, 30]);
    expect(facts.params).toBe(224);
  });

  it("Python 3.10's parenthesized items: `with (torch.no_grad(), torch.enable_grad()):`", () => {
    const text = H + "with (torch.no_grad(), torch.enable_grad()):\n    model = nn.Linear(3, 4)\n";
    const spec = src(text);
    expect(spec.name).toBe("model");
    expect(factsOf(load(text, "m.py").uses, [2, 3]).params).toBe(16); // 3·4 + 4
  });

  it("no new scope: a name rebound inside the block keeps its new value", () => {
    const spec = src(
      H + "n = 16\nwith torch.inference_mode():\n    n = 32\nmodel = nn.Linear(4, n)\n",
    );
    expect((spec.root as LayerModule).args.positional).toEqual([4, 32]);
  });

  const managers = [
    "torch.no_grad()",
    "torch.enable_grad()",
    "torch.inference_mode()",
    "torch.inference_mode(mode=True)",
    "torch.set_grad_enabled(False)",
    "torch.autograd.no_grad()",
    "torch.autograd.set_detect_anomaly(True)",
    "torch.autograd.profiler.profile() as prof",
    "torch.profiler.record_function('fwd')",
    "torch.autocast('cpu')",
    "torch.cuda.amp.autocast()",
    "torch.random.fork_rng()",
    "torch.no_grad(), torch.autocast(device_type='cpu') as ac",
  ];
  for (const m of managers) {
    it(`with ${m}:`, () => {
      const spec = src(
        H + `with ${m}:\n    model = nn.Linear(4, 8)\n    model(torch.rand(5, 4))\n`,
      );
      expect(spec.input).toEqual([5, 4]);
    });
  }

  it("imported under other names", () => {
    expect(
      src(
        "from torch import no_grad\nimport torch.nn as nn\nimport torch as T\n" +
          "with no_grad():\n    with T.enable_grad():\n        m = nn.Linear(2, 3)\n        m(T.rand(7, 2))\n",
      ).input,
    ).toEqual([7, 2]);
  });

  it("inside functions and loops; `return` leaves the function from inside the block", () => {
    const spec = src(
      H +
        "def block(c):\n    with torch.no_grad():\n        return nn.Linear(c, c)\n" +
        "layers = []\nfor c in (2, 3):\n    with torch.no_grad():\n        layers.append(block(c))\n" +
        "model = nn.Sequential(*layers)\n",
    );
    expect(layers(spec.root).map((l) => l.args.positional)).toEqual([
      [2, 2],
      [3, 3],
    ]);
  });

  it("freezing inside the block is counted", () => {
    const spec = src(
      H +
        "model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))\n" +
        "with torch.no_grad():\n    model[0].requires_grad_(False)\n",
    );
    expect(layers(spec.root).map((l) => l.trainable)).toEqual([false, undefined]);
  });

  it("errors inside the block keep their line and column", () => {
    expect(errLine(H + "with torch.no_grad():\n    m = nn.Linar(2, 3)\n")).toMatch(
      /^m\.py:4:12: unknown module 'Linar'/,
    );
    expect(errLine(H + "with torch.no_grad():\n    m = nn.Linear(2, k)\n")).toBe(
      "m.py:4:22: name 'k' is not defined",
    );
  });
});

describe("any other context manager: the body runs, as Python runs it", () => {
  const linear = (text: string) => {
    const spec = parseSource(text, "m.py", catalogue);
    return (spec.root as LayerModule).args.positional;
  };
  it("names bound in the block are defined after it (a `try` block runs too)", () => {
    expect(linear(H + "with open('cfg') as f:\n    n = 32\nmodel = nn.Linear(4, n)\n")).toEqual([
      4, 32,
    ]);
    expect(
      linear(H + "try:\n    n = 32\nexcept Exception:\n    pass\nmodel = nn.Linear(4, n)\n"),
    ).toEqual([4, 32]);
    expect(
      linear(H + "with torch.no_grad(), open('x') as f:\n    n = 2\nmodel = nn.Linear(4, n)\n"),
    ).toEqual([4, 2]);
  });

  it("what is not a context manager is Python's TypeError (CPython 3.11's words)", () => {
    for (const [m, what] of [
      ["nn.Linear(2, 2)", "Linear"],
      ["torch.no_grad", "builtin_function_or_method"],
      ["torch.rand(2)", "Tensor"],
    ]) {
      expect(errLine(H + `with ${m}:\n    n = 2\nmodel = nn.Linear(4, n)\n`)).toBe(
        `m.py:3:6: '${what}' object does not support the context manager protocol`,
      );
    }
  });

  it("a model defined inside a `with` is found", () => {
    expect(linear(H + "with open('x'):\n    model = nn.Linear(2, 3)\n")).toEqual([2, 3]);
  });
});

describe("the syntax tree of a `with`", () => {
  it("is a With statement with its items and body", () => {
    const m = parsePython("with torch.no_grad(), open(p) as f:\n    x = 1\n", "m.py");
    const s = m.body[0];
    expect(s).toMatchObject({
      kind: "With",
      items: [
        { context: { kind: "Call", func: { kind: "Attribute", attr: "no_grad" } } },
        { context: { kind: "Call" }, target: { kind: "Name", id: "f" } },
      ],
      body: [{ kind: "Assign", loc: { line: 2, column: 5 } }],
    });
  });
});
