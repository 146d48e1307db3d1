// Regression tests for the QA pass on the model parsers: deep nesting, notebook pastes, freezing,
// unterminated strings, out-of-range JSON numbers. Trainable counts were checked against
// PyTorch 1.13 (`sum(p.numel() for p in m.parameters() if p.requires_grad)`).
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { catalogue, load, layersOf, factsOf } from "./helpers.js";
import { detectFormat, parseModel } from "../src/spec/index.js";
import { resolveModel } from "../src/analysis/model.js";
import type { ModelSpec } from "../src/spec/types.js";

// The real layer catalogue decides which module names exist.
const opts = catalogue;
const parse = (text: string, file = "m.py"): ModelSpec => parseModel(text, file, opts);

function thrown(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}
const errLine = (text: string, file = "m.py"): string => thrown(() => parse(text, file)).toLine();

const layers = layersOf;
/** Trainable parameters, as `dlq shape` counts them (the models here take (1, 4) inputs). */
function trainable(x: string | ModelSpec): number {
  return factsOf(typeof x === "string" ? load(x, "m.py").uses : resolveModel(x), [1, 4])
    .trainableParams;
}

describe("deep nesting is one located InputError, never a crash", () => {
  const cases: [string, string, RegExp][] = [
    [
      "10,000 [",
      "x = " + "[".repeat(10000) + "]".repeat(10000),
      /^m\.py:1:205: .*200 nested brackets/,
    ],
    [
      "3,000 [",
      "x = " + "[".repeat(3000) + "]".repeat(3000),
      /^m\.py:1:205: .*200 nested brackets/,
    ],
    [
      "100,000 (",
      "x = " + "(".repeat(100000) + ")".repeat(100000),
      /^m\.py:1:205: .*200 nested brackets/,
    ],
    [
      "2,000 nn.Sequential(",
      "import torch.nn as nn\nm = " +
        "nn.Sequential(".repeat(2000) +
        "nn.ReLU()" +
        ")".repeat(2000),
      /^m\.py:2:2818: .*200 nested brackets/,
    ],
    [
      "unary minus",
      "x = " + "-".repeat(20000) + "1",
      /^m\.py:1:\d+: .*unfinished nested constructs/,
    ],
    [
      "conditional chain",
      "x = " + "1 if 1 else ".repeat(5000) + "1",
      /^m\.py:1:\d+: the input nests/,
    ],
    ["lambda chain", "x = " + "lambda a, b: ".repeat(5000) + "1", /^m\.py:1:\d+: the input nests/],
    [
      "long sum",
      "x = " + "1+".repeat(100000) + "1",
      /^m\.py:1:5: .*1000 levels of nested expressions/,
    ],
    ["attribute chain", "x = a" + ".b".repeat(100000), /^m\.py:1:5: .*1000 levels/],
    [
      "indentation",
      Array.from({ length: 300 }, (_, i) => " ".repeat(i) + "if 1:\n").join("") +
        " ".repeat(300) +
        "pass",
      /^m\.py:101:101: .*99 levels of indentation/,
    ],
    [
      "module tree built in a loop",
      "import torch.nn as nn\nm = nn.ReLU()\nfor i in range(100000):\n    m = nn.Sequential(m)",
      /^m\.py:4:9: .*200 nested containers/,
    ],
    [
      "deep tuple value",
      "import torch.nn as nn\nx = 3\nfor i in range(10000):\n    x = (x,)\nm = nn.Linear(4, x)",
      /^m\.py:5:18: .*200 nested tuples or lists/,
    ],
    [
      "recursion through deep expressions",
      "import torch.nn as nn\ndef f(x, n):\n    return f(x, n - 1) + " +
        "x" +
        "+x".repeat(900) +
        " if n else 1\nm = nn.Linear(4, f(1, 90))",
      /^m\.py:3:\d+: .*1500 nested expressions and calls/,
    ],
  ];
  for (const [name, text, re] of cases) {
    it(name, () => {
      const line = errLine(text);
      expect(line).toMatch(re);
      expect(line).toMatch(/the input nests too deeply/);
    });
  }

  it("Python's limits are not refused below them", () => {
    // CPython accepts 200 nested brackets and 99 levels of indentation.
    expect(() =>
      parse("import torch.nn as nn\nx = " + "[".repeat(200) + "]".repeat(200) + "\nm = nn.ReLU()"),
    ).not.toThrow();
    const ifs = Array.from({ length: 99 }, (_, i) => " ".repeat(i) + "if 1:\n").join("");
    expect(() =>
      parse("import torch.nn as nn\n" + ifs + " ".repeat(99) + "m = nn.ReLU()"),
    ).not.toThrow();
    expect(() => parse("x = " + "1+".repeat(900) + "1\nm = nn.ReLU()")).not.toThrow();
  });

  it("a model that contains itself", () => {
    expect(errLine("import torch.nn as nn\nm = nn.Sequential(nn.ReLU())\nm.append(m)")).toMatch(
      /^m\.py:2:5: the model contains itself/,
    );
  });

  it("repr and JSON", () => {
    const n = 5000;
    const repr = [
      "Sequential(",
      ...Array.from({ length: n }, (_, i) => "  ".repeat(i + 1) + "(0): Sequential("),
      "  ".repeat(n + 1) + "(0): ReLU()",
      ...Array.from({ length: n }, (_, i) => "  ".repeat(n - i) + ")"),
      ")",
    ].join("\n");
    expect(errLine(repr, "r.txt")).toMatch(
      /^r\.txt:201:\d+: the input nests too deeply \(more than 200 nested containers\)/,
    );
    const json = '{"layers": ' + "[".repeat(10000) + "]".repeat(10000) + "}";
    expect(errLine(json, "m.json")).toMatch(
      /^m\.json:1:\d+: the input nests too deeply \(more than 500/,
    );
    let d: object = { type: "ReLU" };
    for (let i = 0; i < 240; i++) d = { type: "Sequential", layers: [d] };
    expect(errLine(JSON.stringify({ layers: [d] }), "m.json")).toMatch(/200 nested containers/);
  });
});

describe("notebook and console pastes", () => {
  const MODEL = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 2))\n";
  it("skips IPython magics and shell escapes, keeping line numbers", () => {
    const text = "%matplotlib inline\n%%time\n!pip install torch\n" + MODEL + "  %timeit model\n";
    expect(trainable(text)).toBe(10);
    expect(errLine("%matplotlib inline\n!pip install torch\nx = (1 +\n")).toMatch(/^m\.py:4:1: /);
    // `%` continuing an expression is the operator, not a magic.
    expect(parse(MODEL + "n = (7\n% 4)\nm2 = nn.Linear(n, 2)\n").root).toMatchObject({
      type: "Linear",
      args: { positional: [3, 2] },
    });
  });

  it("strips >>> and ... prompts (output lines are ignored); columns stay those of the file", () => {
    const text =
      ">>> import torch.nn as nn\n>>> model = nn.Sequential(\n...     nn.Linear(4, 2),\n... )\n" +
      ">>> print(model)\nSequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n)\n" +
      ">>> model(torch.rand(1, 4)).shape\ntorch.Size([1, 2])\n";
    const spec = parse(text);
    expect(spec.format).toBe("source");
    expect(spec.name).toBe("model");
    expect(spec.input).toEqual([1, 4]);
    expect(trainable(spec)).toBe(10);
    expect(errLine(">>> x = 1\n>>> y = nn.Linear(4, 2x)\n")).toBe(
      "m.py:2:23: invalid syntax: unexpected 'x'",
    );
  });

  it("ignores the printed repr pasted below the code", () => {
    const text =
      MODEL +
      "print(model)\nSequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n)\n";
    const spec = parse(text);
    expect(spec.format).toBe("source");
    expect(trainable(spec)).toBe(10);
    expect(errLine(text + "y = )\n")).toBe("m.py:7:5: invalid syntax: unexpected ')'");
  });

  it("a repr after a comment or a >>> print(model) line is still a repr", () => {
    const repr = "Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n)\n";
    for (const pre of ["# the model\n", ">>> print(model)\n", ">>> model\n"]) {
      expect(detectFormat(pre + repr)).toBe("repr");
      const spec = parse(pre + repr, "r.txt");
      expect(spec.format).toBe("repr");
      expect(trainable(spec)).toBe(10);
    }
    expect(errLine("# x\nSequential(\n  (0): Linar(4, 2)\n)\n", "r.txt")).toMatch(
      /^r\.txt:3:8: unknown module 'Linar'/,
    );
  });
});

