// In-place operations in a gradcheck snippet, as PyTorch 1.13 treats them (checked with
// /usr/bin/python3): on a leaf that requires grad, with grad mode on, they raise "a leaf Variable
// that requires grad is being used in an in-place operation." (`W[0] = …`: "a view of a leaf
// Variable …"); under torch.no_grad() they write into the tensor, which stays the same leaf.
// Values below are hand-derived.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dlqInProcess as dlq } from "./helpers.js";
import { prepare, runGradcheck } from "../src/analysis/gradcheck.js";
import * as T from "../src/tensor/index.js";

const dir = mkdtempSync(join(tmpdir(), "dlq-inplace-"));
const D = "dtype=torch.float64";
/** Writes a snippet to a temporary file and returns its path. */
function snippet(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

describe("an in-place op on a leaf that requires grad is bad input (exit 2)", () => {
  const LEAF = "a leaf Variable that requires grad is being used in an in-place operation";
  const cases: [string, string][] = [
    ["W += 1", `3:1: ${LEAF}`],
    ["W -= 0.1 * W", `3:1: ${LEAF}`],
    ["W *= 2", `3:1: ${LEAF}`],
    ["W /= 2", `3:1: ${LEAF}`],
    ["W.zero_()", `3:3: ${LEAF}`],
    ["W.add_(1)", `3:3: ${LEAF}`],
    ["W.fill_(0.5)", `3:3: ${LEAF}`],
    ["W[0] = 0", `3:1: a view of ${LEAF}`],
    ["W[0] += 1", `3:1: a view of ${LEAF}`],
  ];
  cases.forEach(([stmt, msg], k) => {
    it(stmt, async () => {
      const path = snippet(`leaf${k}.py`, [
        "import torch",
        `W = torch.rand(3, ${D}, requires_grad=True)`,
        stmt,
        "loss = (W ** 2).sum()",
      ]);
      const r = await dlq("gradcheck", path);
      expect(r.out).toBe("");
      expect(r.err).toBe(`dlq: ${path}:${msg}\n`);
      expect(r.code).toBe(2);
    });
  });

  it("also inside the function checked", async () => {
    const path = snippet("indef.py", [
      "import torch",
      `W = torch.rand(3, ${D}, requires_grad=True)`,
      "def f(W):",
      "    W += 1",
      "    return W.sum()",
      "torch.autograd.gradcheck(f, (W,))",
    ]);
    const r = await dlq("gradcheck", path);
    expect(r.err).toBe(`dlq: ${path}:4:5: ${LEAF}\n`);
    expect(r.code).toBe(2);
  });

  it("but not on a tensor computed from it, nor with @= (out of place in PyTorch)", () => {
    // h = 2W + 1, then W @= I rebinds W: loss = Σ(2W + 1) + ΣW, d/dW = 3
    const src = [
      "import torch",
      `W = torch.tensor([1.0, 2.0], ${D}, requires_grad=True)`,
      "h = W * 2",
      "h += 1",
      "V = W",
      `V @= torch.eye(2, ${D})`,
      "loss = h.sum() + V.sum()",
    ].join("\n");
    const p = prepare(src, "ok.py", [], 0);
    const out = p.f();
    expect(out.item()).toBeCloseTo(11, 12);
    T.grad(out, [p.inputs[0].tensor])[0].forEach((g) => expect(g).toBeCloseTo(3, 12));
    expect(runGradcheck(p).passed).toBe(true);
  });
});

describe("under torch.no_grad() in-place ops write into the tensor", () => {
  it("W -= … keeps W the same leaf that requires grad, with the new values", () => {
    // w = [1, 1] − 0.5·[2, 4] = [0, −1]; x·w = [−2, −4]; loss = 4 + 16 = 20;
    // d/dw = 2·xᵀ(x·w) = [−28, −40] (PyTorch 1.13: loss 20, w.grad [−28, −40], w.is_leaf True)
    const src = [
      "import torch",
      `x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], ${D})`,
      `w = torch.tensor([1.0, 1.0], ${D}, requires_grad=True)`,
      "w0 = w",
      "with torch.no_grad():",
      `    w -= 0.5 * torch.tensor([2.0, 4.0], ${D})`,
      "loss = ((x @ w) ** 2).sum()",
      "with torch.no_grad():",
      "    w *= 10",
    ].join("\n");
    const p = prepare(src, "step.py", [], 0);
    expect(p.label).toBe("loss = ((x @ w) ** 2).sum()");
    expect(p.inputs.map((i) => i.name)).toEqual(["w"]);
    const w = p.inputs[0].tensor;
    expect(w.requiresGrad && w.isLeaf).toBe(true);
    // the write after the statement checked (w *= 10) is undone: w is as `loss` saw it
    expect(Array.from(w.data)).toEqual([0, -1]);
    const out = p.f();
    expect(out.item()).toBeCloseTo(20, 12);
    const g = T.grad(out, [w])[0];
    [-28, -40].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 12));
    const r = runGradcheck(p);
    expect(r.passed).toBe(true);
    expect(r.value).toBeCloseTo(20, 12);
    // evaluating does not write again
    expect(p.f().item()).toBeCloseTo(20, 12);
    expect(Array.from(w.data)).toEqual([0, -1]);
  });

  it("zero_() zeroes the leaf: loss = Σ(w + x)² = Σx², d/dw = 2x", () => {
    const src = [
      "import torch",
      `x = torch.tensor([1.0, -2.0, 3.0], ${D})`,
      `w = torch.rand(3, ${D}, requires_grad=True)`,
      "with torch.no_grad():",
      "    w.zero_()",
      "loss = ((w + x) ** 2).sum()",
    ].join("\n");
    const p = prepare(src, "zero.py", [], 0);
    const out = p.f();
    expect(out.item()).toBeCloseTo(14, 12);
    const g = T.grad(out, [p.inputs[0].tensor])[0];
    [2, -4, 6].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 12));
    expect(runGradcheck(p).passed).toBe(true);
  });

  it("a write that does not fit the tensor is PyTorch's error", async () => {
    const path = snippet("bcast.py", [
      "import torch",
      `W = torch.rand(3, ${D}, requires_grad=True)`,
      "with torch.no_grad():",
      `    W += torch.ones(2, 3, ${D})`,
      "loss = W.sum()",
    ]);
    const r = await dlq("gradcheck", path);
    expect(r.err).toBe(
      `dlq: ${path}:4:5: output with shape [3] doesn't match the broadcast shape [2, 3]\n`,
    );
    expect(r.code).toBe(2);
  });

  it("the CLI checks a snippet that updates its weights under no_grad", async () => {
    const path = snippet("update.py", [
      "import torch",
      `X = torch.rand(10, 3, ${D})`,
      `W = torch.rand(3, ${D}, requires_grad=True)`,
      "with torch.no_grad():",
      "    W -= 0.1 * X.sum(0)",
      "loss = (X @ W).pow(2).mean()",
    ]);
    const r = await dlq("gradcheck", path);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/│ W +│ \[3\] +│/);
  });
});
