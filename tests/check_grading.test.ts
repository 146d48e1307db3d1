/**
 * `dlq check KEY --answers STUDENT`: the instructor's key owns ids, commands, models, paths,
 * comparisons and tolerances; the student's file holds only {id: value}. Every trick that made a
 * wrong answer pass when the student's file was itself the answers file (issue 10: 13 of 13) is
 * tried here as a student would write it, through the real bin: the wrong answer never passes —
 * the file is refused (exit 2, one line, nothing on stdout) or the answer fails (exit 1).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, dlq } from "./helpers.js";

/** The key: four questions, each answered by a command and a path of its output. */
const KEY = `# the instructor's key
answers:
  - id: q
    description: Dropout(0.1) then Dropout(0.2) drop like one Dropout(q)
    run: dropout 0.1 0.2
    answer: q
  - id: rf
    run: rf cnn.py
    answer: size
  - id: params
    run: shape cnn.py
    answer: params
  - id: kl
    run: kl --mu 0.5,-1 --logvar 0,0.2 --samples 0
    answer: {path: closed_form, tolerance: {abs: 1e-4}}
`;
/** The right answers (hand-checked: 1 − 0.9·0.8; course_cnn.py's RF and parameters; KL). */
const RIGHT = "q: 0.28\nrf: [112, 112]\nparams: 26848\nkl: 0.6357\n";

/** A folder with the key, the course CNN next to it and the student's file. */
function grading(student: string, key = KEY): { dir: string; key: string; student: string } {
  const dir = mkdtempSync(join(tmpdir(), "dlq-grade-"));
  copyFileSync(ROOT + "examples/course_cnn.py", join(dir, "cnn.py"));
  writeFileSync(join(dir, "key.yaml"), key);
  writeFileSync(join(dir, "student.yaml"), student);
  return { dir, key: join(dir, "key.yaml"), student: join(dir, "student.yaml") };
}

function grade(student: string, ...extra: string[]) {
  const g = grading(student);
  return { ...dlq(["check", g.key, "--answers", g.student, ...extra]), dir: g.dir };
}

/** A refusal: exit 2, one line on stderr naming the student's file, nothing on stdout. */
function expectRefused(r: { code: number | null; stdout: string; stderr: string }, msg: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/^dlq: .*student\.yaml:\d+:\d+: /);
  expect(r.stderr).toMatch(msg);
}

