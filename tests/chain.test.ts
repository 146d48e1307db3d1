// The scalar chain y = x·a^L: values derived by hand (powers of two are exact), float32's limits
// from IEEE 754 binary32 (smallest normal 2⁻¹²⁶, largest finite (2 − 2⁻²³)·2¹²⁷, epsilon 2⁻²³).
import { describe, expect, it } from "vitest";
import { MAX_CHAIN_DEPTH, scalarChain } from "../src/analysis/chain.js";

describe("scalarChain", () => {
  const [half, two] = scalarChain([0.5, 2], 10);

  it("gives ∂y/∂a₁ = x·a^(L−1) and ∂y/∂x = a^L per depth", () => {
    // 0.5 over 10 layers: ∂y/∂a₁ = 0.5⁹ = 2⁻⁹ = 0.001953125; ∂y/∂x = 2⁻¹⁰.
    expect(half.rows).toHaveLength(10);
    expect(half.rows[9].gradWeight.value).toBe(0.001953125);
    expect(half.rows[9].gradInput.value).toBe(0.0009765625);
    expect(two.rows[9].gradWeight.value).toBe(512);
    expect(two.rows[9].gradInput.value).toBe(1024);
    // depth 1: ∂y/∂a₁ = x, ∂y/∂x = a.
    expect(half.rows[0]).toMatchObject({
      depth: 1,
      gradWeight: { value: 1 },
      gradInput: { value: 0.5 },
    });
    expect(half.rows.map((r) => r.gradWeight.value)).toEqual(
      Array.from({ length: 10 }, (_, i) => 2 ** -i),
    );
    // log10 2⁻⁹ = −9·log10 2 = −2.70926996097583…
    expect(half.rows[9].gradWeight.log10).toBeCloseTo(-9 * 0.3010299956639812, 13);
    expect(two.rows[9].gradWeight.log10).toBeCloseTo(9 * 0.3010299956639812, 13);
  });

  it("scales by x and keeps signs", () => {
    const [neg] = scalarChain([-0.5], 3, 3);
    // x·a² = 3·0.25, a³ = −0.125
    expect(neg.rows[2].gradWeight.value).toBe(0.75);
    expect(neg.rows[2].gradInput.value).toBe(-0.125);
  });

  it("treats decimal factors as the decimals they print as", () => {
    // 0.9⁹ = 0.387420489 exactly (the float64 0.9 is slightly above 9/10).
    const [s] = scalarChain([0.9], 10);
    expect(s.rows[9].gradWeight.value).toBe(0.387420489);
    expect(s.rows[9].gradInput.value).toBe(0.3486784401);
  });

  it("finds the float32 threshold depths for 0.5 (derived by hand)", () => {
    // ∂y/∂a₁ = 2^−(d−1): < 2⁻²³ once d − 1 ≥ 24 (d = 25); < 2⁻¹²⁶ once d − 1 ≥ 127 (d = 128;
    // at d = 127 it equals the smallest normal); rounds to 0 once 2^−(d−1) ≤ 2⁻¹⁵⁰ (d = 151).
    expect(half.weightFloat32).toEqual({
      belowEpsilon: 25,
      underflow: 128,
      zero: 151,
      overflow: null,
      infinity: null,
    });
    // ∂y/∂x = 2^−d: one layer earlier.
    expect(half.inputFloat32).toEqual({
      belowEpsilon: 24,
      underflow: 127,
      zero: 150,
      overflow: null,
      infinity: null,
    });
  });

  it("finds the float32 overflow depth for 2 (derived by hand)", () => {
    // 2^(d−1) ≤ 2¹²⁷ < FLT_MAX < 2¹²⁸: exceeds it (and rounds to Infinity) at d − 1 = 128.
    expect(two.weightFloat32).toEqual({
      belowEpsilon: null,
      underflow: null,
      zero: null,
      overflow: 129,
      infinity: 129,
    });
    expect(two.inputFloat32.overflow).toBe(128);
  });

  it("finds threshold depths for a non-dyadic factor exactly", () => {
    // 0.9^(d−1) < 2⁻¹²⁶ ⇔ d − 1 > 126·ln 2/ln(10/9) = 828.95… ⇒ d = 830.
    const [s] = scalarChain([0.9], 1);
    expect(s.weightFloat32.underflow).toBe(830);
    // 0.9^(d−1) < 2⁻²³ ⇔ d − 1 > 23·ln 2/ln(10/9) = 151.3… ⇒ d = 153.
    expect(s.weightFloat32.belowEpsilon).toBe(153);
    // Beyond the exact range, the log-sum estimate: 0.99999^(d−1) < 2⁻¹²⁶ ⇔
    // d − 1 > 126·ln 2/−ln 0.99999 = 8 733 610.8… ⇒ d = 8 733 612.
    expect(scalarChain([0.99999], 1)[0].weightFloat32.underflow).toBe(8733612);
    // |a| = 1 never crosses; a = 0 vanishes from depth 2 (∂y/∂a₁) and 1 (∂y/∂x).
    const [one, zero] = scalarChain([1, 0], 3);
    expect(one.weightFloat32).toEqual({
      belowEpsilon: null,
      underflow: null,
      zero: null,
      overflow: null,
      infinity: null,
    });
    expect(zero.weightFloat32.underflow).toBe(2);
    expect(zero.inputFloat32.zero).toBe(1);
    expect(zero.rows[2].gradWeight).toEqual({ value: 0, log10: -Infinity });
  });

  it("reports values beyond float64 as exact decimal strings", () => {
    const [s] = scalarChain([0.5], 2001);
    // 2⁻²⁰⁰⁰ = 8.70980981621721667557…×10⁻⁶⁰³ (Python's decimal module), to 17 digits.
    expect(s.rows[2000].gradWeight.value).toBe("8.7098098162172167×10^-603");
    expect(s.rows[2000].gradWeight.log10).toBeCloseTo(-2000 * 0.3010299956639812, 9);
    // 2⁻¹⁰²² is float64's smallest normal: a number; 2⁻¹⁰²³ is subnormal: a string.
    expect(s.rows[1022].gradWeight.value).toBe(2 ** -1022);
    expect(s.rows[1023].gradWeight.value).toBe("1.1125369292536007×10^-308");
    const [big] = scalarChain([2], 1100);
    // 2¹⁰⁹⁹ = 6.79149264524692924638…×10³³⁰
    expect(big.rows[1099].gradWeight.value).toBe("6.7914926452469292×10^330");
    expect(big.rows[1023].gradWeight.value).toBe(2 ** 1023);
  });

  it("rejects bad arguments", () => {
    expect(() => scalarChain([0.5], 0)).toThrow(RangeError);
    expect(() => scalarChain([0.5], 2.5)).toThrow(RangeError);
    expect(() => scalarChain([0.5], MAX_CHAIN_DEPTH + 1)).toThrow(RangeError);
    expect(() => scalarChain([Infinity], 3)).toThrow(RangeError);
    expect(() => scalarChain([0.5], 3, NaN)).toThrow(RangeError);
  });
});

describe("values far outside float64", () => {
  it("come from log10 (not million-digit products), so huge factors at depth 5000 are quick", () => {
    const [s] = scalarChain([1e308], 5000);
    // (10^308)^5000 = 10^1540000, hand-derived.
    expect(s.rows[4999].gradInput.value).toBe("1.00000×10^1540000");
    expect(s.rows[4999].gradInput.log10).toBe(1540000);
  });
});
