import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { catalogue } from "./helpers.js";
import { InputError } from "../src/errors.js";
import { detectFormat, parseModel } from "../src/spec/index.js";
import { parseRepr } from "../src/spec/repr.js";
import { parseSource } from "../src/spec/source.js";
import type { LayerModule, ModuleSpec, SequentialModule } from "../src/spec/types.js";

interface Fixture {
  name: string;
  source: string;
  model: string | null;
  repr: string;
  /** PyTorch's named_modules(remove_duplicate=False): [name, class, index of first same object]. */
  modules: [string, string, number][];
}
const fixtures = JSON.parse(
  readFileSync(new URL("./fixtures/reprs.json", import.meta.url), "utf8"),
) as Fixture[];

// The real layer catalogue decides which module names exist.
const opts = catalogue;

/** The spec's modules in PyTorch's named_modules(remove_duplicate=False) order. */
function modules(root: ModuleSpec): [string, string, number][] {
  const out: [string, string, number][] = [];
  const first = new Map<ModuleSpec, number>();
  const visit = (m: ModuleSpec, prefix: string): void => {
    if (m.kind !== "sequential") return;
    for (const c of m.children) {
      const name = prefix ? `${prefix}.${c.name}` : c.name;
      if (!first.has(c.module)) first.set(c.module, out.length);
      out.push([name, c.module.type, first.get(c.module)!]);
      visit(c.module, name);
    }
  };
  visit(root, "");
  return out;
}

const distinct = (ms: [string, string, number][]): [string, string, number][] =>
  ms.map(([n, t], i) => [n, t, i]);

function thrown(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

describe("reprs printed by PyTorch", () => {
  for (const fx of fixtures) {
    it(`${fx.name}: repr and source parse to PyTorch's module structure`, () => {
      expect(detectFormat(fx.repr)).toBe("repr");
      expect(detectFormat(fx.source)).toBe("source");
      const fromRepr = parseModel(fx.repr, "model.txt", opts);
      expect(fromRepr.format).toBe("repr");
      // A repr cannot show sharing: every entry is a distinct module.
      expect(modules(fromRepr.root)).toEqual(distinct(fx.modules));
      const fromSource = parseSource(fx.source, "model.py", opts);
      expect(modules(fromSource.root)).toEqual(fx.modules);
      expect(fromSource.root.type).toBe(fromRepr.root.type);
      if (fx.model !== null) expect(fromSource.name).toBe(fx.model);
    });
  }

  const get = (name: string): ModuleSpec =>
    parseRepr(fixtures.find((f) => f.name === name)!.repr, "r.txt", opts).root;
  const child = (m: ModuleSpec, path: string): LayerModule =>
    path
      .split(".")
      .reduce(
        (x, n) => (x as SequentialModule).children.find((c) => c.name === n)!.module,
        m,
      ) as LayerModule;

  it("reads repr arguments, including PyTorch's unquoted strings", () => {
    const net = get("ordered_dict_mixed");
    expect(child(net, "stem.0").args).toEqual({
      positional: [3, 8],
      keywords: {
        kernel_size: [3, 3],
        stride: [1, 1],
        padding: [1, 1],
        bias: false,
        padding_mode: "reflect",
      },
    });
    // PyTorch prints `scale_factor=2.0`: a whole float, which the repr reader keeps as one.
    expect(child(net, "up").args.keywords).toEqual({ scale_factor: { float: 2 }, mode: "nearest" });
    expect(child(net, "same").args.keywords.padding).toBe("same");
    expect(child(net, "flat").args.keywords).toEqual({ start_dim: 1, end_dim: -1 });
    expect(child(net, "head.2").args.keywords).toEqual({ approximate: "none" });
    expect(child(net, "head.3").args.positional).toEqual([[10]]);
    expect(child(net, "stem.0").loc).toEqual({ file: "r.txt", line: 3, column: 10 });
    const dropout = get("course_dropout") as SequentialModule;
    expect(dropout.children.map((c) => (c.module as LayerModule).args.keywords.p)).toEqual([
      undefined,
      undefined,
      0.1,
      0.2,
    ]);
    expect(get("single_lstm")).toMatchObject({
      kind: "layer",
      type: "LSTM",
      args: { positional: [5, 5] },
    });
  });

  it("reads PyTorch 2's compressed repeats as distinct modules", () => {
    const spec = parseRepr(
      "Sequential(\n  (0): Flatten(start_dim=1, end_dim=-1)\n  (1-3): 3 x Linear(in_features=4, out_features=4, bias=True)\n)",
      "r",
      opts,
    );
    const root = spec.root as SequentialModule;
    expect(root.children.map((c) => c.name)).toEqual(["0", "1", "2", "3"]);
    expect(new Set(root.children.map((c) => c.module)).size).toBe(4);
  });

  it("errors are located", () => {
    const unknown = thrown(() =>
      parseRepr("Sequential(\n  (0): Conv2D(3, 4, kernel_size=(3, 3))\n)", "r.txt", opts),
    );
    expect(unknown.message).toMatch(/^unknown module 'Conv2D' \(did you mean 'Conv2d'/);
    expect(unknown.where).toBe("r.txt:2:8");
    expect(thrown(() => parseRepr("Sequential(\n  (0): ReLU()\n", "r.txt", opts)).message).toMatch(
      /never closed/,
    );
    const custom = thrown(() =>
      parseRepr("Net(\n  (fc): Linear(in_features=1, out_features=1, bias=True)\n)", "r.txt", opts),
    );
    expect(custom.message).toMatch(/only Sequential containers/);
    expect(custom.where).toBe("r.txt:1:1");
    expect(thrown(() => parseRepr("Sequential(\n  (0): ReLU(\n)", "r.txt", opts)).message).toMatch(
      /^invalid syntax/,
    );
    expect(thrown(() => parseRepr("Sequential(\n  0: ReLU()\n)", "r.txt", opts)).where).toBe(
      "r.txt:2:4",
    );
    expect(
      thrown(() => parseRepr("Sequential(\n  (0): ReLU()\n  ReLU()\n)", "r.txt", opts)).where,
    ).toBe("r.txt:3:3");
  });
});

describe("format detection", () => {
  it("tells JSON, repr and source apart", () => {
    expect(detectFormat('  {"layers": []}')).toBe("json");
    expect(detectFormat("Sequential(\n  (0): ReLU()\n)\n")).toBe("repr");
    expect(detectFormat("LSTM(5, 5)\n")).toBe("repr");
    expect(detectFormat("net = LSTM(5, 5)")).toBe("source");
    expect(detectFormat("nn.LSTM(5, 5)")).toBe("source");
    expect(detectFormat("Sequential(\n  ReLU(),\n)")).toBe("source");
    expect(parseModel("\uFEFFLSTM(5, 5)", "r", opts).format).toBe("repr");
  });
});
