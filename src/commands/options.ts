/** Parsing of numeric option values (`--depth 3`, `--eps 1e-3`), each refusal one line at the option. */
import { InputError } from "../errors.js";

/**
 * An integer option in 1..max; `dflt` when absent.
 * @throws InputError at `name` for anything else (`2.5`, `-1`, `1e3`, beyond max).
 */
export function intOption(v: string | undefined, dflt: number, name: string, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new InputError(`'${v}' is not an integer in 1..${max}`, name);
  }
  return n;
}

/**
 * A positive finite number; undefined when absent.
 * @throws InputError at `name` for anything else.
 */
export function positiveOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new InputError(`'${v}' is not a positive number`, name);
  }
  return n;
}
