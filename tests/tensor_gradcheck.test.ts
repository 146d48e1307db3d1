// Every op's backward against central differences (gradcheck with PyTorch's defaults), on random
// shapes with broadcasting, away from kinks; and gradcheck itself must be able to fail.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as T from "../src/tensor/index.js";
import { Generator, gradcheck, Tensor } from "../src/tensor/index.js";

const gen = new Generator(2024);
const rn = (shape: number[]): Tensor => T.randn(shape, gen, { requiresGrad: true });
/** N(0,1) moved at least `m` away from 0 (away from kinks at 0). */
const away = (shape: number[], m = 0.2): Tensor => {
  const t = T.randn(shape, gen);
  for (let i = 0; i < t.size; i++) t.data[i] += t.data[i] >= 0 ? m : -m;
  return t.requiresGrad_();
};
const positive = (shape: number[]): Tensor => {
  const t = T.rand(shape, gen);
  for (let i = 0; i < t.size; i++) t.data[i] = 0.5 + 2 * t.data[i];
  return t.requiresGrad_();
};
const idx = (vals: number[], shape: number[]): Tensor => T.fromArray(vals, shape);

function expectOk(r: T.GradcheckResult): void {
  const bad = r.inputs
    .filter((i) => i.numFailures > 0)
    .map((i) => ({ input: i.input, worst: i.worst }));
  expect(bad, JSON.stringify(bad)).toEqual([]);
  expect(r.ok).toBe(true);
}

