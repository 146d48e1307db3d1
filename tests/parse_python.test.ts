import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { parsePython, parsePythonExpression, type Expr } from "../src/python/parse.js";

/** Drops positions, for comparing shapes of trees. */
function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x && typeof x === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x))
      if (k !== "loc" && k !== "from" && k !== "to" && k !== "opLoc" && k !== "attrLoc")
        out[k] = strip(v);
    return out;
  }
  return x;
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

describe("parsePythonExpression", () => {
  it("keeps int vs float and positions (1-based)", () => {
    const e = parsePythonExpression("f(2, 2.0, 1e3, 0x10, 1_000)", "x.py") as Expr & {
      kind: "Call";
    };
    expect(e.kind).toBe("Call");
    expect(
      e.args.map((a) => [(a as { value: number }).value, (a as { isFloat: boolean }).isFloat]),
    ).toEqual([
      [2, false],
      [2, true],
      [1000, true],
      [16, false],
      [1000, false],
    ]);
    expect(e.args[1].loc).toEqual({ file: "x.py", line: 1, column: 6 });
  });

  it("parses tensor expressions with the right precedence", () => {
    expect(strip(parsePythonExpression("torch.mean(X @ W + b)"))).toEqual({
      kind: "Call",
      func: { kind: "Attribute", value: { kind: "Name", id: "torch" }, attr: "mean" },
      args: [
        {
          kind: "BinOp",
          op: "+",
          left: {
            kind: "BinOp",
            op: "@",
            left: { kind: "Name", id: "X" },
            right: { kind: "Name", id: "W" },
          },
          right: { kind: "Name", id: "b" },
        },
      ],
      keywords: [],
    });
    const e = strip(parsePythonExpression("-x ** 2")) as {
      kind: string;
      op: string;
      operand: { op: string };
    };
    expect(e.kind).toBe("UnaryOp");
    expect(e.operand.op).toBe("**");
    const m = strip(parsePythonExpression("(X @ W).sigmoid().pow(2)")) as {
      func: { attr: string };
    };
    expect(m.func.attr).toBe("pow");
  });

  it("parses calls with keyword, starred and ** arguments", () => {
    const e = parsePythonExpression("f(1, *xs, k=2, **kw)") as Expr & { kind: "Call" };
    expect(e.args.map((a) => a.kind)).toEqual(["Number", "Starred"]);
    expect(e.keywords.map((k) => k.name)).toEqual(["k", null]);
  });

  it("parses comparisons, bool ops, subscripts, slices, dicts, lambdas, comprehensions", () => {
    expect(strip(parsePythonExpression("a < b <= c"))).toMatchObject({
      kind: "Compare",
      ops: ["<", "<="],
    });
    expect(strip(parsePythonExpression("a and b and not c"))).toMatchObject({
      kind: "BoolOp",
      op: "and",
    });
    expect(strip(parsePythonExpression("x not in y"))).toMatchObject({
      kind: "Compare",
      ops: ["not in"],
    });
    expect(strip(parsePythonExpression("a[1:2, ::3]"))).toMatchObject({
      kind: "Subscript",
      slice: { kind: "Tuple", elts: [{ kind: "Slice" }, { kind: "Slice", step: { value: 3 } }] },
    });
    expect(strip(parsePythonExpression("{'a': 1, **d}"))).toMatchObject({ kind: "Dict" });
    expect(strip(parsePythonExpression("lambda x, y=2: x"))).toMatchObject({ kind: "Lambda" });
    expect(strip(parsePythonExpression("[f(i) for i in range(3) if i]"))).toMatchObject({
      kind: "Comprehension",
      type: "list",
      generators: [{ target: { kind: "Name", id: "i" }, ifs: [{ kind: "Name" }] }],
    });
    expect(strip(parsePythonExpression("(1,)"))).toMatchObject({
      kind: "Tuple",
      elts: [{ value: 1 }],
    });
    expect(strip(parsePythonExpression("'a\\n' \"b\""))).toEqual({ kind: "String", value: "a\nb" });
    expect(strip(parsePythonExpression("r'a\\n'"))).toEqual({ kind: "String", value: "a\\n" });
  });

  it("rejects more than one expression", () => {
    expect(thrown(() => parsePythonExpression("a\nb")).message).toMatch(/single expression/);
  });
});

describe("parsePython", () => {
  it("parses statements", () => {
    const m = parsePython(
      [
        "import torch.nn as nn",
        "from torch.nn import Conv2d as C, ReLU",
        "p1, p2 = 0.1, 0.2",
        "x += 1",
        "def f(W, b=1, *args, k, **kw):",
        "    return W @ b",
        "for i in range(3):",
        "    pass",
        "if a:",
        "    b = 1",
        "elif c:",
        "    b = 2",
        "class Net(nn.Module):",
        "    pass",
        "print(x); y = 2",
      ].join("\n"),
      "m.py",
    );
    expect(m.body.map((s) => s.kind)).toEqual([
      "Import",
      "ImportFrom",
      "Assign",
      "AugAssign",
      "FunctionDef",
      "For",
      "If",
      "ClassDef",
      "Expr",
      "Assign",
    ]);
    const [imp, from, assign, , def, , iff, cls] = m.body;
    expect(strip(imp)).toMatchObject({ names: [{ name: "torch.nn", asname: "nn" }] });
    expect(strip(from)).toMatchObject({
      module: "torch.nn",
      names: [{ name: "Conv2d", asname: "C" }, { name: "ReLU" }],
    });
    expect(strip(assign)).toMatchObject({
      targets: [{ kind: "Tuple", elts: [{ id: "p1" }, { id: "p2" }] }],
    });
    expect(strip(def)).toMatchObject({
      name: "f",
      params: [
        { name: "W", kind: "positional" },
        { name: "b", kind: "positional", default: { value: 1 } },
        { name: "args", kind: "vararg" },
        { name: "k", kind: "kwonly" },
        { name: "kw", kind: "kwarg" },
      ],
      body: [{ kind: "Return", value: { kind: "BinOp", op: "@" } }],
    });
    expect(strip(iff)).toMatchObject({ orelse: [{ kind: "If" }] });
    expect(cls).toMatchObject({ kind: "ClassDef", name: "Net" });
    expect(m.body[9].loc).toEqual({ file: "m.py", line: 15, column: 11 });
  });

  it("reports syntax errors with a location", () => {
    const e = thrown(() =>
      parsePython("nn.Sequential(nn.Conv2d(3, 4, kernel_size=3,, padding=1))", "bad.py"),
    );
    expect(e.where).toBe("bad.py:1:45");
    expect(e.message).toBe("invalid syntax: unexpected ','");
    expect(thrown(() => parsePython("x = (1,\n")).message).toMatch(/^invalid syntax/);
    expect(thrown(() => parsePython("f(a=1, 2)")).message).toMatch(
      /positional argument follows keyword/,
    );
    expect(thrown(() => parsePython("1 = x")).message).toMatch(/cannot assign to literal/);
    expect(thrown(() => parsePython("f(x=1, x=2)")).message).toMatch(/repeated/);
  });
});
