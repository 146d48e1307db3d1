/**
 * `dlq gradcheck`'s analysis: from a Python/PyTorch expression or snippet and `--var` specs to the
 * function and inputs to check, then the check itself (src/tensor/gradcheck.ts: central
 * differences with PyTorch's defaults eps 1e-6, atol 1e-5, rtol 1e-3, kinks reported as
 * inconclusive, optional fast mode vᵀJu) and a report per input. No I/O: files named by `--var
 * W=@w.npy` are loaded by the command and passed in as tensors.
 */
import { formatLoc, InputError, type Loc } from "../errors.js";
import * as T from "../tensor/index.js";
import { Generator, Tensor } from "../tensor/index.js";
import type { FunctionDefStmt, Stmt } from "../python/ast.js";
import { Interpreter } from "../python/interp.js";
import { freeNames } from "../python/names.js";
import { parsePython } from "../python/parse.js";
import {
  PyBuiltin,
  PyException,
  PyFloat,
  PyFunction,
  PyList,
  PyTuple,
  type Value,
} from "../python/values.js";
import { gradcheckInterpreter, TensorValue, type GradcheckHost } from "./gradcheck_host.js";

// ---------------------------------------------------------------------------------------------
// --var NAME=SPEC

/** Where a `--var` tensor's values come from. */
export type VarSource = "rand" | "randn" | "randint" | "zeros" | "ones" | "file" | "values";

/** A parsed `--var NAME=SPEC`. */
export interface VarSpec {
  name: string;
  /** The option as given, for messages. */
  text: string;
  source: VarSource;
  /** Shape (absent for file and literal values). */
  shape?: number[];
  /** randint's [low, high). */
  low?: number;
  high?: number;
  /** Whether the tensor requires grad (is checked). */
  grad: boolean;
  /** `@path` of a .npy or JSON file. */
  path?: string;
  /** A JSON literal's parsed value (`x=[-1,0,2]`). */
  values?: unknown;
  /** The loaded tensor for `file` (set by the command). */
  tensor?: Tensor;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MOD = /^(rand|randn|zeros|ones|const|grad|randint\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\))$/;

/**
 * Parses `NAME=SPEC`: SPEC is a shape (`5x5`, `5,5`, `100`, `()` for 0-d), `@file.npy` /
 * `@file.json`, or a JSON array literal (`[-1, 0, 2]`), followed by modifiers `:rand` (default,
 * U[0, 1) like `torch.rand`), `:randn`, `:randint(LOW,HIGH)`, `:zeros`, `:ones`, and `:const`
 * (no grad) or `:grad`. Random and file tensors require grad unless `:const`; randint never does.
 * @throws InputError located at `--var TEXT`.
 */
export function parseVarSpec(text: string): VarSpec {
  const where = `--var ${text}`;
  const eq = text.indexOf("=");
  if (eq < 0) throw new InputError("expected NAME=SPEC, e.g. W=5x5 or X=100x5:const", where);
  const name = text.slice(0, eq).trim();
  if (!NAME.test(name)) throw new InputError(`'${name}' is not a Python name`, where);
  let body = text.slice(eq + 1).trim();
  const mods: RegExpExecArray[] = [];
  for (;;) {
    const i = body.lastIndexOf(":");
    if (i < 0) break;
    const m = MOD.exec(body.slice(i + 1).trim());
    if (!m) break;
    mods.unshift(m);
    body = body.slice(0, i).trim();
  }
  const spec: VarSpec = { name, text, source: "rand", grad: true };
  if (body.startsWith("@")) {
    spec.source = "file";
    spec.path = body.slice(1);
    if (!spec.path) throw new InputError("expected a file after '@'", where);
  } else if (body.startsWith("[")) {
    spec.source = "values";
    try {
      spec.values = JSON.parse(body);
    } catch (e) {
      throw new InputError(`invalid values: ${(e as Error).message}`, where);
    }
  } else {
    const t = body.replace(/\s+/g, "");
    if (t === "()" || t === "scalar" || t === "[]") spec.shape = [];
    else {
      const inner = t.replace(/^\(|\)$/g, "");
      const parts = inner.split(/[x\u00d7,]/);
      if (parts.length > 1 && inner.endsWith(",")) parts.pop(); // (5,)
      if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p))) {
        throw new InputError(
          `'${body}' is not a shape, @file or [values] (e.g. 5x5, 100,5, @w.npy, [0, 1.5])`,
          where,
        );
      }
      spec.shape = parts.map(Number);
    }
  }
  for (const m of mods) {
    const k = m[1];
    if (k === "const") spec.grad = false;
    else if (k === "grad") spec.grad = true;
    else {
      if (spec.source === "file" || spec.source === "values")
        throw new InputError(`':${k}' applies to a shape, not to given values`, where);
      if (k.startsWith("randint")) {
        spec.source = "randint";
        spec.low = Number(m[2]);
        spec.high = Number(m[3]);
        if (!(spec.high > spec.low)) throw new InputError("randint needs LOW < HIGH", where);
        spec.grad = mods.some((x) => x[1] === "grad");
      } else spec.source = k as VarSource;
    }
  }
  if (spec.source === "randint" && spec.grad)
    throw new InputError("integer tensors cannot require gradients (drop ':grad')", where);
  return spec;
}

