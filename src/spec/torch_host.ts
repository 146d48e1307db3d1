/**
 * The model-reading host of dlq's interpreter: what `torch`, `torch.nn` and
 * `torch.nn.functional` are when a model's source is read. Tensors are meta tensors (shape and
 * dtype, no data, as PyTorch's "meta" device); `nn.Module` is a native class whose instances
 * register their children and parameters in assignment order as PyTorch's `Module.__setattr__`
 * does; the layer classes come from the layer catalogue (src/analysis/layers) and the torch
 * functions from the op registry (src/ops). Calling a module runs its `forward` and, while a trace
 * is open, records the graph (src/analysis/graph.ts).
 *
 * Lenient: what dlq does not model (optimisers, data loaders, `torch.save`) is an unknown value
 * with the reason, an error only where the model needs it.
 */
import { InputError, type Loc } from "../errors.js";
import { didYouMean } from "../util/suggest.js";
import {
  GraphBuilder,
  RefArg,
  TraceError,
  configureLayer,
  type Graph,
  type InTree,
  type OutTree,
  type TensorRef,
} from "../analysis/graph.js";
import { LAYERS } from "../analysis/layers/index.js";
import type { LayerDef, ParamTensor } from "../analysis/layers/types.js";
import { bindOp, makeOpArgs } from "../ops/args.js";
import { lookupOp as opNamed, opNames } from "../ops/registry.js";
import {
  DataDependent,
  DTypeValue,
  OpError,
  type DType,
  type OpDef,
  type OpOut,
  type TensorMeta,
} from "../ops/types.js";
import { bindNative, namespace, native } from "../python/builtins.js";
import type { Host, Interpreter } from "../python/interp.js";
import { pyError } from "../python/semantics.js";
import {
  HostValue,
  isFloat,
  numberOf,
  PyBoundMethod,
  PyBuiltin,
  PyClass,
  PyDict,
  PyException,
  PyFloat,
  PyFunction,
  PyInstance,
  PyInt,
  PyIterator,
  PyList,
  PyNamespace,
  PySlice,
  PyTuple,
  typeName,
  Unknown,
  type CallArgs,
  type NativeClassHooks,
  type Value,
} from "../python/values.js";
import {
  type ContainerModule,
  type LayerModule,
  type ModuleSpec,
  type OwnParam,
  type ParamOwner,
  type PyValue,
  type SequentialModule,
} from "./types.js";
import { MAX_MODULE_DEPTH, setKey } from "./tree.js";
import { tooDeep } from "../python/parse.js";

// ---------------------------------------------------------------------------------------------
// Tensors

/** A parameter as a tensor value: whose it is (a layer's by name, or a container's own). */
export interface ParamIdentity {
  owner: ParamOwner;
  /** The container's own parameter record (for `requires_grad` on it). */
  own?: OwnParam;
}

/** A data-less tensor: shape and dtype, and the graph node it comes from in the open trace. */
export class MetaTensor extends HostValue {
  /** The node output this tensor is in the open trace, and which trace. */
  ref?: { builder: GraphBuilder; ref: TensorRef };
  /**
   * The op call that made this tensor outside any trace (`torch.tril(torch.ones(8, 8))` in
   * `__init__`), so that a numeric command can compute its values; absent for an input.
   */
  origin?: { op: OpDef; display: string; args: ReadonlyMap<string, Value> };
  /** The dtype was not given (an `--input` without `:dtype`): an Embedding may take it as indices. */
  guessedDtype = false;
  requiresGrad = false;
  constructor(
    public meta: TensorMeta,
    readonly host: TorchHost,
    /** Set when the tensor is a parameter. */
    readonly param?: ParamIdentity,
    /** Set when the tensor is a registered buffer: the module and name. */
    public buffer?: { module: ModuleSpec; name: string },
  ) {
    super();
    if (param) this.requiresGrad = true;
  }
  get typeName(): string {
    return this.param ? "Parameter" : "Tensor";
  }
  get shape(): readonly number[] {
    return this.meta.shape;
  }
  override getattr(name: string, loc: Loc): Value | undefined {
    return this.host.tensorAttr(this, name, loc);
  }
  override setattr(name: string, value: Value, loc: Loc): boolean {
    if (name === "requires_grad") {
      if (typeof value !== "boolean")
        throw pyError("RuntimeError", "requires_grad must be a bool", loc);
      this.host.setRequiresGrad(this, value);
      return true;
    }
    if (name === "data") return true;
    return false;
  }
  override binop(op: string, other: Value, reflected: boolean, loc: Loc): Value | undefined {
    const name = OPERATORS[op];
    if (!name) return undefined;
    if (!(other instanceof MetaTensor) && !isScalar(other)) return undefined;
    const [a, b] = reflected ? [other, this] : [this, other];
    return this.host.callOp(`operator.${name}`, op, { positional: [a, b], keywords: [] }, loc);
  }
  override unop(op: "-" | "+" | "~", loc: Loc): Value | undefined {
    const name =
      op === "-" ? "neg" : op === "+" ? "pos" : (op as string) === "abs" ? "abs" : "invert";
    const q = name === "abs" ? "torch.abs" : `operator.${name}`;
    return this.host.callOp(q, op, { positional: [this], keywords: [] }, loc);
  }
  override compare(op: string, other: Value, reflected: boolean, loc: Loc): Value | undefined {
    const name = COMPARISONS[op];
    if (!name) return undefined;
    if (!(other instanceof MetaTensor) && !isScalar(other)) return undefined;
    const [a, b] = reflected ? [other, this] : [this, other];
    return this.host.callOp(`operator.${name}`, op, { positional: [a, b], keywords: [] }, loc);
  }
  override truth(loc: Loc): boolean | Unknown {
    return this.host.it.unknown(
      "the truth value of a tensor, which depends on its data (dlq's tensors have shapes, not values)",
      loc,
    );
  }
  override iter(loc: Loc): Value[] | Unknown {
    const s = this.meta.shape;
    if (s.length === 0) throw pyError("TypeError", "iteration over a 0-d tensor", loc);
    this.host.it.checkItems(s[0], loc);
    return Array.from({ length: s[0] }, (_, i) =>
      this.host.callOp("operator.getitem", "[]", { positional: [this, i], keywords: [] }, loc),
    );
  }
  override len(loc: Loc): number | undefined {
    if (this.meta.shape.length === 0) throw pyError("TypeError", "len() of a 0-d tensor", loc);
    return this.meta.shape[0];
  }
  override getitem(key: Value, loc: Loc): Value | undefined {
    return this.host.callOp(
      "operator.getitem",
      "[]",
      { positional: [this, key], keywords: [] },
      loc,
    );
  }
  override setitem(key: Value, value: Value, loc: Loc): boolean {
    this.host.callOp(
      "operator.setitem",
      "[]=",
      { positional: [this, key, value], keywords: [] },
      loc,
    );
    return true;
  }
  override inplace(op: string, other: Value, loc: Loc): Value | undefined {
    const name = OPERATORS[op];
    if (!name || op === "@") return undefined;
    const q = `Tensor.${INPLACE[op] ?? `__i${name}__`}`;
    if (!opNamed(q)) return undefined;
    return this.host.callOp(q, `${op}=`, { positional: [this, other], keywords: [] }, loc);
  }
  override isInstance(cls: Value): boolean | undefined {
    if (cls === this.host.tensorClass) return true;
    if (cls === this.host.parameterClass) return this.param !== undefined;
    return undefined;
  }
  number(loc: Loc): Value {
    return this.host.it.unknown(
      "the value of a tensor (dlq's tensors have shapes, not values)",
      loc,
    );
  }
  override repr(): string {
    return `tensor(..., size=(${this.meta.shape.join(", ")}), dtype=torch.${this.meta.dtype})`;
  }
}

const OPERATORS: Record<string, string> = {
  "+": "add",
  "-": "sub",
  "*": "mul",
  "/": "truediv",
  "//": "floordiv",
  "%": "mod",
  "**": "pow",
  "@": "matmul",
  "&": "and_",
  "|": "or_",
  "^": "xor",
};
const INPLACE: Record<string, string> = {
  "+": "add_",
  "-": "sub_",
  "*": "mul_",
  "/": "div_",
};
const COMPARISONS: Record<string, string> = {
  "==": "eq",
  "!=": "ne",
  "<": "lt",
  "<=": "le",
  ">": "gt",
  ">=": "ge",
};

function isScalar(v: Value): boolean {
  return typeof v === "number" || typeof v === "boolean" || v instanceof PyFloat;
}

/** A `torch.device`: carried around, changes nothing. */
class Device extends HostValue {
  constructor(readonly name: string) {
    super();
  }
  get typeName(): string {
    return "torch.device";
  }
  override getattr(name: string): Value | undefined {
    if (name === "type") return this.name.split(":")[0];
    if (name === "index") return null;
    return undefined;
  }
  override repr(): string {
    return `device(type='${this.name}')`;
  }
  override compare(op: string, other: Value): Value | undefined {
    if (op !== "==" && op !== "!=") return undefined;
    const eq = (other instanceof Device && other.name === this.name) || other === this.name;
    return op === "==" ? eq : !eq;
  }
}

/** `torch.no_grad()` and torch's other context managers and decorators: they change no shape. */
class TorchContext extends HostValue {
  constructor(readonly name: string) {
    super();
  }
  get typeName(): string {
    return this.name;
  }
  override enter(): Value {
    return null;
  }
  override exit(): void {}
  /** As a decorator (`@torch.no_grad()`): the function itself. */
  override call(args: CallArgs): Value {
    return args.positional[0] ?? null;
  }
}

// ---------------------------------------------------------------------------------------------
// Modules

