/**
 * The model-spec schema's layer part (schema/dlq-model.schema.json, `definitions.catalogue`) is
 * generated from the layer catalogue (src/spec/model_schema.ts, `npm run schema`): this checks
 * that the committed schema is up to date, that it accepts every example spec, and that it flags
 * what an editor should flag — a misspelt argument, a misspelt type, a missing or mistyped
 * argument — each of which dlq refuses too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { LAYERS } from "../src/analysis/layers/index.js";
import { catalogueSchema } from "../src/spec/model_schema.js";
import { AJV_OPTIONS } from "../src/spec/validator.js";
import { ROOT, dlq } from "./helpers.js";

const schema = JSON.parse(readFileSync(ROOT + "schema/dlq-model.schema.json", "utf8"));
const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
const validate = new Ajv(AJV_OPTIONS).compile(schema);

describe("the model schema's layer part", () => {
  it("is what the layer catalogue generates (run `npm run schema` after changing a layer)", () => {
    expect(schema.definitions.catalogue).toEqual(
      JSON.parse(JSON.stringify(catalogueSchema(LAYERS.values()))),
    );
  });

  it("names every layer type, and each argument of each with its default", () => {
    const types: string[] = schema.definitions.catalogue.properties.type.enum;
    expect(new Set(types)).toEqual(new Set([...LAYERS.keys(), "Sequential"]));
    const conv = schema.definitions.catalogue.allOf.find(
      (x: { if: { properties: { type: { const: string } } } }) =>
        x.if.properties.type.const === "Conv2d",
    ).then;
    expect(conv.required).toEqual(["in_channels", "out_channels", "kernel_size"]);
    expect(conv.properties.stride.default).toBe(1);
    expect(conv.properties.padding_mode.default).toBe("zeros");
    expect(conv.properties.padding_mode.enum).toContain("reflect");
  });

  const specs = readdirSync(ROOT + "examples").filter(
    (f) => f.endsWith(".json") && !f.startsWith("graph_"),
  );
  it.each(specs)("accepts examples/%s", (f) => {
    const ok = validate(JSON.parse(readFileSync(ROOT + "examples/" + f, "utf8")));
    expect(ok, JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  const conv = { type: "Conv2d", in_channels: 3, out_channels: 4, kernel_size: 3 };
  it.each([
    ["a misspelt argument", { ...conv, kernal_size: 3 }],
    ["a misspelt type", { ...conv, type: "Conv2D" }],
    ["a missing argument", { type: "Conv2d", in_channels: 3, out_channels: 4 }],
    ["a mistyped argument", { ...conv, kernel_size: "3" }],
    ["an argument of another layer", { type: "ReLU", p: 0.5 }],
    ["a padding mode PyTorch does not have", { ...conv, padding_mode: "mirror" }],
  ])("flags %s, which dlq refuses too", (_name, layer) => {
    const spec = { input: [1, 3, 8, 8], layers: [layer] };
    expect(validate(spec)).toBe(false);
    const r = dlq(["shape", "-"], { input: JSON.stringify(spec) });
    expect(r.code).toBe(2);
  });

  it("accepts what PyTorch accepts: tuples as arrays, None as null, Identity's extra arguments", () => {
    const spec = {
      input: [1, 3, 8, 8],
      layers: [
        { ...conv, kernel_size: [3, 3], stride: [1, 1], padding: "same", bias: false },
        { type: "MaxPool2d", kernel_size: 2, stride: null },
        { type: "Identity", anything: 1 },
        { type: "Sequential", layers: [{ type: "Flatten" }], trainable: false },
      ],
    };
    expect(validate(spec), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(dlq(["shape", "-", "--json"], { input: JSON.stringify(spec) }).code).toBe(0);
  });
});
