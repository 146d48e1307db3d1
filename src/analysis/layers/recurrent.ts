/**
 * Recurrent layers: RNN, LSTM, GRU (PyTorch's `RNNBase`).
 *
 * Receptive field: `unsupported`; a recurrent layer's output at step t depends on every earlier step
 * through its state, which is not a sliding window.
 */
import type { PyValue } from "../../spec/types.js";
import { bool, FACTORY, int, py, real, unfloat } from "./common.js";
import { LayerError, type LayerDef, type ParamSpec, type ParamTensor } from "./types.js";

/** Normalised configuration of RNN, LSTM and GRU. */
export interface RecurrentConfig {
  mode: "RNN" | "LSTM" | "GRU";
  input_size: number;
  hidden_size: number;
  num_layers: number;
  /** RNN only; "tanh" for LSTM/GRU's own gates. */
  nonlinearity: "tanh" | "relu";
  bias: boolean;
  batch_first: boolean;
  dropout: number;
  bidirectional: boolean;
  /** LSTM only; 0 = no projection. */
  proj_size: number;
}

/** Rows of each weight matrix per unit of hidden_size: 4 gates for LSTM, 3 for GRU, 1 for RNN. */
export const GATE_MULTIPLIER = { RNN: 1, LSTM: 4, GRU: 3 } as const;

/** H_out: proj_size when an LSTM projects, else hidden_size. */
export function hiddenOut(c: RecurrentConfig): number {
  return c.proj_size > 0 ? c.proj_size : c.hidden_size;
}

function configure(mode: RecurrentConfig["mode"], a: Record<string, PyValue>): RecurrentConfig {
  const input_size = int("input_size", a.input_size, 0);
  if (typeof a.hidden_size !== "number" || !Number.isInteger(a.hidden_size)) {
    throw new LayerError(`hidden_size should be of type int, got: ${py(a.hidden_size)}`);
  }
  const hidden_size = a.hidden_size;
  if (hidden_size <= 0) {
    throw new LayerError(`hidden_size must be greater than zero, got ${hidden_size}`);
  }
  const num_layers = int("num_layers", a.num_layers, -Infinity);
  if (num_layers <= 0) {
    throw new LayerError(`num_layers must be greater than zero, got ${num_layers}`);
  }
  const d = unfloat(a.dropout);
  if (typeof d !== "number" || !(d >= 0 && d <= 1)) {
    throw new LayerError(
      `dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${py(a.dropout)}`,
    );
  }
  let proj_size = 0;
  if (mode === "LSTM") {
    proj_size = int("proj_size", a.proj_size, -Infinity);
    if (proj_size < 0) {
      throw new LayerError(
        `proj_size should be a positive integer or zero to disable projections, got ${proj_size}`,
      );
    }
    if (proj_size >= hidden_size) {
      throw new LayerError(
        `proj_size has to be smaller than hidden_size, got proj_size=${proj_size} and hidden_size=${hidden_size}`,
      );
    }
  }
  let nonlinearity: "tanh" | "relu" = "tanh";
  if (mode === "RNN") {
    if (a.nonlinearity !== "tanh" && a.nonlinearity !== "relu") {
      const shown = typeof a.nonlinearity === "string" ? a.nonlinearity : py(a.nonlinearity);
      throw new LayerError(`Unknown nonlinearity '${shown}'`);
    }
    nonlinearity = a.nonlinearity;
  }
  return {
    mode,
    input_size,
    hidden_size,
    num_layers,
    nonlinearity,
    bias: bool("bias", a.bias),
    batch_first: bool("batch_first", a.batch_first),
    dropout: real("dropout", d),
    bidirectional: bool("bidirectional", a.bidirectional),
    proj_size,
  };
}