/** What the host keeps per `nn.Module` instance. */
export interface ModuleState {
  spec: ModuleSpec;
  /** Whether `nn.Module.__init__` ran (assigning a module before it is PyTorch's error). */
  initialized: boolean;
  training: boolean;
  /** `_modules`, in registration order. */
  children: Map<string, PyInstance | null>;
  /** `_parameters` of a container, in registration order. */
  params: Map<string, MetaTensor | null>;
  /** `_buffers`. */
  buffers: Map<string, MetaTensor | null>;
  /** Layers: their parameters as tensors (by name), made on first use. */
  layerParams?: Map<string, MetaTensor>;
}

export function stateOf(obj: PyInstance): ModuleState | undefined {
  const s = obj.state as ModuleState | undefined;
  return s && typeof s === "object" && "spec" in s ? s : undefined;
}

/** A module call the source itself makes (`model(torch.rand(1, 3, 32, 32))`): its arguments. */
export interface RecordedCall {
  module: PyInstance;
  args: CallArgs;
  loc: Loc;
}

/** Options of the host. */
export interface TorchHostOptions {
  /** Names of module classes (the layer catalogue's) a snippet may use without importing them. */
  knownLayers: Iterable<string>;
}

const FLOAT_DTYPES: Record<string, DType> = {
  float32: "float32",
  float: "float32",
  float64: "float64",
  double: "float64",
  float16: "float16",
  half: "float16",
  bfloat16: "bfloat16",
  int64: "int64",
  long: "int64",
  int32: "int32",
  int: "int32",
  int16: "int16",
  short: "int16",
  int8: "int8",
  uint8: "uint8",
  bool: "bool",
};

/** torch.nn classes that are losses or utilities, not layers: constructing one is allowed, calling it is unknown. */
const LOSS = /Loss$/;

/**
 * The model-reading host. One per source read; it keeps the module instances the source creates
 * (for picking the model) and the calls it makes.
 */
export class TorchHost implements Host {
  it!: Interpreter;
  readonly tensorClass: PyClass;
  parameterClass!: PyClass;
  moduleClass!: PyClass;
  /** Every module instance created, in order (for picking the model). */
  readonly created: PyInstance[] = [];
  /** Module calls the source makes outside any trace (for the model's input). */
  readonly calls: RecordedCall[] = [];
  /** `torchinfo.summary(model, input_size=...)` calls. */
  readonly summaries: { module: PyInstance; shape: number[] }[] = [];
  /** The open trace, if any. */
  trace?: {
    builder: GraphBuilder;
    scopes: { path: string; module: PyInstance }[];
    /** Leaf nodes (parameters, buffers, outside tensors) made in this trace. */
    leaves: Map<MetaTensor, TensorRef>;
    /** Each module object's path in the model being traced. */
    paths: Map<PyInstance, string>;
    root: PyInstance;
  };
  /** Whether a failure of a module call should be fatal (the final trace) or recoverable. */
  finalTrace = false;
  private readonly namespaces = new Map<string, Value>();
  private readonly layerClasses = new Map<string, PyClass>();
  private readonly known: Set<string>;

  constructor(opts: TorchHostOptions) {
    this.known = new Set(opts.knownLayers);
    this.tensorClass = new PyClass("Tensor", [], undefined, "torch.Tensor");
    this.tensorClass.construct = (a, loc) => this.callOp("torch.tensor", "torch.Tensor", a, loc);
  }

  /** Connects the host to its interpreter (the interpreter is built with the host). */
  attach(it: Interpreter): void {
    this.it = it;
    const object = it.classes.get("object")!;
    this.tensorClass.mro = [this.tensorClass, object];
    this.parameterClass = new PyClass(
      "Parameter",
      [this.tensorClass],
      undefined,
      "torch.nn.Parameter",
    );
    this.parameterClass.mro = [this.parameterClass, this.tensorClass, object];
    this.parameterClass.construct = (a, loc) => {
      const b = bindNative(
        "Parameter",
        [
          { name: "data", kind: "positional", hasDefault: true, default: null },
          { name: "requires_grad", kind: "positional", hasDefault: true, default: true },
        ],
        a,
        loc,
      );
      const data = b.get("data")!;
      if (data instanceof Unknown) return data;
      const meta: TensorMeta =
        data instanceof MetaTensor ? data.meta : { shape: [0], dtype: "float32" };
      const own: OwnParam = {
        name: "",
        shape: [...meta.shape],
        trainable: b.get("requires_grad") !== false,
      };
      return new MetaTensor(meta, this, {
        owner: { module: undefined as unknown as ContainerModule, name: "" },
        own,
      });
    };
    this.moduleClass = this.makeModuleClass();
  }

  // -- Host ---------------------------------------------------------------------------------

  initialGlobals(): Iterable<[string, Value]> {
    const out: [string, Value][] = [];
    const torch = this.importModule("torch")!;
    out.push(["torch", torch]);
    out.push(["nn", this.importModule("torch.nn")!]);
    out.push(["F", this.importModule("torch.nn.functional")!]);
    // Snippets often omit `from torch.nn import ...`: a layer class name stands for itself.
    for (const name of [...this.known, "Sequential", "ModuleList", "ModuleDict"])
      out.push([name, this.nnAttr(name)!]);
    return out;
  }

  importModule(path: string): Value | undefined {
    const cached = this.namespaces.get(path);
    if (cached !== undefined) return cached;
    let v: Value | undefined;
    switch (path) {
      case "torch":
        v = new PyNamespace("torch", (n) => this.torchAttr(n));
        break;
      case "torch.nn":
        v = new PyNamespace(
          "torch.nn",
          (n) => this.nnAttr(n),
          () => [...this.known, "Module", "Sequential", "ModuleList", "ModuleDict", "Parameter"],
        );
        break;
      case "torch.nn.functional":
        v = new PyNamespace("torch.nn.functional", (n) =>
          this.opValue(`torch.nn.functional.${n}`, `F.${n}`),
        );
        break;
      case "torch.nn.init":
        v = new PyNamespace("torch.nn.init", (n) => this.initFn(n));
        break;
      case "torch.nn.modules":
      case "torch.nn.modules.module":
        v = new PyNamespace(path, (n) => this.nnAttr(n));
        break;
      case "torchinfo":
        v = namespace("torchinfo", {
          summary: new PyBuiltin("torchinfo.summary", ({ args, loc }) =>
            this.torchinfoSummary(args, loc),
          ),
        });
        break;
      case "collections":
      case "math":
      case "functools":
      case "dataclasses":
      case "typing":
        return undefined;
    }
    if (v !== undefined) this.namespaces.set(path, v);
    return v;
  }

  /** Calling an undefined name close to a layer class is almost surely a typo. */
  nameErrorHint(name: string): string {
    return /^[A-Z]/.test(name)
      ? didYouMean(name, [...LAYERS.keys(), "Sequential", "ModuleList", "ModuleDict"])
      : "";
  }

  translateError(e: unknown, loc: Loc): PyException | InputError | undefined {
    if (e instanceof TraceError) {
      if (this.finalTrace) return e.toInputError();
      const p = new PyException("RuntimeError", e.toInputError().toLine(), loc);
      (p as PyException & { recoverable?: boolean }).recoverable = true;
      return p;
    }
    if (e instanceof DataDependent) return undefined;
    if (e instanceof OpError) return new PyException(e.pyType, e.message, loc);
    return undefined;
  }

  repr(v: Value): string | undefined {
    if (v instanceof PyInstance && stateOf(v)) return `${v.cls.name}()`;
    return undefined;
  }

  deepcopy(v: Value, memo: Map<unknown, Value>): Value | undefined {
    if (!(v instanceof PyInstance) || !stateOf(v)) return undefined;
    return this.copyModule(v, memo);
  }

  // -- namespaces ---------------------------------------------------------------------------

  private torchAttr(n: string): Value | undefined {
    if (n in FLOAT_DTYPES) return new DTypeValue(FLOAT_DTYPES[n]);
    switch (n) {
      case "nn":
        return this.importModule("torch.nn");
      case "Tensor":
        return this.tensorClass;
      case "Size":
        return new PyBuiltin("torch.Size", ({ args, loc }) => {
          const xs =
            args.positional[0] === undefined ? [] : this.it.iterate(args.positional[0], loc);
          return xs instanceof Unknown ? xs : new PyTuple(xs, undefined, "torch.Size");
        });
      case "device":
        return new PyBuiltin("torch.device", ({ args }) => {
          const a = args.positional[0];
          return a instanceof Device ? a : new Device(typeof a === "string" ? a : "cpu");
        });
      case "cuda":
        return namespace("torch.cuda", {
          is_available: new PyBuiltin("torch.cuda.is_available", () => false),
          device_count: new PyBuiltin("torch.cuda.device_count", () => 0),
          manual_seed: new PyBuiltin("torch.cuda.manual_seed", () => null),
          manual_seed_all: new PyBuiltin("torch.cuda.manual_seed_all", () => null),
          amp: namespace("torch.cuda.amp", {
            autocast: new PyBuiltin("autocast", () => new TorchContext("autocast")),
          }),
        });
      case "backends":
        return namespace("torch.backends", {
          mps: namespace("torch.backends.mps", {
            is_available: new PyBuiltin("is_available", () => false),
          }),
          cudnn: new PyNamespace("torch.backends.cudnn", () => null),
        });
      case "manual_seed":
      case "set_default_dtype":
      case "set_printoptions":
      case "set_num_threads":
      case "use_deterministic_algorithms":
        return new PyBuiltin(`torch.${n}`, () => null);
      case "no_grad":
      case "enable_grad":
      case "inference_mode":
      case "set_grad_enabled":
      case "autocast":
        return new PyBuiltin(`torch.${n}`, ({ args }) =>
          args.positional[0] instanceof PyFunction ? args.positional[0] : new TorchContext(n),
        );
      case "jit":
        return namespace("torch.jit", {
          script: new PyBuiltin("torch.jit.script", ({ args }) => args.positional[0] ?? null),
          trace: new PyBuiltin("torch.jit.trace", ({ args }) => args.positional[0] ?? null),
          ignore: new PyBuiltin("torch.jit.ignore", ({ args }) => args.positional[0] ?? null),
          export: new PyBuiltin("torch.jit.export", ({ args }) => args.positional[0] ?? null),
          unused: new PyBuiltin("torch.jit.unused", ({ args }) => args.positional[0] ?? null),
          is_scripting: new PyBuiltin("torch.jit.is_scripting", () => false),
        });
      case "compile":
        return new PyBuiltin("torch.compile", ({ args }) => args.positional[0] ?? null);
      case "is_tensor":
        return new PyBuiltin(
          "torch.is_tensor",
          ({ args }) => args.positional[0] instanceof MetaTensor,
        );
      case "pi":
        return Math.PI;
      case "e":
        return Math.E;
      case "inf":
        return Infinity;
      case "nan":
        return NaN;
      case "__version__":
        return "1.13.1";
    }
    const op = this.opValue(`torch.${n}`, `torch.${n}`);
    if (op !== undefined) return op;
    return this.it.unknown(`torch.${n}, which dlq does not model`);
  }

