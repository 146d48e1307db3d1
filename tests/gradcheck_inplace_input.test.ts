// A function that writes into its own input under no_grad (`with torch.no_grad(): x += 1`,
// `x.zero_()`): PyTorch 1.13's gradcheck stops with "one of the variables needed for gradient
// computation has been modified by an inplace operation" (/usr/bin/python3 on these snippets).
// dlq refuses it (exit 2, one located line) instead of calling it not deterministic or passing.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dlqInProcess as dlq } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dlq-inplace-input-"));
function snippet(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}
const D = "dtype=torch.float64";
const MSG = "has been modified by an inplace operation";

describe("a function writing into its input under no_grad", () => {
  for (const [name, op, at] of [
    ["iadd", "x += 1", ":5:9:"],
    ["zero_", "x.zero_()", ":5:"],
  ]) {
    for (const call of ["torch.autograd.gradcheck(f, (W,))", "loss = f(W)"]) {
      it(`${op}, checked by ${call}`, async () => {
        const path = snippet(`${name}_${call.length}.py`, [
          "import torch",
          `W = torch.ones(3, ${D}, requires_grad=True)`,
          "def f(x):",
          "    with torch.no_grad():",
          `        ${op}`,
          "    return (x ** 2).sum()",
          call,
        ]);
        const r = await dlq("gradcheck", path);
        expect(r.code).toBe(2);
        expect(r.out).toBe("");
        expect(r.err.split("\n").filter(Boolean)).toHaveLength(1);
        expect(r.err).toContain(at);
        expect(r.err).toContain("modifies its input W in place");
        expect(r.err).toContain(MSG);
      });
    }
  }

  it("a top-level no_grad update of W before the loss is still followed (not refused)", async () => {
    // W = 1, W *= 3 under no_grad: loss = Σ W² at W = 3 is 27, d/dW = 6
    const r = await dlq(
      "gradcheck",
      snippet("top.py", [
        "import torch",
        `W = torch.ones(3, ${D}, requires_grad=True)`,
        "with torch.no_grad():",
        "    W *= 3",
        "loss = (W ** 2).sum()",
      ]),
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("value 27;");
  });
});
