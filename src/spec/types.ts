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
import type { Graph } from "../analysis/graph.js";
import type { DType } from "../ops/types.js";

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
  /** Parameters frozen one by one (`conv.weight.requires_grad = False`), by name. */
  frozen?: string[];
  /**
   * Parameters that are another module's (tied weights: `decoder.weight = encoder.weight`), by
   * this module's parameter name: they count once, as `model.parameters()` counts them.
   */
  tied?: Record<string, ParamOwner>;
  /** Read from a printed repr (which shows some keywords `__init__` does not take). */
  fromRepr?: true;
  /** Set when an argument could not be evaluated: the layer is an error only if it is used. */
  unknownArg?: { message: string; loc?: Loc };
}

/** Whose a parameter is: a layer's (by its name in the layer), or a container's own. */
export interface ParamOwner {
  module: LayerModule | ContainerModule;
  name: string;
}

/** A parameter a container owns directly (`self.cls_token = nn.Parameter(torch.zeros(1, 1, d))`). */
export interface OwnParam {
  name: string;
  shape: number[];
  trainable: boolean;
  /** Set when it is another module's parameter (tied), counted there. */
  tiedTo?: ParamOwner;
}

/** A container applying its children in order (`nn.Sequential`). */
export interface SequentialModule {
  kind: "sequential";
  type: "Sequential";
  /** Children with their PyTorch names (`"0"`, `"1"`, … or the keys of an OrderedDict). */
  children: { name: string; module: ModuleSpec }[];
  loc?: Loc;
}

/**
 * Any other module with children: a class defined in the source (`class Net(nn.Module)`), an
 * `nn.ModuleList` or an `nn.ModuleDict`. Its children and parameters are registered in assignment
 * order, as PyTorch's `Module.__setattr__` does.
 */
export interface ContainerModule {
  kind: "container";
  /** The class name (`ResNet`, `BasicBlock`, `ModuleList`). */
  type: string;
  children: { name: string; module: ModuleSpec }[];
  params: OwnParam[];
  loc?: Loc;
}

export type ModuleSpec = LayerModule | SequentialModule | ContainerModule;

/**
 * What a node of a JSON graph spec reads: the graph's input (`"input"`) or an earlier node's
 * output; `index` picks into a node whose output is a tuple (`"lstm.0"`, `"chunk.1"`).
 */
export interface SpecNodeInput {
  node: string;
  index: number[];
  loc: Loc;
}

/** A node of a JSON graph spec: a module applied (a new one, or an earlier node's again), or an op. */
export interface SpecNode {
  name: string;
  loc: Loc;
  inputs: SpecNodeInput[];
  /** The module applied (for `{"ref": NODE}`, the SAME module as that node's). */
  module?: ModuleSpec;
  /** The name of the node whose module this applies again. */
  ref?: string;
  /** A torch function or tensor method of the op registry (src/ops/), by qualified name. */
  op?: {
    qualname: string;
    /** As written (`"cat"`, `"F.relu"`), for messages. */
    display: string;
    /** Positional arguments after the tensors (`"args"`). */
    args: PyValue[];
    keywords: Record<string, PyValue>;
  };
}

/** A parsed model: its root module and, when the input says so, the input shape. */
export interface ModelSpec {
  root: ModuleSpec;
  /** Input shape with batch dimension, e.g. `[1, 3, 224, 224]`; from the source's call or JSON. */
  input?: number[];
  /** Every tensor argument of the source's own call of the model, in order (shapes and dtypes). */
  inputs?: { shape: number[]; dtype: DType }[];
  /** Things the reader noticed that the user should know (said once the command succeeds). */
  notes?: string[];
  /**
   * Traces the model's forward (src/analysis/graph.ts): on the source's own call with its tensor
   * arguments replaced in order by `overrides`, or on one tensor per override.
   * @throws InputError when the forward cannot run (PyTorch's refusal, located).
   */
  trace?: (overrides?: { shape: number[]; dtype?: DType }[]) => Graph;
  /**
   * A JSON graph spec's nodes (`"nodes"`), in order: the model's forward is them, each applied to
   * the outputs its `inputs` name (src/analysis/graph.ts, `traceNodes`).
   */
  nodes?: SpecNode[];
  /** A JSON graph spec's outputs (`"outputs"`; default the last node). */
  outputs?: SpecNodeInput[];
  /** Which form the input was in. */
  format: "source" | "repr" | "json";
  /** The variable name the model was bound to in source, if any. */
  name?: string;
}
