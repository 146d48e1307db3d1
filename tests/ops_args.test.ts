/**
 * Binding calls to ops and reading their arguments (src/ops/args.ts): positions in messages
 * (a method's self not counted), `*size` as varargs, one sequence or a keyword, PyTorch's parser
 * wording vs CPython's for Python-level functions, and each accessor's refusal. The wording is
 * PyTorch 1.13's (also checked against PyTorch in tests/ops_meta.test.ts's `arg_*` cases).
 */
import { describe, expect, it } from "vitest";
import {
  BoundArgs,
  DTypeValue,
  OpError,
  bindOp,
  closeOpNames,
  lookupOp,
  makeOpArgs,
  opNamed,
  opNames,
  OP_DEFS,
  parseDefault,
  torchSize,
  type OpDef,
  type TensorMeta,
} from "../src/ops/index.js";
import { op } from "../src/ops/define.js";
import { PyDict, PyFloat, PyList, PyTuple, type Value } from "../src/python/values.js";
import { TV, tv } from "./ops_host.js";

const x = (shape: number[] = [2, 3], dtype: TensorMeta["dtype"] = "float32"): TV =>
  tv({ shape, dtype });
const args = (d: OpDef, pos: Value[], kw: [string, Value][] = [], display = d.names[0]) =>
  makeOpArgs(d, display, bindOp(d, pos, kw, display), (v) =>
    v instanceof TV ? v.meta : undefined,
  );
const refusal = (f: () => unknown): { type: string; message: string } => {
  try {
    f();
  } catch (e) {
    if (e instanceof OpError) return { type: e.pyType, message: e.message };
    throw e;
  }
  throw new Error("no refusal");
};

/** A test op exercising every accessor. */
const probe = op({
  name: "probe",
  names: ["test.probe"],
  params: [
    "input",
    "n=1",
    "xs=None",
    "f=1.0",
    "flag=False",
    "s='a'",
    "*",
    "dtype=None",
    "dim=None",
  ],
  kind: "meta",
  meta: () => ({ py: null }),
});

describe("bindOp", () => {
  it("numbers positions from 1, a method's self not counted", () => {
    const add = opNamed("torch.add");
    const fn = bindOp(add, [x(), x()], [], "torch.add");
    expect(fn.positions.get("other")).toBe(2);
    const m = bindOp(opNamed("Tensor.add"), [x(), x()], [], "Tensor.add");
    expect(m.positions.get("other")).toBe(1);
    expect(m.positions.has("input")).toBe(false);
    expect(m).toBeInstanceOf(BoundArgs);
  });

  it("takes *size as varargs, one sequence, or the keyword", () => {
    const view = opNamed("Tensor.view");
    for (const [pos, kw] of [
      [[x(), 3, 2], []],
      [[x(), new PyTuple([3, 2])], []],
      [[x(), new PyList([3, 2])], []],
      [[x(), torchSize([3, 2])], []],
      [[x()], [["size", new PyTuple([3, 2])]]],
    ] as [Value[], [string, Value][]][]) {
      expect(args(view, pos, kw).shape("size")).toEqual([3, 2]);
    }
    expect(refusal(() => bindOp(view, [x(), 3], [["size", 3]], "Tensor.view")).message).toBe(
      "view() got multiple values for argument 'size'",
    );
  });

  it("words a missing argument as PyTorch's parser does for natives, CPython for Python functions", () => {
    expect(refusal(() => bindOp(opNamed("torch.unsqueeze"), [], [], "torch.unsqueeze"))).toEqual({
      type: "TypeError",
      message: 'unsqueeze() missing 2 required positional argument: "input", "dim"',
    });
    const lrelu = opNamed("torch.nn.functional.leaky_relu");
    expect(refusal(() => bindOp(lrelu, [], [], "F.leaky_relu")).message).toBe(
      "leaky_relu() missing 1 required positional argument: 'input'",
    );
    expect(refusal(() => bindOp(lrelu, [x()], [["slope", 1]], "F.leaky_relu")).message).toBe(
      "leaky_relu() got an unexpected keyword argument 'slope'",
    );
  });

  it("names the op as PyTorch's messages do (F.logsigmoid is log_sigmoid)", () => {
    const d = opNamed("torch.nn.functional.logsigmoid");
    expect(refusal(() => bindOp(d, [x(), 1], [], "F.logsigmoid")).message).toBe(
      "log_sigmoid() takes 1 positional argument but 2 were given",
    );
  });
});

