// dlq derive: which points count as checked, points that must assign every symbol, --wrt of a
// symbol not in the expression, non-finite literals. Values hand-derived.
import { describe, expect, it } from "vitest";
import { dlqInProcess as dlq } from "./helpers.js";
import { derive } from "../src/analysis/derive.js";

describe("a point agrees only when function, symbolic, autodiff and numerical all exist", () => {
  it("log(x) at x = -1: 1/x = -1 exists but log(-1) and the difference do not → n/a", async () => {
    const r = await derive("log(x)", { at: [{ x: -1 }] });
    expect(r.points[0]).toMatchObject({ value: null, numerical: null, agree: null });
    expect(r.points[0].note).toMatch(/the function and the central difference are undefined/);
    expect(r.checked).toBe(0);
    expect(r.agree).toBe(false);
  });
  it("log(x) at -1 and 2: d/dx log x = 1/x = 0.5 at 2 agrees, -1 is n/a", async () => {
    const r = await dlq("derive", "log(x)", "--at", "x=-1", "--at", "x=2");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/x=-1 .*n\/a/);
    expect(r.out).toMatch(/x=2 .* 0\.5 .*agree/);
    expect(r.out).toContain("agree at 1 of 2 points");
  });
  it("log(x) at -1 alone: exit 1, nothing was checked", async () => {
    const r = await dlq("derive", "log(x)", "--at", "x=-1");
    expect(r.code).toBe(1);
    expect(r.out).not.toMatch(/│ agree/);
    expect(r.out).toContain("nothing was cross-checked");
  });
});

describe("points must assign every symbol", () => {
  it("--at x=2 --at y=3 is two incomplete points: exit 2, located", async () => {
    const r = await dlq("derive", "x*y", "--wrt", "x", "--at", "x=2", "--at", "y=3");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^dlq: --at x=2: y is not given: .*--at x=2,y=VALUE/);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });
  it("--at x=2,y=3: d/dx x·y = y = 3", async () => {
    const r = await derive("x*y", { wrt: "x", at: [{ x: 2, y: 3 }] });
    expect(r.points[0]).toMatchObject({ value: 6, symbolic: 3, autodiff: 3, agree: true });
  });
  it("without --at, the defaulted symbols are stated", async () => {
    const r = await derive("x*y", { wrt: "x" });
    expect(r.points.map((p) => p.at)).toEqual([
      { x: 0.5, y: 1 },
      { x: 1, y: 1 },
      { x: 2, y: 1 },
    ]);
    expect(r.notes.join("\n")).toMatch(/no --at given: checked at x = 0\.5, 1, 2 with y = 1/);
  });
});

describe("bad input: exit 2", () => {
  const bad: [string[], RegExp][] = [
    [
      ["x^2", "--wrt", "z"],
      /^dlq: --wrt z: z does not appear in the expression \(its symbols: x\)/,
    ],
    [["1e400*x"], /^dlq: <expr>:1:1: the number 1e400 is not finite/],
    [["2*x + 3e999"], /^dlq: <expr>:1:7: the number 3e999 is not finite/],
    [["2*Infinity*x"], /^dlq: <expr>:1:3: the number Infinity is not finite/],
  ];
  for (const [argv, re] of bad) {
    it(argv.join(" "), async () => {
      const r = await dlq("derive", ...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.out).not.toMatch(/Infinity/);
    });
  }
  it("1e300*x is fine: d/dx = 1e300", async () => {
    const r = await derive("1e300*x", { at: [{ x: 1 }] });
    expect(r.points[0].symbolic).toBe(1e300);
  });
});
