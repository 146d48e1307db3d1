/**
 * Recurrent layers: RNN, LSTM, GRU (PyTorch's `RNNBase`), and the one-step updates their cells
 * (src/analysis/layers/cells.ts) share.
 *
 * `forward(input, hx=None)` returns `(output, h_n)` (LSTM: `(output, (h_n, c_n))`): `outputs` gives
 * the shapes (checking a given hx as PyTorch does), `forwardTree` computes them on the tensor core,
 * and `outputShape`/`forward` give `output` alone, which is what a Sequential's next layer sees in
 * dlq. The tensor forward runs the equations of PyTorch's docs step by step (dropout between layers
 * only with `mode.trainDropout`; PyTorch applies it in training mode).
 *
 * Receptive field: `unsupported`; a recurrent layer's output at step t depends on every earlier step
 * through its state, which is not a sliding window.
 */
import type { PyValue } from "../../spec/types.js";
import type { Tensor } from "../../tensor/index.js";
import { bool, FACTORY, int, py, real, shapeStr, unfloat } from "./common.js";
import {
  LayerError,
  type ForwardMode,
  type LayerDef,
  type ParamSpec,
  type ParamTensor,
  type Shape,
  type ShapeTree,
  type TensorCore,
  type TensorTree,
} from "./types.js";

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

/**
 * The most stacked layers dlq models in one RNN/LSTM/GRU: {@link parameters} lists every layer's
 * weights (up to 5 tensors per layer and direction), and `num_layers=2**31` must be refused up
 * front rather than walked. PyTorch's own limit is memory.
 */
export const MAX_NUM_LAYERS = 10_000;

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
  if (num_layers > MAX_NUM_LAYERS) {
    throw new LayerError(
      `num_layers=${num_layers} is more than dlq models: each layer has its own weights, listed one by one (at most ${MAX_NUM_LAYERS} layers; use a smaller num_layers)`,
    );
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

/** `(a, b, c)`, as PyTorch prints an expected size. */
function sizeTuple(xs: readonly number[]): string {
  return `(${xs.join(", ")})`;
}

/** A shape tree's tensor (not a tuple), or null; throws when it is a tuple. */
function leaf(v: ShapeTree | null | undefined, what: string): Shape | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) throw new LayerError(`${what} must be a tensor, got a tuple`);
  return v as Shape;
}

/** The pair (h_0, c_0) an LSTM takes as hx; throws unless hx is a tuple of two tensors. */
function pair(v: ShapeTree | null | undefined, what: string): [Shape, Shape] | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v) || (v as { tuple: ShapeTree[] }).tuple.length !== 2) {
    throw new LayerError(`${what} must be a tuple of two tensors (h_0, c_0)`);
  }
  const [h, c] = (v as { tuple: ShapeTree[] }).tuple;
  return [leaf(h, `${what}[0]`)!, leaf(c, `${what}[1]`)!];
}

function rank(s: Shape): string {
  return `${s.length}-D`;
}

/**
 * The input check of `RNNBase.forward` (PyTorch 1.13): a 2-D (unbatched) or 3-D input whose last
 * dim is input_size and whose sequence is not empty; returns `output`'s shape.
 */
function outputShape(c: RecurrentConfig, input: Shape): Shape {
  const r = input.length;
  if (r !== 2 && r !== 3) {
    throw new LayerError(`${c.mode}: Expected input to be 2-D or 3-D but received ${r}-D tensor`);
  }
  const last = input[r - 1];
  if (last !== c.input_size) {
    throw new LayerError(
      `input.size(-1) must be equal to input_size. Expected ${c.input_size}, got ${last}`,
    );
  }
  const seq = r === 3 && c.batch_first ? input[1] : input[0];
  if (seq === 0) throw new LayerError("Expected sequence length to be larger than 0 in RNN");
  return [...input.slice(0, -1), (c.bidirectional ? 2 : 1) * hiddenOut(c)];
}

