/**
 * Norm, dropout, activation, linear and recurrent layer definitions against PyTorch: golden cases
 * from scripts/fixtures/gen_layers_other.py (PyTorch 1.13), plus hand-derived cases for arguments
 * newer than 1.13 (LayerNorm's `bias`, Embedding's `_freeze`, RNN's positional `nonlinearity`).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { activationLayers, ACTIVATION_FN, softmaxDim } from "../src/analysis/layers/activation.js";
import { bindArgs } from "../src/analysis/layers/common.js";
import { dropoutLayers, dropoutP } from "../src/analysis/layers/dropout.js";
import { embeddingLayers } from "../src/analysis/layers/embedding.js";
import { linearLayers } from "../src/analysis/layers/linear.js";
import { normLayers } from "../src/analysis/layers/norm.js";
import { recurrentLayers } from "../src/analysis/layers/recurrent.js";
import { Flatten, Unflatten } from "../src/analysis/layers/reshape.js";
import { LayerError, type LayerDef, type ParamTensor } from "../src/analysis/layers/types.js";
import { Upsample } from "../src/analysis/layers/upsample.js";
import type { PyValue } from "../src/spec/types.js";

interface Case {
  type: string;
  positional: PyValue[];
  keywords: Record<string, PyValue>;
  input: number[];
  output?: number[];
  parameters?: ParamTensor[];
  num_params?: number;
  error?: "construct" | "forward";
  exception?: string;
  message?: string;
  train_error?: string;
}

interface Fixture {
  torch: string;
  signatures: Record<string, { name: string; default?: PyValue }[] | null>;
  cases: Case[];
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/layers_other.json", import.meta.url), "utf8"),
) as Fixture;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ALL: LayerDef<any>[] = [
  ...normLayers,
  ...dropoutLayers,
  ...activationLayers,
  ...linearLayers,
  Flatten,
  Unflatten,
  ...embeddingLayers,
  Upsample,
  ...recurrentLayers,
];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const DEFS = new Map<string, LayerDef<any>>(ALL.map((d) => [d.type, d]));

function def(type: string) {
  const d = DEFS.get(type);
  if (!d) throw new Error(`no definition for ${type}`);
  return d;
}

/** bind → configure → outputShape/parameters, reporting the stage of a refusal. */
function run(
  type: string,
  positional: PyValue[],
  keywords: Record<string, PyValue>,
  input: number[],
) {
  const d = def(type);
  let config: unknown;
  try {
    config = d.configure(bindArgs(d, positional, keywords));
  } catch (e) {
    if (!(e instanceof LayerError)) throw e;
    return { stage: "construct" as const, message: e.message };
  }
  const parameters = d.parameters(config);
  try {
    return { output: [...d.outputShape(config, input)], parameters, config };
  } catch (e) {
    if (!(e instanceof LayerError)) throw e;
    return { stage: "forward" as const, message: e.message };
  }
}

const label = (c: Case) =>
  `${c.type}(${[...c.positional.map((v) => JSON.stringify(v)), ...Object.entries(c.keywords).map(([k, v]) => `${k}=${JSON.stringify(v)}`)].join(", ")}) on ${JSON.stringify(c.input)}`;

describe("PyTorch golden cases", () => {
  it("covers every class", () => {
    const types = new Set(fixture.cases.map((c) => c.type));
    for (const d of ALL) expect(types.has(d.type), d.type).toBe(true);
    expect(fixture.cases.length).toBeGreaterThan(400);
  });

  for (const c of fixture.cases) {
    it(label(c), () => {
      const r = run(c.type, c.positional, c.keywords, c.input);
      if (c.error) {
        expect(r, `PyTorch refused in ${c.error}: ${c.message}`).toMatchObject({
          stage: c.error,
        });
        expect((r as { message: string }).message.length).toBeGreaterThan(0);
      } else {
        expect(r, JSON.stringify(r)).toHaveProperty("output");
        const ok = r as { output: number[]; parameters: ParamTensor[] };
        expect(ok.output).toEqual(c.output);
        expect(ok.parameters).toEqual(c.parameters);
        const count = ok.parameters.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
        expect(count).toBe(c.num_params);
      }
    });
  }
});

