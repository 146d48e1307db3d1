/** `dlq dropout P1 [P2 ...] [--json]`: the single dropout equivalent to a chain. */
import {
  MAX_EXPANDED_SYMBOLS,
  dropoutChain,
  dropoutChainSymbolic,
  isProbability,
  parseDecimal,
} from "../analysis/dropout.js";
import { InputError } from "../errors.js";
import { jsonDoc, outputOf, type Context } from "./context.js";
import { renderTable } from "./table.js";

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Up to 12 significant digits, without trailing zeros: 0.28, 1.38888888889. */
const num = (x: number): string => String(Number(x.toPrecision(15)));

export async function run(ctx: Context, ps: string[], opts: { json?: boolean }): Promise<number> {
  ps.forEach((p, i) => {
    const where = `argument ${i + 1} ('${p}')`;
    if (parseDecimal(p)) {
      if (!isProbability(p)) {
        throw new InputError(
          "a dropout probability must be in [0, 1] (PyTorch refuses others)",
          where,
        );
      }
    } else if (/^[+-]?(nan|inf|infinity)$/i.test(p)) {
      throw new InputError("a dropout probability must be a number in [0, 1]", where);
    } else if (!SYMBOL.test(p)) {
      throw new InputError("expected a probability in [0, 1] or a symbol such as p1", where);
    }
  });
  const s = ctx.style;
  if (ps.some((p) => !parseDecimal(p))) {
    const r = dropoutChainSymbolic(ps);
    if (opts.json) {
      ctx.out(
        jsonDoc({
          symbolic: true,
          p: r.p,
          q: r.q,
          expanded: r.expanded,
          keep: r.keep,
          scale: r.scale,
        }),
      );
      return 0;
    }
    const pretty = (e: string): string => e.replace(/\*/g, "·").replace(/ - /g, " − ");
    const symbols = ps.filter((p) => !parseDecimal(p)).length;
    if (outputOf(ctx).format === "csv") {
      ctx.out(
        renderTable(
          ["quantity", "expression"],
          [
            ["q", r.q],
            ["keep", r.keep],
            ["scale", r.scale ?? ""],
          ],
          { output: outputOf(ctx) },
        ),
      );
      return 0;
    }
    ctx.out(
      `q = ${s.bold(pretty(r.q))}\n` +
        `keep probability 1 − q = ${pretty(r.keep)}\n` +
        `inverted-dropout scale 1/(1 − q) = ${r.scale === null ? "undefined (a p is 1: nothing is kept)" : pretty(r.scale)}\n` +
        (r.expanded
          ? ""
          : `note: q is left as 1 − Π(1 − pᵢ): expanded over ${symbols} symbolic layers it would have up to 2^${symbols} − 1 terms (dlq expands up to ${MAX_EXPANDED_SYMBOLS})\n`),
    );
    return 0;
  }
  const r = dropoutChain(ps);
  if (opts.json) {
    ctx.out(
      jsonDoc({
        symbolic: false,
        p: r.p,
        q: r.q,
        keep: r.keep,
        scale: r.scale,
        scales: r.scales,
        note:
          r.scaleBeyondFloat64 !== null
            ? `the scale 1/(1 - q) = ${r.scaleBeyondFloat64} is beyond float64's range (about 1.8e308)`
            : r.scale === null
              ? "q = 1 drops everything: the scale 1/(1 - q) is undefined"
              : null,
      }),
    );
    return 0;
  }
  const scaleStr = (x: number | null): string => (x === null ? "undefined (p = 1)" : num(x));
  const rows = r.p.map((p, i) => [
    // The value as PyTorch would print it, unless 15 digits cannot show it exactly.
    `Dropout(p=${Number(num(p)) === p ? num(p) : ps[i]})`,
    num(p),
    num(r.keeps[i]),
    scaleStr(r.scales[i]),
  ]);
  const equivalentScale =
    r.scaleBeyondFloat64 !== null ? `${r.scaleBeyondFloat64} (beyond float64)` : scaleStr(r.scale);
  rows.push([s.bold("equivalent"), s.bold(num(r.q)), num(r.keep), equivalentScale]);
  let text = renderTable(["Layer", "p", "keep 1 − p", "scale 1/(1 − p)"].map(s.bold), rows, {
    right: [1, 2, 3],
    output: outputOf(ctx),
  });
  if (outputOf(ctx).format === "csv") {
    ctx.out(text);
    return 0;
  }
  if (outputOf(ctx).format === "markdown") text += "\n";
  text += `q = 1 − Π(1 − pᵢ) = ${s.bold(num(r.q))}: nn.Dropout(p=${num(r.q)}) drops like the chain.\n`;
  if (r.scale === null && r.scaleBeyondFloat64 === null) {
    text +=
      "q = 1: every element is dropped and the scale 1/(1 − q) is undefined (PyTorch outputs zeros).\n";
  }
  ctx.out(text);
  return 0;
}