  /** `torch.nn.NAME`. */
  nnAttr(n: string): Value | undefined {
    switch (n) {
      case "Module":
        return this.moduleClass;
      case "Parameter":
        return this.parameterClass;
      case "functional":
        return this.importModule("torch.nn.functional");
      case "init":
        return this.importModule("torch.nn.init");
      case "Sequential":
      case "ModuleList":
      case "ModuleDict":
        return this.containerClass(n);
      case "parameter":
        return namespace("torch.nn.parameter", { Parameter: this.parameterClass });
      case "utils":
      case "parallel":
        return new PyNamespace(`torch.nn.${n}`, (m) =>
          this.it.unknown(`torch.nn.${n}.${m}, which dlq does not model`),
        );
    }
    if (LAYERS.has(n)) return this.layerClass(n);
    if (LOSS.test(n) || n === "DataParallel" || n === "ParameterList" || n === "ParameterDict")
      return this.opaqueModuleClass(n);
    if (/^[A-Z]/.test(n)) {
      throw pyError(
        "AttributeError",
        `unknown module '${n}'${didYouMean(n, [...LAYERS.keys(), "Sequential", "ModuleList", "ModuleDict"])}`,
      );
    }
    return undefined;
  }

  /** A torch function of the op registry as a callable value. */
  opValue(qualname: string, display: string): Value | undefined {
    if (!opNamed(qualname)) {
      if (qualname.startsWith("torch.nn.functional.")) {
        const name = qualname.slice("torch.nn.functional.".length);
        const cands = opNames()
          .filter((q) => q.startsWith("torch.nn.functional."))
          .map((q) => q.slice("torch.nn.functional.".length));
        throw pyError(
          "AttributeError",
          `unknown function 'F.${name}'${didYouMean(name, cands).replace(/'([^']*)'/g, "'F.$1'")}`,
        );
      }
      return undefined;
    }
    return new PyBuiltin(display, ({ args, loc }) => this.callOp(qualname, display, args, loc));
  }

  /** `torch.nn.init.*`: initialisers change values, not shapes: they return their tensor. */
  private initFn(n: string): Value {
    if (n === "calculate_gain")
      return new PyBuiltin("torch.nn.init.calculate_gain", ({ loc }) =>
        this.it.unknown("a gain value", loc),
      );
    return new PyBuiltin(`torch.nn.init.${n}`, ({ args }) => args.positional[0] ?? null);
  }

  private torchinfoSummary(args: CallArgs, loc: Loc): Value {
    const model = args.positional[0];
    const size = args.keywords.find(([k]) => k === "input_size")?.[1] ?? args.positional[1];
    if (model instanceof PyInstance && size !== undefined) {
      const dims = this.it.iterate(size, loc);
      if (
        !(dims instanceof Unknown) &&
        dims.every((d) => typeof d === "number" && Number.isInteger(d))
      )
        this.summaries.push({ module: model, shape: dims as number[] });
    }
    return this.it.unknown("the result of torchinfo.summary()", loc);
  }

  // -- tensors ------------------------------------------------------------------------------

  /** `x.name` for a tensor. */
  tensorAttr(t: MetaTensor, name: string, loc: Loc): Value | undefined {
    switch (name) {
      case "shape":
        return new PyTuple([...t.meta.shape], undefined, "torch.Size");
      case "dtype":
        return new DTypeValue(t.meta.dtype);
      case "ndim":
        return t.meta.shape.length;
      case "device":
        return new Device("cpu");
      case "is_cuda":
        return false;
      case "requires_grad":
        return t.requiresGrad;
      case "data":
        return t;
      case "grad":
        return null;
      case "T":
      case "mT":
      case "H":
      case "mH": {
        const q = `Tensor.${name}`;
        if (opNamed(q)) return this.callOp(q, `.${name}`, { positional: [t], keywords: [] }, loc);
        return undefined;
      }
      case "__class__":
        return t.param ? this.parameterClass : this.tensorClass;
      case "requires_grad_":
        return new PyBuiltin("Tensor.requires_grad_", ({ args, loc: l }) => {
          const kw = args.keywords.find(([k]) => k === "requires_grad");
          const flag = args.positional.length ? args.positional[0] : kw ? kw[1] : true;
          if (flag instanceof Unknown) {
            if (flag.error) throw new InputError(flag.reason, flag.loc ?? l);
            throw new InputError(
              "dlq cannot evaluate this requires_grad value (expected True or False)",
              l,
            );
          }
          if (typeof flag !== "boolean") {
            const at = args.positional.length
              ? args.at?.positional[0]
              : kw
                ? args.at?.keywords[args.keywords.indexOf(kw)]
                : undefined;
            throw pyError(
              "TypeError",
              `requires_grad_(): argument 'requires_grad'${args.positional.length ? " (position 1)" : ""} must be bool, not ${typeName(flag)}`,
              at ?? l,
            );
          }
          this.setRequiresGrad(t, flag);
          return t;
        });
    }
    const q = `Tensor.${name}`;
    if (opNamed(q))
      return new PyBoundMethod(
        t,
        new PyBuiltin(`Tensor.${name}`, ({ args, loc: l }) =>
          this.callOp(q, `Tensor.${name}`, args, l),
        ),
      );
    // initialisers on tensors (`w.data.normal_(0, 0.02)`, `b.zero_()`) change values only
    if (
      /^[a-z]\w*_$/.test(name) &&
      /^(normal|uniform|zero|fill|copy|clamp|mul|add|div|sub|bernoulli|exponential|random|xavier|kaiming)_?/.test(
        name,
      )
    )
      return new PyBuiltin(`Tensor.${name}`, () => t);
    return undefined;
  }

  setRequiresGrad(t: MetaTensor, on: boolean): void {
    t.requiresGrad = on;
    if (t.param) this.freezeParam(t.param, on);
  }

  private freezeParam(p: ParamIdentity, on: boolean): void {
    if (p.own) {
      p.own.trainable = on;
      return;
    }
    const { module, name } = resolveOwner(p.owner);
    if (module.kind !== "layer") return;
    const frozen = new Set(module.frozen ?? []);
    if (on) frozen.delete(name);
    else frozen.add(name);
    if (frozen.size) module.frozen = [...frozen];
    else delete module.frozen;
  }

  /** A new tensor value from an op's result meta. */
  private tensor(meta: TensorMeta): MetaTensor {
    return new MetaTensor(meta, this);
  }

  /** The graph ref of `t` in the open trace (a leaf node when it comes from outside). */
  refOf(t: MetaTensor): TensorRef {
    const tr = this.trace!;
    if (t.ref && t.ref.builder === tr.builder) return t.ref.ref;
    let r = tr.leaves.get(t);
    if (r) return r;
    const scope = tr.scopes[tr.scopes.length - 1]?.path ?? "";
    if (t.param) {
      r = tr.builder.leaf(
        "param",
        t.meta,
        this.paramPath(t.param) ?? tr.builder.uniqueName(scope, "parameter"),
        scope,
        t,
      );
    } else if (t.buffer) {
      r = tr.builder.leaf(
        "buffer",
        t.meta,
        this.bufferPath(t) ?? tr.builder.uniqueName(scope, "buffer"),
        scope,
        t,
      );
    } else {
      r = tr.builder.leaf("constant", t.meta, tr.builder.uniqueName(scope, "constant"), scope, t);
    }
    tr.leaves.set(t, r);
    return r;
  }

  private paramPath(p: ParamIdentity): string | undefined {
    const tr = this.trace!;
    for (const [inst, path] of tr.paths) {
      const st = stateOf(inst)!;
      if (p.own) {
        for (const [n, v] of st.params)
          if (v?.param?.own === p.own) return path ? `${path}.${n}` : n;
      } else if (st.spec === p.owner.module) return path ? `${path}.${p.owner.name}` : p.owner.name;
    }
    return undefined;
  }

  private bufferPath(t: MetaTensor): string | undefined {
    const tr = this.trace!;
    for (const [inst, path] of tr.paths) {
      if (stateOf(inst)!.spec === t.buffer!.module)
        return path ? `${path}.${t.buffer!.name}` : t.buffer!.name;
    }
    return undefined;
  }

