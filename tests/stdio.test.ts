/**
 * dlq's standard output without Node's stream machinery (src/util/stdio.ts): what it writes, how
 * it tells a terminal, and, through the real bin, a pipe whose reader is slow or gone.
 */
import { spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { fdWriter, isTerminal } from "../src/util/stdio.js";
import { ROOT, dlqInProcess } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dlq-stdio-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("isTerminal", () => {
  it("a regular file and /dev/null are not terminals", () => {
    for (const path of [join(dir, "f.txt"), "/dev/null"]) {
      const fd = openSync(path, "w");
      try {
        expect(isTerminal(fd)).toBe(false);
      } finally {
        closeSync(fd);
      }
    }
  });
  it("a closed descriptor is not a terminal", () => {
    const fd = openSync(join(dir, "g.txt"), "w");
    closeSync(fd);
    expect(isTerminal(fd)).toBe(false);
  });
});

// util-linux's `script` runs a command on a pseudo-terminal.
const hasScript = spawnSync("script", ["--version"]).status === 0;

describe("on a terminal", () => {
  it.skipIf(!hasScript)("standard output on a pseudo-terminal is a terminal: colour", () => {
    const run = (env: string) =>
      spawnSync(
        "script",
        ["-qec", `${env} "${process.execPath}" "${ROOT}bin/dlq.js" dropout 0.1 0.2`, "/dev/null"],
        { encoding: "utf8", env: { ...process.env, NO_COLOR: "", FORCE_COLOR: "" } },
      ).stdout;
    expect(run("")).toContain("\x1b[1mLayer\x1b[22m");
    expect(run("NO_COLOR=1")).not.toContain("\x1b[");
    expect(run("FORCE_COLOR=0")).not.toContain("\x1b["); // as chalk reads it: colour off
  });
});

describe("fdWriter", () => {
  it("writes UTF-8 text whole, however long, in order", () => {
    const path = join(dir, "out.txt");
    const fd = openSync(path, "w");
    const long = "│ Conv2d │ [1, 4, 1024, 1024] │ σ ×\n".repeat(40_000);
    try {
      const write = fdWriter(fd as 1);
      write("first line\n");
      write("");
      write(long);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, "utf8")).toBe("first line\n" + long);
  });
});

/** A fake descriptor that takes `accept` bytes, then fails with `code`; and a fake stream. */
function fake(accept: number, code: string) {
  const direct: Buffer[] = [];
  const streamed: Buffer[] = [];
  let taken = 0;
  const stream = new EventEmitter() as EventEmitter & { write(b: Buffer): boolean };
  stream.write = (b: Buffer) => (streamed.push(Buffer.from(b)), true);
  const io = {
    writeSync(_fd: number, buf: Buffer, off: number, len: number): number {
      if (taken >= accept)
        throw Object.assign(new Error(`${code}: what the system says, write`), { code });
      const n = Math.min(len, accept - taken, 7); // short writes, as a pipe may do
      direct.push(Buffer.from(buf.subarray(off, off + n)));
      taken += n;
      return n;
    },
    stream: () => stream as unknown as NodeJS.WritableStream,
  };
  const text = (parts: Buffer[]) => Buffer.concat(parts).toString();
  return { io, stream, direct: () => text(direct), streamed: () => text(streamed) };
}

describe("fdWriter when the direct write fails", () => {
  it("EAGAIN (a non-blocking descriptor): the rest and all later output go through the stream", () => {
    const f = fake(20, "EAGAIN");
    const write = fdWriter(1, f.io);
    write("0123456789abcdefghijklmnopqrstuvwxyz\n");
    write("second ×\n");
    expect(f.direct()).toBe("0123456789abcdefghij");
    expect(f.streamed()).toBe("klmnopqrstuvwxyz\nsecond ×\n");
  });
  it("EPIPE (the reader is gone): later output is dropped, silently", () => {
    const f = fake(5, "EPIPE");
    const write = fdWriter(1, f.io);
    write("hello world\n");
    write("more\n");
    expect(f.direct()).toBe("hello");
    expect(f.streamed()).toBe("");
  });
  it("another failure of standard output (a full disk) is bad input naming it; of stderr, silence", () => {
    const f = fake(3, "ENOSPC");
    const write = fdWriter(1, f.io);
    let err: unknown;
    try {
      write("hello\n");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).toLine()).toBe(
      "cannot write to standard output: what the system says (ENOSPC)",
    );
    write("later\n"); // dropped, no second error
    expect(f.direct()).toBe("hel");
    const e2 = fake(0, "EIO");
    expect(() => fdWriter(2, e2.io)("message\n")).not.toThrow();
  });
  it("through the real bin: `> /dev/full` is one line on stderr and exit 2", () => {
    const r = spawnSync(
      "/bin/sh",
      ["-c", `"${process.execPath}" "${ROOT}bin/dlq.js" dropout 0.1 0.2 > /dev/full`],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      "dlq: cannot write to standard output: no space left on device (ENOSPC)\n",
    );
  });

  it("EPIPE reported by the stream after a fallback: later output is dropped", () => {
    const f = fake(0, "EAGAIN");
    const write = fdWriter(1, f.io);
    write("a");
    f.stream.emit("error", Object.assign(new Error("EPIPE"), { code: "EPIPE" }));
    write("b");
    expect(f.streamed()).toBe("a");
  });
});

describe("through the real bin", () => {
  it("a long table through a pipe whose reader starts late arrives whole", async () => {
    const layers = Array.from({ length: 3000 }, (_, i) =>
      i % 2
        ? { type: "ReLU" }
        : { type: "Conv2d", in_channels: 4, out_channels: 4, kernel_size: 3, padding: 1 },
    );
    const spec = join(dir, "long.json");
    writeFileSync(spec, JSON.stringify({ input: [1, 4, 8, 8], layers }));
    const expected = await dlqInProcess("shape", spec);
    expect(expected.out.length).toBeGreaterThan(100_000); // more than a pipe holds (64 KiB)
    const r = spawnSync(
      "/bin/sh",
      ["-c", `"${process.execPath}" "${ROOT}bin/dlq.js" shape "${spec}" | (sleep 0.3; cat)`],
      { encoding: "utf8", maxBuffer: 1 << 26 },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected.out);
  });
});
