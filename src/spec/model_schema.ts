/**
 * The layer part of the model-spec schema (schema/dlq-model.schema.json, `definitions.catalogue`),
 * generated from the layer catalogue (src/analysis/layers/): `type` is an enum of every layer, and
 * each type lists its arguments with their JSON types and PyTorch's defaults, so that an editor
 * completes `kernel_size` and flags `kernal_size` or `Conv2D`.
 *
 * `npm run schema` (scripts/model-schema.js) writes it; tests/model_schema.test.ts checks that the
 * committed schema is what the catalogue generates. The argument types are PyTorch's, by argument
 * name ({@link ARG_TYPES}; a name that means different things in different classes is refined per
 * class in {@link TYPE_ARGS}); a new argument name without a type fails that test.
 *
 * dlq itself validates JSON specs against the structural part only (src/spec/validator.ts): the
 * catalogue checks the same facts when it builds each layer, with its own messages (PyTorch's
 * refusals, suggestions of close names).
 */
import type { LayerDef } from "../analysis/layers/types.js";
import type { PyValue } from "./types.js";

type JsonSchema = Record<string, unknown>;

const int = (minimum?: number): JsonSchema =>
  minimum === undefined ? { type: "integer" } : { type: "integer", minimum };
const nullable = (s: JsonSchema): JsonSchema => ({ anyOf: [s, { type: "null" }] });
const intOrTuple = (minimum = 0): JsonSchema => ({
  anyOf: [int(minimum), { type: "array", items: int(minimum), minItems: 1 }],
});
const number: JsonSchema = { type: "number" };
const bool: JsonSchema = { type: "boolean" };
const oneOf = (...values: string[]): JsonSchema => ({ enum: values });

/** JSON types of PyTorch's constructor arguments, by name. */
export const ARG_TYPES: Readonly<Record<string, JsonSchema>> = {
  in_channels: int(1),
  out_channels: int(1),
  in_features: int(0),
  out_features: int(0),
  num_features: int(1),
  num_channels: int(1),
  num_groups: int(1),
  num_embeddings: int(1),
  embedding_dim: int(1),
  input_size: int(1),
  hidden_size: int(1),
  num_layers: int(1),
  proj_size: int(0),
  num_parameters: int(1),
  upscale_factor: int(1),
  downscale_factor: int(1),
  groups: int(1),
  kernel_size: intOrTuple(1),
  stride: nullable(intOrTuple(1)),
  dilation: intOrTuple(1),
  padding: { anyOf: [intOrTuple(0), oneOf("same", "valid")] },
  output_padding: intOrTuple(0),
  output_size: {
    anyOf: [
      int(1),
      { type: "null" },
      { type: "array", items: { anyOf: [int(1), { type: "null" }] }, minItems: 1 },
    ],
  },
  padding_mode: oneOf("zeros", "reflect", "replicate", "circular"),
  bias: bool,
  inplace: bool,
  affine: bool,
  track_running_stats: bool,
  elementwise_affine: bool,
  batch_first: bool,
  bidirectional: bool,
  ceil_mode: bool,
  count_include_pad: bool,
  return_indices: bool,
  scale_grad_by_freq: bool,
  sparse: bool,
  _freeze: bool,
  align_corners: nullable(bool),
  recompute_scale_factor: nullable(bool),
  p: { type: "number", minimum: 0, maximum: 1 },
  dropout: { type: "number", minimum: 0, maximum: 1 },
  eps: number,
  momentum: nullable(number),
  negative_slope: number,
  alpha: number,
  beta: number,
  lambd: number,
  init: number,
  k: number,
  min_val: number,
  max_val: number,
  min_value: nullable(number),
  max_value: nullable(number),
  threshold: number,
  value: number,
  max_norm: nullable(number),
  norm_type: number,
  scale_factor: {
    anyOf: [number, { type: "null" }, { type: "array", items: number, minItems: 1 }],
  },
  size: { anyOf: [int(1), { type: "null" }, { type: "array", items: int(1), minItems: 1 }] },
  dim: nullable(int()),
  start_dim: int(),
  end_dim: int(),
  padding_idx: nullable(int()),
  divisor_override: nullable(int(1)),
  normalized_shape: intOrTuple(0),
  unflattened_size: { type: "array", items: int(), minItems: 1 },
  mode: oneOf("nearest", "linear", "bilinear", "bicubic", "trilinear"),
  nonlinearity: oneOf("tanh", "relu"),
  approximate: oneOf("none", "tanh"),
  device: nullable({ type: "string" }),
  dtype: nullable({ type: "string" }),
  _weight: { type: "null" },
};

