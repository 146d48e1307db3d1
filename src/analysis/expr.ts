/**
 * An interpreter of Python/PyTorch expressions and snippets over dlq's tensor core: the AST of
 * src/spec/python.ts (never executed by Python) evaluated with the ops of src/tensor, so that
 * `torch.mean(X @ W + b)`, `((X @ W).sigmoid() - y).pow(2).mean()`,
 * `F.cross_entropy(X @ W, t)` or a course notebook cell become a function of tensors that autodiff
 * and `gradcheck` can work on.
 *
 * What it understands:
 * - operators `+ - * / // % ** @`, unary `-`/`+`/`not`, comparisons (on tensors: 0/1 tensors, no
 *   gradient), `and`/`or`, `x if c else y`, tuples and lists, basic indexing `x[0, 1:3, ::2]`;
 * - `torch.*`, `torch.nn.functional.*` (as `F.*` or any alias bound by an import) and tensor
 *   methods, mapped to the tensor core's ops by PyTorch name (the table {@link FUNCTIONS});
 * - creation functions (`torch.rand/randn/randint/zeros/ones/full/eye/arange/linspace/tensor`,
 *   `*_like`) drawing from dlq's seeded {@link Generator} (not PyTorch's stream), with
 *   `requires_grad=True` marking the inputs to check;
 * - statements: imports, assignments (with tuple unpacking), `+=`…, `def` (positional/keyword
 *   parameters with defaults), `return`, `if`, `for` over `range`/lists, `lambda`; `print(...)` is
 *   skipped; `torch.manual_seed(n)` reseeds; `torch.autograd.gradcheck(f, inputs, ...)` (also in an
 *   `assert`) records which function to check;
 * - `with torch.no_grad():`, `torch.enable_grad()`, `torch.set_grad_enabled(mode)`,
 *   `torch.inference_mode()`: the body runs in the same scope with the tensor core's grad mode set
 *   accordingly (other `with` statements are skipped, with a note);
 * - in-place updates as PyTorch checks them: `W += …`, `W.zero_()` (or any `*_` method, or
 *   `W[i] = …`) on a leaf that requires grad, with grad mode on, is PyTorch's RuntimeError "a leaf
 *   Variable that requires grad is being used in an in-place operation"; with grad mode off,
 *   `W += …` (`-=`, `*=`, `/=`, `**=`) and `zero_()` write into the tensor itself, which stays the
 *   same (leaf) tensor, as in PyTorch. With grad mode on, `x += …` on any other tensor
 *   rebinds `x` to the out-of-place result.
 *
 * All computation is float64 (the tensor core's only dtype): `dtype=torch.float32` is accepted and
 * noted. Errors a user can cause are {@link InputError}s located at `file:line:column`.
 */
import { InputError, type Loc } from "../errors.js";
import * as T from "../tensor/index.js";
import { Generator, Tensor, TensorError } from "../tensor/index.js";
import {
  lineColumn,
  parsePython,
  parsePythonExpression,
  type Expr,
  type FunctionDefStmt,
  type LambdaExpr,
  type Module,
  type NodeBase,
  type Param,
  type SkippedStmt,
  type Stmt,
} from "../python/parse.js";
import { GRAD_MODE_CONTEXTS } from "../spec/source.js";
import { closeNames } from "../util/suggest.js";

// ---------------------------------------------------------------------------------------------
// Values

/** A Python module or namespace (`torch`, `torch.nn.functional`, `math`), by qualified name. */
export class PyModule {
  constructor(readonly path: string) {}
}
/** A dtype such as `torch.float64` (computation is always float64). */
export class DType {
  constructor(readonly name: string) {}
}
/** A user function: a `def` or a `lambda`, with the scope it was defined in. */
export class PyFunction {
  constructor(
    readonly name: string,
    readonly params: Param[],
    readonly body: Stmt[] | Expr,
    readonly closure: Scope,
    readonly node: NodeBase,
  ) {}
}
/** A function of the table {@link FUNCTIONS}, possibly bound to a tensor (a method). */
export class Builtin {
  constructor(
    readonly qualname: string,
    readonly display: string,
    readonly self?: Tensor,
  ) {}
}
/** `torch.max(x, dim)`'s result: `(values, indices)` with field names. */
export class NamedTuple {
  constructor(
    readonly names: string[],
    readonly items: Value[],
  ) {}
}

/** A Python value as the interpreter represents it; tuples and lists are arrays. */
export type Value =
  | Tensor
  | number
  | boolean
  | string
  | null
  | Value[]
  | PyModule
  | DType
  | PyFunction
  | Builtin
  | NamedTuple
  | SliceValue;

/** `a:b:c` inside a subscript. */
export class SliceValue {
  constructor(
    readonly start: number | null,
    readonly stop: number | null,
    readonly step: number | null,
  ) {}
}

/** Variables: a function's locals, chained to the module's globals. */
export class Scope {
  readonly vars = new Map<string, Value>();
  constructor(readonly parent?: Scope) {}
  get(name: string): Value | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.vars.has(name)) return s.vars.get(name);
    }
    return undefined;
  }
  has(name: string): boolean {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.vars.has(name)) return true;
    return false;
  }
}

const typeName = (v: Value): string => {
  if (v instanceof Tensor) return "Tensor";
  if (v === null) return "None";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "str";
  if (Array.isArray(v)) return "tuple";
  if (v instanceof PyModule) return "module";
  if (v instanceof DType) return "dtype";
  if (v instanceof PyFunction || v instanceof Builtin) return "function";
  if (v instanceof NamedTuple) return "tuple";
  return "slice";
};

// ---------------------------------------------------------------------------------------------
// The function table

/** Arguments bound to a function's parameters (Python's calling convention). */
export interface Bound {
  /** Parameter name → value (absent parameters are `undefined`). */
  args: Record<string, Value | undefined>;
  /** The values of a `*name` parameter. */
  rest: Value[];
  /** The interpreter (for its generator, notes and leaf registry). */
  interp: Interpreter;
  /** The name the user wrote (for messages), e.g. `F.relu` or `x.sum`. */
  display: string;
}

/**
 * A function of the table: its parameters as in PyTorch's signature (`"input"`, `"dim?"` optional,
 * `"*size"` variadic; keyword-only parameters after `"*"`), and the implementation.
 */
export interface FunctionDef {
  params: string[];
  call(b: Bound): Value;
}

/** Keyword arguments every tensor function accepts and dlq ignores (PyTorch's placement args). */
const IGNORED_KW = new Set(["device", "layout", "pin_memory", "memory_format", "out"]);

/** PyTorch functions by qualified name (`torch.mean`, `torch.nn.functional.relu`). */
export const FUNCTIONS = new Map<string, FunctionDef>();

/**
 * Adds (or replaces) a function of the interpreter, e.g. a test-only op with a deliberately
 * wrong backward rule: `registerFunction("torch.bad_cube", ["input"], (b) => …)`.
 */
export function registerFunction(
  qualname: string,
  params: string[],
  call: (b: Bound) => Value,
): void {
  FUNCTIONS.set(qualname, { params, call });
}

/** Tensor methods that are the torch function of the same name with `self` as `input`. */
const METHODS = new Set([
  "abs",
  "add",
  "amax",
  "amin",
  "argmax",
  "argmin",
  "clamp",
  "clip",
  "cos",
  "div",
  "dot",
  "erf",
  "exp",
  "expand_as",
  "flatten",
  "log",
  "log1p",
  "log_softmax",
  "logsumexp",
  "matmul",
  "max",
  "maximum",
  "mean",
  "min",
  "minimum",
  "mm",
  "mul",
  "mv",
  "neg",
  "norm",
  "pow",
  "reciprocal",
  "relu",
  "rsqrt",
  "sigmoid",
  "sin",
  "softmax",
  "sqrt",
  "square",
  "squeeze",
  "sub",
  "sum",
  "t",
  "tan",
  "tanh",
  "transpose",
  "unsqueeze",
  "where",
]);

/** Methods taking a shape or dims as varargs or as one tuple: `x.reshape(2, 3)`, `x.permute(1, 0)`. */
const VARARG_METHODS = new Set(["reshape", "view", "permute", "expand", "size"]);

// ---- argument converters -----------------------------------------------------------------

