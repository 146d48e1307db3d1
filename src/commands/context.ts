/**
 * What every command receives: where to write, whether to colour, and how output fits where it
 * lands (table format, width, ASCII). All of it is decided once at start-up (src/cli.ts,
 * src/commands/output.ts).
 */
import type { FilePolicy } from "./input.js";
import { PLAIN_OUTPUT, type Output } from "./output.js";
import type { ProgressFactory } from "./progress.js";

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
  /** Table format, terminal width and ASCII-ness (default {@link PLAIN_OUTPUT}). */
  output?: Output;
  /**
   * Progress on stderr for long work: a no-op unless stderr is a terminal (and never with
   * `--json` on a terminal stdout... see src/commands/progress.ts).
   */
  progress?: ProgressFactory;
}

/** The context's {@link Output}. */
export const outputOf = (ctx: Pick<Context, "output">): Output => ctx.output ?? PLAIN_OUTPUT;

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