type Check = [string, (...x: Tensor[]) => Tensor, () => Tensor[]];
const checks: Check[] = [
  ["add broadcast", (a, b) => T.add(a, b), () => [rn([3, 1, 4]), rn([2, 4])]],
  ["sub broadcast", (a, b) => T.sub(a, b), () => [rn([4, 1]), rn([5])]],
  ["mul broadcast", (a, b) => T.mul(a, b), () => [rn([2, 3, 1]), rn([1, 4])]],
  ["div broadcast", (a, b) => T.div(a, b), () => [rn([2, 3]), away([3, 1, 1], 0.5)]],
  [
    "scalar operands",
    (a) => T.sub(T.mul(T.add(a, 2), 3), T.div(1, T.add(T.mul(a, a), 1))),
    () => [rn([3, 2])],
  ],
  ["neg", (a) => T.neg(a), () => [rn([4])]],
  ["pow scalar", (a) => T.pow(a, 3), () => [rn([2, 3])]],
  ["pow fractional", (a) => T.pow(a, -0.7), () => [positive([5])]],
  ["pow tensor", (a, b) => T.pow(a, b), () => [positive([2, 3]), rn([3])]],
  ["exp", (a) => T.exp(a), () => [rn([2, 2])]],
  ["log", (a) => T.log(a), () => [positive([3])]],
  ["sqrt", (a) => T.sqrt(a), () => [positive([3, 2])]],
  ["abs", (a) => T.abs(a), () => [away([6])]],
  ["erf", (a) => T.erf(a), () => [rn([5])]],
  [
    "clamp",
    (a) => T.clamp(T.mul(a, 3), -0.5, 0.5),
    () => [idx([-1, -0.1, 0.05, 0.1, 0.4], [5]).requiresGrad_()],
  ],
  ["maximum broadcast", (a, b) => T.maximum(a, b), () => [rn([3, 4]), rn([4])]],
  ["minimum broadcast", (a, b) => T.minimum(a, b), () => [rn([2, 1, 3]), rn([2, 3])]],
  [
    "where broadcast",
    (a, b) => T.where(idx([1, 0, 1], [3, 1]), a, b),
    () => [rn([1, 4]), rn([3, 4])],
  ],
  ["tanh", (a) => T.tanh(a), () => [rn([4, 3])]],
  ["sigmoid", (a) => T.sigmoid(a), () => [rn([4, 3])]],
  ["relu", (a) => T.relu(a), () => [away([4, 3])]],
  ["leaky_relu", (a) => T.leaky_relu(a, 0.2), () => [away([4, 3])]],
  ["elu", (a) => T.elu(a, 0.7), () => [away([4, 3])]],
  ["selu", (a) => T.selu(a), () => [away([4, 3])]],
  ["gelu", (a) => T.gelu(a), () => [rn([4, 3])]],
  ["gelu tanh", (a) => T.gelu(a, "tanh"), () => [rn([4, 3])]],
  ["silu", (a) => T.silu(a), () => [rn([4, 3])]],
  ["softplus", (a) => T.softplus(T.mul(a, 4), 2, 5), () => [away([4, 3])]],
  ["softmax", (a) => T.softmax(a, 1), () => [rn([2, 4, 3])]],
  ["log_softmax", (a) => T.log_softmax(a, -1), () => [rn([3, 5])]],
  ["logsumexp", (a) => T.logsumexp(a, [0, 2]), () => [rn([2, 3, 2])]],
  ["sum dims keepdim", (a) => T.sum(a, [0, 2], true), () => [rn([2, 3, 4])]],
  ["sum all", (a) => T.sum(a), () => [rn([2, 3])]],
  ["mean dim", (a) => T.mean(a, 1), () => [rn([3, 4])]],
  ["max dim", (a) => T.max(a, 1, true), () => [rn([3, 4])]],
  ["max all", (a) => T.max(a), () => [rn([3, 4])]],
  ["min dims", (a) => T.min(a, [0, 1]), () => [rn([2, 3, 2])]],
  ["matmul 2d", (a, b) => T.matmul(a, b), () => [rn([3, 4]), rn([4, 5])]],
  ["matmul 1d-1d", (a, b) => T.matmul(a, b), () => [rn([4]), rn([4])]],
  ["matmul 1d-2d", (a, b) => T.matmul(a, b), () => [rn([4]), rn([4, 2])]],
  ["matmul 2d-1d", (a, b) => T.matmul(a, b), () => [rn([3, 4]), rn([4])]],
  ["matmul batched broadcast", (a, b) => T.matmul(a, b), () => [rn([2, 1, 3, 4]), rn([3, 4, 2])]],
  ["matmul batched-1d", (a, b) => T.matmul(a, b), () => [rn([2, 3, 4]), rn([4])]],
  ["linear", (x, w, b) => T.linear(x, w, b), () => [rn([2, 3, 4]), rn([5, 4]), rn([5])]],
  ["reshape", (a) => T.mul(T.reshape(a, [3, -1]), T.arange(4)), () => [rn([2, 6])]],
  ["transpose", (a) => T.mul(T.transpose(a, 0, 2), T.arange(2)), () => [rn([2, 3, 4])]],
  ["permute", (a) => T.mul(T.permute(a, [2, 0, 1]), T.arange(3)), () => [rn([2, 3, 4])]],
  ["expand", (a) => T.mul(T.expand(a, [2, 3, 4]), T.arange(4)), () => [rn([3, 1])]],
  [
    "squeeze/unsqueeze/flatten",
    (a) => T.flatten(T.unsqueeze(T.squeeze(a, 1), 0)),
    () => [rn([2, 1, 3])],
  ],
  ["cat", (a, b) => T.mul(T.cat([a, b, a], 1), T.arange(3)), () => [rn([2, 1, 3]), rn([2, 2, 3])]],
  ["stack", (a, b) => T.stack([a, b], 2), () => [rn([2, 3]), rn([2, 3])]],
  ["slice", (a) => T.slice(a, "1:, ::2, -1"), () => [rn([3, 5, 2])]],
  [
    "conv2d stride/pad/dilation/groups",
    (x, w, b) =>
      T.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }),
    () => [rn([2, 4, 6, 5]), rn([4, 2, 3, 2]), rn([4])],
  ],
  [
    "conv2d same",
    (x, w) => T.conv2d(x, w, null, { padding: "same" }),
    () => [rn([1, 2, 5, 4]), rn([3, 2, 2, 3])],
  ],
  [
    "conv1d",
    (x, w, b) => T.conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2 }),
    () => [rn([2, 3, 9]), rn([2, 3, 3]), rn([2])],
  ],
  [
    "max_pool2d",
    (x) => T.max_pool2d(x, 3, { stride: 2, padding: 1, ceil_mode: true }),
    () => [rn([1, 2, 6, 7])],
  ],
  [
    "avg_pool2d",
    (x) =>
      T.avg_pool2d(x, [3, 2], { stride: 2, padding: 1, count_include_pad: false, ceil_mode: true }),
    () => [rn([2, 1, 5, 6])],
  ],
  [
    "max_pool1d / avg_pool1d",
    (x) => T.add(T.max_pool1d(x, 2), T.avg_pool1d(x, 2)),
    () => [rn([2, 3, 8])],
  ],
  ["embedding", (w) => T.embedding(idx([0, 3, 3, 1], [2, 2]), w), () => [rn([4, 3])]],
  ["dropout", (x) => T.dropout(x, 0.4, { generator: new Generator(5) }), () => [rn([4, 5])]],
  ["mse_loss", (x, t) => T.mse_loss(x, t), () => [rn([3, 4]), rn([3, 4])]],
  ["mse_loss broadcast none", (x, t) => T.mse_loss(x, t, "none"), () => [rn([3, 1]), rn([4])]],
  ["l1_loss", (x, t) => T.l1_loss(x, t, "sum"), () => [away([3, 4], 0), away([3, 4], 0)]],
  [
    "binary_cross_entropy",
    (x, t) => T.binary_cross_entropy(T.sigmoid(x), t),
    () => [rn([3, 4]), T.rand([3, 4], gen, { requiresGrad: true })],
  ],
  [
    "bce_with_logits pos_weight",
    (x, t) =>
      T.binary_cross_entropy_with_logits(x, t, {
        pos_weight: T.fromArray([0.5, 2, 3], [3]),
        weight: T.fromArray([1, 2], [2, 1]),
      }),
    () => [rn([2, 3]), T.rand([2, 3], gen, { requiresGrad: true })],
  ],
  ["cross_entropy", (x) => T.cross_entropy(x, idx([0, 2, 1, 2], [4])), () => [rn([4, 3])]],
  [
    "cross_entropy weight/ignore/smoothing",
    (x) =>
      T.cross_entropy(x, idx([0, 2, -100, 1], [4]), {
        weight: T.fromArray([1, 2, 0.5], [3]),
        label_smoothing: 0.1,
      }),
    () => [rn([4, 3])],
  ],
  [
    "cross_entropy spatial",
    (x) => T.cross_entropy(x, idx([0, 2, 1, 1, 0, 2], [2, 3]), { reduction: "none" }),
    () => [rn([2, 3, 3])],
  ],
  ["nll_loss", (x) => T.nll_loss(x, idx([1, 0, 2], [3]), { reduction: "sum" }), () => [rn([3, 4])]],
  ["shared subexpression", (a) => T.mul(T.add(a, T.exp(a)), a), () => [rn([3])]],
];

