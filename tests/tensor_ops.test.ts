// Golden forward values and input gradients from PyTorch 1.13 (scripts/fixtures/gen_tensor.py).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as T from "../src/tensor/index.js";
import { Tensor } from "../src/tensor/index.js";

interface FixtureTensor {
  shape: number[];
  data: number[];
  requires_grad: boolean;
}
interface Case {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: FixtureTensor[];
  output: { shape: number[]; data: number[] };
  upstream: number[];
  grads: (number[] | null)[];
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/tensor_ops.json", import.meta.url), "utf8"),
) as { cases: Case[] };

type Args = Record<string, unknown>;
type OpFn = (xs: Tensor[], a: Args) => Tensor;
const num = (v: unknown): number => v as number;
const opt = <V>(v: unknown): V | undefined =>
  v === null || v === undefined ? undefined : (v as V);
const red = (a: Args): T.Reduction => (a.reduction as T.Reduction | undefined) ?? "mean";

const OPS: Record<string, OpFn> = {
  add: ([a, b]) => T.add(a, b),
  sub: ([a, b]) => T.sub(a, b),
  mul: ([a, b]) => T.mul(a, b),
  div: ([a, b]) => T.div(a, b),
  neg: ([a]) => T.neg(a),
  exp: ([a]) => T.exp(a),
  log: ([a]) => T.log(a),
  sqrt: ([a]) => T.sqrt(a),
  abs: ([a]) => T.abs(a),
  erf: ([a]) => T.erf(a),
  pow_scalar: ([a], g) => T.pow(a, num(g.exponent)),
  pow: ([a, b]) => T.pow(a, b),
  clamp: ([a], g) => T.clamp(a, opt<number>(g.min), opt<number>(g.max)),
  maximum: ([a, b]) => T.maximum(a, b),
  minimum: ([a, b]) => T.minimum(a, b),
  where: ([c, a, b]) =>
    T.where(
      T.fromArray(
        c.data.map((v) => (v > 0 ? 1 : 0)),
        c.shape,
      ),
      a,
      b,
    ),
  tanh: ([a]) => T.tanh(a),
  sigmoid: ([a]) => T.sigmoid(a),
  relu: ([a]) => T.relu(a),
  leaky_relu: ([a], g) => T.leaky_relu(a, num(g.negative_slope)),
  elu: ([a], g) => T.elu(a, num(g.alpha)),
  selu: ([a]) => T.selu(a),
  gelu: ([a], g) => T.gelu(a, g.approximate as "none" | "tanh"),
  silu: ([a]) => T.silu(a),
  softplus: ([a], g) => T.softplus(a, num(g.beta), num(g.threshold)),
  softmax: ([a], g) => T.softmax(a, num(g.dim)),
  log_softmax: ([a], g) => T.log_softmax(a, num(g.dim)),
  sum: ([a], g) => T.sum(a, g.dim as T.Dims, g.keepdim as boolean),
  mean: ([a], g) => T.mean(a, g.dim as T.Dims, g.keepdim as boolean),
  max: ([a], g) => T.max(a, g.dim as T.Dims, g.keepdim as boolean),
  min: ([a], g) => T.min(a, g.dim as T.Dims, g.keepdim as boolean),
  logsumexp: ([a], g) => T.logsumexp(a, g.dim as T.Dims, g.keepdim as boolean),
  matmul: ([a, b]) => T.matmul(a, b),
  linear: ([x, w, b]) => T.linear(x, w, b),
  reshape: ([a], g) => T.reshape(a, g.shape as number[]),
  transpose: ([a], g) => T.transpose(a, num(g.dim0), num(g.dim1)),
  permute: ([a], g) => T.permute(a, g.dims as number[]),
  unsqueeze: ([a], g) => T.unsqueeze(a, num(g.dim)),
  squeeze: ([a], g) => T.squeeze(a, num(g.dim)),
  flatten: ([a], g) => T.flatten(a, num(g.start_dim), num(g.end_dim)),
  expand: ([a], g) => T.expand(a, g.shape as number[]),
  cat: (xs, g) => T.cat(xs, num(g.dim)),
  stack: (xs, g) => T.stack(xs, num(g.dim)),
  slice: ([a], g) => T.slice(a, g.index as string),
  conv2d: ([x, w, b], g) => T.conv2d(x, w, b, g as T.Conv2dOptions),
  conv1d: ([x, w, b], g) => T.conv1d(x, w, b, g as T.Conv1dOptions),
  max_pool2d: ([x], g) => T.max_pool2d(x, g.kernel_size as T.Pair, g as T.Pool2dOptions),
  avg_pool2d: ([x], g) => T.avg_pool2d(x, g.kernel_size as T.Pair, g as T.Pool2dOptions),
  embedding: ([i, w], g) => T.embedding(i, w, opt<number>(g.padding_idx)),
  mse_loss: ([x, t], g) => T.mse_loss(x, t, red(g)),
  l1_loss: ([x, t], g) => T.l1_loss(x, t, red(g)),
  binary_cross_entropy: ([x, t, w], g) =>
    T.binary_cross_entropy(x, t, { weight: w, reduction: red(g) }),
  binary_cross_entropy_with_logits: ([x, t, w, pw], g) =>
    T.binary_cross_entropy_with_logits(x, t, { weight: w, pos_weight: pw, reduction: red(g) }),
  cross_entropy: ([x, t, w], g) =>
    T.cross_entropy(x, t, {
      weight: w,
      reduction: red(g),
      ignore_index: opt<number>(g.ignore_index),
      label_smoothing: opt<number>(g.label_smoothing),
    }),
  nll_loss: ([x, t, w], g) => T.nll_loss(x, t, { weight: w, reduction: red(g) }),
  course: ([X, W, b]) => T.mean(T.add(T.matmul(X, W), b)),
};

/** Relative closeness with a floor: |a − e| ≤ tol·max(|e|, 1). */
function expectClose(
  actual: ArrayLike<number>,
  expected: readonly number[],
  what: string,
  tol = 1e-10,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 1);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(
    worst,
    `${what}: worst error at ${at}: got ${actual[at]}, PyTorch ${expected[at]}`,
  ).toBeLessThanOrEqual(tol);
}

describe("ops match PyTorch 1.13 (forward and backward)", () => {
  it("covers every op of the fixture", () => {
    for (const c of fixture.cases) expect(OPS[c.op], c.op).toBeDefined();
    expect(fixture.cases.length).toBeGreaterThan(100);
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      const xs = c.inputs.map((i) =>
        T.fromArray(i.data, i.shape, { requiresGrad: i.requires_grad }),
      );
      const out = OPS[c.op](xs, c.args);
      expect(out.shape).toEqual(c.output.shape);
      expectClose(out.data, c.output.data, "forward");
      if (c.grads.some((g) => g !== null)) {
        out.backward(c.upstream);
        c.grads.forEach((g, k) => {
          if (g === null) return;
          expect(xs[k].grad, `grad of input ${k}`).not.toBeNull();
          expectClose((xs[k].grad as Tensor).data, g, `grad of input ${k}`);
        });
      }
    });
  }
});