function toTensor(v: Value | undefined, what: string): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v === "number") return T.tensor(v);
  if (typeof v === "boolean") return T.tensor(v ? 1 : 0);
  if (Array.isArray(v)) return T.tensor(toNested(v, what));
  throw new InputError(
    `${what} must be a Tensor, not ${v === undefined ? "missing" : typeName(v)}`,
  );
}
function toNested(v: Value, what: string): unknown {
  if (Array.isArray(v)) return v.map((x) => toNested(x, what));
  if (typeof v === "number" || typeof v === "boolean") return v;
  if (v instanceof Tensor) return v.toArray();
  throw new InputError(`${what}: expected numbers, got ${typeName(v)}`);
}
function toTensorLike(v: Value | undefined, what: string): Tensor | number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return toTensor(v, what);
}
function toNum(v: Value | undefined, what: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Tensor && v.size === 1) return v.data[0];
  throw new InputError(
    `${what} must be a number, not ${v === undefined ? "missing" : typeName(v)}`,
  );
}
function toInt(v: Value | undefined, what: string): number {
  const n = toNum(v, what);
  if (!Number.isInteger(n)) throw new InputError(`${what} must be an integer, got ${n}`);
  return n;
}
function optNum(v: Value | undefined, what: string): number | undefined {
  return v === undefined || v === null ? undefined : toNum(v, what);
}
function optInt(v: Value | undefined, what: string): number | undefined {
  return v === undefined || v === null ? undefined : toInt(v, what);
}
function toBool(v: Value | undefined, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  return truthy(v);
}
function toStr(v: Value | undefined, what: string, dflt: string): string {
  if (v === undefined || v === null) return dflt;
  if (typeof v === "string") return v;
  throw new InputError(`${what} must be a string, not ${typeName(v)}`);
}
/** An int, a tuple of ints, or None (all dims). */
function toDims(v: Value | undefined, what: string): number | number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => toInt(x, what));
  return toInt(v, what);
}
function toIntList(v: Value | undefined, what: string): number[] {
  if (Array.isArray(v)) return v.map((x) => toInt(x, what));
  return [toInt(v, what)];
}
/** A shape given as varargs (`rand(2, 3)`) or one sequence (`rand((2, 3))`). */
function toShape(rest: Value[], what: string): number[] {
  if (rest.length === 1 && Array.isArray(rest[0])) return toIntList(rest[0], what);
  return rest.map((x) => toInt(x, what));
}
function optTensor(v: Value | undefined, what: string): Tensor | undefined {
  return v === undefined || v === null ? undefined : toTensor(v, what);
}
function toPair(v: Value | undefined, what: string): number | [number, number] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    const l = toIntList(v, what);
    if (l.length !== 2) throw new InputError(`${what} must be an int or a pair of ints`);
    return [l[0], l[1]];
  }
  return toInt(v, what);
}
const reduction = (v: Value | undefined): T.Reduction =>
  toStr(v, "reduction", "mean") as T.Reduction;

/** Python truthiness (tensors: one element only, as PyTorch). */
export function truthy(v: Value): boolean {
  if (v instanceof Tensor) {
    if (v.size !== 1) {
      throw new InputError(
        `Boolean value of Tensor with more than one value is ambiguous (shape ${T.shapeStr(v.shape)})`,
      );
    }
    return v.data[0] !== 0;
  }
  if (v === null) return false;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "boolean") return v;
  if (typeof v === "string" || Array.isArray(v)) return v.length > 0;
  return true;
}

// ---- ops the tensor core does not have, built from its unaryOp ---------------------------

const sin = (a: Tensor): Tensor => T.unaryOp("sin", a, Math.sin, (x) => Math.cos(x));
const cos = (a: Tensor): Tensor => T.unaryOp("cos", a, Math.cos, (x) => -Math.sin(x));
const tan = (a: Tensor): Tensor => T.unaryOp("tan", a, Math.tan, (_x, y) => 1 + y * y);
const log1p = (a: Tensor): Tensor => T.unaryOp("log1p", a, Math.log1p, (x) => 1 / (1 + x));
const expm1 = (a: Tensor): Tensor => T.unaryOp("expm1", a, Math.expm1, (x) => Math.exp(x));
/** Comparison as a 0/1 tensor (no gradient), broadcasting. */
function compareTensors(a: Tensor | number, b: Tensor | number, op: string): Tensor {
  const f: Record<string, (x: number, y: number) => boolean> = {
    "<": (x, y) => x < y,
    ">": (x, y) => x > y,
    "<=": (x, y) => x <= y,
    ">=": (x, y) => x >= y,
    "==": (x, y) => x === y,
    "!=": (x, y) => x !== y,
  };
  const fn = f[op];
  if (!fn) throw new InputError(`operator '${op}' is not supported on tensors`);
  return T.noGrad(() =>
    T.binaryOp(
      op,
      a,
      b,
      (x, y) => (fn(x, y) ? 1 : 0),
      () => 0,
      () => 0,
    ),
  );
}

// ---- the table ---------------------------------------------------------------------------

const def = (names: string | string[], params: string[], call: (b: Bound) => Value): void => {
  for (const n of typeof names === "string" ? [names] : names) FUNCTIONS.set(n, { params, call });
};
const unary = (names: string[], op: (t: Tensor) => Tensor): void =>
  def(names, ["input"], (b) => op(toTensor(b.args.input, "input")));
const A = (b: Bound, name = "input"): Tensor => toTensor(b.args[name], name);
const F = "torch.nn.functional.";

