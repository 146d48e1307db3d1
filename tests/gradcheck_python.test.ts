/**
 * gradcheck runs on the one interpreter: the Python that the old gradcheck interpreter got wrong
 * (found in review, reproduced against PyTorch 1.13), each with PyTorch's own values:
 *
 *   w = torch.tensor([1., 2., 3.], dtype=torch.float64, requires_grad=True)
 *   y = w; for i in range(10): y = y * 2; if i == 1: break      → y.sum() = 24, grad 4
 *   sum([(w * i).sum() for i in range(3)])                        → 18, grad 3
 *   max(a.sum(), b.sum()) with a = [1, 2], b = [0.5, 0.25]        → 3, gradcheck passes
 *   X of shape (2, 3, 4): X.T (4, 3, 2), X.mT (2, 4, 3); a 1-D v.T is v; v.mT is refused
 */
import { describe, expect, it } from "vitest";
import { prepare, runGradcheck } from "../src/analysis/gradcheck.js";
import * as T from "../src/tensor/index.js";
import { errorLine } from "./helpers.js";

const D = "dtype=torch.float64";

describe("gradcheck follows Python as CPython runs it", () => {
  it("break leaves the loop (the old interpreter doubled y ten times and still passed)", () => {
    const p = prepare(
      [
        "import torch",
        `w = torch.tensor([1.0, 2.0, 3.0], ${D}, requires_grad=True)`,
        "y = w",
        "for i in range(10):",
        "    y = y * 2",
        "    if i == 1:",
        "        break",
        "loss = y.sum()",
      ].join("\n"),
      "b.py",
      [],
      0,
    );
    const out = p.f();
    expect(out.item()).toBe(24);
    expect([...T.grad(out, [p.inputs[0].tensor])[0]]).toEqual([4, 4, 4]);
    expect(runGradcheck(p).passed).toBe(true);
  });

  it("list comprehensions", () => {
    const p = prepare(
      [
        "import torch",
        `w = torch.tensor([1.0, 2.0, 3.0], ${D}, requires_grad=True)`,
        "loss = sum([(w * i).sum() for i in range(3)])",
      ].join("\n"),
      "c.py",
      [],
      0,
    );
    const out = p.f();
    expect(out.item()).toBe(18);
    expect([...T.grad(out, [p.inputs[0].tensor])[0]]).toEqual([3, 3, 3]);
  });

  it("max() of one-element tensors (it was 'not defined')", () => {
    const p = prepare(
      [
        "import torch",
        `a = torch.tensor([1.0, 2.0], ${D}, requires_grad=True)`,
        `b = torch.tensor([0.5, 0.25], ${D}, requires_grad=True)`,
        "loss = max(a.sum(), b.sum())",
      ].join("\n"),
      "m.py",
      [],
      0,
    );
    expect(p.f().item()).toBe(3);
    expect(runGradcheck(p).passed).toBe(true);
  });

  it(".T reverses every dim, .mT swaps the last two, as PyTorch", () => {
    const X = [
      { name: "X", text: "X=2x3x4", source: "rand" as const, shape: [2, 3, 4], grad: true },
    ];
    const shape = (expr: string) => prepare(expr, "<expr>", X, 0).f().shape;
    expect(shape("X.T")).toEqual([4, 3, 2]);
    expect(shape("X.mT")).toEqual([2, 4, 3]);
    expect(shape("X.mT @ X")).toEqual([2, 4, 4]);
    const v = [{ name: "v", text: "v=3", source: "rand" as const, shape: [3], grad: true }];
    expect(prepare("v.T", "<expr>", v, 0).f().shape).toEqual([3]);
    expect(errorLine(() => prepare("v.mT", "<expr>", v, 0))).toMatch(
      /tensor\.mT is only supported on matrices or batches of matrices\. Got 1-D tensor\./,
    );
  });
});
