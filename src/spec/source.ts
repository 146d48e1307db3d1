/**
 * Reads a model definition from PyTorch source code, without executing it.
 *
 * The source is parsed by src/spec/python.ts and then *interpreted* over a tiny value domain:
 * numbers, strings, booleans, None, tuples, lists, OrderedDicts, torch.nn modules and tensor shapes.
 * Statements run top to bottom in an environment of names:
 *
 * - arithmetic (`+ - * / // % **`, unary minus, comparisons), tuples (`p1, p2 = 0.1, 0.2`);
 * - `nn.X(...)`, `torch.nn.X(...)` and imported `X(...)` construct a layer
 *   ({@link LayerModule}; arguments are kept as written, the layer catalogue binds them later);
 * - `nn.Sequential(a, b)`, `nn.Sequential(OrderedDict([("conv", a), …]))`, `*[...]` unpacking,
 *   `[a, b] * 24` (the SAME module objects, i.e. shared weights, as in Python), list
 *   comprehensions and `for` loops (fresh modules on each iteration), `.append`, `nn.ModuleList`;
 * - functions defined in the file (`def block(c): return nn.Sequential(...)`) are called;
 *   `class` definitions are not interpreted;
 * - the body of a `with` over torch's context managers (`with torch.no_grad():`, see
 *   {@link TORCH_CONTEXTS}) runs in the enclosing scope; any other `with` is skipped like other
 *   statements dlq does not interpret (the names it binds are unknown);
 * - `model(torch.rand(1, 3, 32, 32))`, `torch.randint(..., size=(5, 6))` etc. give the input shape.
 *
 * Anything else (prints, optimisers, `loss.backward()`) evaluates to an "unknown" value and is
 * ignored — unless it ends up where a module or a layer argument is needed, which is an
 * {@link InputError} located at the culprit (e.g. `name 'H' is not defined`).
 */
import { InputError, type Loc } from "../errors.js";
import { didYouMean } from "../util/suggest.js";
import {
  LineScanner,
  parsePython,
  tooDeep,
  type CallExpr,
  type Expr,
  type FunctionDefStmt,
  type Stmt,
  type WithItem,
} from "../python/parse.js";
import {
  pyNumber,
  type LayerModule,
  type ModelSpec,
  type ModuleSpec,
  type PyValue,
  type SequentialModule,
} from "./types.js";

/** What the parsers need to know about the layer catalogue (src/analysis/layers). */
export interface LayerCatalogue {
  /** Whether `name` is a PyTorch module class dlq knows (`Conv2d`, `ReLU`, …). */
  isKnownLayer: (name: string) => boolean;
  /** All known class names (for "did you mean" suggestions). */
  knownLayers: () => Iterable<string>;
}

export interface ParseOptions extends LayerCatalogue {
  /** The name of the model to pick when the source defines several (`--model NAME`). */
  model?: string;
}

/**
 * Sets `obj[key] = value` as an own, enumerable property, even for keys such as `__proto__`
 * (user-supplied argument names must never change an object's prototype).
 */
export function setKey<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Containers the parsers build themselves (not in the layer catalogue). */
export const CONTAINER_TYPES = ["Sequential", "ModuleList"] as const;

/** torch.nn classes that are not layers (losses, base classes): constructing one is ignored. */
const NON_LAYER =
  /Loss$|^(Module|Parameter|ParameterList|ParameterDict|ModuleDict|DataParallel|Buffer)$/;

/** Tensor factories whose size is given by `size=` or positional dimensions. */
const TENSOR_FACTORIES = new Set(["rand", "randn", "zeros", "ones", "empty", "randint", "full"]);

/**
 * torch's context managers that set autograd's grad mode, by qualified name: the mode each sets
 * (`torch.no_grad`, also under `torch.autograd` and `torch.autograd.grad_mode`). The gradcheck
 * interpreter (src/analysis/expr.ts) runs their bodies under that mode.
 */
export const GRAD_MODE_CONTEXTS: ReadonlyMap<string, string> = new Map(
  ["no_grad", "enable_grad", "inference_mode", "set_grad_enabled"].flatMap((name) =>
    ["torch", "torch.autograd", "torch.autograd.grad_mode"].map((m) => [`${m}.${name}`, name]),
  ),
);

/**
 * torch's context managers: a `with` over calls to these runs its body as ordinary statements (they
 * switch autograd, profiling, autocast or the device, none of which changes shapes or parameters).
 */
const TORCH_CONTEXTS = new Set([
  ...GRAD_MODE_CONTEXTS.keys(),
  ...[
    "autocast",
    "autograd.detect_anomaly",
    "autograd.set_detect_anomaly",
    "autograd.profiler.profile",
    "autograd.profiler.record_function",
    "profiler.profile",
    "profiler.record_function",
    "amp.autocast",
    "cuda.amp.autocast",
    "cpu.amp.autocast",
    "cuda.device",
    "cuda.stream",
    "random.fork_rng",
    "backends.cudnn.flags",
  ].map((p) => `torch.${p}`),
]);

/** Methods that return the module itself. */
const SELF_METHODS = new Set([
  "to",
  "cuda",
  "cpu",
  "eval",
  "train",
  "float",
  "double",
  "half",
  "bfloat16",
  "requires_grad_",
  "apply",
  "share_memory",
  "type",
  "zero_grad",
]);

const TENSOR_SELF_METHODS = new Set([
  "to",
  "cuda",
  "cpu",
  "float",
  "double",
  "half",
  "detach",
  "clone",
  "contiguous",
  "requires_grad_",
  "normal_",
  "uniform_",
  "zero_",
  "fill_",
]);

/** Limits that keep a hostile or mistyped source from running forever. */
const MAX_ITEMS = 100_000;
const MAX_STEPS = 2_000_000;
const MAX_DEPTH = 100;
/** Nested evaluations (expressions inside calls inside expressions…) the interpreter follows. */
const MAX_EVAL_DEPTH = 2_000;
/** Nested containers in a model (any form), and nesting of tuples/lists used as values. */
export const MAX_MODULE_DEPTH = 200;

// ---------------------------------------------------------------------------------------------
// Values

interface Why {
  message: string;
  loc?: Loc;
  /** true when the value is unknown because a name is not defined (a user error if it matters). */
  undefinedName?: boolean;
}

type Value =
  | { t: "num"; v: number; isFloat: boolean }
  | { t: "str"; v: string }
  | { t: "bool"; v: boolean }
  | { t: "none" }
  | { t: "tuple"; items: Value[] }
  | { t: "list"; items: Value[] }
  | { t: "dict"; ordered: boolean; keys: Value[]; values: Value[] }
  | { t: "module"; m: ModuleSpec }
  | { t: "modulelist"; items: ModuleSpec[] }
  /** A dotted reference to something importable: `torch.nn`, `torch.nn.Conv2d`, `builtins.range`. */
  | { t: "ref"; path: string }
  | { t: "tensor"; shape: number[] }
  | { t: "func"; def: FunctionDefStmt; scope: Scope }
  /** `module.parameters()` / `.named_parameters()`: iterated only by a `for` loop (see For). */
  | { t: "params"; m: ModuleSpec; named: boolean }
  /** The parameters of one layer, as a `for p in model.parameters()` loop sees them. */
  | { t: "param"; layer: LayerModule }
  | { t: "unknown"; why?: Why };

const NONE: Value = { t: "none" };
const unknown = (why?: Why): Value => (why ? { t: "unknown", why } : { t: "unknown" });
/** A number; an int never is -0 (Python's ints have no negative zero). */
const num = (v: number, isFloat: boolean): Value => ({
  t: "num",
  v: isFloat || v !== 0 ? v : 0,
  isFloat,
});

class Scope {
  readonly vars = new Map<string, Value>();
  constructor(readonly parent?: Scope) {}
  get(name: string): Value | undefined {
    return this.vars.get(name) ?? this.parent?.get(name);
  }
}

const BUILTINS = [
  "print",
  "range",
  "len",
  "int",
  "float",
  "str",
  "bool",
  "abs",
  "min",
  "max",
  "round",
  "sum",
  "list",
  "tuple",
  "dict",
  "set",
  "enumerate",
  "zip",
  "isinstance",
  "type",
  "super",
  "object",
  "getattr",
  "setattr",
  "hasattr",
  "open",
  "sorted",
  "reversed",
  "map",
  "filter",
  "any",
  "all",
  "input",
  "repr",
  "id",
  "iter",
  "next",
  "divmod",
  "pow",
  "format",
  "vars",
  "globals",
  "locals",
  "Exception",
  "ValueError",
  "TypeError",
  "RuntimeError",
  "NotImplementedError",
];

/** Names a pasted snippet may use without importing them. */
function globalScope(): Scope {
  const s = new Scope();
  for (const b of BUILTINS) s.vars.set(b, { t: "ref", path: `builtins.${b}` });
  s.vars.set("torch", { t: "ref", path: "torch" });
  s.vars.set("nn", { t: "ref", path: "torch.nn" });
  s.vars.set("F", { t: "ref", path: "torch.nn.functional" });
  s.vars.set("OrderedDict", { t: "ref", path: "collections.OrderedDict" });
  s.vars.set("collections", { t: "ref", path: "collections" });
  s.vars.set("math", { t: "ref", path: "math" });
  s.vars.set("__name__", { t: "str", v: "__main__" });
  return new Scope(s);
}

/** A candidate model: a module bound to a top-level name, or a bare module expression. */
interface Candidate {
  module: ModuleSpec;
  name?: string;
}

type Flow = undefined | "break" | "continue" | { ret: Value };

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * Reads a model from PyTorch source code (never executing it).
 *
 * The model is the last module bound to a top-level name (or the last bare module expression),
 * skipping modules contained in another candidate; `opts.model` picks one by name. Its input shape
 * is the shape of the first tensor the source passes to it (`model(torch.rand(1, 3, 32, 32))`).
 *
 * @throws InputError (located) for syntax errors, unknown layer classes (with suggestions),
 *   undefined names in module arguments, values that cannot be module arguments, a missing model
 *   or an unknown `opts.model`.
 */
