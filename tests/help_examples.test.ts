/**
 * Every example printed by `dlq <command> --help` runs as written (from the repository root) and
 * succeeds: help text that lies is a bug a newcomer meets first.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, dlq } from "./helpers.js";

const COMMANDS = [
  "shape",
  "rf",
  "dropout",
  "gradcheck",
  "derive",
  "grad",
  "check",
  "loss",
  "kl",
  "gcn",
];

describe("--help examples", () => {
  for (const command of COMMANDS) {
    const help = dlq([command, "--help"]);
    const examples = help.stdout
      .split("Examples:")[1]
      ?.split("\n")
      .filter((l) => l.trim().startsWith("$ "))
      .map((l) => l.trim().slice(2));
    it(`${command} --help has examples`, () => {
      expect(help.code).toBe(0);
      expect(examples?.length ?? 0).toBeGreaterThan(0);
    });
    for (const example of examples ?? []) {
      it(example, () => {
        // Files an example writes (--junit, --svg) go to a scratch folder.
        const scratch = mkdtempSync(join(tmpdir(), "dlq-help-"));
        try {
          const line = example
            .replace(/(^|\| )dlq /g, `$1"${process.execPath}" "${ROOT}bin/dlq.js" `)
            .replace(/--junit (\S+)/, `--junit ${join(scratch, "report.xml")}`)
            .replace(/--svg (\S+)/, `--svg ${join(scratch, "chart.svg")}`);
          const r = spawnSync("bash", ["-c", line], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, NO_COLOR: "1" },
          });
          expect(r.stderr).not.toMatch(/^\s+at /m);
          expect(r.status, r.stderr).toBe(0);
          expect(r.stdout.length).toBeGreaterThan(0);
        } finally {
          rmSync(scratch, { recursive: true, force: true });
        }
      });
    }
  }
});
