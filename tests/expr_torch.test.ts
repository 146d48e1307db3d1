// The expression interpreter against PyTorch 1.13: value and torch.autograd gradients of the same
// source text at the same inputs (tests/fixtures/gradcheck_expr.json, scripts/fixtures/gen_gradcheck.py).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { prepare, type VarSpec } from "../src/analysis/gradcheck.js";
import * as T from "../src/tensor/index.js";

interface Case {
  name: string;
  source: string;
  inputs: { name: string; requires_grad: boolean; values: unknown }[];
  value: number;
  grads: Record<string, T.NestedArray>;
}
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/gradcheck_expr.json", import.meta.url), "utf8"),
) as { cases: Case[] };

const flat = (v: T.NestedArray): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
function expectClose(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    const tol = 1e-10 * Math.max(1, Math.abs(want[i]));
    expect(Math.abs(g - want[i]), `${what}[${i}]: ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol);
  });
}

describe("interpreter reproduces PyTorch values and gradients (1e-10 rel)", () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const vars: VarSpec[] = c.inputs.map((i) => ({
        name: i.name,
        text: `${i.name}=<fixture>`,
        source: "values",
        values: i.values,
        grad: i.requires_grad,
      }));
      const p = prepare(c.source, "<expr>", vars, 0);
      const out = p.f();
      expectClose([out.item()], [c.value], "value");
      const names = Object.keys(c.grads);
      const ts = names.map((n) => p.inputs.find((x) => x.name === n)!.tensor);
      const gs = T.grad(out, ts);
      names.forEach((n, k) => expectClose(Array.from(gs[k]), flat(c.grads[n]), `d/d${n}`));
    });
  }
});

describe("interpreter semantics", () => {
  const run = (src: string, vars: string[] = []): T.Tensor =>
    prepare(
      src,
      "<expr>",
      vars.map((v) => {
        const [name, json] = v.split("=");
        return { name, text: v, source: "values", values: JSON.parse(json), grad: true };
      }),
      0,
    ).f();
  it("numbers follow Python: int division, floor, power, precedence", () => {
    expect(run("(x * (7 // 2 + 2 ** 3 % 5 - -1)).sum()", ["x=[1]"]).item()).toBe(7);
    expect(run("x.sum() / 4", ["x=[2, 6]"]).item()).toBe(2);
  });
  it("indexing and slicing follow PyTorch", () => {
    expect(run("x[1, 1:].sum() + x[-1, 0]", ["x=[[1, 2, 3], [4, 5, 6]]"]).item()).toBe(15);
    expect(run("x[:, ::2].sum()", ["x=[[1, 2, 3], [4, 5, 6]]"]).item()).toBe(14);
  });
  it("a lambda and keyword arguments", () => {
    expect(run("(lambda a, k=2: a * k)(x, k=3).sum()", ["x=[1, 2]"]).item()).toBe(9);
  });
  it("located errors: undefined names, unknown functions, shapes, syntax", () => {
    const err = (src: string, vars: string[] = []): string => {
      try {
        run(src, vars);
      } catch (e) {
        return (e as { toLine(): string }).toLine();
      }
      return "no error";
    };
    expect(err("torch.mean(X @ W + b)", ["W=[[1]]"])).toBe(
      "<expr>:1:12: names 'X', 'b' are not defined: pass --var X=SHAPE --var b=SHAPE",
    );
    expect(err("torch.meen(x)", ["x=[1]"])).toMatch(
      /^<expr>:1:7: unknown function 'torch.meen' \(did you mean 'torch.mean'/,
    );
    expect(err("(x @ y).sum()", ["x=[[1, 2]]", "y=[[1, 2]]"])).toBe(
      "<expr>:1:4: mat1 and mat2 shapes cannot be multiplied (1x2 and 1x2)",
    );
    expect(err("x.sum(", ["x=[1]"])).toMatch(/^<expr>:1:\d+: invalid syntax/);
    expect(err("x.summ()", ["x=[1]"])).toMatch(
      /^<expr>:1:3: 'Tensor' object has no attribute 'summ' \(did you mean '.sum'/,
    );
    expect(err("F.relu(x, foo=1).sum()", ["x=[1]"])).toMatch(/unexpected keyword argument 'foo'/);
  });
});
