/** Loading a MODEL argument: read, parse (any of the three forms), flatten and validate. */
import { InputError } from "../errors.js";
import { resolveModel, type LayerUse } from "../analysis/model.js";
import { bindArgs } from "../analysis/layers/common.js";
import { LAYERS } from "../analysis/layers/index.js";
import { parseModel } from "../spec/index.js";
import { plainValue, type ModelSpec, type RawArgs } from "../spec/types.js";
import type { Context } from "./context.js";
import { parseShape, readSource } from "./input.js";

export interface LoadedModel {
  spec: ModelSpec;
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
  if (uses.length === 0) throw new InputError("the model has no layers", file);
  const notes: string[] = [];
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

/** The input shape: `--input` if given, else the one the source or JSON states. */
export function inputShape(
  loaded: LoadedModel,
  option: string | undefined,
  required: boolean,
): number[] | undefined {
  if (option !== undefined) return parseShape(option);
  if (loaded.spec.input) return loaded.spec.input;
  if (!required) return undefined;
  const first = loaded.uses[0];
  const args = bindArgs(first.def, first.module.args.positional, first.module.args.keywords, {
    repr: loaded.spec.format === "repr",
  });
  const example =
    first.def.inputKind === "index"
      ? "8,20 (indices: batch, sequence)"
      : typeof args.in_features === "number"
        ? `1,${args.in_features}`
        : typeof args.in_channels === "number"
          ? `1,${args.in_channels},` +
            (/1d$/.test(first.type) ? "100" : /3d$/.test(first.type) ? "16,64,64" : "224,224")
          : typeof args.input_size === "number"
            ? args.batch_first === true
              ? `1,10,${args.input_size} (batch, sequence, features)`
              : `10,1,${args.input_size} (sequence, batch, features)`
            : "1,3,224,224";
  throw new InputError(
    `no input shape: the model is never fed a tensor here; pass --input (e.g. --input ${example} for its first layer, ${first.type})`,
    loaded.file,
  );
}
