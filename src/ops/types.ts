/**
 * The op registry's contract. One {@link OpDef} per torch function / tensor method / operator holds
 * its whole story: its signature and defaults (PyTorch's), its meta rule (output shape and dtype,
 * and PyTorch's refusal in PyTorch's words), its receptive-field rule, its multiply-accumulate
 * count, and its kernel on the tensor core. Both interpreter hosts use the same entry: model
 * reading runs `meta` on data-less tensors and records a graph node; gradcheck and `dlq grad` run
 * `meta` (validation) and then `kernel`.
 *
 * `kernel` receives the tensor core as an argument, so the registry never imports it: `dlq shape`
 * and `dlq rf` never load the tensor core.
 */
import type { RfStep } from "../analysis/layers/types.js";
import type * as TensorCoreNS from "../tensor/index.js";
import type { Generator, Tensor } from "../tensor/index.js";
import type { SigParam } from "../python/signature.js";
import { HostValue, type Value } from "../python/values.js";

/** The tensor-core namespace (src/tensor/index.ts) a kernel computes with. */
export type TensorCore = typeof TensorCoreNS;

/** torch's dtypes by their short names (`torch.float32` → `float32`). */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int64"
  | "int32"
  | "int16"
  | "int8"
  | "uint8"
  | "bool";

/**
 * What a meta rule knows of a tensor: its shape and dtype (a "meta tensor"), and its layout.
 *
 * `strides` (in elements, PyTorch's `x.stride()`) is absent for a contiguous (row-major) tensor,
 * which is what every host input is. The view ops (transpose, permute, expand, slicing, …) give
 * their result PyTorch's strides, and elementwise ops keep their input's layout as PyTorch's
 * TensorIterator does, so that `x.transpose(1, 2).view(...)` is refused as PyTorch refuses it
 * ("view size is not compatible with input tensor's size and stride"); see src/ops/layout.ts.
 */
export interface TensorMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly strides?: readonly number[];
}

/**
 * `torch.float32` & co. as interpreter values, for both hosts: what `OpArgs.dtype` reads and what
 * `x.dtype` should evaluate to.
 */
export class DTypeValue extends HostValue {
  constructor(readonly dtype: DType) {
    super();
  }
  get typeName(): string {
    return "torch.dtype";
  }
  override repr(): string {
    return `torch.${this.dtype}`;
  }
}

/**
 * An op's result: a tensor, a tuple of results (`torch.chunk`, `torch.max(x, dim)` with field
 * `names`), or a plain Python value (`x.size(0)`, `x.dim()`).
 */
export type OpOut<T> =
  T | { tuple: OpOut<T>[]; names?: string[]; typeName?: string } | { py: Value };

/**
 * A bound call, as an op reads it: typed accessors over the arguments by parameter name. Each
 * accessor refuses a value of the wrong type with PyTorch's TypeError wording, e.g.
 * `relu(): argument 'input' (position 1) must be Tensor, not int`, by throwing {@link OpError}.
 * `T` is the host's tensor: {@link TensorMeta} in meta rules, the tensor core's Tensor in kernels.
 */
