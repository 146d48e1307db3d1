/**
 * A minimal host for testing the op registry (src/ops) outside the interpreter: tensors as host
 * values carrying a meta tensor (and, in kernel mode, a tensor-core tensor), calls bound and run
 * as both interpreter hosts run them (meta first; then the kernel, whose result is paired with the
 * meta's dtype), and the decoding of tests/fixtures/ops.json's argument encoding.
 */
import {
  DataDependent,
  DTypeValue,
  bindOp,
  isTensorOut,
  lookupOp,
  makeOpArgs,
  type DType,
  type KernelContext,
  type OpOut,
  type TensorMeta,
} from "../src/ops/index.js";
import {
  ELLIPSIS,
  HostValue,
  PyList,
  PySlice,
  PyTuple,
  pyFloat,
  type Value,
} from "../src/python/values.js";
import * as T from "../src/tensor/index.js";
import type { Tensor } from "../src/tensor/index.js";

/** A tensor value: its meta and, in kernel mode, its data. */
export class TV extends HostValue {
  constructor(
    readonly meta: TensorMeta,
    readonly t?: Tensor,
  ) {
    super();
  }
  get typeName(): string {
    return "Tensor";
  }
}

export type Mode = "meta" | "kernel";

const dtypes = new WeakMap<Tensor, DType>();
export const ctx: KernelContext = {
  generator: new T.Generator(0),
  trainDropout: false,
  dtypeOf: (t) => dtypes.get(t) ?? "float64",
};

/** A host tensor value of `meta` and tensor `t`. */
export function tv(meta: TensorMeta, t?: Tensor): TV {
  if (t) dtypes.set(t, meta.dtype);
  return new TV(meta, t);
}

/** The value of an op result: tensors as TV, tuples as PyTuple, Python values as they are. */
function wrap(m: OpOut<TensorMeta>, k: OpOut<Tensor> | undefined, dd?: DataDependent): Value {
  if (k !== undefined && isTensorOut(k)) {
    const meta: TensorMeta =
      m !== undefined && isTensorOut(m)
        ? m
        : { shape: [...k.shape], dtype: dd?.dtype ?? "float64" };
    return tv(meta, k);
  }
  if (k !== undefined && "py" in k) return k.py;
  if (k !== undefined && "tuple" in k) {
    const ms = m !== undefined && "tuple" in m ? m.tuple : [];
    return new PyTuple(
      k.tuple.map((x, i) => wrap(ms[i], x)),
      k.names,
      k.typeName,
    );
  }
  if (isTensorOut(m)) return tv(m);
  if ("py" in m) return m.py;
  return new PyTuple(
    m.tuple.map((x) => wrap(x, undefined)),
    m.names,
    m.typeName,
  );
}

/**
 * Calls op `name` as a host does: binds, runs the meta rule (validation, dtype) and, in kernel
 * mode, the kernel; a DataDependent meta answer lets the kernel decide the shape.
 */
export function callOp(
  name: string,
  args: readonly Value[],
  kwargs: readonly [string, Value][] = [],
  mode: Mode = "meta",
): Value {
  const def = lookupOp(name);
  if (!def) throw new Error(`no op ${name}`);
  const bound = bindOp(def, args, kwargs, name);
  const ma = makeOpArgs(def, name, bound, (v) => (v instanceof TV ? v.meta : undefined));
  let m: OpOut<TensorMeta> | undefined;
  let dd: DataDependent | undefined;
  try {
    m = def.meta(ma);
  } catch (e) {
    if (mode === "kernel" && e instanceof DataDependent) dd = e;
    else throw e;
  }
  if (mode === "meta" || !def.kernel) return wrap(m as OpOut<TensorMeta>, undefined);
  const ka = makeOpArgs(def, name, bound, (v) => (v instanceof TV ? v.t : undefined));
  const k = def.kernel(ka, T, ctx);
  return wrap(m as OpOut<TensorMeta>, k, dd);
}

/** Flattens nested lists of numbers (row-major). */
export function flatten(v: unknown): number[] {
  if (Array.isArray(v)) return v.flatMap(flatten);
  if (v === "nan") return [NaN];
  if (v === "inf") return [Infinity];
  if (v === "-inf") return [-Infinity];
  if (typeof v === "boolean") return [v ? 1 : 0];
  return [v as number];
}

/** An encoded fixture tensor. */
export interface TensorSpec {
  shape: number[];
  dtype: DType;
  data?: unknown;
  grad?: boolean;
  then?: [string, unknown[], Record<string, unknown>][];
}

/**
 * Decodes a fixture value; tensors become TVs (`leaves` collects the base tensors in order, as the
 * generator does).
 */
export function decode(v: unknown, mode: Mode, leaves: Tensor[] = []): Value {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v as Value;
  if (typeof v === "number") return v;
  if (Array.isArray(v)) return new PyList(v.map((x) => decode(x, mode, leaves)));
  const o = v as Record<string, unknown>;
  if ("f" in o) return pyFloat(flatten(o.f)[0]);
  if ("tuple" in o) return new PyTuple((o.tuple as unknown[]).map((x) => decode(x, mode, leaves)));
  if ("slice" in o) {
    const [a, b, c] = o.slice as (number | null)[];
    return new PySlice(a, b, c);
  }
  if ("ellipsis" in o) return ELLIPSIS;
  if ("dtype" in o) return new DTypeValue(o.dtype as DType);
  if ("T" in o) {
    const s = o.T as TensorSpec;
    const meta: TensorMeta = { shape: s.shape, dtype: s.dtype };
    let x: Value;
    if (mode === "kernel") {
      const data =
        s.data === undefined
          ? new Array(s.shape.reduce((p, q) => p * q, 1)).fill(0)
          : flatten(s.data);
      const t = new T.Tensor(Float64Array.from(data), s.shape);
      const floating = ["float64", "float32", "float16", "bfloat16"].includes(s.dtype);
      if (floating && s.grad !== false) t.requiresGrad = true;
      leaves.push(t);
      x = tv(meta, t);
    } else x = tv(meta);
    for (const [n, args, kw] of s.then ?? []) {
      x = callOp(
        n,
        [x, ...args.map((a) => decode(a, mode))],
        Object.entries(kw).map(([k, a]) => [k, decode(a, mode)] as [string, Value]),
        mode,
      );
    }
    return x;
  }
  throw new Error(`cannot decode ${JSON.stringify(v)}`);
}
