/** The summary pieces for `dlq shape` (src/commands/summary.ts), against torchinfo's conventions. */
import { describe, expect, it } from "vitest";
import {
  autoUnit,
  DEFAULT_SHAPE_COLUMNS,
  kernelCell,
  paramsCell,
  parseColumns,
  percentCell,
  SHAPE_COLUMNS,
  totalLine,
  trainableCell,
} from "../src/commands/summary.js";
import { errorLine } from "./helpers.js";

describe("--columns", () => {
  it("keeps the order given; none given: the default", () => {
    expect(parseColumns("input,output,params", SHAPE_COLUMNS, DEFAULT_SHAPE_COLUMNS)).toEqual([
      "input",
      "output",
      "params",
    ]);
    expect(parseColumns(" mult_adds , kernel ", SHAPE_COLUMNS, DEFAULT_SHAPE_COLUMNS)).toEqual([
      "mult_adds",
      "kernel",
    ]);
    expect(parseColumns(undefined, SHAPE_COLUMNS, DEFAULT_SHAPE_COLUMNS)).toEqual([
      "output",
      "params",
      "mult_adds",
    ]);
  });
  it("refuses an unknown column (naming the closest), a repeat, and nothing", () => {
    const parse = (t: string) => () => parseColumns(t, SHAPE_COLUMNS, DEFAULT_SHAPE_COLUMNS);
    expect(errorLine(parse("input,mult_add"))).toMatch(
      /^--columns: unknown column 'mult_add' \(did you mean 'mult_adds'\?\)/,
    );
    expect(errorLine(parse("params,params"))).toBe("--columns: column 'params' is given twice");
    expect(errorLine(parse(","))).toMatch(/^--columns: no columns/);
  });
});

describe("cells as torchinfo prints them", () => {
  it("parameters: frozen ones in parentheses, none as --", () => {
    expect(paramsCell(9408, 9408)).toBe("9,408");
    expect(paramsCell(9408, 0)).toBe("(9,408)");
    expect(paramsCell(0, 0)).toBe("--");
    expect(trainableCell(10, 10)).toBe("True");
    expect(trainableCell(10, 0)).toBe("False");
    expect(trainableCell(10, 4)).toBe("Partial");
    expect(trainableCell(0, 0)).toBe("--");
    expect(percentCell(112, 26848)).toBe("0.42%");
    expect(percentCell(0, 26848)).toBe("--");
    expect(kernelCell([3, 3])).toBe("[3, 3]");
    expect(kernelCell(undefined)).toBe("--");
  });
});

describe("totals with automatic units", () => {
  it("M below 10⁹, G below 10¹², then T; sizes in MB, GB, TB", () => {
    // ResNet-18 at 224×224: 1.81 G mult-adds (torchinfo's summary).
    expect(autoUnit(1_814_083_944, "count").unit).toBe("G");
    expect(autoUnit(1_814_083_944, "count").value).toBeCloseTo(1.814083944, 12);
    expect(autoUnit(597_232_768, "count").unit).toBe("M");
    expect(autoUnit(2.5e12, "count").unit).toBe("T");
    expect(autoUnit(58_440_000, "bytes").unit).toBe("MB");
    expect(autoUnit(7.62e9, "bytes").unit).toBe("GB");
    expect(totalLine("Total mult-adds", 7_620_000_000, "count")).toBe(
      "Total mult-adds (G):              7.62\n",
    );
    expect(totalLine("Params size", 107_392, "bytes")).toBe(
      "Params size (MB):                 0.11\n",
    );
  });
});
