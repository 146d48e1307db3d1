/**
 * Loading a MODEL argument for the commands: read, parse (any input form), and trace its forward
 * on the input (`--input`, or the one the model states) into the graph every analysis reads.
 */
import { InputError } from "../errors.js";
import type { Graph } from "../analysis/graph.js";
import { exampleInputs } from "../analysis/layers/inputs.js";
import { resolveModel, type LayerUse } from "../analysis/model.js";
import { LAYERS } from "../analysis/layers/index.js";
import type { DType } from "../ops/types.js";
import { parseModel } from "../spec/index.js";
import { plainValue, type ModelSpec, type RawArgs } from "../spec/types.js";
import type { Context } from "./context.js";
import { parseShape, readSource } from "./input.js";

export interface LoadedModel {
  spec: ModelSpec;
  /** The layers in module-tree order, configured (validated). */
  uses: LayerUse[];
  file: string;
  /** Notes for stderr (`dlq: note: …`), said by {@link sayNotes} once the command has succeeded. */
  notes: string[];
}

/**
 * Writes a loaded model's notes to stderr. Commands call it once their analysis has succeeded, so
 * that a refused input gets its one error line and nothing else.
 */
export function sayNotes(loaded: LoadedModel, ctx: Context): void {
  for (const n of loaded.notes) ctx.err(`dlq: note: ${n}\n`);
}

/** Reads and resolves a model. @throws InputError (located) for every problem in the input. */
export async function loadModel(
  path: string,
  opts: { model?: string },
  ctx: Context,
): Promise<LoadedModel> {
  const { text, file } = await readSource(path, ctx);
  const spec = parseModel(text, file, {
    model: opts.model,
    isKnownLayer: (t) => LAYERS.has(t),
    knownLayers: () => LAYERS.keys(),
  });
  const uses = resolveModel(spec);
  if (uses.length === 0 && spec.root.kind !== "container")
    throw new InputError("the model has no layers", file);
  const notes: string[] = [...(spec.notes ?? [])];
  if (spec.format === "repr" && hasIdenticalModulesWithParameters(uses)) {
    notes.push(
      `${file}: a printed repr cannot show shared modules; if identical entries here are one module ` +
        "applied several times (e.g. [nn.Linear(H, H), nn.Sigmoid()] * 24), parameters are over-counted: use the source or a JSON spec",
    );
  }
  return { spec, uses, file, notes };
}

/**
 * Whether two entries of a parsed repr print identically and own parameters (possibly shared).
 * Arguments are compared by value: a whole float as its number (`momentum=1.0` as `momentum=1`).
 */
function hasIdenticalModulesWithParameters(uses: readonly LayerUse[]): boolean {
  const seen = new Set<string>();
  for (const u of uses) {
    if (u.def.parameters(u.config).length === 0) continue;
    const key = u.type + JSON.stringify(argsByValue(u.module.args));
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/** `args` with every whole float read as its number (see `plainValue` in src/spec/types.ts). */
function argsByValue(args: RawArgs): RawArgs {
  return {
    positional: args.positional.map(plainValue),
    keywords: Object.fromEntries(Object.entries(args.keywords).map(([k, v]) => [k, plainValue(v)])),
  };
}

const DTYPES: Record<string, DType> = {
  float32: "float32",
  float: "float32",
  float64: "float64",
  double: "float64",
  float16: "float16",
  half: "float16",
  bfloat16: "bfloat16",
  int64: "int64",
  long: "int64",
  int32: "int32",
  int: "int32",
  bool: "bool",
};

/**
 * `--input SHAPE[:DTYPE]` options (repeatable, one per tensor argument of forward): `1,3,224,224`,
 * `2,32:int64`.
 * @throws InputError naming the option for a malformed shape or an unknown dtype.
 */
export function parseInputs(
  option: string | string[] | undefined,
): { shape: number[]; dtype?: DType }[] | undefined {
  if (option === undefined) return undefined;
  const list = Array.isArray(option) ? option : [option];
  if (list.length === 0) return undefined;
  return list.map((text) => {
    const m = /^(.*?)(?::\s*(?:torch\.)?([a-z0-9]+))?$/.exec(text.trim())!;
    const shape = parseShape(m[1]);
    if (m[2] === undefined) return { shape };
    const dtype = DTYPES[m[2]];
    if (!dtype) {
      throw new InputError(
        `unknown dtype '${m[2]}' (use one of ${Object.keys(DTYPES).join(", ")})`,
        `--input ${text}`,
      );
    }
    return { shape, dtype };
  });
}

/**
 * Traces the model's forward on `--input` (or the input the model states) into its graph.
 * @param required whether a missing input is an error (otherwise undefined is returned).
 * @throws InputError when there is no input (with an input that would flow, when one of the
 *   usual sizes does) or when the forward cannot run on it (PyTorch's refusal, located).
 */
export function traceModel(
  loaded: LoadedModel,
  option: string | string[] | undefined,
  required: true,
): Graph;
export function traceModel(
  loaded: LoadedModel,
  option: string | string[] | undefined,
  required: boolean,
): Graph | undefined;
export function traceModel(
  loaded: LoadedModel,
  option: string | string[] | undefined,
  required: boolean,
): Graph | undefined {
  const overrides = parseInputs(option);
  const { spec } = loaded;
  if (overrides || spec.input || spec.inputs?.length) return spec.trace!(overrides);
  if (!required) return undefined;
  throw noInput(loaded);
}

/** "no input shape", suggesting an input that flows through the whole model, if one does. */
function noInput(loaded: LoadedModel): InputError {
  const first = loaded.uses[0];
  let hint = "";
  if (first) {
    for (const { shape, dtype, label } of exampleInputs(first)) {
      try {
        loaded.spec.trace!([{ shape, ...(dtype ? { dtype } : {}) }]);
        hint = ` (e.g. --input ${shape.join(",")}${label ? ` ${label}` : ""} for its first layer, ${first.type})`;
        break;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
      }
    }
  }
  return new InputError(
    `no input shape: the model is never fed a tensor here; pass --input${hint}`,
    loaded.file,
  );
}
