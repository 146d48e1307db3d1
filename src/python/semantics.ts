/**
 * Python's semantics on the built-in types of the value model (src/python/values.ts): number
 * arithmetic with int/float/bool rules, equality and ordering, `repr`/`str`, and the format
 * mini-language (f-strings, `str.format`, `%`). What CPython 3.11 does, checked by the conformance
 * table (tests/python_conformance.test.ts). User classes and host values are the interpreter's.
 */
import type { Loc } from "../errors.js";
import {
  ELLIPSIS,
  HostValue,
  isFloat,
  isAnyInt,
  numberOf,
  PyBoundMethod,
  PyBuiltin,
  PyClass,
  PyDict,
  PyException,
  PyFloat,
  pyFloat,
  PyFunction,
  PyInstance,
  PyInt,
  pyInt,
  PyList,
  PyNamespace,
  PyRange,
  PySet,
  PySlice,
  PyTuple,
  typeName,
  Unknown,
  type Value,
} from "./values.js";

/** A Python exception of a built-in class. */
export function pyError(type: string, message: string, loc?: Loc): PyException {
  return new PyException(type, message, loc);
}

/** Ints dlq computes exactly, in bits (Python's are unbounded; `9**9**9` has 1.2 billion bits). */
export const MAX_INT_BITS = 100_000;

function tooBig(loc?: Loc): Unknown {
  return new Unknown(
    `an integer of more than ${MAX_INT_BITS.toLocaleString("en-US")} bits, which dlq does not compute`,
    loc,
  );
}

/** The exact value of an int (bool included). */
export function bigOf(v: Value): bigint {
  if (v instanceof PyInt) return v.big;
  if (typeof v === "boolean") return v ? 1n : 0n;
  return BigInt(v as number);
}

function bitLength(b: bigint): number {
  return (b < 0n ? -b : b).toString(2).length;
}

