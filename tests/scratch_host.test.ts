import { it } from "vitest";
import { readFileSync } from "node:fs";
import { parseSource } from "../src/spec/source.js";
import { LAYERS } from "../src/analysis/layers/index.js";
const cat = { isKnownLayer: (t: string) => LAYERS.has(t), knownLayers: () => LAYERS.keys() };
const TINY = `import torch.nn as nn
import torch.nn.functional as F

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return F.relu(self.conv(x) + x)

class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.blocks = nn.Sequential(*[Block(8) for _ in range(2)])
        self.head = nn.Linear(8, 10)

    def forward(self, x):
        x = self.blocks(F.relu(self.stem(x)))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.head(x)

model = Tiny()
`;
it("tiny", () => {
  for (const [name, text] of [["tiny", TINY], ["cnn", readFileSync("examples/course_cnn.py", "utf8")]]) {
    const spec = parseSource(text, name + ".py", cat);
    console.log(name, spec.name, JSON.stringify(spec.root, (k, v) => (k === "loc" ? undefined : v)).slice(0, 600));
    const g = spec.trace!(spec.input ? undefined : [{ shape: [1, 3, 32, 32] }]);
    for (const n of g.nodes) console.log(n.id, n.kind, n.name, n.type, n.scope, JSON.stringify(n.inputs), JSON.stringify(n.outputs.map((o) => o.shape)));
    for (const c of g.calls) console.log("call", c.path, c.type, c.depth, c.firstNode, c.endNode);
  }
});