function parameters(c: RecurrentConfig): ParamTensor[] {
  const gate = GATE_MULTIPLIER[c.mode] * c.hidden_size;
  const hOut = hiddenOut(c);
  const dirs = c.bidirectional ? 2 : 1;
  const out: ParamTensor[] = [];
  for (let k = 0; k < c.num_layers; k++) {
    const inSize = k === 0 ? c.input_size : dirs * hOut;
    for (let dir = 0; dir < dirs; dir++) {
      const sfx = `_l${k}${dir === 1 ? "_reverse" : ""}`;
      out.push({ name: `weight_ih${sfx}`, shape: [gate, inSize] });
      out.push({ name: `weight_hh${sfx}`, shape: [gate, hOut] });
      if (c.bias) {
        out.push({ name: `bias_ih${sfx}`, shape: [gate] });
        out.push({ name: `bias_hh${sfx}`, shape: [gate] });
      }
      if (c.proj_size > 0)
        out.push({ name: `weight_hr${sfx}`, shape: [c.proj_size, c.hidden_size] });
    }
  }
  return out;
}

const TAIL: ParamSpec[] = [
  { name: "bias", default: true },
  { name: "batch_first", default: false },
  { name: "dropout", default: 0.0 },
  { name: "bidirectional", default: false },
];
const HEAD: ParamSpec[] = [
  { name: "input_size" },
  { name: "hidden_size" },
  { name: "num_layers", default: 1 },
];

function recurrent(
  mode: RecurrentConfig["mode"],
  signature: ParamSpec[],
): LayerDef<RecurrentConfig> {
  return {
    type: mode,
    signature,
    configure: (a) => configure(mode, a),
    outputShape(c, input) {
      const r = input.length;
      if (r !== 2 && r !== 3) {
        throw new LayerError(`${mode}: Expected input to be 2-D or 3-D but received ${r}-D tensor`);
      }
      const last = input[r - 1];
      if (last !== c.input_size) {
        throw new LayerError(
          `input.size(-1) must be equal to input_size. Expected ${c.input_size}, got ${last}`,
        );
      }
      return [...input.slice(0, -1), (c.bidirectional ? 2 : 1) * hiddenOut(c)];
    },
    parameters,
    rf: () => ({
      kind: "unsupported",
      reason: `${mode} is recurrent: each output depends on every earlier step through its state`,
    }),
  };
}

/**
 * `nn.RNN` — https://pytorch.org/docs/stable/generated/torch.nn.RNN.html
 *
 * Signature as PyTorch ≥ 2.2 spells it (`nonlinearity` 4th). Input (L, N, H_in), (N, L, H_in) when
 * batch_first, or unbatched (L, H_in) → (…, D·H_out), D = 2 if bidirectional else 1,
 * H_out = hidden_size. Parameters per layer k and direction: weight_ih_l{k}{_reverse}
 * (H, H_in or D·H for k > 0), weight_hh_l{k} (H, H), bias_ih_l{k} (H,), bias_hh_l{k} (H,).
 */
export const RNN = recurrent("RNN", [
  ...HEAD,
  { name: "nonlinearity", default: "tanh" },
  ...TAIL,
  ...FACTORY,
]);

/**
 * `nn.LSTM` — https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html
 *
 * As {@link RNN} with 4·hidden_size gate rows and a projection: H_out = proj_size if > 0 else
 * hidden_size (0 ≤ proj_size < hidden_size); weight_hh_l{k} is (4H, H_out) and, with a projection,
 * weight_hr_l{k} is (proj_size, H).
 */
export const LSTM = recurrent("LSTM", [
  ...HEAD,
  ...TAIL,
  { name: "proj_size", default: 0 },
  ...FACTORY,
]);

/**
 * `nn.GRU` — https://pytorch.org/docs/stable/generated/torch.nn.GRU.html
 *
 * As {@link RNN} with 3·hidden_size gate rows.
 */
export const GRU = recurrent("GRU", [...HEAD, ...TAIL, ...FACTORY]);

/** Every recurrent layer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const recurrentLayers: LayerDef<any>[] = [RNN, LSTM, GRU];
