/**
 * The Tensor and the reverse-mode autodiff engine.
 *
 * Design (after karpathy/micrograd's `engine.py` and tinygrad's gradient table): every op builds
 * its output with {@link createOp}, passing the forward result together with its backward rule,
 * written right beside the forward. `backward()` orders the graph with an explicit-stack
 * (iterative) depth-first topological sort, so arbitrarily deep graphs (a 10,000-op chain) never
 * overflow the JavaScript call stack, then runs the rules in reverse order, summing gradients of
 * tensors used more than once.
 *
 * Storage is always a contiguous row-major Float64Array (float64 so that central differences at
 * eps = 1e-6 are meaningful); `strides` are the contiguous strides. Ops that PyTorch implements as
 * strided views (transpose, permute, expand, slicing) copy; `reshape`/`view` share storage.
 */
import { TensorError } from "./errors.js";
import { checkShape, contiguousStrides, Shape, shapeSize, shapeStr } from "./shape.js";

/**
 * A backward rule. Given the upstream gradient (contiguous, the output's shape) and which inputs
 * need a gradient, returns one gradient per input (the input's shape, contiguous), or `null` for
 * inputs that need none. It may return the upstream array itself (e.g. for reshape); the engine
 * never mutates an array it did not allocate.
 */
export type BackwardFn = (grad: Float64Array, needs: readonly boolean[]) => (Float64Array | null)[];

/** The node recorded on an op's output: the op's name, its inputs and its backward rule. */
export interface GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn;
}

let gradEnabled = true;

/** Whether ops currently record the graph (false inside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` with graph recording off (PyTorch's `torch.no_grad()`): outputs of ops have no grad_fn
 * and `requiresGrad = false`. Restores the previous mode even if `fn` throws.
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Sets whether ops record the graph (PyTorch's `torch.set_grad_enabled(mode)`), for a `with`
 * statement whose body runs between this call and the one restoring the previous mode.
 * @returns the previous mode.
 */
export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}