function makeVar(spec: VarSpec, gen: Generator): Tensor {
  const where = `--var ${spec.text}`;
  try {
    switch (spec.source) {
      case "rand":
        return T.rand(spec.shape!, gen);
      case "randn":
        return T.randn(spec.shape!, gen);
      case "randint":
        return T.randint(spec.low!, spec.high!, spec.shape!, gen);
      case "zeros":
        return T.zeros(spec.shape!);
      case "ones":
        return T.ones(spec.shape!);
      case "values":
        return T.tensor(spec.values);
      case "file":
        if (!spec.tensor) throw new InputError(`file ${spec.path} was not loaded`);
        return spec.tensor;
    }
  } catch (e) {
    if (e instanceof InputError && !e.where) throw new InputError(e.message, where);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// What to check

/** The function to check and its inputs, from an expression or a snippet. */
export interface Prepared {
  /** Evaluates the expression at the inputs' current values. */
  f: () => Tensor;
  /** Tensors requiring grad, named by the variable they were first bound to. */
  inputs: { name: string; tensor: Tensor }[];
  /** Constant tensors (no grad) the function reads, for the report. */
  constants: { name: string; shape: number[] }[];
  /** What is checked, as written (`torch.mean(X @ W + b)`, `loss = foo(W, b)`). */
  label: string;
  where?: Loc;
  notes: string[];
  /** Tolerances from a `torch.autograd.gradcheck(...)` call in the snippet. */
  requested: { eps?: number; atol?: number; rtol?: number; fast?: boolean };
  /** The first random draw made by an evaluation of `f` so far (what and where), or null. */
  randomDraw?: () => { what: string; where?: Loc } | null;
}

const missingError = (missing: Map<string, Loc>): InputError => {
  const names = [...missing.keys()];
  const first = missing.get(names[0])!;
  if (names.length === 1) {
    return new InputError(`name '${names[0]}' is not defined: pass --var ${names[0]}=SHAPE`, first);
  }
  return new InputError(
    `names ${names.map((n) => `'${n}'`).join(", ")} are not defined: pass ${names.map((n) => `--var ${n}=SHAPE`).join(" ")}`,
    first,
  );
};

/** Whether `v` holds a tensor computed from the inputs (requires grad, not an input itself). */
const derived = (v: Value | undefined, inputs: readonly TensorValue[]): boolean => {
  if (v instanceof TensorValue) return v.t.requiresGrad && !inputs.includes(v);
  if (v instanceof PyTuple || v instanceof PyList) return v.items.some((x) => derived(x, inputs));
  return false;
};

/**
 * The global names a top-level statement reads, with the free names of the functions it may call
 * (values bound in `globals` that are `def`s or lambdas), transitively.
 */
function readNames(s: Stmt, globals: Map<string, Value>): Set<string> {
  const out = new Set<string>();
  if (s.kind === "FunctionDef") return out;
  const node: unknown =
    s.kind === "Assign" ? [s.value, ...s.targets.filter((t) => t.kind !== "Name")] : s;
  for (const n of freeNames(node as Stmt).keys()) out.add(n);
  const todo = [...out];
  while (todo.length) {
    const fn = globals.get(todo.pop()!);
    if (!(fn instanceof PyFunction)) continue;
    for (const n of freeNames(
      fn.node.kind === "Lambda" ? fn.node.body : [fn.node as FunctionDefStmt],
    ).keys()) {
      if (!out.has(n)) {
        out.add(n);
        todo.push(n);
      }
    }
  }
  return out;
}

/** Whether in-place `writes` went into the storage of a tensor bound in `before`. */
function writesExisting(
  before: Map<string, Value>,
  writes: readonly { tensor: Tensor }[],
): boolean {
  if (writes.length === 0) return false;
  const buffers = new Set<ArrayBufferLike>();
  const collect = (v: Value | undefined): void => {
    if (v instanceof TensorValue) buffers.add(v.t.data.buffer);
    else if (v instanceof PyTuple || v instanceof PyList) v.items.forEach(collect);
  };
  before.forEach(collect);
  return writes.some((w) => buffers.has(w.tensor.data.buffer));
}

const asTensorOut = (v: Value, label: string, where?: Loc): Tensor => {
  if (v instanceof TensorValue) return v.t;
  if (typeof v === "number") return T.tensor(v);
  if (v instanceof PyFloat) return T.tensor(v.float);
  throw new InputError(`${label} does not evaluate to a tensor`, where);
};

/** Runs interpreter code, reporting a Python exception as the located error it is. */
function run<R>(f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof PyException) throw Interpreter.report(e);
    throw e;
  }
}

