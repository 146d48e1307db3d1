// Mean-field signal propagation: quadrature exactness (Gaussian moments, Legendre moments), the
// activations against PyTorch, expectations against mpmath at 30 digits, closed forms from the
// papers (relu: He et al. 2015; tanh's order-to-chaos boundary: Poole et al. 2016), and agreement
// with Monte-Carlo MLPs simulated in PyTorch (scripts/fixtures/gen_meanfield.py).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  activation,
  activationMeanSquare,
  chiMap,
  derivativeMeanSquare,
  expectNormal,
  fixedPoint,
  gaussHermite,
  gaussLegendre,
  initVariances,
  lengthMap,
  linearShapes,
  meanFieldMlp,
  type ActivationSpec,
  type MeanFieldLayer,
} from "../src/analysis/meanfield.js";

interface ActCase {
  name: string;
  fn: string;
  args: Record<string, number | string>;
  x: number[];
  phi: number[];
  dphi: number[];
}
interface ExpCase {
  name: string;
  fn: string;
  args: Record<string, number | string>;
  q: number;
  phi2: number;
  dphi2: number;
  phi1?: number;
  err: number;
}
interface SimCase {
  name?: string;
  act: "sigmoid" | "tanh" | "relu";
  widths: number[];
  init: "default" | { sigmaW2: number; sigmaB2: number };
  batch: number;
  seeds: number;
  input_q: number;
  q: number[];
  q_se: number[];
  log10_grad_ratio_to_last: number[];
}

const fx = JSON.parse(
  readFileSync(new URL("./fixtures/meanfield.json", import.meta.url), "utf8"),
) as { activations: ActCase[]; expectations: ExpCase[]; simulations: SimCase[] };

const spec = (c: { fn: string; args: Record<string, number | string> }) =>
  ({ fn: c.fn, ...c.args }) as ActivationSpec;

/** (k − 1)!! for even k: E[z^k], z ~ N(0, 1); 0 for odd k. */
function gaussMoment(k: number): number {
  if (k % 2 === 1) return 0;
  let r = 1;
  for (let j = k - 1; j > 1; j -= 2) r *= j;
  return r;
}

describe("Gauss–Hermite (probabilists')", () => {
  it("integrates polynomials of degree ≤ 2n − 1 exactly against N(0, 1)", () => {
    for (const n of [1, 2, 3, 4, 5, 8, 13, 20]) {
      const { nodes, weights } = gaussHermite(n);
      expect(nodes).toHaveLength(n);
      for (let k = 0; k <= 2 * n - 1; k++) {
        const got = nodes.reduce((s, z, i) => s + weights[i] * z ** k, 0);
        const scale = nodes.reduce((s, z, i) => s + weights[i] * Math.abs(z) ** k, 0);
        expect(Math.abs(got - gaussMoment(k))).toBeLessThanOrEqual(1e-13 * scale);
      }
      // …and not degree 2n: E[z^{2n}] is missed (the rule's degree is exactly 2n − 1).
      const over = nodes.reduce((s, z, i) => s + weights[i] * z ** (2 * n), 0);
      expect(Math.abs(over - gaussMoment(2 * n))).toBeGreaterThan(1e-6 * gaussMoment(2 * n));
    }
  });

  it("has E[1] = 1, E[z²] = 1, E[z⁴] = 3 and symmetric nodes at 64, 100 and 101 points", () => {
    for (const n of [64, 100, 101]) {
      const { nodes, weights } = gaussHermite(n);
      const E = (f: (z: number) => number) => nodes.reduce((s, z, i) => s + weights[i] * f(z), 0);
      expect(E(() => 1)).toBeCloseTo(1, 14);
      expect(E((z) => z * z)).toBeCloseTo(1, 13);
      expect(E((z) => z ** 4)).toBeCloseTo(3, 12);
      expect(E((z) => z ** 10)).toBeCloseTo(945, 9);
      for (let i = 0; i < n; i++) expect(nodes[i] + nodes[n - 1 - i]).toBe(0);
      expect(weights.every((w) => w > 0)).toBe(true);
      // The largest node of the 100-point rule: √2 × 13.4064873381449 (physicists' table).
      if (n === 100) expect(nodes[99]).toBeCloseTo(Math.SQRT2 * 13.4064873381449, 10);
    }
  });
});

