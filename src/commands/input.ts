/**
 * The commands' only I/O with files: reading a MODEL, graph, snippet or data file (a path, or `-`
 * for standard input), writing an output file (`--svg`), and the `--input` shape.
 *
 * Every file read goes through one capped reader ({@link MAX_INPUT_BYTES}). Inside `dlq check`,
 * the context carries a {@link FilePolicy}: relative paths are read under its root, and anything
 * else is refused before it is opened — an absolute path, `../` out of the root, a symbolic link
 * leading out of it, a device, FIFO, socket or directory (which could block the grader forever or
 * show it what it should not) — and no file is written.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  statSync,
} from "node:fs";
import { writeFile } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { InputError } from "../errors.js";
import { escapeControls, quoteToken } from "../util/quote.js";
import type { Context } from "./context.js";

/** The largest input dlq reads (a model, an answers file, a graph, a snippet): 64 MiB. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** The refusal of an input over {@link MAX_INPUT_BYTES}. */
export const tooLarge = (): string =>
  `larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB, the most dlq reads`;

/**
 * Where the files of a `dlq check` entry may be: under `root` (an absolute path), regular files
 * only; relative paths are read from `root`. Plain data, so that it crosses to a worker thread.
 */
export interface FilePolicy {
  root: string;
}

/** A path as shown in a message: escaped, at most 80 characters. */
const shown = (path: string): string => quoteToken(path, 80).slice(1, -1);

/** Why a path is refused by a policy, as an InputError naming the path. */
function refuse(what: string, path: string, why: string): never {
  throw new InputError(`cannot read ${what}: ${why}`, shown(path));
}

/** The real root of each policy (symbolic links resolved), computed once. */
const realRoots = new Map<string, string>();

const inside = (root: string, p: string): boolean => {
  const r = relative(root, p);
  return r === "" || (!r.startsWith(".." + sep) && r !== ".." && !isAbsolute(r));
};

/**
 * The real path a policy lets `path` be read from: relative, under the root (after resolving
 * symbolic links), a regular file. Nothing outside the root is opened or even looked at.
 * @throws InputError naming the path and the reason otherwise.
 */
export function confine(path: string, policy: FilePolicy, what = "file"): string {
  if (path.includes("\0")) refuse(what, path, "a path cannot contain NUL");
  if (isAbsolute(path)) {
    refuse(what, path, "an absolute path; in an answers file, paths are relative to the root");
  }
  const full = resolve(policy.root, path);
  if (!inside(policy.root, full)) refuse(what, path, "outside the root (../ leaves it)");
  let realRoot = realRoots.get(policy.root);
  if (realRoot === undefined) {
    realRoot = realpathSync(policy.root);
    realRoots.set(policy.root, realRoot);
  }
  let real: string;
  try {
    real = realpathSync(full);
  } catch (e) {
    return refuse(what, path, errnoText(e));
  }
  if (!inside(realRoot, real)) refuse(what, path, "a symbolic link that leads outside the root");
  const st = statSync(real);
  if (st.isDirectory()) refuse(what, path, "is a directory");
  if (!st.isFile()) {
    refuse(what, path, "not a regular file (a device, FIFO or socket is never read in a check)");
  }
  return real;
}

function errnoText(e: unknown): string {
  if (e instanceof TooLarge) return tooLarge();
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR"
    ? "no such file"
    : code === "EISDIR"
      ? "is a directory"
      : code === "EACCES"
        ? "permission denied"
        : code === "ELOOP"
          ? "too many symbolic links"
          : escapeControls((e as Error).message);
}

/**
 * The bytes of a file (never `-`), through the context's policy when it has one.
 * @param what names the input in messages (`model`, `graph`, `--var file`).
 * @throws InputError when the file is refused, cannot be read or is larger than
 *   {@link MAX_INPUT_BYTES} (a FIFO or a device such as /dev/zero may never end).
 */
export function readInputBytes(path: string, ctx: Pick<Context, "files">, what = "file"): Buffer {
  const policy = ctx.files;
  const target = policy ? confine(path, policy, what) : path;
  try {
    return readCapped(target, policy !== undefined);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${what}: ${errnoText(e)}`, shown(path));
  }
}

/**
 * Reads a file or, for `-`, standard input, as text. @throws InputError as
 * {@link readInputBytes}. A file is read synchronously: `node:fs/promises` and a trip through the
 * thread pool would cost a few milliseconds of every start (bench/run.js, cold start).
 */
export async function readSource(
  path: string,
  ctx: Context,
  what = "model",
): Promise<{ text: string; file: string }> {
  if (path === "-") return { text: await ctx.readStdin(), file: "<stdin>" };
  return { text: readInputBytes(path, ctx, what).toString("utf8"), file: path };
}

/**
 * Whether an argument that may be a file or text (gradcheck's EXPR) names a file to read. Under
 * a policy, a path outside the root is refused rather than taken for text.
 * @throws InputError as {@link confine} for a refused path.
 */
export function namesFile(arg: string, ctx: Pick<Context, "files">, what = "file"): boolean {
  const policy = ctx.files;
  if (!policy) {
    try {
      return statSync(arg).isFile();
    } catch {
      return false;
    }
  }
  if (arg.includes("\0") || arg.includes("\n")) return false;
  if (isAbsolute(arg) || !inside(policy.root, resolve(policy.root, arg))) {
    confine(arg, policy, what); // throws
  }
  try {
    statSync(resolve(policy.root, arg));
  } catch {
    return false;
  }
  confine(arg, policy, what);
  return true;
}

/**
 * Writes an output file (`--svg`). Refused under a policy: entries of an answers file never write.
 * @throws InputError when refused or when the file cannot be written.
 */
export async function writeOutput(
  path: string,
  text: string,
  ctx: Pick<Context, "files">,
  what = "file",
): Promise<void> {
  if (ctx.files) {
    throw new InputError(
      `cannot write ${what}: entries of an answers file never write files`,
      shown(path),
    );
  }
  try {
    await writeFile(path, text, "utf8");
  } catch (e) {
    throw new InputError(`cannot write ${what}: ${escapeControls((e as Error).message)}`, path);
  }
}

class TooLarge extends Error {}

/**
 * A file's bytes, up to {@link MAX_INPUT_BYTES}: a regular file by its size, anything else by
 * reading (unless `regularOnly`: then opened without blocking and without following a final
 * symbolic link, and refused unless it is a regular file).
 */
function readCapped(path: string, regularOnly: boolean): Buffer {
  const flags = regularOnly
    ? constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW
    : constants.O_RDONLY;
  const fd = openSync(path, flags);
  try {
    const st = fstatSync(fd);
    if (st.isFile()) {
      if (st.size > MAX_INPUT_BYTES) throw new TooLarge();
      const bytes = readFileSync(fd);
      if (bytes.length > MAX_INPUT_BYTES) throw new TooLarge();
      return bytes;
    }
    if (st.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    if (regularOnly) throw new Error("not a regular file");
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
    return Buffer.concat(chunks);
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
  if (body === "") throw new InputError(`empty shape ${quoteToken(text)}`, what);
  return parts.map((p) => {
    if (!/^\d+$/.test(p) || !Number.isSafeInteger(Number(p))) {
      throw new InputError(
        `${quoteToken(text)} is not a shape: each size must be a non-negative integer (e.g. 1,3,224,224)`,
        what,
      );
    }
    return Number(p);
  });
}