describe("freezing in source (PyTorch 1.13 trainable counts)", () => {
  // nn.Sequential(nn.Linear(4,3), nn.ReLU(), nn.Linear(3,2)): 15 + 8 = 23 parameters.
  const H =
    "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))\n";
  const cases: [string, number][] = [
    ["", 23],
    ["model.requires_grad_(False)\n", 0],
    ["model.requires_grad_(requires_grad=False)\n", 0],
    ["for p in model.parameters(): p.requires_grad = False\n", 0],
    ["for p in model.parameters():\n    p.requires_grad_(False)\n", 0],
    ["for name, p in model.named_parameters():\n    p.requires_grad = False\n", 0],
    ["model[0].requires_grad_(False)\n", 8],
    ["for p in model[0].parameters():\n    p.requires_grad = False\n", 8],
    ["model.requires_grad_(False)\nmodel[2].requires_grad_(True)\n", 8],
    ["model.requires_grad_(False)\nmodel.requires_grad_()\n", 23],
    // Sets a plain Python attribute on the module: freezes nothing in PyTorch.
    ["model.requires_grad = False\n", 23],
  ];
  for (const [code, want] of cases) {
    it(code.trim() || "(nothing frozen)", () => expect(trainable(H + code)).toBe(want));
  }
  it("the simplest case of the QA report: 0 trainable", () => {
    const spec = parse(
      "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4,2))\nmodel.requires_grad_(False)\n",
    );
    expect(layers(spec.root)[0].trainable).toBe(false);
  });

  it("single parameters, and loops that pick some by name or position (PyTorch 1.13's counts)", () => {
    expect(trainable(H + "model[0].weight.requires_grad = False\n")).toBe(11);
    expect(trainable(H + "model[2].bias.requires_grad_(False)\n")).toBe(21);
    expect(
      trainable(
        parse(
          H +
            "for n, p in model.named_parameters():\n    if 'bias' in n:\n        p.requires_grad = False\n",
        ),
      ),
    ).toBe(18);
    expect(
      trainable(
        H + "for i, p in enumerate(model.parameters()):\n    if i < 2: p.requires_grad = False\n",
      ),
    ).toBe(8);
    expect(errLine(H + "model.requires_grad_(flag)\n")).toMatch(
      /^m\.py:3:22: name 'flag' is not defined/,
    );
  });

  it("requires_grad on input tensors is not freezing", () => {
    const text = H + "for X in loader:\n    X.requires_grad = True\n";
    expect(trainable(text)).toBe(23);
  });
});

