/**
 * `dlq grad MODEL [...]`: gradient magnitudes through depth, measured on the tensor core with
 * PyTorch's protocol, beside the mean-field prediction for MLPs; `dlq grad --chain A,B --depth L`:
 * the scalar chain y = x·Πaᵢ. Arguments in, render out; the numbers come from
 * src/analysis/gradflow.ts, meanfield.ts and chain.ts.
 */
// @ts-expect-error asciichart ships no type declarations; its API is typed below.
import asciichartModule from "asciichart";
import {
  scalarChain,
  MAX_CHAIN_DEPTH,
  type ChainSeries,
  type ChainValue,
  type Float32Depths,
} from "../analysis/chain.js";
import {
  FLOAT32_RESOLUTION,
  INITS,
  LOSSES,
  SATURATION_THRESHOLD,
  SWAP_ACTS,
  VERDICT_DECADES,
  gradInput,
  measureGradFlow,
  checkMemory,
  checkStudy,
  swapActivations,
  type GradProtocol,
  type GradVariant,
  type InitName,
  type LossName,
} from "../analysis/gradflow.js";
import { modelFacts } from "../analysis/model.js";
import { InputError } from "../errors.js";
import { intOption, positiveOption } from "./options.js";
import { jsonDoc, type Context } from "./context.js";
import { writeOutput } from "./input.js";
import { loadModel, parseInputs, sayNotes, traceModel } from "./model.js";
import { renderTable } from "./table.js";

interface AsciiChart {
  plot(series: number[][], cfg?: Record<string, unknown>): string;
  red: string;
  green: string;
  blue: string;
  yellow: string;
  magenta: string;
  cyan: string;
}
const asciichart = asciichartModule as AsciiChart;

export interface GradOptions {
  input?: string;
  model?: string;
  batch?: string;
  seeds?: string;
  init?: string;
  gain?: string;
  act?: string;
  loss?: string;
  lr?: string;
  trainDropout?: boolean;
  json?: boolean;
  plot?: boolean;
  svg?: string;
  chain?: string;
  depth?: string;
  x?: string;
}

/** The protocol, stated in text and JSON output (README, "dlq grad"). */
export const PROTOCOL_TEXT = [
  "PyTorch's default init (Linear/Conv: kaiming_uniform_(a=√5) weights, U(±1/√fan_in) biases; norms: weight 1, bias 0; Embedding: N(0, 1); RNN/LSTM/GRU and cells: U(±1/√hidden_size)) or --init on every weight of ≥ 2 dims (biases then 0)",
  "input ~ N(0, 1) of the input shape with the batch dim (dim 1 of a recurrent layer's (L, N, H_in)) replaced by --batch (Embedding: uniform indices)",
  "loss: MSE against 0 (bce: BCE-with-logits against 1; ce: cross-entropy against class 0)",
  "one forward and backward pass per seed, seeds 0..N−1 of dlq's generator (xoshiro128**), in float64; every number is the median over seeds",
  "BatchNorm uses batch statistics (training mode); Dropout is the identity unless --train-dropout",
  "a module applied several times shares its weights: its weight gradient is the sum over its applications, as in PyTorch; ‖∂L/∂y‖ is per application",
].join("; ");

function oneOfOpt<T extends string>(
  v: string | undefined,
  all: readonly T[],
  dflt: T,
  name: string,
): T {
  if (v === undefined) return dflt;
  if (!all.includes(v as T)) throw new InputError(`'${v}' is not one of ${all.join(", ")}`, name);
  return v as T;
}

const fmtExp = (x: number | null): string =>
  x === null || !Number.isFinite(x) ? "n/a" : x === 0 ? "0" : x.toExponential(2);
const fmtFix = (x: number | null, d = 2): string =>
  x === null || !Number.isFinite(x) ? "–" : (x >= 0 && d > 0 ? " " : "") + x.toFixed(d);
const fmtSigned = (x: number | null): string =>
  x === null || !Number.isFinite(x) ? "–" : (x > 0 ? "+" : "") + x.toFixed(2);

