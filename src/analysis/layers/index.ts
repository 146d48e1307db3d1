/**
 * The layer catalogue: every PyTorch module class dlq knows, by class name.
 */
import { didYouMean } from "../../util/suggest.js";
import { activationLayers } from "./activation.js";
import { cellLayers } from "./cells.js";
import { convLayers } from "./conv.js";
import { dropoutLayers } from "./dropout.js";
import { embeddingLayers } from "./embedding.js";
import { linearLayers } from "./linear.js";
import { normLayers } from "./norm.js";
import { paddingLayers } from "./padding.js";
import { poolLayers } from "./pool.js";
import { recurrentLayers } from "./recurrent.js";
import { reshapeLayers } from "./reshape.js";
import { LayerError, type LayerDef } from "./types.js";
import { upsampleLayers } from "./upsample.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const families: LayerDef<any>[][] = [
  convLayers,
  poolLayers,
  paddingLayers,
  normLayers,
  dropoutLayers,
  activationLayers,
  linearLayers,
  reshapeLayers,
  embeddingLayers,
  upsampleLayers,
  recurrentLayers,
  cellLayers,
];

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
