// Benchmark of `dlq gradcheck` on the course snippet: the real bin against a bare `node -e ''`
// (ratio), and the in-process compute time (interpret + check; target < 100 ms).
// Run: npm run build && node bench/gradcheck.bench.js
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(argv, runs = 7) {
  const ts = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, argv, { cwd: root, encoding: "utf8" });
    ts.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
  }
  return median(ts);
}

const bare = time(["-e", ""]);
const cli = time(["bin/dlq.js", "gradcheck", "examples/course_gradcheck.py"]);
// in-process: the command module without process start-up
const { loadCli } = (await import("node:module")).createRequire(import.meta.url)(
  "../bin/load-cli.cjs",
);
const { cli: dlq } = loadCli();
const quiet = { color: false, out: () => {}, err: () => {}, readStdin: async () => "" };
const inproc = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  await dlq.main(["gradcheck", root + "examples/course_gradcheck.py"], quiet);
  inproc.push(performance.now() - t0);
}
console.log(`node -e ''                        ${bare.toFixed(1)} ms`);
console.log(
  `dlq gradcheck course (real bin)   ${cli.toFixed(1)} ms   ratio ${(cli / bare).toFixed(2)}×`,
);
console.log(
  `in-process compute (median of 20) ${median(inproc).toFixed(2)} ms   (target < 100 ms)`,
);
