/** `dlq shape MODEL [--input SHAPE] [--depth N] [--json]`: torchinfo-like table of the traced model. */
import { shapeStr } from "../analysis/layers/common.js";
import { modelFacts, type LayerFacts, type ModelFacts } from "../analysis/model.js";
import { jsonDoc, type Context } from "./context.js";
import { loadModel, sayNotes, traceModel } from "./model.js";
import { commas, renderTable } from "./table.js";

export interface ShapeOptions {
  input?: string[];
  model?: string;
  json?: boolean;
  /** Rows deeper than this are folded into their container (torchinfo's `depth`, default 3). */
  depth?: number;
}

/** Bytes → megabytes (10⁶ bytes, as torchinfo), two decimals. */
const mb = (bytes: number): string => (bytes / 1e6).toFixed(2);

/** The stable JSON document of `dlq shape --json` (README, "JSON output"). */
export function shapeJson(facts: ModelFacts, model?: string): Record<string, unknown> {
  const flat = facts.layers.every(
    (l) => l.kind === "module" && l.depth === 1 && l.called !== false,
  );
  return {
    ...(model ? { model } : {}),
    input: facts.input,
    ...(facts.inputs.length > 1 ? { inputs: facts.inputs } : {}),
    output: facts.output,
    ...(facts.outputs.length > 1 ? { outputs: facts.outputs } : {}),
    params: facts.params,
    trainable_params: facts.trainableParams,
    non_trainable_params: facts.nonTrainableParams,
    mult_adds: facts.multAdds,
    ...(facts.unusedParams ? { unused_params: facts.unusedParams } : {}),
    memory: {
      input_bytes: facts.memory.inputBytes,
      forward_backward_bytes: facts.memory.forwardBackwardBytes,
      params_bytes: facts.memory.paramBytes,
      total_bytes: facts.memory.totalBytes,
    },
    layers: facts.layers.map((l) => ({
      name: l.name,
      type: l.type,
      ...(flat ? {} : { kind: l.kind, depth: l.depth, parent: l.parent }),
      input: l.input,
      output: l.called === false ? null : l.output,
      ...(l.outputs ? { outputs: l.outputs } : {}),
      params: l.params,
      trainable_params: l.trainableParams,
      mult_adds: l.multAdds,
      ...(l.sharedWith !== undefined ? { shared_with: l.sharedWith } : {}),
      ...(l.called === false ? { called: false } : {}),
    })),
  };
}

export async function run(ctx: Context, modelPath: string, opts: ShapeOptions): Promise<number> {
  const loaded = await loadModel(modelPath, opts, ctx);
  const graph = traceModel(loaded, opts.input, true);
  const facts = modelFacts(loaded.spec.root, graph, loaded.spec.name);
  sayNotes(loaded, ctx);
  if (opts.json) {
    ctx.out(jsonDoc(shapeJson(facts, loaded.spec.name)));
    return 0;
  }
  const s = ctx.style;
  const maxDepth = opts.depth ?? 3;
  const flat = facts.layers.every((l) => l.depth === 1 && l.kind === "module");
  const shown = facts.layers.filter((l) => l.depth <= maxDepth);
  const cell = (l: LayerFacts, v: number, what: "params" | "mult"): string => {
    if (l.sharedWith !== undefined && what === "params")
      return s.dim(`(shared with ${l.sharedWith})`);
    // a container whose rows are shown: its numbers are theirs (torchinfo shows "--")
    if (l.kind === "container" && l.depth < maxDepth) return "--";
    return v ? commas(v) : "--";
  };
  const rows = shown.map((l) => [
    flat ? l.name : `${"  ".repeat(l.depth - 1)}${l.name}`,
    l.type,
    l.called === false ? s.dim("(not called)") : shapeStr(l.output),
    cell(l, l.params, "params"),
    cell(l, l.multAdds, "mult"),
  ]);
  let text = `${s.bold("Input")} ${facts.inputs.map(shapeStr).join(", ")}\n`;
  text += renderTable(["Layer", "Type", "Output shape", "Param #", "Mult-adds"].map(s.bold), rows, {
    right: [3, 4],
  });
  const line = (k: string, v: string): string => `${k.padEnd(34)}${v}\n`;
  text += line(
    "Output shape:",
    s.bold(
      facts.outputs.length > 1 ? facts.outputs.map(shapeStr).join(", ") : shapeStr(facts.output),
    ),
  );
  text += line("Total params:", s.bold(commas(facts.params)));
  text += line("Trainable params:", commas(facts.trainableParams));
  text += line("Non-trainable params:", commas(facts.nonTrainableParams));
  if (facts.unusedParams) text += line("Params of modules not called:", commas(facts.unusedParams));
  text += line("Total mult-adds:", commas(facts.multAdds));
  text += line("Input size (MB):", mb(facts.memory.inputBytes));
  text += line("Forward/backward pass size (MB):", mb(facts.memory.forwardBackwardBytes));
  text += line("Params size (MB):", mb(facts.memory.paramBytes));
  text += line("Estimated total size (MB):", mb(facts.memory.totalBytes));
  ctx.out(text);
  return 0;
}