describe("gradcheck of every op (eps 1e-6, atol 1e-5, rtol 1e-3)", () => {
  for (const [name, f, inputs] of checks) {
    it(name, () => expectOk(gradcheck(f, inputs())));
  }
});

describe("broadcasting backward, property-based", () => {
  // random broadcast-compatible shape pairs: each dim of b is the dim of a, 1, or absent
  const shapes = fc
    .array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom("same", "one-a", "one-b")), {
      minLength: 0,
      maxLength: 3,
    })
    .chain((dims) =>
      fc.tuple(fc.constant(dims), fc.integer({ min: 0, max: dims.length })).map(([d, drop]) => {
        const a = d.map(([s, k]) => (k === "one-a" ? 1 : s));
        const b = d.map(([s, k]) => (k === "one-b" ? 1 : s)).slice(drop);
        return [a, b] as const;
      }),
    );
  it("add/mul/div/maximum gradients sum over broadcast axes", () => {
    fc.assert(
      fc.property(shapes, fc.integer({ min: 0, max: 1000 }), ([sa, sb], seed) => {
        const g = new Generator(seed);
        const a = T.randn(sa, g, { requiresGrad: true });
        const b = T.randn(sb, g, { requiresGrad: true });
        for (let i = 0; i < b.size; i++) b.data[i] += b.data[i] >= 0 ? 0.5 : -0.5;
        const r = gradcheck((x, y) => T.add(T.mul(x, y), T.div(T.maximum(x, y), y)), [a, b]);
        return r.ok;
      }),
      { numRuns: 60 },
    );
  });
});

