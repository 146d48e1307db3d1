/**
 * Binding a call to an op and reading its arguments: {@link bindOp} matches positional and keyword
 * arguments to the op's signature with the interpreter's one binder (src/python/signature.ts), and
 * {@link makeOpArgs} gives the op typed accessors that refuse a wrong type with the TypeError
 * wording of PyTorch 1.13's argument parser (torch/csrc/utils/python_arg_parser.cpp):
 * `relu(): argument 'input' (position 1) must be Tensor, not int`,
 * `view(): argument 'size' must be tuple of SymInts, but found element of type float at pos 2`.
 *
 * PyTorch's parser also reports calls matching none of a native's overloads ("received an invalid
 * combination of arguments - got (float), but expected one of: …", a multi-line listing); dlq's ops
 * have one signature each and name the offending argument instead.
 */
import { BindError, bindArguments, sig } from "../python/signature.js";
import {
  ELLIPSIS,
  PyDict,
  PyList,
  PyTuple,
  isFloat,
  isInt,
  pyFloat,
  typeName,
  type Value,
} from "../python/values.js";
import { DTypeValue, OpError, type DType, type OpArgs, type OpDef } from "./types.js";

/** A bound call: parameter name → value, and where each positional argument was. */
export class BoundArgs extends Map<string, Value> {
  /** Parameter name → 1-based position among the arguments the user wrote (a method's self not counted). */
  readonly positions = new Map<string, number>();
}

/**
 * The default of a compact signature entry (`"dim=None"`, `"alpha=1"`, `"eps=1e-05"`,
 * `"mode='constant'"`, `"dim=()"`): Python's literal syntax.
 */
export function parseDefault(text: string): Value {
  const t = text.trim();
  if (t === "None") return null;
  if (t === "True") return true;
  if (t === "False") return false;
  if (t === "...") return ELLIPSIS;
  if (/^'.*'$/.test(t) || /^".*"$/.test(t)) return t.slice(1, -1);
  if (/^[-+]?\d+$/.test(t)) return Number(t);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+(\.\d*)?e[-+]?\d+|inf)$/i.test(t))
    return pyFloat(Number(t.replace(/inf/i, "Infinity")));
  if (t.startsWith("(") && t.endsWith(")")) {
    const inner = t.slice(1, -1).trim();
    if (inner === "") return new PyTuple([]);
    return new PyTuple(
      inner
        .split(",")
        .filter((p) => p.trim() !== "")
        .map(parseDefault),
    );
  }
  throw new Error(`unsupported default in an op signature: ${t}`);
}

/** An op signature from its compact form (see `sig` in src/python/signature.ts). */
export function opSig(spec: readonly string[]): OpDef["params"] {
  return sig(spec, parseDefault);
}

/** The name PyTorch's messages give the op (`relu`, `view`): the last part of its canonical name. */
function fname(def: Pick<OpDef, "name" | "messageName">): string {
  return def.messageName ?? def.name;
}

/**
 * Binds a call to `def`'s signature.
 * @param positional the positional arguments; for a method call (`Tensor.view`), the tensor first.
 * @param display the name the user called (`torch.cat`, `F.relu`, `Tensor.view`): a `Tensor.`
 *   name is a method call unless `method` says otherwise.
 * @throws OpError (TypeError) with CPython's binder message for Python-level ops and PyTorch's
 *   argument parser's for native ones (`relu() missing 1 required positional arguments: "input"`).
 */
