/** `dlq kl`: the closed form against hand-derived values, its gradients, and the Monte-Carlo check. */
import { describe, expect, it } from "vitest";
import { klGaussian } from "../src/analysis/kl.js";
import { dlq } from "./helpers.js";

describe("closed form (Kingma & Welling 2014, appendix B)", () => {
  it("μ = (0.5, −1), logvar = (0, 0.2): ½(0.25) + ½(e^0.2 + 1 − 1 − 0.2)", () => {
    const r = klGaussian([0.5, -1], [0, 0.2], 0, 0);
    const want = 0.5 * (1 + 0.25 - 1 - 0) + 0.5 * (Math.exp(0.2) + 1 - 1 - 0.2);
    expect(r.closedForm).toBeCloseTo(want, 14);
    expect(r.closedForm).toBeCloseTo(0.635701379080085, 14);
    expect(r.perDim[0]).toBeCloseTo(0.125, 15);
    expect(r.mc).toBeNull();
  });
  it("the prior itself has KL 0; a unit shift of the mean costs ½ per dimension", () => {
    expect(klGaussian([0, 0, 0], [0, 0, 0], 0, 0).closedForm).toBe(0);
    expect(klGaussian([1, 1], [0, 0], 0, 0).closedForm).toBeCloseTo(1, 15);
  });
  it("σ² = e (logvar 1), μ = 0: ½(e − 2)", () => {
    expect(klGaussian([0], [1], 0, 0).closedForm).toBeCloseTo(0.5 * (Math.E - 2), 15);
  });
  it("gradients by autodiff: ∂KL/∂μ = μ, ∂KL/∂logvar = ½(e^logvar − 1)", () => {
    const r = klGaussian([0.5, -1, 2], [0, 0.2, -1.5], 0, 0);
    expect(r.gradMu).toEqual([0.5, -1, 2]);
    [0, 0.2, -1.5].forEach((lv, j) =>
      expect(r.gradLogvar[j]).toBeCloseTo(0.5 * (Math.exp(lv) - 1), 14),
    );
  });
});

describe("Monte Carlo", () => {
  it("within 3 standard errors for large N, several seeds", () => {
    for (const seed of [0, 1, 2, 3]) {
      const r = klGaussian([0.5, -1], [0, 0.2], 200000, seed);
      expect(r.mc!.within3se).toBe(true);
      expect(Math.abs(r.mc!.estimate - r.closedForm)).toBeLessThanOrEqual(3 * r.mc!.se);
      expect(r.mc!.se).toBeGreaterThan(0);
      expect(r.mc!.se).toBeLessThan(0.01);
    }
  });
  it("the standard error shrinks like 1/√N", () => {
    const a = klGaussian([0.3, 0.7, -0.2], [0.5, -0.5, 0.1], 10000, 5).mc!.se;
    const b = klGaussian([0.3, 0.7, -0.2], [0.5, -0.5, 0.1], 160000, 5).mc!.se;
    expect(a / b).toBeGreaterThan(3.5);
    expect(a / b).toBeLessThan(4.5);
  });
  it("is reproducible for a seed", () => {
    const a = klGaussian([1], [0.4], 1000, 9).mc!;
    const b = klGaussian([1], [0.4], 1000, 9).mc!;
    expect(a.estimate).toBe(b.estimate);
  });
});

describe("the real bin", () => {
  it("--json", () => {
    const r = dlq(["kl", "--mu", "0.5,-1", "--logvar", "0,0.2", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.schema_version).toBe(1);
    expect(j.closed_form).toBeCloseTo(0.635701379080085, 14);
    expect(j.mc.samples).toBe(100000);
    expect(j.mc.within_3se).toBe(true);
    expect(j.source).toMatch(/Kingma/);
  });
  it("a negative first value is read as a value, not an option", () => {
    const r = dlq(["kl", "--mu", "-1", "--logvar", "0", "--samples", "0", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).closed_form).toBeCloseTo(0.5, 15);
  });
  it("mismatched lengths and bad counts exit 2", () => {
    expect(dlq(["kl", "--mu", "1,2", "--logvar", "0"]).code).toBe(2);
    expect(dlq(["kl", "--mu", "1", "--logvar", "0", "--samples", "1"]).code).toBe(2);
    expect(dlq(["kl", "--mu", "1"]).code).toBe(2);
  });
});
