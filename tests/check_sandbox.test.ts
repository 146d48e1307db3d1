/**
 * What an answers file can reach: files only under the check's root (`--root`, by default the
 * file's folder), regular files only, none written; and messages that quote at most a short,
 * escaped token of any file. Each case is an answers file a student could write, run through the
 * real bin, with the grader's secrets (an environment variable, a file outside the root) planted
 * where the old dlq would have shown them.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OUTPUT_OPTIONS } from "../src/spec/answers.js";
import { ROOT, dlq } from "./helpers.js";
import { checkJsonOutput } from "./schemas.js";

const SECRET = "hunter2-" + "s3cr3t";
const PASSWD = `root:x:0:0:${SECRET}:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n`;

/** A grader's folder: secret.txt outside the root, the root with the course CNN and answers. */
function sandbox(answers: string): { outer: string; root: string; file: string } {
  const outer = mkdtempSync(join(tmpdir(), "dlq-sandbox-"));
  writeFileSync(join(outer, "secret.txt"), PASSWD);
  const root = join(outer, "sub");
  mkdirSync(root);
  copyFileSync(ROOT + "examples/course_cnn.py", join(root, "cnn.py"));
  const file = join(root, "answers.yaml");
  writeFileSync(file, answers);
  return { outer, root, file };
}

