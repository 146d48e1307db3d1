// Builds dist/ from src/ with esbuild: one ESM bundle for the start-up path, with each command in
// its own chunk (loaded on demand), so `dlq dropout 0.1 0.2` loads only what it needs.
// Type-checking is tsc's job (`npm run typecheck`); esbuild only strips types.
import { build } from "esbuild";
import { rmSync } from "node:fs";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: [
    { in: "src/cli.ts", out: "cli" },
    // The tensor core as a library entry, for bench/ and later commands.
    { in: "src/tensor/index.ts", out: "tensor/index" },
  ],
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // mathjs and ajv are large and loaded only where needed (derive, JSON specs): keep them out of
  // the bundle, so that they cost nothing at start-up.
  external: ["mathjs", "ajv"],
  banner: {
    js: "import { createRequire as __dlqCreateRequire } from 'node:module'; const require = __dlqCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
