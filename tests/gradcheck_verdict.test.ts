// gradcheck's verdict against PyTorch's own gradcheck (tests/fixtures/gradcheck_verdict.json, from
// scripts/fixtures/gen_gradcheck_verdict.py): the same functions at the same float64 inputs, eps,
// tolerances and mode. Wherever the input is not at a kink, dlq's pass/fail must be PyTorch's —
// smooth functions at a coarse eps and deliberately wrong gradients fail, never "inconclusive";
// at real kinks dlq says "inconclusive" only where the fixture says so, and never exits 0 then
// unless --allow-inconclusive (and something was verified).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, dlqInProcess as dlq } from "./helpers.js";
import { registerFunction } from "../src/analysis/gradcheck_host.js";
import * as T from "../src/tensor/index.js";

interface Case {
  name: string;
  expr: string;
  vars: { name: string; grad: boolean; values: unknown }[];
  eps: number;
  atol: number;
  rtol: number;
  fast: boolean;
  kink: boolean;
  pytorch: "pass" | "fail";
  dlq: "pass" | "fail" | "inconclusive";
}
const fixture = JSON.parse(
  readFileSync(ROOT + "tests/fixtures/gradcheck_verdict.json", "utf8"),
) as { cases: Case[] };

// The test-only ops, with the same (wrong) backward rules as the fixture script's
// torch.autograd.Functions.
const op = (
  name: string,
  fwd: (x: number) => number,
  bwd: (x: number, y: number) => number,
  side?: (x: number) => number,
): void =>
  registerFunction(`torch.${name}`, ["input"], (b) => {
    const a = b.args.input as T.Tensor;
    const y = a.data.map(fwd);
    if (side) T.noteBranches(name, a.size, (i) => side(a.data[i]));
    return T.createOp(name, y, a.shape, [a], (g) => [g.map((gv, i) => gv * bwd(a.data[i], y[i]))]);
  });
op(
  "gc_wrong_cube",
  (x) => x * x * x,
  (x) => 3 * x,
);
op(
  "gc_good_cube",
  (x) => x * x * x,
  (x) => 3 * x * x,
);
op(
  "gc_half_square",
  (x) => x * x,
  (x) => x,
);
op("gc_scaled_exp", Math.exp, (_x, y) => 1.01 * y);
// |x| with the backward 2 at 0: reports its kink like abs, so the kink is witnessed and the value
// 2, outside the one-sided derivatives −1 and 1, is what makes it fail
op("gc_abs_bad_at_zero", Math.abs, (x) => (x === 0 ? 2 : Math.sign(x)), T.signSide);

/** The command line of a case; inputs as `[values]` literals, or as `@file` JSON files in `dir`. */
const args = (c: Case, extra: string[] = [], dir?: string): string[] => [
  "gradcheck",
  c.expr,
  ...c.vars.flatMap((v) => {
    let spec = JSON.stringify(v.values);
    if (dir) {
      spec = "@" + join(dir, `${v.name}.json`);
      writeFileSync(spec.slice(1), JSON.stringify(v.values));
    }
    return ["--var", `${v.name}=${spec}${v.grad ? "" : ":const"}`];
  }),
  "--eps",
  String(c.eps),
  "--atol",
  String(c.atol),
  "--rtol",
  String(c.rtol),
  ...(c.fast ? ["--fast"] : []),
  "--json",
  ...extra,
];

describe("the fixture", () => {
  it("has at least 24 cases: smooth at coarse and tiny eps, wrong gradients, kinks, fast mode", () => {
    const cs = fixture.cases;
    expect(cs.length).toBeGreaterThanOrEqual(24);
    expect(cs.filter((c) => c.pytorch === "fail" && !c.kink).length).toBeGreaterThanOrEqual(12);
    expect(cs.filter((c) => c.expr.includes("gc_")).length).toBeGreaterThanOrEqual(3);
    expect(cs.filter((c) => c.eps >= 0.1).length).toBeGreaterThanOrEqual(5);
    expect(cs.filter((c) => c.eps <= 1e-11).length).toBeGreaterThanOrEqual(2);
    expect(cs.filter((c) => c.fast).length).toBeGreaterThanOrEqual(3);
    for (const v of ["pass", "fail", "inconclusive"])
      expect(cs.some((c) => c.dlq === v)).toBe(true);
    // away from kinks the expectation is PyTorch's verdict
    for (const c of cs) if (!c.kink) expect(c.dlq).toBe(c.pytorch);
  });
});

describe("dlq's verdict equals PyTorch's gradcheck away from kinks", () => {
  for (const c of fixture.cases.filter((c) => !c.kink)) {
    it(`${c.name}: ${c.pytorch}`, async () => {
      const r = await dlq(...args(c));
      expect(r.err).toBe("");
      const doc = JSON.parse(r.out);
      expect(doc.verdict, JSON.stringify(doc.inputs.map((i: object) => i))).toBe(c.pytorch);
      expect(r.code).toBe(c.pytorch === "pass" ? 0 : 1);
      // never a kink where there is none
      for (const i of doc.inputs) expect(i.inconclusive).toBe(0);
    });
  }
});

describe("at real kinks, inconclusive only where the derivative does not exist", () => {
  for (const c of fixture.cases.filter((c) => c.kink)) {
    it(`${c.name}: ${c.dlq} (PyTorch: ${c.pytorch})`, async () => {
      const r = await dlq(...args(c));
      expect(r.err).toBe("");
      const doc = JSON.parse(r.out);
      expect(doc.verdict).toBe(c.dlq);
      expect(r.code).toBe(c.dlq === "pass" ? 0 : 1);
      const inconclusive = doc.inputs.reduce(
        (s: number, i: { inconclusive: number }) => s + i.inconclusive,
        0,
      );
      if (c.dlq === "inconclusive") {
        expect(inconclusive).toBeGreaterThan(0);
        // --allow-inconclusive passes exactly when every input had something verified
        const a = await dlq(...args(c, ["--allow-inconclusive"]));
        const verified = doc.inputs.every((i: { matched: number }) => i.matched > 0);
        expect(a.code).toBe(verified ? 0 : 1);
        expect(JSON.parse(a.out).verdict).toBe(verified ? "pass" : "inconclusive");
      }
      if (c.dlq === "fail") {
        // --allow-inconclusive never turns a failure into a pass
        expect((await dlq(...args(c, ["--allow-inconclusive"]))).code).toBe(1);
      }
    });
  }
});

describe("inputs loaded with @file give the same verdicts", () => {
  for (const name of ["exp(10W) at eps 0.5", "course: mean(X @ W + b)", "relu at 0"]) {
    it(name, async () => {
      const c = fixture.cases.find((x) => x.name === name)!;
      const dir = mkdtempSync(join(tmpdir(), "dlq-verdict-"));
      try {
        const r = await dlq(...args(c, [], dir));
        expect(r.err).toBe("");
        expect(JSON.parse(r.out).verdict).toBe(c.dlq);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
