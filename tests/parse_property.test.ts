/**
 * Property tests for the model parsers (fast-check):
 * 1. a random stack of layers rendered as PyTorch source (nn./torch.nn./bare names, positional or
 *    keyword arguments, arithmetic, variables, whitespace, comments, trailing commas, repeated
 *    groups) parses to the same spec as the same stack rendered as a JSON spec;
 * 2. mutated sources, reprs and JSON specs either parse or throw an InputError with a location.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { layerDef } from "../src/analysis/layers/index.js";
import { catalogue } from "./helpers.js";
import { InputError } from "../src/errors.js";
import { parseModel } from "../src/spec/index.js";
import type { ModuleSpec, PyValue } from "../src/spec/types.js";

/** The layer types the random models use; their parameter names come from the catalogue. */
const TYPES = [
  "Conv2d",
  "Linear",
  "ReLU",
  "Dropout",
  "MaxPool2d",
  "BatchNorm2d",
  "Flatten",
  "LeakyReLU",
];
/**
 * PyTorch's parameter names of a layer type, in order (the catalogue's signature), less `device` and
 * `dtype`, which the source reader drops (they do not change shapes or parameter counts).
 */
const SIGNATURE = (type: string): string[] =>
  layerDef(type)
    .signature.map((p) => p.name)
    .filter((n) => n !== "device" && n !== "dtype");
const opts = catalogue;

// ---------------------------------------------------------------------------------------------
// Random models

type Val =
  | { kind: "int"; v: number }
  | { kind: "float"; v: number }
  | { kind: "bool"; v: boolean }
  | { kind: "str"; v: string }
  | { kind: "none" }
  | { kind: "tuple"; v: Val[] };
interface Layer {
  kind: "layer";
  type: string;
  args: [string, Val][];
  /** How many leading arguments are written positionally. */
  npos: number;
  prefix: "nn." | "torch.nn." | "";
}
interface Seq {
  kind: "seq";
  items: Item[];
  prefix: "nn." | "torch.nn.";
}
/** `*[a, b] * times`: the same modules repeated. */
interface Repeat {
  kind: "repeat";
  layers: Layer[];
  times: number;
}
type Item = Layer | Seq | Repeat;

const intVal = fc.integer({ min: -3, max: 300 }).map((v): Val => ({ kind: "int", v }));
const floatVal = fc
  .double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true })
  .map((v): Val => ({ kind: "float", v: Object.is(v, -0) ? 0 : v }));
const scalar: fc.Arbitrary<Val> = fc.oneof(
  intVal,
  floatVal,
  fc.boolean().map((v): Val => ({ kind: "bool", v })),
  fc.constantFrom("zeros", "reflect", "same", "valid").map((v): Val => ({ kind: "str", v })),
  fc.constant<Val>({ kind: "none" }),
);
const value: fc.Arbitrary<Val> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  {
    weight: 1,
    arbitrary: fc
      .array(intVal, { minLength: 1, maxLength: 3 })
      .map((v): Val => ({ kind: "tuple", v })),
  },
);

const layerArb: fc.Arbitrary<Layer> = fc
  .record({
    type: fc.constantFrom(...TYPES),
    values: fc.array(value, { maxLength: 9 }),
    npos: fc.nat(9),
    prefix: fc.constantFrom("nn." as const, "torch.nn." as const, "" as const),
    skip: fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
  })
  .map(({ type, values, npos, prefix, skip }) => {
    const sig = SIGNATURE(type);
    const n = Math.min(values.length, sig.length);
    // A prefix of the signature is positional; later arguments may be omitted.
    const args: [string, Val][] = [];
    const pos = Math.min(npos, n);
    for (let i = 0; i < n; i++) if (i < pos || !skip[i]) args.push([sig[i], values[i]]);
    return { kind: "layer", type, args, npos: Math.min(pos, args.length), prefix };
  });