describe("gradcheck itself", () => {
  it("reports PyTorch's defaults and checks every element of the course's example", () => {
    const g = new Generator(7);
    const X = T.randn([100, 5], g);
    const W = T.randn([5, 5], g, { requiresGrad: true });
    const b = T.randn([5], g, { requiresGrad: true });
    const r = gradcheck((x, w, bb) => T.mean(T.add(T.matmul(x, w), bb)), [X, W, b]);
    expect(r).toMatchObject({ ok: true, eps: 1e-6, atol: 1e-5, rtol: 1e-3, outputShape: [] });
    expect(r.inputs.map((i) => [i.checked, i.entries])).toEqual([
      [false, 0],
      [true, 25],
      [true, 5],
    ]);
    // hand-derived: d mean / d b_j = 1/5, d mean / d W_kj = mean_i X_ik / 5
    expect(r.inputs[2].worst?.analytical).toBeCloseTo(0.2, 12);
    expect(r.inputs[1].maxAbsError).toBeLessThan(1e-8);
  });

  it("fails on a deliberately wrong backward rule, naming the worst element", () => {
    // y = x³ with the backward rule 3x (should be 3x²): a test-only op
    const wrongCube = (a: Tensor): Tensor => {
      const out = a.data.map((v) => v * v * v);
      return T.createOp("wrong_cube", out, a.shape, [a], (g) => [
        g.map((gv, i) => gv * 3 * a.data[i]),
      ]);
    };
    const x = T.fromArray([0.5, -2, 3, 1], [2, 2], { requiresGrad: true });
    const r = gradcheck((a) => T.sum(wrongCube(a)), [x]);
    expect(r.ok).toBe(false);
    const rep = r.inputs[0];
    expect(rep.numFailures).toBe(3); // x = 1 happens to be right: 3·1 = 3·1²
    expect(rep.worst).toMatchObject({ flatIndex: 2, index: [1, 0] });
    expect(rep.worst?.analytical).toBeCloseTo(9, 9);
    expect(rep.worst?.numerical).toBeCloseTo(27, 5);
    expect(rep.failures.map((f) => f.flatIndex)).toEqual([0, 1, 2]);
  });

  it("fails on a rule that forgets broadcast summation", () => {
    const badAdd = (a: Tensor, b: Tensor): Tensor => {
      const out = T.noGrad(() => T.add(a, b));
      // gives b only the first row's gradient
      return T.createOp("bad_add", out.data, out.shape, [a, b], (g) => [g, g.slice(0, b.size)]);
    };
    const r = gradcheck(badAdd, [
      T.randn([3, 2], gen, { requiresGrad: true }),
      T.randn([2], gen, { requiresGrad: true }),
    ]);
    expect(r.ok).toBe(false);
    expect(r.inputs[0].numFailures).toBe(0);
    expect(r.inputs[1].numFailures).toBe(4); // Jacobian entries of output rows 2 and 3
  });

  it("compares full Jacobians of non-scalar outputs", () => {
    const r = gradcheck((a) => T.softmax(a, 0), [T.randn([4], gen, { requiresGrad: true })]);
    expect(r.ok).toBe(true);
    expect(r.inputs[0].entries).toBe(16);
  });

  it("refuses when nothing requires grad", () => {
    expect(() => gradcheck((a) => a, [T.zeros([2])])).toThrow(
      /at least one input tensor to require gradient/,
    );
  });

  it("says when f draws new random values on every call, and takes no entry for a kink then", () => {
    // Σ x·u with u ~ U[0, 1) redrawn per call: PyTorch's gradcheck fails it (Jacobian mismatch);
    // the one-sided differences of noise straddle the analytic value, which is not a kink
    const g = new Generator(5);
    const x = T.tensor([0.3, -0.7, 1.1, 0.2, -0.4, 0.9]).requiresGrad_();
    for (const fast of [false, true]) {
      const r = gradcheck((t) => T.sum(T.mul(t, T.rand([6], g))), [x], { fast });
      expect(r.deterministic).toBe(false);
      expect(r.nondeterminism).toBeDefined();
      expect(r.ok).toBe(false);
      expect(r.inputs[0].numInconclusive).toBe(0);
      expect(r.inputs[0].numFailures).toBe(fast ? 1 : 6);
    }
    const d = gradcheck((t) => T.sum(T.mul(t, t)), [x]);
    expect(d.deterministic).toBe(true);
    expect(d.nondeterminism).toBeUndefined();
  });
});

