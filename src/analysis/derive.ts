/**
 * `dlq derive`'s analysis: the symbolic derivative of a scalar expression with mathjs
 * (https://mathjs.org/docs/reference/functions/derivative.html), cross-checked at given points
 * against dlq's tensor core (the same parse tree evaluated with tensor ops and back-propagated)
 * and against central finite differences.
 *
 * Hardening, after mathjs's security guide (https://mathjs.org/docs/expressions/security.html):
 * input is capped at {@link MAX_LENGTH} characters; the mathjs instance is a private one whose
 * `import`, `createUnit`, `evaluate`, `parse`, `simplify`, `derivative`, `resolve`, `reviver`,
 * `compile`, `parser`, `chain`, `rationalize` … are replaced by functions that throw
 * "function X is disabled" (dlq keeps its own references, taken before the override); and the
 * parse tree is checked before anything is evaluated: only numbers, symbols, arithmetic
 * operators, parentheses and a whitelist of elementary functions are accepted, so a disabled
 * function is refused with exit 2 before it could run.
 *
 * mathjs's symbolic work is bounded, not only the input's length: simplification can take time
 * exponential in the number of terms of a sum (`x+x+…+x`, 27 terms: 40 s) and a tower `x^x^…^x`
 * has a derivative quadratic in its height. dlq counts mathjs's steps on its private instance
 * (each type test and serialisation of a node: {@link countSteps}); the unsimplified derivative
 * must be at most {@link MAX_DERIVATIVE_NODES} nodes (else exit 2), and a simplification that
 * exceeds {@link SIMPLIFY_STEPS} steps (about a second) is abandoned for the unsimplified
 * derivative, with a note. Steps, not seconds: the same expression gives the same answer on every
 * machine.
 *
 * mathjs is imported on demand (it takes about a second to load).
 */
import { createRequire } from "node:module";
import { InputError } from "../errors.js";
import * as T from "../tensor/index.js";
import { Tensor } from "../tensor/index.js";
import { closeNames } from "../util/suggest.js";

/** Longest accepted expression, in characters. */
export const MAX_LENGTH = 1000;

/** Nodes of the unsimplified derivative dlq shows and evaluates at most. */
export const MAX_DERIVATIVE_NODES = 10_000;

/** mathjs steps (see {@link countSteps}) of differentiating, before simplification. */
export const DERIVATIVE_STEPS = 2_000_000;

/** mathjs steps a simplification may take (under a second) before dlq gives it up. */
export const SIMPLIFY_STEPS = 1_500_000;

/** mathjs steps of the light clean-up (1·x → x, 0 + x → x) of a derivative left unsimplified. */
export const CLEANUP_STEPS = 200_000;

/** Functions that are disabled inside expressions (mathjs's security guide, and then some). */
export const DISABLED = [
  "import",
  "createUnit",
  "evaluate",
  "parse",
  "simplify",
  "simplifyConstant",
  "simplifyCore",
  "derivative",
  "resolve",
  "reviver",
  "replacer",
  "compile",
  "parser",
  "chain",
  "rationalize",
  "leafCount",
  "symbolicEqual",
];

/** mathjs functions accepted in expressions, each with its arity range. */
const FUNCS: Record<string, [number, number]> = {
  exp: [1, 1],
  expm1: [1, 1],
  log: [1, 2],
  log1p: [1, 1],
  log2: [1, 1],
  log10: [1, 1],
  sqrt: [1, 1],
  cbrt: [1, 1],
  abs: [1, 1],
  square: [1, 1],
  cube: [1, 1],
  pow: [2, 2],
  sin: [1, 1],
  cos: [1, 1],
  tan: [1, 1],
  sinh: [1, 1],
  cosh: [1, 1],
  tanh: [1, 1],
};
const OPS = new Set(["add", "subtract", "multiply", "divide", "pow", "unaryMinus", "unaryPlus"]);
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E, PI: Math.PI, E: Math.E };

/** The fields of mathjs nodes this module reads. */
interface MNode {
  type: string;
  fn?: MNode | string;
  name?: string;
  op?: string;
  args?: MNode[];
  value?: unknown;
  content?: MNode;
  toString(): string;
  compile(): { evaluate(scope?: Record<string, number>): unknown };
  traverse(cb: (node: MNode, path: string, parent: MNode | null) => void): void;
}

