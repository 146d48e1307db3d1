/**
 * Progress of long work, on stderr, and only when stderr is a terminal: never on stdout (so never
 * inside `--json`), never when stderr is piped or redirected, never inside `dlq check`'s entries.
 * A bar appears only once the work has taken {@link SHOW_AFTER_MS}, and is erased when it ends, so
 * that quick runs and the final output look exactly as without it.
 *
 * The bar is drawn by cli-progress (a maintained library; bundled, loaded on first use only).
 * Work that runs synchronously still redraws: every {@link Progress.update} may redraw (cli-progress's
 * synchronous update), without waiting for a timer.
 *
 * Commands take a {@link ProgressFactory} from the context ({@link progressOf}); analyses take a
 * plain callback (`onProgress(done, total)`), so that they never know about terminals.
 */
/** One piece of long work. */
export interface Progress {
  /** `done` units are done (of `total`, when the total is known only now). */
  update(done: number, total?: number): void;
  /** One more unit is done. */
  tick(): void;
  /** The work is over: the bar (if drawn) is erased. */
  done(): void;
}

/**
 * Starts the progress of `total` units of work named `label` (e.g. `gradcheck`). Asynchronous so
 * that the bar's library is loaded only when a bar may be drawn (a terminal, long work).
 */
export type ProgressFactory = (label: string, total: number) => Promise<Progress>;

const SILENT: Progress = { update() {}, tick() {}, done() {} };

/** Progress that shows nothing. */
export const NO_PROGRESS: ProgressFactory = async () => SILENT;

/** A bar appears once the work has run this long. */
export const SHOW_AFTER_MS = 300;

/** The context's progress factory (nothing, unless src/cli.ts gave one). */
export function progressOf(ctx: { progress?: ProgressFactory }): ProgressFactory {
  return ctx.progress ?? NO_PROGRESS;
}

interface BarLike {
  start(total: number, value: number, payload?: object): void;
  update(value: number): void;
  setTotal(total: number): void;
  stop(): void;
}

/**
 * A factory drawing bars on the terminal `stream` (process.stderr), in ASCII with `ascii`.
 * `now` and `makeBar` are for tests.
 */
export function terminalProgress(
  opts: {
    ascii?: boolean;
    stream?: NodeJS.WriteStream;
    now?: () => number;
    makeBar?: (label: string) => BarLike;
  } = {},
): ProgressFactory {
  const now = opts.now ?? (() => Date.now());
  const bars = async (): Promise<(label: string) => BarLike> => {
    if (opts.makeBar) return opts.makeBar;
    const { default: cliProgress } = await import("cli-progress");
    return (label) =>
      new cliProgress.SingleBar({
        stream: opts.stream ?? process.stderr,
        format: `${label} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted}`,
        barCompleteChar: opts.ascii ? "#" : "\u2588",
        barIncompleteChar: opts.ascii ? "-" : "\u2591",
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        etaBuffer: 50,
        fps: 10,
      });
  };
  return async (label, totalAtStart) => {
    let total = totalAtStart;
    const makeBar = await bars();
    const t0 = now();
    let value = 0;
    let bar: BarLike | undefined;
    let over = false;
    const show = (): void => {
      if (over || total <= 0) return;
      if (!bar) {
        if (now() - t0 < SHOW_AFTER_MS) return;
        bar = makeBar(label);
        bar.start(total, value);
        return;
      }
      bar.update(value);
    };
    return {
      update(done, newTotal) {
        if (newTotal !== undefined && newTotal !== total) {
          total = newTotal;
          bar?.setTotal(total);
        }
        value = Math.min(done, total);
        show();
      },
      tick() {
        value = Math.min(value + 1, total);
        show();
      },
      done() {
        if (over) return;
        over = true;
        bar?.stop();
      },
    };
  };
}
