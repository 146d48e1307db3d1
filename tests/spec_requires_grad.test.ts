// requires_grad takes a bool, never an int. The messages below were checked against PyTorch 1.13:
//   nn.Sequential(nn.Linear(2,2)).requires_grad_(0)
//     TypeError: requires_grad_(): argument 'requires_grad' (position 1) must be bool, not int
//   (… not float for 0.0, not NoneType for None, not str for 'no'; the same for
//   requires_grad=1 and for a parameter's p.requires_grad_(0))
//   for p in m.parameters(): p.requires_grad = 0   → RuntimeError: requires_grad must be a bool
//   m.requires_grad = 0 (a module: a plain Python attribute) → no error, nothing frozen
import { describe, expect, it } from "vitest";
import { catalogue, errorLine, layersOf } from "./helpers.js";
import { parseSource } from "../src/spec/source.js";
import type { ModelSpec } from "../src/spec/types.js";

const H =
  "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))\n";
const src = (text: string): ModelSpec => parseSource(H + text, "m.py", catalogue);

const errLine = (text: string): string => errorLine(() => src(text));

const layers = layersOf;
/** Per layer: whether all of its parameters are frozen (by the module or one by one). */
const frozen = (spec: ModelSpec): boolean[] =>
  layers(spec.root).map(
    (l) =>
      l.trainable === false ||
      ((l.frozen ?? []).length >= (l.type === "Linear" ? 2 : 0) && (l.frozen ?? []).length > 0),
  );

const METHOD = "requires_grad_(): argument 'requires_grad' (position 1) must be bool, not";

describe("requires_grad_ with a value that is not a bool is refused, as PyTorch raises", () => {
  const cases: [string, string][] = [
    ["model.requires_grad_(0)", `m.py:3:22: ${METHOD} int`],
    ["model.requires_grad_(1)", `m.py:3:22: ${METHOD} int`],
    ["model.requires_grad_(requires_grad=0)", `m.py:3:36: ${METHOD} int`],
    ["model[0].requires_grad_(0.0)", `m.py:3:25: ${METHOD} float`],
    ["model.requires_grad_(None)", `m.py:3:22: ${METHOD} NoneType`],
    ["model.requires_grad_('no')", `m.py:3:22: ${METHOD} str`],
    ["flag = 0\nmodel.requires_grad_(flag)", `m.py:4:22: ${METHOD} int`],
    ["for p in model.parameters():\n    p.requires_grad_(0)", `m.py:4:22: ${METHOD} int`],
    ["nn.ModuleList([model]).requires_grad_(0)", `m.py:3:39: ${METHOD} int`],
    [
      "for p in model.parameters():\n    p.requires_grad = 0",
      "m.py:4:5: requires_grad must be a bool",
    ],
    [
      "for n, p in model.named_parameters():\n    p.requires_grad = None",
      "m.py:4:5: requires_grad must be a bool",
    ],
  ];
  for (const [code, want] of cases) it(code, () => expect(errLine(code + "\n")).toBe(want));
});

describe("bools still freeze and unfreeze", () => {
  it("True and False, positional, keyword, from a name, or the default", () => {
    expect(frozen(src("model.requires_grad_(False)\n"))).toEqual([true, true, true]);
    expect(frozen(src("off = False\nmodel[2].requires_grad_(requires_grad=off)\n"))).toEqual([
      false,
      false,
      true,
    ]);
    expect(frozen(src("model.requires_grad_(False)\nmodel.requires_grad_()\n"))).toEqual([
      false,
      false,
      false,
    ]);
    expect(
      frozen(src("for p in model[0].parameters():\n    p.requires_grad = not True\n")),
    ).toEqual([true, false, false]);
  });

  it("setting requires_grad on a module is a plain attribute: no error, nothing frozen", () => {
    expect(frozen(src("model.requires_grad = 0\n"))).toEqual([false, false, false]);
  });
});
