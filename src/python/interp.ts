/**
 * dlq's one interpreter of the Python subset: it runs the typed AST of src/python/ast.ts with
 * CPython's semantics (scopes, closures, classes with inheritance and `super()`, argument binding,
 * comprehensions, exceptions, `with`, loops with `break`/`continue`) over the value model of
 * src/python/values.ts. It knows Python, not tensors: tensors, modules and torch functions come
 * from a {@link Host}. Nothing is ever executed by a real Python, and nothing reaches the
 * machine: `open`, `exec`, `eval`, `__import__` are unknowns.
 *
 * Two modes: lenient (model reading) — code dlq cannot follow (a library it does not model, a loop
 * over data, an unknown condition) yields an {@link Unknown} with a located reason, and a Python
 * error in a top-level statement leaves the names it binds unknown; both are errors only where a
 * value is needed. Strict (gradcheck) — any unknown reaching a value is an error at once.
 *
 * Loops, recursion and the total work are bounded: beyond {@link Limits} the run is refused with a
 * located message, never hangs.
 */
import { InputError, type Loc } from "../errors.js";
import type {
  CallExpr,
  ClassDefStmt,
  Comprehension,
  Expr,
  FunctionDefStmt,
  LambdaExpr,
  Module,
  Stmt,
} from "./ast.js";
import { builtinAttr, installBuiltins, stdModule } from "./builtins.js";
import { functionScope, targetNames } from "./names.js";
import { tooDeep } from "./parse.js";
import {
  arith,
  builtinEquals,
  builtinOrder,
  formatSpec,
  percentFormat,
  pyError,
  pyRepr,
} from "./semantics.js";
import { bindArguments, BindError, type SigParam } from "./signature.js";
import {
  ELLIPSIS,
  HostValue,
  isFloat,
  isNumber,
  numberOf,
  PyBoundMethod,
  PyBuiltin,
  PyClass,
  PyDescriptor,
  PyDict,
  PyException,
  PyFloat,
  PyFunction,
  PyInstance,
  PyInt,
  pyInt,
  PyIterator,
  PyList,
  PyNamespace,
  PyRange,
  PySet,
  PySlice,
  PySuper,
  PyTuple,
  Scope,
  typeName,
  Unknown,
  type CallArgs,
  type Value,
} from "./values.js";

/** What a host provides to the interpreter. */
export interface Host {
  /** Called once by the interpreter's constructor, before {@link initialGlobals}. */
  attach?(it: Interpreter): void;
  /**
   * The module `import path` binds (`torch`, `torch.nn.functional`), or undefined when the host
   * does not model it (the interpreter then binds an unknown module).
   */
  importModule(path: string): Value | undefined;
  /** Names the global scope starts with besides Python's builtins (`nn`, `F` for snippets). */
  initialGlobals?(): Iterable<[string, Value]>;
  /** `print(...)` (default: nothing). */
  print?(values: Value[], loc: Loc): void;
  /**
   * Turns an error thrown by host code (an op's refusal, a layer's) into a Python exception at
   * `loc`; undefined leaves it as it is.
   */
  translateError?(e: unknown, loc: Loc): PyException | InputError | undefined;
  /** `repr()` of host-owned instances (modules print like PyTorch). */
  repr?(v: Value): string | undefined;
  /** `copy.deepcopy` of a host-owned instance (`nn.Module`). */
  deepcopy?(v: Value, memo: Map<unknown, Value>): Value | undefined;
  /**
   * Called before a name is bound in the module's global scope; false skips the binding (a
   * gradcheck `--var` the snippet assigns again).
   */
  bindGlobal?(name: string, v: Value): boolean;
  /**
   * Called before a statement runs; true when the host has handled it (gradcheck skips
   * `print(...)`, whose arguments may read what dlq does not model such as `W.grad`, and `with`
   * statements over context managers it does not model).
   */
  statement?(s: Stmt, scope: Scope): boolean;
  /** Words added to a NameError's message (a hint: `: pass --var W=SHAPE`, a close layer name). */
  nameErrorHint?(name: string): string;
}

/** Bounds on the work one run may do. */
export interface Limits {
  /** Statements and calls executed in all. */
  steps: number;
  /** Nested calls (Python's recursion limit; CPython's default is 1000). */
  depth: number;
  /** Items in one list, tuple or range materialised. */
  items: number;
}

export const DEFAULT_LIMITS: Limits = { steps: 2_000_000, depth: 200, items: 1_000_000 };

/** Nested evaluations (expressions inside calls inside expressions…) the interpreter follows. */
const MAX_EVAL_DEPTH = 1_500;

/** How control leaves a block. */
type Flow = undefined | "break" | "continue" | { ret: Value };

/** One call in progress (for `super()` and error locations). */
interface Frame {
  func: PyFunction;
  scope: Scope;
  /** The first argument (a method's `self`). */
  first: Value | undefined;
}

/** A top-level statement that raised, in lenient mode. */
export interface RaisedAtTop {
  error: PyException;
  stmt: Stmt;
}

/** The classes of Python's built-in exceptions, by name. */
export type ExceptionClasses = Map<string, PyClass>;

const BINOP_DUNDER: Record<string, [string, string]> = {
  "+": ["__add__", "__radd__"],
  "-": ["__sub__", "__rsub__"],
  "*": ["__mul__", "__rmul__"],
  "/": ["__truediv__", "__rtruediv__"],
  "//": ["__floordiv__", "__rfloordiv__"],
  "%": ["__mod__", "__rmod__"],
  "**": ["__pow__", "__rpow__"],
  "@": ["__matmul__", "__rmatmul__"],
  "&": ["__and__", "__rand__"],
  "|": ["__or__", "__ror__"],
  "^": ["__xor__", "__rxor__"],
  "<<": ["__lshift__", "__rlshift__"],
  ">>": ["__rshift__", "__rrshift__"],
};
const COMPARE_DUNDER: Record<string, [string, string]> = {
  "==": ["__eq__", "__eq__"],
  "!=": ["__ne__", "__ne__"],
  "<": ["__lt__", "__gt__"],
  "<=": ["__le__", "__ge__"],
  ">": ["__gt__", "__lt__"],
  ">=": ["__ge__", "__le__"],
};

export class Interpreter {
  readonly builtins: Scope;
  readonly globals: Scope;
  /** Python's built-in classes (`int`, `list`, `Exception`, …) by name. */
  readonly classes = new Map<string, PyClass>();
  /** Exceptions raised by top-level statements (lenient mode), in order. */
  readonly raised: RaisedAtTop[] = [];
  private steps = 0;
  private readonly frames: Frame[] = [];
  private readonly limits: Limits;
  /** `__init__`'s signature per function, built once. */
  private readonly sigs = new WeakMap<PyFunction, SigParam<Value>[]>();

  /**
   * @param host the provider of tensors, modules and torch functions.
   * @param opts `strict` for gradcheck (any unknown is an error); `file` names locations.
   */
  constructor(
    readonly host: Host,
    readonly opts: { strict: boolean; file?: string; limits?: Partial<Limits> },
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.builtins = installBuiltins(this);
    this.globals = new Scope(this.builtins, "module");
    this.globals.vars.set("__name__", "__main__");
    host.attach?.(this);
    for (const [k, v] of host.initialGlobals?.() ?? []) this.globals.vars.set(k, v);
  }

  get strict(): boolean {
    return this.opts.strict;
  }

  /** How many calls of source functions are in progress (0 in top-level code). */
  get callDepth(): number {
    return this.frames.length;
  }

  // -- errors and unknowns ------------------------------------------------------------------

  /**
   * A value dlq cannot follow. In strict mode this is an error at once.
   * @throws InputError in strict mode.
   */
  unknown(reason: string, loc?: Loc, error = false): Unknown {
    if (this.strict) throw new InputError(reason, loc);
    return new Unknown(reason, loc, error);
  }

  /** The InputError a Python exception is reported as (one line, located). */
  static report(e: PyException): InputError {
    const builtinTypes =
      /^(TypeError|NameError|AttributeError|ZeroDivisionError|IndexError|KeyError|UnboundLocalError|RecursionError|RuntimeError|ValueError|OverflowError)$/;
    const msg = e.value || !builtinTypes.test(e.pyType) ? `${e.pyType}: ${e.message}` : e.message;
    return new InputError(msg, e.loc);
  }

  /** Counts one unit of work. @throws InputError beyond the step limit. */
  tick(loc: Loc): void {
    if (++this.steps > this.limits.steps) {
      throw new InputError(
        "the source does too much work for dlq to follow (is there a huge loop?)",
        loc,
      );
    }
  }

  /** Refuses a container beyond the item limit. @throws InputError */
  checkItems(n: number, loc: Loc): void {
    if (n > this.limits.items) {
      throw new InputError(
        `too many items (more than ${this.limits.items.toLocaleString("en-US")}) for dlq to follow`,
        loc,
      );
    }
  }

  /** Runs host code, turning its errors into Python exceptions at `loc`. */
  hostCall<R>(loc: Loc, f: () => R): R {
    try {
      return f();
    } catch (e) {
      if (e instanceof PyException) {
        if (!e.loc) e.loc = loc;
        throw e;
      }
      if (e instanceof InputError) {
        if (e.where === undefined) throw new InputError(e.message, loc);
        throw e;
      }
      const t = this.host.translateError?.(e, loc);
      if (t) throw t;
      if (e instanceof BindError) throw pyError("TypeError", e.message, loc);
      if (e instanceof RangeError && /call stack/i.test(e.message))
        throw pyError("RecursionError", "maximum recursion depth exceeded", loc);
      throw e;
    }
  }

  // -- running a module ---------------------------------------------------------------------

  /**
   * Runs a module's statements in the global scope. Lenient: a statement that raises is
   * recorded in {@link raised} and the names it binds become unknown; strict: the error is thrown.
   * `onStatement` sees each top-level statement after it ran.
   * @throws InputError (strict: any error; both: limits exceeded).
   */
  runModule(mod: Module, onStatement?: (s: Stmt) => void): void {
    for (const s of mod.body) {
      this.runTop(s);
      onStatement?.(s);
    }
  }