/** Replaces non-finite numbers by null, collecting where (JSON must never hold NaN/Infinity). */
function sanitize(v: unknown, path: string, notes: string[]): unknown {
  if (typeof v === "number") {
    if (Number.isFinite(v)) return v;
    notes.push(`${path} is ${String(v)} (reported as null)`);
    return null;
  }
  if (Array.isArray(v)) return v.map((x, i) => sanitize(x, `${path}[${i}]`, notes));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [
        k,
        sanitize(x, path ? `${path}.${k}` : k, notes),
      ]),
    );
  }
  return v;
}

function diff(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}

/** The stable JSON document of `dlq grad --json` (README, "JSON output"). */
export function gradJson(
  protocol: GradProtocol,
  variants: GradVariant[],
  model?: string,
): Record<string, unknown> {
  const notes: string[] = [];
  const body = {
    ...(model ? { model } : {}),
    protocol: {
      input: protocol.input,
      batch: protocol.input[0],
      seeds: protocol.seeds,
      init: protocol.init,
      gain: protocol.gain ?? null,
      loss: protocol.loss,
      train_dropout: protocol.trainDropout,
      lr: protocol.lr,
      statistic: "median over seeds",
      verdict_threshold_decades: VERDICT_DECADES,
      float32_resolution: FLOAT32_RESOLUTION,
      saturation_threshold: SATURATION_THRESHOLD,
      description: PROTOCOL_TEXT,
    },
    variants: variants.map((v) => ({
      act: v.act,
      verdict: v.verdict,
      log10_first_to_last: v.log10FirstToLast,
      predicted_log10_first_to_last: v.predictedLog10FirstToLast,
      log10_per_layer: v.log10PerLayer,
      float32_freeze_depth: v.float32FreezeDepth,
      loss: v.loss,
      prediction: v.predictionUnavailable ?? "mean-field (src/analysis/meanfield.ts)",
      notes: v.notes,
      layers: v.layers.map((l) => ({
        name: l.name,
        type: l.type,
        depth: l.depth,
        ...(l.sharedWith !== undefined ? { shared_with: l.sharedWith } : {}),
        applications: l.applications,
        weight_grad_norm: l.weightGradNorm,
        weight_grad_accumulated: l.applications > 1,
        weight_norm: l.weightNorm,
        relative_update: l.relativeUpdate,
        output_grad_norm: l.outputGradNorm,
        log10_ratio_to_last: l.log10RatioToLast,
        predicted_log10_ratio_to_last: l.predictedLog10RatioToLast,
        output_log10_ratio_to_last: l.outputLog10RatioToLast,
        predicted_output_log10_ratio_to_last: l.predictedOutputLog10RatioToLast,
        act: l.act,
        act_mean: l.actMean,
        act_std: l.actStd,
        saturated: l.saturated,
      })),
    })),
  };
  const clean = sanitize(body, "", notes) as Record<string, unknown>;
  return { ...clean, notes };
}

const CHART_COLORS = (): string[] => [
  asciichart.cyan,
  asciichart.yellow,
  asciichart.magenta,
  asciichart.green,
  asciichart.red,
  asciichart.blue,
];

/** Stretches a series to about `width` columns by linear interpolation (the chart's x axis). */
function stretch(ys: number[], width: number): number[] {
  if (ys.length < 2) return ys;
  const k = Math.max(1, Math.floor(width / (ys.length - 1)));
  const out: number[] = [];
  for (let i = 0; i < ys.length - 1; i++) {
    for (let j = 0; j < k; j++) out.push(ys[i] + ((ys[i + 1] - ys[i]) * j) / k);
  }
  out.push(ys[ys.length - 1]);
  return out;
}