export function parseSource(text: string, file: string | undefined, opts: ParseOptions): ModelSpec {
  const prep = prepareSource(text);
  const mod = parsePython(prep.text, file, { shift: prep.shift });
  const it = new Interpreter(prep.text, file, opts, prep.shift);
  it.execTop(mod.body);
  return it.result();
}

/** A doctest/console prompt: `>>> ` or `... ` (or the bare prompt on an empty line). */
const PROMPT = /^(>>>|\.\.\.)( |$)/;
/** A printed repr's first line and child lines (see src/spec/repr.ts). */
const REPR_OPEN_LINE = /^[A-Za-z_]\w*\($/;
const REPR_CHILD_LINE = /^\s+\([^()\s]*\): \S/;

/**
 * Source as pasted from a notebook or a console, made plain Python without moving any line:
 *
 * - console sessions (see {@link consoleStart}): the `>>> `/`... ` prompts are removed (`shift`
 *   records the columns removed, so locations stay right) and lines without a prompt, the
 *   session's output, are blanked, as is everything above the first `>>> ` (a banner, output,
 *   comments);
 * - IPython line and cell magics (`%matplotlib inline`, `%%time`) and shell escapes
 *   (`!pip install torch`) that start a logical line are blanked;
 * - a printed repr pasted below the code (`print(model)` followed by `Sequential(` …
 *   `  (0): Linear(…)` … `)`) is blanked: the source already defines that model.
 */
export function prepareSource(text: string): { text: string; shift: number[] } {
  const lines = text.split("\n");
  const shift = lines.map(() => 0);
  const start = consoleStart(lines);
  if (start !== undefined) {
    lines.forEach((l, i) => {
      const m = i >= start ? PROMPT.exec(l) : null;
      if (m) {
        lines[i] = l.slice(m[0].length);
        shift[i] = m[0].length;
      } else lines[i] = l.endsWith("\r") ? "\r" : "";
    });
  }
  const sc = new LineScanner();
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (sc.atStatementStart) {
      const t = l.trim();
      if (t.startsWith("%") || t.startsWith("!")) {
        lines[i] = blank(l);
      } else if (REPR_OPEN_LINE.test(l.replace(/\r$/, ""))) {
        let j = i + 1;
        while (j < lines.length && lines[j].trim() === "") j++;
        if (j < lines.length && REPR_CHILD_LINE.test(lines[j])) {
          // Blank the repr up to its closing `)` at column 0 (or to the end if it is cut short).
          for (; i < lines.length; i++) {
            const close = lines[i].replace(/\r$/, "") === ")";
            offset += lines[i].length + 1;
            lines[i] = blank(lines[i]);
            if (close) break;
          }
          continue;
        }
      }
    }
    sc.feed(lines[i], offset);
    offset += lines[i].length + 1;
  }
  return { text: lines.join("\n"), shift };
}

/**
 * Where a console session starts: the first line that begins with the `>>> ` prompt (or is a bare
 * `>>>`) outside a string. Such a line is never valid Python, so plain source is never misread,
 * while a `>>>` inside a string (a doctest in a docstring) is not a prompt. Undefined when the text
 * has no prompt.
 */
function consoleStart(lines: readonly string[]): number | undefined {
  if (!lines.some((l) => l.startsWith(">>>"))) return undefined;
  const sc = new LineScanner();
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!sc.inString && /^>>>( |\r?$)/.test(lines[i])) return i;
    sc.feed(lines[i], offset);
    offset += lines[i].length + 1;
  }
  return undefined;
}

/** A line emptied of its text (keeping a `\r` so that line endings stay as they were). */
function blank(l: string): string {
  return l.endsWith("\r") ? "\r" : "";
}

// ---------------------------------------------------------------------------------------------