describe("Gauss–Legendre", () => {
  it("integrates x^k on [−1, 1] exactly for k ≤ 2n − 1", () => {
    for (const n of [1, 2, 5, 16, 40]) {
      const { nodes, weights } = gaussLegendre(n);
      for (let k = 0; k <= 2 * n - 1; k++) {
        const got = nodes.reduce((s, x, i) => s + weights[i] * x ** k, 0);
        expect(got).toBeCloseTo(k % 2 ? 0 : 2 / (k + 1), 13);
      }
    }
  });
});

describe("activations against PyTorch", () => {
  it.each(fx.activations.map((c) => [c.name, c] as const))("%s: φ and φ′", (_n, c) => {
    const a = activation(spec(c));
    c.x.forEach((x, i) => {
      expect(Math.abs(a.phi(x) - c.phi[i])).toBeLessThanOrEqual(
        1e-14 * Math.max(1, Math.abs(c.phi[i])),
      );
      expect(Math.abs(a.dphi(x) - c.dphi[i])).toBeLessThanOrEqual(
        1e-14 * Math.max(1, Math.abs(c.dphi[i])),
      );
    });
  });
  it("rejects unknown names and bad arguments", () => {
    expect(() => activation("swish" as ActivationSpec)).toThrow(/unknown activation/);
    expect(() => activation({ fn: "gelu", approximate: "erf" as "tanh" })).toThrow(/approximate/);
    expect(() => activation({ fn: "leaky_relu", negative_slope: NaN })).toThrow(/negative_slope/);
  });
});

describe("E_z[f(√q·z)] against mpmath (30 digits)", () => {
  it("the reference itself is converged", () => {
    for (const c of fx.expectations) expect(c.err).toBeLessThan(1e-20);
  });
  it.each(fx.expectations.map((c) => [c.name, c.q, c] as const))(
    "%s, q = %d: E[φ²], E[φ′²] to 1e−12",
    (_n, q, c) => {
      const a = activation(spec(c));
      const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);
      expect(rel(activationMeanSquare(a, q), c.phi2)).toBeLessThan(1e-12);
      if (c.dphi2 !== 0) expect(rel(derivativeMeanSquare(a, q), c.dphi2)).toBeLessThan(1e-12);
      if (c.phi1 !== undefined) expect(rel(expectNormal(a.phi, q), c.phi1)).toBeLessThan(1e-12);
    },
  );
  it("plain Gauss–Hermite agrees for smooth φ at q ≤ 1 only (why the composite rule is used)", () => {
    for (const c of fx.expectations.filter((e) => e.name === "tanh" || e.name === "sigmoid")) {
      const a = activation(spec(c));
      const gh = expectNormal((x) => a.dphi(x) ** 2, c.q, { method: "hermite", hermiteNodes: 100 });
      const err = Math.abs(gh - c.dphi2) / c.dphi2;
      if (c.q <= 1) expect(err).toBeLessThan(1e-8);
      if (c.q >= 30) expect(err).toBeGreaterThan(1e-3);
    }
  });
  it("handles q = 0 and rejects a negative q", () => {
    expect(activationMeanSquare("sigmoid", 0)).toBe(0.25);
    expect(derivativeMeanSquare("tanh", 0)).toBe(1);
    expect(() => expectNormal((x) => x, -1)).toThrow(RangeError);
  });
});