/** A terminal line chart of log10 values (one series per label); missing values are dropped. */
export function asciiChart(
  series: { label: string; ys: (number | null)[] }[],
  xLabel: string,
  yLabel: string,
  color: boolean,
): string {
  const finite = series.flatMap((s) =>
    s.ys.filter((y): y is number => y !== null && Number.isFinite(y)),
  );
  if (finite.length === 0) return "";
  const lo = Math.min(...finite);
  const fill = (ys: (number | null)[]) =>
    ys.map((y) => (y !== null && Number.isFinite(y) ? y : lo));
  const data = series.map((s) => stretch(fill(s.ys), 60));
  const colors = CHART_COLORS();
  const text = asciichart.plot(data, {
    height: 12,
    format: (x: number) => `1e${x.toFixed(Math.max(...finite) - lo < 3 ? 2 : 1)}`.padStart(8),
    ...(color ? { colors } : {}),
  });
  const n = series[0].ys.length;
  let legend = `${yLabel} (log scale) against ${xLabel} 1..${n}, left to right`;
  if (series.length > 1) {
    if (color) {
      legend +=
        "; " +
        series.map((s, i) => `${colors[i % colors.length]}━━${"\x1b[0m"} ${s.label}`).join("  ");
    } else {
      // Without colour, name the lines by their order at the edge where they are furthest apart.
      const at = (k: number) => series.map((s) => fill(s.ys)[k === 0 ? 0 : s.ys.length - 1]);
      const spread = (ys: number[]) => Math.max(...ys) - Math.min(...ys);
      const right = spread(at(1)) > spread(at(0));
      const ys = at(right ? 1 : 0);
      const order = series.map((s, i) => ({ label: s.label, y: ys[i] })).sort((a, b) => b.y - a.y);
      legend += `; lines from top to bottom at the ${right ? "right" : "left"} edge: ${order.map((o) => o.label).join(", ")}`;
    }
  }
  return text + "\n" + legend + "\n";
}

