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

/** The brand of an {@link InputError}, the same in every copy of this module. */
const BRAND = Symbol.for("dlq.InputError");

/**
 * Bad input or usage: the CLI prints `dlq: <where>: <message>` on stderr and exits 2.
 * `where` is a location in a file or a layer's name (e.g. `layer 3 (Conv2d)`).
 *
 * `instanceof InputError` checks a brand rather than the prototype chain: the built CLI is two
 * bundles (scripts/build.js), each with its own copy of this class, and an error thrown by one
 * is caught by the other. Subclasses keep the ordinary check.
 */
export class InputError extends Error {
  readonly where?: string;
  readonly [BRAND] = true;
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== InputError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && BRAND in value;
  }
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
