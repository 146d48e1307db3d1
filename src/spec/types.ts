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
 * A Python literal as dlq reads it: int/float → number, str, bool, None → null, tuple/list → array.
 * A {@link PyFloat} appears only in arguments bound for validation (the layer catalogue's
 * `bindArgs`), never in a {@link RawArgs}.
 */
export type PyValue = number | PyFloat | string | boolean | null | PyValue[];

/**
 * A Python float whose value is whole (`3.0`, `1e3`, `64 / 2`), as the layer catalogue's
 * validation sees it: PyTorch refuses it where it needs an int (`nn.Linear(3.0, 4)`) and takes it
 * where it takes a float (`nn.Dropout(p=1.0)`). A float with a fractional part needs no such box:
 * no int has its value.
 */
export interface PyFloat {
  readonly float: number;
}

/** Whether `v` is a {@link PyFloat}. */
export function isPyFloat(v: PyValue | undefined): v is PyFloat {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An array of argument values or a keyword-argument record: where a whole float can sit. */
type ArgContainer = readonly PyValue[] | Readonly<Record<string, PyValue>>;

/**
 * Which numbers of a {@link RawArgs} were written as whole floats: per container (a `positional`
 * array, a tuple inside it, or a `keywords` record), the indices or names that hold one.
 *
 * A RawArgs holds every number as a plain number, so that one model reads the same from source,
 * repr and JSON (JSON cannot tell `3.0` from `3`). The source and repr parsers, which can, record
 * here which numbers were floats (a side table, so the arguments themselves are unchanged), and the
 * layer catalogue's `bindArgs` hands those to validation as {@link PyFloat}. Copies of the
 * containers do not carry the marks.
 */
const wholeFloats = new WeakMap<object, Set<number | string>>();

/**
 * Records that `container[at]` was written as a whole float, or is a tuple holding one (marked in
 * its turn): see {@link isWholeFloat}.
 */
export function markWholeFloat(container: ArgContainer, at: number | string): void {
  let marks = wholeFloats.get(container);
  if (!marks) wholeFloats.set(container, (marks = new Set()));
  marks.add(at);
}

/**
 * Whether `container[at]` was written as a whole float (`3.0`) in PyTorch source, or is a tuple
 * holding one.
 */
export function isWholeFloat(container: ArgContainer, at: number | string): boolean {
  return wholeFloats.get(container)?.has(at) ?? false;
}

/** A call as written: `nn.Conv2d(3, 4, kernel_size=3)` → type `Conv2d`, positional `[3, 4]`. */
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
