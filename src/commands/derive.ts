/**
 * `dlq derive EXPR [--wrt x] [--at x=0 ...] [--json]`: the symbolic derivative (mathjs),
 * cross-checked against the tensor core's autodiff and central differences. Exit 1 when they
 * disagree at a point.
 */
import { InputError } from "../errors.js";
import { derive, type DeriveResult } from "../analysis/derive.js";
import { jsonDoc, outputOf, type Context } from "./context.js";
import { renderTable } from "./table.js";

export interface DeriveCliOptions {
  wrt?: string;
  at?: string[];
  json?: boolean;
}

/** Parses `x=0` or `x=1,y=2` (numbers, `pi`, `e`). @throws InputError at `--at TEXT`. */
export function parsePoint(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(",")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)\s*$/.exec(part);
    const v = m ? (m[2] === "pi" ? Math.PI : m[2] === "e" ? Math.E : Number(m[2])) : NaN;
    if (!m || !Number.isFinite(v))
      throw new InputError(
        "expected NAME=NUMBER[,NAME=NUMBER...], e.g. x=0 or x=1,y=2",
        `--at ${text}`,
      );
    // `__proto__` would set the object's prototype, not a value (it cannot be a variable).
    if (m[1] === "__proto__")
      throw new InputError("'__proto__' cannot be a variable", `--at ${text}`);
    out[m[1]] = v;
  }
  return out;
}

const val = (x: number | null): string =>
  x === null ? "undefined" : String(Number(x.toPrecision(12)));

/** The stable JSON document of `dlq derive --json`. */
export function deriveJson(r: DeriveResult): Record<string, unknown> {
  return {
    expression: r.expression,
    wrt: r.wrt,
    symbols: r.symbols,
    derivative: r.derivative,
    agree: r.agree,
    checked: r.checked,
    points: r.points.map((p) => ({
      at: p.at,
      value: p.value,
      symbolic: p.symbolic,
      autodiff: p.autodiff,
      numerical: p.numerical,
      agree: p.agree,
      note: p.note ?? null,
    })),
    notes: r.notes,
  };
}

export async function run(ctx: Context, expr: string, opts: DeriveCliOptions): Promise<number> {
  const at = (opts.at ?? []).map(parsePoint);
  const r = await derive(expr, { wrt: opts.wrt, at });
  const code = r.agree ? 0 : 1;
  if (opts.json) {
    ctx.out(jsonDoc(deriveJson(r)));
    return code;
  }
  const s = ctx.style;
  const output = outputOf(ctx);
  let out = `d/d${r.wrt} ${r.expression} = ${s.bold(r.derivative)}\n`;
  if (output.format === "markdown") out += "\n";
  const rows = r.points.map((p) => [
    Object.entries(p.at)
      .map(([k, v]) => `${k}=${val(v)}`)
      .join(", "),
    val(p.value),
    val(p.symbolic),
    val(p.autodiff),
    val(p.numerical),
    p.agree === null ? s.yellow("n/a") : p.agree ? s.green("agree") : s.red("DISAGREE"),
  ]);
  out += renderTable(
    ["At", "Value", "Symbolic", "Autodiff (tensor core)", "Central difference", "Check"].map(
      s.bold,
    ),
    rows,
    { right: [1, 2, 3, 4], output },
  );
  if (output.format === "csv") {
    ctx.out(out.slice(out.indexOf("\n") + 1));
    return code;
  }
  if (output.format === "markdown") out += "\n";
  for (const p of r.points)
    if (p.note)
      out += s.dim(
        `note at ${Object.entries(p.at)
          .map(([k, v]) => `${k}=${val(v)}`)
          .join(", ")}: ${p.note}\n`,
      );
  for (const n of r.notes) out += s.dim(`note: ${n}\n`);
  out += r.agree
    ? s.green(
        r.checked < r.points.length
          ? `symbolic, autodiff and finite differences agree at ${r.checked} of ${r.points.length} points (the others are n/a: see the notes)\n`
          : "symbolic, autodiff and finite differences agree\n",
      )
    : r.checked === 0
      ? s.red(
          "nothing was cross-checked: at no point given are the function, its derivative and the central difference all defined (try --at)\n",
        )
      : s.red("the cross-check FAILED: see DISAGREE above\n");
  ctx.out(out);
  return code;
}