/** The shapes of h_n and (LSTM) c_n for an input: `(D·num_layers, N, H)`, no N when unbatched. */
function stateShapes(c: RecurrentConfig, input: Shape): { h: Shape; c: Shape } {
  const dl = (c.bidirectional ? 2 : 1) * c.num_layers;
  const batch = input.length === 3 ? [c.batch_first ? input[0] : input[1]] : [];
  return { h: [dl, ...batch, hiddenOut(c)], c: [dl, ...batch, c.hidden_size] };
}

/**
 * `forward(input, hx)`'s shapes: `(output, h_n)`, LSTM `(output, (h_n, c_n))`. A given hx must
 * have the input's batchedness (3-D for a 3-D input, 2-D for an unbatched one) and exactly the
 * shape of h_n (and c_n), refused otherwise with PyTorch's messages ("Expected hidden size
 * (1, 3, 7), got [1, 2, 7]", which shows an unbatched hx with its batch dim of 1 inserted).
 */
function outputs(
  c: RecurrentConfig,
  inputs: Readonly<Record<string, ShapeTree | null>>,
): ShapeTree {
  const input = leaf(inputs.input, "input");
  if (input === null) throw new LayerError(`${c.mode}() needs an input`);
  const out = outputShape(c, input);
  const want = stateShapes(c, input);
  const batched = input.length === 3;
  // PyTorch compares an unbatched hx after inserting the batch dim.
  const shown = (s: Shape) => (batched ? shapeStr(s) : shapeStr([s[0], 1, ...s.slice(1)]));
  const expected = (s: Shape) => sizeTuple(batched ? s : [s[0], 1, ...s.slice(1)]);
  const same = (a: Shape, b: Shape) => a.length === b.length && a.every((x, i) => x === b[i]);
  const kind = batched ? "batched 3-D" : "unbatched 2-D";
  const dims = batched ? 3 : 2;
  if (c.mode === "LSTM") {
    const hx = pair(inputs.hx, "LSTM's hx");
    if (hx) {
      const [h, cx] = hx;
      if (h.length !== dims || cx.length !== dims) {
        throw new LayerError(
          `For ${kind} input, hx and cx should also be ${dims}-D but got (${rank(h)}, ${rank(cx)}) tensors`,
        );
      }
      if (!same(h, want.h)) {
        throw new LayerError(`Expected hidden[0] size ${expected(want.h)}, got ${shown(h)}`);
      }
      if (!same(cx, want.c)) {
        throw new LayerError(`Expected hidden[1] size ${expected(want.c)}, got ${shown(cx)}`);
      }
    }
    return { tuple: [out, { tuple: [want.h, want.c] }] };
  }
  const h = leaf(inputs.hx, `${c.mode}'s hx`);
  if (h) {
    if (h.length !== dims) {
      throw new LayerError(
        `For ${kind} input, hx should also be ${dims}-D but got ${rank(h)} tensor`,
      );
    }
    if (!same(h, want.h)) {
      throw new LayerError(`Expected hidden size ${expected(want.h)}, got ${shown(h)}`);
    }
  }
  return { tuple: [out, want.h] };
}

/** The gate pre-activations `x·W_ihᵀ + b_ih` (x: `[..., in]`) of one layer and direction. */
export interface CellWeights {
  weight_ih: Tensor;
  weight_hh: Tensor;
  bias_ih: Tensor | null;
  bias_hh: Tensor | null;
  /** LSTM projection (proj_size > 0). */
  weight_hr: Tensor | null;
}

