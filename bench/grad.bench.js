// Benchmark of `dlq grad` on the course's mlpirate study: batch 64, 10 seeds, three activations
// (sigmoid, tanh, relu), whole-process wall time (start-up, parsing, 30 forward + backward passes
// of 26 Linear applications, rendering). When /usr/bin/python3 with torch is present, the same
// study in PyTorch (float32, its default threads) as a whole process too, and the ratio.
// Target: under 2 s for dlq. Run: npm run build && node bench/grad.bench.js
// Not a timed test: the numbers depend on the machine (and on what else runs on it).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RUNS = 3;

/** Median wall seconds of a whole process, after one warm-up run; throws if it fails. */
function timeProcess(cmd, args) {
  const times = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8" });
    const dt = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
    if (i > 0) times.push(dt);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const dlqArgs = [
  "bin/dlq.js",
  "grad",
  "examples/course_mlpirate.py",
  "--act",
  "sigmoid,tanh,relu",
  "--batch",
  "64",
  "--seeds",
  "10",
  "--json",
];
const dlqSec = timeProcess(process.execPath, dlqArgs);
console.log(`dlq grad (mlpirate, batch 64, 10 seeds, 3 activations): ${dlqSec.toFixed(2)} s`);
console.log(`  target < 2 s: ${dlqSec < 2 ? "met" : "NOT met"}`);

const PY = `
import torch, torch.nn as nn
def study(A):
    out = []
    for seed in range(10):
        torch.manual_seed(seed)
        lin = nn.Linear(128, 128); a = A()
        mods = [nn.Linear(42, 128), A(), *[lin, a] * 24, nn.Linear(128, 1)]
        h = torch.randn(64, 42)
        ys = []
        for m in mods:
            h = m(h)
            if isinstance(m, nn.Linear):
                h.retain_grad(); ys.append((m, h))
        nn.functional.mse_loss(h, torch.zeros_like(h)).backward()
        out.append([(m.weight.grad.double().norm().item(), y.grad.double().norm().item()) for m, y in ys])
    return out
for A in (nn.Sigmoid, nn.Tanh, nn.ReLU):
    study(A)
`;
const python = "/usr/bin/python3";
const hasTorch =
  existsSync(python) &&
  spawnSync(python, ["-c", "import torch"], { encoding: "utf8" }).status === 0;
if (hasTorch) {
  const pySec = timeProcess(python, ["-c", PY]);
  const bare = timeProcess(python, ["-c", "import torch"]);
  console.log(
    `PyTorch, same study: ${pySec.toFixed(2)} s (of which 'import torch': ${bare.toFixed(2)} s)`,
  );
  console.log(`ratio dlq / PyTorch (whole processes): ${(dlqSec / pySec).toFixed(2)}`);
} else {
  console.log("PyTorch not available (/usr/bin/python3 with torch): no baseline");
}
