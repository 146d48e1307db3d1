/**
 * dlq's command line: subcommands, colour decision, and the mapping of errors to exit codes
 * (0 ok, 1 a check failed, 2 bad input or usage, 3 internal error). Command modules are loaded on
 * demand so that start-up stays close to a bare `node`.
 */
import { Command, CommanderError } from "commander";
import { InputError } from "./errors.js";
import { PLAIN, colorStyle, type Context } from "./commands/context.js";

export const VERSION = "0.1.0";

/** Exit codes, stable for CI (README, "Exit codes"). */
export const EXIT = { ok: 0, checkFailed: 1, badInput: 2, internal: 3 } as const;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Whether to colour: never with --no-color, NO_COLOR (any non-empty value), --json, or a non-TTY stdout. */
export function wantColor(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  isTTY: boolean,
): boolean {
  if (argv.includes("--no-color") || argv.includes("--json")) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0")
    return true;
  return isTTY;
}

type Runner = (ctx: Context, ...args: never[]) => Promise<number>;

/** Runs the dlq command line; resolves to the process exit code. */
export async function main(argv: string[], io: Partial<Context> = {}): Promise<number> {
  const color = io.color ?? wantColor(argv, process.env, Boolean(process.stdout.isTTY));
  const ctx: Context = {
    color,
    style: io.style ?? (color ? await colorStyle() : PLAIN),
    out: io.out ?? ((t) => void process.stdout.write(t)),
    err: io.err ?? ((t) => void process.stderr.write(t)),
    readStdin: io.readStdin ?? (() => readAll(process.stdin)),
  };
  let code: number = EXIT.ok;
  const run =
    (load: () => Promise<{ run: Runner }>) =>
    async (...args: unknown[]): Promise<void> => {
      const mod = await load();
      // commander passes (positional..., options, command); the command object is dropped.
      code = await mod.run(ctx, ...(args.slice(0, -1) as never[]));
    };

  const program = new Command("dlq")
    .description(
      "A calculator for deep-learning concepts: shapes, parameters, receptive fields, dropout.\n" +
        "MODEL is PyTorch source, a printed repr, or a JSON spec (a path, or - for stdin).",
    )
    .version(VERSION, "-V, --version")
    .option("--no-color", "plain output (also NO_COLOR=1, --json, or when piped)")
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      writeErr: (s) => ctx.err(s),
      outputError: (s, write) => write(`dlq: ${s.replace(/^error: /, "")}`),
    });

  const sub = (name: string, description: string, examples: string[]): Command =>
    program
      .command(name)
      .description(description)
      .option("--no-color", "plain output")
      .addHelpText("after", "\nExamples:\n" + examples.map((e) => `  $ ${e}`).join("\n"))
      .exitOverride()
      .configureOutput({
        writeOut: (s) => ctx.out(s),
        writeErr: (s) => ctx.err(s),
        outputError: (s, write) => write(`dlq: ${s.replace(/^error: /, "")}`),
      });

  sub("shape", "Output shape, parameters and mult-adds of every layer (like torchinfo).", [
    "dlq shape examples/course_cnn.py",
    "dlq shape examples/resnet_stem.json --input 8,3,224,224 --json",
    "pbpaste | dlq shape - --input 1,42",
  ])
    .argument("<MODEL>", "PyTorch source, printed repr or JSON spec (path, or - for stdin)")
    .option("-i, --input <SHAPE>", "input shape with batch dim, e.g. 1,3,224,224 or 1x3x224x224")
    .option("-m, --model <NAME>", "which model, when the file defines several")
    .option("--json", "JSON output (schema in README)")
    .action(run(() => import("./commands/shape.js")));

  sub("rf", "Receptive field size, effective stride and padding per layer (Araujo et al. 2019).", [
    "dlq rf examples/course_cnn.py",
    "dlq rf examples/course_cnn.json --json",
  ])
    .argument("<MODEL>", "PyTorch source, printed repr or JSON spec (path, or - for stdin)")
    .option(
      "-i, --input <SHAPE>",
      "input shape (optional; checks shapes and resolves adaptive pools)",
    )
    .option("-m, --model <NAME>", "which model, when the file defines several")
    .option("--json", "JSON output (schema in README)")
    .action(run(() => import("./commands/rf.js")));

  sub("dropout", "The single dropout probability equivalent to a chain of dropouts.", [
    "dlq dropout 0.1 0.2",
    "dlq dropout p1 p2",
    "dlq dropout 0.5 0.5 0.5 --json",
  ])
    .argument("<P...>", "drop probabilities in [0, 1], or symbols (p1, p2)")
    .option("--json", "JSON output (schema in README)")
    .action(run(() => import("./commands/dropout.js")));

  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT.ok;
      return EXIT.badInput;
    }
    if (e instanceof InputError) {
      ctx.err(`dlq: ${e.toLine()}\n`);
      return EXIT.badInput;
    }
    const msg = e instanceof Error ? e.message : String(e);
    ctx.err(`dlq: internal error: ${msg} (this is a bug in dlq; please report it)\n`);
    if (process.env.DLQ_DEBUG && e instanceof Error && e.stack) ctx.err(e.stack + "\n");
    return EXIT.internal;
  }
}
