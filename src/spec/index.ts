/**
 * The model parsers' entry point: detects which of the three input forms a text is in (JSON spec,
 * printed repr, PyTorch source) and parses it into a {@link ModelSpec}. Pure: no I/O on the user's
 * files (the commands read them).
 */
import { parseJsonSpec } from "./json.js";
import { parseRepr } from "./repr.js";
import { parseSource, type ParseOptions } from "./source.js";
import type { ModelSpec } from "./types.js";

export { parseJsonSpec } from "./json.js";
export { parseRepr } from "./repr.js";
export { parseSource, CONTAINER_TYPES, type LayerCatalogue, type ParseOptions } from "./source.js";
export { parsePython, parsePythonExpression } from "./python.js";

export type ModelFormat = ModelSpec["format"];

/** A repr's first line: `Sequential(` or a one-line module such as `LSTM(5, 5)`. */
const REPR_OPEN = /^\s*[A-Za-z_]\w*\($/;
const REPR_ONE_LINE = /^[A-Za-z_]\w*\(.*\)$/;
/** A repr's child line: `  (0): Conv2d(...)`, `  (conv): Sequential(`, `(0-23): 24 x ...`. */
const REPR_CHILD = /^\s*\([^()\s]*\): \S/;

/**
 * Which form `text` is in: "json" when its first non-space character is `{`; "repr" when it looks
 * like `print(model)` output (first line `Type(` followed by `(name): …` lines or `)`, or a single
 * line `Type(args)`), with no `nn.`, `torch.`, `import` or assignment; otherwise "source".
 */
export function detectFormat(text: string): ModelFormat {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trimStart().startsWith("{")) return "json";
  const lines = body.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) return "source";
  if (/\bnn\.|\btorch\.|^\s*(import|from)\s|^\s*#/m.test(body)) return "source";
  const first = lines[0];
  if (REPR_OPEN.test(first)) {
    const second = lines[1];
    if (second !== undefined && (REPR_CHILD.test(second) || second.trim() === ")")) return "repr";
    return "source";
  }
  if (lines.length === 1 && REPR_ONE_LINE.test(first.trim()) && !/^[^(]*=/.test(first))
    return "repr";
  return "source";
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
  switch (detectFormat(text)) {
    case "json":
      return parseJsonSpec(text, file, opts);
    case "repr":
      return parseRepr(text, file, opts);
    default:
      return parseSource(text, file, opts);
  }
}