export interface OpArgs<T> {
  /** The name the user called (`torch.cat`, `F.relu`, `Tensor.view`), for messages. */
  readonly display: string;
  /** Whether the argument was given (or has a default) and is not None. */
  has(name: string): boolean;
  /** The argument as the interpreter holds it (for ops that take anything). */
  raw(name: string): Value;
  /** The host's tensor of a value nested in an argument (an index tuple's tensors), or undefined. */
  tensorOf(v: Value): T | undefined;
  /** Whether the argument is a tensor (for overloads: `torch.max(x, other)` vs `torch.max(x, dim)`). */
  isTensor(name: string): boolean;
  tensor(name: string): T;
  optTensor(name: string): T | undefined;
  /** A tuple or list of tensors (`torch.cat(tensors)`). */
  tensors(name: string): T[];
  /** A tensor or a Python number (`torch.add(x, 2)`); a number stays a number. */
  tensorOrNumber(name: string): T | number;
  int(name: string): number;
  optInt(name: string): number | undefined;
  /** An int or a tuple/list of ints, as a list (`kernel_size=3` → [3]). */
  ints(name: string): number[];
  optInts(name: string): number[] | undefined;
  /**
   * A shape given as varargs or as one sequence: `x.view(2, 3)` and `x.view((2, 3))`, for a
   * `*size` parameter (`-1` allowed; the meta rule checks it).
   */
  shape(name: string): number[];
  /** A Python float or int (PyTorch's `float` parameters: `eps`, `p`); "must be float, not str". */
  float(name: string): number;
  optFloat(name: string): number | undefined;
  /**
   * A Python number, bool included (PyTorch's `Scalar` parameters: `alpha`, `negative_slope`,
   * `value`): "must be Number, not str".
   */
  scalar(name: string): number;
  optScalar(name: string): number | undefined;
  /**
   * A sequence of ints only (PyTorch's `int[]` without a size, e.g. `layer_norm`'s
   * `normalized_shape`): a bare int is refused, "must be tuple of ints, not int".
   */
  intList(name: string): number[];
  /**
   * A bool. PyTorch's argument parser takes only `True`/`False` for a `bool` parameter of a native
   * function (`x.sum(1, keepdim=1)` is a TypeError), so anything else is refused with its wording:
   * `argmax(): argument 'keepdim' (position 3) must be bool, not int`.
   */
  bool(name: string): boolean;
  /**
   * Python truthiness of the argument, for the flags PyTorch's Python wrappers read with `if`
   * (`F.relu(x, inplace=1)` is in place): `0`, `None`, `''`, `()` are false.
   */
  truthy(name: string): boolean;
  str(name: string): string;
  optStr(name: string): string | undefined;
  /** `dim` as an int, a tuple of ints, or None (undefined: every dim). */
  dims(name: string): number[] | undefined;
  dtype(name: string): DType | undefined;
}

/** A refusal by an op, in PyTorch's words; the host locates it at the call. */
export class OpError extends Error {
  constructor(
    message: string,
    /** PyTorch's exception type, e.g. `RuntimeError`, `TypeError`, `ValueError`. */
    readonly pyType: string = "RuntimeError",
  ) {
    super(message);
    this.name = "OpError";
  }
}

/**
 * The meta rule's answer when the result depends on the tensors' values (`x.item()`,
 * `x.tolist()`, `x[mask]` with a bool mask): everything checkable without data was checked. A host
 * without data (model reading) reports the message; a host with data (gradcheck) runs the kernel
 * and takes the result's shape from it and its dtype from {@link dtype}.
 */
export class DataDependent extends OpError {
  constructor(
    message: string,
    /** The dtype of the (tensor) result, when the result is a tensor. */
    readonly dtype?: DType,
  ) {
    super(message, "RuntimeError");
    this.name = "DataDependent";
  }
}

/**
 * How an op changes the receptive field (Araujo et al.), per spatial axis: a layer's
 * {@link RfStep} for the op's (single) tensor input, or `merge` for an op whose output position i
 * depends on position i of each of its tensor inputs (`x + y`, `torch.cat` along channels,
 * `x * y`), where the paths must be aligned.
 */
export type OpRf = RfStep | { kind: "merge" };

/** What a kernel may need beyond its arguments. */
export interface KernelContext {
  /** The generator for random ops (dropout masks, `torch.randn_like`). */
  generator: Generator;
  /**
   * Whether dropout modules are active (the host's training mode). The functional `F.dropout`
   * follows its own `training` argument (default True, as in PyTorch), so its kernel does not read
   * this; the dropout modules (src/analysis/layers/dropout.ts) do.
   */
  trainDropout: boolean;
  /**
   * The dtype of a tensor argument (from the meta tensor the host pairs with it): the tensor core
   * is float64 only, so a kernel that depends on dtypes (indexing with a bool mask or a long
   * tensor, `x.long()`'s truncation) asks here.
   */
  dtypeOf(t: Tensor): DType;
}