export function bindOp(
  def: OpDef,
  positional: readonly Value[],
  keywords: readonly (readonly [string, Value])[],
  display: string,
  method = display.startsWith("Tensor."),
): BoundArgs {
  let params = def.params;
  let pos = positional;
  let self: Value | undefined;
  if (method) {
    if (positional.length === 0) throw new OpError(`${fname(def)}(): missing self`, "TypeError");
    params = params.slice(1);
    pos = positional.slice(1);
    self = positional[0];
  }
  // PyTorch's parser treats `*size` as one parameter that also takes varargs: `x.view(size=(2, 3))`
  const vararg = params.find((p) => p.kind === "vararg");
  let kws = keywords;
  let varKw: Value | undefined;
  if (vararg) {
    const i = keywords.findIndex(([k]) => k === vararg.name);
    if (i >= 0) {
      const nPos = params.filter((p) => p.kind === "positional" || p.kind === "posonly").length;
      if (pos.length > nPos)
        throw new OpError(
          `${fname(def)}() got multiple values for argument '${vararg.name}'`,
          "TypeError",
        );
      varKw = keywords[i][1];
      kws = keywords.filter((_k, j) => j !== i);
    }
  }
  let bound: Map<string, Value>;
  try {
    bound = bindArguments<Value>(fname(def), params, pos, kws, {
      tuple: (items) => new PyTuple(items),
      dict: (entries) => {
        const d = new PyDict();
        for (const [k, v] of entries) d.set(k, v);
        return d;
      },
    });
  } catch (e) {
    if (e instanceof BindError)
      throw new OpError(def.python ? e.message : parserWording(e.message), "TypeError");
    throw e;
  }
  const out = new BoundArgs();
  if (method) out.set(def.params[0].name, self as Value);
  for (const [k, v] of bound) out.set(k, v);
  if (vararg && varKw !== undefined) out.set(vararg.name, new PyTuple([varKw]));
  const posParams = params.filter((p) => p.kind === "positional" || p.kind === "posonly");
  const n = Math.min(pos.length, posParams.length);
  for (let i = 0; i < n; i++) out.positions.set(posParams[i].name, i + 1);
  return out;
}

/**
 * PyTorch's argument parser words a missing argument as
 * `unsqueeze() missing 2 required positional argument: "input", "dim"` (its plural is the wrong
 * way round: 1.13's python_arg_parser.cpp); other refusals read as CPython's.
 */
function parserWording(msg: string): string {
  const m = /^(\S+\(\)) missing (\d+) required positional arguments?: (.*)$/.exec(msg);
  if (!m) return msg;
  const names = [...m[3].matchAll(/'([^']*)'/g)].map((x) => `"${x[1]}"`);
  const n = Number(m[2]);
  return `${m[1]} missing ${n} required positional argument${n === 1 ? "s" : ""}: ${names.join(", ")}`;
}

/** The dtype a value denotes (`torch.float32`), or undefined. */
export function dtypeValueOf(v: Value): DType | undefined {
  return v instanceof DTypeValue ? v.dtype : undefined;
}

