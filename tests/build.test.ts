/**
 * The built CLI (dist/: two bundles, scripts/build.js) answers exactly as the source does. The
 * build rewrites a few things for start-up time, and this is where a mistake there would show:
 * the parse tables of @lezer/python carried decoded, @lezer/highlight left out, the JSON schema
 * compiled ahead of time by ajv's standalone code, the numeric commands in a second bundle (with
 * InputError crossing from one to the other), and output written without Node's streams.
 * Every case runs through the real bin and in-process through src/cli.ts's `main`.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, dlq, dlqInProcess } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dlq-build-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs argv both ways; `normalise` removes what may differ between two runs (timings). */
async function same(argv: string[], normalise = (s: string) => s): Promise<number> {
  const built = dlq(argv);
  const source = await dlqInProcess(...argv);
  expect({ code: built.code, out: normalise(built.stdout), err: built.stderr }).toEqual({
    code: source.code,
    out: normalise(source.out),
    err: source.err,
  });
  return source.code;
}

const models = readdirSync(ROOT + "examples")
  .filter((f) => /\.(py|repr\.txt|json)$/.test(f) && !f.startsWith("graph_"))
  .filter((f) => f !== "course_gradcheck.py")
  .map((f) => "examples/" + f);

describe("the built CLI agrees with the source", () => {
  it("has examples of all three forms to compare", () => {
    expect(models.filter((m) => m.endsWith(".py")).length).toBeGreaterThanOrEqual(5);
    expect(models.filter((m) => m.endsWith(".repr.txt")).length).toBeGreaterThanOrEqual(5);
    expect(models.filter((m) => m.endsWith(".json")).length).toBeGreaterThanOrEqual(4);
  });

  it.each(models)("shape and rf of %s", async (model) => {
    await same(["shape", model, "--json"]);
    await same(["rf", model, "--json"]);
    await same(["shape", model, "--input", "2,3,64,64"]);
  });

  it.each([
    ["a syntax error", "model = nn.Sequential(\n    nn.Linear(3, 4),\n    nn.ReLU(\n"],
    ["an unknown layer", "import torch.nn as nn\nnet = nn.Sequental(nn.Conv2d(3, 4, 3))\n"],
    [
      "a console session",
      ">>> import torch\n>>> net = torch.nn.Linear(3, 4)\n>>> net(torch.rand(2, 3))\n",
    ],
    [
      "a repr",
      "Sequential(\n  (0): Linear(in_features=3, out_features=4, bias=True)\n  (1): Tanh()\n)\n",
    ],
    ["schema: not an array", '{"layers": 3}'],
    [
      "schema: a name that is not a string",
      '{"input": [1, 3], "layers": [{"name": 5, "type": "ReLU"}]}',
    ],
    ["schema: an unknown key", '{"input": [1, 3], "layers": [], "extra": 1}'],
    [
      "a layer error",
      '{"input": [1, 3, 8, 8], "layers": [{"type": "Conv2d", "in_channels": 3, "out_channels": 4, "kernel_size": [3, 3, 3]}]}',
    ],
  ])("%s", async (name, text) => {
    const file = join(dir, name.replace(/\W+/g, "_") + (text.startsWith("{") ? ".json" : ".py"));
    writeFileSync(file, text);
    await same(["shape", relative(ROOT, file), "--json"]);
  });

  it.each([
    [["gradcheck", "examples/course_gradcheck.py", "--json"]],
    [["gradcheck", "torch.relu(x).sum()", "--var", "x=[-1, 0, 2]"]],
    [["gradcheck", "torch.mean(X @ W"]],
    [["derive", "x^3", "--at", "x=2", "--json"]],
    [["loss", "bce", "--target", "1,0", "--pred", "0.2,0.9", "--json"]],
    [["loss", "bce", "--target", "1", "--pred", "2"]],
    [["kl", "--mu", "0.5,-1", "--logvar", "0,0.2", "--samples", "2000", "--json"]],
    [["gcn", "examples/graph_path5.json", "--layers", "2", "--q", "1", "--json"]],
    [["grad", "--chain", "0.5,2", "--depth", "10", "--json"]],
    [["grad", "examples/course_mlpirate.py", "--seeds", "1", "--batch", "4", "--json"]],
    [["grad", "examples/lstm_tagger.py"]],
  ])("the numeric commands: %j", async (argv) => {
    await same(argv);
  });

  it("check runs its entries through the core (times aside)", async () => {
    const noTimes = (s: string) => s.replace(/"seconds": [-\d.e]+/g, '"seconds": 0');
    const code = await same(
      ["check", "examples/answers.yaml", "--only", "cnn-receptive-field,dropout-chain", "--json"],
      noTimes,
    );
    expect(code).toBe(0);
  });
});