  /** Runs one top-level statement (see {@link runModule}). */
  runTop(s: Stmt): void {
    this.evalDepth = 0;
    try {
      const flow = this.exec(s, this.globals);
      if (flow === "break" || flow === "continue")
        throw pyError("SyntaxError", `'${flow}' outside loop`, s.loc);
      if (flow) throw pyError("SyntaxError", "'return' outside function", s.loc);
    } catch (e) {
      if (!(e instanceof PyException)) throw e;
      if (this.strict) throw Interpreter.report(e);
      this.raised.push({ error: e, stmt: s });
      const why = new Unknown(Interpreter.report(e).message, e.loc, true);
      this.markUnknown([s], this.globals, why);
    }
  }

  // -- statements ---------------------------------------------------------------------------

  /** Runs a block; returns how control left it. */
  execBlock(body: readonly Stmt[], scope: Scope): Flow {
    for (const s of body) {
      const f = this.exec(s, scope);
      if (f) return f;
    }
    return undefined;
  }

  /** Executes one statement. @throws PyException for Python errors. */
  exec(s: Stmt, scope: Scope): Flow {
    this.tick(s.loc);
    if (this.host.statement?.(s, scope)) return undefined;
    switch (s.kind) {
      case "Expr":
        this.eval(s.value, scope);
        return undefined;
      case "Assign": {
        const v = this.eval(s.value, scope);
        for (const t of s.targets) this.assign(t, v, scope);
        return undefined;
      }
      case "AnnAssign": {
        if (scope.kind === "class" || scope.kind === "module") {
          let ann = scope.vars.get("__annotations__");
          if (!(ann instanceof PyDict)) scope.vars.set("__annotations__", (ann = new PyDict()));
          if (s.target.kind === "Name") {
            const a = this.tryEval(s.annotation, scope);
            (ann as PyDict).set(s.target.id, a);
          }
        }
        if (s.value) this.assign(s.target, this.eval(s.value, scope), scope);
        return undefined;
      }
      case "AugAssign":
        this.augAssign(s, scope);
        return undefined;
      case "FunctionDef":
        this.setName(s.name, this.defineFunction(s, scope), scope, s.loc);
        return undefined;
      case "ClassDef":
        this.setName(s.name, this.defineClass(s, scope), scope, s.loc);
        return undefined;
      case "Return":
        return { ret: s.value ? this.eval(s.value, scope) : null };
      case "Pass":
        return undefined;
      case "Break":
        return "break";
      case "Continue":
        return "continue";
      case "Import":
        for (const a of s.names) {
          if (a.asname) this.setName(a.asname, this.importModule(a.name, a.loc), scope, a.loc);
          else {
            const head = a.name.split(".")[0];
            // `import torch.nn` binds `torch` (and imports the submodule)
            if (a.name !== head) this.importModule(a.name, a.loc);
            this.setName(head, this.importModule(head, a.loc), scope, a.loc);
          }
        }
        return undefined;
      case "ImportFrom": {
        const base =
          s.level > 0
            ? undefined
            : s.module === ""
              ? undefined
              : this.importModule(s.module, s.loc);
        for (const a of s.names) {
          if (a.name === "*") {
            if (base instanceof PyNamespace && base.names) {
              for (const k of base.names()) {
                const v = base.attr(k);
                if (v !== undefined && !k.startsWith("_")) this.setName(k, v, scope, a.loc);
              }
            }
            continue;
          }
          let v: Value | undefined;
          if (!base) {
            v = this.unknown(
              `'${a.name}' is imported from ${".".repeat(s.level)}${s.module}, a module dlq does not read`,
              a.loc,
            );
          } else {
            const sub = this.host.importModule(`${s.module}.${a.name}`);
            v = sub ?? this.getattrOr(base, a.name, a.loc);
            if (v === undefined) {
              throw pyError(
                "ImportError",
                `cannot import name '${a.name}' from '${s.module}'`,
                a.loc,
              );
            }
          }
          this.setName(a.asname ?? a.name, v, scope, a.loc);
        }
        return undefined;
      }
      case "If": {
        const t = this.truthy(this.eval(s.test, scope), s.test.loc);
        if (t instanceof Unknown) {
          this.markUnknown([...s.body, ...s.orelse], scope, this.because(t, "a condition"));
          return undefined;
        }
        return this.execBlock(t ? s.body : s.orelse, scope);
      }
      case "While":
        return this.whileLoop(s, scope);
      case "For":
        return this.forLoop(s, scope);
      case "With":
        return this.withStmt(s, scope);
      case "Assert": {
        const v = this.eval(s.test, scope);
        const t = this.truthy(v, s.test.loc);
        if (t instanceof Unknown) return undefined;
        if (!t) {
          const msg = s.msg ? this.str(this.eval(s.msg, scope), s.msg.loc) : "";
          throw this.exception("AssertionError", msg, s.loc);
        }
        return undefined;
      }
      case "Raise":
        throw this.raise(s, scope);
      case "Try":
        return this.tryStmt(s, scope);
      case "Delete":
        for (const t of s.targets) this.del(t, scope);
        return undefined;
      case "Global":
      case "Nonlocal": {
        const set = s.kind === "Global" ? "globals" : "nonlocals";
        scope[set] ??= new Set();
        for (const n of s.names) scope[set]!.add(n);
        return undefined;
      }
      case "Skipped":
        this.markUnknown(
          [s],
          scope,
          this.unknown(`dlq does not follow ${describeStmt(s.what)} (line ${s.loc.line})`, s.loc),
        );
        return undefined;
    }
  }

  /** The reason a block is not followed, as an unknown naming `what` was unknown. */
  private because(u: Unknown, what: string): Unknown {
    return this.unknown(`assigned under ${what} dlq cannot evaluate (${u.reason})`, u.loc);
  }

  /**
   * A block dlq cannot follow: the names it binds become `why`, and so do the attributes it sets
   * on objects named by plain names (`self.fc = …` under an unknown condition).
   */
  markUnknown(body: readonly Stmt[], scope: Scope, why: Unknown): void {
    const names = new Set<string>();
    const attrs: Expr[] = [];
    const todo = [...body];
    for (let s = todo.pop(); s; s = todo.pop()) {
      switch (s.kind) {
        case "Assign":
          for (const t of s.targets) {
            targetNames(t, names);
            collectAttrTargets(t, attrs);
          }
          break;
        case "AnnAssign":
        case "AugAssign":
          targetNames(s.target, names);
          collectAttrTargets(s.target, attrs);
          break;
        case "FunctionDef":
        case "ClassDef":
          names.add(s.name);
          break;
        case "Import":
          for (const a of s.names) names.add(a.asname ?? a.name.split(".")[0]);
          break;
        case "ImportFrom":
          for (const a of s.names) if (a.name !== "*") names.add(a.asname ?? a.name);
          break;
        case "For":
          targetNames(s.target, names);
          todo.push(...s.body, ...s.orelse);
          break;
        case "While":
        case "If":
          todo.push(...s.body, ...s.orelse);
          break;
        case "With":
          for (const i of s.items) if (i.target) targetNames(i.target, names);
          todo.push(...s.body);
          break;
        case "Try":
          for (const h of s.handlers) {
            if (h.name) names.add(h.name);
            todo.push(...h.body);
          }
          todo.push(...s.body, ...s.orelse, ...s.finalbody);
          break;
        case "Skipped":
          for (const n of s.binds) names.add(n);
          break;
      }
    }
    for (const n of names) {
      const u = new Unknown(`'${n}' is ${why.reason}`, why.loc, why.error);
      this.setName(n, u, scope, why.loc ?? body[0]?.loc);
    }
    for (const t of attrs) {
      if (t.kind !== "Attribute" || !isPure(t.value)) continue;
      let obj: Value;
      const depth = this.evalDepth;
      try {
        obj = this.eval(t.value, scope);
      } catch (e) {
        this.evalDepth = depth;
        if (e instanceof PyException) continue;
        throw e;
      }
      if (obj instanceof Unknown) continue;
      const u = new Unknown(`'${t.attr}' is ${why.reason}`, why.loc, why.error);
      try {
        this.setattr(obj, t.attr, u, t.loc);
      } catch (e) {
        if (!(e instanceof PyException)) throw e;
      }
    }
  }

  private augAssign(s: Stmt & { kind: "AugAssign" }, scope: Scope): void {
    const t = s.target;
    // Evaluate the target's container once, as Python does (`a[i] += 1`, `self.x += 1`).
    let obj: Value | undefined;
    let key: Value | undefined;
    let cur: Value;
    if (t.kind === "Attribute") {
      obj = this.eval(t.value, scope);
      cur = this.getattr(obj, t.attr, t.loc);
    } else if (t.kind === "Subscript") {
      obj = this.eval(t.value, scope);
      key = this.evalSlice(t.slice, scope);
      cur = this.getitem(obj, key, t.loc);
    } else cur = this.eval(t, scope);
    const rhs = this.eval(s.value, scope);
    const v = this.inplaceOp(s.op, cur, rhs, s.loc);
    if (t.kind === "Attribute") this.setattr(obj!, t.attr, v, t.loc);
    else if (t.kind === "Subscript") this.setitem(obj!, key!, v, t.loc);
    else this.assign(t, v, scope);
  }

  /** `a op= b`: in place for lists (`+=` extends), host values that support it; else `a op b`. */
  inplaceOp(op: string, a: Value, b: Value, loc: Loc): Value {
    if (a instanceof PyList && op === "+") {
      const items = this.iterate(b, loc);
      if (items instanceof Unknown) return items;
      a.items.push(...items);
      this.checkItems(a.items.length, loc);
      return a;
    }
    if (a instanceof PyList && op === "*") {
      const n = numberOf(b);
      if (n === undefined || isFloat(b)) return this.binop(op, a, b, loc);
      const base = [...a.items];
      a.items = [];
      for (let i = 0; i < n; i++) a.items.push(...base);
      return a;
    }
    if (a instanceof HostValue && a.inplace) {
      const r = this.hostCall(loc, () => a.inplace!(op, b, loc));
      if (r !== undefined) return r;
    }
    if (a instanceof PyInstance) {
      const iname = BINOP_DUNDER[op]?.[0].replace("__", "__i");
      const m = iname ? a.cls.lookup(iname) : undefined;
      if (m) return this.call(this.bindTo(m, a), { positional: [b], keywords: [] }, loc);
    }
    return this.binop(op, a, b, loc);
  }

