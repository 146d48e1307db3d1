/**
 * Receptive-field steps of the padding and shuffle layers against PyTorch 1.13: for chains of
 * convolutions, pads (zero, constant, reflect, replicate, crops), PixelUnshuffle and ChannelShuffle,
 * the input positions each output position depends on, measured in PyTorch
 * (tests/fixtures/layers_new.json "rf", scripts/fixtures/gen_layers_new.py), must be the field that
 * dlq's closed forms (Araujo et al. 2019, src/analysis/rf.ts) give: output u sees
 * [u·S − P, u·S − P + r − 1] on each axis.
 *
 * Where that field lies inside the input, the measured support is exactly the field. Where it
 * reaches into the padding, zero/constant padding contributes nothing, so the support is the field
 * clipped to the input; reflect/replicate padding reads mirrored or edge inputs, which the paper's
 * view (padding as absent pixels) does not describe, so those positions are not compared.
 */
import { describe, expect, it } from "vitest";
import { load, factsOf, rfOf } from "./helpers.js";
import { fixture } from "./layers_new_fixture.js";

describe("receptive fields equal PyTorch's gradient support", () => {
  it("has chains with every kind of pad and both shuffles", () => {
    const all = fixture.rf.map((c) => c.source).join(" ");
    for (const t of [
      "ZeroPad2d",
      "ConstantPad1d",
      "ConstantPad2d",
      "ConstantPad3d",
      "ReflectionPad1d",
      "ReflectionPad2d",
      "ReplicationPad2d",
      "ReplicationPad3d",
      "PixelUnshuffle",
      "ChannelShuffle",
    ]) {
      expect(all, t).toContain(t);
    }
  });

  it.each(fixture.rf.map((c) => [c.source, c] as const))("%s", (_, chain) => {
    const { uses } = load(`import torch.nn as nn\nnet = ${chain.source}\n`);
    expect(factsOf(uses, chain.input).output).toEqual(chain.output);
    const rf = rfOf(uses);
    const spatialIn = chain.input.slice(2);
    expect(rf.axes).toBe(spatialIn.length);
    const mirrored = /Reflection|Replication/.test(chain.source);
    let inside = 0;
    for (const s of chain.supports) {
      const lo = s.output.map((u, a) => u * rf.stride[a] - rf.padding[a]);
      const hi = lo.map((l, a) => l + (rf.size[a] as number) - 1);
      const within = lo.every((l, a) => l >= 0 && hi[a] <= spatialIn[a] - 1);
      if (within) {
        inside++;
        expect({ lo, hi }, `output ${JSON.stringify(s.output)}`).toEqual({ lo: s.lo, hi: s.hi });
      } else if (!mirrored) {
        const clip = (xs: number[]) => xs.map((x, a) => Math.min(Math.max(x, 0), spatialIn[a] - 1));
        expect({ lo: clip(lo), hi: clip(hi) }, `output ${JSON.stringify(s.output)}`).toEqual({
          lo: s.lo,
          hi: s.hi,
        });
      }
    }
    expect(inside, "positions whose field lies inside the input").toBeGreaterThan(0);
  });
});
