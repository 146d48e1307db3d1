/**
 * The ops' receptive-field steps (Araujo, Norris & Sim 2019: kernel, stride, padding, dilation per
 * spatial axis), multiply-accumulate counts (hand-derived: m·n·k for a product, out·C/g·k for a
 * convolution) and kinds/flags, for calls on meta tensors laid out (N, C, *spatial).
 */
import { describe, expect, it } from "vitest";
import {
  bindOp,
  makeOpArgs,
  opNamed,
  type OpArgs,
  type OpRf,
  type TensorMeta,
} from "../src/ops/index.js";
import { PyList, PySlice, PyTuple, type Value } from "../src/python/values.js";
import { TV, tv } from "./ops_host.js";

const t = (...shape: number[]): TV => tv({ shape, dtype: "float32" });
function argsOf(name: string, pos: Value[], kw: [string, Value][] = []): OpArgs<TensorMeta> {
  const d = opNamed(name);
  return makeOpArgs(d, name, bindOp(d, pos, kw, name), (v) =>
    v instanceof TV ? v.meta : undefined,
  );
}
function rf(name: string, pos: Value[], kw: [string, Value][] = [], axes = 2): OpRf {
  const d = opNamed(name);
  return d.rf!(argsOf(name, pos, kw), axes);
}
function fma(name: string, pos: Value[], kw: [string, Value][] = []): number {
  const d = opNamed(name);
  const a = argsOf(name, pos, kw);
  return d.fma ? d.fma(a, d.meta(a)) : 0;
}
const F = "torch.nn.functional.";
const spatial = (k: number[], s: number[], p: number[], d: number[]): OpRf => ({
  kind: "spatial",
  kernel: k,
  stride: s,
  padding: p,
  dilation: d,
});

describe("receptive-field steps", () => {
  it("elementwise ops are pointwise; two tensors merge", () => {
    expect(rf(F + "relu", [t(1, 3, 8, 8)])).toEqual({ kind: "pointwise" });
    expect(rf("operator.add", [t(1, 3, 8, 8), 1])).toEqual({ kind: "pointwise" });
    expect(rf("operator.add", [t(1, 3, 8, 8), t(1, 3, 8, 8)])).toEqual({ kind: "merge" });
    expect(rf("torch.mul", [t(1, 3, 8, 8), t(3, 1, 1)])).toEqual({ kind: "merge" });
  });

  it("convolutions and pools are windows (padding='same' pads ⌊d·(k−1)/2⌋ on the left)", () => {
    expect(
      rf(
        F + "conv2d",
        [t(1, 3, 8, 8), t(4, 3, 3, 3)],
        [
          ["stride", 2],
          ["padding", 1],
        ],
      ),
    ).toEqual(spatial([3, 3], [2, 2], [1, 1], [1, 1]));
    expect(
      rf(
        F + "conv2d",
        [t(1, 3, 8, 8), t(4, 3, 4, 3)],
        [
          ["padding", "same"],
          ["dilation", 2],
        ],
      ),
    ).toEqual(spatial([4, 3], [1, 1], [3, 2], [2, 2]));
    expect(rf(F + "conv1d", [t(1, 3, 10), t(4, 3, 5)], [], 1)).toEqual(spatial([5], [1], [0], [1]));
    expect(rf(F + "max_pool2d", [t(1, 3, 8, 8), 3, 2, 1])).toEqual(
      spatial([3, 3], [2, 2], [1, 1], [1, 1]),
    );
    expect(rf(F + "avg_pool2d", [t(1, 3, 8, 8), 2])).toEqual(
      spatial([2, 2], [2, 2], [0, 0], [1, 1]),
    );
  });

  it("adaptive pooling: global to 1, a plain pool to a divisor, else unsupported", () => {
    expect(rf(F + "adaptive_avg_pool2d", [t(1, 3, 7, 7), 1]).kind).toBe("global");
    expect(rf(F + "adaptive_avg_pool2d", [t(1, 3, 8, 6), new PyTuple([4, 3])])).toEqual(
      spatial([2, 2], [2, 2], [0, 0], [1, 1]),
    );
    expect(rf(F + "adaptive_max_pool2d", [t(1, 3, 7, 7), 3]).kind).toBe("unsupported");
  });

  it("views keep the spatial axes pointwise; merging them is global; moving them unsupported", () => {
    expect(rf("Tensor.view", [t(2, 6, 8, 8), 2, 3, 2, 8, 8])).toEqual({ kind: "pointwise" });
    expect(rf("torch.flatten", [t(2, 6, 8, 8), 1]).kind).toBe("global");
    expect(rf("Tensor.permute", [t(2, 6, 8, 8), 0, 2, 3, 1]).kind).toBe("unsupported");
    expect(rf("Tensor.transpose", [t(2, 6, 8, 8), 0, 1])).toEqual({ kind: "pointwise" });
    expect(rf("Tensor.unsqueeze", [t(2, 6, 8, 8), 1])).toEqual({ kind: "pointwise" });
    expect(rf("Tensor.expand", [t(2, 6, 1, 8), 2, 6, 8, 8]).kind).toBe("global");
    expect(rf("Tensor.contiguous", [t(2, 6, 8, 8)])).toEqual({ kind: "pointwise" });
  });

  it("cat/stack merge along channels and batch, not along a spatial axis", () => {
    const two = new PyList([t(1, 3, 8, 8), t(1, 5, 8, 8)]);
    expect(rf("torch.cat", [two, 1])).toEqual({ kind: "merge" });
    expect(rf("torch.cat", [new PyList([t(1, 3, 8, 8), t(1, 3, 8, 4)]), 3]).kind).toBe(
      "unsupported",
    );
    expect(rf("torch.stack", [new PyList([t(1, 3, 8, 8), t(1, 3, 8, 8)]), 1])).toEqual({
      kind: "merge",
    });
    expect(rf("torch.chunk", [t(1, 6, 8, 8), 2, 1])).toEqual({ kind: "pointwise" });
  });

  it("softmax over a spatial axis, reductions over one, matmul and linear are global", () => {
    expect(rf(F + "softmax", [t(1, 3, 8, 8), 1])).toEqual({ kind: "pointwise" });
    expect(rf(F + "softmax", [t(1, 3, 8, 8), -1]).kind).toBe("global");
    expect(rf("Tensor.mean", [t(1, 3, 8, 8), new PyTuple([2, 3])]).kind).toBe("global");
    expect(rf("Tensor.sum", [t(1, 3, 8, 8), 1])).toEqual({ kind: "pointwise" });
    expect(rf("operator.matmul", [t(1, 3, 8, 8), t(8, 4)]).kind).toBe("global");
    expect(rf(F + "linear", [t(1, 3, 8, 8), t(4, 8)]).kind).toBe("global");
  });

  it("padding shifts by the left pad; cropping slices are strided windows; interpolation is unsupported", () => {
    expect(rf(F + "pad", [t(1, 3, 8, 8), new PyTuple([2, 1, 3, 0])])).toEqual(
      spatial([1, 1], [1, 1], [3, 2], [1, 1]),
    );
    expect(rf(F + "pad", [t(1, 3, 8, 8), new PyTuple([0, 0, 0, 0, 1, 1])])).toEqual({
      kind: "pointwise",
    });
    const crop = new PyTuple([
      new PySlice(null, null, null),
      new PySlice(null, null, null),
      new PySlice(1, null, 2),
    ]);
    expect(rf("operator.getitem", [t(1, 3, 8, 8), crop])).toEqual(
      spatial([1, 1], [2, 1], [-1, 0], [1, 1]),
    );
    expect(
      rf("operator.getitem", [t(1, 3, 8, 8), new PyTuple([new PySlice(null, null, null), 0])]),
    ).toEqual({
      kind: "pointwise",
    });
    expect(rf(F + "interpolate", [t(1, 3, 8, 8)], [["scale_factor", 2]]).kind).toBe("unsupported");
  });
});

