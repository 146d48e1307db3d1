/**
 * Reads a model from a JSON spec (schema/dlq-model.schema.json):
 *
 * ```json
 * {
 *   "schema_version": 1,
 *   "input": [1, 3, 224, 224],
 *   "layers": [
 *     {"type": "Conv2d", "in_channels": 3, "out_channels": 4, "kernel_size": 3, "name": "conv1"},
 *     {"type": "ReLU"},
 *     {"ref": "conv1"},
 *     {"type": "Sequential", "layers": [{"type": "Flatten"}], "trainable": false}
 *   ]
 * }
 * ```
 *
 * The top level holds `layers` (the model is an nn.Sequential of them) or `model` (one module
 * entry). In an entry, every key other than `type`, `name`, `trainable`, `layers` and `$comment` is a
 * keyword argument with PyTorch's name. `{"ref": NAME}` applies an earlier module again: the SAME
 * module object (shared weights). Names default to the index, as in PyTorch (`"0"`, `"3.0"` for
 * the full path). `"trainable": false` on a Sequential freezes every layer below it.
 *
 * The text is parsed by a small JSON parser that records where every value and key is, so that
 * schema errors (ajv, draft-07) and spec errors point at `file:line:column` and name the JSON path
 * (`layers/3/kernel_size`).
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import { InputError, type Loc } from "../errors.js";
import { quoteToken } from "../util/quote.js";
import { didYouMean } from "../util/suggest.js";
import { tooDeep } from "../python/parse.js";
import { checkModuleTree, setKey, type LayerCatalogue } from "./tree.js";
import { MAX_JSON_VALUES, MAX_MODULES, tooManyModules } from "./limits.js";
import { closeOpNames, lookupOp } from "../ops/registry.js";
import { GRAPH_INPUT } from "../analysis/graph_nodes.js";
import type {
  ContainerModule,
  LayerModule,
  ModelSpec,
  ModuleSpec,
  PyValue,
  SequentialModule,
  SpecNode,
  SpecNodeInput,
} from "./types.js";
import { compileValidator } from "./validator.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Where each value (and each object key) of a parsed JSON text starts, by JSON pointer. */
interface Positions {
  value: Map<string, number>;
  key: Map<string, number>;
}

/** Keys of a module entry that are not keyword arguments. */
const ENTRY_KEYS = new Set(["type", "name", "trainable", "layers", "$comment"]);
/** Reserved for future branch containers (the schema rejects them). */
const RESERVED = new Set(["branches", "merge", "shortcut", "repeat"]);
/** Keys of a node of `"nodes"` that are not the module's (or op's) arguments. */
const NODE_KEYS = new Set(["name", "inputs", "op", "args", "ref", "$comment"]);

let validator: ValidateFunction | undefined;

/** The compiled schema (src/spec/validator.ts), on first use: only JSON input pays for it. */
function validate(): ValidateFunction {
  validator ??= compileValidator();
  return validator;
}

/**
 * Parses a JSON model spec (format "json").
 * @throws InputError located at `file:line:column` for JSON syntax errors, schema violations
 *   (message starts with the JSON path), unknown layer types (with suggestions), duplicate names
 *   and undefined `ref`s.
 */
export function parseJsonSpec(
  text: string,
  file: string | undefined,
  opts: LayerCatalogue,
): ModelSpec {
  const { value, pos } = new JsonParser(text, file).parse();
  const lc = new LineIndex(text, file);
  const check = validate();
  if (!check(value)) throw schemaError(check.errors ?? [], pos, lc);
  const spec = new SpecBuilder(pos, lc, opts).build(value as Record<string, Json>);
  checkModuleTree(spec.root, lc.loc(0));
  return spec;
}

/** JSON nesting the parser follows (objects and arrays; two levels per nested Sequential). */
const MAX_JSON_DEPTH = 500;

// ---------------------------------------------------------------------------------------------
// Locations

