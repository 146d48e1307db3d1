// Builds dist/ from src/ with esbuild, then warms V8's code cache for the CLI.
//
// - dist/cli.cjs: the core of the CLI in one CommonJS bundle: the command line, the parsers and
//   layer catalogue, and the main job's commands (shape, rf, dropout). bin/load-cli.cjs runs it
//   through V8's code cache (dist/cli.cjs.cache), which ES modules cannot use on Node 20.
// - dist/heavy.cjs: the numeric commands (grad, gradcheck, derive, check, loss, kl, gcn) and the
//   tensor core, loaded (through the same code cache) only when one of them runs, so that the
//   main job does not pay for deserialising them. Modules both bundles use are copied into each;
//   the one identity that crosses between them, InputError, is checked by a brand
//   (src/errors.ts). `dlq check` runs its entries through the core's `main`.
// - dist/tensor/index.js: the tensor core as an ES module, for bench/.
//
// - dist/mathjs.cjs: mathjs, loaded (through the same code cache) only by the commands that need
//   it (`derive`).
//
// Every runtime dependency is bundled, so that the installed package has no dependencies at all
// (package.json lists them as devDependencies); their licences are collected in
// dist/THIRD-PARTY-NOTICES.txt. ajv runs here only, at build time (the JSON Schema validator is
// compiled ahead of time, below).
// Both bundles are minified (whitespace and syntax: names are kept) and pure ASCII, which the
// launcher relies on to read them as latin1, the cheapest decoding. Each step was measured in
// bench/run.js (cold start). Type-checking is tsc's job (`npm run typecheck`); esbuild only
// strips types.
import { build } from "esbuild";
import { Ajv } from "ajv";
import ajvStandalone from "ajv/dist/standalone/index.js";
import { parser as python } from "@lezer/python";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { endianness } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const { BUNDLE_STAMP, BUNDLE_HASH_LENGTH } = createRequire(import.meta.url)("../bin/load-cli.cjs");

const NODE_BUILTINS = new Set(builtinModules);

// `npm install` in a checkout builds through the prepare script; `npm pack` and `npm publish` run
// both prepack and prepare, and prepack has built already.
if (
  process.argv.includes("--prepare") &&
  ["pack", "publish"].includes(process.env.npm_command ?? "")
) {
  process.exit(0);
}

// dist/ is overwritten in place (not deleted first), so a dlq running meanwhile never finds it gone.
const root = new URL("..", import.meta.url);
/** The checkout's directory as a file path (with a trailing separator), as esbuild names files. */
const rootPath = join(fileURLToPath(root), "/");
const src = (...parts) => join(rootPath, "src", ...parts);

/** The commands that live in dist/heavy.cjs. */
const HEAVY = ["grad", "gradcheck", "derive", "check", "loss", "kl", "gcn"];
/** How a bundle reaches another at run time: through the launcher's loader (code cache and all). */
const loadBundle = (name) => `require("../bin/load-cli.cjs").loadBundle(${JSON.stringify(name)})`;

/** A plugin that serves `path` (matched in `filter`, from an importer accepted by `from`) as `js`. */
const virtual = (name, filter, from, js) => ({
  name,
  setup(b) {
    b.onResolve({ filter }, (args) =>
      from(args.importer) ? { path: args.path, namespace: name } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: name }, (args) => ({
      contents: js(args.path),
      loader: "js",
    }));
    b.onResolve({ filter: /load-cli\.cjs$/ }, (args) => ({ path: args.path, external: true }));
  },
});

// commander requires node:child_process at load time, for executable subcommands that dlq never
// uses; loading it (and net, dgram, streams…) costs about 4 ms of every start. It gets a stand-in
// that loads the real module on first use.
const lazyChildProcess = virtual(
  "lazy-child-process",
  /^(node:)?child_process$/,
  (importer) => /[\\/]node_modules[\\/]commander[\\/]/.test(importer),
  () =>
    'let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require("node:child_process"))[k] });',
);

