/**
 * What every command receives: where to write, and whether to colour. Colour is decided once at
 * start-up (src/cli.ts) from `--no-color`, `NO_COLOR`, `--json` and whether stdout is a TTY.
 */
import type { FilePolicy } from "./input.js";

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

export interface Context {
  color: boolean;
  style: Style;
  /** Writes to stdout (results only). */
  out(text: string): void;
  /** Writes to stderr (messages). */
  err(text: string): void;
  /** Reads standard input whole (for `-`). */
  readStdin(): Promise<string>;
  /**
   * Set while `dlq check` runs an entry: files are read only under its root, and none is written
   * (src/commands/input.ts).
   */
  files?: FilePolicy;
}

const plain = (s: string): string => s;

/** A style that leaves text as it is. */
export const PLAIN: Style = {
  bold: plain,
  dim: plain,
  red: plain,
  green: plain,
  yellow: plain,
  cyan: plain,
};

/** The chalk-backed style, loaded only when colour is on. */
export async function colorStyle(): Promise<Style> {
  const { Chalk } = await import("chalk");
  const c = new Chalk({ level: 1 });
  // One argument each: chalk joins extra arguments, which `.map(style.bold)` would pass.
  return {
    bold: (s) => c.bold(s),
    dim: (s) => c.dim(s),
    red: (s) => c.red(s),
    green: (s) => c.green(s),
    yellow: (s) => c.yellow(s),
    cyan: (s) => c.cyan(s),
  };
}

/** Serialises a JSON result document with its schema version (stable contract, see README). */
export function jsonDoc(body: Record<string, unknown>): string {
  return JSON.stringify({ schema_version: 1, ...body }, null, 2) + "\n";
}
