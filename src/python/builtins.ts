/**
 * Python's builtins for dlq's interpreter: the functions (`range`, `len`, `zip`, `isinstance`, …),
 * the built-in classes (`int`, `list`, `dict`, exceptions), the methods of the built-in types
 * (`list.append`, `str.format`, `dict.items`), and the standard modules models use (`math`,
 * `collections`, `functools`, `dataclasses`, `typing`, `copy`, `itertools`, `warnings`).
 * Functions that would reach the machine (`open`, `input`, `exec`, `eval`, `__import__`) are
 * unknowns: nothing is ever executed.
 */
import type { Loc } from "../errors.js";
import type { Interpreter } from "./interp.js";
import { erf as erfScalar, erfc as erfcScalar } from "../tensor/special.js";
import { pyError, pyRepr, toFixedEven } from "./semantics.js";
import { bindArguments, BindError, sig, type SigParam } from "./signature.js";
import {
  ELLIPSIS,
  HostValue,
  identity,
  isFloat,
  isInt,
  isNumber,
  numberOf,
  PyBoundMethod,
  PyBuiltin,
  PyClass,
  PyDescriptor,
  PyDict,
  PyFloat,
  pyFloat,
  PyFunction,
  PyInstance,
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
  type NativeCall,
  type Value,
} from "./values.js";

/** Parses a default written in a compact signature (`None`, `0`, `1.0`, `True`, `'mean'`). */
export function parseDefault(t: string): Value {
  if (t === "None") return null;
  if (t === "True") return true;
  if (t === "False") return false;
  if (/^-?\d+$/.test(t)) return Number(t);
  if (/^-?[\d.]+(e-?\d+)?$/.test(t)) return pyFloat(Number(t));
  if (/^'.*'$/.test(t)) return t.slice(1, -1);
  if (t === "()") return new PyTuple([]);
  throw new Error(`bad default ${t}`);
}

