// Models too large for dlq are refused up front with one line saying what to change (exit 2), and
// large ones that fit are read in linear time. Bounds are asserted from outside: a child process
// with a generous timeout and a capped heap; values are hand-derived.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_NUM_LAYERS } from "../src/analysis/layers/recurrent.js";
import { renderTable } from "../src/commands/table.js";
import { MAX_JSON_VALUES, MAX_MODULES, MAX_REPR_LINES } from "../src/spec/limits.js";
import { dlq } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dlq-model-limits-"));
// The files here reach 60 MB each.
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const BOUNDS = { timeoutMs: 60_000, heapMb: 1024 };
/** For what must be linear: 100,000 layers take about 2 s; quadratic, they took 40 s. */
const LINEAR = { timeoutMs: 20_000, heapMb: 1024 };

/** Exit 2, exactly one stderr line, nothing on stdout. */
function refused(r: ReturnType<typeof dlq>, message: RegExp): void {
  expect(r.signal).toBeNull();
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^dlq: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(2);
}

/** A printed repr of a flat Sequential of `n` alternating Linear(8, 8) and ReLU. */
function flatRepr(n: number): string {
  const lines = ["Sequential("];
  for (let i = 0; i < n; i++) {
    lines.push(
      i % 2 === 0
        ? `  (${i}): Linear(in_features=8, out_features=8, bias=True)`
        : `  (${i}): ReLU()`,
    );
  }
  lines.push(")");
  return lines.join("\n") + "\n";
}

describe("recurrent layers: num_layers is bounded", () => {
  it("nn.LSTM(…, num_layers=2**31) is refused at once, naming what to change (was walked layer by layer)", () => {
    const f = file("lstm.py", "import torch.nn as nn\nm = nn.LSTM(4, 8, num_layers=2**31)\n");
    refused(
      dlq(["shape", f, "--input", "5,1,4"], { timeoutMs: 20_000, heapMb: 256 }),
      new RegExp(
        `layer m \\(LSTM\\): num_layers=2147483648 is more than dlq models.*at most ${MAX_NUM_LAYERS} layers; use a smaller num_layers`,
      ),
    );
  });

  it(`${MAX_NUM_LAYERS} layers still count: LSTM(4, 8, bidirectional, proj_size=2) has 544 per layer`, () => {
    // Per direction: W_ih 32×4 (layer 0; later layers take D·proj = 4 inputs: also 32×4), W_hh
    // 32×2, b_ih 32, b_hh 32, W_hr 2×8 → 128 + 64 + 32 + 32 + 16 = 272; two directions: 544.
    const f = file(
      "lstm10k.py",
      `import torch.nn as nn\nm = nn.LSTM(4, 8, num_layers=${MAX_NUM_LAYERS}, bidirectional=True, proj_size=2)\n`,
    );
    const r = dlq(["shape", f, "--input", "5,1,4", "--json"], BOUNDS);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).params).toBe(544 * MAX_NUM_LAYERS);
  });
});

describe("tables of more than 120,000 rows", () => {
  it("renderTable draws 200,000 rows (was: Maximum call stack size exceeded)", () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [String(i), "x".repeat(i % 7)]);
    const text = renderTable(["n", "x"], rows);
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(200_000 + 3);
    expect(lines[lines.length - 2]).toBe("│ 199999 │ xx     │");
  });

  it("dlq dropout with 130,000 layers prints its table (was exit 3)", () => {
    const r = dlq(["dropout", ...Array(130_000).fill("0.5")], BOUNDS);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("│ Dropout(p=0.5)"))).toHaveLength(
      130_000,
    );
  });
});

describe("printed reprs parse in linear time", () => {
  it(`a repr of ${MAX_MODULES} layers (was 14 s for 40,000 lines: a duplicate-name scan per child)`, () => {
    const r = dlq(
      ["shape", file("flat.repr.txt", flatRepr(MAX_MODULES)), "--input", "1,8", "--json"],
      LINEAR,
    );
    expect(r.code).toBe(0);
    // 50,000 Linear(8, 8): 72 parameters each.
    expect(JSON.parse(r.stdout).params).toBe(50_000 * 72);
  });

  it("a repr of 13,000 nested Sequentials of one Linear each", () => {
    const lines = ["Sequential("];
    for (let i = 0; i < 13_000; i++) {
      lines.push(
        `  (${i}): Sequential(`,
        "    (0): Linear(in_features=8, out_features=8, bias=True)",
        "  )",
      );
    }
    lines.push(")");
    const r = dlq(
      ["shape", file("nested.repr.txt", lines.join("\n")), "--input", "1,8", "--json"],
      LINEAR,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).params).toBe(13_000 * 72);
  });
});

