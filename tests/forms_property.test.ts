/**
 * Property: a random valid stack gives identical results (shapes, parameters, mult-adds, receptive
 * fields, or the same refusal) whether dlq reads it as PyTorch source, as PyTorch's printed repr,
 * or as a JSON spec. The repr renderer follows PyTorch 1.13's `extra_repr` strings, as seen in
 * examples/*.repr.txt (written by PyTorch itself).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { load, factsOf, rfOf } from "./helpers.js";

type L =
  | { type: "Conv2d"; out: number; k: number; s: number; p: number; d: number; bias: boolean }
  | { type: "MaxPool2d"; k: number; s: number; p: number; ceil: boolean }
  | { type: "AvgPool2d"; k: number; s: number; p: number }
  | { type: "BatchNorm2d" }
  | { type: "ReLU" | "Tanh" | "Sigmoid" }
  | { type: "LeakyReLU"; slope: number }
  | { type: "Dropout" | "Dropout2d"; p: number };

const layer: fc.Arbitrary<L> = fc.oneof(
  fc.record({
    type: fc.constant("Conv2d" as const),
    out: fc.integer({ min: 1, max: 8 }),
    k: fc.integer({ min: 1, max: 5 }),
    s: fc.integer({ min: 1, max: 3 }),
    p: fc.integer({ min: 0, max: 3 }),
    d: fc.integer({ min: 1, max: 3 }),
    bias: fc.boolean(),
  }),
  fc
    .record({
      type: fc.constant("MaxPool2d" as const),
      k: fc.integer({ min: 1, max: 4 }),
      s: fc.integer({ min: 1, max: 3 }),
      p: fc.integer({ min: 0, max: 2 }),
      ceil: fc.boolean(),
    })
    .map((l) => ({ ...l, p: Math.min(l.p, Math.floor(l.k / 2)) })),
  fc
    .record({
      type: fc.constant("AvgPool2d" as const),
      k: fc.integer({ min: 1, max: 4 }),
      s: fc.integer({ min: 1, max: 3 }),
      p: fc.integer({ min: 0, max: 2 }),
    })
    .map((l) => ({ ...l, p: Math.min(l.p, Math.floor(l.k / 2)) })),
  fc.constant({ type: "BatchNorm2d" as const }),
  fc.constantFrom(
    { type: "ReLU" as const },
    { type: "Tanh" as const },
    { type: "Sigmoid" as const },
  ),
  fc.record({ type: fc.constant("LeakyReLU" as const), slope: fc.constantFrom(0.01, 0.2) }),
  fc.record({
    type: fc.constantFrom("Dropout" as const, "Dropout2d" as const),
    p: fc.constantFrom(0, 0.1, 0.5),
  }),
);

/** Channels entering each layer, so that Conv2d and BatchNorm2d get consistent arguments. */
function channels(stack: L[], c0: number): number[] {
  const cs: number[] = [];
  let c = c0;
  for (const l of stack) {
    cs.push(c);
    if (l.type === "Conv2d") c = l.out;
  }
  return cs;
}

const pair = (x: number) => `(${x}, ${x})`;

function source(stack: L[], cs: number[], input: number[]): string {
  const lines = stack.map((l, i) => {
    switch (l.type) {
      case "Conv2d":
        return `nn.Conv2d(${cs[i]}, ${l.out}, kernel_size=${l.k}, stride=${l.s}, padding=${l.p}, dilation=${l.d}, bias=${l.bias ? "True" : "False"})`;
      case "MaxPool2d":
        return `torch.nn.MaxPool2d(${l.k}, stride=${l.s}, padding=${l.p}, ceil_mode=${l.ceil ? "True" : "False"})`;
      case "AvgPool2d":
        return `nn.AvgPool2d(kernel_size=${l.k}, stride=${l.s}, padding=${l.p})`;
      case "BatchNorm2d":
        return `nn.BatchNorm2d(num_features=${cs[i]})`;
      case "LeakyReLU":
        return `nn.LeakyReLU(negative_slope=${l.slope})`;
      case "Dropout":
      case "Dropout2d":
        return `nn.${l.type}(p=${l.p})`;
      default:
        return `nn.${l.type}()`;
    }
  });
  return `import torch\nimport torch.nn as nn\n\nmodel = nn.Sequential(\n${lines.map((x) => `    ${x},\n`).join("")})\nmodel(torch.randn(${input.join(", ")}))\n`;
}

