/**
 * `dlq grad` through the real bin (bin/dlq.js → dist/, built by `npm run build` first): exit
 * codes, JSON validity (no NaN/Infinity), the scalar chain's worked example (a = 0.5 over 10
 * layers → 2⁻⁹ at the first layer, a = 2 → 2⁹), the SVG chart.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dlq } from "./helpers.js";

describe("dlq grad (CLI)", () => {
  it("--json on the mlpirate: schema, 26 rows, sigmoid vanishing, no NaN", () => {
    const r = dlq(["grad", "examples/course_mlpirate.py", "--seeds", "2", "--json"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/NaN|Infinity/);
    const doc = JSON.parse(r.stdout);
    expect(doc.schema_version).toBe(1);
    expect(doc.protocol).toMatchObject({
      input: [64, 42],
      batch: 64,
      seeds: 2,
      init: "pytorch",
      loss: "mse",
    });
    expect(doc.variants).toHaveLength(1);
    const v = doc.variants[0];
    expect(v.act).toBe("sigmoid");
    expect(v.verdict).toBe("vanishing");
    expect(v.layers).toHaveLength(26);
    for (const k of [
      "name",
      "type",
      "weight_grad_norm",
      "output_grad_norm",
      "log10_ratio_to_last",
      "predicted_log10_ratio_to_last",
      "act_mean",
      "act_std",
      "saturated",
    ]) {
      expect(v.layers[0], k).toHaveProperty(k);
    }
    expect(v.layers[1].weight_grad_accumulated).toBe(true);
    expect(v.layers[25].act_mean).toBeNull();
  });

  it("--act sigmoid,tanh,relu shows three variants side by side", () => {
    const r = dlq([
      "grad",
      "examples/course_mlpirate.py",
      "--seeds",
      "2",
      "--batch",
      "16",
      "--act",
      "sigmoid,tanh,relu",
      "--no-plot",
    ]);
    expect(r.code).toBe(0);
    for (const a of ["sigmoid", "tanh", "relu"]) expect(r.stdout).toContain(`Activation: ${a}`);
    expect(r.stdout).toMatch(/Replacing sigmoid \(vanishing/);
    expect(r.stdout).not.toContain("┼");
  });

  it("bad --act, --init, --loss, unknown options and a missing MODEL exit 2 with one line", () => {
    for (const args of [
      ["grad", "examples/course_mlpirate.py", "--act", "sigmoidd"],
      ["grad", "examples/course_mlpirate.py", "--init", "he"],
      ["grad", "examples/course_mlpirate.py", "--loss", "hinge"],
      ["grad", "examples/course_mlpirate.py", "--seeds", "0"],
      ["grad", "examples/course_mlpirate.py", "--bogus"],
      ["grad"],
    ]) {
      const r = dlq(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(/^dlq: /);
    }
  });

  it("a huge --gain: gain² beyond float64 is bad input; a large one explodes without a crash", () => {
    const huge = dlq([
      "grad",
      "examples/course_mlpirate.py",
      "--init",
      "xavier_normal",
      "--gain",
      "1e308",
    ]);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toBe(
      "dlq: --gain: '1e308' is too large: the weight variance (gain²) overflows float64\n",
    );
    // By hand: xavier_normal on a square Linear gives σw² = gain²·2H/(H + H) = 1e20, and through a
    // ReLU the variance grows by σw²/2 = 5e19 a layer: it passes float64's 1.8e308 after
    // log10(1.8e308)/log10(5e19) = 15.6 layers, i.e. at the 16th Linear.
    const r = dlq([
      "grad",
      "examples/course_mlpirate.py",
      "--init",
      "xavier_normal",
      "--gain",
      "1e10",
      "--act",
      "relu",
      "--seeds",
      "1",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout).variants[0];
    expect(v.verdict).toBe("exploding");
    expect(v.predicted_log10_first_to_last).toBeNull();
    expect(v.prediction).toMatch(/^the pre-activation variance grows beyond float64 by layer 16 /);
  });

  it("a first-layer gradient of exactly 0 is vanishing, not healthy; σw² overflowing is no crash", () => {
    // By hand: with gain 1e5 the pre-activations are ~1e5, where σ'(z) = σ(z)(1 − σ(z)) underflows
    // to 0 in float64 (|z| > 745), so the first layer's weight gradient is exactly 0.
    const r = dlq([
      "grad",
      "examples/course_mlpirate.py",
      "--init",
      "xavier_normal",
      "--gain",
      "1e5",
      "--seeds",
      "1",
      "--no-plot",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sigmoid: vanishing — ‖∂L\/∂W‖ first\/last = 0,/);
    // gain² = 1e306 is finite, and so is σw² = gain²·2·fan_in/(fan_in + fan_out) (it overflowed
    // in an intermediate product); through sigmoids, bounded, the variance stays finite too.
    const big = dlq([
      "grad",
      "examples/course_mlpirate.py",
      "--init",
      "xavier_normal",
      "--gain",
      "1e153",
      "--seeds",
      "1",
      "--json",
    ]);
    expect(big.code).toBe(0);
    expect(Number.isFinite(JSON.parse(big.stdout).variants[0].predicted_log10_first_to_last)).toBe(
      true,
    );
  });

  it("a layer without a forward exits 2 naming it", () => {
    const r = dlq(["grad", "-", "--input", "1,1,5,5,5"], {
      input: "import torch.nn as nn\nm = nn.Sequential(nn.Conv3d(1, 2, 3))\n",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/layer 0 \(Conv3d\).*no tensor forward/);
  });

  it("--chain 0.5,2 --depth 10: 2^-9 and 2^9 at the first layer", () => {
    const r = dlq(["grad", "--chain", "0.5,2", "--depth", "10", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schema_version).toBe(1);
    const [half, two] = doc.chain.series;
    expect(half.grad_weight_first).toBe(2 ** -9);
    expect(two.grad_weight_first).toBe(2 ** 9);
    expect(half.rows).toHaveLength(10);
    const t = dlq(["grad", "--chain", "0.5,2", "--depth", "10"]);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain("2^-9");
    expect(t.stdout).toContain("2^9");
    expect(dlq(["grad", "--chain", "0.5,x"]).code).toBe(2);
    expect(dlq(["grad", "examples/course_mlpirate.py", "--chain", "0.5"]).code).toBe(2);
  });

  it("--svg writes a small SVG chart", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlq-grad-"));
    const file = join(dir, "chart.svg");
    const r = dlq(["grad", "--chain", "0.5,2", "--depth", "12", "--svg", file, "--no-plot"]);
    expect(r.code).toBe(0);
    const svg = readFileSync(file, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  });

  it("--svg that cannot be written: exit 2, nothing on stdout; '-' is refused before the study", () => {
    const r = dlq(["grad", "--chain", "0.5,2", "--svg", "/nonexistent/dir/x.svg"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^dlq: \/nonexistent\/dir\/x\.svg: cannot write the chart: ENOENT/);
    const dash = dlq(["grad", "examples/course_mlpirate.py", "--svg", "-"]);
    expect(dash.code).toBe(2);
    expect(dash.stdout).toBe("");
    expect(dash.stderr).toBe(
      "dlq: --svg: the chart needs a file name ('-' would mix it with the table on standard output)\n",
    );
  });
});