/** Python truthiness of a plain value (containers by length, numbers by non-zero). */
export function pyTruthy(v: Value): boolean | undefined {
  if (v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") return v.length > 0;
  if (isFloat(v)) return (v as { float: number }).float !== 0;
  if (v instanceof PyTuple || v instanceof PyList) return v.items.length > 0;
  if (v instanceof PyDict) return v.size > 0;
  return undefined;
}

/** The items of a tuple or list (torch.Size is a tuple), or undefined. */
export function seqItems(v: Value): readonly Value[] | undefined {
  if (v instanceof PyTuple || v instanceof PyList) return v.items;
  return undefined;
}

/**
 * Typed accessors over a bound call (see {@link OpArgs}).
 * @param tensorOf the host's tensor of a value (undefined when the value is not a tensor).
 * @param dtypeOf the dtype a value denotes; default: a {@link DTypeValue}'s.
 */
export function makeOpArgs<T>(
  def: OpDef,
  display: string,
  bound: Map<string, Value>,
  tensorOf: (v: Value) => T | undefined,
  dtypeOf: (v: Value) => DType | undefined = dtypeValueOf,
): OpArgs<T> {
  const positions = bound instanceof BoundArgs ? bound.positions : new Map<string, number>();
  const op = fname(def);
  const isVararg = (name: string): boolean =>
    def.params.some((p) => p.name === name && p.kind === "vararg");
  const label = (name: string): string => {
    const p = positions.get(name);
    return p === undefined ? `argument '${name}'` : `argument '${name}' (position ${p})`;
  };
  const fail = (name: string, what: string, v: Value): never => {
    throw new OpError(`${op}(): ${label(name)} must be ${what}, not ${typeName(v)}`, "TypeError");
  };
  const get = (name: string): Value => {
    const v = bound.get(name);
    if (v === undefined)
      throw new Error(`op ${def.name} reads '${name}', which is not a parameter`);
    return v;
  };
  const intsWord = (name: string): string =>
    def.symInt?.includes(name) ? "tuple of SymInts" : "tuple of ints";
  const intItems = (name: string, items: readonly Value[], start = 0): number[] =>
    items.map((x, i) => {
      if (isInt(x)) return x;
      throw new OpError(
        `${op}(): ${isVararg(name) ? `argument '${name}'` : label(name)} must be ${intsWord(name)}, but found element of type ${typeName(x)} at pos ${i + 1 + start}`,
        "TypeError",
      );
    });
  const num = (name: string, what: string, allowBool: boolean): number => {
    const v = get(name);
    if (typeof v === "number") return v;
    if (isFloat(v)) return (v as { float: number }).float;
    if (allowBool && typeof v === "boolean") return v ? 1 : 0;
    return fail(name, what, v);
  };
  const a: OpArgs<T> = {
    display,
    has: (name) => {
      const v = bound.get(name);
      return v !== undefined && v !== null;
    },
    raw: get,
    isTensor: (name) => tensorOf(get(name)) !== undefined,
    tensorOf,
    tensor(name) {
      const v = get(name);
      const t = tensorOf(v);
      return t === undefined ? fail(name, "Tensor", v) : t;
    },
    optTensor(name) {
      const v = get(name);
      return v === null ? undefined : a.tensor(name);
    },
    tensors(name) {
      const v = get(name);
      const items = seqItems(v);
      if (!items) return fail(name, "tuple of Tensors", v);
      const argIndex = (positions.get(name) ?? 1) - 1;
      return items.map((x, i) => {
        const t = tensorOf(x);
        if (t === undefined)
          throw new OpError(
            `expected Tensor as element ${i} in argument ${argIndex}, but got ${typeName(x)}`,
            "TypeError",
          );
        return t;
      });
    },
    tensorOrNumber(name) {
      const v = get(name);
      const t = tensorOf(v);
      if (t !== undefined) return t;
      if (typeof v === "number") return v;
      if (typeof v === "boolean") return v ? 1 : 0;
      if (isFloat(v)) return (v as { float: number }).float;
      return fail(name, "Tensor", v);
    },
    int(name) {
      const v = get(name);
      return isInt(v) ? v : fail(name, "int", v);
    },
    optInt(name) {
      const v = get(name);
      return v === null ? undefined : a.int(name);
    },
    ints(name) {
      const v = get(name);
      if (isInt(v)) return [v];
      const items = seqItems(v);
      if (!items) return fail(name, intsWord(name), v);
      return intItems(name, items);
    },
    optInts(name) {
      return get(name) === null ? undefined : a.ints(name);
    },
    intList(name) {
      const v = get(name);
      const items = seqItems(v);
      if (!items) return fail(name, intsWord(name), v);
      return intItems(name, items);
    },
    shape(name) {
      const v = get(name);
      const items = seqItems(v);
      if (!items) return isInt(v) ? [v] : fail(name, intsWord(name), v);
      if (items.length === 1) {
        const inner = seqItems(items[0]);
        if (inner) return intItems(name, inner);
      }
      return intItems(name, items);
    },
    float: (name) => num(name, "float", true),
    optFloat: (name) => (get(name) === null ? undefined : num(name, "float", true)),
    scalar: (name) => num(name, "Number", true),
    optScalar: (name) => (get(name) === null ? undefined : num(name, "Number", true)),
    bool(name) {
      const v = get(name);
      return typeof v === "boolean" ? v : fail(name, "bool", v);
    },
    truthy(name) {
      const v = get(name);
      const t = pyTruthy(v);
      if (t !== undefined) return t;
      if (tensorOf(v) !== undefined)
        throw new OpError(
          `${op}(): ${label(name)} is a Tensor: its truth value needs its data`,
          "TypeError",
        );
      return true;
    },
    str(name) {
      const v = get(name);
      return typeof v === "string" ? v : fail(name, "str", v);
    },
    optStr(name) {
      return get(name) === null ? undefined : a.str(name);
    },
    dims(name) {
      const v = get(name);
      if (v === null) return undefined;
      if (isInt(v)) return [v];
      const items = seqItems(v);
      if (!items) return fail(name, "tuple of ints", v);
      return intItems(name, items);
    },
    dtype(name) {
      const v = get(name);
      if (v === null) return undefined;
      const d = dtypeOf(v);
      return d === undefined ? fail(name, "torch.dtype", v) : d;
    },
  };
  return a;
}