describe("typed accessors refuse with PyTorch's wording", () => {
  it("Tensor", () => {
    const relu = opNamed("torch.relu");
    expect(refusal(() => args(relu, [3]).tensor("input"))).toEqual({
      type: "TypeError",
      message: "relu(): argument 'input' (position 1) must be Tensor, not int",
    });
    expect(refusal(() => args(relu, [], [["input", null]]).tensor("input")).message).toBe(
      "relu(): argument 'input' must be Tensor, not NoneType",
    );
  });

  it("tuple of Tensors, and its elements (0-based, as PyTorch)", () => {
    const cat = opNamed("torch.cat");
    expect(refusal(() => args(cat, [x()]).tensors("tensors")).message).toBe(
      "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor",
    );
    expect(refusal(() => args(cat, [new PyList([x(), 3])]).tensors("tensors")).message).toBe(
      "expected Tensor as element 1 in argument 0, but got int",
    );
  });

  it("int refuses floats and bools; float and Number take ints; Number takes bools", () => {
    const a = args(probe, [x(), new PyFloat(2), null, 3, false, "b"]);
    expect(refusal(() => a.int("n")).message).toBe(
      "probe(): argument 'n' (position 2) must be int, not float",
    );
    expect(refusal(() => args(probe, [x(), true]).int("n")).message).toBe(
      "probe(): argument 'n' (position 2) must be int, not bool",
    );
    expect(a.float("f")).toBe(3);
    expect(args(probe, [x()], [["f", true]]).scalar("f")).toBe(1);
    expect(refusal(() => args(probe, [x()], [["f", "x"]]).scalar("f")).message).toBe(
      "probe(): argument 'f' must be Number, not str",
    );
    expect(refusal(() => args(probe, [x()], [["f", "x"]]).float("f")).message).toBe(
      "probe(): argument 'f' must be float, not str",
    );
  });

  it("int lists: one int or a sequence; intList only a sequence; elements counted from 1", () => {
    expect(args(probe, [x()], [["xs", 3]]).ints("xs")).toEqual([3]);
    expect(args(probe, [x()], [["xs", new PyTuple([1, 2])]]).ints("xs")).toEqual([1, 2]);
    expect(refusal(() => args(probe, [x()], [["xs", 3]]).intList("xs")).message).toBe(
      "probe(): argument 'xs' must be tuple of ints, not int",
    );
    expect(
      refusal(() => args(probe, [x()], [["xs", new PyTuple([1, new PyFloat(2)])]]).ints("xs"))
        .message,
    ).toBe(
      "probe(): argument 'xs' must be tuple of ints, but found element of type float at pos 2",
    );
    // SymInt[] parameters say so (view's size)
    expect(refusal(() => args(opNamed("Tensor.view"), [x(), 2, 0.5]).shape("size")).message).toBe(
      "view(): argument 'size' must be tuple of SymInts, but found element of type float at pos 2",
    );
  });

  it("bool is strict (PyTorch's parser); truthy is Python's", () => {
    expect(refusal(() => args(probe, [x()], [["flag", 1]]).bool("flag")).message).toBe(
      "probe(): argument 'flag' must be bool, not int",
    );
    for (const [v, t] of [
      [1, true],
      [0, false],
      [null, false],
      ["", false],
      ["no", true],
      [new PyTuple([]), false],
      [new PyList([0]), true],
      [new PyFloat(0), false],
      [new PyDict(), false],
    ] as [Value, boolean][]) {
      expect(args(probe, [x()], [["flag", v]]).truthy("flag")).toBe(t);
    }
  });

  it("str, dims, dtype", () => {
    expect(refusal(() => args(probe, [x()], [["s", 1]]).str("s")).message).toBe(
      "probe(): argument 's' must be str, not int",
    );
    expect(args(probe, [x()]).dims("dim")).toBeUndefined();
    expect(args(probe, [x()], [["dim", -1]]).dims("dim")).toEqual([-1]);
    expect(args(probe, [x()], [["dim", new PyTuple([0, 1])]]).dims("dim")).toEqual([0, 1]);
    expect(args(probe, [x()], [["dtype", new DTypeValue("int64")]]).dtype("dtype")).toBe("int64");
    expect(refusal(() => args(probe, [x()], [["dtype", "float"]]).dtype("dtype")).message).toBe(
      "probe(): argument 'dtype' must be torch.dtype, not str",
    );
  });

  it("has / raw / isTensor / tensorOrNumber", () => {
    const a = args(opNamed("torch.add"), [x(), 2.5]);
    expect(a.has("alpha")).toBe(true);
    expect(a.raw("other")).toBe(2.5);
    expect(a.isTensor("input")).toBe(true);
    expect(a.isTensor("other")).toBe(false);
    expect(a.tensorOrNumber("other")).toBe(2.5);
    expect(args(opNamed("torch.add"), [x(), true]).tensorOrNumber("other")).toBe(1);
  });
});

