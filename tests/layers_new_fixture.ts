/**
 * The PyTorch 1.13 fixture of the padding, shuffle, upsampling-alias and recurrent layers
 * (tests/fixtures/layers_new.json, written by scripts/fixtures/gen_layers_new.py), and the
 * runners the tests of those families share: a shape case through bind → configure →
 * outputs/outputShape → parameters, and a forward case through the tensor core with autodiff.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { bindArgs } from "../src/analysis/layers/common.js";
import { layerDef } from "../src/analysis/layers/index.js";
import {
  LayerError,
  type LayerDef,
  type ParamSpec,
  type ParamTensor,
  type ShapeTree,
  type TensorTree,
} from "../src/analysis/layers/types.js";
import type { PyValue } from "../src/spec/types.js";
import * as F from "../src/tensor/index.js";

/** A shape tree as the generator writes it: a shape, or a list of trees for a tuple. */
export type JsonShapeTree = number[] | JsonShapeTree[];

export interface ShapeCase {
  type: string;
  positional: PyValue[];
  keywords: Record<string, PyValue>;
  input: number[];
  /** Present when the module was called with an hx (null: hx=None). */
  hx?: JsonShapeTree | null;
  output?: JsonShapeTree;
  parameters?: ParamTensor[];
  num_params?: number;
  error?: "construct" | "forward";
  exception?: string;
  message?: string;
  refused_for_any_input?: boolean;
}

interface Values {
  shape: number[];
  data: number[];
}
type ValueTree = Values | ValueTree[];

export interface ForwardCase {
  type: string;
  positional: PyValue[];
  keywords: Record<string, PyValue>;
  train: boolean;
  input: Values;
  hx?: ValueTree;
  params: Record<string, Values>;
  output: ValueTree;
  upstream: number[][];
  input_grad: number[];
  hx_grad?: number[][];
  param_grads: Record<string, number[]>;
}

export interface RfChain {
  source: string;
  input: number[];
  output: number[];
  supports: { output: number[]; lo: number[]; hi: number[] }[];
}

export const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/layers_new.json", import.meta.url), "utf8"),
) as {
  torch: string;
  signatures: Record<string, ParamSpec[] | null>;
  cases: ShapeCase[];
  forwards: ForwardCase[];
  rf: RfChain[];
};

/** The fixture's tree as dlq's {@link ShapeTree}. */
export function shapeTree(v: JsonShapeTree): ShapeTree {
  if (v.every((x) => typeof x === "number")) return v as number[];
  return { tuple: (v as JsonShapeTree[]).map(shapeTree) };
}

/** `Conv2d(3, 4, kernel_size=2) on [1, 3, 8, 8]`, for test names. */
export function label(c: Pick<ShapeCase, "type" | "positional" | "keywords" | "input" | "hx">) {
  const args = [
    ...c.positional.map((v) => JSON.stringify(v)),
    ...Object.entries(c.keywords).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
  ];
  const hx = c.hx === undefined ? "" : `, hx ${JSON.stringify(c.hx)}`;
  return `${c.type}(${args.join(", ")}) on ${JSON.stringify(c.input)}${hx}`;
}

/** A forward case's label: the call, the input's shape and whether an hx is given. */
export function forwardLabel(f: ForwardCase, k: number): string {
  const call = label({ ...f, input: f.input.shape, hx: undefined });
  return `${k}: ${call}${f.hx === undefined ? "" : " with hx"}${f.train ? "" : " (eval)"}`;
}

function refusal(f: () => unknown): LayerError | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof LayerError) return e;
    throw e;
  }
  return undefined;
}

/**
 * Where dlq deliberately answers otherwise than PyTorch 1.13, and why; the test asserts dlq's own
 * answer instead.
 */
export const DIVERGENCES: {
  when: (c: ShapeCase) => boolean;
  why: string;
  dlq: (c: ShapeCase) => ShapeTree;
}[] = [
  {
    when: (c) => c.type === "PixelUnshuffle" && c.output !== undefined && c.input.includes(0),
    why: "PyTorch 1.13 returns an empty input to pixel_unshuffle unchanged; dlq gives the documented (*, C·r², H/r, W/r)",
    dlq: (c) => {
      const r = c.positional[0] as number;
      const [n, ch, h, w] = c.input;
      return [n, ch * r * r, h / r, w / r];
    },
  },
];

/** The shape answer dlq gives for a case: `outputs` when the layer has it, else `outputShape`. */
function shapes(d: LayerDef<unknown>, config: unknown, c: ShapeCase): ShapeTree {
  if (d.outputs) {
    const hx = c.hx === undefined || c.hx === null ? null : shapeTree(c.hx);
    const tree = d.outputs(config, { input: c.input, hx });
    if (c.hx === undefined || c.hx === null) {
      // outputShape is the first tensor of the tuple (or the output itself).
      const first = Array.isArray(tree) ? tree : (tree as { tuple: ShapeTree[] }).tuple[0];
      expect(d.outputShape(config, c.input)).toEqual(first);
    }
    return tree;
  }
  if (c.hx !== undefined) throw new Error(`${c.type} takes no hx`);
  return [...d.outputShape(config, c.input)];
}

/**
 * Runs one shape case against PyTorch's answer: a construct refusal (or a forward refusal that
 * no input escapes) must be refused by `configure`; a forward refusal by the shape rule; else the
 * output tree, parameters and their count must match. Returns dlq's message when both refused
 * at the same stage.
 */