/** A small hand-written SVG line chart of the same series (log10 values; dashed = `dashed`). */
export function svgChart(
  series: { label: string; ys: (number | null)[]; dashed?: boolean }[],
  title: string,
  xLabel: string,
  yLabel: string,
): string {
  const W = 640;
  const H = 400;
  const m = { l: 70, r: 150, t: 40, b: 50 };
  const finite = series.flatMap((s) =>
    s.ys.filter((y): y is number => y !== null && Number.isFinite(y)),
  );
  const lo = finite.length ? Math.floor(Math.min(...finite)) : -1;
  const hi = finite.length ? Math.ceil(Math.max(...finite)) : 0;
  const yMax = hi === lo ? lo + 1 : hi;
  const n = Math.max(...series.map((s) => s.ys.length), 2);
  const px = (i: number) => m.l + (i / (n - 1)) * (W - m.l - m.r);
  const py = (y: number) => m.t + ((yMax - y) / (yMax - lo)) * (H - m.t - m.b);
  const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - m.r / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
  ];
  const step = Math.max(1, Math.ceil((yMax - lo) / 10));
  for (let y = lo; y <= yMax; y += step) {
    parts.push(
      `<line x1="${m.l - 4}" y1="${py(y).toFixed(1)}" x2="${W - m.r}" y2="${py(y).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${m.l - 8}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">1e${y}</text>`,
    );
  }
  const xStep = Math.max(1, Math.ceil(n / 10));
  for (let i = 0; i < n; i += xStep) {
    parts.push(
      `<text x="${px(i).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${i + 1}</text>`,
    );
  }
  parts.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="16" y="${(m.t + H - m.b) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(m.t + H - m.b) / 2})">${esc(yLabel)}</text>`,
  );
  series.forEach((s, k) => {
    const color = palette[Math.floor(k / (series.some((t) => t.dashed) ? 2 : 1)) % palette.length];
    const pts = s.ys
      .map((y, i) =>
        y !== null && Number.isFinite(y) ? `${px(i).toFixed(1)},${py(y).toFixed(1)}` : null,
      )
      .filter((p): p is string => p !== null);
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""} points="${pts.join(" ")}"/>`,
    );
    const ly = m.t + 10 + k * 18;
    parts.push(
      `<line x1="${W - m.r + 10}" y1="${ly}" x2="${W - m.r + 34}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      `<text x="${W - m.r + 40}" y="${ly + 4}">${esc(s.label)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/** Writes the chart (refused inside `dlq check`: src/commands/input.ts). */
const writeSvg = (path: string, svg: string, ctx: Context): Promise<void> =>
  writeOutput(path, svg, ctx, "the chart");

/** log10 ‖∂L/∂y‖ per application, and the mean-field curve anchored at the last layer. */
function curves(v: GradVariant): { measured: (number | null)[]; predicted: (number | null)[] } {
  const measured = v.layers.map((l) =>
    l.outputGradNorm > 0 ? Math.log10(l.outputGradNorm) : null,
  );
  const anchor = measured[measured.length - 1];
  const predicted = v.layers.map((l) =>
    anchor === null || l.predictedOutputLog10RatioToLast === null
      ? null
      : anchor + l.predictedOutputLog10RatioToLast,
  );
  return { measured, predicted };
}

function verdictLine(v: GradVariant, ctx: Context, lr: number): string {
  const s = ctx.style;
  const color = v.verdict === "healthy" ? s.green : s.red;
  // A first-layer gradient of exactly 0 has no log10 ratio: it is written 0.
  const ratio = (log10: number | null, first: number | undefined): string =>
    log10 === null && first === 0 ? "0" : `10^${fmtSigned(log10).trim()}`;
  const first = v.layers[0];
  let text = `${s.bold(v.act)}: ${color(v.verdict)} — ‖∂L/∂W‖ first/last = ${ratio(v.log10FirstToLast, first?.weightGradNorm)}`;
  text += `, ‖∂L/∂y‖ first/last = ${ratio(first?.outputLog10RatioToLast ?? null, first?.outputGradNorm)}`;
  text += ` (threshold: |log10 first/last| > ${VERDICT_DECADES} for ‖∂L/∂W‖, else for ‖∂L/∂y‖)`;
  if (v.predictedLog10FirstToLast !== null) {
    text += `; mean field predicts ‖∂L/∂W‖ first/last = 10^${fmtSigned(v.predictedLog10FirstToLast)}`;
  }
  text += ".\n";
  if (v.log10PerLayer !== null) {
    text += `  ‖∂L/∂y‖ changes by 10^${fmtSigned(-v.log10PerLayer)} per layer toward the input. `;
  }
  const u1 = v.layers[0]?.relativeUpdate;
  text += `First layer's relative SGD update lr·‖∂L/∂W‖/‖W‖ = ${fmtExp(u1 ?? null)} (lr ${lr}); `;
  if (v.float32FreezeDepth === null) {
    text += "it does not shrink with depth, so it never falls below float32's resolution 2^-24.\n";
  } else {
    const L = v.layers.length;
    const at = v.float32FreezeDepth;
    text +=
      at <= L
        ? `below float32's resolution 2^-24 (w + Δw rounds to w) from a depth of ${s.bold(String(at))} layers with weights (this model has ${L}): the first layer cannot learn.\n`
        : `it would fall below float32's resolution 2^-24 at a depth of ${s.bold(String(at))} layers with weights (this model has ${L}).\n`;
  }
  for (const note of v.notes) text += `  note: ${note}\n`;
  return text;
}

function variantTable(v: GradVariant, ctx: Context): string {
  const s = ctx.style;
  const pred = v.predictionUnavailable === null;
  const head = ["#", "Layer", "Type", "‖∂L/∂W‖", "log10 ÷last"];
  if (pred) head.push("pred.", "Δ");
  head.push("‖∂L/∂y‖", "log10 ÷last");
  if (pred) head.push("pred.", "Δ");
  head.push("act", "mean", "std", "saturated");
  const rows = v.layers.map((l) => {
    const r = [
      String(l.depth),
      l.name,
      l.type,
      fmtExp(l.weightGradNorm) + (l.applications > 1 ? "*" : ""),
      fmtFix(l.log10RatioToLast),
    ];
    if (pred)
      r.push(
        fmtFix(l.predictedLog10RatioToLast),
        fmtSigned(diff(l.log10RatioToLast, l.predictedLog10RatioToLast)),
      );
    r.push(fmtExp(l.outputGradNorm), fmtFix(l.outputLog10RatioToLast));
    if (pred) {
      r.push(
        fmtFix(l.predictedOutputLog10RatioToLast),
        fmtSigned(diff(l.outputLog10RatioToLast, l.predictedOutputLog10RatioToLast)),
      );
    }
    r.push(
      l.act ?? "–",
      fmtFix(l.actMean, 3),
      fmtFix(l.actStd, 3),
      l.saturated === null ? "–" : `${(100 * l.saturated).toFixed(1)}%`,
    );
    return r;
  });
  const right = head.map((_h, i) => i).filter((i) => i !== 1 && i !== 2 && head[i] !== "act");
  let text = renderTable(head.map(s.bold), rows, { right });
  const shared = v.layers.filter((l) => l.applications > 1);
  if (shared.length > 0) {
    text +=
      s.dim(
        `* a module applied ${shared[0].applications} times (${shared[0].sharedWith ?? shared[0].name} and its repeats): its weight gradient is the sum over its applications (as in PyTorch), repeated on each row; ‖∂L/∂y‖ is per application.`,
      ) + "\n";
  }
  if (!pred)
    text += s.dim(`Mean-field prediction not available: ${v.predictionUnavailable}.`) + "\n";
  return text;
}

function comparison(variants: GradVariant[], initLabel: string): string {
  if (variants.length < 2) return "";
  const [base, ...rest] = variants;
  const r = (v: GradVariant) =>
    v.log10FirstToLast === null ? "n/a" : `10^${fmtSigned(v.log10FirstToLast)}`;
  const parts = rest.map((v) => {
    const what =
      v.verdict === "healthy"
        ? `${v.act} is healthy (${r(v)})`
        : `${v.act} still ${v.verdict === "vanishing" ? "vanishes" : "explodes"} (${r(v)})`;
    return what;
  });
  return `Replacing ${base.act} (${base.verdict}, ${r(base)}) with: ${parts.join("; ")} — under ${initLabel} init.\n`;
}

async function runChain(ctx: Context, opts: GradOptions): Promise<number> {
  const factors = opts.chain!.split(",").map((t) => {
    const v = Number(t.trim());
    if (t.trim() === "" || !Number.isFinite(v)) {
      throw new InputError(`'${t}' is not a number`, "--chain");
    }
    return v;
  });
  const depth = intOption(opts.depth, 10, "--depth", MAX_CHAIN_DEPTH);
  const x = opts.x === undefined ? 1 : Number(opts.x);
  if (!Number.isFinite(x)) throw new InputError(`'${opts.x}' is not a number`, "--x");
  const series = scalarChain(factors, depth, x);
  const val = (c: ChainValue) => c.value;
  // The chart first: if it cannot be written, nothing goes to stdout (exit 2).
  if (opts.svg) {
    await writeSvg(
      opts.svg,
      svgChart(
        series.map((s) => ({
          label: `a = ${s.factor}`,
          ys: s.rows.map((r) => finiteOr(r.gradWeight.log10)),
        })),
        "Scalar chain y = x·a^L: dy/da1",
        "depth L",
        "log10 |dy/da1|",
      ),
      ctx,
    );
  }
  if (opts.json) {
    ctx.out(
      jsonDoc({
        chain: {
          formula: "y = x·a1·a2·…·aL with every ai = a; dy/da1 = x·a^(L−1), dy/dx = a^L",
          x,
          depth,
          series: series.map((s) => ({
            factor: s.factor,
            grad_weight_first: val(s.rows[depth - 1].gradWeight),
            grad_weight_first_log10: finiteOr(s.rows[depth - 1].gradWeight.log10),
            grad_input: val(s.rows[depth - 1].gradInput),
            grad_input_log10: finiteOr(s.rows[depth - 1].gradInput.log10),
            float32: {
              grad_weight_first: float32Json(s.weightFloat32),
              grad_input: float32Json(s.inputFloat32),
            },
            rows: s.rows.map((r) => ({
              depth: r.depth,
              grad_weight_first: val(r.gradWeight),
              grad_weight_first_log10: finiteOr(r.gradWeight.log10),
              grad_input: val(r.gradInput),
              grad_input_log10: finiteOr(r.gradInput.log10),
            })),
          })),
        },
      }),
    );
  } else {
    ctx.out(renderChain(series, depth, x, ctx, opts.plot !== false));
  }
  return 0;
}

const finiteOr = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The first depths at which a chain gradient crosses float32's limits (null: never). */
function float32Json(f: Float32Depths): Record<string, number | null> {
  return {
    below_epsilon: f.belowEpsilon,
    underflow: f.underflow,
    zero: f.zero,
    overflow: f.overflow,
    infinity: f.infinity,
  };
}

/** 2^-9 style when the value is a power of two, else the number. */
function chainStr(c: ChainValue): string {
  if (typeof c.value === "string") return c.value;
  const v = c.value;
  const e = Math.log2(Math.abs(v));
  if (v !== 0 && Number.isInteger(e) && Math.abs(e) <= 1074) {
    return `${v < 0 ? "-" : ""}2^${e}${Math.abs(e) > 3 ? ` = ${Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6 ? v.toExponential(6) : String(v)}` : ""}`;
  }
  return Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6 ? v.toExponential(6) : String(v);
}

function renderChain(
  series: ChainSeries[],
  depth: number,
  x: number,
  ctx: Context,
  plot: boolean,
): string {
  const s = ctx.style;
  const picks = new Set<number>([1, 2, 3, 5, 10, 20, 50, 100, depth].filter((d) => d <= depth));
  const depths = [...picks].sort((a, b) => a - b);
  const head = ["L", ...series.map((c) => `dy/da1, a = ${c.factor}`)];
  const rows = depths.map((d) => [
    String(d),
    ...series.map((c) => chainStr(c.rows[d - 1].gradWeight)),
  ]);
  let text = `Scalar chain y = x·a1·…·aL, every ai = a, x = ${x}: the first layer's gradient dy/da1 = x·a^(L−1) (dy/dx = a^L).\n`;
  text += renderTable(head.map(s.bold), rows, { right: head.map((_h, i) => i) });
  for (const c of series) {
    const f = c.weightFloat32;
    const bits: string[] = [];
    if (f.belowEpsilon !== null)
      bits.push(`below float32 epsilon 2^-23 from L = ${f.belowEpsilon}`);
    // A later threshold reached at the same depth as an earlier one says nothing new.
    if (f.underflow !== null && f.underflow !== f.zero)
      bits.push(`subnormal in float32 from L = ${f.underflow}`);
    if (f.zero !== null) bits.push(`0 in float32 from L = ${f.zero}`);
    if (f.overflow !== null && f.overflow !== f.infinity)
      bits.push(`overflows float32's largest finite value from L = ${f.overflow}`);
    if (f.infinity !== null) bits.push(`Infinity in float32 from L = ${f.infinity}`);
    const kind =
      Math.abs(c.factor) < 1 ? "vanishes" : Math.abs(c.factor) > 1 ? "explodes" : "stays constant";
    text += `a = ${c.factor}: dy/da1 ${kind}${bits.length ? "; " + bits.join(", ") : ""}.\n`;
  }
  if (plot && depth >= 2) {
    text += asciiChart(
      series.map((c) => ({
        label: `a = ${c.factor}`,
        ys: c.rows.map((r) => finiteOr(r.gradWeight.log10)),
      })),
      "depth L",
      "|dy/da1|",
      ctx.color,
    );
  }
  return text;
}

export async function run(
  ctx: Context,
  modelPath: string | undefined,
  opts: GradOptions,
): Promise<number> {
  if (opts.svg === "-") {
    throw new InputError(
      "the chart needs a file name ('-' would mix it with the table on standard output)",
      "--svg",
    );
  }
  if (opts.chain !== undefined) {
    if (modelPath !== undefined) {
      throw new InputError("give either MODEL or --chain, not both", "--chain");
    }
    return runChain(ctx, opts);
  }
  if (modelPath === undefined) {
    throw new InputError("missing MODEL (or --chain A[,B,...] --depth L for the scalar chain)");
  }
  // Options first: a bad option is reported before any work.
  const batch = intOption(opts.batch, 64, "--batch", 1_000_000);
  const seeds = intOption(opts.seeds, 10, "--seeds", 10_000);
  const init = oneOfOpt<InitName>(opts.init, INITS, "pytorch", "--init");
  const loss = oneOfOpt<LossName>(opts.loss, LOSSES, "mse", "--loss");
  const gain = positiveOption(opts.gain, "--gain");
  if (gain !== undefined && !Number.isFinite(gain * gain)) {
    throw new InputError(
      `'${opts.gain}' is too large: the weight variance (gain²) overflows float64`,
      "--gain",
    );
  }
  const lr = positiveOption(opts.lr, "--lr") ?? 0.01;
  const acts = opts.act === undefined ? null : opts.act.split(",").map((a) => a.trim());
  if (acts) {
    for (const a of acts) {
      if (!SWAP_ACTS[a]) {
        throw new InputError(
          `unknown activation '${a}' (one of ${Object.keys(SWAP_ACTS).join(", ")})`,
          "--act",
        );
      }
    }
  }
  const loaded = await loadModel(modelPath, opts, ctx);
  const given = parseInputs(opts.input);
  const stated = given?.[0]?.shape ?? loaded.spec.input;
  // Shape errors are reported against the shape the user gave, before --batch replaces its batch.
  if (stated) traceModel(loaded, opts.input, false);
  const input = gradInput(loaded.uses, stated, batch);
  const graph = loaded.spec.trace!([
    { shape: input, ...(given?.[0]?.dtype ? { dtype: given[0].dtype } : {}) },
  ]);
  const protocol: GradProtocol = {
    input,
    seeds,
    init,
    ...(gain !== undefined ? { gain } : {}),
    loss,
    trainDropout: Boolean(opts.trainDropout),
    lr,
  };
  const models = acts ? acts.map((a) => swapActivations(graph, a)) : [graph];
  // Shape errors, named by layer, and a study too large or meaningless, before running anything.
  const facts = models.map((g) => modelFacts(loaded.spec.root, g, loaded.spec.name));
  checkStudy(facts[0].multAdds, facts[0].output, protocol, models.length);
  checkMemory(facts[0], protocol);
  const variants = models.map((g) => measureGradFlow(g, protocol));
  sayNotes(loaded, ctx);
  const chartSeries = variants.flatMap((v) => {
    const c = curves(v);
    const out: { label: string; ys: (number | null)[]; dashed?: boolean }[] = [
      { label: `${v.act}`, ys: c.measured },
    ];
    if (c.predicted.some((y) => y !== null))
      out.push({ label: `${v.act} (mean field)`, ys: c.predicted, dashed: true });
    return out;
  });
  // The chart first: if it cannot be written, nothing goes to stdout (exit 2).
  if (opts.svg) {
    await writeSvg(
      opts.svg,
      svgChart(
        chartSeries,
        "Gradient w.r.t. each layer's output",
        "layer with weights (input → output)",
        "log10 ‖∂L/∂y‖",
      ),
      ctx,
    );
  }
  if (opts.json) {
    ctx.out(jsonDoc(gradJson(protocol, variants, loaded.spec.name)));
  } else {
    const s = ctx.style;
    let text = `${s.bold("Input")} [${input.join(", ")}]   init ${init}${gain !== undefined ? ` (gain ${gain})` : ""}   loss ${loss}   ${seeds} seeds, medians\n`;
    for (const v of variants) {
      text += `\n${s.bold(`Activation: ${v.act}`)}\n`;
      text += variantTable(v, ctx);
      text += verdictLine(v, ctx, lr);
    }
    if (variants.some((v) => v.predictionUnavailable === null)) {
      text +=
        s.dim(
          "Mean field (Poole et al. 2016, Schoenholz et al. 2017) predicts per-example norms; a batch's weight gradient also depends on how correlated the examples' activations are (not modelled), so ‖∂L/∂W‖ can differ by up to ½·log10(batch) decades where deep activations become alike.",
        ) + "\n";
    }
    text += comparison(variants, init === "pytorch" ? "PyTorch's default" : `the ${init}`);
    if (opts.plot !== false) {
      text +=
        "\n" +
        asciiChart(
          variants.map((v) => ({ label: v.act, ys: curves(v).measured })),
          "layers with weights",
          "‖∂L/∂y‖",
          ctx.color,
        );
    }
    text += s.dim(`Protocol: ${PROTOCOL_TEXT}.`) + "\n";
    ctx.out(text);
  }
  return 0;
}