class LineIndex {
  private readonly starts: number[] = [0];
  constructor(
    text: string,
    private readonly file: string | undefined,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  loc(pos: number): Loc {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    const line = lo + 1;
    const column = pos - this.starts[lo] + 1;
    return this.file === undefined ? { line, column } : { file: this.file, line, column };
  }
}

const escapePointer = (k: string): string => k.replace(/~/g, "~0").replace(/\//g, "~1");
const unescapePointer = (k: string): string => k.replace(/~1/g, "/").replace(/~0/g, "~");

/** A key of the input in a message: short and escaped (src/util/quote.ts), without quotes. */
const token = (k: string): string => quoteToken(k).slice(1, -1);

/** `/layers/3/kernel_size` → `layers/3/kernel_size` (the top level is `(top level)`). */
function showPath(pointer: string): string {
  return pointer === ""
    ? "(top level)"
    : pointer
        .slice(1)
        .split("/")
        .map((k) => token(unescapePointer(k)))
        .join("/");
}

// ---------------------------------------------------------------------------------------------
// A JSON parser with positions (RFC 8259; duplicate keys rejected)

class JsonParser {
  private i = 0;
  /** Values read so far (at most {@link MAX_JSON_VALUES}). */
  private values = 0;
  private readonly pos: Positions = { value: new Map(), key: new Map() };
  private readonly lc: LineIndex;
  constructor(
    private readonly s: string,
    file: string | undefined,
  ) {
    this.lc = new LineIndex(s, file);
  }

  parse(): { value: Json; pos: Positions } {
    if (this.s.charCodeAt(0) === 0xfeff) this.i = 1;
    this.ws();
    const value = this.value("", 0);
    this.ws();
    if (this.i < this.s.length) this.fail(`unexpected ${this.what()} after the JSON value`);
    return { value, pos: this.pos };
  }

  private fail(message: string, at = this.i): never {
    throw new InputError(`invalid JSON: ${message}`, this.lc.loc(at));
  }

  private what(): string {
    if (this.i >= this.s.length) return "end of input";
    const m = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i, this.i + 20));
    return quoteToken(m ? m[0] : this.s[this.i]);
  }

  private ws(): void {
    while (this.i < this.s.length && " \t\n\r".includes(this.s[this.i])) this.i++;
  }

  private value(ptr: string, depth: number): Json {
    if (depth > MAX_JSON_DEPTH)
      throw tooDeep(`more than ${MAX_JSON_DEPTH} nested levels`, this.lc.loc(this.i));
    if (++this.values > MAX_JSON_VALUES) {
      throw new InputError(
        `the spec has more than ${MAX_JSON_VALUES} JSON values, more than dlq reads: is it one model?`,
        this.lc.loc(this.i),
      );
    }
    this.pos.value.set(ptr, this.i);
    const c = this.s[this.i];
    if (c === "{") return this.object(ptr, depth);
    if (c === "[") return this.array(ptr, depth);
    if (c === '"') return this.string();
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.s.startsWith(word, this.i) && !/\w/.test(this.s[this.i + word.length] ?? "")) {
        this.i += word.length;
        return v;
      }
    }
    this.fail(`unexpected ${this.what()}, expected a value`);
  }

  private object(ptr: string, depth: number): Json {
    const out: { [k: string]: Json } = {};
    this.i++;
    this.ws();
    if (this.s[this.i] === "}") {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"')
        this.fail(`unexpected ${this.what()}, expected a key in double quotes`);
      const keyAt = this.i;
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(out, key))
        this.fail(`duplicate key "${token(key)}"`, keyAt);
      const child = `${ptr}/${escapePointer(key)}`;
      this.pos.key.set(child, keyAt);
      this.ws();
      if (this.s[this.i] !== ":") this.fail(`unexpected ${this.what()}, expected ':'`);
      this.i++;
      this.ws();
      setKey(out, key, this.value(child, depth + 1));
      this.ws();
      if (this.s[this.i] === ",") {
        this.i++;
        this.ws();
        if (this.s[this.i] === "}") this.fail("trailing comma before '}'");
        continue;
      }
      if (this.s[this.i] === "}") {
        this.i++;
        return out;
      }
      this.fail(`unexpected ${this.what()}, expected ',' or '}'`);
    }
  }

  private array(ptr: string, depth: number): Json {
    const out: Json[] = [];
    this.i++;
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(`${ptr}/${out.length}`, depth + 1));
      this.ws();
      if (this.s[this.i] === ",") {
        this.i++;
        this.ws();
        if (this.s[this.i] === "]") this.fail("trailing comma before ']'");
        continue;
      }
      if (this.s[this.i] === "]") {
        this.i++;
        return out;
      }
      this.fail(`unexpected ${this.what()}, expected ',' or ']'`);
    }
  }

  private string(): string {
    const start = this.i;
    this.i++;
    let out = "";
    for (;;) {
      if (this.i >= this.s.length) this.fail("unterminated string", start);
      const c = this.s[this.i];
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === "\\") {
        const e = this.s[this.i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          "\\": "\\",
          "/": "/",
          b: "\b",
          f: "\f",
          n: "\n",
          r: "\r",
          t: "\t",
        };
        if (e !== undefined && e in simple) {
          out += simple[e];
          this.i += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
          out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
        } else this.fail("invalid escape in string");
        continue;
      }
      if (c < " ") this.fail("control character in string (escape it, e.g. \\n)");
      out += c;
      this.i++;
    }
  }

  private number(): number {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) this.fail("invalid number");
    this.i += m[0].length;
    if (/[\w.]/.test(this.s[this.i] ?? "")) this.fail("invalid number");
    const v = Number(m[0]);
    if (!Number.isFinite(v)) {
      const shown = m[0].length > 24 ? `${m[0].slice(0, 21)}...` : m[0];
      this.fail(`the number ${shown} is out of range (not finite)`, this.i - m[0].length);
    }
    return v;
  }
}