describe("grading a student's answers", () => {
  it("right answers pass (exit 0); the table names each answer", () => {
    const r = grade(RIGHT);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ id\s+│ path\s+│ expected\s+│ answer\s+│ result/);
    expect(r.stdout).toMatch(/│ q\s+│ q\s+│ 0\.28\s+│ 0\.28\s+│ pass/);
    expect(r.stdout).toMatch(
      /│ kl\s+│ closed_form\s+│ ≈ 0\.63570\d* \(abs 0\.0001, rel 0\)\s+│ 0\.6357/,
    );
    expect(r.stdout).toMatch(/^4 passed, 0 failed$/m);
  });
  it("a wrong answer and a missing one fail (exit 1); --json and --junit say which", () => {
    const g = grading("q: 0.3\nrf: [112, 112]\nparams: 26848\n");
    const xml = join(g.dir, "r.xml");
    const r = dlq(["check", g.key, "--answers", g.student, "--json", "--junit", xml]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ mode: "answers", ok: false, passed: 2, failed: 2 });
    expect(j.answers_file).toMatch(/student\.yaml$/);
    const byId = Object.fromEntries(j.entries.map((e: { id: string }) => [e.id, e]));
    expect(byId.q).toMatchObject({ status: "fail", answered: true });
    expect(byId.q.checks[0]).toMatchObject({ path: "q", expected: 0.28, got: 0.3, ok: false });
    expect(byId.kl).toMatchObject({ status: "fail", answered: false, exit_code: null });
    expect(byId.kl.checks[0].message).toBe("no answer");
    const x = readFileSync(xml, "utf8");
    expect(x).toMatch(/tests="4" failures="2" errors="0"/);
    expect(x).toMatch(
      /<testcase name="q"[^>]*>\s*<failure type="WrongAnswer" message="q: expected 0\.28, got 0\.3/,
    );
    expect(x).toMatch(
      /<testcase name="kl"[^>]*>\s*<failure type="WrongAnswer" message="closed_form: no answer"/,
    );
  });
  it("an answer within the key's tolerance passes, outside it fails", () => {
    expect(grade(RIGHT.replace("kl: 0.6357", "kl: 0.63575")).code).toBe(0);
    const r = grade(RIGHT.replace("kl: 0.6357", "kl: 0.6367"));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ kl: closed_form: expected ≈ 0\.6357\d+, got 0\.6367/);
  });
  it("an empty student file answers nothing: every question fails", () => {
    const r = grade("# nothing yet\n");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^0 passed, 4 failed$/m);
  });
  it("the key needs answer: paths; the key and the answers must be two files", () => {
    const g = grading(RIGHT, "- {id: q, run: dropout 0.1 0.2, expect: {q: 0.28}}\n");
    const r = dlq(["check", g.key, "--answers", g.student]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the key has no entry with 'answer:'/);
    expect(dlq(["check", g.key, "--answers", g.key]).code).toBe(2);
  });
  it("a key's answer path that its command's output lacks is a malformed entry (exit 1)", () => {
    const g = grading("q: 0.28\n", "- {id: q, run: dropout 0.1 0.2, answer: qq}\n");
    const r = dlq(["check", g.key, "--answers", g.student]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ q: malformed .*answer path 'qq' is not in the output/);
    // The key's self-check finds it too, before any student is graded.
    expect(dlq(["check", g.key]).stdout).toMatch(/malformed .*unknown path 'qq'/);
  });
});

