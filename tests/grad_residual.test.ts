/**
 * The course's residual question: does y = f(x) + x keep gradients alive through depth?
 * `dlq grad` on examples/residual_mlp.py (a class-based model: its graph runs on the tensor core)
 * against PyTorch 1.13's measurement of the same protocol (tests/fixtures/residual_grad.json, from
 * scripts/fixtures/gen_residual.py): the plain 32-block tanh MLP vanishes, the residual one does
 * not. The random streams differ (dlq's generator is not PyTorch's), so medians over 10 seeds are
 * compared within half a decade.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT, dlqInProcess } from "./helpers.js";

const fixture = JSON.parse(
  readFileSync(ROOT + "tests/fixtures/residual_grad.json", "utf8"),
) as Record<"plain" | "residual", { median: number }>;

describe("dlq grad through residual connections (PyTorch 1.13's medians)", () => {
  for (const [model, verdict] of [
    ["plain", "vanishing"],
    ["residual", "healthy"],
  ] as const) {
    it(`${model}: ${verdict}, log10 first/last within 0.5 of PyTorch's ${fixture[model].median.toFixed(2)}`, async () => {
      const r = await dlqInProcess(
        "grad",
        "examples/residual_mlp.py",
        "--model",
        model,
        "--input",
        "64,64",
        "--seeds",
        "10",
        "--json",
      );
      expect(r.code).toBe(0);
      const v = JSON.parse(r.out).variants[0];
      expect(v.verdict).toBe(verdict);
      expect(Math.abs(v.log10_first_to_last - fixture[model].median)).toBeLessThan(0.5);
    });
  }
});
