/**
 * The JSON Schemas of dlq's `--json` documents (schema/dlq-COMMAND.schema.json), compiled once by
 * ajv with the options dlq itself uses (src/spec/validator.ts). tests/helpers.ts validates every
 * `--json` document the test suite produces against its command's schema.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv";
import { AJV_OPTIONS } from "../src/spec/validator.js";

const ROOT = new URL("..", import.meta.url);

/** The commands with a `--json` document and a schema. */
export const JSON_COMMANDS = [
  "shape",
  "rf",
  "dropout",
  "gradcheck",
  "derive",
  "grad",
  "check",
  "loss",
  "kl",
  "gcn",
] as const;

const compiled = new Map<string, ValidateFunction>();

/** The schema of `command`'s `--json` document, parsed. */
export function schemaOf(command: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`schema/dlq-${command}.schema.json`, ROOT), "utf8"));
}

/** The compiled validator of `command`'s document. */
export function validatorOf(command: string): ValidateFunction {
  let v = compiled.get(command);
  if (!v) {
    const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
    v = new Ajv(AJV_OPTIONS).compile(schemaOf(command));
    compiled.set(command, v);
  }
  return v;
}

/** The subcommand of a dlq argv (global options skipped), or undefined. */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--color") i++;
    else if (!argv[i].startsWith("-")) return argv[i];
  }
  return undefined;
}

/**
 * Throws, naming the command and ajv's errors, when `stdout` of a `--json` run of `argv` is not
 * valid against its command's schema. Runs that printed no document (refused, exit 2) or are not
 * JSON runs are let through.
 */
export function checkJsonOutput(
  argv: readonly string[],
  code: number | null,
  stdout: string,
): void {
  if (!argv.includes("--json") || (code !== 0 && code !== 1) || !stdout.startsWith("{")) return;
  if (argv.includes("--help") || argv.includes("-h")) return;
  const command = commandOf(argv);
  if (!command || !(JSON_COMMANDS as readonly string[]).includes(command)) return;
  const validate = validatorOf(command);
  const doc = JSON.parse(stdout);
  if (!validate(doc)) {
    const errors = (validate.errors ?? [])
      .slice(0, 8)
      .map((e) => `  ${e.instancePath || "(top)"} ${e.message} ${JSON.stringify(e.params)}`)
      .join("\n");
    throw new Error(
      `the --json output of \`dlq ${argv.join(" ")}\` does not match schema/dlq-${command}.schema.json:\n${errors}`,
    );
  }
}
