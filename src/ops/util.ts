/**
 * Shape helpers shared by the op families, with PyTorch 1.13's messages: dim wrapping
 * (`maybe_wrap_dim`), broadcasting (`infer_size`), and the small builders every meta rule uses.
 */
import { isFloat, type Value } from "../python/values.js";
import { resultType, type Operand, type ScalarKind } from "./dtype.js";
import { iterStrides } from "./layout.js";
import { OpError, type DType, type OpArgs, type OpOut, type TensorMeta } from "./types.js";

/** `[2, 3]`, as PyTorch prints a size in its messages. */
export function shapeStr(s: readonly number[]): string {
  return `[${s.join(", ")}]`;
}

/** Product of sizes (1 for a 0-d shape). */
export function numel(s: readonly number[]): number {
  let n = 1;
  for (const x of s) n *= x;
  return n;
}

/**
 * ATen's `maybe_wrap_dim`: a dim in [−rank, rank − 1] → [0, rank − 1]; a 0-d tensor takes dims 0
 * and −1 (unless `wrapScalar` is false: "Dimension specified as 0 but tensor has no dimensions").
 * @throws OpError (IndexError) "Dimension out of range (expected to be in range of [-2, 1], but got 5)".
 */
export function wrapDim(dim: number, rank: number, wrapScalar = true): number {
  if (rank === 0 && !wrapScalar)
    throw new OpError(`Dimension specified as ${dim} but tensor has no dimensions`, "IndexError");
  const r = Math.max(rank, 1);
  if (dim < -r || dim >= r)
    throw new OpError(
      `Dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`,
      "IndexError",
    );
  return dim < 0 ? dim + r : dim;
}

/**
 * ATen's `infer_size`: the broadcast shape of `a` and `b`.
 * @throws OpError "The size of tensor a (3) must match the size of tensor b (4) at non-singleton
 *   dimension 1".
 */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    const off = n - 1 - i;
    const da = a.length - 1 - off >= 0 ? a[a.length - 1 - off] : 1;
    const db = b.length - 1 - off >= 0 ? b[b.length - 1 - off] : 1;
    if (da !== db && da !== 1 && db !== 1)
      throw new OpError(
        `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
      );
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The broadcast shape of several shapes, pairwise left to right (as TensorIterator does). */
export function broadcastAll(shapes: readonly (readonly number[])[]): number[] {
  let out: number[] = [];
  for (const s of shapes) out = broadcastShapes(out, s);
  return out;
}

/** A meta tensor. */
export function meta(
  shape: readonly number[],
  dtype: DType,
  strides?: readonly number[],
): TensorMeta {
  return strides === undefined
    ? { shape: [...shape], dtype }
    : { shape: [...shape], dtype, strides };
}

/** Whether an op result is a tensor (not a tuple or a Python value). */
export function isTensorOut<T>(o: OpOut<T>): o is T {
  return !(typeof o === "object" && o !== null && ("tuple" in o || "py" in o));
}

/** The Python number kind of a value, or undefined for a non-number. */
export function scalarKind(v: Value): ScalarKind | undefined {
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (isFloat(v)) return "float";
  return undefined;
}

/** The operand of `resultType` an argument is: its meta tensor, or its Python number's kind. */
export function operand(a: OpArgs<TensorMeta>, name: string): Operand {
  const v = a.tensorOrNumber(name);
  if (typeof v === "number") return scalarKind(a.raw(name)) ?? "float";
  return v;
}

/**
 * The meta of an elementwise op's result over its tensor and number arguments: the broadcast
 * shape, PyTorch's result type (or `dtype`), and the TensorIterator layout.
 */
export function elementwiseMeta(
  ops: readonly Operand[],
  dtype?: (promoted: DType) => DType,
): TensorMeta {
  const tensors = ops.filter((o): o is TensorMeta => typeof o !== "string");
  const shape = broadcastAll(tensors.map((t) => t.shape));
  const promoted = resultType(ops);
  return meta(shape, dtype ? dtype(promoted) : promoted, iterStrides(shape, tensors));
}

/** Python's repr of a number as PyTorch's messages show it (`2.0`, `0.5`, `3`). */
export function pyNum(x: number, float: boolean): string {
  if (!float) return String(x);
  if (Number.isInteger(x)) return Math.abs(x) >= 1e16 ? x.toExponential() : `${x}.0`;
  return String(x);
}

/** `(1, 2)` / `(3,)`: a Python tuple of ints as printed. */
export function tupleStr(xs: readonly number[]): string {
  return `(${xs.join(", ")}${xs.length === 1 ? "," : ""})`;
}
