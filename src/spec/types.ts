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

/** A Python literal as dlq reads it: int/float → number, str, bool, None → null, tuple/list → array. */
export type PyValue = number | string | boolean | null | PyValue[];

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