export interface DeriveOptions {
  /** The variable (default: the only free symbol). */
  wrt?: string;
  /**
   * Points to check at; each must assign every free symbol. Without points: wrt = 0.5, 1, 2 and
   * every other symbol 1 (reported in the notes).
   */
  at?: Record<string, number>[];
}

export interface DerivePoint {
  at: Record<string, number>;
  /** f at the point (null where not a finite real). */
  value: number | null;
  /** The symbolic derivative evaluated at the point. */
  symbolic: number | null;
  /** The tensor core's autodiff. */
  autodiff: number | null;
  /** Central difference (f(x+h) − f(x−h))/2h, h = 1e-6·max(1, |x|). */
  numerical: number | null;
  /** Symbolic vs autodiff within 1e-8 relative, and vs numerical within atol 1e-5 + rtol 1e-3. */
  agree: boolean | null;
  note?: string;
}

export interface DeriveResult {
  expression: string;
  wrt: string;
  symbols: string[];
  derivative: string;
  points: DerivePoint[];
  /**
   * At least one point was compared and none disagrees (points where the derivative is undefined
   * are not counted; with none compared, nothing was checked and this is false).
   */
  agree: boolean;
  /** How many points were compared (the derivative defined there). */
  checked: number;
  notes: string[];
}

const WHERE = "<expr>";
const at1 = (column: number) => ({ file: WHERE, line: 1, column });

interface Limited {
  parse(s: string): MNode;
  derivative(n: MNode, x: string, options?: { simplify: boolean }): MNode;
  simplify(n: MNode): MNode;
  simplifyCore(n: MNode): MNode;
}

let cached: Limited | null = null;

/** Steps left to the symbolic work running now (Infinity: none is counted). */
let stepsLeft = Infinity;

/** Thrown inside mathjs when a budget runs out (never reaches the user). */
class OutOfSteps extends Error {}

/**
 * Runs `f` with a budget of `steps` mathjs steps; undefined if it ran out. A budget stays spent
 * once exhausted (every later step throws again), so that a `catch` inside mathjs cannot carry
 * on past it.
 */
function withBudget<T>(steps: number, f: () => T): T | undefined {
  stepsLeft = steps;
  try {
    return f();
  } catch (e) {
    if (e instanceof OutOfSteps || stepsLeft < 0) return undefined;
    throw e;
  } finally {
    stepsLeft = Infinity;
  }
}

/**
 * Counts mathjs's steps on a private instance's node classes: every type test of a node
 * (`isOperatorNode`, … — mathjs's algorithms make one per node they look at), every node
 * serialised (`toJSON`: simplify compares matches that way) and printed (`toString`). Node
 * constructors test only `isNode`, which is not counted: a budget never runs out inside one.
 */
function countSteps(math: Record<string, unknown>): void {
  const step = (): void => {
    if (--stepsLeft < 0) throw new OutOfSteps("out of steps");
  };
  for (const name of [
    "OperatorNode",
    "FunctionNode",
    "ConstantNode",
    "SymbolNode",
    "ParenthesisNode",
  ]) {
    const proto = (math[name] as { prototype: Record<string, unknown> }).prototype;
    Object.defineProperty(proto, `is${name}`, {
      configurable: true,
      get() {
        step();
        return true;
      },
    });
    const toJSON = proto.toJSON as (this: unknown) => unknown;
    proto.toJSON = function (this: unknown) {
      step();
      return toJSON.call(this);
    };
  }
  const node = (math.Node as { prototype: Record<string, unknown> }).prototype;
  const toString = node.toString as (this: unknown, o?: unknown) => string;
  node.toString = function (this: unknown, o?: unknown) {
    step();
    return toString.call(this, o);
  };
}

/** Nodes of a tree (subtrees mathjs shares between branches count each time they appear). */
function treeSize(root: MNode, limit: number): number {
  const memo = new Map<MNode, number>();
  const size = (n: MNode): number => {
    const known = memo.get(n);
    if (known !== undefined) return known;
    let total = 1;
    for (const c of children(n)) total = Math.min(limit + 1, total + size(c));
    memo.set(n, total);
    return total;
  };
  return size(root);
}

/** A node's children (the function of a FunctionNode is not one). */
function children(n: MNode): MNode[] {
  if (n.type === "ParenthesisNode") return n.content ? [n.content] : [];
  return n.args ?? [];
}

/** 2000000 → `2,000,000`. */
const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** Whether a tree holds a constant that is not a finite number (Infinity, NaN from folding). */
function hasNonFinite(root: MNode): boolean {
  let found = false;
  root.traverse((n) => {
    if (n.type === "ConstantNode" && !(typeof n.value === "number" && Number.isFinite(n.value)))
      found = true;
  });
  return found;
}