/** Where an argument name means something else in one class. */
export const TYPE_ARGS: Readonly<Record<string, Readonly<Record<string, JsonSchema>>>> = {
  // A pad layer's padding: one int for every side, or one per side.
  ...Object.fromEntries(
    [
      "ReflectionPad1d",
      "ReflectionPad2d",
      "ReflectionPad3d",
      "ReplicationPad1d",
      "ReplicationPad2d",
      "ReplicationPad3d",
      "ConstantPad1d",
      "ConstantPad2d",
      "ConstantPad3d",
      "ZeroPad2d",
    ].map((t) => [t, { padding: intOrTuple(0) }]),
  ),
  LocalResponseNorm: { size: int(1) },
  Unflatten: { dim: int() },
};

/** A PyTorch default as JSON (tuples are arrays already; None is null). */
const jsonDefault = (v: PyValue): unknown => v;

/** The JSON Schema of one layer type's entry. */
function layerSchema(def: LayerDef<unknown>): JsonSchema {
  const properties: Record<string, JsonSchema> = {
    type: { const: def.type },
    name: { $ref: "#/definitions/name" },
    trainable: { $ref: "#/definitions/trainable" },
    // a node of "nodes" names what it is applied to (the structural part forbids it in "layers")
    inputs: { $ref: "#/definitions/nodeInputs" },
    $comment: { type: "string" },
  };
  const required: string[] = [];
  for (const p of def.signature) {
    const t = TYPE_ARGS[def.type]?.[p.name] ?? ARG_TYPES[p.name];
    if (t === undefined) {
      throw new Error(`${def.type}(${p.name}): no JSON type (src/spec/model_schema.ts, ARG_TYPES)`);
    }
    const s: JsonSchema = { ...t };
    if (p.default === undefined) required.push(p.name);
    else s.default = jsonDefault(p.default);
    properties[p.name] = s;
  }
  return {
    description:
      `torch.nn.${def.type}(${def.signature.map((p) => p.name).join(", ")})` +
      (def.variadic ? ": takes and ignores any other arguments" : ""),
    type: "object",
    properties,
    ...(required.length ? { required } : {}),
    additionalProperties: def.variadic ? { $ref: "#/definitions/argument" } : false,
  };
}

/**
 * `definitions.catalogue`: an entry whose `type` is a layer must be that layer's entry (its
 * arguments, their types, no other key); `Sequential` is described by the structural part.
 */
export function catalogueSchema(layers: Iterable<LayerDef<unknown>>): JsonSchema {
  const defs = [...layers].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  return {
    description:
      "Generated from dlq's layer catalogue (src/analysis/layers/) by `npm run schema`: every layer type, its arguments with PyTorch's names, their JSON types and defaults.",
    type: "object",
    properties: {
      type: { enum: [...defs.map((d) => d.type), "Sequential"] },
    },
    allOf: defs.map((d) => ({
      if: { type: "object", properties: { type: { const: d.type } }, required: ["type"] },
      then: layerSchema(d),
    })),
  };
}

/** The model schema `base` with its `definitions.catalogue` generated from `layers`. */
export function withCatalogue(base: JsonSchema, layers: Iterable<LayerDef<unknown>>): JsonSchema {
  const definitions = { ...(base.definitions as Record<string, unknown>) };
  definitions.catalogue = catalogueSchema(layers);
  return { ...base, definitions };
}
