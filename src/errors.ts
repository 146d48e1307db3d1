/**
 * Errors that dlq reports to the user as one line, with exit code 2 (bad input or usage).
 *
 * Every error a user can cause is an {@link InputError}; anything else reaching the top level is a
 * bug and exits 3 (see src/cli.ts).
 */

/** A position in an input file: 1-based line and column, as editors show them. */
export interface Loc {
  /** The file name as the user gave it (`-` or `<stdin>` for standard input). */
  file?: string;
  line: number;
  column: number;
}

/** Formats a location as `file:line:column` (or `line:column` without a file). */
export function formatLoc(loc: Loc): string {
  return `${loc.file ? loc.file + ":" : ""}${loc.line}:${loc.column}`;
}

/**
 * Bad input or usage: the CLI prints `dlq: <where>: <message>` on stderr and exits 2.
 * `where` is a location in a file or a layer's name (e.g. `layer 3 (Conv2d)`).
 */
export class InputError extends Error {
  readonly where?: string;
  constructor(message: string, where?: string | Loc) {
    super(message);
    this.name = "InputError";
    this.where = typeof where === "object" && where !== null ? formatLoc(where) : where;
  }
  /** The one line shown to the user. */
  toLine(): string {
    return this.where ? `${this.where}: ${this.message}` : this.message;
  }
}
