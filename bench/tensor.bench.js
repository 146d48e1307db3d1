// Benchmark of dlq's tensor core against @tensorflow/tfjs-backend-cpu on the same sizes.
// Run: npm run build && node bench/tensor.bench.js
// dlq computes in float64; tfjs-backend-cpu computes in float32 (its only CPU float type), so tfjs
// moves half the bytes: the comparison favours tfjs on memory-bound work.
// tfjs's Node bundle registers no gradient functions, so its backward is run as the kernels its
// gradients would call: dA = G·Bᵀ, dB = Aᵀ·G (MatMul with transpose flags) for matmul, and
// Conv2DBackpropInput + Conv2DBackpropFilter for conv2d.
// Reports GFLOP/s (median of several runs after warm-up) and the ratio dlq/tfjs (> 1: dlq faster).
import { performance } from "node:perf_hooks";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as T from "../dist/tensor/index.js";

await tf.setBackend("cpu");
await tf.ready();
// silence the backend's one-time "install tfjs-node" banner
tf.backend().firstUse = false;

/** Median seconds per call of fn, after warm-up, over at least minTime seconds. */
function timeIt(fn, minTime = 0.5, warm = 2) {
  for (let i = 0; i < warm; i++) fn();
  const times = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start) / 1000 < minTime) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
    if (times.length >= 50) break;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const gen = new T.Generator(0);
const rows = [];

function addRow(name, flops, dlqSec, tfSec) {
  rows.push({
    name,
    dlq: flops / dlqSec / 1e9,
    tfjs: tfSec === null ? null : flops / tfSec / 1e9,
    dlqMs: dlqSec * 1e3,
    tfMs: tfSec === null ? null : tfSec * 1e3,
  });
}

// --- matmul -------------------------------------------------------------------------------
for (const n of [128, 256, 512]) {
  const a = T.randn([n, n], gen, { requiresGrad: true });
  const b = T.randn([n, n], gen, { requiresGrad: true });
  const ta = tf.tensor2d(Float32Array.from(a.data), [n, n]);
  const tb = tf.tensor2d(Float32Array.from(b.data), [n, n]);
  const fwdFlops = 2 * n * n * n;
  const dlqF = timeIt(() => T.noGrad(() => T.matmul(a, b)));
  const tfF = timeIt(() => {
    const c = tf.matMul(ta, tb);
    c.dataSync();
    c.dispose();
  });
  addRow(`matmul ${n} forward`, fwdFlops, dlqF, tfF);
  const up = T.randn([n, n], gen);
  const tup = tf.tensor2d(Float32Array.from(up.data), [n, n]);
  const dlqFB = timeIt(() => {
    a.zeroGrad();
    b.zeroGrad();
    T.matmul(a, b).backward(up);
  });
  const tfFB = timeIt(() => {
    const outs = [
      tf.matMul(ta, tb),
      tf.matMul(tup, tb, false, true),
      tf.matMul(ta, tup, true, false),
    ];
    outs.forEach((o) => o.dataSync());
    tf.dispose(outs);
  });
  addRow(`matmul ${n} fwd+bwd`, 3 * fwdFlops, dlqFB, tfFB);
  tf.dispose([ta, tb, tup]);
}

// --- conv2d 1×16×64×64, 32 filters 3×3, padding 1 -----------------------------------------------
{
  const [N, C, H, W, O, K] = [1, 16, 64, 64, 32, 3];
  const x = T.randn([N, C, H, W], gen, { requiresGrad: true });
  const w = T.randn([O, C, K, K], gen, { requiresGrad: true });
  const flops = 2 * N * O * H * W * C * K * K;
  // tfjs is NHWC with HWIO filters
  const tx = tf.tensor4d(Float32Array.from(T.permute(x.detach(), [0, 2, 3, 1]).data), [N, H, W, C]);
  const tw = tf.tensor4d(Float32Array.from(T.permute(w.detach(), [2, 3, 1, 0]).data), [K, K, C, O]);
  const dlqF = timeIt(() => T.noGrad(() => T.conv2d(x, w, null, { padding: 1 })));
  const tfF = timeIt(() => {
    const y = tf.conv2d(tx, tw, 1, "same");
    y.dataSync();
    y.dispose();
  });
  addRow("conv2d 1x16x64x64 k3x32 forward", flops, dlqF, tfF);
  const up = T.randn([N, O, H, W], gen);
  const tup = tf.tensor4d(Float32Array.from(T.permute(up, [0, 2, 3, 1]).data), [N, H, W, O]);
  const dlqFB = timeIt(() => {
    x.zeroGrad();
    w.zeroGrad();
    T.conv2d(x, w, null, { padding: 1 }).backward(up);
  });
  const attrs = { strides: [1, 1], pad: "same", dataFormat: "NHWC", dimRoundingMode: undefined };
  const tfFB = timeIt(() => {
    const outs = [
      tf.conv2d(tx, tw, 1, "same"),
      tf
        .engine()
        .runKernel(
          "Conv2DBackpropInput",
          { dy: tup, filter: tw },
          { ...attrs, inputShape: [N, H, W, C] },
        ),
      tf
        .engine()
        .runKernel(
          "Conv2DBackpropFilter",
          { x: tx, dy: tup },
          { ...attrs, filterShape: [K, K, C, O] },
        ),
    ];
    outs.forEach((o) => o.dataSync());
    tf.dispose(outs);
  });
  addRow("conv2d 1x16x64x64 k3x32 fwd+bwd", 3 * flops, dlqFB, tfFB);
  tf.dispose([tx, tw, tup]);
}

// --- the course's gradcheck: X 100×5, W 5×5, b 5, loss mean(X@W + b), all 30 elements ----------
{
  const X = T.randn([100, 5], gen);
  const Wt = T.randn([5, 5], gen, { requiresGrad: true });
  const b = T.randn([5], gen, { requiresGrad: true });
  let ok = false;
  const sec = timeIt(() => {
    ok = T.gradcheck((x, w, bb) => T.mean(T.add(T.matmul(x, w), bb)), [X, Wt, b]).ok;
  });
  rows.push({
    name: `gradcheck mean(X@W+b), 30 elements (ok=${ok})`,
    dlq: null,
    tfjs: null,
    dlqMs: sec * 1e3,
    tfMs: null,
  });
}

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const f = (v, d = 2) => (v === null ? "-" : v.toFixed(d));
console.log(`node ${process.version}; dlq float64 vs tfjs-backend-cpu ${tf.version_core} float32`);
console.log(
  pad("benchmark", 44) +
    lpad("dlq GFLOP/s", 12) +
    lpad("tfjs GFLOP/s", 13) +
    lpad("dlq/tfjs", 10) +
    lpad("dlq ms", 10) +
    lpad("tfjs ms", 10),
);
for (const r of rows) {
  const ratio = r.dlq !== null && r.tfjs !== null ? r.dlq / r.tfjs : null;
  console.log(
    pad(r.name, 44) +
      lpad(f(r.dlq), 12) +
      lpad(f(r.tfjs), 13) +
      lpad(f(ratio), 10) +
      lpad(f(r.dlqMs, 3), 10) +
      lpad(f(r.tfMs, 3), 10),
  );
}