// ---------------------------------------------------------------------------------------------
// Schema errors

function schemaError(errors: ErrorObject[], pos: Positions, lc: LineIndex): InputError {
  // Report one error: a misplaced key first (typos are the likeliest mistake), else the deepest;
  // if/then/else summaries ("must match then schema") never.
  const keyError = (x: ErrorObject): boolean =>
    x.keyword === "additionalProperties" ||
    x.keyword === "false schema" ||
    x.propertyName !== undefined;
  const depth = (x: ErrorObject): number => x.instancePath.split("/").length;
  const candidates = errors.filter((x) => x.keyword !== "if" && x.keyword !== "propertyNames");
  const e =
    candidates.find(keyError) ??
    candidates.reduce<ErrorObject | undefined>(
      (best, x) => (!best || depth(x) > depth(best) ? x : best),
      undefined,
    ) ??
    errors[0];
  if (!e) return new InputError("invalid model spec", lc.loc(0));
  const at = (ptr: string, key = false): Loc =>
    lc.loc((key ? pos.key.get(ptr) : undefined) ?? pos.value.get(ptr) ?? 0);
  const path = e.instancePath;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return new InputError(`${showPath(path)}: missing "${String(p.missingProperty)}"`, at(path));
    case "additionalProperties": {
      const child = `${path}/${escapePointer(String(p.additionalProperty))}`;
      return new InputError(`${showPath(child)}: unexpected key`, at(child, true));
    }
    case "propertyNames":
    case "pattern":
    case "enum":
      if ((e.propertyName ?? p.propertyName) !== undefined) {
        const name = String(e.propertyName ?? p.propertyName);
        const child = `${path}/${escapePointer(name)}`;
        if (RESERVED.has(name)) {
          return new InputError(
            `${showPath(child)}: "${token(name)}" is reserved for a future version of the spec`,
            at(child, true),
          );
        }
        const why = name.startsWith("$")
          ? "keys starting with '$' are reserved"
          : e.keyword === "enum"
            ? "a Sequential takes only type, name, trainable and layers"
            : "not a valid argument name";
        return new InputError(`${showPath(child)}: unexpected key (${why})`, at(child, true));
      }
      break;
    case "false schema": {
      const key = unescapePointer(path.split("/").pop() ?? "");
      if (RESERVED.has(key)) {
        return new InputError(
          `${showPath(path)}: "${token(key)}" is reserved for a future version of the spec`,
          at(path, true),
        );
      }
      break;
    }
    case "not":
      return new InputError(
        `${showPath(path)}: "layers" is allowed only with "type": "Sequential" (and not next to "model")`,
        at(path),
      );
    case "const":
      return new InputError(
        `${showPath(path)}: must be ${JSON.stringify(p.allowedValue)}`,
        at(path),
      );
    case "type":
      return new InputError(
        `${showPath(path)}: must be ${String(p.type).replace(/,/g, ", ")}`,
        at(path),
      );
  }
  return new InputError(`${showPath(path)}: ${e.message ?? "invalid"}`, at(path));
}