class Interpreter {
  private readonly globals = globalScope();
  private readonly candidates: Candidate[] = [];
  private readonly inputs = new Map<ModuleSpec, number[]>();
  private readonly skippedClasses: string[] = [];
  private steps = 0;
  private depth = 0;
  private evalDepth = 0;
  private starImportNn = false;

  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
    private readonly opts: ParseOptions,
    private readonly shift: readonly number[] = [],
  ) {}

  private at(pos: number): Loc {
    let line = 1;
    let start = 0;
    for (let i = 0; i < pos && i < this.text.length; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        start = i + 1;
      }
    }
    const column = pos - start + 1 + (this.shift[line - 1] ?? 0);
    return this.file === undefined ? { line, column } : { file: this.file, line, column };
  }

  private tick(loc: Loc): void {
    if (++this.steps > MAX_STEPS) {
      throw new InputError(
        "the source does too much work for dlq to read (is there a huge loop?)",
        loc,
      );
    }
  }

  // -- results ----------------------------------------------------------------------------------

  result(): ModelSpec {
    const fileWhere = this.file ?? "<input>";
    const named = new Map<string, ModuleSpec>();
    for (const [name, v] of this.globals.vars) {
      if (v.t === "module") named.set(name, v.m);
    }
    if (this.opts.model !== undefined) {
      const m = named.get(this.opts.model);
      if (!m) {
        const list = [...named.keys()];
        const defined = list.length
          ? `defined models: ${list.join(", ")}`
          : "the source defines no model";
        throw new InputError(
          `no model named '${this.opts.model}'${didYouMean(this.opts.model, list)} (${defined})`,
          fileWhere,
        );
      }
      return this.spec(m, this.opts.model);
    }
    if (this.candidates.length === 0) {
      const hint = this.skippedClasses.length
        ? `; dlq does not interpret class definitions (${this.skippedClasses.join(", ")}): build the model with nn.Sequential`
        : "";
      throw new InputError(
        `no model found: expected a torch.nn module, e.g. model = nn.Sequential(...)${hint}`,
        fileWhere,
      );
    }
    // The last candidate that is not part of another candidate.
    const inside = new Set<ModuleSpec>();
    for (const c of this.candidates) descendants(c.module, inside);
    let pick = this.candidates[this.candidates.length - 1];
    for (let i = this.candidates.length - 1; i >= 0; i--) {
      if (!inside.has(this.candidates[i].module)) {
        pick = this.candidates[i];
        break;
      }
    }
    // Prefer the name the module is still bound to at the end.
    let name = pick.name;
    if (name === undefined || named.get(name) !== pick.module) {
      name = [...named].find(([, m]) => m === pick.module)?.[0] ?? name;
      if (name !== undefined && named.get(name) !== pick.module) name = undefined;
    }
    return this.spec(pick.module, name);
  }

  private spec(m: ModuleSpec, name: string | undefined): ModelSpec {
    checkModuleTree(m, m.loc ?? this.file ?? "<input>");
    const out: ModelSpec = { root: m, format: "source" };
    const input = this.inputs.get(m);
    if (input) out.input = input;
    if (name !== undefined) out.name = name;
    return out;
  }

  // -- statements -------------------------------------------------------------------------------

  execTop(body: Stmt[]): void {
    this.block(body, this.globals, true);
  }

  private block(body: Stmt[], scope: Scope, top: boolean): Flow {
    for (const s of body) {
      const f = this.stmt(s, scope, top);
      if (f) return f;
    }
    return undefined;
  }

  private stmt(s: Stmt, scope: Scope, top: boolean): Flow {
    this.tick(s.loc);
    switch (s.kind) {
      case "Assign": {
        const v = this.eval(s.value, scope);
        for (const t of s.targets) this.assign(t, v, scope, top);
        return undefined;
      }
      case "AugAssign": {
        const cur = this.eval(s.target, scope);
        const rhs = this.eval(s.value, scope);
        if (s.op === "+" && cur.t === "list") {
          const items = this.iterate(rhs, s.value);
          if (items) cur.items.push(...items);
          return undefined;
        }
        this.assign(s.target, this.binop(s.op, cur, rhs, s.loc), scope, top);
        return undefined;
      }
      case "Expr": {
        const v = this.eval(s.value, scope);
        if (top && v.t === "module") this.candidates.push({ module: v.m });
        return undefined;
      }
      case "FunctionDef":
        scope.vars.set(s.name, { t: "func", def: s, scope });
        return undefined;
      case "Return":
        return { ret: s.value ? this.eval(s.value, scope) : NONE };
      case "Import":
        for (const a of s.names) {
          if (a.asname) scope.vars.set(a.asname, { t: "ref", path: a.name });
          else {
            const head = a.name.split(".")[0];
            scope.vars.set(head, { t: "ref", path: head });
          }
        }
        return undefined;
      case "ImportFrom":
        for (const a of s.names) {
          if (a.name === "*") {
            if (s.module === "torch.nn") this.starImportNn = true;
            continue;
          }
          scope.vars.set(a.asname ?? a.name, { t: "ref", path: `${s.module}.${a.name}` });
        }
        return undefined;
      case "For": {
        const iter = this.eval(s.iter, scope);
        if (iter.t === "params" && !hasJump(s.body)) {
          // `for p in model.parameters(): p.requires_grad = False`: the body runs once per layer
          // with `p` standing for all of that layer's parameters.
          for (const layer of layersUnder(iter.m)) {
            const p: Value = { t: "param", layer };
            const item: Value = iter.named
              ? {
                  t: "tuple",
                  items: [unknown({ message: "a parameter's name", loc: s.iter.loc }), p],
                }
              : p;
            this.assign(s.target, item, scope, top);
            const f = this.block(s.body, scope, top);
            if (f && f !== "continue") return f;
          }
          return this.block(s.orelse, scope, top);
        }
        const items = this.iterate(iter, s.iter);
        if (!items) {
          this.refuseUnknownFreeze(s.body, "in a loop over something dlq cannot evaluate");
          this.markUnknown(s.body.concat(s.orelse), scope, {
            message: "assigned in a loop over something dlq cannot evaluate",
            loc: s.loc,
          });
          this.markTargetUnknown(s.target, scope, {
            message: "a loop variable",
            loc: s.target.loc,
          });
          return undefined;
        }
        for (const item of items) {
          this.assign(s.target, item, scope, top);
          const f = this.block(s.body, scope, top);
          if (f === "break") return undefined;
          if (f && f !== "continue") return f;
        }
        return this.block(s.orelse, scope, top);
      }
      case "If": {
        const t = truth(this.eval(s.test, scope));
        if (t === undefined) {
          this.refuseUnknownFreeze(
            s.body.concat(s.orelse),
            "under a condition dlq cannot evaluate",
          );
          this.markUnknown(s.body.concat(s.orelse), scope, {
            message: "assigned under a condition dlq cannot evaluate",
            loc: s.loc,
          });
          return undefined;
        }
        return this.block(t ? s.body : s.orelse, scope, top);
      }
      case "Skipped":
        if (s.what === "BreakStatement") return "break";
        if (s.what === "ContinueStatement") return "continue";
        if (s.with && this.knownContexts(s.with.items, scope)) {
          // `with torch.no_grad():` changes nothing dlq tracks, and `with` opens no scope: its
          // body runs as ordinary statements.
          for (const item of s.with.items) {
            const c = item.context as CallExpr;
            this.evalArgs(c, scope);
            if (item.target) {
              this.assign(
                item.target,
                unknown({ message: "the value of a context manager", loc: c.loc }),
                scope,
                top,
              );
            }
          }
          return this.block(s.with.body, scope, top);
        }
        if (s.what === "ClassDefinition") this.skippedClasses.push(...s.binds.slice(0, 1));
        for (const n of s.binds) {
          scope.vars.set(
            n,
            unknown({
              message: `'${n}' is defined by a statement dlq does not interpret (${describeStmt(s.what)})`,
              loc: s.loc,
            }),
          );
        }
        return undefined;
    }
  }

  /**
   * Whether every context manager of a `with` is a call to one of {@link TORCH_CONTEXTS}
   * (`torch.no_grad()`, `torch.inference_mode()`, …). Only names and attributes are looked up to
   * tell (nothing is called); any other context manager makes the `with` a skipped statement.
   */
  private knownContexts(items: readonly WithItem[], scope: Scope): boolean {
    return items.every((item) => {
      const c = item.context;
      if (c.kind !== "Call" || !isPure(c.func)) return false;
      const f = this.eval(c.func, scope);
      return f.t === "ref" && TORCH_CONTEXTS.has(f.path);
    });
  }

  /** Freezing that dlq cannot follow would give a wrong trainable count: refused. */
  private refuseUnknownFreeze(body: Stmt[], where: string): void {
    const f = findFreeze(body);
    if (f) {
      throw new InputError(
        `dlq cannot tell which parameters this freezes (${where}); freeze whole modules, e.g. model[0].requires_grad_(False)`,
        f.loc,
      );
    }
  }

  /**
   * `p.requires_grad = v` (`how` "attribute") or `.requires_grad_(v)` (`how` "method") on
   * `target`: sets the layers' trainable flags. `v` must be a bool, as in PyTorch, whose
   * `Tensor.requires_grad_` raises `TypeError: requires_grad_(): argument 'requires_grad'
   * (position 1) must be bool, not int` and whose setter raises `RuntimeError: requires_grad must
   * be a bool` (PyTorch 1.13; `Module.requires_grad_` passes the value to each parameter's
   * `requires_grad_`, so it raises only for a module that owns parameters, which the parser cannot
   * tell: dlq refuses it on any module).
   * @throws InputError located at `at` for a value that is not a bool.
   */
  private setRequiresGrad(target: Value, v: Value, at: Expr, how: "method" | "attribute"): boolean {
    if (target.t !== "module" && target.t !== "param" && target.t !== "modulelist") return false;
    if (v.t !== "bool") {
      const type = pyTypeName(v);
      if (type === undefined) {
        throw new InputError(
          "dlq cannot evaluate this requires_grad value (expected True or False)",
          at.loc,
        );
      }
      throw new InputError(
        how === "method"
          ? `requires_grad_(): argument 'requires_grad' (position 1) must be bool, not ${type}`
          : "requires_grad must be a bool",
        at.loc,
      );
    }
    const on = v.v;
    const layers =
      target.t === "param"
        ? [target.layer]
        : target.t === "module"
          ? layersUnder(target.m)
          : target.items.flatMap((m) => layersUnder(m));
    for (const l of layers) {
      if (on) delete l.trainable;
      else l.trainable = false;
    }
    return true;
  }

  /**
   * `model[0].weight.requires_grad = False`: one parameter of a module, which dlq's per-module
   * trainable flag cannot express; refused rather than counted wrong. `e` is the expression
   * whose `requires_grad` is set.
   */
  private refuseParamFreeze(e: Expr, scope: Scope, loc: Loc): void {
    if (e.kind !== "Attribute" || !isPure(e.value)) return;
    const owner = this.eval(e.value, scope);
    // `model.enc` names a child module (OrderedDict names), not a parameter.
    if (owner.t === "module" && owner.m.kind === "sequential") {
      if (owner.m.children.some((c) => c.name === e.attr)) return;
    }
    if (owner.t === "module") {
      throw new InputError(
        `dlq cannot freeze a single parameter ('${e.attr}'): it counts trainable parameters per module; freeze the whole module (e.g. model[0].requires_grad_(False)) or use a JSON spec with "trainable": false`,
        loc,
      );
    }
  }

  private markUnknown(body: Stmt[], scope: Scope, why: Why): void {
    for (const n of boundNames(body))
      scope.vars.set(n, unknown({ ...why, message: `'${n}' is ${why.message}` }));
  }

  private markTargetUnknown(t: Expr, scope: Scope, why: Why): void {
    if (t.kind === "Name")
      scope.vars.set(t.id, unknown({ ...why, message: `'${t.id}' is ${why.message}` }));
    else if (t.kind === "Tuple" || t.kind === "List")
      for (const e of t.elts) this.markTargetUnknown(e, scope, why);
    else if (t.kind === "Starred") this.markTargetUnknown(t.value, scope, why);
  }

  private assign(t: Expr, v: Value, scope: Scope, top: boolean): void {
    switch (t.kind) {
      case "Name":
        scope.vars.set(t.id, v);
        if (top && v.t === "module") this.candidates.push({ module: v.m, name: t.id });
        return;
      case "Tuple":
      case "List": {
        const items = this.iterate(v, t);
        const star = t.elts.findIndex((e) => e.kind === "Starred");
        if (
          !items ||
          (star < 0 ? items.length !== t.elts.length : items.length < t.elts.length - 1)
        ) {
          // Python would raise (wrong number of values) or we cannot tell: the names are unknown.
          const why: Why = items
            ? {
                message: `cannot unpack ${items.length} values into ${t.elts.length} names`,
                loc: t.loc,
              }
            : { message: "assigned from a value dlq cannot unpack", loc: t.loc };
          this.markTargetUnknown(t, scope, why);
          return;
        }
        if (star < 0) {
          t.elts.forEach((e, i) => this.assign(e, items[i], scope, top));
          return;
        }
        const after = t.elts.length - star - 1;
        t.elts.forEach((e, i) => {
          if (i < star) this.assign(e, items[i], scope, top);
          else if (i === star) {
            this.assign(
              (e as { value: Expr }).value,
              { t: "list", items: items.slice(star, items.length - after) },
              scope,
              top,
            );
          } else this.assign(e, items[items.length - (t.elts.length - i)], scope, top);
        });
        return;
      }
      case "Starred":
        this.assign(t.value, v, scope, top);
        return;
      case "Subscript": {
        const obj = this.eval(t.value, scope);
        const key = this.eval(t.slice, scope);
        if (obj.t === "list" && key.t === "num") {
          const i = index(key.v, obj.items.length);
          if (i !== undefined) obj.items[i] = v;
        } else if (obj.t === "dict") {
          const i = obj.keys.findIndex((k) => same(k, key));
          if (i >= 0) obj.values[i] = v;
          else {
            obj.keys.push(key);
            obj.values.push(v);
          }
        } else if (
          obj.t === "module" &&
          obj.m.kind === "sequential" &&
          key.t === "num" &&
          v.t === "module"
        ) {
          const i = index(key.v, obj.m.children.length);
          if (i !== undefined) obj.m.children[i] = { name: obj.m.children[i].name, module: v.m };
        } else if (obj.t === "modulelist" && key.t === "num" && v.t === "module") {
          const i = index(key.v, obj.items.length);
          if (i !== undefined) obj.items[i] = v.m;
        }
        return;
      }
      case "Attribute": {
        if (t.attr === "requires_grad") this.refuseParamFreeze(t.value, scope, t.loc);
        const obj = this.eval(t.value, scope);
        if (t.attr === "requires_grad" && obj.t === "param") {
          this.setRequiresGrad(obj, v, t, "attribute");
          return;
        }
        if (obj.t === "module" && obj.m.kind === "sequential" && v.t === "module") {
          // `model.fc = nn.Linear(...)`: registers (or replaces) the child named `fc`.
          const i = obj.m.children.findIndex((c) => c.name === t.attr);
          if (i >= 0) obj.m.children[i] = { name: t.attr, module: v.m };
          else obj.m.children.push({ name: t.attr, module: v.m });
        }
        return;
      }
      default:
        return;
    }
  }

  // -- expressions ------------------------------------------------------------------------------

  private eval(e: Expr, scope: Scope): Value {
    if (this.evalDepth >= MAX_EVAL_DEPTH) {
      throw tooDeep(`more than ${MAX_EVAL_DEPTH} nested expressions and calls`, e.loc);
    }
    this.evalDepth++;
    try {
      return this.evalInner(e, scope);
    } finally {
      this.evalDepth--;
    }
  }

  private evalInner(e: Expr, scope: Scope): Value {
    this.tick(e.loc);
    switch (e.kind) {
      case "Number":
        return num(e.value, e.isFloat);
      case "String":
        return { t: "str", v: e.value };
      case "Bool":
        return { t: "bool", v: e.value };
      case "None":
        return NONE;
      case "Name":
        return this.lookup(e.id, e.loc, scope);
      case "Attribute":
        return this.attribute(this.eval(e.value, scope), e.attr, e);
      case "Call":
        return this.call(e, scope);
      case "Tuple":
      case "List":
      case "Set": {
        const items = this.spread(e.elts, scope);
        if (!items.ok) return items.value;
        return e.kind === "Tuple"
          ? { t: "tuple", items: items.items }
          : { t: "list", items: items.items };
      }
      case "Dict": {
        const d: Value = { t: "dict", ordered: false, keys: [], values: [] };
        for (let i = 0; i < e.keys.length; i++) {
          const k = e.keys[i];
          const v = this.eval(e.values[i], scope);
          if (k === null) {
            if (v.t !== "dict")
              return unknown({ message: "cannot unpack this into a dict", loc: e.values[i].loc });
            d.keys.push(...v.keys);
            d.values.push(...v.values);
          } else {
            d.keys.push(this.eval(k, scope));
            d.values.push(v);
          }
        }
        return d;
      }
      case "BinOp":
        return this.binop(e.op, this.eval(e.left, scope), this.eval(e.right, scope), e.loc);
      case "UnaryOp": {
        const v = this.eval(e.operand, scope);
        if (e.op === "not") {
          const t = truth(v);
          return t === undefined ? firstUnknown([v]) : { t: "bool", v: !t };
        }
        const n = numeric(v);
        if (!n) return firstUnknown([v], { message: `bad operand for unary ${e.op}`, loc: e.loc });
        if (e.op === "-") return num(-n.v, n.isFloat);
        if (e.op === "+") return num(n.v, n.isFloat);
        return n.isFloat
          ? unknown({ message: "bad operand for unary ~", loc: e.loc })
          : num(-n.v - 1, false);
      }
      case "BoolOp": {
        let last: Value = NONE;
        for (const x of e.values) {
          last = this.eval(x, scope);
          const t = truth(last);
          if (t === undefined) return firstUnknown([last]);
          if (e.op === "and" ? !t : t) return last;
        }
        return last;
      }
      case "Compare":
        return this.compare(e, scope);
      case "Subscript":
        return this.subscript(this.eval(e.value, scope), e.slice, scope, e.loc);
      case "IfExp": {
        const t = truth(this.eval(e.test, scope));
        if (t === undefined)
          return unknown({ message: "a condition dlq cannot evaluate", loc: e.test.loc });
        return this.eval(t ? e.body : e.orelse, scope);
      }
      case "Comprehension":
        return this.comprehension(e, scope);
      case "Lambda":
        return {
          t: "func",
          def: {
            kind: "FunctionDef",
            loc: e.loc,
            from: e.from,
            to: e.to,
            name: "<lambda>",
            params: e.params,
            body: [
              { kind: "Return", loc: e.body.loc, from: e.body.from, to: e.body.to, value: e.body },
            ],
            decorators: [],
          },
          scope,
        };
      case "Starred":
        return unknown({ message: "can't use starred expression here", loc: e.loc });
      default:
        return unknown({
          message: `dlq does not evaluate ${e.kind === "Opaque" ? e.what : e.kind}`,
          loc: e.loc,
        });
    }
  }

  private lookup(id: string, loc: Loc, scope: Scope): Value {
    const v = scope.get(id);
    if (v) return v;
    // Snippets often omit `from torch.nn import ...`: a known layer class name stands for itself.
    const layerLike =
      this.starImportNn || this.opts.isKnownLayer(id) || id === "Sequential" || id === "ModuleList";
    if (layerLike && /^[A-Z]/.test(id)) return { t: "ref", path: `torch.nn.${id}` };
    return unknown({ message: `name '${id}' is not defined`, loc, undefinedName: true });
  }

  private attribute(obj: Value, attr: string, e: Expr & { kind: "Attribute" }): Value {
    switch (obj.t) {
      case "ref":
        return { t: "ref", path: `${obj.path}.${attr}` };
      case "module":
        if (obj.m.kind === "sequential") {
          const c = obj.m.children.find((ch) => ch.name === attr);
          if (c) return { t: "module", m: c.module };
        }
        return unknown({
          message: `dlq does not evaluate the attribute '${attr}' of a module`,
          loc: e.loc,
        });
      case "tensor":
        if (attr === "shape") return { t: "tuple", items: obj.shape.map((d) => num(d, false)) };
        if (attr === "T" || attr === "mT") return { t: "tensor", shape: [...obj.shape].reverse() };
        return unknown({ message: `dlq does not evaluate tensor attribute '${attr}'`, loc: e.loc });
      case "unknown":
        return obj;
      default:
        return unknown({ message: `dlq does not evaluate the attribute '${attr}'`, loc: e.loc });
    }
  }

  /** Evaluates display items, expanding `*x`. */
  private spread(
    elts: Expr[],
    scope: Scope,
  ): { ok: true; items: Value[] } | { ok: false; value: Value } {
    const items: Value[] = [];
    for (const el of elts) {
      if (el.kind === "Starred") {
        const v = this.eval(el.value, scope);
        const xs = this.iterate(v, el.value);
        if (!xs)
          return {
            ok: false,
            value: firstUnknown([v], { message: "cannot unpack this value", loc: el.loc }),
          };
        items.push(...xs);
        this.checkSize(items.length, el.loc);
      } else items.push(this.eval(el, scope));
    }
    return { ok: true, items };
  }

  private checkSize(n: number, loc: Loc): void {
    if (n > MAX_ITEMS)
      throw new InputError(`too many items (more than ${MAX_ITEMS}) for dlq to read`, loc);
  }

  /** The items of an iterable value, or undefined when dlq cannot tell. */
  private iterate(v: Value, at: Expr): Value[] | undefined {
    switch (v.t) {
      case "tuple":
      case "list":
        return [...v.items];
      case "dict":
        return [...v.keys];
      case "str":
        return [...v.v].map((c) => ({ t: "str", v: c }) as Value);
      case "modulelist":
        return v.items.map((m) => ({ t: "module", m }) as Value);
      case "module":
        if (v.m.kind === "sequential")
          return v.m.children.map((c) => ({ t: "module", m: c.module }) as Value);
        return undefined;
      case "tensor":
        if (v.shape.length === 0) return undefined;
        this.checkSize(v.shape[0], at.loc);
        return Array.from(
          { length: v.shape[0] },
          () => ({ t: "tensor", shape: v.shape.slice(1) }) as Value,
        );
      default:
        return undefined;
    }
  }

  private binop(op: string, a: Value, b: Value, loc: Loc): Value {
    const x = numeric(a);
    const y = numeric(b);
    if (x && y) return arith(op, x, y, loc);
    if (op === "+") {
      if (a.t === "str" && b.t === "str") return { t: "str", v: a.v + b.v };
      if (a.t === "list" && b.t === "list") return { t: "list", items: [...a.items, ...b.items] };
      if (a.t === "tuple" && b.t === "tuple")
        return { t: "tuple", items: [...a.items, ...b.items] };
    }
    if (op === "*") {
      // Sequence repetition: the SAME objects repeated (shared modules), as in Python.
      const [seq, n] = x && !y ? [b, x] : y && !x ? [a, y] : [undefined, undefined];
      if (seq && n && !n.isFloat && (seq.t === "list" || seq.t === "tuple" || seq.t === "str")) {
        const times = Math.max(0, n.v);
        if (seq.t === "str") {
          this.checkSize(seq.v.length * times, loc);
          return { t: "str", v: seq.v.repeat(times) };
        }
        this.checkSize(seq.items.length * times, loc);
        const items: Value[] = [];
        for (let i = 0; i < times; i++) items.push(...seq.items);
        return { t: seq.t, items };
      }
    }
    if (a.t === "tensor" || b.t === "tensor")
      return unknown({ message: "a tensor expression", loc });
    return firstUnknown([a, b], { message: `unsupported operand types for ${op}`, loc });
  }

  private compare(e: Expr & { kind: "Compare" }, scope: Scope): Value {
    let left = this.eval(e.left, scope);
    for (let i = 0; i < e.ops.length; i++) {
      const right = this.eval(e.comparators[i], scope);
      const r = compareValues(e.ops[i], left, right);
      if (r === undefined)
        return firstUnknown([left, right], {
          message: "a comparison dlq cannot evaluate",
          loc: e.loc,
        });
      if (!r) return { t: "bool", v: false };
      left = right;
    }
    return { t: "bool", v: true };
  }

  private subscript(obj: Value, sl: Expr, scope: Scope, loc: Loc): Value {
    if (obj.t === "unknown") return obj;
    if (sl.kind === "Slice") {
      const part = (x: Expr | undefined): number | null | undefined => {
        if (!x) return null;
        const v = numeric(this.eval(x, scope));
        return v && !v.isFloat ? v.v : undefined;
      };
      const lo = part(sl.lower);
      const hi = part(sl.upper);
      const st = part(sl.step);
      if (lo === undefined || hi === undefined || st === undefined || st === 0) {
        return unknown({ message: "a slice dlq cannot evaluate", loc: sl.loc });
      }
      const pick = <T>(xs: T[]): T[] => sliceIndices(xs.length, lo, hi, st ?? 1).map((i) => xs[i]);
      switch (obj.t) {
        case "list":
        case "tuple":
          return { t: obj.t, items: pick(obj.items) };
        case "str":
          return { t: "str", v: pick([...obj.v]).join("") };
        case "modulelist":
          return { t: "modulelist", items: pick(obj.items) };
        case "module":
          if (obj.m.kind === "sequential") {
            // PyTorch: a new Sequential holding the same modules under their old names.
            const seq: SequentialModule = {
              kind: "sequential",
              type: "Sequential",
              children: pick(obj.m.children),
            };
            return { t: "module", m: seq };
          }
          break;
        case "tensor":
          if (obj.shape.length) {
            return {
              t: "tensor",
              shape: [sliceIndices(obj.shape[0], lo, hi, st ?? 1).length, ...obj.shape.slice(1)],
            };
          }
      }
      return unknown({ message: "a slice dlq cannot evaluate", loc });
    }
    const key = this.eval(sl, scope);
    const k = numeric(key);
    switch (obj.t) {
      case "list":
      case "tuple":
      case "modulelist":
      case "module":
      case "str": {
        if (!k || k.isFloat) break;
        const xs: Value[] | undefined =
          obj.t === "str"
            ? [...obj.v].map((c) => ({ t: "str", v: c }) as Value)
            : this.iterate(obj, sl);
        if (!xs) break;
        const i = index(k.v, xs.length);
        if (i === undefined) return unknown({ message: "index out of range", loc: sl.loc });
        return xs[i];
      }
      case "dict": {
        const i = obj.keys.findIndex((x) => same(x, key));
        if (i >= 0) return obj.values[i];
        return unknown({ message: "key not found", loc: sl.loc });
      }
    }
    return firstUnknown([key], { message: "a subscript dlq cannot evaluate", loc });
  }

  private comprehension(e: Expr & { kind: "Comprehension" }, outer: Scope): Value {
    const scope = new Scope(outer);
    const out: Value[] = [];
    const keys: Value[] = [];
    const run = (g: number): Value | undefined => {
      if (g === e.generators.length) {
        if (e.type === "dict") {
          keys.push(this.eval(e.elt, scope));
          out.push(this.eval(e.value!, scope));
        } else out.push(this.eval(e.elt, scope));
        this.checkSize(out.length, e.loc);
        return undefined;
      }
      const gen = e.generators[g];
      const it = this.eval(gen.iter, scope);
      const items = this.iterate(it, gen.iter);
      if (!items)
        return firstUnknown([it], {
          message: "a loop over something dlq cannot evaluate",
          loc: gen.iter.loc,
        });
      for (const item of items) {
        this.assign(gen.target, item, scope, false);
        let ok = true;
        for (const cond of gen.ifs) {
          const t = truth(this.eval(cond, scope));
          if (t === undefined)
            return unknown({ message: "a condition dlq cannot evaluate", loc: cond.loc });
          if (!t) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        const bad = run(g + 1);
        if (bad) return bad;
      }
      return undefined;
    };
    const bad = run(0);
    if (bad) return bad;
    if (e.type === "dict") return { t: "dict", ordered: false, keys, values: out };
    return e.type === "generator" ? { t: "tuple", items: out } : { t: "list", items: out };
  }

  // -- calls ------------------------------------------------------------------------------------

  private call(e: CallExpr, scope: Scope): Value {
    let f: Value;
    if (e.func.kind === "Attribute") {
      if (e.func.attr === "requires_grad_") this.refuseParamFreeze(e.func.value, scope, e.loc);
      const owner = this.eval(e.func.value, scope);
      const attr = e.func.attr;
      const child =
        owner.t === "module" &&
        owner.m.kind === "sequential" &&
        owner.m.children.some((c) => c.name === attr);
      if (owner.t !== "ref" && owner.t !== "unknown" && !child)
        return this.callMethod(owner, attr, e, scope);
      f = this.attribute(owner, attr, e.func);
    } else f = this.eval(e.func, scope);
    if (f.t === "unknown") {
      // Calling an undefined name close to a layer class is almost surely a typo.
      if (f.why?.undefinedName && e.func.kind === "Name" && /^[A-Z]/.test(e.func.id)) {
        const hint = didYouMean(e.func.id, this.layerNames());
        if (hint) throw new InputError(`name '${e.func.id}' is not defined${hint}`, e.func.loc);
      }
      this.evalArgs(e, scope); // for the input shapes they may mention
      return f;
    }
    if (f.t === "ref") return this.callRef(f.path, e, scope);
    if (f.t === "func") return this.callFunc(f, e, scope);
    if (f.t === "module") {
      const args = this.evalArgs(e, scope);
      this.recordInput(f.m, args.positional[0] ?? args.keywords.get("input"));
      return unknown({ message: "the output of a module", loc: e.loc });
    }
    this.evalArgs(e, scope);
    return unknown({ message: "a call dlq cannot evaluate", loc: e.loc });
  }

  /** Remembers the first tensor a module is applied to (its input shape). */
  private recordInput(m: ModuleSpec, x: Value | undefined): void {
    if (x && x.t === "tensor" && !this.inputs.has(m)) this.inputs.set(m, x.shape);
  }

  /** Evaluates positional (with `*`) and keyword (with `**`) arguments. */
  private evalArgs(
    e: CallExpr,
    scope: Scope,
  ): {
    positional: Value[];
    posExprs: Expr[];
    keywords: Map<string, Value>;
    kwExprs: Map<string, Expr>;
  } {
    const positional: Value[] = [];
    const posExprs: Expr[] = [];
    for (const a of e.args) {
      if (a.kind === "Starred") {
        const v = this.eval(a.value, scope);
        const xs = this.iterate(v, a.value);
        if (!xs) {
          positional.push(firstUnknown([v], { message: "cannot unpack this value", loc: a.loc }));
          posExprs.push(a);
        } else {
          for (const x of xs) {
            positional.push(x);
            posExprs.push(a);
          }
          this.checkSize(positional.length, a.loc);
        }
      } else {
        positional.push(this.eval(a, scope));
        posExprs.push(a);
      }
    }
    const keywords = new Map<string, Value>();
    const kwExprs = new Map<string, Expr>();
    for (const k of e.keywords) {
      const v = this.eval(k.value, scope);
      if (k.name !== null) {
        keywords.set(k.name, v);
        kwExprs.set(k.name, k.value);
      } else if (v.t === "dict") {
        v.keys.forEach((key, i) => {
          if (key.t === "str") {
            keywords.set(key.v, v.values[i]);
            kwExprs.set(key.v, k.value);
          }
        });
      } else {
        const u = firstUnknown([v], {
          message: "cannot unpack this as keyword arguments",
          loc: k.loc,
        });
        keywords.set("**", u);
        kwExprs.set("**", k.value);
      }
    }
    return { positional, posExprs, keywords, kwExprs };
  }

  private callRef(path: string, e: CallExpr, scope: Scope): Value {
    const nnClass = /^torch\.nn\.(?:modules\.(?:\w+\.)*)?([A-Za-z_]\w*)$/.exec(path);
    if (nnClass && /^[A-Z]/.test(nnClass[1])) return this.construct(nnClass[1], e, scope);
    if (path === "collections.OrderedDict" || path === "builtins.dict") {
      const args = this.evalArgs(e, scope);
      const d: Value = { t: "dict", ordered: path !== "builtins.dict", keys: [], values: [] };
      const src = args.positional[0];
      if (src) {
        const pairs =
          src.t === "dict"
            ? src.keys.map((k, i) => [k, src.values[i]])
            : this.iterate(src, e.args[0])?.map((p) => this.iterate(p, e.args[0]));
        if (!pairs)
          return firstUnknown([src], { message: "an OrderedDict dlq cannot evaluate", loc: e.loc });
        for (const p of pairs) {
          if (!p || p.length !== 2)
            return unknown({
              message: "OrderedDict expects (key, value) pairs",
              loc: e.args[0].loc,
            });
          d.keys.push(p[0]);
          d.values.push(p[1]);
        }
      }
      for (const [k, v] of args.keywords) {
        d.keys.push({ t: "str", v: k });
        d.values.push(v);
      }
      return d;
    }
    if (path.startsWith("builtins.")) return this.builtin(path.slice(9), e, scope);
    if (path === "torchinfo.summary") {
      // torchinfo.summary(model, input_size=(batch, ...)): the size includes the batch dimension.
      const args = this.evalArgs(e, scope);
      const [m, size] = [args.positional[0], args.keywords.get("input_size") ?? args.positional[1]];
      const shape = sizeArg(size);
      if (m?.t === "module" && shape) this.recordInput(m.m, { t: "tensor", shape });
      return unknown({ message: "the result of torchinfo.summary()", loc: e.loc });
    }
    const torchFn = /^torch\.(\w+)$/.exec(path);
    if (torchFn) {
      const args = this.evalArgs(e, scope);
      const shape = tensorShape(torchFn[1], args.positional, args.keywords);
      if (shape) return { t: "tensor", shape };
      if (torchFn[1] === "Size" && args.positional[0]) {
        const xs = this.iterate(args.positional[0], e.args[0]);
        if (xs) return { t: "tuple", items: xs };
      }
      return unknown({ message: `the result of torch.${torchFn[1]}()`, loc: e.loc });
    }
    this.evalArgs(e, scope);
    return unknown({ message: `the result of ${path}()`, loc: e.loc });
  }

  private layerNames(): string[] {
    return [...this.opts.knownLayers(), ...CONTAINER_TYPES];
  }

  /** `nn.X(...)`: a container, a layer, or an ignored non-layer class. */
  private construct(type: string, e: CallExpr, scope: Scope): Value {
    if (type === "Sequential") return this.sequential(e, scope);
    if (type === "ModuleList") {
      const args = this.evalArgs(e, scope);
      const src = args.positional[0];
      if (!src) return { t: "modulelist", items: [] };
      const xs = this.iterate(src, e.args[0]);
      if (!xs) throw this.notModule(src, e.args[0], "nn.ModuleList");
      return {
        t: "modulelist",
        items: xs.map((x) => this.asModule(x, e.args[0], "nn.ModuleList")),
      };
    }
    if (!this.opts.isKnownLayer(type)) {
      if (NON_LAYER.test(type)) {
        this.evalArgs(e, scope);
        return unknown({ message: `nn.${type} is not a layer`, loc: e.loc });
      }
      const attrLoc =
        e.func.kind === "Attribute" ? this.at(e.func.to - e.func.attr.length) : e.func.loc;
      throw new InputError(
        `unknown module '${type}'${didYouMean(type, this.layerNames())}`,
        attrLoc,
      );
    }
    const args = this.evalArgs(e, scope);
    const positional = args.positional.map((v, i) => this.pyValue(v, args.posExprs[i], type));
    const keywords: Record<string, PyValue> = {};
    for (const [k, v] of args.keywords) {
      const at = args.kwExprs.get(k)!;
      if (k === "**") {
        this.pyValue(v, at, type);
        continue;
      }
      if (k === "device") continue; // where the tensors live: irrelevant to dlq
      if (k === "dtype") {
        if (v.t === "ref") setKey(keywords, k, v.path);
        else if (v.t === "str") setKey(keywords, k, v.v);
        continue;
      }
      setKey(keywords, k, this.pyValue(v, at, type, k));
    }
    const layer: LayerModule = { kind: "layer", type, args: { positional, keywords }, loc: e.loc };
    return { t: "module", m: layer };
  }

  private sequential(e: CallExpr, scope: Scope): Value {
    const args = this.evalArgs(e, scope);
    if (args.keywords.size) {
      const k = e.keywords[0];
      throw new InputError("nn.Sequential takes no keyword arguments", k.loc);
    }
    const seq: SequentialModule = {
      kind: "sequential",
      type: "Sequential",
      children: [],
      loc: e.loc,
    };
    const first = args.positional[0];
    if (args.positional.length === 1 && first.t === "dict" && first.ordered) {
      first.keys.forEach((k, i) => {
        if (k.t !== "str")
          throw new InputError(
            "the keys of an OrderedDict of modules must be strings",
            e.args[0].loc,
          );
        if (k.v === "" || k.v.includes(".")) {
          throw new InputError(
            `invalid module name '${k.v}' (empty or containing '.')`,
            e.args[0].loc,
          );
        }
        seq.children.push({
          name: k.v,
          module: this.asModule(first.values[i], e.args[0], "nn.Sequential"),
        });
      });
      return { t: "module", m: seq };
    }
    args.positional.forEach((v, i) => {
      seq.children.push({
        name: String(i),
        module: this.asModule(v, args.posExprs[i], "nn.Sequential"),
      });
    });
    return { t: "module", m: seq };
  }

  private asModule(v: Value, at: Expr, where: string): ModuleSpec {
    if (v.t === "module") return v.m;
    throw this.notModule(v, at, where);
  }

  private notModule(v: Value, at: Expr, where: string): InputError {
    if (v.t === "unknown" && v.why?.undefinedName)
      return new InputError(v.why.message, v.why.loc ?? at.loc);
    if (v.t === "modulelist") {
      return new InputError(
        `${where} cannot hold an nn.ModuleList (it has no forward()): unpack it with *`,
        at.loc,
      );
    }
    const why = v.t === "unknown" && v.why ? ` (${v.why.message})` : "";
    return new InputError(
      `${where} expects torch.nn modules, not ${describeValue(v)}${why}`,
      at.loc,
    );
  }

  /**
   * A layer argument as a Python literal. A whole float (`3.0`, `64 / 2`), which PyTorch refuses
   * where it needs an int, becomes a `PyFloat` (src/spec/types.ts); any other number a plain number.
   */
  private pyValue(v: Value, at: Expr, type: string, kw?: string, depth = 0): PyValue {
    const arg = kw ? `argument '${kw}' of ${type}` : `an argument of ${type}`;
    if (depth > MAX_MODULE_DEPTH)
      throw tooDeep(`more than ${MAX_MODULE_DEPTH} nested tuples or lists`, at.loc);
    switch (v.t) {
      case "num":
        return pyNumber(v.v, v.isFloat);
      case "str":
        return v.v;
      case "bool":
        return v.v;
      case "none":
        return null;
      case "tuple":
      case "list":
        return v.items.map((x) => this.pyValue(x, at, type, kw, depth + 1));
      case "ref":
        return v.path;
      case "unknown":
        if (v.why?.undefinedName) throw new InputError(v.why.message, v.why.loc ?? at.loc);
        throw new InputError(
          `dlq cannot evaluate ${arg}${v.why ? ` (${v.why.message})` : ""}`,
          at.loc,
        );
      default:
        throw new InputError(
          `${arg} is ${describeValue(v)}, which dlq cannot use as a layer argument`,
          at.loc,
        );
    }
  }

  private builtin(name: string, e: CallExpr, scope: Scope): Value {
    const args = this.evalArgs(e, scope);
    const p = args.positional;
    const nums = p.map(numeric);
    const why = { message: `the result of ${name}()`, loc: e.loc };
    switch (name) {
      case "range": {
        if (!nums.length || nums.some((n) => !n || n.isFloat) || nums.length > 3)
          return firstUnknown(p, why);
        const [a, b, s] =
          nums.length === 1 ? [0, nums[0]!.v, 1] : [nums[0]!.v, nums[1]!.v, nums[2]?.v ?? 1];
        if (s === 0) return unknown({ message: "range() arg 3 must not be zero", loc: e.loc });
        const count = Math.max(0, Math.ceil((b - a) / s));
        this.checkSize(count, e.loc);
        return { t: "list", items: Array.from({ length: count }, (_, i) => num(a + i * s, false)) };
      }
      case "len": {
        const xs = p[0] ? this.iterate(p[0], e.args[0]) : undefined;
        return xs ? num(xs.length, false) : firstUnknown(p, why);
      }
      case "int": {
        const n = nums[0];
        if (n) return num(Math.trunc(n.v), false);
        if (p[0]?.t === "str" && /^\s*[-+]?\d+\s*$/.test(p[0].v))
          return num(parseInt(p[0].v, 10), false);
        return firstUnknown(p, why);
      }
      case "float": {
        const n = nums[0];
        if (n) return num(n.v, true);
        if (p[0]?.t === "str" && p[0].v.trim() !== "" && !isNaN(Number(p[0].v)))
          return num(Number(p[0].v), true);
        return firstUnknown(p, why);
      }
      case "abs":
        return nums[0] ? num(Math.abs(nums[0].v), nums[0].isFloat) : firstUnknown(p, why);
      case "round": {
        const n = nums[0];
        if (!n) return firstUnknown(p, why);
        if (p.length === 1) return num(roundHalfEven(n.v), false);
        const d = nums[1];
        if (!d) return firstUnknown(p, why);
        const f = 10 ** d.v;
        return num(roundHalfEven(n.v * f) / f, n.isFloat);
      }
      case "min":
      case "max":
      case "sum": {
        const xs = p.length === 1 ? this.iterate(p[0], e.args[0]) : p;
        const ns = xs?.map(numeric);
        if (!ns || (!ns.length && name !== "sum") || ns.some((n) => !n))
          return firstUnknown(p, why);
        const vs = ns.map((n) => n!.v);
        const isFloat = ns.some((n) => n!.isFloat);
        if (name === "sum")
          return num(
            vs.reduce((x, y) => x + y, 0),
            isFloat,
          );
        const v = name === "min" ? Math.min(...vs) : Math.max(...vs);
        return num(v, ns.find((n) => n!.v === v)!.isFloat);
      }
      case "list":
      case "tuple": {
        if (!p.length) return { t: name, items: [] };
        const xs = this.iterate(p[0], e.args[0]);
        return xs ? { t: name, items: xs } : firstUnknown(p, why);
      }
      case "str":
        if (p[0]?.t === "str") return p[0];
        if (nums[0] && !nums[0].isFloat) return { t: "str", v: String(nums[0].v) };
        return firstUnknown(p, why);
      case "bool": {
        const t = p[0] ? truth(p[0]) : false;
        return t === undefined ? firstUnknown(p, why) : { t: "bool", v: t };
      }
      case "enumerate": {
        const xs = p[0] ? this.iterate(p[0], e.args[0]) : undefined;
        const start = nums[1]?.v ?? 0;
        return xs
          ? {
              t: "list",
              items: xs.map((x, i) => ({ t: "tuple", items: [num(start + i, false), x] }) as Value),
            }
          : firstUnknown(p, why);
      }
      case "zip": {
        const lists = p.map((x, i) => this.iterate(x, e.args[i] ?? e));
        if (lists.some((l) => !l)) return firstUnknown(p, why);
        const n = Math.min(...lists.map((l) => l!.length));
        return {
          t: "list",
          items: Array.from(
            { length: lists.length ? n : 0 },
            (_, i) => ({ t: "tuple", items: lists.map((l) => l![i]) }) as Value,
          ),
        };
      }
      case "reversed": {
        const xs = p[0] ? this.iterate(p[0], e.args[0]) : undefined;
        return xs ? { t: "list", items: xs.reverse() } : firstUnknown(p, why);
      }
      default:
        return unknown(why);
    }
  }

  private callMethod(owner: Value, name: string, e: CallExpr, scope: Scope): Value {
    const args = this.evalArgs(e, scope);
    const why = { message: `the result of .${name}()`, loc: e.loc };
    switch (owner.t) {
      case "module":
        if (name === "requires_grad_") {
          const v = args.positional[0] ??
            args.keywords.get("requires_grad") ?? { t: "bool", v: true };
          this.setRequiresGrad(owner, v, e.args[0] ?? e.keywords[0]?.value ?? e, "method");
          return owner;
        }
        if (name === "parameters" || name === "named_parameters")
          return { t: "params", m: owner.m, named: name === "named_parameters" };
        if (SELF_METHODS.has(name)) return owner;
        if (name === "forward") {
          this.recordInput(owner.m, args.positional[0] ?? args.keywords.get("input"));
          return unknown({ message: "the output of a module", loc: e.loc });
        }
        if (owner.m.kind === "sequential") {
          const seq = owner.m;
          if (name === "append" && args.positional[0]) {
            seq.children.push({
              name: String(seq.children.length),
              module: this.asModule(args.positional[0], e.args[0], "Sequential.append"),
            });
            return owner;
          }
          if (name === "add_module" || name === "register_module") {
            const [n, m] = args.positional;
            if (n?.t === "str" && m) {
              const module = this.asModule(m, e.args[1], `Sequential.${name}`);
              const i = seq.children.findIndex((c) => c.name === n.v);
              if (i >= 0) seq.children[i] = { name: n.v, module };
              else seq.children.push({ name: n.v, module });
            }
            return NONE;
          }
          if (name === "extend" && args.positional[0]) {
            for (const x of this.iterate(args.positional[0], e.args[0]) ?? []) {
              seq.children.push({
                name: String(seq.children.length),
                module: this.asModule(x, e.args[0], "Sequential.extend"),
              });
            }
            return owner;
          }
        }
        return unknown(why);
      case "param":
        if (name === "requires_grad_") {
          const v = args.positional[0] ??
            args.keywords.get("requires_grad") ?? { t: "bool", v: true };
          this.setRequiresGrad(owner, v, e.args[0] ?? e.keywords[0]?.value ?? e, "method");
          return owner;
        }
        return unknown(why);
      case "modulelist":
        if (name === "requires_grad_") {
          const v = args.positional[0] ??
            args.keywords.get("requires_grad") ?? { t: "bool", v: true };
          this.setRequiresGrad(owner, v, e.args[0] ?? e.keywords[0]?.value ?? e, "method");
          return owner;
        }
        if (name === "parameters" || name === "named_parameters") {
          const seq: SequentialModule = {
            kind: "sequential",
            type: "Sequential",
            children: owner.items.map((m, i) => ({ name: String(i), module: m })),
          };
          return { t: "params", m: seq, named: name === "named_parameters" };
        }
        if (name === "append" && args.positional[0]) {
          owner.items.push(this.asModule(args.positional[0], e.args[0], "ModuleList.append"));
          return owner;
        }
        if (name === "extend" && args.positional[0]) {
          for (const x of this.iterate(args.positional[0], e.args[0]) ?? [])
            owner.items.push(this.asModule(x, e.args[0], "ModuleList.extend"));
          return owner;
        }
        if (SELF_METHODS.has(name)) return owner;
        return unknown(why);
      case "list":
        if (name === "append" && args.positional.length === 1) {
          owner.items.push(args.positional[0]);
          this.checkSize(owner.items.length, e.loc);
          return NONE;
        }
        if (name === "extend" && args.positional.length === 1) {
          const xs = this.iterate(args.positional[0], e.args[0]);
          if (xs) owner.items.push(...xs);
          this.checkSize(owner.items.length, e.loc);
          return NONE;
        }
        if (name === "insert" && args.positional.length === 2) {
          const i = numeric(args.positional[0]);
          if (i && !i.isFloat)
            owner.items.splice(
              i.v < 0 ? Math.max(0, owner.items.length + i.v) : i.v,
              0,
              args.positional[1],
            );
          return NONE;
        }
        return unknown(why);
      case "dict":
        if (name === "items")
          return {
            t: "list",
            items: owner.keys.map((k, i) => ({ t: "tuple", items: [k, owner.values[i]] }) as Value),
          };
        if (name === "keys") return { t: "list", items: [...owner.keys] };
        if (name === "values") return { t: "list", items: [...owner.values] };
        if (name === "get" && args.positional[0]) {
          const i = owner.keys.findIndex((k) => same(k, args.positional[0]));
          return i >= 0 ? owner.values[i] : (args.positional[1] ?? NONE);
        }
        return unknown(why);
      case "tensor":
        if (TENSOR_SELF_METHODS.has(name)) return owner;
        if (name === "size" && args.positional.length === 0)
          return { t: "tuple", items: owner.shape.map((d) => num(d, false)) };
        if (name === "dim") return num(owner.shape.length, false);
        return unknown(why);
      case "str":
        if (name === "format" || name === "join") return unknown(why);
        return unknown(why);
      default:
        return firstUnknown([owner], why);
    }
  }

  /** Calls a function defined in the source (or a lambda). */
  private callFunc(f: Value & { t: "func" }, e: CallExpr, scope: Scope): Value {
    const args = this.evalArgs(e, scope);
    if (this.depth >= MAX_DEPTH)
      throw new InputError("functions nest too deeply for dlq to follow (recursion?)", e.loc);
    const local = new Scope(f.scope);
    const params = f.def.params;
    const pos = [...args.positional];
    const kws = new Map(args.keywords);
    for (const p of params) {
      if (p.kind === "vararg") {
        local.vars.set(p.name, { t: "tuple", items: pos.splice(0) });
      } else if (p.kind === "kwarg") {
        local.vars.set(p.name, {
          t: "dict",
          ordered: false,
          keys: [...kws.keys()].map((k) => ({ t: "str", v: k }) as Value),
          values: [...kws.values()],
        });
        kws.clear();
      } else if (p.kind === "positional" && pos.length) {
        local.vars.set(p.name, pos.shift()!);
      } else if (kws.has(p.name)) {
        local.vars.set(p.name, kws.get(p.name)!);
        kws.delete(p.name);
      } else if (p.default) {
        local.vars.set(p.name, this.eval(p.default, f.scope));
      } else {
        return unknown({ message: `${f.def.name}() missing argument '${p.name}'`, loc: e.loc });
      }
    }
    this.depth++;
    try {
      const flow = this.block(f.def.body, local, false);
      return flow && typeof flow === "object" ? flow.ret : NONE;
    } finally {
      this.depth--;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Adds every module below `m` to `into` (iterative: module trees can be built arbitrarily deep). */
function descendants(m: ModuleSpec, into: Set<ModuleSpec>): void {
  const todo: ModuleSpec[] = [m];
  for (let x = todo.pop(); x; x = todo.pop()) {
    if (x.kind !== "sequential") continue;
    for (const c of x.children) {
      if (into.has(c.module)) continue;
      into.add(c.module);
      todo.push(c.module);
    }
  }
}

/** The distinct layers under `m` (`m` itself when a layer). */
function layersUnder(m: ModuleSpec): LayerModule[] {
  if (m.kind === "layer") return [m];
  const all = new Set<ModuleSpec>();
  descendants(m, all);
  return [...all].filter((x): x is LayerModule => x.kind === "layer");
}

/**
 * Refuses a model tree that nests more than {@link MAX_MODULE_DEPTH} containers deep or that
 * contains itself (`model.append(model)`), so that every later walk over it is bounded. Iterative.
 * @throws InputError located at `where`.
 */
export function checkModuleTree(root: ModuleSpec, where: Loc | string): void {
  // Depth-first with an explicit stack; `onPath` holds the containers above the current one.
  const onPath = new Set<ModuleSpec>();
  const stack: { m: ModuleSpec; next: number }[] = [];
  const done = new Set<ModuleSpec>();
  const enter = (m: ModuleSpec): void => {
    if (m.kind !== "sequential" || done.has(m)) return;
    if (onPath.has(m))
      throw new InputError("the model contains itself (a cycle of containers)", m.loc ?? where);
    if (stack.length >= MAX_MODULE_DEPTH) {
      throw tooDeep(`more than ${MAX_MODULE_DEPTH} nested containers`, m.loc ?? where);
    }
    onPath.add(m);
    stack.push({ m, next: 0 });
  };
  enter(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const seq = top.m as SequentialModule;
    if (top.next < seq.children.length) enter(seq.children[top.next++].module);
    else {
      stack.pop();
      onPath.delete(seq);
      done.add(seq);
    }
  }
}

/** Whether a loop body leaves early (then running it once per layer would not be faithful). */
function hasJump(body: Stmt[]): boolean {
  return body.some(
    (s) =>
      s.kind === "Return" ||
      (s.kind === "Skipped" && (s.what === "BreakStatement" || s.what === "ContinueStatement")) ||
      (s.kind === "If" && (hasJump(s.body) || hasJump(s.orelse))) ||
      (s.kind === "Skipped" && s.with !== undefined && hasJump(s.with.body)),
  );
}

/** The first statement in `body` (nested blocks included) that sets `requires_grad`. */
function findFreeze(body: Stmt[]): Stmt | undefined {
  // Setting requires_grad to True (an input tensor's, usually) freezes nothing.
  const notTrue = (e: Expr | undefined): boolean =>
    e !== undefined && !(e.kind === "Bool" && e.value);
  for (const s of body) {
    if (
      s.kind === "Assign" &&
      notTrue(s.value) &&
      s.targets.some((t) => t.kind === "Attribute" && t.attr === "requires_grad")
    )
      return s;
    if (
      s.kind === "Expr" &&
      s.value.kind === "Call" &&
      s.value.func.kind === "Attribute" &&
      s.value.func.attr === "requires_grad_" &&
      notTrue(s.value.args[0] ?? s.value.keywords[0]?.value)
    )
      return s;
    if (s.kind === "For" || s.kind === "If") {
      const f = findFreeze(s.body) ?? findFreeze(s.orelse);
      if (f) return f;
    }
    if (s.kind === "Skipped" && s.with) {
      const f = findFreeze(s.with.body);
      if (f) return f;
    }
  }
  return undefined;
}

/** Names, attributes and constant subscripts: evaluating them twice changes nothing. */
function isPure(e: Expr): boolean {
  for (let x: Expr = e; ;) {
    if (x.kind === "Name") return true;
    if (x.kind === "Attribute") x = x.value;
    else if (
      x.kind === "Subscript" &&
      (x.slice.kind === "Number" || x.slice.kind === "String" || x.slice.kind === "UnaryOp")
    )
      x = x.value;
    else return false;
  }
}

/** Names a block of statements may bind (for marking them unknown). */
function boundNames(body: Stmt[]): string[] {
  const out = new Set<string>();
  const target = (t: Expr): void => {
    if (t.kind === "Name") out.add(t.id);
    else if (t.kind === "Tuple" || t.kind === "List") t.elts.forEach(target);
    else if (t.kind === "Starred") target(t.value);
  };
  const visit = (ss: Stmt[]): void => {
    for (const s of ss) {
      switch (s.kind) {
        case "Assign":
          s.targets.forEach(target);
          break;
        case "AugAssign":
          target(s.target);
          break;
        case "FunctionDef":
          out.add(s.name);
          break;
        case "Import":
        case "ImportFrom":
          for (const a of s.names) if (a.name !== "*") out.add(a.asname ?? a.name.split(".")[0]);
          break;
        case "For":
          target(s.target);
          visit(s.body);
          visit(s.orelse);
          break;
        case "If":
          visit(s.body);
          visit(s.orelse);
          break;
        case "Skipped":
          s.binds.forEach((n) => out.add(n));
          break;
      }
    }
  };
  visit(body);
  return [...out];
}

function describeStmt(what: string): string {
  return (
    what
      .replace(/(Statement|Definition)$/, "")
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .toLowerCase() + " statement"
  );
}

function describeValue(v: Value): string {
  switch (v.t) {
    case "num":
      return `the number ${v.v}`;
    case "str":
      return `the string '${v.v}'`;
    case "bool":
      return v.v ? "True" : "False";
    case "none":
      return "None";
    case "tuple":
      return "a tuple";
    case "list":
      return "a list";
    case "dict":
      return "a dict";
    case "module":
      return `the module ${v.m.type}`;
    case "modulelist":
      return "an nn.ModuleList";
    case "ref":
      return `'${v.path}'`;
    case "tensor":
      return "a tensor";
    case "func":
      return `the function '${v.def.name}'`;
    case "params":
      return "the parameters of a module";
    case "param":
      return "a parameter";
    case "unknown":
      return "a value dlq cannot evaluate";
  }
}

/** The name of a value's Python type, as PyTorch's type errors print it; undefined if unknown. */
function pyTypeName(v: Value): string | undefined {
  switch (v.t) {
    case "num":
      return v.isFloat ? "float" : "int";
    case "bool":
      return "bool";
    case "str":
      return "str";
    case "none":
      return "NoneType";
    case "tuple":
    case "list":
    case "dict":
      return v.t;
    case "tensor":
      return "Tensor";
    default:
      return undefined;
  }
}

function numeric(v: Value): { v: number; isFloat: boolean } | undefined {
  if (v.t === "num") return v;
  if (v.t === "bool") return { v: v.v ? 1 : 0, isFloat: false };
  return undefined;
}

/** The first unknown among `vs` (keeping its reason), else an unknown with `why`. */
function firstUnknown(vs: Value[], why?: Why): Value {
  for (const v of vs) if (v.t === "unknown" && v.why) return v;
  return unknown(why);
}

/** Python arithmetic on int/float (ints stay ints where Python keeps them). */
function arith(
  op: string,
  x: { v: number; isFloat: boolean },
  y: { v: number; isFloat: boolean },
  loc: Loc,
): Value {
  const f = x.isFloat || y.isFloat;
  const a = x.v;
  const b = y.v;
  const zero = (): Value => unknown({ message: "division by zero", loc });
  switch (op) {
    case "+":
      return num(a + b, f);
    case "-":
      return num(a - b, f);
    case "*":
      return num(a * b, f);
    case "/":
      return b === 0 ? zero() : num(a / b, true);
    case "//":
      return b === 0 ? zero() : num(Math.floor(a / b), f);
    case "%":
      return b === 0 ? zero() : num(a - b * Math.floor(a / b), f);
    case "**":
      if (a === 0 && b < 0) return zero();
      return num(a ** b, f || b < 0);
    case "&":
    case "|":
    case "^":
    case "<<":
    case ">>": {
      if (f) return unknown({ message: `unsupported operand type for ${op}: float`, loc });
      const r =
        op === "&"
          ? a & b
          : op === "|"
            ? a | b
            : op === "^"
              ? a ^ b
              : op === "<<"
                ? a * 2 ** b
                : Math.floor(a / 2 ** b);
      return num(r, false);
    }
    default:
      return unknown({ message: `unsupported operand for ${op}`, loc });
  }
}

function truth(v: Value): boolean | undefined {
  switch (v.t) {
    case "num":
      return v.v !== 0;
    case "bool":
      return v.v;
    case "str":
      return v.v !== "";
    case "none":
      return false;
    case "tuple":
    case "list":
      return v.items.length > 0;
    case "dict":
      return v.keys.length > 0;
    case "module":
    case "modulelist":
    case "func":
    case "ref":
    case "params":
    case "param":
      return true;
    default:
      return undefined;
  }
}

/** Python's `==` on the values dlq knows (iterative: values can be nested arbitrarily deep). */
function same(a0: Value, b0: Value): boolean {
  const todo: [Value, Value][] = [[a0, b0]];
  for (let pair = todo.pop(); pair; pair = todo.pop()) {
    const [a, b] = pair;
    if (a === b && a.t !== "num") continue;
    const x = numeric(a);
    const y = numeric(b);
    let eq: boolean;
    if (x && y) eq = x.v === y.v;
    else if (a.t === "str" && b.t === "str") eq = a.v === b.v;
    else if (a.t === "none" && b.t === "none") eq = true;
    else if ((a.t === "tuple" || a.t === "list") && a.t === b.t) {
      eq = a.items.length === b.items.length;
      if (eq) a.items.forEach((v, i) => todo.push([v, b.items[i]]));
    } else if (a.t === "module" && b.t === "module") eq = a.m === b.m;
    else if (a.t === "ref" && b.t === "ref") eq = a.path === b.path;
    else eq = false;
    if (!eq) return false;
  }
  return true;
}

function compareValues(op: string, a: Value, b: Value): boolean | undefined {
  if (a.t === "unknown" || b.t === "unknown") return undefined;
  switch (op) {
    case "==":
      return same(a, b);
    case "!=":
      return !same(a, b);
    case "is":
    case "is not": {
      const r =
        a.t === "none" || b.t === "none"
          ? a.t === b.t
          : a.t === "module" && b.t === "module"
            ? a.m === b.m
            : undefined;
      return r === undefined ? undefined : op === "is" ? r : !r;
    }
    case "in":
    case "not in": {
      let r: boolean | undefined;
      if (b.t === "str" && a.t === "str") r = b.v.includes(a.v);
      else if (b.t === "list" || b.t === "tuple") r = b.items.some((x) => same(x, a));
      else if (b.t === "dict") r = b.keys.some((x) => same(x, a));
      return r === undefined ? undefined : op === "in" ? r : !r;
    }
  }
  const x = numeric(a);
  const y = numeric(b);
  let l: number | string;
  let r: number | string;
  if (x && y) [l, r] = [x.v, y.v];
  else if (a.t === "str" && b.t === "str") [l, r] = [a.v, b.v];
  else return undefined;
  switch (op) {
    case "<":
      return l < r;
    case ">":
      return l > r;
    case "<=":
      return l <= r;
    case ">=":
      return l >= r;
  }
  return undefined;
}

/** A Python index into a sequence of length n, or undefined when out of range. */
function index(i: number, n: number): number | undefined {
  const j = i < 0 ? n + i : i;
  return j >= 0 && j < n && Number.isInteger(j) ? j : undefined;
}

/** The indices `range(n)[lo:hi:step]` selects (Python slice semantics). */
function sliceIndices(n: number, lo: number | null, hi: number | null, step: number): number[] {
  const clamp = (v: number, min: number, max: number): number =>
    Math.min(Math.max(v < 0 ? v + n : v, min), max);
  const out: number[] = [];
  if (step > 0) {
    const s = lo === null ? 0 : clamp(lo, 0, n);
    const e = hi === null ? n : clamp(hi, 0, n);
    for (let i = s; i < e; i += step) out.push(i);
  } else {
    const s = lo === null ? n - 1 : clamp(lo, -1, n - 1);
    const e = hi === null ? -1 : clamp(hi, -1, n - 1);
    for (let i = s; i > e; i += step) out.push(i);
  }
  return out;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Dimensions as a shape, or undefined unless all are non-negative integers. */
function dims(vs: Value[]): number[] | undefined {
  const out: number[] = [];
  for (const v of vs) {
    const n = numeric(v);
    if (!n || n.isFloat || n.v < 0 || !Number.isSafeInteger(n.v)) return undefined;
    out.push(n.v);
  }
  return out;
}

function sizeArg(v: Value | undefined): number[] | undefined {
  if (!v) return undefined;
  if (v.t === "tuple" || v.t === "list") return dims(v.items);
  return dims([v]);
}

/**
 * The shape of `torch.<fn>(...)` when it creates a tensor of a stated size (`torch.rand(1, 3)`,
 * `torch.zeros(size=(1, 3))`, `torch.randint(0, 42, (5, 6))`, `torch.full((2, 2), 7)`,
 * `torch.tensor([[1, 2]])`, `torch.rand_like(x)`).
 */
function tensorShape(fn: string, pos: Value[], kw: Map<string, Value>): number[] | undefined {
  if (kw.has("size")) return sizeArg(kw.get("size"));
  if (TENSOR_FACTORIES.has(fn)) {
    if (fn === "randint") {
      const last = pos[pos.length - 1];
      return last && (last.t === "tuple" || last.t === "list") ? dims(last.items) : undefined;
    }
    if (fn === "full") return sizeArg(pos[0]);
    if (pos.length === 1 && (pos[0].t === "tuple" || pos[0].t === "list"))
      return dims(pos[0].items);
    return pos.length ? dims(pos) : undefined;
  }
  if (/_like$/.test(fn) && pos[0]?.t === "tensor") return pos[0].shape;
  if (fn === "tensor" || fn === "as_tensor" || fn === "Tensor" || fn === "FloatTensor") {
    const v = pos[0];
    if (!v) return undefined;
    if (fn !== "tensor" && fn !== "as_tensor" && v.t !== "list" && v.t !== "tuple")
      return dims(pos);
    const shape: number[] = [];
    let cur: Value = v;
    while (cur.t === "list" || cur.t === "tuple") {
      shape.push(cur.items.length);
      if (!cur.items.length) break;
      cur = cur.items[0];
    }
    return shape;
  }
  return undefined;
}
