/**
 * dtypes as PyTorch 1.13 handles them: categories, the promotion table (c10's `promoteTypes`),
 * the result type of an op over tensors and Python scalars (ATen's `result_type`: dimensioned
 * tensors outrank zero-dim tensors, which outrank Python numbers, unless a lower group is of a
 * higher category), and the names PyTorch's messages use (`Float`, `Long`).
 */
import type { DType, TensorMeta } from "./types.js";

/** torch's default floating dtype (`torch.get_default_dtype()`), what `torch.zeros(2)` makes. */
export const DEFAULT_FLOAT: DType = "float32";

const FLOATS: ReadonlySet<DType> = new Set(["float64", "float32", "float16", "bfloat16"]);

export function isFloating(d: DType): boolean {
  return FLOATS.has(d);
}

/** An integer dtype, bool excluded. */
export function isIntegral(d: DType): boolean {
  return !FLOATS.has(d) && d !== "bool";
}

/** The category order of result_type: bool < integer < floating. */
function category(d: DType): number {
  return d === "bool" ? 0 : isFloating(d) ? 2 : 1;
}

const INT_BITS: Partial<Record<DType, number>> = { int8: 8, int16: 16, int32: 32, int64: 64 };
const FLOAT_BITS: Partial<Record<DType, number>> = {
  float16: 16,
  bfloat16: 16,
  float32: 32,
  float64: 64,
};

/** c10's `promoteTypes(a, b)` over dlq's dtypes. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === "bool") return b;
  if (b === "bool") return a;
  const ca = category(a);
  const cb = category(b);
  if (ca !== cb) return ca > cb ? a : b;
  if (ca === 2) {
    if ((a === "float16" && b === "bfloat16") || (a === "bfloat16" && b === "float16"))
      return "float32";
    return FLOAT_BITS[a]! >= FLOAT_BITS[b]! ? a : b;
  }
  // integers: uint8 with a signed type needs the next signed width above 8 bits
  if (a === "uint8") return b === "int8" ? "int16" : b;
  if (b === "uint8") return a === "int8" ? "int16" : a;
  return INT_BITS[a]! >= INT_BITS[b]! ? a : b;
}

/** The kind of a Python number operand. */
export type ScalarKind = "bool" | "int" | "float";

/** One operand of {@link resultType}: a tensor or a Python number. */
export type Operand = TensorMeta | ScalarKind;

/**
 * ATen's `result_type` (c10/core/ScalarType.h + aten/src/ATen/native/TypeProperties.cpp): the
 * promoted dtype of the dimensioned tensors, of the zero-dim tensors and of the Python numbers
 * (a float counting as the default dtype, an int as int64), where a lower-priority group only
 * matters if it is of a higher category (`int_tensor * 2.5` is float32, `float16_tensor * 2.5`
 * stays float16, `int32_tensor + 5` stays int32).
 */
export function resultType(operands: readonly Operand[]): DType {
  let dim: DType | undefined;
  let zero: DType | undefined;
  let wrapped: DType | undefined;
  const up = (cur: DType | undefined, d: DType): DType => (cur ? promoteTypes(cur, d) : d);
  for (const o of operands) {
    if (typeof o === "string") {
      wrapped = up(wrapped, o === "bool" ? "bool" : o === "int" ? "int64" : DEFAULT_FLOAT);
    } else if (o.shape.length === 0) zero = up(zero, o.dtype);
    else dim = up(dim, o.dtype);
  }
  return combine(dim, combine(zero, wrapped)) ?? DEFAULT_FLOAT;
}

function combine(higher: DType | undefined, lower: DType | undefined): DType | undefined {
  if (higher === undefined) return lower;
  if (lower === undefined) return higher;
  if (isFloating(higher)) return higher;
  if (higher === "bool" || isFloating(lower)) return promoteTypes(higher, lower);
  return higher;
}

const SCALAR_TYPE: Record<DType, string> = {
  float32: "Float",
  float64: "Double",
  float16: "Half",
  bfloat16: "BFloat16",
  int64: "Long",
  int32: "Int",
  int16: "Short",
  int8: "Char",
  uint8: "Byte",
  bool: "Bool",
};

/** The ScalarType name PyTorch's C++ messages print (`Float`, `Long`). */
export function scalarTypeName(d: DType): string {
  return SCALAR_TYPE[d];
}

/** The legacy tensor type name (`torch.FloatTensor`), as some of PyTorch's checks print it. */
export function tensorTypeName(d: DType): string {
  return `torch.${SCALAR_TYPE[d]}Tensor`;
}

/** Whether a value of dtype `from` may be written into a tensor of dtype `to` (`canCast`). */
export function canCast(from: DType, to: DType): boolean {
  return category(from) <= category(to);
}

/** Every alias torch has for a dtype (`torch.float` is float32, `torch.long` is int64). */
export const DTYPE_ALIASES: Readonly<Record<string, DType>> = {
  float32: "float32",
  float: "float32",
  float64: "float64",
  double: "float64",
  float16: "float16",
  half: "float16",
  bfloat16: "bfloat16",
  int64: "int64",
  long: "int64",
  int32: "int32",
  int: "int32",
  int16: "int16",
  short: "int16",
  int8: "int8",
  uint8: "uint8",
  bool: "bool",
};