  private whileLoop(s: Stmt & { kind: "While" }, scope: Scope): Flow {
    for (;;) {
      this.tick(s.loc);
      const t = this.truthy(this.eval(s.test, scope), s.test.loc);
      if (t instanceof Unknown) {
        this.markUnknown(s.body, scope, this.because(t, "a loop condition"));
        return undefined;
      }
      if (!t) return this.execBlock(s.orelse, scope);
      const f = this.execBlock(s.body, scope);
      if (f === "break") return undefined;
      if (f && f !== "continue") return f;
    }
  }

  private forLoop(s: Stmt & { kind: "For" }, scope: Scope): Flow {
    const it = this.eval(s.iter, scope);
    if (it instanceof PyRange) {
      // no materialised list for a range: the step limit bounds the loop
      const n = it.length;
      for (let i = 0; i < n; i++) {
        this.assign(s.target, it.at(i), scope);
        const f = this.execBlock(s.body, scope);
        if (f === "break") return undefined;
        if (f && f !== "continue") return f;
      }
      return this.execBlock(s.orelse, scope);
    }
    const items = this.iterate(it, s.iter.loc);
    if (items instanceof Unknown) {
      const why = this.unknown(
        `assigned in a loop over something dlq cannot evaluate (${items.reason})`,
        items.loc,
      );
      this.markUnknown(
        [
          {
            kind: "Assign",
            loc: s.loc,
            from: s.from,
            to: s.to,
            targets: [s.target],
            value: s.iter,
          },
          ...s.body,
          ...s.orelse,
        ],
        scope,
        why,
      );
      return undefined;
    }
    for (const x of items) {
      this.assign(s.target, x, scope);
      const f = this.execBlock(s.body, scope);
      if (f === "break") return undefined;
      if (f && f !== "continue") return f;
    }
    return this.execBlock(s.orelse, scope);
  }

  private withStmt(s: Stmt & { kind: "With" }, scope: Scope): Flow {
    const exits: (() => void)[] = [];
    try {
      for (const item of s.items) {
        const cm = this.eval(item.context, scope);
        let entered: Value;
        if (cm instanceof HostValue && cm.enter) {
          entered = this.hostCall(item.context.loc, () => cm.enter!(item.context.loc));
          exits.push(() => this.hostCall(item.context.loc, () => cm.exit?.(item.context.loc)));
        } else if (cm instanceof PyInstance && cm.cls.lookup("__enter__")) {
          entered = this.call(
            this.getattr(cm, "__enter__", item.context.loc),
            { positional: [], keywords: [] },
            item.context.loc,
          );
          exits.push(() => {
            const ex = cm.cls.lookup("__exit__");
            if (ex)
              this.call(
                this.bindTo(ex, cm),
                { positional: [null, null, null], keywords: [] },
                item.context.loc,
              );
          });
        } else if (cm instanceof Unknown) {
          entered = this.unknown(
            `the value of a context manager dlq cannot evaluate (${cm.reason})`,
            item.context.loc,
          );
        } else {
          throw pyError(
            "TypeError",
            `'${typeName(cm)}' object does not support the context manager protocol`,
            item.context.loc,
          );
        }
        if (item.target) this.assign(item.target, entered, scope);
      }
      return this.execBlock(s.body, scope);
    } finally {
      for (let i = exits.length - 1; i >= 0; i--) exits[i]();
    }
  }

  private raise(s: Stmt & { kind: "Raise" }, scope: Scope): PyException {
    if (!s.exc) {
      const cur = this.currentException;
      if (cur) return cur;
      return pyError("RuntimeError", "No active exception to reraise", s.loc);
    }
    let v = this.eval(s.exc, scope);
    if (v instanceof PyClass) v = this.call(v, { positional: [], keywords: [] }, s.exc.loc);
    if (v instanceof Unknown) {
      return new PyException("Exception", `an exception dlq cannot evaluate (${v.reason})`, s.loc);
    }
    if (v instanceof PyInstance && v.cls.isSubclassOf(this.classes.get("BaseException")!)) {
      const args = v.dict.get("args");
      const msg =
        args instanceof PyTuple ? args.items.map((a) => this.str(a, s.loc)).join(", ") : "";
      return new PyException(v.cls.name, msg, s.loc, v);
    }
    return pyError("TypeError", "exceptions must derive from BaseException", s.loc);
  }

  /** The exception being handled (for a bare `raise`). */
  private currentException: PyException | undefined;

  /** A new exception of a built-in class, with its exception object. */
  exception(type: string, message: string, loc?: Loc): PyException {
    const cls = this.classes.get(type);
    const e = new PyException(type, message, loc);
    if (cls) {
      const obj = new PyInstance(cls);
      obj.dict.set("args", new PyTuple(message ? [message] : []));
      e.value = obj;
    }
    return e;
  }

  private tryStmt(s: Stmt & { kind: "Try" }, scope: Scope): Flow {
    let flow: Flow;
    const depth = this.evalDepth;
    try {
      try {
        flow = this.execBlock(s.body, scope);
      } catch (e) {
        if (!(e instanceof PyException)) throw e;
        this.evalDepth = depth;
        for (const h of s.handlers) {
          if (h.type && !this.matches(e, this.eval(h.type, scope))) continue;
          if (h.name) this.setName(h.name, e.value ?? this.exceptionObject(e), scope, h.loc);
          const prev = this.currentException;
          this.currentException = e;
          try {
            return this.execBlock(h.body, scope);
          } finally {
            this.currentException = prev;
            if (h.name) scope.vars.delete(h.name);
          }
        }
        throw e;
      }
      if (flow) return flow;
      return this.execBlock(s.orelse, scope);
    } finally {
      if (s.finalbody.length) {
        const f = this.execBlock(s.finalbody, scope);
        // a `return` in `finally` wins, as in Python
        // eslint-disable-next-line no-unsafe-finally
        if (f) return f;
      }
    }
  }

  private exceptionObject(e: PyException): PyInstance {
    const cls = this.classes.get(e.pyType) ?? this.classes.get("Exception")!;
    const obj = new PyInstance(cls);
    obj.dict.set("args", new PyTuple([e.message]));
    e.value = obj;
    return obj;
  }

  /** Whether exception `e` is caught by `except T` (a class or a tuple of classes). */
  private matches(e: PyException, t: Value): boolean {
    if (t instanceof PyTuple) return t.items.some((x) => this.matches(e, x));
    if (!(t instanceof PyClass)) return false;
    const cls = e.value?.cls ?? this.classes.get(e.pyType) ?? this.classes.get("Exception")!;
    return cls.isSubclassOf(t);
  }

  private del(t: Expr, scope: Scope): void {
    switch (t.kind) {
      case "Name": {
        const target = scope.globals?.has(t.id) ? scope.module : scope;
        if (!target.vars.delete(t.id))
          throw pyError("NameError", `name '${t.id}' is not defined`, t.loc);
        return;
      }
      case "Tuple":
      case "List":
        for (const e of t.elts) this.del(e, scope);
        return;
      case "Attribute": {
        const obj = this.eval(t.value, scope);
        if (obj instanceof PyInstance) {
          if (obj.dict.delete(t.attr)) return;
          if (obj.cls.hooks?.delattr?.(obj, t.attr)) return;
        }
        if (obj instanceof Unknown) return;
        throw pyError(
          "AttributeError",
          `'${typeName(obj)}' object has no attribute '${t.attr}'`,
          t.loc,
        );
      }
      case "Subscript": {
        const obj = this.eval(t.value, scope);
        const key = this.evalSlice(t.slice, scope);
        if (obj instanceof PyDict) {
          if (!obj.delete(key)) throw pyError("KeyError", this.repr(key), t.loc);
          return;
        }
        if (obj instanceof PyList) {
          if (key instanceof PySlice) {
            const idx = new Set(this.sliceIndices(key, obj.items.length, t.loc));
            obj.items = obj.items.filter((_, i) => !idx.has(i));
            return;
          }
          const i = this.index(key, obj.items.length, "list assignment", t.loc);
          obj.items.splice(i, 1);
          return;
        }
        if (obj instanceof PyInstance) {
          const m = obj.cls.lookup("__delitem__");
          if (m) {
            this.call(this.bindTo(m, obj), { positional: [key], keywords: [] }, t.loc);
            return;
          }
        }
        if (obj instanceof Unknown) return;
        throw pyError(
          "TypeError",
          `'${typeName(obj)}' object doesn't support item deletion`,
          t.loc,
        );
      }
      default:
        throw pyError("SyntaxError", "cannot delete expression", t.loc);
    }
  }

  // -- names --------------------------------------------------------------------------------

  /** Binds `name` in `scope`, honouring `global`/`nonlocal` declarations. */
  setName(name: string, v: Value, scope: Scope, loc?: Loc): void {
    if (scope.globals?.has(name)) scope = scope.module;
    if (scope.kind === "module") {
      if (this.host.bindGlobal && !this.host.bindGlobal(name, v)) return;
      scope.vars.set(name, v);
      return;
    }
    if (scope.nonlocals?.has(name)) {
      for (let s = scope.parent; s; s = s.parent) {
        if (s.kind === "function" && s.vars.has(name)) {
          s.vars.set(name, v);
          return;
        }
      }
      throw pyError("SyntaxError", `no binding for nonlocal '${name}' found`, loc);
    }
    scope.vars.set(name, v);
  }