describe("large model files are refused before they exhaust memory", () => {
  it(`a repr of ${MAX_MODULES + 1} modules`, () => {
    refused(
      dlq(["shape", file("over.repr.txt", flatRepr(MAX_MODULES + 1)), "--input", "1,8"], BOUNDS),
      new RegExp(
        `over\\.repr\\.txt:${MAX_MODULES + 2}:3: the model has more than ${MAX_MODULES} modules`,
      ),
    );
  });

  it("a repeated line counts each copy: (0-99999): 100000 x Sequential of two", () => {
    const text = [
      "Sequential(",
      "  (0-99999): 100000 x Sequential(",
      "    (0): ReLU()",
      "    (1): ReLU()",
      "  )",
      ")",
    ].join("\n");
    refused(
      dlq(["shape", file("repeat.repr.txt", text), "--input", "1,8"], BOUNDS),
      /more than 100000 modules/,
    );
  });

  it("a 3.3-million-line repr (50 MB: was 4 GB of memory, then a crash)", () => {
    const relus = Array.from({ length: 3_300_000 }, (_, i) => `  (${i}): ReLU()`);
    const f = file("huge.repr.txt", ["Sequential(", ...relus, ")"].join("\n") + "\n");
    refused(
      dlq(["shape", f, "--input", "1,8"], BOUNDS),
      new RegExp(
        `huge\\.repr\\.txt:${MAX_REPR_LINES + 1}:1: the repr has 3300003 lines, more than dlq reads \\(at most ${MAX_REPR_LINES}\\)`,
      ),
    );
  });

  it("a repr followed by 60 million blank lines (was minutes: a regular expression ran across them)", () => {
    const f = file(
      "blank.repr.txt",
      "Sequential(\n  (0): ReLU()\n" + "\n".repeat(60_000_000) + ")\n",
    );
    refused(dlq(["shape", f, "--input", "1,8"], BOUNDS), /the repr has 60000004 lines/);
  });

  it(`a JSON spec of ${MAX_MODULES + 1} layers`, () => {
    const layers = Array(MAX_MODULES + 1)
      .fill('{"type": "ReLU"}')
      .join(",\n");
    refused(
      dlq(["shape", file("over.json", `{"layers": [\n${layers}\n]}`), "--input", "1,8"], BOUNDS),
      new RegExp(
        `over\\.json:${MAX_MODULES + 2}:1: the model has more than ${MAX_MODULES} modules`,
      ),
    );
  });

  it("a JSON spec of 20 million values (was: Map maximum size exceeded, exit 3)", () => {
    const text = `{"layers": [{"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": [${"1,".repeat(20_000_000)}1]}]}`;
    refused(
      dlq(["shape", file("values.json", text), "--input", "1,1,8,8"], BOUNDS),
      new RegExp(`values\\.json:1:\\d+: the spec has more than ${MAX_JSON_VALUES} JSON values`),
    );
  });
});

describe("ints beyond float64 in layer arguments", () => {
  it("9**9**9 and 9**9**9 % 7 say that the int is beyond what dlq computes, not 'got NaN'", () => {
    // Python's ints are exact: 9**9**9 has 369,693,100 digits. dlq computes ints exactly up to
    // 100,000 bits (src/python/semantics.ts) and refuses beyond, at the argument.
    for (const expr of ["9**9**9", "9**9**9 % 7"]) {
      const f = file("big.py", `import torch.nn as nn\nm = nn.Linear(${expr}, 3)\n`);
      refused(
        dlq(["shape", f, "--input", "1,3"]),
        /big\.py:2:15: dlq cannot evaluate an argument of Linear \(an integer of more than 100,000 bits, which dlq does not compute\)/,
      );
    }
  });
  it("2**64 % 5 is exact, as in Python (1, not 0)", () => {
    const f = file("exact.py", "import torch.nn as nn\nm = nn.Linear(2**64 % 5, 3)\n");
    const r = dlq(["shape", f, "--input", "1,1", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).params).toBe(1 * 3 + 3);
  });
  it("a repr's inf and nan are shown as Python prints them", () => {
    const f = file("inf.repr.txt", "Linear(in_features=inf, out_features=3, bias=True)\n");
    refused(dlq(["shape", f, "--input", "1,3"]), /in_features must be an int, got inf \(/);
  });
});