describe("closed forms", () => {
  it("relu: q ↦ σw²·q/2 + σb² and χ = σw²/2 exactly (He et al. 2015)", () => {
    for (const q of [1e-6, 0.3, 1, 7, 1e4]) {
      const want = (1.7 * q) / 2 + 0.1;
      expect(Math.abs(lengthMap("relu", 1.7, 0.1, q) - want)).toBeLessThan(1e-14 * want);
      expect(chiMap("relu", 1.7, q)).toBeCloseTo(0.85, 14);
      // leaky relu with slope a: E[φ²] = (1 + a²)q/2, E[φ′²] = (1 + a²)/2
      const lr = { fn: "leaky_relu", negative_slope: 0.2 } as const;
      expect(activationMeanSquare(lr, q) / q).toBeCloseTo(0.52, 14);
      expect(derivativeMeanSquare(lr, q)).toBeCloseTo(0.52, 14);
    }
    // σw² = 2 preserves the variance through any depth; the gradient ratio is the activation ratio.
    const layers = initVariances(linearShapes([100, 100, 100, 100, 100]), {
      scheme: "kaiming_normal",
      nonlinearity: "relu",
      bias: "zeros",
    });
    // gain √2, squared in float64: 2 to within an ulp
    layers.forEach((l) => expect(l).toMatchObject({ sigmaW2: expect.closeTo(2, 15), sigmaB2: 0 }));
    const r = meanFieldMlp({ layers, act: "relu", inputQ: 0.8 });
    r.q.forEach((q) => expect(q).toBeCloseTo(1.6, 13));
    r.chi.forEach((c) => expect(c).toBeCloseTo(1, 13));
    r.predictedLog10BiasGradRatioToLast.forEach((v) => expect(v).toBeCloseTo(0, 13));
    // A⁰ = 100·0.8, Aˡ = 100·E[relu²] = 100·0.8: every weight-gradient norm is equal.
    r.predictedLog10GradRatioToLast.forEach((v) => expect(v).toBeCloseTo(0, 13));
  });

  it("linear φ: χ = σw², q ↦ σw²·q + σb²", () => {
    expect(chiMap("linear", 0.7, 3)).toBeCloseTo(0.7, 14);
    expect(lengthMap("identity", 0.7, 0.2, 3)).toBeCloseTo(2.3, 14);
    const layers: MeanFieldLayer[] = [10, 10, 10].map(() => ({
      fanIn: 10,
      fanOut: 10,
      sigmaW2: 0.5,
      sigmaB2: 0,
    }));
    const r = meanFieldMlp({ layers, act: "linear", inputQ: 1 });
    expect(r.q).toEqual([0.5, 0.25, 0.125].map((v) => expect.closeTo(v, 14)));
    // ‖δ‖² halves per layer back: bias ratio ½·log10(0.5^(L−l)); weights add ½·log10(Aˡ⁻¹/Aᴸ⁻¹)
    // with A = 10·(1, 0.5, 0.25): for layer 1, ½·log10(0.25) + ½·log10(1/0.25) = 0.
    expect(r.predictedLog10BiasGradRatioToLast[0]).toBeCloseTo(Math.log10(0.5), 13);
    expect(r.predictedLog10GradRatioToLast[0]).toBeCloseTo(0, 13);
  });

  it("tanh with σb² = 0: q* = 0 and χ* = σw² for σw² ≤ 1; the boundary χ* = 1 is at σw² = 1", () => {
    const crit = fixedPoint("tanh", 1, 0);
    expect(crit.qStar).toBeLessThan(1e-12);
    expect(crit.chiStar).toBeCloseTo(1, 12);
    expect(crit.phase).toBe("critical");
    const ordered = fixedPoint("tanh", 0.5, 0);
    expect(ordered.qStar).toBeLessThan(1e-12);
    expect(ordered.chiStar).toBeCloseTo(0.5, 12);
    expect(ordered.phase).toBe("ordered");
    expect(ordered.gradDepthScale).toBeCloseTo(1 / Math.log(2), 10);
    // σw² > 1: q* > 0 solves q = σw²·E[tanh(√q z)²], and χ* > 1 (chaotic).
    const chaotic = fixedPoint("tanh", 2, 0);
    expect(chaotic.qStar).toBeGreaterThan(0.1);
    expect(lengthMap("tanh", 2, 0, chaotic.qStar)).toBeCloseTo(chaotic.qStar, 13);
    expect(chaotic.phase).toBe("chaotic");
  });

  it("fixed points with bias, and unbounded q", () => {
    // relu, σw² < 2: q* = σb²/(1 − σw²/2); σw² > 2: q → ∞ with χ = σw²/2.
    const fp = fixedPoint("relu", 1, 0.1);
    expect(fp.qStar).toBeCloseTo(0.2, 13);
    expect(fp.chiStar).toBeCloseTo(0.5, 13);
    const up = fixedPoint("relu", 3, 0);
    expect(up.qStar).toBe(Infinity);
    expect(up.chiStar).toBeCloseTo(1.5, 12);
    // Every fixed point found solves q = L(q).
    for (const [act, w, b] of [
      ["sigmoid", 1 / 3, 1 / 384],
      ["tanh", 1.5, 0.05],
      ["selu", 1, 0],
      ["gelu", 2, 0.1],
    ] as const) {
      const { qStar } = fixedPoint(act, w, b);
      expect(lengthMap(act, w, b, qStar)).toBeCloseTo(qStar, 12);
    }
    // SELU's self-normalising fixed point: σw² = 1, σb² = 0 gives q* = 1 (Klambauer et al. 2017).
    expect(fixedPoint("selu", 1, 0, 0.5).qStar).toBeCloseTo(1, 6);
  });
});

