/**
 * Reads a model from its printed repr (what `print(model)` shows in PyTorch):
 *
 * ```
 * Sequential(
 *   (0): Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
 *   (conv): Sequential(
 *     (0): Linear(in_features=42, out_features=128, bias=True)
 *   )
 * )
 * ```
 *
 * The structure is line based: a container opens with `Type(` at the end of a line and closes with
 * a line holding only `)`; each child is `(name): …`. A leaf's text (`Conv2d(3, 4, kernel_size=…)`)
 * is parsed with the Python expression parser (src/spec/python.ts); a whole number printed as a
 * float (`2.0`) is read as a `PyFloat`, as the source parser reads it. PyTorch prints some strings
 * without quotes (`padding_mode=reflect`, `Upsample(scale_factor=2.0, mode=nearest)`), so a bare
 * identifier in an argument value is read as that string (`inf`/`nan` as numbers). PyTorch 2's
 * compressed form `(0-23): 24 x Linear(...)` is read as 24 modules named "0" … "23".
 *
 * **Shared modules cannot be seen in a repr**: PyTorch prints a module that is used twice at each of
 * its names, so every entry of a repr becomes a distinct module (its parameters count each time).
 * Use the source or a JSON spec (`{"ref": …}`) to express weight sharing.
 *
 * Only `Sequential` containers can be read: any other container (a custom `nn.Module`,
 * `ModuleList`, `MultiheadAttention`, …) does not show its forward() or all of its arguments.
 */
import { InputError, type Loc } from "../errors.js";
import { didYouMean } from "../util/suggest.js";
import { parsePythonExpression, tooDeep, type Expr } from "../python/parse.js";
import { MAX_MODULE_DEPTH, setKey, type LayerCatalogue } from "./tree.js";
import { MAX_MODULES, MAX_REPR_LINES, tooManyModules } from "./limits.js";
import {
  isPyFloat,
  pyNumber,
  type LayerModule,
  type ModelSpec,
  type ModuleSpec,
  type PyValue,
  type SequentialModule,
} from "./types.js";

