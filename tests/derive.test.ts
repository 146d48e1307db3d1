// dlq derive: symbolic derivatives (mathjs) with hand-derived values, the cross-check, and the
// hardening of mathjs (disabled functions, length cap).
import { describe, expect, it } from "vitest";
import { dlqInProcess as dlq } from "./helpers.js";
import { derive } from "../src/analysis/derive.js";

describe("derive", () => {
  it("sigmoid: σ'(x) = e^{−x}/(1 + e^{−x})², 0.25 at 0", async () => {
    const r = await derive("1/(1+exp(-x))", { at: [{ x: 0 }] });
    expect(r.derivative).toBe("exp(-x) / (exp(-x) + 1) ^ 2");
    expect(r.points[0]).toMatchObject({ symbolic: 0.25, autodiff: 0.25, agree: true });
    expect(r.points[0].numerical).toBeCloseTo(0.25, 9);
  });
  it("x^3 → 3 * x ^ 2", async () => {
    const r = await derive("x^3");
    expect(r.derivative).toBe("3 * x ^ 2");
    expect(r.points.map((p) => p.symbolic)).toEqual([0.75, 3, 12]);
    expect(r.agree).toBe(true);
  });
  it("several symbols need --wrt; others default to 1 unless given", async () => {
    await expect(derive("x*y")).rejects.toThrow(
      /several free symbols \(x, y\): choose one with --wrt/,
    );
    const r = await derive("x*y + sin(x)", { wrt: "x", at: [{ x: 0, y: 2 }] });
    expect(r.derivative).toBe("y + cos(x)");
    expect(r.points[0].symbolic).toBe(3);
  });
  it("a kink: |x| at 0 is undefined, not a disagreement", async () => {
    const r = await derive("abs(x)", { at: [{ x: 0 }, { x: -2 }] });
    expect(r.points[0].agree).toBeNull();
    expect(r.points[1]).toMatchObject({ symbolic: -1, autodiff: -1, agree: true });
    expect(r.agree).toBe(true);
  });
});

describe("derive CLI", () => {
  it("exit 0 and JSON", async () => {
    const r = await dlq("derive", "1/(1+exp(-x))", "--at", "x=0", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ schema_version: 1, wrt: "x", agree: true });
    expect(doc.points[0].symbolic).toBe(0.25);
  });
  const bad: [string[], RegExp][] = [
    [["import({}, {})"], /^dlq: <expr>:1:1: function import is disabled/],
    [['x + evaluate("1")'], /^dlq: <expr>:1:5: function evaluate is disabled/],
    [['createUnit("foo") + x'], /function createUnit is disabled/],
    [['parse("x")'], /function parse is disabled/],
    [["x + ("], /^dlq: <expr>:1:\d+: invalid syntax/],
    [["foo(x)"], /unknown or unsupported function 'foo'/],
    [["x".repeat(1001)], /expression too long \(1001 characters; at most 1000\)/],
    [["x*y"], /choose one with --wrt/],
    [["x^2", "--at", "x=abc"], /^dlq: --at x=abc: /],
  ];
  for (const [argv, re] of bad) {
    it(`exit 2: ${argv.join(" ").slice(0, 40)}`, async () => {
      const r = await dlq("derive", ...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
    });
  }
});