function repr(stack: L[], cs: number[]): string {
  const lines = stack.map((l, i) => {
    switch (l.type) {
      case "Conv2d": {
        let s = `Conv2d(${cs[i]}, ${l.out}, kernel_size=${pair(l.k)}, stride=${pair(l.s)}`;
        if (l.p) s += `, padding=${pair(l.p)}`;
        if (l.d !== 1) s += `, dilation=${pair(l.d)}`;
        if (!l.bias) s += ", bias=False";
        return s + ")";
      }
      case "MaxPool2d":
        return `MaxPool2d(kernel_size=${l.k}, stride=${l.s}, padding=${l.p}, dilation=1, ceil_mode=${l.ceil ? "True" : "False"})`;
      case "AvgPool2d":
        return `AvgPool2d(kernel_size=${l.k}, stride=${l.s}, padding=${l.p})`;
      case "BatchNorm2d":
        return `BatchNorm2d(${cs[i]}, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)`;
      case "LeakyReLU":
        return `LeakyReLU(negative_slope=${l.slope})`;
      case "Dropout":
      case "Dropout2d":
        return `${l.type}(p=${l.p === 0 ? "0.0" : l.p}, inplace=False)`;
      default:
        return `${l.type}()`;
    }
  });
  return `Sequential(\n${lines.map((x, i) => `  (${i}): ${x}\n`).join("")})\n`;
}

function json(stack: L[], cs: number[], input: number[]): string {
  const layers = stack.map((l, i) => {
    switch (l.type) {
      case "Conv2d":
        return {
          type: l.type,
          in_channels: cs[i],
          out_channels: l.out,
          kernel_size: l.k,
          stride: [l.s, l.s],
          padding: l.p,
          dilation: l.d,
          bias: l.bias,
        };
      case "MaxPool2d":
        return { type: l.type, kernel_size: l.k, stride: l.s, padding: l.p, ceil_mode: l.ceil };
      case "AvgPool2d":
        return { type: l.type, kernel_size: [l.k, l.k], stride: l.s, padding: l.p };
      case "BatchNorm2d":
        return { type: l.type, num_features: cs[i] };
      case "LeakyReLU":
        return { type: l.type, negative_slope: l.slope };
      case "Dropout":
      case "Dropout2d":
        return { type: l.type, p: l.p };
      default:
        return { type: l.type };
    }
  });
  return JSON.stringify({ input, layers }, null, 1);
}

/** Everything a user sees from `shape` and `rf`, or the refusal's message. */
function outcome(text: string, file: string, input: number[]): unknown {
  try {
    const { uses } = load(text, file);
    const facts = factsOf(uses, input);
    const rf = rfOf(
      uses,
      facts.layers.map((l) => l.input),
    );
    return { facts, rf: { size: rf.size, stride: rf.stride, padding: rf.padding, rows: rf.rows } };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // The location prefix differs between forms (file:line:col); the layer and message must not.
    expect(e.where, `a refusal names where: ${e.message}`).toBeTruthy();
    return { error: e.message, layer: e.where?.replace(/^.*?(layer )/, "$1") };
  }
}

describe("source, repr and JSON forms agree", () => {
  it("on random stacks of 2-D layers (fast-check)", () => {
    let flowed = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.array(layer, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 4, max: 64 }),
        (stack, c0, n, hw) => {
          const cs = channels(stack, c0);
          const input = [n, c0, hw, hw];
          const a = outcome(source(stack, cs, input), "m.py", input);
          const b = outcome(repr(stack, cs), "m.txt", input);
          const c = outcome(json(stack, cs, input), "m.json", input);
          expect(b).toEqual(a);
          expect(c).toEqual(a);
          if ((a as { error?: string }).error) refused++;
          else flowed++;
        },
      ),
      { numRuns: 300 },
    );
    // Both kinds of outcome are exercised: shapes that flow and PyTorch's refusals.
    expect(flowed).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });
});

describe("mutated inputs", () => {
  /** Deletes, duplicates or inserts characters at random places. */
  const mutate = (text: string, edits: [number, number, string][]): string => {
    let t = text;
    for (const [pos, kind, ch] of edits) {
      const i = pos % (t.length + 1);
      if (kind === 0) t = t.slice(0, i) + t.slice(i + 1);
      else if (kind === 1) t = t.slice(0, i) + t.slice(i, i + 3) + t.slice(i);
      else t = t.slice(0, i) + ch + t.slice(i);
    }
    return t;
  };
  const edits = fc.array(
    fc.tuple(
      fc.nat(),
      fc.integer({ min: 0, max: 2 }),
      fc.constantFrom("(", ")", ",", "=", "0", "-", "9", "[", "]", '"', "x", " ", "\n", "*", "."),
    ),
    { minLength: 1, maxLength: 4 },
  );
  it("give results or a located InputError through the whole pipeline, never a crash", () => {
    fc.assert(
      fc.property(
        fc.array(layer, { minLength: 1, maxLength: 6 }),
        edits,
        fc.constantFrom("source", "repr", "json"),
        (stack, ed, form) => {
          const cs = channels(stack, 3);
          const input = [1, 3, 32, 32];
          const text =
            form === "source"
              ? source(stack, cs, input)
              : form === "repr"
                ? repr(stack, cs)
                : json(stack, cs, input);
          const r = outcome(mutate(text, ed), "m", input) as { error?: string; layer?: string };
          if (r.error !== undefined) {
            expect(r.error.length).toBeGreaterThan(0);
            expect(r.error).not.toMatch(/\n/);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