  private lookupName(name: string, scope: Scope, loc: Loc): Value {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
      if (s === scope && s.globals?.has(name)) return this.lookupName(name, s.module, loc);
      if (
        s.kind === "function" &&
        s.locals?.has(name) &&
        !s.globals?.has(name) &&
        !s.nonlocals?.has(name)
      ) {
        throw pyError(
          "UnboundLocalError",
          `cannot access local variable '${name}' where it is not associated with a value`,
          loc,
        );
      }
    }
    const e = this.nameError(name, loc);
    // Lenient: a pasted cell often reads names an earlier cell defines; the name is an error only
    // where a value is needed.
    if (!this.strict) return new Unknown(e.message, loc, true, "NameError");
    throw e;
  }

  /** NameError for `name` (a host may turn a typo of a layer name into a suggestion). */
  nameError(name: string, loc: Loc): PyException {
    return pyError(
      "NameError",
      `name '${name}' is not defined${this.host.nameErrorHint?.(name) ?? ""}`,
      loc,
    );
  }

  // -- expressions --------------------------------------------------------------------------

  /** Evaluates `e`, or an unknown when it raises (for annotations, which never matter). */
  private tryEval(e: Expr, scope: Scope): Value {
    const depth = this.evalDepth;
    try {
      return this.eval(e, scope);
    } catch (err) {
      this.evalDepth = depth;
      if (err instanceof PyException) return new Unknown(err.message, e.loc);
      if (err instanceof InputError && this.strict) return new Unknown(err.message, e.loc);
      throw err;
    }
  }

  /**
   * Nested evaluations in progress. Not restored by `finally` (one JS frame less per level, which
   * deep expressions need): every place that catches an exception restores it.
   */
  evalDepth = 0;

  /** Evaluates an expression. @throws PyException for Python errors. */
  eval(e: Expr, scope: Scope): Value {
    if (++this.evalDepth > MAX_EVAL_DEPTH) {
      this.evalDepth = 0;
      throw tooDeep(`more than ${MAX_EVAL_DEPTH} nested expressions and calls`, e.loc);
    }
    const v = this.evalInner(e, scope);
    this.evalDepth--;
    if (this.strict && v instanceof Unknown) throw new InputError(v.reason, v.loc ?? e.loc);
    return v;
  }

  private evalInner(e: Expr, scope: Scope): Value {
    switch (e.kind) {
      case "Number":
        return e.isFloat && Number.isInteger(e.value) ? new PyFloat(e.value) : e.value;
      case "String":
        return e.value;
      case "Bool":
        return e.value;
      case "None":
        return null;
      case "Ellipsis":
        return ELLIPSIS;
      case "Name":
        return this.lookupName(e.id, scope, e.loc);
      case "Attribute":
        return this.getattr(this.eval(e.value, scope), e.attr, e.attrLoc ?? e.loc);
      case "Call":
        return this.callExpr(e, scope);
      case "Tuple":
        return new PyTuple(this.displayItems(e.elts, scope));
      case "List":
        return new PyList(this.displayItems(e.elts, scope));
      case "Set":
        return new PySet(this.displayItems(e.elts, scope));
      case "Dict": {
        const d = new PyDict();
        for (let i = 0; i < e.keys.length; i++) {
          const k = e.keys[i];
          const v = this.eval(e.values[i], scope);
          if (k === null) {
            if (v instanceof PyDict) for (const [kk, vv] of v.entries()) d.set(kk, vv);
            else if (v instanceof Unknown) return v;
            else
              throw pyError(
                "TypeError",
                `'${typeName(v)}' object is not a mapping`,
                e.values[i].loc,
              );
          } else d.set(this.eval(k, scope), v);
        }
        return d;
      }
      case "BinOp":
        return this.binop(
          e.op,
          this.eval(e.left, scope),
          this.eval(e.right, scope),
          e.opLoc ?? e.loc,
        );
      case "UnaryOp": {
        const v = this.eval(e.operand, scope);
        if (e.op === "not") {
          const t = this.truthy(v, e.loc);
          return t instanceof Unknown ? t : !t;
        }
        return this.unop(e.op, v, e.loc);
      }
      case "BoolOp": {
        let last: Value = null;
        for (const x of e.values) {
          last = this.eval(x, scope);
          const t = this.truthy(last, x.loc);
          if (t instanceof Unknown) return t;
          if (e.op === "and" ? !t : t) return last;
        }
        return last;
      }
      case "Compare": {
        let left = this.eval(e.left, scope);
        let result: Value = true;
        for (let i = 0; i < e.ops.length; i++) {
          const right = this.eval(e.comparators[i], scope);
          result = this.compare(e.ops[i], left, right, e.loc);
          if (e.ops.length === 1) return result;
          const t = this.truthy(result, e.loc);
          if (t instanceof Unknown) return t;
          if (!t) return result;
          left = right;
        }
        return result;
      }
      case "IfExp": {
        const t = this.truthy(this.eval(e.test, scope), e.test.loc);
        if (t instanceof Unknown) return t;
        return this.eval(t ? e.body : e.orelse, scope);
      }
      case "Subscript": {
        const obj = this.eval(e.value, scope);
        return this.getitem(obj, this.evalSlice(e.slice, scope), e.loc);
      }
      case "Slice":
        return this.evalSlice(e, scope);
      case "Lambda":
        return this.defineFunction(e, scope);
      case "Comprehension":
        return this.comprehension(e, scope);
      case "JoinedStr": {
        let out = "";
        for (const p of e.parts) {
          if (typeof p === "string") {
            out += p;
            continue;
          }
          const v = this.eval(p.value, scope);
          if (v instanceof Unknown) return v;
          const conv =
            p.conversion === "r" || p.conversion === "a"
              ? this.repr(v)
              : p.conversion === "s"
                ? this.str(v, e.loc)
                : v;
          out += this.format(conv, p.spec ?? "", e.loc);
        }
        return out;
      }
      case "Starred":
        throw pyError("SyntaxError", "can't use starred expression here", e.loc);
      case "Opaque":
        return this.unknown(
          `dlq does not follow ${e.what === "yield" ? "`yield`" : e.what} (line ${e.loc.line})`,
          e.loc,
        );
    }
  }

  /** `format(v, spec)`. */
  format(v: Value, spec: string, loc: Loc): string {
    if (v instanceof PyInstance) {
      const m = v.cls.lookup("__format__");
      if (m)
        return this.str(
          this.call(this.bindTo(m, v), { positional: [spec], keywords: [] }, loc),
          loc,
        );
    }
    if (spec === "") return this.str(v, loc);
    return formatSpec(v, spec, (x) => this.str(x, loc), loc);
  }

  private evalSlice(e: Expr, scope: Scope): Value {
    if (e.kind === "Slice") {
      return new PySlice(
        e.lower ? this.eval(e.lower, scope) : null,
        e.upper ? this.eval(e.upper, scope) : null,
        e.step ? this.eval(e.step, scope) : null,
      );
    }
    if (e.kind === "Tuple") return new PyTuple(e.elts.map((x) => this.evalSlice(x, scope)));
    return this.eval(e, scope);
  }

  /** The items of a display (`[a, *b, c]`), with `*` unpacked. */
  private displayItems(elts: readonly Expr[], scope: Scope): Value[] {
    const out: Value[] = [];
    for (const el of elts) {
      if (el.kind === "Starred") {
        const v = this.eval(el.value, scope);
        const xs = this.iterate(v, el.loc);
        if (xs instanceof Unknown) {
          out.push(xs);
          continue;
        }
        out.push(...xs);
        this.checkItems(out.length, el.loc);
      } else out.push(this.eval(el, scope));
    }
    return out;
  }

  private comprehension(e: Expr & { kind: "Comprehension" }, outer: Scope): Value {
    const scope = new Scope(outer, "comprehension");
    const out: Value[] = [];
    const keys: Value[] = [];
    const gens = e.generators;
    const run = (g: number, sc: Scope): Unknown | undefined => {
      if (g === gens.length) {
        this.tick(e.loc);
        if (e.type === "dict") {
          keys.push(this.eval(e.elt, sc));
          out.push(this.eval(e.value!, sc));
        } else out.push(this.eval(e.elt, sc));
        this.checkItems(out.length, e.loc);
        return undefined;
      }
      const gen: Comprehension = gens[g];
      // the first iterable is evaluated in the enclosing scope, as Python does
      const it = this.eval(gen.iter, g === 0 ? outer : sc);
      const items = it instanceof PyRange ? undefined : this.iterate(it, gen.iter.loc);
      if (items instanceof Unknown) return items;
      const n = items ? items.length : (it as PyRange).length;
      for (let i = 0; i < n; i++) {
        this.assign(gen.target, items ? items[i] : (it as PyRange).at(i), sc);
        let ok = true;
        for (const cond of gen.ifs) {
          const t = this.truthy(this.eval(cond, sc), cond.loc);
          if (t instanceof Unknown) return t;
          if (!t) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        const bad = run(g + 1, sc);
        if (bad) return bad;
      }
      return undefined;
    };
    const bad = run(0, scope);
    if (bad) return bad;
    switch (e.type) {
      case "list":
        return new PyList(out);
      case "set":
        return new PySet(out);
      case "dict": {
        const d = new PyDict();
        keys.forEach((k, i) => d.set(k, out[i]));
        return d;
      }
      default:
        return new PyIterator(out);
    }
  }

  // -- assignment ---------------------------------------------------------------------------

  /** `target = v`. @throws PyException for a failed unpacking or assignment. */
  assign(t: Expr, v: Value, scope: Scope): void {
    switch (t.kind) {
      case "Name":
        this.setName(t.id, v, scope, t.loc);
        return;
      case "Tuple":
      case "List": {
        const items = this.iterate(v, t.loc);
        if (items instanceof Unknown) {
          const names = new Set<string>();
          targetNames(t, names);
          for (const n of names) this.setName(n, items, scope, t.loc);
          return;
        }
        const star = t.elts.findIndex((x) => x.kind === "Starred");
        if (star < 0) {
          if (items.length !== t.elts.length) {
            throw pyError(
              "ValueError",
              items.length > t.elts.length
                ? `too many values to unpack (expected ${t.elts.length})`
                : `not enough values to unpack (expected ${t.elts.length}, got ${items.length})`,
              t.loc,
            );
          }
          t.elts.forEach((x, i) => this.assign(x, items[i], scope));
          return;
        }
        const after = t.elts.length - star - 1;
        if (items.length < t.elts.length - 1) {
          throw pyError(
            "ValueError",
            `not enough values to unpack (expected at least ${t.elts.length - 1}, got ${items.length})`,
            t.loc,
          );
        }
        t.elts.forEach((x, i) => {
          if (i < star) this.assign(x, items[i], scope);
          else if (i === star)
            this.assign(
              (x as Expr & { kind: "Starred" }).value,
              new PyList(items.slice(star, items.length - after)),
              scope,
            );
          else this.assign(x, items[items.length - (t.elts.length - i)], scope);
        });
        return;
      }
      case "Attribute":
        this.setattr(this.eval(t.value, scope), t.attr, v, t.loc);
        return;
      case "Subscript":
        this.setitem(this.eval(t.value, scope), this.evalSlice(t.slice, scope), v, t.loc);
        return;
      case "Starred":
        throw pyError("SyntaxError", "starred assignment target must be in a list or tuple", t.loc);
      default:
        throw pyError("SyntaxError", "cannot assign to expression", t.loc);
    }
  }

  // -- functions and classes ----------------------------------------------------------------

  /** A `def` or `lambda` as a function value (defaults evaluated now, as Python does). */
  defineFunction(node: FunctionDefStmt | LambdaExpr, scope: Scope): Value {
    const defaults = new Map<string, Value>();
    for (const p of node.params) if (p.default) defaults.set(p.name, this.eval(p.default, scope));
    // methods see the enclosing function scopes and the globals, not the class body
    let closure = scope;
    while (closure.kind === "class") closure = closure.parent!;
    const name = node.kind === "Lambda" ? "<lambda>" : node.name;
    let f: Value = new PyFunction(name, name, node.params, node, closure, defaults);
    if (node.kind === "FunctionDef") {
      if (containsYield(node.body)) {
        (f as PyFunction & { generator?: true }).generator = true;
      }
      for (let i = node.decorators.length - 1; i >= 0; i--) {
        const d = this.eval(node.decorators[i], scope);
        f = this.call(d, { positional: [f], keywords: [] }, node.decorators[i].loc);
      }
    }
    return f;
  }

  private defineClass(s: ClassDefStmt, scope: Scope): Value {
    const bases: PyClass[] = [];
    for (const b of s.bases) {
      const v = this.eval(b, scope);
      if (v instanceof PyClass) bases.push(v);
      else if (v instanceof Unknown)
        return this.unknown(
          `class ${s.name} derives from a class dlq does not model (${v.reason})`,
          b.loc,
        );
      else throw pyError("TypeError", `bases must be types (got ${typeName(v)})`, b.loc);
    }
    const object = this.classes.get("object")!;
    const cls = new PyClass(s.name, bases.length ? bases : [object], undefined, s.name, s.loc);
    cls.mro = this.c3(cls, s.loc);
    const body = new Scope(scope, "class");
    body.vars.set("__qualname__", s.name);
    const flow = this.execBlock(s.body, body);
    if (flow) throw pyError("SyntaxError", "'return' outside function", s.loc);
    for (const [k, v] of body.vars) {
      cls.dict.set(k, v);
      const fn = v instanceof PyDescriptor ? v.func : v;
      if (fn instanceof PyFunction) {
        fn.qualname = `${s.name}.${fn.name}`;
        definingClass.set(fn, cls);
      }
      if (v instanceof PyDescriptor && v.kind === "property") {
        const fset = (v as PyDescriptor & { fset?: Value }).fset;
        if (fset instanceof PyFunction) definingClass.set(fset, cls);
      }
    }
    let out: Value = cls;
    for (let i = s.decorators.length - 1; i >= 0; i--) {
      const d = this.eval(s.decorators[i], scope);
      out = this.call(d, { positional: [out], keywords: [] }, s.decorators[i].loc);
    }
    return out;
  }

  /** C3 linearisation (Python's MRO). @throws PyException TypeError when none exists. */
  private c3(cls: PyClass, loc: Loc): PyClass[] {
    const seqs = [...cls.bases.map((b) => [...b.mro]), [...cls.bases]];
    const out: PyClass[] = [cls];
    for (;;) {
      const live = seqs.filter((q) => q.length);
      if (!live.length) return out;
      const head = live.map((q) => q[0]).find((c) => !live.some((q) => q.indexOf(c) > 0));
      if (!head)
        throw pyError("TypeError", "Cannot create a consistent method resolution order (MRO)", loc);
      out.push(head);
      for (const q of live) if (q[0] === head) q.shift();
    }
  }

  /** The signature of a source function, for the binder. */
  private sigOf(f: PyFunction): SigParam<Value>[] {
    let s = this.sigs.get(f);
    if (!s) {
      s = f.params.map((p) => {
        const kind =
          p.kind === "positional"
            ? "positional"
            : p.kind === "vararg"
              ? "vararg"
              : p.kind === "kwonly"
                ? "kwonly"
                : "kwarg";
        const d = f.defaults.get(p.name);
        return d !== undefined
          ? { name: p.name, kind, default: d, hasDefault: true }
          : { name: p.name, kind };
      });
      this.sigs.set(f, s);
    }
    return s;
  }

  // -- calls --------------------------------------------------------------------------------

  private callExpr(e: CallExpr, scope: Scope): Value {
    const fn = this.eval(e.func, scope);
    // `super()` needs the frame it is written in
    if (
      fn instanceof PyBuiltin &&
      fn.name === "super" &&
      e.args.length === 0 &&
      e.keywords.length === 0
    )
      return this.zeroArgSuper(e.loc);
    const at = { start: e.loc, positional: [] as Loc[], keywords: [] as Loc[] };
    const args: CallArgs = { positional: [], keywords: [], at };
    for (const a of e.args) {
      if (a.kind === "Starred") {
        const v = this.eval(a.value, scope);
        const xs = this.iterate(v, a.loc);
        if (xs instanceof Unknown) return this.unknownCall(fn, xs, e);
        args.positional.push(...xs);
        for (let i = 0; i < xs.length; i++) at.positional.push(a.value.loc);
        this.checkItems(args.positional.length, a.loc);
      } else {
        args.positional.push(this.eval(a, scope));
        at.positional.push(a.loc);
      }
    }
    for (const k of e.keywords) {
      const v = this.eval(k.value, scope);
      if (k.name !== null) {
        if (args.keywords.some(([n]) => n === k.name))
          throw pyError("SyntaxError", `keyword argument repeated: ${k.name}`, k.loc);
        args.keywords.push([k.name, v]);
        at.keywords.push(k.value.loc);
      } else if (v instanceof PyDict) {
        for (const [kk, vv] of v.entries()) {
          if (typeof kk !== "string") throw pyError("TypeError", "keywords must be strings", k.loc);
          if (args.keywords.some(([n]) => n === kk))
            throw pyError("TypeError", `got multiple values for keyword argument '${kk}'`, k.loc);
          args.keywords.push([kk, vv]);
          at.keywords.push(k.value.loc);
        }
      } else if (v instanceof Unknown) return this.unknownCall(fn, v, e);
      else
        throw pyError(
          "TypeError",
          `argument after ** must be a mapping, not ${typeName(v)}`,
          k.loc,
        );
    }
    const loc = e.func.kind === "Attribute" ? attrLoc(e.func) : e.func.loc;
    return this.call(fn, args, loc);
  }

  private unknownCall(fn: Value, why: Unknown, e: CallExpr): Value {
    if (fn instanceof Unknown) return fn;
    return this.unknown(`a call whose arguments dlq cannot evaluate (${why.reason})`, e.loc);
  }

  private zeroArgSuper(loc: Loc): Value {
    const fr = this.frames[this.frames.length - 1];
    const cls = fr ? definingClass.get(fr.func) : undefined;
    if (!fr || !cls || fr.first === undefined)
      throw pyError("RuntimeError", "super(): no arguments", loc);
    return new PySuper(cls, fr.first);
  }

  /**
   * Calls a value with arguments, as Python does.
   * @throws PyException TypeError for a value that is not callable or arguments that do not bind.
   */
  call(fn: Value, args: CallArgs, loc: Loc): Value {
    this.tick(loc);
    if (fn instanceof PyFunction) return this.callFunction(fn, args, loc);
    if (fn instanceof PyBoundMethod) {
      const a: CallArgs = { positional: [fn.self, ...args.positional], keywords: args.keywords };
      if (args.at) a.at = { ...args.at, positional: [args.at.start, ...args.at.positional] };
      return fn.func instanceof PyFunction
        ? this.callFunction(fn.func, a, loc, true)
        : this.callBuiltin(fn.func, a, loc);
    }
    if (fn instanceof PyBuiltin) return this.callBuiltin(fn, args, loc);
    if (fn instanceof PyClass) return this.instantiate(fn, args, loc);
    if (fn instanceof PyInstance) {
      const m = fn.cls.lookup("__call__");
      if (m) return this.call(this.bindTo(m, fn), args, loc);
    }
    if (fn instanceof HostValue && fn.call) return this.hostCall(loc, () => fn.call!(args, loc));
    if (fn instanceof Unknown) return fn;
    throw pyError("TypeError", `'${typeName(fn)}' object is not callable`, loc);
  }

  private callBuiltin(fn: PyBuiltin, args: CallArgs, loc: Loc): Value {
    return this.hostCall(loc, () => fn.fn({ args, loc }));
  }

  private callFunction(f: PyFunction, args: CallArgs, loc: Loc, method = false): Value {
    if ((f as PyFunction & { generator?: true }).generator) {
      return this.unknown(
        `dlq does not follow \`yield\` (line ${f.node.loc.line}): ${f.name}() is a generator`,
        loc,
      );
    }
    let bound: Map<string, Value>;
    try {
      bound = bindArguments(f.qualname, this.sigOf(f), args.positional, args.keywords, {
        tuple: (items) => new PyTuple(items),
        dict: (entries) => {
          const d = new PyDict();
          for (const [k, v] of entries) d.set(k, v);
          return d;
        },
      });
    } catch (e) {
      if (e instanceof BindError) throw pyError("TypeError", e.message, loc);
      throw e;
    }
    if (this.frames.length >= this.limits.depth) {
      throw new InputError(
        `maximum recursion depth exceeded (more than ${this.limits.depth} nested calls)`,
        loc,
      );
    }
    const info = functionScope(f.node);
    const scope = new Scope(f.closure, "function");
    scope.locals = info.locals;
    if (info.globals.size) scope.globals = info.globals;
    if (info.nonlocals.size) scope.nonlocals = info.nonlocals;
    for (const [k, v] of bound) scope.vars.set(k, v);
    const first =
      f.params.length && f.params[0].kind === "positional"
        ? bound.get(f.params[0].name)
        : undefined;
    this.frames.push({ func: f, scope, first: method || first !== undefined ? first : undefined });
    try {
      if (f.node.kind === "Lambda") return this.eval(f.node.body, scope);
      const flow = this.execBlock(f.node.body, scope);
      if (flow === "break" || flow === "continue")
        throw pyError("SyntaxError", `'${flow}' outside loop`, f.node.loc);
      return flow ? flow.ret : null;
    } catch (e) {
      if (e instanceof RangeError && /call stack/i.test(e.message))
        throw new InputError("maximum recursion depth exceeded", loc);
      throw e;
    } finally {
      this.frames.pop();
    }
  }

  /** `cls(*args)`: a new instance and its `__init__`, or the class's own constructor. */
  private instantiate(cls: PyClass, args: CallArgs, loc: Loc): Value {
    const construct = (cls as PyClass & { construct?: (a: CallArgs, l: Loc) => Value }).construct;
    if (construct) return this.hostCall(loc, () => construct(args, loc));
    const obj = new PyInstance(cls);
    cls.hooks?.create?.(obj);
    if (cls.isSubclassOf(this.classes.get("BaseException")!))
      obj.dict.set("args", new PyTuple(args.positional));
    const init = cls.lookup("__init__");
    if (init instanceof PyFunction || init instanceof PyBuiltin) {
      const r = this.call(new PyBoundMethod(obj, init), args, loc);
      if (r !== null && !(r instanceof Unknown))
        throw pyError("TypeError", `__init__() should return None, not '${typeName(r)}'`, loc);
    } else if (
      (args.positional.length || args.keywords.length) &&
      !cls.isSubclassOf(this.classes.get("BaseException")!)
    ) {
      throw pyError("TypeError", `${cls.name}() takes no arguments`, loc);
    }
    return obj;
  }

  /** A class attribute bound to `obj` as Python's descriptors do (functions become methods). */
  bindTo(v: Value, obj: Value): Value {
    if (v instanceof PyFunction || v instanceof PyBuiltin) return new PyBoundMethod(obj, v);
    return v;
  }

  // -- attributes ---------------------------------------------------------------------------

  /** `obj.name`. @throws PyException AttributeError. */
  getattr(obj: Value, name: string, loc: Loc): Value {
    const v = this.getattrOr(obj, name, loc);
    if (v !== undefined) return v;
    throw this.attributeError(obj, name, loc);
  }

  /** The AttributeError for `obj.name`, in CPython's words. */
  attributeError(obj: Value, name: string, loc: Loc): PyException {
    if (obj instanceof PyNamespace)
      return pyError("AttributeError", `module '${obj.path}' has no attribute '${name}'`, loc);
    if (obj instanceof PyClass)
      return pyError("AttributeError", `type object '${obj.name}' has no attribute '${name}'`, loc);
    return pyError("AttributeError", `'${typeName(obj)}' object has no attribute '${name}'`, loc);
  }

  /** `obj.name`, or undefined when there is no such attribute. */
  getattrOr(obj: Value, name: string, loc: Loc): Value | undefined {
    if (obj instanceof Unknown) return obj;
    if (obj instanceof PyInstance) {
      const first = obj.cls.hooks?.getattribute;
      if (first) {
        const v = this.hostCall(loc, () => first(obj, name, loc));
        if (v !== undefined) return v;
      }
      const own = obj.dict.get(name);
      if (own !== undefined) return own;
      const c = obj.cls.lookup(name);
      if (c !== undefined) return this.descriptorGet(c, obj, obj.cls, loc);
      if (name === "__class__") return obj.cls;
      if (name === "__dict__") {
        const d = new PyDict();
        for (const [k, v] of obj.dict) d.set(k, v);
        return d;
      }
      const h = obj.cls.hooks?.getattr;
      if (h) return this.hostCall(loc, () => h(obj, name, loc));
      const ga = obj.cls.lookup("__getattr__");
      if (ga) {
        const depth = this.evalDepth;
        try {
          return this.call(this.bindTo(ga, obj), { positional: [name], keywords: [] }, loc);
        } catch (e) {
          this.evalDepth = depth;
          if (e instanceof PyException && e.pyType === "AttributeError") return undefined;
          throw e;
        }
      }
      return undefined;
    }
    if (obj instanceof PyClass) {
      if (name === "__name__" || name === "__qualname__") return obj.name;
      if (name === "__mro__") return new PyTuple(obj.mro);
      if (name === "__bases__") return new PyTuple(obj.bases);
      const c = obj.lookup(name);
      if (c === undefined) return undefined;
      if (c instanceof PyDescriptor) {
        if (c.kind === "staticmethod") return c.func;
        if (c.kind === "classmethod") return this.bindTo(c.func, obj);
        return c;
      }
      return c;
    }
    if (obj instanceof PySuper) {
      const type =
        obj.self instanceof PyClass
          ? obj.self
          : obj.self instanceof PyInstance
            ? obj.self.cls
            : undefined;
      if (!type) return undefined;
      const mro = type.mro;
      for (let i = mro.indexOf(obj.after) + 1; i < mro.length; i++) {
        const v = mro[i].dict.get(name);
        if (v !== undefined) return this.descriptorGet(v, obj.self, type, loc);
      }
      return undefined;
    }
    if (obj instanceof PyNamespace) return this.hostCall(loc, () => obj.attr(name));
    if (obj instanceof HostValue)
      return obj.getattr ? this.hostCall(loc, () => obj.getattr!(name, loc)) : undefined;
    if (obj instanceof PyFunction && name === "__name__") return obj.name;
    if (obj instanceof PyBoundMethod) {
      if (name === "__self__") return obj.self;
      if (name === "__func__") return obj.func;
      if (name === "__name__") return obj.func.name;
    }
    if (
      obj instanceof PyDescriptor &&
      obj.kind === "property" &&
      (name === "setter" || name === "getter")
    ) {
      return new PyBuiltin(`property.${name}`, ({ args }) => {
        const d = new PyDescriptor("property", name === "getter" ? args.positional[0] : obj.func);
        (d as PyDescriptor & { fset?: Value }).fset =
          name === "setter" ? args.positional[0] : (obj as PyDescriptor & { fset?: Value }).fset;
        return d;
      });
    }
    return builtinAttr(this, obj, name, loc);
  }

  private descriptorGet(c: Value, obj: Value, cls: PyClass, loc: Loc): Value {
    if (c instanceof PyDescriptor) {
      if (c.kind === "property") return this.call(c.func, { positional: [obj], keywords: [] }, loc);
      if (c.kind === "staticmethod") return c.func;
      return this.bindTo(c.func, cls);
    }
    return this.bindTo(c, obj);
  }

  /** `obj.name = v`. @throws PyException AttributeError. */
  setattr(obj: Value, name: string, v: Value, loc: Loc): void {
    if (obj instanceof PyInstance) {
      const c = obj.cls.lookup(name);
      if (c instanceof PyDescriptor && c.kind === "property") {
        const fset = (c as PyDescriptor & { fset?: Value }).fset;
        if (!fset) throw pyError("AttributeError", `can't set attribute '${name}'`, loc);
        this.call(fset, { positional: [obj, v], keywords: [] }, loc);
        return;
      }
      const h = obj.cls.hooks?.setattr;
      if (h && this.hostCall(loc, () => h(obj, name, v, loc))) return;
      obj.dict.set(name, v);
      return;
    }
    if (obj instanceof PyClass) {
      obj.dict.set(name, v);
      return;
    }
    if (
      obj instanceof HostValue &&
      obj.setattr &&
      this.hostCall(loc, () => obj.setattr!(name, v, loc))
    )
      return;
    if (obj instanceof PyFunction) return;
    if (obj instanceof Unknown) return;
    throw pyError("AttributeError", `'${typeName(obj)}' object has no attribute '${name}'`, loc);
  }

  // -- operators ----------------------------------------------------------------------------

  /** `a op b`. @throws PyException TypeError for unsupported operand types. */
  binop(op: string, a: Value, b: Value, loc: Loc): Value {
    if (a instanceof Unknown) return a;
    if (b instanceof Unknown) return b;
    if (isNumber(a) && isNumber(b)) return arith(op, a, b, loc);
    if (a instanceof HostValue && a.binop) {
      const r = this.hostCall(loc, () => a.binop!(op, b, false, loc));
      if (r !== undefined) return r;
    }
    if (b instanceof HostValue && b.binop) {
      const r = this.hostCall(loc, () => b.binop!(op, a, true, loc));
      if (r !== undefined) return r;
    }
    if (a instanceof PyInstance || b instanceof PyInstance) {
      const [fwd, rev] = BINOP_DUNDER[op] ?? [];
      if (a instanceof PyInstance && fwd) {
        const m = a.cls.lookup(fwd);
        if (m) return this.call(this.bindTo(m, a), { positional: [b], keywords: [] }, loc);
      }
      if (b instanceof PyInstance && rev) {
        const m = b.cls.lookup(rev);
        if (m) return this.call(this.bindTo(m, b), { positional: [a], keywords: [] }, loc);
      }
    }
    switch (op) {
      case "+":
        if (typeof a === "string" && typeof b === "string") return a + b;
        if (a instanceof PyList && b instanceof PyList) return new PyList([...a.items, ...b.items]);
        if (a instanceof PyTuple && b instanceof PyTuple)
          return new PyTuple([...a.items, ...b.items]);
        break;
      case "*": {
        const [seq, n] = isNumber(b) ? [a, b] : isNumber(a) ? [b, a] : [undefined, undefined];
        if (
          seq !== undefined &&
          !isFloat(n!) &&
          (typeof seq === "string" || seq instanceof PyList || seq instanceof PyTuple)
        ) {
          const times = Math.max(0, numberOf(n!)!);
          const len = typeof seq === "string" ? seq.length : seq.items.length;
          this.checkItems(len * times, loc);
          if (typeof seq === "string") return seq.repeat(times);
          // the SAME objects repeated (shared modules), as in Python
          const items: Value[] = [];
          for (let i = 0; i < times; i++) items.push(...seq.items);
          return seq instanceof PyList ? new PyList(items) : new PyTuple(items);
        }
        break;
      }
      case "%":
        if (typeof a === "string")
          return percentFormat(
            a,
            b,
            (x) => this.str(x, loc),
            (x) => this.repr(x),
            loc,
          );
        break;
      case "|":
        if (a instanceof PyDict && b instanceof PyDict) {
          const d = new PyDict(a.ordered);
          for (const [k, v] of [...a.entries(), ...b.entries()]) d.set(k, v);
          return d;
        }
        if (a instanceof PySet && b instanceof PySet)
          return new PySet([...a.items(), ...b.items()]);
        break;
      case "&":
        if (a instanceof PySet && b instanceof PySet)
          return new PySet(a.items().filter((x) => b.has(x)));
        break;
      case "-":
        if (a instanceof PySet && b instanceof PySet)
          return new PySet(a.items().filter((x) => !b.has(x)));
        break;
    }
    const tn = (v: Value): string => (v === true || v === false ? "bool" : typeName(v));
    if (op === "+" && typeof a === "string")
      throw pyError("TypeError", `can only concatenate str (not "${tn(b)}") to str`, loc);
    if (op === "+" && a instanceof PyList)
      throw pyError("TypeError", `can only concatenate list (not "${tn(b)}") to list`, loc);
    if (op === "+" && a instanceof PyTuple)
      throw pyError("TypeError", `can only concatenate tuple (not "${tn(b)}") to tuple`, loc);
    throw pyError(
      "TypeError",
      `unsupported operand type(s) for ${op}: '${tn(a)}' and '${tn(b)}'`,
      loc,
    );
  }

  /** Unary `-`, `+`, `~`. */
  unop(op: "-" | "+" | "~", v: Value, loc: Loc): Value {
    if (v instanceof Unknown) return v;
    if (v instanceof PyInt) return pyInt(op === "-" ? -v.big : op === "~" ? -v.big - 1n : v.big);
    if (isNumber(v)) {
      if (op === "~") {
        if (isFloat(v)) throw pyError("TypeError", "bad operand type for unary ~: 'float'", loc);
        return -numberOf(v)! - 1;
      }
      const x = numberOf(v)!;
      const r = op === "-" ? -x : x;
      return isFloat(v) ? (Number.isInteger(r) ? new PyFloat(r) : r) : r === 0 ? 0 : r;
    }
    if (v instanceof HostValue && v.unop) {
      const r = this.hostCall(loc, () => v.unop!(op, loc));
      if (r !== undefined) return r;
    }
    if (v instanceof PyInstance) {
      const m = v.cls.lookup(op === "-" ? "__neg__" : op === "+" ? "__pos__" : "__invert__");
      if (m) return this.call(this.bindTo(m, v), { positional: [], keywords: [] }, loc);
    }
    throw pyError("TypeError", `bad operand type for unary ${op}: '${typeName(v)}'`, loc);
  }

  /** `a op b` for a comparison operator (`in`, `is`, `==`, `<`, …). */
  compare(op: string, a: Value, b: Value, loc: Loc): Value {
    switch (op) {
      case "is":
      case "is not": {
        if (a instanceof Unknown) return a;
        if (b instanceof Unknown) return b;
        const same = a === b || (typeof a === "number" && typeof b === "number" && a === b);
        return op === "is" ? same : !same;
      }
      case "in":
      case "not in": {
        const r = this.contains(b, a, loc);
        if (r instanceof Unknown) return r;
        return op === "in" ? r : !r;
      }
    }
    if (a instanceof Unknown) return a;
    if (b instanceof Unknown) return b;
    if (a instanceof HostValue && a.compare) {
      const r = this.hostCall(loc, () => a.compare!(op, b, false, loc));
      if (r !== undefined) return r;
    }
    if (b instanceof HostValue && b.compare) {
      const r = this.hostCall(loc, () => b.compare!(op, a, true, loc));
      if (r !== undefined) return r;
    }
    if (a instanceof PyInstance || b instanceof PyInstance) {
      const [fwd, rev] = COMPARE_DUNDER[op];
      if (a instanceof PyInstance) {
        const m = a.cls.lookup(fwd);
        if (m) return this.call(this.bindTo(m, a), { positional: [b], keywords: [] }, loc);
      }
      if (b instanceof PyInstance) {
        const m = b.cls.lookup(rev);
        if (m) return this.call(this.bindTo(m, b), { positional: [a], keywords: [] }, loc);
      }
    }
    if (op === "==" || op === "!=") {
      const eq = this.equals(a, b, loc);
      if (eq instanceof Unknown) return eq;
      return op === "==" ? eq : !eq;
    }
    const r = builtinOrder(op, a, b, loc);
    if (r === undefined) return this.unknown("a comparison dlq cannot evaluate", loc);
    return r;
  }

  /** Python's `a == b` as a boolean (identity for objects without `__eq__`). */
  equals(a: Value, b: Value, loc: Loc): boolean | Unknown {
    const r = builtinEquals(a, b);
    if (r !== undefined) return r;
    if (a instanceof Unknown) return a;
    if (b instanceof Unknown) return b;
    if (a instanceof HostValue || b instanceof HostValue) {
      const c = this.compare("==", a, b, loc);
      if (typeof c === "boolean") return c;
      const t = this.truthy(c, loc);
      return t;
    }
    return a === b;
  }

  /** `x in container`. */
  contains(container: Value, x: Value, loc: Loc): boolean | Unknown {
    if (container instanceof Unknown) return container;
    if (typeof container === "string") {
      if (typeof x !== "string")
        throw pyError(
          "TypeError",
          `'in <string>' requires string as left operand, not ${typeName(x)}`,
          loc,
        );
      return container.includes(x);
    }
    if (container instanceof PyDict) return container.has(x);
    if (container instanceof PySet) return container.has(x);
    if (container instanceof PyRange) {
      const n = numberOf(x);
      if (n === undefined || !Number.isInteger(n)) return false;
      const { start, stop, step } = container;
      return step > 0
        ? n >= start && n < stop && (n - start) % step === 0
        : n <= start && n > stop && (start - n) % -step === 0;
    }
    if (container instanceof PyInstance) {
      const m = container.cls.lookup("__contains__");
      if (m) {
        const t = this.truthy(
          this.call(this.bindTo(m, container), { positional: [x], keywords: [] }, loc),
          loc,
        );
        return t;
      }
    }
    const items = this.iterate(container, loc);
    if (items instanceof Unknown) return items;
    for (const it of items) {
      if (it === x) return true;
      const e = this.equals(it, x, loc);
      if (e instanceof Unknown) return e;
      if (e) return true;
    }
    return false;
  }

  /** Python's truth value. Unknown when dlq cannot tell. */
  truthy(v: Value, loc: Loc): boolean | Unknown {
    if (v === null) return false;
    switch (typeof v) {
      case "boolean":
        return v;
      case "number":
        return v !== 0;
      case "string":
        return v.length > 0;
    }
    if (v instanceof PyFloat) return v.float !== 0;
    if (v instanceof PyTuple || v instanceof PyList) return v.items.length > 0;
    if (v instanceof PyDict || v instanceof PySet) return v.size > 0;
    if (v instanceof PyRange) return v.length > 0;
    if (v instanceof Unknown) return v;
    if (v instanceof HostValue) {
      if (v.truth) return this.hostCall(loc, () => v.truth!(loc));
      return true;
    }
    if (v instanceof PyInstance) {
      const b = v.cls.lookup("__bool__");
      if (b)
        return this.truthy(
          this.call(this.bindTo(b, v), { positional: [], keywords: [] }, loc),
          loc,
        );
      const l = v.cls.lookup("__len__");
      if (l)
        return this.truthy(
          this.call(this.bindTo(l, v), { positional: [], keywords: [] }, loc),
          loc,
        );
    }
    return true;
  }

  // -- containers ---------------------------------------------------------------------------

  /**
   * The items of an iterable (materialised), or an unknown.
   * @throws PyException TypeError "'int' object is not iterable".
   */
  iterate(v: Value, loc: Loc): Value[] | Unknown {
    if (v instanceof PyList || v instanceof PyTuple) return [...v.items];
    if (typeof v === "string") return [...v];
    if (v instanceof PyDict) return v.keys();
    if (v instanceof PySet) return v.items();
    if (v instanceof PyRange) {
      this.checkItems(v.length, loc);
      return Array.from({ length: v.length }, (_, i) => v.at(i));
    }
    if (v instanceof PyIterator) {
      const rest = v.items.slice(v.pos);
      v.pos = v.items.length;
      return rest;
    }
    if (v instanceof Unknown) return v;
    if (v instanceof HostValue && v.iter) {
      const r = this.hostCall(loc, () => v.iter!(loc));
      if (r !== undefined) return r;
    }
    if (v instanceof PyInstance) {
      const m = v.cls.lookup("__iter__");
      if (m)
        return this.iterate(
          this.call(this.bindTo(m, v), { positional: [], keywords: [] }, loc),
          loc,
        );
      const gi = v.cls.lookup("__getitem__");
      const ln = v.cls.lookup("__len__");
      if (gi && ln) {
        const n = this.call(this.bindTo(ln, v), { positional: [], keywords: [] }, loc);
        if (n instanceof Unknown) return n;
        const out: Value[] = [];
        for (let i = 0; i < (numberOf(n) ?? 0); i++)
          out.push(this.call(this.bindTo(gi, v), { positional: [i], keywords: [] }, loc));
        return out;
      }
    }
    throw pyError("TypeError", `'${typeName(v)}' object is not iterable`, loc);
  }

  /** `len(v)`. */
  len(v: Value, loc: Loc): number | Unknown {
    if (v instanceof PyList || v instanceof PyTuple) return v.items.length;
    if (typeof v === "string") return [...v].length;
    if (v instanceof PyDict || v instanceof PySet) return v.size;
    if (v instanceof PyRange) return v.length;
    if (v instanceof Unknown) return v;
    if (v instanceof HostValue && v.len) {
      const r = this.hostCall(loc, () => v.len!(loc));
      if (r !== undefined) return r;
    }
    if (v instanceof PyInstance) {
      const m = v.cls.lookup("__len__");
      if (m) {
        const r = this.call(this.bindTo(m, v), { positional: [], keywords: [] }, loc);
        if (r instanceof Unknown || typeof r === "number") return r;
      }
    }
    throw pyError("TypeError", `object of type '${typeName(v)}' has no len()`, loc);
  }

  /** A sequence index (negative counts from the end). @throws PyException IndexError/TypeError. */
  index(key: Value, n: number, what: string, loc: Loc): number {
    if (typeof key === "boolean") key = key ? 1 : 0;
    if (typeof key !== "number" || !Number.isInteger(key)) {
      throw pyError(
        "TypeError",
        `${what.split(" ")[0]} indices must be integers or slices, not ${typeName(key)}`,
        loc,
      );
    }
    const i = key < 0 ? key + n : key;
    if (i < 0 || i >= n) throw pyError("IndexError", `${what} index out of range`, loc);
    return i;
  }

  /** The indices a slice selects from a sequence of length `n` (Python's `slice.indices`). */
  sliceIndices(s: PySlice, n: number, loc: Loc): number[] {
    const part = (v: Value, what: string): number | null => {
      if (v === null) return null;
      const x = numberOf(v);
      if (x === undefined || !Number.isInteger(x) || typeof v === "object")
        throw pyError(
          "TypeError",
          `slice indices must be integers or None or have an __index__ method`,
          loc,
        );
      void what;
      return x;
    };
    const step = part(s.step, "step") ?? 1;
    if (step === 0) throw pyError("ValueError", "slice step cannot be zero", loc);
    const clamp = (v: number, lo: number, hi: number): number =>
      Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
    const lo = part(s.start, "start");
    const hi = part(s.stop, "stop");
    const out: number[] = [];
    if (step > 0) {
      const a = lo === null ? 0 : clamp(lo, 0, n);
      const b = hi === null ? n : clamp(hi, 0, n);
      for (let i = a; i < b; i += step) out.push(i);
    } else {
      const a = lo === null ? n - 1 : clamp(lo, -1, n - 1);
      const b = hi === null ? -1 : clamp(hi, -1, n - 1);
      for (let i = a; i > b; i += step) out.push(i);
    }
    return out;
  }

  /** `obj[key]`. @throws PyException IndexError, KeyError, TypeError. */
  getitem(obj: Value, key: Value, loc: Loc): Value {
    if (obj instanceof Unknown) return obj;
    if (key instanceof Unknown) return key;
    if (
      obj instanceof PyList ||
      obj instanceof PyTuple ||
      typeof obj === "string" ||
      obj instanceof PyRange
    ) {
      const isList = obj instanceof PyList;
      const what = isList
        ? "list"
        : typeof obj === "string"
          ? "string"
          : obj instanceof PyRange
            ? "range object"
            : "tuple";
      const n =
        typeof obj === "string"
          ? obj.length
          : obj instanceof PyRange
            ? obj.length
            : obj.items.length;
      const at = (i: number): Value =>
        typeof obj === "string" ? obj[i] : obj instanceof PyRange ? obj.at(i) : obj.items[i];
      if (key instanceof PySlice) {
        const idx = this.sliceIndices(key, n, loc);
        if (typeof obj === "string") return idx.map((i) => obj[i]).join("");
        if (obj instanceof PyRange) return new PyList(idx.map((i) => obj.at(i)));
        const items = idx.map(at);
        return isList ? new PyList(items) : new PyTuple(items);
      }
      return at(this.index(key, n, what, loc));
    }
    if (obj instanceof PyDict) {
      const v = obj.get(key);
      if (v === undefined) throw pyError("KeyError", this.repr(key), loc);
      return v;
    }
    if (obj instanceof HostValue && obj.getitem) {
      const r = this.hostCall(loc, () => obj.getitem!(key, loc));
      if (r !== undefined) return r;
    }
    if (obj instanceof PyInstance) {
      const m = obj.cls.lookup("__getitem__");
      if (m) return this.call(this.bindTo(m, obj), { positional: [key], keywords: [] }, loc);
    }
    if (obj instanceof PyClass) {
      // `List[int]`, `Optional[Tensor]`: typing's generics stand for themselves
      const m = obj.lookup("__class_getitem__");
      if (m) return this.call(this.bindTo(m, obj), { positional: [key], keywords: [] }, loc);
      return obj;
    }
    throw pyError("TypeError", `'${typeName(obj)}' object is not subscriptable`, loc);
  }

  /** `obj[key] = v`. */
  setitem(obj: Value, key: Value, v: Value, loc: Loc): void {
    if (obj instanceof Unknown) return;
    if (obj instanceof PyList) {
      if (key instanceof PySlice) {
        const items = this.iterate(v, loc);
        if (items instanceof Unknown) return;
        const idx = this.sliceIndices(key, obj.items.length, loc);
        const step = numberOf(key.step ?? 1) ?? 1;
        if (step === 1) {
          const start = idx.length
            ? idx[0]
            : Math.min(
                Math.max(
                  (numberOf(key.start ?? 0) ?? 0) < 0
                    ? obj.items.length + (numberOf(key.start ?? 0) ?? 0)
                    : (numberOf(key.start ?? 0) ?? 0),
                  0,
                ),
                obj.items.length,
              );
          obj.items.splice(start, idx.length, ...items);
        } else {
          if (items.length !== idx.length)
            throw pyError(
              "ValueError",
              `attempt to assign sequence of size ${items.length} to extended slice of size ${idx.length}`,
              loc,
            );
          idx.forEach((i, k) => (obj.items[i] = items[k]));
        }
        return;
      }
      obj.items[this.index(key, obj.items.length, "list assignment", loc)] = v;
      return;
    }
    if (obj instanceof PyDict) {
      obj.set(key, v);
      return;
    }
    if (
      obj instanceof HostValue &&
      obj.setitem &&
      this.hostCall(loc, () => obj.setitem!(key, v, loc))
    )
      return;
    if (obj instanceof PyInstance) {
      const m = obj.cls.lookup("__setitem__");
      if (m) {
        this.call(this.bindTo(m, obj), { positional: [key, v], keywords: [] }, loc);
        return;
      }
    }
    throw pyError("TypeError", `'${typeName(obj)}' object does not support item assignment`, loc);
  }

  // -- str / repr ---------------------------------------------------------------------------

  repr(v: Value): string {
    return pyRepr(v, (x) => {
      if (x instanceof PyInstance) {
        const m = x.cls.lookup("__repr__");
        if (m) {
          const r = this.call(
            this.bindTo(m, x),
            { positional: [], keywords: [] },
            x.cls.loc ?? { line: 1, column: 1 },
          );
          if (typeof r === "string") return r;
        }
        if (x.cls.isSubclassOf(this.classes.get("BaseException")!)) {
          const args = x.dict.get("args");
          return `${x.cls.name}(${args instanceof PyTuple ? args.items.map((a) => this.repr(a)).join(", ") : ""})`;
        }
      }
      return this.host.repr?.(x);
    });
  }

  str(v: Value, loc: Loc): string {
    if (typeof v === "string") return v;
    if (v instanceof PyInstance) {
      const m = v.cls.lookup("__str__");
      if (m) {
        const r = this.call(this.bindTo(m, v), { positional: [], keywords: [] }, loc);
        if (typeof r === "string") return r;
      }
      if (v.cls.isSubclassOf(this.classes.get("BaseException")!)) {
        const args = v.dict.get("args");
        if (args instanceof PyTuple)
          return args.items.length === 1 ? this.str(args.items[0], loc) : this.repr(args);
      }
    }
    return this.repr(v);
  }

  // -- imports ------------------------------------------------------------------------------

  private importModule(path: string, loc: Loc): Value {
    const m = this.host.importModule(path) ?? stdModule(this, path);
    if (m !== undefined) return m;
    return new PyNamespace(path, (name) =>
      this.unknown(`'${path}.${name}' comes from ${path}, a module dlq does not model`, loc),
    );
  }
}

