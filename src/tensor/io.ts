/**
 * Loading values into tensors: nested JSON arrays, and NumPy `.npy` files.
 *
 * The `.npy` reader is dlq's own (the format is small; https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * magic `\x93NUMPY`, version 1.0 (2-byte header length), 2.0 or 3.0 (4-byte), then an ASCII
 * (3.0: UTF-8) Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`
 * and the raw data. Supported dtypes: float64, float32, int64, int32, either byte order, C order
 * only. Everything is converted to float64 (int64 values beyond ±2⁵³ are refused).
 *
 * Pure: the bytes come from the command layer (src/commands/input.ts reads every file, capped).
 * Messages never quote the input beyond a short escaped token.
 */
import { TensorError } from "./errors.js";
import { tensor } from "./creation.js";
import { shapeSize } from "./shape.js";
import { Tensor } from "./tensor.js";
import { quoteToken } from "../util/quote.js";

/**
 * A tensor from parsed JSON: a number or nested arrays of numbers.
 * @throws {TensorError} on ragged or non-numeric input.
 */
export function tensorFromJSON(value: unknown): Tensor {
  return tensor(value);
}

/**
 * A tensor from JSON text.
 * @throws {TensorError} on invalid JSON (at which character: JSON.parse's own message quotes the
 *   text) or non-numeric content.
 */
export function parseJSONTensor(text: string, where?: string): Tensor {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message)?.[1];
    throw new TensorError(
      `invalid JSON${pos !== undefined ? ` at character ${Number(pos) + 1}` : ""}: expected nested lists of numbers, e.g. [[1, 2], [3, 4]]`,
      where,
    );
  }
  try {
    return tensor(v);
  } catch (e) {
    throw new TensorError((e as Error).message, where);
  }
}

const DTYPES: Record<string, { bytes: number; name: string }> = {
  f8: { bytes: 8, name: "float64" },
  f4: { bytes: 4, name: "float32" },
  i8: { bytes: 8, name: "int64" },
  i4: { bytes: 4, name: "int32" },
};

/** Parses the header dict of a .npy file. */
function parseHeader(h: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(h);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(h);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(h);
  if (!descr || !fortran || !shape) {
    throw new TensorError(
      `not a valid .npy header (expected descr, fortran_order and shape): ${quoteToken(h.trim())}`,
    );
  }
  const dims = shape[1]
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      const v = Number(s.replace(/L$/, ""));
      if (!Number.isInteger(v) || v < 0)
        throw new TensorError(`invalid .npy shape ${quoteToken(`(${shape[1]})`)}`);
      return v;
    });
  return { descr: descr[1], fortran: fortran[1] === "True", shape: dims };
}

/**
 * Parses the bytes of a `.npy` file into a float64 tensor.
 * @throws {TensorError} on a bad magic string or header, Fortran order ("Fortran-order arrays are
 *   not supported: save with np.ascontiguousarray"), an unsupported dtype (names it and lists the
 *   supported ones), truncated data, or an int64 value beyond ±2⁵³.
 */
export function parseNpy(bytes: Uint8Array, where?: string): Tensor {
  const fail = (msg: string): never => {
    throw new TensorError(msg, where);
  };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b))
    fail("not a .npy file (missing the \\x93NUMPY magic string)");
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail("truncated .npy header");
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    return fail(`unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) fail("truncated .npy header");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(start, start + headerLen),
  );
  let parsed: { descr: string; fortran: boolean; shape: number[] };
  try {
    parsed = parseHeader(header);
  } catch (e) {
    return fail((e as Error).message);
  }
  const { descr, fortran, shape } = parsed;
  const order = descr[0];
  const code = descr.slice(1);
  const dt = DTYPES[code];
  if (!dt || (order !== "<" && order !== ">" && order !== "=")) {
    fail(
      `unsupported .npy dtype ${quoteToken(descr)}: dlq reads float64 (<f8), float32 (<f4), int64 (<i8) and int32 (<i4)`,
    );
  }
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    fail(
      "Fortran-order .npy arrays are not supported: save a C-order array (np.ascontiguousarray)",
    );
  }
  const little = order !== ">";
  const n = shapeSize(shape);
  const dataStart = start + headerLen;
  if (bytes.length - dataStart < n * dt.bytes) {
    fail(
      `truncated .npy data: shape (${shape.join(", ")}) of ${dt.name} needs ${n * dt.bytes} bytes, found ${bytes.length - dataStart}`,
    );
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const off = dataStart + i * dt.bytes;
    switch (code) {
      case "f8":
        out[i] = view.getFloat64(off, little);
        break;
      case "f4":
        out[i] = view.getFloat32(off, little);
        break;
      case "i4":
        out[i] = view.getInt32(off, little);
        break;
      default: {
        const v = view.getBigInt64(off, little);
        if (v > 9007199254740992n || v < -9007199254740992n) {
          fail(`int64 value ${v} at flat index ${i} cannot be represented exactly in float64`);
        }
        out[i] = Number(v);
      }
    }
  }
  return new Tensor(out, shape);
}
