// dlq gradcheck end to end: the course snippet (hand-derived gradients), a deliberately wrong
// backward rule (the check must be able to fail), kinks (inconclusive, not failed), fast mode,
// located errors; in-process through main() and through the real bin.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT, dlqInProcess as dlq } from "./helpers.js";
import { checkJsonOutput } from "./schemas.js";
import { registerFunction } from "../src/analysis/gradcheck_host.js";
import { parseVarSpec } from "../src/analysis/gradcheck.js";
import * as T from "../src/tensor/index.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (s: string): any => JSON.parse(s);

describe("the course snippet", () => {
  it("passes, with d/db = 1/d = 0.2 and dW[i, j] = mean(X[:, i]) / d", async () => {
    const r = await dlq("gradcheck", "examples/course_gradcheck.py", "--json", "--show-grad");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const doc = json(r.out);
    expect(doc).toMatchObject({
      schema_version: 1,
      passed: true,
      eps: 1e-6,
      atol: 1e-5,
      rtol: 1e-3,
      seed: 0,
      mode: "full",
      checked: "loss = foo(W, b)",
    });
    expect(doc.inputs.map((i: { name: string; shape: number[] }) => [i.name, i.shape])).toEqual([
      ["W", [5, 5]],
      ["b", [5]],
    ]);
    const [W, b] = doc.inputs;
    expect(W.failures + b.failures + W.inconclusive + b.inconclusive).toBe(0);
    for (const g of b.grad) expect(g).toBeCloseTo(0.2, 14);
    // X is the first tensor the snippet draws: re-draw it from the same seeded generator
    const X = T.rand([100, 5], new T.Generator(0));
    const colMean = T.mean(X, 0).data;
    W.grad.forEach((row: number[], i: number) =>
      row.forEach((g: number) => expect(g).toBeCloseTo(colMean[i] / 5, 14)),
    );
    expect(doc.value).toBeCloseTo(
      // mean(XW + b) = Σ_i mean(X[:, i]) Σ_j W[i, j] / d + mean(b)
      (() => {
        const g = new T.Generator(0);
        const x = T.rand([100, 5], g);
        const w = T.rand([5, 5], g);
        const bb = T.rand([5], g);
        return T.mean(T.add(T.matmul(x, w), bb)).item();
      })(),
      14,
    );
    expect(W.max_abs_error).toBeLessThan(1e-8);
    expect(W.max_abs_at).toMatchObject({ index: expect.any(Array), output_index: [] });
  });

  it("prints a table and exits 0", async () => {
    const r = await dlq("gradcheck", "examples/course_gradcheck.py");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/gradcheck loss = foo\(W, b\)/);
    expect(r.out).toMatch(/passed: 30 of 30 elements match/);
  });

  it("the same function as a def with --var", async () => {
    const r = await dlq(
      "gradcheck",
      "def f(W, b): return torch.mean(X @ W + b)",
      "--var",
      "X=100x5:const",
      "--var",
      "W=5x5",
      "--var",
      "b=5",
      "--json",
    );
    expect(r.code).toBe(0);
    expect(json(r.out).inputs.map((i: { name: string }) => i.name)).toEqual(["W", "b"]);
  });
});

describe("the check can fail", () => {
  // y = x³ with the backward rule 3x (should be 3x²): a test-only op
  registerFunction("torch.wrong_cube", ["input"], (b) => {
    const a = b.args.input as T.Tensor;
    return T.createOp(
      "wrong_cube",
      a.data.map((v) => v * v * v),
      a.shape,
      [a],
      (g) => [g.map((gv, i) => gv * 3 * a.data[i])],
    );
  });
  it("exits 1 and names the failing elements", async () => {
    const r = await dlq(
      "gradcheck",
      "torch.wrong_cube(x).sum()",
      "--var",
      "x=[0.5, -2, 3, 1]",
      "--json",
    );
    expect(r.code).toBe(1);
    const doc = json(r.out);
    expect(doc.passed).toBe(false);
    expect(doc.inputs[0]).toMatchObject({ failures: 3, inconclusive: 0, passed: false });
    expect(doc.inputs[0].max_abs_at.index).toEqual([2]);
    expect(doc.inputs[0].max_abs_at.analytic).toBeCloseTo(9, 9);
    expect(doc.inputs[0].max_abs_at.numerical).toBeCloseTo(27, 5);
  });
  it("fast mode fails too", async () => {
    const r = await dlq(
      "gradcheck",
      "torch.wrong_cube(x).sum()",
      "--var",
      "x=[0.5, -2, 3, 1]",
      "--fast",
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAILED/);
  });
});

