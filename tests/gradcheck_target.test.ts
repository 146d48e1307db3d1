// What `dlq gradcheck FILE` checks when the snippet is a notebook cell: never an input against
// itself. Expected behaviour from PyTorch 1.13 (/usr/bin/python3): `print(gradcheck(f, …))` runs
// the check of f; `loss.backward()` on a value computed under no_grad / inference_mode / from a
// detached tensor raises "element 0 of tensors does not require grad and does not have a
// grad_fn"; the gradient values below are hand-derived.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dlqInProcess as dlq } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dlq-target-"));
function snippet(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}
const D = "dtype=torch.float64";
const oneLine = (err: string): void => expect(err.split("\n").filter(Boolean)).toHaveLength(1);

describe("a gradcheck call wrapped in print(...) or assigned is the check", () => {
  // f(W) = Σ W·s with s = ΣW taken under no_grad: autograd gives s (= 3 for W = 1), the numerical
  // derivative 2·ΣW... = 6: PyTorch's gradcheck fails it (GradcheckError, Jacobian mismatch).
  const body = [
    "import torch",
    `W = torch.ones(3, ${D}, requires_grad=True)`,
    "def f(W):",
    "    with torch.no_grad():",
    "        s = W.sum()",
    "    return (W * s).sum()",
  ];
  for (const [name, call] of [
    ["print", "print(torch.autograd.gradcheck(f, (W,), raise_exception=False))"],
    ["assign", "ok = torch.autograd.gradcheck(f, (W,), raise_exception=False)"],
    ["print-fstring-arg", "print('ok:', torch.autograd.gradcheck(f, (W,)))"],
  ]) {
    it(`${name}: f is checked, and fails as under PyTorch`, async () => {
      const r = await dlq("gradcheck", snippet(`${name}.py`, [...body, call]));
      expect(r.err).toBe("");
      expect(r.out).toContain("gradcheck gradcheck(f, …)");
      expect(r.out).toContain("analytic 3, numerical 6");
      expect(r.code).toBe(1);
    });
  }
});

describe("never an input against itself", () => {
  it("a loss computed from values made under no_grad is refused with PyTorch's error", async () => {
    const r = await dlq(
      "gradcheck",
      snippet("nograd.py", [
        "import torch",
        `W = torch.ones(3, ${D}, requires_grad=True)`,
        "with torch.no_grad():",
        "    V = W * 2",
        "loss = (V ** 2).sum()",
      ]),
    );
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    oneLine(r.err);
    expect(r.err).toContain("nograd.py:5:1");
    expect(r.err).toContain(
      "element 0 of tensors does not require grad and does not have a grad_fn",
    );
    expect(r.err).toContain("under torch.no_grad() at line 3");
  });

  it("inference_mode is named as the reason", async () => {
    const r = await dlq(
      "gradcheck",
      snippet("inference.py", [
        "import torch",
        `W = torch.rand(3, ${D}, requires_grad=True)`,
        "with torch.inference_mode():",
        "    V = W * 2",
        "loss = (V ** 2).sum()",
        "print(loss.requires_grad)",
      ]),
    );
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toContain("does not require grad");
    expect(r.err).toContain("under torch.inference_mode() at line 3");
  });

  it(".detach() is named as the reason", async () => {
    const r = await dlq(
      "gradcheck",
      snippet("detach.py", [
        "import torch",
        `W = torch.rand(3, ${D}, requires_grad=True)`,
        "V = W.detach() * 2",
        "loss = (V ** 2).sum()",
      ]),
    );
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toContain("detach.py:4:1");
    expect(r.err).toContain("does not require grad");
    expect(r.err).toContain(".detach() at line 3");
  });

  it("a loss assigned only inside a for loop: refused, naming the loop", async () => {
    const r = await dlq(
      "gradcheck",
      snippet("loop.py", [
        "import torch",
        `W = torch.ones(3, ${D}, requires_grad=True)`,
        "for i in range(3):",
        "    loss = (W ** 3).sum()",
        "    with torch.no_grad():",
        "        W -= 0.1 * W",
        "print(loss.item())",
      ]),
    );
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    oneLine(r.err);
    expect(r.err).toContain("loop.py:3:1");
    expect(r.err).toContain("nothing to check");
    expect(r.err).toContain("'loss'");
  });

  it("only an input created: nothing to check (was: W checked against itself, passed)", async () => {
    const r = await dlq(
      "gradcheck",
      snippet("only.py", ["import torch", `W = torch.rand(3, ${D}, requires_grad=True)`]),
    );
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toContain("nothing to check");
  });

  it("W.requires_grad_() after creating W is not the value checked", async () => {
    // loss = Σ(XW) with X = ones(2, 3): ∂/∂W[i, j] = 2
    const r = await dlq(
      "gradcheck",
      snippet("rg.py", [
        "import torch",
        `W = torch.rand(3, 3, ${D})`,
        `X = torch.ones(2, 3, ${D})`,
        "W.requires_grad_(True)",
        "loss = (X @ W).sum()",
        "W.requires_grad_(True)",
      ]),
    );
    expect(r.err).toBe("");
    expect(r.out).toContain("gradcheck loss = (X @ W).sum()");
    expect(r.out).toMatch(/analytic 2, numerical (2\b|1\.99999)/);
    expect(r.code).toBe(0);
  });
});