  /**
   * Calls the op `qualname` as `display` (what the user wrote): validates with its meta rule and,
   * in a trace, records it.
   * @throws PyException with PyTorch's message when PyTorch would refuse the call.
   */
  callOp(qualname: string, display: string, args: CallArgs, loc: Loc): Value {
    const def = opNamed(qualname);
    if (!def) throw pyError("AttributeError", `dlq does not model ${display}`, loc);
    for (const v of args.positional) if (v instanceof Unknown) return v;
    for (const [, v] of args.keywords) if (v instanceof Unknown) return v;
    const bound = this.bind(def, args, display, loc);
    for (const v of bound.values()) {
      if (v instanceof Unknown) return v;
      if (
        (v instanceof PyTuple || v instanceof PyList) &&
        v.items.some((x) => x instanceof Unknown)
      )
        return v.items.find((x) => x instanceof Unknown)!;
    }
    const a = makeOpArgs(def, display, bound, (v) =>
      v instanceof MetaTensor ? v.meta : undefined,
    );
    let result: OpOut<TensorMeta>;
    try {
      result = def.meta(a);
    } catch (e) {
      if (e instanceof DataDependent) return this.it.unknown(`${e.message}`, loc);
      if (e instanceof OpError) {
        if (this.trace) {
          const where = loc;
          throw this.it.hostCall(loc, () => {
            throw new TraceError(
              e.message,
              `${where.file ? where.file + ":" : ""}${where.line}:${where.column}: ${display}`,
            );
          });
        }
        throw new PyException(e.pyType, e.message, loc);
      }
      throw e;
    }
    if (def.kind === "meta" || !this.trace) {
      const v = this.wrap(result, def, bound);
      if (v instanceof MetaTensor && def.kind !== "meta" && !def.inplace)
        v.origin = { op: def, display, args: bound };
      return v;
    }
    // record the call: tensors become references to the nodes they come from
    const recorded = new Map<string, Value>();
    for (const [k, v] of bound) recorded.set(k, this.recordArg(v));
    const tr = this.trace;
    const scope = tr.scopes[tr.scopes.length - 1]?.path ?? "";
    const { out } = tr.builder.op(def, display, recorded, result, scope, loc);
    return this.wrapTraced(result, out, def, bound);
  }

  private bind(def: OpDef, args: CallArgs, display: string, loc: Loc): Map<string, Value> {
    try {
      return bindOp(def, args.positional, args.keywords, display);
    } catch (e) {
      if (e instanceof OpError) throw new PyException(e.pyType, e.message, loc);
      throw e;
    }
  }

  private recordArg(v: Value): Value {
    if (v instanceof MetaTensor) return new RefArg(this.refOf(v), v.meta);
    if (v instanceof PyTuple)
      return new PyTuple(
        v.items.map((x) => this.recordArg(x)),
        v.names,
        v.typeName,
      );
    if (v instanceof PyList) return new PyList(v.items.map((x) => this.recordArg(x)));
    return v;
  }

  /** The op's result as values (outside a trace). */
  private wrap(r: OpOut<TensorMeta>, def: OpDef, bound: Map<string, Value>): Value {
    if ("py" in r) return r.py;
    if ("tuple" in r)
      return new PyTuple(
        r.tuple.map((x) => this.wrap(x, def, bound)),
        r.names,
        r.typeName ?? "tuple",
      );
    if (def.inplace) {
      const self = bound.get(def.params[0].name);
      if (self instanceof MetaTensor) {
        self.meta = r;
        return self;
      }
    }
    return this.tensor(r);
  }

  private wrapTraced(
    r: OpOut<TensorMeta>,
    out: OutTree,
    def: OpDef,
    bound: Map<string, Value>,
  ): Value {
    if ("py" in r) return r.py;
    if ("tuple" in r) {
      const t = out as { tuple: OutTree[] };
      return new PyTuple(
        r.tuple.map((x, i) => this.wrapTraced(x, t.tuple[i], def, bound)),
        r.names,
        r.typeName ?? "tuple",
      );
    }
    const ref = out as TensorRef;
    if (def.inplace) {
      // an in-place op: the same tensor object now holds the op's result
      const self = bound.get(def.params[0].name);
      if (self instanceof MetaTensor) {
        self.meta = r;
        self.ref = { builder: this.trace!.builder, ref };
        return self;
      }
    }
    const t = this.tensor(r);
    t.ref = { builder: this.trace!.builder, ref };
    return t;
  }

  // -- the nn.Module class ------------------------------------------------------------------

  private hooks(): NativeClassHooks {
    return {
      create: (obj) => {
        const layerType = this.layerTypeOf(obj.cls);
        const spec: ModuleSpec = layerType
          ? { kind: "layer", type: layerType, args: { positional: [], keywords: {} } }
          : obj.cls.isSubclassOf(this.containerClass("Sequential"))
            ? { kind: "sequential", type: "Sequential", children: [] }
            : { kind: "container", type: obj.cls.name, children: [], params: [] };
        const st: ModuleState = {
          spec,
          initialized: false,
          training: true,
          children: new Map(),
          params: new Map(),
          buffers: new Map(),
        };
        obj.state = st;
        this.created.push(obj);
      },
      setattr: (obj, name, value, loc) => this.moduleSetattr(obj, name, value, loc),
      // `model.forward(x)` in the source is traced like `model(x)`
      getattribute: (obj, name) =>
        name === "forward" && !this.trace
          ? new PyBuiltin(`${obj.cls.name}.forward`, ({ args, loc }) =>
              this.callModule(obj, args, loc),
            )
          : undefined,
      getattr: (obj, name, loc) => this.moduleGetattr(obj, name, loc),
      delattr: (obj, name) => {
        const st = stateOf(obj)!;
        if (st.children.has(name)) {
          st.children.delete(name);
          this.syncChildren(st);
          return true;
        }
        return st.params.delete(name) || st.buffers.delete(name);
      },
    };
  }

  private makeModuleClass(): PyClass {
    const object = this.it.classes.get("object")!;
    const cls = new PyClass("Module", [object], this.hooks(), "torch.nn.Module");
    cls.mro = [cls, object];
    const d = cls.dict;
    const method = (
      name: string,
      spec: string[],
      f: (self: PyInstance, a: Map<string, Value>, loc: Loc) => Value,
    ): void => {
      d.set(
        name,
        native(`Module.${name}`, ["self", ...spec], (a, c) => {
          const self = a.get("self");
          if (!(self instanceof PyInstance) || !stateOf(self))
            throw pyError("TypeError", `Module.${name}() needs a module`, c.loc);
          return f(self, a, c.loc);
        }),
      );
    };
    method("__init__", ["*args", "**kwargs"], (self) => {
      stateOf(self)!.initialized = true;
      return null;
    });
    d.set(
      "__call__",
      new PyBuiltin("Module.__call__", ({ args, loc }) => {
        const [self, ...rest] = args.positional;
        return this.callModule(
          self as PyInstance,
          { positional: rest, keywords: args.keywords },
          loc,
        );
      }),
    );
    method("forward", ["*args", "**kwargs"], (self, _a, loc) => {
      throw pyError(
        "NotImplementedError",
        `Module [${self.cls.name}] is missing the required "forward" function`,
        loc,
      );
    });
    for (const name of [
      "to",
      "cuda",
      "cpu",
      "float",
      "double",
      "half",
      "bfloat16",
      "type",
      "share_memory",
      "zero_grad",
    ]) {
      method(name, ["*args", "**kwargs"], (self) => self);
    }
    // PyTorch's Module.requires_grad_ hands the value to each parameter's requires_grad_, whose
    // TypeError names the argument: a value that is not a bool is refused (on any module: dlq
    // cannot tell which own parameters)
    d.set(
      "requires_grad_",
      new PyBuiltin("Module.requires_grad_", ({ args, loc }) => {
        const [self, ...rest] = args.positional;
        const kw = args.keywords.find(([k]) => k === "requires_grad");
        const flag = rest.length ? rest[0] : kw ? kw[1] : true;
        const at = rest.length
          ? args.at?.positional[1]
          : kw
            ? args.at?.keywords[args.keywords.indexOf(kw)]
            : undefined;
        if (flag instanceof Unknown) {
          if (flag.error) throw new InputError(flag.reason, flag.loc ?? at ?? loc);
          throw new InputError(
            "dlq cannot evaluate this requires_grad value (expected True or False)",
            at ?? loc,
          );
        }
        if (typeof flag !== "boolean") {
          throw pyError(
            "TypeError",
            `requires_grad_(): argument 'requires_grad' (position 1) must be bool, not ${typeName(flag)}`,
            at ?? loc,
          );
        }
        if (!(self instanceof PyInstance) || !stateOf(self))
          throw pyError("TypeError", "Module.requires_grad_() needs a module", loc);
        this.requiresGrad(self, flag);
        return self;
      }),
    );
    method("train", ["mode=True"], (self, a) => {
      const on = a.get("mode") !== false;
      for (const m of this.modulesOf(self)) stateOf(m)!.training = on;
      return self;
    });
    method("eval", [], (self) => {
      for (const m of this.modulesOf(self)) stateOf(m)!.training = false;
      return self;
    });
    method("apply", ["fn"], (self, a, loc) => {
      const fn = a.get("fn")!;
      const visit = (m: PyInstance): void => {
        for (const c of stateOf(m)!.children.values()) if (c) visit(c);
        this.it.call(fn, { positional: [m], keywords: [] }, loc);
      };
      visit(self);
      return self;
    });
    method("add_module", ["name", "module"], (self, a, loc) =>
      this.register(self, a.get("name")!, a.get("module")!, loc),
    );
    method("register_module", ["name", "module"], (self, a, loc) =>
      this.register(self, a.get("name")!, a.get("module")!, loc),
    );
    method("register_buffer", ["name", "tensor", "persistent=True"], (self, a, loc) => {
      const name = a.get("name")!;
      const t = a.get("tensor")!;
      if (typeof name !== "string")
        throw pyError("TypeError", `buffer name should be a string. Got ${typeName(name)}`, loc);
      const st = stateOf(self)!;
      if (t instanceof MetaTensor) {
        t.buffer = { module: st.spec, name };
        st.buffers.set(name, t);
      } else if (t === null || t instanceof Unknown) st.buffers.set(name, null);
      else
        throw pyError(
          "TypeError",
          `cannot assign '${typeName(t)}' object to buffer '${name}' (torch Tensor or None required)`,
          loc,
        );
      return null;
    });
    method("register_parameter", ["name", "param"], (self, a, loc) => {
      this.moduleSetattr(self, a.get("name") as string, a.get("param")!, loc);
      return null;
    });
    method(
      "parameters",
      ["recurse=True"],
      (self) => new PyIterator(this.namedParameters(self).map(([, p]) => p)),
    );
    method(
      "named_parameters",
      ["prefix=''", "recurse=True"],
      (self) => new PyIterator(this.namedParameters(self).map(([n, p]) => new PyTuple([n, p]))),
    );
    method(
      "buffers",
      ["recurse=True"],
      (self) =>
        new PyIterator(
          this.modulesOf(self).flatMap((m) =>
            [...stateOf(m)!.buffers.values()].filter((b): b is MetaTensor => b !== null),
          ),
        ),
    );
    method("named_buffers", ["prefix=''", "recurse=True"], (self) => {
      const out: Value[] = [];
      for (const [path, m] of this.namedModules(self))
        for (const [n, b] of stateOf(m)!.buffers)
          if (b) out.push(new PyTuple([path ? `${path}.${n}` : n, b]));
      return new PyIterator(out);
    });
    method("children", [], (self) => new PyIterator(uniqueChildren(self)));
    method(
      "named_children",
      [],
      (self) =>
        new PyIterator(
          [...stateOf(self)!.children].filter(([, c]) => c).map(([n, c]) => new PyTuple([n, c!])),
        ),
    );
    method("modules", [], (self) => new PyIterator(this.modulesOf(self)));
    method(
      "named_modules",
      ["memo=None", "prefix=''", "remove_duplicate=True"],
      (self) => new PyIterator(this.namedModules(self).map(([n, m]) => new PyTuple([n, m]))),
    );
    method("get_submodule", ["target"], (self, a, loc) => {
      let m: PyInstance = self;
      const t = a.get("target") as string;
      if (t === "") return self;
      for (const part of t.split(".")) {
        const c = stateOf(m)!.children.get(part);
        if (!c) throw pyError("AttributeError", `${m.cls.name} has no attribute \`${part}\``, loc);
        m = c;
      }
      return m;
    });
    for (const name of [
      "state_dict",
      "load_state_dict",
      "extra_repr",
      "register_forward_hook",
      "register_backward_hook",
      "register_full_backward_hook",
      "register_forward_pre_hook",
    ]) {
      method(name, ["*args", "**kwargs"], (_self, _a, loc) =>
        this.it.unknown(`the result of Module.${name}(), which dlq does not model`, loc),
      );
    }
    return cls;
  }

