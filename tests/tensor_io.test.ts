// Loading .npy files written by NumPy (tests/fixtures/npy, from scripts/fixtures/gen_tensor.py)
// and JSON arrays.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as T from "../src/tensor/index.js";
import { TensorError } from "../src/tensor/index.js";

const dir = fileURLToPath(new URL("./fixtures/npy/", import.meta.url));
/** A fixture through the pure reader (files are read by the command layer). */
const loadNpy = (path: string) => T.parseNpy(readFileSync(path), path);
const expected = JSON.parse(readFileSync(dir + "expected.json", "utf8")) as Record<
  string,
  { shape: number[]; data: number[] }
>;

describe(".npy reader", () => {
  for (const [name, e] of Object.entries(expected)) {
    it(`reads ${name}.npy`, () => {
      const t = loadNpy(dir + name + ".npy");
      expect(t.shape).toEqual(e.shape);
      expect(Array.from(t.data)).toEqual(e.data);
    });
  }
  it("refuses Fortran order with a clear message naming the file", () => {
    expect(() => loadNpy(dir + "bad_fortran.npy")).toThrow(
      /Fortran-order .npy arrays are not supported/,
    );
    try {
      loadNpy(dir + "bad_fortran.npy");
    } catch (err) {
      expect(err).toBeInstanceOf(TensorError);
      expect((err as TensorError).toLine()).toMatch(/bad_fortran\.npy: Fortran-order/);
    }
  });
  it.each([
    ["bad_int16", "<i2"],
    ["bad_bool", "|b1"],
    ["bad_complex", "<c16"],
  ])("refuses %s (dtype %s), listing the supported dtypes", (name, descr) => {
    expect(() => loadNpy(dir + name + ".npy")).toThrow(
      `unsupported .npy dtype '${descr}': dlq reads float64 (<f8), float32 (<f4), int64 (<i8) and int32 (<i4)`,
    );
  });
  it("refuses non-npy and truncated bytes", () => {
    expect(() => T.parseNpy(new TextEncoder().encode("hello world"))).toThrow(
      /missing the \\x93NUMPY magic/,
    );
    const good = readFileSync(dir + "f8_2x3.npy");
    expect(() => T.parseNpy(good.subarray(0, good.length - 8))).toThrow(/truncated .npy data/);
  });
  it("refuses int64 values that float64 cannot hold exactly", () => {
    const bytes = new Uint8Array(readFileSync(dir + "i8_2x2.npy"));
    const view = new DataView(bytes.buffer);
    view.setBigInt64(bytes.length - 8, 2n ** 60n, true);
    expect(() => T.parseNpy(bytes)).toThrow(/cannot be represented exactly in float64/);
  });
});

describe("JSON arrays", () => {
  it("parses nested arrays and scalars", () => {
    const t = T.parseJSONTensor("[[1, 2.5], [3, -4]]");
    expect(t.shape).toEqual([2, 2]);
    expect(Array.from(t.data)).toEqual([1, 2.5, 3, -4]);
    expect(T.parseJSONTensor("7").shape).toEqual([]);
    expect(T.tensorFromJSON([[[]]]).shape).toEqual([1, 1, 0]);
  });
  it("reports ragged or non-numeric data and invalid JSON", () => {
    expect(() => T.parseJSONTensor("[[1, 2], [3]]", "x.json")).toThrow(
      "expected sequence of length 2 at dim 1 (got 1)",
    );
    expect(() => T.parseJSONTensor('[1, "a"]')).toThrow(/expected a number at depth 1, got string/);
    expect(() => T.parseJSONTensor("[1, 2")).toThrow(/invalid JSON/);
  });
});
