// Grad-mode switches take a bool, as PyTorch 1.13 checks them (/usr/bin/python3):
// `with torch.set_grad_enabled(0):` is "TypeError: enabled must be a bool (got int)" and
// `t.requires_grad_(1)` is "TypeError: requires_grad_(): argument 'requires_grad' (position 1)
// must be bool, not int". dlq refuses both with PyTorch's message (exit 2, one located line).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dlqInProcess as dlq } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dlq-boolargs-"));
function snippet(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}
const D = "dtype=torch.float64";

describe("bool arguments of grad-mode switches", () => {
  const cases: [string, string[], string, string][] = [
    [
      "set_grad_enabled(0)",
      [
        `W = torch.ones(3, ${D}, requires_grad=True)`,
        "with torch.set_grad_enabled(0):",
        "    W -= 1",
      ],
      ":3:29:",
      "enabled must be a bool (got int)",
    ],
    [
      "set_grad_enabled(None)",
      [
        `W = torch.ones(3, ${D}, requires_grad=True)`,
        "with torch.set_grad_enabled(None):",
        "    W -= 1",
      ],
      ":3:29:",
      "enabled must be a bool (got NoneType)",
    ],
    [
      "requires_grad_(1)",
      [`W = torch.ones(3, ${D}).requires_grad_(1)`],
      ":2:",
      "requires_grad_(): argument 'requires_grad' (position 1) must be bool, not int",
    ],
    [
      "requires_grad_(requires_grad=0)",
      [`W = torch.ones(3, ${D}).requires_grad_(requires_grad=0)`],
      ":2:",
      "requires_grad_(): argument 'requires_grad' must be bool, not int",
    ],
  ];
  for (const [name, lines, loc, msg] of cases) {
    it(`${name} is refused with PyTorch's TypeError`, async () => {
      const path = snippet(`${name.replace(/\W/g, "_")}.py`, [
        "import torch",
        ...lines,
        "loss = (W ** 2).sum()",
      ]);
      const r = await dlq("gradcheck", path);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err.split("\n").filter(Boolean)).toHaveLength(1);
      expect(r.err).toContain(loc);
      expect(r.err).toContain(msg);
    });
  }

  it("bools are still taken: set_grad_enabled(False), requires_grad_(True), requires_grad_()", async () => {
    // W = 1, then W -= 1 under set_grad_enabled(False): loss = Σ (W + 1)² at W = 0 is 3
    for (const rg of ["requires_grad_(True)", "requires_grad_()"]) {
      const path = snippet(`ok_${rg.length}.py`, [
        "import torch",
        `W = torch.ones(3, ${D}).${rg}`,
        "with torch.set_grad_enabled(False):",
        "    W -= 1",
        "loss = ((W + 1) ** 2).sum()",
      ]);
      const r = await dlq("gradcheck", path);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toContain("value 3;");
    }
  });
});
