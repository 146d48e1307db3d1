/** Reading a MODEL argument (a path or `-`) and the `--input` shape: the commands' only I/O. */
import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";
import type { Context } from "./context.js";

/**
 * Reads a file or, for `-`, standard input. @throws InputError when the file cannot be read.
 * A file is read synchronously: `node:fs/promises` and a trip through the thread pool would cost
 * a few milliseconds of every start (bench/run.js, cold start).
 */
export async function readSource(
  path: string,
  ctx: Context,
): Promise<{ text: string; file: string }> {
  if (path === "-") return { text: await ctx.readStdin(), file: "<stdin>" };
  try {
    return { text: readFileSync(path, "utf8"), file: path };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (e as Error).message;
    throw new InputError(`cannot read model: ${why}`, path);
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