/** `a op b` on two ints, exactly (BigInt beyond 2^53 − 1). */
function intArith(op: string, a: Value, b: Value, loc?: Loc): Value | undefined {
  const small = typeof a !== "object" && typeof b !== "object";
  if (small) {
    const x = numberOf(a)!;
    const y = numberOf(b)!;
    let r: number | undefined;
    switch (op) {
      case "+":
        r = x + y;
        break;
      case "-":
        r = x - y;
        break;
      case "*":
        r = x * y;
        break;
      case "//":
        if (y !== 0) r = Math.floor(x / y);
        break;
      case "%":
        if (y !== 0) r = x - y * Math.floor(x / y);
        break;
    }
    if (r !== undefined && Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  const x = bigOf(a);
  const y = bigOf(b);
  switch (op) {
    case "+":
      return pyInt(x + y);
    case "-":
      return pyInt(x - y);
    case "*":
      if (bitLength(x) + bitLength(y) > MAX_INT_BITS) return tooBig(loc);
      return pyInt(x * y);
    case "//": {
      if (y === 0n) throw pyError("ZeroDivisionError", "integer division or modulo by zero", loc);
      const q = x / y;
      return pyInt(q * y !== x && x < 0n !== y < 0n ? q - 1n : q);
    }
    case "%": {
      if (y === 0n) throw pyError("ZeroDivisionError", "integer modulo by zero", loc);
      const m = x % y;
      return pyInt(m !== 0n && m < 0n !== y < 0n ? m + y : m);
    }
    case "**": {
      if (y < 0n) return undefined;
      if (x === 0n || x === 1n || x === -1n)
        return pyInt(x ** (y === 0n ? 0n : y % 2n === 0n ? 2n : 1n));
      if (Number(y) * bitLength(x) > MAX_INT_BITS) return tooBig(loc);
      return pyInt(x ** y);
    }
    case "<<":
      if (y < 0n) throw pyError("ValueError", "negative shift count", loc);
      if (bitLength(x) + Number(y) > MAX_INT_BITS) return tooBig(loc);
      return pyInt(x << y);
    case ">>":
      if (y < 0n) throw pyError("ValueError", "negative shift count", loc);
      return pyInt(x >> y);
    case "&":
      return pyInt(x & y);
    case "|":
      return pyInt(x | y);
    case "^":
      return pyInt(x ^ y);
  }
  return undefined;
}

/**
 * `a op b` for two numbers (bools are ints), as CPython computes it: ints stay ints (exact, as
 * Python's) for `+ - * // % **` (non-negative exponent) and bitwise operators, `/` is always a
 * float.
 * @throws PyException ZeroDivisionError, ValueError (negative shift), TypeError (bitwise on floats).
 */
export function arith(op: string, a: Value, b: Value, loc?: Loc): Value {
  const f = isFloat(a) || isFloat(b);
  if (!f && op !== "/") {
    if (op === "**" && numberOf(a) === 0 && numberOf(b)! < 0)
      throw pyError("ZeroDivisionError", "0.0 cannot be raised to a negative power", loc);
    const r = intArith(op, a, b, loc);
    if (r !== undefined) return r;
  }
  const x = numberOf(a)!;
  const y = numberOf(b)!;
  const ret = (r: number): Value => pyFloat(r);
  switch (op) {
    case "+":
      return ret(x + y);
    case "-":
      return ret(x - y);
    case "*":
      return ret(x * y);
    case "/":
      if (y === 0)
        throw pyError("ZeroDivisionError", f ? "float division by zero" : "division by zero", loc);
      return pyFloat(x / y);
    case "//":
      if (y === 0) throw pyError("ZeroDivisionError", "float floor division by zero", loc);
      return ret(Math.floor(x / y));
    case "%": {
      if (y === 0) throw pyError("ZeroDivisionError", "float modulo", loc);
      const r = x - y * Math.floor(x / y);
      return ret(r === 0 && y < 0 ? -0 : r);
    }
    case "**": {
      if (x === 0 && y < 0)
        throw pyError("ZeroDivisionError", "0.0 cannot be raised to a negative power", loc);
      const r = x ** y;
      if (Number.isNaN(r) && x < 0) {
        return new Unknown(
          "a negative number raised to a fractional power (a complex number)",
          loc,
        );
      }
      return pyFloat(r);
    }
  }
  const tn = (v: Value): string => typeName(v === true || v === false ? 1 : v);
  throw pyError(
    "TypeError",
    `unsupported operand type(s) for ${op}: '${tn(a)}' and '${tn(b)}'`,
    loc,
  );
}

/** Python's `==` on built-in values (numbers across int/float/bool, containers by content). */
export function builtinEquals(a: Value, b: Value): boolean | undefined {
  if (a === b) return !(typeof a === "number" && Number.isNaN(a));
  if ((a instanceof PyInt || b instanceof PyInt) && isAnyInt(a) && isAnyInt(b))
    return bigOf(a) === bigOf(b);
  const x = numberOf(a);
  const y = numberOf(b);
  if (x !== undefined && y !== undefined) return x === y;
  if (typeof a === "string" || typeof b === "string") return false;
  if (a === null || b === null) return false;
  if (a instanceof PyTuple && b instanceof PyTuple) return seqEquals(a.items, b.items);
  if (a instanceof PyList && b instanceof PyList) return seqEquals(a.items, b.items);
  if (a instanceof PyDict && b instanceof PyDict) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a.entries()) {
      if (!b.has(k)) return false;
      const e = builtinEquals(v, b.get(k)!);
      if (e !== true) return e;
    }
    return true;
  }
  if (a instanceof PySet && b instanceof PySet)
    return a.size === b.size && a.items().every((v) => b.has(v));
  if (a instanceof PyRange && b instanceof PyRange)
    return (
      a.length === b.length &&
      (a.length === 0 || (a.start === b.start && (a.length === 1 || a.step === b.step)))
    );
  if (a instanceof PySlice && b instanceof PySlice)
    return seqEquals([a.start, a.stop, a.step], [b.start, b.stop, b.step]);
  if (a instanceof Unknown || b instanceof Unknown) return undefined;
  if (a instanceof HostValue || b instanceof HostValue) return undefined;
  if (a instanceof PyInstance || b instanceof PyInstance) return undefined;
  return false;
}

function seqEquals(a: readonly Value[], b: readonly Value[]): boolean | undefined {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const e = builtinEquals(a[i], b[i]);
    if (e !== true) return e;
  }
  return true;
}

/**
 * Python's ordering (`<`, `<=`, `>`, `>=`) on numbers, strings and sequences of them.
 * @throws PyException TypeError "'<' not supported between instances of 'int' and 'str'".
 */