// ---------------------------------------------------------------------------------------------
// From JSON to a ModelSpec

class SpecBuilder {
  /** Entries read so far (at most {@link MAX_MODULES}). */
  private modules = 0;
  /** Modules defined so far, by full dotted path and by explicit name. */
  private readonly byPath = new Map<string, ModuleSpec>();
  private readonly byName = new Map<string, ModuleSpec[]>();

  constructor(
    private readonly pos: Positions,
    private readonly lc: LineIndex,
    private readonly opts: LayerCatalogue,
  ) {}

  private at(ptr: string, key = false): Loc {
    return this.lc.loc((key ? this.pos.key.get(ptr) : undefined) ?? this.pos.value.get(ptr) ?? 0);
  }

  build(top: Record<string, Json>): ModelSpec {
    let root: ModuleSpec;
    let graph: Pick<ModelSpec, "nodes" | "outputs"> = {};
    if (top.nodes !== undefined) {
      const g = this.graph(
        top.nodes as Record<string, Json>[],
        top.outputs as string[] | undefined,
      );
      root = g.root;
      graph = { nodes: g.nodes, ...(g.outputs ? { outputs: g.outputs } : {}) };
    } else if (top.model !== undefined) {
      root = this.entry(top.model as Record<string, Json>, "/model", "");
    } else {
      const seq: SequentialModule = {
        kind: "sequential",
        type: "Sequential",
        children: [],
        loc: this.at(""),
      };
      this.children(seq, top.layers as Json[], "/layers", "");
      root = seq;
    }
    const spec: ModelSpec = { root, format: "json", ...graph };
    if (top.input !== undefined) {
      spec.input = top.input as number[];
      // Beyond 2^53 − 1 float64 skips integers: refuse a size rather than round it.
      const big = spec.input.findIndex((d) => !Number.isSafeInteger(d));
      if (big >= 0) {
        throw new InputError(
          `input[${big}] is too large (beyond 2^53 − 1, dlq cannot hold it exactly)`,
          this.at(`/input/${big}`),
        );
      }
    }
    if (typeof top.name === "string") spec.name = top.name;
    return spec;
  }

