/**
 * Argument binding and validators shared by every layer definition. The messages follow
 * PyTorch's wording where PyTorch has one.
 */
import { isPyFloat, type PyValue } from "../../spec/types.js";
import { didYouMean } from "../../util/suggest.js";
import { LayerError, type LayerDef, type ParamSpec, type Shape } from "./types.js";

/** The factory keywords (`device`, `dtype`) that every module with parameters takes last. */
export const FACTORY: readonly ParamSpec[] = [
  { name: "device", default: null },
  { name: "dtype", default: null },
];

/** Renders a value as Python would print it (for messages): a whole float as `3.0`. */
export function py(v: PyValue | undefined): string {
  if (v === undefined) return "<missing>";
  if (v === null) return "None";
  if (isPyFloat(v)) {
    const x = v.float;
    // Python's float repr: exponent notation from 1e16 on, else the digits and ".0".
    if (Math.abs(x) >= 1e16) return x.toExponential();
    return Object.is(x, -0) ? "-0.0" : `${x}.0`;
  }
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return `'${v}'`;
  if (Array.isArray(v)) return `(${v.map(py).join(", ")}${v.length === 1 ? "," : ""})`;
  // Python's float repr of the non-finite values, never JavaScript's Infinity/NaN.
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return String(v);
}

/** Renders a shape as `[1, 3, 224, 224]`. */
export function shapeStr(s: Shape): string {
  return `[${s.join(", ")}]`;
}

/**
 * Binds positional and keyword arguments to the signature's names and fills defaults, as Python
 * does for `__init__`. Values are bound as written: a whole float stays a `PyFloat`
 * (src/spec/types.ts), for validation to refuse where PyTorch needs an int. Throws LayerError on an
 * unknown keyword (with suggestions), too many positional arguments, an argument given twice, or a
 * missing required argument. `opts.repr`: the arguments come from a printed repr, which may show
 * keywords that `__init__` does not take ({@link LayerDef.reprKeywords}).
 */
export function bindArgs(
  def: Pick<LayerDef, "type" | "signature" | "variadic" | "reprKeywords">,
  positional: readonly PyValue[],
  keywords: Readonly<Record<string, PyValue>>,
  opts: { repr?: boolean } = {},
): Record<string, PyValue> {
  if (opts.repr && def.reprKeywords) keywords = withoutReprKeywords(def, keywords);
  const sig: ParamSpec[] = def.signature;
  const names = sig.map((p) => p.name);
  if (positional.length > sig.length && !def.variadic) {
    throw new LayerError(
      `${def.type}() takes ${sig.length} positional argument${sig.length === 1 ? "" : "s"} but ${positional.length} were given`,
    );
  }
  const out: Record<string, PyValue> = {};
  // A variadic module (`nn.Identity(*args, **kwargs)`) ignores what its signature does not name.
  positional.slice(0, sig.length).forEach((v, i) => (out[names[i]] = v));
  for (const [k, v] of Object.entries(keywords)) {
    if (!names.includes(k)) {
      if (def.variadic) continue;
      throw new LayerError(
        `${def.type}() got an unexpected keyword argument '${k}'${didYouMean(k, names)}`,
      );
    }
    if (k in out) throw new LayerError(`${def.type}() got multiple values for argument '${k}'`);
    out[k] = v;
  }
  for (const p of sig) {
    if (!(p.name in out)) {
      if (p.default === undefined) {
        throw new LayerError(`${def.type}() missing required argument '${p.name}'`);
      }
      out[p.name] = p.default;
    }
  }
  return out;
}

/**
 * `keywords` without the ones a repr prints but `__init__` does not take ({@link LayerDef.reprKeywords});
 * throws LayerError when such a keyword holds another value than the class's own.
 */
function withoutReprKeywords(
  def: Pick<LayerDef, "type" | "reprKeywords">,
  keywords: Readonly<Record<string, PyValue>>,
): Record<string, PyValue> {
  const out: Record<string, PyValue> = {};
  for (const [k, v] of Object.entries(keywords)) {
    const fixed = def.reprKeywords?.[k];
    if (fixed === undefined) {
      out[k] = v;
    } else if (v !== fixed) {
      throw new LayerError(
        `${def.type} prints ${k}=${String(fixed)}, but this repr has ${k}=${py(v)}`,
      );
    }
  }
  return out;
}

function isInt(v: PyValue): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

/**
 * An int, exactly as written. Beyond 2^53 − 1 float64 skips integers (2^53 + 1 reads as 2^53), so
 * such a size is refused rather than rounded.
 */
