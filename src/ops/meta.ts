/**
 * Ops whose result is a Python value, not a tensor: `x.size()` (a `torch.Size`), `x.size(0)`,
 * `x.dim()`, `x.numel()`, `x.stride()`, `x.is_contiguous()`, `x.is_floating_point()`,
 * `x.element_size()`, and the attributes a host may route here (`Tensor.shape`, `Tensor.ndim`,
 * `Tensor.dtype`). `x.item()` and `x.tolist()` depend on the data: their meta rule checks what it
 * can and answers {@link DataDependent}; their kernels give the value.
 */
import { PyList, PyTuple, pyFloat, type Value } from "../python/values.js";
import { isFloating } from "./dtype.js";
import { method, op, torch } from "./define.js";
import { isContiguous, stridesOf } from "./layout.js";
import { DataDependent, DTypeValue, OpError, type OpDef, type TensorMeta } from "./types.js";
import { numel, wrapDim } from "./util.js";

export const META_OPS: OpDef[] = [];
const add = (d: OpDef): void => void META_OPS.push(d);

/** `torch.Size([2, 3])` as the interpreter holds it. */
export function torchSize(shape: readonly number[]): PyTuple {
  return new PyTuple([...shape], undefined, "torch.Size");
}

const ELEMENT_SIZE: Record<TensorMeta["dtype"], number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

add(
  op({
    name: "size",
    names: [method("size")],
    params: ["input", "dim=None"],
    kind: "meta",
    meta: (a) => {
      const x = a.tensor("input");
      if (!a.has("dim")) return { py: torchSize(x.shape) };
      return { py: x.shape[wrapDim(a.int("dim"), x.shape.length, false)] };
    },
  }),
);
add(
  op({
    name: "shape",
    names: [method("shape")],
    params: ["input"],
    kind: "meta",
    meta: (a) => ({ py: torchSize(a.tensor("input").shape) }),
  }),
);
add(
  op({
    name: "dim",
    names: [method("dim"), method("ndimension"), method("ndim")],
    params: ["input"],
    kind: "meta",
    meta: (a) => ({ py: a.tensor("input").shape.length }),
  }),
);
add(
  op({
    name: "numel",
    names: [method("numel"), method("nelement"), torch("numel")],
    params: ["input"],
    kind: "meta",
    meta: (a) => ({ py: numel(a.tensor("input").shape) }),
  }),
);
add(
  op({
    name: "dtype",
    names: [method("dtype")],
    params: ["input"],
    kind: "meta",
    meta: (a) => ({ py: new DTypeValue(a.tensor("input").dtype) }),
  }),
);
add(
  op({
    name: "stride",
    names: [method("stride")],
    params: ["input", "dim=None"],
    kind: "meta",
    meta: (a) => {
      const x = a.tensor("input");
      const st = stridesOf(x);
      if (!a.has("dim")) return { py: new PyTuple([...st]) };
      return { py: st[wrapDim(a.int("dim"), x.shape.length, false)] };
    },
  }),
);
add(
  op({
    name: "is_contiguous",
    names: [method("is_contiguous")],
    params: ["input", "memory_format=None"],
    kind: "meta",
    meta: (a) => {
      const x = a.tensor("input");
      return { py: isContiguous(x.shape, stridesOf(x)) };
    },
  }),
);
add(
  op({
    name: "is_floating_point",
    names: [method("is_floating_point"), torch("is_floating_point")],
    params: ["input"],
    kind: "meta",
    meta: (a) => ({ py: isFloating(a.tensor("input").dtype) }),
  }),
);
add(
  op({
    name: "element_size",
    names: [method("element_size")],
    params: ["input"],
    kind: "meta",
    meta: (a) => ({ py: ELEMENT_SIZE[a.tensor("input").dtype] }),
  }),
);
add(
  op({
    name: "__len__",
    names: [method("__len__")],
    params: ["input", "/"],
    python: true,
    kind: "meta",
    meta: (a) => {
      const x = a.tensor("input");
      if (x.shape.length === 0) throw new OpError("len() of a 0-d tensor", "TypeError");
      return { py: x.shape[0] };
    },
  }),
);

/** A Python number of a dtype (`x.item()`): float (whole ones as PyFloat), int or bool. */
function pyScalar(v: number, dtype: TensorMeta["dtype"]): Value {
  if (dtype === "bool") return v !== 0;
  if (isFloating(dtype)) return pyFloat(v);
  return v;
}

add(
  op({
    name: "item",
    names: [method("item")],
    params: ["input"],
    kind: "meta",
    meta: (a) => {
      const x = a.tensor("input");
      if (numel(x.shape) !== 1)
        throw new OpError(
          "only one element tensors can be converted to Python scalars",
          "ValueError",
        );
      throw new DataDependent(
        "x.item() is the tensor's value, which a meta tensor (shape and dtype only) does not have",
      );
    },
    kernel: (a, _T, ctx) => {
      const x = a.tensor("input");
      return { py: pyScalar(x.data[0], ctx.dtypeOf(x)) };
    },
  }),
);
add(
  op({
    name: "tolist",
    names: [method("tolist")],
    params: ["input"],
    kind: "meta",
    meta: () => {
      throw new DataDependent(
        "x.tolist() is the tensor's values, which a meta tensor (shape and dtype only) does not have",
      );
    },
    kernel: (a, _T, ctx) => {
      const x = a.tensor("input");
      const dt = ctx.dtypeOf(x);
      const build = (d: number, off: number): Value => {
        if (d === x.ndim) return pyScalar(x.data[off], dt);
        const out: Value[] = [];
        for (let i = 0; i < x.shape[d]; i++) out.push(build(d + 1, off + i * x.strides[d]));
        return new PyList(out);
      };
      return { py: build(0, 0) };
    },
  }),
);
