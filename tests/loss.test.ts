/**
 * `dlq loss`: hand-derived values and gradients of each loss, PyTorch fixtures
 * (scripts/fixtures/gen_loss.py), the course's dog-vs-hotdog comparison, and the real bin.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lossCompare, lossGrad, type LossName } from "../src/analysis/loss.js";
import type { NestedArray } from "../src/tensor/index.js";
import { parseNumbers } from "../src/commands/loss.js";
import { ROOT, dlq } from "./helpers.js";

const flat = (v: NestedArray | null): number[] =>
  v === null ? [] : typeof v === "number" ? [v] : v.flatMap(flat);
const close = (got: NestedArray | null, want: NestedArray, tol = 1e-12): void => {
  const g = flat(got);
  const w = flat(want);
  expect(g).toHaveLength(w.length);
  g.forEach((x, i) => expect(Math.abs(x - w[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(w[i]))));
};

describe("hand-derived", () => {
  it("mse: mean (p − t)², gradient 2(p − t)/n", () => {
    const r = lossGrad("mse", [0.2, 0.9], [1, 0]);
    close(r.value, (0.64 + 0.81) / 2);
    close(r.gradPred, [(2 * -0.8) / 2, (2 * 0.9) / 2]);
  });
  it("l1: mean |p − t|, gradient sign(p − t)/n; sum reduction drops the 1/n", () => {
    const r = lossGrad("l1", [0.2, 0.9, 3], [1, 0, 3], { reduction: "sum" });
    close(r.value, 0.8 + 0.9);
    close(r.gradPred, [-1, 1, 0]);
  });
  it("bce: −[t log p + (1 − t) log(1 − p)], dℓ/dp = (p − t)/(p(1 − p)), dℓ/dz = p − t", () => {
    const r = lossGrad("bce", [0.2, 0.9], [1, 0]);
    close(r.value, (-Math.log(0.2) - Math.log(0.1)) / 2);
    close(r.gradPred, [(0.2 - 1) / (0.2 * 0.8) / 2, 0.9 / (0.9 * 0.1) / 2]);
    close(r.gradLogits, [(0.2 - 1) / 2, 0.9 / 2]);
    close(r.logits, [Math.log(0.2 / 0.8), Math.log(0.9 / 0.1)]);
  });
  it("bce_logits: dℓ/dz = σ(z) − t", () => {
    const s = (z: number): number => 1 / (1 + Math.exp(-z));
    const r = lossGrad("bce_logits", [2, -1], [1, 0], { reduction: "sum" });
    close(r.value, -Math.log(s(2)) - Math.log(1 - s(-1)));
    close(r.gradPred, [s(2) - 1, s(-1)]);
    close(r.probs, [s(2), s(-1)]);
  });
  it("ce: −log softmax(z)[t], dℓ/dz = softmax(z) − onehot(t)", () => {
    const e = [2, 1, 0.1].map(Math.exp);
    const Z = e[0] + e[1] + e[2];
    const r = lossGrad("ce", [[2, 1, 0.1]], [0]);
    close(r.value, -Math.log(e[0] / Z));
    close(r.gradPred, [[e[0] / Z - 1, e[1] / Z, e[2] / Z]]);
    close(r.probs, [[e[0] / Z, e[1] / Z, e[2] / Z]]);
  });
  it("mse through a sigmoid: dℓ/dz = 2(p − t)·p(1 − p)", () => {
    const r = lossGrad("mse", [0.01], [1], { sigmoid: true });
    close(r.gradLogits, [2 * (0.01 - 1) * 0.01 * 0.99]);
  });
  it("a probability of 0 has no logit: a note instead of a gradient", () => {
    const r = lossGrad("bce", [0, 0.5], [0, 1]);
    expect(r.gradLogits).toBeNull();
    expect(r.note).toMatch(/infinite logit/);
  });
});

describe("refusals and values that do not exist", () => {
  it("every ce target is ignore_index (-100): mean is 0/0, null (PyTorch 1.13: nan, grad 0)", () => {
    const r = lossGrad("ce", [[1, 2, 3]], [-100]);
    expect(r.value).toBeNull();
    expect(r.undefinedReason).toMatch(/every target is ignore_index \(-100\)/);
    close(r.gradPred, [[0, 0, 0]]);
    // sum and none are defined: 0 (PyTorch: tensor(0.), tensor([0.]))
    close(lossGrad("ce", [[1, 2, 3]], [-100], { reduction: "sum" }).value, 0);
    close(lossGrad("ce", [[1, 2, 3]], [-100], { reduction: "none" }).value, [0]);
  });
  it("some ce targets ignored: the mean is over the others (PyTorch 1.13: 1.0986122886681098)", () => {
    const r = lossGrad(
      "ce",
      [
        [1, 2, 3],
        [1, 1, 1],
      ],
      [-100, 0],
    );
    close(r.value, Math.log(3));
    close(r.gradPred, [
      [0, 0, 0],
      [1 / 3 - 1, 1 / 3, 1 / 3],
    ]);
  });
  it("a loss that overflows float64 is refused: (1e200 − 1)² > 1.8e308", () => {
    expect(() => lossGrad("mse", [1e200], [1])).toThrow(/the loss is infinite in float64/);
    expect(() => lossGrad("l1", [1e308], [-1e308], { reduction: "sum" })).toThrow(/infinite/);
    close(lossGrad("mse", [1e150], [0]).value, 1e300);
  });
  it("--sigmoid: probabilities must be in [0, 1]; 0 and 1 are accepted", () => {
    for (const p of [2, -0.5]) {
      for (const name of ["mse", "l1"] as const) {
        expect(() => lossGrad(name, [p], [1], { sigmoid: true })).toThrow(/must be in \[0, 1\]/);
      }
    }
    expect(lossGrad("mse", [1], [1], { sigmoid: true }).note).toMatch(/infinite logit/);
  });
  it("ce class indices must be integers (PyTorch refuses a float target of another shape)", () => {
    expect(() => lossGrad("ce", [[1, 2, 3]], [0.5])).toThrow(/class indices must be integers/);
    // class probabilities of the logits' shape are fine
    const e = [1, 2, 3].map(Math.exp);
    const Z = e[0] + e[1] + e[2];
    const r = lossGrad("ce", [[1, 2, 3]], [[0.5, 0.5, 0]]);
    close(r.value, -0.5 * Math.log(e[0] / Z) - 0.5 * Math.log(e[1] / Z));
  });
});

describe("dog (0) vs hotdog (1): L2 vs BCE through a sigmoid", () => {
  const rows = lossCompare(1, [0.01, 0.1, 0.5, 0.9]);
  it("p = 0.01: dL2/dz = 2(p − 1)p(1 − p) ≈ −0.0196, dBCE/dz = p − 1 = −0.99", () => {
    expect(rows[0].dl2_dlogit).toBeCloseTo(-0.019602, 12);
    expect(rows[0].dbce_dlogit).toBeCloseTo(-0.99, 12);
    expect(rows[0].l2).toBeCloseTo(0.9801, 12);
    expect(rows[0].bce).toBeCloseTo(-Math.log(0.01), 12);
    expect(rows[0].dl2_dp).toBeCloseTo(-1.98, 12);
    expect(rows[0].dbce_dp).toBeCloseTo(-100, 9);
  });
  it("every row: the two formulas", () => {
    for (const r of rows) {
      const p = r.p;
      expect(r.dl2_dlogit).toBeCloseTo(2 * (p - 1) * p * (1 - p), 12);
      expect(r.dbce_dlogit).toBeCloseTo(p - 1, 12);
      expect(r.logit).toBeCloseTo(Math.log(p / (1 - p)), 12);
    }
  });
  it("confidently wrong: BCE's gradient is 50 times L2's", () => {
    expect(rows[0].dbce_dlogit / rows[0].dl2_dlogit).toBeCloseTo(0.99 / 0.019602, 9);
  });
});

describe("PyTorch fixtures (scripts/fixtures/gen_loss.py)", () => {
  const fx = JSON.parse(readFileSync(ROOT + "tests/fixtures/loss.json", "utf8")) as {
    cases: {
      loss: LossName;
      reduction: "mean" | "sum" | "none";
      pred: NestedArray;
      target: NestedArray;
      value: NestedArray;
      grad_pred: NestedArray;
      grad_logits?: NestedArray;
    }[];
  };
  for (const c of fx.cases) {
    it(`${c.loss} ${c.reduction} ${JSON.stringify(c.pred)} ${JSON.stringify(c.target)}`, () => {
      const r = lossGrad(c.loss, c.pred, c.target, { reduction: c.reduction });
      close(r.value, c.value);
      close(r.gradPred, c.grad_pred);
      if (c.grad_logits) close(r.gradLogits, c.grad_logits, 1e-10);
    });
  }
  it("covers every loss", () => {
    expect(new Set(fx.cases.map((c) => c.loss))).toEqual(
      new Set(["mse", "l1", "bce", "bce_logits", "ce"]),
    );
  });
});

describe("parsing numbers", () => {
  it("comma lists, negative numbers and JSON arrays", () => {
    expect(parseNumbers("0.2,0.9", "--pred")).toEqual([0.2, 0.9]);
    expect(parseNumbers("-1, 2e-3", "--pred")).toEqual([-1, 0.002]);
    expect(parseNumbers("[[2,1,0.1]]", "--pred")).toEqual([[2, 1, 0.1]]);
  });
  it("refuses ragged arrays and words", () => {
    expect(() => parseNumbers("[[1,2],[3]]", "--pred")).toThrow(/ragged/);
    expect(() => parseNumbers("0.2,abc", "--pred")).toThrow(/'abc' is not a number/);
  });
});

describe("the real bin", () => {
  it("loss compare --json", () => {
    const r = dlq(["loss", "compare", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.schema_version).toBe(1);
    expect(j.target).toBe(1);
    expect(j.rows).toHaveLength(4);
    expect(j.rows[0].dl2_dlogit).toBeCloseTo(-0.019602, 12);
    expect(j.rows[0].dbce_dlogit).toBeCloseTo(-0.99, 12);
  });
  it("loss compare as a table", () => {
    const r = dlq(["loss", "compare"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/-0\.019602/);
    expect(r.stdout).toMatch(/-0\.99/);
  });
  it("ce with a JSON array of logits and a class index", () => {
    const r = dlq(["loss", "ce", "--target", "0", "--pred", "[[2,1,0.1]]", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.value).toBeCloseTo(0.4170300162778335, 12);
    expect(j.grad_logits[0]).toHaveLength(3);
  });
  it("all targets ignored: 'undefined' in text, null in JSON, exit 0", () => {
    const t = dlq(["loss", "ce", "--target", "-100", "--pred", "[[1,2,3]]"]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^loss\s+undefined: every target is ignore_index \(-100\)/m);
    expect(t.stdout).not.toMatch(/NaN|Infinity/);
    const j = JSON.parse(
      dlq(["loss", "ce", "--target", "-100", "--pred", "[[1,2,3]]", "--json"]).stdout,
    );
    expect(j.value).toBeNull();
    expect(j.note).toMatch(/ignore_index/);
  });
  it("bad input exits 2 with one line and no stack", () => {
    for (const args of [
      ["loss", "mse", "--target", "1", "--pred", "1e200"],
      ["loss", "mse", "--sigmoid", "--target", "1", "--pred", "2"],
      ["loss", "l1", "--sigmoid", "--target", "1", "--pred", "-0.5"],
      ["loss", "ce", "--target", "0.5", "--pred", "[[1,2,3]]"],
      ["loss", "bce", "--target", "1", "--pred", "1.5"],
      ["loss", "ce", "--target", "5", "--pred", "[[2,1,0.1]]"],
      ["loss", "msee", "--target", "1", "--pred", "1"],
      ["loss", "mse", "--pred", "1"],
    ]) {
      const r = dlq(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    expect(dlq(["loss", "msee", "--target", "1", "--pred", "1"]).stderr).toMatch(
      /did you mean 'mse'/,
    );
    expect(dlq(["loss", "mse", "--target", "1", "--pred", "1e200"]).stderr).toMatch(
      /--pred: the loss is infinite in float64/,
    );
    expect(dlq(["loss", "ce", "--target", "0.5", "--pred", "[[1,2,3]]"]).stderr).toMatch(
      /--target: class indices must be integers, got 0\.5/,
    );
  });
});