function exactInt(name: string, v: PyValue): number {
  if (typeof v === "number" && !Number.isFinite(v)) {
    // inf/nan, or what an int expression beyond float64 became (9**9**9, 9**9**9 % 7).
    throw new LayerError(
      `${name} must be an int, got ${py(v)} (an int beyond 2^53 − 1, e.g. 9**9**9, is out of dlq's range)`,
    );
  }
  if (!isInt(v)) throw new LayerError(`${name} must be an int, got ${py(v)}`);
  if (!Number.isSafeInteger(v)) {
    throw new LayerError(`${name} is too large (beyond 2^53 − 1, dlq cannot hold it exactly)`);
  }
  return v;
}

/** An int ≥ `min` (default 1); a float, even a whole one (`3.0`), is refused, as PyTorch does. */
export function int(name: string, v: PyValue, min = 1): number {
  const n = exactInt(name, v);
  if (n < min) throw new LayerError(`${name} must be ≥ ${min}, got ${n}`);
  return n;
}

/** Any int (negative allowed, e.g. a dim). */
export function anyInt(name: string, v: PyValue): number {
  return exactInt(name, v);
}

/**
 * `v` with a whole float ({@link PyFloat}) read as its number, for an argument PyTorch takes as an
 * int or a float alike; any other value unchanged.
 */
export function unfloat(v: PyValue): PyValue {
  return isPyFloat(v) ? v.float : v;
}

/** A real number (int or float) within [lo, hi]. */
export function real(name: string, v: PyValue, lo = -Infinity, hi = Infinity): number {
  const x = unfloat(v);
  if (typeof x !== "number" || !Number.isFinite(x)) {
    throw new LayerError(`${name} must be a number, got ${py(v)}`);
  }
  if (x < lo || x > hi) {
    const range = `${Number.isFinite(lo) ? `≥ ${lo}` : ""}${Number.isFinite(lo) && Number.isFinite(hi) ? " and " : ""}${Number.isFinite(hi) ? `≤ ${hi}` : ""}`;
    throw new LayerError(`${name} must be ${range}, got ${py(v)}`);
  }
  return x;
}

/**
 * A flag PyTorch reads only for its truth (`if bias:` in `nn.Linear.__init__`), so any value is
 * taken as Python would: `bias=0`, `None`, `''`, `()` are false; `1`, `'yes'` are true. Checked
 * against PyTorch 1.13 (tests/layers_flags.test.ts). Flags PyTorch passes on to a C++ op
 * (`ceil_mode`, an RNN's `bias`) must be a bool: see {@link bool}.
 */
export function truthy(v: PyValue): boolean {
  if (v === null) return false;
  if (isPyFloat(v)) return v.float !== 0;
  if (Array.isArray(v) || typeof v === "string") return v.length > 0;
  if (typeof v === "number") return v !== 0;
  return v;
}

/** A bool. */
export function bool(name: string, v: PyValue): boolean {
  if (typeof v !== "boolean") throw new LayerError(`${name} must be a bool, got ${py(v)}`);
  return v;
}

/** One of a set of strings. */
export function oneOf<T extends string>(name: string, v: PyValue, allowed: readonly T[]): T {
  if (typeof v !== "string" || !allowed.includes(v as T)) {
    throw new LayerError(
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(", ")}, got ${py(v)}`,
    );
  }
  return v as T;
}

/**
 * An int or a tuple of `n` ints, expanded to `n` entries (PyTorch's `_single`/`_pair`/`_triple`),
 * each ≥ `min`.
 */
export function intTuple(name: string, v: PyValue, n: number, min = 1): number[] {
  if (Array.isArray(v)) {
    if (v.length !== n) {
      throw new LayerError(`${name} must be an int or a tuple of ${n} ints, got ${py(v)}`);
    }
    return v.map((x) => int(name, x, min));
  }
  if (typeof v === "number" && !Number.isFinite(v)) int(name, v, min); // says why
  if (!isInt(v))
    throw new LayerError(`${name} must be an int or a tuple of ${n} ints, got ${py(v)}`);
  return new Array<number>(n).fill(int(name, v, min));
}

/** Product of a list of numbers (1 for the empty list). */
export function prod(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/**
 * PyTorch's dim wrapping (`maybe_wrap_dim`): a dim in [−rank, rank−1] → [0, rank−1]. A 0-d tensor
 * wraps as if it had rank 1 (dims 0 and −1 are accepted). Throws LayerError with PyTorch's
 * "Dimension out of range (expected to be in range of [-2, 1], but got 3)".
 */
export function wrapDim(dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (dim < -r || dim > r - 1) {
    throw new LayerError(
      `Dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + r : dim;
}
