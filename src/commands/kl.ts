/**
 * `dlq kl --mu M --logvar V [--samples N] [--seed S] [--json]`: the VAE KL term in closed form,
 * with its Monte-Carlo check. Exit 1 when the closed form is not within 3 standard errors of the
 * estimate (a failed check).
 */
import { klGaussian } from "../analysis/kl.js";
import { InputError } from "../errors.js";
import { jsonDoc, outputOf, type Context } from "./context.js";
import { parseNumbers } from "./loss.js";
import { renderTable } from "./table.js";

export interface KlOptions {
  mu: string;
  logvar: string;
  samples?: string;
  seed?: string;
  json?: boolean;
}

/** Default number of Monte-Carlo samples. */
export const DEFAULT_SAMPLES = 100000;

export const KL_SOURCE =
  'Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014, appendix B';

const num = (x: number): string => String(Number(x.toPrecision(6)));

function vector(text: string, what: string): number[] {
  const v = parseNumbers(text, what);
  if (!v.every((x) => typeof x === "number")) {
    throw new InputError("expected a vector (one value per latent dimension)", what);
  }
  return v as number[];
}

function integer(text: string | undefined, what: string, dflt: number, min: number): number {
  if (text === undefined) return dflt;
  const t = text.trim();
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t)) || Number(t) < min) {
    throw new InputError(`'${text}' is not an integer ≥ ${min}`, what);
  }
  return Number(t);
}

export async function run(ctx: Context, opts: KlOptions): Promise<number> {
  const mu = vector(opts.mu, "--mu");
  const logvar = vector(opts.logvar, "--logvar");
  if (mu.length !== logvar.length) {
    throw new InputError(
      `--mu has ${mu.length} values and --logvar ${logvar.length}: give one of each per latent dimension`,
      "--logvar",
    );
  }
  const samples = integer(opts.samples, "--samples", DEFAULT_SAMPLES, 0);
  if (samples === 1)
    throw new InputError("one sample has no standard error: use 0 or ≥ 2", "--samples");
  if (samples > 10_000_000) throw new InputError("at most 10,000,000 samples", "--samples");
  const seed = integer(opts.seed, "--seed", 0, 0);
  // σ² = exp(logvar) must be a positive finite float64, and μ² finite, for the KL to exist.
  const big = logvar.findIndex((v) => !Number.isFinite(Math.exp(v)) || Math.exp(v) === 0);
  if (big >= 0) {
    throw new InputError(
      `logvar ${logvar[big]} gives σ² = exp(${logvar[big]}), outside float64's range (|logvar| must be below ln(1.8e308) ≈ 709.78)`,
      "--logvar",
    );
  }
  const r = klGaussian(mu, logvar, samples, seed);
  if (!Number.isFinite(r.closedForm)) {
    throw new InputError("the KL term overflows float64 for these values", "--mu");
  }
  const code = r.mc && !r.mc.within3se ? 1 : 0;
  if (opts.json) {
    ctx.out(
      jsonDoc({
        mu: r.mu,
        logvar: r.logvar,
        variance: r.variance,
        closed_form: r.closedForm,
        per_dim: r.perDim,
        grad_mu: r.gradMu,
        grad_logvar: r.gradLogvar,
        mc: r.mc
          ? {
              samples: r.mc.samples,
              seed: r.mc.seed,
              estimate: r.mc.estimate,
              se: r.mc.se,
              z_score: r.mc.zScore,
              within_3se: r.mc.within3se,
            }
          : null,
        mc_note: r.mcSkipped ?? null,
        formula: "KL = 1/2 sum_j (sigma_j^2 + mu_j^2 - 1 - log sigma_j^2), sigma^2 = exp(logvar)",
        units: "nats",
        source: KL_SOURCE,
      }),
    );
    return code;
  }
  const s = ctx.style;
  let text = renderTable(
    ["j", "μ", "logvar", "σ²", "½(σ² + μ² − 1 − log σ²)", "∂KL/∂μ", "∂KL/∂logvar"].map(s.bold),
    mu.map((m, j) => [
      String(j),
      num(m),
      num(logvar[j]),
      num(r.variance[j]),
      num(r.perDim[j]),
      num(r.gradMu[j]),
      num(r.gradLogvar[j]),
    ]),
    { right: [0, 1, 2, 3, 4, 5, 6], output: outputOf(ctx) },
  );
  if (outputOf(ctx).format === "csv") {
    ctx.out(text);
    return code;
  }
  if (outputOf(ctx).format === "markdown") text += "\n";
  text += `KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ (σ² + μ² − 1 − log σ²) = ${s.bold(num(r.closedForm))} nats\n`;
  if (r.mc) {
    const m = r.mc;
    const verdict = m.within3se
      ? s.green("within 3 standard errors")
      : s.red(s.bold("NOT within 3 standard errors"));
    text += `Monte Carlo (${m.samples} samples z = μ + σ·ε, seed ${m.seed}): ${num(m.estimate)} ± ${num(m.se)} (standard error); the closed form is ${verdict} (z = ${num(m.zScore)}).\n`;
  } else if (r.mcSkipped) {
    text += `Monte Carlo: not made: ${r.mcSkipped}.\n`;
  }
  text += s.dim(`Formula: ${KL_SOURCE}.`) + "\n";
  ctx.out(text);
  return code;
}
