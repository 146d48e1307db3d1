// `with torch.no_grad():` / `torch.enable_grad()` / `torch.set_grad_enabled(mode)` /
// `torch.inference_mode()` in a gradcheck snippet: the body runs in the same scope, and what it
// computes under no_grad is outside the graph (requires_grad False), as in PyTorch 1.13 (checked
// with /usr/bin/python3; the values below are hand-derived).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dlqInProcess as dlq } from "./helpers.js";
import { gradcheckInterpreter, TensorValue } from "../src/analysis/gradcheck_host.js";
import { parsePython } from "../src/python/parse.js";
import { prepare, runGradcheck } from "../src/analysis/gradcheck.js";
import * as T from "../src/tensor/index.js";

const dir = mkdtempSync(join(tmpdir(), "dlq-nograd-"));
/** Writes a snippet to a temporary file and returns its path. */
function snippet(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}
/** Runs a snippet in the interpreter (as `runModule` does) and returns its globals. */
function run(lines: string[]): (name: string) => unknown {
  const text = lines.join("\n") + "\n";
  const { it } = gradcheckInterpreter("s.py");
  it.runModule(parsePython(text, "s.py"));
  return (name) => {
    const v = it.globals.lookup(name);
    return v instanceof TensorValue ? v.t : v;
  };
}
const D = "dtype=torch.float64";

describe("with torch.no_grad(): the body runs in the snippet's scope", () => {
  it("a constant target computed under no_grad is defined after the block", () => {
    // w·x = [0.5, -2, 6], target = 2x = [2, 4, 6]: loss = 1.5² + 6² + 0² = 38.25,
    // d/dw = 2(w·x − target)·x = [-3, -24, 0]
    const src = [
      "import torch",
      `x = torch.tensor([1.0, 2.0, 3.0], ${D})`,
      `w = torch.tensor([0.5, -1.0, 2.0], ${D}, requires_grad=True)`,
      "with torch.no_grad():",
      "    target = x * 2",
      "loss = ((w * x - target) ** 2).sum()",
    ].join("\n");
    const p = prepare(src, "t.py", [], 0);
    expect(p.label).toBe("loss = ((w * x - target) ** 2).sum()");
    const out = p.f();
    expect(out.item()).toBeCloseTo(38.25, 12);
    const g = T.grad(out, [p.inputs[0].tensor])[0];
    [-3, -24, 0].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 12));
    const r = runGradcheck(p);
    expect(r.passed).toBe(true);
    expect(r.notes.filter((n) => n.includes("skipped"))).toEqual([]);
  });

  it("results under no_grad do not require grad; enable_grad inside turns it back on", () => {
    const get = run([
      "import torch",
      `w = torch.tensor([1.0, 2.0], ${D}, requires_grad=True)`,
      "with torch.no_grad():",
      "    a = w * 2",
      "    with torch.enable_grad():",
      "        b = w * 3",
      "    r = torch.rand(2, requires_grad=True)",
      "c = w * 4",
      "with torch.set_grad_enabled(False):",
      "    d = w * 5",
      "with torch.inference_mode():",
      "    e = w * 6",
      "with torch.inference_mode(False):",
      "    f = w * 7",
      "from torch import no_grad",
      "with no_grad() as g:",
      "    h = w * 8",
    ]);
    // PyTorch 1.13: a False, b True, r True (a leaf), c True, d False, e False, f True, h False
    const rg = (n: string): boolean => (get(n) as T.Tensor).requiresGrad;
    expect(["a", "b", "r", "c", "d", "e", "f", "h"].map(rg)).toEqual([
      false,
      true,
      true,
      true,
      false,
      false,
      true,
      false,
    ]);
    expect((get("r") as T.Tensor).isLeaf).toBe(true);
    expect(get("g")).toBe(null);
    expect(Array.from((get("a") as T.Tensor).data)).toEqual([2, 4]);
    // the tensor core's grad mode is restored after the blocks
    expect(T.isGradEnabled()).toBe(true);
  });

  it("a value computed from an input under no_grad is a constant to autograd (PyTorch fails it)", () => {
    // f(w) = sum(w)·c with c = sum(w²) under no_grad: autograd gives c = 0.25 + 1 + 4 = 5.25 for
    // every element; the true derivative is c + 2·sum(w)·w = 5.25 + 3w = [6.75, 2.25, 11.25]
    const src = [
      "import torch",
      `w = torch.tensor([0.5, -1.0, 2.0], ${D}, requires_grad=True)`,
      "def g(w):",
      "    with torch.no_grad():",
      "        c = (w * w).sum()",
      "    return w.sum() * c",
      "torch.autograd.gradcheck(g, (w,))",
    ].join("\n");
    const p = prepare(src, "g.py", [], 0);
    const out = p.f();
    T.grad(out, [p.inputs[0].tensor])[0].forEach((v) => expect(v).toBeCloseTo(5.25, 12));
    const r = runGradcheck(p);
    expect(r.passed).toBe(false);
    const num = r.inputs[0].failing.map((e) => e.numerical);
    [6.75, 2.25, 11.25].forEach((v, i) => expect(num[i]).toBeCloseTo(v, 6));
  });

  it("names bound inside a no_grad block of a def are not reported as missing", async () => {
    // f(w) = mean((X·w − X·1)²) with the target under no_grad: passes with --var w=3
    const path = snippet("def.py", [
      "import torch",
      `X = torch.rand(10, 3, ${D})`,
      "def f(w):",
      "    with torch.no_grad():",
      `        target = X @ torch.ones(3, ${D})`,
      "    return ((X @ w - target) ** 2).mean()",
    ]);
    const r = await dlq("gradcheck", path, "--var", "w=3");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("passed: 3 of 3 elements match");
  });

  it("the CLI checks a snippet with a no_grad target (it said 'target' is not defined)", async () => {
    const path = snippet("target.py", [
      "import torch",
      `X = torch.rand(10, 3, ${D})`,
      `W = torch.rand(3, 1, ${D}, requires_grad=True)`,
      "with torch.no_grad():",
      `    y = X @ torch.ones(3, 1, ${D})`,
      "loss = ((X @ W - y) ** 2).mean()",
    ]);
    const r = await dlq("gradcheck", path);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("gradcheck loss = ((X @ W - y) ** 2).mean()");
  });
});

