/**
 * The course's scalar example of vanishing and exploding gradients: a chain of L one-weight
 * "layers", y = x·a₁·a₂·…·a_L, every factor equal to a. Then
 *
 *   ∂y/∂x  = Π_{i=1..L} aᵢ = a^L                 (the gradient reaching the network's input)
 *   ∂y/∂a₁ = x·Π_{i=2..L} aᵢ = x·a^(L−1)         (the gradient of the first layer's weight)
 *
 * so a = 0.5 over 10 layers gives ∂y/∂a₁ = 2⁻⁹ = 0.001953125, and a = 2 gives 512.
 *
 * Values are exact: a and x are taken as the decimal numbers they print as (`String(a)`, so 0.9
 * means 9/10, not the float64 nearest to it), x·a^(L−1) is computed as a BigInt fraction n/10ᵏ and
 * rounded once — to the nearest float64 when the result is a normal float64, otherwise to a
 * 17-significant-digit decimal string `m×10^e`. log₁₀|·| is the log-sum log₁₀|x| + (L−1)·log₁₀|a|
 * (no under/overflow). The float32 thresholds are found by exact comparison with float32's limits
 * (IEEE 754 binary32): smallest normal 2⁻¹²⁶ ≈ 1.18e−38, largest finite (2 − 2⁻²³)·2¹²⁷ ≈ 3.40e38,
 * machine epsilon 2⁻²³ ≈ 1.19e−7.
 */

/** A gradient value: exact, rounded once. */
export interface ChainValue {
  /**
   * The value as a float64 when it rounds to a finite normal float64 (|v| ≥ 2⁻¹⁰²², or 0);
   * otherwise a decimal string `m×10^e` (17 significant digits, correctly rounded), e.g.
   * `"1.0715086071862673×10^301"` is a number but 2⁻²⁰⁰⁰ is `"8.7098098162172166×10^-603"`.
   */
  value: number | string;
  /** log₁₀|value| by log-sum (−Infinity for 0). */
  log10: number;
}

/** One network depth d of the chain. */
export interface ChainRow {
  /** Number of layers d (1-based). */
  depth: number;
  /** ∂y/∂a₁ = x·a^(d−1): the first layer's weight gradient. */
  gradWeight: ChainValue;
  /** ∂y/∂x = a^d: the gradient with respect to the first layer's input. */
  gradInput: ChainValue;
}

/**
 * The first network depth at which a gradient crosses a float32 limit, or null if it never does
 * (|a| on the wrong side of 1). Depths beyond the requested one are reported too.
 */
export interface Float32Depths {
  /** First d with |g| < 2⁻²³ (float32 machine epsilon; 1 + g then rounds to 1 once |g| ≤ 2⁻²⁴). */
  belowEpsilon: number | null;
  /** First d with |g| < 2⁻¹²⁶ (float32's smallest normal): g is subnormal or zero in float32. */
  underflow: number | null;
  /** First d with |g| ≤ 2⁻¹⁵⁰: g rounds to 0 in float32 (round to nearest, ties to even). */
  zero: number | null;
  /** First d with |g| > (2 − 2⁻²³)·2¹²⁷ ≈ 3.40e38 (float32's largest finite value). */
  overflow: number | null;
  /** First d with |g| ≥ 2¹²⁸ − 2¹⁰³: g rounds to ±Infinity in float32. */
  infinity: number | null;
}

/** The chain for one factor a. */
export interface ChainSeries {
  factor: number;
  x: number;
  /** Rows for depths 1..depth. */
  rows: ChainRow[];
  /** Thresholds for ∂y/∂a₁ = x·a^(d−1). */
  weightFloat32: Float32Depths;
  /** Thresholds for ∂y/∂x = a^d. */
  inputFloat32: Float32Depths;
}

/** The largest depth {@link scalarChain} tabulates (exact BigInt rows cost O(depth²) bits). */
export const MAX_CHAIN_DEPTH = 5000;
/** Threshold depths up to this are checked exactly; beyond it they are the log-sum estimate. */
export const EXACT_THRESHOLD_DEPTH = 100000;

/** An exact decimal n/d in lowest terms, d = 2ⁱ·5ʲ > 0 (sign in n). */
interface Dec {
  n: bigint;
  d: bigint;
}

/** A dyadic m·2ᵉ, m > 0 (float32's limits). */
interface Dyadic {
  m: bigint;
  e: number;
}