// @lezer/python's parse tables are strings in lezer's own base-46 encoding, which lezer decodes
// with a per-character loop at every start (about 1.7 ms). The bundle carries them decoded instead,
// as base64 of the typed arrays (Buffer decodes that natively). Each table is checked against the
// one @lezer/python's parser decodes from the same string, here and now, or the build fails.
// Little-endian only, like every machine Node runs on in practice; elsewhere lezer decodes.
const lezerTables = {
  name: "lezer-tables",
  setup(b) {
    if (endianness() !== "LE") return;
    b.onLoad({ filter: /[\\/]@lezer[\\/]python[\\/]dist[\\/]index\.js$/ }, (args) => {
      let text = readFileSync(args.path, "utf8");
      // The tokenizers that are not external (TokenGroups) share one table.
      const tokens = python.tokenizers.find((t) => t.data instanceof Uint16Array).data;
      const tables = {
        states: python.states,
        stateData: python.data,
        goto: python.goto,
        tokenData: tokens,
      };
      for (const [key, decoded] of Object.entries(tables)) {
        const m = new RegExp(`\\n  ${key}: ("[^"\\\\]*"),\\n`).exec(text);
        if (!m) throw new Error(`${args.path}: no ${key} table`);
        const again = decodeLezer(JSON.parse(m[1]), decoded.constructor);
        if (again.length !== decoded.length || again.some((v, i) => v !== decoded[i])) {
          throw new Error(`${args.path}: the ${key} table does not decode to the parser's`);
        }
        const b64 = Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength).toString(
          "base64",
        );
        text = text.replace(m[1], `__dlqTable(${decoded.BYTES_PER_ELEMENT}, "${b64}")`);
      }
      const helper =
        'const __dlqTable = (size, b64) => { const b = Buffer.from(b64, "base64"); ' +
        "const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.length); " +
        "return size === 4 ? new Uint32Array(ab) : new Uint16Array(ab); };\n";
      return { contents: helper + text, loader: "js" };
    });
  },
};

/** lezer's table decoding (@lezer/lr, decodeArray): base 46, digits from ' ', skipping '"' and '\\'. */
function decodeLezer(input, Type) {
  const out = [];
  for (let pos = 0; pos < input.length;) {
    let value = 0;
    for (;;) {
      let next = input.charCodeAt(pos++);
      if (next === 126) {
        value = 65535;
        break;
      }
      if (next >= 92) next--;
      if (next >= 34) next--;
      let digit = next - 32;
      const stop = digit >= 46;
      if (stop) digit -= 46;
      value += digit;
      if (stop) break;
      value *= 46;
    }
    out.push(value);
  }
  // lezer's first value is the array's length (it allocates, then fills in the rest).
  const array = new Type(out[0]);
  array.set(out.slice(1));
  return array;
}

// dlq never highlights: @lezer/python's highlighting tags (@lezer/highlight, and a pass over every
// node type) are replaced by a stand-in that attaches none (about 1 ms of every start).
const noHighlight = virtual(
  "no-highlight",
  /^@lezer\/highlight$/,
  (importer) => /[\\/]@lezer[\\/]python[\\/]/.test(importer),
  () =>
    "const tag = new Proxy(function () {}, { get: () => tag, apply: () => tag });\n" +
    "module.exports = { tags: tag, styleTags: () => () => null };",
);

// JSON specs are validated by ajv (src/spec/validator.ts). Compiling the schema costs about 40 ms of
// every run on JSON input, so the bundles carry it compiled ahead of time by ajv's standalone code
// generation, with the options src/spec/validator.ts gives ajv (read from that module itself).
const validatorModule = await (async () => {
  // Bundled in memory and imported from a data: URL (its only import, of ajv, is a type).
  const out = await build({
    entryPoints: ["src/spec/validator.ts"],
    write: false,
    bundle: true,
    format: "esm",
    platform: "node",
    external: ["ajv"],
    logLevel: "warning",
  });
  const code = out.outputFiles[0].text;
  return await import("data:text/javascript;base64," + Buffer.from(code).toString("base64"));
})();
const precompiledValidator = {
  name: "precompiled-validator",
  setup(b) {
    b.onResolve({ filter: /^\.\/validator\.js$/ }, (args) =>
      args.importer === src("spec", "json.ts")
        ? { path: "validator", namespace: "dlq-validator" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "dlq-validator" }, () => {
      const schema = validatorModule.runtimeSchema(
        JSON.parse(readFileSync(new URL("schema/dlq-model.schema.json", root), "utf8")),
      );
      const ajv = new Ajv({ ...validatorModule.AJV_OPTIONS, code: { source: true } });
      const code = ajvStandalone(ajv, ajv.compile(schema));
      return {
        contents: `${code}\nconst validate = module.exports;\nmodule.exports = { compileValidator: () => validate };\n`,
        loader: "js",
        resolveDir: rootPath,
      };
    });
    // Its runtime helpers (ucs2length) are bundled too: ajv itself is never loaded.
    b.onResolve({ filter: /^ajv\/dist\/runtime\// }, (args) => ({
      path: createRequire(import.meta.url).resolve(args.path),
    }));
  },
};