/**
 * Executes a top-level statement; returns the value of an assignment or expression statement
 * (what the snippet computed), else undefined.
 */
function execTop(it: Interpreter, s: Stmt): Value | undefined {
  return run(() => {
    const g = it.globals;
    if (s.kind === "Assign") {
      const v = it.eval(s.value, g);
      for (const t of s.targets) it.assign(t, v, g);
      return v;
    }
    if (s.kind === "Expr") {
      if (s.value.kind === "String" || it.host.statement?.(s, g)) return undefined;
      return it.eval(s.value, g);
    }
    it.exec(s, g);
    if (s.kind === "AugAssign" && s.target.kind === "Name") return g.vars.get(s.target.id);
    return undefined;
  });
}

/**
 * Interprets `text` (an expression, a `def`, or a snippet) with the `--var` tensors bound first
 * (drawn in the order given from a generator seeded with `seed`, then the snippet's own tensors),
 * and picks the function to check: a `torch.autograd.gradcheck(f, inputs)` call if the snippet
 * has one; else the last top-level statement whose value is a tensor depending on an input that
 * requires grad (e.g. `loss = foo(W, b)`); else the last `def`, called with the variables named
 * like its parameters.
 * @throws InputError (located) on syntax errors, undefined names, unknown functions, shape errors.
 */
