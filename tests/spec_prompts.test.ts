// Console sessions pasted as a model file. A line that begins with the `>>> ` prompt outside a
// string is never valid Python, so wherever the first one appears (after a comment, the
// interpreter's banner, or output), the text is read as a session: prompts removed, everything
// else blanked, locations kept. A `>>>` inside a string (a doctest in a docstring) is not a prompt.
import { describe, expect, it } from "vitest";
import { catalogue, errorLine, layersOf } from "./helpers.js";
import { detectFormat, parseModel } from "../src/spec/index.js";
import { resolveModel } from "../src/analysis/model.js";
import type { ModelSpec } from "../src/spec/types.js";

const parse = (text: string): ModelSpec => parseModel(text, "s.py", catalogue);

/** The error a model is refused with when it is read and its layers are configured. */
const errLine = (text: string): string => errorLine(() => resolveModel(parse(text)));

const layers = layersOf;
const summary = (spec: ModelSpec): string[] =>
  layers(spec.root).map((l) => `${l.type}(${l.args.positional.join(", ")})`);

const SESSION = [
  ">>> import torch.nn as nn",
  ">>> model = nn.Sequential(nn.Linear(4, 8),",
  "...     nn.ReLU())",
  ">>> model(torch.rand(2, 4)).shape",
  "torch.Size([2, 8])",
];

describe("a console session whose first line is not a prompt", () => {
  const cases: [string, string[]][] = [
    ["a comment", ["# my session", ...SESSION]],
    ["a blank line and output", ["", "torch.Size([2, 8])", ...SESSION]],
    [
      "the interpreter's banner",
      [
        "Python 3.10.12 (main, Nov 20 2023) [GCC 11.4.0] on linux",
        'Type "help", "copyright", "credits" or "license" for more information.',
        ...SESSION,
      ],
    ],
    ["output with a stray quote", ["it's printed", "(", ...SESSION]],
  ];
  for (const [what, lines] of cases) {
    it(`starts with ${what}`, () => {
      const text = lines.join("\n") + "\n";
      expect(detectFormat(text)).toBe("source");
      const spec = parse(text);
      expect(spec.name).toBe("model");
      expect(spec.input).toEqual([2, 4]);
      expect(summary(spec)).toEqual(["Linear(4, 8)", "ReLU()"]);
    });
  }

  it("CRLF line endings", () => {
    const spec = parse(["# session", ...SESSION].join("\r\n") + "\r\n");
    expect(spec.input).toEqual([2, 4]);
  });

  it("errors keep the file's line and column (the prompt counts)", () => {
    expect(errLine("# session\n>>> import torch.nn as nn\n>>> m = nn.Linar(2, 3)\n")).toMatch(
      /^s\.py:3:12: unknown module 'Linar'/,
    );
    expect(
      errLine(
        "\nout\n>>> import torch.nn as nn\n>>> m = nn.Sequential(\n...     nn.Linear(2, k))\n",
      ),
    ).toBe("s.py:5:22: name 'k' is not defined");
  });

  it("a repr printed in the session is output, not the model", () => {
    const text = [
      "# session",
      ">>> import torch.nn as nn",
      ">>> model = nn.Sequential(nn.Linear(2, 3))",
      ">>> model",
      "Sequential(",
      "  (0): Linear(in_features=2, out_features=3, bias=True)",
      ")",
    ].join("\n");
    expect(summary(parse(text))).toEqual(["Linear(2, 3)"]);
  });
});

describe("'>>>' that is not a prompt", () => {
  it("a doctest in a docstring: the file is plain source", () => {
    const text = [
      '"""Builds the model.',
      "",
      ">>> m = nn.Linear(2, 3)",
      '"""',
      "import torch.nn as nn",
      "model = nn.Linear(4, 8)",
      's = \'>>> \' + """',
      ">>> still a string",
      '"""',
    ].join("\n");
    const spec = parse(text);
    expect(spec.name).toBe("model");
    expect(summary(spec)).toEqual(["Linear(4, 8)"]);
  });

  it("'>>>' inside a line (an operator or a string) is plain source", () => {
    const spec = parse("import torch.nn as nn\nx = '>>> '\nn = 64 >> 2\nmodel = nn.Linear(4, n)\n");
    expect(summary(spec)).toEqual(["Linear(4, 16)"]);
  });
});
