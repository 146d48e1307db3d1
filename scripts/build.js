// Builds dist/ from src/ with esbuild, then warms V8's code cache for the CLI.
//
// - dist/cli.cjs: the whole CLI in one CommonJS bundle. bin/load-cli.cjs runs it through V8's code
//   cache (dist/cli.cjs.cache), which ES modules cannot use on Node 20: start-up then costs about
//   as much as a bare `node`. mathjs and ajv stay outside (loaded only by the commands that need
//   them).
// - dist/tensor/index.js: the tensor core as an ES module, for bench/.
// Type-checking is tsc's job (`npm run typecheck`); esbuild only strips types.
import { build } from "esbuild";
import { createRequire } from "node:module";

// dist/ is overwritten in place (not deleted first), so a dlq running meanwhile never finds it gone.
const root = new URL("..", import.meta.url);

await build({
  entryPoints: ["src/cli.ts"],
  outfile: "dist/cli.cjs",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: ["mathjs", "ajv"],
  // import.meta.url has no meaning in CommonJS: give it the bundle's own URL.
  define: { "import.meta.url": "__dlqImportMetaUrl" },
  banner: { js: 'const __dlqImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
});

await build({
  entryPoints: ["src/tensor/index.ts"],
  outfile: "dist/tensor/index.js",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
});

// Warm the code cache: run a few commands in-process (output discarded) so that the functions
// they compile are in the cache too.
const { loadCli } = createRequire(import.meta.url)("../bin/load-cli.cjs");
const { cli, saveCache } = loadCli();
const quiet = { color: false, out: () => {}, err: () => {}, readStdin: async () => "" };
const examples = new URL("examples/", root).pathname;
for (const argv of [
  ["dropout", "0.1", "0.2"],
  ["dropout", "p1", "p2"],
  ["shape", examples + "course_cnn.py"],
  ["rf", examples + "course_cnn.py"],
  ["shape", examples + "course_mlpirate.json"],
  ["gradcheck", examples + "course_gradcheck.py"],
]) {
  await cli.main(argv, quiet);
}
saveCache(true);