/** The decimal a number prints as (`String(v)`), exactly, in lowest terms. */
function decimalOf(v: number): Dec {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(v));
  if (!m) throw new RangeError(`not a finite number: ${v}`);
  const frac = m[3] ?? "";
  let n = BigInt(m[2] + frac);
  let d = 10n ** BigInt(frac.length);
  const exp = Number(m[4] ?? 0);
  if (exp >= 0) n *= 10n ** BigInt(exp);
  else d *= 10n ** BigInt(-exp);
  let [a, b] = [n, d];
  while (b !== 0n) [a, b] = [b, a % b];
  if (a > 1n) {
    n /= a;
    d /= a;
  }
  return { n: m[1] === "-" ? -n : n, d };
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

const abs = (n: bigint) => (n < 0n ? -n : n);

/** sign(|v| − T) for an exact decimal v and a dyadic T. */
function cmp(v: Dec, T: Dyadic): number {
  let A = abs(v.n);
  let B = v.d * T.m;
  if (T.e >= 0) B <<= BigInt(T.e);
  else A <<= BigInt(-T.e);
  return A < B ? -1 : A > B ? 1 : 0;
}

/** The nearest float64 to v, or undefined unless it is finite and normal (or 0). */
function toFloat64(v: Dec): number | undefined {
  if (v.n === 0n) return 0;
  const N = abs(v.n);
  // Q = ⌊N·2^s/d⌋ with 64 or 65 bits, its last bit made sticky so Number() rounds correctly.
  const s = 64 - (bitLength(N) - bitLength(v.d));
  const num = s >= 0 ? N << BigInt(s) : N;
  const den = s >= 0 ? v.d : v.d << BigInt(-s);
  let Q = num / den;
  if (num % den !== 0n) Q |= 1n;
  if (bitLength(Q) - 1 - s < -1022) return undefined; // below float64's smallest normal
  let r = Number(Q);
  let e = -s;
  while (e > 0) {
    const k = Math.min(e, 1000);
    r *= 2 ** k;
    e -= k;
  }
  while (e < 0) {
    const k = Math.min(-e, 1000);
    r *= 2 ** -k;
    e += k;
  }
  if (!Number.isFinite(r)) return undefined;
  return v.n < 0n ? -r : r;
}

/**
 * v as `d.ddd×10^e` with `digits` significant digits, correctly rounded (half to even), from the
 * leading digits of |n|/d alone (`log10` only seeds the exponent search).
 */
function toDecimal(v: Dec, log10: number, digits = 17): string {
  if (v.n === 0n) return "0";
  const N = abs(v.n);
  const lo = 10n ** BigInt(digits - 1);
  let e10 = Math.floor(log10);
  for (;;) {
    const k = digits - 1 - e10; // q ≈ |v|·10^k has `digits` digits
    const num = k >= 0 ? N * 10n ** BigInt(k) : N;
    const den = k >= 0 ? v.d : v.d * 10n ** BigInt(-k);
    let q = num / den;
    const r2 = (num % den) * 2n;
    if (r2 > den || (r2 === den && (q & 1n) === 1n)) q += 1n;
    if (q < lo) e10--;
    else if (q >= lo * 10n)
      e10++; // estimate low, or rounding carried to 10^digits
    else {
      const t = q.toString().replace(/0+$/, "");
      const mant = t.length > 1 ? `${t[0]}.${t.slice(1)}` : t;
      return `${v.n < 0n ? "-" : ""}${mant}×10^${e10}`;
    }
  }
}

/** Beyond this many decades from 1, chain rows are computed from log10 (see scalarChain). */
const EXACT_DECADES = 2000;

/** A value known by its log10 (far outside float64): `m×10^e` with 6 significant digits. */
function fromLog10(log10: number, sign: number): ChainValue {
  if (log10 === -Infinity) return { value: 0, log10 };
  const e = Math.floor(log10);
  const m = 10 ** (log10 - e);
  return { value: `${sign < 0 ? "-" : ""}${m.toPrecision(6)}×10^${e}`, log10 };
}

function chainValue(v: Dec, log10: number): ChainValue {
  return { value: toFloat64(v) ?? toDecimal(v, log10), log10 };
}

// float32's limits as dyadics m·2^e.
const F32: Record<"eps" | "minNormal" | "zero" | "max" | "inf", Dyadic> = {
  eps: { m: 1n, e: -23 },
  minNormal: { m: 1n, e: -126 },
  zero: { m: 1n, e: -150 },
  max: { m: (1n << 24n) - 1n, e: 104 },
  inf: { m: (1n << 25n) - 1n, e: 103 },
};

/** c·a^j exactly. */
function power(c: Dec, a: Dec, j: number): Dec {
  return { n: c.n * a.n ** BigInt(j), d: c.d * a.d ** BigInt(j) };
}

/**
 * The first n ≥ 1 at which |c·a^(n−1)| passes a threshold T: `test` compares the exact value with
 * T, `small` tells whether values below T pass (else values above). |a|ⁿ is monotone, so the
 * crossing is found from the log estimate, then checked exactly on both sides.
 */