  /**
   * The graph form: each node a module (its children are the root's, in order), an earlier
   * node's module again (`ref`), or an op; `inputs` name the graph's input or earlier nodes.
   */
  private graph(
    list: Record<string, Json>[],
    outputs: string[] | undefined,
  ): { root: ContainerModule; nodes: SpecNode[]; outputs?: SpecNodeInput[] } {
    const root: ContainerModule = {
      kind: "container",
      type: "GraphModule",
      children: [],
      params: [],
      loc: this.at(""),
    };
    const nodes: SpecNode[] = [];
    const byName = new Map<string, SpecNode>();
    list.forEach((e, i) => {
      const p = `/nodes/${i}`;
      if (++this.modules > MAX_MODULES) throw tooManyModules(this.at(p));
      const name = e.name as string;
      if (name === GRAPH_INPUT) {
        throw new InputError(
          `${showPath(`${p}/name`)}: "${GRAPH_INPUT}" is the graph's input; give the node another name`,
          this.at(`${p}/name`),
        );
      }
      if (byName.has(name)) {
        throw new InputError(
          `${showPath(`${p}/name`)}: duplicate node name "${token(name)}"`,
          this.at(`${p}/name`),
        );
      }
      const inputs =
        e.inputs === undefined
          ? [
              {
                node: nodes.length ? nodes[nodes.length - 1].name : GRAPH_INPUT,
                index: [],
                loc: this.at(p),
              },
            ]
          : (e.inputs as string[]).map((r, k) => this.nodeInput(r, `${p}/inputs/${k}`, byName));
      const node: SpecNode = { name, loc: this.at(p), inputs };
      if (typeof e.op === "string") {
        node.op = this.op(e, p);
      } else if (typeof e.ref === "string") {
        const target = byName.get(e.ref);
        if (!target?.module) {
          throw new InputError(
            `${showPath(`${p}/ref`)}: ${target ? `node "${token(e.ref)}" is an op, not a module` : `no earlier node named "${token(e.ref)}"${didYouMean(e.ref, [...byName.keys()])}`}`,
            this.at(`${p}/ref`),
          );
        }
        node.module = target.module;
        node.ref = target.ref ?? target.name;
      } else {
        const entry: Record<string, Json> = {};
        for (const [k, v] of Object.entries(e)) if (k !== "inputs") setKey(entry, k, v);
        node.module = this.entry(entry, p, name);
        root.children.push({ name, module: node.module });
      }
      nodes.push(node);
      byName.set(name, node);
    });
    const outs = outputs?.map((r, k) => this.nodeInput(r, `/outputs/${k}`, byName));
    return { root, nodes, ...(outs ? { outputs: outs } : {}) };
  }

  /** `"conv1"`, `"lstm.0"`: an earlier node (or the input), and an index into its tuple output. */
  private nodeInput(text: string, ptr: string, known: Map<string, SpecNode>): SpecNodeInput {
    const [node, ...rest] = text.split(".");
    const loc = this.at(ptr);
    if (node !== GRAPH_INPUT && !known.has(node)) {
      throw new InputError(
        `${showPath(ptr)}: no earlier node named "${token(node)}"${didYouMean(node, [GRAPH_INPUT, ...known.keys()])}`,
        loc,
      );
    }
    const index = rest.map((k) => {
      if (!/^\d+$/.test(k)) {
        throw new InputError(
          `${showPath(ptr)}: "${token(text)}": after the node's name, only output indices (e.g. "${token(node)}.0")`,
          loc,
        );
      }
      return Number(k);
    });
    return { node, index, loc };
  }

  /** An op node's op, by the name written (`"cat"`, `"F.relu"`, `"Tensor.view"`), and its arguments. */
  private op(e: Record<string, Json>, ptr: string): NonNullable<SpecNode["op"]> {
    const display = e.op as string;
    const qualname = resolveOpName(display);
    if (qualname === undefined) {
      const bare = display.slice(display.lastIndexOf(".") + 1);
      const close = [
        ...new Set([
          ...closeOpNames("torch.", bare),
          ...closeOpNames("torch.nn.functional.", bare).map((n) => `F.${n}`),
          ...closeOpNames("Tensor.", bare).map((n) => `Tensor.${n}`),
        ]),
      ].slice(0, 3);
      throw new InputError(
        `${showPath(`${ptr}/op`)}: dlq has no op ${quoteToken(display)}${close.length ? ` (did you mean ${close.map((c) => `'${c}'`).join(" or ")}?)` : ""}`,
        this.at(`${ptr}/op`),
      );
    }
    const keywords: Record<string, PyValue> = {};
    for (const [k, v] of Object.entries(e))
      if (!NODE_KEYS.has(k)) setKey(keywords, k, v as PyValue);
    return { qualname, display, args: (e.args as PyValue[] | undefined) ?? [], keywords };
  }

