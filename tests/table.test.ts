/**
 * Tables (src/commands/table.ts): the box as the README shows it, fitted to a terminal's width
 * (text wraps, numbers never), Markdown and CSV, ASCII, and a very long table in linear time.
 */
import { describe, expect, it } from "vitest";
import { csvField, displayWidth, renderTable, wrapText } from "../src/commands/table.js";
import type { Output } from "../src/commands/output.js";

const out = (o: Partial<Output>): Output => ({ format: "table", ascii: false, ...o });

const head = ["Layer", "Type", "Output shape", "Param #", "Mult-adds"];
const rows = [
  ["0", "Conv2d", "[1, 4, 1024, 1024]", "112", "117,440,512"],
  ["1", "ReLU", "[1, 4, 1024, 1024]", "--", "--"],
  ["features.long_layer_name", "MaxPool2d", "[1, 4, 512, 512]", "--", "--"],
];

describe("renderTable: the box", () => {
  it("draws the README's compact box (no rule between rows), numbers right-aligned", () => {
    const t = renderTable(
      ["Layer", "Type", "Param #"],
      [
        ["0", "Conv2d", "112"],
        ["1", "ReLU", "--"],
      ],
      { right: [2], output: out({}) },
    );
    expect(t).toBe(
      [
        "┌───────┬────────┬─────────┐",
        "│ Layer │ Type   │ Param # │",
        "│ 0     │ Conv2d │     112 │",
        "│ 1     │ ReLU   │      -- │",
        "└───────┴────────┴─────────┘",
        "",
      ].join("\n"),
    );
  });

  it("without a width (piped output) nothing wraps, however long", () => {
    const t = renderTable(head, rows, { right: [3, 4], output: out({}) });
    expect(t.split("\n")).toHaveLength(rows.length + 4);
  });

  it.each([50, 60, 80])("fits %i columns: text wraps, numbers stay whole", (width) => {
    const t = renderTable(head, rows, { right: [3, 4], output: out({ width }) });
    const lines = t.trimEnd().split("\n");
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(width);
    for (const n of ["117,440,512", "112"]) expect(t).toContain(n);
    // Wrapped rows are told apart by a rule.
    expect(t).toContain("├");
  });

  it("too narrow a terminal: as narrow as it gets, numbers still whole", () => {
    const t = renderTable(head, rows, { right: [3, 4], output: out({ width: 20 }) });
    expect(t).toContain("117,440,512");
    const widths = t.trimEnd().split("\n").map(displayWidth);
    expect(new Set(widths).size).toBe(1);
  });

  it("a table that fits is drawn as without a width", () => {
    const wide = renderTable(head, rows, { right: [3, 4], output: out({ width: 200 }) });
    expect(wide).toBe(renderTable(head, rows, { right: [3, 4], output: out({}) }));
  });

  it("colour codes count for nothing, and a styled cell keeps its style on every line", () => {
    const bold = (s: string) => `\x1b[1m${s}\x1b[22m`;
    const t = renderTable([bold("a"), "b"], [[bold("some long text that must wrap"), "1"]], {
      right: [1],
      output: out({ width: 16 }),
    });
    for (const l of t.trimEnd().split("\n")) expect(displayWidth(l)).toBeLessThanOrEqual(16);
    const styled = t.split("\n").filter((l) => l.includes("\x1b[1m"));
    expect(styled.length).toBeGreaterThan(2);
    for (const l of styled) expect(l).toContain("\x1b[22m");
  });

  it("ASCII: +-| boxes and the cells spelled in ASCII, aligned", () => {
    const t = renderTable(["RF size", "Σ"], [["3×3", "√2"]], {
      right: [0],
      output: out({ ascii: true }),
    });
    expect(t).toBe(
      [
        "+---------+-------+",
        "| RF size | sum   |",
        "|     3x3 | sqrt2 |",
        "+---------+-------+",
        "",
      ].join("\n"),
    );
    expect(t).toMatch(/^[\x20-\x7e\n]*$/);
  });

  it("draws 150,000 rows without recursion or argument spreading (no stack overflow)", () => {
    const many = Array.from({ length: 150_000 }, (_, i) => [String(i), "ReLU", "--"]);
    const t = renderTable(["#", "Type", "Param #"], many, {
      right: [2],
      output: out({ width: 30 }),
    });
    expect(t.split("\n")).toHaveLength(150_000 + 4);
  });
});

describe("renderTable: Markdown and CSV", () => {
  it("Markdown: a GitHub table, | escaped, colour dropped, alignment in the rule", () => {
    const t = renderTable(["a", "b|c"], [["\x1b[1mx\x1b[22m", "1"]], {
      right: [1],
      output: out({ format: "markdown", width: 5 }),
    });
    expect(t).toBe("| a | b\\|c |\n| --- | ---: |\n| x | 1 |\n");
  });

  it("CSV: RFC 4180 quoting, never wrapped", () => {
    const t = renderTable(["shape", "n"], [['[1, 2] "x"', "3"]], {
      output: out({ format: "csv", width: 5 }),
    });
    expect(t).toBe('shape,n\n"[1, 2] ""x""",3\n');
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a\nb")).toBe('"a\nb"');
  });
});

describe("wrapText", () => {
  it("breaks at spaces, and inside a word longer than the line", () => {
    expect(wrapText("a bb ccc", 4)).toEqual(["a bb", "ccc"]);
    expect(wrapText("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    expect(wrapText("short", 10)).toEqual(["short"]);
  });
  it("counts East Asian wide characters as two columns", () => {
    expect(displayWidth("層")).toBe(2);
    expect(wrapText("層層層", 4)).toEqual(["層層", "層"]);
  });
});