/**
 * mathjs's CommonJS build, required on first use (never at start-up). A synchronous require, as for
 * ajv: the CLI bundle is CommonJS run through V8's code cache (bin/load-cli.cjs).
 */
async function loadMathjs(): Promise<typeof import("mathjs")> {
  return createRequire(import.meta.url)("mathjs") as typeof import("mathjs");
}

/** A private, hardened mathjs instance (see the module comment). */
async function mathjs(): Promise<Limited> {
  if (cached) return cached;
  const { create, all } = await loadMathjs();
  const math = create(all);
  // keep references before disabling them inside expressions
  const parse = math.parse as unknown as (s: string) => MNode;
  const derivative = math.derivative as unknown as Limited["derivative"];
  const simplify = math.simplify as unknown as Limited["simplify"];
  const simplifyCore = math.simplifyCore as unknown as Limited["simplifyCore"];
  const disabled: Record<string, () => never> = {};
  for (const name of DISABLED) {
    disabled[name] = () => {
      throw new Error(`function ${name} is disabled`);
    };
  }
  math.import(disabled, { override: true });
  countSteps(math as unknown as Record<string, unknown>);
  cached = { parse, derivative, simplify, simplifyCore };
  return cached;
}

function isNumber(v: unknown): v is number {
  return typeof v === "number";
}

/** The first numeric literal of `text` that overflows to Infinity (e.g. `1e400`), with its column. */
function nonFiniteLiteral(text: string): { text: string; column: number } | null {
  const re = /(?<![A-Za-z0-9_.])(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (!Number.isFinite(Number(m[0]))) return { text: m[0], column: m.index + 1 };
  }
  return null;
}

/** Checks the tree (whitelist) and returns its free symbols in order of appearance. */
function validate(root: MNode, text: string): string[] {
  const symbols: string[] = [];
  const fnNodes = new Set<MNode>();
  const col = (name: string): number => Math.max(1, text.indexOf(name) + 1);
  root.traverse((n) => {
    switch (n.type) {
      case "ConstantNode":
        if (!isNumber(n.value))
          throw new InputError(
            `only numbers are allowed as constants (got ${n.toString()})`,
            at1(1),
          );
        if (!Number.isFinite(n.value)) {
          const lit = nonFiniteLiteral(text);
          throw new InputError(
            `the number ${lit ? lit.text : n.toString()} is not finite${lit ? " (beyond float64's range, about 1.8e308)" : ""}`,
            at1(lit ? lit.column : Math.max(1, text.indexOf(n.toString()) + 1)),
          );
        }
        return;
      case "ParenthesisNode":
        return;
      case "OperatorNode":
        if (!OPS.has(String(n.fn)))
          throw new InputError(`operator '${n.op}' is not allowed`, at1(col(n.op ?? "")));
        return;
      case "FunctionNode": {
        const f = n.fn as MNode;
        fnNodes.add(f);
        const name = f.type === "SymbolNode" ? String(f.name) : f.toString();
        if (DISABLED.includes(name))
          throw new InputError(`function ${name} is disabled`, at1(col(name)));
        const arity = Object.hasOwn(FUNCS, name) ? FUNCS[name] : undefined;
        if (!arity) {
          const close = closeNames(name, Object.keys(FUNCS));
          const hint = close.length
            ? ` (did you mean ${close.map((c) => `'${c}'`).join(" or ")}?)`
            : "";
          throw new InputError(`unknown or unsupported function '${name}'${hint}`, at1(col(name)));
        }
        const k = n.args?.length ?? 0;
        if (k < arity[0] || k > arity[1])
          throw new InputError(
            `${name}() takes ${arity[0]}${arity[1] > arity[0] ? `–${arity[1]}` : ""} argument(s), got ${k}`,
            at1(col(name)),
          );
        return;
      }
      case "SymbolNode": {
        if (fnNodes.has(n)) return;
        const name = String(n.name);
        // Own keys only: `constructor` or `toString` is a variable, not Object.prototype's.
        if (Object.hasOwn(CONSTANTS, name)) return;
        if (name === "Infinity" || name === "NaN")
          throw new InputError(`'${name}' is not a finite number`, at1(col(name)));
        if (DISABLED.includes(name))
          throw new InputError(`function ${name} is disabled`, at1(col(name)));
        if (Object.hasOwn(FUNCS, name))
          throw new InputError(`'${name}' is a function: call it, e.g. ${name}(x)`, at1(col(name)));
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
          throw new InputError(`'${name}' is not a variable name`, at1(col(name)));
        // Object.prototype's names (constructor, toString, __proto__…): mathjs refuses to read
        // them from a scope, and `__proto__` would set a point's prototype, not a value.
        if (name in Object.prototype)
          throw new InputError(`'${name}' cannot be a variable: rename it`, at1(col(name)));
        if (!symbols.includes(name)) symbols.push(name);
        return;
      }
      default:
        throw new InputError(
          `${n.type.replace(/Node$/, "").toLowerCase()} expressions are not allowed: give one scalar expression`,
          at1(1),
        );
    }
  });
  return symbols;
}

