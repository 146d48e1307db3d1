/**
 * The model parsers' entry point: detects which of the three input forms a text is in (JSON spec,
 * printed repr, PyTorch source) and parses it into a {@link ModelSpec}. Pure: no I/O on the user's
 * files (the commands read them).
 */
import { parseJsonSpec } from "./json.js";
import { parseRepr } from "./repr.js";
import { parseSource, type ParseOptions } from "./source.js";
import { InputError } from "../errors.js";
import { traceSequential } from "../analysis/graph.js";
import { traceNodes } from "../analysis/graph_nodes.js";
import { LAYERS } from "../analysis/layers/index.js";
import type { TensorMeta } from "../ops/types.js";
import type { LayerModule, ModelSpec, ModuleSpec } from "./types.js";

export { parseJsonSpec } from "./json.js";
export { parseRepr } from "./repr.js";
export { parseSource, type ParseOptions } from "./source.js";
export { CONTAINER_TYPES, type LayerCatalogue } from "./tree.js";
export { parsePython, parsePythonExpression } from "../python/parse.js";

export type ModelFormat = ModelSpec["format"];

/** A repr's first line: `Sequential(` or a one-line module such as `LSTM(5, 5)`. */
const REPR_OPEN = /^\s*[A-Za-z_]\w*\($/;
const REPR_ONE_LINE = /^[A-Za-z_]\w*\(.*\)$/;
/** A repr's child line: `  (0): Conv2d(...)`, `  (conv): Sequential(`, `(0-23): 24 x ...`. */
const REPR_CHILD = /^\s*\([^()\s]*\): \S/;

/** A console prompt (`>>> `, `... `), removed before looking for a repr. */
const PROMPT = /^(>>>|\.\.\.)( |$)/;
/** Lines around a pasted repr that are not part of it: comments, `print(model)`, `model`, magics. */
const AROUND_REPR = /^\s*(#.*|print\(\s*[A-Za-z_][\w.]*\s*\)\s*(#.*)?|[A-Za-z_][\w.]*\s*|[%!].*)$/;

/** The bounds of the line holding offset `pos` (without its "\n"). */
function lineAt(text: string, pos: number): { start: number; end: number } {
  const start = text.lastIndexOf("\n", pos - 1) + 1;
  const nl = text.indexOf("\n", pos);
  return { start, end: nl < 0 ? text.length : nl };
}

/** Whether a line is one around a repr ({@link AROUND_REPR}, after a console prompt). */
function aroundRepr(line: string): boolean {
  const m = PROMPT.exec(line);
  const t = m ? line.slice(m[0].length) : line;
  return AROUND_REPR.test(t.replace(/\r$/, ""));
}

/**
 * Calls `f` with each line of `text` that is not blank (without its "\n"), in order, until `f`
 * returns false. Blank lines are skipped by a regular expression, not one by one, so that a text
 * of millions of blank lines costs no loop over them.
 */
function eachNonBlankLine(text: string, f: (line: string, start: number) => boolean): void {
  const next = /\S/g;
  for (let m = next.exec(text); m; m = next.exec(text)) {
    const { start, end } = lineAt(text, m.index);
    if (!f(text.slice(start, end), start)) return;
    next.lastIndex = end;
  }
}

/**
 * The text of a printed repr as {@link parseRepr} reads it, when `text` is one: console prompts
 * removed and the lines around the repr (comments, a `>>> print(model)` line) blanked, so that line
 * numbers stay those of the file. Undefined when the text is not a repr.
 */
export function reprText(text: string): string | undefined {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trimStart().startsWith("{") || !looksLikeRepr(body)) return undefined;
  return blankAround(body);
}

/** `body` with every line around the repr ({@link aroundRepr}) emptied. */
function blankAround(body: string): string {
  const pieces: string[] = [];
  let from = 0;
  eachNonBlankLine(body, (line, start) => {
    if (aroundRepr(line)) {
      pieces.push(body.slice(from, start));
      from = start + line.length;
    }
    return true;
  });
  if (from === 0) return body;
  pieces.push(body.slice(from));
  return pieces.join("");
}

/**
 * Which form `text` is in: "json" when its first non-space character is `{`; "repr" when it looks
 * like `print(model)` output (first line `Type(` followed by `(name): …` lines or `)`, or a single
 * line `Type(args)`), with no `nn.`, `torch.`, `import` or assignment, once comment lines and a
 * `>>> print(model)` line above it are set aside; otherwise "source".
 */
export function detectFormat(text: string): ModelFormat {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trimStart().startsWith("{")) return "json";
  return looksLikeRepr(body) ? "repr" : "source";
}

