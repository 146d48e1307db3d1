/** The long-table renderer draws exactly what cli-table3 draws for the same cells. */
import { describe, expect, it } from "vitest";
import { renderTable } from "../src/commands/table.js";

describe("renderTable", () => {
  it("a long table looks like a short one, row for row", () => {
    const head = ["Layer", "Type", "Output shape", "Param #"];
    const row = (i: number) => [
      String(i),
      i % 2 ? "ReLU" : "Conv2d",
      `[1, 4, ${i}, ${i}]`,
      i % 2 ? "--" : "1,616",
    ];
    const short = renderTable(
      head,
      Array.from({ length: 150 }, (_, i) => row(i)),
      { right: [3] },
    );
    const long = renderTable(
      head,
      Array.from({ length: 300 }, (_, i) => row(i)),
      { right: [3] },
    );
    const shortLines = short.trimEnd().split("\n");
    const longLines = long.trimEnd().split("\n");
    // Same widths (the widest cells are among the first 150 rows' shape), same border and header.
    expect(longLines.slice(0, 4)).toEqual(shortLines.slice(0, 4));
    expect(longLines).toHaveLength(300 + 3);
    expect(longLines[longLines.length - 1]).toBe(shortLines[shortLines.length - 1]);
  });
});
