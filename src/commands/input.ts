/** Reading a MODEL argument (a path or `-`) and the `--input` shape: the commands' only I/O. */
import { readFile } from "node:fs/promises";
import { InputError } from "../errors.js";
import type { Context } from "./context.js";

/** Reads a file or, for `-`, standard input. @throws InputError when the file cannot be read. */
export async function readSource(
  path: string,
  ctx: Context,
): Promise<{ text: string; file: string }> {
  if (path === "-") return { text: await ctx.readStdin(), file: "<stdin>" };
  try {
    return { text: await readFile(path, "utf8"), file: path };
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
 * @throws InputError unless every entry is a positive integer (0 allowed for empty batches? no: ≥ 1).
 */
export function parseShape(text: string, what = "--input"): number[] {
  const body = text.trim().replace(/^[[(]|[\])]$/g, "");
  const parts = body.split(/\s*[,x×]\s*/).filter((p) => p !== "");
  if (parts.length === 0) throw new InputError(`empty shape '${text}'`, what);
  return parts.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) < 1 || !Number.isSafeInteger(Number(p))) {
      throw new InputError(
        `'${text}' is not a shape: each dimension must be a positive integer (e.g. 1,3,224,224)`,
        what,
      );
    }
    return Number(p);
  });
}
