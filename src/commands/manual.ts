/**
 * `dlq help COMMAND`: the command's section of README.md (shipped in the package), for the
 * terminal, then its options (commander's help). The README is the one source: what `dlq help`
 * says is what the README says.
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Style } from "./context.js";

/** README.md of the package this module is part of (src/commands/ or dist/). */
async function readme(): Promise<string | undefined> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    try {
      return await readFile(join(dir, "README.md"), "utf8");
    } catch {
      dir = dirname(dir);
    }
  }
  return undefined;
}

/**
 * The README section of `command`: from its heading (`### \`dlq NAME …\``) to the next command's
 * heading or the next `## ` heading (subsections such as "Grading untrusted answers" included).
 */
export function readmeSection(text: string, command: string): string | undefined {
  const lines = text.split("\n");
  const heading = new RegExp("^### `dlq " + command.replace(/[^\w-]/g, "") + "[ `]");
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && !/^## |^### `dlq /.test(lines[end])) end++;
  return lines.slice(start, end).join("\n").trim() + "\n";
}

/**
 * Markdown as a terminal shows it: headings bold, code blocks indented by four spaces (fences
 * dropped), inline code and emphasis markers removed, links as `text <url>`.
 */
export function markdownForTerminal(md: string, s: Style): string {
  const out: string[] = [];
  let code = false;
  for (const line of md.split("\n")) {
    if (/^```/.test(line)) {
      code = !code;
      continue;
    }
    if (code) {
      out.push(line === "" ? "" : "    " + line);
      continue;
    }
    const h = /^#{2,4} (.*)$/.exec(line);
    const inline = (t: string): string =>
      t
        .replace(/\[([^\]]+)\]\((https?:[^)]+)\)/g, "$1 <$2>")
        .replace(/\[([^\]]+)\]\(#[^)]+\)/g, "$1")
        .replace(/\*\*([^*]+)\*\*/g, (_m, x: string) => s.bold(x))
        .replace(/`([^`]+)`/g, "$1");
    out.push(h ? s.bold(inline(h[1])) : inline(line));
  }
  return out.join("\n");
}

/** The manual of `command`: its README section, then `options` (commander's help text). */
export async function manual(command: string, options: string, s: Style): Promise<string> {
  const text = await readme();
  const section = text === undefined ? undefined : readmeSection(text, command);
  if (section === undefined) return options;
  return markdownForTerminal(section, s).trimEnd() + "\n\n" + options;
}