describe("multiply-accumulates", () => {
  it("products: batch·m·n·k", () => {
    expect(fma("operator.matmul", [t(2, 3), t(3, 4)])).toBe(2 * 4 * 3);
    expect(fma("torch.bmm", [t(5, 2, 3), t(5, 3, 4)])).toBe(5 * 2 * 4 * 3);
    expect(fma("torch.matmul", [t(3), t(3)])).toBe(3);
    expect(fma(F + "linear", [t(8, 10, 16), t(32, 16), t(32)])).toBe(8 * 10 * 32 * 16);
  });
  it("convolution: outputs · C/groups · kernel", () => {
    // 1×4×6×6 output (8×8, k=3), 3 input channels
    expect(fma(F + "conv2d", [t(1, 3, 8, 8), t(4, 3, 3, 3)])).toBe(4 * 6 * 6 * 3 * 9);
    expect(fma(F + "conv2d", [t(1, 4, 8, 8), t(4, 2, 3, 3)], [["groups", 2]])).toBe(
      4 * 6 * 6 * 2 * 9,
    );
  });
  it("attention: L·S·(E + Ev) per batch; einsum: the product of its index sizes", () => {
    expect(
      fma(F + "scaled_dot_product_attention", [t(2, 4, 5, 8), t(2, 4, 6, 8), t(2, 4, 6, 3)]),
    ).toBe(2 * 4 * 5 * 6 * (8 + 3));
    expect(fma("torch.einsum", ["bij,bjk->bik", t(2, 3, 4), t(2, 4, 5)])).toBe(2 * 3 * 4 * 5);
  });
  it("elementwise ops count none", () => {
    expect(fma("operator.add", [t(2, 3), t(2, 3)])).toBe(0);
    expect(fma(F + "relu", [t(2, 3)])).toBe(0);
  });
});

describe("kinds and flags", () => {
  it("kinds", () => {
    expect(opNamed("Tensor.view").kind).toBe("view");
    expect(opNamed("operator.getitem").kind).toBe("view");
    expect(opNamed("torch.cat").kind).toBe("compute");
    expect(opNamed("Tensor.size").kind).toBe("meta");
    expect(opNamed("torch.zeros").kind).toBe("creation");
    expect(opNamed("torch.randn_like").kind).toBe("creation");
  });
  it("in-place: fixed, or decided by `inplace=`", () => {
    expect(opNamed("Tensor.add_").inplace).toBe(true);
    expect(opNamed("Tensor.masked_fill_").inplace).toBe(true);
    expect(opNamed("torch.relu_").inplace).toBe(true);
    expect(opNamed("torch.relu").inplace).toBeUndefined();
    const f = opNamed(F + "relu").inplace as (a: OpArgs<TensorMeta>) => boolean;
    expect(f(argsOf(F + "relu", [t(2)], [["inplace", true]]))).toBe(true);
    expect(f(argsOf(F + "relu", [t(2)]))).toBe(false);
  });
  it("random ops say so", () => {
    for (const n of [
      "torch.rand",
      "torch.randn_like",
      "torch.randint",
      F + "dropout",
      F + "dropout2d",
    ])
      expect(opNamed(n).random, n).toBe(true);
    expect(opNamed("torch.zeros").random).toBeUndefined();
  });
});