describe("initVariances (PyTorch's formulas)", () => {
  const shapes = linearShapes([42, 128, 1]);
  it("default nn.Linear: σw² = 1/3, σb² = 1/(3·fan_in)", () => {
    const v = initVariances(shapes, { scheme: "default" });
    expect(v[0]).toEqual({ fanIn: 42, fanOut: 128, sigmaW2: 1 / 3, sigmaB2: 1 / 126 });
    expect(v[1]).toEqual({ fanIn: 128, fanOut: 1, sigmaW2: 1 / 3, sigmaB2: 1 / 384 });
    // the same as kaiming_uniform_(a = √5), which is how PyTorch implements it
    const k = initVariances(shapes, { scheme: "kaiming_uniform", a: Math.sqrt(5) });
    expect(k[0].sigmaW2).toBeCloseTo(1 / 3, 15);
  });
  it("xavier, kaiming, orthogonal, normal, uniform", () => {
    const x = initVariances(shapes, { scheme: "xavier_uniform", bias: "zeros" });
    expect(x[0].sigmaW2).toBeCloseTo((2 * 42) / 170, 15);
    expect(x[1].sigmaW2).toBeCloseTo((2 * 128) / 129, 15);
    expect(x[0].sigmaB2).toBe(0);
    const xt = initVariances(shapes, { scheme: "xavier_normal", gain: 5 / 3 });
    expect(xt[0].sigmaW2).toBeCloseTo(((25 / 9) * 84) / 170, 14);
    const kr = initVariances(shapes, { scheme: "kaiming_normal", nonlinearity: "relu" });
    expect(kr[0].sigmaW2).toBeCloseTo(2, 14);
    expect(initVariances(shapes, { scheme: "kaiming_uniform" })[0].sigmaW2).toBeCloseTo(2, 14);
    const kt = initVariances(shapes, {
      scheme: "kaiming_normal",
      nonlinearity: "tanh",
      mode: "fan_out",
    });
    expect(kt[0].sigmaW2).toBeCloseTo(((25 / 9) * 42) / 128, 14);
    const o = initVariances(shapes, { scheme: "orthogonal", gain: 2 });
    expect(o[0].sigmaW2).toBeCloseTo((4 * 42) / 128, 14); // tall: orthonormal columns
    expect(o[1].sigmaW2).toBe(4); // fat: orthonormal rows
    expect(initVariances(shapes, { scheme: "normal", std: 0.1, bias: 0.01 })[0]).toMatchObject({
      sigmaW2: expect.closeTo(0.42, 14),
      sigmaB2: 0.01,
    });
    expect(initVariances(shapes, { scheme: "uniform", a: -0.5, b: 0.5 })[0].sigmaW2).toBeCloseTo(
      3.5,
      14,
    );
    expect(() => initVariances(shapes, { scheme: "uniform", a: 0, b: 1 })).toThrow(/nonzero mean/);
    expect(() =>
      initVariances(shapes, { scheme: "kaiming_normal", nonlinearity: "bogus" }),
    ).toThrow(/Unsupported nonlinearity/);
  });
});

