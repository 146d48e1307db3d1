/**
 * `dlq check`: answers files that pass, fail and are malformed; --only; relative model paths and
 * inline model source; JUnit XML (well-formed: parsed back by Python's expat when /usr/bin/python3
 * exists, and always by a strict checker here); the parts (command-line splitting, paths,
 * tolerances, XML escaping); and the real bin on examples/answers.yaml.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compare, resolvePath } from "../src/analysis/checkfile.js";
import { parseAnswers, parsePath, splitCommandLine, type Expected } from "../src/spec/answers.js";
import { main } from "../src/cli.js";
import { xmlEscape } from "../src/commands/check.js";
import { ROOT, dlq } from "./helpers.js";
import { checkJsonOutput } from "./schemas.js";

/** Runs dlq in-process. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    color: false,
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    readStdin: async () => "",
  });
  checkJsonOutput(argv, code, out);
  return { code, out, err };
}

/** A fresh directory with the course CNN next to the answers file. */
function workdir(answers: string, name = "answers.yaml"): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "dlq-check-"));
  copyFileSync(ROOT + "examples/course_cnn.py", join(dir, "cnn.py"));
  const file = join(dir, name);
  writeFileSync(file, answers);
  return { dir, file };
}

/**
 * A strict XML 1.0 well-formedness check for what JUnit needs (no DTD, no CDATA): one root,
 * balanced tags, quoted attributes without raw < or &, unique attribute names, text without raw
 * < or &, only the five predefined entities and character references. Returns the problem or "".
 */
function xmlProblem(xml: string): string {
  let s = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, "");
  const ref = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
  const stack: string[] = [];
  let roots = 0;
  while (s.length > 0) {
    const lt = s.indexOf("<");
    const text = lt < 0 ? s : s.slice(0, lt);
    if (text.replace(ref, "").includes("&")) return `raw & in text: ${text.slice(0, 60)}`;
    if (stack.length === 0 && text.trim() !== "") return "text outside the root";
    if (lt < 0) break;
    s = s.slice(lt);
    const m = /^<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>/.exec(s);
    if (!m) return `bad tag at: ${s.slice(0, 60)}`;
    const [all, close, name, attrs, selfClose] = m;
    const names = [...attrs.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)].map((a) => {
      if (a[2].replace(ref, "").includes("&")) throw new Error(`raw & in attribute ${a[1]}`);
      return a[1];
    });
    if (new Set(names).size !== names.length) return `duplicate attribute in <${name}>`;
    if (close) {
      if (stack.pop() !== name) return `mismatched </${name}>`;
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
    s = s.slice(all.length);
  }
  if (stack.length > 0) return `unclosed <${stack.join("><")}>`;
  return roots === 1 ? "" : `${roots} root elements`;
}

/** Parses with Python's expat (a real XML parser) when available; null when not installed. */
function expatParse(file: string): { ok: boolean; out: string } | null {
  if (!existsSync("/usr/bin/python3")) return null;
  const r = spawnSync(
    "/usr/bin/python3",
    [
      "-c",
      "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); " +
        "print(len(d.getElementsByTagName('testcase')), len(d.getElementsByTagName('failure')), " +
        "len(d.getElementsByTagName('error'))); " +
        "[print(f.getAttribute('message')) for f in d.getElementsByTagName('failure')]",
      file,
    ],
    { encoding: "utf8" },
  );
  return { ok: r.status === 0, out: r.stdout + r.stderr };
}

const PASSING = `# relative model paths, a string run and an object run
- id: rf
  run: rf cnn.py
  expect: {size: [112, 112], "stride[0]": 8, "padding[-1]": 29, "layers[6].type": Conv2d}
- id: shape
  run: {command: shape, model: cnn.py}
  expect:
    output: [1, 32, 122, 122]
    params: 26848
    params_approx: {"≈": 26848}
- id: q
  run: "dlq dropout 0.1 '0.2'"
  expect:
    q: 0.28
    scale: {">": 1.38, "<": 1.39}
    $exit: 0
`;

