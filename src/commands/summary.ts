/**
 * The pieces of a torchinfo-like summary that `dlq shape` (and any other per-layer table) builds
 * with: the `--columns` option, the cells of each column (frozen parameters in parentheses, as
 * torchinfo prints them), and totals with automatic units (`Total mult-adds (G): 7.62`, sizes in
 * MB/GB). Only formatting: the numbers come from src/analysis/.
 *
 * torchinfo's conventions (torchinfo/model_statistics.py, layer_info.py): counts and sizes in
 * units of 10⁶ (M, MB) up to 10⁹, then 10⁹ (G, GB), then 10¹² (T, TB), two decimals; a layer
 * whose parameters are all frozen shows its count in parentheses; "--" where a layer has none.
 */
import { InputError } from "../errors.js";
import { didYouMean } from "../util/suggest.js";
import { commas } from "./table.js";

/** The columns `dlq shape --columns` offers (torchinfo's `col_names`). */
export const SHAPE_COLUMNS = [
  "input",
  "output",
  "params",
  "kernel",
  "mult_adds",
  "trainable",
  "params_percent",
] as const;
export type ShapeColumn = (typeof SHAPE_COLUMNS)[number];

/** The columns shown without `--columns` (today's table). */
export const DEFAULT_SHAPE_COLUMNS: readonly ShapeColumn[] = ["output", "params", "mult_adds"];

/** Each column's heading, and whether it holds numbers (right-aligned, never wrapped). */
export const COLUMN_INFO: Readonly<Record<ShapeColumn, { head: string; numeric: boolean }>> = {
  input: { head: "Input shape", numeric: false },
  output: { head: "Output shape", numeric: false },
  params: { head: "Param #", numeric: true },
  kernel: { head: "Kernel shape", numeric: false },
  mult_adds: { head: "Mult-adds", numeric: true },
  trainable: { head: "Trainable", numeric: false },
  params_percent: { head: "Param %", numeric: true },
};

/**
 * Parses `--columns input,output,params`: names from `allowed`, in the order given, each once.
 * `undefined` gives `dflt`.
 * @throws InputError at `--columns` naming an unknown column (with the closest), a repeated one,
 *   or an empty list.
 */
export function parseColumns<C extends string>(
  text: string | undefined,
  allowed: readonly C[],
  dflt: readonly C[],
  option = "--columns",
): C[] {
  if (text === undefined) return [...dflt];
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length === 0) {
    throw new InputError(`no columns: give some of ${allowed.join(", ")}`, option);
  }
  const out: C[] = [];
  for (const n of names) {
    if (!(allowed as readonly string[]).includes(n)) {
      throw new InputError(
        `unknown column '${n}'${didYouMean(n, allowed)}: use ${allowed.join(", ")}`,
        option,
      );
    }
    if ((out as string[]).includes(n)) throw new InputError(`column '${n}' is given twice`, option);
    out.push(n as C);
  }
  return out;
}

/** A layer's parameter count as torchinfo shows it: `9,408`, `(9,408)` when all are frozen, `--`. */
export function paramsCell(params: number, trainable: number): string {
  if (params === 0) return "--";
  return trainable === 0 ? `(${commas(params)})` : commas(params);
}

/** Whether a layer's parameters train: `True`, `False` (all frozen), `Partial`, or `--` (none). */
export function trainableCell(params: number, trainable: number): string {
  if (params === 0) return "--";
  return trainable === params ? "True" : trainable === 0 ? "False" : "Partial";
}

/** A layer's share of the model's parameters: `12.34%`, `--` when it has none. */
export function percentCell(params: number, total: number): string {
  if (params === 0 || total === 0) return "--";
  return `${((100 * params) / total).toFixed(2)}%`;
}

/** A kernel's shape as torchinfo shows it: `[3, 3]`; `--` for a layer without one. */
export function kernelCell(kernel: readonly number[] | undefined): string {
  return kernel === undefined || kernel.length === 0 ? "--" : `[${kernel.join(", ")}]`;
}

/** A unit of {@link autoUnit}: a count (M, G, T) or a size in bytes (MB, GB, TB). */
export type UnitKind = "count" | "bytes";

/**
 * The unit a total is shown in (torchinfo's automatic units): 10¹² from 10¹², 10⁹ from 10⁹, else
 * 10⁶; `value` in that unit.
 */
export function autoUnit(n: number, kind: UnitKind): { unit: string; value: number } {
  const [scale, prefix] = n >= 1e12 ? [1e12, "T"] : n >= 1e9 ? [1e9, "G"] : [1e6, "M"];
  return { unit: kind === "bytes" ? `${prefix}B` : prefix, value: n / scale };
}

/**
 * One line of the totals: `Total mult-adds (G): 7.62`, `Params size (MB): 0.11`, the value with
 * two decimals and the label padded to `width` (the value column of the summary).
 */
export function totalLine(label: string, n: number, kind: UnitKind, width = 34): string {
  const { unit, value } = autoUnit(n, kind);
  return `${`${label} (${unit}):`.padEnd(width)}${value.toFixed(2)}\n`;
}
