/**
 * What an answers file cannot do to the grader: stop or starve it (each entry has a time and a
 * memory budget; a stopped entry fails with its reason and the run goes on), forge the text
 * report (control characters are escaped), or break the parser (aliases, duplicate keys, entry
 * count, nesting). Through the real bin, except the runner's handling of a thread that crashes,
 * which a stand-in worker script shows.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EntryRunner } from "../src/commands/check_runner.js";
import { ROOT } from "./helpers.js";
import { checkJsonOutput } from "./schemas.js";

function file(text: string, name = "a.yaml"): string {
  const dir = mkdtempSync(join(tmpdir(), "dlq-limits-"));
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

function run(args: string[], timeout = 120_000) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [ROOT + "bin/dlq.js", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout,
    env: { ...process.env, NO_COLOR: "", FORCE_COLOR: "" },
  });
  checkJsonOutput(args, r.status, r.stdout);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** kl with 10⁷ Monte-Carlo samples per dimension: about 2 s and 0.5 GB per dimension here. */
const heavyKl = (dims: number) =>
  `kl --mu ${Array(dims).fill("0.5").join(",")} --logvar ${Array(dims).fill("0").join(",")} --samples 10000000`;

describe("per-entry budgets", () => {
  it("an entry over --timeout fails with the reason; the run goes on; exit 1", () => {
    const f = file(`- {id: slow, run: "${heavyKl(1)}", expect: {mc.within_3se: true}}
- {id: after, run: dropout 0.1 0.2, expect: {q: 0.28}}
`);
    const r = run(["check", f, "--timeout", "0.3", "--json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.entries[0]).toMatchObject({ id: "slow", status: "error", reason: "timeout" });
    expect(j.entries[0].message).toMatch(/timed out after 0\.3 s \(--timeout\)/);
    expect(j.entries[1]).toMatchObject({ id: "after", status: "pass" });
    expect(r.ms).toBeLessThan(15_000);
    const text = run(["check", f, "--timeout", "0.3"]);
    expect(text.stdout).toMatch(/✗ slow: timeout \(.*a\.yaml:1:\d+\): timed out after 0\.3 s/);
    expect(text.stdout).toMatch(/^1 passed, 0 failed$/m);
    expect(text.stdout).toMatch(/^1 stopped or failed inside dlq/m);
  });
  it("an entry over --max-memory fails with the reason; the run goes on; exit 1", () => {
    const f = file(`- {id: big, run: "${heavyKl(3)}", expect: {mc.within_3se: true}}
- {id: after, run: dropout 0.1 0.2, expect: {q: 0.28}}
`);
    const r = run(["check", f, "--max-memory", "200", "--timeout", "60", "--json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.entries[0]).toMatchObject({ id: "big", status: "error", reason: "memory" });
    expect(j.entries[0].message).toMatch(/used more than 200 MB \(--max-memory\)/);
    expect(j.entries[1].status).toBe("pass");
  });
  it("the JUnit report calls them Timeout and OutOfMemory errors", () => {
    const f = file(`- {id: slow, run: "${heavyKl(1)}", expect: {mc.within_3se: true}}\n`);
    const r = run(["check", f, "--timeout", "0.2", "--junit", "-"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/<error type="Timeout" message="timed out after 0\.2 s/);
  });
  it("bad budgets are usage errors", () => {
    const f = file("- {id: q, run: dropout 0.1, expect: {q: 0.1}}\n");
    for (const bad of [
      ["--timeout", "0"],
      ["--timeout", "x"],
      ["--max-memory", "1"],
    ]) {
      const r = run(["check", f, ...bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${bad[0]}: '${bad[1]}' is not a number in`));
    }
  });
  it("a thread that crashes or exits: the entry fails with the reason, the next one runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dlq-worker-"));
    const fake = join(dir, "worker.cjs");
    // Answers exit 3 for "bug", crashes for "crash", exits for "exit", else exit 0.
    writeFileSync(
      fake,
      `const { parentPort } = require("node:worker_threads");
parentPort.on("message", (job) => {
  const cmd = job.argv[0];
  if (cmd === "crash") throw new Error("boom");
  if (cmd === "exit") process.exit(7);
  parentPort.postMessage({ seq: job.seq, code: cmd === "bug" ? 3 : 0, stdout: "{}", stderr: cmd === "bug" ? "dlq: internal error: x" : "", overflow: false });
});`,
    );
    const runner = new EntryRunner({ seconds: 10, megabytes: 256 }, dir, fake);
    try {
      expect((await runner.run(["ok"], undefined)).code).toBe(0);
      const crash = await runner.run(["crash"], undefined);
      expect(crash.stopped).toMatchObject({ reason: "crash" });
      expect(crash.stopped?.message).toMatch(/boom/);
      expect((await runner.run(["ok"], undefined)).code).toBe(0);
      expect((await runner.run(["exit"], undefined)).stopped?.reason).toBe("crash");
      const bug = await runner.run(["bug"], undefined);
      expect(bug.code).toBe(3);
      expect((await runner.run(["ok"], undefined)).code).toBe(0);
    } finally {
      await runner.close();
    }
  });
});

describe("the text report cannot be forged", () => {
  const FORGE = "\x1b[2K\r";
  const raw = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/; // eslint-disable-line no-control-regex
  it("an id or an expected text with ESC, CR, LF, C1 or bidi characters is shown escaped", () => {
    const id = `${FORGE}ALL 12 passed\\n`;
    const f = file(
      JSON.stringify([
        { id, run: "dropout 0.1 0.2", expect: { q: 0.3 } },
        { id: "b\u009b2K\u202e", run: "dropout 2", expect: { $exit: 2, $stderr: FORGE + "x" } },
        { id: "c\nnew row", run: "dropout 0.1 0.2", expect: { symbolic: `${FORGE}x` } },
      ]),
      "a.json",
    );
    const r = run(["check", f]);
    expect(r.code).toBe(1);
    for (const line of r.stdout.split("\n")) expect(line).not.toMatch(raw);
    expect(r.stdout).toContain("\\u001b[2K\\rALL 12 passed");
    expect(r.stdout).toContain("b\\u009b2K\\u202e");
    expect(r.stdout).toContain("c\\nnew row");
    expect(r.stdout).toMatch(/^0 passed, 3 failed$/m);
    // The only lines are the table's, the ✗ lines and the totals.
    expect(r.stdout.split("\n").filter((l) => /passed/.test(l) && !/^[│✗]/.test(l))).toEqual([
      "0 passed, 3 failed",
    ]);
    const j = run(["check", f, "--json"]);
    expect(j.stdout).not.toMatch(raw);
    expect(JSON.parse(j.stdout).entries[1].id).toBe("b\u009b2K\u202e");
  });
  it("a student's answer with ESC and CR cannot erase or forge rows", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlq-forge-"));
    writeFileSync(join(dir, "key.yaml"), "- {id: q, run: dropout 0.1 0.2, answer: q}\n");
    writeFileSync(join(dir, "s.yaml"), `q: "${"\\x1b[2K\\r"}q │ 0.28 │ 0.28 │ pass"\n`);
    const r = run(["check", join(dir, "key.yaml"), "--answers", join(dir, "s.yaml")]);
    expect(r.code).toBe(1);
    for (const line of r.stdout.split("\n")) expect(line).not.toMatch(raw);
    expect(r.stdout).toMatch(/FAIL/);
    expect(r.stdout).toMatch(/^0 passed, 1 failed$/m);
    // A student id with control characters is refused, escaped, on one line.
    writeFileSync(join(dir, "s.yaml"), `"q${"\\x1b[2K\\r"}X": 0.28\n`);
    const bad = run(["check", join(dir, "key.yaml"), "--answers", join(dir, "s.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(raw);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toContain("'q\\u001b[2K\\rX' is not a question of the key");
  });
});

describe("the parser's bounds", () => {
  it("billion laughs: aliases are refused before anything expands", () => {
    let text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 10; i++) {
      text += `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(",")}]\n`;
    }
    text += "answers:\n  - {id: q, run: dropout 0.1, expect: {q: *a9}}\n";
    const r = run(["check", file(text)], 20_000);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.ms).toBeLessThan(10_000);
  });
  it("an alias inside an entry is refused", () => {
    const r = run(["check", file("- &e {id: q, run: dropout 0.1, expect: {q: 0.1}}\n- *e\n")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a\.yaml:2:3: aliases \(\*name\) are not supported/);
  });
  it("duplicate keys are refused", () => {
    const r = run(["check", file("- id: q\n  run: dropout 0.1\n  expect: {q: 0.5, q: 0.1}\n")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a\.yaml:3:\d+: Map keys must be unique/);
  });
  it("more than 10,000 entries are refused", () => {
    const r = run([
      "check",
      file("- {id: q, run: dropout 0.1, expect: {q: 0.1}}\n".repeat(10_001)),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/10001 entries: an answers file holds at most 10000/);
  });
  it("thousands of lines of a broken flow mapping: one line, exit 2, no stack overflow", () => {
    const cases = [
      "- id: a\n  run: dropout 0.1\n  expect: {q: 1,\n" + "    k: {b: [\n".repeat(3000),
      "- id: a\n  run: dropout 0.1\n  expect: " + "{".repeat(5000) + "\n",
      "- id: a\n  run: dropout 0.1\n  expect:\n    q: " + "[".repeat(3000) + "]".repeat(3000),
      "- id: a\n  run: dropout 0.1\n  expect: {" + "a: 1\n".repeat(5000),
    ];
    for (const text of cases) {
      const r = run(["check", file(text)]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/Maximum call stack|internal error/);
    }
    const deep = run(["check", file(cases[1])]);
    expect(deep.stderr).toMatch(/nested too deeply/);
  });
  it("values nested deeper than 64 levels are refused", () => {
    const q = "[".repeat(70) + "1" + "]".repeat(70);
    const r = run(["check", file(`- id: a\n  run: dropout 0.1\n  expect:\n    q: ${q}\n`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nested more than 64 levels deep/);
  });
});