/** Runs dlq with the secret in its environment (as a CI grader has its tokens). */
function run(args: string[], opts: { cwd?: string; input?: string; timeout?: number } = {}) {
  const r = spawnSync(process.execPath, [ROOT + "bin/dlq.js", ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input ?? "",
    encoding: "utf8",
    timeout: opts.timeout ?? 60_000,
    env: { ...process.env, NO_COLOR: "", FORCE_COLOR: "", GRADER_TOKEN: SECRET },
  });
  checkJsonOutput(args, r.status, r.stdout);
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** An entry that expects a refusal and shows what dlq said: the student's way to read a file. */
const leak = (id: string, runLine: string) =>
  `- id: ${id}\n  run: ${JSON.stringify(runLine)}\n  expect: {$exit: 2, $stderr: "x"}\n`;

/** The messages (the $stderr each entry got) of a --json report. */
function messages(stdout: string): string[] {
  const j = JSON.parse(stdout);
  return j.entries.flatMap((e: { checks: { path: string; got: unknown }[] }) =>
    e.checks.filter((c) => c.path === "$stderr").map((c) => String(c.got)),
  );
}

describe("files outside the root are refused, and nothing of them is shown", () => {
  const cases: [string, string, RegExp][] = [
    ["an absolute path", "shape /etc/passwd", /an absolute path/],
    ["the grader's environment", "gcn /proc/self/environ -L 1 -q 1", /an absolute path/],
    ["../ out of the root", "gcn ../secret.txt -L 1 -q 1", /outside the root/],
    ["../ in the middle", "shape ./x/../../secret.txt", /outside the root/],
    ["/dev/stdin", "shape /dev/stdin", /an absolute path/],
    ["a --var @file outside", "gradcheck torch.sum(W) --var W=@../secret.txt", /outside the root/],
    ["a --var @file absolute", "gradcheck torch.sum(W) --var W=@/etc/passwd", /an absolute path/],
    ["a gradcheck snippet outside", "gradcheck ../secret.txt", /outside the root/],
  ];
  for (const [what, line, msg] of cases) {
    it(what, () => {
      const s = sandbox(leak("leak", line));
      const r = run(["check", s.file, "--json"]);
      expect(r.code).toBe(1); // the expected refusal happened, but "x" is not what dlq said
      const [m] = messages(r.stdout);
      expect(m).toMatch(msg);
      for (const out of [r.stdout, r.stderr]) {
        expect(out).not.toContain(SECRET);
        expect(out).not.toContain("root:x:0");
      }
    });
  }
  it("a symbolic link out of the root is refused; one inside it is followed", () => {
    const s = sandbox(
      leak("out", "gcn link-out.txt -L 1 -q 1") +
        "- {id: in, run: shape link-in.py, expect: {params: 26848}}\n",
    );
    symlinkSync(join(s.outer, "secret.txt"), join(s.root, "link-out.txt"));
    symlinkSync(join(s.root, "cnn.py"), join(s.root, "link-in.py"));
    const r = run(["check", s.file, "--json"]);
    expect(messages(r.stdout)[0]).toMatch(/a symbolic link that leads outside the root/);
    expect(r.stdout).not.toContain(SECRET);
    expect(JSON.parse(r.stdout).entries[1].status).toBe("pass");
  });
  it("a FIFO or a device is refused at once instead of blocking the grader", () => {
    const s = sandbox(leak("fifo", "shape pipe.py") + leak("dir", "shape ."));
    const mk = spawnSync("mkfifo", [join(s.root, "pipe.py")]);
    if (mk.status !== 0) return; // no mkfifo here
    const t0 = Date.now();
    const r = run(["check", s.file, "--json"], { timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(Date.now() - t0).toBeLessThan(20_000);
    const [fifo, dir] = messages(r.stdout);
    expect(fifo).toMatch(/not a regular file/);
    expect(dir).toMatch(/is a directory/);
  });
  it("--root DIR: relative paths are read from DIR, and never leave it", () => {
    const s = sandbox("- {id: p, run: shape cnn2.py, expect: {params: 26848}}\n");
    copyFileSync(ROOT + "examples/course_cnn.py", join(s.outer, "cnn2.py"));
    const inSub = run(["check", s.file]);
    expect(inSub.code).toBe(1);
    expect(inSub.stdout).toMatch(/cannot read model: no such file/);
    expect(run(["check", s.file, "--root", s.outer]).code).toBe(0);
    writeFileSync(s.file, leak("up", "shape ../cnn2.py"));
    const up = run(["check", s.file, "--root", s.outer, "--json"]);
    expect(messages(up.stdout)[0]).toMatch(/outside the root/);
    const none = run(["check", s.file, "--root", join(s.outer, "nope")]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--root: not a directory/);
  });
  it("from standard input, paths are read from the working directory or --root", () => {
    const text = readFileSync(ROOT + "examples/answers.yaml", "utf8");
    const fromRoot = run(["check", "-", "--only", "cnn-receptive-field"], { input: text });
    expect(fromRoot.code).toBe(1);
    expect(fromRoot.stdout).toMatch(/cannot read model: no such file/);
    const r = run(["check", "-", "--root", "examples", "--only", "cnn-receptive-field"], {
      input: text,
    });
    expect(r.code).toBe(0);
    const cwd = run(["check", "-", "--only", "cnn-receptive-field"], {
      input: text,
      cwd: ROOT + "examples",
    });
    expect(cwd.code).toBe(0);
  });
});

describe("entries never write files", () => {
  it("--svg in an entry is refused before anything runs; the target is untouched", () => {
    const s = sandbox(
      "- {id: g, run: grad --chain 0.5 --depth 2 --svg ../grades.csv, expect: {chain.depth: 2}}\n",
    );
    writeFileSync(join(s.outer, "grades.csv"), "alice,A\n");
    const r = run(["check", s.file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/'--svg' writes a file; entries of an answers file never write files/);
    expect(readFileSync(join(s.outer, "grades.csv"), "utf8")).toBe("alice,A\n");
    for (const form of ["--svg=x.svg", "--junit x.xml", "--png x.png"]) {
      writeFileSync(s.file, `- {id: g, run: grad --chain 0.5 ${form}, expect: {chain.depth: 2}}\n`);
      expect(run(["check", s.file]).code).toBe(2);
    }
  });
  it("OUTPUT_OPTIONS holds every option that writes a file, by each command's --help", () => {
    const commands = [
      "shape",
      "rf",
      "dropout",
      "grad",
      "gradcheck",
      "derive",
      "loss",
      "kl",
      "gcn",
      "check",
    ];
    for (const c of commands) {
      const help = dlq([c, "--help"]).stdout;
      for (const m of help.matchAll(/^\s+(?:-\w, )?(--[\w-]+)\b.*\bwrites?\b/gim)) {
        expect(OUTPUT_OPTIONS as readonly string[], `${c} ${m[1]}`).toContain(m[1]);
      }
    }
  });
  it("--junit - writes the XML to stdout (no file named -); with --json it is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlq-junit-"));
    writeFileSync(join(dir, "a.yaml"), "- {id: q, run: dropout 0.1 0.2, expect: {q: 0.28}}\n");
    const r = run(["check", "a.yaml", "--junit", "-"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<\?xml version="1\.0"/);
    expect(r.stdout).toMatch(/<testcase name="q"/);
    expect(existsSync(join(dir, "-"))).toBe(false);
    const both = run(["check", "a.yaml", "--junit", "-", "--json"], { cwd: dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/cannot go with --json/);
  });
});

describe("messages quote at most a short, escaped token of a file", () => {
  const dir = mkdtempSync(join(tmpdir(), "dlq-quote-"));
  writeFileSync(join(dir, "passwd"), PASSWD);
  const oneLine = (r: { code: number | null; stdout: string; stderr: string }, quoted = 0) => {
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr.split(SECRET).length - 1).toBe(quoted);
    expect(r.stderr).not.toContain("/bin/bash");
    expect(r.stderr).not.toContain("\x1b");
  };
  it("gcn FILE: the first non-edge token, not the line", () => {
    const r = run(["gcn", join(dir, "passwd"), "-L", "1", "-q", "1"]);
    oneLine(r);
    expect(r.stderr).toMatch(/passwd:1:1: expected an edge .*got 'root:x:0:0:hunt…'$/m);
  });
  it("--var W=@FILE: no text of the file", () => {
    const r = run(["gradcheck", "torch.sum(W)", "--var", `W=@${join(dir, "passwd")}`]);
    oneLine(r);
    expect(r.stderr).toMatch(
      /invalid JSON(?: at character \d+)?: expected nested lists of numbers/,
    );
    expect(r.stderr).not.toContain("root");
  });
  it("a JSON spec's unknown key: short and escaped", () => {
    const key = "k\x1b[2K\r" + SECRET.repeat(10);
    writeFileSync(join(dir, "m.json"), JSON.stringify({ input: [1, 3], layers: [], [key]: 1 }));
    const r = run(["shape", join(dir, "m.json")]);
    oneLine(r, 1); // the key's first 31 characters, of 145
    expect(r.stderr).toMatch(/k\\u001b\[2K\\rhunter2-s3cr3thunter2-s3c…: unexpected key/);
  });
  it("a graph file's unknown key: short and escaped", () => {
    writeFileSync(join(dir, "g.json"), JSON.stringify({ nodes: 2, ["\x1b]0;" + SECRET]: 1 }));
    const r = run(["gcn", join(dir, "g.json"), "-L", "1", "-q", "1"]);
    oneLine(r);
    expect(r.stderr).toMatch(/unknown key '\\u001b\]0;hunter2-s3c…'/);
  });
});