describe("branch records (src/tensor/kinks.ts)", () => {
  const sides = (f: () => T.Tensor) => T.recordBranches(f).log;
  it("relu at 0 is a side of its own: both neighbours differ from it, and not from each other", () => {
    const at = (v: number) => sides(() => T.relu(T.tensor([v, 2])));
    expect(T.branchDifference(at(0), at(1e-9))).toBe("relu");
    expect(T.branchDifference(at(0), at(-1e-9))).toBe("relu");
    expect(T.branchDifference(at(0.5), at(0.7))).toBeNull();
  });
  it("ops with a kink report it: clamp bounds, maximum/max ties, comparisons, max_pool, l1_loss", () => {
    const differs = (f: (v: number) => T.Tensor, at: number, d = 1e-9) =>
      T.branchDifference(
        sides(() => f(at)),
        sides(() => f(at + d)),
      );
    const x = (v: number) => T.tensor([v, 1]);
    expect(differs((v) => T.clamp(x(v), 0, 1), 0)).toBe("clamp");
    expect(differs((v) => T.clamp(x(v), 0, 1), 1)).toBe("clamp");
    expect(differs((v) => T.clamp(x(v), 0, 1), 0.5)).toBeNull();
    expect(differs((v) => T.maximum(x(v), T.tensor([1, 1])), 1)).toBe("maximum");
    expect(differs((v) => T.max(x(v)), 1)).toBe("max");
    expect(differs((v) => T.max(T.reshape(x(v), [1, 2]), 1), 1)).toBe("max");
    expect(differs((v) => T.argmax(x(v)), 1)).toBe("argmax");
    expect(differs((v) => T.abs(x(v)), 0)).toBe("abs");
    expect(differs((v) => T.leaky_relu(x(v), 0.01), 0)).toBe("leaky_relu");
    expect(differs((v) => T.l1_loss(x(v), T.tensor([0, 0])), 0)).toBe("l1_loss");
    expect(differs((v) => T.max_pool2d(T.reshape(x(v), [1, 1, 2]), [1, 2]), 1)).toBe("max_pool2d");
    // the interpreter's comparisons are binaryOps named after the operator
    const gt = (v: number) =>
      T.binaryOp(
        ">",
        x(v),
        0,
        (a, b) => (a > b ? 1 : 0),
        () => 0,
        () => 0,
      );
    expect(differs(gt, 0)).toBe(">");
    // smooth ops report nothing
    expect(sides(() => T.exp(T.tanh(x(0)))).ops).toEqual([]);
  });
  it("costs nothing outside a record, and nests", () => {
    expect(T.recordingBranches()).toBe(false);
    const outer = T.recordBranches(() => {
      T.relu(T.tensor([1]));
      const inner = T.recordBranches(() => T.abs(T.tensor([1]))).log;
      expect(inner.ops).toEqual(["abs"]);
      return T.recordingBranches();
    });
    expect(outer.value).toBe(true);
    expect(outer.log.ops).toEqual(["relu"]);
    expect(T.recordingBranches()).toBe(false);
  });
});

