/**
 * The validator of JSON model specs: schema/dlq-model.schema.json (draft-07) compiled by ajv.
 *
 * From source (the tests), ajv compiles the schema on first use, about 40 ms. The built CLI
 * replaces this module with the same validator compiled ahead of time by ajv's standalone code
 * generation, with the same {@link AJV_OPTIONS} (scripts/build.js), so that JSON input never
 * loads or runs ajv's compiler. Either way the errors are ajv's ErrorObjects.
 */
import { createRequire } from "node:module";
import type { Options, ValidateFunction } from "ajv";
import schema from "../../schema/dlq-model.schema.json" with { type: "json" };

/** ajv's options for the model schema: every error (not only the first), strict schema checks. */
export const AJV_OPTIONS: Options = {
  allErrors: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
};

/**
 * The part of the model schema dlq validates with: all of it but `definitions.catalogue` (the
 * layer types and their arguments, generated from the layer catalogue: src/spec/model_schema.ts),
 * which the catalogue itself checks when it builds each layer, with its own messages (PyTorch's
 * refusals, close names suggested). Editors get the whole schema.
 */
export function runtimeSchema(full: Record<string, unknown>): Record<string, unknown> {
  const definitions = { ...(full.definitions as Record<string, unknown>), catalogue: true };
  return { ...full, definitions };
}

/** The schema, compiled. ajv is CommonJS and loaded here, on first use, with `require`. */
export function compileValidator(): ValidateFunction {
  const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
  return new Ajv(AJV_OPTIONS).compile(runtimeSchema(schema));
}