// In the core, src/cli.ts's `import("./commands/grad.js")` loads the heavy bundle instead.
const heavyCommands = virtual(
  "dlq-heavy",
  new RegExp(`^\\./commands/(${HEAVY.join("|")})\\.js$`),
  (importer) => importer === src("cli.ts"),
  (path) => `module.exports = ${loadBundle("heavy")}.${/(\w+)\.js$/.exec(path)[1]}();`,
);

// In the heavy bundle, `dlq check`'s `import("../cli.js")` is the core's (already loaded).
const coreCli = virtual(
  "dlq-core",
  /^\.\.\/cli\.js$/,
  (importer) => importer.startsWith(src("commands", "/")),
  () => `module.exports = ${loadBundle("cli")};`,
);

// mathjs is its own bundle (dist/mathjs.cjs): src/analysis/derive.ts requires it at run time
// (`createRequire(import.meta.url)("mathjs")`, so that the tests load it from node_modules), which
// the bundles turn into a load of dist/mathjs.cjs through the launcher.
const MATHJS_REQUIRE = 'createRequire(import.meta.url)("mathjs")';
const mathjsBundle = {
  name: "mathjs-bundle",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]analysis[\\/]derive\.ts$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      return { contents: text.split(MATHJS_REQUIRE).join('require("mathjs")'), loader: "ts" };
    });
    b.onResolve({ filter: /^mathjs$/ }, (args) =>
      args.importer.startsWith(src("/")) || args.importer.endsWith("derive.ts")
        ? { path: "mathjs", namespace: "dlq-mathjs" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "dlq-mathjs" }, () => ({
      contents: `module.exports = ${loadBundle("mathjs")};`,
      loader: "js",
    }));
  },
};

// src/cli.ts reads dlq's version and bug-report address from package.json: the bundle carries
// those two fields only.
const packageFacts = {
  name: "package-facts",
  setup(b) {
    b.onLoad({ filter: /[\\/]package\.json$/ }, (args) => {
      if (args.path !== join(rootPath, "package.json")) return undefined;
      const pkg = JSON.parse(readFileSync(args.path, "utf8"));
      return {
        contents: JSON.stringify({ version: pkg.version, bugs: { url: pkg.bugs.url } }),
        loader: "json",
      };
    });
  },
};

const common = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // import.meta.url has no meaning in CommonJS: give it the bundle's own URL.
  define: { "import.meta.url": "__dlqImportMetaUrl" },
  banner: { js: 'const __dlqImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  minifyWhitespace: true,
  minifySyntax: true,
  charset: "ascii",
  logLevel: "warning",
  metafile: true,
  plugins: [packageFacts],
};

/** Every file of node_modules that went into a bundle (for the licence notices). */
const bundledInputs = new Set();
const bundle = async (options) => {
  const result = await build(options);
  for (const input of Object.keys(result.metafile.inputs)) {
    if (/(^|[\\/])node_modules[\\/]/.test(input)) bundledInputs.add(input);
  }
  return result;
};

await bundle({
  ...common,
  entryPoints: ["src/cli.ts"],
  outfile: "dist/cli.cjs",
  plugins: [
    packageFacts,
    lazyChildProcess,
    heavyCommands,
    lezerTables,
    noHighlight,
    precompiledValidator,
  ],
});
await bundle({
  ...common,
  stdin: {
    // Each command module is initialised on first use only.
    contents:
      "module.exports = {\n" +
      HEAVY.map((c) => `  ${c}: () => require("./src/commands/${c}.ts"),\n`).join("") +
      "};\n",
    resolveDir: rootPath,
    sourcefile: "heavy-entry.cjs",
    loader: "js",
  },
  outfile: "dist/heavy.cjs",
  plugins: [
    packageFacts,
    lazyChildProcess,
    coreCli,
    lezerTables,
    noHighlight,
    precompiledValidator,
    mathjsBundle,
  ],
});

await bundle({
  ...common,
  stdin: { contents: 'module.exports = require("mathjs");', resolveDir: rootPath, loader: "js" },
  outfile: "dist/mathjs.cjs",
});

// `dlq check` runs its entries in a worker thread (src/commands/check_runner.ts): this small entry
// point, which runs the core's `main` (loaded through the launcher, code cache and all).
await bundle({
  ...common,
  entryPoints: ["src/commands/check_worker.ts"],
  outfile: "dist/check-worker.cjs",
  plugins: [packageFacts, lazyChildProcess, coreCli],
});

