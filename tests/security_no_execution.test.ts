// Nothing an input says is ever executed. Every payload below would create a file if anything ran
// it — Python's __import__/os.system/eval/exec/open, mathjs's known escapes (a function's
// constructor, import, evaluate, createUnit…), YAML's js tags — through dlq shape, gradcheck,
// derive and check entries. Each must leave no file behind and exit 2, or exit 0/1 cleanly where
// the input is valid and the payload is a statement dlq only skips. The JavaScript payload is first
// run directly, to show that it does create its file when executed.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { dlq, dlqInProcess } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dlq-no-exec-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** The file every payload would create. */
const TARGET = join(dir, "pwned");
const SHELL = `touch ${TARGET}`;
/** JavaScript that creates TARGET when run (by Function, eval, or a mathjs escape). */
const JS = `process.getBuiltinModule('fs').writeFileSync('${TARGET}', 'x')`;

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** A run that executed nothing: no file created, and exit 2 (or one of `codes`). */
function nothingRan(r: ReturnType<typeof dlq>, codes: number[] = [2]): void {
  expect(existsSync(TARGET)).toBe(false);
  expect(r.signal).toBeNull();
  expect(codes).toContain(r.code);
  if (r.code === 2) {
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^dlq: [^\n]*\n$/);
  }
}

afterEach(() => {
  expect(readdirSync(dir).filter((f) => f.startsWith("pwned"))).toEqual([]);
});

describe("the payloads work when executed", () => {
  it.runIf(typeof process.getBuiltinModule === "function")(
    "the JavaScript payload creates its file when run directly",
    () => {
      new Function(JS)();
      expect(existsSync(TARGET)).toBe(true);
      rmSync(TARGET);
    },
  );
});

/** Python payloads as expressions. */
const PY_EXPRESSIONS = [
  `__import__('os').system('${SHELL}')`,
  `eval("__import__('os').system('${SHELL}')")`,
  `exec("import os; os.system('${SHELL}')")`,
  `open('${TARGET}', 'w')`,
  `open('${TARGET}', 'w').write('x')`,
  `(lambda: __import__('os'))().system('${SHELL}')`,
  `getattr(__import__('os'), 'system')('${SHELL}')`,
  `W.__class__.__init__.__globals__['os'].system('${SHELL}')`,
  `torch.save(W, '${TARGET}')`,
  `compile("import os", "x", "exec")`,
];

describe("dlq gradcheck", () => {
  it.each(PY_EXPRESSIONS)("EXPR %s", (expr) => {
    nothingRan(dlq(["gradcheck", expr, "--var", "W=3"]));
  });
  it.each(PY_EXPRESSIONS.map((e) => `torch.sum(W) + ${e}`))("inside an expression: %s", (expr) => {
    nothingRan(dlq(["gradcheck", expr, "--var", "W=3"]));
  });
  it("a snippet file: import os; os.system, open(..., 'w'), exec", () => {
    const snippet = file(
      "snippet.py",
      [
        "import os",
        "import torch",
        `os.system('${SHELL}')`,
        `open('${TARGET}', 'w').write('x')`,
        `exec("import os; os.system('${SHELL}')")`,
        "W = torch.rand(3, requires_grad=True, dtype=torch.float64)",
        "loss = (W * 2).sum()",
      ].join("\n"),
    );
    nothingRan(dlq(["gradcheck", snippet]));
  });
});

/** Python statements that run something, each in a file with a valid model. */
const PY_STATEMENTS = [
  `import os\nos.system('${SHELL}')`,
  `import os; os.system('${SHELL}')`,
  `__import__('os').system('${SHELL}')`,
  `eval("__import__('os').system('${SHELL}')")`,
  `exec("import os; os.system('${SHELL}')")`,
  `open('${TARGET}', 'w').write('x')`,
  `import subprocess\nsubprocess.run(['touch', '${TARGET}'])`,
  `torch.save(nn.Linear(1, 1), '${TARGET}')`,
];