describe("every trick of a student's file is refused or fails (each with a wrong q = 0.3)", () => {
  const WRONG = "q: 0.3\nrf: [112, 112]\nparams: 26848\nkl: 0.6357\n";
  const refused: [string, string, RegExp][] = [
    [
      "a file-wide huge tolerance",
      "tolerance: {abs: 1e308}\n" + WRONG,
      /'tolerance' is not a question of the key/,
    ],
    ["a file-wide huge relative tolerance", "rel: 1e300\n" + WRONG, /'rel' is not a question/],
    [
      "a comparison with its own tolerance",
      WRONG.replace("q: 0.3", 'q: {"≈": 99, abs: 1e300}'),
      /'q': an answer is a value .*not a mapping; comparisons and tolerances belong to the key/,
    ],
    [
      "a vacuous comparison >",
      WRONG.replace("q: 0.3", 'q: {">": -1e308}'),
      /'q': an answer is a value/,
    ],
    [
      "a vacuous comparison !=",
      WRONG.replace("q: 0.3", 'q: {"!=": "x"}'),
      /'q': an answer is a value/,
    ],
    ["$exit >= 0", '$exit: {">=": 0}\n' + WRONG, /'\$exit' is not a question/],
    ['$stderr contains ""', '$stderr: {contains: ""}\n' + WRONG, /'\$stderr' is not a question/],
    [
      "answering another question (its own run)",
      "- {id: q, run: dropout 0.28, expect: {q: 0.28}}\n",
      /a student's answers file is a mapping \{id: value\}/,
    ],
    [
      "an inline model built to give the number",
      "- id: params\n  run:\n    command: shape\n    model: |\n      import torch.nn as nn\n      net = nn.Linear(1, 1)\n  expect: {params: 2}\n",
      /a student's answers file is a mapping \{id: value\}/,
    ],
    [
      "an inline model as the answer",
      WRONG.replace("params: 26848", 'params: {model: "net = nn.Linear(1, 1)"}'),
      /'params': an answer is a value/,
    ],
    [
      "an always-right path (schema_version)",
      "- {id: rf, run: rf cnn.py, expect: {schema_version: 1}}\n",
      /a student's answers file is a mapping/,
    ],
    [
      "an entry tolerance",
      "- {id: q, run: dropout 0.1 0.2, expect: {q: 0.3}, tolerance: {abs: 1}}\n",
      /a student's answers file is a mapping/,
    ],
    ["a run: key next to the answers", "run: dropout 0.3\n" + WRONG, /'run' is not a question/],
    [
      "an alias to another answer",
      "rf: &a [112, 112]\nq: *a\n",
      /aliases \(\*name\) are not supported/,
    ],
    ["answering twice (the second right)", WRONG + "q: 0.28\n", /Map keys must be unique/],
    ["a NaN", WRONG.replace("q: 0.3", "q: .nan"), /NaN is not a finite number/],
    ["an infinity", WRONG.replace("q: 0.3", "q: .inf"), /Infinity is not a finite number/],
    [
      "a mapping inside a list",
      WRONG.replace("rf: [112, 112]", "rf: [{abs: 1e308}]"),
      /'rf': a list in an answer holds values, not mappings/,
    ],
    ["__proto__", "__proto__: {q: 0.28}\n" + WRONG, /'__proto__' is not a question/],
  ];
  for (const [trick, text, msg] of refused) {
    it(`${trick}: refused`, () => {
      expectRefused(grade(text), msg);
    });
  }

  const failing: [string, string][] = [
    ["the value of schema_version (1) as every answer", "q: 1\nrf: 1\nparams: 1\nkl: 1\n"],
    ["the right number as text", WRONG.replace("q: 0.3", 'q: "0.3"')],
    ["a list holding the right answer and others", WRONG.replace("q: 0.3", "q: [0.28, 0.3]")],
    ["true for a number", WRONG.replace("q: 0.3", "q: true")],
    ["null for a number", WRONG.replace("q: 0.3", "q: null")],
    ["a string with a regex", WRONG.replace("q: 0.3", 'q: ".*"')],
  ];
  for (const [trick, text] of failing) {
    it(`${trick}: the wrong answer fails (exit 1)`, () => {
      const r = grade(text);
      expect(r.code).toBe(1);
      const j = JSON.parse(grade(text, "--json").stdout);
      const q = j.entries.find((e: { id: string }) => e.id === "q");
      expect(q.status).toBe("fail");
      if (trick.startsWith("the value of schema_version")) {
        expect(j.passed).toBe(0);
      }
    });
  }

  it("the student's file cannot change the key's tolerance, command or path", () => {
    // The same wrong answer with every trick that still parses as {id: value}: fails.
    const r = grade("q: 0.3\n", "--json");
    const q = JSON.parse(r.stdout).entries.find((e: { id: string }) => e.id === "q");
    expect(q.command).toEqual(["dlq", "dropout", "0.1", "0.2", "--json"]);
    expect(q.checks[0]).toMatchObject({ path: "q", expected: 0.28, got: 0.3, ok: false });
  });
  it("an unknown id suggests the key's close ids; a huge one is quoted short", () => {
    expectRefused(grade("qq: 0.28\n"), /'qq' is not a question of the key \(did you mean 'q'/);
    const long = "x".repeat(100000);
    const r = grade(`? ${long}\n: 1\n`); // an explicit key: an implicit one has at most 1024

    expectRefused(r, /'x{31}…' is not a question/);
    expect(r.stderr.length).toBeLessThan(400);
  });
  it("examples/student_answers.yaml passes against examples/answers.yaml", () => {
    expect(existsSync(ROOT + "examples/student_answers.yaml")).toBe(true);
    const r = dlq(["check", "examples/answers.yaml", "--answers", "examples/student_answers.yaml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^9 passed, 0 failed$/m);
  });
});
