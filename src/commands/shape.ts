/**
 * `dlq shape MODEL [--input SHAPE] [--depth N] [--columns …] [--format …] [--json]`: torchinfo's
 * summary of the traced model (its columns, depth and totals with automatic units).
 */
import { shapeStr } from "../analysis/layers/common.js";
import { modelFacts, type LayerFacts, type ModelFacts } from "../analysis/model.js";
import { jsonDoc, outputOf, type Context } from "./context.js";
import { intOption } from "./options.js";
import { loadModel, sayNotes, traceModel } from "./model.js";
import {
  COLUMN_INFO,
  DEFAULT_SHAPE_COLUMNS,
  SHAPE_COLUMNS,
  kernelCell,
  paramsCell,
  parseColumns,
  percentCell,
  totalLine,
  trainableCell,
  type ShapeColumn,
} from "./summary.js";
import { commas, renderTable } from "./table.js";

export interface ShapeOptions {
  input?: string[];
  model?: string;
  json?: boolean;
  /** Rows deeper than this are folded into their container (torchinfo's `depth`, default 3). */
  depth?: string;
  /** `--columns`: which of {@link SHAPE_COLUMNS}, in order (default output, params, mult_adds). */
  columns?: string;
}

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
  const columns = parseColumns(opts.columns, SHAPE_COLUMNS, DEFAULT_SHAPE_COLUMNS);
  const maxDepth = intOption(opts.depth, 3, "--depth", 1000);
  const loaded = await loadModel(modelPath, opts, ctx);
  const graph = traceModel(loaded, opts.input, true);
  const facts = modelFacts(loaded.spec.root, graph, loaded.spec.name);
  sayNotes(loaded, ctx);
  if (opts.json) {
    ctx.out(jsonDoc(shapeJson(facts, loaded.spec.name)));
    return 0;
  }
  const s = ctx.style;
  const output = outputOf(ctx);
  const flat = facts.layers.every((l) => l.depth === 1 && l.kind === "module");
  const shown = facts.layers.filter((l) => l.depth <= maxDepth);
  // a container whose rows are shown: its numbers are theirs (torchinfo shows "--")
  const expanded = (l: LayerFacts): boolean => l.kind === "container" && l.depth < maxDepth;
  // CSV is for programs: plain integers, empty where there is no number
  const csv = output.format === "csv";
  const none = csv ? "" : "--";
  const count = (n: number): string => (n === 0 ? none : csv ? String(n) : commas(n));
  const firstRow = new Map<string, LayerFacts>();
  for (const l of facts.layers) if (!firstRow.has(l.name)) firstRow.set(l.name, l);
  const cell = (l: LayerFacts, c: ShapeColumn): string => {
    switch (c) {
      case "input":
        return l.kind === "param" ? "--" : shapeStr(l.input);
      case "output":
        return l.called === false ? s.dim("(not called)") : shapeStr(l.output);
      case "kernel":
        return kernelCell(l.kernel);
      case "params":
        if (l.sharedWith !== undefined && (firstRow.get(l.sharedWith)?.params ?? 0) > 0) {
          // a module applied again: its parameters were counted at its first application
          // (torchinfo says "(recursive)"; a parameter-free module has nothing to share)
          return s.dim(l.sharedWith === l.name ? "(recursive)" : `(shared with ${l.sharedWith})`);
        }
        if (expanded(l)) return none;
        return csv ? count(l.params) : paramsCell(l.params, l.trainableParams);
      case "trainable":
        return expanded(l) ? none : trainableCell(l.params, l.trainableParams);
      case "params_percent":
        return expanded(l) ? none : percentCell(l.params, facts.params);
      case "mult_adds":
        return expanded(l) ? none : count(l.multAdds);
    }
  };
  const rows = shown.map((l) => [
    flat || csv ? l.name : `${"  ".repeat(l.depth - 1)}${l.name}`,
    l.type,
    ...columns.map((c) => {
      const v = cell(l, c);
      return csv && v === "--" ? "" : v;
    }),
  ]);
  const head = ["Layer", "Type", ...columns.map((c) => COLUMN_INFO[c].head)];
  const right = columns.flatMap((c, i) => (COLUMN_INFO[c].numeric ? [i + 2] : []));
  if (csv) {
    ctx.out(renderTable(head, rows, { right, output }));
    return 0;
  }
  let text = `${s.bold("Input")} ${facts.inputs.map(shapeStr).join(", ")}\n`;
  if (output.format === "markdown") text += "\n";
  text += renderTable(head.map(s.bold), rows, { right, output });
  if (output.format === "markdown") text += "\n";
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
  // torchinfo's unit, then the exact count (a course question asks for the number)
  text += totalLine("Total mult-adds", facts.multAdds, "count").replace(
    /\n$/,
    `  (${commas(facts.multAdds)})\n`,
  );
  text += totalLine("Input size", facts.memory.inputBytes, "bytes");
  text += totalLine("Forward/backward pass size", facts.memory.forwardBackwardBytes, "bytes");
  text += totalLine("Params size", facts.memory.paramBytes, "bytes");
  text += totalLine("Estimated total size", facts.memory.totalBytes, "bytes");
  ctx.out(text);
  return 0;
}