const itemArb: fc.Arbitrary<Item> = fc.letrec<{ item: Item; seq: Seq }>((tie) => ({
  item: fc.oneof(
    { weight: 6, arbitrary: layerArb },
    { weight: 1, arbitrary: tie("seq") },
    {
      weight: 1,
      arbitrary: fc
        .record({
          layers: fc.array(layerArb, { minLength: 1, maxLength: 3 }),
          times: fc.integer({ min: 1, max: 4 }),
        })
        .map((r): Repeat => ({ kind: "repeat", ...r })),
    },
  ),
  seq: fc
    .record({
      items: fc.array(tie("item"), { maxLength: 4 }),
      prefix: fc.constantFrom("nn." as const, "torch.nn." as const),
    })
    .map((r): Seq => ({ kind: "seq", ...r })),
})).item;

const modelArb: fc.Arbitrary<Model> = fc.record({
  items: fc.array(itemArb, { minLength: 1, maxLength: 6 }),
  style: fc.record({
    spaces: fc.array(fc.constantFrom("", " ", "  ", "\n    ", " # note\n  "), {
      minLength: 8,
      maxLength: 8,
    }),
    trailingComma: fc.boolean(),
    quote: fc.constantFrom("'", '"'),
    variables: fc.boolean(),
    arithmetic: fc.boolean(),
    indent: fc.constantFrom(0, 2),
  }),
});
interface Model {
  items: Item[];
  style: {
    spaces: string[];
    trailingComma: boolean;
    quote: string;
    variables: boolean;
    arithmetic: boolean;
    indent: number;
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

function pyFloat(v: number): string {
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function renderSource(m: Model): string {
  const { style } = m;
  let k = 0;
  const sp = (): string => style.spaces[k++ % style.spaces.length];
  const vars: string[] = [];
  const renderVal = (v: Val): string => {
    switch (v.kind) {
      case "int":
        if (style.variables && v.v > 100) {
          vars.push(`V${vars.length} = ${v.v}`);
          return `V${vars.length - 1}`;
        }
        if (style.arithmetic && v.v > 10) return `(${v.v - 7} + 3 * 2 + 1)`;
        return String(v.v);
      case "float":
        return pyFloat(v.v);
      case "bool":
        return v.v ? "True" : "False";
      case "str":
        return `${style.quote}${v.v}${style.quote}`;
      case "none":
        return "None";
      case "tuple":
        return `(${v.v.map(renderVal).join(", ")}${v.v.length === 1 ? "," : ""})`;
    }
  };
  const args = (xs: string[]): string =>
    xs.length === 0 ? "" : sp() + xs.join(`,${sp()}`) + (style.trailingComma ? "," : "") + sp();
  const layer = (l: Layer): string =>
    `${l.prefix}${l.type}(${args(l.args.map(([n, v], i) => (i < l.npos ? renderVal(v) : `${n}=${renderVal(v)}`)))})`;
  const item = (it: Item): string => {
    if (it.kind === "layer") return layer(it);
    if (it.kind === "seq") return `${it.prefix}Sequential(${args(it.items.map(item))})`;
    return `*[${it.layers.map(layer).join(", ")}] * ${it.times}`;
  };
  const body = `model = nn.Sequential(${args(m.items.map(item))})`;
  const imports = `import torch\nimport torch.nn as nn\nfrom torch.nn import ${TYPES.join(", ")}\n`;
  const pad = " ".repeat(style.indent);
  return `${imports}${vars.join("\n")}\n# the model\n${body}\nprint(model)${pad ? `\nif True:\n${pad}pass` : ""}\n`;
}

function jsonVal(v: Val): unknown {
  switch (v.kind) {
    case "none":
      return null;
    case "tuple":
      return v.v.map(jsonVal);
    case "float":
      return v.v;
    default:
      return v.v;
  }
}

function renderJson(m: Model, indent: number): string {
  const layerEntry = (l: Layer): object => ({
    type: l.type,
    ...Object.fromEntries(l.args.map(([n, v]) => [n, jsonVal(v)])),
  });
  const list = (items: Item[], prefix: string): object[] => {
    const out: object[] = [];
    for (const it of items) {
      if (it.kind === "layer") out.push(layerEntry(it));
      else if (it.kind === "seq")
        out.push({ type: "Sequential", layers: list(it.items, `${prefix}${out.length}.`) });
      else {
        const first = out.length;
        for (let t = 0; t < it.times; t++) {
          it.layers.forEach((l, j) =>
            out.push(t === 0 ? layerEntry(l) : { ref: `${prefix}${first + j}` }),
          );
        }
      }
    }
    return out;
  };
  return JSON.stringify({ layers: list(m.items, "") }, null, indent);
}

/**
 * A spec with arguments bound to names, shared modules as indices of their first use, and numbers
 * by value: source keeps a whole float as `{float: 0}` (`0.0`), which JSON cannot write (`0`).
 */
function normalize(m: ModuleSpec, seen = new Map<ModuleSpec, number>()): unknown {
  if (seen.has(m)) return { same: seen.get(m) };
  seen.set(m, seen.size);
  if (m.kind !== "layer")
    return { seq: m.children.map((c) => [c.name, normalize(c.module, seen)]) };
  const bound: Record<string, PyValue> = {};
  for (const [k, v] of Object.entries(m.args.keywords)) bound[k] = byValue(v);
  m.args.positional.forEach((v, i) => (bound[SIGNATURE(m.type)[i]] = byValue(v)));
  return { type: m.type, args: bound };
}

/** A whole float (`{float: 3}`) as its number, in tuples too; any other value unchanged. */
function byValue(v: PyValue): PyValue {
  if (Array.isArray(v)) return v.map(byValue);
  return typeof v === "object" && v !== null ? v.float : v;
}

describe("property: source and JSON agree", () => {
  it("random layer stacks", () => {
    fc.assert(
      fc.property(modelArb, fc.constantFrom(0, 1, 2), (m, indent) => {
        const source = renderSource(m);
        const json = renderJson(m, indent);
        const a = parseModel(source, "m.py", opts);
        const b = parseModel(json, "m.json", opts);
        expect(a.format).toBe("source");
        expect(b.format).toBe("json");
        expect(normalize(a.root)).toEqual(normalize(b.root));
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Mutations

const fixtures = JSON.parse(
  readFileSync(new URL("./fixtures/reprs.json", import.meta.url), "utf8"),
) as { source: string; repr: string }[];

const mutation = fc.array(
  fc.record({
    op: fc.constantFrom("delete", "insert", "duplicate"),
    at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
    len: fc.integer({ min: 1, max: 6 }),
    ch: fc.constantFrom(..."()[]{},:=*.\"'\n #\\-+/0123456789aZ_x é\t@`;<>!".split("")),
  }),
  { minLength: 1, maxLength: 4 },
);

interface Mutation {
  op: string;
  at: number;
  len: number;
  ch: string;
}

function mutate(text: string, ms: Mutation[]): string {
  let s = text;
  for (const m of ms) {
    const i = Math.floor(m.at * (s.length + 1));
    if (m.op === "delete") s = s.slice(0, i) + s.slice(i + m.len);
    else if (m.op === "insert") s = s.slice(0, i) + m.ch.repeat(m.len > 3 ? 1 : m.len) + s.slice(i);
    else s = s.slice(0, i) + s.slice(i, i + m.len) + s.slice(i);
  }
  return s;
}

function parsesOrInputError(text: string): void {
  try {
    parseModel(text, "in.txt", opts);
  } catch (e) {
    if (!(e instanceof InputError))
      throw new Error(`not an InputError for ${JSON.stringify(text)}: ${String(e)}`);
    expect(e.where, e.message).toMatch(/^in\.txt(:\d+:\d+)?$/);
    expect(e.message).not.toContain("\n");
  }
}

describe("property: mutated inputs parse or throw a located InputError", () => {
  const generated = fc
    .tuple(modelArb, fc.constantFrom(0, 2))
    .map(([m, indent]) => [renderSource(m), renderJson(m, indent)]);
  it("generated sources and JSON specs", () => {
    fc.assert(
      fc.property(generated, mutation, mutation, ([source, json], ms1, ms2) => {
        parsesOrInputError(mutate(source, ms1));
        parsesOrInputError(mutate(json, ms2));
      }),
      { numRuns: 400 },
    );
  });
  it("PyTorch's reprs and the course sources", () => {
    const texts = fixtures.flatMap((f) => [f.source, f.repr]);
    fc.assert(
      fc.property(fc.constantFrom(...texts), mutation, (text, ms) =>
        parsesOrInputError(mutate(text, ms)),
      ),
      { numRuns: 600 },
    );
  });
});