/** Evaluates the (validated) tree on the tensor core. */
function toTensor(n: MNode, scope: Map<string, Tensor>): Tensor {
  const rec = (m: MNode): Tensor => toTensor(m, scope);
  switch (n.type) {
    case "ConstantNode":
      return T.tensor(n.value as number);
    case "ParenthesisNode":
      return rec(n.content!);
    case "SymbolNode": {
      const name = String(n.name);
      const t = scope.get(name);
      if (t) return t;
      return T.tensor(CONSTANTS[name]);
    }
    case "OperatorNode": {
      const a = n.args!.map(rec);
      switch (String(n.fn)) {
        case "add":
          return T.add(a[0], a[1]);
        case "subtract":
          return T.sub(a[0], a[1]);
        case "multiply":
          return T.mul(a[0], a[1]);
        case "divide":
          return T.div(a[0], a[1]);
        case "pow":
          return powT(a[0], a[1], n.args![1]);
        case "unaryMinus":
          return T.neg(a[0]);
        default:
          return a[0];
      }
    }
    case "FunctionNode": {
      const name = String((n.fn as MNode).name);
      const a = n.args!.map(rec);
      const x = a[0];
      switch (name) {
        case "exp":
          return T.exp(x);
        case "expm1":
          return T.unaryOp("expm1", x, Math.expm1, (v) => Math.exp(v));
        case "log":
          return a.length === 2 ? T.div(T.log(x), T.log(a[1])) : T.log(x);
        case "log1p":
          return T.unaryOp("log1p", x, Math.log1p, (v) => 1 / (1 + v));
        case "log2":
          return T.div(T.log(x), Math.LN2);
        case "log10":
          return T.div(T.log(x), Math.LN10);
        case "sqrt":
          return T.sqrt(x);
        case "cbrt":
          return T.unaryOp("cbrt", x, Math.cbrt, (_v, y) => 1 / (3 * y * y));
        case "abs":
          return T.abs(x);
        case "square":
          return T.pow(x, 2);
        case "cube":
          return T.pow(x, 3);
        case "pow":
          return powT(x, a[1], n.args![1]);
        case "sin":
          return T.unaryOp("sin", x, Math.sin, (v) => Math.cos(v));
        case "cos":
          return T.unaryOp("cos", x, Math.cos, (v) => -Math.sin(v));
        case "tan":
          return T.unaryOp("tan", x, Math.tan, (_v, y) => 1 + y * y);
        case "sinh":
          return T.unaryOp("sinh", x, Math.sinh, (v) => Math.cosh(v));
        case "cosh":
          return T.unaryOp("cosh", x, Math.cosh, (v) => Math.sinh(v));
        case "tanh":
          return T.tanh(x);
      }
      throw new InputError(`function '${name}' has no tensor-core counterpart`);
    }
  }
  throw new InputError(`unsupported node ${n.type}`);
}

/** a^b; a constant exponent uses the power rule only (no log of a negative base). */
function powT(a: Tensor, b: Tensor, bNode: MNode): Tensor {
  const constant =
    bNode.type === "ConstantNode" ||
    (bNode.type === "OperatorNode" &&
      String(bNode.fn) === "unaryMinus" &&
      bNode.args![0].type === "ConstantNode");
  return constant ? T.pow(a, b.item()) : T.pow(a, b);
}

const finite = (v: unknown): number | null =>
  typeof v === "number" && Number.isFinite(v) ? v : null;

/**
 * The derivative of `node` by `wrt`, simplified by mathjs when that fits in {@link SIMPLIFY_STEPS}
 * and folds no constant out of float64's range (`1e308*x*10`), else as differentiated (with
 * 1·x, 0+x… removed when that fits too), with a note saying so.
 * @throws InputError when mathjs refuses, or the derivative exceeds {@link DERIVATIVE_STEPS} or
 *   {@link MAX_DERIVATIVE_NODES}.
 */
