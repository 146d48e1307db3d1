// The seeded RNG (reference streams computed independently in Python), erf, and torch.nn.init's
// semantics: PyTorch's gain table and fans (fixture), variances stated in PyTorch's docs.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as T from "../src/tensor/index.js";
import { Generator, Tensor } from "../src/tensor/index.js";

const fx = JSON.parse(
  readFileSync(new URL("./fixtures/tensor_init.json", import.meta.url), "utf8"),
) as {
  calculate_gain: { nonlinearity: string; param: number | null; gain: number }[];
  fans: { shape: number[]; fan_in: number; fan_out: number }[];
  default_init: Record<
    string,
    { weight_shape: number[]; bound: number; torch_weight_absmax: number }
  >;
  erf: { x: number[]; erf: number[] };
  xoshiro128ss: { seed: string; outputs: number[] }[];
};

function absMax(t: Tensor): number {
  let m = 0;
  for (const x of t.data) m = Math.max(m, Math.abs(x));
  return m;
}

function moments(t: Tensor): { mean: number; variance: number } {
  let s = 0;
  for (const x of t.data) s += x;
  const mean = s / t.size;
  let q = 0;
  for (const x of t.data) q += (x - mean) * (x - mean);
  return { mean, variance: q / (t.size - 1) };
}

describe("Generator (xoshiro128** seeded by SplitMix64)", () => {
  it("matches the reference algorithm's stream", () => {
    for (const { seed, outputs } of fx.xoshiro128ss) {
      const g = new Generator(BigInt(seed));
      expect(outputs.map(() => g.nextUint32())).toEqual(outputs);
    }
  });
  it("is reproducible and clonable", () => {
    const a = new Generator(9);
    a.normal();
    const b = a.clone();
    expect([a.uniform(), a.normal(), a.normal()]).toEqual([b.uniform(), b.normal(), b.normal()]);
    expect(new Generator(9).uniform()).toBe(new Generator(9).uniform());
  });
  it("uniform, normal (Box–Muller), randint, bernoulli have the right moments", () => {
    const g = new Generator(123);
    const n = 200000;
    const u = T.rand([n], g);
    expect(moments(u).mean).toBeCloseTo(0.5, 2);
    expect(moments(u).variance).toBeCloseTo(1 / 12, 3);
    expect(u.data.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(0);
    expect(u.data.reduce((a, b) => Math.max(a, b))).toBeLessThan(1);
    const z = T.randn([n], g);
    expect(Math.abs(moments(z).mean)).toBeLessThan(0.01);
    expect(moments(z).variance).toBeCloseTo(1, 1);
    let fourth = 0;
    for (const x of z.data) fourth += x ** 4;
    expect(fourth / n).toBeCloseTo(3, 0); // kurtosis of a normal
    const r = T.randint(-3, 4, [n], g);
    const counts = new Map<number, number>();
    for (const x of r.data) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c / n - 1 / 7)).toBeLessThan(0.005);
    const bern = T.bernoulli(0.3, [n], g);
    expect(moments(bern).mean).toBeCloseTo(0.3, 2);
  });
  it("rejects bad seeds and ranges", () => {
    expect(() => new Generator(-1)).toThrow(/non-negative integer/);
    expect(() => new Generator(1.5)).toThrow(/non-negative integer/);
    expect(() => new Generator(0).randint(3, 3)).toThrow(/less than 'to'/);
  });
});

describe("erf", () => {
  it("agrees with Python's math.erf within 1.5e-15 relative", () => {
    fx.erf.x.forEach((x, i) => {
      const e = fx.erf.erf[i];
      expect(Math.abs(T.erfScalar(x) - e), `erf(${x})`).toBeLessThanOrEqual(
        1.5e-15 * Math.abs(e) + 1e-300,
      );
    });
  });
});