// bin/load-cli.cjs decodes the bundles as latin1, which is only right for ASCII.
// None of them may require a package at run time: the installed package has no dependencies.
// Each is stamped with a hash of its content on its first line (`// dlq-bundle HASH`): V8 checks
// a code cache against the source's length only, and runs a stale cache's code for a different
// source of the same length, so bin/load-cli.cjs keys every cache by this hash.
const BUNDLES = ["dist/cli.cjs", "dist/heavy.cjs", "dist/mathjs.cjs", "dist/check-worker.cjs"];
for (const file of BUNDLES) {
  const bytes = readFileSync(new URL(file, root));
  const wide = bytes.findIndex((b) => b > 0x7f);
  if (wide >= 0) {
    const line = bytes.subarray(0, wide).toString("latin1").split("\n").length;
    throw new Error(`${file}:${line}: a non-ASCII byte; write it as a \\u escape in src/`);
  }
  const text = bytes.toString("latin1");
  for (const m of text.matchAll(/(?<!['"\w.$])require\(\s*"([^"]+)"\s*\)/g)) {
    if (!/^(node:|\.\.?\/)/.test(m[1]) && !NODE_BUILTINS.has(m[1])) {
      throw new Error(`${file}: requires "${m[1]}" at run time; bundle it (scripts/build.js)`);
    }
  }
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, BUNDLE_HASH_LENGTH);
  writeFileSync(new URL(file, root), `${BUNDLE_STAMP}${hash}\n${text}`);
}
// Caches of an earlier build are never reused (their hash differs anyway).
for (const f of readdirSync(join(rootPath, "dist"))) {
  if (/\.cache(\.\d+)?$/.test(f)) rmSync(join(rootPath, "dist", f), { force: true });
}

// The licences of everything bundled, as their licences ask: one notice per package.
writeFileSync(new URL("dist/THIRD-PARTY-NOTICES.txt", root), thirdPartyNotices());

/** The notices of the packages whose files are in {@link bundledInputs}. */
function thirdPartyNotices() {
  const dirs = new Set();
  for (const input of bundledInputs) {
    // The package's folder: the path up to node_modules/NAME or node_modules/@SCOPE/NAME.
    const parts = input.split(/[\\/]/);
    const at = parts.lastIndexOf("node_modules");
    const n = parts[at + 1].startsWith("@") ? 3 : 2;
    dirs.add(join(rootPath, ...parts.slice(0, at + n)));
  }
  const sections = [...dirs]
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      const file = readdirSync(dir).find((f) => /^(licen[sc]e|copying)(\.|$)/i.test(f));
      const text = file
        ? readFileSync(join(dir, file), "utf8").trim()
        : `(no licence file; package.json says ${JSON.stringify(pkg.license)})`;
      return { name: pkg.name, version: pkg.version, license: pkg.license, text };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return (
    "dlq's bundles (dist/*.cjs) include the following packages. Their licences follow.\n\n" +
    sections
      .map((p) => `${"=".repeat(78)}\n${p.name} ${p.version} (${p.license})\n\n${p.text}\n`)
      .join("\n")
  );
}

await build({
  entryPoints: ["src/tensor/index.ts"],
  outfile: "dist/tensor/index.js",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
});

// Warm the code caches: run a few commands in-process (output discarded) so that the functions
// they compile are in the caches too. The core's cache is written before the heavy commands run,
// so that it holds the main job's functions only.
const { loadCli, saveCaches } = createRequire(import.meta.url)("../bin/load-cli.cjs");
const { cli } = loadCli();
const examples = join(rootPath, "examples", "/");
const warm = async (argvs, stdin = "") => {
  for (const argv of argvs) {
    await cli.main(argv, {
      color: false,
      out: () => {},
      err: () => {},
      readStdin: async () => stdin,
    });
  }
};
await warm([
  ["dropout", "0.1", "0.2"],
  ["dropout", "p1", "p2"],
  ["shape", examples + "course_cnn.py"],
  ["rf", examples + "course_cnn.py"],
]);
saveCaches(true);
await warm([
  ["gradcheck", examples + "course_gradcheck.py"],
  ["loss", "bce", "--target", "1,0", "--pred", "0.2,0.9"],
  ["kl", "--mu", "0.5,-1", "--logvar", "0,0.2", "--samples", "1000"],
  ["gcn", examples + "graph_path5.json", "--layers", "2", "--q", "1"],
  ["grad", "--chain", "0.5,2", "--depth", "10"],
  ["derive", "x^3", "--at", "x=2"],
]);
await warm([["check", "-"]], "- id: q\n  run: dlq dropout 0.1 0.2\n  expect: {q: 0.28}\n");
saveCaches(true, ["heavy", "mathjs"]);
// A dlq killed while writing a cache leaves its temporary file (bin/load-cli.cjs): tidy up.
for (const f of readdirSync(join(rootPath, "dist"))) {
  if (/\.cache\.\d+$/.test(f)) rmSync(join(rootPath, "dist", f), { force: true });
}
