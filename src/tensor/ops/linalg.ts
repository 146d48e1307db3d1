/**
 * Matrix products: the GEMM kernel, `matmul` with PyTorch's `@` rules, and `linear`.
 *
 * The kernel computes C += A·B with a 4×4 register-blocked micro-kernel: for each 4×4 block of C,
 * sixteen accumulators stay in registers over the whole depth K, and each step loads four values of
 * A and four of B for sixteen multiply-adds (the plain i-k-j loop loads and stores C on every
 * multiply-add). Edges use plain i-k-j loops. Nothing is allocated inside the kernel.
 */
import { TensorError } from "../errors.js";
import { linearMismatchMessage, matmulMismatchMessage } from "../geometry.js";
import { broadcastMap, broadcastShapes, shapeSize, shapeStr, shapeX } from "../shape.js";
import { createOp, Tensor } from "../tensor.js";

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
  // 4×4 register-blocked micro-kernel: sixteen accumulators live in registers across the whole k
  // loop, so each step loads 4 values of A and 4 of B for 16 multiply-adds and stores nothing.
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    const a0 = aOff + i * rsA;
    const a1 = a0 + rsA;
    const a2 = a1 + rsA;
    const a3 = a2 + rsA;
    const c0 = cOff + i * N;
    const c1 = c0 + N;
    const c2 = c1 + N;
    const c3 = c2 + N;
    for (let j = 0; j < N4; j += 4) {
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      let s20 = 0;
      let s21 = 0;
      let s22 = 0;
      let s23 = 0;
      let s30 = 0;
      let s31 = 0;
      let s32 = 0;
      let s33 = 0;
      let bk = bOff + j;
      let ak = 0;
      for (let k = 0; k < K; k++, bk += N, ak += csA) {
        const b0 = B[bk];
        const b1 = B[bk + 1];
        const b2 = B[bk + 2];
        const b3 = B[bk + 3];
        const x0 = A[a0 + ak];
        const x1 = A[a1 + ak];
        const x2 = A[a2 + ak];
        const x3 = A[a3 + ak];
        s00 += x0 * b0;
        s01 += x0 * b1;
        s02 += x0 * b2;
        s03 += x0 * b3;
        s10 += x1 * b0;
        s11 += x1 * b1;
        s12 += x1 * b2;
        s13 += x1 * b3;
        s20 += x2 * b0;
        s21 += x2 * b1;
        s22 += x2 * b2;
        s23 += x2 * b3;
        s30 += x3 * b0;
        s31 += x3 * b1;
        s32 += x3 * b2;
        s33 += x3 * b3;
      }
      C[c0 + j] += s00;
      C[c0 + j + 1] += s01;
      C[c0 + j + 2] += s02;
      C[c0 + j + 3] += s03;
      C[c1 + j] += s10;
      C[c1 + j + 1] += s11;
      C[c1 + j + 2] += s12;
      C[c1 + j + 3] += s13;
      C[c2 + j] += s20;
      C[c2 + j + 1] += s21;
      C[c2 + j + 2] += s22;
      C[c2 + j + 3] += s23;
      C[c3 + j] += s30;
      C[c3 + j + 1] += s31;
      C[c3 + j + 2] += s32;
      C[c3 + j + 3] += s33;
    }
  }
  // Edges: the last N % 4 columns of the blocked rows, then the last M % 4 rows.
  if (N4 < N) gemmSimple(M4, N4, N, K, A, aOff, rsA, csA, B, bOff, C, cOff, N);
  if (M4 < M)
    gemmSimple(M - M4, 0, N, K, A, aOff + M4 * rsA, rsA, csA, B, bOff, C, cOff + M4 * N, N);
}

/** C[i, j0..j1) += Σ_k A(i,k)·B(k,j) for i < M: plain i-k-j loops, for the micro-kernel's edges. */
function gemmSimple(
  M: number,
  j0: number,
  j1: number,
  K: number,
  A: Float64Array,
  aOff: number,
  rsA: number,
  csA: number,
  B: Float64Array,
  bOff: number,
  C: Float64Array,
  cOff: number,
  N: number,
): void {
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * N;
    const ai = aOff + i * rsA;
    for (let k = 0; k < K; k++) {
      const x = A[ai + k * csA];
      const bk = bOff + k * N;
      for (let j = j0; j < j1; j++) C[ci + j] += x * B[bk + j];
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
    throw new TensorError(`${matmulMismatchMessage(M, K, K2, N)}${extra}`);
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
  if (K !== I) throw new TensorError(linearMismatchMessage(x.shape, I, O));
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