describe("kinks", () => {
  // PyTorch's gradcheck fails relu at exactly 0 (numerical 0.5, analytic relu'(0) = 0): dlq calls
  // the element inconclusive, which is not a pass — exit 1 unless --allow-inconclusive.
  it("relu at exact 0 is inconclusive: exit 1, and 0 with --allow-inconclusive", async () => {
    const r = await dlq("gradcheck", "torch.relu(x).sum()", "--var", "x=[-1, 0, 2]", "--json");
    expect(r.code).toBe(1);
    const doc = json(r.out);
    expect(doc).toMatchObject({
      passed: false,
      verdict: "inconclusive",
      allow_inconclusive: false,
    });
    const i = doc.inputs[0];
    expect(i).toMatchObject({
      failures: 0,
      inconclusive: 1,
      matched: 2,
      verdict: "inconclusive",
      passed: false,
    });
    expect(i.inconclusive_at[0]).toMatchObject({
      index: [1],
      analytic: 0,
      kink: "relu",
      forward_difference: expect.closeTo(1, 6),
      backward_difference: 0,
      forward_difference_half: expect.closeTo(1, 6),
      backward_difference_half: 0,
    });
    const ok = await dlq(
      "gradcheck",
      "torch.relu(x).sum()",
      "--var",
      "x=[-1, 0, 2]",
      "--allow-inconclusive",
      "--json",
    );
    expect(ok.code).toBe(0);
    expect(json(ok.out)).toMatchObject({ passed: true, verdict: "pass", allow_inconclusive: true });
  });
  it("says so in the text report", async () => {
    const r = await dlq("gradcheck", "torch.relu(x).sum()", "--var", "x=[-1, 0, 2]");
    expect(r.code).toBe(1);
    expect(r.out).toContain("x[1]: inconclusive, at a kink of relu");
    expect(r.out).toContain(
      "NOT VERIFIED: 2 of 3 elements match, 1 inconclusive (at a kink, where the derivative does not exist) (--allow-inconclusive accepts them)",
    );
  });
  it("nothing verified is never a pass, even with --allow-inconclusive", async () => {
    for (const extra of [[], ["--allow-inconclusive"]]) {
      const r = await dlq("gradcheck", "torch.relu(x).sum()", "--var", "x=[0, 0, 0]", ...extra);
      expect(r.code).toBe(1);
      expect(r.out).toContain("NOT VERIFIED: 0 of 3 elements match, 3 inconclusive");
    }
  });
  it("a max tie is inconclusive; abs at 0 matches, as in PyTorch (abs'(0) = 0 = the central difference)", async () => {
    const args = ["gradcheck", "x.abs().sum() + x.max(dim=0).values.sum()", "--var"];
    const r = await dlq(...args, "x=[[0, 1], [0, 2]]", "--json");
    expect(r.code).toBe(1);
    const i = json(r.out).inputs[0];
    // the column [0, 0] ties; x[0, 1] and x[1, 1] are away from both kinks
    expect(i).toMatchObject({ failures: 0, inconclusive: 2, matched: 2 });
    expect(i.inconclusive_at.map((a: { index: number[] }) => a.index)).toEqual([
      [0, 0],
      [1, 0],
    ]);
    const ok = await dlq(...args, "x=[[0, 1], [0, 2]]", "--allow-inconclusive");
    expect(ok.code).toBe(0);
    const abs = await dlq("gradcheck", "x.abs().sum()", "--var", "x=[0, 1]", "--json");
    expect(abs.code).toBe(0);
    expect(json(abs.out).inputs[0]).toMatchObject({ matched: 2, inconclusive: 0 });
  });
  it("a smooth function at a coarse eps is not a kink: it fails (PyTorch fails it too)", async () => {
    const r = await dlq(
      "gradcheck",
      "torch.sum(torch.exp(10 * W))",
      "--var",
      "W=3x3",
      "--eps",
      "0.5",
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain("FAILED: 9 of 9 elements differ");
    expect(r.out).not.toContain("inconclusive,");
  });
  it("near a kink but not at it, the element fails and the report says a smaller eps checks it", async () => {
    const r = await dlq("gradcheck", "torch.relu(x).sum()", "--var", "x=[1e-7, 1]");
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      "x[0] fails: analytic 1, numerical 0.55 (relu changes branch within eps, but the input is not at its kink",
    );
  });
  it("at a kink whose one-sided gap shrinks with eps, the smooth part fails", async () => {
    const r = await dlq(
      "gradcheck",
      "(torch.relu(x) + torch.exp(10 * x)).sum()",
      "--var",
      "x=[0]",
      "--eps",
      "0.5",
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain("at a kink of relu, which does not explain the difference");
    expect(r.out).toContain("their gap shrinks as eps halves");
  });
  it("fast mode: an inconclusive vᵀJu leaves the input unverified, even with --allow-inconclusive", async () => {
    const r = await dlq(
      "gradcheck",
      "torch.relu(x).sum()",
      "--var",
      "x=[-1, 0, 2]",
      "--fast",
      "--allow-inconclusive",
      "--json",
    );
    expect(r.code).toBe(1);
    expect(json(r.out).inputs[0]).toMatchObject({
      entries: 1,
      inconclusive: 1,
      verdict: "inconclusive",
    });
  });
});

describe("fast mode", () => {
  it("checks one vᵀJu per input", async () => {
    const r = await dlq(
      "gradcheck",
      "F.cross_entropy(X @ W, t)",
      "--var",
      "X=8x4:const",
      "--var",
      "W=4x3",
      "--var",
      "t=8:randint(0,3)",
      "--fast",
      "--json",
    );
    expect(r.code).toBe(0);
    const doc = json(r.out);
    expect(doc.mode).toBe("fast");
    expect(doc.inputs[0].entries).toBe(1);
  });
});

describe("bad input exits 2 with a located message", () => {
  const cases: [string[], RegExp][] = [
    [
      ["torch.meen(x)", "--var", "x=3"],
      /^dlq: <expr>:1:7: unknown function 'torch.meen' \(did you mean 'torch.mean'/,
    ],
    [
      ["torch.mean(X @ W)", "--var", "W=5x5"],
      /^dlq: <expr>:1:12: name 'X' is not defined: pass --var X=SHAPE/,
    ],
    [
      ["torch.mean(X @ W)", "--var", "X=100x5", "--var", "W=4x5"],
      /^dlq: <expr>:1:14: mat1 and mat2 shapes cannot be multiplied \(100x5 and 4x5\)/,
    ],
    [["torch.mean(X @ W +)", "--var", "X=3"], /^dlq: <expr>:1:\d+: invalid syntax/],
    [["x.sum()", "--var", "x=3x"], /^dlq: --var x=3x: /],
    [["x.sum()", "--var", "x=3", "--eps", "0"], /^dlq: --eps: /],
  ];
  for (const [argv, re] of cases) {
    it(argv[0] + " " + argv.slice(1).join(" "), async () => {
      const r = await dlq("gradcheck", ...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.split("\n").filter(Boolean)).toHaveLength(1);
    });
  }
});

describe("--var specs", () => {
  it("parses shapes, sources and flags", () => {
    expect(parseVarSpec("W=5x5")).toMatchObject({
      name: "W",
      shape: [5, 5],
      source: "rand",
      grad: true,
    });
    expect(parseVarSpec("X=100x5:const")).toMatchObject({ shape: [100, 5], grad: false });
    expect(parseVarSpec("t=8:randint(0,3)")).toMatchObject({
      source: "randint",
      low: 0,
      high: 3,
      grad: false,
    });
    expect(parseVarSpec("y=8:randn")).toMatchObject({ source: "randn", grad: true });
    expect(parseVarSpec("W=@weights.npy")).toMatchObject({ source: "file", path: "weights.npy" });
    expect(parseVarSpec("s=()")).toMatchObject({ shape: [] });
    expect(() => parseVarSpec("W")).toThrow(/NAME=SPEC/);
  });
});

describe("through the real bin", () => {
  const bin = ROOT + "bin/dlq.js";
  const built = existsSync(new URL("../dist", import.meta.url));
  const sh = (...argv: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...argv], { encoding: "utf8" });
    checkJsonOutput(argv, r.status, r.stdout);
    return r;
  };
  it.runIf(built)("exit codes 0 / 1 / 2, valid JSON, no stack traces", () => {
    const ok = sh("gradcheck", "examples/course_gradcheck.py", "--json");
    expect(ok.status).toBe(0);
    expect(json(ok.stdout).passed).toBe(true);
    expect(ok.stdout).not.toMatch(/NaN|Infinity/);
    const bad = sh("gradcheck", "torch.mean(X @ W)", "--var", "X=100x5", "--var", "W=4x5");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^dlq: <expr>:1:14: mat1 and mat2 shapes cannot be multiplied/m);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    // a check that fails: sqrt'(0) is infinite, the central difference is finite
    const fail = sh("gradcheck", "torch.sqrt(x).sum()", "--var", "x=[0, 1]", "--json");
    expect(fail.status).toBe(1);
    expect(fail.stdout).not.toMatch(/NaN|Infinity/);
    expect(json(fail.stdout).passed).toBe(false);
  });
});
