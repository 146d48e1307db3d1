/**
 * Recurrent cells: `RNNCell`, `LSTMCell`, `GRUCell` (PyTorch's `RNNCellBase`), one step of the
 * corresponding recurrent layer. `forward(input, hx=None)` returns h′ (RNNCell, GRUCell) or the
 * tuple (h′, c′) (LSTMCell); `outputs`/`forwardTree` describe and compute that, `outputShape` and
 * `forward` give h′ alone. The step itself is shared with RNN/LSTM/GRU (recurrent.ts
 * `cellStep`).
 *
 * Receptive field: `global`, as Linear: each output mixes every input feature (a cell's input
 * has no spatial axes).
 * Golden cases: tests/fixtures/layers_new.json (scripts/fixtures/gen_layers_new.py).
 */
import type { PyValue } from "../../spec/types.js";
import type { Tensor } from "../../tensor/index.js";
import { linearMismatchMessage } from "../../tensor/geometry.js";
import { FACTORY, int, py, truthy } from "./common.js";
import { cellStep, GATE_MULTIPLIER, type CellWeights, type RecurrentConfig } from "./recurrent.js";
import {
  LayerError,
  type LayerDef,
  type ParamSpec,
  type Shape,
  type ShapeTree,
  type TensorTree,
} from "./types.js";

/** Normalised configuration of RNNCell, LSTMCell and GRUCell. */
export interface CellConfig {
  mode: RecurrentConfig["mode"];
  input_size: number;
  hidden_size: number;
  bias: boolean;
  /** RNNCell only; "tanh" for the others. */
  nonlinearity: "tanh" | "relu";
}

function configure(mode: CellConfig["mode"], a: Record<string, PyValue>): CellConfig {
  let nonlinearity: CellConfig["nonlinearity"] = "tanh";
  if (mode === "RNN") {
    // PyTorch 1.13 checks it at forward ("Unknown nonlinearity: sigmoid"), for every input.
    if (a.nonlinearity !== "tanh" && a.nonlinearity !== "relu") {
      const shown = typeof a.nonlinearity === "string" ? a.nonlinearity : py(a.nonlinearity);
      throw new LayerError(`Unknown nonlinearity: ${shown}`);
    }
    nonlinearity = a.nonlinearity;
  }
  return {
    mode,
    input_size: int("input_size", a.input_size, 0),
    hidden_size: int("hidden_size", a.hidden_size, 0),
    bias: truthy(a.bias),
    nonlinearity,
  };
}

function parameters(c: CellConfig) {
  const g = GATE_MULTIPLIER[c.mode] * c.hidden_size;
  return [
    { name: "weight_ih", shape: [g, c.input_size] },
    { name: "weight_hh", shape: [g, c.hidden_size] },
    ...(c.bias
      ? [
          { name: "bias_ih", shape: [g] },
          { name: "bias_hh", shape: [g] },
        ]
      : []),
  ];
}

/** `RNNCellBase.forward`'s input check: 1-D (unbatched) or 2-D, last dim input_size. */
function outputShape(c: CellConfig, input: Shape): Shape {
  const r = input.length;
  if (r !== 1 && r !== 2) {
    throw new LayerError(
      `${c.mode}Cell: Expected input to be 1-D or 2-D but received ${r}-D tensor`,
    );
  }
  const last = input[r - 1];
  if (last !== c.input_size) {
    throw new LayerError(`input has inconsistent input_size: got ${last} expected ${c.input_size}`);
  }
  return r === 2 ? [input[0], c.hidden_size] : [c.hidden_size];
}

/**
 * ATen's `check_rnn_cell_forward_hidden` on an hx (batch dim inserted for an unbatched input):
 * its batch must be the input's, its size(1) hidden_size ("hidden0" also for an LSTM's c).
 */
function checkHidden(c: CellConfig, input: Shape, hx: Shape): void {
  const batched = input.length === 2;
  const n = batched ? input[0] : 1;
  const h = batched ? hx : [1, ...hx];
  if (h.length === 0) throw new LayerError("hx must be a tensor of at least 1 dimension");
  if (h[0] !== n) {
    throw new LayerError(`Input batch size ${n} doesn't match hidden0 batch size ${h[0]}`);
  }
  if (h.length < 2) {
    throw new LayerError("Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  }
  if (h[1] !== c.hidden_size) {
    throw new LayerError(
      `hidden0 has inconsistent hidden_size: got ${h[1]}, expected ${c.hidden_size}`,
    );
  }
  if (h.length > 2) {
    const g = GATE_MULTIPLIER[c.mode] * c.hidden_size;
    throw new LayerError(linearMismatchMessage(h, c.hidden_size, g));
  }
}

function leaf(v: ShapeTree | null | undefined, what: string): Shape | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) throw new LayerError(`${what} must be a tensor, got a tuple`);
  return v as Shape;
}

/**
 * `forward(input, hx)`'s shapes: h′ (`(N, hidden_size)`, unbatched `(hidden_size)`), LSTMCell
 * `(h′, c′)`; a given hx (LSTMCell: a tuple (h_0, c_0)) is checked as PyTorch does.
 */