export function prepare(text: string, file: string, vars: VarSpec[], seed: number): Prepared {
  const { it, host } = gradcheckInterpreter(file, seed);
  const g = it.globals.vars;
  const constants: { name: string; shape: number[] }[] = [];
  for (const v of vars) {
    const made = makeVar(v, host.gen);
    // integer values that are not checked are indices, as torch.tensor([0, 2]) makes int64
    const integral =
      !v.grad &&
      v.source !== "rand" &&
      v.source !== "randn" &&
      made.data.every((x) => Number.isInteger(x));
    // PyTorch's gradcheck wants double inputs: a --var is float64 (indices int64)
    const t = host.wrap(
      made,
      v.source === "randint" || (integral && v.source !== "zeros" && v.source !== "ones")
        ? "int64"
        : "float64",
    );
    if (v.grad) host.markLeaf(t);
    else constants.push({ name: v.name, shape: t.t.shape.slice() });
    g.set(v.name, t);
    host.names.set(t, v.name);
    host.pinned.add(v.name);
  }
  const mod = parsePython(text, file);
  const body = mod.body;
  const requested: Prepared["requested"] = {};
  let f: () => Tensor;
  let label: string;
  let where: Loc | undefined;

  const src = (n: { from: number; to: number }): string => text.slice(n.from, n.to).trim();
  const defined = (n: string): boolean => it.globals.lookup(n) !== undefined;

  if (body.length === 1 && body[0].kind === "Expr") {
    const e = body[0].value;
    const missing = new Map(
      [...freeNames(e)].filter(([n]) => !defined(n)).map(([n, x]) => [n, x.loc]),
    );
    if (missing.size > 0) throw missingError(missing);
    host.recording = false;
    label = src(e);
    where = e.loc;
    f = () =>
      asTensorOut(
        run(() => it.eval(e, it.globals)),
        label,
        e.loc,
      );
  } else {
    // The snippet, from the statements after its checked inputs are created, is the function
    // of those inputs. Each evaluation restores the global bindings and the generator as they
    // were before the first statement, then goes through the top-level statements up to the one
    // checked, in order: a statement whose bindings (in the first run) hold a tensor computed
    // from the inputs (`y = x * 2`, `h = torch.tanh(h)`, `loss += …`), and the checked statement
    // itself, is re-run, so intermediates follow the perturbed inputs; any other statement
    // (imports, defs, constants such as `X = torch.rand(…)`, the statements creating the inputs)
    // is replayed: its bindings from the first run are restored, so the inputs stay the very
    // tensors being perturbed and random constants are identical in every evaluation. A
    // statement that wrote into an existing tensor in place (`with torch.no_grad(): W -= …`) is
    // replayed too: the tensor keeps the values written in the first run (re-running it would
    // write again at every evaluation); writes made after the statement checked are undone. The
    // statements re-run replay their own draws (`loss = torch.mean(X @ W + torch.randn(5))`: a
    // notebook runs the line once, so the noise is fixed), but a function they call draws from the
    // generator where the previous evaluation left it: a function that draws random values
    // (`torch.rand` inside a `def`) draws new ones at every evaluation, as it does under PyTorch's
    // gradcheck, and the check sees that it is not deterministic.
    interface Step {
      stmt: Stmt;
      /** The global bindings before the statement, in the first run. */
      before: Map<string, Value>;
      /** Bindings made by the statement in the first run (undefined: deleted). */
      bindings: [string, Value | undefined][];
      value: Value | undefined;
      createsInputs: boolean;
      /** In-place writes of the statement: `host.writes.slice(...writes)`. */
      writes: [number, number];
      rerun: boolean;
      /** Whether grad mode was off when the statement started (`torch.set_grad_enabled(False)`). */
      gradOff: boolean;
      /** The generator's state before the statement, in the first run. */
      gen: Generator;
    }
    const steps: Step[] = [];
    const startVars = new Map(g);
    let cand: { index: number; label: string; loc: Loc } | null = null;
    let lastDef: FunctionDefStmt | null = null;
    let lastDefAt = -1;
    let requestedAt = -1;
    for (let i = 0; i < body.length; i++) {
      const s = body[i];
      const before = new Map(g);
      const nLeaves = host.leaves.length;
      const nWrites = host.writes.length;
      const req = host.requested;
      const gradOff = !host.gradEnabled;
      const gen = host.gen.clone();
      const v = execTop(it, s);
      if (host.requested !== req) requestedAt = i;
      const bindings: [string, Value | undefined][] = [];
      for (const [k, x] of g) if (before.get(k) !== x) bindings.push([k, x]);
      for (const k of before.keys()) if (!g.has(k)) bindings.push([k, undefined]);
      const createsInputs = host.leaves.length > nLeaves;
      steps.push({
        stmt: s,
        before,
        bindings,
        value: v,
        createsInputs,
        writes: [nWrites, host.writes.length],
        rerun: false,
        gradOff,
        gen,
      });
      if (s.kind === "FunctionDef") {
        lastDef = s;
        lastDefAt = i;
      }
      // a value computed from the inputs, never an input itself (`W = torch.rand(…,
      // requires_grad=True)`, `W.requires_grad_()`): an input checked against itself passes
      if (
        derived(v, host.leaves) &&
        (s.kind === "Assign" || s.kind === "Expr" || s.kind === "AugAssign")
      ) {
        cand = { index: i, label: src(s), loc: s.loc };
      }
    }
    // Which statements depend on the inputs: those binding a tensor computed from them (autograd
    // dependence), and those reading (directly or through the globals of a function they call)
    // an input or a name bound by a dependent statement — data dependence, so that `y =
    // x.detach() * 2` also follows x, as under PyTorch's gradcheck.
    const dirty = new Set<string>();
    for (const step of steps) {
      if (!step.createsInputs && !writesExisting(step.before, host.writes.slice(...step.writes))) {
        const reads = readNames(step.stmt, step.before);
        step.rerun =
          step.bindings.some(([, x]) => derived(x, host.leaves)) ||
          [...reads].some((n) => {
            const x = step.before.get(n);
            return dirty.has(n) || (x instanceof TensorValue && host.leaves.includes(x));
          });
      }
      for (const [k] of step.bindings) {
        if (step.rerun) dirty.add(k);
        else dirty.delete(k);
      }
    }
    // Nothing computed from the inputs with gradients on: say why, as precisely as the snippet
    // shows it, rather than check an input against itself.
    const line = (st: Stmt): number => st.loc.line;
    /** Why statement `step` computes its values without gradients, or null if not visible. */
    const why = (step: Step): string | null => {
      if (step.gradOff) return `with grad mode off at line ${line(step.stmt)}`;
      const st = step.stmt;
      if (st.kind === "With") {
        for (const item of st.items) {
          const t = src(item.context);
          if (
            /(^|\.)(no_grad|inference_mode|set_grad_enabled)\(/.test(t) &&
            !/\(\s*True\s*\)$/.test(t)
          )
            return `under ${t} at line ${line(st)}`;
        }
      }
      const m = /\.(detach\(\)|data\b)/.exec(src(st));
      return m ? `with .${m[1]} at line ${line(st)}` : null;
    };
    const inputNames = (names: Set<string>, before: Map<string, Value>): string[] =>
      [...names].filter((n) => {
        const x = before.get(n);
        return x instanceof TensorValue && host.leaves.includes(x);
      });
    const nothingToCheck = (): void => {
      // the last value computed from the inputs (data dependence) that does not require grad
      for (let i = steps.length - 1; i > lastDefAt; i--) {
        const step = steps[i];
        const st = step.stmt;
        const v = step.value;
        if (!(st.kind === "Assign" || st.kind === "Expr" || st.kind === "AugAssign")) continue;
        if (!(v instanceof TensorValue) || v.t.requiresGrad || !step.rerun) continue;
        const names = readNames(st, step.before);
        let reason = why(step);
        for (let j = i - 1; j >= 0 && !reason; j--) {
          const dep = steps[j];
          if (!dep.rerun || !dep.bindings.some(([k]) => names.has(k))) continue;
          reason = why(dep);
          for (const n of readNames(dep.stmt, dep.before)) names.add(n);
        }
        const from = inputNames(names, step.before);
        const target =
          st.kind === "Assign" && st.targets.length === 1 && st.targets[0].kind === "Name"
            ? st.targets[0].id
            : null;
        throw new InputError(
          `nothing to check: ${target ? `'${target}'` : "this value"} is computed from ${from.length ? from.join(", ") : "an input"} ` +
            `without gradients${reason ? ` (${reason})` : ""}, so it does not require grad: PyTorch's ` +
            `${target ?? "tensor"}.backward() raises "element 0 of tensors does not require grad and does not have a grad_fn"`,
          st.loc,
        );
      }
      if (lastDef) return;
      // computed from the inputs only inside a loop, a conditional or a with block
      for (let i = steps.length - 1; i >= 0; i--) {
        const step = steps[i];
        const st = step.stmt;
        if (st.kind === "Assign" || st.kind === "Expr" || st.kind === "AugAssign") continue;
        const b = step.bindings.find(([, x]) => derived(x, host.leaves));
        if (!b) continue;
        const what =
          st.kind === "For" || st.kind === "While"
            ? `the ${st.kind === "For" ? "for" : "while"} loop`
            : st.kind === "If"
              ? "the if statement"
              : "the block";
        throw new InputError(
          `nothing to check: '${b[0]}' is computed from ${inputNames(readNames(st, step.before), step.before).join(", ") || "an input"} ` +
            `only inside ${what} at line ${line(st)}; dlq checks a value computed by a top-level statement ` +
            `(e.g. ${b[0]} = … after the loop) or a torch.autograd.gradcheck(f, inputs) call`,
          st.loc,
        );
      }
    };
    if (!host.requested && !cand && host.leaves.length > 0) {
      nothingToCheck();
      if (!lastDef) {
        const names = [...new Set(host.leaves.map((t) => host.names.get(t)).filter((n) => n))];
        throw new InputError(
          `nothing to check: no statement computes a tensor from ${names.length ? names.join(", ") : "an input"} with gradients on ` +
            "(write the loss as a top-level assignment, e.g. loss = ((X @ W - y) ** 2).mean(), or call torch.autograd.gradcheck(f, (W,)))",
          { file, line: 1, column: 1 },
        );
      }
    }
    host.recording = false;
    // the state of the statement checked: writes made by later statements are undone
    const checkedAt = host.requested ? requestedAt : cand ? cand.index : steps.length - 1;
    for (let i = steps.length - 1; i > checkedAt; i--) {
      const [from, to] = steps[i].writes;
      for (let w = to - 1; w >= from; w--) host.writes[w].tensor.data.set(host.writes[w].before);
    }
    const req = host.requested;
    if (req) {
      requested.eps = req.eps;
      requested.atol = req.atol;
      requested.rtol = req.rtol;
      requested.fast = req.fast;
      const fn = req.fn;
      label = `gradcheck(${fn instanceof PyFunction ? fn.name : (fn as PyBuiltin).name}, …)`;
      for (const t of req.inputs)
        if (!host.leaves.includes(t) && t.t.requiresGrad) host.leaves.push(t);
      // only the inputs handed to gradcheck are checked, as PyTorch does
      const only = req.inputs.filter((t) => t.t.requiresGrad);
      host.leaves.splice(0, host.leaves.length, ...only);
      const at = body[requestedAt]?.loc ?? { file, line: 1, column: 1 };
      f = () =>
        asTensorOut(
          run(() => it.call(fn, { positional: req.inputs, keywords: [] }, at)),
          label,
        );
    } else if (cand) {
      const c: { index: number; label: string; loc: Loc } = cand;
      label = c.label;
      where = c.loc;
      f = () => {
        g.clear();
        for (const [k, x] of startVars) g.set(k, x);
        let v: Value | undefined;
        for (let i = 0; i <= c.index; i++) {
          const step = steps[i];
          if (step.rerun || (i === c.index && !step.createsInputs)) {
            // the statement's own draws replay the first run's; a def it calls draws anew
            host.topLevelGen = step.gen.clone();
            try {
              v = execTop(it, step.stmt);
            } finally {
              host.topLevelGen = null;
            }
          } else {
            for (const [k, x] of step.bindings) {
              if (x === undefined) g.delete(k);
              else g.set(k, x);
            }
            v = step.value;
          }
        }
        return asTensorOut(v ?? null, label, c.loc);
      };
    } else if (lastDef) {
      const d = lastDef;
      const fn = it.globals.vars.get(d.name);
      const missing = new Map(
        [...freeNames([d])].filter(([n]) => !defined(n)).map(([n, x]) => [n, x.loc]),
      );
      for (const p of d.params) {
        if (p.kind === "positional" && !p.default && !defined(p.name)) missing.set(p.name, p.loc);
      }
      if (missing.size > 0) throw missingError(missing);
      const given = d.params.filter((p) => p.kind === "positional" && defined(p.name));
      const args = given.map((p) => it.globals.lookup(p.name)!);
      label = `${d.name}(${given.map((p) => p.name).join(", ")})`;
      where = d.loc;
      f = () =>
        asTensorOut(
          run(() => it.call(fn!, { positional: args, keywords: [] }, d.loc)),
          label,
          d.loc,
        );
    } else {
      throw new InputError(
        "nothing to check: no statement computes a tensor from an input with requires_grad=True " +
          "(create one with requires_grad=True, or pass --var NAME=SHAPE)",
        { file, line: 1, column: 1 },
      );
    }
  }
  if (host.leaves.length === 0) {
    throw new InputError(
      "no input requires grad: pass --var NAME=SHAPE (without :const), or create a tensor with requires_grad=True",
      where,
    );
  }
  // evaluate once, so that errors surface before the check
  host.checkedInputs = new Set(host.leaves.map((t) => t.t.data.buffer));
  const out = f();
  if (!out.requiresGrad) host.note("the value does not depend on any input that requires grad");
  let k = 0;
  const inputs = host.leaves.map((t) => ({
    name: host.names.get(t) ?? `input ${++k}`,
    tensor: t.t,
  }));
  return {
    f,
    inputs,
    constants,
    label,
    where,
    notes: host.notes,
    requested,
    randomDraw: () => host.redraw,
  };
}

export type { GradcheckHost };

// ---------------------------------------------------------------------------------------------
// The check

/** Options of {@link runGradcheck}. */
export interface CheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  fast?: boolean;
  seed?: number;
  /** Include the analytic gradient of inputs with at most this many elements (0: never). */
  showGrad?: number;
  /** Accept elements at a kink: pass when none fails and one matches (`--allow-inconclusive`). */
  allowInconclusive?: boolean;
  /** Progress of the check: `done` of `total` units (src/tensor/gradcheck.ts). */
  onProgress?: (done: number, total: number) => void;
}