describe("torch.nn.init", () => {
  it("calculate_gain equals PyTorch's table", () => {
    for (const { nonlinearity, param, gain } of fx.calculate_gain) {
      expect(T.calculate_gain(nonlinearity, param)).toBe(gain);
    }
    expect(() => T.calculate_gain("swish")).toThrow("Unsupported nonlinearity swish");
  });
  it("_calculate_fan_in_and_fan_out equals PyTorch's", () => {
    for (const { shape, fan_in, fan_out } of fx.fans) {
      expect(T._calculate_fan_in_and_fan_out(T.zeros(shape))).toEqual({ fan_in, fan_out });
    }
    expect(() => T._calculate_fan_in_and_fan_out(T.zeros([3]))).toThrow(/fewer than 2 dimensions/);
  });

  const g = new Generator(77);
  const big = (shape: number[]): Tensor => T.zeros(shape);
  // [out, in, k, k] = [64, 32, 5, 5]: fan_in 800, fan_out 1600; 51,200 samples
  const shape = [64, 32, 5, 5];
  const fanIn = 800;
  const fanOut = 1600;
  const rel = (a: number, b: number): number => Math.abs(a - b) / b;

  it("xavier_uniform_: U(±gain·√(6/(fan_in+fan_out))), var = gain²·2/(fan_in+fan_out)", () => {
    const w = T.xavier_uniform_(big(shape), g, 2);
    const bound = 2 * Math.sqrt(6 / (fanIn + fanOut));
    expect(absMax(w)).toBeLessThanOrEqual(bound);
    expect(absMax(w)).toBeGreaterThan(0.999 * bound);
    expect(rel(moments(w).variance, (4 * 2) / (fanIn + fanOut))).toBeLessThan(0.03);
  });
  it("xavier_normal_: std = gain·√(2/(fan_in+fan_out))", () => {
    const w = T.xavier_normal_(big(shape), g);
    expect(rel(moments(w).variance, 2 / (fanIn + fanOut))).toBeLessThan(0.03);
  });
  it("kaiming_normal_: std = gain/√fan_mode for fan_in and fan_out", () => {
    const w = T.kaiming_normal_(big(shape), g, { nonlinearity: "relu" });
    expect(rel(moments(w).variance, 2 / fanIn)).toBeLessThan(0.03);
    const w2 = T.kaiming_normal_(big(shape), g, {
      mode: "fan_out",
      nonlinearity: "leaky_relu",
      a: 0.2,
    });
    expect(rel(moments(w2).variance, 2 / (1 + 0.04) / fanOut)).toBeLessThan(0.03);
  });
  it("kaiming_uniform_: bound = gain·√(3/fan_mode)", () => {
    const w = T.kaiming_uniform_(big(shape), g, { nonlinearity: "tanh" });
    const bound = (5 / 3) * Math.sqrt(3 / fanIn);
    expect(absMax(w)).toBeLessThanOrEqual(bound);
    expect(rel(moments(w).variance, (bound * bound) / 3)).toBeLessThan(0.03);
  });
  it("default init of Linear and Conv2d: U(±1/√fan_in) for weight and bias (PyTorch's own draws lie inside)", () => {
    for (const key of ["linear", "conv2d"]) {
      const d = fx.default_init[key];
      const w = T.zeros(d.weight_shape);
      const b = T.zeros([d.weight_shape[0]]);
      T.reset_parameters_(w, b, g);
      const wmax = absMax(w);
      expect(wmax).toBeLessThanOrEqual(d.bound);
      expect(d.torch_weight_absmax).toBeLessThanOrEqual(d.bound);
      expect(wmax).toBeGreaterThan(0.9 * d.bound);
      expect(absMax(b)).toBeLessThanOrEqual(d.bound);
      expect(rel(moments(w).variance, (d.bound * d.bound) / 3)).toBeLessThan(0.15);
    }
  });
  it("uniform_, normal_, zeros_, ones_, constant_", () => {
    expect(moments(T.uniform_(big([100000]), g, -2, 4)).mean).toBeCloseTo(1, 1);
    expect(moments(T.normal_(big([100000]), g, 3, 0.5)).variance).toBeCloseTo(0.25, 2);
    expect(new Set(T.ones_(big([3])).data)).toEqual(new Set([1]));
    expect(new Set(T.zeros_(T.ones([3])).data)).toEqual(new Set([0]));
    expect(new Set(T.constant_(big([3]), 0.3).data)).toEqual(new Set([0.3]));
  });
  it("orthogonal_: QᵀQ = I for tall, QQᵀ = I for wide, scaled by gain", () => {
    for (const [rows, cols, gain] of [
      [7, 4, 1],
      [4, 7, 1],
      [6, 6, 2],
    ]) {
      const w = T.orthogonal_(big([rows, cols]), g, gain);
      const gram = rows >= cols ? T.matmul(T.t(w), w) : T.matmul(w, T.t(w));
      const n = Math.min(rows, cols);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++)
          expect(gram.data[i * n + j]).toBeCloseTo(i === j ? gain * gain : 0, 12);
      }
    }
    // trailing dims are flattened: [4, 2, 3] is a 4×6 matrix
    const w = T.orthogonal_(big([4, 2, 3]), g);
    const m = T.reshape(w, [4, 6]);
    const gram = T.matmul(m, T.t(m));
    expect(gram.data[0]).toBeCloseTo(1, 12);
    expect(gram.data[1]).toBeCloseTo(0, 12);
  });
  it("orthogonal_'s sign correction makes R's diagonal positive (the unique QR)", () => {
    const a = Float64Array.from([2, -1, 1, 3, 0, 1, -1, 2, 4, 1, 1, 0], (x) => x);
    const { q, rdiag } = T.householderQR(a, 4, 3);
    // A = QR with R = QᵀA; after flipping Q's columns by sign(diag R), diag(QᵀA) > 0
    const Q = T.fromArray(q, [4, 3]);
    const R = T.matmul(T.t(Q), T.fromArray(a, [4, 3]));
    for (let j = 0; j < 3; j++) expect(R.data[j * 3 + j]).toBeCloseTo(rdiag[j], 12);
    const back = T.matmul(Q, R);
    back.data.forEach((x, i) => expect(x).toBeCloseTo(a[i], 12));
  });
});
