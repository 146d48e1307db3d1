// `.backward()` then `W.grad` (a gradient-descent step, as in the course's training loop): dlq
// does not run `.backward()` or keep `.grad`, so reading `.grad` is refused with one located line
// saying so (exit 2). It used to read as None and fail later with
// "unsupported operand type(s) for *: 'float' and 'None'", which PyTorch never says here.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dlqInProcess as dlq } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dlq-gradattr-"));
function snippet(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}
const D = "dtype=torch.float64";

describe(".grad after .backward()", () => {
  it("W -= 0.1 * W.grad under no_grad is refused at W.grad, saying .backward() is not run", async () => {
    const r = await dlq(
      "gradcheck",
      snippet("step.py", [
        "import torch",
        `W = torch.ones(3, ${D}, requires_grad=True)`,
        "loss = (W ** 2).sum()",
        "loss.backward()",
        "with torch.no_grad():",
        "    W -= 0.1 * W.grad",
        "loss2 = (W ** 3).sum()",
      ]),
    );
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.err).toContain("step.py:6:");
    expect(r.err).toContain("W.grad is not modelled");
    expect(r.err).toContain(".backward()");
    expect(r.err).not.toContain("None");
  });

  it("a training loop's W.grad.zero_() is refused the same way", async () => {
    const r = await dlq(
      "gradcheck",
      snippet("loop.py", [
        "import torch",
        `X = torch.ones(4, 3, ${D})`,
        `W = torch.ones(3, ${D}, requires_grad=True)`,
        "for i in range(3):",
        "    loss = (X @ W).pow(2).mean()",
        "    loss.backward()",
        "    with torch.no_grad():",
        "        W -= 0.01 * W.grad",
        "        W.grad.zero_()",
        "loss = (X @ W).pow(2).mean()",
      ]),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain("loop.py:8:");
    expect(r.err).toContain("W.grad is not modelled");
  });

  it("loss.backward() alone is still accepted: the loss is checked", async () => {
    // loss = Σ W², d/dW = 2W = 2 at W = 1
    const r = await dlq(
      "gradcheck",
      snippet("bw.py", [
        "import torch",
        `W = torch.ones(3, ${D}, requires_grad=True)`,
        "loss = (W ** 2).sum()",
        "loss.backward()",
        "print(W.grad)",
      ]),
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("gradcheck loss = (W ** 2).sum()");
    expect(r.out).toMatch(/analytic 2, numerical (2\b|1\.99999|2\.00000)/);
  });
});
