/**
 * The layer catalogue's contract. One {@link LayerDef} per PyTorch module class holds that class's
 * whole story: its signature (argument names and defaults, as in PyTorch's `__init__`), validation,
 * shape rule, parameters, and receptive-field step. Commands and analyses never re-derive these.
 */
import type { PyValue } from "../../spec/types.js";
import type * as TensorCoreNS from "../../tensor/index.js";
import type { Generator, Tensor } from "../../tensor/index.js";

/**
 * The tensor-core namespace (src/tensor/index.ts) that a layer's {@link LayerDef.forward} computes
 * with. It is passed in by the caller, so the layer catalogue never loads the tensor core itself
 * (the shape and rf commands stay as fast as before).
 */
export type TensorCore = typeof TensorCoreNS;

/** How a {@link LayerDef.forward} runs where PyTorch's train/eval modes differ. */
export interface ForwardMode {
  /**
   * Dropout in training mode (random masks from `generator`); default false, i.e. dropout is the
   * identity (eval mode). BatchNorm always uses batch statistics (training mode).
   */
  trainDropout?: boolean;
  /** The generator for dropout masks; required with `trainDropout`. */
  generator?: Generator;
}

/** A tensor shape, batch dimension first where there is one. */
export type Shape = readonly number[];

/**
 * A tree of shapes: one tensor's shape, or a tuple of trees (an LSTM's `(output, (h_n, c_n))`).
 */
export type ShapeTree = Shape | { tuple: ShapeTree[] };

/** A tree of tensors, as {@link ShapeTree}. */
export type TensorTree = Tensor | { tuple: TensorTree[] };

/** One parameter of a module's constructor, in PyTorch's order. */
export interface ParamSpec {
  name: string;
  /** The default; absent means the argument is required. */
  default?: PyValue;
}

/** A named parameter tensor, as `module.named_parameters()` lists it (e.g. `weight`, `bias`, `weight_ih_l0`). */
export interface ParamTensor {
  name: string;
  shape: number[];
}

/**
 * How a layer changes the receptive field (Araujo, Norris & Sim, Distill 2019), per spatial axis.
 * - `spatial`: a sliding window with kernel size k, stride s, padding p and dilation d per axis
 *   (effective kernel d·(k−1)+1); convolutions and pools.
 * - `pointwise`: each output position sees only the same input position (activations, norms, dropout).
 * - `global`: each output sees the whole input (Flatten, Linear, global pooling); `reason` says why.
 * - `unsupported`: no receptive field in the paper's sense (transposed convolution, upsampling,
 *   recurrent layers); `reason` says why.
 */
export type RfStep =
  | { kind: "spatial"; kernel: number[]; stride: number[]; padding: number[]; dilation: number[] }
  | { kind: "pointwise" }
  | { kind: "global"; reason: string }
  | { kind: "unsupported"; reason: string };

/**
 * One PyTorch module class. `C` is the normalised configuration `configure` builds (tuples expanded
 * to one entry per spatial axis, defaults filled).
 *
 * Errors: `configure` and `outputShape` throw {@link LayerError} with a message that names the
 * argument or the numbers (the caller adds which layer); they mirror PyTorch's own refusals.
 */
export interface LayerDef<C = unknown> {
  /** PyTorch's class name, e.g. `Conv2d`. */
  type: string;
  /** Constructor parameters in PyTorch's order, with PyTorch's defaults. */
  signature: ParamSpec[];
  /** Validates arguments (all signature names present, defaults filled) and normalises them. */
  configure(args: Record<string, PyValue>): C;
  /** The output shape for an input shape (PyTorch's shape rule; unbatched inputs where PyTorch allows). */
  outputShape(config: C, input: Shape): Shape;
  /** The parameter tensors the module owns (not buffers such as BatchNorm's running statistics). */
  parameters(config: C): ParamTensor[];
  /** The receptive-field step; `input` is the shape entering the layer when known. */
  rf(config: C, input?: Shape): RfStep;
  /**
   * For a layer whose `forward` takes more than `input` (an RNN's `hx`, a cell's `hx`,
   * `MultiheadAttention`'s `key` and `value`): the forward's parameters after `input`, with
   * PyTorch's names and defaults (None is `null`). Absent: `forward(input)`.
   */
  forwardParams?: ParamSpec[];
  /**
   * The output for a layer that takes several tensors or returns a tuple: `inputs` maps `input`
   * and each of {@link forwardParams} to its shape tree (null when None). Absent: the output is
   * {@link outputShape} of `input`.
   * @throws LayerError with PyTorch's message when the shapes cannot flow.
   */
  outputs?(config: C, inputs: Readonly<Record<string, ShapeTree | null>>): ShapeTree;
  /**
   * The tensor forward of a layer with {@link outputs}: as {@link forward}, over trees.
   */
  forwardTree?(
    config: C,
    inputs: Readonly<Record<string, TensorTree | null>>,
    params: Readonly<Record<string, Tensor>>,
    F: TensorCore,
    mode?: ForwardMode,
  ): TensorTree;
  /** Accepts and ignores any extra arguments, as `nn.Identity(*args, **kwargs)` does. */
  variadic?: boolean;
  /**
   * Keywords the module's printed repr shows although `__init__` does not take them, with the one
   * value they can have (`UpsamplingNearest2d(scale_factor=2.0, mode=nearest)`): accepted, and
   * dropped, only when binding the arguments of a repr.
   */
  reprKeywords?: Readonly<Record<string, PyValue>>;
  /** `index` when the module takes integer indices (Embedding); default float. */
  inputKind?: "float" | "index";
  /**
   * The module's forward pass on the tensor core, recorded for autodiff (PyTorch's
   * `module(x)` in training mode for BatchNorm, eval mode for dropout unless
   * `mode.trainDropout`). `params` are the module's parameter tensors by the names
   * {@link LayerDef.parameters} gives (absent ones, e.g. a bias=False Linear's bias, are missing);
   * `F` is the tensor core (src/tensor/index.ts). Absent when dlq cannot run this layer.
   * @throws LayerError for a configuration the tensor core cannot run (e.g. a padding mode).
   */
  forward?(
    config: C,
    x: Tensor,
    params: Readonly<Record<string, Tensor>>,
    F: TensorCore,
    mode?: ForwardMode,
  ): Tensor;
}

/** A refusal by a layer (bad argument or a shape that cannot flow); the caller names the layer. */
export class LayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LayerError";
  }
}