describe("strings and numbers", () => {
  it("an unterminated string is located at its opening quote", () => {
    expect(errLine("x = 1\ny = '''abc\nz = 2\n")).toBe(
      "m.py:2:5: invalid syntax: unterminated triple-quoted string literal",
    );
    expect(errLine("x = 'abc\ny = 2\n")).toBe(
      "m.py:1:5: invalid syntax: unterminated string literal",
    );
    // Not strings: quotes in comments, escaped quotes, backslash-newline inside a string.
    expect(() =>
      parse("import torch.nn as nn\n# it's\nx = 'a\\'b\\\nc'\ny = \"it's\"\nm = nn.ReLU()\n"),
    ).not.toThrow();
  });

  it("JSON: a number out of range", () => {
    expect(
      errLine(
        '{"layers": [{"type": "Linear", "in_features": 4, "out_features": 1e400}]}',
        "m.json",
      ),
    ).toBe("m.json:1:66: invalid JSON: the number 1e400 is out of range (not finite)");
  });
});

describe("freezing a child named in an OrderedDict", () => {
  it("model.enc.requires_grad_(False) freezes that module (PyTorch 1.13: 105 of 325 trainable)", () => {
    const src = [
      "from collections import OrderedDict",
      "import torch.nn as nn",
      'model = nn.Sequential(OrderedDict([("enc", nn.Linear(10, 20)), ("act", nn.ReLU()), ("dec", nn.Linear(20, 5))]))',
      "model.enc.requires_grad_(False)",
    ].join("\n");
    const { uses } = load(src, "od.py");
    const facts = factsOf(uses, [1, 10]);
    expect(facts.params).toBe(325);
    expect(facts.trainableParams).toBe(105);
  });
});
