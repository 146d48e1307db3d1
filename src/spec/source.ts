/**
 * Reads a model from PyTorch source code, without executing it: the source runs in dlq's one
 * interpreter (src/python) with the model-reading host (src/spec/torch_host.ts), where tensors
 * are shapes and `nn.Module` registers its children as PyTorch does. The model is the module the
 * source builds (see {@link parseSource}); its forward is traced into a graph on demand.
 */
import { InputError, type Loc } from "../errors.js";
import type { DType } from "../ops/types.js";
import { Interpreter } from "../python/interp.js";
import { LineScanner, parsePython } from "../python/parse.js";
import {
  PyClass,
  PyDict,
  PyException,
  PyInstance,
  PyList,
  PyTuple,
  Unknown,
  type CallArgs,
  type Value,
} from "../python/values.js";
import { didYouMean } from "../util/suggest.js";
import { MetaTensor, stateOf, TorchHost } from "./torch_host.js";
import { checkModuleTree, type LayerCatalogue } from "./tree.js";
import type { ModelSpec } from "./types.js";

export interface ParseOptions extends LayerCatalogue {
  /** The model to pick when the source defines several (`--model NAME`): a name or a class. */
  model?: string;
}

/** An input given on the command line (`--input 1,3,32,32` or `--input 2,32:int64`). */
export interface InputOverride {
  shape: number[];
  dtype?: DType;
}

/**
 * Reads a model from PyTorch source code (never executing it).
 *
 * The model is, in order of preference: the module `opts.model` names (a top-level variable, or a
 * class to instantiate without arguments); the last module bound to a top-level name that is not
 * part of another; the last module the source creates anywhere (inside `main()`, say); an
 * instance of the last `nn.Module` class the source defines that needs no arguments. Its input is
 * the first call the source makes on it (`model(torch.rand(1, 3, 32, 32))`) or a
 * `torchinfo.summary(model, input_size=…)`.
 *
 * @throws InputError (located) for syntax errors, Python errors the source raises before the
 *   model is built, a missing model or an unknown `opts.model`.
 */
export function parseSource(text: string, file: string | undefined, opts: ParseOptions): ModelSpec {
  const prep = prepareSource(text);
  const mod = parsePython(prep.text, file, { shift: prep.shift });
  const host = new TorchHost({ knownLayers: opts.knownLayers() });
  const it = new Interpreter(host, { strict: false, file });
  const topNames = new Map<string, PyInstance>();
  let stopped: PyException | undefined;
  for (const s of mod.body) {
    try {
      it.runTop(s);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw e;
    }
    const last = it.raised[it.raised.length - 1];
    if (
      last &&
      last.stmt === s &&
      !(last.error as PyException & { recoverable?: boolean }).recoverable
    ) {
      // Python stops at an uncaught exception: the source is broken where it raises
      throw Interpreter.report(last.error);
    }
  }
  for (const [k, v] of it.globals.vars)
    if (v instanceof PyInstance && stateOf(v)) topNames.set(k, v);
  const where = file ?? "<input>";
  const pick = pickModel(host, it, topNames, opts, where, stopped);
  const root = stateOf(pick.module)!.spec;
  checkModuleTree(root, root.loc ?? where);
  const call = host.calls.find((c) => c.module === pick.module);
  const summary = host.summaries.find((s) => s.module === pick.module);
  const inputs = call
    ? tensorArgs(call.args)
    : summary
      ? [{ shape: summary.shape, dtype: "float32" as DType }]
      : [];
  const out: ModelSpec = { root, format: "source" };
  if (inputs.length) out.input = inputs[0].shape;
  if (inputs.length) out.inputs = inputs.map((t) => ({ shape: [...t.shape], dtype: t.dtype }));
  if (pick.name !== undefined) out.name = pick.name;
  const notes: string[] = [];
  if (stopped) {
    notes.push(
      `${formatAt(stopped.loc) ?? where}: the source raises ${Interpreter.report(stopped).message} here; dlq reads the model built before it`,
    );
  }
  if (notes.length) out.notes = notes;
  out.trace = (overrides?: InputOverride[]) => {
    host.finalTrace = true;
    try {
      const args = traceArgs(host, call?.args, overrides, summary?.shape, where);
      return host.traced(pick.module, args, call?.loc ?? root.loc ?? { file, line: 1, column: 1 })
        .graph;
    } catch (e) {
      if (e instanceof PyException) throw Interpreter.report(e);
      throw e;
    } finally {
      host.finalTrace = false;
    }
  };
  return out;
}

function formatAt(loc?: Loc): string | undefined {
  return loc ? `${loc.file ? loc.file + ":" : ""}${loc.line}:${loc.column}` : undefined;
}

/** The tensors among a call's arguments, in order (tuples walked). */
function tensorArgs(args: CallArgs): { shape: number[]; dtype: DType }[] {
  const out: { shape: number[]; dtype: DType }[] = [];
  const walk = (v: Value): void => {
    if (v instanceof MetaTensor) out.push({ shape: [...v.meta.shape], dtype: v.meta.dtype });
    else if (v instanceof PyTuple || v instanceof PyList) v.items.forEach(walk);
    else if (v instanceof PyDict) v.values().forEach(walk);
  };
  args.positional.forEach(walk);
  args.keywords.forEach(([, v]) => walk(v));
  return out;
}

