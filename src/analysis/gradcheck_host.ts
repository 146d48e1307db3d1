/**
 * The gradcheck host of dlq's interpreter (src/python): tensors are the tensor core's float64
 * tensors, recorded for autodiff, and every torch function, tensor method and operator is the op
 * registry's (src/ops): its meta rule validates the call (PyTorch's refusal, in PyTorch's words),
 * then its kernel computes. Strict: anything the interpreter cannot follow is an error.
 *
 * What it keeps for `dlq gradcheck` (src/analysis/gradcheck.ts): the tensors created with
 * `requires_grad=True` (the inputs to check) and their names, a `torch.autograd.gradcheck(...)`
 * call, the seeded generator of `torch.rand` & co. (dlq's stream, not PyTorch's), and PyTorch's
 * in-place rules: with grad mode on, a leaf that requires grad may not be modified in place; with
 * it off (`with torch.no_grad():`), `W -= lr * g` writes into the tensor, which stays the same leaf.
 * All computation is float64: a `dtype=torch.float32` is accepted and noted.
 */
import { InputError, type Loc } from "../errors.js";
import { bindOp, makeOpArgs } from "../ops/args.js";
import { lookupOp, opNames } from "../ops/registry.js";
import {
  DataDependent,
  DTypeValue,
  OpError,
  type DType,
  type KernelContext,
  type OpDef,
  type OpOut,
  type TensorMeta,
} from "../ops/types.js";
import { namespace } from "../python/builtins.js";
import type { Expr, Stmt } from "../python/ast.js";
import { Interpreter, isPure, type Host } from "../python/interp.js";
import { pyError } from "../python/semantics.js";
import {
  HostValue,
  PyBoundMethod,
  PyBuiltin,
  PyClass,
  PyDict,
  PyException,
  PyFunction,
  PyList,
  PyNamespace,
  PyTuple,
  typeName,
  Unknown,
  type CallArgs,
  type Scope,
  type Value,
} from "../python/values.js";
import * as T from "../tensor/index.js";
import { Generator, Tensor, TensorError } from "../tensor/index.js";
import { closeNames } from "../util/suggest.js";

/** A `torch.autograd.gradcheck(func, inputs, …)` call seen in the snippet. */
export interface RequestedCheck {
  fn: Value;
  inputs: TensorValue[];
  eps?: number;
  atol?: number;
  rtol?: number;
  fast?: boolean;
}

