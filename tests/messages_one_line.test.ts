// A refusal is one line: commander's "(Did you mean …?)" on the same line as its error, an input's
// line breaks and control characters escaped, "internal error:" said once.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli.js";
import { dlq } from "./helpers.js";

/** Exit 2, exactly one stderr line (ending in a newline), nothing on stdout. */
function oneLine(r: ReturnType<typeof dlq>, message: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^dlq: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
}

describe("commander's errors are one line", () => {
  it("an unknown command with its suggestion", () => {
    oneLine(dlq(["shap", "x"]), /^dlq: unknown command 'shap' \(Did you mean shape\?\)\n$/);
  });
  it("no command at all: one line naming the commands, not the help on stderr", () => {
    for (const args of [[], ["--no-color"]]) {
      oneLine(
        dlq(args),
        /^dlq: missing command: one of shape, rf, dropout, grad, gradcheck, derive, check, loss, kl, gcn, completion \(dlq --help describes them\)\n$/,
      );
    }
  });
  it("an unknown option with its suggestion", () => {
    oneLine(
      dlq(["dropout", "--jsn", "0.1"]),
      /^dlq: unknown option '--jsn' \(Did you mean --json\?\)\n$/,
    );
  });
  it("an unknown command or option holding a line break is escaped", () => {
    oneLine(dlq(["sh\nape"]), /^dlq: unknown command 'sh\\nape'/);
    oneLine(dlq(["derive", "-x\n^2"]), /^dlq: unknown option '-x\\n\^2' \(a value starting/);
    oneLine(dlq(["dropout", "--a\r\x1b[2Kb"]), /^dlq: unknown option '--a\\r\\u001b\[2Kb'/);
  });
});

describe("inputs with line breaks are quoted escaped", () => {
  it("a dropout argument, a derive expression, a file name", () => {
    oneLine(dlq(["dropout", "a\nb"]), /^dlq: argument 1 \('a\\nb'\)/);
    oneLine(dlq(["derive", "x +\n"]), /^dlq: <expr>:1:\d+: invalid syntax/);
    oneLine(dlq(["shape", "no\nsuch.py"]), /no\\nsuch\.py/);
    oneLine(dlq(["gradcheck", "x.sum()", "--var", "x=3:ra\nndn"]), /3:ra\\nndn/);
  });
});

describe("internal error is said once", () => {
  it("an error whose message already says 'internal error:' (src/cli.ts)", async () => {
    let err = "";
    const code = await main(["dropout", "0.1"], {
      color: false,
      out: () => {
        throw new Error("internal error: boom\nsecond line");
      },
      err: (t) => void (err += t),
      readStdin: async () => "",
    });
    expect(code).toBe(3);
    // the message once, escaped to one line; then the version, the command and where to report
    const lines = err.split("\n");
    expect(lines[0]).toBe("dlq: internal error: boom\\nsecond line");
    expect(err.match(/internal error/g)).toHaveLength(1);
    expect(lines[1]).toMatch(
      /^ {2}dlq \d+\.\d+\.\d+ \(Node\.js [\d.]+\), command: dlq dropout 0\.1$/,
    );
  });

  it("dlq check's line for an entry that exits 3", () => {
    // The entry's command overflows the stack in `dlq kl` (exit 3 today, a bug of its own).
    const dir = mkdtempSync(join(tmpdir(), "dlq-internal-"));
    const deep = "[".repeat(20_000) + "1" + "]".repeat(20_000);
    const f = join(dir, "a.yaml");
    writeFileSync(f, `- id: q\n  run: dlq kl --mu "${deep}" --logvar 0\n  expect: {value: 1}\n`);
    const r = dlq(["check", f]);
    rmSync(dir, { recursive: true, force: true });
    expect(r.stderr).toMatch(
      /^dlq: [^\n]*a\.yaml:2:8: entry 'q': internal error: [^\n]* \(a bug in dlq\)\n$/,
    );
    expect(r.stderr).not.toMatch(/internal error: internal error/);
    expect(r.stderr).not.toMatch(/please report it/);
  });
});
