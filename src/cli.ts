/**
 * dlq's command line: subcommands, colour decision, and the mapping of errors to exit codes
 * (0 ok, 1 a check failed, 2 bad input or usage, 3 internal error). Command modules are loaded on
 * demand so that start-up stays close to a bare `node`.
 */
import { Command, CommanderError } from "commander";
import { InputError } from "./errors.js";
import { CHECK_HELP } from "./commands/check_help.js";
import { PLAIN, colorStyle, type Context } from "./commands/context.js";
import { escapeControls, quoteToken } from "./util/quote.js";
import { fdWriter, isTerminal } from "./util/stdio.js";

export const VERSION = "0.1.0";

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

/**
 * Whether to colour: never with --no-color, NO_COLOR (any non-empty value), --json, or
 * FORCE_COLOR=0; always with another FORCE_COLOR; else when stdout is a terminal.
 */
export function wantColor(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  isTTY: boolean,
): boolean {
  if (argv.includes("--no-color") || argv.includes("--json")) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  // FORCE_COLOR as chalk and supports-color read it: 0 or false forces colour off, else on.
  const force = env.FORCE_COLOR;
  if (force === "0" || force === "false") return false;
  if (force !== undefined && force !== "") return true;
  return isTTY;
}

type Runner = (ctx: Context, ...args: never[]) => Promise<number>;

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
  const color = io.color ?? wantColor(argv, process.env, isTerminal(1));
  const ctx: Context = {
    color,
    style: io.style ?? (color ? await colorStyle() : PLAIN),
    out: io.out ?? fdWriter(1),
    err: io.err ?? fdWriter(2),
    readStdin: io.readStdin ?? (() => readAll(process.stdin)),
    ...(io.files ? { files: io.files } : {}),
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
      outputError: (s, write) => write(commanderLine(s)),
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
        outputError: (s, write) => write(commanderLine(s, name)),
      });

  sub("shape", "Output shape, parameters and mult-adds of every layer (like torchinfo).", [
    "dlq shape examples/course_cnn.py",
    "dlq shape examples/vgg11.repr.txt --input 8,3,224,224 --json",
    "cat examples/course_mlpirate.py | dlq shape - --input 1,42",
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

  sub("grad", "Gradient magnitudes through depth, measured and mean-field predicted.", [
    "dlq grad examples/course_mlpirate.py --act sigmoid,tanh,relu",
    "dlq grad examples/course_mlpirate.py --init xavier_normal --json",
    "dlq grad --chain 0.5,2 --depth 10",
  ])
    .argument("[MODEL]", "PyTorch source, printed repr or JSON spec (path, or - for stdin)")
    .option("-i, --input <SHAPE>", "input shape (batch dim replaced by --batch)")
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
    .option("--json", "JSON output (schema in README)")
    .action(run(() => import("./commands/grad.js")));

  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
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
    .option("--json", "JSON output (schema in README)")
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
    .option("--json", "JSON output (schema in README)")
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
    .option("--json", "JSON output (schema in README)")
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
    .option("--json", "JSON output (schema in README)")
    .action(run(() => import("./commands/loss.js")));

  sub("kl", "KL(N(μ, σ²) ‖ N(0, I)) of a VAE: closed form, gradients, Monte-Carlo check.", [
    "dlq kl --mu 0.5,-1 --logvar 0,0.2",
    "dlq kl --mu 0.5,-1 --logvar 0,0.2 --samples 1000000 --seed 7 --json",
  ])
    .requiredOption("--mu <MU>", "means, one per latent dimension (0.5,-1 or a JSON array)")
    .requiredOption("--logvar <LOGVAR>", "log-variances log σ², one per latent dimension")
    .option("-n, --samples <N>", "Monte-Carlo samples (default 100000; 0: none)")
    .option("--seed <S>", "seed of the samples (default 0)")
    .option("--json", "JSON output (schema in README)")
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
    .option("--json", "JSON output (schema in README)")
    .action(run(() => import("./commands/gcn.js")));

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
    // One line too, whatever the message quotes; never "internal error: internal error:".
    const msg = (e instanceof Error ? e.message : String(e)).replace(/^(internal error: )+/, "");
    ctx.err(
      `dlq: internal error: ${escapeControls(msg)} (this is a bug in dlq; please report it)\n`,
    );
    if (process.env.DLQ_DEBUG && e instanceof Error && e.stack) ctx.err(e.stack + "\n");
    return EXIT.internal;
  }
}