describe("meanFieldMlp", () => {
  it("checks its input", () => {
    const layers = initVariances(linearShapes([4, 3, 2]), { scheme: "default" });
    expect(() => meanFieldMlp({ layers: [layers[1], layers[0]], act: "tanh", inputQ: 1 })).toThrow(
      /layer 2 \(Linear\).*|does not match/,
    );
    expect(() =>
      meanFieldMlp({ layers: [{ ...layers[0], sigmaW2: -1 }], act: "tanh", inputQ: 1 }),
    ).toThrow(/sigmaW2/);
    expect(() => meanFieldMlp({ layers, act: ["tanh", "relu", "relu"], inputQ: 1 })).toThrow(
      /activations/,
    );
    expect(() => meanFieldMlp({ layers, act: "tanh", inputQ: -1 })).toThrow(RangeError);
  });
  it("uses per-layer activations and per-layer σ²", () => {
    const layers: MeanFieldLayer[] = [
      { fanIn: 5, fanOut: 5, sigmaW2: 2, sigmaB2: 0.1 },
      { fanIn: 5, fanOut: 5, sigmaW2: 1, sigmaB2: 0 },
      { fanIn: 5, fanOut: 1, sigmaW2: 3, sigmaB2: 0 },
    ];
    const r = meanFieldMlp({ layers, act: ["relu", "linear"], inputQ: 1 });
    // q¹ = 2·1 + 0.1; q² = 1·2.1/2; q³ = 3·1.05. χ¹ = σw,₂²·½ = 0.5; χ² = σw,₃²·1 = 3.
    expect(r.q).toEqual([2.1, 1.05, 3.15].map((v) => expect.closeTo(v, 13)));
    expect(r.chi).toEqual([0.5, 3].map((v) => expect.closeTo(v, 13)));
    expect(r.predictedLog10BiasGradRatioToLast).toEqual(
      [0.5 * Math.log10(1.5), 0.5 * Math.log10(3), 0].map((v) => expect.closeTo(v, 13)),
    );
  });
});

describe("agreement with Monte-Carlo MLPs (PyTorch, float64)", () => {
  // Tolerances: q within 5 % or 4 standard errors over the simulated networks, at every layer but
  // the last (a single output unit, whose q is essentially one bias draw per network); the
  // predicted log10 weight-gradient-norm ratio to the last layer within 0.3 at every layer.
  const label = (s: SimCase) =>
    `${s.name ?? s.act} ${typeof s.init === "string" ? "default" : `σw²=${s.init.sigmaW2}`} L=${s.widths.length - 1}`;
  it.each(fx.simulations.map((s) => [label(s), s] as const))("%s", (_l, s) => {
    const shapes = linearShapes(s.widths);
    const layers =
      s.init === "default"
        ? initVariances(shapes, { scheme: "default" })
        : initVariances(shapes, { scheme: "normal", std: 0, bias: 0 }).map((l) => ({
            ...l,
            sigmaW2: (s.init as { sigmaW2: number }).sigmaW2,
            sigmaB2: (s.init as { sigmaB2: number }).sigmaB2,
          }));
    const r = meanFieldMlp({ layers, act: s.act, inputQ: s.input_q });
    r.q.slice(0, -1).forEach((q, l) => {
      const tol = Math.max(0.05 * s.q[l], 4 * s.q_se[l]);
      expect(Math.abs(q - s.q[l]), `q at layer ${l + 1}`).toBeLessThanOrEqual(tol);
    });
    r.predictedLog10GradRatioToLast.forEach((v, l) => {
      expect(
        Math.abs(v - s.log10_grad_ratio_to_last[l]),
        `log10 ratio at layer ${l + 1}`,
      ).toBeLessThanOrEqual(0.3);
    });
  });
});