/** Runs `fn` with graph recording on (PyTorch's `torch.enable_grad()`). */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** A nested array of numbers, as `Tensor.toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

export class Tensor {
  /** Row-major contiguous storage; `data.length === size`. */
  readonly data: Float64Array;
  /** Sizes per dimension; `[]` for a 0-d tensor. */
  readonly shape: readonly number[];
  /** Contiguous row-major strides, in elements. */
  readonly strides: readonly number[];
  /** Number of elements. */
  readonly size: number;
  /** Whether gradients flow to this tensor (leaves: set by the user; op outputs: inferred). */
  requiresGrad: boolean;
  /** The accumulated gradient (leaves, or tensors that called {@link retainGrad}), else null. */
  grad: Tensor | null = null;
  /** The op that produced this tensor (null for leaves and outside grad mode). */
  readonly gradFn: GradFn | null;
  private retains = false;

  /**
   * Wraps `data` (not copied) as a tensor of `shape`.
   * @throws {TensorError} if `data.length` is not the product of `shape`.
   */
  constructor(
    data: Float64Array,
    shape: Shape,
    requiresGrad = false,
    gradFn: GradFn | null = null,
  ) {
    checkShape(shape, "Tensor");
    const n = shapeSize(shape);
    if (data.length !== n) {
      throw new TensorError(
        `Tensor: data of length ${data.length} does not fit shape ${shapeStr(shape)} (${n} elements)`,
      );
    }
    this.data = data;
    this.shape = Object.freeze(shape.slice());
    this.strides = Object.freeze(contiguousStrides(shape));
    this.size = n;
    this.requiresGrad = requiresGrad;
    this.gradFn = gradFn;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** True for tensors not produced by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /**
   * The single value of a one-element tensor.
   * @throws {TensorError} "a Tensor with N elements cannot be converted to Scalar".
   */
  item(): number {
    if (this.size !== 1) {
      throw new TensorError(`a Tensor with ${this.size} elements cannot be converted to Scalar`);
    }
    return this.data[0];
  }

  /** The values as nested arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const build = (d: number, off: number): NestedArray => {
      if (d === this.shape.length) return this.data[off];
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[d]; i++) out.push(build(d + 1, off + i * this.strides[d]));
      return out;
    };
    return build(0, 0);
  }

  /** A new leaf sharing this tensor's storage, outside the graph (PyTorch's `detach()`). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A new leaf with a copy of the storage (PyTorch's `clone().detach()`). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /**
   * Sets `requiresGrad` on a leaf (PyTorch's `requires_grad_()`); returns `this`.
   * @throws {TensorError} on a non-leaf.
   */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf) {
      throw new TensorError(
        "you can only change requires_grad flags of leaf variables; use detach() for a non-leaf",
      );
    }
    this.requiresGrad = flag;
    return this;
  }

  /** Makes a non-leaf keep its `.grad` after `backward()` (PyTorch's `retain_grad()`). */
  retainGrad(): this {
    this.retains = true;
    return this;
  }

  /** Resets `.grad` to null. */
  zeroGrad(): void {
    this.grad = null;
  }

  /**
   * Back-propagates from this tensor, accumulating into `.grad` of every leaf that requires grad
   * (PyTorch's `Tensor.backward(gradient)`). The graph is kept, so `backward()` may run again.
   *
   * @param gradient upstream gradient, this tensor's shape; optional only for one-element tensors
   *   (then 1).
   * @throws {TensorError} if this tensor does not require grad, or `gradient` is missing for a
   *   tensor with more than one element, or has the wrong shape.
   */
  backward(gradient?: Tensor | Float64Array | readonly number[]): void {
    const seed = seedGradient(this, gradient);
    runBackward(this, seed, null);
  }

  /** Short description, e.g. `Tensor(shape=[2, 3], grad_fn=matmul)`. */
  toString(): string {
    const fn = this.gradFn
      ? `, grad_fn=${this.gradFn.name}`
      : this.requiresGrad
        ? ", requires_grad"
        : "";
    return `Tensor(shape=${shapeStr(this.shape)}${fn})`;
  }

  /** @internal */
  get retainsGrad(): boolean {
    return this.retains;
  }
}

function seedGradient(
  out: Tensor,
  gradient: Tensor | Float64Array | readonly number[] | undefined,
): Float64Array {
  if (!out.requiresGrad) {
    throw new TensorError("element 0 of tensors does not require grad and does not have a grad_fn");
  }
  if (gradient === undefined) {
    if (out.size !== 1)
      throw new TensorError("grad can be implicitly created only for scalar outputs");
    return new Float64Array([1]);
  }
  if (gradient instanceof Tensor) {
    if (
      gradient.size !== out.size ||
      gradient.ndim !== out.ndim ||
      gradient.shape.some((s, i) => s !== out.shape[i])
    ) {
      throw new TensorError(
        `Mismatch in shape: grad_output[0] has a shape of ${shapeStr(gradient.shape)} and output[0] has a shape of ${shapeStr(out.shape)}`,
      );
    }
    return gradient.data;
  }
  if (gradient.length !== out.size) {
    throw new TensorError(
      `Mismatch in shape: gradient has ${gradient.length} elements and output has shape ${shapeStr(out.shape)}`,
    );
  }
  return gradient instanceof Float64Array ? gradient : Float64Array.from(gradient);
}

/** Iterative post-order DFS: the tensors that require grad and reach `root`, inputs first. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const nodes: Tensor[] = [root];
  const next: number[] = [0];
  while (nodes.length > 0) {
    const top = nodes.length - 1;
    const node = nodes[top];
    const inputs = node.gradFn ? node.gradFn.inputs : [];
    const i = next[top];
    if (i < inputs.length) {
      next[top] = i + 1;
      const child = inputs[i];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        nodes.push(child);
        next.push(0);
      }
    } else {
      nodes.pop();
      next.pop();
      order.push(node);
    }
  }
  return order;
}

/**
 * The engine. Runs the backward rules from `root` with upstream `seed`. If `targets` is null,
 * accumulates into `.grad` of leaves (and retaining non-leaves); otherwise returns the gradient
 * of each target (zeros if unreachable) without touching any `.grad`.
 */
function runBackward(
  root: Tensor,
  seed: Float64Array,
  targets: readonly Tensor[] | null,
): Float64Array[] {
  const order = topoOrder(root);
  const grads = new Map<Tensor, Float64Array>();
  const owned = new Set<Float64Array>();
  grads.set(root, seed);
  const wanted = targets ? new Set(targets) : null;
  const captured = new Map<Tensor, Float64Array>();
  for (let n = order.length - 1; n >= 0; n--) {
    const node = order[n];
    const g = grads.get(node);
    if (g === undefined) continue;
    grads.delete(node);
    if (wanted) {
      if (wanted.has(node)) captured.set(node, g);
    } else if (node.gradFn === null || node.retainsGrad) {
      if (node.grad === null) node.grad = new Tensor(g.slice(), node.shape);
      else {
        const acc = node.grad.data;
        for (let i = 0; i < acc.length; i++) acc[i] += g[i];
      }
    }
    const fn = node.gradFn;
    if (fn === null) continue;
    const needs = fn.inputs.map((t) => t.requiresGrad);
    const results = fn.backward(g, needs);
    for (let i = 0; i < fn.inputs.length; i++) {
      const r = results[i];
      if (!needs[i] || r === null || r === undefined) continue;
      const input = fn.inputs[i];
      const prev = grads.get(input);
      if (prev === undefined) {
        grads.set(input, r);
      } else if (owned.has(prev)) {
        for (let j = 0; j < prev.length; j++) prev[j] += r[j];
      } else {
        const sum = new Float64Array(prev.length);
        for (let j = 0; j < prev.length; j++) sum[j] = prev[j] + r[j];
        owned.add(sum);
        grads.set(input, sum);
      }
    }
  }
  if (!targets) return [];
  return targets.map((t) => {
    const g = captured.get(t);
    return g ? g.slice() : new Float64Array(t.size);
  });
}

/**
 * Gradients of `output` with respect to `inputs` (PyTorch's `torch.autograd.grad`), without
 * touching any `.grad`. Inputs that `output` does not depend on get zeros.
 *
 * @param gradOutput upstream gradient (optional for one-element outputs).
 * @returns one Float64Array per input, in the input's (contiguous) layout.
 * @throws {TensorError} if `output` does not require grad.
 */
export function grad(
  output: Tensor,
  inputs: readonly Tensor[],
  gradOutput?: Tensor | Float64Array | readonly number[],
): Float64Array[] {
  const seed = seedGradient(output, gradOutput);
  return runBackward(output, seed, inputs);
}

/**
 * Builds an op's output: the forward result `data` of `shape`, recorded in the graph with its
 * inputs and backward rule when grad mode is on and some input requires grad. This is how every
 * op in dlq is written, and how a test can define its own op.
 */
export function createOp(
  name: string,
  data: Float64Array,
  shape: Shape,
  inputs: readonly Tensor[],
  backward: BackwardFn,
): Tensor {
  let needs = false;
  if (gradEnabled) for (const t of inputs) if (t.requiresGrad) needs = true;
  if (!needs) return new Tensor(data, shape);
  return new Tensor(data, shape, true, { name, inputs, backward });
}

/** A tensor operand: a Tensor or a plain number (a 0-d constant). */
export type TensorLike = Tensor | number;

/** Converts a number to a 0-d constant tensor; passes tensors through. */
export function asTensor(x: TensorLike): Tensor {
  return x instanceof Tensor ? x : new Tensor(new Float64Array([x]), []);
}