  /** The catalogue's layer type a class is (itself or by inheritance), if any. */
  private layerTypeOf(cls: PyClass): string | undefined {
    for (const c of cls.mro) {
      const t = (c as PyClass & { layerType?: string }).layerType;
      if (t) return t;
    }
    return undefined;
  }

  /** The native class of a layer of the catalogue (`nn.Conv2d`). */
  layerClass(type: string): PyClass {
    let cls = this.layerClasses.get(type);
    if (cls) return cls;
    const def = LAYERS.get(type)!;
    cls = new PyClass(type, [this.moduleClass], undefined, `torch.nn.${type}`);
    cls.mro = [cls, ...this.moduleClass.mro];
    (cls as PyClass & { layerType?: string }).layerType = type;
    cls.dict.set(
      "__init__",
      new PyBuiltin(`${type}.__init__`, ({ args, loc }) => {
        const [self, ...rest] = args.positional;
        const st = stateOf(self as PyInstance)!;
        st.initialized = true;
        const m = st.spec as LayerModule;
        m.loc = args.at?.start ?? loc;
        m.args = this.rawArgs(rest, args.keywords, m, loc, args.at);
        return null;
      }),
    );
    cls.dict.set(
      "forward",
      new PyBuiltin(`${type}.forward`, ({ args, loc }) => {
        const [self, ...rest] = args.positional;
        return this.layerForward(
          self as PyInstance,
          def,
          { positional: rest, keywords: args.keywords },
          loc,
        );
      }),
    );
    this.layerClasses.set(type, cls);
    return cls;
  }

  /** A module class dlq constructs but does not run (losses, ParameterList). */
  private opaqueModuleClass(type: string): PyClass {
    let cls = this.layerClasses.get(type);
    if (cls) return cls;
    cls = new PyClass(type, [this.moduleClass], undefined, `torch.nn.${type}`);
    cls.mro = [cls, ...this.moduleClass.mro];
    cls.dict.set(
      "__init__",
      new PyBuiltin(`${type}.__init__`, ({ args }) => {
        stateOf(args.positional[0] as PyInstance)!.initialized = true;
        return null;
      }),
    );
    cls.dict.set(
      "forward",
      new PyBuiltin(`${type}.forward`, ({ loc }) =>
        this.it.unknown(`the output of nn.${type}, which dlq does not model`, loc),
      ),
    );
    this.layerClasses.set(type, cls);
    return cls;
  }

  /** `nn.Sequential`, `nn.ModuleList`, `nn.ModuleDict`. */
  containerClass(type: "Sequential" | "ModuleList" | "ModuleDict"): PyClass {
    let cls = this.layerClasses.get(type);
    if (cls) return cls;
    cls = new PyClass(type, [this.moduleClass], undefined, `torch.nn.${type}`);
    cls.mro = [cls, ...this.moduleClass.mro];
    this.layerClasses.set(type, cls);
    const d = cls.dict;
    const fn = (
      name: string,
      f: (self: PyInstance, args: Value[], kw: [string, Value][], loc: Loc) => Value,
    ): void => {
      d.set(
        name,
        new PyBuiltin(`${type}.${name}`, ({ args, loc }) => {
          const [self, ...rest] = args.positional;
          return f(self as PyInstance, rest, args.keywords, loc);
        }),
      );
    };
    const entries = (self: PyInstance): [string, PyInstance][] =>
      [...stateOf(self)!.children].filter((e): e is [string, PyInstance] => e[1] !== null);
    d.set(
      "__init__",
      new PyBuiltin(`${type}.__init__`, ({ args: a, loc }) => {
        const [self, ...args] = a.positional as [PyInstance, ...Value[]];
        const kw = a.keywords;
        const st = stateOf(self)!;
        st.initialized = true;
        (st.spec as { loc?: Loc }).loc = a.at?.start ?? loc;
        if (type === "Sequential") {
          if (kw.length)
            throw pyError(
              "TypeError",
              "Sequential.__init__() got an unexpected keyword argument '" + kw[0][0] + "'",
              loc,
            );
          const first = args[0];
          if (args.length === 1 && first instanceof PyDict && first.ordered) {
            for (const [k, v] of first.entries()) {
              if (typeof k !== "string")
                throw pyError(
                  "TypeError",
                  `module name should be a string. Got ${typeName(k)}`,
                  loc,
                );
              this.register(self, k, v, loc, "nn.Sequential");
            }
          } else args.forEach((v, i) => this.register(self, String(i), v, loc, "nn.Sequential"));
          return null;
        }
        const src = args[0] ?? kw.find(([k]) => k === "modules")?.[1];
        if (src === undefined || src === null) return null;
        if (type === "ModuleList") {
          const xs = this.it.iterate(src, loc);
          if (xs instanceof Unknown) return this.markUncertain(self, xs);
          xs.forEach((v, i) => this.register(self, String(i), v, loc, "nn.ModuleList"));
        } else {
          const pairs = src instanceof PyDict ? src.entries() : this.iteratePairs(src, loc);
          if (pairs instanceof Unknown) return this.markUncertain(self, pairs);
          for (const [k, v] of pairs) this.register(self, k, v, loc, "nn.ModuleDict");
        }
        return null;
      }),
    );
    fn("__len__", (self) => entries(self).length);
    fn(
      "__iter__",
      (self) =>
        new PyIterator(
          type === "ModuleDict" ? entries(self).map(([k]) => k) : entries(self).map(([, m]) => m),
        ),
    );
    fn("__contains__", (self, [k]) =>
      type === "ModuleDict"
        ? stateOf(self)!.children.has(k as string)
        : entries(self).some(([, m]) => m === k),
    );
    fn("__getitem__", (self, [key], _kw, loc) => {
      const es = entries(self);
      if (type === "ModuleDict") {
        const c = stateOf(self)!.children.get(key as string);
        if (!c) throw pyError("KeyError", this.it.repr(key), loc);
        return c;
      }
      if (key instanceof PySlice) {
        const idx = this.it.sliceIndices(key, es.length, loc);
        const cls2 = this.containerClass(type);
        const out = new PyInstance(cls2);
        cls2.hooks!.create!(out);
        stateOf(out)!.initialized = true;
        // PyTorch: a new Sequential keeps the modules' names; a ModuleList renumbers them
        idx.forEach((i, k) =>
          this.register(out, type === "Sequential" ? es[i][0] : String(k), es[i][1], loc),
        );
        this.created.splice(this.created.indexOf(out), 1);
        return out;
      }
      if (key instanceof Unknown) return key;
      const i = this.it.index(key, es.length, "index", loc);
      return es[i][1];
    });
    fn("__setitem__", (self, [key, v], _kw, loc) => {
      if (type === "ModuleDict") return this.register(self, key, v, loc);
      const es = entries(self);
      const i = this.it.index(key, es.length, "index", loc);
      return this.register(self, es[i][0], v, loc);
    });
    fn("__delitem__", (self, [key], _kw, loc) => {
      const st = stateOf(self)!;
      if (type === "ModuleDict") st.children.delete(key as string);
      else {
        const es = entries(self);
        const i = this.it.index(key, es.length, "index", loc);
        st.children.delete(es[i][0]);
        if (type === "ModuleList") {
          const rest = entries(self);
          st.children.clear();
          rest.forEach(([, m], k) => st.children.set(String(k), m));
        }
      }
      this.syncChildren(st);
      return null;
    });
    if (type !== "ModuleDict") {
      fn("append", (self, [m], _kw, loc) => {
        this.register(self, String(entries(self).length), m, loc, `nn.${type}`);
        return self;
      });
      fn("extend", (self, [ms], _kw, loc) => {
        const xs = this.it.iterate(ms, loc);
        if (xs instanceof Unknown) return this.markUncertain(self, xs);
        for (const m of xs) this.register(self, String(entries(self).length), m, loc, `nn.${type}`);
        return self;
      });
      fn("insert", (self, [idx, m], _kw, loc) => {
        const es = entries(self);
        let i = numberOf(idx) ?? 0;
        if (i < 0) i += es.length;
        es.splice(Math.max(0, Math.min(i, es.length)), 0, ["", m as PyInstance]);
        const st = stateOf(self)!;
        st.children.clear();
        es.forEach(([, x], k) => this.register(self, String(k), x, loc, `nn.${type}`));
        return null;
      });
    } else {
      fn("keys", (self) => new PyList(entries(self).map(([k]) => k)));
      fn("values", (self) => new PyList(entries(self).map(([, m]) => m)));
      fn("items", (self) => new PyList(entries(self).map(([k, m]) => new PyTuple([k, m]))));
      fn("update", (self, [src], _kw, loc) => {
        const pairs = src instanceof PyDict ? src.entries() : this.iteratePairs(src, loc);
        if (pairs instanceof Unknown) return this.markUncertain(self, pairs);
        for (const [k, v] of pairs) this.register(self, k, v, loc, "nn.ModuleDict");
        return null;
      });
    }
    if (type === "Sequential") {
      fn("forward", (self, args, kw, loc) => {
        if (kw.length || args.length !== 1) {
          throw pyError(
            "TypeError",
            `Sequential.forward() takes 2 positional arguments but ${args.length + 1} were given`,
            loc,
          );
        }
        let x = args[0];
        for (const [name, m] of entries(self)) {
          x = this.callModule(
            m,
            { positional: [x], keywords: [] },
            loc,
            this.childPath(self, name),
          );
          if (x instanceof Unknown) return x;
        }
        return x;
      });
    }
    return cls;
  }