unary(["torch.exp"], T.exp);
unary(["torch.log"], T.log);
unary(["torch.log1p"], log1p);
unary(["torch.expm1"], expm1);
unary(["torch.sqrt"], T.sqrt);
unary(["torch.rsqrt"], (t) => T.pow(t, -0.5));
unary(["torch.abs"], T.abs);
unary(["torch.erf", "torch.special.erf"], T.erf);
unary(["torch.neg", "torch.negative"], T.neg);
unary(["torch.square"], (t) => T.pow(t, 2));
unary(["torch.reciprocal"], (t) => T.div(1, t));
unary(["torch.sin"], sin);
unary(["torch.cos"], cos);
unary(["torch.tan"], tan);
unary(["torch.tanh", F + "tanh"], T.tanh);
unary(["torch.sigmoid", F + "sigmoid", "torch.special.expit"], T.sigmoid);
unary(["torch.relu", F + "relu"], T.relu);
unary(["torch.selu", F + "selu"], T.selu);
unary([F + "silu"], T.silu);
unary(["torch.t"], T.t);
def(["torch.add"], ["input", "other", "*", "alpha?"], (b) => {
  const other = toTensorLike(b.args.other, "other");
  const alpha = optNum(b.args.alpha, "alpha");
  return T.add(A(b), alpha === undefined ? other : T.mul(other, alpha));
});
def(["torch.sub", "torch.subtract"], ["input", "other", "*", "alpha?"], (b) => {
  const other = toTensorLike(b.args.other, "other");
  const alpha = optNum(b.args.alpha, "alpha");
  return T.sub(A(b), alpha === undefined ? other : T.mul(other, alpha));
});
def(["torch.mul", "torch.multiply"], ["input", "other"], (b) =>
  T.mul(A(b), toTensorLike(b.args.other, "other")),
);
def(["torch.div", "torch.divide", "torch.true_divide"], ["input", "other"], (b) =>
  T.div(A(b), toTensorLike(b.args.other, "other")),
);
def(["torch.pow"], ["input", "exponent"], (b) =>
  T.pow(toTensorLike(b.args.input, "input"), toTensorLike(b.args.exponent, "exponent")),
);
def(["torch.clamp", "torch.clip"], ["input", "min?", "max?"], (b) =>
  T.clamp(A(b), optNum(b.args.min, "min") ?? null, optNum(b.args.max, "max") ?? null),
);
def(["torch.maximum"], ["input", "other"], (b) => T.maximum(A(b), A(b, "other")));
def(["torch.minimum"], ["input", "other"], (b) => T.minimum(A(b), A(b, "other")));
def(["torch.where"], ["condition", "input", "other"], (b) =>
  T.where(
    A(b, "condition"),
    toTensorLike(b.args.input, "input"),
    toTensorLike(b.args.other, "other"),
  ),
);
def(["torch.sum"], ["input", "dim?", "keepdim?", "*", "dtype?"], (b) =>
  T.sum(A(b), toDims(b.args.dim, "dim"), toBool(b.args.keepdim, false)),
);
def(["torch.mean"], ["input", "dim?", "keepdim?", "*", "dtype?"], (b) =>
  T.mean(A(b), toDims(b.args.dim, "dim"), toBool(b.args.keepdim, false)),
);
for (const [name, isMax] of [
  ["max", true],
  ["min", false],
] as const) {
  def(["torch." + name], ["input", "dim?", "keepdim?"], (b) => {
    const x = A(b);
    const d = b.args.dim;
    if (d === undefined || d === null) return isMax ? T.max(x) : T.min(x);
    if (d instanceof Tensor) return isMax ? T.maximum(x, d) : T.minimum(x, d);
    const dim = toInt(d, "dim");
    const keep = toBool(b.args.keepdim, false);
    return new NamedTuple(
      ["values", "indices"],
      [
        isMax ? T.max(x, dim, keep) : T.min(x, dim, keep),
        isMax ? T.argmax(x, dim, keep) : T.argmin(x, dim, keep),
      ],
    );
  });
  def(["torch.a" + name], ["input", "dim?", "keepdim?"], (b) => {
    const dims = toDims(b.args.dim, "dim");
    const all = dims === undefined || (Array.isArray(dims) && dims.length === 0);
    const keep = toBool(b.args.keepdim, false);
    const dd = all ? undefined : Array.isArray(dims) ? dims : [dims as number];
    return isMax ? T.max(A(b), dd, keep) : T.min(A(b), dd, keep);
  });
  def(["torch.arg" + name], ["input", "dim?", "keepdim?"], (b) =>
    (isMax ? T.argmax : T.argmin)(A(b), optInt(b.args.dim, "dim"), toBool(b.args.keepdim, false)),
  );
}
def(["torch.softmax", F + "softmax"], ["input", "dim", "*", "dtype?"], (b) =>
  T.softmax(A(b), toInt(b.args.dim, "dim")),
);
def(["torch.log_softmax", F + "log_softmax"], ["input", "dim", "*", "dtype?"], (b) =>
  T.log_softmax(A(b), toInt(b.args.dim, "dim")),
);
def(["torch.logsumexp"], ["input", "dim", "keepdim?"], (b) =>
  T.logsumexp(A(b), toDims(b.args.dim, "dim"), toBool(b.args.keepdim, false)),
);
def(["torch.norm"], ["input", "p?", "dim?", "keepdim?"], (b) => {
  const p = b.args.p;
  const dim = toDims(b.args.dim, "dim");
  const keep = toBool(b.args.keepdim, false);
  if (p === undefined || p === null || p === "fro" || p === 2)
    return T.sqrt(T.sum(T.pow(A(b), 2), dim, keep));
  if (p === 1) return T.sum(T.abs(A(b)), dim, keep);
  throw new InputError(`norm: p=${String(p)} is not supported (use 2, 'fro' or 1)`);
});
def(
  ["torch.matmul", "torch.mm", "torch.mv", "torch.bmm", "torch.dot", "torch.inner"],
  ["input", "other"],
  (b) => T.matmul(A(b), A(b, "other")),
);
def(["torch.outer", "torch.ger"], ["input", "vec2"], (b) =>
  T.mul(T.unsqueeze(A(b), 1), T.unsqueeze(A(b, "vec2"), 0)),
);
def(["torch.reshape"], ["input", "shape"], (b) =>
  T.reshape(A(b), toIntList(b.args.shape, "shape")),
);
def(["torch.flatten"], ["input", "start_dim?", "end_dim?"], (b) =>
  T.flatten(
    A(b),
    optInt(b.args.start_dim, "start_dim") ?? 0,
    optInt(b.args.end_dim, "end_dim") ?? -1,
  ),
);
def(["torch.squeeze"], ["input", "dim?"], (b) => T.squeeze(A(b), toDims(b.args.dim, "dim")));
def(["torch.unsqueeze"], ["input", "dim"], (b) => T.unsqueeze(A(b), toInt(b.args.dim, "dim")));
def(["torch.transpose", "torch.swapaxes"], ["input", "dim0", "dim1"], (b) =>
  T.transpose(A(b), toInt(b.args.dim0, "dim0"), toInt(b.args.dim1, "dim1")),
);
def(["torch.permute"], ["input", "dims"], (b) => T.permute(A(b), toIntList(b.args.dims, "dims")));
def(["torch.cat", "torch.concat", "torch.concatenate"], ["tensors", "dim?"], (b) =>
  T.cat(tensorList(b.args.tensors, "tensors"), optInt(b.args.dim, "dim") ?? 0),
);
def(["torch.stack"], ["tensors", "dim?"], (b) =>
  T.stack(tensorList(b.args.tensors, "tensors"), optInt(b.args.dim, "dim") ?? 0),
);
def(["torch.expand_as"], ["input", "other"], (b) => T.expand_as(A(b), A(b, "other")));
def(["torch.linear", F + "linear"], ["input", "weight", "bias?"], (b) =>
  T.linear(A(b), A(b, "weight"), optTensor(b.args.bias, "bias") ?? null),
);
def([F + "leaky_relu"], ["input", "negative_slope?"], (b) =>
  T.leaky_relu(A(b), optNum(b.args.negative_slope, "negative_slope") ?? 0.01),
);
def([F + "elu"], ["input", "alpha?"], (b) => T.elu(A(b), optNum(b.args.alpha, "alpha") ?? 1));
def([F + "gelu"], ["input", "*", "approximate?"], (b) =>
  T.gelu(A(b), toStr(b.args.approximate, "approximate", "none") as "none" | "tanh"),
);
def([F + "softplus"], ["input", "beta?", "threshold?"], (b) =>
  T.softplus(A(b), optNum(b.args.beta, "beta") ?? 1, optNum(b.args.threshold, "threshold") ?? 20),
);
def([F + "mse_loss"], ["input", "target", "size_average?", "reduce?", "reduction?"], (b) =>
  T.mse_loss(A(b), A(b, "target"), reduction(b.args.reduction)),
);
def([F + "l1_loss"], ["input", "target", "size_average?", "reduce?", "reduction?"], (b) =>
  T.l1_loss(A(b), A(b, "target"), reduction(b.args.reduction)),
);
def(
  [F + "binary_cross_entropy"],
  ["input", "target", "weight?", "size_average?", "reduce?", "reduction?"],
  (b) =>
    T.binary_cross_entropy(A(b), A(b, "target"), {
      weight: optTensor(b.args.weight, "weight"),
      reduction: reduction(b.args.reduction),
    }),
);
def(
  [F + "binary_cross_entropy_with_logits"],
  ["input", "target", "weight?", "size_average?", "reduce?", "reduction?", "pos_weight?"],
  (b) =>
    T.binary_cross_entropy_with_logits(A(b), A(b, "target"), {
      weight: optTensor(b.args.weight, "weight"),
      pos_weight: optTensor(b.args.pos_weight, "pos_weight"),
      reduction: reduction(b.args.reduction),
    }),
);
def(
  [F + "nll_loss"],
  ["input", "target", "weight?", "size_average?", "ignore_index?", "reduce?", "reduction?"],
  (b) =>
    T.nll_loss(A(b), A(b, "target"), {
      weight: optTensor(b.args.weight, "weight"),
      ignore_index: optInt(b.args.ignore_index, "ignore_index"),
      reduction: reduction(b.args.reduction),
    }),
);
def(
  [F + "cross_entropy"],
  [
    "input",
    "target",
    "weight?",
    "size_average?",
    "ignore_index?",
    "reduce?",
    "reduction?",
    "label_smoothing?",
  ],
  (b) =>
    T.cross_entropy(A(b), A(b, "target"), {
      weight: optTensor(b.args.weight, "weight"),
      ignore_index: optInt(b.args.ignore_index, "ignore_index"),
      reduction: reduction(b.args.reduction),
      label_smoothing: optNum(b.args.label_smoothing, "label_smoothing"),
    }),
);
def(
  [F + "conv2d", "torch.conv2d"],
  ["input", "weight", "bias?", "stride?", "padding?", "dilation?", "groups?"],
  (b) =>
    T.conv2d(A(b), A(b, "weight"), optTensor(b.args.bias, "bias") ?? null, {
      stride: toPair(b.args.stride, "stride"),
      padding:
        typeof b.args.padding === "string"
          ? (b.args.padding as "same" | "valid")
          : toPair(b.args.padding, "padding"),
      dilation: toPair(b.args.dilation, "dilation"),
      groups: optInt(b.args.groups, "groups"),
    }),
);
def(
  [F + "conv1d", "torch.conv1d"],
  ["input", "weight", "bias?", "stride?", "padding?", "dilation?", "groups?"],
  (b) =>
    T.conv1d(A(b), A(b, "weight"), optTensor(b.args.bias, "bias") ?? null, {
      stride: optInt(b.args.stride, "stride"),
      padding: optInt(b.args.padding, "padding"),
      dilation: optInt(b.args.dilation, "dilation"),
      groups: optInt(b.args.groups, "groups"),
    } as T.Conv1dOptions),
);
def(
  [F + "max_pool2d"],
  ["input", "kernel_size", "stride?", "padding?", "dilation?", "ceil_mode?"],
  (b) =>
    T.max_pool2d(A(b), toPair(b.args.kernel_size, "kernel_size")!, {
      stride: toPair(b.args.stride, "stride"),
      padding: toPair(b.args.padding, "padding"),
      dilation: toPair(b.args.dilation, "dilation"),
      ceil_mode: toBool(b.args.ceil_mode, false),
    } as T.Pool2dOptions),
);
def(
  [F + "avg_pool2d"],
  ["input", "kernel_size", "stride?", "padding?", "ceil_mode?", "count_include_pad?"],
  (b) =>
    T.avg_pool2d(A(b), toPair(b.args.kernel_size, "kernel_size")!, {
      stride: toPair(b.args.stride, "stride"),
      padding: toPair(b.args.padding, "padding"),
      ceil_mode: toBool(b.args.ceil_mode, false),
      count_include_pad: toBool(b.args.count_include_pad, true),
    } as T.Pool2dOptions),
);
def([F + "embedding"], ["input", "weight", "padding_idx?"], (b) =>
  T.embedding(A(b), A(b, "weight"), optInt(b.args.padding_idx, "padding_idx") ?? null),
);

function tensorList(v: Value | undefined, what: string): Tensor[] {
  if (!Array.isArray(v)) throw new InputError(`${what} must be a tuple or list of tensors`);
  return v.map((x) => toTensor(x, what));
}

