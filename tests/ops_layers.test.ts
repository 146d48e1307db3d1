/**
 * The activation and dropout modules and their functional ops are one thing: a module's
 * constructor defaults are its function's, and its forward is the op's kernel (same values, same
 * gradients, same random masks for the same generator).
 */
import { describe, expect, it } from "vitest";
import { ACTIVATION_FN, activationLayers } from "../src/analysis/layers/activation.js";
import { bindArgs } from "../src/analysis/layers/common.js";
import { dropoutLayers } from "../src/analysis/layers/dropout.js";
import { plainValue } from "../src/spec/types.js";
import { activationDefaults } from "../src/ops/activation.js";
import { bindOp, makeOpArgs, opNamed } from "../src/ops/index.js";
import { PyFloat } from "../src/python/values.js";
import * as T from "../src/tensor/index.js";
import { callOp, TV, tv } from "./ops_host.js";

const data = [-3.5, -2.2, -1.1, -0.3, 0.3, 0.7, 1.3, 2.6, 3.5, -0.6, 0.45, 6.5];
const input = (): T.Tensor => new T.Tensor(Float64Array.from(data), [3, 4], true);

describe("activation modules take their defaults and formulas from the functional ops", () => {
  for (const def of activationLayers) {
    const fn = ACTIVATION_FN[def.type];
    if (def.type === "PReLU" || def.type === "Threshold") continue;
    it(def.type, () => {
      // defaults: every module parameter F.fn also has defaults to the same value
      const fd = activationDefaults(fn);
      for (const p of def.signature) {
        if (!(p.name in fd)) continue;
        const v = fd[p.name];
        expect(p.default, p.name).toEqual(v instanceof PyFloat ? v.float : v);
      }
      // the softmax family along dim 1; every other module with its defaults
      const normaliser = ["Softmax", "LogSoftmax", "Softmin"].includes(def.type);
      const x = input();
      const module = def.forward!(
        def.configure(bindArgs(def, normaliser ? [1] : [], {})),
        x,
        {},
        T,
      );
      const opArgs: [string, number][] = normaliser ? [["dim", 1]] : [];
      const yf = callOp(
        `torch.nn.functional.${fn}`,
        [tv({ shape: [3, 4], dtype: "float64" }, x)],
        opArgs,
        "kernel",
      ) as TV;
      expect([...module.data]).toEqual([...(yf.t as T.Tensor).data]);
      const up = Float64Array.from(data.map((_v, i) => Math.cos(i)));
      const gm = T.grad(T.sum(T.mul(module, new T.Tensor(up, [3, 4]))), [x])[0];
      const gf = T.grad(T.sum(T.mul(yf.t as T.Tensor, new T.Tensor(up, [3, 4]))), [x])[0];
      expect([...gm]).toEqual([...gf]);
    });
  }

  it("LeakyReLU's slope is F.leaky_relu's 0.01", () => {
    const def = activationLayers.find((d) => d.type === "LeakyReLU")!;
    expect(plainValue(def.signature[0].default!)).toBe(0.01);
    expect(opNamed("torch.nn.functional.leaky_relu").params[1].default).toBe(0.01);
  });
});

describe("dropout modules run the functional dropout", () => {
  for (const [type, fn, shape] of [
    ["Dropout", "dropout", [4, 5]],
    ["Dropout1d", "dropout1d", [2, 3, 5]],
    ["Dropout2d", "dropout2d", [2, 3, 4, 4]],
    ["Dropout3d", "dropout3d", [2, 3, 2, 2, 2]],
  ] as const) {
    it(`${type} in training mode draws the masks F.${fn} draws`, () => {
      const def = dropoutLayers.find((d) => d.type === type)!;
      expect(def.signature.map((p) => plainValue(p.default!))).toEqual([0.5, false]);
      const n = shape.reduce((p, s) => p * s, 1);
      const x = new T.Tensor(
        Float64Array.from({ length: n }, (_v, i) => i + 1),
        [...shape],
      );
      const ym = def.forward!(def.configure(bindArgs(def, [0.3], {})), x, {}, T, {
        trainDropout: true,
        generator: new T.Generator(7),
      });
      const g = new T.Generator(7);
      const d = opNamed(`torch.nn.functional.${fn}`);
      const xv = tv({ shape: [...shape], dtype: "float64" }, x);
      const bound = bindOp(d, [xv, 0.3], [], fn);
      const yf = d.kernel!(
        makeOpArgs(d, fn, bound, (v) => (v instanceof TV ? v.t : undefined)),
        T,
        { generator: g, trainDropout: false, dtypeOf: () => "float64" },
      ) as T.Tensor;
      expect([...ym.data]).toEqual([...yf.data]);
      expect(ym.data.some((v) => v === 0)).toBe(true);
    });
  }
  it("eval mode is the identity for modules and for F.dropout(training=False)", () => {
    const def = dropoutLayers.find((d) => d.type === "Dropout")!;
    const x = new T.Tensor(Float64Array.from([1, 2, 3]), [3]);
    expect(def.forward!(def.configure(bindArgs(def, [], {})), x, {}, T)).toBe(x);
    const y = callOp(
      "torch.nn.functional.dropout",
      [tv({ shape: [3], dtype: "float64" }, x)],
      [["training", false]],
      "kernel",
    ) as TV;
    expect(y.t).toBe(x);
  });
});
