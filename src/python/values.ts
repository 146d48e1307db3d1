/**
 * The one value model of dlq's Python interpreter (src/python/interp.ts): how Python's ints,
 * floats, strings, containers, functions, classes and instances are represented, plus
 * {@link Unknown} (a value the interpreter could not follow, with the reason) and
 * {@link HostValue} (what a host plugs in: tensors, torch functions, dtypes).
 *
 * Numbers: an int is a JS number that is an integer; a float is a JS number that is not an integer,
 * or a {@link PyFloat} when its value is whole (`3.0`, `64 / 2`). So `isFloat` is decidable from the
 * value alone and most floats cost no allocation. A {@link PyFloat} is also what the layer
 * catalogue reads in arguments (src/spec/types.ts), so values cross that boundary unchanged.
 */
import type { Loc } from "../errors.js";
import type { FunctionDefStmt, LambdaExpr, Param } from "./ast.js";

/** A Python float whose value is whole (`3.0`); see the file header. */
export class PyFloat {
  constructor(readonly float: number) {}
}

/**
 * A Python int beyond 2^53 − 1 in magnitude (float64 cannot hold it exactly): its exact value.
 * Smaller ints are JS numbers; {@link pyInt} keeps the representation canonical.
 */
export class PyInt {
  constructor(readonly big: bigint) {}
}

/** An int from a bigint: a JS number when it is exact, else a {@link PyInt}. */
export function pyInt(b: bigint): number | PyInt {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : new PyInt(b);
}

/** The float `x` in the representation of the file header (a {@link PyFloat} when whole). */
export function pyFloat(x: number): number | PyFloat {
  return Number.isInteger(x) ? new PyFloat(x) : x;
}

/** A Python tuple (immutable). `names` makes it a named tuple (`torch.max(x, 1)`'s result). */
export class PyTuple {
  constructor(
    readonly items: readonly Value[],
    readonly names?: readonly string[],
    /** The type name shown in messages (`torch.Size`, `torch.return_types.max`). */
    readonly typeName = "tuple",
  ) {}
}

/** A Python list (mutable: identity matters, `layers.append(...)`). */
export class PyList {
  constructor(public items: Value[]) {}
}

/** A Python dict, ordered by insertion as in Python ≥ 3.7. */
export class PyDict {
  private readonly map = new Map<string, { key: Value; value: Value }>();
  /** `collections.OrderedDict` rather than `dict` (only the type name differs here). */
  constructor(readonly ordered = false) {}
  get size(): number {
    return this.map.size;
  }
  get(key: Value): Value | undefined {
    return this.map.get(hashKey(key))?.value;
  }
  has(key: Value): boolean {
    return this.map.has(hashKey(key));
  }
  set(key: Value, value: Value): void {
    const k = hashKey(key);
    const e = this.map.get(k);
    if (e) e.value = value;
    else this.map.set(k, { key, value });
  }
  delete(key: Value): boolean {
    return this.map.delete(hashKey(key));
  }
  keys(): Value[] {
    return [...this.map.values()].map((e) => e.key);
  }
  values(): Value[] {
    return [...this.map.values()].map((e) => e.value);
  }
  entries(): [Value, Value][] {
    return [...this.map.values()].map((e) => [e.key, e.value]);
  }
}

/** A Python set (insertion-ordered here; Python's order is unspecified). */
export class PySet {
  private readonly map = new Map<string, Value>();
  constructor(items: Iterable<Value> = []) {
    for (const v of items) this.add(v);
  }
  get size(): number {
    return this.map.size;
  }
  add(v: Value): void {
    const k = hashKey(v);
    if (!this.map.has(k)) this.map.set(k, v);
  }
  has(v: Value): boolean {
    return this.map.has(hashKey(v));
  }
  delete(v: Value): boolean {
    return this.map.delete(hashKey(v));
  }
  items(): Value[] {
    return [...this.map.values()];
  }
}

/** `slice(start, stop, step)`; each part is an int or None (null). */
export class PySlice {
  constructor(
    readonly start: Value,
    readonly stop: Value,
    readonly step: Value,
  ) {}
}

/** `range(start, stop, step)` (ints). */
export class PyRange {
  constructor(
    readonly start: number,
    readonly stop: number,
    readonly step: number,
  ) {}
  get length(): number {
    const { start, stop, step } = this;
    if (step > 0) return stop > start ? Math.floor((stop - start - 1) / step) + 1 : 0;
    return start > stop ? Math.floor((start - stop - 1) / -step) + 1 : 0;
  }
  at(i: number): number {
    return this.start + i * this.step;
  }
}