export function builtinOrder(op: string, a: Value, b: Value, loc?: Loc): boolean | undefined {
  const x = numberOf(a);
  const y = numberOf(b);
  let c: number | undefined;
  if (
    (a instanceof PyInt || b instanceof PyInt) &&
    (isAnyInt(a) || typeof a === "boolean") &&
    (isAnyInt(b) || typeof b === "boolean")
  ) {
    const p = bigOf(a);
    const q = bigOf(b);
    c = p < q ? -1 : p > q ? 1 : 0;
  } else if (x !== undefined && y !== undefined) {
    if (Number.isNaN(x) || Number.isNaN(y)) return false;
    c = x < y ? -1 : x > y ? 1 : 0;
  } else if (typeof a === "string" && typeof b === "string") {
    c = a < b ? -1 : a > b ? 1 : 0;
  } else if (
    (a instanceof PyTuple && b instanceof PyTuple) ||
    (a instanceof PyList && b instanceof PyList)
  ) {
    const p = a.items;
    const q = (b as PyTuple | PyList).items;
    for (let i = 0; i < Math.min(p.length, q.length); i++) {
      const e = builtinEquals(p[i], q[i]);
      if (e === undefined) return undefined;
      if (!e) return builtinOrder(op, p[i], q[i], loc);
    }
    c = p.length - q.length;
  } else if (a instanceof Unknown || b instanceof Unknown) {
    return undefined;
  } else if (a instanceof HostValue || b instanceof HostValue) {
    return undefined;
  } else {
    throw pyError(
      "TypeError",
      `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`,
      loc,
    );
  }
  switch (op) {
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    default:
      return c >= 0;
  }
}

// ---------------------------------------------------------------------------------------------
// repr and str

/** Python's `repr()` of a float: the shortest round-trip digits, in Python's layout. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = mant.includes(".") ? mant : mant;
    return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const s = String(x);
  if (/e/.test(s)) {
    // JS uses exponent notation for tiny numbers Python prints in full (1e-5 ≤ |x| < 1e-6)
    const digits = mant.replace("-", "").replace(".", "");
    const sign = x < 0 ? "-" : "";
    return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  }
  return s.includes(".") ? s : `${s}.0`;
}

const STR_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** Python's `repr()` of a str. */
export function strRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    if (ch in STR_ESCAPES) out += STR_ESCAPES[ch];
    else if (ch === q) out += "\\" + q;
    else {
      const c = ch.codePointAt(0)!;
      if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
      else out += ch;
    }
  }
  return q + out + q;
}

/** Python's `repr()` for the built-in types (instances and host values by the caller's hook). */
export function pyRepr(v: Value, other?: (v: Value) => string | undefined, depth = 0): string {
  if (depth > 50) return "...";
  const r = (x: Value): string => pyRepr(x, other, depth + 1);
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : floatRepr(v);
  if (v instanceof PyFloat) return floatRepr(v.float);
  if (v instanceof PyInt) return v.big.toString();
  if (typeof v === "string") return strRepr(v);
  if (v instanceof PyTuple) {
    if (v.typeName === "torch.Size") return `torch.Size([${v.items.map(r).join(", ")}])`;
    if (v.names)
      return `${v.typeName}(${v.items.map((x, i) => `${v.names![i]}=${r(x)}`).join(", ")})`;
    return v.items.length === 1 ? `(${r(v.items[0])},)` : `(${v.items.map(r).join(", ")})`;
  }
  if (v instanceof PyList) return `[${v.items.map(r).join(", ")}]`;
  if (v instanceof PyDict) {
    const body = v
      .entries()
      .map(([k, x]) => `${r(k)}: ${r(x)}`)
      .join(", ");
    if (v.ordered)
      return `OrderedDict([${v
        .entries()
        .map(([k, x]) => `(${r(k)}, ${r(x)})`)
        .join(", ")}])`;
    return `{${body}}`;
  }
  if (v instanceof PySet) return v.size ? `{${v.items().map(r).join(", ")}}` : "set()";
  if (v instanceof PyRange)
    return v.step === 1
      ? `range(${v.start}, ${v.stop})`
      : `range(${v.start}, ${v.stop}, ${v.step})`;
  if (v instanceof PySlice) return `slice(${r(v.start)}, ${r(v.stop)}, ${r(v.step)})`;
  if (v === ELLIPSIS) return "Ellipsis";
  const o = other?.(v);
  if (o !== undefined) return o;
  if (v instanceof PyFunction) return `<function ${v.qualname}>`;
  if (v instanceof PyBuiltin) return `<built-in function ${v.name}>`;
  if (v instanceof PyBoundMethod) return `<bound method ${v.func.name}>`;
  if (v instanceof PyClass) return `<class '${v.qualname}'>`;
  if (v instanceof PyInstance) return `<${v.cls.qualname} object>`;
  if (v instanceof PyNamespace) return `<module '${v.path}'>`;
  if (v instanceof HostValue) return v.repr?.() ?? `<${v.typeName}>`;
  return `<${typeName(v)}>`;
}