/** One compared value: Jacobian entry (full mode) or vᵀJu (fast mode). */
export interface At {
  /** Input multi-index ([] in fast mode). */
  index: number[];
  /** Output multi-index ([] for a scalar output or in fast mode). */
  output: number[];
  analytic: number;
  numerical: number;
  absError: number;
  /** |a − n|/|n|; Infinity when n = 0 ≠ a. */
  relError: number;
  /** One-sided differences at eps, for inconclusive entries and failures near a kink. */
  forward?: number;
  backward?: number;
  /** One-sided differences at eps/2, for inconclusive entries. */
  forwardHalf?: number;
  backwardHalf?: number;
  /** Inconclusive: the op whose kink the input sits at. */
  kink?: string;
  /** A failure: an op that changes branch within eps, although the input is not at its kink. */
  nearKink?: string;
  /** A failure at a kink of this op that the kink does not explain. */
  atKink?: string;
}

export interface InputReport {
  name: string;
  shape: number[];
  /** Values compared: Jacobian entries (full) or 1 (fast). */
  entries: number;
  maxAbsError: number;
  maxRelError: number;
  maxAbsAt: At | null;
  maxRelAt: At | null;
  failures: number;
  /** The first failing entries (at most 20). */
  failing: At[];
  inconclusive: number;
  inconclusiveAt: At[];
  /** Entries that match. */
  matched: number;
  /** See {@link T.gradcheck}: fail, inconclusive (not accepted), or pass. */
  verdict: T.GradcheckVerdict;
  /** verdict === "pass". */
  passed: boolean;
  /** The analytic gradient (of the sum of the outputs), when asked for and small enough. */
  grad?: T.NestedArray;
}