describe("dlq shape FILE", () => {
  it.each(PY_STATEMENTS)("a statement dlq skips: %s", (stmt) => {
    const f = file(
      "model.py",
      `import torch\nimport torch.nn as nn\n${stmt}\nm = nn.Linear(3, 4)\n`,
    );
    const r = dlq(["shape", f, "--input", "1,3", "--json"]);
    nothingRan(r, [0, 2]);
    if (r.code === 0) expect(JSON.parse(r.stdout).params).toBe(16); // 3·4 + 4
  });
  it.each([
    `nn.Linear(3, len(open('${TARGET}', 'w').name))`,
    `nn.Linear(3, __import__('os').system('${SHELL}'))`,
    `nn.Linear(3, eval("__import__('os').system('${SHELL}')"))`,
  ])("a payload as a layer argument: %s", (call) => {
    const f = file("arg.py", `import torch.nn as nn\nm = ${call}\n`);
    nothingRan(dlq(["shape", f, "--input", "1,3"]));
  });
  it("a repr and a JSON spec holding payloads as values", () => {
    const repr = file(
      "m.repr.txt",
      `Linear(in_features=__import__('os').system('${SHELL}'), out_features=3)\n`,
    );
    nothingRan(dlq(["shape", repr, "--input", "1,3"]));
    const json = file(
      "m.json",
      JSON.stringify({
        layers: [
          { type: "Linear", in_features: `__import__('os').system('${SHELL}')`, out_features: 3 },
        ],
      }),
    );
    nothingRan(dlq(["shape", json, "--input", "1,3"]));
  });
});

/** mathjs's known escapes (its security guide) and variants of them. */
const MATHJS = [
  `cos.constructor("${JS}")()`,
  `cos.constructor("${JS}")`,
  `[].map.constructor("${JS}")()`,
  `f = cos.constructor; f("${JS}")`,
  `x + cos["constructor"]("${JS}")`,
  `import({x: 1}, {override: true})`,
  `evaluate("cos.constructor('${JS}')()")`,
  `x * evaluate("1")`,
  `createUnit("pwned", "1 m")`,
  `parse("x").compile().evaluate()`,
  `compile("x")`,
  `simplify("x")`,
  `derivative("x", "x")`,
  `resolve(x, {x: 1})`,
  `chain(x).done()`,
  `"${JS}"`,
  `constructor * x`,
  `__proto__ * x`,
  `f(x) = x; f(2)`,
];

describe("dlq derive", () => {
  // In-process (src/cli.ts's main, as the bin runs it), so that mathjs loads once; dlq check's
  // entries below run them all again through the built CLI.
  it.each(MATHJS)("EXPR %s", async (expr) => {
    const r = await dlqInProcess("derive", expr);
    nothingRan({ code: r.code, signal: null, stdout: r.out, stderr: r.err });
  });
  it("the same escapes as --wrt and --at values", () => {
    nothingRan(dlq(["derive", "x^2", "--wrt", `cos.constructor("${JS}")()`]));
    nothingRan(dlq(["derive", "x^2", "--at", `x=cos.constructor("${JS}")()`]));
    nothingRan(dlq(["derive", "x^2", "--at", "__proto__=1"]));
  });
});

describe("dlq check entries", () => {
  it("entries running every kind of payload: no file, each refusal expected", () => {
    file(
      "skipped.py",
      `import torch.nn as nn\nimport os\nos.system('${SHELL}')\nm = nn.Linear(3, 4)\n`,
    );
    const refused = (id: string, command: string, args: string[]) => ({
      id,
      run: { command, args },
      expect: { $exit: 2 },
    });
    const answers = [
      { id: "skipped", run: "shape skipped.py --input 1,3", expect: { params: 16 } },
      {
        id: "inline",
        run: {
          command: "shape",
          model: `import torch.nn as nn\n__import__('os').system('${SHELL}')\nm = nn.Linear(3, 4)\n`,
          args: ["--input", "1,3"],
        },
        expect: { params: 16 },
      },
      ...MATHJS.map((e, i) => refused(`derive-${i}`, "derive", [e])),
      ...PY_EXPRESSIONS.map((e, i) => refused(`gradcheck-${i}`, "gradcheck", [e, "--var", "W=3"])),
      // No shell: `;`, `$(…)` and backticks are arguments, refused as probabilities.
      { id: "shell", run: `dropout 0.1 "; ${SHELL}"`, expect: { $exit: 2 } },
      { id: "subst", run: `dropout "$(${SHELL})" "\`${SHELL}\`"`, expect: { $exit: 2 } },
    ];
    const r = dlq(["check", file("answers.json", JSON.stringify(answers)), "--json"], {
      timeoutMs: 120_000,
    });
    nothingRan(r, [0]);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, failed: 0, malformed: 0, errors: 0 });
    expect(report.passed).toBe(answers.length);
  });

  it("YAML's js tags are not types: a !!js/function is a string, a !!js/eval run is refused", () => {
    const yaml = file(
      "tags.yaml",
      [
        "- id: tag",
        "  run: dlq dropout 0.1",
        `  expect: {q: !!js/function "function () { ${JS}; return 0.1 }"}`,
        "- id: run",
        `  run: !!js/eval "${JS}"`,
        "  expect: {q: 1}",
      ].join("\n"),
    );
    nothingRan(dlq(["check", yaml]), [1, 2]);
  });
});
