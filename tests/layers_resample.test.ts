/**
 * Layers that move pixels between positions and channels, against PyTorch 1.13: PixelShuffle,
 * PixelUnshuffle, ChannelShuffle, the Upsample aliases UpsamplingNearest2d/UpsamplingBilinear2d,
 * and Upsample's tensor forward (F.interpolate: nearest, nearest-exact, linear, bilinear,
 * trilinear). Shapes, refusals, values and gradients from tests/fixtures/layers_new.json
 * (scripts/fixtures/gen_layers_new.py).
 */
import { describe, expect, it } from "vitest";
import { bindArgs } from "../src/analysis/layers/common.js";
import { layerDef } from "../src/analysis/layers/index.js";
import type { PyValue } from "../src/spec/types.js";
import * as F from "../src/tensor/index.js";
import { load, factsOf } from "./helpers.js";
import {
  DIVERGENCES,
  expectVerbatim,
  fixture,
  forwardLabel,
  label,
  runForwardCase,
  runShapeCase,
} from "./layers_new_fixture.js";

const TYPES = new Set([
  "PixelShuffle",
  "PixelUnshuffle",
  "ChannelShuffle",
  "UpsamplingNearest2d",
  "UpsamplingBilinear2d",
]);
const cases = fixture.cases.filter((c) => TYPES.has(c.type));
const forwards = fixture.forwards.filter((f) => TYPES.has(f.type) || f.type === "Upsample");

