// Loads dist/cli.cjs through V8's code cache (dist/cli.cjs.cache), so that start-up does not pay
// for parsing and compiling dlq again on every run: with it, `dlq dropout 0.1 0.2` starts about as
// fast as a bare `node -e ''`. The cache is written by `npm install` (scripts/build.js warms it
// with a few commands) and rewritten after a run whenever V8 rejects it (another Node version).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const file = path.join(__dirname, "..", "dist", "cli.cjs");
const cachePath = file + ".cache";

/** Returns the CLI's exports and a function that saves the code cache when it is missing or stale. */
function loadCli() {
  let source;
  try {
    source = fs.readFileSync(file, "utf8");
  } catch {
    process.stderr.write(
      `dlq: internal error: ${file} is missing: run \`npm install\` (or \`npm run build\`) in ${path.dirname(__dirname)}\n`,
    );
    process.exit(3);
  }
  let cachedData;
  try {
    cachedData = fs.readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
  });
  const mod = { exports: {} };
  script
    .runInThisContext()
    .call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  return {
    cli: mod.exports,
    saveCache(force = false) {
      if (!stale && !force) return;
      try {
        fs.writeFileSync(cachePath, script.createCachedData());
      } catch {
        // A read-only install: run without a cache.
      }
    },
  };
}

module.exports = { loadCli };
