// dlq's benchmarks (`npm run bench`): every figure is a ratio against a baseline measured in the
// same run, on the same machine. Never a timed unit test.
//
//   cold start   `dlq dropout 0.1 0.2` and `dlq shape examples/course_cnn.py` vs a bare `node -e ''`
//                (goal: within 1.5×)
//   scale        10,000- and 20,000-layer JSON specs and Python sources (`nn.Sequential(...)` of
//                as many layers, called on a tensor) through `shape` and `rf` (goal: 10k under
//                0.5 s, 20k within 2.2× of 10k: linear)
//   class models `dlq shape` on the ResNet-18 class example vs the course CNN (goal: within 2×)
//
// Further suites (tensor.bench.js, gradcheck.bench.js, grad.bench.js, limits.bench.js) run after
// these when present.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "dlq.js");

/** Median wall time in ms of `runs` runs of a command (after one warm-up run). */
function time(args, runs = 15) {
  spawnSync(process.execPath, args, { stdio: "ignore" });
  const ts = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

const row = (name, ms, base, goal) =>
  console.log(
    `${name.padEnd(48)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / base).toFixed(2).padStart(6)}×  ${goal}`,
  );

console.log("Cold start (median of 15 runs; baseline: node -e '')");
const base = time(["-e", ""]);
row("node -e ''", base, base, "baseline");
row("dlq dropout 0.1 0.2", time([bin, "dropout", "0.1", "0.2"]), base, "goal ≤ 1.50×");
row(
  "dlq shape examples/course_cnn.py",
  time([bin, "shape", join(root, "examples/course_cnn.py")]),
  base,
  "goal ≤ 1.50×",
);
row(
  "dlq rf examples/course_cnn.repr.txt",
  time([bin, "rf", join(root, "examples/course_cnn.repr.txt")]),
  base,
  "(printed repr)",
);
row(
  "dlq rf examples/course_cnn.json",
  time([bin, "rf", join(root, "examples/course_cnn.json")]),
  base,
  "(JSON spec: schema compiled at build time)",
);

console.log("\nScale (median of 5 runs, whole process)");
const dir = mkdtempSync(join(tmpdir(), "dlq-bench-"));
function spec(n) {
  const layers = [];
  for (let i = 0; i < n; i++) {
    layers.push(
      i % 2
        ? { type: "ReLU" }
        : { type: "Conv2d", in_channels: 4, out_channels: 4, kernel_size: 3, padding: 1 },
    );
  }
  const path = join(dir, `stack${n}.json`);
  writeFileSync(path, JSON.stringify({ input: [1, 4, 32, 32], layers }));
  return path;
}
/** The same stack as Python source: one nn.Sequential, called on a tensor as a script does. */
function source(n) {
  const lines = ["import torch", "import torch.nn as nn", "", "model = nn.Sequential("];
  for (let i = 0; i < n; i++)
    lines.push(i % 2 ? "    nn.ReLU()," : "    nn.Conv2d(4, 4, 3, padding=1),");
  lines.push(")", "out = model(torch.randn(1, 4, 32, 32))", "");
  const path = join(dir, `stack${n}.py`);
  writeFileSync(path, lines.join("\n"));
  return path;
}
for (const [form, make] of [
  ["JSON", spec],
  ["source", source],
]) {
  const small = make(10000);
  const large = make(20000);
  for (const cmd of ["shape", "rf"]) {
    const t10 = time([bin, cmd, small, "--json"], 5);
    const t20 = time([bin, cmd, large, "--json"], 5);
    row(
      `dlq ${cmd} (${form}, 10,000 layers)`,
      t10,
      base,
      `goal < 500 ms: ${t10 < 500 ? "met" : "NOT met"}`,
    );
    row(
      `dlq ${cmd} (${form}, 20,000 layers)`,
      t20,
      base,
      `${(t20 / t10).toFixed(2)}× the 10k time (goal ≤ 2.2×)`,
    );
  }
}

console.log("\nClass-based models (median of 15 runs, whole process)");
const course = time([bin, "shape", join(root, "examples/course_cnn.py")]);
row("dlq shape examples/course_cnn.py", course, base, "");
for (const m of ["resnet18_cifar", "resnet50_cifar", "nanogpt"]) {
  const t = time([bin, "shape", join(root, `examples/${m}.py`)]);
  row(
    `dlq shape examples/${m}.py`,
    t,
    base,
    `${(t / course).toFixed(2)}× the course CNN${m === "resnet18_cifar" ? " (goal ≤ 2×)" : ""}`,
  );
}

console.log("\nAnswers files: 100 entries run in-process vs 1 (median of 5 runs, whole process)");
function answers(n) {
  const lines = ["answers:"];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  - id: e${i}`,
      "    run: shape course_cnn.py",
      "    expect:",
      "      params: 26848",
    );
  }
  const path = join(root, "examples", `.bench-answers-${n}.yaml`);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}
const one = answers(1);
const hundred = answers(100);
try {
  const t1 = time([bin, "check", one], 5);
  const t100 = time([bin, "check", hundred], 5);
  row("dlq check, 1 entry", t1, base, "");
  row(
    "dlq check, 100 entries",
    t100,
    base,
    `${((t100 - t1) / 99).toFixed(2)} ms per extra entry (goal: 100 entries well under 1 s of overhead)`,
  );
} finally {
  rmSync(one);
  rmSync(hundred);
}

rmSync(dir, { recursive: true, force: true });

for (const suite of ["tensor.bench.js", "gradcheck.bench.js", "grad.bench.js", "limits.bench.js"]) {
  const path = join(root, "bench", suite);
  if (!existsSync(path)) continue;
  console.log(`\n== bench/${suite}`);
  spawnSync(process.execPath, [path], { stdio: "inherit" });
}