/**
 * The arguments of the traced call: the source's own call with its tensors replaced, in order,
 * by `overrides`; without a call, one tensor per override.
 */
function traceArgs(
  host: TorchHost,
  recorded: CallArgs | undefined,
  overrides: InputOverride[] | undefined,
  summary: number[] | undefined,
  where: string,
): CallArgs {
  if (!recorded) {
    const ins = overrides?.length ? overrides : summary ? [{ shape: summary }] : undefined;
    if (!ins)
      throw new InputError(
        "no input shape: the model is never fed a tensor here; pass --input",
        where,
      );
    return {
      positional: ins.map((o) =>
        host.inputTensor(o.shape, o.dtype ?? "float32", o.dtype === undefined),
      ),
      keywords: [],
    };
  }
  let k = 0;
  const fresh = (v: Value): Value => {
    if (v instanceof MetaTensor) {
      const o = overrides?.[k++];
      if (o) return host.inputTensor(o.shape, o.dtype ?? v.meta.dtype, o.dtype === undefined);
      return host.inputTensor([...v.meta.shape], v.meta.dtype, false);
    }
    if (v instanceof PyTuple) return new PyTuple(v.items.map(fresh), v.names, v.typeName);
    if (v instanceof PyList) return new PyList(v.items.map(fresh));
    return v;
  };
  const args = {
    positional: recorded.positional.map(fresh),
    keywords: recorded.keywords.map(([n, v]) => [n, fresh(v)] as [string, Value]),
  };
  if (overrides && overrides.length > k) {
    throw new InputError(
      `${overrides.length} --input shapes given, but the model's call in the source has ${k} tensor argument${k === 1 ? "" : "s"}`,
      "--input",
    );
  }
  return args;
}

/** The module instance that is the model, and its name (see {@link parseSource}). */
function pickModel(
  host: TorchHost,
  it: Interpreter,
  topNames: Map<string, PyInstance>,
  opts: ParseOptions,
  where: string,
  stopped: PyException | undefined,
): { module: PyInstance; name?: string } {
  if (opts.model !== undefined) {
    const m = topNames.get(opts.model);
    if (m) return { module: m, name: opts.model };
    const cls = it.globals.vars.get(opts.model);
    if (cls instanceof PyClass && cls.isSubclassOf(host.moduleClass)) {
      const inst = instantiate(it, cls);
      if (inst) return { module: inst, name: opts.model };
      throw new InputError(
        `class '${opts.model}' cannot be built without arguments`,
        cls.loc ?? where,
      );
    }
    const list = [...topNames.keys()];
    const defined = list.length
      ? `defined models: ${list.join(", ")}`
      : "the source defines no model";
    throw new InputError(
      `no model named '${opts.model}'${didYouMean(opts.model, list)} (${defined})`,
      where,
    );
  }
  // containment: a module that is a child of another is not the model
  const inside = new Set<PyInstance>();
  for (const m of host.created)
    for (const c of stateOf(m)!.children.values()) if (c && c !== m) inside.add(c);
  const roots = (ms: PyInstance[]): PyInstance[] => ms.filter((m) => !inside.has(m));
  const named = roots([...topNames.values()]).filter((m) => !isLoss(m));
  // the last binding (in statement order) of a root module
  const order = [...it.globals.vars.entries()].filter(
    ([, v]) => v instanceof PyInstance && named.includes(v as PyInstance),
  );
  if (order.length) {
    const [name, m] = order[order.length - 1];
    return { module: m as PyInstance, name };
  }
  const anywhere = roots(host.created).filter((m) => !isLoss(m));
  if (anywhere.length) {
    const m = anywhere[anywhere.length - 1];
    return { module: m, name: bindingName(it, m) };
  }
  if (stopped) throw Interpreter.report(stopped);
  // classes only: build the last one that needs no arguments
  const classes = [...it.globals.vars.entries()].filter(
    ([, v]) =>
      v instanceof PyClass && v !== host.moduleClass && v.isSubclassOf(host.moduleClass) && v.loc,
  ) as [string, PyClass][];
  const used = new Set<PyClass>();
  for (let i = classes.length - 1; i >= 0; i--) {
    const [name, cls] = classes[i];
    if (used.has(cls)) continue;
    const inst = instantiate(it, cls);
    if (inst) {
      for (const [, d] of host.namedModules(inst).slice(1)) used.add(d.cls);
      return { module: inst, name };
    }
  }
  throw new InputError(
    "no model found: expected a torch.nn module, e.g. model = nn.Sequential(...) or an nn.Module class",
    where,
  );
}

function isLoss(m: PyInstance): boolean {
  return /Loss$/.test(m.cls.name);
}

function bindingName(it: Interpreter, m: PyInstance): string | undefined {
  for (const [k, v] of it.globals.vars) if (v === m) return k;
  return undefined;
}

/** `cls()`, or undefined when it needs arguments or fails. */
function instantiate(it: Interpreter, cls: PyClass): PyInstance | undefined {
  it.evalDepth = 0;
  try {
    const v = it.call(cls, { positional: [], keywords: [] }, cls.loc ?? { line: 1, column: 1 });
    return v instanceof PyInstance ? v : undefined;
  } catch (e) {
    if (e instanceof PyException || e instanceof InputError) return undefined;
    throw e;
  }
}

export { Unknown };

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