/** An iterator over items already computed (`iter(xs)`, a generator expression's values). */
export class PyIterator {
  pos = 0;
  constructor(readonly items: readonly Value[]) {}
}

/** `super()` bound to an instance: attribute lookup starts after `after` in the MRO. */
export class PySuper {
  constructor(
    readonly after: PyClass,
    readonly self: Value,
  ) {}
}

/** Python's `...`. */
export const ELLIPSIS = Object.freeze({ ellipsis: true as const });
export type PyEllipsis = typeof ELLIPSIS;

/** Names bound in a scope. */
export class Scope {
  readonly vars = new Map<string, Value>();
  /**
   * @param parent the enclosing scope for name lookup (a function's defining scope; the module's
   *   globals for top-level code; never a class body).
   * @param kind `function` scopes keep their locals (see {@link PyFunction}), `class` scopes are
   *   the namespace of a class body, `module` the globals.
   */
  constructor(
    readonly parent: Scope | undefined,
    readonly kind: "module" | "function" | "class" | "comprehension" | "builtins",
  ) {}
  /** A function scope's local names (assigned anywhere in its body, and its parameters). */
  locals?: ReadonlySet<string>;
  /** Names declared `global` / `nonlocal` in this (function) scope. */
  globals?: Set<string>;
  nonlocals?: Set<string>;
  lookup(name: string): Value | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  /** The module (globals) scope. */
  get module(): Scope {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let s: Scope = this;
    while (s.parent && s.kind !== "module") s = s.parent;
    return s;
  }
}

/** A function defined in the source: a `def` or a `lambda`, with its closure and defaults. */
export class PyFunction {
  constructor(
    readonly name: string,
    /** `Class.method` for methods, as CPython's messages print it. */
    public qualname: string,
    readonly params: readonly Param[],
    readonly node: FunctionDefStmt | LambdaExpr,
    readonly closure: Scope,
    /** Default values, evaluated once when the `def` ran (by parameter name). */
    readonly defaults: ReadonlyMap<string, Value>,
  ) {}
}

/** Arguments of a call: positional values and keyword `(name, value)` pairs, in order. */
export interface CallArgs {
  positional: Value[];
  keywords: [string, Value][];
  /**
   * Where the call's expression starts (`nn.Conv2d(…)`: at `nn`) and where each positional and
   * keyword argument is written, when the call is written in the source (for messages about a
   * module's construction or an argument).
   */
  at?: { start: Loc; positional: Loc[]; keywords: Loc[] };
}

/** What a native function sees when it is called. */
export interface NativeCall {
  args: CallArgs;
  /** Where the call is written (the function's name in the source). */
  loc: Loc;
}

/** A function implemented in TypeScript (a builtin, or a host's torch function). */
export class PyBuiltin {
  constructor(
    readonly name: string,
    readonly fn: (call: NativeCall) => Value,
    /** The instance a method is bound to (`[].append`), for messages. */
    readonly self?: Value,
  ) {}
}

/** `obj.method`: a function bound to its instance. */
export class PyBoundMethod {
  constructor(
    readonly self: Value,
    readonly func: PyFunction | PyBuiltin,
  ) {}
}

/** `@property`, `@staticmethod`, `@classmethod` wrappers in a class body. */
export class PyDescriptor {
  constructor(
    readonly kind: "property" | "staticmethod" | "classmethod",
    readonly func: Value,
  ) {}
}

/**
 * Hooks by which a host implements a class natively (torch.nn.Module and its subclasses): they
 * apply to instances of every class whose MRO contains the native class.
 */
export interface NativeClassHooks {
  /** `obj.name = value`; return false to fall back to storing it in the instance dict. */
  setattr?(obj: PyInstance, name: string, value: Value, loc: Loc): boolean;
  /** Consulted before the instance dict (`__getattribute__`); undefined: the usual lookup. */
  getattribute?(obj: PyInstance, name: string, loc: Loc): Value | undefined;
  /** Consulted after the instance dict and the class attributes miss (`__getattr__`). */
  getattr?(obj: PyInstance, name: string, loc: Loc): Value | undefined;
  /** `del obj.name`. */
  delattr?(obj: PyInstance, name: string): boolean;
  /** Called when an instance is created, before `__init__` (host state). */
  create?(obj: PyInstance): void;
}