/**
 * Whether `body` is a printed repr once the lines around it ({@link aroundRepr}) are set aside:
 * its first two other non-blank lines, and no line of it saying `nn.`, `torch.`, `import` or
 * starting a comment. Linear in the text, whatever its number of lines.
 */
function looksLikeRepr(body: string): boolean {
  const lines: string[] = [];
  eachNonBlankLine(body, (line) => {
    if (!aroundRepr(line)) lines.push(line.replace(/\r$/, ""));
    return lines.length < 2;
  });
  if (lines.length === 0) return false;
  // [^\S\n]*, not \s*: with /m, \s* would run on across blank lines from every line start (a
  // repr followed by millions of blank lines took minutes). A match on a line around the repr
  // (a comment) does not count.
  const python = /\bnn\.|\btorch\.|^[^\S\n]*(import|from)\s|^[^\S\n]*#/gm;
  for (let m = python.exec(body); m; m = python.exec(body)) {
    const { start, end } = lineAt(body, m.index);
    if (!aroundRepr(body.slice(start, end))) return false;
    python.lastIndex = end;
  }
  const first = lines[0];
  if (REPR_OPEN.test(first)) {
    const second = lines[1];
    return second !== undefined && (REPR_CHILD.test(second) || second.trim() === ")");
  }
  return lines.length === 1 && REPR_ONE_LINE.test(first.trim()) && !/^[^(]*=/.test(first);
}

/**
 * Parses a model in any of the three forms (see {@link detectFormat}).
 * @param text the file's contents.
 * @param file the file name as the user gave it, for error locations.
 * @param opts the layer catalogue (`isKnownLayer`, `knownLayers`) and, for source, `model` (which
 *   variable is the model).
 * @throws InputError (located, one line) for every problem in the input.
 */
export function parseModel(text: string, file: string | undefined, opts: ParseOptions): ModelSpec {
  // A byte-order mark is not a column in any editor.
  text = text.replace(/^\uFEFF/, "");
  if (detectFormat(text) === "json") return withTrace(parseJsonSpec(text, file, opts));
  const repr = reprText(text);
  if (repr !== undefined) return withTrace(parseRepr(repr, file, opts));
  return parseSource(text, file, opts);
}

/**
 * A model without a forward of its own (a repr, a JSON spec) traced as `nn.Sequential` runs it:
 * on the override's input, or the one the spec states; without either, a graph without shapes.
 */
function withTrace(spec: ModelSpec): ModelSpec {
  spec.trace = (overrides) => {
    const o = overrides?.[0];
    if (overrides && overrides.length > 1) {
      throw new InputError(
        `${overrides.length} --input shapes given, but the model takes one input`,
        "--input",
      );
    }
    const first = firstLayer(spec.root);
    const index = first !== undefined && LAYERS.get(first.type)?.inputKind === "index";
    const shape = o?.shape ?? spec.input;
    const meta: TensorMeta | undefined = shape
      ? { shape, dtype: o?.dtype ?? (index ? "int64" : "float32") }
      : undefined;
    if (spec.nodes) {
      if (!meta) {
        throw new InputError(
          'no input shape: a graph spec needs "input" (or --input) to trace its nodes',
          "--input",
        );
      }
      return traceNodes(spec.root, spec.nodes, spec.outputs, meta, spec.name);
    }
    return traceSequential(spec.root, meta, spec.name);
  };
  return spec;
}

function firstLayer(m: ModuleSpec): LayerModule | undefined {
  let x: ModuleSpec | undefined = m;
  while (x && x.kind !== "layer") x = x.children[0]?.module;
  return x;
}
