/**
 * The npm package as a user gets it: `npm pack` on a copy of the checkout (its prepack script
 * builds dist/ there), the tarball installed globally into a scratch prefix with `--omit=dev` and
 * `--offline` (dlq has no runtime dependencies: everything is bundled, scripts/build.js), and the
 * installed `dlq` run from another folder. Then the same install made read-only for its user (a
 * `sudo npm i -g`): dlq still runs, and keeps its code cache in the user's cache folder, or
 * nowhere.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const scratch = mkdtempSync(join(tmpdir(), "dlq-package-"));
const copy = join(scratch, "checkout");
const prefix = join(scratch, "prefix");
const elsewhere = join(scratch, "elsewhere");
const home = join(scratch, "home");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The environment without what `npm test` exported (npm_* variables), with a scratch HOME. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) out[k] = v;
  return { ...out, HOME: home, XDG_CACHE_HOME: "", NO_COLOR: "1", ...extra };
}

function run(cmd: string, args: string[], cwd: string, e = env()): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env: e, encoding: "utf8", timeout: 120_000 });
  if (r.error) throw r.error;
  return r;
}

let tarball = "";
let listing: string[] = [];
const installed = join(prefix, "lib", "node_modules", "dlq");
const bin = join(prefix, "bin", "dlq");

beforeAll(() => {
  // The checkout's files (tracked, or new and not ignored), without node_modules or dist/.
  const files = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT)
    .stdout.split("\0")
    .filter((f) => f !== "" && existsSync(join(ROOT, f)));
  for (const f of files) cpSync(join(ROOT, f), join(copy, f), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");
  mkdirSync(home);
  mkdirSync(elsewhere);
  const packed = run("npm", ["pack", "--json", "--pack-destination", scratch], copy);
  expect(packed.status, packed.stderr).toBe(0);
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("[")))[0];
  tarball = join(scratch, info.filename);
  listing = info.files.map((f: { path: string }) => f.path).sort();
  const inst = run(
    "npm",
    [
      "install",
      "-g",
      "--offline",
      "--omit=dev",
      "--no-audit",
      "--no-fund",
      "--prefix",
      prefix,
      tarball,
    ],
    scratch,
  );
  expect(inst.status, inst.stderr).toBe(0);
}, 240_000);

describe("the packed tarball", () => {
  it("holds the launcher, the bundles, the schemas and the documents, and nothing else", () => {
    expect(listing).toContain("bin/dlq.js");
    expect(listing).toContain("bin/load-cli.cjs");
    for (const f of ["cli", "heavy", "mathjs", "check-worker"])
      expect(listing).toContain(`dist/${f}.cjs`);
    expect(listing).toContain("dist/THIRD-PARTY-NOTICES.txt");
    expect(listing).toContain("schema/dlq-model.schema.json");
    for (const f of ["LICENSE", "README.md", "CHANGELOG.md", "package.json"])
      expect(listing).toContain(f);
    const stray = listing.filter((f) =>
      /^(tests|bench|src|scripts|examples|\.ci|node_modules)\/|\.cache$|^dist\/tensor\//.test(f),
    );
    expect(stray).toEqual([]);
  });

  it("installs with no dependency at all", () => {
    expect(existsSync(join(installed, "node_modules"))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it("runs `dlq rf` and `dlq shape` from another folder", () => {
    const rf = run(bin, ["rf", join(ROOT, "examples/course_cnn.py"), "--json"], elsewhere);
    expect(rf.status, rf.stderr).toBe(0);
    expect(JSON.parse(rf.stdout).size).toEqual([112, 112]);
    const shape = run(bin, ["shape", join(ROOT, "examples/course_cnn.py")], elsewhere);
    expect(shape.status, shape.stderr).toBe(0);
    expect(shape.stdout).toMatch(/Total params:\s+26,848/);
  });

  it("runs the numeric commands from their own bundles (mathjs included)", () => {
    const d = run(bin, ["derive", "x^3", "--at", "x=2", "--json"], elsewhere);
    expect(d.status, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout).derivative).toBe("3 * x ^ 2");
    const g = run(bin, ["gradcheck", join(ROOT, "examples/course_gradcheck.py")], elsewhere);
    expect(g.status, g.stderr).toBe(0);
  });

  it("says package.json's version", () => {
    const v = run(bin, ["--version"], elsewhere);
    expect(v.stdout.trim()).toBe(pkg.version);
  });

  it("writes its code cache beside the bundle when the install is the user's", () => {
    expect(readdirSync(join(installed, "dist")).filter((f) => f.endsWith(".cache"))).toContain(
      "cli.cjs.cache",
    );
  });

  it("never runs a stale code cache: a rebuilt bundle of the same length runs its new code", () => {
    // V8 accepts a cache for any source of the same length and runs the cached code; a rebuild
    // that changes "0.1.0" to "9.9.9" (same length, a new stamp) must still print 9.9.9.
    const file = join(installed, "dist", "cli.cjs");
    const original = readFileSync(file, "latin1");
    expect(existsSync(file + ".cache")).toBe(true);
    const at = original.indexOf(JSON.stringify(pkg.version));
    expect(at).toBeGreaterThan(0);
    const fake = pkg.version.replace(/\d/g, "9");
    const body = original.slice(original.indexOf("\n") + 1);
    const edited = body.replace(JSON.stringify(pkg.version), JSON.stringify(fake));
    const hash = createHash("sha256").update(edited, "latin1").digest("hex").slice(0, 16);
    const rebuilt = `// dlq-bundle ${hash}\n${edited}`;
    expect(rebuilt.length).toBe(original.length);
    writeFileSync(file, rebuilt, "latin1");
    try {
      for (let i = 0; i < 2; i++) {
        // the first run finds the old cache (refused, rewritten), the second the new one
        expect(run(bin, ["--version"], elsewhere).stdout.trim()).toBe(fake);
      }
    } finally {
      writeFileSync(file, original, "latin1");
    }
  });

  // As root, nothing is read-only: run dlq as another user, for whom the install is read-only.
  const asNobody = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
  it.skipIf(!asNobody)("runs from an install its user cannot write (sudo npm i -g)", () => {
    for (const f of readdirSync(join(installed, "dist")))
      if (f.endsWith(".cache")) rmSync(join(installed, "dist", f));
    const userHome = join(scratch, "nobody");
    mkdirSync(userHome);
    chownSync(userHome, 65534, 65534);
    // The user must reach the prefix (mkdtemp makes a 0700 folder).
    chmodSync(scratch, 0o755);
    const nobody = (e: Record<string, string>) => [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      "env",
      ...Object.entries(e).map(([k, v]) => `${k}=${v}`),
      bin,
      "dropout",
      "0.1",
      "0.2",
    ];
    for (let i = 0; i < 2; i++) {
      const r = run("/usr/bin/setpriv", nobody({ HOME: userHome, XDG_CACHE_HOME: "" }), "/");
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toContain("0.28");
    }
    // Nothing beside the bundle; the cache is in the user's cache folder.
    expect(readdirSync(join(installed, "dist")).filter((f) => /\.cache(\.\d+)?$/.test(f))).toEqual(
      [],
    );
    const cacheDir = join(userHome, ".cache", "dlq");
    const keys = readdirSync(cacheDir);
    expect(keys).toEqual([`${pkg.version}-node${process.versions.node}-${process.arch}`]);
    expect(readdirSync(join(cacheDir, keys[0]))).toEqual([
      expect.stringMatching(/^cli-[0-9a-f]{16}\.cjs\.cache$/),
    ]);
    // No home to write to either: dlq runs without a cache, and says nothing about it.
    const r = run("/usr/bin/setpriv", nobody({ HOME: "/nonexistent", XDG_CACHE_HOME: "" }), "/");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });
});
