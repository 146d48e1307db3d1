/**
 * The one walker over names in the AST: which names a block binds (for a function's locals and for
 * marking names unknown after a block dlq cannot follow), and which names code reads that it does
 * not bind (free names, for gradcheck's dependence analysis). Iterative, so deep trees are safe.
 */
import type { Expr, FunctionDefStmt, LambdaExpr, Stmt } from "./ast.js";

/** Adds the names an assignment target binds (`a`, `a, *b`, `[a, (b, c)]`; not `x.y`, `x[0]`). */
export function targetNames(t: Expr, out: Set<string>): void {
  const todo: Expr[] = [t];
  for (let e = todo.pop(); e; e = todo.pop()) {
    if (e.kind === "Name") out.add(e.id);
    else if (e.kind === "Tuple" || e.kind === "List") todo.push(...e.elts);
    else if (e.kind === "Starred") todo.push(e.value);
  }
}

/**
 * The names a block of statements binds in its own scope (Python's rule for locals): assignment
 * and loop targets, `def`/`class` names, imports, `with … as`, `except … as`, `del`; not inside
 * nested functions, classes or comprehensions. Names declared `global`/`nonlocal` are listed in
 * `declared` instead.
 */
export function boundNames(
  body: readonly Stmt[],
  declared?: { globals: Set<string>; nonlocals: Set<string> },
): Set<string> {
  const out = new Set<string>();
  const todo: Stmt[] = [...body];
  for (let s = todo.pop(); s; s = todo.pop()) {
    switch (s.kind) {
      case "Assign":
        for (const t of s.targets) targetNames(t, out);
        break;
      case "AnnAssign":
        if (s.value) targetNames(s.target, out);
        else if (s.target.kind === "Name") out.add(s.target.id);
        break;
      case "AugAssign":
        targetNames(s.target, out);
        break;
      case "FunctionDef":
      case "ClassDef":
        out.add(s.name);
        break;
      case "Import":
        for (const a of s.names) out.add(a.asname ?? a.name.split(".")[0]);
        break;
      case "ImportFrom":
        for (const a of s.names) if (a.name !== "*") out.add(a.asname ?? a.name);
        break;
      case "For":
        targetNames(s.target, out);
        todo.push(...s.body, ...s.orelse);
        break;
      case "While":
      case "If":
        todo.push(...s.body, ...s.orelse);
        break;
      case "With":
        for (const i of s.items) if (i.target) targetNames(i.target, out);
        todo.push(...s.body);
        break;
      case "Try":
        for (const h of s.handlers) {
          if (h.name) out.add(h.name);
          todo.push(...h.body);
        }
        todo.push(...s.body, ...s.orelse, ...s.finalbody);
        break;
      case "Delete":
        for (const t of s.targets) targetNames(t, out);
        break;
      case "Global":
        if (declared) for (const n of s.names) declared.globals.add(n);
        break;
      case "Nonlocal":
        if (declared) for (const n of s.names) declared.nonlocals.add(n);
        break;
      case "Skipped":
        for (const n of s.binds) out.add(n);
        break;
    }
  }
  if (declared) for (const n of [...declared.globals, ...declared.nonlocals]) out.delete(n);
  return out;
}

/** The locals of a function: its parameters and the names its body binds. */
export interface FunctionScopeInfo {
  locals: Set<string>;
  globals: Set<string>;
  nonlocals: Set<string>;
}

const scopeInfo = new WeakMap<FunctionDefStmt | LambdaExpr, FunctionScopeInfo>();

/** {@link FunctionScopeInfo} of a `def` or `lambda` (computed once per node). */
export function functionScope(fn: FunctionDefStmt | LambdaExpr): FunctionScopeInfo {
  let info = scopeInfo.get(fn);
  if (!info) {
    const declared = { globals: new Set<string>(), nonlocals: new Set<string>() };
    const locals = fn.kind === "Lambda" ? new Set<string>() : boundNames(fn.body, declared);
    for (const p of fn.params) locals.add(p.name);
    info = { locals, ...declared };
    scopeInfo.set(fn, info);
  }
  return info;
}

/**
 * Every name an expression or statement reads that it does not bind itself, with the first place
 * it is read (lambda parameters and comprehension targets are bound inside). For a statement this
 * includes names read by nested blocks and by the functions and classes it defines.
 */
export function freeNames(node: Expr | Stmt | readonly Stmt[]): Map<string, Expr> {
  const found = new Map<string, Expr>();
  // A work list of (node, names bound around it).
  type Item = { n: unknown; bound: ReadonlySet<string> };
  const todo: Item[] = [{ n: node, bound: new Set() }];
  const push = (n: unknown, bound: ReadonlySet<string>): void => {
    if (n !== undefined && n !== null) todo.push({ n, bound });
  };
  for (let it = todo.pop(); it; it = todo.pop()) {
    const { n, bound } = it;
    if (Array.isArray(n)) {
      for (const x of n) push(x, bound);
      continue;
    }
    const o = n as { kind?: string } & Record<string, unknown>;
    switch (o.kind) {
      case "Name": {
        const e = o as unknown as Expr & { kind: "Name" };
        const prev = found.get(e.id);
        if (!bound.has(e.id) && (!prev || e.from < prev.from)) found.set(e.id, e);
        continue;
      }
      case "Lambda": {
        const e = o as unknown as LambdaExpr;
        const b = new Set(bound);
        for (const p of e.params) {
          b.add(p.name);
          push(p.default, bound);
        }
        push(e.body, b);
        continue;
      }
      case "Comprehension": {
        const e = o as unknown as Expr & { kind: "Comprehension" };
        const b = new Set(bound);
        for (const g of e.generators) targetNames(g.target, b);
        e.generators.forEach((g, i) => push(g.iter, i === 0 ? bound : b));
        for (const g of e.generators) push(g.ifs, b);
        push(e.elt, b);
        push(e.value, b);
        continue;
      }
      case "FunctionDef": {
        const s = o as unknown as FunctionDefStmt;
        const b = new Set([...bound, ...functionScope(s).locals]);
        for (const p of s.params) push(p.default, bound);
        push(s.decorators, bound);
        push(s.body, b);
        continue;
      }
    }
    for (const [k, v] of Object.entries(o)) {
      if (k === "loc" || k === "kind") continue;
      if (v !== null && typeof v === "object") push(v, bound);
    }
  }
  // in the order they are first read in the text
  return new Map([...found].sort((a, b) => a[1].from - b[1].from));
}
