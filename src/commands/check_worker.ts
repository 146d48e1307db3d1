/**
 * The worker thread that runs `dlq check`'s entries (src/commands/check_runner.ts starts it; the
 * build bundles it as dist/check-worker.cjs). It runs one entry at a time through the same `main`
 * as the command line, with captured output, under the check's file policy (files read only under
 * the root, none written: src/commands/input.ts), and posts back the exit code and the output.
 * The thread is the unit that can be stopped: on a timeout or a memory overrun the runner
 * terminates it and starts another.
 */
import { parentPort } from "node:worker_threads";
import { main } from "../cli.js";
import { InputError } from "../errors.js";

/** What the runner asks for. */
export interface EntryJob {
  seq: number;
  argv: string[];
  /** Inline model source, the entry's standard input. */
  stdin?: string;
  /** The check's root (absolute). */
  root: string;
  /** The most characters of stdout or stderr kept; beyond, the entry fails. */
  maxOutput: number;
}

/** What the worker answers. */
export interface EntryDone {
  seq: number;
  code: number;
  stdout: string;
  stderr: string;
  /** Whether the output went over `maxOutput` (what is kept is cut there). */
  overflow: boolean;
}

const port = parentPort;
if (port) {
  port.on("message", (job: EntryJob) => {
    void runJob(job).then((done) => port.postMessage(done));
  });
}

async function runJob(job: EntryJob): Promise<EntryDone> {
  let stdout = "";
  let stderr = "";
  let overflow = false;
  const keep = (acc: string, s: string): string => {
    if (acc.length + s.length <= job.maxOutput) return acc + s;
    overflow = true;
    return (acc + s).slice(0, job.maxOutput);
  };
  const code = await main(job.argv, {
    color: false,
    out: (s) => void (stdout = keep(stdout, s)),
    err: (s) => void (stderr = keep(stderr, s)),
    readStdin: async () => {
      if (job.stdin === undefined) {
        throw new InputError(
          "an answers-file entry has no standard input: give inline model source as run: {command, model: |...}",
          "-",
        );
      }
      return job.stdin;
    },
    files: { root: job.root },
    // Entries print JSON for the grader, in full: no width, no ASCII spelling, no progress.
    output: { format: "table", ascii: false },
  });
  return { seq: job.seq, code, stdout, stderr, overflow };
}
