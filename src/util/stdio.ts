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

/**
 * A writer for fd 1 or 2. A closed pipe (EPIPE: `dlq … | head`) is not an error: later output
 * is dropped. Any other failure of the direct write (EAGAIN on a non-blocking descriptor) hands
 * the rest, and everything after it, to `process.stdout`/`stderr`, which Node flushes before the
 * process exits.
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
      stream.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EPIPE") closed = true;
        else throw e;
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
      if ((e as NodeJS.ErrnoException).code === "EPIPE") closed = true;
      else viaStream(buf.subarray(off));
    }
  };
}
