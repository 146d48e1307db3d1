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
 * mathjs is imported on demand (it takes about a second to load).
 */
import { createRequire } from "node:module";
import { InputError } from "../errors.js";
import * as T from "../tensor/index.js";
import { Tensor } from "../tensor/index.js";
import { closeNames } from "../util/suggest.js";

/** Longest accepted expression, in characters. */
export const MAX_LENGTH = 1000;

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
  derivative(n: MNode, x: string): MNode;
}

let cached: Limited | null = null;

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
  const derivative = math.derivative as unknown as (n: MNode, x: string) => MNode;
  const disabled: Record<string, () => never> = {};
  for (const name of DISABLED) {
    disabled[name] = () => {
      throw new Error(`function ${name} is disabled`);
    };
  }
  math.import(disabled, { override: true });
  cached = { parse, derivative };
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
        const arity = FUNCS[name];
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
        if (name in CONSTANTS) return;
        if (name === "Infinity" || name === "NaN")
          throw new InputError(`'${name}' is not a finite number`, at1(col(name)));
        if (DISABLED.includes(name))
          throw new InputError(`function ${name} is disabled`, at1(col(name)));
        if (name in FUNCS)
          throw new InputError(`'${name}' is a function: call it, e.g. ${name}(x)`, at1(col(name)));
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
          throw new InputError(`'${name}' is not a variable name`, at1(col(name)));
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
  let d: MNode;
  try {
    d = m.derivative(node, wrt);
  } catch (e) {
    throw new InputError(`mathjs cannot differentiate this: ${(e as Error).message}`, WHERE);
  }
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