// creation
/** The generator to draw from, noting a random draw by the function called (`Interpreter.drew`). */
const drawing = (b: Bound): Generator => b.interp.drew(b.display);
const creation = (b: Bound, make: (shape: number[]) => Tensor): Tensor => {
  b.interp.dtype(b.args.dtype);
  const t = make(toShape(b.rest, "size"));
  if (toBool(b.args.requires_grad, false)) b.interp.markLeaf(t);
  return t;
};
const CREATION_KW = ["*size", "dtype?", "requires_grad?", "generator?"];
def(["torch.rand"], CREATION_KW, (b) => creation(b, (s) => T.rand(s, drawing(b))));
def(["torch.randn"], CREATION_KW, (b) => creation(b, (s) => T.randn(s, drawing(b))));
def(["torch.zeros", "torch.empty"], CREATION_KW, (b) => creation(b, (s) => T.zeros(s)));
def(["torch.ones"], CREATION_KW, (b) => creation(b, (s) => T.ones(s)));
const likeFn = (make: (t: Tensor, b: Bound) => Tensor) => (b: Bound) => {
  b.interp.dtype(b.args.dtype);
  const t = make(A(b), b);
  if (toBool(b.args.requires_grad, false)) b.interp.markLeaf(t);
  return t;
};
const LIKE = ["input", "*", "dtype?", "requires_grad?"];
def(
  ["torch.zeros_like", "torch.empty_like"],
  LIKE,
  likeFn((t) => T.zeros(t.shape)),
);
def(
  ["torch.ones_like"],
  LIKE,
  likeFn((t) => T.ones(t.shape)),
);
def(
  ["torch.rand_like"],
  LIKE,
  likeFn((t, b) => T.rand(t.shape, drawing(b))),
);
def(
  ["torch.randn_like"],
  LIKE,
  likeFn((t, b) => T.randn(t.shape, drawing(b))),
);
def(["torch.full"], ["size", "fill_value", "*", "dtype?", "requires_grad?"], (b) => {
  b.interp.dtype(b.args.dtype);
  const t = T.full(toIntList(b.args.size, "size"), toNum(b.args.fill_value, "fill_value"));
  if (toBool(b.args.requires_grad, false)) b.interp.markLeaf(t);
  return t;
});
def(["torch.eye"], ["n", "m?", "*", "dtype?", "requires_grad?"], (b) => {
  b.interp.dtype(b.args.dtype);
  const t = T.eye(toInt(b.args.n, "n"), optInt(b.args.m, "m"));
  if (toBool(b.args.requires_grad, false)) b.interp.markLeaf(t);
  return t;
});
def(["torch.arange"], ["start", "end?", "step?", "*", "dtype?", "requires_grad?"], (b) => {
  b.interp.dtype(b.args.dtype);
  const t = T.arange(
    toNum(b.args.start, "start"),
    optNum(b.args.end, "end"),
    optNum(b.args.step, "step") ?? 1,
  );
  if (toBool(b.args.requires_grad, false)) b.interp.markLeaf(t);
  return t;
});
def(["torch.linspace"], ["start", "end", "steps", "*", "dtype?", "requires_grad?"], (b) => {
  b.interp.dtype(b.args.dtype);
  const t = T.linspace(
    toNum(b.args.start, "start"),
    toNum(b.args.end, "end"),
    toInt(b.args.steps, "steps"),
  );
  if (toBool(b.args.requires_grad, false)) b.interp.markLeaf(t);
  return t;
});
def(["torch.tensor", "torch.as_tensor"], ["data", "*", "dtype?", "requires_grad?"], (b) => {
  b.interp.dtype(b.args.dtype);
  const d = b.args.data;
  const t = d instanceof Tensor ? d.clone() : T.tensor(toNested(d ?? null, "data"));
  if (toBool(b.args.requires_grad, false)) b.interp.markLeaf(t);
  return t;
});
def(["torch.randint"], ["low", "high?", "size?", "*", "dtype?", "generator?"], (b) => {
  // randint(high, size) or randint(low, high, size)
  let low = 0;
  let high: number;
  let size: Value | undefined;
  if (b.args.size === undefined) {
    high = toInt(b.args.low, "high");
    size = b.args.high;
  } else {
    low = toInt(b.args.low, "low");
    high = toInt(b.args.high, "high");
    size = b.args.size;
  }
  return T.randint(low, high, toIntList(size, "size"), drawing(b));
});
def(["torch.manual_seed"], ["seed"], (b) => {
  b.interp.gen.manualSeed(toInt(b.args.seed, "seed"));
  return null;
});
def(
  ["torch.autograd.gradcheck", "torch.autograd.gradcheck.gradcheck"],
  ["func", "inputs", "*", "eps?", "atol?", "rtol?", "raise_exception?", "fast_mode?"],
  (b) => {
    const fn = b.args.func;
    if (!(fn instanceof PyFunction || fn instanceof Builtin))
      throw new InputError("gradcheck: func must be a function");
    const raw = b.args.inputs;
    const ins = (Array.isArray(raw) ? raw : [raw]).map((x) => toTensor(x, "inputs"));
    b.interp.requested = {
      fn,
      inputs: ins,
      eps: optNum(b.args.eps, "eps"),
      atol: optNum(b.args.atol, "atol"),
      rtol: optNum(b.args.rtol, "rtol"),
      fast: b.args.fast_mode === undefined ? undefined : toBool(b.args.fast_mode, false),
    };
    return true;
  },
);
// Python builtins and math
def(["builtins.print"], ["*values"], () => null);
def(["builtins.len"], ["obj"], (b) => {
  const v = b.args.obj;
  if (v instanceof Tensor) {
    if (v.ndim === 0) throw new InputError("len() of a 0-d tensor");
    return v.shape[0];
  }
  if (Array.isArray(v) || typeof v === "string") return v.length;
  throw new InputError(`object of type '${typeName(v ?? null)}' has no len()`);
});
def(["builtins.range"], ["start", "stop?", "step?"], (b) => {
  let start = toInt(b.args.start, "start");
  let stop = optInt(b.args.stop, "stop");
  const step = optInt(b.args.step, "step") ?? 1;
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0) throw new InputError("range() arg 3 must not be zero");
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push(i);
    if (out.length > 1e6) throw new InputError("range() too long");
  }
  return out;
});
def(["builtins.float"], ["x?"], (b) => (b.args.x === undefined ? 0 : toNum(b.args.x, "x")));
def(["builtins.int"], ["x?"], (b) =>
  b.args.x === undefined ? 0 : Math.trunc(toNum(b.args.x, "x")),
);
def(["builtins.abs"], ["x"], (b) =>
  b.args.x instanceof Tensor ? T.abs(b.args.x) : Math.abs(toNum(b.args.x, "x")),
);
def(["builtins.sum"], ["iterable", "start?"], (b) => {
  const it = b.args.iterable;
  if (!Array.isArray(it)) throw new InputError("sum() expects a list or tuple");
  let acc: Value = b.args.start ?? 0;
  for (const v of it) acc = binary("+", acc, v);
  return acc;
});
for (const [n, f] of [
  ["exp", Math.exp],
  ["log", Math.log],
  ["sqrt", Math.sqrt],
  ["tanh", Math.tanh],
  ["sin", Math.sin],
  ["cos", Math.cos],
] as const) {
  def(["math." + n], ["x"], (b) => f(toNum(b.args.x, "x")));
}

const DTYPES = new Set([
  "float64",
  "double",
  "float32",
  "float",
  "float16",
  "half",
  "bfloat16",
  "int64",
  "long",
  "int32",
  "int",
  "bool",
]);
const MODULES = new Set([
  "torch",
  "torch.nn",
  "torch.nn.functional",
  "torch.autograd",
  "torch.special",
  "torch.linalg",
  "math",
  "builtins",
]);
const CONSTANTS: Record<string, number> = {
  "math.pi": Math.PI,
  "math.e": Math.E,
  "math.inf": Infinity,
  "torch.pi": Math.PI,
  "torch.e": Math.E,
  "torch.inf": Infinity,
};
const BUILTIN_NAMES = ["print", "len", "range", "float", "int", "abs", "sum"];

// ---- binary operators ----------------------------------------------------------------------

function isNumeric(v: Value): v is number | boolean {
  return typeof v === "number" || typeof v === "boolean";
}

/** `a op b` with Python semantics on numbers and PyTorch semantics on tensors. */
export function binary(op: string, a: Value, b: Value): Value {
  if (isNumeric(a) && isNumeric(b)) {
    const x = Number(a);
    const y = Number(b);
    switch (op) {
      case "+":
        return x + y;
      case "-":
        return x - y;
      case "*":
        return x * y;
      case "/":
        if (y === 0) throw new InputError("division by zero");
        return x / y;
      case "//":
        if (y === 0) throw new InputError("integer division or modulo by zero");
        return Math.floor(x / y);
      case "%":
        if (y === 0) throw new InputError("integer division or modulo by zero");
        return x - Math.floor(x / y) * y;
      case "**":
        return Math.pow(x, y);
    }
  }
  if (Array.isArray(a) && Array.isArray(b) && op === "+") return [...a, ...b];
  if (a instanceof Tensor || b instanceof Tensor) {
    const x = a instanceof Tensor ? a : toTensorLike(a, "left operand");
    const y = b instanceof Tensor ? b : toTensorLike(b, "right operand");
    switch (op) {
      case "+":
        return T.add(x, y);
      case "-":
        return T.sub(x, y);
      case "*":
        return T.mul(x, y);
      case "/":
        return T.div(x, y);
      case "**":
        return T.pow(x, y);
      case "@":
        return T.matmul(toTensor(x, "left operand"), toTensor(y, "right operand"));
      case "//":
        throw new InputError("'//' (floor division) has no gradient: not supported on tensors");
    }
  }
  throw new InputError(
    `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`,
  );
}

// ---------------------------------------------------------------------------------------------
// `with` statements

/** A `with` statement (kept by src/spec/python.ts as a {@link SkippedStmt}), parsed here. */
export interface WithStatement {
  /** Each item: the context manager expression and its `as` target (null without one). */
  items: { expr: Expr; target: Expr | null }[];
  body: Stmt[];
}

/**
 * The items and body of a `with` statement, as src/spec/python.ts attaches them to the skipped
 * node; null for any other skipped statement.
 */
export function withParts(s: SkippedStmt): WithStatement | null {
  if (!s.with) return null;
  return {
    items: s.with.items.map((i) => ({ expr: i.context, target: i.target ?? null })),
    body: s.with.body,
  };
}

// ---------------------------------------------------------------------------------------------
// The interpreter

/** A `torch.autograd.gradcheck(func, inputs, …)` call seen in the snippet. */
export interface RequestedCheck {
  fn: PyFunction | Builtin;
  inputs: Tensor[];
  eps?: number;
  atol?: number;
  rtol?: number;
  fast?: boolean;
}

