// dlq gradcheck refuses, before perturbing anything, a full check too large to run (the Jacobian
// alone of W*2 with W 300×300 has 8.1e9 entries), and suggests --fast, which checks one directional
// derivative per input whatever the sizes. Bounds asserted from outside: a child process with a
// generous timeout and a capped heap.
import { describe, expect, it } from "vitest";
import { dlq } from "./helpers.js";

const BOUNDS = { timeoutMs: 30_000, heapMb: 512 };

function refusedWithFast(r: ReturnType<typeof dlq>, message: RegExp): void {
  expect(r.signal).toBeNull();
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^dlq: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/use --fast \(one directional derivative vᵀJu per input/);
}

describe("gradcheck: a full check too large is refused up front", () => {
  it('"W*2" with W 300×300: 8.1e9 Jacobian entries (was exit 3, "Invalid typed array length")', () => {
    refusedWithFast(
      dlq(["gradcheck", "W*2", "--var", "W=300x300"], BOUNDS),
      /^dlq: <expr>:1:1: the full check would compare 8\.1e\+9 Jacobian entries \(90000 output × 90000 input elements\)/,
    );
  });

  it('"torch.sum(W)" with W 2000×2000: 8,000,001 evaluations (was minutes)', () => {
    refusedWithFast(
      dlq(["gradcheck", "torch.sum(W)", "--var", "W=2000x2000"], BOUNDS),
      /the full check would evaluate the function 8000001 times over 4000001 elements/,
    );
  });

  it("--fast checks them (one vᵀJu per input)", () => {
    for (const expr of ["W*2", "torch.sum(W)"]) {
      const r = dlq(["gradcheck", expr, "--var", "W=2000x2000", "--fast", "--json"], BOUNDS);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ mode: "fast", passed: true });
    }
  });

  it("the course snippet is still checked in full", () => {
    const r = dlq(["gradcheck", "examples/course_gradcheck.py", "--json"], BOUNDS);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: "full", passed: true });
  });
});
