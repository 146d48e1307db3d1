/**
 * The real command line (bin/dlq.js → dist/, built by `npm test` first): output, JSON, exit codes,
 * stdin, colour. Expected values are the course's (worked by hand and by PyTorch).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT, dlq } from "./helpers.js";

const noTrace = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

describe("dlq rf", () => {
  it("the course CNN: 112, 8, 29 (JSON)", () => {
    const r = dlq(["rf", "examples/course_cnn.py", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.schema_version).toBe(1);
    expect(j.size).toEqual([112, 112]);
    expect(j.stride).toEqual([8, 8]);
    expect(j.padding).toEqual([29, 29]);
    expect(j.layers).toHaveLength(8);
    expect(j.layers[6]).toMatchObject({ name: "6", type: "Conv2d", size: [112, 112] });
    expect(j.center_convention).toMatch(/pixel/);
  });
  it("table output names the paper and the coordinate convention", () => {
    const r = dlq(["rf", "examples/course_cnn.py"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Receptive field size: 112×112/);
    expect(r.stdout).toMatch(/Araujo/);
    expect(r.stdout).toMatch(/centred at i/);
  });
  it("--format csv: one row per layer, the last the course's 112, 8, 29", () => {
    const r = dlq(["rf", "examples/course_cnn.py", "--format", "csv"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("Layer,Type,RF size,Eff. stride,Eff. padding,Centre of 0");
    expect(lines).toHaveLength(9);
    expect(lines[8]).toMatch(/^7,ReLU,112×112,8×8,29×29,/);
  });
  it("a transposed convolution has no receptive field: exit 2 naming the layer", () => {
    const src = "net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ConvTranspose2d(2, 1, 3))";
    const r = dlq(["rf", "-"], { input: src });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/layer 1 \(ConvTranspose2d\)/);
    expect(r.stdout).toBe("");
  });
});

describe("dlq shape", () => {
  it("the course CNN from its own tensor: [1, 32, 122, 122], 26,848 parameters", () => {
    const r = dlq(["shape", "examples/course_cnn.py", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.output).toEqual([1, 32, 122, 122]);
    expect(j.params).toBe(26848);
    expect(j.trainable_params).toBe(26848);
    expect(j.layers.map((l: { params: number }) => l.params)).toEqual([
      112, 0, 0, 1616, 0, 0, 25120, 0,
    ]);
  });
  it("the mlpirate shares its Linear: 22,145 parameters, not 401,921", () => {
    const r = dlq(["shape", "examples/course_mlpirate.py", "--input", "64x42", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.params).toBe(22145);
    expect(j.output).toEqual([64, 1]);
    expect(j.layers).toHaveLength(51);
    expect(j.layers[4]).toMatchObject({ name: "4", params: 0, shared_with: "2" });
  });
  it("the mlpirate's repr cannot show sharing: a note on stderr, but only when the command succeeds", () => {
    const ok = dlq(["shape", "examples/course_mlpirate.repr.txt", "--input", "1,42", "--json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).params).toBe(401921); // 42·128+128 + 24·(128·128+128) + 129
    expect(ok.stderr).toMatch(/^dlq: note: .*a printed repr cannot show shared modules/);
    const bad = dlq(["shape", "examples/course_mlpirate.repr.txt"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/no input shape/);
  });

  it("the embedding snippet: (5, 6, 7, 8) → (5, 6, 7, 8, 42000), 1,764,000 parameters", () => {
    const j = JSON.parse(dlq(["shape", "examples/course_embedding.py", "--json"]).stdout);
    expect(j.output).toEqual([5, 6, 7, 8, 42000]);
    expect(j.params).toBe(1764000);
  });
  it("reads standard input", () => {
    const src = readFileSync(ROOT + "examples/course_cnn.py", "utf8");
    const r = dlq(["shape", "-", "--json"], { input: src });
    expect(JSON.parse(r.stdout).output).toEqual([1, 32, 122, 122]);
  });
  it("the table has totals and torchinfo's memory estimate", () => {
    const r = dlq(["shape", "examples/course_cnn.py"]);
    expect(r.stdout).toMatch(/Total params:\s+26,848/);
    expect(r.stdout).toMatch(/Input size \(MB\):\s+12\.58/); // 3·1024²·4 B = 12.58 MB
    expect(r.stdout).toMatch(/Estimated total size \(MB\):/);
  });
  it("a channel mismatch is refused naming the layer and the numbers", () => {
    const src = "nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(4, 8, 3))";
    const r = dlq(["shape", "-", "--input", "1,3,32,32"], { input: src });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/layer 1 \(Conv2d\)/);
    expect(r.stderr).toMatch(/4/);
    expect(r.stderr).toMatch(/8/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
  });
  it("a Linear whose in_features ≠ the last dim is refused", () => {
    const r = dlq(["shape", "-", "--input", "2,10"], { input: "nn.Linear(12, 3)" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2x10 and 12x3/);
  });
  it("input smaller than the dilated kernel is refused", () => {
    const src = "nn.Conv2d(1, 1, kernel_size=3, dilation=4)";
    const r = dlq(["shape", "-", "--input", "1,1,8,8"], { input: src });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Conv2d/);
  });
});

describe("dlq dropout", () => {
  it("0.1 0.2 → q = 0.28 exactly", () => {
    const j = JSON.parse(dlq(["dropout", "0.1", "0.2", "--json"]).stdout);
    expect(j).toMatchObject({ schema_version: 1, q: 0.28, keep: 0.72, scale: 1 / 0.72 });
    expect(j.scales).toEqual([1 / 0.9, 1.25]);
  });
  it("symbols give the expression", () => {
    const r = dlq(["dropout", "p1", "p2"]);
    expect(r.stdout).toMatch(/q = p1 \+ p2 − p1·p2/);
    expect(JSON.parse(dlq(["dropout", "p1", "p2", "--json"]).stdout).q).toBe("p1 + p2 - p1*p2");
  });
  it("p = 1 is legal: q = 1, scale undefined, never Infinity or NaN", () => {
    const r = dlq(["dropout", "1", "0.5", "--json"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/Infinity|NaN/);
    expect(JSON.parse(r.stdout)).toMatchObject({ q: 1, keep: 0, scale: null });
    const t = dlq(["dropout", "1"]);
    expect(t.stdout).not.toMatch(/Infinity|NaN/);
    expect(t.stdout).toMatch(/undefined/);
  });
  it.each([["1.5"], ["-0.1"], ["abc!"], ["nan"]])("%s is refused with exit 2", (p) => {
    const r = dlq(["dropout", p]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    noTrace(r.stderr);
  });
});

describe("exit codes and messages", () => {
  it("a missing file: exit 2, one line", () => {
    const r = dlq(["rf", "/nonexistent/model.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("dlq: /nonexistent/model.json: cannot read model: no such file\n");
  });
  it("a syntax error on stdin: exit 2 with line:column", () => {
    const src = "nn.Sequential(nn.Conv2d(3, 4, kernel_size=3,, padding=1))";
    const r = dlq(["shape", "-", "--input", "1,3,32,32"], { input: src });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dlq: <stdin>:1:\d+: /);
    noTrace(r.stderr);
  });
  it("an unknown module suggests close names", () => {
    const r = dlq(["shape", "-", "--input", "1,3,8,8"], { input: "nn.Conv2D(3, 4, 3)" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Conv2D.*Conv2d/);
  });
  it("usage errors from commander exit 2", () => {
    expect(dlq(["shape"]).code).toBe(2);
    expect(dlq(["shape", "x.py", "--bogus"]).code).toBe(2);
    expect(dlq(["frobnicate"]).code).toBe(2);
    expect(dlq([]).code).toBe(2);
  });
  it("a bad --input is a usage error", () => {
    const r = dlq(["shape", "examples/course_mlpirate.py", "--input", "1,-4"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--input/);
  });
  it("--help and --version exit 0", () => {
    expect(dlq(["--help"]).code).toBe(0);
    expect(dlq(["shape", "--help"]).stdout).toMatch(/Examples:/);
    expect(dlq(["--version"]).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("colour", () => {
  const ansi = /\x1b\[/; // eslint-disable-line no-control-regex
  it("FORCE_COLOR colours; NO_COLOR, --no-color and --json do not", () => {
    const args = ["rf", "examples/course_cnn.py"];
    expect(dlq(args, { env: { FORCE_COLOR: "1" } }).stdout).toMatch(ansi);
    expect(dlq(args, { env: { FORCE_COLOR: "1", NO_COLOR: "1" } }).stdout).not.toMatch(ansi);
    expect(dlq([...args, "--no-color"], { env: { FORCE_COLOR: "1" } }).stdout).not.toMatch(ansi);
    expect(dlq([...args, "--json"], { env: { FORCE_COLOR: "1" } }).stdout).not.toMatch(ansi);
  });
  it("piped output is plain (not a TTY)", () => {
    expect(dlq(["dropout", "0.1", "0.2"]).stdout).not.toMatch(ansi);
  });
});

describe("edge cases found by trying the product", () => {
  it("derive: nothing cross-checked when the derivative is undefined at every point → exit 1", () => {
    const r = dlq(["derive", "log(x)", "--at", "x=0"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/nothing was cross-checked/);
    expect(JSON.parse(dlq(["derive", "log(x)", "--at", "x=0", "--json"]).stdout)).toMatchObject({
      agree: false,
      checked: 0,
    });
  });
  it("kl: a logvar whose variance overflows float64 is bad input (exit 2), not a failed check", () => {
    const r = dlq(["kl", "--mu", "1", "--logvar", "1000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--logvar/);
    expect(r.stdout).toBe("");
  });
  it("a model without an input shape gets an example for its first layer", () => {
    const r = dlq(["shape", "examples/course_mlpirate.py"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--input 1,42 for its first layer, Linear/);
    const e = dlq(["shape", "examples/course_embedding.repr.txt"]);
    expect(e.stderr).toMatch(/indices/);
  });
  it("`dlq … | head` closing the pipe early is not an error", () => {
    const r = spawnSync(
      "bash",
      ["-c", `node "${ROOT}bin/dlq.js" shape "${ROOT}examples/vgg11.py" | head -1`],
      {
        encoding: "utf8",
      },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
  });
});

describe("limits", () => {
  it("an input that never ends (/dev/zero, an endless pipe) is refused at 64 MiB", () => {
    const r = dlq(["shape", "/dev/zero"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "dlq: /dev/zero: cannot read model: larger than 64 MiB, the most dlq reads\n",
    );
    const piped = dlq(["shape", "-"], { input: "x = 1\n".repeat(12 * 1024 * 1024) });
    expect(piped.code).toBe(2);
    expect(piped.stderr).toMatch(/^dlq: <stdin>: cannot read model: larger than 64 MiB/);
  });
  it("a tensor too large for the core is bad input, not an internal error", () => {
    const r = dlq(["gradcheck", "x.sum()", "--var", "x=1000000x1000000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2\^27/);
  });
  it("dlq grad refuses a study far beyond its budget, saying what to change", () => {
    const r = dlq(["grad", "examples/course_cnn.py"]); // 64 × 3 × 1024 × 1024 inputs, 10 seeds
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/smaller --input/);
  });
  it("dlq grad refuses cross-entropy over a single output (the loss is identically 0)", () => {
    const r = dlq(["grad", "examples/course_mlpirate.py", "--loss", "ce"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/at least 2 classes/);
  });
  it("--input rejects empty sizes; a batch of 0 is allowed as in PyTorch", () => {
    expect(dlq(["shape", "examples/course_mlpirate.py", "--input", "1,,42"]).code).toBe(2);
    const j = JSON.parse(
      dlq(["shape", "examples/course_mlpirate.py", "--input", "0,42", "--json"]).stdout,
    );
    expect(j.output).toEqual([0, 1]);
  });
});

describe("second QA round", () => {
  it("kl: when the Monte-Carlo samples overflow float64 the check is skipped, not failed", () => {
    const r = dlq(["kl", "--mu", "0", "--logvar", "708"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/NaN|Infinity/);
    expect(r.stdout).toMatch(/Monte Carlo: not made/);
    // KL = ½(e^708 − 1 − 708), hand-derived.
    const j = JSON.parse(dlq(["kl", "--mu", "0", "--logvar", "708", "--json"]).stdout);
    expect(j.mc).toBeNull();
    expect(j.closed_form).toBeCloseTo(0.5 * (Math.exp(708) - 709), -300);
  });
  it("check: --help inside an entry's run is refused before running (exit 2)", () => {
    const r = dlq(["check", "-"], {
      input: "answers:\n  - id: h\n    run: dropout 0.5 --help\n    expect: {q: 0.5}\n",
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/--help/);
  });
});
