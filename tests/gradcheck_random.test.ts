// A function under test that draws new random values on every call (torch.rand inside the def)
// is not deterministic: PyTorch 1.13's gradcheck fails it ("Jacobian mismatch", checked with
// /usr/bin/python3), because central differences then measure the noise. dlq draws new values at
// every evaluation too, says the function is not deterministic, and exits 1. Random tensors drawn
// outside the function stay fixed, as in PyTorch.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dlqInProcess as dlq } from "./helpers.js";
import { prepare, runGradcheck } from "../src/analysis/gradcheck.js";
import * as T from "../src/tensor/index.js";

const dir = mkdtempSync(join(tmpdir(), "dlq-random-"));
const D = "dtype=torch.float64";
/** Writes a snippet to a temporary file and returns its path. */
function snippet(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (s: string): any => JSON.parse(s);

const NOISY_DEF = [
  "import torch",
  `W = torch.rand(3, ${D}, requires_grad=True)`,
  "def f(W):",
  `    return (W * torch.rand(3, ${D})).sum()`,
];

describe("a def drawing random values on every call fails, as in PyTorch", () => {
  it("loss = f(W): every element fails, none is taken for a kink (exit 1)", async () => {
    const path = snippet("noisy.py", [...NOISY_DEF, "loss = f(W)"]);
    const r = await dlq("gradcheck", path, "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(1);
    const doc = json(r.out);
    expect(doc.passed).toBe(false);
    expect(doc.inputs[0]).toMatchObject({ failures: 3, inconclusive: 0, passed: false });
    expect(doc.notes.join("\n")).toContain(
      `the function is not deterministic: it draws new random values on every call (torch.rand at ${path}:4:23)`,
    );
  });

  it("the text report says why", async () => {
    const path = snippet("noisy_text.py", [...NOISY_DEF, "loss = f(W)"]);
    const r = await dlq("gradcheck", path);
    expect(r.code).toBe(1);
    expect(r.out).toContain("FAILED: 3 of 3 elements differ (the function is not deterministic)");
  });

  it("torch.autograd.gradcheck(f, (W,)) in the snippet, and --fast", async () => {
    const path = snippet("noisy_gc.py", [...NOISY_DEF, "torch.autograd.gradcheck(f, (W,))"]);
    for (const extra of [[], ["--fast"]]) {
      const r = await dlq("gradcheck", path, "--json", ...extra);
      expect(r.code).toBe(1);
      const doc = json(r.out);
      expect(doc.inputs[0].inconclusive).toBe(0);
      expect(doc.inputs[0].failures).toBe(doc.inputs[0].entries);
    }
  });

  it("the last def, called with --var W", async () => {
    const r = await dlq("gradcheck", snippet("noisy_def.py", NOISY_DEF.slice(2)), "--var", "W=3");
    expect(r.code).toBe(1);
  });

  it("an expression drawing random values", async () => {
    const r = await dlq("gradcheck", "(W * torch.randn(3)).sum()", "--var", "W=3");
    expect(r.code).toBe(1);
    expect(r.out).toContain("(torch.randn at <expr>:1:12)");
  });

  it("each evaluation sees a new draw", () => {
    const p = prepare([...NOISY_DEF, "loss = f(W)"].join("\n"), "n.py", [], 0);
    expect(p.f().item()).not.toBe(p.f().item());
  });
});

describe("random tensors drawn outside the function stay fixed", () => {
  it("X = torch.randn(100, 5) then def f(W): d/dW[i, j] = Σₙ X[n, i]", () => {
    const src = [
      "import torch",
      `X = torch.randn(100, 5, ${D})`,
      `W = torch.rand(5, 2, ${D}, requires_grad=True)`,
      "def f(W):",
      "    return (X @ W).sum()",
      "loss = f(W)",
    ].join("\n");
    const p = prepare(src, "fixed.py", [], 0);
    const v = p.f().item();
    expect(p.f().item()).toBe(v);
    const r = runGradcheck(p, { showGrad: 100 });
    expect(r.passed).toBe(true);
    expect(r.notes.filter((n) => n.includes("deterministic"))).toEqual([]);
    // X is the first tensor the snippet draws: draw it again from the same seeded generator
    const X = T.randn([100, 5], new T.Generator(0));
    const colSum = T.sum(X, 0).data;
    (r.inputs[0].grad as number[][]).forEach((row, i) =>
      row.forEach((g) => expect(g).toBeCloseTo(colSum[i], 10)),
    );
  });

  it("a def that seeds its generator before drawing is deterministic, and passes (as in PyTorch)", async () => {
    const path = snippet("seeded.py", [
      "import torch",
      `W = torch.rand(3, ${D}, requires_grad=True)`,
      "def f(W):",
      "    torch.manual_seed(0)",
      `    return (W * torch.rand(3, ${D})).sum()`,
      "loss = f(W)",
    ]);
    const r = await dlq("gradcheck", path);
    expect(r.code).toBe(0);
    expect(r.out).toContain("passed: 3 of 3 elements match");
  });

  it("the course snippet still passes with the same value", async () => {
    const r = await dlq("gradcheck", "examples/course_gradcheck.py");
    expect(r.code).toBe(0);
    expect(r.out).toContain("value 1.700410862;");
  });
});

describe("a top-level statement's own draw is made once, as a notebook runs the line once", () => {
  it("loss = torch.mean(X @ W + torch.randn(5) * 0.01) passes (it failed as not deterministic)", async () => {
    // d/dW[i, j] of mean over 100×5 of X @ W + noise = Σₙ X[n, i] / 500, whatever the noise
    const src = [
      "import torch",
      `X = torch.rand(100, 5, ${D})`,
      `W = torch.rand(5, 5, requires_grad=True, ${D})`,
      `loss = torch.mean(X @ W + torch.randn(5, ${D}) * 0.01)`,
    ];
    const p = prepare(src.join("\n"), "r2.py", [], 0);
    const v = p.f().item();
    expect(p.f().item()).toBe(v);
    const r = runGradcheck(p, { showGrad: 100 });
    expect(r.passed).toBe(true);
    expect(r.notes.filter((n) => n.includes("deterministic"))).toEqual([]);
    const X = T.rand([100, 5], new T.Generator(0));
    const colSum = T.sum(X, 0).data;
    (r.inputs[0].grad as number[][]).forEach((row, i) =>
      row.forEach((g) => expect(g).toBeCloseTo(colSum[i] / 500, 12)),
    );
    const cli = await dlq("gradcheck", snippet("r2.py", src));
    expect(cli.code).toBe(0);
    expect(cli.out).toContain("passed: 25 of 25 elements match");
  });

  it("the draw is the first run's: the value is the same as a plain run of the snippet", () => {
    // W = 1: loss = Σ (W · n) with n the snippet's first draw from dlq's seeded generator
    const p = prepare(
      [
        "import torch",
        `W = torch.ones(3, ${D}, requires_grad=True)`,
        `loss = (W * torch.randn(3, ${D})).sum()`,
      ].join("\n"),
      "n.py",
      [],
      0,
    );
    const n = T.randn([3], new T.Generator(0)).data;
    expect(p.f().item()).toBeCloseTo(n[0] + n[1] + n[2], 14);
    expect(runGradcheck(p).passed).toBe(true);
  });

  it("a def called by the statement still draws anew at every evaluation", () => {
    const src = [...NOISY_DEF, `loss = f(W) + torch.randn(3, ${D}).sum()`].join("\n");
    const p = prepare(src, "mixed.py", [], 0);
    expect(p.f().item()).not.toBe(p.f().item());
    const r = runGradcheck(p);
    expect(r.passed).toBe(false);
    expect(r.notes.join(" ")).toContain("torch.rand at mixed.py:4:");
  });
});

describe("the not-deterministic note only where the verdict depends on it", () => {
  // f(W) = Σ W² + 1e-13·u, u ~ U[0, 1) drawn at every call: central differences see at most
  // 1e-13 / 2e-6 = 5e-8 of noise, far below atol 1e-5, so PyTorch's gradcheck passes it.
  const tiny = [
    "import torch",
    `W = torch.rand(3, ${D}, requires_grad=True)`,
    "def f(W):",
    `    return (W ** 2).sum() + 1e-13 * torch.rand(1, ${D}).sum()`,
    "torch.autograd.gradcheck(f, (W,), raise_exception=False)",
  ];
  it("tiny noise: passed, and no note claiming the values differ", async () => {
    const r = await dlq("gradcheck", snippet("tiny.py", tiny));
    expect(r.code).toBe(0);
    expect(r.out).toContain("passed: 3 of 3 elements match");
    expect(r.out).not.toContain("deterministic");
  });

  it("with atol 0 and rtol 0 the noise fails it: the note shows digits that differ", async () => {
    const r = await dlq(
      "gradcheck",
      snippet("tiny0.py", tiny),
      "--atol",
      "0",
      "--rtol",
      "0",
      "--json",
    );
    expect(r.code).toBe(1);
    const note = (json(r.out).notes as string[]).find((n) => n.includes("not deterministic"))!;
    const m = /gave (\S+) and (\S+?),/.exec(note)!;
    expect(m[1]).not.toBe(m[2]);
    // 1e-13 · (u₁ − u₂) on a value near 1 shows from the 13th significant digit on
    expect(m[1].replace(/^-?0?\.?/, "").length).toBeGreaterThan(11);
  });
});
