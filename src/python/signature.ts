/**
 * The one argument binder: Python's rules for matching a call's positional and keyword arguments
 * to a signature (positional-or-keyword, positional-only, `*args`, keyword-only, `**kwargs`,
 * defaults), used for functions defined in the source, for builtins, for torch functions (the op
 * registry, src/ops) and for module constructors (the layer catalogue). The refusals are CPython's
 * TypeError messages (CPython 3.11, Python/ceval.c `positional_only_passed_as_keyword`,
 * `too_many_positional`, `missing_arguments`).
 */

/** One parameter of a signature. */
export interface SigParam<V> {
  name: string;
  kind: "posonly" | "positional" | "vararg" | "kwonly" | "kwarg";
  /** Present when the parameter has a default. */
  default?: V;
  hasDefault?: boolean;
}

/** A refusal of the binder: the message is CPython's TypeError text. */
export class BindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BindError";
  }
}

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'` (CPython's list of missing names). */
function nameList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  if (q.length === 1) return q[0];
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(", ")}, and ${q[q.length - 1]}`;
}

/** How the binder builds the values of `*args` (a tuple) and `**kwargs` (a dict). */
export interface BindMake<V> {
  tuple(items: V[]): V;
  dict(entries: [string, V][]): V;
}

/**
 * Binds a call's arguments to `params`, as Python does.
 * @param fname the function's name in messages (`f`, `Net.__init__`, `Conv2d`).
 * @param skipSelf the number of leading positional parameters already bound (a method's `self`):
 *   left out of the counts in "takes N positional arguments", as CPython does not.
 * @returns parameter name → value, with defaults filled (absent only for a `*args`/`**kwargs` when
 *   `make` is not given).
 * @throws BindError with CPython's message.
 */
export function bindArguments<V>(
  fname: string,
  params: readonly SigParam<V>[],
  positional: readonly V[],
  keywords: readonly (readonly [string, V])[],
  make?: BindMake<V>,
): Map<string, V> {
  const out = new Map<string, V>();
  const posParams = params.filter((p) => p.kind === "posonly" || p.kind === "positional");
  const vararg = params.find((p) => p.kind === "vararg");
  const kwarg = params.find((p) => p.kind === "kwarg");
  const has = (p: SigParam<V>): boolean => p.hasDefault === true || p.default !== undefined;
  const n = Math.min(positional.length, posParams.length);
  for (let i = 0; i < n; i++) out.set(posParams[i].name, positional[i]);
  if (positional.length > posParams.length) {
    if (!vararg) {
      const required = posParams.filter((p) => !has(p)).length;
      const given = positional.length;
      const kwGiven = keywords.filter(([k]) =>
        params.some((p) => p.name === k && p.kind === "kwonly"),
      ).length;
      const takes =
        required === posParams.length
          ? `${posParams.length} positional argument${posParams.length === 1 ? "" : "s"}`
          : `from ${required} to ${posParams.length} positional arguments`;
      const kwPart =
        kwGiven > 0
          ? ` positional argument${given === 1 ? "" : "s"} (and ${kwGiven} keyword-only argument${kwGiven === 1 ? "" : "s"})`
          : "";
      throw new BindError(
        kwPart
          ? `${fname}() takes ${takes} but ${given}${kwPart} were given`
          : `${fname}() takes ${takes} but ${given} ${given === 1 ? "was" : "were"} given`,
      );
    }
  }
  if (vararg && make) out.set(vararg.name, make.tuple(positional.slice(posParams.length)));
  const extra: [string, V][] = [];
  const posonlyAsKw: string[] = [];
  for (const [k, v] of keywords) {
    const p = params.find((q) => q.name === k && q.kind !== "vararg" && q.kind !== "kwarg");
    if (!p || p.kind === "posonly") {
      if (p && !kwarg) posonlyAsKw.push(k);
      else if (kwarg) {
        if (extra.some(([e]) => e === k))
          throw new BindError(`${fname}() got multiple values for keyword argument '${k}'`);
        extra.push([k, v]);
      } else throw new BindError(`${fname}() got an unexpected keyword argument '${k}'`);
      continue;
    }
    if (out.has(k)) throw new BindError(`${fname}() got multiple values for argument '${k}'`);
    out.set(k, v);
  }
  if (posonlyAsKw.length) {
    throw new BindError(
      `${fname}() got some positional-only arguments passed as keyword arguments: '${posonlyAsKw.join(", ")}'`,
    );
  }
  if (kwarg && make) out.set(kwarg.name, make.dict(extra));
  const missingPos: string[] = [];
  const missingKw: string[] = [];
  for (const p of params) {
    if (p.kind === "vararg" || p.kind === "kwarg" || out.has(p.name)) continue;
    if (has(p)) out.set(p.name, p.default as V);
    else if (p.kind === "kwonly") missingKw.push(p.name);
    else missingPos.push(p.name);
  }
  if (missingPos.length) {
    throw new BindError(
      `${fname}() missing ${missingPos.length} required positional argument${missingPos.length === 1 ? "" : "s"}: ${nameList(missingPos)}`,
    );
  }
  if (missingKw.length) {
    throw new BindError(
      `${fname}() missing ${missingKw.length} required keyword-only argument${missingKw.length === 1 ? "" : "s"}: ${nameList(missingKw)}`,
    );
  }
  return out;
}

/**
 * A signature written compactly, for tables of builtins and torch functions: `"input"`,
 * `"dim=None"` (a default, read by `parseDefault`), `"*size"`, `"*"` (keyword-only from here),
 * `"/"` (positional-only before here), `"**kwargs"`.
 */
export function sig<V>(spec: readonly string[], parseDefault: (text: string) => V): SigParam<V>[] {
  const out: SigParam<V>[] = [];
  let kwonly = false;
  for (const s of spec) {
    if (s === "*") {
      kwonly = true;
      continue;
    }
    if (s === "/") {
      for (const p of out) if (p.kind === "positional") p.kind = "posonly";
      continue;
    }
    if (s.startsWith("**")) {
      out.push({ name: s.slice(2), kind: "kwarg" });
      continue;
    }
    if (s.startsWith("*")) {
      out.push({ name: s.slice(1), kind: "vararg" });
      kwonly = true;
      continue;
    }
    const eq = s.indexOf("=");
    const name = eq < 0 ? s : s.slice(0, eq);
    const p: SigParam<V> = { name, kind: kwonly ? "kwonly" : "positional" };
    if (eq >= 0) {
      p.default = parseDefault(s.slice(eq + 1));
      p.hasDefault = true;
    }
    out.push(p);
  }
  return out;
}