describe("gradcheck's verdict: match, fail, inconclusive", () => {
  const zero = (): number => 0;
  const x = (v: number[]) => T.tensor(v).requiresGrad_();
  const relu = (t: Tensor) => T.sum(T.relu(t));
  it("relu at exactly 0: the element is inconclusive, the check too (PyTorch fails it)", () => {
    const r = gradcheck(relu, [x([-1, 0, 2])]);
    expect(r).toMatchObject({ ok: false, verdict: "inconclusive" });
    expect(r.inputs[0]).toMatchObject({ matched: 2, numInconclusive: 1, numFailures: 0 });
    expect(r.inputs[0].inconclusive[0]).toMatchObject({
      flatIndex: 1,
      kink: "relu",
      analytical: 0,
      backward: 0,
      backwardHalf: 0,
    });
    expect(r.inputs[0].inconclusive[0].forwardHalf).toBeCloseTo(1, 6);
    expect(gradcheck(relu, [x([-1, 0, 2])], { allowInconclusive: true })).toMatchObject({
      ok: true,
      verdict: "pass",
    });
    // kinks: false is PyTorch's verdict
    expect(gradcheck(relu, [x([-1, 0, 2])], { kinks: false })).toMatchObject({ verdict: "fail" });
  });
  it("nothing verified is never a pass", () => {
    for (const allowInconclusive of [false, true]) {
      const r = gradcheck(relu, [x([0, 0])], { allowInconclusive });
      expect(r.verdict).toBe("inconclusive");
      expect(r.inputs[0].verdict).toBe("inconclusive");
    }
  });
  it("smooth convex functions at a coarse eps fail: no op has a kink (rule 2)", () => {
    const r = gradcheck((t) => T.sum(T.exp(T.mul(t, 10))), [x([0.1, 0.5])], { eps: 0.5 });
    expect(r.verdict).toBe("fail");
    expect(r.inputs[0]).toMatchObject({ numFailures: 2, numInconclusive: 0 });
    expect(r.inputs[0].failures[0].nearKink).toBeUndefined();
  });
  it("a kink 1e-7 away at eps 1e-6 is within eps but not at the input: it fails, nearKink (rule 2)", () => {
    const r = gradcheck(relu, [x([1e-7])]);
    expect(r.verdict).toBe("fail");
    expect(r.inputs[0].failures[0]).toMatchObject({ nearKink: "relu" });
    expect(r.inputs[0].failures[0].atKink).toBeUndefined();
  });
  it("at a kink, a gap that shrinks as eps halves is the smooth part failing (rule 3)", () => {
    // relu(x) + exp(10x) at 0, eps 0.5: gaps 294 and 39
    const f = (t: Tensor) => T.sum(T.add(T.relu(t), T.exp(T.mul(t, 10))));
    const r = gradcheck(f, [x([0])], { eps: 0.5 });
    expect(r.verdict).toBe("fail");
    const e = r.inputs[0].failures[0];
    expect(e.atKink).toBe("relu");
    expect(Math.abs(e.forwardHalf! - e.backwardHalf!)).toBeLessThan(
      T.KINK_GAP_KEPT * Math.abs(e.forward! - e.backward!),
    );
  });
  it("at a kink, an analytic value outside the one-sided derivatives fails (rule 4)", () => {
    // |x| whose backward says 2 at 0: outside [−1, 1]
    const badAbs = (a: Tensor): Tensor => {
      const y = T.abs(a); // reports the kink
      return T.createOp("bad_abs", y.data, a.shape, [a], (g) => [
        g.map((gv, i) => gv * (a.data[i] === 0 ? 2 : Math.sign(a.data[i]))),
      ]);
    };
    const r = gradcheck((t) => T.sum(badAbs(t)), [x([0, 1])]);
    expect(r.verdict).toBe("fail");
    expect(r.inputs[0].failures[0]).toMatchObject({ flatIndex: 0, atKink: "abs", analytical: 2 });
  });
  it("a wrong gradient of the right sign fails at any eps", () => {
    const half = (a: Tensor): Tensor =>
      T.createOp(
        "half_square",
        a.data.map((v) => v * v),
        a.shape,
        [a],
        (g) => [g.map((gv, i) => gv * a.data[i])],
      );
    for (const eps of [1e-6, 0.1, 0.5]) {
      const r = gradcheck((t) => T.sum(half(t)), [x([0.2, 0.3, -0.1])], { eps });
      expect(r.verdict).toBe("fail");
      expect(r.inputs[0].numInconclusive).toBe(0);
    }
  });
  it("an infinite numerical value is not close to a finite analytic one (torch.isclose)", () => {
    const r = gradcheck((t) => T.sum(T.exp(t)), [x([709.7])], { eps: 0.1 });
    expect(r.inputs[0].failures[0].numerical).toBe(Infinity);
    expect(r.verdict).toBe("fail");
  });
  it("an output that does not require grad needs an exactly zero numerical Jacobian", () => {
    // a comparison (no gradient, as the interpreter builds it): flat away from its threshold
    const gt = (t: Tensor, c: number) =>
      T.noGrad(() => T.sum(T.binaryOp(">", t, c, (a, b) => (a > b ? 1 : 0), zero, zero)));
    const w = x([0.5, 1]);
    expect(gradcheck(() => gt(w, 0.7), [w])).toMatchObject({
      differentiable: false,
      verdict: "pass",
    });
    // at the threshold it jumps: PyTorch's "Numerical gradient for function expected to be zero"
    const at = x([0.7, 1]);
    expect(gradcheck(() => gt(at, 0.7), [at])).toMatchObject({ verdict: "fail" });
    expect(gradcheck(() => gt(at, 0.7), [at], { fast: true })).toMatchObject({ verdict: "fail" });
  });
  it("fast mode: the same rule along u; an inconclusive vᵀJu is never accepted", () => {
    const r = gradcheck(relu, [x([-1, 0, 2])], { fast: true, allowInconclusive: true });
    expect(r.inputs[0]).toMatchObject({ entries: 1, numInconclusive: 1, verdict: "inconclusive" });
    expect(r.inputs[0].inconclusive[0].kink).toBe("relu");
    const coarse = gradcheck((t) => T.sum(T.exp(T.mul(t, 10))), [x([0.1, 0.5])], {
      eps: 0.5,
      fast: true,
    });
    expect(coarse.verdict).toBe("fail");
  });
});
