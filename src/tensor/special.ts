/**
 * Special functions in float64 for the ops that need them (GELU's exact form, `erf`).
 *
 * `erf` is computed by two classical expansions (Abramowitz & Stegun 7.1.6 and 7.1.14,
 * https://dlmf.nist.gov/7.6.E2 and https://dlmf.nist.gov/7.9.E2):
 * - |x| < 2.5: erf x = (2/√π)·e^{−x²}·Σₙ 2ⁿx^{2n+1}/(1·3·…·(2n+1)), a series of positive terms
 *   (no cancellation);
 * - |x| ≥ 2.5: erfc x = (e^{−x²}/√π)·1/(x + ½/(x + 1/(x + (3/2)/(x + …)))), the Laplace continued
 *   fraction, evaluated by the modified Lentz method.
 * e^{−x²} is evaluated as e^{−z²}·e^{−(x−z)(x+z)} with z = x rounded to float32, so that z² is
 * exact. Relative error is within a few ulp of the correctly rounded value (tested against
 * Python's `math.erf`).
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/** e^{−x²} without the rounding error of forming x². */
function expNegSquare(x: number): number {
  const z = Math.fround(x);
  return Math.exp(-z * z) * Math.exp(-(x - z) * (x + z));
}

/** erfc(x) for x ≥ 2.5 by the continued fraction. */
function erfcLarge(x: number): number {
  if (x > 27.3) return 0;
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    c = x + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-17) break;
  }
  return (expNegSquare(x) * ONE_OVER_SQRT_PI) / f;
}

/** erf(x) for 0 ≤ x < 2.5 by the series. */
function erfSeries(x: number): number {
  const x2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * expNegSquare(x) * sum;
}

/** The error function erf(x) = (2/√π)∫₀ˣ e^{−t²} dt. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 1e-10) return TWO_OVER_SQRT_PI * x;
  if (ax < 2.5) r = erfSeries(ax);
  else if (ax >= 6) r = 1;
  else r = 1 - erfcLarge(ax);
  return x < 0 ? -r : r;
}

/** The complementary error function erfc(x) = 1 − erf(x), accurate for large positive x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= 2.5) return erfcLarge(x);
  if (x <= -2.5) return 2 - erfcLarge(-x);
  return 1 - erf(x);
}