/** A class: defined in the source, or native (provided by a host or by the interpreter). */
export class PyClass {
  /** Method resolution order (C3), this class first. */
  mro: PyClass[] = [this];
  /**
   * For a built-in class (`int`, `list`) or a host class that is not instantiated the normal way:
   * what calling the class returns.
   */
  construct?: (args: CallArgs, loc: Loc) => Value;
  /** For a built-in class: whether a value of the value model is an instance (`isinstance`). */
  isInstance?: (v: Value) => boolean;
  readonly dict = new Map<string, Value>();
  constructor(
    readonly name: string,
    readonly bases: readonly PyClass[],
    readonly native?: NativeClassHooks,
    /** The qualified name (`torch.nn.Conv2d`) for messages and `isinstance`. */
    readonly qualname = name,
    readonly loc?: Loc,
  ) {}
  /** An attribute of the class or one of its bases, in MRO order. */
  lookup(name: string): Value | undefined {
    for (const c of this.mro) {
      const v = c.dict.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  /** Whether `other` is this class or a base of it. */
  isSubclassOf(other: PyClass): boolean {
    return this.mro.includes(other);
  }
  /** The native hooks in force for instances: the first class in the MRO that has them. */
  get hooks(): NativeClassHooks | undefined {
    for (const c of this.mro) if (c.native) return c.native;
    return undefined;
  }
}

/** An instance of a {@link PyClass}. `state` belongs to the native class that created it. */
export class PyInstance {
  readonly dict = new Map<string, Value>();
  state: unknown;
  constructor(readonly cls: PyClass) {}
}

/** A Python module or package (`torch`, `torch.nn.functional`, `math`) by qualified name. */
export class PyNamespace {
  constructor(
    readonly path: string,
    /** Resolves an attribute; undefined when the namespace has no such name. */
    readonly attr: (name: string) => Value | undefined,
    /** The public names, for `from m import *` (absent: the module exports nothing dlq knows). */
    readonly names?: () => Iterable<string>,
  ) {}
}

/**
 * A value the interpreter could not follow: a call into a library dlq does not model, the result
 * of a Python error, a loop over data. It flows through operations (an operation on an unknown is
 * unknown) and is an error only where a concrete value is needed; `reason` and `loc` say why.
 */
export class Unknown {
  constructor(
    readonly reason: string,
    readonly loc?: Loc,
    /** true when Python itself would raise here (a NameError…): a user error if it matters. */
    readonly error = false,
    /** The exception Python would raise, when {@link error} (`NameError`). */
    readonly pyType?: string,
  ) {}
}

/**
 * A Python exception being raised: the exception's class name (`TypeError`), its message, where
 * it was raised, and the exception object when the source made one (`raise MyError(...)`).
 */
export class PyException extends Error {
  constructor(
    readonly pyType: string,
    message: string,
    public loc?: Loc,
    public value?: PyInstance,
  ) {
    super(message);
    this.name = "PyException";
  }
}

/**
 * A value a host provides (a tensor, a torch function, a dtype). The interpreter asks it for
 * Python's protocols; each method may return undefined for "not supported" (the interpreter then
 * raises Python's TypeError/AttributeError).
 */
export abstract class HostValue {
  /** Python's type name, for messages (`Tensor`, `torch.dtype`). */
  abstract get typeName(): string;
  getattr?(name: string, loc: Loc): Value | undefined;
  setattr?(name: string, value: Value, loc: Loc): boolean;
  call?(args: CallArgs, loc: Loc): Value;
  /** `self op other` (`reflected`: `other op self`); undefined when not supported. */
  binop?(op: string, other: Value, reflected: boolean, loc: Loc): Value | undefined;
  unop?(op: "-" | "+" | "~", loc: Loc): Value | undefined;
  compare?(op: string, other: Value, reflected: boolean, loc: Loc): Value | undefined;
  truth?(loc: Loc): boolean | Unknown;
  iter?(loc: Loc): Value[] | Unknown | undefined;
  len?(loc: Loc): number | Unknown | undefined;
  getitem?(key: Value, loc: Loc): Value | undefined;
  setitem?(key: Value, value: Value, loc: Loc): boolean;
  /** `isinstance(x, cls)` against a host class. */
  isInstance?(cls: Value): boolean | undefined;
  /** `self op= other` in place (tensors); undefined: fall back to `self = self op other`. */
  inplace?(op: string, other: Value, loc: Loc): Value | undefined;
  /** `str(x)` / `repr(x)`. */
  repr?(): string;
  /** `with x:` — the value bound by `as`. */
  enter?(loc: Loc): Value;
  /** The end of `with x:` (also when the body raised). */
  exit?(loc: Loc): void;
}

export type Value =
  | number
  | PyInt
  | PyFloat
  | boolean
  | string
  | null
  | PyTuple
  | PyList
  | PyDict
  | PySet
  | PySlice
  | PyRange
  | PyEllipsis
  | PyFunction
  | PyBuiltin
  | PyBoundMethod
  | PyDescriptor
  | PyClass
  | PyInstance
  | PyNamespace
  | PyIterator
  | PySuper
  | Unknown
  | HostValue;

// ---------------------------------------------------------------------------------------------
// Predicates

/** An int held as a JS number (|v| ≤ 2^53 − 1); see {@link isAnyInt} for every int. */
export function isInt(v: Value): v is number {
  return typeof v === "number" && Number.isInteger(v);
}
/** Any Python int, a {@link PyInt} included (bool excluded). */
export function isAnyInt(v: Value): v is number | PyInt {
  return isInt(v) || v instanceof PyInt;
}
export function isFloat(v: Value): v is number | PyFloat {
  return v instanceof PyFloat || (typeof v === "number" && !Number.isInteger(v));
}
/** A Python number (bool included, as Python's bool is an int) as a JS number. */
export function numberOf(v: Value): number | undefined {
  if (typeof v === "number") return v;
  if (v instanceof PyFloat) return v.float;
  if (v instanceof PyInt) return Number(v.big);
  if (typeof v === "boolean") return v ? 1 : 0;
  return undefined;
}
export function isNumber(v: Value): v is number | PyFloat | PyInt | boolean {
  return (
    typeof v === "number" || typeof v === "boolean" || v instanceof PyFloat || v instanceof PyInt
  );
}

/** Python's type name of a value, as its error messages print it. */
export function typeName(v: Value): string {
  if (v === null) return "NoneType";
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) ? "int" : "float";
    case "boolean":
      return "bool";
    case "string":
      return "str";
  }
  if (v instanceof PyFloat) return "float";
  if (v instanceof PyInt) return "int";
  if (v instanceof PyTuple) return v.typeName;
  if (v instanceof PyList) return "list";
  if (v instanceof PyDict) return v.ordered ? "collections.OrderedDict" : "dict";
  if (v instanceof PySet) return "set";
  if (v instanceof PySlice) return "slice";
  if (v instanceof PyRange) return "range";
  if (v === ELLIPSIS) return "ellipsis";
  if (v instanceof PyFunction) return "function";
  if (v instanceof PyBuiltin) return "builtin_function_or_method";
  if (v instanceof PyBoundMethod) return "method";
  if (v instanceof PyDescriptor) return v.kind;
  if (v instanceof PyClass) return "type";
  if (v instanceof PyInstance) return v.cls.name;
  if (v instanceof PyNamespace) return "module";
  if (v instanceof PyIterator) return "iterator";
  if (v instanceof PySuper) return "super";
  if (v instanceof Unknown) return "unknown";
  return (v as HostValue).typeName;
}

// ---------------------------------------------------------------------------------------------
// Hashing (dict keys and set members, Python's equality for the hashable built-in types)

let nextId = 0;
const ids = new WeakMap<object, number>();
/** A stable identity number for an object (Python's `id()`). */
export function identity(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = ++nextId));
  return id;
}

/**
 * The key under which Python's dict would find `v`: equal numbers (`1`, `1.0`, `True`) share a
 * key, strings and tuples compare by value, every other object by identity.
 */
export function hashKey(v: Value): string {
  if (v === null) return "N";
  switch (typeof v) {
    case "number":
      return `n${v}`;
    case "boolean":
      return v ? "n1" : "n0";
    case "string":
      return `s${v}`;
  }
  if (v instanceof PyFloat) return `n${v.float}`;
  if (v instanceof PyInt) return `n${v.big}`;
  if (v instanceof PyTuple) return `t(${v.items.map(hashKey).join(",")})`;
  return `o${identity(v as object)}`;
}
