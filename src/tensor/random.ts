/**
 * A seeded random generator and the random tensor factories.
 *
 * Algorithm: **xoshiro128\*\*** (Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators", 2018; https://prng.di.unimi.it/xoshiro128starstar.c): 128 bits of state, period
 * 2¹²⁸ − 1, 32-bit outputs, chosen because it needs only 32-bit integer arithmetic, which
 * JavaScript does exactly and fast (`Math.imul`, `>>>`).
 * Seeding: the seed (an integer 0 … 2⁶⁴ − 1) drives **SplitMix64** (Steele, Lea & Flood 2014;
 * https://prng.di.unimi.it/splitmix64.c), whose first two 64-bit outputs fill the state, as the
 * xoshiro authors recommend.
 * - `uniform()`: 53 random bits from two outputs, (a≫5·2²⁶ + b≫6)/2⁵³ ∈ [0, 1).
 * - `normal()`: the **Box–Muller transform** (basic trigonometric form; Box & Muller 1958):
 *   u₁ ∈ (0, 1], u₂ ∈ [0, 1), r = √(−2 ln u₁), z₀ = r cos 2πu₂, z₁ = r sin 2πu₂; z₁ is cached for
 *   the next call.
 * - `randint(low, high)`: unbiased, by rejection sampling.
 * - `bernoulli(p)`: uniform() < p.
 *
 * The streams are not PyTorch's (mt19937/Philox): seeded results are reproducible within dlq, not
 * equal to `torch.manual_seed` draws.
 */
import { TensorError } from "./errors.js";
import { checkShape, Shape, shapeSize } from "./shape.js";
import { Tensor } from "./tensor.js";

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64 step: returns [next state, output], both 64-bit. */
function splitmix64(state: bigint): [bigint, bigint] {
  const s = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [s, z ^ (z >> 31n)];
}

const TWO_PI = 2 * Math.PI;

export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare = 0;
  private hasSpare = false;

  /**
   * @param seed integer in [0, 2⁶⁴) (a number must be a safe integer).
   * @throws {TensorError} on a negative, fractional or too large seed.
   */
  constructor(seed: number | bigint = 0) {
    this.manualSeed(seed);
  }

  /** Re-seeds (PyTorch's `Generator.manual_seed`); returns `this`. */
  manualSeed(seed: number | bigint): this {
    if (typeof seed === "number" && !(Number.isSafeInteger(seed) && seed >= 0)) {
      throw new TensorError(`seed must be a non-negative integer, got ${seed}`);
    }
    const s = BigInt(seed);
    if (s < 0n || s > MASK64) throw new TensorError(`seed must be in [0, 2^64), got ${seed}`);
    const [st, a] = splitmix64(s);
    const [, b] = splitmix64(st);
    this.s0 = Number(a & 0xffffffffn) | 0;
    this.s1 = Number(a >> 32n) | 0;
    this.s2 = Number(b & 0xffffffffn) | 0;
    this.s3 = Number(b >> 32n) | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.hasSpare = false;
    return this;
  }

  /** An independent copy with the same state. */
  clone(): Generator {
    const g = new Generator(0);
    g.s0 = this.s0;
    g.s1 = this.s1;
    g.s2 = this.s2;
    g.s3 = this.s3;
    g.spare = this.spare;
    g.hasSpare = this.hasSpare;
    return g;
  }

  /** The next 32-bit output, as an unsigned integer in [0, 2³²). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return result >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits; with bounds, uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    const u = (a * 67108864 + b) / 9007199254740992;
    return low === 0 && high === 1 ? u : low + (high - low) * u;
  }

  /** Normal N(mean, std²) by Box–Muller (see the module comment). */
  normal(mean = 0, std = 1): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return mean + std * this.spare;
    }
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(TWO_PI * u2);
    this.hasSpare = true;
    return mean + std * r * Math.cos(TWO_PI * u2);
  }

  /**
   * Uniform integer in [low, high) (PyTorch's `randint` convention), unbiased (rejection).
   * @throws {TensorError} unless low < high, both safe integers, and high − low ≤ 2⁵³.
   */
  randint(low: number, high: number): number {
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high <= low) {
      throw new TensorError(
        `random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`,
      );
    }
    const n = high - low;
    if (n <= 0x100000000) {
      const limit = Math.floor(0x100000000 / n) * n;
      for (;;) {
        const x = this.nextUint32();
        if (x < limit) return low + (x % n);
      }
    }
    const limit = Math.floor(9007199254740992 / n) * n;
    for (;;) {
      const x = this.uniform() * 9007199254740992;
      if (x < limit) return low + (x % n);
    }
  }

  /**
   * 1 with probability p, else 0.
   * @throws {TensorError} unless 0 ≤ p ≤ 1.
   */
  bernoulli(p: number): number {
    if (!(p >= 0 && p <= 1))
      throw new TensorError(`bernoulli_ expects p to be in [0, 1], but got p=${p}`);
    return this.uniform() < p ? 1 : 0;
  }

  /** Fills `out` with U(low, high). */
  fillUniform(out: Float64Array, low = 0, high = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(low, high);
  }

  /** Fills `out` with N(mean, std²). */
  fillNormal(out: Float64Array, mean = 0, std = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
  }
}

/** Options of the random factories. */
export interface RandomOptions {
  requiresGrad?: boolean;
}

/** U[0, 1) samples of `shape` (PyTorch's `torch.rand`). */
export function rand(shape: Shape, generator: Generator, opts: RandomOptions = {}): Tensor {
  checkShape(shape, "rand");
  const d = new Float64Array(shapeSize(shape));
  generator.fillUniform(d);
  return new Tensor(d, shape, opts.requiresGrad ?? false);
}

/** N(0, 1) samples of `shape` (PyTorch's `torch.randn`). */
export function randn(shape: Shape, generator: Generator, opts: RandomOptions = {}): Tensor {
  checkShape(shape, "randn");
  const d = new Float64Array(shapeSize(shape));
  generator.fillNormal(d);
  return new Tensor(d, shape, opts.requiresGrad ?? false);
}

/** Integers uniform in [low, high) of `shape` (PyTorch's `torch.randint`), stored as float64. */
export function randint(low: number, high: number, shape: Shape, generator: Generator): Tensor {
  checkShape(shape, "randint");
  const d = new Float64Array(shapeSize(shape));
  for (let i = 0; i < d.length; i++) d[i] = generator.randint(low, high);
  return new Tensor(d, shape);
}

/** 0/1 samples with P(1) = p elementwise (p a number or a tensor of probabilities). */
export function bernoulli(p: number | Tensor, shape: Shape | null, generator: Generator): Tensor {
  if (p instanceof Tensor) {
    const d = new Float64Array(p.size);
    for (let i = 0; i < d.length; i++) d[i] = generator.bernoulli(p.data[i]);
    return new Tensor(d, p.shape);
  }
  const s = shape ?? [];
  checkShape(s, "bernoulli");
  const d = new Float64Array(shapeSize(s));
  for (let i = 0; i < d.length; i++) d[i] = generator.bernoulli(p);
  return new Tensor(d, s);
}