/**
 * `x` with `digits` decimals, rounded as CPython rounds floats (correctly rounded from the exact
 * binary value, ties to even): `2.675` → `2.67` (its exact value is below the tie), `2.25` →
 * `2.2`. JavaScript's `toFixed` rounds exact ties up.
 */
export function toFixedEven(x: number, digits: number): string {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return x.toFixed(digits);
  const neg = x < 0 || Object.is(x, -0);
  // toFixed(100) is the exact decimal expansion for every double this large or larger than 2^-47
  const exact = Math.abs(x).toFixed(100);
  const point = exact.indexOf(".");
  const keep = exact.slice(0, point + 1 + digits).replace(/\.$/, "");
  const rest = exact.slice(point + 1 + digits);
  let up = false;
  if (rest[0] > "5") up = true;
  else if (rest[0] === "5") {
    if (/[1-9]/.test(rest.slice(1))) up = true;
    else {
      const last = keep.replace(".", "").slice(-1);
      up = Number(last) % 2 === 1;
    }
  }
  let out = keep;
  if (up) {
    const ds = keep.replace(".", "").split("").map(Number);
    let i = ds.length - 1;
    for (; i >= 0; i--) {
      if (ds[i] === 9) ds[i] = 0;
      else {
        ds[i]++;
        break;
      }
    }
    if (i < 0) ds.unshift(1);
    const intLen = ds.length - digits;
    out = ds.slice(0, intLen).join("") + (digits > 0 ? "." + ds.slice(intLen).join("") : "");
  }
  return (neg && /[1-9]/.test(out) ? "-" : neg ? "-" : "") + out;
}

// ---------------------------------------------------------------------------------------------
// The format mini-language (https://docs.python.org/3/library/string.html#formatspec)

const SPEC =
  /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s;

/**
 * `format(value, spec)` for numbers and strings.
 * @throws PyException ValueError for a spec Python refuses for the value's type.
 */
export function formatSpec(v: Value, spec: string, str: (v: Value) => string, loc?: Loc): string {
  const m = SPEC.exec(spec);
  if (!m) throw pyError("ValueError", `Invalid format specifier '${spec}'`, loc);
  const [, fillCh, align, sign, , alt, zero, widthS, group, precS, typeIn] = m;
  const width = widthS ? Number(widthS) : 0;
  const prec = precS === undefined ? undefined : Number(precS);
  let type = typeIn;
  let body: string;
  const n = typeof v === "boolean" ? undefined : numberOf(v);
  if (typeof v === "string" || (n === undefined && !type)) {
    if (type && type !== "s")
      throw pyError("ValueError", `Unknown format code '${type}' for object of type 'str'`, loc);
    body = typeof v === "string" ? v : str(v);
    if (prec !== undefined) body = body.slice(0, prec);
    return pad(body, width, fillCh ?? " ", align ?? "<");
  }
  const x = n ?? (v ? 1 : 0);
  const intLike = typeof v === "number" && Number.isInteger(v);
  const floatVal = isFloat(v);
  if (!type) type = intLike || typeof v === "boolean" ? "d" : "";
  if ("bcdoxXn".includes(type) && floatVal)
    throw pyError("ValueError", `Unknown format code '${type}' for object of type 'float'`, loc);
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  switch (type) {
    case "d":
    case "n":
      body = String(ax);
      break;
    case "b":
      body = (alt ? "0b" : "") + ax.toString(2);
      break;
    case "o":
      body = (alt ? "0o" : "") + ax.toString(8);
      break;
    case "x":
      body = (alt ? "0x" : "") + ax.toString(16);
      break;
    case "X":
      body = (alt ? "0X" : "") + ax.toString(16).toUpperCase();
      break;
    case "c":
      body = String.fromCodePoint(ax);
      break;
    case "f":
    case "F":
      body = Number.isFinite(ax) ? toFixedEven(ax, prec ?? 6) : ax === Infinity ? "inf" : "nan";
      break;
    case "e":
    case "E": {
      body = Number.isFinite(ax) ? expForm(ax, prec ?? 6) : ax === Infinity ? "inf" : "nan";
      if (type === "E") body = body.toUpperCase();
      break;
    }
    case "%":
      body = toFixedEven(ax * 100, prec ?? 6) + "%";
      break;
    case "g":
    case "G":
    case "": {
      if (!Number.isFinite(ax)) body = ax === Infinity ? "inf" : "nan";
      else if (type === "" && prec === undefined) body = floatRepr(ax);
      else {
        const p = prec === undefined ? 6 : Math.max(prec, 1);
        const e = ax === 0 ? 0 : Math.floor(Math.log10(Number(ax.toExponential(p - 1))));
        if (e >= -4 && e < p) {
          body = toFixedEven(ax, Math.max(p - 1 - e, 0));
          if (!alt && body.includes(".")) body = body.replace(/\.?0+$/, "");
        } else {
          body = expForm(ax, p - 1);
          if (!alt) body = body.replace(/\.?0+e/, "e");
        }
        if (type === "" && !/[.e]/.test(body) && Number.isFinite(ax)) body += ".0";
      }
      if (type === "G") body = body.toUpperCase();
      break;
    }
    default:
      throw pyError("ValueError", `Unknown format code '${type}'`, loc);
  }
  if (group) {
    const [ip, fp] = body.split(".");
    if (/^\d+$/.test(ip))
      body = ip.replace(/\B(?=(\d{3})+(?!\d))/g, group) + (fp !== undefined ? "." + fp : "");
  }
  const signStr = neg ? "-" : sign === "+" ? "+" : sign === " " ? " " : "";
  if (zero && !align) return signStr + body.padStart(width - signStr.length, "0");
  const a = align ?? ">";
  if (a === "=") return signStr + pad(body, width - signStr.length, fillCh ?? " ", ">");
  return pad(signStr + body, width, fillCh ?? " ", a);
}

