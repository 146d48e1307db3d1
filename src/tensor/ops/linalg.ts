/**
 * Matrix products: the GEMM kernel, `matmul` with PyTorch's `@` rules, and `linear`.
 *
 * The kernel computes C += A·B in i-k-j order: for a block of four rows of C, each A(i,k) is held
 * in a register while a row of B streams through, so the innermost loop reads B and updates C
 * with unit stride. Columns and depth are tiled (NB × KB) so the active panel of B stays in
 * cache. Nothing is allocated inside the kernel.
 */
import { TensorError } from "../errors.js";
import { broadcastMap, broadcastShapes, shapeSize, shapeStr, shapeX } from "../shape.js";
import { createOp, Tensor } from "../tensor.js";

const NB = 512;
const KB = 128;

/**
 * C[M×N] += A[M×K]·B[K×N] over Float64Arrays with offsets. A is read as
 * A(i,k) = A[aOff + i·rsA + k·csA] (so a transposed A costs nothing); B and C are row-major with
 * row length N.
 */
export function gemm(
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  aOff: number,
  rsA: number,
  csA: number,
  B: Float64Array,
  bOff: number,
  C: Float64Array,
  cOff: number,
): void {
  if (N === 1) {
    // matrix-vector: dot products
    for (let i = 0; i < M; i++) {
      let s = 0;
      const ai = aOff + i * rsA;
      for (let k = 0; k < K; k++) s += A[ai + k * csA] * B[bOff + k];
      C[cOff + i] += s;
    }
    return;
  }
  for (let j0 = 0; j0 < N; j0 += NB) {
    const j1 = j0 + NB < N ? j0 + NB : N;
    for (let k0 = 0; k0 < K; k0 += KB) {
      const k1 = k0 + KB < K ? k0 + KB : K;
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        const c0 = cOff + i * N;
        const c1 = c0 + N;
        const c2 = c1 + N;
        const c3 = c2 + N;
        const ai = aOff + i * rsA;
        for (let k = k0; k < k1; k++) {
          const ak = ai + k * csA;
          const x0 = A[ak];
          const x1 = A[ak + rsA];
          const x2 = A[ak + 2 * rsA];
          const x3 = A[ak + 3 * rsA];
          const bk = bOff + k * N;
          for (let j = j0; j < j1; j++) {
            const b = B[bk + j];
            C[c0 + j] += x0 * b;
            C[c1 + j] += x1 * b;
            C[c2 + j] += x2 * b;
            C[c3 + j] += x3 * b;
          }
        }
      }
      for (; i < M; i++) {
        const c0 = cOff + i * N;
        const ai = aOff + i * rsA;
        for (let k = k0; k < k1; k++) {
          const x0 = A[ai + k * csA];
          const bk = bOff + k * N;
          for (let j = j0; j < j1; j++) C[c0 + j] += x0 * B[bk + j];
        }
      }
    }
  }
}

/** Writes the transpose of the R×C row-major matrix at src[sOff] into dst[dOff] (C×R). */
export function transposeInto(
  src: Float64Array,
  sOff: number,
  R: number,
  C: number,
  dst: Float64Array,
  dOff: number,
): void {
  const T = 32;
  for (let r0 = 0; r0 < R; r0 += T) {
    const r1 = Math.min(R, r0 + T);
    for (let c0 = 0; c0 < C; c0 += T) {
      const c1 = Math.min(C, c0 + T);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) dst[dOff + c * R + r] = src[sOff + r * C + c];
      }
    }
  }
}

