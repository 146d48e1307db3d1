/**
 * The JSON Schemas of the `--json` documents (schema/dlq-COMMAND.schema.json): each compiles
 * under ajv's strict mode, states `schema_version`, documents every field, and accepts what its
 * command prints for each of its forms — and nothing else (a field added or dropped in the output
 * but not in the schema fails here). Every other `--json` run of the test suite is checked too
 * (tests/helpers.ts, tests/schemas.ts).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT, dlq } from "./helpers.js";
import { JSON_COMMANDS, schemaOf, validatorOf } from "./schemas.js";

/** Every object schema's properties, with their JSON pointer, in `schema`. */
function properties(schema: unknown, at = ""): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  const walk = (s: unknown, p: string): void => {
    if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${p}/${i}`));
    if (s === null || typeof s !== "object") return;
    const o = s as Record<string, unknown>;
    if (o.properties && typeof o.properties === "object") {
      for (const [k, v] of Object.entries(o.properties as Record<string, unknown>)) {
        out.push([`${p}/properties/${k}`, v as Record<string, unknown>]);
      }
    }
    for (const [k, v] of Object.entries(o)) if (k !== "properties") walk(v, `${p}/${k}`);
    if (o.properties) walk(Object.values(o.properties as object), `${p}/properties`);
  };
  walk(schema, at);
  return out;
}

describe("the schemas", () => {
  it.each(JSON_COMMANDS)(
    "dlq-%s.schema.json compiles, has schema_version, documents every field",
    (c) => {
      const schema = schemaOf(c);
      expect(schema.$id).toBe(`dlq-${c}.schema.json`);
      expect(typeof schema.description).toBe("string");
      expect(() => validatorOf(c)).not.toThrow();
      const text = JSON.stringify(schema);
      expect(text).toContain('"schema_version":{"const":1');
      for (const [path, prop] of properties(schema)) {
        const documented =
          typeof prop.description === "string" ||
          (typeof prop.$ref === "string" && prop.$ref.startsWith("#/definitions/"));
        expect(documented, `${c}: ${path} has no description`).toBe(true);
      }
    },
  );

  it("the README links every schema", () => {
    const readme = readFileSync(ROOT + "README.md", "utf8");
    for (const c of JSON_COMMANDS) expect(readme).toContain(`schema/dlq-${c}.schema.json`);
  });
});

/** Command lines covering each form of each document (the test suite's other runs add more). */
const CORPUS: Record<(typeof JSON_COMMANDS)[number], string[][]> = {
  shape: [
    ["shape", "examples/course_cnn.py"],
    ["shape", "examples/course_mlpirate.py", "--input", "64,42"],
    ["shape", "examples/lstm_tagger.py"],
    ["shape", "examples/lenet5.py"],
    ["shape", "examples/course_embedding.py"],
    ["shape", "examples/vgg11.repr.txt", "--input", "2,3,64,64"],
  ],
  rf: [
    ["rf", "examples/course_cnn.py"],
    ["rf", "examples/vgg11.py"],
    ["rf", "examples/course_mlpirate.py"],
  ],
  dropout: [
    ["dropout", "0.1", "0.2"],
    ["dropout", "0.5", "1"],
    ["dropout", "p1", "p2"],
    ["dropout", "p", "1"],
  ],
  gradcheck: [
    ["gradcheck", "examples/course_gradcheck.py"],
    ["gradcheck", "torch.relu(x).sum()", "--var", "x=[-1, 0, 2]"],
    ["gradcheck", "torch.relu(x).sum()", "--var", "x=[-1, 0, 2]", "--allow-inconclusive"],
    [
      "gradcheck",
      "torch.mean(X @ W + b)",
      "--var",
      "X=10x5:const",
      "--var",
      "W=5x5",
      "--var",
      "b=5",
      "--fast",
    ],
    ["gradcheck", "torch.sum(W * W)", "--var", "W=3x3", "--show-grad"],
    ["gradcheck", "X @ W", "--var", "X=4x3", "--var", "W=3x2", "--eps", "1e-2"],
  ],
  derive: [
    ["derive", "x^3", "--at", "x=2"],
    ["derive", "x*y + sin(x)", "--wrt", "x", "--at", "x=1,y=2"],
    ["derive", "log(x)", "--at", "x=0"],
    ["derive", "1/(1+exp(-x))"],
  ],
  grad: [
    ["grad", "--chain", "0.5,2", "--depth", "10"],
    ["grad", "--chain", "1e-200", "--depth", "5"],
    [
      "grad",
      "examples/course_mlpirate.py",
      "--seeds",
      "1",
      "--batch",
      "4",
      "--act",
      "sigmoid,relu",
    ],
    ["grad", "examples/course_cnn.py", "--seeds", "1", "--batch", "1", "--input", "1,3,64,64"],
  ],
  check: [
    ["check", "examples/answers.yaml", "--only", "cnn-receptive-field,dropout-chain"],
    ["check", "examples/answers.yaml", "--answers", "examples/student_answers.yaml"],
  ],
  loss: [
    ["loss", "bce", "--target", "1,0", "--pred", "0.2,0.9"],
    ["loss", "ce", "--target", "0", "--pred", "[[2,1,0.1]]"],
    ["loss", "mse", "--target", "1", "--pred", "0.01", "--sigmoid"],
    ["loss", "bce", "--target", "1,0", "--pred", "0.2,0.9", "--reduction", "none"],
    ["loss", "bce", "--target", "1", "--pred", "0"],
    ["loss", "compare"],
  ],
  kl: [
    ["kl", "--mu", "0.5,-1", "--logvar", "0,0.2", "--samples", "2000"],
    ["kl", "--mu", "0.5", "--logvar", "0", "--samples", "0"],
  ],
  gcn: [
    ["gcn", "examples/graph_path5.json", "--layers", "2", "--q", "1"],
    ["gcn", "examples/graph_small.txt", "--layers", "2", "--q", "2", "--zero", "3"],
    [
      "gcn",
      "examples/graph_path5.json",
      "-L",
      "3",
      "-q",
      "1",
      "--laplacian",
      "normalized",
      "--node",
      "0",
    ],
  ],
};

describe("every command's output matches its schema", () => {
  for (const c of JSON_COMMANDS) {
    it.each(CORPUS[c].map((argv) => [argv.join(" "), argv]))("dlq %s --json", (_name, argv) => {
      // dlq() validates the document itself (tests/schemas.ts); this states it.
      const r = dlq([...(argv as string[]), "--json"]);
      expect([0, 1]).toContain(r.code);
      expect(validatorOf(c)(JSON.parse(r.stdout))).toBe(true);
    });
  }

  it("a field the schema does not know, or one it requires missing, is refused", () => {
    const doc = JSON.parse(dlq(["dropout", "0.1", "--json"]).stdout);
    const validate = validatorOf("dropout");
    expect(validate({ ...doc, extra: 1 })).toBe(false);
    const { q: _q, ...withoutQ } = doc;
    expect(validate(withoutQ)).toBe(false);
    expect(validate({ ...doc, schema_version: 2 })).toBe(false);
  });
});
