// Writes the layer part of schema/dlq-model.schema.json (`definitions.catalogue`) from the layer
// catalogue (src/analysis/layers/), with src/spec/model_schema.ts: `npm run schema` after adding
// or changing a layer. tests/model_schema.test.ts fails while the committed schema is not what
// this writes.
import { build } from "esbuild";
import { Buffer } from "node:buffer";
import { readFileSync, writeFileSync } from "node:fs";
import { format } from "prettier";

const root = new URL("..", import.meta.url);
const file = new URL("schema/dlq-model.schema.json", root);

// The TypeScript modules, bundled in memory and imported from a data: URL.
const out = await build({
  stdin: {
    contents:
      'export { LAYERS } from "./src/analysis/layers/index.ts";\n' +
      'export { withCatalogue } from "./src/spec/model_schema.ts";\n',
    resolveDir: new URL(".", root).pathname,
    loader: "ts",
  },
  write: false,
  bundle: true,
  format: "esm",
  platform: "node",
  logLevel: "warning",
});
const code = out.outputFiles[0].text;
const { LAYERS, withCatalogue } = await import(
  "data:text/javascript;base64," + Buffer.from(code).toString("base64")
);
const schema = withCatalogue(JSON.parse(readFileSync(file, "utf8")), LAYERS.values());
const text = await format(JSON.stringify(schema, null, 2), { parser: "json", printWidth: 100 });
writeFileSync(file, text);
console.log(`${file.pathname}: ${LAYERS.size} layer types`);