  private iteratePairs(src: Value, loc: Loc): [Value, Value][] | Unknown {
    const xs = this.it.iterate(src, loc);
    if (xs instanceof Unknown) return xs;
    const out: [Value, Value][] = [];
    for (const p of xs) {
      const kv = this.it.iterate(p, loc);
      if (kv instanceof Unknown) return kv;
      if (kv.length !== 2)
        throw pyError(
          "ValueError",
          `ModuleDict update sequence element has length ${kv.length}; 2 is required`,
          loc,
        );
      out.push([kv[0], kv[1]]);
    }
    return out;
  }

  private markUncertain(self: PyInstance, why: Unknown): Value {
    const st = stateOf(self)!;
    (st.spec as { uncertain?: string }).uncertain = why.reason;
    return null;
  }

  /** Registers `value` as child `name` of `self` (`add_module`, containers). */
  private register(self: PyInstance, name: Value, value: Value, loc: Loc, where?: string): Value {
    if (typeof name !== "string")
      throw pyError("TypeError", `module name should be a string. Got ${typeName(name)}`, loc);
    if (name === "" || name.includes(".")) {
      throw pyError("KeyError", `module name can't contain ".", got: ${name}`, loc);
    }
    if (value instanceof Unknown) {
      if (value.error) throw new InputError(value.reason, value.loc ?? loc);
      (stateOf(self)!.spec as { uncertain?: string }).uncertain = value.reason;
      return null;
    }
    if (value !== null && !(value instanceof PyInstance && stateOf(value))) {
      if (where)
        throw pyError(
          "TypeError",
          `${where} expects torch.nn modules, not ${describe(value)}`,
          loc,
        );
      throw pyError("TypeError", `${typeName(value)} is not a Module subclass`, loc);
    }
    this.setChild(stateOf(self)!, name, value);
    return null;
  }

  /**
   * Sets child `name` (PyTorch's `_modules[name] = value`) and mirrors it into the spec: a new
   * name is appended (so that building an `nn.Sequential` of n layers is linear), anything else
   * rebuilds the list.
   */
  private setChild(st: ModuleState, name: string, value: PyInstance | null): void {
    const existed = st.children.has(name);
    st.children.set(name, value);
    if (st.spec.kind === "layer") return;
    if (!existed && value !== null) st.spec.children.push({ name, module: stateOf(value)!.spec });
    else this.syncChildren(st);
  }

  /** Mirrors `_modules` into the spec's children list. */
  private syncChildren(st: ModuleState): void {
    if (st.spec.kind === "layer") return;
    const kids: { name: string; module: ModuleSpec }[] = [];
    for (const [n, c] of st.children) if (c) kids.push({ name: n, module: stateOf(c)!.spec });
    st.spec.children = kids;
  }

  /** `self.name = value` on a module (PyTorch's `Module.__setattr__`). */
  private moduleSetattr(obj: PyInstance, name: string, value: Value, loc: Loc): boolean {
    const st = stateOf(obj)!;
    const isModule = value instanceof PyInstance && stateOf(value) !== undefined;
    const isParam = value instanceof MetaTensor && value.param !== undefined;
    if ((isModule || isParam) && !st.initialized) {
      throw pyError(
        "AttributeError",
        `cannot assign ${isModule ? "module" : "parameters"} before Module.__init__() call`,
        loc,
      );
    }
    if (name === "training") {
      st.training = value === true;
      return true;
    }
    if (isModule) {
      if (st.spec.kind === "layer") return false;
      st.params.delete(name);
      st.buffers.delete(name);
      obj.dict.delete(name);
      this.setChild(st, name, value as PyInstance);
      return true;
    }
    if (isParam) {
      const p = value as MetaTensor;
      if (st.spec.kind === "layer") {
        // tied weights: this layer's parameter is now another's
        const m = st.spec;
        const own = this.layerParamNames(m);
        if (own.includes(name)) {
          const owner = p.param!.own ? undefined : resolveOwner(p.param!.owner);
          if (owner && !(owner.module === m && owner.name === name)) {
            m.tied = { ...(m.tied ?? {}), [name]: owner };
            st.layerParams?.delete(name);
          }
          return true;
        }
        return false;
      }
      obj.dict.delete(name);
      st.children.delete(name);
      this.syncChildren(st);
      this.setOwnParam(st, name, p);
      return true;
    }
    if (st.children.has(name)) {
      if (value === null) {
        st.children.set(name, null);
        this.syncChildren(st);
        return true;
      }
      if (value instanceof Unknown) {
        st.children.delete(name);
        this.syncChildren(st);
        (st.spec as { uncertain?: string }).uncertain = value.reason;
        return false;
      }
      throw pyError(
        "TypeError",
        `cannot assign '${typeName(value)}' as child module '${name}' (torch.nn.Module or None expected)`,
        loc,
      );
    }
    if (st.params.has(name)) {
      if (value === null) {
        st.params.set(name, null);
        this.syncParams(st);
        return true;
      }
      throw pyError(
        "TypeError",
        `cannot assign '${typeName(value)}' as parameter '${name}' (torch.nn.Parameter or None expected)`,
        loc,
      );
    }
    if (st.buffers.has(name)) {
      if (value === null || value instanceof MetaTensor) {
        if (value instanceof MetaTensor) value.buffer = { module: st.spec, name };
        st.buffers.set(name, value);
        return true;
      }
      throw pyError(
        "TypeError",
        `cannot assign '${typeName(value)}' as buffer '${name}' (torch.Tensor or None expected)`,
        loc,
      );
    }
    return false;
  }

  private setOwnParam(st: ModuleState, name: string, p: MetaTensor): void {
    const c = st.spec as ContainerModule | SequentialModule;
    if (p.param!.own && !p.param!.own.name) {
      // a new nn.Parameter: this container owns it
      p.param!.own.name = name;
      p.param!.owner.module = c as ContainerModule;
      p.param!.owner.name = name;
    }
    st.params.set(name, p);
    this.syncParams(st);
  }

  private syncParams(st: ModuleState): void {
    if (st.spec.kind !== "container") return;
    const out: OwnParam[] = [];
    for (const [n, p] of st.params) {
      if (!p) continue;
      const own = p.param!.own;
      if (own && own.name === n && (p.param!.owner.module as unknown) === st.spec) out.push(own);
      else
        out.push({
          name: n,
          shape: [...p.meta.shape],
          trainable: p.requiresGrad,
          tiedTo: resolveOwner(p.param!.owner),
        });
    }
    st.spec.params = out;
  }

  /** `self.name` after the instance dict and the class miss (PyTorch's `Module.__getattr__`). */
  private moduleGetattr(obj: PyInstance, name: string, loc: Loc): Value | undefined {
    const st = stateOf(obj)!;
    if (name === "training") return st.training;
    const c = st.children.get(name);
    if (c !== undefined) return c;
    const p = st.params.get(name);
    if (p !== undefined) return p;
    const b = st.buffers.get(name);
    if (b !== undefined) return b;
    if (st.spec.kind === "layer") return this.layerAttr(obj, st.spec, name, loc);
    return undefined;
  }

  /** The names of a layer's parameters (PyTorch's, from the catalogue). */
  private layerParamNames(m: LayerModule): string[] {
    try {
      const { def, config } = configureLayer(m, m.type);
      return def.parameters(config).map((p) => p.name);
    } catch {
      return [];
    }
  }