function firstDepth(
  c: Dec,
  a: Dec,
  T: Dyadic,
  test: (v: Dec, T: Dyadic) => boolean,
  small: boolean,
): number | null {
  const holds = (n: number) => test(power(c, a, n - 1), T);
  if (holds(1)) return 1;
  if (c.n === 0n || a.n === 0n) return holds(2) ? 2 : null;
  const log2 = (v: Dec) => Math.log2(Math.abs(Number(v.n) / Number(v.d)));
  const log2a = Math.log2(abs(a.n) === a.d ? 1 : Math.abs(Number(a.n) / Number(a.d)));
  if (small ? log2a >= 0 : log2a <= 0) return null; // |a| = 1, or moving away from T
  const t = (Math.log2(Number(T.m)) + T.e - log2(c)) / log2a;
  let n = 1 + Math.max(1, Math.ceil(t));
  if (n - 1 > EXACT_THRESHOLD_DEPTH) return n; // beyond the exact range: the log estimate
  while (n > 2 && holds(n - 1)) n--;
  while (!holds(n)) n++;
  return n;
}

const below = (v: Dec, T: Dyadic) => cmp(v, T) < 0;
const atMost = (v: Dec, T: Dyadic) => cmp(v, T) <= 0;
const above = (v: Dec, T: Dyadic) => v.n !== 0n && cmp(v, T) > 0;
const atLeast = (v: Dec, T: Dyadic) => v.n !== 0n && cmp(v, T) >= 0;

function thresholds(c: Dec, a: Dec): Float32Depths {
  return {
    belowEpsilon: firstDepth(c, a, F32.eps, below, true),
    underflow: firstDepth(c, a, F32.minNormal, below, true),
    zero: firstDepth(c, a, F32.zero, atMost, true),
    overflow: firstDepth(c, a, F32.max, above, false),
    infinity: firstDepth(c, a, F32.inf, atLeast, false),
  };
}

/**
 * The scalar chain y = x·a^L for each factor a, at depths 1..depth: ∂y/∂a₁ = x·a^(d−1) and
 * ∂y/∂x = a^d, exact (see the module doc), with the depths at which they cross float32's limits
 * (for |a| < 1 the lower limits, for |a| > 1 the upper ones; |a| = 1 never crosses).
 * @param factors the per-layer factor a of each series (each series has all factors equal).
 * @param depth the largest depth, an integer in 1..{@link MAX_CHAIN_DEPTH}.
 * @param x the network's input (default 1).
 * @throws RangeError for a non-finite factor or x, or a bad depth.
 */
export function scalarChain(factors: number[], depth: number, x = 1): ChainSeries[] {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_CHAIN_DEPTH) {
    throw new RangeError(`depth must be an integer in 1..${MAX_CHAIN_DEPTH}, got ${depth}`);
  }
  if (!Number.isFinite(x)) throw new RangeError(`x must be finite, got ${x}`);
  for (const a of factors) {
    if (!Number.isFinite(a)) throw new RangeError(`factor must be finite, got ${a}`);
  }
  const dx = decimalOf(x);
  const log10x = Math.log10(Math.abs(x));
  return factors.map((factor) => {
    const da = decimalOf(factor);
    const log10a = Math.log10(Math.abs(factor));
    const rows: ChainRow[] = [];
    // Running exact products: W = x·a^(d−1), I = a^d.
    let W = dx;
    let I = da;
    // Exact products while the values stay within EXACT_DECADES of 1; beyond, far outside float64's
    // range, the rows come from log10 alone (products with millions of digits would take minutes).
    let exact = true;
    for (let d = 1; d <= depth; d++) {
      const logW = W.n === 0n ? -Infinity : log10x + (d === 1 ? 0 : (d - 1) * log10a);
      const logI = da.n === 0n ? -Infinity : d * log10a;
      if (exact && Math.max(Math.abs(logW), Math.abs(logI)) > EXACT_DECADES) exact = false;
      if (exact) {
        if (d > 1) {
          W = { n: W.n * da.n, d: W.d * da.d };
          I = { n: I.n * da.n, d: I.d * da.d };
        }
        rows.push({ depth: d, gradWeight: chainValue(W, logW), gradInput: chainValue(I, logI) });
      } else {
        const sign = (k: number): number => (factor < 0 && k % 2 === 1 ? -1 : 1);
        rows.push({
          depth: d,
          gradWeight: fromLog10(logW, sign(d - 1) * Math.sign(x)),
          gradInput: fromLog10(logI, sign(d)),
        });
      }
    }
    return {
      factor,
      x,
      rows,
      weightFloat32: thresholds(dx, da),
      inputFloat32: thresholds(da, da),
    };
  });
}
