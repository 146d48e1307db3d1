/** Dropout chains against hand-derived values and, for the symbolic form, mathjs evaluation. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dropoutChain, dropoutChainSymbolic, parseDecimal } from "../src/analysis/dropout.js";

describe("dropoutChain", () => {
  it("the course: 0.1 then 0.2 → q = 0.1 + 0.2 − 0.02 = 0.28", () => {
    const r = dropoutChain(["0.1", "0.2"]);
    expect(r.q).toBe(0.28);
    expect(r.keep).toBe(0.72);
    expect(r.scale).toBe(1 / 0.72);
    expect(r.scales).toEqual([1 / 0.9, 1 / 0.8]);
  });
  it("three halves keep 1/8", () => {
    expect(dropoutChain(["0.5", "0.5", "0.5"])).toMatchObject({ q: 0.875, keep: 0.125, scale: 8 });
  });
  it("p = 0 changes nothing; p = 1 drops everything, scale undefined", () => {
    expect(dropoutChain(["0", "0.3"])).toMatchObject({ q: 0.3, scale: 1 / 0.7 });
    expect(dropoutChain(["1", "0.3"])).toMatchObject({ q: 1, keep: 0, scale: null });
    expect(dropoutChain(["1"]).scales).toEqual([null]);
  });
  it("tiny and near-1 probabilities keep their precision (exact rationals, rounded once)", () => {
    // 1 − (1 − 1e-20)² = 2e-20 − 1e-40, whose nearest double is 2e-20.
    expect(dropoutChain(["1e-20", "1e-20"])).toMatchObject({ p: [1e-20, 1e-20], q: 2e-20 });
    // keep = 1 − 0.9999999999999 = 1e-13 exactly; float subtraction would give 9.9975e-14.
    expect(dropoutChain(["0.9999999999999"]).keeps).toEqual([1e-13]);
    expect(dropoutChain(["0.9999999999999"]).scales).toEqual([1e13]);
  });
  it("a p that rounds to 1.0 in float64 is 1 for PyTorch: everything is dropped", () => {
    expect(dropoutChain(["0.9999999999999999999999"])).toMatchObject({
      q: 1,
      keep: 0,
      scale: null,
    });
  });
  it("a symbolic chain with p = 1 has no scale", () => {
    expect(dropoutChainSymbolic(["1", "p"]).scale).toBeNull();
  });
  it("exponents and leading dots parse exactly", () => {
    expect(parseDecimal("1e-3")).toEqual({ n: 1n, d: 1000n });
    expect(parseDecimal(".5")).toEqual({ n: 1n, d: 2n });
    expect(parseDecimal("abc")).toBeUndefined();
  });
  it("agrees with 1 − Π(1 − p) in floating point for random chains (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 8 }),
        (ks) => {
          const ps = ks.map((k) => (k / 1000).toString());
          const float = 1 - ks.reduce((acc, k) => acc * (1 - k / 1000), 1);
          expect(dropoutChain(ps).q).toBeCloseTo(float, 12);
        },
      ),
    );
  });
});

describe("dropoutChainSymbolic", () => {
  it("two symbols: p1 + p2 − p1·p2", () => {
    expect(dropoutChainSymbolic(["p1", "p2"])).toEqual({
      p: ["p1", "p2"],
      q: "p1 + p2 - p1*p2",
      expanded: true,
      keep: "(1 - p1)*(1 - p2)",
      scale: "1/((1 - p1)*(1 - p2))",
    });
  });
  it("mixed numbers and symbols keep exact coefficients", () => {
    expect(dropoutChainSymbolic(["0.1", "p"]).q).toBe("0.1 + 0.9*p");
  });
  it("the expansion evaluates to 1 − Π(1 − pᵢ) (mathjs, random points)", async () => {
    const { evaluate } = await import("mathjs");
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
        (n, values) => {
          const names = Array.from({ length: n }, (_, i) => `p${i + 1}`);
          const scope = Object.fromEntries(names.map((x, i) => [x, values[i]]));
          const expected = 1 - values.slice(0, n).reduce((a, v) => a * (1 - v), 1);
          const r = dropoutChainSymbolic(names);
          expect(evaluate(r.q, scope)).toBeCloseTo(expected, 10);
          expect(evaluate(r.keep, scope)).toBeCloseTo(1 - expected, 10);
        },
      ),
      { numRuns: 50 },
    );
  });
});
