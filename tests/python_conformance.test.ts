/**
 * The conformance table of the Python subset: every construct of
 * tests/fixtures/python_conformance.json (CPython 3.11's results, from
 * scripts/fixtures/gen_python_conformance.py) run through dlq's one interpreter, in both of its
 * modes (lenient, as model reading runs it, and strict, as gradcheck runs it).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Interpreter } from "../src/python/interp.js";
import { parsePython } from "../src/python/parse.js";
import { PyException, Unknown } from "../src/python/values.js";
import { ROOT } from "./helpers.js";

interface Case {
  name: string;
  source: string;
  repr?: string;
  error?: string;
}
const table = JSON.parse(readFileSync(ROOT + "tests/fixtures/python_conformance.json", "utf8")) as {
  cases: Case[];
};

function run(source: string, strict: boolean): string {
  const it = new Interpreter({ importModule: () => undefined }, { strict, file: "case.py" });
  const mod = parsePython(source, "case.py");
  try {
    for (const s of mod.body) {
      const f = it.exec(s, it.globals);
      if (f) throw new Error("flow at top level");
    }
  } catch (e) {
    if (e instanceof PyException) return `${e.pyType}: ${e.message}`;
    throw e;
  }
  const result = it.globals.vars.get("result") ?? null;
  // lenient: an undefined name is an unknown carrying Python's error (an error where it is used)
  if (result instanceof Unknown && result.error) return `${result.pyType}: ${result.reason}`;
  return it.repr(result);
}

for (const strict of [false, true]) {
  describe(`Python conformance (${strict ? "strict: gradcheck" : "lenient: model reading"})`, () => {
    for (const c of table.cases) {
      it(c.name, () => {
        expect(run(c.source, strict)).toBe(c.repr ?? c.error);
      });
    }
  });
}
