// dlq gradcheck's report: no Infinity/NaN in text or JSON (relative error where the numerical
// derivative is 0), and the fast-mode failure label. A test-only op with a deliberately wrong
// backward rule: forward 0·x (derivative 0), backward 1 (hand-derived: analytic 1, numerical 0).
import { describe, expect, it } from "vitest";
import { dlqInProcess as dlq } from "./helpers.js";
import { registerFunction } from "../src/analysis/gradcheck_host.js";
import * as T from "../src/tensor/index.js";

registerFunction("torch.flat_with_slope", ["input"], (b) => {
  const a = b.args.input as T.Tensor;
  return T.createOp(
    "flat_with_slope",
    a.data.map(() => 0),
    a.shape,
    [a],
    (g) => [g.slice()],
  );
});

describe("relative error where the numerical value is 0", () => {
  it("text: ∞ (numerical 0), never Infinity", async () => {
    const r = await dlq("gradcheck", "torch.flat_with_slope(x).sum()", "--var", "x=[1, 2]");
    expect(r.code).toBe(1);
    expect(r.out).not.toMatch(/Infinity|NaN/);
    expect(r.out).toMatch(
      /│ x +│ \[2\] +│ 1\.00e\+0 at \[0\] +│ ∞ \(numerical 0\) at \[0\] +│ +2\/2 /,
    );
    expect(r.out).toContain("x[0] fails: analytic 1, numerical 0");
  });
  it("JSON: null", async () => {
    const r = await dlq(
      "gradcheck",
      "torch.flat_with_slope(x).sum()",
      "--var",
      "x=[1, 2]",
      "--json",
    );
    expect(r.code).toBe(1);
    expect(r.out).not.toMatch(/Infinity|NaN/);
    const doc = JSON.parse(r.out);
    expect(doc.inputs[0].max_rel_error).toBeNull();
    expect(doc.inputs[0].max_rel_at).toMatchObject({ analytic: 1, numerical: 0, rel_error: null });
  });
});

describe("--fast failure label", () => {
  it("names the input: 'x: vᵀJu fails'", async () => {
    const r = await dlq(
      "gradcheck",
      "torch.flat_with_slope(x).sum()",
      "--var",
      "x=[1, 2]",
      "--fast",
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ {2}x: vᵀJu fails: analytic [\d.]+, numerical 0$/m);
    expect(r.out).not.toMatch(/xvᵀJu/);
    expect(r.out).not.toMatch(/Infinity|NaN/);
  });
});