describe("messages name the numbers, as PyTorch's do", () => {
  const cases: [string, PyValue[], Record<string, PyValue>, number[], RegExp][] = [
    ["Dropout", [1.5], {}, [2], /dropout probability has to be between 0 and 1, but got 1.5/],
    ["Linear", [3, 5], {}, [4, 2, 4], /mat1 and mat2 shapes cannot be multiplied \(8x4 and 3x5\)/],
    ["Linear", [3, 5], {}, [4], /\(1x4 and 3x5\)/],
    [
      "LSTM",
      [5, 7],
      {},
      [4, 2, 3],
      /input.size\(-1\) must be equal to input_size. Expected 5, got 3/,
    ],
    [
      "LSTM",
      [5, 7],
      { proj_size: 7 },
      [4, 2, 5],
      /proj_size has to be smaller than hidden_size.*7.*7/,
    ],
    ["BatchNorm2d", [4], {}, [2, 3, 5, 6], /running_mean should contain 3 elements not 4/],
    ["BatchNorm1d", [4], {}, [2, 4, 5, 6], /expected 2D or 3D input \(got 4D input\)/],
    ["GroupNorm", [4, 6], {}, [2, 6], /num_channels=6.*num_groups=4/],
    ["LayerNorm", [[3, 4]], {}, [2, 4, 3], /normalized_shape=\[3, 4\].*\[\*, 3, 4\].*\[2, 4, 3\]/],
    ["Embedding", [10, 3], { padding_idx: 10 }, [2], /padding_idx=10.*num_embeddings=10/],
    ["Hardtanh", [2.0, 1.0], {}, [2], /min_val=2 and max_val=1/],
    ["Softmax", [2], {}, [2, 3], /expected to be in range of \[-2, 1\], but got 2/],
    ["Flatten", [2, 1], {}, [2, 3, 4, 5], /start_dim cannot come after end_dim/],
    ["Unflatten", [1, [2, 3]], {}, [3, 10], /Provided sizes \[2, 3\].*dim 1 \(10\)/],
    ["PReLU", [3], {}, [2, 4, 5], /parameter numbers = 3 and channel size = 4/],
    [
      "Upsample",
      [],
      { scale_factor: 0.1 },
      [1, 3, 5, 7],
      /input \(H: 5, W: 7\) output \(H: 0, W: 0\)/,
    ],
    ["RNN", [5, 7], { nonlinearity: "sigmoid" }, [4, 2, 5], /Unknown nonlinearity 'sigmoid'/],
  ];
  for (const [type, pos, kw, input, re] of cases) {
    it(`${type} ${re.source}`, () => {
      const r = run(type, pos, kw, input) as { message?: string };
      expect(r.message).toMatch(re);
    });
  }

  it("matches PyTorch's message verbatim where dlq reproduces it", () => {
    const verbatim = [
      "dropout probability has to be between 0 and 1",
      "mat1 and mat2 shapes cannot be multiplied",
      "input.size(-1) must be equal to input_size",
      "running_mean should contain",
      "Given normalized_shape=",
      "Dimension out of range",
      "flatten() has invalid args",
      "unflatten: Provided sizes",
      "Mismatch of parameter numbers",
      "Input and output sizes should be greater than 0",
      "Got ",
      "Input Error: Only 3D, 4D and 5D",
      "either size or scale_factor",
      "only one of size or scale_factor",
      "align_corners option can only be set",
    ];
    let checked = 0;
    const wrong: string[] = [];
    for (const c of fixture.cases) {
      if (!c.error || !c.message) continue;
      const prefix = verbatim.find((v) => c.message!.startsWith(v));
      // PyTorch 1.13 indexes a 0-d input before checking its rank; dlq uses PyTorch 2.x's
      // "RNN: Expected input to be 2-D or 3-D but received 0-D tensor" instead.
      if (!prefix || (["RNN", "LSTM", "GRU"].includes(c.type) && c.input.length === 0)) continue;
      const r = run(c.type, c.positional, c.keywords, c.input) as { message?: string };
      // dlq may append the numbers PyTorch leaves out, never drop PyTorch's own words.
      if (r.message !== c.message.slice(0, r.message?.length)) {
        wrong.push(`${label(c)}: dlq "${r.message}" vs PyTorch "${c.message}"`);
      }
      checked++;
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });
});

describe("signatures match PyTorch's __init__", () => {
  // Newer than 1.13: LayerNorm gained `bias` (2.1), Embedding `_freeze` (2.0); RNN/LSTM/GRU
  // take *args in 1.13 and are spelled out since 2.2; Identity takes *args/**kwargs.
  const newer: Record<string, { at: string; name: string; default: PyValue }> = {
    LayerNorm: { at: "elementwise_affine", name: "bias", default: true },
    Embedding: { at: "_weight", name: "_freeze", default: false },
  };
  for (const [type, sig] of Object.entries(fixture.signatures)) {
    if (sig === null) continue;
    it(type, () => {
      const want = sig.map((p) => ({ ...p }));
      const extra = newer[type];
      if (extra) {
        const i = want.findIndex((p) => p.name === extra.at);
        want.splice(i + 1, 0, { name: extra.name, default: extra.default });
      }
      expect(def(type).signature).toEqual(want);
    });
  }

  it("RNN, LSTM and GRU as PyTorch 2.2+ documents them", () => {
    const names = (t: string) => def(t).signature.map((p) => p.name);
    const tail = ["bias", "batch_first", "dropout", "bidirectional"];
    expect(names("RNN")).toEqual([
      "input_size",
      "hidden_size",
      "num_layers",
      "nonlinearity",
      ...tail,
      "device",
      "dtype",
    ]);
    expect(names("LSTM")).toEqual([
      "input_size",
      "hidden_size",
      "num_layers",
      ...tail,
      "proj_size",
      "device",
      "dtype",
    ]);
    expect(names("GRU")).toEqual([
      "input_size",
      "hidden_size",
      "num_layers",
      ...tail,
      "device",
      "dtype",
    ]);
  });
});

describe("hand-derived cases", () => {
  it("the course's Embedding(42, 42000) on (5, 6, 7, 8)", () => {
    const r = run("Embedding", [42, 42000], {}, [5, 6, 7, 8]) as {
      output: number[];
      parameters: ParamTensor[];
    };
    expect(r.output).toEqual([5, 6, 7, 8, 42000]);
    expect(r.parameters).toEqual([{ name: "weight", shape: [42, 42000] }]);
    expect(42 * 42000).toBe(1_764_000);
    expect(def("Embedding").inputKind).toBe("index");
  });

  it("LayerNorm bias=False keeps only weight; elementwise_affine=False owns nothing", () => {
    const a = run("LayerNorm", [[3, 4]], { bias: false }, [2, 3, 4]) as {
      parameters: ParamTensor[];
    };
    expect(a.parameters).toEqual([{ name: "weight", shape: [3, 4] }]);
    const b = run("LayerNorm", [8, 1e-5, false, false], {}, [2, 8]) as {
      parameters: ParamTensor[];
    };
    expect(b.parameters).toEqual([]);
  });

  it("Embedding _freeze keeps the weight as a (frozen) parameter", () => {
    const r = run("Embedding", [10, 3], { _freeze: true }, [2]) as {
      parameters: ParamTensor[];
      config: { trainable: boolean };
    };
    expect(r.parameters).toEqual([{ name: "weight", shape: [10, 3] }]);
    expect(r.config.trainable).toBe(false);
  });

  it("Embedding _weight must have shape (num_embeddings, embedding_dim)", () => {
    expect(
      run(
        "Embedding",
        [2, 3],
        {
          _weight: [
            [0, 0, 0],
            [0, 0, 0],
          ],
        },
        [4],
      ),
    ).toHaveProperty("output");
    expect(
      run(
        "Embedding",
        [2, 3],
        {
          _weight: [
            [0, 0],
            [0, 0],
          ],
        },
        [4],
      ),
    ).toMatchObject({
      stage: "construct",
    });
  });

  it("RNN takes nonlinearity 4th positionally (PyTorch ≥ 2.2)", () => {
    const r = run("RNN", [5, 7, 1, "relu"], {}, [4, 2, 5]) as { config: { nonlinearity: string } };
    expect(r.config.nonlinearity).toBe("relu");
    const s = run("RNN", [5, 7, 2, "relu", false, true, 0.0, true], {}, [2, 4, 5]) as {
      output: number[];
      parameters: ParamTensor[];
    };
    expect(s.output).toEqual([2, 4, 14]);
    expect(s.parameters.map((p) => p.name)).toEqual([
      "weight_ih_l0",
      "weight_hh_l0",
      "weight_ih_l0_reverse",
      "weight_hh_l0_reverse",
      "weight_ih_l1",
      "weight_hh_l1",
      "weight_ih_l1_reverse",
      "weight_hh_l1_reverse",
    ]);
    expect(s.parameters[4].shape).toEqual([7, 14]);
    expect(run("RNN", [5, 7, 1, "tanh"], { nonlinearity: "relu" }, [4, 2, 5])).toMatchObject({
      stage: "construct",
    });
  });

  it("Identity with no arguments", () => {
    expect(run("Identity", [], {}, [2, 3])).toMatchObject({ output: [2, 3], parameters: [] });
  });
});

describe("receptive-field steps", () => {
  const rf = (type: string, pos: PyValue[], kw: Record<string, PyValue>, input?: number[]) => {
    const d = def(type);
    return d.rf(d.configure(bindArgs(d, pos, kw)), input);
  };
  it("norms, dropouts and elementwise activations are pointwise", () => {
    for (const d of [...normLayers, ...dropoutLayers]) {
      const args =
        d.type === "GroupNorm" ? [2, 4] : d.signature[0].default === undefined ? [4] : [];
      expect(rf(d.type, args, {}).kind, d.type).toBe("pointwise");
    }
    expect(rf("ReLU", [], {}).kind).toBe("pointwise");
    expect(rf("PReLU", [], {}).kind).toBe("pointwise");
  });
  it("Softmax over channels is pointwise, over a spatial axis global", () => {
    expect(rf("Softmax", [1], {}, [2, 3, 4, 4]).kind).toBe("pointwise");
    expect(rf("Softmax", [-1], {}, [2, 3, 4, 4]).kind).toBe("global");
    expect(rf("Softmax", [-1], {}, [2, 10]).kind).toBe("pointwise");
    expect(softmaxDim(null, [2, 3, 4])).toBe(0);
    expect(softmaxDim(null, [2, 3, 4, 5])).toBe(1);
  });
  it("Linear and Flatten are global, Unflatten and Identity pointwise", () => {
    expect(rf("Linear", [3, 4], {})).toEqual({
      kind: "global",
      reason: "Linear mixes every input position",
    });
    expect(rf("Flatten", [], {}, [1, 3, 4, 4]).kind).toBe("global");
    expect(rf("Flatten", [], {}).kind).toBe("global");
    expect(rf("Flatten", [0, 1], {}, [1, 3, 4, 4]).kind).toBe("pointwise");
    expect(rf("Unflatten", [1, [2, 2]], {}).kind).toBe("pointwise");
    expect(rf("Identity", [], {}).kind).toBe("pointwise");
  });
  it("Upsample, Embedding and recurrent layers are unsupported", () => {
    expect(rf("Upsample", [], { scale_factor: 2 }).kind).toBe("unsupported");
    expect(rf("Embedding", [10, 3], {}).kind).toBe("unsupported");
    for (const t of ["RNN", "LSTM", "GRU"]) expect(rf(t, [5, 7], {}).kind).toBe("unsupported");
  });
});

describe("activation functions and dropout probability", () => {
  it("every activation names its function", () => {
    for (const d of activationLayers) {
      expect(ACTIVATION_FN[d.type], d.type).toBeDefined();
      const args = d.type === "Threshold" ? [0.1, 20] : [];
      const c = d.configure(bindArgs(d, args, {})) as { fn: string };
      expect(c.fn).toBe(ACTIVATION_FN[d.type]);
    }
  });
  it("dropoutP reads p", () => {
    const d = def("Dropout2d");
    expect(dropoutP(d.configure(bindArgs(d, [0.3], {})))).toBe(0.3);
    expect(dropoutP(d.configure(bindArgs(d, [], {})))).toBe(0.5);
  });
});
