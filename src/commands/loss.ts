/**
 * `dlq loss mse|l1|bce|bce_logits|ce --target T --pred P [--json]`: a loss's value and gradients;
 * `dlq loss compare`: the course's L2-vs-BCE comparison through a sigmoid.
 */
import {
  COMPARE_PROBS,
  LOSS_INFO,
  LOSSES,
  lossCompare,
  LossInputError,
  lossGrad,
  type LossName,
} from "../analysis/loss.js";
import { InputError } from "../errors.js";
import { TensorError, type NestedArray, type Reduction } from "../tensor/index.js";
import { didYouMean } from "../util/suggest.js";
import { jsonDoc, outputOf, type Context } from "./context.js";
import { renderTable } from "./table.js";

export interface LossOptions {
  target?: string;
  pred?: string;
  reduction?: string;
  sigmoid?: boolean;
  probs?: string;
  json?: boolean;
}

/**
 * Parses numbers written as a comma list (`0.2,0.9`, `-1, 2`) or a JSON array (`[[2,1,0.1]]`).
 * @throws InputError naming `what` for anything else (ragged arrays, non-numbers).
 */
export function parseNumbers(text: string, what: string): NestedArray[] {
  const s = text.trim();
  if (s.startsWith("[")) {
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      throw new InputError(`not a JSON array: ${(e as Error).message}`, what);
    }
    const shape: number[] = [];
    for (let p: unknown = v; Array.isArray(p); p = p[0]) shape.push(p.length);
    const check = (x: unknown, d: number): void => {
      if (d === shape.length) {
        if (typeof x !== "number" || !Number.isFinite(x)) {
          throw new InputError(`expected numbers, found ${JSON.stringify(x)}`, what);
        }
        return;
      }
      if (!Array.isArray(x) || x.length !== shape[d]) {
        throw new InputError(`a ragged array: every row must have ${shape[d]} entries`, what);
      }
      if (x.length === 0) throw new InputError("an empty array", what);
      x.forEach((y) => check(y, d + 1));
    };
    check(v, 0);
    if (!Array.isArray(v)) throw new InputError("expected a JSON array", what);
    return v as NestedArray[];
  }
  const parts = s.split(/\s*,\s*|\s+/).filter((p) => p !== "");
  if (parts.length === 0) throw new InputError("no numbers", what);
  return parts.map((p) => {
    const x = Number(p);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(p) || !Number.isFinite(x)) {
      throw new InputError(`'${p}' is not a number (write 0.2,0.9 or a JSON array)`, what);
    }
    return x;
  });
}

/** Up to 6 significant digits. */
const num = (x: number): string => String(Number(x.toPrecision(6)));
const fmt = (v: NestedArray | null): string =>
  v === null ? "-" : typeof v === "number" ? num(v) : `[${v.map(fmt).join(", ")}]`;

/** Turns the tensor core's refusals (PyTorch's messages) and dlq's own into bad-input errors. */
function asInput<T>(fn: () => T, where: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TensorError) throw new InputError(e.message, where);
    if (e instanceof LossInputError) {
      throw new InputError(e.message, `${where}: ${e.which === "pred" ? "--pred" : "--target"}`);
    }
    throw e;
  }
}

function runCompare(ctx: Context, opts: LossOptions): number {
  const target = opts.target === undefined ? 1 : Number(opts.target.trim());
  if (target !== 0 && target !== 1) {
    throw new InputError("compare needs a binary label: 0 (dog) or 1 (hotdog)", "--target");
  }
  let probs = COMPARE_PROBS;
  if (opts.probs !== undefined) {
    const v = parseNumbers(opts.probs, "--probs");
    if (!v.every((x) => typeof x === "number" && x > 0 && x < 1)) {
      throw new InputError(
        "probabilities must be a list of numbers strictly between 0 and 1",
        "--probs",
      );
    }
    probs = v as number[];
  }
  const rows = lossCompare(target, probs);
  if (opts.json) {
    ctx.out(
      jsonDoc({
        target,
        rows,
        formulas: {
          l2: "(p - y)^2",
          dl2_dlogit: "2 (p - y) p (1 - p)",
          bce: "-[y log p + (1 - y) log(1 - p)]",
          dbce_dlogit: "p - y",
        },
      }),
    );
    return 0;
  }
  const s = ctx.style;
  const table = renderTable(
    ["p = σ(z)", "z", "L2", "dL2/dp", "dL2/dz", "BCE", "dBCE/dp", "dBCE/dz"].map(s.bold),
    rows.map((r) => [
      num(r.p),
      num(r.logit),
      num(r.l2),
      num(r.dl2_dp),
      s.bold(num(r.dl2_dlogit)),
      num(r.bce),
      num(r.dbce_dp),
      s.bold(num(r.dbce_dlogit)),
    ]),
    { right: [0, 1, 2, 3, 4, 5, 6, 7], output: outputOf(ctx) },
  );
  if (outputOf(ctx).format === "csv") {
    ctx.out(table);
    return 0;
  }
  const worst = rows.reduce((a, b) => (Math.abs(a.p - target) > Math.abs(b.p - target) ? a : b));
  let text = `True label y = ${target} (${target === 1 ? "hotdog" : "dog"}); p is the predicted probability of class 1, z its logit.\n`;
  text += outputOf(ctx).format === "markdown" ? "\n" + table + "\n" : table;
  text += `L2 = (p − y)²: dL2/dz = 2(p − y)·p(1 − p), the sigmoid's slope p(1 − p) shrinks it.\n`;
  text += `BCE = −[y log p + (1 − y) log(1 − p)]: dBCE/dz = p − y, the log cancels the slope.\n`;
  text += `Most wrong (p = ${num(worst.p)}): dL2/dz = ${s.bold(num(worst.dl2_dlogit))} (almost no gradient), dBCE/dz = ${s.bold(num(worst.dbce_dlogit))}.\n`;
  ctx.out(text);
  return 0;
}