describe("parseDefault reads Python literals", () => {
  it.each([
    ["None", null],
    ["True", true],
    ["False", false],
    ["3", 3],
    ["-1", -1],
    ["'mean'", "mean"],
  ])("%s", (text, v) => expect(parseDefault(text)).toEqual(v));
  it("floats (whole ones as PyFloat) and tuples", () => {
    expect(parseDefault("1.0")).toEqual(new PyFloat(1));
    expect(parseDefault("1e-05")).toBe(1e-5);
    expect(parseDefault("0.5")).toBe(0.5);
    expect(parseDefault("()")).toEqual(new PyTuple([]));
    expect(parseDefault("(1, 2)")).toEqual(new PyTuple([1, 2]));
  });
});

describe("the registry", () => {
  it("answers every qualified name of every op, once", () => {
    const names = opNames();
    expect(new Set(names).size).toBe(names.length);
    for (const d of OP_DEFS) for (const n of d.names) expect(lookupOp(n)).toBe(d);
    expect(names).toEqual([...names].sort());
    expect(OP_DEFS.length).toBeGreaterThan(250);
  });

  it("has the families' entry points", () => {
    for (const n of [
      "torch.cat",
      "torch.nn.functional.relu",
      "Tensor.view",
      "operator.add",
      "operator.getitem",
      "operator.matmul",
      "operator.neg",
      "Tensor.size",
      "torch.nn.functional.scaled_dot_product_attention",
    ])
      expect(lookupOp(n), n).toBeDefined();
    expect(lookupOp("torch.nn.functional.rellu")).toBeUndefined();
  });

  it("suggests close names", () => {
    expect(closeOpNames("torch.nn.functional.", "rellu")).toContain("relu");
    expect(closeOpNames("Tensor.", "veiw")).toContain("view");
    expect(() => opNamed("torch.nn.functional.softmx")).toThrow(/did you mean 'softmax'/);
  });

  it("every compute or view op has a receptive-field rule, every op a kind", () => {
    for (const d of OP_DEFS) {
      expect(["compute", "view", "meta", "creation"]).toContain(d.kind);
      if (d.kind === "compute" || d.kind === "view") expect(d.rf, d.name).toBeDefined();
    }
  });

  it("has a kernel for every op except the Python-value ones", () => {
    const without = OP_DEFS.filter((d) => !d.kernel && d.kind !== "meta").map((d) => d.name);
    expect(without).toEqual([]);
  });
});
