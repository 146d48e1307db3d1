#!/usr/bin/env node
// Thin launcher: runs the CLI bundled in dist/ (built by `npm install` through the prepare script).
import { createRequire } from "node:module";

// `dlq … | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const { loadCli } = createRequire(import.meta.url)("./load-cli.cjs");
const { cli, saveCache } = loadCli();

cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  saveCache();
});