function differentiate(m: Limited, node: MNode, wrt: string, notes: string[]): MNode {
  const tooLarge = (what: string): InputError =>
    new InputError(
      `the derivative is too large for dlq (${what}): differentiate a smaller expression, or a part of it at a time`,
      WHERE,
    );
  let raw: MNode | undefined;
  try {
    raw = withBudget(DERIVATIVE_STEPS, () => m.derivative(node, wrt, { simplify: false }));
  } catch (e) {
    throw new InputError(`mathjs cannot differentiate this: ${(e as Error).message}`, WHERE);
  }
  if (raw === undefined) throw tooLarge(`more than ${grouped(DERIVATIVE_STEPS)} steps`);
  const size = treeSize(raw!, MAX_DERIVATIVE_NODES);
  if (size > MAX_DERIVATIVE_NODES)
    throw tooLarge(`more than ${grouped(MAX_DERIVATIVE_NODES)} nodes before simplification`);
  let simplified: MNode | undefined;
  try {
    simplified = withBudget(SIMPLIFY_STEPS, () => m.simplify(raw!));
  } catch {
    simplified = undefined;
  }
  if (simplified !== undefined && !hasNonFinite(simplified)) return simplified;
  notes.push(
    simplified === undefined
      ? `the derivative is shown as differentiated, not simplified: simplifying it takes mathjs more than ${grouped(SIMPLIFY_STEPS)} steps`
      : "the derivative is shown as differentiated, not simplified: simplifying it folds constants beyond float64's range (about 1.8e308)",
  );
  let core: MNode | undefined;
  try {
    core = withBudget(CLEANUP_STEPS, () => m.simplifyCore(raw!));
  } catch {
    core = undefined;
  }
  const shown = core !== undefined && !hasNonFinite(core) ? core : raw!;
  if (hasNonFinite(shown))
    throw new InputError(
      "the derivative has a constant beyond float64's range (about 1.8e308)",
      WHERE,
    );
  return shown;
}

/**
 * Differentiates `text` with respect to `opts.wrt` and cross-checks the result.
 * @throws InputError (exit 2) on a too long or invalid expression, a disabled or unknown function,
 *   a non-finite literal (`1e400`), an ambiguous variable, a `--wrt` symbol not in the
 *   expression, or a point that does not assign every free symbol.
 */