describe(`shuffles and upsampling against PyTorch ${fixture.torch}`, () => {
  it("covers every class", () => {
    expect([...new Set(cases.map((c) => c.type))].sort()).toEqual([...TYPES].sort());
    expect(cases.length).toBeGreaterThan(350);
    expect(new Set(forwards.map((f) => f.type)).size).toBe(TYPES.size + 1);
  });

  it.each([...TYPES])("%s has PyTorch's signature", (type) => {
    expect(layerDef(type).signature).toEqual(fixture.signatures[type]);
  });

  it.each(cases.map((c) => [label(c), c] as const))("%s", (_, c) => {
    runShapeCase(c);
  });

  it("diverges from PyTorch 1.13 only where listed", () => {
    const hits = cases.filter((c) => DIVERGENCES.some((d) => d.when(c)));
    expect(hits.map((c) => c.type)).toEqual(hits.map(() => "PixelUnshuffle"));
    expect(hits.length).toBeGreaterThan(0);
  });

  it("reproduces PyTorch's words where it has them", () => {
    const prefixes = [
      "pixel_shuffle expects",
      "pixel_unshuffle expects",
      "channel_shuffle expects",
      "Number of channels must be divisible by groups",
      "Input and output sizes should be greater than 0",
      "only one of size or scale_factor",
      "either size or scale_factor",
      "Got 3D input, but bilinear mode needs 4D input",
      "Input Error: Only 3D, 4D and 5D",
    ];
    let checked = 0;
    for (const c of cases) {
      if (!c.error) continue;
      const dlq = runShapeCase(c)!;
      if (expectVerbatim(c, dlq, prefixes)) checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it.each(forwards.map((f, k) => [forwardLabel(f, k), f] as const))("forward %s", (_, f) =>
    runForwardCase(f),
  );
});

describe("worked by hand", () => {
  it("PixelShuffle(2): channel c·4 + i·2 + j at (h, w) goes to (c, 2h + i, 2w + j)", () => {
    const x = F.arange(0, 8);
    const y = F.pixel_shuffle(F.reshape(x, [1, 8, 1, 1]), 2);
    expect(y.toArray()).toEqual([
      [
        [
          [0, 1],
          [2, 3],
        ],
        [
          [4, 5],
          [6, 7],
        ],
      ],
    ]);
    expect(F.pixel_unshuffle(y, 2).toArray()).toEqual(F.reshape(x, [1, 8, 1, 1]).toArray());
  });
  it("ChannelShuffle(2) of channels 0..5 is 0, 3, 1, 4, 2, 5", () => {
    const y = F.channel_shuffle(F.reshape(F.arange(0, 6), [1, 6, 1]), 2);
    expect((y.toArray() as number[][][])[0].map((r) => r[0])).toEqual([0, 3, 1, 4, 2, 5]);
  });
  it("bilinear with align_corners: the corners are kept, the middle is the mean", () => {
    const x = F.tensor([
      [
        [
          [0, 1],
          [2, 3],
        ],
      ],
    ]);
    const y = F.interpolate(x, { size: 3, mode: "bilinear", align_corners: true });
    expect(y.toArray()).toEqual([
      [
        [
          [0, 0.5, 1],
          [1, 1.5, 2],
          [2, 2.5, 3],
        ],
      ],
    ]);
  });
});

describe("receptive-field steps", () => {
  const rf = (type: string, pos: PyValue[]) => {
    const d = layerDef(type);
    return d.rf(d.configure(bindArgs(d, pos, {})));
  };
  it("PixelUnshuffle(r) is a window of r with stride r; PixelShuffle has none", () => {
    expect(rf("PixelUnshuffle", [3])).toEqual({
      kind: "spatial",
      kernel: [3, 3],
      stride: [3, 3],
      padding: [0, 0],
      dilation: [1, 1],
    });
    const shuffle = rf("PixelShuffle", [2]);
    expect(shuffle.kind).toBe("unsupported");
    expect(shuffle).toMatchObject({ reason: expect.stringMatching(/upsamples/) });
    expect(rf("ChannelShuffle", [2]).kind).toBe("pointwise");
    expect(rf("UpsamplingNearest2d", [null, 2]).kind).toBe("unsupported");
  });
});

describe("reprs", () => {
  it("read UpsamplingNearest2d/Bilinear2d as PyTorch prints them (with their mode)", () => {
    const repr = [
      "Sequential(",
      "  (0): UpsamplingNearest2d(scale_factor=2.0, mode=nearest)",
      "  (1): UpsamplingBilinear2d(size=(5, 7), mode=bilinear)",
      "  (2): PixelShuffle(upscale_factor=2)",
      "  (3): ChannelShuffle(groups=2)",
      "  (4): ReflectionPad2d((1, 1, 2, 0))",
      "  (5): ConstantPad2d(padding=(1, 2, 3, 4), value=3.5)",
      "  (6): ZeroPad2d((1, 1, 1, 1))",
      ")",
    ].join("\n");
    const { uses } = load(repr, "model.repr.txt");
    const facts = factsOf(uses, [1, 8, 3, 4]);
    // print(model) and the shapes from PyTorch 1.13, worked through by hand:
    // (1, 8, 6, 8) → (1, 8, 5, 7) → (1, 2, 10, 14) → same → (1, 2, 12, 16) → (1, 2, 19, 19) → (1, 2, 21, 21).
    expect(facts.layers.map((l) => l.output)).toEqual([
      [1, 8, 6, 8],
      [1, 8, 5, 7],
      [1, 2, 10, 14],
      [1, 2, 10, 14],
      [1, 2, 12, 16],
      [1, 2, 19, 19],
      [1, 2, 21, 21],
    ]);
  });
  it("a repr's mode must be the class's own; source code may not pass it at all", () => {
    expect(() =>
      load(
        "Sequential(\n  (0): UpsamplingNearest2d(scale_factor=2.0, mode=bilinear)\n)\n",
        "m.txt",
      ),
    ).toThrow(/UpsamplingNearest2d prints mode=nearest, but this repr has mode='bilinear'/);
    expect(() =>
      load("import torch.nn as nn\nnet = nn.UpsamplingNearest2d(scale_factor=2, mode='nearest')\n"),
    ).toThrow(/unexpected keyword argument 'mode'/);
  });
});
