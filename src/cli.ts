/**
 * dlq's command line: subcommands, colour decision, and the mapping of errors to exit codes
 * (0 ok, 1 a check failed, 2 bad input or usage, 3 internal error). Command modules are loaded on
 * demand so that start-up stays close to a bare `node`.
 */
import { Command, CommanderError, Option } from "commander";
import { InputError } from "./errors.js";
import { CHECK_HELP } from "./commands/check_help.js";
import { PLAIN, colorStyle, type Context } from "./commands/context.js";
import { escapeControls, quoteToken } from "./util/quote.js";
import { didYouMean } from "./util/suggest.js";
import { fdWriter, isTerminal } from "./util/stdio.js";
import {
  jsonAscii,
  TABLE_FORMATS,
  tableFormat,
  terminalWidth,
  toAscii,
  utf8Locale,
  wantColor,
  type Output,
} from "./commands/output.js";
import { NO_PROGRESS, terminalProgress } from "./commands/progress.js";
import { setProcessOutput } from "./commands/table.js";

import pkg from "../package.json" with { type: "json" };

/** dlq's version: package.json's (the bundle carries it, read at build time). */
export const VERSION: string = pkg.version;
/** Where to report a bug (package.json's `bugs`). */
export const BUGS_URL: string = pkg.bugs.url;

/** Exit codes, stable for CI (README, "Exit codes"). */
export const EXIT = { ok: 0, checkFailed: 1, badInput: 2, internal: 3 } as const;

