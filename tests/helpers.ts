/** Shared test helpers: load a model file through the same path the CLI uses, and run the real bin. */
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { modelFacts, resolveModel, type LayerUse } from "../src/analysis/model.js";
import { traceSequential, type Graph } from "../src/analysis/graph.js";
import { measureGradFlow, type GradProtocol } from "../src/analysis/gradflow.js";
import { receptiveField } from "../src/analysis/rf.js";
import { LAYERS } from "../src/analysis/layers/index.js";
import { InputError } from "../src/errors.js";
import { parseModel } from "../src/spec/index.js";
import type { LayerModule, ModuleSpec, SequentialModule } from "../src/spec/types.js";
import { checkJsonOutput } from "./schemas.js";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export const catalogue = {
  isKnownLayer: (t: string) => LAYERS.has(t),
  knownLayers: () => LAYERS.keys(),
};

/** Parses and resolves model text as `dlq` does. */
export function load(text: string, file = "model.py", model?: string) {
  const spec = parseModel(text, file, { ...catalogue, model });
  return { spec, uses: resolveModel(spec) };
}

/** Loads a file relative to the repository root. */
export function loadFile(path: string) {
  return load(readFileSync(ROOT + path, "utf8"), path);
}

/**
 * Runs the built CLI (`npm run build` comes first in `npm test`). `timeoutMs` kills a run that
 * takes longer (its code is then null, and `signal` says why); `heapMb` caps V8's heap
 * (`--max-old-space-size`): bounds asserted from outside, never a timed unit test.
 */
export function dlq(
  args: string[],
  opts: { input?: string; env?: Record<string, string>; timeoutMs?: number; heapMb?: number } = {},
) {
  const node = opts.heapMb !== undefined ? [`--max-old-space-size=${opts.heapMb}`] : [];
  const r = spawnSync(process.execPath, [...node, ROOT + "bin/dlq.js", ...args], {
    input: opts.input ?? "",
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "", FORCE_COLOR: "", ...opts.env },
    cwd: ROOT,
    maxBuffer: 256 * 1024 * 1024,
    ...(opts.timeoutMs !== undefined
      ? { timeout: opts.timeoutMs, killSignal: "SIGKILL" as const }
      : {}),
  });
  // Every --json document the tests produce is checked against its schema (tests/schemas.ts).
  checkJsonOutput(args, r.status, r.stdout);
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a dlq command line in-process (src/cli.ts's `main`), capturing stdout and stderr. */
export async function dlqInProcess(
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import("../src/cli.js");
  let out = "";
  let err = "";
  const code = await main(argv, {
    color: false,
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readStdin: async () => "",
  });
  checkJsonOutput(argv, code, out);
  return { code, out, err };
}

/** The one line the InputError thrown by `f` shows the user; fails the test if `f` throws none. */
export function errorLine(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.toLine();
    throw e;
  }
  throw new Error("did not throw");
}

/** The layers of a module tree, in order. */
export function layersOf(m: ModuleSpec): LayerModule[] {
  return m.kind === "layer" ? [m] : m.children.flatMap((c) => layersOf(c.module));
}

/** The chain of layer uses as an nn.Sequential of the same modules (names kept). */
export function chainRoot(uses: readonly LayerUse[]): SequentialModule {
  return {
    kind: "sequential",
    type: "Sequential",
    children: uses.map((u) => ({ name: u.name, module: u.module })),
  };
}

/** The graph of a chain of layer uses applied to `input` (shapeless without one). */
export function graphOf(uses: readonly LayerUse[], input?: readonly number[]): Graph {
  const index = uses[0]?.def.inputKind === "index";
  return traceSequential(
    chainRoot(uses),
    input ? { shape: input, dtype: index ? "int64" : "float32" } : undefined,
  );
}

/** `dlq shape`'s facts for a chain of layer uses. */
export function factsOf(uses: readonly LayerUse[], input: readonly number[]) {
  return modelFacts(chainRoot(uses), graphOf(uses, input));
}

/** `dlq rf`'s result for a chain of layer uses (with shapes when `inputs` gives the first). */
export function rfOf(uses: readonly LayerUse[], inputs?: readonly (readonly number[])[]) {
  return receptiveField(graphOf(uses, inputs?.[0]));
}

/** `dlq grad`'s measurement on a chain of layer uses or a graph. */
export function gradOf(x: readonly LayerUse[] | Graph, p: GradProtocol) {
  return measureGradFlow(Array.isArray(x) ? graphOf(x as LayerUse[], p.input) : (x as Graph), p);
}
