#!/usr/bin/env node
// Thin launcher: runs the CLI bundled in dist/ (built by `npm install` through the prepare script).
import { createRequire } from "node:module";

const { loadCli } = createRequire(import.meta.url)("./load-cli.cjs");
const { cli, saveCache } = loadCli();

cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  saveCache();
});