class ReturnSignal {
  constructor(readonly value: Value) {}
}

/** Evaluates Python AST nodes; one instance per snippet (it owns the generator and the leaves). */
export class Interpreter {
  /** The generator of `torch.rand` & co. */
  gen: Generator;
  /** Tensors created with `requires_grad=True` (or `requires_grad_()`), in creation order. */
  readonly leaves: Tensor[] = [];
  /** The first variable name each tensor was bound to. */
  readonly names = new Map<Tensor, string>();
  /** Notes for the report (deduplicated), e.g. float32 computed in float64. */
  readonly notes: string[] = [];
  /** Set by a `torch.autograd.gradcheck(...)` call. */
  requested: RequestedCheck | null = null;
  /** While false, `requires_grad=True` no longer registers leaves (re-evaluation under gradcheck). */
  recording = true;
  readonly globals = new Scope();
  private depth = 0;

  /**
   * @param text the source the AST came from (for operator and attribute locations).
   * @param file the file name in messages (`<expr>` for a command-line expression).
   */
  constructor(
    readonly text: string,
    readonly file: string,
    seed: number | bigint = 0,
  ) {
    this.gen = new Generator(seed);
    const g = this.globals.vars;
    g.set("torch", new PyModule("torch"));
    g.set("F", new PyModule("torch.nn.functional"));
    g.set("nn", new PyModule("torch.nn"));
    g.set("math", new PyModule("math"));
    g.set("True", true);
    g.set("False", false);
    for (const n of BUILTIN_NAMES) g.set(n, new Builtin("builtins." + n, n));
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  /** Accepts a `dtype=` argument, noting when it is not float64. */
  dtype(v: Value | undefined): void {
    if (v === undefined || v === null) return;
    if (!(v instanceof DType))
      throw new InputError(`dtype must be a torch dtype, not ${typeName(v)}`);
    if (v.name !== "float64" && v.name !== "double") {
      this.note(`dtype=torch.${v.name} is computed in float64 (dlq's tensor core)`);
    }
  }

  /** Registers a tensor as an input to check. */
  markLeaf(t: Tensor): void {
    t.requiresGrad = true;
    if (this.recording && !this.leaves.includes(t)) this.leaves.push(t);
  }

  /** Where the current (innermost) call's function name is, for {@link drew}. */
  private callLoc: Loc | undefined;
  /** The first random draw new at each re-evaluation (recording off), e.g. under gradcheck. */
  redraw: { what: string; where?: Loc } | null = null;
  /**
   * While set (re-running a top-level statement of a snippet), draws made by the statement itself,
   * outside any `def` it calls, come from this generator: a copy of the state the statement started
   * from in the first run, so that they replay the draw a notebook made once. Draws inside a
   * function come from {@link gen}, new at every evaluation.
   */
  topLevelGen: Generator | null = null;
  /**
   * The generator a draw by `what` (`torch.rand`…) at the current call comes from; notes the
   * first draw that is new at each evaluation.
   */
  drew(what: string): Generator {
    if (this.topLevelGen && this.depth === 0) return this.topLevelGen;
    if (!this.recording && !this.redraw) this.redraw = { what, where: this.callLoc };
    return this.gen;
  }

  /** The storage of the inputs being checked: re-evaluations may not write into it. */
  checkedInputs: Set<ArrayBufferLike> | null = null;

  /** In-place writes made while recording: the tensor and its values before the write. */
  readonly writes: { tensor: Tensor; before: Float64Array }[] = [];

  /**
   * Grad mode as the snippet sets it (`with torch.no_grad():` …), for its in-place semantics: the
   * tensor core's own flag is also off while gradcheck evaluates the function numerically.
   */
  private gradMode = true;
  /** Whether grad mode is on, as the snippet has set it so far. */
  get gradEnabled(): boolean {
    return this.gradMode;
  }

  /**
   * PyTorch's check before any in-place op on `t` (torch/csrc/autograd/VariableTypeUtils.h
   * `check_inplace`): with grad mode on, a leaf that requires grad (or a view of one, `view`) may
   * not be modified in place.
   * @throws InputError with PyTorch's message.
   */
  checkInPlace(t: Tensor, view = false): void {
    if (this.gradMode && t.requiresGrad && t.isLeaf)
      throw new InputError(
        `a ${view ? "view of a " : ""}leaf Variable that requires grad is being used in an in-place operation`,
      );
  }

  /**
   * Writes `v`'s values into `t` (an in-place op outside the graph), logged while recording.
   * @throws InputError when `v`'s shape is not `t`'s (PyTorch's message).
   */
  private write(t: Tensor, v: Tensor): void {
    if (v.ndim !== t.ndim || v.shape.some((d, i) => d !== t.shape[i]))
      throw new InputError(
        `output with shape ${T.shapeStr(t.shape)} doesn't match the broadcast shape ${T.shapeStr(v.shape)}`,
      );
    if (!this.recording && this.checkedInputs?.has(t.data.buffer)) {
      const name = this.names.get(t) ?? "input";
      throw new InputError(
        `the function modifies its input ${name} in place under no_grad, so every evaluation moves ` +
          "the point being checked; PyTorch's gradcheck stops with \"one of the variables needed for " +
          `gradient computation has been modified by an inplace operation" when the graph uses ${name}`,
      );
    }
    if (this.recording) this.writes.push({ tensor: t, before: t.data.slice() });
    t.data.set(v.data);
  }

  /**
   * Runs a `with` statement whose context managers all set grad mode (`torch.no_grad()`,
   * `torch.enable_grad()`, `torch.set_grad_enabled(mode)`, `torch.inference_mode(mode=True)`):
   * the body in `scope`, under that mode; `as` targets are bound to None (what their `__enter__`
   * returns). Returns false, having done nothing, for any other `with` statement.
   * @throws InputError located in the statement.
   */
  private withStatement(s: SkippedStmt, scope: Scope, topLevel: boolean): boolean {
    const w = withParts(s);
    if (!w) return false;
    const kinds: string[] = [];
    for (const item of w.items) {
      const e = item.expr;
      const fn = this.dotted(e.kind === "Call" ? e.func : e, scope);
      const kind = fn === null ? undefined : GRAD_MODE_CONTEXTS.get(fn);
      if (kind === undefined) return false;
      if (e.kind !== "Call") {
        const text = this.text.slice(e.from, e.to);
        throw new InputError(`'${text}' must be called: with ${text}():`, e.loc);
      }
      kinds.push(kind);
    }
    let mode: boolean | null = null;
    for (let k = 0; k < w.items.length; k++) {
      const { expr, target } = w.items[k];
      const e = expr as Expr & { kind: "Call" };
      const kind = kinds[k];
      const params =
        kind === "set_grad_enabled" ? ["mode"] : kind === "inference_mode" ? ["mode?"] : [];
      const args = e.args.map((a) => this.eval(a, scope));
      const kwargs = new Map(e.keywords.map((kw) => [kw.name ?? "", this.eval(kw.value, scope)]));
      const b = this.located(e.func.loc, () =>
        this.bind(
          { params, call: () => null },
          args,
          kwargs,
          this.text.slice(e.func.from, e.func.to),
        ),
      );
      if (kind === "no_grad") mode = false;
      else if (kind === "enable_grad") mode = true;
      else if (kind === "set_grad_enabled") {
        const m = b.args.mode!;
        // torch.set_grad_enabled's __init__: `enabled must be a bool (got int)`
        if (typeof m !== "boolean")
          throw new InputError(
            `enabled must be a bool (got ${m === null ? "NoneType" : typeName(m)})`,
            e.args[0]?.loc ?? e.loc,
          );
        mode = m;
      } else if (toBool(b.args.mode, true)) mode = false;
      if (target) this.assign(target, null, scope, topLevel);
    }
    const run = (): void => {
      for (const st of w.body) this.exec(st, scope, topLevel);
    };
    if (mode === null) {
      run();
      return true;
    }
    const prev = this.gradMode;
    this.gradMode = mode;
    try {
      if (mode) T.enableGrad(run);
      else T.noGrad(run);
    } finally {
      this.gradMode = prev;
    }
    return true;
  }

  /** The qualified name a dotted expression denotes (`torch.no_grad`), or null. */
  private dotted(e: Expr, scope: Scope): string | null {
    if (e.kind === "Name") {
      const v = scope.get(e.id);
      return v instanceof PyModule ? v.path : v instanceof Builtin ? v.qualname : null;
    }
    if (e.kind === "Attribute") {
      const base = this.dotted(e.value, scope);
      return base === null ? null : `${base}.${e.attr}`;
    }
    return null;
  }

  /** The location of offset `pos` in the source. */
  locAt(pos: number): Loc {
    const { line, column } = lineColumn(this.text, pos);
    return { file: this.file, line, column };
  }

  /** Runs `fn`, locating an unlocated InputError (e.g. a TensorError) at `loc`. */
  located<R>(loc: Loc, fn: () => R): R {
    try {
      return fn();
    } catch (e) {
      if (e instanceof InputError && e.where === undefined) {
        const err = new InputError(e.message, loc);
        throw err;
      }
      if (e instanceof RangeError && /call stack/i.test(e.message)) {
        throw new InputError("maximum recursion depth exceeded", loc);
      }
      throw e;
    }
  }

  // ---- statements --------------------------------------------------------------------------

  /**
   * Runs a module's statements in the global scope. `onStatement` sees each top-level statement
   * with the value it computed (assignments and expression statements).
   */
  runModule(mod: Module, onStatement?: (s: Stmt, value: Value | undefined) => void): void {
    for (const s of mod.body) {
      const v = this.exec(s, this.globals, true);
      onStatement?.(s, v);
    }
  }

  /** Executes one statement; returns the value of an assignment or expression statement. */
  exec(s: Stmt, scope: Scope, topLevel = false): Value | undefined {
    switch (s.kind) {
      case "Import":
        for (const a of s.names) {
          if (a.asname) scope.vars.set(a.asname, new PyModule(a.name));
          else scope.vars.set(a.name.split(".")[0], new PyModule(a.name.split(".")[0]));
        }
        return undefined;
      case "ImportFrom":
        for (const a of s.names) {
          if (a.name === "*") continue;
          const q = `${s.module}.${a.name}`;
          scope.vars.set(a.asname ?? a.name, this.qualified(q, a.name));
        }
        return undefined;
      case "Assign": {
        if (s.value.kind === "Call" && this.isPrint(s.value)) return this.printed(s.value, scope);
        const v = this.eval(s.value, scope);
        for (const t of s.targets) this.assign(t, v, scope, topLevel);
        return v;
      }
      case "AugAssign": {
        const cur = this.eval(s.target, scope);
        const rhs = this.eval(s.value, scope);
        // `x op= y` on a tensor is in place in PyTorch (Tensor.__iadd__ …), except `@=`
        if (cur instanceof Tensor && s.op !== "@" && s.target.kind !== "Subscript") {
          this.located(s.loc, () => this.checkInPlace(cur));
          if (!this.gradMode) {
            this.located(s.loc, () => this.write(cur, toTensor(binary(s.op, cur, rhs), "result")));
            return cur;
          }
        }
        const v = this.located(s.loc, () => binary(s.op, cur, rhs));
        this.assign(s.target, v, scope, topLevel);
        return v;
      }
      case "Expr":
        if (s.value.kind === "Call" && this.isPrint(s.value)) return this.printed(s.value, scope);
        if (s.value.kind === "String" || s.value.kind === "Opaque") return undefined;
        return this.eval(s.value, scope);
      case "FunctionDef":
        scope.vars.set(s.name, new PyFunction(s.name, s.params, s.body, scope, s));
        return undefined;
      case "Return":
        throw new ReturnSignal(s.value ? this.eval(s.value, scope) : null);
      case "If":
        for (const st of truthy(this.eval(s.test, scope)) ? s.body : s.orelse)
          this.exec(st, scope, topLevel);
        return undefined;
      case "For": {
        const it = this.eval(s.iter, scope);
        const items = it instanceof Tensor ? this.unbind(it) : it;
        if (!Array.isArray(items))
          throw new InputError(`'${typeName(it)}' object is not iterable`, s.iter.loc);
        for (const x of items) {
          this.assign(s.target, x, scope, false);
          for (const st of s.body) this.exec(st, scope, topLevel);
        }
        for (const st of s.orelse) this.exec(st, scope, topLevel);
        return undefined;
      }
      case "Skipped":
        if (s.what === "WithStatement" && this.withStatement(s, scope, topLevel)) return undefined;
        if (s.what === "AssertStatement") {
          const body = this.text.slice(s.from, s.to).replace(/^assert\b/, "");
          const off = s.to - s.from - body.length;
          const { line, column } = lineColumn(this.text, s.from + off);
          let test: Expr;
          try {
            const cut = body.replace(/,[^,]*$/, (m) => (/^,\s*["'f]/.test(m) ? "" : m));
            test = parsePythonExpression(cut, this.file, { line, column });
          } catch {
            return undefined;
          }
          if (
            test.kind === "Call" &&
            test.func.kind === "Attribute" &&
            test.func.attr === "gradcheck"
          ) {
            this.eval(test, scope);
          } else if (test.kind === "Call" && test.func.kind === "Name") {
            const f = scope.get(test.func.id);
            if (f instanceof Builtin && f.qualname.startsWith("torch.autograd.gradcheck"))
              this.eval(test, scope);
          }
          return undefined;
        }
        if (s.what !== "PassStatement") this.note(`skipped a ${s.what} at line ${s.loc.line}`);
        return undefined;
    }
  }

  /**
   * `print(...)` is skipped, except the `torch.autograd.gradcheck(...)` calls among its arguments
   * (`print(torch.autograd.gradcheck(f, (W,)))`), which are run: they say what to check.
   */
  private printed(call: Expr & { kind: "Call" }, scope: Scope): undefined {
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (x && typeof x === "object") {
        const o = x as Expr;
        if (o.kind === "Call") {
          const q = this.dotted(o.func, scope);
          if (q !== null && q.startsWith("torch.autograd.gradcheck")) {
            this.eval(o, scope);
            return;
          }
        }
        for (const [k, v] of Object.entries(o)) if (k !== "loc") walk(v);
      }
    };
    walk([call.args, call.keywords]);
    return undefined;
  }

  private isPrint(e: Expr): boolean {
    return e.kind === "Call" && e.func.kind === "Name" && e.func.id === "print";
  }

  private unbind(t: Tensor): Value[] {
    if (t.ndim === 0) throw new InputError("iteration over a 0-d tensor");
    const out: Value[] = [];
    for (let i = 0; i < t.shape[0]; i++) out.push(T.select(t, 0, i));
    return out;
  }

  private assign(target: Expr, v: Value, scope: Scope, topLevel: boolean): void {
    switch (target.kind) {
      case "Name":
        if (topLevel && this.pinned.has(target.id)) {
          this.note(`'${target.id}' comes from --var; the snippet's assignment was ignored`);
          return;
        }
        scope.vars.set(target.id, v);
        // while re-evaluating (recording off), new tensors are not named: the map would keep
        // every intermediate of every evaluation alive
        if (v instanceof Tensor && this.recording && !this.names.has(v))
          this.names.set(v, target.id);
        return;
      case "Tuple":
      case "List": {
        const items = v instanceof NamedTuple ? v.items : v instanceof Tensor ? this.unbind(v) : v;
        if (!Array.isArray(items))
          throw new InputError(`cannot unpack non-iterable ${typeName(v)} object`, target.loc);
        if (items.length !== target.elts.length) {
          throw new InputError(
            `expected ${target.elts.length} values to unpack, got ${items.length}`,
            target.loc,
          );
        }
        target.elts.forEach((e, i) => this.assign(e, items[i], scope, topLevel));
        return;
      }
      case "Attribute":
        if (target.attr === "requires_grad") {
          const obj = this.eval(target.value, scope);
          if (obj instanceof Tensor) {
            if (truthy(v)) this.markLeaf(obj);
            else obj.requiresGrad = false;
            return;
          }
        }
        throw new InputError(`assignment to '.${target.attr}' is not supported`, target.loc);
      case "Subscript": {
        const obj = this.eval(target.value, scope);
        if (obj instanceof Tensor) this.located(target.loc, () => this.checkInPlace(obj, true));
        throw new InputError("cannot assign to subscript", target.loc);
      }
      default:
        throw new InputError(`cannot assign to ${target.kind.toLowerCase()}`, target.loc);
    }
  }

  /** Names given with --var: the snippet's own top-level assignments to them are ignored. */
  readonly pinned = new Set<string>();

  // ---- expressions -------------------------------------------------------------------------

  /** Evaluates an expression. @throws InputError located at the offending node. */
  eval(e: Expr, scope: Scope): Value {
    switch (e.kind) {
      case "Number":
        return e.value;
      case "String":
        return e.value;
      case "Bool":
        return e.value;
      case "None":
        return null;
      case "Name": {
        const v = scope.get(e.id);
        if (v === undefined) {
          throw new InputError(`name '${e.id}' is not defined: pass --var ${e.id}=SHAPE`, e.loc);
        }
        return v;
      }
      case "Tuple":
      case "List":
        return e.elts.map((x) => this.eval(x, scope));
      case "Attribute":
        return this.attribute(e, scope, false);
      case "Call":
        return this.call(e, scope);
      case "BinOp": {
        const a = this.eval(e.left, scope);
        const b = this.eval(e.right, scope);
        const opPos = this.text.indexOf(e.op, e.left.to);
        const loc = opPos >= 0 && opPos < e.right.from ? this.locAt(opPos) : e.loc;
        return this.located(loc, () => binary(e.op, a, b));
      }
      case "UnaryOp": {
        const v = this.eval(e.operand, scope);
        return this.located(e.loc, () => {
          if (e.op === "not") return !truthy(v);
          if (v instanceof Tensor) {
            if (e.op === "-") return T.neg(v);
            if (e.op === "+") return v;
          }
          if (isNumeric(v)) {
            if (e.op === "-") return -Number(v);
            if (e.op === "+") return Number(v);
          }
          throw new InputError(`bad operand type for unary ${e.op}: '${typeName(v)}'`);
        });
      }
      case "BoolOp": {
        let v: Value = null;
        for (const x of e.values) {
          v = this.eval(x, scope);
          const t = this.located(x.loc, () => truthy(v));
          if (e.op === "and" ? !t : t) return v;
        }
        return v;
      }
      case "Compare": {
        let left = this.eval(e.left, scope);
        let result: Value = true;
        for (let i = 0; i < e.ops.length; i++) {
          const right = this.eval(e.comparators[i], scope);
          const op = e.ops[i];
          const r = this.located(e.loc, () => compare(op, left, right));
          if (r instanceof Tensor) {
            if (e.ops.length > 1)
              throw new InputError("chained comparisons of tensors are not supported", e.loc);
            return r;
          }
          result = r;
          if (!r) return false;
          left = right;
        }
        return result;
      }
      case "IfExp":
        return truthy(this.eval(e.test, scope))
          ? this.eval(e.body, scope)
          : this.eval(e.orelse, scope);
      case "Subscript":
        return this.subscript(e, scope);
      case "Slice":
        return new SliceValue(
          e.lower ? toInt(this.eval(e.lower, scope), "slice start") : null,
          e.upper ? toInt(this.eval(e.upper, scope), "slice stop") : null,
          e.step ? toInt(this.eval(e.step, scope), "slice step") : null,
        );
      case "Lambda":
        return new PyFunction("<lambda>", e.params, e.body, scope, e);
      case "Opaque":
        throw new InputError(`${e.what} is not supported here`, e.loc);
      default:
        throw new InputError(`${describe(e)} is not supported in expressions`, e.loc);
    }
  }

  /** The value of a qualified name such as `torch.nn.functional.relu` or `torch.float64`. */
  qualified(q: string, display: string): Value {
    if (FUNCTIONS.has(q)) return new Builtin(q, display);
    if (MODULES.has(q)) return new PyModule(q);
    if (q in CONSTANTS) return CONSTANTS[q];
    const m = /^torch\.(\w+)$/.exec(q);
    if (m && DTYPES.has(m[1])) return new DType(m[1]);
    // torch.nn.functional.X, torch.autograd.gradcheck: unknown but possibly a module
    return new PyModule(q);
  }

  private attribute(e: Expr & { kind: "Attribute" }, scope: Scope, forCall: boolean): Value {
    const obj = this.eval(e.value, scope);
    const attrLoc = this.locAt(e.to - e.attr.length);
    if (obj instanceof PyModule) {
      const q = `${obj.path}.${e.attr}`;
      const display = `${this.text.slice(e.value.from, e.value.to)}.${e.attr}`;
      const v = this.qualified(q, display);
      if (v instanceof PyModule && !MODULES.has(q) && (forCall || MODULES.has(obj.path))) {
        const prefix = obj.path + ".";
        const cands = [...FUNCTIONS.keys()]
          .filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes("."))
          .map((k) => k.slice(prefix.length));
        const close = closeNames(e.attr, cands);
        const head = this.text.slice(e.value.from, e.value.to);
        const hint =
          close.length > 0
            ? ` (did you mean ${close.map((c) => `'${head}.${c}'`).join(" or ")}?)`
            : "";
        throw new InputError(
          `unknown ${forCall ? "function" : "attribute"} '${display}'${hint}`,
          attrLoc,
        );
      }
      return v;
    }
    if (obj instanceof Tensor)
      return this.located(attrLoc, () => this.tensorAttr(obj, e.attr, forCall));
    if (obj instanceof NamedTuple) {
      const i = obj.names.indexOf(e.attr);
      if (i >= 0) return obj.items[i];
    }
    throw new InputError(`'${typeName(obj)}' object has no attribute '${e.attr}'`, attrLoc);
  }

  private tensorAttr(t: Tensor, attr: string, forCall: boolean): Value {
    if (!forCall) {
      switch (attr) {
        case "T":
        case "mT":
          if (t.ndim < 2) return t;
          return T.transpose(t, -2, -1);
        case "shape":
          return t.shape.slice();
        case "ndim":
          return t.ndim;
        case "requires_grad":
          return t.requiresGrad;
        case "data":
          return t.detach();
        case "grad": {
          // `.backward()` is not run (it changes nothing dlq checks), so `.grad` has no value:
          // refused rather than None, which would fail later with a misleading TypeError
          const name = this.names.get(t);
          throw new InputError(
            `${name ? `${name}.grad` : ".grad"} is not modelled: dlq does not run .backward() or ` +
              "keep .grad, so a gradient-descent step cannot be followed here; dlq gradcheck " +
              "computes the gradient itself: give it the snippet up to the loss (loss = …)",
          );
        }
        case "dtype":
          return new DType("float64");
      }
    }
    if (METHODS.has(attr) || VARARG_METHODS.has(attr) || TENSOR_ONLY.has(attr)) {
      return new Builtin(`torch.${attr}`, `Tensor.${attr}`, t);
    }
    // any in-place method (`add_`, `fill_`, …), even one dlq does not model, is refused first
    if (forCall && /^[a-z]\w*_$/.test(attr)) this.checkInPlace(t);
    const cands = [...METHODS, ...VARARG_METHODS, ...TENSOR_ONLY, "T", "shape", "ndim"];
    const close = closeNames(attr, cands);
    const hint = close.length ? ` (did you mean ${close.map((c) => `'.${c}'`).join(" or ")}?)` : "";
    throw new InputError(
      `'Tensor' object has no ${forCall ? "method" : "attribute"} '${attr}'${hint}`,
    );
  }

  private subscript(e: Expr & { kind: "Subscript" }, scope: Scope): Value {
    const obj = this.eval(e.value, scope);
    const idx = this.eval(e.slice, scope);
    return this.located(e.slice.loc, () => {
      if (obj instanceof Tensor) {
        const parts = Array.isArray(idx) && e.slice.kind === "Tuple" ? idx : [idx];
        const index: T.Index[] = parts.map((p) => {
          if (p instanceof SliceValue) return { start: p.start, stop: p.stop, step: p.step };
          if (typeof p === "number" && Number.isInteger(p)) return p;
          throw new InputError(
            `only integers and slices are supported as tensor indices (got ${typeName(p)})`,
          );
        });
        return T.slice(obj, index);
      }
      const seq = obj instanceof NamedTuple ? obj.items : obj;
      if (Array.isArray(seq) || typeof seq === "string") {
        if (idx instanceof SliceValue) {
          const s = seq.slice(idx.start ?? 0, idx.stop ?? seq.length);
          return typeof s === "string" ? s : s;
        }
        const i = toInt(idx, "index");
        const j = i < 0 ? i + seq.length : i;
        if (j < 0 || j >= seq.length) throw new InputError("index out of range");
        return seq[j];
      }
      throw new InputError(`'${typeName(obj)}' object is not subscriptable`);
    });
  }

  private call(e: Expr & { kind: "Call" }, scope: Scope): Value {
    const fn =
      e.func.kind === "Attribute" ? this.attribute(e.func, scope, true) : this.eval(e.func, scope);
    const args: Value[] = [];
    for (const a of e.args) {
      if (a.kind === "Starred") {
        const v = this.eval(a.value, scope);
        if (!Array.isArray(v)) throw new InputError("argument after * must be a sequence", a.loc);
        args.push(...v);
      } else args.push(this.eval(a, scope));
    }
    const kwargs = new Map<string, Value>();
    for (const k of e.keywords) {
      if (k.name === null) throw new InputError("**kwargs in calls is not supported", k.loc);
      kwargs.set(k.name, this.eval(k.value, scope));
    }
    const loc =
      e.func.kind === "Attribute" ? this.locAt(e.func.to - e.func.attr.length) : e.func.loc;
    this.callLoc = loc;
    return this.located(loc, () => this.apply(fn, args, kwargs, loc));
  }

  /** Calls a function value with positional and keyword arguments. */
  apply(fn: Value, args: Value[], kwargs: Map<string, Value>, loc?: Loc): Value {
    if (fn instanceof Builtin) return this.applyBuiltin(fn, args, kwargs);
    if (fn instanceof PyFunction) return this.applyUser(fn, args, kwargs, loc);
    if (fn instanceof PyModule)
      throw new InputError(
        `unknown function '${fn.path.replace(/^torch\.nn\.functional\./, "F.")}'`,
      );
    throw new InputError(`'${typeName(fn)}' object is not callable`);
  }

  private applyBuiltin(fn: Builtin, args: Value[], kwargs: Map<string, Value>): Value {
    const self = fn.self;
    const name = fn.qualname.slice("torch.".length);
    if (self) {
      // methods that are not torch functions
      switch (name) {
        case "reshape":
        case "view":
          return T.reshape(self, toShape(args, "shape"));
        case "permute":
          return T.permute(self, toShape(args, "dims"));
        case "expand":
          return T.expand(self, toShape(args, "size"));
        case "size": {
          const d = args[0] ?? kwargs.get("dim");
          if (d === undefined) return self.shape.slice();
          return self.shape[T.normDim(toInt(d, "dim"), self.ndim)];
        }
        case "item":
          return self.item();
        case "dim":
        case "ndimension":
          return self.ndim;
        case "numel":
          return self.size;
        case "detach":
          return self.detach();
        case "clone":
          return T.mul(self, 1);
        case "float":
        case "double":
        case "contiguous":
        case "cpu":
        case "to":
          return self;
        case "tolist":
          return toValue(self.toArray());
        case "backward":
          return null;
        case "requires_grad_": {
          const flag = args[0] ?? kwargs.get("requires_grad") ?? true;
          if (typeof flag !== "boolean")
            throw new InputError(
              `requires_grad_(): argument 'requires_grad'${args.length ? " (position 1)" : ""} must be bool, not ${flag === null ? "NoneType" : typeName(flag)}`,
            );
          if (truthy(flag)) this.markLeaf(self);
          else self.requiresGrad = false;
          return self;
        }
        case "zero_":
          this.checkInPlace(self);
          if (this.gradMode && self.requiresGrad)
            throw new InputError(
              "zero_() on a tensor computed from inputs that require grad is supported only under torch.no_grad()",
            );
          this.write(self, T.zeros(self.shape));
          return self;
      }
    }
    const def = FUNCTIONS.get(fn.qualname);
    if (!def) throw new InputError(`unknown function '${fn.display}'`);
    const b = this.bind(def, self ? [self, ...args] : args, kwargs, fn.display);
    return def.call(b);
  }

  private bind(
    def: FunctionDef,
    args: Value[],
    kwargs: Map<string, Value>,
    display: string,
  ): Bound {
    const out: Bound = { args: {}, rest: [], interp: this, display };
    let kwOnly = false;
    let i = 0;
    const names: string[] = [];
    let restName: string | null = null;
    for (const p of def.params) {
      if (p === "*") {
        kwOnly = true;
        continue;
      }
      if (p.startsWith("*")) {
        restName = p.slice(1);
        out.rest = args.slice(i);
        i = args.length;
        kwOnly = true;
        continue;
      }
      const name = p.replace(/\?$/, "");
      names.push(name);
      if (!kwOnly && i < args.length) out.args[name] = args[i++];
    }
    if (i < args.length) {
      throw new InputError(
        `${display}() takes ${names.length} positional argument${names.length === 1 ? "" : "s"} but ${args.length} were given`,
      );
    }
    for (const [k, v] of kwargs) {
      if (names.includes(k)) {
        if (out.args[k] !== undefined)
          throw new InputError(`${display}() got multiple values for argument '${k}'`);
        out.args[k] = v;
      } else if (k === "dtype") {
        this.dtype(v);
      } else if (!IGNORED_KW.has(k)) {
        throw new InputError(
          `${display}() got an unexpected keyword argument '${k}'${didYouMeanQ(k, names)}`,
        );
      }
    }
    for (const p of def.params) {
      if (p.startsWith("*") || p.endsWith("?")) continue;
      if (out.args[p] === undefined) {
        throw new InputError(`${display}() missing required argument '${p}'`);
      }
    }
    if (restName === "size" && out.rest.length === 0 && def.params[0] === "*size") {
      throw new InputError(`${display}() missing required argument 'size'`);
    }
    return out;
  }

  private applyUser(fn: PyFunction, args: Value[], kwargs: Map<string, Value>, loc?: Loc): Value {
    const scope = new Scope(fn.closure);
    let i = 0;
    for (const p of fn.params) {
      if (p.kind === "vararg") {
        scope.vars.set(p.name, args.slice(i));
        i = args.length;
      } else if (p.kind === "kwarg") {
        scope.vars.set(p.name, null);
      } else if (p.kind === "positional" && i < args.length) {
        scope.vars.set(p.name, args[i++]);
      }
    }
    if (i < args.length)
      throw new InputError(
        `${fn.name}() takes ${fn.params.length} arguments but ${args.length} were given`,
      );
    for (const [k, v] of kwargs) {
      if (!fn.params.some((p) => p.name === k && (p.kind === "positional" || p.kind === "kwonly")))
        throw new InputError(`${fn.name}() got an unexpected keyword argument '${k}'`);
      if (scope.vars.has(k))
        throw new InputError(`${fn.name}() got multiple values for argument '${k}'`);
      scope.vars.set(k, v);
    }
    for (const p of fn.params) {
      if (scope.vars.has(p.name)) continue;
      if (p.default) scope.vars.set(p.name, this.eval(p.default, fn.closure));
      else throw new InputError(`${fn.name}() missing required argument '${p.name}'`);
    }
    if (++this.depth > 200) {
      this.depth = 0;
      throw new InputError("maximum recursion depth exceeded", loc);
    }
    try {
      if (!Array.isArray(fn.body)) return this.eval(fn.body, scope);
      try {
        for (const s of fn.body) this.exec(s, scope);
      } catch (sig) {
        if (sig instanceof ReturnSignal) return sig.value;
        throw sig;
      }
      return null;
    } finally {
      this.depth--;
    }
  }
}

/** Tensor methods that are not torch functions (handled in `applyBuiltin`). */
const TENSOR_ONLY = new Set([
  "item",
  "dim",
  "ndimension",
  "numel",
  "detach",
  "clone",
  "float",
  "double",
  "contiguous",
  "cpu",
  "to",
  "tolist",
  "backward",
  "requires_grad_",
  "zero_",
]);

function didYouMeanQ(name: string, cands: string[]): string {
  const close = closeNames(name, cands);
  return close.length ? ` (did you mean ${close.map((c) => `'${c}'`).join(" or ")}?)` : "";
}

function toValue(v: T.NestedArray): Value {
  return Array.isArray(v) ? v.map(toValue) : v;
}

function compare(op: string, a: Value, b: Value): Value {
  if (a instanceof Tensor || b instanceof Tensor) {
    return compareTensors(toTensorLike(a, "left operand"), toTensorLike(b, "right operand"), op);
  }
  switch (op) {
    case "is":
      return a === b;
    case "is not":
      return a !== b;
    case "==":
      return a === b;
    case "!=":
      return a !== b;
  }
  if (isNumeric(a) && isNumeric(b)) {
    const x = Number(a);
    const y = Number(b);
    if (op === "<") return x < y;
    if (op === ">") return x > y;
    if (op === "<=") return x <= y;
    if (op === ">=") return x >= y;
  }
  if (op === "in" || op === "not in") {
    const inside = Array.isArray(b) && b.includes(a);
    return op === "in" ? inside : !inside;
  }
  throw new InputError(`'${op}' not supported between '${typeName(a)}' and '${typeName(b)}'`);
}

function describe(e: Expr): string {
  switch (e.kind) {
    case "Comprehension":
      return "a comprehension";
    case "Dict":
      return "a dict";
    case "Set":
      return "a set";
    case "Starred":
      return "'*' unpacking";
    case "Ellipsis":
      return "'...'";
    default:
      return e.kind;
  }
}

// ---------------------------------------------------------------------------------------------
// Free names

/** Names an expression reads that are not bound inside it (lambda parameters are bound). */
export function freeNames(e: Expr, bound: ReadonlySet<string> = new Set()): Map<string, Loc> {
  const out = new Map<string, Loc>();
  const walk = (x: Expr | undefined, b: ReadonlySet<string>): void => {
    if (!x) return;
    switch (x.kind) {
      case "Name":
        if (!b.has(x.id) && !out.has(x.id)) out.set(x.id, x.loc);
        return;
      case "Attribute":
        return walk(x.value, b);
      case "Call":
        walk(x.func, b);
        x.args.forEach((a) => walk(a, b));
        x.keywords.forEach((k) => walk(k.value, b));
        return;
      case "Tuple":
      case "List":
      case "Set":
        x.elts.forEach((a) => walk(a, b));
        return;
      case "BinOp":
        walk(x.left, b);
        walk(x.right, b);
        return;
      case "UnaryOp":
        return walk(x.operand, b);
      case "BoolOp":
        x.values.forEach((a) => walk(a, b));
        return;
      case "Compare":
        walk(x.left, b);
        x.comparators.forEach((a) => walk(a, b));
        return;
      case "Subscript":
        walk(x.value, b);
        walk(x.slice, b);
        return;
      case "Slice":
        walk(x.lower, b);
        walk(x.upper, b);
        walk(x.step, b);
        return;
      case "Starred":
        return walk(x.value, b);
      case "IfExp":
        walk(x.test, b);
        walk(x.body, b);
        walk(x.orelse, b);
        return;
      case "Lambda": {
        const nb = new Set(b);
        x.params.forEach((p) => nb.add(p.name));
        return walk(x.body, nb);
      }
      default:
        return;
    }
  };
  walk(e, bound);
  return out;
}

/**
 * Names a function body reads that are neither parameters nor assigned in the body (`with`
 * bodies included).
 */
export function freeNamesOfDef(fn: FunctionDefStmt | LambdaExpr): Map<string, Loc> {
  const bound = new Set(fn.params.map((p) => p.name));
  const out = new Map<string, Loc>();
  const addAll = (m: Map<string, Loc>): void => {
    for (const [k, v] of m) if (!out.has(k)) out.set(k, v);
  };
  if (fn.kind === "Lambda") return freeNames(fn.body, bound);
  const assigned = (t: Expr): void => {
    if (t.kind === "Name") bound.add(t.id);
    else if (t.kind === "Tuple" || t.kind === "List") t.elts.forEach(assigned);
  };
  const visit = (stmts: Stmt[]): void => {
    for (const s of stmts) {
      switch (s.kind) {
        case "Assign":
          addAll(freeNames(s.value, bound));
          s.targets.forEach(assigned);
          break;
        case "AugAssign":
          addAll(freeNames(s.value, bound));
          addAll(freeNames(s.target, bound));
          break;
        case "Expr":
          addAll(freeNames(s.value, bound));
          break;
        case "Return":
          if (s.value) addAll(freeNames(s.value, bound));
          break;
        case "If":
          addAll(freeNames(s.test, bound));
          visit(s.body);
          visit(s.orelse);
          break;
        case "For":
          addAll(freeNames(s.iter, bound));
          assigned(s.target);
          visit(s.body);
          visit(s.orelse);
          break;
        case "FunctionDef":
          bound.add(s.name);
          break;
        case "Import":
        case "ImportFrom":
          for (const a of s.names) bound.add(a.asname ?? a.name.split(".")[0]);
          break;
        case "Skipped": {
          const w = withParts(s);
          if (w) {
            for (const item of w.items) {
              addAll(freeNames(item.expr, bound));
              if (item.target) assigned(item.target);
            }
            visit(w.body);
          }
          break;
        }
        default:
          break;
      }
    }
  };
  visit(fn.body);
  return out;
}

export { parsePython, TensorError };