/**
 * Matrix product with PyTorch's `@` rules (https://pytorch.org/docs/stable/generated/torch.matmul.html):
 * 1-D·1-D → dot product (0-d); 2-D·2-D → matrix product; a 1-D first argument is treated as a row
 * (`[1, K]`) and a 1-D second argument as a column (`[K, 1]`), the added dim removed afterwards;
 * otherwise batched over the leading dims, which broadcast. Shapes: `[..., M, K] @ [..., K, N] →
 * [..., M, N]`.
 *
 * Backward: dA = G·Bᵀ, dB = Aᵀ·G per batch, summed over broadcast batch dims.
 * @throws {TensorError} for 0-d operands, mismatched inner sizes ("mat1 and mat2 shapes cannot be
 *   multiplied (100x5 and 4x5)", plus both full shapes when batched) or batch dims that do not
 *   broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new TensorError(
      `both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`,
    );
  }
  const aS = a.ndim === 1 ? [1, a.shape[0]] : a.shape.slice();
  const bS = b.ndim === 1 ? [b.shape[0], 1] : b.shape.slice();
  const M = aS[aS.length - 2];
  const K = aS[aS.length - 1];
  const K2 = bS[bS.length - 2];
  const N = bS[bS.length - 1];
  if (K !== K2) {
    if (a.ndim === 1 && b.ndim === 1) {
      throw new TensorError(
        `inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`,
      );
    }
    const extra =
      a.ndim > 2 || b.ndim > 2 || b.ndim === 1 || a.ndim === 1
        ? ` (input shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)})`
        : "";
    throw new TensorError(
      `mat1 and mat2 shapes cannot be multiplied (${M}x${K} and ${K2}x${N})${extra}`,
    );
  }
  const aBatch = aS.slice(0, -2);
  const bBatch = bS.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes(aBatch, bBatch);
  } catch {
    throw new TensorError(
      `matmul: batch dimensions of ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be broadcast (${shapeX(aBatch)} vs ${shapeX(bBatch)})`,
    );
  }
  const nb = shapeSize(batch);
  const mapA = broadcastMap(batch, aBatch);
  const mapB = broadcastMap(batch, bBatch);
  const A = a.data;
  const B = b.data;
  const MK = M * K;
  const KN = K * N;
  const MN = M * N;
  const out = new Float64Array(nb * MN);
  for (let t = 0; t < nb; t++) gemm(M, N, K, A, mapA[t] * MK, K, 1, B, mapB[t] * KN, out, t * MN);
  const shape = [...batch];
  if (a.ndim > 1) shape.push(M);
  if (b.ndim > 1) shape.push(N);
  return createOp("matmul", out, shape, [a, b], (g, needs) => {
    let ga: Float64Array | null = null;
    let gb: Float64Array | null = null;
    if (needs[0]) {
      ga = new Float64Array(a.size);
      // Bᵀ of every stored batch of B, once
      const bt = new Float64Array(b.size);
      const nbB = shapeSize(bBatch);
      for (let s = 0; s < nbB; s++) transposeInto(B, s * KN, K, N, bt, s * KN);
      for (let t = 0; t < nb; t++)
        gemm(M, K, N, g, t * MN, N, 1, bt, mapB[t] * KN, ga, mapA[t] * MK);
    }
    if (needs[1]) {
      gb = new Float64Array(b.size);
      for (let t = 0; t < nb; t++)
        gemm(K, N, M, A, mapA[t] * MK, 1, K, g, t * MN, gb, mapB[t] * KN);
    }
    return [ga, gb];
  });
}

/**
 * Affine map y = x·Wᵀ + b with PyTorch's layout (https://pytorch.org/docs/stable/generated/torch.nn.functional.linear.html):
 * x `[..., in]`, W `[out, in]`, b `[out]` (optional) → `[..., out]`.
 * @throws {TensorError} "mat1 and mat2 shapes cannot be multiplied (100x5 and 4x5)" (x flattened
 *   to 2-D, and Wᵀ), or a bias of the wrong shape.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2) {
    throw new TensorError(
      `linear: weight must be 2-D [out_features, in_features], got ${shapeStr(weight.shape)}`,
    );
  }
  if (x.ndim === 0) throw new TensorError("linear: input must be at least 1-D, got a 0-d tensor");
  const [O, I] = weight.shape;
  const K = x.shape[x.ndim - 1];
  const M = x.size / (K || 1);
  if (K !== I) {
    throw new TensorError(
      `mat1 and mat2 shapes cannot be multiplied (${x.ndim === 1 ? 1 : M}x${K} and ${I}x${O})`,
    );
  }
  if (bias && !(bias.size === O && bias.ndim <= 1)) {
    throw new TensorError(
      `linear: bias must have shape [${O}] for weight ${shapeStr(weight.shape)}, got ${shapeStr(bias.shape)}`,
    );
  }
  const X = x.data;
  const W = weight.data;
  const wt = new Float64Array(W.length);
  transposeInto(W, 0, O, I, wt, 0);
  const out = new Float64Array(M * O);
  if (bias) {
    const bd = bias.data;
    for (let m = 0; m < M; m++) out.set(bd, m * O);
  }
  gemm(M, O, I, X, 0, I, 1, wt, 0, out, 0);
  const shape = [...x.shape.slice(0, -1), O];
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return createOp("linear", out, shape, inputs, (g, needs) => {
    let gx: Float64Array | null = null;
    let gw: Float64Array | null = null;
    let gbias: Float64Array | null = null;
    if (needs[0]) {
      gx = new Float64Array(x.size);
      gemm(M, I, O, g, 0, O, 1, W, 0, gx, 0);
    }
    if (needs[1]) {
      gw = new Float64Array(O * I);
      gemm(O, I, M, g, 0, 1, O, X, 0, gw, 0);
    }
    if (bias && needs[2]) {
      gbias = new Float64Array(O);
      for (let m = 0; m < M; m++) for (let o = 0; o < O; o++) gbias[o] += g[m * O + o];
    }
    return bias ? [gx, gw, gbias] : [gx, gw];
  });
}