describe("answers files that pass", () => {
  it("exit 0, a table and the total line; models are read next to the answers file", async () => {
    const { file } = workdir(PASSING.replace('    params_approx: {"≈": 26848}\n', ""));
    const r = await run(["check", file]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^3 passed, 0 failed$/m);
    expect(r.out).toMatch(/│ rf\s+│ size\s+│ \[112, 112\]\s+│ \[112, 112\]\s+│ pass/);
  });
  it("inline model source is fed as standard input", async () => {
    const { file } = workdir(`- id: inline
  run:
    command: shape
    args: "--input 1,42"
    model: |
      import torch.nn as nn
      net = nn.Sequential(nn.Linear(42, 128), nn.ReLU(), nn.Linear(128, 1))
  expect: {params: 5633, output: [1, 1]}
`);
    const r = await run(["check", file, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(true);
    expect(j.entries[0].command).toEqual(["dlq", "shape", "-", "--input", "1,42", "--json"]);
    expect(j.entries[0].checks[0]).toMatchObject({
      path: "params",
      expected: 5633,
      got: 5633,
      ok: true,
    });
  });
  it("a JSON answers file works the same", async () => {
    const { file } = workdir(
      JSON.stringify([
        { id: "q", run: "dropout 0.5 0.5", expect: { q: 0.75, keep: { "<": 0.3 } } },
      ]),
      "answers.json",
    );
    const r = await run(["check", file]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^1 passed, 0 failed$/m);
  });
});

const FAILING = `answers:
  - id: right
    run: dropout 0.1 0.2
    expect: {q: 0.28}
  - id: wrong <q> & "quoted"
    run: dropout 0.1 0.2
    expect: {q: 0.3, keep: 0.72}
  - id: wrong-shape
    run: rf cnn.py
    expect: {size: [111, 112]}
`;

describe("answers files that fail", () => {
  it("exit 1; the wrong answers are named with expected and got", async () => {
    const { file } = workdir(FAILING);
    const r = await run(["check", file]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^1 passed, 2 failed$/m);
    expect(r.out).toMatch(/q: expected 0\.3, got 0\.28/);
    expect(r.out).toMatch(/size: at \[0\]: expected 111, got 112/);
  });
  it("--junit writes well-formed XML with one testcase per entry and failure elements", async () => {
    const { dir, file } = workdir(FAILING);
    const xmlFile = join(dir, "report.xml");
    const r = await run(["check", file, "--junit", xmlFile]);
    expect(r.code).toBe(1);
    const xml = readFileSync(xmlFile, "utf8");
    expect(xmlProblem(xml)).toBe("");
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml).toMatch(/<testsuite name="[^"]*answers\.yaml" tests="3" failures="2" errors="0"/);
    expect(xml).toContain('name="wrong &lt;q&gt; &amp; &quot;quoted&quot;"');
    expect(xml).toMatch(/message="q: expected 0\.3, got 0\.28/);
    const parsed = expatParse(xmlFile);
    if (parsed) {
      expect(parsed.ok, parsed.out).toBe(true);
      expect(parsed.out.split("\n")[0]).toBe("3 2 0");
      expect(parsed.out).toMatch(/q: expected 0\.3, got 0\.28/);
    }
  });
  it("--json gives the same results", async () => {
    const { file } = workdir(FAILING);
    const r = await run(["check", file, "--json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ schema_version: 1, ok: false, passed: 1, failed: 2, malformed: 0 });
    expect(j.entries[1].checks).toEqual([
      {
        path: "q",
        expected: 0.3,
        got: 0.28,
        ok: false,
        message: "expected 0.3, got 0.28 (off by -0.02)",
      },
      { path: "keep", expected: 0.72, got: 0.72, ok: true },
    ]);
  });
  it("--only runs just the named entries", async () => {
    const { file } = workdir(FAILING);
    const r = await run(["check", file, "--only", "right", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).entries.map((e: { id: string }) => e.id)).toEqual(["right"]);
    const two = await run(["check", file, "--only", "right,wrong-shape"]);
    expect(two.code).toBe(1);
    expect(two.out).toMatch(/^1 passed, 1 failed$/m);
    const bad = await run(["check", file, "--only", "rigth"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no entry with id 'rigth' \(did you mean 'right'\?\)/);
  });
});

describe("malformed answers files: exit 2, located", () => {
  const cases: [string, string, RegExp][] = [
    ["YAML syntax", "- id: a\n  run: dropout 0.1\n  expect: {q: [1, 2}\n", /answers\.yaml:3:\d+: /],
    [
      "unknown key",
      "- id: a\n  runn: dropout 0.1\n  expect: {q: 1}\n",
      /answers\.yaml:2:3: unknown key 'runn' \(did you mean 'run'\?\)/,
    ],
    ["no id", "- run: dropout 0.1\n  expect: {q: 1}\n", /answers\.yaml:1:3: entry 1 has no id/],
    [
      "duplicate id",
      "- {id: a, run: dropout 0.1, expect: {q: 0.1}}\n- {id: a, run: dropout 0.1, expect: {q: 0.1}}\n",
      /answers\.yaml:2:8: duplicate id 'a'/,
    ],
    [
      "bad path",
      "- id: a\n  run: dropout 0.1\n  expect:\n    q[: 1\n",
      /answers\.yaml:4:5: bad path 'q\[': unclosed '\['/,
    ],
    [
      "bad comparison",
      '- id: a\n  run: dropout 0.1\n  expect:\n    q: {"<<": 1}\n',
      /answers\.yaml:4:9: '<<' is not a comparison/,
    ],
    [
      "unterminated quote",
      "- id: a\n  run: dropout '0.1\n  expect: {q: 1}\n",
      /answers\.yaml:2:8: cannot split the command line: unterminated ' quote/,
    ],
    ["not a list", "id: a\n", /answers\.yaml:1:1: unknown key 'id' at the top level/],
    [
      "$exit that is not an exit code",
      '- id: a\n  run: dropout 0.1\n  expect:\n    $exit: "two"\n',
      /answers\.yaml:4:12: \$exit is dlq's exit code: 0, 1, 2 or 3 \(e\.g\. \$exit: 2 for a refused input\), got "two"/,
    ],
    [
      "$exit out of range",
      "- id: a\n  run: dropout 0.1\n  expect:\n    $exit: 7\n",
      /answers\.yaml:4:12: \$exit is dlq's exit code: 0, 1, 2 or 3/,
    ],
    [
      "$stderr that is not text",
      "- id: a\n  run: dropout 0.1\n  expect:\n    $stderr: 2\n",
      /answers\.yaml:4:14: \$stderr is the message dlq wrote: compare it with text/,
    ],
    [
      "an infinite tolerance inside a comparison",
      "- id: a\n  run: dropout 0.1\n  expect:\n    q: {≈: 0.1, abs: .inf}\n",
      /answers\.yaml:4:22: abs must be a number ≥ 0/,
    ],
    [
      "an infinite entry tolerance",
      "- id: a\n  run: dropout 0.1\n  expect: {q: 0.1}\n  tolerance: {rel: .inf}\n",
      /answers\.yaml:4:20: tolerance rel must be a number ≥ 0/,
    ],
  ];
  for (const [what, text, msg] of cases) {
    it(what, async () => {
      const { file } = workdir(text);
      const r = await run(["check", file]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.out).toBe("");
    });
  }
  it("an unknown command is found before anything runs: one stderr line, nothing on stdout, no JUnit", async () => {
    const { dir, file } = workdir(`- id: ok
  run: dropout 0.1 0.2
  expect: {q: 0.28}
- id: nocmd
  run: frobnicate 1
  expect: {q: 1}
- id: nocmd2
  run: dropuot 1
  expect: {q: 1}
`);
    const xmlFile = join(dir, "r.xml");
    const r = await run(["check", file, "--junit", xmlFile]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/answers\.yaml:5:8: entry 'nocmd': unknown command 'frobnicate'/);
    expect(existsSync(xmlFile)).toBe(false);
    const hint = await run(["check", workdir("- {id: x, run: dropuot 1, expect: {q: 1}}\n").file]);
    expect(hint.err).toMatch(/unknown command 'dropuot' \(did you mean 'dropout'\?\)/);
  });
  it("run time: a refusal without $exit and an unknown path are malformed rows; the run exits 1", async () => {
    const { file } = workdir(`- id: ok
  run: dropout 0.1 0.2
  expect: {q: 0.28}
- id: nofile
  run: shape missing.py
  expect: {params: 1}
- id: nopath
  run: dropout 0.1 0.2
  expect:
    q: 0.28
    layers[3].params: 1
`);
    const r = await run(["check", file]);
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/│ nofile\s+│ -\s+│ -\s+│ -\s+│ malformed/);
    expect(r.out).toMatch(
      /✗ nofile: malformed \(.*answers\.yaml:5:8\): dlq shape .*missing\.py.*cannot read model: no such file.*add \$exit: 2/,
    );
    expect(r.out).toMatch(
      /✗ nopath: malformed \(.*answers\.yaml:11:5\): unknown path 'layers\[3\]\.params' in the output of 'dlq dropout': no key 'layers'.*keys: schema_version, symbolic, p, q/,
    );
    expect(r.out).toMatch(/^1 passed, 0 failed$/m);
    expect(r.out).toMatch(/^2 malformed/m);
    const j = JSON.parse((await run(["check", file, "--json"])).out);
    expect(j).toMatchObject({ ok: false, passed: 1, failed: 0, malformed: 2, errors: 0 });
    expect(j.entries.map((e: { status: string }) => e.status)).toEqual([
      "pass",
      "malformed",
      "malformed",
    ]);
  });
  it("malformed entries are JUnit errors", async () => {
    const { dir, file } = workdir("- {id: x, run: dropout 2, expect: {q: 1}}\n");
    const xmlFile = join(dir, "r.xml");
    expect((await run(["check", file, "--junit", xmlFile])).code).toBe(1);
    const xml = readFileSync(xmlFile, "utf8");
    expect(xmlProblem(xml)).toBe("");
    expect(xml).toMatch(/tests="1" failures="0" errors="1"/);
    expect(xml).toMatch(
      /<error type="MalformedEntry" message="dlq dropout 2: argument 1 \(&apos;2&apos;\): a dropout probability must be in \[0, 1\]/,
    );
  });
  it("a missing answers file", async () => {
    const r = await run(["check", "/nonexistent/answers.yaml"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read answers file: no such file/);
  });
});

describe("expected refusals: $exit and $stderr are data", () => {
  it("dropout p = 2 is refused (exit 2, hand-checked: p must be in [0, 1]): a pass", async () => {
    const { file } = workdir(`- {id: exit, run: "dlq dropout 2", expect: {$exit: 2}}
- id: msg
  run: dropout 2
  expect:
    $exit: 2
    $stderr: {contains: "must be in [0, 1]"}
`);
    const r = await run(["check", file]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/│ exit\s+│ \$exit\s+│ 2\s+│ 2\s+│ pass/);
    expect(r.out).toMatch(/^2 passed, 0 failed$/m);
  });
  it("a wrong expected exit code is a failure, and JSON paths of a refusal fail (no JSON)", async () => {
    const { file } = workdir(`- {id: a, run: dropout 2, expect: {$exit: 0, q: 0.5}}
- {id: b, run: dropout 0.5, expect: {$exit: 2}}
- {id: c, run: dropout 2, expect: {$exit: 2, $stderr: {contains: "nonsense"}}}
`);
    const r = await run(["check", file, "--json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ passed: 0, failed: 3, malformed: 0 });
    expect(j.entries[0].checks[0]).toMatchObject({ path: "$exit", got: 2, ok: false });
    expect(j.entries[0].checks[1]).toMatchObject({ path: "q", got: null, ok: false });
    expect(j.entries[0].checks[1].message).toMatch(/no JSON output: the command exited 2/);
    expect(j.entries[1].checks[0]).toMatchObject({ got: 0, ok: false });
    expect(j.entries[2].checks[1].message).toMatch(/expected text containing "nonsense"/);
  });
  it("an unknown pseudo-path and a non-string contains are refused before running", async () => {
    const r1 = await run([
      "check",
      workdir("- {id: a, run: dropout 2, expect: {$exitt: 2}}\n").file,
    ]);
    expect(r1.code).toBe(2);
    expect(r1.out).toBe("");
    expect(r1.err).toMatch(/unknown pseudo-path '\$exitt'/);
    const r2 = await run([
      "check",
      workdir("- {id: a, run: dropout 2, expect: {$stderr: {contains: 2}}}\n").file,
    ]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/contains looks for text/);
  });
  it("--help states the two phases and the exit codes", async () => {
    const { CHECK_HELP } = await import("../src/commands/check.js");
    expect(CHECK_HELP).toMatch(/validated before anything runs/);
    expect(CHECK_HELP).toMatch(/\$exit/);
  });
  it("DLQ_COMMANDS lists every subcommand of dlq that prints JSON, but check", async () => {
    const { DLQ_COMMANDS } = await import("../src/spec/answers.js");
    const help = await run(["--help"]);
    const listed = [...help.out.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    // help and completion print text for people and shells, never JSON.
    const json = listed.filter((c) => !["check", "help", "completion"].includes(c));
    expect(new Set(json)).toEqual(new Set(DLQ_COMMANDS));
  });
});

describe("the parts", () => {
  it("command lines split like a shell", () => {
    expect(splitCommandLine(`rf "my model.py" --input 1,3,8,8`)).toEqual([
      "rf",
      "my model.py",
      "--input",
      "1,3,8,8",
    ]);
    expect(splitCommandLine(`loss ce --pred '[[2, 1, 0.1]]' --target 0`)).toEqual([
      "loss",
      "ce",
      "--pred",
      "[[2, 1, 0.1]]",
      "--target",
      "0",
    ]);
    expect(splitCommandLine(`a\\ b "c\\"d" 'e\\f' ''`)).toEqual(["a b", 'c"d', "e\\f", ""]);
    expect(() => splitCommandLine(`a "b`)).toThrow(/unterminated "/);
  });
  it("splitting round-trips any words quoted with single quotes", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 6 }), (words) => {
        const line = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
        expect(splitCommandLine(line)).toEqual(words);
      }),
    );
  });
  it("paths", () => {
    expect(parsePath("layers[3].params")).toEqual(["layers", 3, "params"]);
    expect(parsePath("size[-1]")).toEqual(["size", -1]);
    expect(parsePath(`inputs[0]["odd.key"]`)).toEqual(["inputs", 0, "odd.key"]);
    expect(() => parsePath("a..b")).toThrow(/empty key/);
    const doc = { layers: [{ params: 1 }, { params: 2 }], size: [3, 4] };
    expect(resolvePath(doc, parsePath("layers[1].params"))).toBe(2);
    expect(resolvePath(doc, parsePath("size[-1]"))).toBe(4);
    expect(() => resolvePath(doc, parsePath("layers[2]"))).toThrow(
      /out of range: layers has 2 items/,
    );
    expect(() => resolvePath(doc, parsePath("layer"))).toThrow(/did you mean 'layers'/);
  });
  it("tolerances: integers exact by default, floats abs 1e-9 + rel 1e-9, entry tolerance for all", () => {
    const v = (value: number): Expected => ({ kind: "value", value });
    expect(compare(26848, v(26848), undefined).ok).toBe(true);
    expect(compare(1e12 + 1, v(1e12), undefined).ok).toBe(false);
    expect(compare(0.1 + 0.2, v(0.3), undefined).ok).toBe(true);
    expect(compare(0.3 + 2e-9, v(0.3), undefined).ok).toBe(false);
    expect(compare(1.0000000000000002, v(1), undefined).ok).toBe(true);
    expect(compare(26849, v(26848), { abs: 1, rel: 0 }).ok).toBe(true);
    expect(compare(26849, { kind: "cmp", ops: [{ op: "≈", value: 26848 }] }, undefined).ok).toBe(
      false,
    );
    expect(compare("26848", v(26848), undefined).message).toMatch(/expected the number 26848/);
    expect(compare(26848, { kind: "value", value: "26,848" }, undefined).message).toMatch(
      /thousands separators/,
    );
    expect(
      compare(
        [1, 2],
        { kind: "list", items: [v(1), { kind: "cmp", ops: [{ op: ">", value: 1 }] }] },
        undefined,
      ).ok,
    ).toBe(true);
  });
  it("answers files are parsed with every location", () => {
    const entries = parseAnswers("- id: a\n  run: rf m.py\n  expect:\n    size[0]: 3\n", "f.yaml");
    expect(entries[0].run.argv).toEqual(["rf", "m.py"]);
    expect(entries[0].expect[0]).toMatchObject({
      path: "size[0]",
      steps: ["size", 0],
      loc: { file: "f.yaml", line: 4, column: 5 },
    });
  });
  it("XML escaping: markup, quotes, control characters and lone surrogates", () => {
    expect(xmlEscape(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
    expect(xmlEscape("a\nb\tc", true)).toBe("a&#10;b&#9;c");
    expect(xmlEscape("a\nb")).toBe("a\nb");
    expect(xmlEscape("bell\u0007 nul\u0000 \ud800 ok \ud83d\ude00")).toBe(
      "bell\ufffd nul\ufffd \ufffd ok \ud83d\ude00",
    );
    expect(xmlEscape("]]>")).toBe("]]&gt;");
  });
  it("any string escaped into an attribute and text stays well-formed", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const xml = `<r a="${xmlEscape(s, true)}">${xmlEscape(s)}</r>`;
        expect(xmlProblem(xml)).toBe("");
        const bad = [...xml].filter((c) => {
          const n = c.codePointAt(0)!;
          return n < 0x20 && n !== 0x09 && n !== 0x0a && n !== 0x0d;
        });
        expect(bad).toEqual([]);
      }),
    );
  });
});

describe("the real bin on examples/answers.yaml", () => {
  it("every course answer passes (exit 0)", () => {
    const r = dlq(["check", "examples/answers.yaml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed$/m);
  });
  it("--json, from another working directory", () => {
    const r = spawnSync(
      process.execPath,
      [
        ROOT + "bin/dlq.js",
        "check",
        ROOT + "examples/answers.yaml",
        "--json",
        "--only",
        "cnn-receptive-field,vae-kl,gcn-zero-node",
      ],
      {
        cwd: tmpdir(),
        encoding: "utf8",
      },
    );
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.entries.map((e: { status: string }) => e.status)).toEqual(["pass", "pass", "pass"]);
  });
  it("a wrong answer exits 1 and --junit is written", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlq-check-bin-"));
    writeFileSync(join(dir, "a.yaml"), "- {id: q, run: dropout 0.1 0.2, expect: {q: 0.3}}\n");
    const r = dlq(["check", join(dir, "a.yaml"), "--junit", join(dir, "out.xml")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^0 passed, 1 failed$/m);
    expect(xmlProblem(readFileSync(join(dir, "out.xml"), "utf8"))).toBe("");
  });
  it("a malformed file exits 2 with file:line:column, nothing on stdout", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlq-check-bin-"));
    writeFileSync(join(dir, "a.yaml"), "- id: q\n  run: dropout 0.1\n  expect: {qq: 0.1\n");
    const r = dlq(["check", join(dir, "a.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/a\.yaml:\d+:\d+: /);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
  it("an unknown path found at run time is a malformed row: exit 1, located", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlq-check-bin-"));
    writeFileSync(join(dir, "a.yaml"), "- id: q\n  run: dropout 0.1\n  expect: {qq: 0.1}\n");
    const r = dlq(["check", join(dir, "a.yaml")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/a\.yaml:3:12\): unknown path 'qq'/);
  });
});
