// Benchmark of the inputs that used to run for seconds to minutes, or exhaust memory (issue 10,
// "Resource limits"): each a ratio against a bare `node -e ''` in the same run, and, for what must
// be linear, against half the size. Run: npm run build && node bench/limits.bench.js
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "dlq.js");

/** Median wall time in ms of `runs` runs (after one warm-up); `codes` are the accepted exits. */
function time(args, runs = 5, codes = [0]) {
  spawnSync(process.execPath, args, { stdio: "ignore" });
  const ts = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: "ignore", maxBuffer: 1 << 30 });
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (!codes.includes(r.status))
      throw new Error(`${args.slice(1, 3).join(" ")} exited ${r.status}`);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

const row = (name, ms, base, note) =>
  console.log(
    `${name.padEnd(52)} ${ms.toFixed(1).padStart(9)} ms  ${(ms / base).toFixed(2).padStart(7)}×  ${note}`,
  );

const dir = mkdtempSync(join(tmpdir(), "dlq-bench-limits-"));
try {
  const base = time(["-e", ""]);
  console.log("Limits (median of 5 runs; baseline: node -e '')");
  row("node -e ''", base, base, "baseline");

  const probs = (n) =>
    Array.from({ length: n }, (_, i) => `0.${String((i * 7919) % 999_999).padStart(6, "0")}`);
  const d5 = time([bin, "dropout", ...probs(5_000), "--json"]);
  const d10 = time([bin, "dropout", ...probs(10_000), "--json"]);
  row(
    "dlq dropout, 10,000 numeric layers",
    d10,
    base,
    `was > 60 s; ${(d10 / d5).toFixed(2)}× of 5,000`,
  );
  const syms = Array.from({ length: 20 }, (_, i) => `p${i + 1}`);
  row("dlq dropout p1 … p20", time([bin, "dropout", ...syms]), base, "was 39 s, 1.8 GB");

  const tower = (n) => Array(n).fill("x").join("^");
  row("dlq derive x^x^…^x (13 levels)", time([bin, "derive", tower(13)]), base, "was 20 s");
  row(
    "dlq derive x^x^…^x (499 levels, refused)",
    time([bin, "derive", tower(499)], 5, [2]),
    base,
    "was minutes",
  );
  row(
    "dlq derive x+x+…+x (27 terms)",
    time([bin, "derive", Array(27).fill("x").join("+")]),
    base,
    "was 40 s",
  );

  const repr = (n) => {
    const lines = ["Sequential("];
    for (let i = 0; i < n; i++)
      lines.push(
        i % 2 ? `  (${i}): ReLU()` : `  (${i}): Linear(in_features=8, out_features=8, bias=True)`,
      );
    lines.push(")");
    return lines.join("\n") + "\n";
  };
  const r50 = join(dir, "r50.repr.txt");
  const r100 = join(dir, "r100.repr.txt");
  writeFileSync(r50, repr(50_000));
  writeFileSync(r100, repr(100_000));
  const t50 = time([bin, "shape", r50, "--input", "1,8", "--json"]);
  const t100 = time([bin, "shape", r100, "--input", "1,8", "--json"]);
  row(
    "dlq shape, repr of 100,000 layers",
    t100,
    base,
    `${(t100 / t50).toFixed(2)}× of 50,000 (linear: ≈ 2)`,
  );

  const huge = join(dir, "huge.repr.txt");
  writeFileSync(
    huge,
    ["Sequential(", ...Array.from({ length: 3_300_000 }, (_, i) => `  (${i}): ReLU()`), ")"].join(
      "\n",
    ),
  );
  row(
    "dlq shape, repr of 3.3 M lines (refused)",
    time([bin, "shape", huge], 3, [2]),
    base,
    "was 69 s, 4.3 GB",
  );

  row(
    "dlq gradcheck W*2, W 300×300 (refused)",
    time([bin, "gradcheck", "W*2", "--var", "W=300x300"], 5, [2]),
    base,
    "was exit 3",
  );
  row(
    "dlq gradcheck torch.sum(W), W 2000×2000 --fast",
    time([bin, "gradcheck", "torch.sum(W)", "--var", "W=2000x2000", "--fast"]),
    base,
    "full mode: hours",
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