  /** `layer.weight`, `layer.out_channels`, …: parameters and the constructor's arguments. */
  private layerAttr(obj: PyInstance, m: LayerModule, name: string, loc: Loc): Value | undefined {
    const st = stateOf(obj)!;
    let def: LayerDef<unknown>;
    let config: unknown;
    try {
      ({ def, config } = configureLayer(m, m.type));
    } catch (e) {
      if (e instanceof InputError) return this.it.unknown(e.message, loc);
      throw e;
    }
    const params = def.parameters(config);
    const pt = params.find((p) => p.name === name);
    if (pt || (m.tied && name in m.tied)) {
      st.layerParams ??= new Map();
      let t = st.layerParams.get(name);
      if (!t) {
        const owner = m.tied?.[name] ? resolveOwner(m.tied[name]) : { module: m, name };
        const shape = pt ? pt.shape : ownerShape(owner);
        t = new MetaTensor({ shape, dtype: "float32" }, this, { owner });
        t.requiresGrad = m.trainable !== false && !(m.frozen ?? []).includes(name);
        st.layerParams.set(name, t);
      }
      return t;
    }
    // a parameter the configuration leaves out (`bias=False`) reads as None
    if (/^(weight|bias)$/.test(name) || /^(weight|bias)_(ih|hh|hr)_l\d+(_reverse)?$/.test(name))
      return null;
    const cfg = config as Record<string, unknown>;
    if (cfg && typeof cfg === "object" && name in cfg) return fromConfig(cfg[name]);
    return undefined;
  }

  private requiresGrad(self: PyInstance, on: boolean): void {
    for (const [, p] of this.namedParameters(self)) this.setRequiresGrad(p, on);
    for (const m of this.modulesOf(self)) {
      const spec = stateOf(m)!.spec;
      if (spec.kind === "layer") {
        if (on) delete spec.trainable;
        else spec.trainable = false;
      }
    }
  }

  /** The module and its descendants, each once, in PyTorch's `modules()` order. */
  modulesOf(self: PyInstance): PyInstance[] {
    return this.namedModules(self).map(([, m]) => m);
  }

  /** `named_modules()`: pre-order, each module once. */
  namedModules(self: PyInstance): [string, PyInstance][] {
    const out: [string, PyInstance][] = [];
    const seen = new Set<PyInstance>();
    const stack: [string, PyInstance][] = [["", self]];
    while (stack.length) {
      const [path, m] = stack.pop()!;
      if (seen.has(m)) continue;
      seen.add(m);
      out.push([path, m]);
      const kids = [...stateOf(m)!.children].filter(([, c]) => c !== null) as [
        string,
        PyInstance,
      ][];
      for (let i = kids.length - 1; i >= 0; i--)
        stack.push([path ? `${path}.${kids[i][0]}` : kids[i][0], kids[i][1]]);
    }
    return out;
  }

  /** `named_parameters()`: each parameter once (tied ones at their first path). */
  namedParameters(self: PyInstance): [string, MetaTensor][] {
    const out: [string, MetaTensor][] = [];
    const seen = new Set<string>();
    for (const [path, m] of this.namedModules(self)) {
      const st = stateOf(m)!;
      const names: string[] =
        st.spec.kind === "layer"
          ? this.layerParamNames(st.spec)
          : [...st.params].filter(([, p]) => p).map(([n]) => n);
      for (const n of names) {
        const t =
          st.spec.kind === "layer"
            ? (this.layerAttr(m, st.spec, n, { line: 1, column: 1 }) as MetaTensor)
            : st.params.get(n)!;
        if (!(t instanceof MetaTensor)) continue;
        const key = paramKey(t.param!);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push([path ? `${path}.${n}` : n, t]);
      }
    }
    return out;
  }

  private childPath(self: PyInstance, name: string): string | undefined {
    const tr = this.trace;
    if (!tr) return undefined;
    const p = tr.paths.get(self);
    return p === undefined ? undefined : p ? `${p}.${name}` : name;
  }

  // -- calling modules ----------------------------------------------------------------------

  /**
   * `module(*args)`: runs its forward. Outside a trace, a call on tensors opens one (the source's
   * own call of its model), recorded for the model's input. In a trace, a layer of the catalogue
   * is a node; any other module is a call around the nodes its forward makes.
   */
  callModule(self: PyInstance, args: CallArgs, loc: Loc, path?: string): Value {
    const st = stateOf(self);
    if (!st) throw pyError("TypeError", `'${typeName(self)}' object is not callable`, loc);
    if (!this.trace) {
      const hasTensor =
        args.positional.some((a) => containsTensor(a)) ||
        args.keywords.some(([, a]) => containsTensor(a));
      if (!hasTensor)
        return this.it.unknown(
          `the output of ${self.cls.name}, called on something dlq cannot evaluate`,
          loc,
        );
      this.calls.push({ module: self, args, loc });
      try {
        return this.traced(self, args, loc).value;
      } catch (e) {
        if (e instanceof TraceError) {
          const p = new PyException("RuntimeError", e.toInputError().toLine(), loc);
          (p as PyException & { recoverable?: boolean }).recoverable = true;
          throw p;
        }
        throw e;
      }
    }
    const tr = this.trace;
    const myPath = path ?? this.pathOf(self);
    const forward = self.cls.lookup("forward");
    const isLayer =
      st.spec.kind === "layer" &&
      forward instanceof PyBuiltin &&
      forward.name.endsWith(".forward") &&
      this.layerClasses.get(st.spec.type)?.dict.get("forward") === forward;
    if (isLayer)
      return this.layerForward(self, LAYERS.get((st.spec as LayerModule).type)!, args, loc, myPath);
    const inputs = collectRefs(this, [...args.positional, ...args.keywords.map(([, v]) => v)]);
    tr.builder.enter(myPath, self.cls.name, st.spec, inputs, loc);
    tr.scopes.push({ path: myPath, module: self });
    let result: Value;
    try {
      result = this.it.call(forward ? this.it.bindTo(forward, self) : null, args, loc);
    } finally {
      tr.scopes.pop();
    }
    tr.builder.exit(this.outTree(result));
    return result;
  }

  /** The path of a module in the traced model (its first path), or a name for one outside it. */
  private pathOf(m: PyInstance): string {
    const tr = this.trace!;
    const p = tr.paths.get(m);
    if (p !== undefined) return p;
    const scope = tr.scopes[tr.scopes.length - 1]?.path ?? "";
    const name = tr.builder.uniqueName(scope, m.cls.name);
    tr.paths.set(m, name);
    return name;
  }

  /** A layer of the catalogue applied to its inputs: a module node. */
  private layerForward(
    self: PyInstance,
    def: LayerDef<unknown>,
    args: CallArgs,
    loc: Loc,
    path?: string,
  ): Value {
    const m = stateOf(self)!.spec as LayerModule;
    const fparams = [
      { name: "input", kind: "positional" as const },
      ...(def.forwardParams ?? []).map((p) => ({
        name: p.name,
        kind: "positional" as const,
        hasDefault: p.default !== undefined,
        default: (p.default ?? null) as Value,
      })),
    ];
    const bound = bindNative(`${m.type}.forward`, fparams, args, loc);
    for (const v of bound.values()) if (v instanceof Unknown) return v;
    const tr = this.trace;
    if (!tr) return this.it.unknown(`the output of ${m.type} outside a traced forward`, loc);
    const name = path ?? this.pathOf(self);
    const inputs: Record<string, InTree> = {};
    for (const [k, v] of bound) inputs[k] = this.inTree(v, loc);
    const x = bound.get("input");
    if (
      x instanceof MetaTensor &&
      def.inputKind === "index" &&
      !isIntegral(x.meta.dtype) &&
      !x.guessedDtype
    ) {
      throw this.it.hostCall(loc, () => {
        throw new TraceError(
          `Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.${TENSOR_TYPE[x.meta.dtype] ?? "FloatTensor"} instead (while checking arguments for embedding)`,
          `${m.loc ? `${m.loc.file ? m.loc.file + ":" : ""}${m.loc.line}:${m.loc.column}: ` : ""}layer ${name} (${m.type})`,
          loc,
        );
      });
    }
    const scope = tr.scopes[tr.scopes.length - 1]?.path ?? "";
    const r = this.it.hostCall(loc, () => tr.builder.layer(m, name, scope, inputs, loc));
    return this.valueOf(r.out, r.metas, r.node.id);
  }

  private inTree(v: Value, loc: Loc): InTree {
    if (v === null) return null;
    if (v instanceof MetaTensor) return { ref: this.refOf(v), meta: v.meta };
    if (v instanceof PyTuple || v instanceof PyList)
      return { tuple: v.items.map((x) => this.inTree(x, loc)) };
    throw pyError("TypeError", `expected a tensor, got ${typeName(v)}`, loc);
  }

  private valueOf(out: OutTree, metas: readonly TensorMeta[], node: number): Value {
    if (out === null) return null;
    if ("tuple" in out) return new PyTuple(out.tuple.map((o) => this.valueOf(o, metas, node)));
    if ("other" in out) return null;
    const t = this.tensor(this.trace!.builder.graph.nodes[out.node].outputs[out.index]);
    t.ref = { builder: this.trace!.builder, ref: out };
    void metas;
    void node;
    return t;
  }

  /** The structure of a forward's result. */
  private outTree(v: Value): OutTree {
    if (v instanceof MetaTensor) return this.refOf(v);
    if (v === null) return null;
    if (v instanceof PyTuple || v instanceof PyList)
      return { tuple: v.items.map((x) => this.outTree(x)) };
    if (v instanceof PyDict) return { tuple: v.values().map((x) => this.outTree(x)) };
    return { other: typeName(v) };
  }

  /**
   * Traces `model(*args)`: a new graph, with the tensors among the arguments as its inputs.
   * @throws TraceError, PyException when the forward fails.
   */
  traced(model: PyInstance, args: CallArgs, loc: Loc): { graph: Graph; value: Value } {
    const builder = new GraphBuilder();
    const paths = new Map<PyInstance, string>();
    for (const [p, m] of this.namedModules(model)) paths.set(m, p);
    this.trace = { builder, scopes: [], leaves: new Map(), paths, root: model };
    try {
      // the tensors among the arguments are the graph's inputs
      let k = 0;
      const bindInputs = (v: Value): void => {
        if (v instanceof MetaTensor) {
          const ref = builder.input(v.meta, `input${k++ === 0 ? "" : `_${k - 1}`}`);
          this.trace!.leaves.set(v, ref);
        } else if (v instanceof PyTuple || v instanceof PyList) v.items.forEach(bindInputs);
        else if (v instanceof PyDict) v.values().forEach(bindInputs);
      };
      args.positional.forEach(bindInputs);
      args.keywords.forEach(([, v]) => bindInputs(v));
      const value = this.callModule(model, args, loc, "");
      const graph = builder.finish(this.outTree(value));
      return { graph, value };
    } finally {
      this.trace = undefined;
    }
  }

