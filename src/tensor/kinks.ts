/**
 * Branch records: how the tensor core tells gradcheck that an input sits at a kink.
 *
 * Every op that is not differentiable everywhere takes, per element, one of a few *sides* of its
 * non-differentiable set, and reports them here while a record is open (inside
 * {@link recordBranches}; outside it, reporting costs one null check):
 *
 * | op | sides (per element) |
 * |---|---|
 * | relu, leaky_relu, elu, selu, abs, sqrt | x < 0, x = 0, x > 0 |
 * | clamp(min, max) | below min, at min, inside, at max, above max |
 * | maximum, minimum, the comparisons `<` `>` `<=` `>=` `==` `!=` | x < y, x = y, x > y |
 * | max/min/argmax/argmin over dims, max_pool | the winning index and how many tie with it |
 * | softplus | βx below, at or above the threshold |
 * | l1_loss | x − t < 0, = 0, > 0 |
 *
 * Two evaluations of the same function took the same branches iff their records are equal: then
 * the function is one smooth piece (as far as these ops go) along the segment between the two
 * inputs. If a perturbation x ± δ changes a record, some op on the path crossed or left its kink
 * within δ of x — the witness gradcheck needs before it may call a disagreement "inconclusive"
 * (src/tensor/gradcheck.ts). The sides make "at the kink" a side of its own (x = 0 for relu), so a
 * point exactly at a kink differs from both of its neighbours.
 *
 * A record is one (op name, 64-bit hash of the sides) pair per op call; equal hashes of different
 * sides are possible but need a 2⁻⁶⁴ coincidence.
 */

/** The branches one evaluation took: per call of a non-smooth op, its name and a hash of its sides. */
export class BranchLog {
  readonly ops: string[] = [];
  readonly hashes: number[] = [];

  /** Records one op call: `n` sides given by `side(i)` (small integers). */
  note(op: string, n: number, side: (i: number) => number): void {
    let h1 = 0x811c9dc5 ^ n;
    let h2 = 0x9e3779b9 ^ Math.imul(n, 0x85ebca6b);
    for (let i = 0; i < n; i++) {
      const s = side(i) | 0;
      h1 = Math.imul(h1 ^ s, 0x01000193);
      h2 = Math.imul(h2 ^ (s + 0x632be5ab), 0x5bd1e995) ^ (h2 >>> 15);
    }
    this.ops.push(op);
    this.hashes.push(h1 >>> 0, h2 >>> 0);
  }
}

let current: BranchLog | null = null;

/** Whether a branch record is open (ops skip computing their sides otherwise). */
export function recordingBranches(): boolean {
  return current !== null;
}

/** Reports `n` sides of op `op` to the open record, if any (see the module comment). */
export function noteBranches(op: string, n: number, side: (i: number) => number): void {
  if (current !== null) current.note(op, n, side);
}

/**
 * Runs `fn` with a fresh branch record open and returns its value and the record. Nested calls
 * record into the innermost record only. The previous record is restored even if `fn` throws.
 */
export function recordBranches<T>(fn: () => T): { value: T; log: BranchLog } {
  const prev = current;
  const log = new BranchLog();
  current = log;
  try {
    return { value: fn(), log };
  } finally {
    current = prev;
  }
}

/**
 * The first op whose branches differ between two records (the op's name), or null if they are
 * the same. Records of different lengths (a different sequence of ops) differ at the first op
 * where they part, or at the first op past the shorter one.
 */
export function branchDifference(a: BranchLog, b: BranchLog): string | null {
  const n = Math.min(a.ops.length, b.ops.length);
  for (let i = 0; i < n; i++) {
    if (
      a.ops[i] !== b.ops[i] ||
      a.hashes[2 * i] !== b.hashes[2 * i] ||
      a.hashes[2 * i + 1] !== b.hashes[2 * i + 1]
    )
      return a.ops[i];
  }
  if (a.ops.length !== b.ops.length) return (a.ops[n] ?? b.ops[n])!;
  return null;
}

/** The side of x relative to a kink at 0: −1, 0 (at it), 1; 2 for NaN. */
export const signSide = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : 2);

/** The side of x relative to y: −1 (x < y), 0 (tie), 1; 2 if either is NaN. */
export const compareSide = (x: number, y: number): number =>
  x > y ? 1 : x < y ? -1 : x === y ? 0 : 2;
