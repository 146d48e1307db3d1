/**
 * The layer catalogue: every PyTorch module class dlq knows, by class name.
 */
import { didYouMean } from "../../util/suggest.js";
import { LayerError, type LayerDef } from "./types.js";

const families: LayerDef<any>[][] = []; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every layer definition, keyed by PyTorch class name. */
export const LAYERS: ReadonlyMap<string, LayerDef<unknown>> = new Map(
  families.flat().map((d) => [d.type, d as LayerDef<unknown>]),
);

/** The definition of a PyTorch module class; throws LayerError naming close names when unknown. */
export function layerDef(type: string): LayerDef<unknown> {
  const def = LAYERS.get(type);
  if (!def) {
    throw new LayerError(`unknown module '${type}'${didYouMean(type, LAYERS.keys())}`);
  }
  return def;
}