  /** A meta tensor for an input of a trace. */
  inputTensor(shape: number[], dtype: DType, guessed: boolean): MetaTensor {
    const t = new MetaTensor({ shape, dtype }, this);
    t.guessedDtype = guessed;
    return t;
  }

  // -- layer arguments ----------------------------------------------------------------------

  /** A layer's constructor arguments as written, for the catalogue to bind. */
  private rawArgs(
    positional: Value[],
    keywords: [string, Value][],
    m: LayerModule,
    loc: Loc,
    at: CallArgs["at"],
  ): { positional: PyValue[]; keywords: Record<string, PyValue> } {
    const conv = (v: Value, what: string, argLoc: Loc | undefined): PyValue => {
      const r = toPyValue(v, 0);
      if (r === TOO_DEEP)
        throw tooDeep(`more than ${MAX_MODULE_DEPTH} nested tuples or lists`, argLoc ?? loc);
      if (r instanceof Unknown) {
        if (!m.unknownArg)
          m.unknownArg = r.error
            ? { message: r.reason, loc: r.loc }
            : {
                message: `dlq cannot evaluate ${what} of ${m.type}${r.reason ? ` (${r.reason})` : ""}`,
                loc: argLoc ?? r.loc ?? loc,
              };
        return null;
      }
      if (typeof r === "object" && r !== null && "bad" in r) {
        if (!m.unknownArg)
          m.unknownArg = {
            message: `${what} of ${m.type} is ${r.bad}, which dlq cannot use as a layer argument`,
            loc: argLoc ?? loc,
          };
        return null;
      }
      return r as PyValue;
    };
    const out = {
      positional: positional.map((v, i) => conv(v, "an argument", at?.positional[i + 1])),
      keywords: {} as Record<string, PyValue>,
    };
    keywords.forEach(([k, v], i) => {
      if (k === "device") return;
      if (k === "dtype") {
        if (v instanceof DTypeValue) setKey(out.keywords, k, v.dtype);
        else if (typeof v === "string") setKey(out.keywords, k, v);
        return;
      }
      setKey(out.keywords, k, conv(v, `argument '${k}'`, at?.keywords[i]));
    });
    return out;
  }

  private copyModule(v: PyInstance, memo: Map<unknown, Value>): PyInstance {
    const st = stateOf(v)!;
    const out = new PyInstance(v.cls);
    memo.set(v, out);
    this.hooks().create!(out);
    const ns = stateOf(out)!;
    ns.initialized = st.initialized;
    ns.training = st.training;
    if (st.spec.kind === "layer") {
      const m = st.spec;
      const c: LayerModule = {
        kind: "layer",
        type: m.type,
        args: m.args,
        ...(m.loc ? { loc: m.loc } : {}),
        ...(m.trainable === false ? { trainable: false } : {}),
        ...(m.frozen ? { frozen: [...m.frozen] } : {}),
      };
      ns.spec = c;
    } else if (st.spec.kind === "container") {
      (ns.spec as ContainerModule).loc = st.spec.loc;
    }
    for (const [k, x] of v.dict) out.dict.set(k, deepcopyValue(this, x, memo));
    for (const [k, c] of st.children)
      ns.children.set(k, c ? ((memo.get(c) as PyInstance) ?? this.copyModule(c, memo)) : null);
    this.syncChildren(ns);
    for (const [k, p] of st.params) {
      if (!p) ns.params.set(k, null);
      else {
        const own: OwnParam = { name: k, shape: [...p.meta.shape], trainable: p.requiresGrad };
        const np = new MetaTensor(p.meta, this, {
          owner: { module: ns.spec as ContainerModule, name: k },
          own,
        });
        np.requiresGrad = p.requiresGrad;
        ns.params.set(k, np);
      }
    }
    this.syncParams(ns);
    for (const [k, b] of st.buffers) {
      const nb = b ? new MetaTensor(b.meta, this, undefined, { module: ns.spec, name: k }) : null;
      ns.buffers.set(k, nb);
    }
    return out;
  }
}

function deepcopyValue(host: TorchHost, x: Value, memo: Map<unknown, Value>): Value {
  if (x instanceof PyInstance && stateOf(x))
    return (memo.get(x) as PyInstance) ?? host.deepcopy(x, memo)!;
  if (x instanceof PyList) return new PyList(x.items.map((y) => deepcopyValue(host, y, memo)));
  return x;
}

const TENSOR_TYPE: Partial<Record<DType, string>> = {
  float32: "FloatTensor",
  float64: "DoubleTensor",
  float16: "HalfTensor",
  bfloat16: "BFloat16Tensor",
  bool: "BoolTensor",
  uint8: "ByteTensor",
};

function isIntegral(d: DType): boolean {
  return d === "int64" || d === "int32" || d === "int16" || d === "int8" || d === "uint8";
}

/** Follows tied weights to the module that owns the parameter. */
export function resolveOwner(o: ParamOwner): ParamOwner {
  let cur = o;
  for (let i = 0; i < 100; i++) {
    if (cur.module.kind !== "layer") return cur;
    const t = cur.module.tied?.[cur.name];
    if (!t || (t.module === cur.module && t.name === cur.name)) return cur;
    cur = t;
  }
  return cur;
}

const specIds = new WeakMap<object, number>();
let nextSpecId = 0;
function specId(o: object): number {
  let id = specIds.get(o);
  if (id === undefined) specIds.set(o, (id = ++nextSpecId));
  return id;
}

/** The identity of a parameter (tied parameters share it). */
export function paramKey(p: ParamIdentity): string {
  if (p.own && !p.own.name) return `new:${specId(p.own)}`;
  const o = resolveOwner(p.owner);
  return `${specId(o.module)}:${o.name}`;
}

function ownerShape(o: ParamOwner): number[] {
  if (o.module.kind === "layer") {
    const { def, config } = configureLayer(o.module, o.module.type);
    return def.parameters(config).find((p: ParamTensor) => p.name === o.name)?.shape ?? [];
  }
  return o.module.params.find((p) => p.name === o.name)?.shape ?? [];
}

/** A normalised configuration field as PyTorch exposes it (`kernel_size` → a tuple). */
function fromConfig(v: unknown): Value {
  if (v === null || typeof v === "number" || typeof v === "boolean" || typeof v === "string")
    return v as Value;
  if (Array.isArray(v)) return new PyTuple(v.map(fromConfig));
  return new Unknown("a layer setting");
}

const TOO_DEEP = { bad: "nested too deeply" };

/** A layer argument as a Python literal of the spec (src/spec/types.ts). */
function toPyValue(v: Value, depth: number): PyValue | Unknown | { bad: string } {
  if (depth > MAX_MODULE_DEPTH) return TOO_DEEP;
  if (v === null || typeof v === "number" || typeof v === "boolean" || typeof v === "string")
    return v;
  if (v instanceof PyFloat) return { float: v.float };
  // beyond 2^53 − 1: the catalogue refuses it where an int is needed, takes it as a float elsewhere
  if (v instanceof PyInt) return Number(v.big);
  if (v instanceof Unknown) return v;
  if (v instanceof PyTuple || v instanceof PyList) {
    const out: PyValue[] = [];
    for (const x of v.items) {
      const r = toPyValue(x, depth + 1);
      if (
        r instanceof Unknown ||
        r === TOO_DEEP ||
        (typeof r === "object" && r !== null && "bad" in r)
      )
        return r;
      out.push(r as PyValue);
    }
    return out;
  }
  if (v instanceof DTypeValue) return v.dtype;
  if (v instanceof PyClass) return v.qualname;
  if (v instanceof PyInstance && stateOf(v)) return { bad: `the module ${v.cls.name}` };
  if (v instanceof MetaTensor) return { bad: "a tensor" };
  return { bad: describe(v) };
}

function describe(v: Value): string {
  if (v === null) return "None";
  if (typeof v === "number") return `the number ${v}`;
  if (typeof v === "string") return `the string '${v}'`;
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v instanceof PyTuple) return "a tuple";
  if (v instanceof PyList) return "a list";
  if (v instanceof PyDict) return "a dict";
  if (v instanceof PyInstance) return stateOf(v) ? `the module ${v.cls.name}` : `a ${v.cls.name}`;
  if (v instanceof MetaTensor) return "a tensor";
  if (v instanceof PyFunction) return `the function '${v.name}'`;
  return `a ${typeName(v)}`;
}

function uniqueChildren(self: PyInstance): PyInstance[] {
  const seen = new Set<PyInstance>();
  const out: PyInstance[] = [];
  for (const c of stateOf(self)!.children.values())
    if (c && !seen.has(c)) {
      seen.add(c);
      out.push(c);
    }
  return out;
}

function containsTensor(v: Value): boolean {
  if (v instanceof MetaTensor) return true;
  if (v instanceof PyTuple || v instanceof PyList) return v.items.some(containsTensor);
  if (v instanceof PyDict) return v.values().some(containsTensor);
  return false;
}

function collectRefs(host: TorchHost, vs: Value[]): TensorRef[] {
  const out: TensorRef[] = [];
  const walk = (v: Value): void => {
    if (v instanceof MetaTensor) out.push(host.refOf(v));
    else if (v instanceof PyTuple || v instanceof PyList) v.items.forEach(walk);
  };
  vs.forEach(walk);
  return out;
}

export { isFloat };