describe("errors inside a with block are located in the file", () => {
  const cases: [string[], RegExp][] = [
    [["with torch.no_grad():", "    y = zz + 1"], /names? 'zz' is not defined/],
    [
      ["x = torch.ones(2, 3)", "if True:", "    with torch.no_grad():", "        y = x @ x"],
      /:6:15: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/,
    ],
    [
      ["with torch.no_grad:", "    y = 1"],
      /:3:6: 'torch.no_grad' must be called: with torch.no_grad\(\):/,
    ],
    [
      ["with torch.set_grad_enabled():", "    y = 1"],
      /missing 1 required positional argument: 'mode'/,
    ],
  ];
  cases.forEach(([lines, re], k) => {
    it(lines.join(" / "), async () => {
      const path = snippet(`err${k}.py`, [
        "import torch",
        `W = torch.rand(3, ${D}, requires_grad=True)`,
        ...lines,
        "loss = W.sum()",
      ]);
      const r = await dlq("gradcheck", path);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.split("\n").filter(Boolean)).toHaveLength(1);
    });
  });

  it("an undefined name in a with body is at its line and column", async () => {
    const path = snippet("undef.py", [
      "import torch",
      `W = torch.rand(3, ${D}, requires_grad=True)`,
      "with torch.no_grad():",
      "    y = zz + 1",
      "loss = W.sum()",
    ]);
    const r = await dlq("gradcheck", path);
    expect(r.err).toBe(`dlq: ${path}:4:9: name 'zz' is not defined: pass --var zz=SHAPE\n`);
  });

  it("other with statements are still skipped with a note", async () => {
    const path = snippet("open.py", [
      "import torch",
      `W = torch.rand(3, ${D}, requires_grad=True)`,
      "with open('x') as fh:",
      "    pass",
      "loss = W.sum()",
    ]);
    const r = await dlq("gradcheck", path);
    expect(r.code).toBe(0);
    expect(r.out).toContain("note: skipped a WithStatement at line 3");
  });
});
