// dlq grad refuses, before allocating anything, a study whose tensors would not fit in its memory
// budget (src/analysis/gradflow.ts checkMemory): 8 bytes × 3 × (input + Σ outputs + parameters).
import { describe, expect, it } from "vitest";
import { checkMemory, MEMORY_BUDGET } from "../src/analysis/gradflow.js";
import { InputError } from "../src/errors.js";
import { dlq } from "./helpers.js";

describe("dlq grad: memory is bounded up front", () => {
  it("VGG-11 at 32×32 (133 M parameters, ≈ 3 GB) is refused before starting (was 1.1 GB allocated)", () => {
    const r = dlq(
      ["grad", "examples/vgg11.py", "--input", "1,3,32,32", "--batch", "1", "--seeds", "1"],
      { timeoutMs: 20_000 },
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    // torchvision's vgg11 has 132,863,336 parameters: 8 × 3 × 132,863,336 B = 2.97 GiB.
    expect(r.stderr).toBe(
      "dlq: this study would need about 3.0 GB of memory (mostly 1.33e+8 parameters, as float64 with their gradients); dlq grad allows 1.0 GB: use a smaller model (fewer or narrower layers)\n",
    );
  });

  it("a large input is refused naming --input", () => {
    const r = dlq(
      [
        "grad",
        "examples/course_cnn.py",
        "--input",
        "1,3,2048,2048",
        "--batch",
        "1",
        "--seeds",
        "1",
      ],
      { timeoutMs: 20_000 },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^dlq: --input: this study would need about 1\.\d GB of memory \(mostly [\d.e+]+ activation elements at input \[1, 3, 2048, 2048\].*use a smaller --input \(spatial size\) or --batch\n$/,
    );
  });

  it("the estimate, by hand: exactly at the budget passes, one element more is refused", () => {
    const elements = MEMORY_BUDGET / 24; // 8 bytes × 3
    expect(() =>
      checkMemory({ layers: [], params: elements - 4 }, { input: [2, 2] }),
    ).not.toThrow();
    expect(() => checkMemory({ layers: [], params: elements - 3 }, { input: [2, 2] })).toThrow(
      InputError,
    );
  });
});
