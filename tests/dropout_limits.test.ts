// dlq dropout on long chains: the symbolic expansion is bounded (2ⁿ terms for n symbols: the
// product form beyond MAX_EXPANDED_SYMBOLS), and 10,000 numeric layers are a product tree of exact
// rationals, not 10,000 gcds. Values are hand-derived; time is bounded from outside (a child
// process with a generous timeout), never measured.
import { evaluate } from "mathjs";
import { describe, expect, it } from "vitest";
import {
  MAX_EXPANDED_SYMBOLS,
  dropoutChain,
  dropoutChainSymbolic,
} from "../src/analysis/dropout.js";
import { dlq } from "./helpers.js";

const symbols = (n: number) => Array.from({ length: n }, (_, i) => `p${i + 1}`);

describe("dropout: symbolic chains are bounded", () => {
  it("20 symbols: the product form 1 − Π(1 − pᵢ), not 2^20 − 1 terms", () => {
    const r = dropoutChainSymbolic(symbols(20));
    expect(r.expanded).toBe(false);
    expect(r.q).toBe(
      `1 - ${symbols(20)
        .map((p) => `(1 - ${p})`)
        .join("*")}`,
    );
    // The product form is the same function: at pᵢ = 1/2 it is 1 − 2^-20.
    const scope = Object.fromEntries(symbols(20).map((p) => [p, 0.5]));
    expect(evaluate(r.q, scope)).toBe(1 - 2 ** -20);
  });

  it(`${MAX_EXPANDED_SYMBOLS} symbols are still expanded: 2^${MAX_EXPANDED_SYMBOLS} − 1 terms`, () => {
    const r = dropoutChainSymbolic(symbols(MAX_EXPANDED_SYMBOLS));
    expect(r.expanded).toBe(true);
    const terms = r.q.split(/ [+-] /).length;
    expect(terms).toBe(2 ** MAX_EXPANDED_SYMBOLS - 1);
  });

  it("numeric layers fold into one exact constant: 0.5 0.5 p p 0.25 0.125 p3", () => {
    // C = 0.5·0.5·0.75·0.875 = 0.1640625; q = 1 − C·(1 − p)²·(1 − p3), expanded by hand.
    expect(dropoutChainSymbolic(["0.5", "0.5", "p", "p", "0.25", "0.125", "p3"]).q).toBe(
      "0.8359375 + 0.328125*p + 0.1640625*p3 - 0.1640625*p*p - 0.328125*p*p3 + 0.1640625*p*p*p3",
    );
  });

  it("dlq dropout p1 … p20 answers at once, with a note on the form (was 39 s, 1.8 GB)", () => {
    const r = dlq(["dropout", ...symbols(20)], { timeoutMs: 20_000, heapMb: 256 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^q = 1 − \(1 − p1\)·\(1 − p2\)·/);
    expect(r.stdout).toMatch(/note: q is left as 1 − Π\(1 − pᵢ\)/);
    const j = JSON.parse(dlq(["dropout", ...symbols(20), "--json"], { timeoutMs: 20_000 }).stdout);
    expect(j).toMatchObject({ symbolic: true, expanded: false });
  });
});

describe("dropout: 10,000 numeric layers", () => {
  it("1074 halves keep exactly 2^-1074, the smallest subnormal double", () => {
    expect(dropoutChain(Array(1074).fill("0.5")).keep).toBe(2 ** -1074);
    expect(dropoutChain(Array(1075).fill("0.5")).keep).toBe(0);
  });

  it("10,000 × 0.0001 keep 0.9999^10000 = e^(10000·ln 0.9999)", () => {
    const r = dropoutChain(Array(10_000).fill("0.0001"));
    expect(r.keep).toBeCloseTo(Math.exp(10_000 * Math.log1p(-0.0001)), 14);
  });

  it("dlq dropout with 10,000 arguments, with and without a symbol (was > 60 s)", () => {
    const ps = Array.from(
      { length: 10_000 },
      (_, i) => `0.${String((i * 7919) % 999_999).padStart(6, "0")}`,
    );
    const r = dlq(["dropout", ...ps, "--json"], { timeoutMs: 20_000, heapMb: 512 });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).p).toHaveLength(10_000);
    const s = dlq(["dropout", ...ps, "p", "--json"], { timeoutMs: 20_000, heapMb: 512 });
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ symbolic: true, expanded: true });
  });
});

describe("dropout: a scale beyond float64 is never Infinity", () => {
  it("1100 halves: the scale 2^1100 = 1.35830e+331 is given exactly, not as Infinity", () => {
    const r = dropoutChain(Array(1100).fill("0.5"));
    expect(r).toMatchObject({ q: 1, keep: 0, scale: null, scaleBeyondFloat64: "1.3583e+331" });
    const text = dlq(["dropout", ...Array(1100).fill("0.5")]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(/Infinity|NaN/);
    expect(text.stdout).toMatch(/│ 1\.3583e\+331 \(beyond float64\) │/);
    const j = JSON.parse(dlq(["dropout", ...Array(1100).fill("0.5"), "--json"]).stdout);
    expect(j).toMatchObject({
      scale: null,
      note: "the scale 1/(1 - q) = 1.3583e+331 is beyond float64's range (about 1.8e308)",
    });
  });
});
