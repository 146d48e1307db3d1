/**
 * Text from an input shown safely: a message quotes at most a short, escaped token of a file, and
 * nothing a file says reaches a terminal as a control sequence.
 *
 * Escaped: C0 controls (ESC, CR, LF, TAB, …), DEL, C1 controls (U+0080–U+009F: U+009B is CSI in
 * some terminals), the line and paragraph separators U+2028/U+2029, and the bidirectional
 * formatting characters (U+061C, U+200E/U+200F, U+202A–U+202E, U+2066–U+2069), which can reorder
 * what a terminal shows. Each becomes the escape JSON would write (`\n`, `\r`, `\t`, `\u001b`).
 */

/** The characters escaped beyond what JSON.stringify escapes (C0 controls, `"` and `\\`). */
const BEYOND_JSON =
  "\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069";
const UNSAFE = new RegExp(`[\\u0000-\\u001f${BEYOND_JSON}]`, "g");
const UNSAFE_IN_JSON = new RegExp(`[${BEYOND_JSON}]`, "g");
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `text` with every control, separator and bidi character written as an escape (see above). */
export function escapeControls(text: string): string {
  return text.replace(
    UNSAFE,
    (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * JSON text with the characters JSON.stringify leaves raw but a terminal may act on (DEL, C1
 * controls, U+2028/U+2029, bidi formatting) written as `\uXXXX`: the same document for a JSON
 * reader (in JSON text they can only occur inside strings).
 */
export function jsonTextSafe(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The longest token a message quotes, in characters before escaping. */
export const TOKEN_MAX = 32;

/**
 * A token of an input for a message: its first `max` characters (then `…`), escaped, in single
 * quotes: `'root:x:0:0:root:/root:/bin/bash'` becomes `'root:x:0:0:root:/root:/bin/bas…'`.
 */
export function quoteToken(text: string, max = TOKEN_MAX): string {
  const chars = [...text];
  const clipped = chars.length > max ? chars.slice(0, max - 1).join("") + "…" : text;
  return `'${escapeControls(clipped)}'`;
}
