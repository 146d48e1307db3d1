/**
 * The op registry's meta rules against PyTorch 1.13 (tests/fixtures/ops.json, written by
 * scripts/fixtures/gen_ops.py): each call's result shape, dtype and strides, tuple results, Python
 * values, and the exception type and message of every refusal.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DataDependent, DTypeValue, OpError, type TensorMeta } from "../src/ops/index.js";
import { stridesOf } from "../src/ops/layout.js";
import { PyFloat, PyTuple, type Value } from "../src/python/values.js";
import { callOp, decode, TV } from "./ops_host.js";

interface Described {
  shape?: number[];
  dtype?: string;
  strides?: number[];
  tuple?: Described[];
  names?: string[];
  py?: unknown;
  error?: { type: string; message: string };
}
interface MetaCase {
  id: string;
  op: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  out: Described;
  nostrides?: boolean;
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/ops.json", import.meta.url), "utf8"),
) as { meta: MetaCase[] };

/**
 * Calls whose result size PyTorch knows only from the values (dlq's meta answers DataDependent
 * with the result's dtype; the kernel tests cover the values).
 */
const DATA_DEPENDENT = new Set(["gi_mask", "one_hot_implicit"]);

function pyOf(v: Value): unknown {
  if (v instanceof PyTuple && v.typeName === "torch.Size") return { size: [...v.items] };
  if (v instanceof PyTuple) return { tuple: v.items.map(pyOf) };
  if (v instanceof DTypeValue) return { dtype: v.dtype };
  if (v instanceof PyFloat) return { f: v.float };
  if (typeof v === "number" && !Number.isInteger(v)) return { f: v };
  return v;
}

function expectDescribed(v: Value, d: Described, strides: boolean, where: string): void {
  if (d.tuple) {
    expect(v, where).toBeInstanceOf(PyTuple);
    const t = v as PyTuple;
    expect(t.items.length, where).toBe(d.tuple.length);
    d.tuple.forEach((x, i) => expectDescribed(t.items[i], x, strides, `${where}[${i}]`));
    if (d.names) expect(t.names, where).toEqual(d.names);
    return;
  }
  if ("py" in d) {
    expect(pyOf(v), where).toEqual(d.py);
    return;
  }
  expect(v, where).toBeInstanceOf(TV);
  const m = (v as TV).meta as TensorMeta;
  expect({ shape: [...m.shape], dtype: m.dtype }, where).toEqual({
    shape: d.shape,
    dtype: d.dtype,
  });
  if (strides) expect([...stridesOf(m)], `${where} strides`).toEqual(d.strides);
}

describe("op meta rules match PyTorch 1.13", () => {
  for (const c of fixture.meta) {
    it(`${c.id}: ${c.op}`, () => {
      const run = (): Value =>
        callOp(
          c.op,
          c.args.map((a) => decode(a, "meta")),
          Object.entries(c.kwargs).map(([k, a]) => [k, decode(a, "meta")] as [string, Value]),
        );
      if (DATA_DEPENDENT.has(c.id)) {
        let err: unknown;
        try {
          run();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(DataDependent);
        expect((err as DataDependent).dtype).toBe(c.out.dtype);
        return;
      }
      if (c.out.error) {
        let err: unknown;
        try {
          run();
        } catch (e) {
          err = e;
        }
        expect(err, "expected PyTorch's refusal").toBeInstanceOf(OpError);
        const e = err as OpError;
        expect({ type: e.pyType, message: e.message }).toEqual(c.out.error);
        return;
      }
      expectDescribed(run(), c.out, !c.nostrides, c.id);
    });
  }
});
