/**
 * The CLI's standard output and error, written without Node's stream machinery where it can be.
 *
 * Touching `process.stdout` builds a stream (and loads `net`, `tty` and the streams library),
 * which costs about 4 ms of every start; `tty.isatty` alone costs about 2.5 ms. dlq writes its
 * whole result at once, so a synchronous `fs.writeSync` does the same job. Where it cannot (a
 * non-blocking descriptor answering EAGAIN), the rest goes through `process.stdout`/`stderr` as
 * usual. Measured in bench/run.js (cold start).
 */
import { fstatSync, statSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { InputError } from "../errors.js";

/**
 * Whether file descriptor `fd` is a terminal. Pipes, regular files, sockets and /dev/null are
 * told apart by `fstat` alone; only another character device asks `tty.isatty`.
 */
export function isTerminal(fd: number): boolean {
  let st;
  try {
    st = fstatSync(fd);
  } catch {
    return false;
  }
  if (!st.isCharacterDevice()) return false;
  try {
    const devNull = statSync("/dev/null");
    if (st.rdev === devNull.rdev && st.ino === devNull.ino) return false;
  } catch {
    // No /dev/null (not POSIX): ask tty.
  }
  const tty = createRequire(import.meta.url)("node:tty") as typeof import("node:tty");
  return tty.isatty(fd);
}

/** What {@link fdWriter} writes with; replaceable in tests. */
export interface WriterIO {
  /** `fs.writeSync`: bytes written, or throws (EAGAIN, EPIPE, …). */
  writeSync(fd: number, buf: Buffer, offset: number, length: number): number;
  /** The stream to hand the rest to when a direct write fails. */
  stream(): NodeJS.WritableStream;
}

/** Names the stream and the reason, e.g. `cannot write to standard output: no space left on device (ENOSPC)`. */
function writeFailure(fd: number, e: NodeJS.ErrnoException): string {
  const what = fd === 1 ? "standard output" : fd === 2 ? "standard error" : `descriptor ${fd}`;
  const why = e.code
    ? `${e.message.replace(/^[A-Z]+: /, "").replace(/, write$/, "")} (${e.code})`
    : e.message;
  return `cannot write to ${what}: ${why}`;
}

/**
 * A writer for a descriptor (1 or 2).
 * - A closed pipe (EPIPE: `dlq … | head`) is not an error: later output is dropped.
 * - A descriptor that would block (EAGAIN: a non-blocking pipe or terminal) gets the rest, and
 *   everything after it, through `process.stdout`/`stderr`, which Node flushes before exiting.
 * - Any other failure (`> /dev/full`, a descriptor not open for writing) of standard output
 *   throws an {@link InputError} (`dlq: cannot write to standard output: …`, exit 2); one of
 *   standard error, where there is nowhere left to say so, drops later output.
 * @throws InputError as above.
 */
export function fdWriter(
  fd: number,
  io: WriterIO = {
    writeSync,
    stream: () => (fd === 1 ? process.stdout : process.stderr),
  },
): (text: string) => void {
  let closed = false;
  let stream: NodeJS.WritableStream | undefined;
  const viaStream = (buf: Buffer): void => {
    if (!stream) {
      stream = io.stream();
      // Errors arrive after the command has returned: say so on stderr and exit 2.
      stream.on("error", (e: NodeJS.ErrnoException) => {
        if (closed) return;
        closed = true;
        if (e.code === "EPIPE" || fd !== 1) return;
        try {
          writeSync(2, `dlq: ${writeFailure(fd, e)}\n`);
        } catch {
          // stderr is gone too.
        }
        process.exitCode = 2;
      });
    }
    if (!closed) stream.write(buf);
  };
  return (text) => {
    if (closed || text === "") return;
    const buf = Buffer.from(text, "utf8");
    if (stream) return viaStream(buf);
    let off = 0;
    try {
      while (off < buf.length) off += io.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === "EAGAIN") return viaStream(buf.subarray(off));
      closed = true;
      if (err.code !== "EPIPE" && fd === 1) throw new InputError(writeFailure(fd, err));
    }
  };
}