/** Binds a native function's arguments to a compact signature (see `sig`). */
export function bindNative(
  name: string,
  params: SigParam<Value>[],
  args: CallArgs,
  loc: Loc,
): Map<string, Value> {
  try {
    return bindArguments(name, params, args.positional, args.keywords, {
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
}

/** A native function with a compact signature: `fn(bound, call)`. */
export function native(
  name: string,
  spec: string[],
  fn: (a: Map<string, Value>, call: NativeCall) => Value,
): PyBuiltin {
  const params = sig<Value>(spec, parseDefault);
  return new PyBuiltin(name, (call) => fn(bindNative(name, params, call.args, call.loc), call));
}

const EXCEPTIONS: [string, string][] = [
  ["BaseException", "object"],
  ["Exception", "BaseException"],
  ["KeyboardInterrupt", "BaseException"],
  ["SystemExit", "BaseException"],
  ["ArithmeticError", "Exception"],
  ["ZeroDivisionError", "ArithmeticError"],
  ["OverflowError", "ArithmeticError"],
  ["AssertionError", "Exception"],
  ["AttributeError", "Exception"],
  ["ImportError", "Exception"],
  ["ModuleNotFoundError", "ImportError"],
  ["LookupError", "Exception"],
  ["IndexError", "LookupError"],
  ["KeyError", "LookupError"],
  ["NameError", "Exception"],
  ["UnboundLocalError", "NameError"],
  ["RuntimeError", "Exception"],
  ["NotImplementedError", "RuntimeError"],
  ["RecursionError", "RuntimeError"],
  ["StopIteration", "Exception"],
  ["TypeError", "Exception"],
  ["ValueError", "Exception"],
  ["OSError", "Exception"],
  ["FileNotFoundError", "OSError"],
  ["Warning", "Exception"],
  ["UserWarning", "Warning"],
  ["DeprecationWarning", "Warning"],
];

/** Creates the builtins scope of `it` (and fills `it.classes`). */
export function installBuiltins(it: Interpreter): Scope {
  const s = new Scope(undefined, "builtins");
  const v = s.vars;
  const cls = (
    name: string,
    bases: PyClass[],
    construct?: (a: CallArgs, l: Loc) => Value,
    isInst?: (x: Value) => boolean,
  ): PyClass => {
    const c = new PyClass(name, bases);
    c.mro = [c, ...(bases[0]?.mro ?? [])];
    if (construct) c.construct = construct;
    if (isInst) c.isInstance = isInst;
    it.classes.set(name, c);
    v.set(name, c);
    return c;
  };
  const object = cls("object", []);
  object.dict.set(
    "__init__",
    new PyBuiltin("object.__init__", ({ args, loc }) => {
      const self = args.positional[0];
      if ((args.positional.length > 1 || args.keywords.length) && self instanceof PyInstance)
        throw pyError("TypeError", `${self.cls.name}() takes no arguments`, loc);
      return null;
    }),
  );
  const one = (a: CallArgs): Value | undefined => a.positional[0];

  cls(
    "int",
    [object],
    (a, loc) => toInt(it, one(a), a.positional[1], loc),
    (x) => isInt(x) || typeof x === "boolean",
  );
  cls(
    "float",
    [object],
    (a, loc) => toFloat(it, one(a), loc),
    (x) => isFloat(x),
  );
  cls(
    "bool",
    [it.classes.get("int")!],
    (a, loc) => {
      const x = one(a);
      if (x === undefined) return false;
      return it.truthy(x, loc);
    },
    (x) => typeof x === "boolean",
  );
  cls(
    "str",
    [object],
    (a, loc) => (one(a) === undefined ? "" : it.str(one(a)!, loc)),
    (x) => typeof x === "string",
  );
  cls(
    "list",
    [object],
    (a, loc) =>
      one(a) === undefined
        ? new PyList([])
        : mapKnown(it.iterate(one(a)!, loc), (xs) => new PyList(xs)),
    (x) => x instanceof PyList,
  );
  cls(
    "tuple",
    [object],
    (a, loc) =>
      one(a) === undefined
        ? new PyTuple([])
        : mapKnown(it.iterate(one(a)!, loc), (xs) => new PyTuple(xs)),
    (x) => x instanceof PyTuple,
  );
  cls(
    "set",
    [object],
    (a, loc) =>
      one(a) === undefined
        ? new PySet()
        : mapKnown(it.iterate(one(a)!, loc), (xs) => new PySet(xs)),
    (x) => x instanceof PySet,
  );
  cls(
    "frozenset",
    [object],
    (a, loc) =>
      one(a) === undefined
        ? new PySet()
        : mapKnown(it.iterate(one(a)!, loc), (xs) => new PySet(xs)),
    (x) => x instanceof PySet,
  );
  cls(
    "dict",
    [object],
    (a, loc) => makeDict(it, a, loc, false),
    (x) => x instanceof PyDict,
  );
  cls(
    "range",
    [object],
    (a, loc) => makeRange(it, a, loc),
    (x) => x instanceof PyRange,
  );
  cls(
    "slice",
    [object],
    (a) => {
      const p = a.positional;
      return p.length === 1
        ? new PySlice(null, p[0], null)
        : new PySlice(p[0] ?? null, p[1] ?? null, p[2] ?? null);
    },
    (x) => x instanceof PySlice,
  );
  cls(
    "type",
    [object],
    (a, loc) => {
      if (a.positional.length !== 1)
        return it.unknown("type() with three arguments (a class made at run time)", loc);
      return typeOf(it, a.positional[0]);
    },
    (x) => x instanceof PyClass,
  );
  cls("NoneType", [object], undefined, (x) => x === null);
  cls(
    "function",
    [object],
    undefined,
    (x) => x instanceof PyFunction || x instanceof PyBuiltin || x instanceof PyBoundMethod,
  );
  for (const [name, base] of EXCEPTIONS) cls(name, [it.classes.get(base)!]);
  it.classes.get("BaseException")!.dict.set(
    "__init__",
    new PyBuiltin("BaseException.__init__", ({ args }) => {
      const [self, ...rest] = args.positional;
      if (self instanceof PyInstance) self.dict.set("args", new PyTuple(rest));
      return null;
    }),
  );
  v.set("IOError", it.classes.get("OSError")!);
  v.set("EnvironmentError", it.classes.get("OSError")!);

  const fn = (
    name: string,
    spec: string[],
    f: (a: Map<string, Value>, c: NativeCall) => Value,
  ): void => {
    v.set(name, native(name, spec, f));
  };
  v.set("None", null);
  v.set("True", true);
  v.set("False", false);
  v.set("Ellipsis", ELLIPSIS);
  v.set("NotImplemented", new Unknown("NotImplemented"));
  v.set("__debug__", true);

  fn("print", ["*values", "sep=None", "end=None", "file=None", "flush=False"], (a, c) => {
    const vals = (a.get("values") as PyTuple).items;
    it.host.print?.([...vals], c.loc);
    return null;
  });
  fn("len", ["obj", "/"], (a, c) => it.len(a.get("obj")!, c.loc));
  fn("repr", ["obj", "/"], (a) => {
    const x = a.get("obj")!;
    return x instanceof Unknown ? x : it.repr(x);
  });
  fn("ascii", ["obj", "/"], (a) => it.repr(a.get("obj")!));
  fn("abs", ["x", "/"], (a, c) => {
    const x = a.get("x")!;
    if (isNumber(x)) {
      const n = Math.abs(numberOf(x)!);
      return isFloat(x) ? pyFloat(n) : n;
    }
    if (x instanceof HostValue && x.unop) {
      const r = x.unop("abs" as "-", c.loc);
      if (r !== undefined) return r;
    }
    if (x instanceof Unknown) return x;
    return callDunder(it, x, "__abs__", [], c.loc, `bad operand type for abs(): '${typeName(x)}'`);
  });
  fn("round", ["number", "ndigits=None"], (a, c) => {
    const x = a.get("number")!;
    const nd = a.get("ndigits")!;
    if (x instanceof Unknown) return x;
    if (!isNumber(x))
      return callDunder(
        it,
        x,
        "__round__",
        nd === null ? [] : [nd],
        c.loc,
        `type ${typeName(x)} doesn't define __round__ method`,
      );
    const n = numberOf(x)!;
    if (nd === null) return roundHalfEven(n);
    const d = numberOf(nd)!;
    if (!isFloat(x)) {
      if (d >= 0) return n;
      const f = 10 ** -d;
      return roundHalfEven(n / f) * f;
    }
    if (d < 0) {
      const f = 10 ** -d;
      return pyFloat(roundHalfEven(n / f) * f);
    }
    return pyFloat(Number(toFixedEven(n, Math.min(d, 100))));
  });
  fn("divmod", ["a", "b", "/"], (a, c) => {
    const x = a.get("a")!;
    const y = a.get("b")!;
    return new PyTuple([it.binop("//", x, y, c.loc), it.binop("%", x, y, c.loc)]);
  });
  fn("pow", ["base", "exp", "mod=None"], (a, c) => {
    const r = it.binop("**", a.get("base")!, a.get("exp")!, c.loc);
    const m = a.get("mod")!;
    return m === null ? r : it.binop("%", r, m, c.loc);
  });
  fn("min", ["*args", "key=None", "default=None"], (a, c) => minMax(it, a, c, "min"));
  fn("max", ["*args", "key=None", "default=None"], (a, c) => minMax(it, a, c, "max"));
  fn("sum", ["iterable", "/", "start=0"], (a, c) => {
    const xs = it.iterate(a.get("iterable")!, c.loc);
    if (xs instanceof Unknown) return xs;
    let acc: Value = a.get("start")!;
    for (const x of xs) acc = it.binop("+", acc, x, c.loc);
    return acc;
  });
  fn("any", ["iterable", "/"], (a, c) => {
    const xs = it.iterate(a.get("iterable")!, c.loc);
    if (xs instanceof Unknown) return xs;
    for (const x of xs) {
      const t = it.truthy(x, c.loc);
      if (t instanceof Unknown) return t;
      if (t) return true;
    }
    return false;
  });
  fn("all", ["iterable", "/"], (a, c) => {
    const xs = it.iterate(a.get("iterable")!, c.loc);
    if (xs instanceof Unknown) return xs;
    for (const x of xs) {
      const t = it.truthy(x, c.loc);
      if (t instanceof Unknown) return t;
      if (!t) return false;
    }
    return true;
  });
  fn("enumerate", ["iterable", "start=0"], (a, c) => {
    const xs = it.iterate(a.get("iterable")!, c.loc);
    if (xs instanceof Unknown) return xs;
    const st = numberOf(a.get("start")!) ?? 0;
    return new PyIterator(xs.map((x, i) => new PyTuple([st + i, x])));
  });
  fn("zip", ["*iterables", "strict=False"], (a, c) => {
    const lists: Value[][] = [];
    for (const x of (a.get("iterables") as PyTuple).items) {
      const xs = it.iterate(x, c.loc);
      if (xs instanceof Unknown) return xs;
      lists.push(xs);
    }
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    if (a.get("strict") === true && lists.some((l) => l.length !== n))
      throw pyError("ValueError", "zip() has arguments with different lengths", c.loc);
    return new PyIterator(Array.from({ length: n }, (_, i) => new PyTuple(lists.map((l) => l[i]))));
  });
  fn("map", ["function", "*iterables"], (a, c) => {
    const f = a.get("function")!;
    const lists: Value[][] = [];
    for (const x of (a.get("iterables") as PyTuple).items) {
      const xs = it.iterate(x, c.loc);
      if (xs instanceof Unknown) return xs;
      lists.push(xs);
    }
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    return new PyIterator(
      Array.from({ length: n }, (_, i) =>
        it.call(f, { positional: lists.map((l) => l[i]), keywords: [] }, c.loc),
      ),
    );
  });
  fn("filter", ["function", "iterable", "/"], (a, c) => {
    const f = a.get("function")!;
    const xs = it.iterate(a.get("iterable")!, c.loc);
    if (xs instanceof Unknown) return xs;
    const out: Value[] = [];
    for (const x of xs) {
      const t = it.truthy(
        f === null ? x : it.call(f, { positional: [x], keywords: [] }, c.loc),
        c.loc,
      );
      if (t instanceof Unknown) return t;
      if (t) out.push(x);
    }
    return new PyIterator(out);
  });
  fn("sorted", ["iterable", "/", "*", "key=None", "reverse=False"], (a, c) => {
    const xs = it.iterate(a.get("iterable")!, c.loc);
    if (xs instanceof Unknown) return xs;
    return new PyList(sortValues(it, xs, a.get("key")!, a.get("reverse")!, c.loc));
  });
  fn("reversed", ["seq", "/"], (a, c) => {
    const xs = it.iterate(a.get("seq")!, c.loc);
    if (xs instanceof Unknown) return xs;
    return new PyIterator(xs.reverse());
  });
  fn("iter", ["obj", "/"], (a, c) => {
    const xs = it.iterate(a.get("obj")!, c.loc);
    if (xs instanceof Unknown) return xs;
    return new PyIterator(xs);
  });
  fn("next", ["iterator", "default=None"], (a, c) => {
    const x = a.get("iterator")!;
    if (x instanceof Unknown) return x;
    if (!(x instanceof PyIterator))
      throw pyError("TypeError", `'${typeName(x)}' object is not an iterator`, c.loc);
    if (x.pos < x.items.length) return x.items[x.pos++];
    if (c.args.positional.length > 1 || c.args.keywords.length) return a.get("default")!;
    throw it.exception("StopIteration", "", c.loc);
  });
  fn("isinstance", ["obj", "classinfo", "/"], (a, c) =>
    isInstance(it, a.get("obj")!, a.get("classinfo")!, c.loc),
  );
  fn("issubclass", ["cls", "classinfo", "/"], (a, c) => {
    const x = a.get("cls")!;
    const ci = a.get("classinfo")!;
    const test = (k: Value): boolean | Unknown => {
      if (k instanceof PyTuple) {
        for (const y of k.items) {
          const r = test(y);
          if (r !== false) return r;
        }
        return false;
      }
      if (x instanceof PyClass && k instanceof PyClass) return x.isSubclassOf(k);
      if (x instanceof Unknown) return x;
      if (k instanceof Unknown) return k;
      throw pyError("TypeError", "issubclass() arg 1 must be a class", c.loc);
    };
    return test(ci);
  });
  fn("hasattr", ["obj", "name", "/"], (a, c) => {
    const o = a.get("obj")!;
    const n = a.get("name")!;
    if (o instanceof Unknown) return o;
    if (typeof n !== "string") throw pyError("TypeError", "attribute name must be string", c.loc);
    const depth = it.evalDepth;
    try {
      const r = it.getattrOr(o, n, c.loc);
      return r !== undefined;
    } catch (e) {
      it.evalDepth = depth;
      if (e instanceof Error && (e as { pyType?: string }).pyType === "AttributeError")
        return false;
      throw e;
    }
  });
  v.set(
    "getattr",
    new PyBuiltin("getattr", ({ args, loc }) => {
      const [o, n, d] = args.positional;
      if (args.positional.length < 2)
        throw pyError(
          "TypeError",
          `getattr expected at least 2 arguments, got ${args.positional.length}`,
          loc,
        );
      if (n instanceof Unknown) return n;
      if (typeof n !== "string") throw pyError("TypeError", "attribute name must be string", loc);
      if (d === undefined) return it.getattr(o, n, loc);
      try {
        return it.getattrOr(o, n, loc) ?? d;
      } catch (e) {
        if ((e as { pyType?: string }).pyType === "AttributeError") return d;
        throw e;
      }
    }),
  );
  fn("setattr", ["obj", "name", "value", "/"], (a, c) => {
    const n = a.get("name")!;
    if (n instanceof Unknown) return n;
    if (typeof n !== "string") throw pyError("TypeError", "attribute name must be string", c.loc);
    it.setattr(a.get("obj")!, n, a.get("value")!, c.loc);
    return null;
  });
  fn("delattr", ["obj", "name", "/"], (a, c) => {
    const o = a.get("obj")!;
    const n = a.get("name") as string;
    if (o instanceof PyInstance && (o.dict.delete(n) || o.cls.hooks?.delattr?.(o, n))) return null;
    throw pyError("AttributeError", n, c.loc);
  });
  fn("callable", ["obj", "/"], (a) => {
    const x = a.get("obj")!;
    return (
      x instanceof PyFunction ||
      x instanceof PyBuiltin ||
      x instanceof PyBoundMethod ||
      x instanceof PyClass ||
      (x instanceof PyInstance && x.cls.lookup("__call__") !== undefined) ||
      (x instanceof HostValue && x.call !== undefined)
    );
  });
  fn("id", ["obj", "/"], (a) => {
    const x = a.get("obj")!;
    return typeof x === "object" && x !== null ? identity(x) : 0;
  });
  fn("hash", ["obj", "/"], (a, c) => {
    const x = a.get("obj")!;
    if (x instanceof PyList || x instanceof PyDict || x instanceof PySet)
      throw pyError("TypeError", `unhashable type: '${typeName(x)}'`, c.loc);
    if (typeof x === "number" && Number.isInteger(x)) return x;
    return typeof x === "object" && x !== null ? identity(x) : 0;
  });
  fn("chr", ["i", "/"], (a) => String.fromCodePoint(numberOf(a.get("i")!) ?? 0));
  fn("ord", ["c", "/"], (a, c) => {
    const x = a.get("c")!;
    if (typeof x !== "string" || [...x].length !== 1)
      throw pyError("TypeError", "ord() expected a character", c.loc);
    return x.codePointAt(0)!;
  });
  for (const [name, base, prefix] of [
    ["hex", 16, "0x"],
    ["oct", 8, "0o"],
    ["bin", 2, "0b"],
  ] as const) {
    fn(name, ["number", "/"], (a) => {
      const n = numberOf(a.get("number")!)!;
      return (n < 0 ? "-" : "") + prefix + Math.abs(n).toString(base);
    });
  }
  fn("format", ["value", "format_spec=''", "/"], (a, c) =>
    it.format(a.get("value")!, a.get("format_spec") as string, c.loc),
  );
  v.set(
    "super",
    new PyBuiltin("super", ({ args, loc }) => {
      const [k, obj] = args.positional;
      if (!(k instanceof PyClass) || obj === undefined)
        throw pyError("RuntimeError", "super(): no arguments", loc);
      return new PySuper(k, obj);
    }),
  );
  fn("property", ["fget=None", "fset=None", "fdel=None", "doc=None"], (a) => {
    const d = new PyDescriptor("property", a.get("fget")!);
    (d as PyDescriptor & { fset?: Value }).fset = a.get("fset") ?? undefined;
    return d;
  });
  fn(
    "staticmethod",
    ["function", "/"],
    (a) => new PyDescriptor("staticmethod", a.get("function")!),
  );
  fn("classmethod", ["function", "/"], (a) => new PyDescriptor("classmethod", a.get("function")!));
  // nothing reaches the machine
  for (const name of [
    "open",
    "input",
    "exec",
    "eval",
    "compile",
    "__import__",
    "globals",
    "locals",
    "vars",
    "breakpoint",
    "exit",
    "quit",
    "help",
    "dir",
    "memoryview",
    "bytearray",
    "bytes",
    "complex",
  ]) {
    v.set(
      name,
      new PyBuiltin(name, ({ loc }) =>
        it.unknown(
          ["exec", "eval", "compile", "__import__"].includes(name)
            ? `${name}() would run code: dlq never executes anything`
            : `the result of ${name}(), which dlq does not model`,
          loc,
        ),
      ),
    );
  }
  return s;
}

function mapKnown(xs: Value[] | Unknown, f: (xs: Value[]) => Value): Value {
  return xs instanceof Unknown ? xs : f(xs);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function callDunder(
  it: Interpreter,
  x: Value,
  name: string,
  args: Value[],
  loc: Loc,
  err: string,
): Value {
  if (x instanceof PyInstance) {
    const m = x.cls.lookup(name);
    if (m) return it.call(it.bindTo(m, x), { positional: args, keywords: [] }, loc);
  }
  throw pyError("TypeError", err, loc);
}

function toInt(it: Interpreter, x: Value | undefined, base: Value | undefined, loc: Loc): Value {
  if (x === undefined) return 0;
  if (x instanceof Unknown) return x;
  if (typeof x === "boolean") return x ? 1 : 0;
  if (typeof x === "number" || x instanceof PyFloat) {
    const n = numberOf(x)!;
    if (!Number.isFinite(n))
      throw pyError(
        Number.isNaN(n) ? "ValueError" : "OverflowError",
        Number.isNaN(n)
          ? "cannot convert float NaN to integer"
          : "cannot convert float infinity to integer",
        loc,
      );
    return Math.trunc(n) || 0;
  }
  if (typeof x === "string") {
    const b = base === undefined ? 10 : (numberOf(base) ?? 10);
    const t = x.trim().replace(/_/g, "");
    const ok = b === 10 ? /^[+-]?\d+$/.test(t) : /^[+-]?[0-9a-z]+$/i.test(t);
    const n = ok ? parseInt(t, b) : NaN;
    if (Number.isNaN(n))
      throw pyError("ValueError", `invalid literal for int() with base ${b}: ${pyRepr(x)}`, loc);
    return n;
  }
  if (x instanceof HostValue) {
    const n = (x as HostValue & { number?: (l: Loc) => Value }).number?.(loc);
    if (n !== undefined) return n instanceof Unknown ? n : toInt(it, n, undefined, loc);
  }
  if (x instanceof PyInstance)
    return callDunder(
      it,
      x,
      "__int__",
      [],
      loc,
      "int() argument must be a string, a bytes-like object or a real number",
    );
  throw pyError(
    "TypeError",
    `int() argument must be a string, a bytes-like object or a real number, not '${typeName(x)}'`,
    loc,
  );
}

function toFloat(it: Interpreter, x: Value | undefined, loc: Loc): Value {
  if (x === undefined) return new PyFloat(0);
  if (x instanceof Unknown) return x;
  if (isNumber(x)) return pyFloat(numberOf(x)!);
  if (typeof x === "string") {
    const t = x.trim().toLowerCase().replace(/_/g, "");
    const special: Record<string, number> = {
      inf: Infinity,
      "+inf": Infinity,
      "-inf": -Infinity,
      infinity: Infinity,
      "-infinity": -Infinity,
      nan: NaN,
      "+nan": NaN,
      "-nan": NaN,
    };
    if (t in special) return special[t];
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t))
      throw pyError("ValueError", `could not convert string to float: ${pyRepr(x)}`, loc);
    return pyFloat(Number(t));
  }
  if (x instanceof HostValue) {
    const n = (x as HostValue & { number?: (l: Loc) => Value }).number?.(loc);
    if (n !== undefined) return n instanceof Unknown ? n : toFloat(it, n, loc);
  }
  if (x instanceof PyInstance)
    return callDunder(
      it,
      x,
      "__float__",
      [],
      loc,
      "float() argument must be a string or a real number",
    );
  throw pyError(
    "TypeError",
    `float() argument must be a string or a real number, not '${typeName(x)}'`,
    loc,
  );
}

function makeDict(it: Interpreter, a: CallArgs, loc: Loc, ordered: boolean): Value {
  const d = new PyDict(ordered);
  const src = a.positional[0];
  if (a.positional.length > 1)
    throw pyError("TypeError", `dict expected at most 1 argument, got ${a.positional.length}`, loc);
  if (src instanceof Unknown) return src;
  if (src instanceof PyDict) for (const [k, x] of src.entries()) d.set(k, x);
  else if (src !== undefined) {
    const pairs = it.iterate(src, loc);
    if (pairs instanceof Unknown) return pairs;
    for (const p of pairs) {
      const kv = it.iterate(p, loc);
      if (kv instanceof Unknown) return kv;
      if (kv.length !== 2)
        throw pyError(
          "ValueError",
          `dictionary update sequence element has length ${kv.length}; 2 is required`,
          loc,
        );
      d.set(kv[0], kv[1]);
    }
  }
  for (const [k, x] of a.keywords) d.set(k, x);
  return d;
}

function makeRange(it: Interpreter, a: CallArgs, loc: Loc): Value {
  const p = a.positional;
  if (a.keywords.length) throw pyError("TypeError", "range() takes no keyword arguments", loc);
  if (p.length < 1 || p.length > 3)
    throw pyError("TypeError", `range expected at most 3 arguments, got ${p.length}`, loc);
  for (const x of p) if (x instanceof Unknown) return x;
  const ns = p.map((x) => {
    if (typeof x === "boolean") return x ? 1 : 0;
    if (!isInt(x))
      throw pyError(
        "TypeError",
        `'${typeName(x)}' object cannot be interpreted as an integer`,
        loc,
      );
    return x;
  });
  const [start, stop, step] = ns.length === 1 ? [0, ns[0], 1] : [ns[0], ns[1], ns[2] ?? 1];
  if (step === 0) throw pyError("ValueError", "range() arg 3 must not be zero", loc);
  return new PyRange(start, stop, step);
}

function minMax(
  it: Interpreter,
  a: Map<string, Value>,
  c: NativeCall,
  which: "min" | "max",
): Value {
  const args = (a.get("args") as PyTuple).items;
  let xs: Value[] | Unknown;
  if (args.length === 1) xs = it.iterate(args[0], c.loc);
  else xs = [...args];
  if (xs instanceof Unknown) return xs;
  if (args.length === 0)
    throw pyError("TypeError", `${which} expected at least 1 argument, got 0`, c.loc);
  if (xs.length === 0) {
    if (c.args.keywords.some(([k]) => k === "default")) return a.get("default")!;
    throw pyError("ValueError", `${which}() arg is an empty sequence`, c.loc);
  }
  const key = a.get("key")!;
  const k = (x: Value): Value =>
    key === null ? x : it.call(key, { positional: [x], keywords: [] }, c.loc);
  let best = xs[0];
  let bk = k(best);
  for (const x of xs.slice(1)) {
    const xk = k(x);
    const r = it.compare(which === "max" ? ">" : "<", xk, bk, c.loc);
    const t = it.truthy(r, c.loc);
    if (t instanceof Unknown) return t;
    if (t) {
      best = x;
      bk = xk;
    }
  }
  return best;
}

function sortValues(it: Interpreter, xs: Value[], key: Value, reverse: Value, loc: Loc): Value[] {
  const keyed = xs.map((x) => ({
    x,
    k: key === null ? x : it.call(key, { positional: [x], keywords: [] }, loc),
  }));
  // a stable merge sort with Python's `<` (Array.prototype.sort is stable too)
  keyed.sort((p, q) => {
    const lt = it.truthy(it.compare("<", p.k, q.k, loc), loc);
    if (lt === true) return -1;
    const gt = it.truthy(it.compare("<", q.k, p.k, loc), loc);
    return gt === true ? 1 : 0;
  });
  const out = keyed.map((e) => e.x);
  return it.truthy(reverse, loc) === true ? out.reverse() : out;
}

/** `type(x)`. */
export function typeOf(it: Interpreter, x: Value): Value {
  if (x instanceof PyInstance) return x.cls;
  if (x instanceof Unknown) return x;
  const name =
    x === null
      ? "NoneType"
      : typeof x === "boolean"
        ? "bool"
        : isInt(x)
          ? "int"
          : isFloat(x)
            ? "float"
            : typeof x === "string"
              ? "str"
              : x instanceof PyList
                ? "list"
                : x instanceof PyTuple
                  ? "tuple"
                  : x instanceof PyDict
                    ? "dict"
                    : x instanceof PySet
                      ? "set"
                      : x instanceof PyRange
                        ? "range"
                        : x instanceof PySlice
                          ? "slice"
                          : x instanceof PyClass
                            ? "type"
                            : x instanceof PyFunction ||
                                x instanceof PyBuiltin ||
                                x instanceof PyBoundMethod
                              ? "function"
                              : undefined;
  if (name) return it.classes.get(name)!;
  if (x instanceof HostValue) {
    const t = x.getattr?.("__class__", { line: 0, column: 0 });
    if (t !== undefined) return t;
  }
  return new Unknown(`the type of ${typeName(x)}`);
}

/** `isinstance(obj, classinfo)`. */
export function isInstance(it: Interpreter, obj: Value, ci: Value, loc: Loc): boolean | Unknown {
  if (ci instanceof PyTuple) {
    let unknown: Unknown | undefined;
    for (const c of ci.items) {
      const r = isInstance(it, obj, c, loc);
      if (r === true) return true;
      if (r instanceof Unknown) unknown = r;
    }
    return unknown ?? false;
  }
  if (obj instanceof Unknown) return obj;
  if (ci instanceof Unknown) return ci;
  if (obj instanceof HostValue && obj.isInstance) {
    const r = obj.isInstance(ci);
    if (r !== undefined) return r;
  }
  if (!(ci instanceof PyClass))
    throw pyError(
      "TypeError",
      "isinstance() arg 2 must be a type, a tuple of types, or a union",
      loc,
    );
  if (obj instanceof PyInstance) return obj.cls.isSubclassOf(ci);
  if (ci === it.classes.get("object")) return true;
  if (ci.isInstance) return ci.isInstance(obj);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Methods of the built-in types

/** `obj.name` for the built-in types (their methods), or undefined. */
export function builtinAttr(
  it: Interpreter,
  obj: Value,
  name: string,
  loc: Loc,
): Value | undefined {
  const m = (spec: string[], f: (a: Map<string, Value>, c: NativeCall) => Value): PyBuiltin =>
    native(`${typeName(obj)}.${name}`, spec, f);
  if (obj instanceof PyList) {
    const xs = obj;
    switch (name) {
      case "append":
        return m(["object", "/"], (a, c) => {
          xs.items.push(a.get("object")!);
          it.checkItems(xs.items.length, c.loc);
          return null;
        });
      case "extend":
        return m(["iterable", "/"], (a, c) => {
          const ys = it.iterate(a.get("iterable")!, c.loc);
          if (ys instanceof Unknown) return ys;
          xs.items.push(...ys);
          it.checkItems(xs.items.length, c.loc);
          return null;
        });
      case "insert":
        return m(["index", "object", "/"], (a) => {
          let i = numberOf(a.get("index")!)!;
          if (i < 0) i = Math.max(0, xs.items.length + i);
          xs.items.splice(i, 0, a.get("object")!);
          return null;
        });
      case "pop":
        return m(["index=-1", "/"], (a, c) => {
          if (!xs.items.length) throw pyError("IndexError", "pop from empty list", c.loc);
          const i = it.index(a.get("index")!, xs.items.length, "pop", c.loc);
          return xs.items.splice(i, 1)[0];
        });
      case "remove":
        return m(["value", "/"], (a, c) => {
          const i = findIndex(it, xs.items, a.get("value")!, c.loc);
          if (i < 0) throw pyError("ValueError", "list.remove(x): x not in list", c.loc);
          xs.items.splice(i, 1);
          return null;
        });
      case "clear":
        return m([], () => {
          xs.items = [];
          return null;
        });
      case "reverse":
        return m([], () => {
          xs.items.reverse();
          return null;
        });
      case "sort":
        return m(["*", "key=None", "reverse=False"], (a, c) => {
          xs.items = sortValues(it, xs.items, a.get("key")!, a.get("reverse")!, c.loc);
          return null;
        });
      case "copy":
        return m([], () => new PyList([...xs.items]));
    }
  }
  if (obj instanceof PyList || obj instanceof PyTuple) {
    const items = obj.items;
    if (name === "index")
      return m(["value", "start=0", "stop=None", "/"], (a, c) => {
        const i = findIndex(it, items, a.get("value")!, c.loc);
        if (i < 0)
          throw pyError(
            "ValueError",
            `${pyRepr(a.get("value")!)} is not in ${obj instanceof PyList ? "list" : "tuple"}`,
            c.loc,
          );
        return i;
      });
    if (name === "count")
      return m(
        ["value", "/"],
        (a, c) => items.filter((x) => it.equals(x, a.get("value")!, c.loc) === true).length,
      );
    if (obj instanceof PyTuple && obj.names) {
      const i = obj.names.indexOf(name);
      if (i >= 0) return obj.items[i];
    }
  }
  if (obj instanceof PyDict) {
    const d = obj;
    switch (name) {
      case "keys":
        return m([], () => new PyList(d.keys()));
      case "values":
        return m([], () => new PyList(d.values()));
      case "items":
        return m([], () => new PyList(d.entries().map(([k, x]) => new PyTuple([k, x]))));
      case "get":
        return m(["key", "default=None", "/"], (a) => d.get(a.get("key")!) ?? a.get("default")!);
      case "pop":
        return new PyBuiltin("dict.pop", ({ args, loc: l }) => {
          const [k, dflt] = args.positional;
          const x = d.get(k);
          if (x !== undefined) {
            d.delete(k);
            return x;
          }
          if (dflt !== undefined) return dflt;
          throw pyError("KeyError", pyRepr(k), l);
        });
      case "setdefault":
        return m(["key", "default=None", "/"], (a) => {
          const k = a.get("key")!;
          if (!d.has(k)) d.set(k, a.get("default")!);
          return d.get(k)!;
        });
      case "update":
        return new PyBuiltin("dict.update", ({ args, loc: l }) => {
          const r = makeDict(it, args, l, false);
          if (r instanceof PyDict) for (const [k, x] of r.entries()) d.set(k, x);
          return null;
        });
      case "copy":
        return m([], () => {
          const e = new PyDict(d.ordered);
          for (const [k, x] of d.entries()) e.set(k, x);
          return e;
        });
      case "clear":
        return m([], () => {
          for (const k of d.keys()) d.delete(k);
          return null;
        });
    }
  }
  if (obj instanceof PySet) {
    const st = obj;
    switch (name) {
      case "add":
        return m(["elem", "/"], (a) => {
          st.add(a.get("elem")!);
          return null;
        });
      case "update":
        return m(["*others"], (a, c) => {
          for (const o of (a.get("others") as PyTuple).items) {
            const ys = it.iterate(o, c.loc);
            if (ys instanceof Unknown) return ys;
            for (const y of ys) st.add(y);
          }
          return null;
        });
      case "discard":
      case "remove":
        return m(["elem", "/"], (a, c) => {
          if (!st.delete(a.get("elem")!) && name === "remove")
            throw pyError("KeyError", pyRepr(a.get("elem")!), c.loc);
          return null;
        });
      case "union":
        return m(["*others"], (a, c) => {
          const out = new PySet(st.items());
          for (const o of (a.get("others") as PyTuple).items) {
            const ys = it.iterate(o, c.loc);
            if (ys instanceof Unknown) return ys;
            for (const y of ys) out.add(y);
          }
          return out;
        });
    }
  }
  if (typeof obj === "string") return strMethod(it, obj, name, m);
  if (isNumber(obj)) {
    if (name === "real") return obj;
    if (name === "imag") return 0;
    if (name === "is_integer" && isFloat(obj)) return m([], () => Number.isInteger(numberOf(obj)!));
    if (name === "bit_length" && isInt(obj))
      return m([], () => (obj === 0 ? 0 : Math.floor(Math.log2(Math.abs(obj))) + 1));
    if (name === "item") return undefined;
  }
  if (obj instanceof PySlice) {
    if (name === "start") return obj.start;
    if (name === "stop") return obj.stop;
    if (name === "step") return obj.step;
  }
  if (obj instanceof PyRange) {
    if (name === "start") return obj.start;
    if (name === "stop") return obj.stop;
    if (name === "step") return obj.step;
  }
  void loc;
  return undefined;
}

function findIndex(it: Interpreter, items: readonly Value[], x: Value, loc: Loc): number {
  for (let i = 0; i < items.length; i++)
    if (items[i] === x || it.equals(items[i], x, loc) === true) return i;
  return -1;
}

function strMethod(
  it: Interpreter,
  s: string,
  name: string,
  m: (spec: string[], f: (a: Map<string, Value>, c: NativeCall) => Value) => PyBuiltin,
): Value | undefined {
  const str = (x: Value, loc: Loc): string => {
    if (typeof x !== "string") throw pyError("TypeError", `must be str, not ${typeName(x)}`, loc);
    return x;
  };
  switch (name) {
    case "format":
      return new PyBuiltin("str.format", ({ args, loc }) => {
        let auto = 0;
        for (const x of [...args.positional, ...args.keywords.map(([, y]) => y)])
          if (x instanceof Unknown) return x;
        return s.replace(
          /\{\{|\}\}|\{([^{}!:]*)(?:!([rsa]))?(?::([^{}]*))?\}/g,
          (all, field: string | undefined, conv: string | undefined, spec: string | undefined) => {
            if (all === "{{") return "{";
            if (all === "}}") return "}";
            const path = (field ?? "").split(/\.|\[/);
            const head = path[0];
            let v: Value | undefined =
              head === ""
                ? args.positional[auto++]
                : /^\d+$/.test(head)
                  ? args.positional[Number(head)]
                  : args.keywords.find(([k]) => k === head)?.[1];
            if (v === undefined)
              throw pyError(
                head === "" || /^\d+$/.test(head) ? "IndexError" : "KeyError",
                head === "" || /^\d+$/.test(head)
                  ? "Replacement index out of range for positional args tuple"
                  : `'${head}'`,
                loc,
              );
            for (const part of path.slice(1)) {
              if (part.endsWith("]")) {
                const k = part.slice(0, -1);
                v = it.getitem(v, /^\d+$/.test(k) ? Number(k) : k, loc);
              } else v = it.getattr(v, part, loc);
            }
            const c = conv === "r" || conv === "a" ? it.repr(v) : conv === "s" ? it.str(v, loc) : v;
            return it.format(c, spec ?? "", loc);
          },
        );
      });
    case "join":
      return m(["iterable", "/"], (a, c) => {
        const xs = it.iterate(a.get("iterable")!, c.loc);
        if (xs instanceof Unknown) return xs;
        const parts: string[] = [];
        for (const x of xs) {
          if (x instanceof Unknown) return x;
          if (typeof x !== "string")
            throw pyError(
              "TypeError",
              `sequence item ${parts.length}: expected str instance, ${typeName(x)} found`,
              c.loc,
            );
          parts.push(x);
        }
        return parts.join(s);
      });
    case "split":
      return m(["sep=None", "maxsplit=-1"], (a, c) => {
        const sep = a.get("sep")!;
        const max = numberOf(a.get("maxsplit")!)!;
        let parts: string[];
        if (sep === null)
          parts = s
            .trim()
            .split(/\s+/)
            .filter((p) => p !== "");
        else {
          const sp = str(sep, c.loc);
          if (sp === "") throw pyError("ValueError", "empty separator", c.loc);
          parts = s.split(sp);
          if (max >= 0 && parts.length > max + 1)
            parts = [...parts.slice(0, max), parts.slice(max).join(sp)];
        }
        return new PyList(parts);
      });
    case "strip":
    case "lstrip":
    case "rstrip":
      return m(["chars=None", "/"], (a, c) => {
        const ch = a.get("chars")!;
        const set = ch === null ? " \t\n\r\f\v" : str(ch, c.loc);
        let i = 0;
        let j = s.length;
        if (name !== "rstrip") while (i < j && set.includes(s[i])) i++;
        if (name !== "lstrip") while (j > i && set.includes(s[j - 1])) j--;
        return s.slice(i, j);
      });
    case "upper":
      return m([], () => s.toUpperCase());
    case "lower":
      return m([], () => s.toLowerCase());
    case "title":
      return m([], () => s.replace(/\w\S*/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()));
    case "capitalize":
      return m([], () => (s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s));
    case "replace":
      return m(["old", "new", "count=-1", "/"], (a, c) => {
        const o = str(a.get("old")!, c.loc);
        const n = str(a.get("new")!, c.loc);
        const count = numberOf(a.get("count")!)!;
        if (count < 0) return s.split(o).join(n);
        let out = s;
        let k = 0;
        let pos = 0;
        while (k < count) {
          const i = out.indexOf(o, pos);
          if (i < 0) break;
          out = out.slice(0, i) + n + out.slice(i + o.length);
          pos = i + n.length;
          k++;
        }
        return out;
      });
    case "startswith":
    case "endswith":
      return m(["prefix", "/"], (a, c) => {
        const p = a.get("prefix")!;
        const ps = p instanceof PyTuple ? p.items.map((x) => str(x, c.loc)) : [str(p, c.loc)];
        return ps.some((x) => (name === "startswith" ? s.startsWith(x) : s.endsWith(x)));
      });
    case "find":
    case "index":
      return m(["sub", "/"], (a, c) => {
        const i = s.indexOf(str(a.get("sub")!, c.loc));
        if (i < 0 && name === "index") throw pyError("ValueError", "substring not found", c.loc);
        return i;
      });
    case "count":
      return m(["sub", "/"], (a, c) => s.split(str(a.get("sub")!, c.loc)).length - 1);
    case "isdigit":
    case "isnumeric":
    case "isdecimal":
      return m([], () => /^\d+$/.test(s));
    case "isalpha":
      return m([], () => /^[A-Za-z]+$/.test(s));
    case "isidentifier":
      return m([], () => /^[A-Za-z_]\w*$/.test(s));
    case "zfill":
      return m(["width", "/"], (a) => s.padStart(numberOf(a.get("width")!)!, "0"));
    case "center":
    case "ljust":
    case "rjust":
      return m(["width", "fillchar=' '", "/"], (a) => {
        const w = numberOf(a.get("width")!)!;
        const f = a.get("fillchar") as string;
        if (name === "ljust") return s.padEnd(w, f);
        if (name === "rjust") return s.padStart(w, f);
        const n = Math.max(0, w - s.length);
        return f.repeat(Math.floor(n / 2)) + s + f.repeat(n - Math.floor(n / 2));
      });
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Standard modules

/** A namespace with fixed members. */
export function namespace(path: string, members: Record<string, Value>): PyNamespace {
  return new PyNamespace(
    path,
    (n) => (Object.prototype.hasOwnProperty.call(members, n) ? members[n] : undefined),
    () => Object.keys(members),
  );
}

const stdCache = new WeakMap<Interpreter, Map<string, Value>>();

/** The standard modules dlq models, by import path; undefined for any other. */
export function stdModule(it: Interpreter, path: string): Value | undefined {
  let cache = stdCache.get(it);
  if (!cache) stdCache.set(it, (cache = new Map()));
  if (cache.has(path)) return cache.get(path);
  const m = makeStd(it, path);
  if (m !== undefined) cache.set(path, m);
  return m;
}

function makeStd(it: Interpreter, path: string): Value | undefined {
  const f = (
    name: string,
    spec: string[],
    fn: (a: Map<string, Value>, c: NativeCall) => Value,
  ): PyBuiltin => native(name, spec, fn);
  const num = (a: Map<string, Value>, k: string, loc: Loc): number => {
    const x = a.get(k)!;
    const n = numberOf(x);
    if (n === undefined) {
      if (x instanceof Unknown) throw x;
      throw pyError("TypeError", `must be real number, not ${typeName(x)}`, loc);
    }
    return n;
  };
  const unknownSafe =
    (fn: (a: Map<string, Value>, c: NativeCall) => Value) =>
    (a: Map<string, Value>, c: NativeCall): Value => {
      try {
        return fn(a, c);
      } catch (e) {
        if (e instanceof Unknown) return e;
        throw e;
      }
    };
  switch (path) {
    case "math": {
      const m: Record<string, Value> = {
        pi: Math.PI,
        e: Math.E,
        tau: 2 * Math.PI,
        inf: Infinity,
        nan: NaN,
      };
      const unary: Record<string, (x: number) => number> = {
        sqrt: Math.sqrt,
        exp: Math.exp,
        log2: Math.log2,
        log10: Math.log10,
        log1p: Math.log1p,
        expm1: Math.expm1,
        sin: Math.sin,
        cos: Math.cos,
        tan: Math.tan,
        asin: Math.asin,
        acos: Math.acos,
        atan: Math.atan,
        sinh: Math.sinh,
        cosh: Math.cosh,
        tanh: Math.tanh,
        fabs: Math.abs,
        erf: erfScalar,
        erfc: erfcScalar,
      };
      for (const [k, g] of Object.entries(unary)) {
        m[k] = f(
          `math.${k}`,
          ["x", "/"],
          unknownSafe((a, c) => {
            const x = num(a, "x", c.loc);
            const r = g(x);
            if (Number.isNaN(r) && !Number.isNaN(x))
              throw pyError("ValueError", "math domain error", c.loc);
            return pyFloat(r);
          }),
        );
      }
      m.log = f(
        "math.log",
        ["x", "base=None", "/"],
        unknownSafe((a, c) => {
          const x = num(a, "x", c.loc);
          if (x <= 0) throw pyError("ValueError", "math domain error", c.loc);
          const b = a.get("base");
          return pyFloat(b === null ? Math.log(x) : Math.log(x) / Math.log(num(a, "base", c.loc)));
        }),
      );
      m.pow = f(
        "math.pow",
        ["x", "y", "/"],
        unknownSafe((a, c) => pyFloat(num(a, "x", c.loc) ** num(a, "y", c.loc))),
      );
      m.atan2 = f(
        "math.atan2",
        ["y", "x", "/"],
        unknownSafe((a, c) => pyFloat(Math.atan2(num(a, "y", c.loc), num(a, "x", c.loc)))),
      );
      m.floor = f(
        "math.floor",
        ["x", "/"],
        unknownSafe((a, c) => Math.floor(num(a, "x", c.loc))),
      );
      m.ceil = f(
        "math.ceil",
        ["x", "/"],
        unknownSafe((a, c) => Math.ceil(num(a, "x", c.loc))),
      );
      m.trunc = f(
        "math.trunc",
        ["x", "/"],
        unknownSafe((a, c) => Math.trunc(num(a, "x", c.loc))),
      );
      m.isfinite = f(
        "math.isfinite",
        ["x", "/"],
        unknownSafe((a, c) => Number.isFinite(num(a, "x", c.loc))),
      );
      m.isinf = f(
        "math.isinf",
        ["x", "/"],
        unknownSafe((a, c) => Math.abs(num(a, "x", c.loc)) === Infinity),
      );
      m.isnan = f(
        "math.isnan",
        ["x", "/"],
        unknownSafe((a, c) => Number.isNaN(num(a, "x", c.loc))),
      );
      m.gcd = f("math.gcd", ["*integers"], (a) => {
        let g = 0;
        for (const x of (a.get("integers") as PyTuple).items) {
          let p = Math.abs(numberOf(x)!);
          let q = g;
          while (p) [p, q] = [q % p, p];
          g = q;
        }
        return g;
      });
      m.prod = f("math.prod", ["iterable", "/", "*", "start=1"], (a, c) => {
        const xs = it.iterate(a.get("iterable")!, c.loc);
        if (xs instanceof Unknown) return xs;
        let acc: Value = a.get("start")!;
        for (const x of xs) acc = it.binop("*", acc, x, c.loc);
        return acc;
      });
      m.isclose = f(
        "math.isclose",
        ["a", "b", "*", "rel_tol=1e-09", "abs_tol=0.0"],
        unknownSafe((a, c) => {
          const x = num(a, "a", c.loc);
          const y = num(a, "b", c.loc);
          return (
            Math.abs(x - y) <=
            Math.max(
              num(a, "rel_tol", c.loc) * Math.max(Math.abs(x), Math.abs(y)),
              num(a, "abs_tol", c.loc),
            )
          );
        }),
      );
      m.factorial = f(
        "math.factorial",
        ["n", "/"],
        unknownSafe((a, c) => {
          let r = 1;
          for (let i = 2; i <= num(a, "n", c.loc); i++) r *= i;
          return r;
        }),
      );
      m.comb = f(
        "math.comb",
        ["n", "k", "/"],
        unknownSafe((a, c) => {
          const n = num(a, "n", c.loc);
          const k = num(a, "k", c.loc);
          let r = 1;
          for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
          return Math.round(r);
        }),
      );
      return namespace("math", m);
    }
    case "collections": {
      const od = new PyClass(
        "OrderedDict",
        [it.classes.get("dict")!],
        undefined,
        "collections.OrderedDict",
      );
      od.mro = [od, ...it.classes.get("dict")!.mro];
      od.construct = (a, loc) => {
        const src = a.positional[0];
        const d = new PyDict(true);
        if (src instanceof Unknown) return src;
        if (src instanceof PyDict) for (const [k, x] of src.entries()) d.set(k, x);
        else if (src !== undefined) {
          const pairs = it.iterate(src, loc);
          if (pairs instanceof Unknown) return pairs;
          for (const p of pairs) {
            const kv = it.iterate(p, loc);
            if (kv instanceof Unknown) return kv;
            if (kv.length !== 2)
              throw pyError(
                "ValueError",
                `need more than ${kv.length} value${kv.length === 1 ? "" : "s"} to unpack`,
                loc,
              );
            d.set(kv[0], kv[1]);
          }
        }
        for (const [k, x] of a.keywords) d.set(k, x);
        return d;
      };
      od.isInstance = (x) => x instanceof PyDict && x.ordered;
      const dd = new PyClass(
        "defaultdict",
        [it.classes.get("dict")!],
        undefined,
        "collections.defaultdict",
      );
      dd.construct = (_a, loc) =>
        it.unknown("a collections.defaultdict, which dlq does not model", loc);
      const nt = f(
        "collections.namedtuple",
        ["typename", "field_names", "*", "rename=False", "defaults=None", "module=None"],
        (a, c) => {
          const fields = a.get("field_names")!;
          const names =
            typeof fields === "string"
              ? fields.replace(/,/g, " ").split(/\s+/).filter(Boolean)
              : (it.iterate(fields, c.loc) as Value[]).map(String);
          const tn = String(a.get("typename"));
          const k = new PyClass(tn, [it.classes.get("tuple")!]);
          k.construct = (args, loc) => {
            const b = bindNative(
              tn,
              names.map((n) => ({ name: n, kind: "positional" })),
              args,
              loc,
            );
            return new PyTuple(
              names.map((n) => b.get(n)!),
              names,
              tn,
            );
          };
          return k;
        },
      );
      return namespace("collections", { OrderedDict: od, defaultdict: dd, namedtuple: nt });
    }
    case "functools": {
      const partial = f("functools.partial", ["func", "/", "*args", "**keywords"], (a) => {
        const g = a.get("func")!;
        const pre = (a.get("args") as PyTuple).items;
        const kw = (a.get("keywords") as PyDict).entries() as [string, Value][];
        return new PyBuiltin("functools.partial", ({ args, loc }) =>
          it.call(
            g,
            {
              positional: [...pre, ...args.positional],
              keywords: [
                ...kw.filter(([k]) => !args.keywords.some(([q]) => q === k)),
                ...args.keywords,
              ],
            },
            loc,
          ),
        );
      });
      const reduce = f(
        "functools.reduce",
        ["function", "iterable", "initial=None", "/"],
        (a, c) => {
          const xs = it.iterate(a.get("iterable")!, c.loc);
          if (xs instanceof Unknown) return xs;
          const hasInit = c.args.positional.length > 2;
          if (!xs.length && !hasInit)
            throw pyError("TypeError", "reduce() of empty iterable with no initial value", c.loc);
          let acc: Value = hasInit ? a.get("initial")! : xs.shift()!;
          for (const x of xs)
            acc = it.call(a.get("function")!, { positional: [acc, x], keywords: [] }, c.loc);
          return acc;
        },
      );
      const identityDecorator = new PyBuiltin(
        "functools.wraps",
        () => new PyBuiltin("wraps", ({ args }) => args.positional[0]),
      );
      const cache = new PyBuiltin("functools.lru_cache", ({ args }) =>
        args.positional[0] instanceof PyFunction
          ? args.positional[0]
          : new PyBuiltin("lru_cache", ({ args: a2 }) => a2.positional[0]),
      );
      return namespace("functools", {
        partial,
        reduce,
        wraps: identityDecorator,
        lru_cache: cache,
        cache,
      });
    }
    case "dataclasses": {
      const MISSING = new Unknown("dataclasses.MISSING");
      const fieldCls = new PyClass("Field", [it.classes.get("object")!]);
      const field = f(
        "dataclasses.field",
        [
          "*",
          "default=None",
          "default_factory=None",
          "init=True",
          "repr=True",
          "hash=None",
          "compare=True",
          "metadata=None",
          "kw_only=False",
        ],
        (a, c) => {
          const o = new PyInstance(fieldCls);
          const given = (k: string): boolean => c.args.keywords.some(([n]) => n === k);
          o.dict.set("default", given("default") ? a.get("default")! : MISSING);
          o.dict.set(
            "default_factory",
            given("default_factory") ? a.get("default_factory")! : MISSING,
          );
          o.dict.set("init", a.get("init")!);
          return o;
        },
      );
      const decorate = (k: Value, loc: Loc): Value => {
        if (!(k instanceof PyClass))
          return it.unknown("@dataclass on something that is not a class", loc);
        const ann = k.dict.get("__annotations__");
        const fields: { name: string; def?: Value; factory?: Value }[] = [];
        // fields of dataclass bases first, in MRO order from the root
        for (const base of [...k.mro].reverse().slice(0, -1)) {
          const bf = (base as PyClass & { dcFields?: typeof fields }).dcFields;
          if (bf) for (const fd of bf) if (!fields.some((x) => x.name === fd.name)) fields.push(fd);
        }
        if (ann instanceof PyDict) {
          for (const key of ann.keys()) {
            if (typeof key !== "string") continue;
            const dv = k.dict.get(key);
            let fd: { name: string; def?: Value; factory?: Value } = { name: key };
            if (dv instanceof PyInstance && dv.cls === fieldCls) {
              const d0 = dv.dict.get("default")!;
              const f0 = dv.dict.get("default_factory")!;
              if (d0 !== MISSING) fd.def = d0;
              if (f0 !== MISSING) fd.factory = f0;
              k.dict.delete(key);
              if (d0 !== MISSING) k.dict.set(key, d0);
            } else if (dv !== undefined) fd = { name: key, def: dv };
            const i = fields.findIndex((x) => x.name === key);
            if (i >= 0) fields[i] = fd;
            else fields.push(fd);
          }
        }
        (k as PyClass & { dcFields?: typeof fields }).dcFields = fields;
        const params: SigParam<Value>[] = fields.map((fd) => ({
          name: fd.name,
          kind: "positional",
          hasDefault: fd.def !== undefined || fd.factory !== undefined,
          default: fd.def,
        }));
        k.dict.set(
          "__init__",
          new PyBuiltin(`${k.name}.__init__`, ({ args, loc: l }) => {
            const [self, ...rest] = args.positional;
            const b = bindNative(
              `${k.name}.__init__`,
              params,
              { positional: rest, keywords: args.keywords },
              l,
            );
            for (const fd of fields) {
              let x = b.get(fd.name);
              const explicit =
                args.keywords.some(([n]) => n === fd.name) || rest.length > fields.indexOf(fd);
              if (!explicit && fd.factory !== undefined)
                x = it.call(fd.factory, { positional: [], keywords: [] }, l);
              it.setattr(self, fd.name, x ?? null, l);
            }
            const post = k.lookup("__post_init__");
            if (post) it.call(it.bindTo(post, self), { positional: [], keywords: [] }, l);
            return null;
          }),
        );
        return k;
      };
      const dataclass = new PyBuiltin("dataclasses.dataclass", ({ args, loc }) => {
        if (args.positional.length === 1 && args.keywords.length === 0)
          return decorate(args.positional[0], loc);
        return new PyBuiltin("dataclass", ({ args: a2, loc: l2 }) =>
          decorate(a2.positional[0], l2),
        );
      });
      const asdict = f("dataclasses.asdict", ["obj"], (a, c) => {
        const o = a.get("obj")!;
        const d = new PyDict();
        const fields =
          o instanceof PyInstance
            ? (o.cls as PyClass & { dcFields?: { name: string }[] }).dcFields
            : undefined;
        if (!fields)
          throw pyError("TypeError", "asdict() should be called on dataclass instances", c.loc);
        for (const fd of fields) d.set(fd.name, it.getattr(o, fd.name, c.loc));
        return d;
      });
      return namespace("dataclasses", { dataclass, field, asdict, MISSING });
    }
    case "typing": {
      const any = new PyClass("Any", [it.classes.get("object")!], undefined, "typing.Any");
      const members: Record<string, Value> = { TYPE_CHECKING: false };
      for (const n of [
        "Any",
        "Optional",
        "List",
        "Tuple",
        "Dict",
        "Union",
        "Callable",
        "Sequence",
        "Iterable",
        "Iterator",
        "Type",
        "Set",
        "Mapping",
        "Literal",
        "ClassVar",
        "Final",
        "NamedTuple",
        "TypeVar",
        "Generic",
        "Protocol",
      ])
        members[n] = any;
      members.cast = f("typing.cast", ["typ", "val", "/"], (a) => a.get("val")!);
      return namespace("typing", members);
    }
    case "copy": {
      const deep = f("copy.deepcopy", ["x", "memo=None", "_nil=()"], (a, c) =>
        deepcopy(it, a.get("x")!, new Map(), c.loc),
      );
      const shallow = f("copy.copy", ["x", "/"], (a) => {
        const x = a.get("x")!;
        if (x instanceof PyList) return new PyList([...x.items]);
        if (x instanceof PyDict) {
          const d = new PyDict(x.ordered);
          for (const [k, y] of x.entries()) d.set(k, y);
          return d;
        }
        return x;
      });
      return namespace("copy", { deepcopy: deep, copy: shallow });
    }
    case "itertools": {
      const chain = f("itertools.chain", ["*iterables"], (a, c) => {
        const out: Value[] = [];
        for (const x of (a.get("iterables") as PyTuple).items) {
          const xs = it.iterate(x, c.loc);
          if (xs instanceof Unknown) return xs;
          out.push(...xs);
        }
        return new PyIterator(out);
      });
      const product = f("itertools.product", ["*iterables", "repeat=1"], (a, c) => {
        let lists: Value[][] = [];
        for (const x of (a.get("iterables") as PyTuple).items) {
          const xs = it.iterate(x, c.loc);
          if (xs instanceof Unknown) return xs;
          lists.push(xs);
        }
        const r = numberOf(a.get("repeat")!) ?? 1;
        lists = Array.from({ length: r }, () => lists).flat();
        let acc: Value[][] = [[]];
        for (const l of lists) {
          acc = acc.flatMap((p) => l.map((x) => [...p, x]));
          it.checkItems(acc.length, c.loc);
        }
        return new PyIterator(acc.map((p) => new PyTuple(p)));
      });
      const repeat = f(
        "itertools.repeat",
        ["object", "times"],
        (a) =>
          new PyIterator(
            Array.from({ length: numberOf(a.get("times")!) ?? 0 }, () => a.get("object")!),
          ),
      );
      const accumulate = f("itertools.accumulate", ["iterable"], (a, c) => {
        const xs = it.iterate(a.get("iterable")!, c.loc);
        if (xs instanceof Unknown) return xs;
        const out: Value[] = [];
        for (const x of xs) out.push(out.length ? it.binop("+", out[out.length - 1], x, c.loc) : x);
        return new PyIterator(out);
      });
      return namespace("itertools", { chain, product, repeat, accumulate });
    }
    case "warnings":
      return namespace("warnings", {
        warn: new PyBuiltin("warnings.warn", () => null),
        filterwarnings: new PyBuiltin("warnings.filterwarnings", () => null),
        simplefilter: new PyBuiltin("warnings.simplefilter", () => null),
      });
    case "abc": {
      const abc = new PyClass("ABC", [it.classes.get("object")!], undefined, "abc.ABC");
      return namespace("abc", {
        ABC: abc,
        abstractmethod: new PyBuiltin("abc.abstractmethod", ({ args }) => args.positional[0]),
      });
    }
    case "builtins":
      return new PyNamespace(
        "builtins",
        (n) => it.builtins.vars.get(n),
        () => it.builtins.vars.keys(),
      );
    case "__future__":
      return namespace("__future__", { annotations: true, division: true, print_function: true });
  }
  return undefined;
}

/** `copy.deepcopy`: containers copied, host instances by the host, everything else shared. */
export function deepcopy(it: Interpreter, x: Value, memo: Map<unknown, Value>, loc: Loc): Value {
  if (x === null || typeof x !== "object") return x;
  const seen = memo.get(x);
  if (seen !== undefined) return seen;
  const h = it.host.deepcopy?.(x, memo);
  if (h !== undefined) return h;
  if (x instanceof PyList) {
    const out = new PyList([]);
    memo.set(x, out);
    out.items = x.items.map((y) => deepcopy(it, y, memo, loc));
    return out;
  }
  if (x instanceof PyTuple)
    return new PyTuple(
      x.items.map((y) => deepcopy(it, y, memo, loc)),
      x.names,
      x.typeName,
    );
  if (x instanceof PyDict) {
    const out = new PyDict(x.ordered);
    memo.set(x, out);
    for (const [k, y] of x.entries()) out.set(k, deepcopy(it, y, memo, loc));
    return out;
  }
  if (x instanceof PyInstance) {
    const out = new PyInstance(x.cls);
    memo.set(x, out);
    out.state = x.state;
    for (const [k, y] of x.dict) out.dict.set(k, deepcopy(it, y, memo, loc));
    return out;
  }
  return x;
}
