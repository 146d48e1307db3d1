// dlq derive's symbolic work is bounded by mathjs steps, not only by characters: towers and long
// sums answer in seconds (unsimplified, with a note) or are refused (exit 2, one line); the JSON is
// strict even when folding constants overflows; a leading '-' gets a hint about `--`. Time is
// bounded from outside: a child process with a generous timeout.
import { describe, expect, it } from "vitest";
import { derive, MAX_DERIVATIVE_NODES } from "../src/analysis/derive.js";
import { dlq } from "./helpers.js";

const tower = (n: number) => Array(n).fill("x").join("^");
const LIMITS = { timeoutMs: 30_000, heapMb: 512 };

/** A refusal: exit 2, exactly one stderr line, nothing on stdout. */
function refused(r: ReturnType<typeof dlq>, message: RegExp): void {
  expect(r.signal).toBeNull();
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.endsWith("\n")).toBe(true);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(message);
}

describe("derive: the symbolic work is bounded", () => {
  it("a 13-level tower x^x^…^x answers, unsimplified with a note (was 20 s)", () => {
    const r = dlq(["derive", tower(13), "--json"], LIMITS);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.notes.join(" ")).toMatch(/shown as differentiated, not simplified/);
    // d/dx x^x at x = 1 is 1 for every tower: x^(x^…) · (… + …) with every factor 1 there.
    expect(j.points.find((p: { at: { x: number } }) => p.at.x === 1).symbolic).toBe(1);
  });

  it(`a 499-level tower (997 characters) is refused: more than ${MAX_DERIVATIVE_NODES} nodes (was minutes)`, () => {
    refused(dlq(["derive", tower(499)], LIMITS), /^dlq: <expr>: the derivative is too large/);
  });

  it("a sum of 27 x's, whose simplification is exponential in mathjs (40 s), gives 1 + … + 1", () => {
    const r = dlq(["derive", Array(27).fill("x").join("+"), "--at", "x=3", "--json"], LIMITS);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.derivative).toBe(Array(27).fill("1").join(" + "));
    expect(j.points[0]).toMatchObject({ symbolic: 27, agree: true });
  });

  it("small expressions are still simplified by mathjs", async () => {
    expect((await derive("x^3")).derivative).toBe("3 * x ^ 2");
    expect((await derive("x^3")).notes).toEqual([]);
  });

  it("400 nested parentheses: exit 2 'nests too deeply', one line (was mathjs's stack message)", () => {
    refused(dlq(["derive", "(".repeat(400) + "x" + ")".repeat(400)], LIMITS), /nests too deeply/);
  });
});

describe("derive: never Infinity or NaN in the output", () => {
  it("1e308*x*10: the derivative is not folded to Infinity; --json is strict JSON", () => {
    for (const args of [["--json"], []]) {
      const r = dlq(["derive", "1e308*x*10", ...args]);
      expect(r.code).toBe(1); // nothing could be cross-checked: f overflows at every point
      expect(r.stdout).not.toMatch(/Infinity|NaN/);
    }
    const j = JSON.parse(dlq(["derive", "1e308*x*10", "--json"]).stdout);
    expect(j.derivative).toBe("1e+308 * 10");
    expect(j.notes.join(" ")).toMatch(/folds constants beyond float64's range/);
  });
});

describe("derive: an expression starting with '-'", () => {
  it("derive -x^2 says to put it after --, on the same line", () => {
    refused(
      dlq(["derive", "-x^2"]),
      /^dlq: unknown option '-x\^2' \(a value starting with '-' goes after '--', e\.g\. dlq derive -- '-x\^2'\)\n$/,
    );
    const r = dlq(["derive", "--", "-x^2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/= -\(2 \* x\)/);
  });
});

describe("derive: Object.prototype's names", () => {
  it("constructor, toString and __proto__ are refused as variables (mathjs cannot read them)", () => {
    for (const name of ["constructor", "toString", "__proto__"]) {
      refused(
        dlq(["derive", `${name} * x`, "--wrt", "x"]),
        new RegExp(`^dlq: <expr>:1:1: '${name}' cannot be a variable: rename it\\n$`),
      );
    }
    refused(dlq(["derive", "x", "--at", "__proto__=1"]), /'__proto__' cannot be a variable/);
    // A name that is not Object.prototype's is an ordinary variable.
    expect(dlq(["derive", "prototype * x", "--wrt", "x", "--at", "x=1,prototype=2"]).code).toBe(0);
  });
});
