/**
 * The KL term of a variational autoencoder: KL(q ‖ p) for q = N(μ, diag σ²) and p = N(0, I),
 *
 *   KL = ½ Σⱼ (σⱼ² + μⱼ² − 1 − log σⱼ²)
 *
 * in closed form (Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014, appendix B, with
 * the encoder's output written as logvar = log σ²), its gradients ∂KL/∂μ = μ and
 * ∂KL/∂logvar = ½(σ² − 1) by autodiff on the tensor core, and a Monte-Carlo check: with
 * reparameterised samples z = μ + σ·ε, ε ~ N(0, I) (the tensor core's seeded RNG),
 *
 *   log q(z) − log p(z) = Σⱼ (−½ logvarⱼ − ½ εⱼ² + ½ zⱼ²)      (the 2π terms cancel)
 *
 * whose sample mean estimates KL, with standard error s/√N (s the sample standard deviation).
 */
import {
  add,
  exp,
  Generator,
  grad,
  mul,
  noGrad,
  randn,
  sub,
  sum,
  tensor,
} from "../tensor/index.js";

/** The Monte-Carlo part of {@link klGaussian}. */
export interface KlMonteCarlo {
  samples: number;
  seed: number;
  estimate: number;
  /** Standard error of the estimate, s/√N. */
  se: number;
  /** (estimate − closed form)/se; 0 when both differences are 0. */
  zScore: number;
  /** Whether |estimate − closed form| ≤ 3·se. */
  within3se: boolean;
}

/** The result of {@link klGaussian}. */
export interface KlResult {
  mu: number[];
  logvar: number[];
  /** σ² = exp(logvar). */
  variance: number[];
  /** KL in nats, closed form. */
  closedForm: number;
  /** The per-dimension terms ½(σⱼ² + μⱼ² − 1 − logvarⱼ). */
  perDim: number[];
  /** ∂KL/∂μ (= μ). */
  gradMu: number[];
  /** ∂KL/∂logvar (= ½(σ² − 1)). */
  gradLogvar: number[];
  /** The Monte-Carlo check; null when not asked for (samples 0) or when its samples overflow float64. */
  mc: KlMonteCarlo | null;
  /** Why the Monte-Carlo check was not made although samples were asked for. */
  mcSkipped?: string;
}

/**
 * KL(N(μ, diag exp(logvar)) ‖ N(0, I)) in closed form with gradients, and (samples ≥ 2) its
 * Monte-Carlo estimate.
 * @param mu, logvar vectors of the same length (validated by the caller).
 * @param samples number of reparameterised samples (0: no Monte Carlo).
 */
export function klGaussian(
  mu: readonly number[],
  logvar: readonly number[],
  samples: number,
  seed: number,
): KlResult {
  const m = tensor(mu.slice(), { requiresGrad: true });
  const lv = tensor(logvar.slice(), { requiresGrad: true });
  const terms = mul(sub(sub(add(exp(lv), mul(m, m)), 1), lv), 0.5);
  const kl = sum(terms);
  const [gMu, gLv] = grad(kl, [m, lv]);
  let mc: KlMonteCarlo | null = null;
  if (samples >= 2) {
    mc = noGrad(() => {
      const d = mu.length;
      const eps = randn([samples, d], new Generator(seed));
      const sigma = exp(mul(lv.detach(), 0.5));
      const z = add(m.detach(), mul(sigma, eps));
      // per sample: Σⱼ ½ zⱼ² − ½ εⱼ² − ½ logvarⱼ
      const per = sum(sub(mul(sub(mul(z, z), mul(eps, eps)), 0.5), mul(lv.detach(), 0.5)), 1);
      const x = per.data;
      let mean = 0;
      for (let i = 0; i < x.length; i++) mean += (x[i] - mean) / (i + 1);
      let ss = 0;
      for (let i = 0; i < x.length; i++) ss += (x[i] - mean) * (x[i] - mean);
      const se = Math.sqrt(ss / (samples - 1) / samples);
      // σ² near float64's limit: the samples' squares overflow and the estimate means nothing.
      if (!Number.isFinite(mean) || !Number.isFinite(se)) return null;
      const diff = mean - kl.item();
      return {
        samples,
        seed,
        estimate: mean,
        se,
        zScore: diff === 0 ? 0 : diff / se,
        within3se: Math.abs(diff) <= 3 * se,
      };
    });
  }
  return {
    mu: mu.slice(),
    logvar: logvar.slice(),
    variance: logvar.map(Math.exp),
    closedForm: kl.item(),
    perDim: Array.from(terms.data),
    gradMu: Array.from(gMu),
    gradLogvar: Array.from(gLv),
    mc,
    ...(samples >= 2 && mc === null
      ? {
          mcSkipped: "the samples' squares overflow float64 at this scale, so there is no estimate",
        }
      : {}),
  };
}