/**
 * What kind of graph row an op makes: `compute` (a row in `dlq shape`: activations, pooling,
 * matmul, softmax, …; with two or more tensor inputs it is a merge, e.g. `add`), `view` (a node in
 * the graph but no row: `view`, `reshape`, `permute`, `contiguous`, indexing), `meta` (no node: the
 * result is a Python value, `x.size(0)`, `x.dim()`), `creation` (a new tensor without tensor
 * inputs: `torch.zeros`, `torch.randn_like` counts its input only for its shape).
 */
export type OpKind = "compute" | "view" | "meta" | "creation";

/** One torch function / tensor method / operator. */
export interface OpDef {
  /** The canonical name, used for graph rows and in messages (`add`, `cat`, `relu`, `max_pool2d`). */
  name: string;
  /**
   * Every qualified name this op answers to: torch functions (`torch.cat`,
   * `torch.nn.functional.relu`), tensor methods as `Tensor.NAME` (`Tensor.view`; the tensor is the
   * first parameter), operators as `operator.NAME` (`operator.add` for `+`, `operator.getitem` for
   * `x[...]`, `operator.matmul` for `@`, `operator.neg` for unary `-`).
   */
  names: string[];
  /** The signature, PyTorch's parameter names and defaults (values of the interpreter). */
  params: SigParam<Value>[];
  kind: OpKind;
  /**
   * The meta rule: the output's shape and dtype from the inputs' (no data), or a Python value.
   * Validates everything (the kernel assumes valid arguments).
   * @throws OpError with PyTorch's message when PyTorch refuses the call.
   */
  meta(a: OpArgs<TensorMeta>): OpOut<TensorMeta>;
  /**
   * The computation on the tensor core, recorded for autodiff. Absent when dlq cannot compute
   * the op (numeric commands then refuse, naming it), and for `kind: "meta"` ops whose meta
   * result is already the value (`x.size(0)`); present for the data-dependent ones (`x.item()`)
   * and those with an effect (`torch.manual_seed` reseeds `ctx.generator`). Every other op in
   * the registry has one.
   *
   * An {@link OpDef.inplace} op's kernel returns the new value of its first tensor argument; the
   * host writes it in (or rebinds the name), as it decides for autodiff. A creation op given
   * `requires_grad=True` returns a leaf with `requiresGrad` set; the host registers it.
   */
  kernel?(a: OpArgs<Tensor>, T: TensorCore, ctx: KernelContext): OpOut<Tensor>;
  /** The receptive-field rule; `axes` is the number of trailing spatial axes being tracked. */
  rf?(a: OpArgs<TensorMeta>, axes: number): OpRf;
  /** Multiply-accumulates of one call (2 FLOPs each), e.g. m·n·k for a matmul; default 0. */
  fma?(a: OpArgs<TensorMeta>, out: OpOut<TensorMeta>): number;
  /**
   * Writes into its first tensor argument (`relu_`, `add_`, `masked_fill_`); a function when an
   * argument decides (`F.relu(x, inplace=True)`).
   */
  inplace?: boolean | ((a: OpArgs<TensorMeta>) => boolean);
  /** Draws random numbers (the kernel reads `ctx.generator`). */
  random?: boolean;
  /** The name PyTorch's messages give the op when it is not {@link name} (`log_sigmoid`). */
  messageName?: string;
  /**
   * The op is a Python function in PyTorch (`torch.nn.functional.leaky_relu`), so a call that does
   * not bind gets CPython's TypeError ("missing 1 required positional argument: 'input'") rather
   * than PyTorch's argument parser's ('missing 1 required positional arguments: "input"').
   */
  python?: boolean;
  /**
   * Parameters whose schema type is `SymInt[]` in PyTorch 1.13 (`view`'s `size`): their TypeError
   * says "tuple of SymInts" where an `int[]` one says "tuple of ints".
   */
  symInt?: readonly string[];
}