/**
 * One step of a recurrent cell from precomputed input gates `gi = x·W_ihᵀ + b_ih` (`[N, G·H]`), the
 * equations of PyTorch's docs (torch.nn.RNNCell, LSTMCell, GRUCell; gates in PyTorch's order):
 * - RNN: h′ = act(gi + h·W_hhᵀ + b_hh), act tanh or relu;
 * - LSTM: (i, f, g, o) = σ, σ, tanh, σ of gi + h·W_hhᵀ + b_hh; c′ = f·c + i·g; h′ = o·tanh(c′),
 *   then h′·W_hrᵀ when projecting;
 * - GRU: r, z = σ(gi_r + gh_r), σ(gi_z + gh_z) with gh = h·W_hhᵀ + b_hh; n = tanh(gi_n + r·gh_n);
 *   h′ = (1 − z)·n + z·h.
 * Returns h′ and (LSTM) c′.
 */
export function cellStep(
  F: TensorCore,
  mode: RecurrentConfig["mode"],
  nonlinearity: RecurrentConfig["nonlinearity"],
  hidden: number,
  gi: Tensor,
  h: Tensor,
  cx: Tensor | null,
  w: CellWeights,
): { h: Tensor; c: Tensor | null } {
  const gh = F.linear(h, w.weight_hh, w.bias_hh);
  const chunk = (t: Tensor, k: number) => F.narrow(t, -1, k * hidden, hidden);
  if (mode === "RNN") {
    const z = F.add(gi, gh);
    return { h: nonlinearity === "relu" ? F.relu(z) : F.tanh(z), c: null };
  }
  if (mode === "GRU") {
    const r = F.sigmoid(F.add(chunk(gi, 0), chunk(gh, 0)));
    const z = F.sigmoid(F.add(chunk(gi, 1), chunk(gh, 1)));
    const n = F.tanh(F.add(chunk(gi, 2), F.mul(r, chunk(gh, 2))));
    return { h: F.add(n, F.mul(z, F.sub(h, n))), c: null };
  }
  const g = F.add(gi, gh);
  const i = F.sigmoid(chunk(g, 0));
  const f = F.sigmoid(chunk(g, 1));
  const cand = F.tanh(chunk(g, 2));
  const o = F.sigmoid(chunk(g, 3));
  const c2 = F.add(F.mul(f, cx!), F.mul(i, cand));
  let h2 = F.mul(o, F.tanh(c2));
  if (w.weight_hr) h2 = F.linear(h2, w.weight_hr);
  return { h: h2, c: c2 };
}

function asTensor(v: TensorTree | null | undefined, what: string): Tensor | null {
  if (v === null || v === undefined) return null;
  if ("tuple" in v && !("shape" in v))
    throw new LayerError(`${what} must be a tensor, got a tuple`);
  return v as Tensor;
}

function tensorPair(v: TensorTree | null | undefined, what: string): [Tensor, Tensor] | null {
  if (v === null || v === undefined) return null;
  const t = v as { tuple?: TensorTree[] };
  if (!Array.isArray(t.tuple) || t.tuple.length !== 2) {
    throw new LayerError(`${what} must be a tuple of two tensors (h_0, c_0)`);
  }
  return [asTensor(t.tuple[0], `${what}[0]`)!, asTensor(t.tuple[1], `${what}[1]`)!];
}

/** The shape tree of a tensor tree. */
function shapesOf(v: TensorTree | null | undefined): ShapeTree | null {
  if (v === null || v === undefined) return null;
  const t = v as { tuple?: TensorTree[]; shape?: readonly number[] };
  if (Array.isArray(t.tuple)) return { tuple: t.tuple.map((x) => shapesOf(x)!) };
  return [...(v as Tensor).shape];
}

/**
 * The whole forward on the tensor core: per layer and direction, the input gates of every step in
 * one matrix product, then the steps in order (reversed for the `_reverse` direction); a layer's
 * output is both directions' h′ concatenated, the next layer's input.
 */
