// Loads dlq's bundles (dist/cli.cjs, and dist/heavy.cjs or dist/mathjs.cjs when a command needs
// them) through V8's code cache, so that start-up does not pay for parsing and compiling dlq
// again on every run.
//
// Where the cache lives:
// - dist/NAME.cjs.cache, next to the bundle: written by the build (scripts/build.js warms it with a
//   few commands) in a checkout, or by the first run of an installed package whose folder the user
//   can write (a local install, a global install under the user's own prefix);
// - otherwise in the user's cache folder ($XDG_CACHE_HOME/dlq, ~/.cache/dlq; ~/Library/Caches/dlq
//   on macOS, %LOCALAPPDATA%\dlq on Windows), under a name that holds dlq's version, Node's version
//   and the bundle's size: a global install that the user cannot write (`sudo npm i -g`, a
//   read-only image) is never written, and never fails for it;
// - nowhere, when neither can be written: dlq then runs without a cache, as fast as Node parses.
// A cache is (re)written after a run whenever it was missing or V8 rejected it (another Node).
// V8 checks a cache against the source's length only (and then runs the cached code even for a
// different source of that length), so each cache starts with the hash its bundle is stamped
// with (`// dlq-bundle HASH` on the bundle's first line, written by the build), and a cache whose
// hash is not its bundle's is never given to V8.
// The tarball ships no cache: V8 accepts only a cache made by the same V8 with the same flags.
"use strict";
const { Buffer } = require("node:buffer");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const dist = path.join(__dirname, "..", "dist");
/** The first line of every bundle: this, then its content's hash (scripts/build.js). */
const BUNDLE_STAMP = "// dlq-bundle ";
const BUNDLE_HASH_LENGTH = 16;

/** The hash a bundle is stamped with, or a hash of its content when it is not stamped. */
function bundleHash(source) {
  if (source.startsWith(BUNDLE_STAMP)) {
    return source.slice(BUNDLE_STAMP.length, BUNDLE_STAMP.length + BUNDLE_HASH_LENGTH);
  }
  const crypto = require("node:crypto");
  return crypto
    .createHash("sha256")
    .update(source, "latin1")
    .digest("hex")
    .slice(0, BUNDLE_HASH_LENGTH);
}

/** V8's cache data from a cache file, if the file is for the bundle with this hash. */
function cacheFor(file, hash) {
  const bytes = readOrUndefined(file);
  if (bytes === undefined || bytes.length <= hash.length) return undefined;
  if (bytes.toString("latin1", 0, hash.length) !== hash) return undefined;
  return bytes.subarray(hash.length);
}
/** name → { exports, script, stale, cachePath, hash } of every bundle loaded in this process. */
const loaded = new Map();

/** The user's cache folder for dlq (not created here), or undefined when there is no home. */
function userCacheRoot(env = process.env, platform = process.platform) {
  const os = require("node:os");
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, "dlq");
  if (platform === "win32" && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, "dlq");
  let home;
  try {
    home = os.homedir();
  } catch {
    return undefined;
  }
  if (!home) return undefined;
  return platform === "darwin"
    ? path.join(home, "Library", "Caches", "dlq")
    : path.join(home, ".cache", "dlq");
}

/** dlq's version, read from package.json (only on the way to the user's cache). */
function version() {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).version;
  } catch {
    return "unknown";
  }
}

/** The cache of bundle NAME (with content hash `hash`) in the user's cache folder, or undefined. */
function userCachePath(name, hash) {
  const root = userCacheRoot();
  if (!root) return undefined;
  const key = `${version()}-node${process.versions.node}-${process.arch}`;
  return path.join(root, key, `${name}-${hash}.cjs.cache`);
}

const readOrUndefined = (file) => {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
};

/** The exports of dist/NAME.cjs, loaded once per process. */
function loadBundle(name) {
  const done = loaded.get(name);
  if (done) return done.exports;
  const file = path.join(dist, name + ".cjs");
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
  const wrapped = Module.wrap(source);
  const hash = bundleHash(source);
  let cachePath = file + ".cache";
  let cachedData = cacheFor(cachePath, hash);
  if (cachedData === undefined) {
    // None next to the bundle (an install the user cannot write): the user's cache folder.
    const other = userCachePath(name, hash);
    cachedData = cacheFor(other, hash);
    if (cachedData !== undefined) cachePath = other;
  }
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  const mod = { exports: {} };
  const entry = { exports: mod.exports, script, cachePath, stale, hash };
  loaded.set(name, entry);
  script
    .runInThisContext()
    .call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dist);
  entry.exports = mod.exports;
  return mod.exports;
}

/** Writes `data` to `file` atomically (aside, then renamed); false when it cannot. */
function writeAtomically(file, data, makeDir) {
  // Written aside and renamed, so that a dlq starting meanwhile never reads half a cache.
  const tmp = `${file}.${process.pid}`;
  try {
    if (makeDir) fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
    return true;
  } catch {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // Nothing was written.
    }
    return false;
  }
}

/**
 * Writes the code cache of each loaded bundle (or of those named) whose cache is missing or
 * stale, or of every one with `force`: next to the bundle when that folder can be written, else
 * in the user's cache folder, else nowhere (never an error).
 */
function saveCaches(force = false, names = undefined) {
  for (const [name, b] of loaded) {
    if ((names && !names.includes(name)) || (!b.stale && !force)) continue;
    let data;
    try {
      data = Buffer.concat([Buffer.from(b.hash, "latin1"), b.script.createCachedData()]);
    } catch {
      continue;
    }
    const beside = path.join(dist, name + ".cjs.cache");
    if (writeAtomically(beside, data, false)) {
      b.cachePath = beside;
      b.stale = false;
      continue;
    }
    const other = userCachePath(name, b.hash);
    if (other !== undefined && writeAtomically(other, data, true)) {
      b.cachePath = other;
      b.stale = false;
    }
  }
}

/** The CLI's exports and a function that saves the code caches that are missing or stale. */
function loadCli() {
  return { cli: loadBundle("cli"), saveCache: saveCaches };
}

module.exports = {
  loadCli,
  loadBundle,
  saveCaches,
  userCacheRoot,
  userCachePath,
  BUNDLE_STAMP,
  BUNDLE_HASH_LENGTH,
};
