/** `dlq shape MODEL [--input SHAPE] [--json]`: torchinfo-like table of shapes, parameters, mult-adds. */
import { shapeStr } from "../analysis/layers/common.js";
import { modelFacts, type ModelFacts } from "../analysis/model.js";
import { jsonDoc, type Context } from "./context.js";
import { inputShape, loadModel, sayNotes } from "./model.js";
import { commas, renderTable } from "./table.js";

export interface ShapeOptions {
  input?: string;
  model?: string;
  json?: boolean;
}

/** Bytes → megabytes (10⁶ bytes, as torchinfo), two decimals. */
const mb = (bytes: number): string => (bytes / 1e6).toFixed(2);

/** The stable JSON document of `dlq shape --json` (README, "JSON output"). */
export function shapeJson(facts: ModelFacts, model?: string): Record<string, unknown> {
  return {
    ...(model ? { model } : {}),
    input: facts.input,
    output: facts.output,
    params: facts.params,
    trainable_params: facts.trainableParams,
    non_trainable_params: facts.nonTrainableParams,
    mult_adds: facts.multAdds,
    memory: {
      input_bytes: facts.memory.inputBytes,
      forward_backward_bytes: facts.memory.forwardBackwardBytes,
      params_bytes: facts.memory.paramBytes,
      total_bytes: facts.memory.totalBytes,
    },
    layers: facts.layers.map((l) => ({
      name: l.name,
      type: l.type,
      input: l.input,
      output: l.output,
      params: l.params,
      trainable_params: l.trainableParams,
      mult_adds: l.multAdds,
      ...(l.sharedWith !== undefined ? { shared_with: l.sharedWith } : {}),
    })),
  };
}

export async function run(ctx: Context, modelPath: string, opts: ShapeOptions): Promise<number> {
  const loaded = await loadModel(modelPath, opts, ctx);
  const input = inputShape(loaded, opts.input, true)!;
  const facts = modelFacts(loaded.uses, input);
  sayNotes(loaded, ctx);
  if (opts.json) {
    ctx.out(jsonDoc(shapeJson(facts, loaded.spec.name)));
    return 0;
  }
  const s = ctx.style;
  const rows = facts.layers.map((l) => [
    l.name,
    l.type,
    shapeStr(l.output),
    l.sharedWith !== undefined
      ? s.dim(`(shared with ${l.sharedWith})`)
      : l.params
        ? commas(l.params)
        : "--",
    l.multAdds ? commas(l.multAdds) : "--",
  ]);
  let text = `${s.bold("Input")} ${shapeStr(facts.input)}\n`;
  text += renderTable(["Layer", "Type", "Output shape", "Param #", "Mult-adds"].map(s.bold), rows, {
    right: [3, 4],
  });
  const line = (k: string, v: string): string => `${k.padEnd(34)}${v}\n`;
  text += line("Output shape:", s.bold(shapeStr(facts.output)));
  text += line("Total params:", s.bold(commas(facts.params)));
  text += line("Trainable params:", commas(facts.trainableParams));
  text += line("Non-trainable params:", commas(facts.nonTrainableParams));
  text += line("Total mult-adds:", commas(facts.multAdds));
  text += line("Input size (MB):", mb(facts.memory.inputBytes));
  text += line("Forward/backward pass size (MB):", mb(facts.memory.forwardBackwardBytes));
  text += line("Params size (MB):", mb(facts.memory.paramBytes));
  text += line("Estimated total size (MB):", mb(facts.memory.totalBytes));
  ctx.out(text);
  return 0;
}