export interface GradcheckReport {
  /** The exit status's verdict (see {@link T.gradcheck}): pass, fail, or inconclusive. */
  verdict: T.GradcheckVerdict;
  /** verdict === "pass". */
  passed: boolean;
  /** Whether elements at a kink were accepted (`--allow-inconclusive`). */
  allowInconclusive: boolean;
  mode: "full" | "fast";
  eps: number;
  atol: number;
  rtol: number;
  seed: number;
  label: string;
  where?: Loc;
  /** The value for one-element outputs, else null. */
  value: number | null;
  outputShape: number[];
  inputs: InputReport[];
  constants: { name: string; shape: number[] }[];
  notes: string[];
  /**
   * False when two evaluations at the same inputs differed (a function drawing random values on
   * every call): then no element is inconclusive, and, if the check fails, the notes say so.
   */
  deterministic: boolean;
}

/**
 * The most Jacobian entries a full check compares: each costs about a microsecond and 8 bytes
 * (4 million: a few seconds, 32 MB). `W*2` with W 300×300 has 8.1e9 (it could not be allocated).
 */
export const MAX_JACOBIAN_ENTRIES = 4_000_000;

/**
 * The most work of a full check's evaluations: (2 × input elements + output elements) evaluations
 * of f, each over at least its inputs and output (about 5 ns an element: 1e9 is a few seconds).
 * `torch.sum(W)` with W 2000×2000 would be 3.2e13 (hours).
 */