export function runShapeCase(c: ShapeCase): string | undefined {
  const d = layerDef(c.type);
  let config: unknown;
  const atConfigure = refusal(() => {
    config = d.configure(bindArgs(d, c.positional, c.keywords));
  });
  if (c.error === "construct" || (c.error === "forward" && c.refused_for_any_input)) {
    expect(atConfigure, `PyTorch refused for every input: ${c.message}`).toBeInstanceOf(LayerError);
    return atConfigure!.message;
  }
  expect(atConfigure?.message, `PyTorch accepted these arguments (${c.message ?? ""})`).toBe(
    undefined,
  );
  if (c.error === "forward") {
    const atForward = refusal(() => shapes(d, config, c));
    expect(atForward, `PyTorch refused this input: ${c.message}`).toBeInstanceOf(LayerError);
    return atForward!.message;
  }
  const divergence = DIVERGENCES.find((x) => x.when(c));
  expect(shapes(d, config, c)).toEqual(divergence ? divergence.dlq(c) : shapeTree(c.output!));
  const params = d.parameters(config);
  expect(params).toEqual(c.parameters);
  expect(params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)).toBe(c.num_params);
  return undefined;
}

/**
 * PyTorch messages dlq reproduces word for word (it may add detail after them), by prefix, and
 * how dlq's differ where it rewords (each with why).
 */
export function expectVerbatim(c: ShapeCase, dlq: string, prefixes: readonly string[]): boolean {
  // dlq refuses at configure what no input escapes, so its words may be another check's.
  if (c.refused_for_any_input) return false;
  // ATen's "Argument #4: " names a C++ argument position, which means nothing to a dlq user.
  const torch = c.message!.replace(/^Argument #\d+: /, "");
  if (!prefixes.some((p) => torch.startsWith(p))) return false;
  expect(dlq.startsWith(torch), `dlq "${dlq}" vs PyTorch "${torch}"`).toBe(true);
  return true;
}

function close(got: ArrayLike<number>, want: number[], what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-9 + 1e-9 * Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      throw new Error(`${what}[${i}]: got ${got[i]}, PyTorch ${want[i]}`);
    }
  }
}

function valueLeaves(v: ValueTree): Values[] {
  return Array.isArray(v) ? v.flatMap(valueLeaves) : [v];
}

function tensorLeaves(v: TensorTree): F.Tensor[] {
  return v instanceof F.Tensor ? [v] : v.tuple.flatMap(tensorLeaves);
}

function leafTensor(v: Values): F.Tensor {
  return new F.Tensor(Float64Array.from(v.data), v.shape, true);
}

function toTensorTree(v: ValueTree): TensorTree {
  return Array.isArray(v) ? { tuple: v.map(toTensorTree) } : leafTensor(v);
}

function shapesOf(v: ValueTree): ShapeTree {
  return Array.isArray(v) ? { tuple: v.map(shapesOf) } : v.shape;
}

/**
 * Runs one forward case: dlq's tensor forward (forwardTree when the layer has one) on PyTorch's
 * input, hx and weights must give PyTorch's outputs, and the gradients of Σ output·upstream with
 * respect to the input, hx and every parameter must be PyTorch's.
 */
export function runForwardCase(f: ForwardCase): void {
  const d = layerDef(f.type);
  const config = d.configure(bindArgs(d, f.positional, f.keywords));
  const params: Record<string, F.Tensor> = {};
  for (const [n, p] of Object.entries(f.params)) params[n] = leafTensor(p);
  const x = leafTensor(f.input);
  const hx = f.hx === undefined ? null : toTensorTree(f.hx);
  let y: TensorTree;
  if (d.forwardTree) {
    y = d.forwardTree(config, { input: x, hx }, params, F);
    expect(d.outputs!(config, { input: f.input.shape, hx: f.hx ? shapesOf(f.hx) : null })).toEqual(
      shapesOf(f.output),
    );
  } else {
    expect(hx).toBe(null);
    y = d.forward!(config, x, params, F);
    expect(d.outputShape(config, f.input.shape)).toEqual((f.output as Values).shape);
  }
  const got = tensorLeaves(y);
  const want = valueLeaves(f.output);
  expect(got.length).toBe(want.length);
  got.forEach((t, k) => {
    expect([...t.shape], `output ${k} shape`).toEqual(want[k].shape);
    close(t.data, want[k].data, `output ${k}`);
  });
  let loss = F.sum(F.mul(got[0], new F.Tensor(Float64Array.from(f.upstream[0]), got[0].shape)));
  for (let k = 1; k < got.length; k++) {
    const up = new F.Tensor(Float64Array.from(f.upstream[k]), got[k].shape);
    loss = F.add(loss, F.sum(F.mul(got[k], up)));
  }
  loss.backward();
  close(x.grad!.data, f.input_grad, "input grad");
  if (hx) {
    tensorLeaves(hx).forEach((t, k) => close(t.grad!.data, f.hx_grad![k], `hx ${k} grad`));
  }
  for (const [n, g] of Object.entries(f.param_grads)) close(params[n].grad!.data, g, `${n} grad`);
  if (d.forwardTree && hx === null) {
    // forward(input) is the tuple's first tensor, as outputShape is its shape.
    const first = d.forward!(config, leafTensor(f.input), params, F);
    close(first.data, want[0].data, "forward()");
  }
}