function outputs(c: CellConfig, inputs: Readonly<Record<string, ShapeTree | null>>): ShapeTree {
  const input = leaf(inputs.input, "input");
  if (input === null) throw new LayerError(`${c.mode}Cell() needs an input`);
  const out = outputShape(c, input);
  const hx = inputs.hx ?? null;
  if (c.mode === "LSTM") {
    if (hx !== null) {
      const t = hx as { tuple?: ShapeTree[] };
      if (Array.isArray(hx) || !Array.isArray(t.tuple) || t.tuple.length !== 2) {
        throw new LayerError(
          "lstm_cell(): argument 'hx' must be a tuple of two tensors (h_0, c_0)",
        );
      }
      checkHidden(c, input, leaf(t.tuple[0], "hx[0]")!);
      checkHidden(c, input, leaf(t.tuple[1], "hx[1]")!);
    }
    return { tuple: [out, out] };
  }
  const h = leaf(hx, `${c.mode}Cell's hx`);
  if (h) checkHidden(c, input, h);
  return out;
}

function shapesOf(v: TensorTree | null | undefined): ShapeTree | null {
  if (v === null || v === undefined) return null;
  const t = v as { tuple?: TensorTree[] };
  if (Array.isArray(t.tuple)) return { tuple: t.tuple.map((x) => shapesOf(x)!) };
  return [...(v as Tensor).shape];
}

function cell(mode: CellConfig["mode"], signature: ParamSpec[]): LayerDef<CellConfig> {
  const type = `${mode}Cell`;
  const def: LayerDef<CellConfig> = {
    type,
    signature,
    configure: (a) => configure(mode, a),
    outputShape,
    parameters,
    rf: () => ({
      kind: "global",
      reason: `${type} mixes every input feature (and the hidden state)`,
    }),
    forwardParams: [{ name: "hx", default: null }],
    outputs,
    forwardTree(c, inputs, p, F) {
      outputs(c, { input: shapesOf(inputs.input), hx: shapesOf(inputs.hx) });
      const input = inputs.input as Tensor;
      const batched = input.ndim === 2;
      const x = batched ? input : F.unsqueeze(input, 0);
      const n = x.shape[0];
      const hx = inputs.hx ?? null;
      let h0: Tensor;
      let c0: Tensor | null = null;
      const lift = (t: Tensor) => (batched ? t : F.unsqueeze(t, 0));
      if (mode === "LSTM") {
        const t = hx as { tuple: Tensor[] } | null;
        h0 = t ? lift(t.tuple[0]) : F.zeros([n, c.hidden_size]);
        c0 = t ? lift(t.tuple[1]) : F.zeros([n, c.hidden_size]);
      } else {
        h0 = hx ? lift(hx as Tensor) : F.zeros([n, c.hidden_size]);
      }
      const w: CellWeights = {
        weight_ih: p.weight_ih,
        weight_hh: p.weight_hh,
        bias_ih: p.bias_ih ?? null,
        bias_hh: p.bias_hh ?? null,
        weight_hr: null,
      };
      const gi = F.linear(x, w.weight_ih, w.bias_ih);
      const next = cellStep(F, mode, c.nonlinearity, c.hidden_size, gi, h0, c0, w);
      const drop = (t: Tensor) => (batched ? t : F.squeeze(t, 0));
      return mode === "LSTM" ? { tuple: [drop(next.h), drop(next.c!)] } : drop(next.h);
    },
    forward(c, x, p, F) {
      const y = def.forwardTree!(c, { input: x, hx: null }, p, F);
      return (mode === "LSTM" ? (y as { tuple: TensorTree[] }).tuple[0] : y) as Tensor;
    },
  };
  return def;
}

const HEAD: ParamSpec[] = [
  { name: "input_size" },
  { name: "hidden_size" },
  { name: "bias", default: true },
];

/**
 * `torch.nn.RNNCell` (https://pytorch.org/docs/1.13/generated/torch.nn.RNNCell.html):
 * h′ = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu). Input `(N, H_in)` or `(H_in)`, hx
 * `(N, H)` or `(H)` (zeros when None) → h′ of hx's shape. Parameters: weight_ih `(H, H_in)`,
 * weight_hh `(H, H)`, bias_ih and bias_hh `(H)`.
 */
export const RNNCell = cell("RNN", [
  ...HEAD,
  { name: "nonlinearity", default: "tanh" },
  ...FACTORY,
]);

/**
 * `torch.nn.LSTMCell` (https://pytorch.org/docs/1.13/generated/torch.nn.LSTMCell.html): gates
 * i, f, g, o; c′ = f·c + i·g, h′ = o·tanh(c′). hx is the tuple (h_0, c_0), each `(N, H)` or `(H)`;
 * returns (h′, c′). Parameters as RNNCell with 4H rows.
 */
export const LSTMCell = cell("LSTM", [...HEAD, ...FACTORY]);

/**
 * `torch.nn.GRUCell` (https://pytorch.org/docs/1.13/generated/torch.nn.GRUCell.html): gates r, z,
 * n; h′ = (1 − z)·n + z·h. Parameters as RNNCell with 3H rows.
 */
export const GRUCell = cell("GRU", [...HEAD, ...FACTORY]);

/** Every recurrent cell. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const cellLayers: LayerDef<any>[] = [RNNCell, LSTMCell, GRUCell];