export async function derive(text: string, opts: DeriveOptions = {}): Promise<DeriveResult> {
  if (text.length > MAX_LENGTH)
    throw new InputError(
      `expression too long (${text.length} characters; at most ${MAX_LENGTH})`,
      WHERE,
    );
  if (text.trim() === "") throw new InputError("empty expression", WHERE);
  const m = await mathjs();
  let node: MNode;
  try {
    node = m.parse(text);
  } catch (e) {
    // mathjs's parser recurses once per nesting level: ((((x)))) 400 deep exhausts the stack.
    if (e instanceof RangeError && /call stack/i.test(e.message))
      throw new InputError("the expression nests too deeply for mathjs's parser", WHERE);
    const msg = (e as Error).message;
    const ch = /\(char (\d+)\)/.exec(msg);
    throw new InputError(
      `invalid syntax: ${msg.replace(/\s*\(char \d+\)/, "")}`,
      at1(ch ? Math.max(1, Number(ch[1])) : 1),
    );
  }
  const symbols = validate(node, text);
  const notes: string[] = [];
  let wrt = opts.wrt;
  if (wrt !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(wrt))
      throw new InputError(`'${wrt}' is not a variable name`, "--wrt");
    if (!symbols.includes(wrt))
      throw new InputError(
        `${wrt} does not appear in the expression${symbols.length ? ` (its symbols: ${symbols.join(", ")})` : ""}`,
        `--wrt ${wrt}`,
      );
  } else if (symbols.length === 1) wrt = symbols[0];
  else if (symbols.length === 0)
    throw new InputError("the expression has no variable to differentiate by", WHERE);
  else
    throw new InputError(
      `several free symbols (${symbols.join(", ")}): choose one with --wrt`,
      WHERE,
    );
  const pointText = (p: Record<string, number>): string =>
    `--at ${Object.entries(p)
      .map(([k, v]) => `${k}=${v}`)
      .join(",")}`;
  for (const p of opts.at ?? []) {
    for (const k of Object.keys(p)) {
      if (!symbols.includes(k) && k !== wrt)
        throw new InputError(`'${k}' does not appear in the expression`, `--at ${k}=${p[k]}`);
    }
    // a point is one assignment of every symbol: `--at x=2 --at y=3` is two points, each
    // missing a symbol, not one point (write `--at x=2,y=3`)
    const missing = symbols.filter((k) => p[k] === undefined);
    if (missing.length > 0) {
      const example = symbols.map((k) => `${k}=${p[k] ?? "VALUE"}`).join(",");
      throw new InputError(
        `${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not given: each --at is one point and must assign every symbol of the expression (${symbols.join(", ")}), e.g. --at ${example}`,
        pointText(p),
      );
    }
  }
  const d = differentiate(m, node, wrt, notes);
  const fC = node.compile();
  const dC = d.compile();
  const pts: Record<string, number>[] =
    opts.at && opts.at.length > 0 ? opts.at : [{ [wrt]: 0.5 }, { [wrt]: 1 }, { [wrt]: 2 }];
  const others = symbols.filter((s) => s !== wrt);
  if (!(opts.at && opts.at.length > 0) && others.length > 0) {
    notes.push(
      `no --at given: checked at ${wrt} = 0.5, 1, 2 with ${others.map((s) => `${s} = 1`).join(", ")} (defaulted)`,
    );
  }
  const points: DerivePoint[] = pts.map((given) => {
    const at: Record<string, number> = { ...given };
    // only the default points (no --at) get here without every symbol
    for (const s of others) if (at[s] === undefined) at[s] = 1;
    const ev = (c: { evaluate(s: Record<string, number>): unknown }, s: Record<string, number>) => {
      try {
        return finite(c.evaluate(s));
      } catch {
        return null;
      }
    };
    const value = ev(fC, at);
    const symbolic = ev(dC, at);
    const x = at[wrt!];
    const h = 1e-6 * Math.max(1, Math.abs(x));
    const fp = ev(fC, { ...at, [wrt!]: x + h });
    const fm = ev(fC, { ...at, [wrt!]: x - h });
    const numerical = fp !== null && fm !== null ? (fp - fm) / (2 * h) : null;
    let autodiff: number | null = null;
    const scope = new Map<string, Tensor>();
    for (const [k, v] of Object.entries(at)) scope.set(k, T.tensor(v, { requiresGrad: k === wrt }));
    if (!scope.has(wrt!)) scope.set(wrt!, T.tensor(x, { requiresGrad: true }));
    const out = toTensor(node, scope);
    if (out.requiresGrad) autodiff = finite(T.grad(out, [scope.get(wrt!)!])[0][0]);
    else autodiff = Number.isFinite(out.item()) ? 0 : null;
    let agree: boolean | null = null;
    let note: string | undefined;
    // a point agrees only when the function, the symbolic derivative, autodiff and the central
    // difference all exist (finite reals) there and agree; otherwise it is n/a, with the reason
    const undef = [
      value === null ? "the function" : null,
      symbolic === null ? "the symbolic derivative" : null,
      autodiff === null ? "autodiff" : null,
      numerical === null ? "the central difference" : null,
    ].filter((u): u is string => u !== null);
    if (value === null || symbolic === null || autodiff === null || numerical === null) {
      const list =
        undef.length > 1
          ? `${undef.slice(0, -1).join(", ")} and ${undef[undef.length - 1]}`
          : undef[0];
      note = `${list} ${undef.length > 1 ? "are" : "is"} undefined (or not a finite real) here: not checked`;
    } else {
      const okAd = Math.abs(symbolic - autodiff) <= 1e-12 + 1e-8 * Math.abs(symbolic);
      const okFd = Math.abs(symbolic - numerical) <= 1e-5 + 1e-3 * Math.abs(numerical);
      agree = okAd && okFd;
      if (!okAd) note = "symbolic and autodiff differ";
      else if (!okFd) note = "symbolic and finite differences differ (a kink or a discontinuity?)";
    }
    return { at, value, symbolic, autodiff, numerical, agree, ...(note ? { note } : {}) };
  });
  return {
    expression: node.toString(),
    wrt,
    symbols,
    derivative: d.toString(),
    points,
    agree: points.some((p) => p.agree === true) && points.every((p) => p.agree !== false),
    checked: points.filter((p) => p.agree !== null).length,
    notes,
  };
}
