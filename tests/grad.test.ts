/**
 * `dlq grad`'s measurement (src/analysis/gradflow.ts) against PyTorch 1.13 running the same
 * protocol (tests/fixtures/grad.json, scripts/fixtures/gen_grad.py): the seeds' random streams
 * differ, so only medians over 10 seeds are compared, within 0.5 decades. And the mean-field
 * prediction (src/analysis/meanfield.ts) against dlq's own measurement on a wide MLP.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  predictMlp,
  swapActivations,
  gradInput,
  type GradProtocol,
  type InitName,
} from "../src/analysis/gradflow.js";
import { InputError } from "../src/errors.js";
import { load, loadFile, gradOf, graphOf } from "./helpers.js";

interface Study {
  act: string;
  depth: number;
  width: number;
  in_features: number;
  shared: boolean;
  init: InitName;
  gain: number | null;
  source: string;
  log10_first_to_last: number;
  layers: {
    log10_ratio_to_last: number;
    output_log10_ratio_to_last: number;
    act_mean: number | null;
    act_std: number | null;
    saturated: number | null;
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/grad.json", import.meta.url), "utf8"),
) as { seeds: number; batch: number; studies: Study[] };

const protocol = (input: number[], s: Partial<GradProtocol> = {}): GradProtocol => ({
  input,
  seeds: 10,
  init: "pytorch",
  loss: "mse",
  trainDropout: false,
  lr: 0.01,
  ...s,
});

describe("measured gradient flow agrees with PyTorch (medians over 10 seeds)", () => {
  for (const st of fixture.studies) {
    const label = `${st.act} MLP, ${st.depth} Linear${st.shared ? " (the mlpirate, shared)" : ""}, init ${st.init}${st.gain ? ` gain ${st.gain}` : ""}`;
    it(label, () => {
      const { uses } = load(st.source);
      const v = gradOf(
        uses,
        protocol([fixture.batch, st.in_features], {
          seeds: fixture.seeds,
          init: st.init,
          ...(st.gain !== null ? { gain: st.gain } : {}),
        }),
      );
      expect(v.layers.length).toBe(st.depth);
      expect(v.act).toBe(st.act);
      // The issue's criterion: first-to-last weight-gradient ratio within 0.5 decades.
      expect(Math.abs(v.log10FirstToLast! - st.log10_first_to_last)).toBeLessThan(0.5);
      // Every layer, both ratios, within 0.5 decades too.
      v.layers.forEach((l, i) => {
        const want = st.layers[i];
        expect(Math.abs(l.log10RatioToLast! - want.log10_ratio_to_last), `W ${i}`).toBeLessThan(
          0.5,
        );
        expect(
          Math.abs(l.outputLog10RatioToLast! - want.output_log10_ratio_to_last),
          `y ${i}`,
        ).toBeLessThan(0.5);
        if (want.act_mean !== null) {
          const tol = 0.05 + 0.1 * Math.abs(want.act_mean);
          expect(Math.abs(l.actMean! - want.act_mean), `mean ${i}`).toBeLessThan(tol);
          expect(Math.abs(l.actStd! / want.act_std! - 1), `std ${i}`).toBeLessThan(0.15);
          expect(Math.abs(l.saturated! - want.saturated!), `sat ${i}`).toBeLessThan(0.05);
        }
      });
    });
  }
});

describe("the mlpirate (examples/course_mlpirate.py)", () => {
  const { spec, uses } = loadFile("examples/course_mlpirate.py");
  const input = gradInput(uses, spec.input, 64);

  it("defaults to (batch, in_features) and shares one Linear over 24 applications", () => {
    expect(input).toEqual([64, 42]);
    const v = gradOf(uses, protocol(input, { seeds: 2 }));
    expect(v.layers.map((l) => l.applications)).toEqual([1, ...new Array(24).fill(24), 1]);
    expect(v.layers[2].sharedWith).toBe(v.layers[1].name);
    // The accumulated gradient is the same module's: one number on every shared row.
    expect(new Set(v.layers.slice(1, 25).map((l) => l.weightGradNorm)).size).toBe(1);
  });

  it("vanishes with sigmoid; tanh and relu (PyTorch's default init) vanish too", () => {
    const verdicts = ["sigmoid", "tanh", "relu"].map(
      (a) =>
        gradOf(swapActivations(graphOf(uses, input), a), protocol(input, { seeds: 3 })).verdict,
    );
    expect(verdicts).toEqual(["vanishing", "vanishing", "vanishing"]);
  });

  it("refuses an unknown activation with InputError", () => {
    expect(() => swapActivations(graphOf(uses, input), "sigmoidd")).toThrow(InputError);
  });
});

describe("mean-field prediction vs dlq's measurement", () => {
  // A wide tanh MLP with σw² = 1.5 (kaiming_normal with gain √1.5, biases 0): chaotic side, χ* > 1
  // near the input. Per-example theory vs a batch of 32: tolerance 0.25 decades per layer.
  const W = 512;
  const L = 8;
  const src =
    "import torch.nn as nn\nmodel = nn.Sequential(\n" +
    Array.from({ length: L - 1 }, () => `    nn.Linear(${W}, ${W}), nn.Tanh(),\n`).join("") +
    `    nn.Linear(${W}, ${W}),\n)\n`;
  it(`width ${W}, depth ${L}, tanh, σw² = 1.5: every layer within 0.25 decades`, () => {
    const { uses } = load(src);
    const p = protocol([32, W], { seeds: 4, init: "kaiming_normal", gain: Math.sqrt(1.5) });
    const v = gradOf(uses, p);
    expect(v.predictionUnavailable).toBeNull();
    for (const l of v.layers) {
      expect(Math.abs(l.outputLog10RatioToLast! - l.predictedOutputLog10RatioToLast!)).toBeLessThan(
        0.25,
      );
      expect(Math.abs(l.log10RatioToLast! - l.predictedLog10RatioToLast!)).toBeLessThan(0.25);
    }
  });

  it("is not available for a CNN, and says why", () => {
    const { uses } = loadFile("examples/course_cnn.py");
    const r = predictMlp(graphOf(uses, [1, 3, 128, 128]), protocol([1, 3, 128, 128]));
    expect(typeof r).toBe("string");
    expect(r).toMatch(/not an MLP/);
  });
});

describe("refusals", () => {
  it("a layer without a forward is named", () => {
    const { uses } = load(
      "import torch.nn as nn\nm = nn.Sequential(nn.Linear(4, 4), nn.LocalResponseNorm(2))\n",
    );
    let err: unknown;
    try {
      gradOf(uses, protocol([2, 3, 4], { seeds: 1 }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).toLine()).toMatch(
      /layer 1 \(LocalResponseNorm\).*: LocalResponseNorm has no tensor forward/,
    );
  });
});
