/**
 * Runs `dlq check`'s entries where they can be stopped: in one worker thread, kept for every entry
 * (so that entries run as fast as in-process after the first: modules stay loaded), replaced
 * only when an entry has to be stopped.
 *
 * Budgets per entry:
 * - time: the runner's timer; past it the thread is terminated (V8 stops even a tight loop);
 * - memory: the thread's V8 heap is capped (`resourceLimits`), and the process's resident memory
 *   is polled every {@link POLL_MS} ms so that typed arrays, which live outside the heap, count
 *   too; over the budget the thread is terminated;
 * - output: stdout and stderr are each kept up to {@link MAX_OUTPUT} characters.
 * A stopped or crashed entry is reported with its reason; the next entry gets a fresh thread.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { EntryDone, EntryJob } from "./check_worker.js";

/** How often the memory of a running entry is looked at. */
export const POLL_MS = 25;

/** The most characters of an entry's stdout (or stderr) kept. */
export const MAX_OUTPUT = 16 * 1024 * 1024;

export interface Budget {
  /** Wall-clock seconds an entry may run. */
  seconds: number;
  /** Megabytes an entry may use (V8 heap, and the process's growth in resident memory). */
  megabytes: number;
}

/** What running one entry gave. */
export interface RawRun {
  /** The command's exit code (null when it was stopped or crashed). */
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Why the entry did not finish normally. */
  stopped?: { reason: "timeout" | "memory" | "output" | "crash"; message: string };
}

/**
 * dist/check-worker.cjs: next to the bundle that runs this code, or, when this module runs from
 * src/ (the tests), in the checkout's dist/ (built by `npm test` first).
 */
function workerFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const bundled = join(here, "check-worker.cjs");
  return existsSync(bundled) ? bundled : join(here, "..", "..", "dist", "check-worker.cjs");
}

export class EntryRunner {
  private worker?: Worker;
  private seq = 0;

  /** @param file the worker's script (tests give their own). */
  constructor(
    private readonly budget: Budget,
    private readonly root: string,
    private readonly file = workerFile(),
  ) {}

  /** Starts the thread ahead of the first entry (its start-up overlaps the caller's work). */
  warm(): void {
    this.thread();
  }

  private thread(): Worker {
    if (!this.worker) {
      this.worker = new Worker(this.file, {
        resourceLimits: { maxOldGenerationSizeMb: this.budget.megabytes },
        stdout: false,
        stderr: false,
      });
      // An idle thread must not keep the process alive.
      this.worker.unref();
      // A thread stopped by the runner may still report its end: never an unhandled 'error'.
      this.worker.on("error", () => {});
    }
    return this.worker;
  }

  /** Runs one entry; never throws for what the entry does. */
  run(argv: string[], stdin: string | undefined): Promise<RawRun> {
    const w = this.thread();
    w.ref();
    const seq = ++this.seq;
    const job: EntryJob = {
      seq,
      argv,
      root: this.root,
      maxOutput: MAX_OUTPUT,
      ...(stdin !== undefined ? { stdin } : {}),
    };
    const t0 = performance.now();
    const rss0 = process.memoryUsage.rss();
    const limit = this.budget.megabytes * 1024 * 1024;
    return new Promise<RawRun>((done) => {
      let settled = false;
      const finish = (r: Omit<RawRun, "seconds">, kill: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(poll);
        w.off("message", onMessage);
        w.off("error", onError);
        w.off("exit", onExit);
        if (kill) {
          if (this.worker === w) this.worker = undefined;
          void w.terminate();
        } else {
          w.unref();
        }
        done({ ...r, seconds: (performance.now() - t0) / 1000 });
      };
      const stop = (reason: NonNullable<RawRun["stopped"]>["reason"], message: string): void =>
        finish({ code: null, stdout: "", stderr: "", stopped: { reason, message } }, true);
      const onMessage = (m: EntryDone): void => {
        if (m.seq !== seq) return;
        if (m.overflow) {
          finish(
            {
              code: null,
              stdout: "",
              stderr: "",
              stopped: {
                reason: "output",
                message: `printed more than ${MAX_OUTPUT / 1024 / 1024} MiB`,
              },
            },
            false,
          );
          return;
        }
        finish({ code: m.code, stdout: m.stdout, stderr: m.stderr }, false);
      };
      const onError = (e: Error & { code?: string }): void => {
        if (e.code === "ERR_WORKER_OUT_OF_MEMORY") {
          stop("memory", `used more than ${this.budget.megabytes} MB (--max-memory)`);
        } else {
          stop("crash", `the entry's thread failed: ${e.message}`);
        }
      };
      const onExit = (): void => stop("crash", "the entry's thread stopped unexpectedly");
      const timer = setTimeout(
        () => stop("timeout", `timed out after ${this.budget.seconds} s (--timeout)`),
        this.budget.seconds * 1000,
      );
      const poll = setInterval(() => {
        if (process.memoryUsage.rss() - rss0 > limit) {
          stop("memory", `used more than ${this.budget.megabytes} MB (--max-memory)`);
        }
      }, POLL_MS);
      w.on("message", onMessage);
      w.on("error", onError);
      w.on("exit", onExit);
      w.postMessage(job);
    });
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
