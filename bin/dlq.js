#!/usr/bin/env node
// Thin launcher: runs the CLI bundled in dist/ (built by `npm install` through the prepare script).
// It is CommonJS (bin/package.json says so): an ES-module entry point would load Node's ES-module
// loader, which costs about 4 ms of every start. A closed pipe (`dlq … | head`) is handled where
// dlq writes (src/util/stdio.ts).
"use strict";

const { loadCli } = require("./load-cli.cjs");
const { cli, saveCache } = loadCli();

cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  saveCache();
});