function forwardTree(
  c: RecurrentConfig,
  inputs: Readonly<Record<string, TensorTree | null>>,
  p: Readonly<Record<string, Tensor>>,
  F: TensorCore,
  mode: ForwardMode = {},
): TensorTree {
  outputs(c, { input: shapesOf(inputs.input), hx: shapesOf(inputs.hx) });
  const input = asTensor(inputs.input, "input")!;
  const batched = input.ndim === 3;
  // Time-major (L, N, H_in) throughout.
  let x = !batched ? F.unsqueeze(input, 1) : c.batch_first ? F.transpose(input, 0, 1) : input;
  const [L, N] = x.shape;
  const dirs = c.bidirectional ? 2 : 1;
  const hOut = hiddenOut(c);
  let h0: Tensor | null = null;
  let c0: Tensor | null = null;
  if (c.mode === "LSTM") {
    const hx = tensorPair(inputs.hx, "LSTM's hx");
    if (hx) [h0, c0] = hx;
  } else {
    h0 = asTensor(inputs.hx, `${c.mode}'s hx`);
  }
  if (!batched) {
    if (h0) h0 = F.unsqueeze(h0, 1);
    if (c0) c0 = F.unsqueeze(c0, 1);
  }
  const hN: Tensor[] = [];
  const cN: Tensor[] = [];
  for (let k = 0; k < c.num_layers; k++) {
    const perDir: Tensor[] = [];
    for (let dir = 0; dir < dirs; dir++) {
      const sfx = `_l${k}${dir === 1 ? "_reverse" : ""}`;
      const w: CellWeights = {
        weight_ih: p[`weight_ih${sfx}`],
        weight_hh: p[`weight_hh${sfx}`],
        bias_ih: p[`bias_ih${sfx}`] ?? null,
        bias_hh: p[`bias_hh${sfx}`] ?? null,
        weight_hr: p[`weight_hr${sfx}`] ?? null,
      };
      const gi = F.linear(x, w.weight_ih, w.bias_ih);
      const slot = k * dirs + dir;
      let h = h0 ? F.select(h0, 0, slot) : F.zeros([N, hOut]);
      let cx =
        c.mode === "LSTM" ? (c0 ? F.select(c0, 0, slot) : F.zeros([N, c.hidden_size])) : null;
      const steps: Tensor[] = new Array<Tensor>(L);
      for (let s = 0; s < L; s++) {
        const t = dir === 0 ? s : L - 1 - s;
        const next = cellStep(
          F,
          c.mode,
          c.nonlinearity,
          c.hidden_size,
          F.select(gi, 0, t),
          h,
          cx,
          w,
        );
        h = next.h;
        cx = next.c;
        steps[t] = h;
      }
      hN.push(h);
      if (cx) cN.push(cx);
      perDir.push(F.stack(steps, 0));
    }
    x = dirs === 1 ? perDir[0] : F.cat(perDir, -1);
    if (mode.trainDropout && c.dropout > 0 && k < c.num_layers - 1) {
      x = F.dropout(x, c.dropout, { generator: mode.generator });
    }
  }
  let output = x;
  let hn = F.stack(hN, 0);
  let cn = cN.length > 0 ? F.stack(cN, 0) : null;
  if (!batched) {
    output = F.squeeze(output, 1);
    hn = F.squeeze(hn, 1);
    if (cn) cn = F.squeeze(cn, 1);
  } else if (c.batch_first) {
    output = F.transpose(output, 0, 1);
  }
  return c.mode === "LSTM" ? { tuple: [output, { tuple: [hn, cn!] }] } : { tuple: [output, hn] };
}

function recurrent(
  mode: RecurrentConfig["mode"],
  signature: ParamSpec[],
): LayerDef<RecurrentConfig> {
  return {
    type: mode,
    signature,
    configure: (a) => configure(mode, a),
    outputShape,
    parameters,
    rf: () => ({
      kind: "unsupported",
      reason: `${mode} is recurrent: each output depends on every earlier step through its state`,
    }),
    forwardParams: [{ name: "hx", default: null }],
    outputs,
    forwardTree,
    forward: (c, x, p, F, m) =>
      (forwardTree(c, { input: x, hx: null }, p, F, m) as { tuple: TensorTree[] })
        .tuple[0] as Tensor,
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