/** A tensor of the tensor core as an interpreter value (with the dtype PyTorch would give it). */
export class TensorValue extends HostValue {
  constructor(
    public t: Tensor,
    public dtype: DType,
    readonly host: GradcheckHost,
  ) {
    super();
  }
  get typeName(): string {
    return "Tensor";
  }
  get meta(): TensorMeta {
    return { shape: this.t.shape, dtype: this.dtype };
  }
  override getattr(name: string, loc: Loc): Value | undefined {
    return this.host.tensorAttr(this, name, loc);
  }
  override setattr(name: string, value: Value, loc: Loc): boolean {
    if (name !== "requires_grad") return false;
    if (typeof value !== "boolean")
      throw pyError("RuntimeError", "requires_grad must be a bool", loc);
    if (value) this.host.markLeaf(this);
    else this.t.requiresGrad = false;
    return true;
  }
  override binop(op: string, other: Value, reflected: boolean, loc: Loc): Value | undefined {
    const name = OPERATORS[op];
    if (
      !name ||
      !(
        other instanceof TensorValue ||
        isScalar(other) ||
        other instanceof PyTuple ||
        other instanceof PyList
      )
    )
      return undefined;
    const [a, b] = reflected ? [other, this] : [this, other];
    if (op === "//")
      throw pyError(
        "TypeError",
        "'//' (floor division) has no gradient: not supported on tensors",
        loc,
      );
    return this.host.callOp(`operator.${name}`, op, { positional: [a, b], keywords: [] }, loc);
  }
  override unop(op: "-" | "+" | "~", loc: Loc): Value | undefined {
    const q =
      (op as string) === "abs"
        ? "torch.abs"
        : `operator.${op === "-" ? "neg" : op === "+" ? "pos" : "invert"}`;
    return this.host.callOp(q, op, { positional: [this], keywords: [] }, loc);
  }
  override compare(op: string, other: Value, reflected: boolean, loc: Loc): Value | undefined {
    const name = COMPARISONS[op];
    if (!name || !(other instanceof TensorValue || isScalar(other))) return undefined;
    const [a, b] = reflected ? [other, this] : [this, other];
    return this.host.callOp(`operator.${name}`, op, { positional: [a, b], keywords: [] }, loc);
  }
  override truth(loc: Loc): boolean {
    if (this.t.size !== 1) {
      throw pyError(
        "RuntimeError",
        `Boolean value of Tensor with more than one value is ambiguous (shape ${T.shapeStr(this.t.shape)})`,
        loc,
      );
    }
    return this.t.data[0] !== 0;
  }
  override iter(loc: Loc): Value[] {
    if (this.t.ndim === 0) throw pyError("TypeError", "iteration over a 0-d tensor", loc);
    return Array.from({ length: this.t.shape[0] }, (_, i) =>
      this.host.callOp("operator.getitem", "[]", { positional: [this, i], keywords: [] }, loc),
    );
  }
  override len(loc: Loc): number {
    if (this.t.ndim === 0) throw pyError("TypeError", "len() of a 0-d tensor", loc);
    return this.t.shape[0];
  }
  override getitem(key: Value, loc: Loc): Value | undefined {
    return this.host.callOp(
      "operator.getitem",
      "[]",
      { positional: [this, key], keywords: [] },
      loc,
    );
  }
  override setitem(_key: Value, _value: Value, loc: Loc): boolean {
    this.host.checkInPlace(this, loc, true);
    throw pyError("TypeError", "dlq does not follow assignment into a tensor (x[...] = ...)", loc);
  }
  override inplace(op: string, other: Value, loc: Loc): Value | undefined {
    // `x op= y` on a tensor is in place in PyTorch (Tensor.__iadd__ …), except `@=`
    if (op === "@") return undefined;
    this.host.checkInPlace(this, loc);
    if (this.host.gradEnabled) return undefined;
    const r = this.binop(op, other, false, loc);
    if (!(r instanceof TensorValue)) return undefined;
    this.host.write(this, r.t, loc);
    return this;
  }
  override isInstance(cls: Value): boolean | undefined {
    if (cls === this.host.tensorClass) return true;
    return undefined;
  }
  number(loc: Loc): Value {
    if (this.t.size !== 1)
      throw pyError(
        "ValueError",
        `only one element tensors can be converted to Python scalars`,
        loc,
      );
    return this.t.data[0];
  }
  override repr(): string {
    return `tensor(${JSON.stringify(this.t.toArray())})`;
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
const COMPARISONS: Record<string, string> = {
  "==": "eq",
  "!=": "ne",
  "<": "lt",
  "<=": "le",
  ">": "gt",
  ">=": "ge",
};

function isScalar(v: Value): boolean {
  return (
    typeof v === "number" ||
    typeof v === "boolean" ||
    (typeof v === "object" && v !== null && "float" in v)
  );
}

/** torch's context managers that set autograd's grad mode. */
const GRAD_MODES = new Set(["no_grad", "enable_grad", "inference_mode", "set_grad_enabled"]);

/**
 * `torch.no_grad()` & co.: a `with` sets the host's and the tensor core's grad mode and restores
 * it after. `torch.set_grad_enabled(mode)` sets the mode when it is called, as PyTorch's does (so
 * that it also works as a plain statement), and a `with` over it restores the previous mode.
 */
class GradMode extends HostValue {
  private prev: boolean[] = [];
  constructor(
    readonly host: GradcheckHost,
    readonly mode: boolean | null,
    /** The mode before a `set_grad_enabled(mode)` call set it. */
    private readonly before?: boolean,
  ) {
    super();
  }
  get typeName(): string {
    return "torch.autograd.grad_mode";
  }
  override enter(): Value {
    if (this.before !== undefined) return null;
    this.prev.push(this.host.gradEnabled);
    if (this.mode !== null) this.host.setGradMode(this.mode);
    return null;
  }
  override exit(): void {
    this.host.setGradMode(this.before !== undefined ? this.before : this.prev.pop()!);
  }
  /** As a decorator: the function itself. */
  override call(args: CallArgs): Value {
    return args.positional[0] ?? null;
  }
}

/** `torch.no_grad` & co. before they are called: `with torch.no_grad:` says how to write it. */
class GradModeFactory extends HostValue {
  constructor(
    readonly kind: string,
    private readonly make: (call: { args: CallArgs; loc: Loc }) => Value,
  ) {
    super();
  }
  get typeName(): string {
    return "type";
  }
  override call(args: CallArgs, loc: Loc): Value {
    return this.make({ args, loc });
  }
  override enter(loc: Loc): Value {
    throw pyError(
      "TypeError",
      `'torch.${this.kind}' must be called: with torch.${this.kind}():`,
      loc,
    );
  }
}

/** The DTypes PyTorch names (`torch.float32`…). */
const DTYPES: Record<string, DType> = {
  float64: "float64",
  double: "float64",
  float32: "float32",
  float: "float32",
  float16: "float16",
  half: "float16",
  bfloat16: "bfloat16",
  int64: "int64",
  long: "int64",
  int32: "int32",
  int: "int32",
  int16: "int16",
  int8: "int8",
  uint8: "uint8",
  bool: "bool",
};

/** Test-only ops (a deliberately wrong backward), registered with {@link registerFunction}. */
const EXTRA = new Map<string, OpDef>();

/**
 * Adds a function to the gradcheck host, e.g. a test-only op with a deliberately wrong backward
 * rule: `registerFunction("torch.bad_cube", ["input"], (b) => …)`; `b.args` maps each parameter to
 * its tensor (or value). The result has the input's shape.
 */
export function registerFunction(
  qualname: string,
  params: string[],
  call: (b: { args: Record<string, Tensor | Value> }) => Tensor,
): void {
  const def: OpDef = {
    name: qualname.split(".").pop()!,
    names: [qualname],
    params: params.map((p) =>
      p.endsWith("?")
        ? { name: p.slice(0, -1), kind: "positional", hasDefault: true, default: null }
        : { name: p, kind: "positional" },
    ),
    kind: "compute",
    meta: (a) => ({ ...a.tensor(params[0].replace(/\?$/, "")) }),
    kernel: (a) => {
      const args: Record<string, Tensor | Value> = {};
      for (const p of params) {
        const n = p.replace(/\?$/, "");
        args[n] = a.has(n) ? (a.optTensor(n) ?? a.raw(n)) : null;
      }
      return call({ args });
    },
  };
  EXTRA.set(qualname, def);
}

function opFor(qualname: string): OpDef | undefined {
  return EXTRA.get(qualname) ?? lookupOp(qualname);
}

/** The gradcheck host (see the file header). One per snippet. */
export class GradcheckHost implements Host {
  it!: Interpreter;
  /** The generator of `torch.rand` & co. */
  gen: Generator;
  /** Tensors created with `requires_grad=True` (or `requires_grad_()`), in creation order. */
  readonly leaves: TensorValue[] = [];
  /** The first variable name each tensor was bound to. */
  readonly names = new Map<TensorValue, string>();
  /** Notes for the report (deduplicated), e.g. float32 computed in float64. */
  readonly notes: string[] = [];
  /** Set by a `torch.autograd.gradcheck(...)` call. */
  requested: RequestedCheck | null = null;
  /** While false, `requires_grad=True` no longer registers leaves (re-evaluation under gradcheck). */
  recording = true;
  /** Names given with --var: the snippet's own top-level assignments to them are ignored. */
  readonly pinned = new Set<string>();
  /** The first random draw new at each re-evaluation (recording off), e.g. under gradcheck. */
  redraw: { what: string; where?: Loc } | null = null;
  /**
   * While set (re-running a top-level statement of a snippet), draws made by the statement itself,
   * outside any `def` it calls, come from this generator: a copy of the state the statement started
   * from in the first run, so that they replay the draw a notebook made once. Draws inside a
   * function come from {@link gen}, new at every evaluation.
   */
  topLevelGen: Generator | null = null;
  /** The storage of the inputs being checked: re-evaluations may not write into it. */
  checkedInputs: Set<ArrayBufferLike> | null = null;
  /** In-place writes made while recording: the tensor and its values before the write. */
  readonly writes: { tensor: Tensor; before: Float64Array }[] = [];
  readonly tensorClass: PyClass;
  private gradMode = true;
  private readonly wrappers = new WeakMap<Tensor, TensorValue>();
  private readonly dtypes = new WeakMap<Tensor, DType>();
  private readonly namespaces = new Map<string, Value>();

  constructor(seed: number | bigint = 0) {
    this.gen = new Generator(seed);
    this.tensorClass = new PyClass("Tensor", [], undefined, "torch.Tensor");
  }

  attach(it: Interpreter): void {
    this.it = it;
    this.tensorClass.mro = [this.tensorClass, it.classes.get("object")!];
  }

  /** Whether grad mode is on, as the snippet has set it so far. */
  get gradEnabled(): boolean {
    return this.gradMode;
  }

  setGradMode(on: boolean): void {
    this.gradMode = on;
    T.setGradEnabled(on);
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  /** The interpreter value of a core tensor (one wrapper per tensor, so identity holds). */
  wrap(t: Tensor, dtype?: DType): TensorValue {
    let w = this.wrappers.get(t);
    if (!w) {
      w = new TensorValue(t, dtype ?? this.dtypes.get(t) ?? "float32", this);
      this.wrappers.set(t, w);
    } else if (dtype) w.dtype = dtype;
    this.dtypes.set(t, w.dtype);
    return w;
  }

  /** Registers a tensor as an input to check. */
  markLeaf(v: TensorValue): void {
    v.t.requiresGrad = true;
    if (this.recording && !this.leaves.includes(v)) this.leaves.push(v);
  }

  /**
   * PyTorch's check before any in-place op on `v` (torch/csrc/autograd/VariableTypeUtils.h
   * `check_inplace`): with grad mode on, a leaf that requires grad (or a view of one) may not be
   * modified in place.
   * @throws PyException with PyTorch's message.
   */
  checkInPlace(v: TensorValue, loc: Loc, view = false): void {
    if (this.gradMode && v.t.requiresGrad && v.t.isLeaf)
      throw pyError(
        "RuntimeError",
        `a ${view ? "view of a " : ""}leaf Variable that requires grad is being used in an in-place operation`,
        loc,
      );
  }

  /**
   * Writes `x`'s values into `v` (an in-place op outside the graph), logged while recording.
   * @throws PyException when the shapes differ (PyTorch's message).
   */
  write(v: TensorValue, x: Tensor, loc: Loc): void {
    const t = v.t;
    if (x.ndim !== t.ndim || x.shape.some((d, i) => d !== t.shape[i]))
      throw pyError(
        "RuntimeError",
        `output with shape ${T.shapeStr(t.shape)} doesn't match the broadcast shape ${T.shapeStr(x.shape)}`,
        loc,
      );
    if (!this.recording && this.checkedInputs?.has(t.data.buffer)) {
      const name = this.names.get(v) ?? "input";
      throw new InputError(
        `the function modifies its input ${name} in place under no_grad, so every evaluation moves ` +
          "the point being checked; PyTorch's gradcheck stops with \"one of the variables needed for " +
          `gradient computation has been modified by an inplace operation" when the graph uses ${name}`,
        loc,
      );
    }
    if (this.recording) this.writes.push({ tensor: t, before: t.data.slice() });
    t.data.set(x.data);
  }

  /**
   * The generator a draw by `what` (`torch.rand`…) comes from; notes the first draw that is new at
   * each evaluation.
   */
  drew(what: string, loc: Loc): Generator {
    if (this.topLevelGen && this.it.callDepth === 0) return this.topLevelGen;
    if (!this.recording && !this.redraw) this.redraw = { what, where: loc };
    return this.gen;
  }

  // -- Host ---------------------------------------------------------------------------------

  initialGlobals(): Iterable<[string, Value]> {
    return [
      ["torch", this.importModule("torch")!],
      ["F", this.importModule("torch.nn.functional")!],
      ["nn", this.importModule("torch.nn")!],
    ];
  }

  importModule(path: string): Value | undefined {
    const cached = this.namespaces.get(path);
    if (cached !== undefined) return cached;
    let v: Value | undefined;
    if (path === "torch") v = new PyNamespace("torch", (n) => this.torchAttr(n));
    else if (path === "torch.nn")
      v = new PyNamespace("torch.nn", (n) =>
        n === "functional"
          ? this.importModule("torch.nn.functional")
          : this.fn(`torch.nn.${n}`, `nn.${n}`),
      );
    else if (path === "torch.nn.functional")
      v = new PyNamespace(path, (n) => this.fn(`${path}.${n}`, `F.${n}`));
    else if (path === "torch.autograd" || path === "torch.autograd.gradcheck")
      v = new PyNamespace(path, (n) => this.autogradAttr(path, n));
    else if (path === "torch.special" || path === "torch.linalg")
      v = new PyNamespace(path, (n) => this.fn(`${path}.${n}`, `${path}.${n}`));
    else if (path === "numpy") return undefined;
    if (v !== undefined) this.namespaces.set(path, v);
    return v;
  }

  translateError(e: unknown, loc: Loc): PyException | InputError | undefined {
    if (e instanceof DataDependent) return undefined;
    if (e instanceof OpError) return new PyException(e.pyType, e.message, loc);
    if (e instanceof TensorError && !e.where) return new InputError(e.message, loc);
    return undefined;
  }

  /**
   * `print(...)` is skipped, except the `torch.autograd.gradcheck(...)` calls among its arguments
   * (`print(torch.autograd.gradcheck(f, (W,)))`), which say what to check. A `with` over a context
   * manager other than torch's grad modes (`with open(p) as f:`) is skipped, with a note.
   */
  statement(s: Stmt, scope: Scope): boolean {
    if (s.kind === "With") {
      const known = s.items.every((item) => {
        const c = item.context;
        const f = c.kind === "Call" ? c.func : c;
        if (!isPure(f)) return true;
        const v = this.it.eval(f, scope);
        return (
          v instanceof GradModeFactory ||
          v instanceof GradMode ||
          !(v instanceof PyBuiltin || v instanceof Unknown)
        );
      });
      if (!known) this.note(`skipped a WithStatement at line ${s.loc.line}`);
      return !known;
    }
    if (s.kind !== "Expr") return false;
    const e = s.value;
    if (!(e.kind === "Call" && e.func.kind === "Name" && e.func.id === "print")) return false;
    if (scope.lookup("print") !== this.it.builtins.vars.get("print")) return false;
    const todo: unknown[] = [e.args, e.keywords];
    while (todo.length) {
      const x = todo.pop();
      if (Array.isArray(x)) todo.push(...x);
      else if (x && typeof x === "object") {
        const o = x as Expr;
        if (o.kind === "Call" && o.func.kind === "Attribute" && o.func.attr === "gradcheck") {
          this.it.eval(o, scope);
          continue;
        }
        for (const [k, v] of Object.entries(o)) if (k !== "loc" && k !== "attrLoc") todo.push(v);
      }
    }
    return true;
  }

  nameErrorHint(name: string): string {
    return `: pass --var ${name}=SHAPE`;
  }

  /** `--var` names are pinned: the snippet's own top-level assignments to them are ignored. */
  bindGlobal(name: string, v: Value): boolean {
    if (this.pinned.has(name) && this.it.callDepth === 0) {
      this.note(`'${name}' comes from --var; the snippet's assignment was ignored`);
      return false;
    }
    // while re-evaluating (recording off), new tensors are not named: the map would keep
    // every intermediate of every evaluation alive
    if (v instanceof TensorValue && this.recording && !this.names.has(v)) this.names.set(v, name);
    return true;
  }

  // -- namespaces ---------------------------------------------------------------------------

  private torchAttr(n: string): Value | undefined {
    if (n in DTYPES) return new DTypeValue(DTYPES[n]);
    switch (n) {
      case "nn":
        return this.importModule("torch.nn");
      case "autograd":
        return this.importModule("torch.autograd");
      case "special":
      case "linalg":
        return this.importModule(`torch.${n}`);
      case "Tensor":
        return this.tensorClass;
      case "pi":
        return Math.PI;
      case "e":
        return Math.E;
      case "inf":
        return Infinity;
      case "nan":
        return NaN;
    }
    if (GRAD_MODES.has(n)) return this.gradModeFn(n);
    if (n === "manual_seed") {
      return new PyBuiltin("torch.manual_seed", ({ args, loc }) => {
        const s = args.positional[0] ?? args.keywords.find(([k]) => k === "seed")?.[1];
        if (typeof s !== "number" || !Number.isInteger(s))
          throw pyError(
            "TypeError",
            `manual_seed expected an int, got ${typeName(s ?? null)}`,
            loc,
          );
        this.gen.manualSeed(s);
        return null;
      });
    }
    return this.fn(`torch.${n}`, `torch.${n}`);
  }

  private autogradAttr(path: string, n: string): Value | undefined {
    if (n === "gradcheck" && path === "torch.autograd") return this.gradcheckFn();
    if (n === "gradcheck" && path === "torch.autograd.gradcheck") return this.gradcheckFn();
    if (n === "grad_mode")
      return namespace(
        "torch.autograd.grad_mode",
        Object.fromEntries([...GRAD_MODES].map((m) => [m, this.gradModeFn(m)])),
      );
    if (GRAD_MODES.has(n)) return this.gradModeFn(n);
    if (n === "gradcheck") return this.importModule("torch.autograd.gradcheck");
    return this.fn(`${path}.${n}`, `${path}.${n}`);
  }

  private gradModeFn(kind: string): Value {
    return new GradModeFactory(kind, ({ args, loc }) => {
      const p = args.positional;
      if (p[0] instanceof PyFunction) return p[0];
      if (kind === "no_grad") return new GradMode(this, false);
      if (kind === "enable_grad") return new GradMode(this, true);
      if (kind === "set_grad_enabled" && !p.length && !args.keywords.length)
        throw pyError(
          "TypeError",
          "torch.set_grad_enabled() missing 1 required positional argument: 'mode'",
          loc,
        );
      const m = p[0] ?? args.keywords.find(([k]) => k === "mode")?.[1];
      if (kind === "set_grad_enabled") {
        // torch.set_grad_enabled's __init__: `enabled must be a bool (got int)`
        if (typeof m !== "boolean")
          throw pyError(
            "TypeError",
            `enabled must be a bool (got ${m === undefined || m === null ? "NoneType" : typeName(m)})`,
            args.at?.positional[0] ?? loc,
          );
        const before = this.gradEnabled;
        // a plain statement `torch.set_grad_enabled(False)` sets the mode until changed
        this.setGradMode(m);
        return new GradMode(this, m, before);
      }
      return new GradMode(this, m === false ? null : false);
    });
  }

  private gradcheckFn(): Value {
    return new PyBuiltin("torch.autograd.gradcheck", ({ args, loc }) => {
      const [fn, raw] = args.positional;
      const kw = new Map(args.keywords);
      if (!(fn instanceof PyFunction || fn instanceof PyBuiltin || fn instanceof PyBoundMethod))
        throw pyError("TypeError", "gradcheck: func must be a function", loc);
      const list =
        raw instanceof PyTuple || raw instanceof PyList
          ? raw.items
          : [raw ?? kw.get("inputs") ?? null];
      const inputs = list.map((x) => {
        if (!(x instanceof TensorValue))
          throw pyError("TypeError", `gradcheck: inputs must be tensors, not ${typeName(x)}`, loc);
        return x;
      });
      const num = (k: string): number | undefined => {
        const v = kw.get(k);
        return typeof v === "number"
          ? v
          : v && typeof v === "object" && "float" in v
            ? (v as { float: number }).float
            : undefined;
      };
      const fast = kw.get("fast_mode");
      this.requested = {
        fn,
        inputs,
        eps: num("eps"),
        atol: num("atol"),
        rtol: num("rtol"),
        fast: fast === undefined ? undefined : fast === true,
      };
      return true;
    });
  }

  /** A torch function as a value, or a refusal naming close names. */
  private fn(qualname: string, display: string): Value {
    if (!opFor(qualname)) {
      const dot = qualname.lastIndexOf(".");
      const prefix = qualname.slice(0, dot + 1);
      const name = qualname.slice(dot + 1);
      if (!/^[a-z_]/.test(name)) return this.it.unknown(`${display}, which dlq does not model`);
      const cands = opNames()
        .filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes("."))
        .map((k) => k.slice(prefix.length));
      const close = closeNames(name, cands);
      const head = display.slice(0, display.lastIndexOf("."));
      const hint = close.length
        ? ` (did you mean ${close.map((c) => `'${head}.${c}'`).join(" or ")}?)`
        : "";
      throw pyError("AttributeError", `unknown function '${display}'${hint}`);
    }
    return new PyBuiltin(display, ({ args, loc }) => this.callOp(qualname, display, args, loc));
  }

  // -- tensors ------------------------------------------------------------------------------

  tensorAttr(v: TensorValue, name: string, loc: Loc): Value | undefined {
    const t = v.t;
    switch (name) {
      case "shape":
        return new PyTuple([...t.shape], undefined, "torch.Size");
      case "ndim":
        return t.ndim;
      case "dtype":
        return new DTypeValue(v.dtype);
      case "requires_grad":
        return t.requiresGrad;
      case "is_leaf":
        return t.isLeaf;
      case "data":
        return this.wrap(t.detach(), v.dtype);
      case "device":
        return "cpu";
      case "grad": {
        // `.backward()` is not run (it changes nothing dlq checks), so `.grad` has no value:
        // refused rather than None, which would fail later with a misleading TypeError
        const n = this.names.get(v);
        throw new InputError(
          `${n ? `${n}.grad` : ".grad"} is not modelled: dlq does not run .backward() or ` +
            "keep .grad, so a gradient-descent step cannot be followed here; dlq gradcheck " +
            "computes the gradient itself: give it the snippet up to the loss (loss = …)",
          loc,
        );
      }
      case "T":
      case "mT":
      case "H":
      case "mH":
        if (opFor(`Tensor.${name}`))
          return this.callOp(`Tensor.${name}`, `.${name}`, { positional: [v], keywords: [] }, loc);
        return undefined;
      case "backward":
        return new PyBuiltin("Tensor.backward", () => null);
      case "__class__":
        return this.tensorClass;
    }
    const q = `Tensor.${name}`;
    if (opFor(q))
      return new PyBoundMethod(
        v,
        new PyBuiltin(q, ({ args, loc: l }) => this.callOp(q, q, args, l)),
      );
    // any in-place method (`add_`, `fill_`, …), even one dlq does not model, is refused first
    if (/^[a-z]\w*_$/.test(name)) this.checkInPlace(v, loc);
    const cands = opNames()
      .filter((k) => k.startsWith("Tensor."))
      .map((k) => k.slice(7));
    const close = closeNames(name, [...cands, "shape", "ndim", "T"]);
    const hint = close.length ? ` (did you mean ${close.map((c) => `'.${c}'`).join(" or ")}?)` : "";
    throw pyError("AttributeError", `'Tensor' object has no attribute '${name}'${hint}`, loc);
  }

  /**
   * Calls the op `qualname`: binds, validates with the meta rule, computes with the kernel.
   * @throws PyException with PyTorch's message.
   */
  callOp(qualname: string, display: string, args: CallArgs, loc: Loc): Value {
    const def = opFor(qualname);
    if (!def) throw pyError("AttributeError", `unknown function '${display}'`, loc);
    let bound: Map<string, Value>;
    try {
      bound = bindOp(def, args.positional, args.keywords, display);
    } catch (e) {
      if (e instanceof OpError) throw new PyException(e.pyType, e.message, loc);
      throw e;
    }
    const dt = bound.get("dtype");
    if (dt instanceof DTypeValue && dt.dtype !== "float64" && /^float|half|bfloat/.test(dt.dtype))
      this.note(`dtype=torch.${dt.dtype} is computed in float64 (dlq's tensor core)`);
    const metaArgs = makeOpArgs(def, display, bound, (v) =>
      v instanceof TensorValue ? v.meta : undefined,
    );
    let meta: OpOut<TensorMeta> | undefined;
    let dataDtype: DType | undefined;
    try {
      meta = def.meta(metaArgs);
    } catch (e) {
      if (e instanceof DataDependent) dataDtype = e.dtype;
      else if (e instanceof OpError) throw new PyException(e.pyType, e.message, loc);
      else throw e;
    }
    if (def.kind === "meta" && meta) return this.fromMeta(meta);
    if (!def.kernel) throw new InputError(`${display} has no kernel in dlq's tensor core`, loc);
    const inplace =
      typeof def.inplace === "function" ? def.inplace(metaArgs) : def.inplace === true;
    const self = inplace ? bound.get(def.params[0].name) : undefined;
    if (self instanceof TensorValue) this.checkInPlace(self, loc);
    const drew = (): Generator => this.drew(display, loc);
    const dtypes = this.dtypes;
    const ctx: KernelContext = {
      get generator(): Generator {
        return drew();
      },
      trainDropout: false,
      dtypeOf: (t) => dtypes.get(t) ?? "float32",
    };
    const kargs = makeOpArgs(def, display, bound, (v) =>
      v instanceof TensorValue ? v.t : undefined,
    );
    let out: OpOut<Tensor>;
    try {
      out = def.kernel(kargs, T, ctx);
    } catch (e) {
      if (e instanceof OpError) throw new PyException(e.pyType, e.message, loc);
      if (e instanceof TensorError && !e.where) throw new InputError(e.message, loc);
      throw e;
    }
    const r = this.fromKernel(out, meta, dataDtype);
    if (self instanceof TensorValue && r instanceof TensorValue) {
      // the op's result is the first argument's new value
      if (!this.gradMode || !self.t.requiresGrad) this.write(self, r.t, loc);
      else self.t = r.t;
      return self;
    }
    if (r instanceof TensorValue && r.t.requiresGrad && r.t.isLeaf) this.markLeaf(r);
    return r;
  }

  private fromMeta(m: OpOut<TensorMeta>): Value {
    if ("py" in m) return m.py;
    if ("tuple" in m)
      return new PyTuple(
        m.tuple.map((x) => this.fromMeta(x)),
        m.names,
        m.typeName ?? "tuple",
      );
    throw new Error("a meta op returned a tensor");
  }

  private fromKernel(
    o: OpOut<Tensor>,
    meta: OpOut<TensorMeta> | undefined,
    dataDtype: DType | undefined,
  ): Value {
    if ("py" in o) return o.py;
    if ("tuple" in o) {
      const ms = meta && "tuple" in meta ? meta.tuple : [];
      return new PyTuple(
        o.tuple.map((x, i) => this.fromKernel(x, ms[i], dataDtype)),
        o.names,
        o.typeName ?? "tuple",
      );
    }
    const dtype = meta && !("tuple" in meta) && !("py" in meta) ? meta.dtype : dataDtype;
    return this.wrap(o, dtype);
  }
}

/** Creates the interpreter of a gradcheck snippet: strict, over the tensor core. */
export function gradcheckInterpreter(
  file: string,
  seed: number | bigint = 0,
): { it: Interpreter; host: GradcheckHost } {
  const host = new GradcheckHost(seed);
  const it = new Interpreter(host, { strict: true, file });
  return { it, host };
}

/** The tensor of a value, when it is one. */
export function tensorOf(v: Value | undefined): Tensor | undefined {
  return v instanceof TensorValue ? v.t : undefined;
}

export { PyDict, Unknown };
