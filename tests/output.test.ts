/**
 * Output that fits where it lands (src/commands/output.ts, src/cli.ts): colour decisions, ASCII
 * for a non-UTF-8 locale or --ascii, --format for every table-printing command, `dlq help
 * COMMAND`, completion scripts, the internal-error message, and progress on a terminal only.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { internalErrorText, VERSION } from "../src/cli.js";
import { PLAIN } from "../src/commands/context.js";
import { markdownForTerminal, readmeSection } from "../src/commands/manual.js";
import {
  colorMode,
  jsonAscii,
  tableFormat,
  toAscii,
  utf8Locale,
  wantColor,
} from "../src/commands/output.js";
import { SHOW_AFTER_MS, terminalProgress } from "../src/commands/progress.js";
import { ROOT, dlq } from "./helpers.js";

const ansi = /\x1b\[/; // eslint-disable-line no-control-regex

describe("colour", () => {
  const env = (e: Record<string, string> = {}) => e as NodeJS.ProcessEnv;
  it("auto: a terminal only, and not with NO_COLOR, FORCE_COLOR=0, TERM=dumb or --format csv", () => {
    expect(wantColor([], env(), true)).toBe(true);
    expect(wantColor([], env(), false)).toBe(false);
    expect(wantColor([], env({ NO_COLOR: "1" }), true)).toBe(false);
    expect(wantColor([], env({ FORCE_COLOR: "0" }), true)).toBe(false);
    expect(wantColor([], env({ TERM: "dumb" }), true)).toBe(false);
    expect(wantColor(["--format", "csv"], env(), true)).toBe(false);
    expect(wantColor([], env({ FORCE_COLOR: "1" }), false)).toBe(true);
  });
  it("--color=always|never wins over the environment; the last one given counts", () => {
    expect(wantColor(["--color=always"], env({ NO_COLOR: "1", TERM: "dumb" }), false)).toBe(true);
    expect(wantColor(["--color", "never"], env({ FORCE_COLOR: "1" }), true)).toBe(false);
    expect(wantColor(["--color=always", "--no-color"], env(), true)).toBe(false);
    expect(wantColor(["--no-color", "--color=always"], env(), false)).toBe(true);
    expect(wantColor(["--color=always", "--json"], env(), true)).toBe(false);
    expect(colorMode(["--", "--color=always"])).toBe("auto");
    expect(() => colorMode(["--color=sometimes"])).toThrow(/auto, always or never/);
  });
  it("through the real bin: --color=always colours a pipe, TERM=dumb does not colour", () => {
    const args = ["rf", "examples/course_cnn.py"];
    expect(dlq([...args, "--color=always"]).stdout).toMatch(ansi);
    expect(dlq(["--color", "always", ...args]).stdout).toMatch(ansi);
    expect(dlq([...args, "--color=auto"]).stdout).not.toMatch(ansi);
    expect(dlq(args, { env: { TERM: "dumb" } }).stdout).not.toMatch(ansi);
    const bad = dlq([...args, "--color=sometimes"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^dlq: --color: 'sometimes' is not a colour mode/);
  });
});

describe("ASCII", () => {
  it("the locale: the first of LC_ALL, LC_CTYPE, LANG that is set", () => {
    expect(utf8Locale({ LANG: "C" })).toBe(false);
    expect(utf8Locale({ LC_ALL: "C", LANG: "en_US.UTF-8" })).toBe(false);
    expect(utf8Locale({ LC_ALL: "", LC_CTYPE: "en_US.utf8", LANG: "C" })).toBe(true);
    expect(utf8Locale({ LANG: "POSIX" })).toBe(false);
    expect(utf8Locale({})).toBe(true);
  });
  it("spells dlq's symbols in ASCII, and anything else as an escape", () => {
    expect(toAscii("112×112 ½ Σ (σ² + μ²) √5 ‖∂L/∂W‖ ┌─┐")).toBe(
      "112x112 1/2 sum (sigma^2 + mu^2) sqrt5 ||dL/dW|| +-+",
    );
    expect(toAscii("é")).toBe("\\u{E9}");
    expect(JSON.parse(jsonAscii(JSON.stringify({ a: "√5 ×", b: "😀" })))).toEqual({
      a: "√5 ×",
      b: "😀",
    });
  });
  it.each([
    ["LANG=C", ["rf", "examples/course_cnn.py"], { LANG: "C", LC_ALL: "" }],
    ["LC_ALL=C", ["kl", "--mu", "0.5,-1", "--logvar", "0,0.2"], { LC_ALL: "C" }],
    ["--ascii", ["dropout", "0.1", "0.2", "--ascii"], {}],
    ["--ascii (grad)", ["grad", "--chain", "0.5,2", "--depth", "5", "--ascii"], {}],
  ])("%s: every byte of stdout and stderr is ASCII", (_name, args, env) => {
    const r = dlq(args, { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[\n\x20-\x7e]+$/);
    expect(r.stdout).toMatch(/\+-+\+/);
  });
  it("--json under LANG=C: the same document, non-ASCII escaped", () => {
    const args = ["kl", "--mu", "0.5", "--logvar", "0", "--samples", "0", "--json"];
    const c = dlq(args, { env: { LANG: "C", LC_ALL: "" } });
    expect(c.stdout).toMatch(/^[\n\x20-\x7e]+$/);
    expect(JSON.parse(c.stdout)).toEqual(JSON.parse(dlq(args).stdout));
  });
});

describe("--format", () => {
  it("rejects other formats", () => {
    expect(() => tableFormat(["--format", "html"])).toThrow(/table, markdown or csv/);
    const r = dlq(["dropout", "0.1", "--format", "html"]);
    expect(r.code).toBe(2);
  });
  const commands: [string, string[]][] = [
    ["dropout", ["dropout", "0.1", "0.2"]],
    ["dropout (symbols)", ["dropout", "p1", "p2"]],
    ["derive", ["derive", "x^3", "--at", "x=2"]],
    ["gradcheck", ["gradcheck", "examples/course_gradcheck.py"]],
    ["loss", ["loss", "bce", "--target", "1,0", "--pred", "0.2,0.9"]],
    ["loss compare", ["loss", "compare"]],
    ["kl", ["kl", "--mu", "0.5,-1", "--logvar", "0,0.2", "--samples", "1000"]],
    ["gcn", ["gcn", "examples/graph_path5.json", "--layers", "2", "--q", "1"]],
    ["check", ["check", "examples/answers.yaml", "--only", "dropout-chain"]],
  ];
  it.each(commands)(
    "%s --format csv: only the table, every row as wide as the header",
    (_n, args) => {
      const r = dlq([...args, "--format", "csv"]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trimEnd().split("\n");
      expect(lines.length).toBeGreaterThanOrEqual(2);
      // A simple count of fields outside quotes.
      const fields = (l: string) => l.replace(/"(?:[^"]|"")*"/g, "x").split(",").length;
      for (const l of lines) expect(fields(l)).toBe(fields(lines[0]));
      expect(r.stdout).not.toMatch(/[┌│└]/);
    },
  );
  it.each(commands)("%s --format markdown: a pipe table", (_n, args) => {
    const r = dlq([...args, "--format", "markdown"]);
    if (args[1] === "p1") return; // symbols: no table, the same text
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\| .* \|\n\| (---:?)( \| ---:?)* \|$/m);
  });
});

describe("dlq help COMMAND", () => {
  const readme = readFileSync(ROOT + "README.md", "utf8");
  it.each(["shape", "rf", "dropout", "gradcheck", "derive", "grad", "check", "loss", "kl", "gcn"])(
    "%s: the README section, then the options",
    (command) => {
      const section = readmeSection(readme, command);
      expect(section, command).toBeDefined();
      const r = dlq(["help", command]);
      expect(r.code).toBe(0);
      // The section as the terminal shows it (fences and markers dropped), then the options.
      expect(r.stdout.startsWith(markdownForTerminal(section!, PLAIN).trimEnd() + "\n\n")).toBe(
        true,
      );
      expect(r.stdout.length).toBeGreaterThan(section!.length / 2);
      expect(r.stdout).toContain(`Usage: dlq ${command}`);
    },
  );
  it("an unknown command is bad input with a suggestion", () => {
    const r = dlq(["help", "shap"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did you mean 'shape'/);
  });
});

describe("dlq completion", () => {
  it("bash: completes commands, options, option values and files", () => {
    const script = dlq(["completion", "bash"]).stdout;
    const complete = (line: string): string[] => {
      const words = line.split(" ");
      const r = spawnSync(
        "bash",
        [
          "-c",
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _dlq; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { cwd: ROOT, encoding: "utf8" },
      );
      expect(r.stderr).toBe("");
      return r.stdout.split("\n").filter((x) => x !== "");
    };
    expect(complete("dlq sh")).toEqual(["shape"]);
    expect(complete("dlq gradcheck --al")).toEqual(["--allow-inconclusive"]);
    expect(complete("dlq kl --format ")).toEqual(["table", "markdown", "csv"]);
    expect(complete("dlq --color always rf --colo")).toEqual(["--color"]);
    expect(complete("dlq grad --init kai")).toEqual(["kaiming_uniform", "kaiming_normal"]);
    expect(complete("dlq loss b")).toEqual(["bce", "bce_logits"]);
    expect(complete("dlq help gc")).toEqual(["gcn"]);
    expect(complete("dlq shape examples/course_cn")).toContain("examples/course_cnn.py");
  });
  const has = (shell: string) => spawnSync("which", [shell]).status === 0;
  /** The script of `shell` in a scratch file. */
  const scriptFile = (shell: string): string => {
    const dir = mkdtempSync(join(tmpdir(), "dlq-completion-"));
    const file = join(dir, `dlq.${shell}`);
    writeFileSync(file, dlq(["completion", shell]).stdout);
    return file;
  };
  it.skipIf(!has("zsh"))("zsh: the script parses", () => {
    const r = spawnSync("zsh", ["-n", scriptFile("zsh")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });
  it.skipIf(!has("fish"))("fish: completes commands and option values", () => {
    const file = scriptFile("fish");
    const r = spawnSync(
      "fish",
      ["--no-config", "-c", `source ${file}; complete -C 'dlq sh'; complete -C 'dlq kl --format '`],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    const words = r.stdout.split("\n").map((l) => l.split("\t")[0]);
    expect(words).toEqual(expect.arrayContaining(["shape", "csv", "markdown", "table"]));
  });
  it("every subcommand and every option of it is in each script", () => {
    const help = dlq(["--help"]).stdout;
    const commands = [...help.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    expect(commands.length).toBeGreaterThanOrEqual(12);
    for (const shell of ["bash", "zsh", "fish"]) {
      const s = dlq(["completion", shell]).stdout;
      for (const c of commands) expect(s, `${shell}: ${c}`).toContain(c);
      for (const o of ["--allow-inconclusive", "--max-memory", "--laplacian", "--format"])
        expect(s, `${shell}: ${o}`).toContain(o.slice(2));
    }
  });
  it("another shell is bad input", () => {
    expect(dlq(["completion", "tcsh"]).code).toBe(2);
  });
});

describe("the internal-error message (exit 3)", () => {
  it("names the error, the version, the command, where to report, and DLQ_DEBUG", () => {
    const text = internalErrorText(new Error("boom"), ["shape", "my model.py"], false);
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("dlq: internal error: boom");
    expect(text).toContain(`dlq ${VERSION}`);
    expect(text).toContain("command: dlq shape 'my model.py'");
    const pkg = JSON.parse(readFileSync(ROOT + "package.json", "utf8"));
    expect(text).toContain(pkg.bugs.url);
    expect(text).toMatch(/DLQ_DEBUG=1 shows the stack/);
    expect(internalErrorText(new Error("boom"), [], true)).toMatch(/\n {4}at /);
  });
});

describe("progress", () => {
  const fake = () => {
    let t = 0;
    const log: string[] = [];
    const factory = terminalProgress({
      now: () => t,
      makeBar: (label) => ({
        start: (total, value) => log.push(`start ${label} ${value}/${total}`),
        update: (v) => log.push(`update ${v}`),
        setTotal: (n) => log.push(`total ${n}`),
        stop: () => log.push("stop"),
      }),
    });
    return { factory, log, advance: (ms: number) => (t += ms) };
  };
  it("nothing for quick work", async () => {
    const { factory, log } = fake();
    const p = await factory("gradcheck", 10);
    for (let i = 0; i < 10; i++) p.tick();
    p.done();
    expect(log).toEqual([]);
  });
  it("a bar once the work has run a while, erased at the end", async () => {
    const { factory, log, advance } = fake();
    const p = await factory("grad", 4);
    p.tick();
    advance(SHOW_AFTER_MS);
    p.tick();
    p.update(3);
    p.done();
    p.tick();
    expect(log).toEqual(["start grad 2/4", "update 3", "stop"]);
  });
  it("never on a pipe: the CLI's stderr is not a terminal in the tests", () => {
    const r = dlq(["gradcheck", "torch.sum(W)", "--var", "W=100x100"]);
    expect(r.stderr).toBe("");
  });
});