/** A container line: `Sequential(` (after the optional `(name): ` prefix). */
const OPEN = /^([A-Za-z_]\w*)\($/;
/** A child line: `(name): rest`. */
const CHILD = /^\(([^()\s]*)\):\s*(.*)$/;
/** PyTorch 2's repeated-children line: `(0-23): 24 x Linear(...)`. */
const REPEAT = /^(\d+) x (.*)$/;

interface Line {
  /** 1-based line number. */
  n: number;
  text: string;
}

/**
 * Parses a printed repr into a model spec (format "repr"; no input shape, no names shared).
 * @throws InputError located at the offending line/column: bad structure, unknown layer types
 *   (with suggestions), non-Sequential containers, values that are not literals.
 */
export function parseRepr(text: string, file: string | undefined, opts: LayerCatalogue): ModelSpec {
  // Counted before splitting: an array of millions of lines is what exhausts memory.
  const count = text.length - text.replaceAll("\n", "").length + 1;
  if (count > MAX_REPR_LINES) {
    throw new InputError(
      `the repr has ${count} lines, more than dlq reads (at most ${MAX_REPR_LINES}): is it one model's print(model)?`,
      file === undefined
        ? { line: MAX_REPR_LINES + 1, column: 1 }
        : { file, line: MAX_REPR_LINES + 1, column: 1 },
    );
  }
  const lines: Line[] = text.split("\n").map((t, i) => ({ n: i + 1, text: t.replace(/\r$/, "") }));
  const p = new ReprParser(lines, file, opts);
  return { root: p.parseRoot(), format: "repr" };
}

class ReprParser {
  private i = 0;
  /** Modules read so far below the root (at most {@link MAX_MODULES}). */
  private modules = 0;
  constructor(
    private readonly lines: Line[],
    private readonly file: string | undefined,
    private readonly opts: LayerCatalogue,
  ) {}

  private loc(line: number, column: number): Loc {
    return this.file === undefined ? { line, column } : { file: this.file, line, column };
  }

  private skipBlank(): void {
    while (this.i < this.lines.length && this.lines[this.i].text.trim() === "") this.i++;
  }

  parseRoot(): ModuleSpec {
    this.skipBlank();
    if (this.i >= this.lines.length)
      throw new InputError("empty input: expected a model", this.loc(1, 1));
    const line = this.lines[this.i];
    const col = line.text.length - line.text.trimStart().length;
    const root = this.entry(line.text.trim(), line, col + 1);
    this.skipBlank();
    if (this.i < this.lines.length) {
      const l = this.lines[this.i];
      throw new InputError(
        "unexpected text after the end of the model",
        this.loc(l.n, l.text.length - l.text.trimStart().length + 1),
      );
    }
    return root;
  }

  /** Counts `n` more modules; refuses the model past {@link MAX_MODULES}. */
  private count(n: number, loc: Loc): void {
    this.modules += n;
    if (this.modules > MAX_MODULES) throw tooManyModules(loc);
  }

  /**
   * Parses one module whose text starts on the current line at `column`; advances past it.
   * `depth` counts the containers around it (at most {@link MAX_MODULE_DEPTH}).
   */
  private entry(content: string, line: Line, column: number, depth = 0): ModuleSpec {
    const open = OPEN.exec(content);
    if (open) {
      // A container only if children follow (else a truncated leaf: let the parser say so).
      let j = this.i + 1;
      while (j < this.lines.length && this.lines[j].text.trim() === "") j++;
      if (j < this.lines.length && CHILD.test(this.lines[j].text.trim())) {
        if (depth >= MAX_MODULE_DEPTH) {
          throw tooDeep(
            `more than ${MAX_MODULE_DEPTH} nested containers`,
            this.loc(line.n, column),
          );
        }
        return this.container(open[1], line, column, depth + 1);
      }
    }
    return this.leaf(content, line, column);
  }

  private container(type: string, line: Line, column: number, depth: number): ModuleSpec {
    const loc = this.loc(line.n, column);
    if (type !== "Sequential") {
      if (type !== "ModuleList" && !this.opts.isKnownLayer(type)) {
        const hint = didYouMean(type, ["Sequential"]);
        if (hint) throw new InputError(`unknown module '${type}'${hint}`, loc);
      }
      const what =
        type === "ModuleList"
          ? "an nn.ModuleList has no forward()"
          : `${type} is printed as a container: its forward() and arguments are not in the repr`;
      throw new InputError(`dlq can read only Sequential containers from a repr (${what})`, loc);
    }
    const seq: SequentialModule = { kind: "sequential", type: "Sequential", children: [], loc };
    // The names taken so far (a set: a container may have 100,000 children).
    const names = new Set<string>();
    this.i++;
    for (;;) {
      this.skipBlank();
      if (this.i >= this.lines.length) {
        throw new InputError(
          `unexpected end of input: '${type}(' opened at line ${line.n} is never closed`,
          this.loc(this.lines.length, this.lines[this.lines.length - 1].text.length + 1),
        );
      }
      const l = this.lines[this.i];
      const trimmed = l.text.trim();
      const col = l.text.length - l.text.trimStart().length + 1;
      if (trimmed === ")") {
        this.i++;
        return seq;
      }
      const m = CHILD.exec(trimmed);
      if (!m) throw new InputError("expected '(name): Module(...)' or ')'", this.loc(l.n, col));
      const [, name, rest] = m;
      const restCol = col + trimmed.length - rest.length;
      const range = /^(\d+)-(\d+)$/.exec(name);
      const rep = REPEAT.exec(rest);
      if (range && rep) {
        const first = Number(range[1]);
        const count = Number(rep[1]);
        if (Number(range[2]) - first + 1 !== count || count > MAX_MODULES) {
          throw new InputError(`'(${name}): ${count} x' does not match`, this.loc(l.n, col));
        }
        const restOffset = rest.length - rep[2].length;
        const before = this.modules;
        this.count(1, this.loc(l.n, col));
        const module = this.entry(rep[2], l, restCol + restOffset, depth);
        // Each copy counts, with its children.
        this.count((this.modules - before) * (count - 1), this.loc(l.n, col));
        for (let k = 0; k < count; k++) {
          names.add(String(first + k));
          seq.children.push({ name: String(first + k), module: k === 0 ? module : clone(module) });
        }
        continue;
      }
      if (name === "" || name.includes(".")) {
        throw new InputError(`invalid module name '${name}'`, this.loc(l.n, col + 1));
      }
      if (names.has(name)) {
        throw new InputError(`duplicate module name '${name}'`, this.loc(l.n, col + 1));
      }
      names.add(name);
      this.count(1, this.loc(l.n, col));
      seq.children.push({ name, module: this.entry(rest, l, restCol, depth) });
    }
  }

  private leaf(content: string, line: Line, column: number): ModuleSpec {
    // A leaf's text may span several lines (an extra_repr with newlines): read until balanced.
    let text = content;
    let depth = balance(content);
    this.i++;
    while (depth > 0 && this.i < this.lines.length) {
      const next = this.lines[this.i].text;
      if (next.trim() === ")" || CHILD.test(next.trim())) break;
      text += "\n" + next;
      depth += balance(next);
      this.i++;
    }
    const e = parsePythonExpression(text, this.file, { line: line.n, column });
    if (e.kind !== "Call" || e.func.kind !== "Name") {
      throw new InputError("expected a module, e.g. Conv2d(3, 4, kernel_size=(3, 3))", e.loc);
    }
    const type = e.func.id;
    if (type === "Sequential") {
      if (e.args.length || e.keywords.length) {
        throw new InputError("a Sequential's children are printed on lines of their own", e.loc);
      }
      return { kind: "sequential", type: "Sequential", children: [], loc: e.loc };
    }
    if (type === "ModuleList") {
      throw new InputError(
        "dlq can read only Sequential containers from a repr (an nn.ModuleList has no forward())",
        e.loc,
      );
    }
    if (!this.opts.isKnownLayer(type)) {
      throw new InputError(
        `unknown module '${type}'${didYouMean(type, [...this.opts.knownLayers(), "Sequential"])}`,
        e.func.loc,
      );
    }
    const positional: PyValue[] = [];
    for (const a of e.args) {
      if (a.kind === "Starred") throw new InputError("unexpected '*' in a repr", a.loc);
      positional.push(literal(a));
    }
    const keywords: Record<string, PyValue> = {};
    for (const k of e.keywords) {
      if (k.name === null) throw new InputError("unexpected '**' in a repr", k.loc);
      setKey(keywords, k.name, literal(k.value));
    }
    const layer: LayerModule = {
      kind: "layer",
      type,
      args: { positional, keywords },
      loc: e.loc,
      fromRepr: true,
    };
    return layer;
  }
}

/**
 * A repr argument value: literals, tuples, negative numbers; bare identifiers are strings. A whole
 * number printed as a float (`2.0`, `-1.0`: PyTorch prints ints as ints, so this was a float) is a
 * `PyFloat`. Recursion is bounded by the expression's nesting (limited by the Python parser).
 */
function literal(e: Expr): PyValue {
  switch (e.kind) {
    case "Number":
      return pyNumber(e.value, e.isFloat);
    case "String":
      return e.value;
    case "Bool":
      return e.value;
    case "None":
      return null;
    case "Name":
      if (e.id === "inf") return Infinity;
      if (e.id === "nan") return NaN;
      return e.id;
    case "Attribute": {
      const base = literal(e.value);
      if (typeof base === "string") return `${base}.${e.attr}`;
      break;
    }
    case "UnaryOp":
      if (e.op === "-" || e.op === "+") {
        const v = literal(e.operand);
        if (typeof v === "number") return e.op === "-" ? -v : v;
        if (isPyFloat(v)) {
          // A sign on a float literal keeps it a float (`-1.0`, as PyTorch prints it). A sign on a
          // signed float (`--1.0`, which PyTorch never prints) gives a plain number, as dlq has
          // always read it.
          const x = e.op === "-" ? -v.float : v.float;
          return e.operand.kind === "Number" ? { float: x } : x;
        }
      }
      break;
    case "Tuple":
    case "List":
      return e.elts.map(literal);
  }
  throw new InputError(
    "dlq cannot read this value in a repr (expected a number, string, tuple, True/False/None)",
    e.loc,
  );
}

/** Net count of open brackets in a line (ignoring brackets inside quotes). */
function balance(s: string): number {
  let d = 0;
  let quote = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "(" || c === "[" || c === "{") d++;
    else if (c === ")" || c === "]" || c === "}") d--;
  }
  return d;
}

/** A distinct copy of a module tree (the repr shows no sharing; at most MAX_MODULE_DEPTH deep). */
function clone(m: ModuleSpec): ModuleSpec {
  if (m.kind === "layer") return { ...m, args: structuredClone(m.args) };
  return { ...m, children: m.children.map((c) => ({ name: c.name, module: clone(c.module) })) };
}