export const MAX_FULL_CHECK_WORK = 1e9;

/**
 * Refuses, once f's output size is known and before anything is perturbed, a full check too large
 * to run ({@link MAX_JACOBIAN_ENTRIES}, {@link MAX_FULL_CHECK_WORK}), suggesting --fast (one
 * directional derivative per input, whatever the sizes). Deterministic: sizes, not seconds.
 */
function admitFullCheck(p: Prepared): (plan: { outputSize: number; mode: string }) => void {
  return ({ outputSize: m, mode }) => {
    if (mode !== "full") return;
    const n = p.inputs.reduce((s, i) => s + i.tensor.size, 0);
    const elements =
      m + n + p.constants.reduce((s, c) => s + c.shape.reduce((a, b) => a * b, 1), 0);
    const entries = m * n;
    const evaluations = 2 * n + m;
    const work = evaluations * elements;
    const fix =
      "use --fast (one directional derivative vᵀJu per input, as PyTorch's fast_mode=True) or smaller inputs";
    if (entries > MAX_JACOBIAN_ENTRIES) {
      throw new InputError(
        `the full check would compare ${entries.toExponential(1)} Jacobian entries (${m} output × ${n} input elements), more than dlq does (${MAX_JACOBIAN_ENTRIES.toExponential(0)}): ${fix}`,
        p.where,
      );
    }
    if (work > MAX_FULL_CHECK_WORK) {
      throw new InputError(
        `the full check would evaluate the function ${evaluations} times over ${elements} elements (about ${work.toExponential(1)} element operations; dlq does ${MAX_FULL_CHECK_WORK.toExponential(0)}): ${fix}`,
        p.where,
      );
    }
  };
}

/**
 * Runs the check (options override the snippet's own `gradcheck(...)` tolerances, which
 * override PyTorch's defaults).
 * @throws InputError when a full check is too large to run (see {@link admitFullCheck}).
 */
