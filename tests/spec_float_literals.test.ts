// Python's float literals with a trailing point (`3.`, `1.e-3`), which @lezer/python reads as an int
// followed by an attribute access. Values checked with Python 3 (`repr(3.)` is '3.0',
// `repr(1.e-3)` is '0.001', `repr(1_000.)` is '1000.0', `repr(01.)` is '1.0'); PyTorch 1.13
// builds `nn.Dropout(p=1.)` (`Dropout(p=1.0, inplace=False)`).
import { describe, expect, it } from "vitest";
import { catalogue } from "./helpers.js";
import { parsePython, parsePythonExpression } from "../src/python/parse.js";
import { parseSource } from "../src/spec/source.js";
import type { Expr } from "../src/python/parse.js";
import type { LayerModule } from "../src/spec/types.js";

const number = (text: string): Expr => parsePythonExpression(text, "e.py");

describe("trailing-point float literals", () => {
  const cases: [string, number, string][] = [
    ["3.", 3, "3."],
    ["1.e3", 1000, "1.e3"],
    ["1.E+3", 1000, "1.E+3"],
    ["1.e-3", 0.001, "1.e-3"],
    ["1_000.", 1000, "1_000."],
    ["01.", 1, "01."],
  ];
  for (const [text, value, raw] of cases) {
    it(`${text} is the float ${value}`, () => {
      expect(number(text)).toMatchObject({ kind: "Number", value, isFloat: true, raw });
    });
  }

  it("in calls, lists and arithmetic, with locations unchanged", () => {
    const e = number("f(3., [1., 2.], 1./x, 2 * 1.e-3)");
    expect(e).toMatchObject({
      kind: "Call",
      args: [
        { kind: "Number", value: 3, isFloat: true, loc: { line: 1, column: 3 } },
        {
          kind: "List",
          elts: [
            { value: 1, isFloat: true, loc: { column: 8 } },
            { value: 2, isFloat: true, loc: { column: 12 } },
          ],
        },
        { kind: "BinOp", op: "/", left: { value: 1, isFloat: true }, right: { kind: "Name" } },
        {
          kind: "BinOp",
          op: "*",
          left: { value: 2, isFloat: false },
          right: { value: 0.001, isFloat: true, loc: { column: 27 } },
        },
      ],
    });
    const m = parsePython("x = 1\ny = (2.,\n     3.)\nz = y.count\n", "m.py");
    expect(m.body[1]).toMatchObject({
      value: {
        kind: "Tuple",
        elts: [
          { value: 2, isFloat: true, loc: { line: 2, column: 6 } },
          { value: 3, isFloat: true, loc: { line: 3, column: 6 } },
        ],
      },
    });
  });

  it("not in strings or comments, and not an attribute of an int written with a space", () => {
    const m = parsePython("s = '3.'  # 4.\nt = 3 .real\n", "m.py");
    expect(m.body[0]).toMatchObject({ value: { kind: "String", value: "3." } });
    expect(m.body[1]).toMatchObject({
      value: {
        kind: "Attribute",
        attr: "real",
        value: { kind: "Number", value: 3, isFloat: false },
      },
    });
  });

  it("a layer argument written `1.` is read (PyTorch: Dropout(p=1.0))", () => {
    const spec = parseSource("import torch.nn as nn\nm = nn.Dropout(p=1.)\n", "m.py", catalogue);
    expect((spec.root as LayerModule).args.keywords).toEqual({ p: { float: 1 } });
  });
});