export async function run(ctx: Context, which: string, opts: LossOptions): Promise<number> {
  if (which === "compare") return runCompare(ctx, opts);
  if (!(LOSSES as readonly string[]).includes(which)) {
    throw new InputError(
      `unknown loss '${which}'${didYouMean(which, [...LOSSES, "compare"])}: use ${LOSSES.join(", ")} or compare`,
      "LOSS",
    );
  }
  const name = which as LossName;
  if (opts.pred === undefined) throw new InputError("give the predictions with --pred", name);
  if (opts.target === undefined) throw new InputError("give the targets with --target", name);
  const reduction = (opts.reduction ?? "mean") as Reduction;
  if (!["mean", "sum", "none"].includes(reduction)) {
    throw new InputError(`'${reduction}' is not a reduction: use mean, sum or none`, "--reduction");
  }
  if (opts.sigmoid && name !== "mse" && name !== "l1") {
    throw new InputError(
      `--sigmoid is for mse and l1 (${name} already reports the gradient with respect to the logits)`,
      "--sigmoid",
    );
  }
  const pred = parseNumbers(opts.pred, "--pred");
  const target = parseNumbers(opts.target, "--target");
  const r = asInput(
    () => lossGrad(name, pred, target, { reduction, sigmoid: opts.sigmoid }),
    `loss ${name}`,
  );
  const info = LOSS_INFO[name];
  if (opts.json) {
    ctx.out(
      jsonDoc({
        loss: name,
        torch: info.torch,
        reduction,
        pred: r.pred,
        target: r.target,
        value: r.value,
        grad_pred: r.gradPred,
        logits: r.logits,
        probs: r.probs,
        grad_logits: r.gradLogits,
        formula: info.formula,
        note: r.undefinedReason ? `the loss is undefined: ${r.undefinedReason}` : r.note,
      }),
    );
    return 0;
  }
  const s = ctx.style;
  const output = outputOf(ctx);
  if (output.format !== "table") {
    // The values as a two-column table: what a report or a spreadsheet takes.
    const rows: string[][] = [
      ["pred", fmt(r.pred)],
      ["target", fmt(r.target)],
      ["loss", r.value === null ? `undefined: ${r.undefinedReason ?? "no value"}` : fmt(r.value)],
      ["d loss / d pred", fmt(r.gradPred)],
    ];
    if (name === "bce_logits" || name === "ce") {
      rows.push([name === "ce" ? "softmax(z)" : "σ(z)", fmt(r.probs)]);
    } else if (r.logits !== null) {
      rows.push(["logit z = log(p/(1−p))", fmt(r.logits)], ["d loss / d z", fmt(r.gradLogits)]);
    }
    const table = renderTable(["quantity", "value"], rows, { output });
    ctx.out(
      output.format === "csv"
        ? table
        : `${info.torch}(${info.pred}, target, reduction='${reduction}'): ${info.formula}\n\n${table}`,
    );
    return 0;
  }
  let text = `${info.torch}(${info.pred}, target, reduction='${reduction}')\n`;
  text += `  ${info.formula}${reduction === "mean" ? ", divided by the number of terms" : ""}\n`;
  const line = (k: string, v: string): string => `${k.padEnd(24)}${v}\n`;
  text += line("pred", fmt(r.pred));
  text += line("target", fmt(r.target));
  text += line(
    "loss",
    r.value === null
      ? s.bold(`undefined: ${r.undefinedReason ?? "no value"}`)
      : s.bold(fmt(r.value)),
  );
  text += line("d loss / d pred", s.bold(fmt(r.gradPred)));
  if (name === "bce_logits" || name === "ce") {
    text += line(name === "ce" ? "softmax(z)" : "σ(z)", fmt(r.probs));
  } else if (r.logits !== null) {
    text += line("logit z = log(p/(1−p))", fmt(r.logits));
    text += line("d loss / d z", s.bold(fmt(r.gradLogits)));
  }
  if (reduction === "none")
    text += s.dim("Gradients are of the sum of the per-element losses.") + "\n";
  if (r.note) text += s.dim(r.note) + "\n";
  ctx.out(text);
  return 0;
}
