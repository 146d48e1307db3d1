/**
 * `dlq shape`'s torchinfo options on the real command line: `--columns`, `--format`, `--depth`,
 * frozen parameters in parentheses, totals in automatic units. Expected values come from the
 * PyTorch fixture (tests/fixtures/models.json) and torchinfo's documented conventions.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { commas } from "../src/commands/table.js";
import { ROOT, dlq } from "./helpers.js";

const fixture = JSON.parse(readFileSync(ROOT + "tests/fixtures/models.json", "utf8")) as {
  models: Record<
    string,
    {
      params: number;
      mult_adds: number;
      modules: { name: string; type: string; leaf: boolean; params: number }[];
    }
  >;
};

/** A CSV document's rows (no quoted commas needed for these columns). */
function csvRows(text: string): string[][] {
  return text
    .trim()
    .split("\n")
    .map((l) => l.split(","));
}

describe("dlq shape --columns", () => {
  const e = fixture.models.resnet18_cifar;
  const r = dlq([
    "shape",
    "examples/resnet18_cifar.py",
    "--depth",
    "9",
    "--columns",
    "params,params_percent,trainable",
    "--format",
    "csv",
  ]);

  it("prints the columns asked for, in that order, as CSV with plain integers", () => {
    expect(r.code).toBe(0);
    const [head] = csvRows(r.stdout);
    expect(head).toEqual(["Layer", "Type", "Param #", "Param %", "Trainable"]);
  });

  it("every leaf layer's parameters and its share of the total agree with PyTorch", () => {
    const rows = csvRows(r.stdout).slice(1);
    const leaves = e.modules.filter((m) => m.leaf && m.params > 0);
    for (const m of leaves) {
      const row = rows.find((x) => x[0] === m.name);
      expect(row, m.name).toBeDefined();
      expect(row![2]).toBe(String(m.params));
      expect(row![3]).toBe(`${((100 * m.params) / e.params).toFixed(2)}%`);
      expect(row![4]).toBe("True");
    }
  });

  it("an unknown column is refused on one line with the closest name, exit 2", () => {
    const bad = dlq(["shape", "examples/course_cnn.py", "--columns", "output,kernal"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/--columns: unknown column 'kernal' \(did you mean 'kernel'\?\)/);
    expect(bad.stdout).toBe("");
  });
});

describe("dlq shape totals and frozen parameters", () => {
  it("mult-adds in torchinfo's unit, then exactly; sizes in MB", () => {
    const e = fixture.models.resnet18_cifar;
    const r = dlq(["shape", "examples/resnet18_cifar.py"]);
    expect(r.code).toBe(0);
    const m = /Total mult-adds \((M|G)\):\s+([\d.]+)\s+\(([\d,]+)\)/.exec(r.stdout);
    expect(m).not.toBeNull();
    const scale = m![1] === "G" ? 1e9 : 1e6;
    expect(m![2]).toBe((e.mult_adds / scale).toFixed(2));
    expect(m![3].replace(/,/g, "")).toBe(String(e.mult_adds));
    expect(r.stdout).toMatch(/Params size \(MB\):\s+[\d.]+/);
  });

  it("a frozen layer's count is in parentheses and it is not trainable (torchinfo)", () => {
    const spec = JSON.stringify({
      input: [1, 3, 8, 8],
      layers: [
        { type: "Conv2d", in_channels: 3, out_channels: 4, kernel_size: 3, trainable: false },
        { type: "ReLU" },
      ],
    });
    const r = dlq(["shape", "-", "--columns", "params,trainable,kernel"], { input: spec });
    expect(r.code).toBe(0);
    // Conv2d(3, 4, 3): weight [4, 3, 3, 3] + bias [4] = 112; kernel shape in torchinfo's order
    expect(r.stdout).toMatch(/│ 0\s+│ Conv2d\s+│\s+\(112\) │ False\s+│ \[3, 4, 3, 3\]/);
    expect(r.stdout).toMatch(/Non-trainable params:\s+112/);
  });
});

describe("dlq shape --format and --depth", () => {
  it("Markdown: a pipe table with the numeric columns right-aligned", () => {
    const r = dlq(["shape", "examples/course_cnn.py", "--format", "markdown"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\| Layer \| Type \| Output shape \| Param # \| Mult-adds \|$/m);
    expect(r.stdout).toMatch(/^\| --- \| --- \| --- \| ---: \| ---: \|$/m);
    expect(r.stdout).not.toMatch(/[┌│]/);
  });

  it("--depth 1 folds containers into one row holding their totals", () => {
    const e = fixture.models.resnet18_cifar;
    const layer1 = e.modules.find((m) => m.name === "layer1")!;
    const total = e.modules
      .filter((m) => m.leaf && m.name.startsWith("layer1."))
      .reduce((a, m) => a + m.params, 0);
    expect(layer1.type).toBe("Sequential");
    const r = dlq(["shape", "examples/resnet18_cifar.py", "--depth", "1", "--columns", "params"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/layer1\.0/);
    expect(r.stdout).toMatch(new RegExp(`│ layer1\\s+│ Sequential\\s+│\\s+${commas(total)} │`));
  });

  it("--depth that is not a positive integer is refused, exit 2", () => {
    const r = dlq(["shape", "examples/course_cnn.py", "--depth", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dlq: --depth: '0' is not an integer in 1\.\.1000\n$/);
  });
});
