/**
 * The op registry's kernels against PyTorch 1.13 (tests/fixtures/ops.json, written by
 * scripts/fixtures/gen_ops.py): forward values and the gradients of every input that requires
 * grad for a random upstream gradient, on small seeded float64 inputs, to 1e-10.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PyTuple, type Value } from "../src/python/values.js";
import * as T from "../src/tensor/index.js";
import type { Tensor } from "../src/tensor/index.js";
import { callOp, decode, flatten, TV } from "./ops_host.js";

interface KernelCase {
  id: string;
  op: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  outputs: { shape: number[]; dtype: string; data: unknown[] }[];
  tuple: boolean;
  upstream: unknown[][];
  grads: (unknown[] | null)[];
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/ops.json", import.meta.url), "utf8"),
) as { kernels: KernelCase[] };

const TOL = 1e-10;

function close(got: readonly number[], want: readonly number[], what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w)) {
      expect(Number.isNaN(g), `${what}[${i}] NaN`).toBe(true);
      continue;
    }
    if (!Number.isFinite(w)) {
      expect(g, `${what}[${i}]`).toBe(w);
      continue;
    }
    const err = Math.abs(g - w);
    if (err > TOL * Math.max(1, Math.abs(w)))
      expect.fail(`${what}[${i}]: got ${g}, PyTorch ${w} (difference ${err})`);
  }
}

describe("op kernels match PyTorch 1.13 (values and gradients)", () => {
  for (const c of fixture.kernels) {
    it(`${c.id}: ${c.op}`, () => {
      const leaves: Tensor[] = [];
      const args = c.args.map((a) => decode(a, "kernel", leaves));
      const kwargs = Object.entries(c.kwargs).map(
        ([k, a]) => [k, decode(a, "kernel", leaves)] as [string, Value],
      );
      const r = callOp(c.op, args, kwargs, "kernel");
      const outs = (c.tuple ? (r as PyTuple).items : [r]) as TV[];
      expect(outs.length).toBe(c.outputs.length);
      outs.forEach((o, i) => {
        const want = c.outputs[i];
        expect(o).toBeInstanceOf(TV);
        expect([...(o.t as Tensor).shape], `${c.id} output ${i} shape`).toEqual(want.shape);
        expect(o.meta.dtype, `${c.id} output ${i} dtype`).toBe(want.dtype);
        close([...(o.t as Tensor).data], flatten(want.data), `${c.id} output ${i}`);
      });
      // the gradients of Σ out·upstream
      const wanted = leaves.map((t, i) => ({ t, g: c.grads[i] })).filter(({ g }) => g !== null);
      const terms = outs
        .map((o, i) => ({ t: o.t as Tensor, up: flatten(c.upstream[i]) }))
        .filter(({ t }) => t.requiresGrad);
      if (wanted.length === 0 || terms.length === 0) {
        expect(wanted.every(({ g }) => (g as unknown[]).every((v) => v === 0))).toBe(true);
        return;
      }
      let loss = T.sum(
        T.mul(terms[0].t, new T.Tensor(Float64Array.from(terms[0].up), terms[0].t.shape)),
      );
      for (const { t, up } of terms.slice(1))
        loss = T.add(loss, T.sum(T.mul(t, new T.Tensor(Float64Array.from(up), t.shape))));
      const grads = T.grad(
        loss,
        wanted.map(({ t }) => t),
      );
      wanted.forEach(({ g }, i) => close([...grads[i]], flatten(g), `${c.id} grad ${i}`));
    });
  }
});
