/**
 * Chains of dropout layers. Each `nn.Dropout(p)` keeps an element with probability 1 − p,
 * independently; a chain keeps it with probability Π(1 − pᵢ), so the single equivalent layer has
 *
 *   q = 1 − Πᵢ (1 − pᵢ)          (for two layers: q = p₁ + p₂ − p₁·p₂)
 *
 * and, in training mode, PyTorch scales kept elements by 1/(1 − p) ("inverted dropout",
 * torch.nn.Dropout docs) so that every activation keeps its expected value.
 *
 * Decimal inputs are computed exactly (rational arithmetic on BigInt) and rounded once at the end,
 * so `0.1 0.2` gives q = 0.28, not 0.2799999999999999.
 */

/** An exact rational n/d with d > 0. */
interface Rational {
  n: bigint;
  d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function rat(n: bigint, d: bigint): Rational {
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

/** Parses a decimal literal (`0.1`, `.5`, `1e-3`, `2.5E+1`) exactly; undefined if it is not one. */
export function parseDecimal(text: string): Rational | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return undefined;
  const digits = BigInt((m[2] || "0") + (m[3] ?? ""));
  let exp = -(m[3] ?? "").length + Number(m[4] ?? 0);
  if (Math.abs(exp) > 400) return undefined;
  let n = m[1] === "-" ? -digits : digits;
  let d = 1n;
  if (exp >= 0) n *= 10n ** BigInt(exp);
  else d = 10n ** BigInt(-exp);
  exp = 0;
  return rat(n, d);
}

/** Number of bits of a non-negative BigInt. */
function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + parseInt(hex[0], 16).toString(2).length;
}

/**
 * The double nearest to n/d: the quotient is taken with 64 significant bits by BigInt division and
 * then scaled by a power of two, so tiny (1e-20) and huge values keep their precision.
 */
export function toNumber(r: Rational): number {
  if (r.n === 0n) return 0;
  const neg = r.n < 0n;
  const n = neg ? -r.n : r.n;
  const shift = 64 - (bitLength(n) - bitLength(r.d));
  const q = shift >= 0 ? (n << BigInt(shift)) / r.d : n / (r.d << BigInt(-shift));
  let x = Number(q);
  // x · 2^-shift, in steps that neither overflow nor underflow early.
  for (let k = shift; k !== 0;) {
    const step = Math.max(-1000, Math.min(1000, k));
    x *= 2 ** -step;
    k -= step;
  }
  return neg ? -x : x;
}

/** The result of {@link dropoutChain}. */
export interface DropoutChain {
  /** Drop probabilities of the layers, as given. */
  p: number[];
  /** Equivalent single drop probability q = 1 − Π(1 − pᵢ). */
  q: number;
  /** Keep probability 1 − q = Π(1 − pᵢ). */
  keep: number;
  /** Keep probability of each layer, 1 − pᵢ (exact before rounding). */
  keeps: number[];
  /** Inverted-dropout scale of each layer, 1/(1 − pᵢ); null where pᵢ = 1 (undefined: nothing is kept). */
  scales: (number | null)[];
  /**
   * Scale of the equivalent layer, 1/(1 − q) = Π 1/(1 − pᵢ); null when q = 1, and when it is
   * beyond float64's range (then {@link DropoutChain.scaleBeyondFloat64} gives it).
   */
  scale: number | null;
  /** The scale in scientific notation (`1.3583e+331`) when it exceeds float64's range, else null. */
  scaleBeyondFloat64: string | null;
}

/**
 * The product of rationals, unreduced: a balanced product tree, so that 10,000 factors cost a few
 * big multiplications (V8 multiplies large BigInts in sub-quadratic time) rather than 10,000
 * multiplications and gcds of an ever longer number. {@link toNumber} needs no reduced form.
 */
