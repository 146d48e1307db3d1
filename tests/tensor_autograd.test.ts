// The autodiff engine (accumulation, deep graphs, no-grad, upstream gradients) and validation at
// op boundaries (PyTorch's messages, naming both shapes).
import { describe, expect, it } from "vitest";
import * as T from "../src/tensor/index.js";
import { Tensor, TensorError } from "../src/tensor/index.js";
import { InputError } from "../src/errors.js";

const v = (vals: number[], shape = [vals.length], requiresGrad = false): Tensor =>
  T.fromArray(vals, shape, { requiresGrad });

describe("autodiff engine", () => {
  it("accumulates gradients of a tensor used more than once (y = x·x + x → 2x + 1)", () => {
    const x = v([1, -2, 3], [3], true);
    T.sum(T.add(T.mul(x, x), x)).backward();
    expect(Array.from(x.grad!.data)).toEqual([3, -3, 7]);
  });

  it("accumulates into .grad across backward() calls, as PyTorch", () => {
    const x = v([2], [1], true);
    const y = T.mul(x, x);
    y.backward();
    y.backward();
    expect(x.grad!.item()).toBe(8);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it("backpropagates through a 10,000-op chain without overflowing the stack", () => {
    const x = v([0.5], [1], true);
    let y: Tensor = x;
    for (let i = 0; i < 10000; i++) y = T.mul(y, 1.0001);
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(Math.pow(1.0001, 10000), 9);
  });

  it("handles a deep diamond-shaped graph (each node used twice)", () => {
    const x = v([1], [1], true);
    let y: Tensor = x;
    for (let i = 0; i < 3000; i++) y = T.mul(T.add(y, y), 0.5); // y stays x, dy/dx stays 1
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(1, 12);
  });

  it("takes an explicit upstream gradient for non-scalar outputs", () => {
    const x = v([1, 2, 3], [3], true);
    T.mul(x, 2).backward([1, 10, 100]);
    expect(Array.from(x.grad!.data)).toEqual([2, 20, 200]);
  });

  it("sums broadcast axes in backward", () => {
    const a = T.ones([2, 3], { requiresGrad: true });
    const b = T.ones([3], { requiresGrad: true });
    T.sum(T.mul(a, b)).backward();
    expect(b.grad!.shape).toEqual([3]);
    expect(Array.from(b.grad!.data)).toEqual([2, 2, 2]);
  });

  it("records nothing under noGrad and restores the mode after a throw", () => {
    const x = v([1], [1], true);
    const y = T.noGrad(() => T.mul(x, 3));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() =>
      T.noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(T.isGradEnabled()).toBe(true);
    expect(T.mul(x, 3).requiresGrad).toBe(true);
  });

  it("keeps non-leaf gradients only when retained; grad() leaves .grad alone", () => {
    const x = v([1, 2], [2], true);
    const h = T.mul(x, 3).retainGrad();
    const z = T.mul(x, 5);
    const y = T.sum(T.add(T.mul(h, h), z));
    const [gx] = T.grad(y, [x]);
    expect(Array.from(gx)).toEqual([18 + 5, 36 + 5]);
    expect(x.grad).toBeNull();
    y.backward();
    expect(Array.from(h.grad!.data)).toEqual([6, 12]);
    expect(z.grad).toBeNull();
  });

  it("rejects backward on outputs without grad or non-scalars without a gradient", () => {
    expect(() => T.sum(v([1, 2])).backward()).toThrow(/does not require grad/);
    expect(() => T.mul(v([1, 2], [2], true), 2).backward()).toThrow(/only for scalar outputs/);
    expect(() => T.mul(v([1, 2], [2], true), 2).backward([1])).toThrow(/Mismatch in shape/);
  });
});

describe("validation at the op boundary", () => {
  const r = (shape: number[]): Tensor => T.zeros(shape);
  it("matmul names both shapes as PyTorch does", () => {
    expect(() => T.matmul(r([100, 5]), r([4, 5]))).toThrow(
      "mat1 and mat2 shapes cannot be multiplied (100x5 and 4x5)",
    );
    expect(() => T.matmul(r([2, 3, 4]), r([5, 6]))).toThrow(
      /\(3x4 and 5x6\).*\[2, 3, 4\] and \[5, 6\]/,
    );
    expect(() => T.matmul(r([3]), r([4]))).toThrow(/expected tensor \[3\] and src \[4\]/);
    expect(() => T.matmul(r([2, 2, 3]), r([3, 3, 1]))).toThrow(
      /batch dimensions of \[2, 2, 3\] and \[3, 3, 1\]/,
    );
    expect(() => T.matmul(T.tensor(1), r([3]))).toThrow(/at least 1D/);
    expect(() => T.linear(r([100, 5]), r([5, 4]))).toThrow(
      "mat1 and mat2 shapes cannot be multiplied (100x5 and 4x5)",
    );
  });
  it("broadcasting names both shapes and the offending dim", () => {
    expect(() => T.add(r([2, 3]), r([4]))).toThrow(
      "add: shapes [2, 3] and [4] cannot be broadcast: the size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
    );
  });
  it("shape ops", () => {
    expect(() => T.reshape(r([2, 3]), [5])).toThrow("shape '[5]' is invalid for input of size 6");
    expect(() => T.cat([r([2, 3]), r([2, 4])], 0)).toThrow(
      "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 in the list.",
    );
    expect(() => T.expand(r([3]), [2, 4])).toThrow(
      /expanded size of the tensor \(4\) must match the existing size \(3\)/,
    );
    expect(() => T.sum(r([2, 3]), 2)).toThrow(
      /Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/,
    );
    expect(() => T.slice(r([3]), [5])).toThrow(
      "index 5 is out of bounds for dimension 0 with size 3",
    );
    expect(() => T.slice(r([3]), "::0")).toThrow("step must be greater than zero");
  });
  it("conv, pooling, embedding, losses", () => {
    expect(() => T.conv2d(r([1, 8, 64, 64]), r([32, 16, 3, 3]))).toThrow(
      "Given groups=1, weight of size [32, 16, 3, 3], expected input[1, 8, 64, 64] to have 16 channels, but got 8 channels instead",
    );
    expect(() => T.conv2d(r([1, 4, 5, 5]), r([3, 2, 3, 3]), null, { groups: 2 })).toThrow(
      /divisible by 2/,
    );
    expect(() => T.conv2d(r([1, 1, 2, 2]), r([1, 1, 3, 3]))).toThrow(
      /Kernel size can't be greater/,
    );
    expect(() => T.max_pool2d(r([1, 1, 4, 4]), 2, { padding: 2 })).toThrow(
      /pad should be at most half/,
    );
    expect(() => T.embedding(v([3]), r([3, 2]))).toThrow(/index out of range in self/);
    expect(() => T.cross_entropy(r([3, 4]), v([0, 1, 4]))).toThrow("Target 4 is out of bounds.");
    expect(() => T.nll_loss(r([3, 4]), v([0, 1]))).toThrow(
      "Expected input batch_size (3) to match target batch_size (2).",
    );
    expect(() => T.binary_cross_entropy(r([3]), r([3, 1]))).toThrow(
      /target size \(\[3, 1\]\) that is different to the input size \(\[3\]\)/,
    );
    expect(() => T.dropout(r([2]), 1.5)).toThrow(
      "dropout probability has to be between 0 and 1, but got 1.5",
    );
    expect(() => T.mse_loss(r([2]), r([2]), "avg" as T.Reduction)).toThrow(
      "avg is not a valid value for reduction",
    );
  });
  it("errors are TensorErrors, which the CLI reports as bad input (exit 2)", () => {
    try {
      T.matmul(r([2, 3]), r([2, 3]));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TensorError);
      expect(e).toBeInstanceOf(InputError);
    }
  });
});

describe("semantics beyond the golden fixture", () => {
  it("dropout: inverted scaling, identity in eval, seeded", () => {
    const x = T.ones([10000]);
    const y = T.dropout(x, 0.25, { generator: new T.Generator(1) });
    const kept = Array.from(y.data).filter((a) => a !== 0);
    expect(new Set(kept)).toEqual(new Set([1 / 0.75]));
    expect(Math.abs(kept.length / 10000 - 0.75)).toBeLessThan(0.02);
    expect(T.mean(y).item()).toBeCloseTo(1, 1);
    expect(T.dropout(x, 0.25, { training: false })).toBe(x);
    const y2 = T.dropout(x, 0.25, { generator: new T.Generator(1) });
    expect(Array.from(y2.data)).toEqual(Array.from(y.data));
    expect(Array.from(T.dropout(x, 1).data).every((a) => a === 0)).toBe(true);
  });
  it("argmax/argmin return first indices; max(dim) routes to the first maximum", () => {
    const a = v([1, 5, 5, 0, -1, 7], [2, 3]);
    expect(Array.from(T.argmax(a, 1).data)).toEqual([1, 2]);
    expect(Array.from(T.argmin(a, 0).data)).toEqual([1, 1, 0]);
    expect(T.argmax(a).item()).toBe(5);
  });
  it("reshape shares storage; toArray round-trips nested data", () => {
    const a = T.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(T.reshape(a, [4]).data).toBe(a.data);
    expect(T.transpose(a, 0, 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(() => T.tensor([[1, 2], [3]])).toThrow("expected sequence of length 2 at dim 1 (got 1)");
  });
});
