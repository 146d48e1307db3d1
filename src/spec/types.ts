/**
 * The model spec: what every input form (PyTorch source, printed repr, JSON) is parsed into.
 *
 * A model is a tree of modules. A leaf module is a layer (`Conv2d`, `ReLU`, …) whose arguments are
 * already bound to PyTorch's parameter names (positional arguments resolved, defaults NOT filled:
 * the layer catalogue in src/analysis/layers fills and validates them). A container (`Sequential`)
 * holds named children. The same {@link ModuleSpec} object may appear more than once in the tree:
 * that is one module applied several times (shared weights), exactly as in PyTorch, and its
 * parameters count once.
 */
import type { Loc } from "../errors.js";

/**
 * A Python literal as dlq reads it: int → number, float → number or {@link PyFloat}, str, bool,
 * None → null, tuple/list → array.
 */
export type PyValue = number | PyFloat | string | boolean | null | PyValue[];

/**
 * A Python float whose value is whole (`3.0`, `1e3`, `64 / 2`): PyTorch refuses it where it needs
 * an int (`nn.Linear(3.0, 4)`) and takes it where it takes a float (`nn.Dropout(p=1.0)`), so the
 * value itself must say it is a float. The source and repr parsers write one wherever a whole float
 * was written; a float with a fractional part (`0.5`) stays a plain number, as no int has its
 * value, and so does every number of a JSON spec (JSON cannot tell `3.0` from `3`: its whole
 * numbers are ints). Code reading numbers from a {@link RawArgs} must expect one; the layer
 * catalogue's validation refuses it where PyTorch needs an int and reads it as its number elsewhere.
 */
export interface PyFloat {
  readonly float: number;
}

/** Whether `v` is a {@link PyFloat}. */
export function isPyFloat(v: PyValue | undefined): v is PyFloat {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `v` with every {@link PyFloat} in it, in tuples too, read as its number: the value alone, as a
 * JSON spec would give it (`3.0` and `3` alike).
 */
export function plainValue(v: PyValue): PyValue {
  if (isPyFloat(v)) return v.float;
  return Array.isArray(v) ? v.map(plainValue) : v;
}

/**
 * The number `x` as it was written: a {@link PyFloat} if it is a float (`isFloat`) of whole value,
 * else the plain number.
 */
export function pyNumber(x: number, isFloat: boolean): number | PyFloat {
  return isFloat && Number.isInteger(x) ? { float: x } : x;
}

/**
 * A call as written: `nn.Conv2d(3, 4, kernel_size=3)` → type `Conv2d`, positional `[3, 4]`;
 * `nn.Linear(3.0, 4)` → positional `[{ float: 3 }, 4]` (see {@link PyFloat}).
 */
export interface RawArgs {
  positional: PyValue[];
  keywords: Record<string, PyValue>;
}

/** One layer module (a leaf of the tree). */
export interface LayerModule {
  kind: "layer";
  /** PyTorch's class name, e.g. `Conv2d`. */
  type: string;
  /** Arguments as written (positional and keyword); bound to names by the layer catalogue. */
  args: RawArgs;
  /** Where the module was constructed, for error messages. */
  loc?: Loc;
  /** false when the user froze the module (JSON `"trainable": false`); default true. */
  trainable?: boolean;
}

/** A container applying its children in order (`nn.Sequential`). */
export interface SequentialModule {
  kind: "sequential";
  type: "Sequential";
  /** Children with their PyTorch names (`"0"`, `"1"`, … or the keys of an OrderedDict). */
  children: { name: string; module: ModuleSpec }[];
  loc?: Loc;
}

export type ModuleSpec = LayerModule | SequentialModule;

/** A parsed model: its root module and, when the input says so, the input shape. */
export interface ModelSpec {
  root: ModuleSpec;
  /** Input shape with batch dimension, e.g. `[1, 3, 224, 224]`; from the source's call or JSON. */
  input?: number[];
  /** Which form the input was in. */
  format: "source" | "repr" | "json";
  /** The variable name the model was bound to in source, if any. */
  name?: string;
}