function expForm(x: number, prec: number): string {
  const [m, e] = x.toExponential(prec).split("e");
  const ev = Number(e);
  return `${m}e${ev < 0 ? "-" : "+"}${String(Math.abs(ev)).padStart(2, "0")}`;
}

function pad(s: string, width: number, fill: string, align: string): string {
  const n = width - [...s].length;
  if (n <= 0) return s;
  if (align === "<") return s + fill.repeat(n);
  if (align === ">") return fill.repeat(n) + s;
  const left = Math.floor(n / 2);
  return fill.repeat(left) + s + fill.repeat(n - left);
}

/**
 * `fmt % args` (printf-style formatting of str) with `%s %r %d %i %f %e %g %x %o %%` and widths,
 * precisions and flags.
 * @throws PyException TypeError for a wrong number of arguments.
 */
export function percentFormat(
  fmt: string,
  args: Value,
  str: (v: Value) => string,
  repr: (v: Value) => string,
  loc?: Loc,
): string {
  const list = args instanceof PyTuple ? [...args.items] : [args];
  let i = 0;
  const dict = args instanceof PyDict ? args : undefined;
  const out = fmt.replace(
    /%(\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g,
    (
      _all,
      _k,
      key: string | undefined,
      flags: string,
      w: string | undefined,
      p: string | undefined,
      conv: string,
    ) => {
      if (conv === "%") return "%";
      const next = (): Value => {
        if (key !== undefined && dict) return dict.get(key) ?? null;
        if (i >= list.length)
          throw pyError("TypeError", "not enough arguments for format string", loc);
        return list[i++];
      };
      const width = w === "*" ? (numberOf(next()) ?? 0) : w ? Number(w) : undefined;
      const prec = p === "*" ? (numberOf(next()) ?? 0) : p ? Number(p) : undefined;
      const v = next();
      let spec = "";
      if (flags.includes("-")) spec += "<";
      if (flags.includes("+")) spec += "+";
      else if (flags.includes(" ")) spec += " ";
      if (flags.includes("0") && !flags.includes("-")) spec += "0";
      if (width !== undefined) spec += String(width);
      if (prec !== undefined && conv !== "s" && conv !== "r") spec += `.${prec}`;
      if (conv === "s" || conv === "r" || conv === "a") {
        let s = conv === "s" ? str(v) : repr(v);
        if (prec !== undefined) s = s.slice(0, prec);
        return formatSpec(s, spec, str, loc);
      }
      const t = conv === "i" || conv === "u" ? "d" : conv;
      const val = "dxXoc".includes(t) && isFloat(v) ? Math.trunc(numberOf(v)!) : v;
      return formatSpec(val, spec + t, str, loc);
    },
  );
  if (!dict && i < list.length)
    throw pyError("TypeError", "not all arguments converted during string formatting", loc);
  return out;
}