export function runGradcheck(p: Prepared, opts: CheckOptions = {}): GradcheckReport {
  const eps = opts.eps ?? p.requested.eps ?? 1e-6;
  const atol = opts.atol ?? p.requested.atol ?? 1e-5;
  const rtol = opts.rtol ?? p.requested.rtol ?? 1e-3;
  const fast = opts.fast ?? p.requested.fast ?? false;
  const seed = opts.seed ?? 0;
  const tensors = p.inputs.map((i) => i.tensor);
  const r = T.gradcheck(() => p.f(), tensors, {
    eps,
    atol,
    rtol,
    fast,
    generator: new Generator(seed),
    allowInconclusive: opts.allowInconclusive ?? false,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    admit: admitFullCheck(p),
  });
  const outShape = r.outputShape;
  const at = (e: T.GradcheckEntry | null): At | null =>
    e === null
      ? null
      : {
          index: e.index,
          output: e.output < 0 ? [] : T.unravel(e.output, outShape),
          analytic: e.analytical,
          numerical: e.numerical,
          absError: e.absError,
          relError: e.relError,
          ...(e.forward !== undefined ? { forward: e.forward, backward: e.backward } : {}),
          ...(e.forwardHalf !== undefined
            ? { forwardHalf: e.forwardHalf, backwardHalf: e.backwardHalf }
            : {}),
          ...(e.kink !== undefined ? { kink: e.kink } : {}),
          ...(e.nearKink !== undefined ? { nearKink: e.nearKink } : {}),
          ...(e.atKink !== undefined ? { atKink: e.atKink } : {}),
        };
  let grads: Float64Array[] | null = null;
  if ((opts.showGrad ?? 0) > 0) {
    const out = p.f();
    grads = out.requiresGrad
      ? T.grad(out, tensors, new Float64Array(out.size).fill(1))
      : tensors.map((t) => new Float64Array(t.size));
  }
  const inputs = r.inputs.map((ir, i): InputReport => {
    const t = tensors[i];
    const rep: InputReport = {
      name: p.inputs[i].name,
      shape: ir.shape,
      entries: ir.entries,
      maxAbsError: ir.maxAbsError,
      maxRelError: ir.maxRelError,
      maxAbsAt: at(ir.worst),
      maxRelAt: at(ir.worstRel),
      failures: ir.numFailures,
      failing: ir.failures.map((e) => at(e)!),
      inconclusive: ir.numInconclusive,
      inconclusiveAt: ir.inconclusive.map((e) => at(e)!),
      matched: ir.matched,
      verdict: ir.verdict,
      passed: ir.verdict === "pass",
    };
    if (grads && t.size <= (opts.showGrad ?? 0)) {
      rep.grad = new Tensor(grads[i], t.shape).toArray();
    }
    return rep;
  });
  const notes = p.notes.slice();
  // the two values to as many digits as it takes to tell them apart (10 at least)
  const sig2 = (a: number, b: number): [string, string] => {
    for (let p = 10; p < 17; p++) {
      const [x, y] = [a, b].map((v) => String(Number(v.toPrecision(p))));
      if (x !== y) return [x, y];
    }
    return [String(a), String(b)];
  };
  // the note only where the verdict depends on it: noise below the tolerances passes, as in PyTorch
  if (!r.deterministic && !r.ok) {
    const d = r.nondeterminism!;
    const at = r.value.length > 1 ? ` at output [${T.unravel(d.output, outShape).join(", ")}]` : "";
    const draw = p.randomDraw?.();
    const by = draw
      ? `: it draws new random values on every call (${draw.what}${draw.where ? ` at ${formatLoc(draw.where)}` : ""})`
      : "";
    const [first, second] = sig2(d.first, d.second);
    notes.push(
      `the function is not deterministic${by}; two evaluations at the same inputs gave ` +
        `${first} and ${second}${at}, so the numerical gradient measures the noise ` +
        `(PyTorch's gradcheck fails it too: draw random tensors outside the function, or seed ` +
        `them inside it with torch.manual_seed)`,
    );
  }
  if (grads && r.value.length > 1)
    notes.push("--show-grad shows the gradient of the sum of the outputs");
  return {
    verdict: r.verdict,
    passed: r.ok,
    allowInconclusive: r.allowInconclusive,
    mode: r.mode,
    eps,
    atol,
    rtol,
    seed,
    label: p.label,
    where: p.where,
    value: r.value.length === 1 ? r.value[0] : null,
    outputShape: outShape,
    inputs,
    constants: p.constants,
    notes,
    deterministic: r.deterministic,
  };
}