/** The class each method was defined in (for zero-argument `super()`). */
const definingClass = new WeakMap<PyFunction, PyClass>();

/** Attribute and subscript targets among an assignment target. */
function collectAttrTargets(t: Expr, out: Expr[]): void {
  if (t.kind === "Attribute" || t.kind === "Subscript") out.push(t);
  else if (t.kind === "Tuple" || t.kind === "List")
    for (const e of t.elts) collectAttrTargets(e, out);
  else if (t.kind === "Starred") collectAttrTargets(t.value, out);
}

/** Names and attribute chains: evaluating them twice changes nothing. */
export function isPure(e: Expr): boolean {
  for (let x: Expr = e; ;) {
    if (x.kind === "Name") return true;
    if (x.kind === "Attribute") x = x.value;
    else return false;
  }
}

/** Where `obj.attr` names its attribute (for messages about methods). */
export function attrLoc(e: Expr & { kind: "Attribute" }): Loc {
  return e.attrLoc ?? e.loc;
}

function containsYield(body: readonly Stmt[]): boolean {
  let found = false;
  const walk = (x: unknown): void => {
    if (found || x === null || typeof x !== "object") return;
    if (Array.isArray(x)) {
      for (const y of x) walk(y);
      return;
    }
    const o = x as { kind?: string; what?: string };
    if (o.kind === "Opaque" && o.what === "yield") {
      found = true;
      return;
    }
    if (o.kind === "FunctionDef" || o.kind === "ClassDef" || o.kind === "Lambda") return;
    for (const [k, v] of Object.entries(o)) if (k !== "loc") walk(v);
  };
  walk(body);
  return found;
}

function describeStmt(what: string): string {
  return (
    "the " +
    what
      .replace(/(Statement|Definition)$/, "")
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .toLowerCase() +
    " statement"
  );
}