/** Standard input whole, up to MAX_INPUT_BYTES (src/commands/input.ts). */
async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const { MAX_INPUT_BYTES, tooLarge } = await import("./commands/input.js");
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of stream) {
    const b = typeof c === "string" ? Buffer.from(c) : (c as Buffer);
    total += b.length;
    if (total > MAX_INPUT_BYTES)
      throw new InputError(`cannot read model: ${tooLarge()}`, "<stdin>");
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Whether to colour (src/commands/output.ts): kept here for the callers that import it. */
export { wantColor };

/**
 * The message of an internal error (exit 3): what failed, dlq's version and the command line, and
 * where to report it; with `debug` (DLQ_DEBUG=1) the stack, else how to see it. The first line
 * is the error itself (`dlq check` shows an entry's first line).
 */
export function internalErrorText(e: unknown, argv: readonly string[], debug: boolean): string {
  // said once, whatever the message quotes ("internal error: internal error: …")
  const msg = escapeControls(e instanceof Error ? e.message : String(e)).replace(
    /^(internal error: )+/,
    "",
  );
  const quote = (a: string): string =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
  const command = escapeControls(["dlq", ...argv].map(quote).join(" "));
  let text = `dlq: internal error: ${msg}\n`;
  text += `  dlq ${VERSION} (Node.js ${process.versions.node}), command: ${command}\n`;
  text += `  This is a bug in dlq: please report it at ${BUGS_URL} with the command and its input.\n`;
  text +=
    debug && e instanceof Error && e.stack
      ? e.stack + "\n"
      : "  DLQ_DEBUG=1 shows the stack trace (add it to the report).\n";
  return text;
}

/** One subcommand, as completion scripts see it (src/commands/completion.ts). */
export interface CommandInfo {
  name: string;
  description: string;
  options: {
    /** `-i`, `--input`. */
    flags: string[];
    description: string;
    /** Whether it takes a value, and the values it accepts when they are a fixed list. */
    takesValue: boolean;
    choices?: readonly string[];
  }[];
  /** Its positional arguments: whether any of them is a file. */
  files: boolean;
  /** Fixed values of its first positional argument (`dlq completion SHELL`, `dlq loss LOSS`). */
  values?: readonly string[];
}

/** Fixed values of a first argument, where commander does not know them. */
const ARGUMENT_VALUES: Record<string, readonly string[]> = {
  loss: ["mse", "l1", "bce", "bce_logits", "ce", "compare"],
  completion: ["bash", "zsh", "fish"],
};

/** Values of options whose help lists them (commander's choices are used where given). */
const OPTION_VALUES: Record<string, readonly string[]> = {
  "--color": ["auto", "always", "never"],
  "--init": [
    "pytorch",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "orthogonal",
  ],
  "--loss": ["mse", "bce", "ce"],
  "--reduction": ["mean", "sum", "none"],
  "--laplacian": ["combinatorial", "normalized"],
};

/** The subcommands of `program`, with their options, as data. */
function commandTree(program: Command): CommandInfo[] {
  return program.commands.map((c) => ({
    name: c.name(),
    description: c.description().split("\n")[0],
    options: [
      ...c.options,
      // The program's own (--color, --ascii…), unless the subcommand has them too.
      ...program.options.filter(
        (o) => o.long !== "--version" && !c.options.some((p) => p.long === o.long),
      ),
    ].map((o) => ({
      flags: [o.short, o.long].filter((f): f is string => f !== undefined),
      description: o.description,
      takesValue: o.required || o.optional,
      ...((o.argChoices ?? OPTION_VALUES[o.long ?? ""])
        ? { choices: o.argChoices ?? OPTION_VALUES[o.long ?? ""] }
        : {}),
    })),
    files: c.registeredArguments.some((a) => /MODEL|FILE|GRAPH|EXPR|STUDENT/.test(a.name())),
    ...(c.name() === "help"
      ? { values: program.commands.map((d) => d.name()).filter((n) => n !== "help") }
      : ARGUMENT_VALUES[c.name()]
        ? { values: ARGUMENT_VALUES[c.name()] }
        : {}),
  }));
}

type Runner = (ctx: Context, ...args: never[]) => Promise<number>;

/** What src/cli.ts's main decides at start-up, before any command runs. */
interface StartUp {
  color: boolean;
  output: Output;
}

/**
 * Colour, table format, width and ASCII from argv, the environment and what stdout is
 * (src/commands/output.ts); `io` overrides each.
 * @throws InputError for a bad `--color` or `--format` value.
 */
function startUp(argv: readonly string[], io: Partial<Context>): StartUp {
  const env = process.env;
  const needTTY = io.color === undefined || io.output === undefined;
  const tty = needTTY ? isTerminal(1) : false;
  const color = io.color ?? wantColor(argv, env, tty);
  const output = io.output ?? {
    format: tableFormat(argv),
    width: terminalWidth(env, tty),
    ascii: argv.includes("--ascii") || !utf8Locale(env),
  };
  return { color, output };
}

/**
 * commander's message as dlq's one line: `dlq: …`, with its "(Did you mean …?)" on the same line
 * and the user's text escaped (src/util/quote.ts). An unknown option that is not a long option
 * (`-x^2`, `-0.5`) is most likely a value starting with '-': the hint says to put it after `--`.
 */
export function commanderLine(message: string, command?: string): string {
  let text = message
    .replace(/^error: /, "")
    .replace(/\s+$/, "")
    .replace(/\s*\n\s*(?=\(Did you mean)/g, " ");
  if (command !== undefined && /^unknown option '-(?!-)/.test(text)) {
    const value = /^unknown option '(.*)'/s.exec(text)?.[1] ?? "-x";
    text += ` (a value starting with '-' goes after '--', e.g. dlq ${command} -- ${quoteToken(value, 40)})`;
  }
  return `dlq: ${escapeControls(text)}\n`;
}

/** Runs the dlq command line; resolves to the process exit code. */
export async function main(argv: string[], io: Partial<Context> = {}): Promise<number> {
  let start: StartUp;
  try {
    start = startUp(argv, io);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    (io.err ?? fdWriter(2))(`dlq: ${escapeControls(e.toLine())}\n`);
    return EXIT.badInput;
  }
  const { color, output } = start;
  const rawOut = io.out ?? fdWriter(1);
  const rawErr = io.err ?? fdWriter(2);
  // ASCII output: text spelled in ASCII; JSON keeps its data, with \u escapes.
  const json = argv.includes("--json");
  const ascii = (write: (t: string) => void, isJson: boolean) =>
    output.ascii ? (t: string) => write(isJson ? jsonAscii(t) : toAscii(t)) : write;
  const ctx: Context = {
    color,
    style: io.style ?? (color ? await colorStyle() : PLAIN),
    out: ascii(rawOut, json),
    err: ascii(rawErr, false),
    readStdin: io.readStdin ?? (() => readAll(process.stdin)),
    ...(io.files ? { files: io.files } : {}),
    output,
    // Progress only on a terminal's stderr (one that can move its cursor: not TERM=dumb), and
    // never when the caller captures stderr.
    progress:
      io.progress ??
      (io.err === undefined && process.env.TERM !== "dumb" && isTerminal(2)
        ? terminalProgress({ ascii: output.ascii })
        : NO_PROGRESS),
  };
  const previousOutput = setProcessOutput(output);
  try {
    return await runProgram(argv, ctx);
  } finally {
    setProcessOutput(previousOutput);
  }
}

/** Parses argv with commander and runs the command; resolves to the exit code. */
async function runProgram(argv: string[], ctx: Context): Promise<number> {
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
    .option("--color <WHEN>", "colour: auto (a terminal only), always or never")
    .option("--no-color", "plain output (also NO_COLOR=1, TERM=dumb, --json, or when piped)")
    .option("--ascii", "ASCII characters only (also when the locale is not UTF-8, e.g. LANG=C)")
    .exitOverride()
    .showSuggestionAfterError(true)
    .helpCommand(false)
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      writeErr: (s) => ctx.err(s),
      outputError: (s, write) => write(commanderLine(s)),
    });

  const sub = (name: string, description: string, examples: string[]): Command =>
    program
      .command(name)
      .description(description)
      .option("--color <WHEN>", "colour: auto, always or never")
      .option("--no-color", "plain output")
      .option("--ascii", "ASCII characters only")
      .addHelpText("after", "\nExamples:\n" + examples.map((e) => `  $ ${e}`).join("\n"))
      .exitOverride()
      .configureOutput({
        writeOut: (s) => ctx.out(s),
        writeErr: (s) => ctx.err(s),
        outputError: (s, write) => write(commanderLine(s, name)),
      });
  /** `--format`, for the commands that print tables in every format. */
  const formatOption = (): Option =>
    new Option("--format <FORMAT>", "tables as a box (default), Markdown or CSV").choices(
      TABLE_FORMATS,
    );

  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

  sub("shape", "Output shape, parameters and mult-adds of every layer (like torchinfo).", [
    "dlq shape examples/course_cnn.py",
    "dlq shape examples/vgg11.repr.txt --input 8,3,224,224 --json",
    "cat examples/course_mlpirate.py | dlq shape - --input 1,42",
    "dlq shape examples/resnet18_cifar.py --depth 2",
  ])
    .argument("<MODEL>", "PyTorch source, printed repr or JSON spec (path, or - for stdin)")
    .option(
      "-i, --input <SHAPE>",
      "input shape with batch dim, e.g. 1,3,224,224 or 2,32:int64 (once per tensor argument)",
      collect,
    )
    .option("-d, --depth <N>", "show rows down to this depth (torchinfo's depth; default 3)")
    .option(
      "--columns <LIST>",
      "columns, in order: input,output,params,kernel,mult_adds,trainable,params_percent (default output,params,mult_adds)",
    )
    .addOption(formatOption())
    .option("-m, --model <NAME>", "which model, when the file defines several (a name or a class)")
    .option("--json", "JSON output (schema/dlq-shape.schema.json)")
    .action(run(() => import("./commands/shape.js")));

  sub("rf", "Receptive field size, effective stride and padding per layer (Araujo et al. 2019).", [
    "dlq rf examples/course_cnn.py",
    "dlq rf examples/course_cnn.json --json",
  ])
    .argument("<MODEL>", "PyTorch source, printed repr or JSON spec (path, or - for stdin)")
    .option(
      "-i, --input <SHAPE>",
      "input shape (optional for nn.Sequential; checks shapes and resolves adaptive pools)",
      collect,
    )
    .option("-m, --model <NAME>", "which model, when the file defines several (a name or a class)")
    .option("--json", "JSON output (schema/dlq-rf.schema.json)")
    .addOption(formatOption())
    .action(run(() => import("./commands/rf.js")));

  sub("dropout", "The single dropout probability equivalent to a chain of dropouts.", [
    "dlq dropout 0.1 0.2",
    "dlq dropout p1 p2",
    "dlq dropout 0.5 0.5 0.5 --json",
  ])
    .argument("<P...>", "drop probabilities in [0, 1], or symbols (p1, p2)")
    .option("--json", "JSON output (schema/dlq-dropout.schema.json)")
    .addOption(formatOption())
    .action(run(() => import("./commands/dropout.js")));

  sub("grad", "Gradient magnitudes through depth, measured and mean-field predicted.", [
    "dlq grad examples/course_mlpirate.py --act sigmoid,tanh,relu",
    "dlq grad examples/course_mlpirate.py --init xavier_normal --json",
    "dlq grad --chain 0.5,2 --depth 10",
  ])
    .argument("[MODEL]", "PyTorch source, printed repr or JSON spec (path, or - for stdin)")
    .option("-i, --input <SHAPE>", "input shape (batch dim replaced by --batch)", collect)
    .option("-m, --model <NAME>", "which model, when the file defines several")
    .option("--batch <N>", "batch size (default 64)")
    .option("--seeds <N>", "seeds 0..N-1, one forward/backward each; medians (default 10)")
    .option("--init <NAME>", "pytorch|xavier_{uniform,normal}|kaiming_{uniform,normal}|orthogonal")
    .option("--gain <G>", "the --init's gain (default: xavier/orthogonal 1, kaiming √2)")
    .option("--act <LIST>", "swap every activation, one variant each, e.g. sigmoid,tanh,relu")
    .option("--loss <NAME>", "mse (target 0) | bce (target 1) | ce (class 0); default mse")
    .option("--lr <LR>", "learning rate for the relative update lr·‖∇W‖/‖W‖ (default 0.01)")
    .option("--train-dropout", "dropout in training mode (default: identity)")
    .option("--chain <A,...>", "the scalar chain y = x·a^L for each factor a (no MODEL)")
    .option("--depth <L>", "depth of --chain (default 10)")
    .option("--x <X>", "input x of --chain (default 1)")
    .option("--no-plot", "no terminal chart")
    .option("--svg <FILE>", "write the chart as an SVG file")
    .option("--json", "JSON output (schema/dlq-grad.schema.json)")
    .action(run(() => import("./commands/grad.js")));

  sub("gradcheck", "Autodiff gradients of a PyTorch expression against central differences.", [
    "dlq gradcheck examples/course_gradcheck.py",
    'dlq gradcheck "torch.mean(X @ W + b)" --var X=100x5:const --var W=5x5 --var b=5',
    'dlq gradcheck "F.cross_entropy(X @ W, t)" --var X=8x4:const --var W=4x3 --var "t=8:randint(0,3)"',
    'dlq gradcheck "torch.relu(x).sum()" --var "x=[-1, 0, 2]" --allow-inconclusive --json',
  ])
    .argument("<EXPR>", "a PyTorch expression, a def, or a file (- for stdin) with a snippet")
    .option(
      "--var <NAME=SPEC>",
      "an input: W=5x5, X=100x5:const, y=8:randn, t=8:randint(0,3), W=@w.npy",
      collect,
    )
    .option("--eps <EPS>", "finite-difference step (default 1e-6)")
    .option("--atol <ATOL>", "absolute tolerance (default 1e-5)")
    .option("--rtol <RTOL>", "relative tolerance (default 1e-3)")
    .option("--seed <N>", "seed of the random inputs and fast-mode directions (default 0)")
    .option("--fast", "compare vᵀJu along a random direction per input (PyTorch's fast_mode)")
    .option(
      "--allow-inconclusive",
      "accept elements at a kink (relu at 0, max ties): exit 0 when none fails and one matches",
    )
    .option("--show-grad", "print the analytic gradient of inputs up to 100 elements")
    .option("--json", "JSON output (schema/dlq-gradcheck.schema.json)")
    .addOption(formatOption())
    .action(run(() => import("./commands/gradcheck.js")));

  sub(
    "derive",
    "Symbolic derivative (mathjs), cross-checked against autodiff and finite differences.",
    [
      'dlq derive "1/(1+exp(-x))" --at x=0',
      'dlq derive "x^3"',
      'dlq derive "x*y + sin(x)" --wrt x --at x=1,y=2 --json',
    ],
  )
    .argument("<EXPR>", "a scalar expression in mathjs syntax (x^2, exp(-x), log(x))")
    .option("--wrt <NAME>", "the variable to differentiate by (default: the only free symbol)")
    .option("--at <NAME=VALUE,...>", "a point to cross-check at (repeatable)", collect)
    .option("--json", "JSON output (schema/dlq-derive.schema.json)")
    .addOption(formatOption())
    .action(run(() => import("./commands/derive.js")));

  sub("check", "Run the dlq commands of an answers file and check their JSON output.", [
    "dlq check examples/answers.yaml",
    "dlq check examples/answers.yaml --junit report.xml",
    "dlq check examples/answers.yaml --only cnn-receptive-field --json",
    "dlq check examples/answers.yaml --answers examples/student_answers.yaml",
  ])
    .argument("<FILE>", "answers file (or, with --answers, the key), YAML or JSON (a path, or -)")
    .addHelpText("after", CHECK_HELP)
    .option(
      "--answers <STUDENT>",
      "grade a student's {id: value} answers against FILE, the key (README, Grading untrusted answers)",
    )
    .option("--root <DIR>", "entries read files only under DIR (default: FILE's folder; cwd for -)")
    .option("--timeout <S>", "seconds an entry may run (default 10)")
    .option("--max-memory <MB>", "megabytes an entry may use (default 1024)")
    .option("--junit <OUT>", "also write JUnit XML (one testcase per entry) to OUT (- for stdout)")
    .option(
      "--only <ID>",
      "run only this entry (repeat, or separate ids with commas)",
      (v: string, prev: string[] = []): string[] => [
        ...prev,
        ...v
          .split(",")
          .map((x) => x.trim())
          .filter((x) => x !== ""),
      ],
    )
    .option("--json", "JSON output (schema/dlq-check.schema.json)")
    .addOption(formatOption())
    .action(run(() => import("./commands/check.js")));

  sub("loss", "Value and gradients of a loss; `compare`: L2 vs BCE through a sigmoid.", [
    "dlq loss bce --target 1,0 --pred 0.2,0.9",
    "dlq loss ce --target 0 --pred '[[2,1,0.1]]' --json",
    "dlq loss mse --target 1 --pred 0.01 --sigmoid",
    "dlq loss compare",
  ])
    .argument("<LOSS>", "mse | l1 | bce | bce_logits | ce | compare")
    .option("-t, --target <T>", "targets: 1,0 or a JSON array; class indices for ce")
    .option("-p, --pred <P>", "predictions (probabilities for bce, logits for bce_logits and ce)")
    .option("--reduction <R>", "mean (default, as PyTorch), sum or none")
    .option("--sigmoid", "mse/l1: predictions are σ(z); also the gradient with respect to z")
    .option("--probs <P>", "compare: predicted probabilities (default 0.01,0.1,0.5,0.9)")
    .option("--json", "JSON output (schema/dlq-loss.schema.json)")
    .addOption(formatOption())
    .action(run(() => import("./commands/loss.js")));

  sub("kl", "KL(N(μ, σ²) ‖ N(0, I)) of a VAE: closed form, gradients, Monte-Carlo check.", [
    "dlq kl --mu 0.5,-1 --logvar 0,0.2",
    "dlq kl --mu 0.5,-1 --logvar 0,0.2 --samples 1000000 --seed 7 --json",
  ])
    .requiredOption("--mu <MU>", "means, one per latent dimension (0.5,-1 or a JSON array)")
    .requiredOption("--logvar <LOGVAR>", "log-variances log σ², one per latent dimension")
    .option("-n, --samples <N>", "Monte-Carlo samples (default 100000; 0: none)")
    .option("--seed <S>", "seed of the samples (default 0)")
    .option("--json", "JSON output (schema/dlq-kl.schema.json)")
    .addOption(formatOption())
    .action(run(() => import("./commands/kl.js")));

  sub("gcn", "Receptive fields of graph convolutions Y = φ(Σ Δᵏ X αₖ + b); zeroing a node.", [
    "dlq gcn examples/graph_path5.json --layers 2 --q 1 --node 0",
    "dlq gcn examples/graph_small.txt --layers 2 --q 2 --zero 3",
    "dlq gcn examples/graph_path5.json -L 3 -q 1 --laplacian normalized --json",
  ])
    .argument("<GRAPH>", 'edge list: JSON {"nodes": N, "edges": [[0,1],...]} or text pairs')
    .requiredOption("-L, --layers <L>", "number of graph-convolution layers")
    .requiredOption("-q, --q <Q>", "highest power of Δ per layer (k = 1..q)")
    .option("--node <I>", "only this output node's receptive field")
    .option("--zero <I>", "zero row and column I of Δ: which outputs change?")
    .option("--laplacian <KIND>", "combinatorial (D − A, default) or normalized")
    .option("--features <F>", "feature width of the numerical check (default 4)")
    .option("--seed <S>", "seed of the random X, αₖ, b (default 0)")
    .option("--json", "JSON output (schema/dlq-gcn.schema.json)")
    .addOption(formatOption())
    .action(run(() => import("./commands/gcn.js")));

  // The commands above, as data: for completion scripts and `dlq help`.
  const tree = (): CommandInfo[] => commandTree(program);

  program
    .command("help")
    .description("The manual of a command (its README section), or this overview.")
    .argument("[COMMAND]", "a command, e.g. shape")
    .exitOverride()
    .action(async (name: string | undefined) => {
      if (name === undefined) {
        ctx.out(program.helpInformation());
        return;
      }
      const known = program.commands.find((c) => c.name() === name && c.name() !== "help");
      if (!known) {
        const names = program.commands.map((c) => c.name());
        throw new InputError(
          `no command ${quoteToken(name)}${didYouMean(name, names)}: one of ${names.join(", ")}`,
          "help",
        );
      }
      const { manual } = await import("./commands/manual.js");
      ctx.out(await manual(name, known.helpInformation(), ctx.style));
    });

  program
    .command("completion")
    .description("A completion script for bash, zsh or fish, for the commands and options above.")
    .argument("<SHELL>", "bash | zsh | fish")
    .addHelpText(
      "after",
      "\nInstall:\n" +
        '  bash: eval "$(dlq completion bash)"  in ~/.bashrc (or save it in /etc/bash_completion.d/dlq)\n' +
        "  zsh:  dlq completion zsh > ~/.zfunc/_dlq  (with fpath+=~/.zfunc before compinit)\n" +
        "  fish: dlq completion fish > ~/.config/fish/completions/dlq.fish",
    )
    .exitOverride()
    .action(async (shell: string) => {
      const { completionScript, SHELLS } = await import("./commands/completion.js");
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new InputError(
          `${quoteToken(shell)} is not a shell dlq completes: use ${SHELLS.join(", ")}`,
          "completion",
        );
      }
      ctx.out(completionScript(shell as (typeof SHELLS)[number], tree()));
    });

  // No command at all: one line, not commander's help on stderr (a refusal is one line).
  if (argv.every((a) => a === "--no-color")) {
    const names = program.commands.map((c) => c.name()).filter((n) => n !== "help");
    ctx.err(`dlq: missing command: one of ${names.join(", ")} (dlq --help describes them)\n`);
    return EXIT.badInput;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT.ok;
      return EXIT.badInput;
    }
    if (e instanceof InputError) {
      // One line, whatever the input held (src/util/quote.ts).
      ctx.err(`dlq: ${escapeControls(e.toLine())}\n`);
      return EXIT.badInput;
    }
    ctx.err(internalErrorText(e, argv, Boolean(process.env.DLQ_DEBUG)));
    return EXIT.internal;
  }
}