  private children(seq: SequentialModule, list: Json[], ptr: string, prefix: string): void {
    const names = new Set(seq.children.map((c) => c.name));
    list.forEach((raw, i) => {
      const entry = raw as Record<string, Json>;
      const p = `${ptr}/${i}`;
      if (++this.modules > MAX_MODULES) throw tooManyModules(this.at(p));
      const name = typeof entry.name === "string" ? entry.name : String(i);
      if (names.has(name)) {
        throw new InputError(
          `${showPath(p)}: duplicate name "${name}" in this container`,
          this.at(`${p}/name`),
        );
      }
      const full = prefix ? `${prefix}.${name}` : name;
      const module =
        typeof entry.ref === "string"
          ? this.ref(entry.ref, `${p}/ref`)
          : this.entry(entry, p, full);
      seq.children.push({ name, module });
      names.add(name);
    });
  }

  private ref(ref: string, ptr: string): ModuleSpec {
    const m = this.byPath.get(ref);
    if (m) return m;
    const named = this.byName.get(ref);
    if (named && named.length === 1) return named[0];
    if (named && named.length > 1) {
      const paths = [...this.byPath].filter(([, x]) => named.includes(x)).map(([k]) => `"${k}"`);
      throw new InputError(
        `${showPath(ptr)}: "${ref}" names several modules; use the full path (${paths.join(", ")})`,
        this.at(ptr),
      );
    }
    const known = [...this.byPath.keys(), ...this.byName.keys()];
    throw new InputError(
      `${showPath(ptr)}: no earlier module named "${ref}"${didYouMean(ref, new Set(known))}`,
      this.at(ptr),
    );
  }

  private entry(entry: Record<string, Json>, ptr: string, full: string): ModuleSpec {
    if (typeof entry.ref === "string") return this.ref(entry.ref, `${ptr}/ref`);
    const type = entry.type as string;
    const loc = this.at(ptr);
    let module: ModuleSpec;
    if (type === "Sequential") {
      const seq: SequentialModule = { kind: "sequential", type: "Sequential", children: [], loc };
      this.children(seq, entry.layers as Json[], `${ptr}/layers`, full);
      if (entry.trainable === false) freeze(seq);
      module = seq;
    } else {
      if (type === "ModuleList" || !this.opts.isKnownLayer(type)) {
        const why =
          type === "ModuleList"
            ? " (a ModuleList has no forward(): use Sequential)"
            : didYouMean(type, [...this.opts.knownLayers(), "Sequential"]);
        throw new InputError(
          `${showPath(`${ptr}/type`)}: unknown module ${quoteToken(type)}${why}`,
          this.at(`${ptr}/type`),
        );
      }
      const keywords: Record<string, PyValue> = {};
      for (const [k, v] of Object.entries(entry)) {
        if (!ENTRY_KEYS.has(k)) setKey(keywords, k, v as PyValue);
      }
      const layer: LayerModule = { kind: "layer", type, args: { positional: [], keywords }, loc };
      if (entry.trainable === false) layer.trainable = false;
      module = layer;
    }
    if (full !== "") this.byPath.set(full, module);
    if (typeof entry.name === "string") {
      const list = this.byName.get(entry.name) ?? [];
      list.push(module);
      this.byName.set(entry.name, list);
    }
    return module;
  }
}

/**
 * The registry's name for an op as a graph spec writes it: `torch.cat`, `F.relu` (or
 * `torch.nn.functional.relu`), `Tensor.view`; a bare name is a torch function, else a tensor
 * method, else a functional (`cat`, `add`, `view`, `relu`).
 */
export function resolveOpName(written: string): string | undefined {
  const full = written.startsWith("F.")
    ? `torch.nn.functional.${written.slice(2)}`
    : written.startsWith("nn.functional.")
      ? `torch.${written}`
      : written;
  const candidates = full.includes(".")
    ? [full]
    : [`torch.${full}`, `Tensor.${full}`, `torch.nn.functional.${full}`];
  return candidates.find((c) => lookupOp(c) !== undefined);
}

/** `"trainable": false` on a container freezes every layer below it. */
function freeze(m: ModuleSpec): void {
  if (m.kind === "layer") m.trainable = false;
  else for (const c of m.children) freeze(c.module);
}
