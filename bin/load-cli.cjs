// Loads dlq's bundles (dist/cli.cjs, and dist/heavy.cjs when a numeric command runs) through V8's
// code cache (dist/NAME.cjs.cache), so that start-up does not pay for parsing and compiling dlq
// again on every run. The caches are written by `npm install` (scripts/build.js warms them with a
// few commands) and rewritten after a run whenever V8 rejects them (another Node version).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const dist = path.join(__dirname, "..", "dist");
/** name → { exports, script, stale, cachePath } of every bundle loaded in this process. */
const loaded = new Map();

/** The exports of dist/NAME.cjs, loaded once per process. */
function loadBundle(name) {
  const done = loaded.get(name);
  if (done) return done.exports;
  const file = path.join(dist, name + ".cjs");
  const cachePath = file + ".cache";
  let source;
  try {
    // The bundles are ASCII (scripts/build.js checks): latin1 is the cheapest exact decoding.
    source = fs.readFileSync(file, "latin1");
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
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const mod = { exports: {} };
  const entry = { exports: mod.exports, script, cachePath, stale: false };
  entry.stale = cachedData === undefined || script.cachedDataRejected === true;
  loaded.set(name, entry);
  script
    .runInThisContext()
    .call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dist);
  entry.exports = mod.exports;
  return mod.exports;
}

/**
 * Writes the code cache of each loaded bundle (or of those named) whose cache is missing or
 * stale, or of every one with `force`.
 */
function saveCaches(force = false, names = undefined) {
  for (const [name, b] of loaded) {
    if ((names && !names.includes(name)) || (!b.stale && !force)) continue;
    // Written aside and renamed, so that a dlq starting meanwhile never reads half a cache.
    const tmp = `${b.cachePath}.${process.pid}`;
    try {
      fs.writeFileSync(tmp, b.script.createCachedData());
      fs.renameSync(tmp, b.cachePath);
      b.stale = false;
    } catch {
      // A read-only install: run without a cache.
      try {
        fs.unlinkSync(tmp);
      } catch {
        // Nothing was written.
      }
    }
  }
}

/** The CLI's exports and a function that saves the code caches that are missing or stale. */
function loadCli() {
  return { cli: loadBundle("cli"), saveCache: saveCaches };
}

module.exports = { loadCli, loadBundle, saveCaches };
