/** `dlq rf MODEL [--input SHAPE] [--format …] [--json]`: receptive fields per layer (Araujo et al. 2019). */
import { isSequentialTree, traceSequential } from "../analysis/graph.js";
import { receptiveField, type RfResult } from "../analysis/rf.js";
import { jsonDoc, outputOf, type Context } from "./context.js";
import { loadModel, sayNotes, traceModel } from "./model.js";
import { renderTable } from "./table.js";

export interface RfOptions {
  input?: string[];
  model?: string;
  json?: boolean;
}

/** The coordinate convention of `center`, stated in text and JSON output. */
export const CENTER_CONVENTION =
  "input pixel coordinates: pixel i is centred at i (the first pixel at 0); output position u is centred at center + u*stride";

export const RF_SOURCE =
  'Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019';

/** The stable JSON document of `dlq rf --json` (README, "JSON output"). */
export function rfJson(r: RfResult, input?: readonly number[]): Record<string, unknown> {
  return {
    ...(input ? { input } : {}),
    axes: r.axes,
    size: r.size,
    stride: r.stride,
    padding: r.padding,
    center: r.center,
    whole_input: r.wholeInput
      ? { layer: r.wholeInput.name, type: r.wholeInput.type, reason: r.wholeInput.reason }
      : null,
    center_convention: CENTER_CONVENTION,
    source: RF_SOURCE,
    layers: r.rows.map((row) => ({
      name: row.name,
      type: row.type,
      kind: row.kind,
      size: row.size,
      stride: row.stride,
      padding: row.padding,
      center: row.center,
    })),
  };
}

const axesStr = (xs: readonly (number | null)[], sep = "×"): string =>
  xs.length === 0 ? "-" : xs.some((x) => x === null) ? "whole input" : xs.join(sep);

export async function run(ctx: Context, modelPath: string, opts: RfOptions): Promise<number> {
  const loaded = await loadModel(modelPath, opts, ctx);
  // With a known input, the shape rules run too: shapes that cannot flow are refused here as well,
  // and adaptive pools learn their window from the shape entering them. Without one, a plain
  // nn.Sequential needs no shapes; a model with a forward of its own is traced on its input.
  const sequential = isSequentialTree(loaded.spec.root);
  const graph =
    traceModel(loaded, opts.input, !sequential) ??
    traceSequential(loaded.spec.root, undefined, loaded.spec.name);
  const input = graph.shapeless ? undefined : graph.nodes[graph.inputs[0]].outputs[0].shape;
  const r = receptiveField(graph);
  sayNotes(loaded, ctx);
  if (opts.json) {
    ctx.out(jsonDoc(rfJson(r, input)));
    return 0;
  }
  const s = ctx.style;
  const output = outputOf(ctx);
  const rows = r.rows.map((row) => [
    row.name,
    row.type,
    axesStr(row.size),
    axesStr(row.stride),
    axesStr(row.padding),
    axesStr(row.center, ", "),
  ]);
  const head = ["Layer", "Type", "RF size", "Eff. stride", "Eff. padding", "Centre of 0"];
  if (output.format === "csv") {
    ctx.out(renderTable(head, rows, { right: [2, 3, 4, 5], output }));
    return 0;
  }
  let text = renderTable(head.map(s.bold), rows, { right: [2, 3, 4, 5], output });
  if (output.format === "markdown") text += "\n";
  if (r.wholeInput) {
    const w = r.wholeInput;
    text += `Receptive field: ${s.bold("the whole input")}, from ${w.type} (${w.name}): ${w.reason}.\n`;
  } else if (r.axes === 0) {
    text += "No spatial layers: every output sees only its own input position.\n";
  } else {
    text += `Receptive field size: ${s.bold(axesStr(r.size))}   effective stride: ${s.bold(axesStr(r.stride))}   effective padding: ${s.bold(axesStr(r.padding))}\n`;
    text += `Centre of output position 0: (${r.center.join(", ")}); ${CENTER_CONVENTION}.\n`;
  }
  text += s.dim(`Formulas: ${RF_SOURCE}.`) + "\n";
  ctx.out(text);
  return 0;
}