function product(rs: readonly Rational[]): Rational {
  if (rs.length === 0) return { n: 1n, d: 1n };
  let level = rs.slice();
  while (level.length > 1) {
    const next: Rational[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push({ n: level[i].n * level[i + 1].n, d: level[i].d * level[i + 1].d });
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

/**
 * The single dropout probability equivalent to a chain.
 * @param ps decimal strings, each a probability in [0, 1] (validated by the caller).
 */
export function dropoutChain(ps: readonly string[]): DropoutChain {
  const rs = ps.map((p) => {
    const r = parseDecimal(p);
    if (!r) throw new RangeError(`not a decimal number: ${p}`);
    // PyTorch receives p as a float64: a decimal that rounds to 0 or 1 is exactly 0 or 1 there.
    const x = toNumber(r);
    return x === 1 || x === 0 ? { n: BigInt(x), d: 1n } : r;
  });
  const one = (r: Rational): Rational => ({ n: r.d - r.n, d: r.d });
  const keep = product(rs.map(one));
  const inv = (r: Rational): number | null => (r.n === 0n ? null : toNumber({ n: r.d, d: r.n }));
  const scale = inv(keep);
  return {
    p: rs.map(toNumber),
    keeps: rs.map((r) => toNumber(one(r))),
    q: toNumber(one(keep)),
    keep: toNumber(keep),
    scales: rs.map((r) => inv(one(r))),
    // Never Infinity: 1100 halvings keep 2^-1100, whose scale 2^1100 no double holds.
    scale: scale === Infinity ? null : scale,
    scaleBeyondFloat64: scale === Infinity ? scientific({ n: keep.d, d: keep.n }, 5) : null,
  };
}

/** A positive rational beyond float64's range as `m.mmmme+E` with `digits` significant digits. */
export function scientific(r: Rational, digits: number): string {
  // 10^e ≤ n/d < 10^(e+1): e from the digit counts, then corrected by one at most.
  let e = r.n.toString().length - r.d.toString().length;
  const at = (k: number): boolean =>
    k >= 0 ? r.n >= r.d * 10n ** BigInt(k) : r.n * 10n ** BigInt(-k) >= r.d;
  if (!at(e)) e--;
  // The leading `digits` digits, rounded half up.
  const shift = digits - 1 - e;
  const scaled =
    shift >= 0
      ? (r.n * 10n ** BigInt(shift) * 2n + r.d) / (2n * r.d)
      : (r.n * 2n + r.d * 10n ** BigInt(-shift)) / (2n * r.d * 10n ** BigInt(-shift));
  let m = scaled.toString();
  if (m.length > digits) {
    m = m.slice(0, digits);
    e++;
  }
  const mant = m.length > 1 ? `${m[0]}.${m.slice(1)}`.replace(/\.?0+$/, "") : m;
  return `${mant}e+${e}`;
}

/** Whether a string is a decimal number in [0, 1] (a valid `nn.Dropout` p). */
export function isProbability(text: string): boolean {
  const r = parseDecimal(text);
  return r !== undefined && r.n >= 0n && r.n <= r.d;
}

/** Renders an exact rational as a short decimal when it has one, else as `n/d`. */
export function formatRational(r: Rational): string {
  // d = 2^twos · 5^fives · rest, in a few big operations (d may have 100,000 digits).
  const twos = bitLength(r.d & -r.d) - 1;
  let d = r.d >> BigInt(twos);
  let fives = 0;
  if (d > 1n) {
    const k = Math.round((bitLength(d) - 1) / Math.log2(5));
    for (const j of [k - 1, k, k + 1]) {
      if (j > 0 && 5n ** BigInt(j) === d) {
        fives = j;
        d = 1n;
      }
    }
    for (; d % 5n === 0n && fives < 64; fives++) d /= 5n;
  }
  if (d !== 1n) {
    const g = rat(r.n, r.d);
    return `${g.n}/${g.d}`;
  }
  const places = Math.max(twos, fives);
  const scaled = (r.n * 10n ** BigInt(places)) / r.d;
  const neg = scaled < 0n;
  const digits = (neg ? -scaled : scaled).toString().padStart(places + 1, "0");
  const int = digits.slice(0, digits.length - places);
  // An unreduced n/d (a product of decimals) has trailing zeros: 0.50 is 0.5.
  const frac = places > 0 ? "." + digits.slice(digits.length - places) : "";
  return `${neg ? "-" : ""}${int}${frac.replace(/\.?0+$/, "")}`;
}

/** Symbolic result of {@link dropoutChainSymbolic}: expressions in mathjs/Python syntax. */
export interface DropoutChainSymbolic {
  p: string[];
  /**
   * q expanded by inclusion–exclusion, e.g. `p1 + p2 - p1*p2`; with more than
   * {@link MAX_EXPANDED_SYMBOLS} symbolic layers, the product form `1 - (1 - p1)*(1 - p2)*…`.
   */
  q: string;
  /** Whether `q` is the expansion (false: the product form). */
  expanded: boolean;
  /** Π(1 − pᵢ), e.g. `(1 - p1)*(1 - p2)`. */
  keep: string;
  /** 1/Π(1 − pᵢ); null when a pᵢ is 1 (nothing is kept). */
  scale: string | null;
}

/**
 * The most symbolic layers whose q is expanded: the expansion of n distinct symbols has 2ⁿ − 1
 * terms (1,023 for 10); beyond, q is given as the product 1 − Π(1 − pᵢ).
 */
export const MAX_EXPANDED_SYMBOLS = 10;

/**
 * The chain with symbols: q = 1 − Π(1 − pᵢ) expanded into a multilinear polynomial with exact
 * coefficients (inclusion–exclusion: e₁ − e₂ + e₃ − …, eₖ the elementary symmetric polynomials)
 * when at most {@link MAX_EXPANDED_SYMBOLS} entries are symbols, else in product form. Entries
 * are decimal strings or identifiers; symbols that repeat are treated as distinct factors of the
 * same value only once per position (p·p stays p·p). The numeric layers multiply into one exact
 * constant C = Π(1 − pⱼ), so that q = 1 − C·Π(1 − symbolᵢ): the work is 2^(symbols) terms,
 * whatever the number of numeric layers.
 */
export function dropoutChainSymbolic(ps: readonly string[]): DropoutChainSymbolic {
  const numeric = ps.map((p) => parseDecimal(p));
  const factor = (p: string, r: Rational | undefined): string =>
    r ? formatRational(rat(r.d - r.n, r.d)) : `(1 - ${p})`;
  const keep = ps.map((p, i) => factor(p, numeric[i])).join("*");
  // A numeric p = 1 keeps nothing: the scale 1/(1 − q) is undefined.
  const dropsAll = numeric.some((r) => r !== undefined && r.n === r.d);
  const scale = dropsAll ? null : ps.length > 1 ? `1/(${keep})` : `1/${keep}`;
  const symbols = ps.filter((_, i) => !numeric[i]);
  if (symbols.length > MAX_EXPANDED_SYMBOLS) {
    return { p: [...ps], q: `1 - ${keep}`, expanded: false, keep, scale };
  }
  // C = Π over the numeric layers of (1 − pⱼ), unreduced.
  const c = product(
    numeric.filter((r): r is Rational => r !== undefined).map((r) => ({ n: r.d - r.n, d: r.d })),
  );
  // Π over the symbolic layers of (1 − pᵢ), expanded with integer coefficients.
  let terms = new Map<string, { k: bigint; symbols: string[] }>([["", { k: 1n, symbols: [] }]]);
  for (const p of symbols) {
    const next = new Map<string, { k: bigint; symbols: string[] }>();
    const add = (syms: string[], k: bigint): void => {
      const key = syms.join("\u0000");
      const t = next.get(key);
      if (t) t.k += k;
      else next.set(key, { k, symbols: syms });
    };
    for (const t of terms.values()) {
      add(t.symbols, t.k); // t · 1
      add([...t.symbols, p], -t.k); // t · (−p)
    }
    terms = next;
  }
  // q = 1 − C·Π(1 − pᵢ): the constant term 1 − C, then −k·C for each other term.
  const q: { coef: Rational; symbols: string[] }[] = [];
  for (const t of terms.values()) {
    const coef: Rational =
      t.symbols.length === 0 ? { n: c.d - t.k * c.n, d: c.d } : { n: -t.k * c.n, d: c.d };
    if (coef.n !== 0n) q.push({ coef, symbols: t.symbols });
  }
  // Terms by degree, then in the order their symbols were given: p1 + p2 − p1·p2.
  const first = new Map<string, number>();
  ps.forEach((p, i) => first.has(p) || first.set(p, i));
  const pos = (t: { symbols: string[] }): number[] => t.symbols.map((x) => first.get(x)!);
  const lex = (a: number[], b: number[]): number => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  };
  const ordered = q.sort((a, b) => a.symbols.length - b.symbols.length || lex(pos(a), pos(b)));
  let text = "";
  for (const t of ordered) {
    const neg = t.coef.n < 0n;
    const mag = formatRational({ n: neg ? -t.coef.n : t.coef.n, d: t.coef.d });
    const body =
      t.symbols.length === 0 ? mag : (mag === "1" ? "" : `${mag}*`) + t.symbols.join("*");
    text += text === "" ? (neg ? `-${body}` : body) : neg ? ` - ${body}` : ` + ${body}`;
  }
  return { p: [...ps], q: text || "0", expanded: true, keep, scale };
}
