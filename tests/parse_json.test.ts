import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { detectFormat, parseModel } from "../src/spec/index.js";
import { parseJsonSpec } from "../src/spec/json.js";
import type { LayerModule, SequentialModule } from "../src/spec/types.js";

const KNOWN = new Set(["Conv2d", "Linear", "ReLU", "Flatten", "Dropout", "LSTM", "BatchNorm2d"]);
const opts = { isKnownLayer: (t: string) => KNOWN.has(t), knownLayers: () => KNOWN };
const parse = (text: string) => parseJsonSpec(text, "m.json", opts);

function thrown(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

const EXAMPLE = `{
  "schema_version": 1,
  "input": [1, 3, 224, 224],
  "layers": [
    {"type": "Conv2d", "in_channels": 3, "out_channels": 4, "kernel_size": 3, "padding": 1, "name": "conv1"},
    {"type": "ReLU"},
    {"ref": "conv1"},
    {"type": "Sequential", "name": "head", "layers": [
      {"type": "Flatten"},
      {"type": "Linear", "in_features": 4, "out_features": 10, "bias": false, "trainable": false}
    ]},
    {"ref": "head.0"}
  ]
}`;

describe("JSON spec", () => {
  it("the schema itself is valid draft-07", () => {
    const schema = JSON.parse(
      readFileSync(new URL("../schema/dlq-model.schema.json", import.meta.url), "utf8"),
    );
    expect(() =>
      new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema),
    ).not.toThrow();
  });

  it("parses layers, names, refs (shared modules), nesting and trainable", () => {
    expect(detectFormat(EXAMPLE)).toBe("json");
    const spec = parseModel(EXAMPLE, "m.json", opts);
    expect(spec.format).toBe("json");
    expect(spec.input).toEqual([1, 3, 224, 224]);
    const root = spec.root as SequentialModule;
    expect(root.children.map((c) => c.name)).toEqual(["conv1", "1", "2", "head", "4"]);
    expect(root.children[2].module).toBe(root.children[0].module);
    const conv = root.children[0].module as LayerModule;
    expect(conv.args).toEqual({
      positional: [],
      keywords: { in_channels: 3, out_channels: 4, kernel_size: 3, padding: 1 },
    });
    expect(conv.loc).toEqual({ file: "m.json", line: 5, column: 5 });
    const head = root.children[3].module as SequentialModule;
    expect(root.children[4].module).toBe(head.children[0].module);
    expect((head.children[1].module as LayerModule).trainable).toBe(false);
    expect(conv.trainable).toBeUndefined();
  });

  it('a single module via "model"; trainable false on a Sequential freezes its layers', () => {
    const spec = parse(
      '{"input": [2, 7, 5], "model": {"type": "LSTM", "input_size": 5, "hidden_size": 5}}',
    );
    expect(spec.root).toMatchObject({
      kind: "layer",
      type: "LSTM",
      args: { keywords: { input_size: 5, hidden_size: 5 } },
    });
    const frozen = parse(
      '{"layers": [{"type": "Sequential", "trainable": false, "layers": [{"type": "Linear", "in_features": 1, "out_features": 1}]}]}',
    );
    const inner = (frozen.root as SequentialModule).children[0].module as SequentialModule;
    expect((inner.children[0].module as LayerModule).trainable).toBe(false);
  });

  it("syntax errors have line:column", () => {
    const e = thrown(() => parse('{\n  "layers": [\n    {"type": "ReLU"},\n  ]\n}'));
    expect(e.where).toBe("m.json:4:3");
    expect(e.message).toMatch(/^invalid JSON: trailing comma/);
    expect(thrown(() => parse('{"layers": [}')).where).toBe("m.json:1:13");
    expect(thrown(() => parse('{"layers": [], "layers": []}')).message).toMatch(
      /duplicate key "layers"/,
    );
  });

  it("an input size beyond 2^53 − 1 is refused, not rounded (2^53 + 1 would read as 2^53)", () => {
    const text = '{"input": [1, 9007199254740993], "layers": [{"type": "ReLU"}]}';
    const e = thrown(() => parse(text));
    expect(e.where).toBe("m.json:1:15");
    expect(e.message).toBe("input[1] is too large (beyond 2^53 − 1, dlq cannot hold it exactly)");
    expect(() =>
      parse('{"input": [9007199254740991], "layers": [{"type": "ReLU"}]}'),
    ).not.toThrow();
  });

  it("schema errors name the JSON path and point at it", () => {
    const bad = thrown(() =>
      parse('{"layers": [\n  {"type": "ReLU"},\n  {"type": "Conv2d", "kernel_size": {"h": 3}}\n]}'),
    );
    expect(bad.message).toMatch(
      /^layers\/1\/kernel_size: must be number, string, boolean, null, array/,
    );
    expect(bad.where).toBe("m.json:3:37");
    const missing = thrown(() => parse('{"layers": [{"kernel_size": 3}]}'));
    expect(missing.message).toBe('layers/0: missing "type"');
    expect(missing.where).toBe("m.json:1:13");
    expect(
      thrown(() => parse('{"layers": [{"type": "Sequential", "layers": [], "branches": []}]}'))
        .message,
    ).toMatch(/^layers\/0\/branches: "branches" is reserved/);
    expect(thrown(() => parse('{"layers": [{"type": "Linear", "layers": []}]}')).message).toMatch(
      /"layers" is allowed only with "type": "Sequential"/,
    );
    expect(thrown(() => parse('{"layerz": []}')).message).toMatch(/^layerz: unexpected key/);
    expect(thrown(() => parse('{"layers": [], "input": [1, 2.5]}')).message).toMatch(
      /^input\/1: must be integer/,
    );
    expect(thrown(() => parse('{"schema_version": 2, "layers": []}')).message).toMatch(
      /^schema_version: must be 1/,
    );
    expect(thrown(() => parse('{"layers": [{"ref": "x", "trainable": false}]}')).message).toMatch(
      /^layers\/0\/trainable: unexpected key/,
    );
  });

  it("spec errors: unknown types, undefined refs, duplicate names", () => {
    const t = thrown(() => parse('{"layers": [{"type": "Conv2D"}]}'));
    expect(t.message).toBe("layers/0/type: unknown module 'Conv2D' (did you mean 'Conv2d'?)");
    expect(t.where).toBe("m.json:1:22");
    expect(
      thrown(() => parse('{"layers": [{"ref": "conv"}, {"type": "ReLU", "name": "conv"}]}'))
        .message,
    ).toMatch(/no earlier module named "conv"/);
    expect(
      thrown(() =>
        parse('{"layers": [{"type": "ReLU", "name": "a"}, {"type": "ReLU", "name": "a"}]}'),
      ).message,
    ).toMatch(/duplicate name "a"/);
  });

  it("__proto__ is an ordinary key", () => {
    const spec = parse('{"layers": [{"type": "ReLU", "__proto__": [1]}]}');
    const relu = (spec.root as SequentialModule).children[0].module as LayerModule;
    expect(Object.keys(relu.args.keywords)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(relu.args.keywords)).toBe(Object.prototype);
  });
});
