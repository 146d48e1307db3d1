/**
 * How large a model dlq reads from a printed repr or a JSON spec. A model file may be up to 64 MiB
 * (src/commands/input.ts), which is millions of lines or values: each form refuses, early and with
 * one clear line, a model larger than any real one, before what it builds for it exhausts memory
 * (a 50 MB repr of 3.3 M modules took 4 GB and crashed).
 */
import { InputError, type Loc } from "../errors.js";

/**
 * The most modules (layers and containers, each entry of a repr or a JSON spec) in one model. The
 * largest models in examples/ have a few hundred; shape and rf read 100,000 layers in seconds.
 */
export const MAX_MODULES = 100_000;

/** The refusal of a model past {@link MAX_MODULES}, located at the first module too many. */
export function tooManyModules(loc: Loc | string): InputError {
  return new InputError(
    `the model has more than ${MAX_MODULES} modules, more than dlq reads: is it one model?`,
    loc,
  );
}

/** The most lines of a printed repr (it shows a module per line, a container's `)` on its own). */
export const MAX_REPR_LINES = 1_000_000;

/**
 * The most values (objects, arrays, strings, numbers, true/false/null) of a JSON spec: 100,000
 * layers of a dozen values each, more than {@link MAX_MODULES} allows anyway. The parser records
 * where each value is, for messages: 20 M values exceeded what a Map can hold.
 */
export const MAX_JSON_VALUES = 2_000_000;
