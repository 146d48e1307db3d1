/** Reading a MODEL argument (a path or `-`) and the `--input` shape: the commands' only I/O. */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { InputError } from "../errors.js";
import type { Context } from "./context.js";

/** The largest input dlq reads (a model, an answers file, a graph, a snippet): 64 MiB. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** The refusal of an input over {@link MAX_INPUT_BYTES}. */
export const tooLarge = (): string =>
  `larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB, the most dlq reads`;

/**
 * Reads a file or, for `-`, standard input. @throws InputError when the file cannot be read or is
 * larger than {@link MAX_INPUT_BYTES} (a FIFO or a device such as /dev/zero may never end).
 * A file is read synchronously: `node:fs/promises` and a trip through the thread pool would cost
 * a few milliseconds of every start (bench/run.js, cold start).
 */
export async function readSource(
  path: string,
  ctx: Context,
): Promise<{ text: string; file: string }> {
  if (path === "-") return { text: await ctx.readStdin(), file: "<stdin>" };
  try {
    return { text: readCapped(path), file: path };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      e instanceof TooLarge
        ? tooLarge()
        : code === "ENOENT"
          ? "no such file"
          : code === "EISDIR"
            ? "is a directory"
            : code === "EACCES"
              ? "permission denied"
              : (e as Error).message;
    throw new InputError(`cannot read model: ${why}`, path);
  }
}

class TooLarge extends Error {}

/** A file's text, up to {@link MAX_INPUT_BYTES}: a regular file by its size, anything else by reading. */
function readCapped(path: string): string {
  const fd = openSync(path, "r");
  try {
    const st = fstatSync(fd);
    if (st.isFile()) {
      if (st.size > MAX_INPUT_BYTES) throw new TooLarge();
      return readFileSync(fd, "utf8");
    }
    if (st.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.allocUnsafe(1 << 16);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        // A non-blocking descriptor with nothing to read yet: wait a moment.
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (n === 0) break;
      total += n;
      if (total > MAX_INPUT_BYTES) throw new TooLarge();
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses a shape written `1,3,224,224`, `1x3x224x224`, `(1, 3, 224, 224)` or `[1, 3, 224, 224]`.
 * Sizes are non-negative integers (PyTorch accepts empty tensors, e.g. a batch of 0).
 * @throws InputError naming the option and the text otherwise.
 */
export function parseShape(text: string, what = "--input"): number[] {
  const body = text
    .trim()
    .replace(/^[[(]\s*|\s*[\])]$/g, "")
    .replace(/,\s*$/, "");
  const parts = body.split(/\s*[,x\u00d7]\s*/);
  if (body === "") throw new InputError(`empty shape '${text}'`, what);
  return parts.map((p) => {
    if (!/^\d+$/.test(p) || !Number.isSafeInteger(Number(p))) {
      throw new InputError(
        `'${text}' is not a shape: each size must be a non-negative integer (e.g. 1,3,224,224)`,
        what,
      );
    }
    return Number(p);
  });
}
