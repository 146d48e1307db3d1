/**
 * One parser for Python-flavoured input: model definitions (src/python/interp.ts), printed reprs
 * (src/spec/repr.ts) and, later, tensor expressions (`torch.mean(X @ W + b)`,
 * `def f(W, b): return ...`).
 *
 * The text is parsed with `@lezer/python` (an LR grammar with error recovery) and the syntax tree is
 * converted into a small typed AST, closely following the names of Python's own `ast` module. Every
 * node carries its 1-based line and column (and the 0-based character offsets `from`/`to`). Nothing
 * is ever executed.
 *
 * Errors: a syntax error (the first error node lezer reports, or one of the few rules the grammar
 * does not enforce, e.g. a positional argument after a keyword argument) throws an
 * {@link InputError} `invalid syntax: …` located at the offending token.
 */
import { parser } from "@lezer/python";
import type { SyntaxNode, Tree } from "@lezer/common";
import { InputError, type Loc } from "../errors.js";
import type {
  ExceptHandler,
  FormattedValue,
  TryStmt,
  NodeBase,
  NameExpr,
  Keyword,
  CallExpr,
  DictExpr,
  BinOperator,
  UnaryOpExpr,
  CompareOperator,
  SliceExpr,
  Comprehension,
  ComprehensionExpr,
  Expr,
  Param,
  FunctionDefStmt,
  ImportAlias,
  IfStmt,
  WithItem,
  SkippedStmt,
  Stmt,
  Module,
  ParseOrigin,
} from "./ast.js";

export type * from "./ast.js";

// ---------------------------------------------------------------------------------------------
// Nesting limits

/** Nested brackets dlq reads: Python's own limit (CPython: "too many nested parentheses"). */
export const MAX_BRACKETS = 200;
/** Levels of indentation dlq reads: Python's own limit ("too many levels of indentation"). */
export const MAX_INDENTS = 99;
/** Levels of the syntax tree dlq converts (every walk over the tree recurses once per level). */
export const MAX_SYNTAX_DEPTH = 1000;
/**
 * lezer cuts its parse stack at 8400 entries (2800 frames), forcing reductions and leaving error
 * nodes behind (and its tree builder recurses once per level): dlq stops before that.
 */
const MAX_PARSE_STACK = 7200;

/** The one error for input that nests too deeply: `what` states the limit that was exceeded. */
export function tooDeep(what: string, loc: Loc | string): InputError {
  return new InputError(`the input nests too deeply (${what})`, loc);
}

/**
 * A line-by-line lexical scan of Python source: strings (with their quotes and escapes), comments,
 * brackets and backslash continuations, without a grammar. It tells whether a line starts a new
 * logical line (not inside brackets, a string or after a backslash), and finds the two errors a
 * grammar-based parser reports badly: an unterminated string (located at its opening quote) and
 * brackets nested more than {@link MAX_BRACKETS} deep.
 */
export class LineScanner {
  /** Open brackets. */
  depth = 0;
  /** The string being read across lines: its quote and where it opened. */
  private str: { quote: string; from: number } | undefined;
  private continued = false;
  /** Indentation widths of the enclosing blocks. */
  private readonly indents: number[] = [0];
  /** The first error found (offset into the text). */
  error: { message: string; pos: number; nesting: boolean } | undefined;

  /** Whether the next line starts inside a (triple-quoted) string. */
  get inString(): boolean {
    return this.str !== undefined;
  }

  /** Whether the next line starts a new logical line. */
  get atStatementStart(): boolean {
    return !this.str && this.depth === 0 && !this.continued;
  }

  private setError(message: string, pos: number, nesting = false): void {
    if (!this.error) this.error = { message, pos, nesting };
  }

  /** Scans one line (without its newline) starting at offset `offset` of the text. */
  feed(line: string, offset: number): void {
    if (this.atStatementStart) {
      const m = /^[ \t\f]*/.exec(line)!;
      const rest = line.slice(m[0].length).trim();
      if (rest !== "" && !rest.startsWith("#")) {
        const w = m[0].length;
        while (w < this.indents[this.indents.length - 1]) this.indents.pop();
        if (w > this.indents[this.indents.length - 1]) this.indents.push(w);
        if (this.indents.length - 1 > MAX_INDENTS) {
          this.setError(`more than ${MAX_INDENTS} levels of indentation`, offset + w, true);
          this.indents.length = 1;
        }
      }
    }
    this.continued = false;
    let i = 0;
    let escapedNewline = false;
    const n = line.length;
    while (i < n) {
      const c = line[i];
      if (this.str) {
        if (c === "\\") {
          if (i + 1 >= n || (i + 2 === n && line[i + 1] === "\r")) escapedNewline = true;
          i += 2;
        } else if (line.startsWith(this.str.quote, i)) {
          i += this.str.quote.length;
          this.str = undefined;
        } else i++;
        continue;
      }
      if (c === "#") break;
      if (c === "'" || c === '"') {
        const quote = line.startsWith(c + c + c, i) ? c + c + c : c;
        this.str = { quote, from: offset + i };
        i += quote.length;
        continue;
      }
      if (c === "(" || c === "[" || c === "{") {
        if (++this.depth > MAX_BRACKETS) {
          this.setError(`more than ${MAX_BRACKETS} nested brackets`, offset + i, true);
          this.depth = 0;
        }
      } else if (c === ")" || c === "]" || c === "}") {
        if (this.depth > 0) this.depth--;
      } else if (c === "\\" && line.slice(i + 1).trim() === "") {
        this.continued = true;
      }
      i++;
    }
    if (this.str && this.str.quote.length === 1 && !escapedNewline) {
      this.setError("invalid syntax: unterminated string literal", this.str.from);
      this.str = undefined;
    }
  }

  /** Call at the end of the text. */
  end(): void {
    if (this.str) {
      const what = this.str.quote.length === 3 ? "triple-quoted string literal" : "string literal";
      this.setError(`invalid syntax: unterminated ${what}`, this.str.from);
      this.str = undefined;
    }
  }
}

/** Runs {@link LineScanner} over a whole text; the first error, if any. */
export function scanText(text: string): LineScanner["error"] {
  const sc = new LineScanner();
  let offset = 0;
  for (const line of text.split("\n")) {
    sc.feed(line, offset);
    if (sc.error) return sc.error;
    offset += line.length + 1;
  }
  sc.end();
  return sc.error;
}

// ---------------------------------------------------------------------------------------------
// Public entry points

/**
 * Parses Python source (statements) into a {@link Module}.
 * @throws InputError `invalid syntax …` located at the first syntax error.
 */
export function parsePython(text: string, file?: string, origin: ParseOrigin = {}): Module {
  const c = new Converter(text, file, origin);
  const top = c.parseTree();
  return { kind: "Module", body: c.statements(top), file };
}

/**
 * Parses a single Python expression (e.g. `torch.mean(X @ W + b)` or a repr's
 * `Conv2d(3, 4, kernel_size=(3, 3))`).
 * @throws InputError when the text is not exactly one expression, or has a syntax error.
 */
export function parsePythonExpression(text: string, file?: string, origin: ParseOrigin = {}): Expr {
  const c = new Converter(text, file, origin);
  const top = c.parseTree();
  const stmts = c.statements(top);
  if (stmts.length === 1 && stmts[0].kind === "Expr") return stmts[0].value;
  if (stmts.length === 0) {
    throw new InputError("invalid syntax: expected an expression", c.loc(text.length));
  }
  const bad = stmts.length > 1 ? stmts[1] : stmts[0];
  throw new InputError("invalid syntax: expected a single expression", bad.loc);
}

/** 1-based line/column of offset `pos` in `text`. */
export function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: pos - start + 1 };
}

// ---------------------------------------------------------------------------------------------
// Conversion from the lezer tree

const EXPRESSION_NODES = new Set([
  "BinaryExpression",
  "UnaryExpression",
  "AwaitExpression",
  "ParenthesizedExpression",
  "TupleExpression",
  "ComprehensionExpression",
  "ArrayExpression",
  "ArrayComprehensionExpression",
  "DictionaryExpression",
  "DictionaryComprehensionExpression",
  "SetExpression",
  "SetComprehensionExpression",
  "CallExpression",
  "MemberExpression",
  "VariableName",
  "Number",
  "String",
  "FormatString",
  "ContinuedString",
  "Ellipsis",
  "None",
  "Boolean",
  "ConditionalExpression",
  "LambdaExpression",
  "NamedExpression",
  "YieldExpression",
]);

const COMPARE_OPS = new Set(["<", ">", "<=", ">=", "==", "!=", "<>", "in", "is"]);

class Converter {
  private readonly lineStarts: number[] = [0];
  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
    private readonly origin: ParseOrigin,
  ) {
    for (let i = 0; i < text.length; i++)
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** The file location of offset `pos`. */
  loc(pos: number): Loc {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    const line = lo + (this.origin.line ?? 1);
    let column = pos - this.lineStarts[lo] + 1 + (this.origin.shift?.[lo] ?? 0);
    if (lo === 0) column += (this.origin.column ?? 1) - 1;
    return this.file === undefined ? { line, column } : { file: this.file, line, column };
  }

  private base(n: { from: number; to: number }): NodeBase {
    return { loc: this.loc(n.from), from: n.from, to: n.to };
  }

  private src(n: { from: number; to: number }): string {
    return this.text.slice(n.from, n.to);
  }

  private fail(message: string, pos: number): never {
    throw new InputError(message, this.loc(pos));
  }

  /**
   * Parses the text and rejects any error node. Input that nests too deeply for the parser (more
   * than {@link MAX_BRACKETS} brackets, a parse stack near lezer's own cut-off, or a syntax tree
   * deeper than {@link MAX_SYNTAX_DEPTH}) is refused with one {@link tooDeep} error rather than
   * the misleading error nodes lezer leaves behind; so every recursive walk below is bounded.
   */
  parseTree(): SyntaxNode {
    const scan = scanText(this.text);
    if (scan?.nesting) throw tooDeep(scan.message, this.loc(scan.pos));
    let tree = this.parseBounded(this.text);
    const floats = pointFloats(tree, this.text);
    if (floats !== undefined) tree = this.parseBounded(floats);
    let firstError: { from: number; to: number } | undefined;
    // Iterative walk: depth check first (a deep tree's error nodes are lezer's cut-off, not the
    // user's mistake), then the first error node.
    const cur = tree.cursor();
    let depth = 0;
    for (;;) {
      if (cur.type.isError && !firstError) firstError = { from: cur.from, to: cur.to };
      if (cur.firstChild()) {
        if (++depth > MAX_SYNTAX_DEPTH) {
          throw tooDeep(
            `more than ${MAX_SYNTAX_DEPTH} levels of nested expressions`,
            this.loc(cur.from),
          );
        }
        continue;
      }
      let done = false;
      while (!cur.nextSibling()) {
        if (!cur.parent()) {
          done = true;
          break;
        }
        depth--;
      }
      if (done) break;
    }
    if (scan) this.fail(scan.message, scan.pos);
    if (firstError) this.syntaxError(firstError.from, firstError.to);
    return tree.topNode;
  }

  /**
   * lezer's parse of `text` (the text, or a copy of the same length: see {@link pointFloats}),
   * watching its stacks (see {@link MAX_PARSE_STACK}).
   */
  private parseBounded(text: string): Tree {
    const parse = parser.startParse(text);
    // `stacks` is lezer's own (untyped) state; without it, the tree-depth check still applies.
    const state = parse as unknown as { stacks?: { pos: number; stack?: unknown[] }[] };
    for (;;) {
      const tree = parse.advance();
      if (tree) return tree;
      for (const st of state.stacks ?? []) {
        if ((st.stack?.length ?? 0) > MAX_PARSE_STACK) {
          throw tooDeep(
            `more than ${MAX_PARSE_STACK / 3} unfinished nested constructs at a time`,
            this.loc(Math.min(st.pos, this.text.length)),
          );
        }
      }
    }
  }

  private syntaxError(from: number, to: number): never {
    // Name the first token of the error node (or, for an empty one, the token after it).
    let pos = from;
    const skip = to > from ? /\s/ : /[ \t\f\\\r]/;
    while (pos < this.text.length && skip.test(this.text[pos])) pos++;
    const m = /^(\w+|"[^"\n]*"?|'[^'\n]*'?|\*\*|\/\/|[<>=!]=|\S|\n)/.exec(this.text.slice(pos));
    let token = m ? m[0] : "";
    if (token.length > 20) token = token.slice(0, 17) + "...";
    let what: string;
    if (pos >= this.text.length || token === "") what = "unexpected end of input";
    else if (token === "\n") what = "unexpected end of line";
    else what = `unexpected '${token}'`;
    this.fail(`invalid syntax: ${what}`, pos);
  }

  // -- statements -----------------------------------------------------------------------------

  statements(parent: SyntaxNode): Stmt[] {
    const out: Stmt[] = [];
    for (const ch of kids(parent)) {
      if (ch.name === "StatementGroup") out.push(...this.statements(ch));
      else if (ch.name === ":" || ch.name === ";") continue;
      else out.push(this.statement(ch));
    }
    return out;
  }

  private statement(n: SyntaxNode): Stmt {
    const b = this.base(n);
    const ch = kids(n);
    switch (n.name) {
      case "AssignStatement":
        return this.assign(n, ch);
      case "UpdateStatement": {
        const opNode = ch.find((c) => c.name === "UpdateOp")!;
        const target = this.expr(ch[0]);
        this.checkTarget(target, false);
        const rest = ch.slice(ch.indexOf(opNode) + 1);
        return {
          kind: "AugAssign",
          ...b,
          target,
          op: this.src(opNode).slice(0, -1) as BinOperator,
          value: this.exprList(rest, n),
        };
      }
      case "ExpressionStatement":
        return { kind: "Expr", ...b, value: this.exprList(ch, n) };
      case "ReturnStatement": {
        const rest = ch.slice(1);
        return rest.length
          ? { kind: "Return", ...b, value: this.exprList(rest, n) }
          : { kind: "Return", ...b };
      }
      case "ImportStatement":
        return this.importStmt(n, ch);
      case "FunctionDefinition":
        return this.functionDef(n, ch, []);
      case "DecoratedStatement": {
        const decorators = ch.filter((c) => c.name === "Decorator").map((d) => this.decorator(d));
        const def = ch[ch.length - 1];
        if (def.name === "FunctionDefinition")
          return this.functionDef(def, kids(def), decorators, n);
        if (def.name === "ClassDefinition") return this.classDef(def, kids(def), decorators, n);
        return this.skipped(n);
      }
      case "ClassDefinition":
        return this.classDef(n, ch, []);
      case "ForStatement":
        return this.forStmt(n, ch);
      case "IfStatement":
        return this.ifStmt(n, ch);
      case "WithStatement":
        return this.withStmt(n, ch);
      case "WhileStatement": {
        const bodies = ch.filter((c) => c.name === "Body");
        const iBody = ch.indexOf(bodies[0]);
        return {
          kind: "While",
          ...b,
          test: this.exprList(ch.slice(1, iBody), n),
          body: this.statements(bodies[0]),
          orelse: bodies[1] ? this.statements(bodies[1]) : [],
        };
      }
      case "BreakStatement":
        return { kind: "Break", ...b };
      case "ContinueStatement":
        return { kind: "Continue", ...b };
      case "PassStatement":
        return { kind: "Pass", ...b };
      case "AssertStatement": {
        const parts = this.splitCommas(ch.slice(1));
        const out: Stmt = { kind: "Assert", ...b, test: this.exprList(parts[0], n) };
        if (parts[1]?.length) out.msg = this.exprList(parts[1], n);
        return out;
      }
      case "RaiseStatement": {
        const iFrom = ch.findIndex((c) => c.name === "from");
        const excNodes = ch.slice(1, iFrom < 0 ? ch.length : iFrom);
        const out: Stmt = { kind: "Raise", ...b };
        if (excNodes.length) out.exc = this.exprList(excNodes, n);
        if (iFrom >= 0) out.cause = this.exprList(ch.slice(iFrom + 1), n);
        return out;
      }
      case "TryStatement":
        return this.tryStmt(n, ch);
      case "DeleteStatement":
        return {
          kind: "Delete",
          ...b,
          targets: this.splitCommas(ch.slice(1)).map((g) => this.exprList(g, n)),
        };
      case "ScopeStatement":
        return {
          kind: this.src(ch[0]) === "global" ? "Global" : "Nonlocal",
          ...b,
          names: ch.filter((c) => c.name === "VariableName").map((c) => this.src(c)),
        };
      default:
        return this.skipped(n);
    }
  }

  /** Children split at top-level commas. */
  private splitCommas(ch: SyntaxNode[]): SyntaxNode[][] {
    const out: SyntaxNode[][] = [[]];
    for (const c of ch) {
      if (c.name === ",") out.push([]);
      else out[out.length - 1].push(c);
    }
    return out;
  }

  private classDef(n: SyntaxNode, ch: SyntaxNode[], decorators: Expr[], outer?: SyntaxNode): Stmt {
    const nameNode = ch.find((c) => c.name === "VariableName")!;
    const argList = ch.find((c) => c.name === "ArgList");
    const body = ch.find((c) => c.name === "Body")!;
    let bases: Expr[] = [];
    let keywords: Keyword[] = [];
    if (argList) {
      const call = this.call({ kind: "None", ...this.base(nameNode) }, argList, argList);
      bases = call.args;
      keywords = call.keywords;
    }
    return {
      kind: "ClassDef",
      ...this.base(outer ?? n),
      name: this.src(nameNode),
      bases,
      keywords,
      body: this.statements(body),
      decorators,
    };
  }

  /** `try: … except T as e: … else: … finally: …` */
  private tryStmt(n: SyntaxNode, ch: SyntaxNode[]): Stmt {
    const out: TryStmt = {
      kind: "Try",
      ...this.base(n),
      body: [],
      handlers: [],
      orelse: [],
      finalbody: [],
    };
    for (let i = 0; i < ch.length; i++) {
      const c = ch[i];
      if (c.name === "try") out.body = this.statements(ch[++i]);
      else if (c.name === "except") {
        let j = i + 1;
        const typeNodes: SyntaxNode[] = [];
        while (j < ch.length && ch[j].name !== "Body" && ch[j].name !== "as")
          typeNodes.push(ch[j++]);
        let name: string | undefined;
        if (ch[j]?.name === "as") {
          name = this.src(ch[j + 1]);
          j += 2;
        }
        const h: ExceptHandler = {
          ...this.base({ from: c.from, to: ch[j].to }),
          body: this.statements(ch[j]),
        };
        // `except*` (PEP 654) arrives as a `*` token first
        const types = typeNodes.filter((t) => t.name !== "*");
        if (types.length) h.type = this.exprList(types, n);
        if (name !== undefined) h.name = name;
        out.handlers.push(h);
        i = j;
      } else if (c.name === "else") out.orelse = this.statements(ch[++i]);
      else if (c.name === "finally") out.finalbody = this.statements(ch[++i]);
    }
    return out;
  }

  /** `with a, b as x: body` (`async with` too, and `with (a, b):`). */
  private withStmt(n: SyntaxNode, ch: SyntaxNode[]): Stmt {
    const items: WithItem[] = [];
    const body = ch[ch.length - 1];
    const start = ch.findIndex((c) => c.name === "with") + 1;
    for (let i = start; i < ch.length - 1; i++) {
      const c = ch[i];
      if (c.name === ",") continue;
      if (c.name === "as") {
        const t = this.expr(ch[++i]);
        this.checkTarget(t, true);
        items[items.length - 1].target = t;
        continue;
      }
      items.push({ context: this.expr(c) });
    }
    // Python 3.10's parenthesized items (`with (a, b):`), which the grammar reads as one tuple
    const [only] = items;
    if (items.length === 1 && !only.target && only.context.kind === "Tuple") {
      items.splice(0, 1, ...only.context.elts.map((context) => ({ context })));
    }
    return { kind: "With", ...this.base(n), items, body: this.statements(body) };
  }

  private assign(n: SyntaxNode, ch: SyntaxNode[]): Stmt {
    const b = this.base(n);
    const parts: SyntaxNode[][] = [[]];
    let annotation: Expr | undefined;
    for (const c of ch) {
      if (c.name === "AssignOp") parts.push([]);
      else if (c.name === "TypeDef")
        annotation = this.expr(kids(c).filter((k) => k.name !== ":")[0]);
      else parts[parts.length - 1].push(c);
    }
    const exprs = parts.map((p) => this.exprList(p, n));
    if (annotation) {
      // `x: int` declares without assigning; `x: int = 5` assigns one target
      const target = exprs[0];
      this.checkTarget(target, false);
      return parts.length === 1
        ? { kind: "AnnAssign", ...b, target, annotation }
        : { kind: "AnnAssign", ...b, target, annotation, value: exprs[exprs.length - 1] };
    }
    const targets = exprs.slice(0, -1);
    for (const t of targets) this.checkTarget(t, true);
    const value = exprs[exprs.length - 1];
    return { kind: "Assign", ...b, targets, value };
  }

  /** Python rejects assigning to literals, calls and operators; the grammar does not. */
  private checkTarget(t: Expr, allowTuple: boolean): void {
    switch (t.kind) {
      case "Name":
      case "Attribute":
      case "Subscript":
        return;
      case "Tuple":
      case "List":
        if (allowTuple) {
          for (const e of t.elts) this.checkTarget(e.kind === "Starred" ? e.value : e, true);
          return;
        }
        break;
    }
    this.fail(`invalid syntax: cannot assign to ${describe(t)}`, t.from);
  }

  private importStmt(n: SyntaxNode, ch: SyntaxNode[]): Stmt {
    const b = this.base(n);
    let i = 0;
    const dotted = (): { name: string; from: number; to: number } => {
      const start = ch[i];
      const names: string[] = [];
      while (i < ch.length && ch[i].name === "VariableName") {
        names.push(this.src(ch[i]));
        i++;
        if (ch[i]?.name === ".") i++;
        else break;
      }
      return { name: names.join("."), from: start.from, to: ch[i - 1]?.to ?? start.to };
    };
    const aliases = (): ImportAlias[] => {
      const out: ImportAlias[] = [];
      while (i < ch.length) {
        const c = ch[i];
        if (c.name === "," || c.name === "(" || c.name === ")") {
          i++;
          continue;
        }
        if (c.name === "*") {
          out.push({ ...this.base(c), name: "*" });
          i++;
          continue;
        }
        if (c.name !== "VariableName") this.fail("invalid syntax in import", c.from);
        const d = dotted();
        const alias: ImportAlias = { ...this.base(d), name: d.name };
        if (ch[i]?.name === "as") {
          alias.asname = this.src(ch[i + 1]);
          alias.to = ch[i + 1].to;
          i += 2;
        }
        out.push(alias);
      }
      return out;
    };
    if (ch[0].name === "import") {
      i = 1;
      return { kind: "Import", ...b, names: aliases() };
    }
    i = 1;
    let level = 0;
    while (ch[i]?.name === "." || ch[i]?.name === "Ellipsis") {
      level += ch[i].name === "." ? 1 : 3;
      i++;
    }
    const module = ch[i]?.name === "VariableName" ? dotted().name : "";
    if (ch[i]?.name !== "import") this.fail("invalid syntax in import", ch[i]?.from ?? n.to);
    i++;
    return { kind: "ImportFrom", ...b, module, level, names: aliases() };
  }

  private decorator(d: SyntaxNode): Expr {
    // Decorator { At dottedName ArgList? newline }
    const ch = kids(d).filter((c) => c.name !== "At");
    let e: Expr | undefined;
    for (const c of ch) {
      if (c.name === "VariableName") {
        const name: NameExpr = { kind: "Name", ...this.base(c), id: this.src(c) };
        e = e
          ? { kind: "Attribute", ...this.base({ from: e.from, to: c.to }), value: e, attr: name.id }
          : name;
      } else if (c.name === "ArgList" && e) {
        e = this.call(e, c, { from: e.from, to: c.to });
      }
    }
    return e ?? { kind: "Opaque", ...this.base(d), what: "decorator" };
  }

  private functionDef(
    n: SyntaxNode,
    ch: SyntaxNode[],
    decorators: Expr[],
    outer?: SyntaxNode,
  ): Stmt {
    const nameNode = ch.find((c) => c.name === "VariableName")!;
    const paramList = ch.find((c) => c.name === "ParamList")!;
    const typeDef = ch.find((c) => c.name === "TypeDef");
    const body = ch.find((c) => c.name === "Body")!;
    const def: FunctionDefStmt = {
      kind: "FunctionDef",
      ...this.base(outer ?? n),
      name: this.src(nameNode),
      params: this.params(kids(paramList)),
      body: this.statements(body),
      decorators,
    };
    if (typeDef) def.returns = this.expr(kids(typeDef).filter((k) => k.name !== "->")[0]);
    return def;
  }

  /** Parameters of a `def` (`ParamList` with parentheses) or a lambda. */
  private params(ch: SyntaxNode[]): Param[] {
    const out: Param[] = [];
    let kwOnly = false;
    for (let i = 0; i < ch.length; i++) {
      const c = ch[i];
      if (c.name === "(" || c.name === ")" || c.name === "," || c.name === "/") continue;
      if (c.name === "*" || c.name === "**") {
        const next = ch[i + 1];
        if (next?.name === "VariableName") {
          const p: Param = {
            ...this.base({ from: c.from, to: next.to }),
            name: this.src(next),
            kind: c.name === "*" ? "vararg" : "kwarg",
          };
          i++;
          if (ch[i + 1]?.name === "TypeDef") p.annotation = this.typeDef(ch[++i]);
          out.push(p);
        }
        if (c.name === "*") kwOnly = true;
        continue;
      }
      if (c.name === "VariableName") {
        const p: Param = {
          ...this.base(c),
          name: this.src(c),
          kind: kwOnly ? "kwonly" : "positional",
        };
        if (ch[i + 1]?.name === "TypeDef") p.annotation = this.typeDef(ch[++i]);
        if (ch[i + 1]?.name === "AssignOp") {
          p.default = this.expr(ch[i + 2]);
          i += 2;
        } else if (!kwOnly && out.some((q) => q.kind === "positional" && q.default)) {
          this.fail("invalid syntax: non-default argument follows default argument", c.from);
        }
        if (out.some((q) => q.name === p.name)) {
          this.fail(
            `invalid syntax: duplicate argument '${p.name}' in function definition`,
            c.from,
          );
        }
        out.push(p);
        continue;
      }
      this.fail("invalid syntax in parameter list", c.from);
    }
    return out;
  }

  private typeDef(n: SyntaxNode): Expr {
    return this.expr(kids(n).filter((k) => k.name !== ":")[0]);
  }

  private forStmt(n: SyntaxNode, ch: SyntaxNode[]): Stmt {
    const iIn = ch.findIndex((c) => c.name === "in");
    const bodies = ch.filter((c) => c.name === "Body");
    const iBody = ch.indexOf(bodies[0]);
    const start = ch[0].name === "async" ? 2 : 1;
    const target = this.exprList(ch.slice(start, iIn), n);
    this.checkTarget(target, true);
    return {
      kind: "For",
      ...this.base(n),
      target,
      iter: this.exprList(ch.slice(iIn + 1, iBody), n),
      body: this.statements(bodies[0]),
      orelse: bodies[1] ? this.statements(bodies[1]) : [],
    };
  }

  private ifStmt(n: SyntaxNode, ch: SyntaxNode[]): Stmt {
    // if test Body (elif test Body)* (else Body)?
    const clauses: { kw: SyntaxNode; test?: SyntaxNode; body: SyntaxNode }[] = [];
    for (let i = 0; i < ch.length; i++) {
      const kw = ch[i];
      if (kw.name === "else") {
        clauses.push({ kw, body: ch[i + 1] });
        i++;
      } else {
        clauses.push({ kw, test: ch[i + 1], body: ch[i + 2] });
        i += 2;
      }
    }
    let orelse: Stmt[] = [];
    for (let k = clauses.length - 1; k >= 0; k--) {
      const cl = clauses[k];
      if (!cl.test) {
        orelse = this.statements(cl.body);
        continue;
      }
      const s: IfStmt = {
        kind: "If",
        ...this.base({ from: cl.kw.from, to: n.to }),
        test: this.expr(cl.test),
        body: this.statements(cl.body),
        orelse,
      };
      orelse = [s];
    }
    const top = orelse[0] as IfStmt;
    return { ...top, ...this.base(n) };
  }

  private skipped(n: SyntaxNode): SkippedStmt {
    const binds = new Set<string>();
    const visit = (node: SyntaxNode): void => {
      const ch = kids(node);
      switch (node.name) {
        case "ClassDefinition":
        case "FunctionDefinition": {
          const v = ch.find((c) => c.name === "VariableName");
          if (v) binds.add(this.src(v));
          break;
        }
        case "AssignStatement":
        case "UpdateStatement": {
          const last = [...ch]
            .reverse()
            .findIndex((c) => c.name === "AssignOp" || c.name === "UpdateOp");
          const end = last < 0 ? ch.length : ch.length - 1 - last;
          for (const c of ch.slice(0, end)) if (c.name === "VariableName") binds.add(this.src(c));
          break;
        }
      }
      for (let i = 0; i < ch.length; i++) {
        if (ch[i].name === "as" && ch[i + 1]?.name === "VariableName")
          binds.add(this.src(ch[i + 1]));
        visit(ch[i]);
      }
      if (node.name === "ForStatement") {
        const iIn = ch.findIndex((c) => c.name === "in");
        for (const c of ch.slice(0, iIn)) if (c.name === "VariableName") binds.add(this.src(c));
      }
    };
    visit(n);
    return { kind: "Skipped", ...this.base(n), what: n.name, binds: [...binds] };
  }

  // -- expressions ----------------------------------------------------------------------------

  /**
   * A comma-separated list of expressions (`a, *b` or a single `a`): several items or a trailing
   * comma make a tuple, as in Python.
   */
  private exprList(ch: SyntaxNode[], parent: SyntaxNode): Expr {
    const items: Expr[] = [];
    let trailingComma = false;
    for (let i = 0; i < ch.length; i++) {
      const c = ch[i];
      if (c.name === ",") {
        trailingComma = true;
        continue;
      }
      trailingComma = false;
      if (c.name === "*") {
        const v = this.expr(ch[i + 1]);
        items.push({ kind: "Starred", ...this.base({ from: c.from, to: v.to }), value: v });
        i++;
      } else {
        items.push(this.expr(c));
      }
    }
    if (items.length === 0) this.fail("invalid syntax: expected an expression", parent.from);
    if (items.length === 1 && !trailingComma && items[0].kind !== "Starred") return items[0];
    const from = items[0].from;
    const to = items[items.length - 1].to;
    return { kind: "Tuple", ...this.base({ from, to }), elts: items };
  }

  expr(n: SyntaxNode | undefined | null): Expr {
    if (!n) this.fail("invalid syntax: expected an expression", this.text.length);
    if (!EXPRESSION_NODES.has(n.name))
      this.fail(`invalid syntax: unexpected '${this.src(n)}'`, n.from);
    const b = this.base(n);
    const ch = kids(n);
    switch (n.name) {
      case "Number":
        return this.number(n, b);
      case "String":
        return { kind: "String", ...b, value: this.string(n) };
      case "ContinuedString": {
        if (ch.some((c) => c.name === "FormatString")) {
          const parts: (string | FormattedValue)[] = [];
          for (const c of ch) {
            if (c.name === "FormatString") parts.push(...this.fstring(c));
            else parts.push(this.string(c));
          }
          return { kind: "JoinedStr", ...b, parts };
        }
        return { kind: "String", ...b, value: ch.map((c) => this.string(c)).join("") };
      }
      case "FormatString":
        return { kind: "JoinedStr", ...b, parts: this.fstring(n) };
      case "Boolean":
        return { kind: "Bool", ...b, value: this.src(n) === "True" };
      case "None":
        return { kind: "None", ...b };
      case "Ellipsis":
        return { kind: "Ellipsis", ...b };
      case "VariableName":
        return { kind: "Name", ...b, id: this.src(n) };
      case "MemberExpression": {
        const value = this.expr(ch[0]);
        if (ch[1]?.name === ".") {
          if (ch[2]?.name !== "PropertyName")
            this.fail("invalid syntax: expected a name after '.'", ch[1].to);
          return {
            kind: "Attribute",
            ...b,
            value,
            attr: this.src(ch[2]),
            attrLoc: this.loc(ch[2].from),
          };
        }
        return { kind: "Subscript", ...b, value, slice: this.subscript(ch.slice(2, -1), ch[1]) };
      }
      case "CallExpression":
        return this.call(this.expr(ch[0]), ch[1], n);
      case "ParenthesizedExpression": {
        const inner = ch.slice(1, -1);
        if (inner[0]?.name === "*") {
          this.fail("invalid syntax: cannot use starred expression here", inner[0].from);
        }
        const e = this.expr(inner[0]);
        return e;
      }
      case "TupleExpression":
        return { kind: "Tuple", ...b, elts: this.items(ch.slice(1, -1)) };
      case "ArrayExpression":
        return { kind: "List", ...b, elts: this.items(ch.slice(1, -1)) };
      case "SetExpression":
        return { kind: "Set", ...b, elts: this.items(ch.slice(1, -1)) };
      case "DictionaryExpression":
        return this.dict(ch.slice(1, -1), b);
      case "ArrayComprehensionExpression":
        return this.comprehension("list", ch.slice(1, -1), b);
      case "ComprehensionExpression":
        return this.comprehension("generator", ch.slice(1, -1), b);
      case "SetComprehensionExpression":
        return this.comprehension("set", ch.slice(1, -1), b);
      case "DictionaryComprehensionExpression":
        return this.comprehension("dict", ch.slice(1, -1), b);
      case "UnaryExpression": {
        const op = this.src(ch[0]) as UnaryOpExpr["op"];
        return { kind: "UnaryOp", ...b, op, operand: this.expr(ch[1]) };
      }
      case "BinaryExpression":
        return this.binary(n, ch, b);
      case "ConditionalExpression":
        return {
          kind: "IfExp",
          ...b,
          body: this.expr(ch[0]),
          test: this.expr(ch[2]),
          orelse: this.expr(ch[4]),
        };
      case "LambdaExpression": {
        const pl = ch.find((c) => c.name === "ParamList");
        return {
          kind: "Lambda",
          ...b,
          params: pl ? this.params(kids(pl)) : [],
          body: this.expr(ch[ch.length - 1]),
        };
      }
      case "NamedExpression":
        return { kind: "Opaque", ...b, what: "assignment expression" };
      case "AwaitExpression":
        return { kind: "Opaque", ...b, what: "await" };
      case "YieldExpression":
        return { kind: "Opaque", ...b, what: "yield" };
    }
    this.fail(`invalid syntax: unexpected '${this.src(n)}'`, n.from);
  }

  private number(n: SyntaxNode, b: NodeBase): Expr {
    const raw = this.src(n);
    const t = raw.replace(/_/g, "");
    if (/[jJ]$/.test(t)) return { kind: "Opaque", ...b, what: "complex number" };
    const m = /^0([xXoObB])(.*)$/.exec(t);
    if (m) {
      const radix = { x: 16, o: 8, b: 2 }[m[1].toLowerCase() as "x" | "o" | "b"];
      return { kind: "Number", ...b, value: parseInt(m[2], radix), isFloat: false, raw };
    }
    const isFloat = /[.eE]/.test(t);
    if (!isFloat && /^0+[1-9]/.test(t)) {
      this.fail(
        "invalid syntax: leading zeros in decimal integer literals are not permitted",
        n.from,
      );
    }
    return { kind: "Number", ...b, value: Number(t), isFloat, raw };
  }

  private string(n: SyntaxNode): string {
    const raw = this.src(n);
    const m = /^([a-zA-Z]*)('''|"""|'|")/.exec(raw);
    if (!m) this.fail("invalid syntax: bad string literal", n.from);
    const prefix = m[1].toLowerCase();
    const q = m[2].length;
    const body = raw.slice(m[1].length + q, raw.length - q);
    if (prefix.includes("r")) return body;
    return decodeEscapes(body);
  }

  /** The parts of one f-string literal: text between `{…}` replacements, and the replacements. */
  private fstring(n: SyntaxNode): (string | FormattedValue)[] {
    const raw = this.src(n);
    const m = /^([a-zA-Z]*)('''|"""|'|")/.exec(raw);
    if (!m) this.fail("invalid syntax: bad string literal", n.from);
    const prefix = m[1].toLowerCase();
    const q = m[2].length;
    const start = n.from + m[1].length + q;
    const end = n.to - q;
    const parts: (string | FormattedValue)[] = [];
    const literal = (from: number, to: number): void => {
      if (to <= from) return;
      let t = this.text.slice(from, to).replace(/\{\{/g, "{").replace(/\}\}/g, "}");
      if (!prefix.includes("r")) t = decodeEscapes(t);
      parts.push(t);
    };
    let pos = start;
    for (const r of kids(n)) {
      if (r.name !== "FormatReplacement") continue;
      literal(pos, r.from);
      const rc = kids(r).filter((c) => c.name !== "{" && c.name !== "}");
      const conv = rc.find((c) => c.name === "FormatConversion");
      const spec = rc.find((c) => c.name === "FormatSpec");
      const selfDoc = rc.find((c) => c.name === "FormatSelfDoc");
      const exprNodes = rc.filter((c) => c !== conv && c !== spec && c !== selfDoc);
      const fv: FormattedValue = { value: this.exprList(exprNodes, r) };
      // `{x=}` (Python 3.8) prints the expression's text, `=`, and the value's repr
      if (selfDoc) parts.push(this.text.slice(r.from + 1, selfDoc.to));
      if (conv) fv.conversion = this.src(conv).slice(1) as FormattedValue["conversion"];
      else if (selfDoc && !spec) fv.conversion = "r";
      if (spec) fv.spec = this.src(spec).slice(1);
      parts.push(fv);
      pos = r.to;
    }
    literal(pos, end);
    return parts;
  }

  private subscript(ch: SyntaxNode[], open: SyntaxNode): Expr {
    const groups: SyntaxNode[][] = [[]];
    for (const c of ch) {
      if (c.name === ",") groups.push([]);
      else groups[groups.length - 1].push(c);
    }
    const trailing = groups.length > 1 && groups[groups.length - 1].length === 0;
    if (trailing) groups.pop();
    const items = groups.map((g) => {
      if (g.length === 0) this.fail("invalid syntax: empty subscript", open.to);
      if (!g.some((c) => c.name === ":")) {
        if (g.length !== 1) this.fail(`invalid syntax: unexpected '${this.src(g[1])}'`, g[1].from);
        return this.expr(g[0]);
      }
      const parts: (SyntaxNode | undefined)[] = [undefined];
      for (const c of g) {
        if (c.name === ":") parts.push(undefined);
        else parts[parts.length - 1] = c;
      }
      const s: SliceExpr = {
        kind: "Slice",
        ...this.base({ from: g[0].from, to: g[g.length - 1].to }),
      };
      if (parts[0]) s.lower = this.expr(parts[0]);
      if (parts[1]) s.upper = this.expr(parts[1]);
      if (parts[2]) s.step = this.expr(parts[2]);
      return s;
    });
    if (items.length === 1 && !trailing) return items[0];
    return {
      kind: "Tuple",
      ...this.base({ from: items[0].from, to: items[items.length - 1].to }),
      elts: items,
    };
  }

  /** Items of a tuple, list or set display (`a, *b, c`). */
  private items(ch: SyntaxNode[]): Expr[] {
    const out: Expr[] = [];
    for (let i = 0; i < ch.length; i++) {
      const c = ch[i];
      if (c.name === ",") continue;
      if (c.name === "*") {
        const v = this.expr(ch[i + 1]);
        out.push({ kind: "Starred", ...this.base({ from: c.from, to: v.to }), value: v });
        i++;
      } else out.push(this.expr(c));
    }
    return out;
  }

  private dict(ch: SyntaxNode[], b: NodeBase): DictExpr {
    const keys: (Expr | null)[] = [];
    const values: Expr[] = [];
    for (let i = 0; i < ch.length; i++) {
      const c = ch[i];
      if (c.name === ",") continue;
      if (c.name === "**") {
        keys.push(null);
        values.push(this.expr(ch[i + 1]));
        i++;
      } else {
        if (ch[i + 1]?.name !== ":")
          this.fail("invalid syntax: expected ':'", ch[i + 1]?.from ?? c.to);
        keys.push(this.expr(c));
        values.push(this.expr(ch[i + 2]));
        i += 2;
      }
    }
    return { kind: "Dict", ...b, keys, values };
  }

  /** `elt for target in iter if cond …` (tokens are flat children of the display node). */
  private comprehension(
    type: ComprehensionExpr["type"],
    ch: SyntaxNode[],
    b: NodeBase,
  ): ComprehensionExpr {
    let i = 0;
    let value: Expr | undefined;
    if (ch[0]?.name === "*" || ch[0]?.name === "**") {
      this.fail("invalid syntax: iterable unpacking cannot be used in comprehension", ch[0].from);
    }
    const elt = this.expr(ch[i++]);
    if (type === "dict") {
      if (ch[i]?.name !== ":") this.fail("invalid syntax: expected ':'", ch[i]?.from ?? b.to);
      value = this.expr(ch[i + 1]);
      i += 2;
    }
    const generators = this.generators(ch, i);
    const out: ComprehensionExpr = { kind: "Comprehension", ...b, type, elt, generators };
    if (value) out.value = value;
    return out;
  }

  private generators(ch: SyntaxNode[], start: number): Comprehension[] {
    const gens: Comprehension[] = [];
    let i = start;
    while (i < ch.length) {
      if (ch[i].name === "async") i++;
      if (ch[i]?.name !== "for")
        this.fail(`invalid syntax: unexpected '${this.src(ch[i])}'`, ch[i].from);
      const iIn = ch.findIndex((c, k) => k > i && c.name === "in");
      if (iIn < 0) this.fail("invalid syntax: expected 'in'", ch[i].to);
      const forNode = ch[i];
      const target = this.exprList(ch.slice(i + 1, iIn), forNode);
      this.checkTarget(target, true);
      const iter = this.expr(ch[iIn + 1]);
      i = iIn + 2;
      const ifs: Expr[] = [];
      while (ch[i]?.name === "if") {
        ifs.push(this.expr(ch[i + 1]));
        i += 2;
      }
      gens.push({ target, iter, ifs });
    }
    return gens;
  }

  private binary(n: SyntaxNode, ch: SyntaxNode[], b: NodeBase): Expr {
    const leftNode = ch[0];
    const rightNode = ch[ch.length - 1];
    const opText = ch
      .slice(1, -1)
      .map((c) => this.src(c))
      .join(" ");
    const left = this.expr(leftNode);
    const right = this.expr(rightNode);
    if (opText === "and" || opText === "or") {
      const values =
        leftNode.name === "BinaryExpression" && left.kind === "BoolOp" && left.op === opText
          ? [...left.values, right]
          : [left, right];
      return { kind: "BoolOp", ...b, op: opText, values };
    }
    if (COMPARE_OPS.has(opText) || opText === "not in" || opText === "is not") {
      const op = (opText === "<>" ? "!=" : opText) as CompareOperator;
      if (leftNode.name === "BinaryExpression" && left.kind === "Compare") {
        return {
          kind: "Compare",
          ...b,
          left: left.left,
          ops: [...left.ops, op],
          comparators: [...left.comparators, right],
        };
      }
      return { kind: "Compare", ...b, left, ops: [op], comparators: [right] };
    }
    return {
      kind: "BinOp",
      ...b,
      op: opText as BinOperator,
      left,
      right,
      opLoc: this.loc(ch[1]?.from ?? n.from),
    };
  }

  call(func: Expr, argList: SyntaxNode, span: { from: number; to: number }): CallExpr {
    const ch = kids(argList).slice(1, -1);
    const args: Expr[] = [];
    const keywords: Keyword[] = [];
    let i = 0;
    const seen = new Set<string>();
    while (i < ch.length) {
      const c = ch[i];
      if (c.name === ",") {
        i++;
        continue;
      }
      if (c.name === "*" || c.name === "**") {
        const v = this.expr(ch[i + 1]);
        if (c.name === "*") {
          if (keywords.some((k) => k.name === null)) {
            this.fail(
              "invalid syntax: iterable argument unpacking follows keyword argument unpacking",
              c.from,
            );
          }
          args.push({ kind: "Starred", ...this.base({ from: c.from, to: v.to }), value: v });
        } else keywords.push({ ...this.base({ from: c.from, to: v.to }), name: null, value: v });
        i += 2;
        continue;
      }
      if (c.name === "VariableName" && ch[i + 1]?.name === "AssignOp") {
        const name = this.src(c);
        if (this.src(ch[i + 1]) !== "=") {
          this.fail("invalid syntax: assignment expression in argument list", ch[i + 1].from);
        }
        if (seen.has(name)) this.fail(`invalid syntax: keyword argument repeated: ${name}`, c.from);
        seen.add(name);
        const v = this.expr(ch[i + 2]);
        keywords.push({ ...this.base({ from: c.from, to: v.to }), name, value: v });
        i += 3;
        if (ch[i]?.name === "for") this.fail("invalid syntax: unexpected 'for'", ch[i].from);
        continue;
      }
      // A positional argument, possibly a bare generator expression.
      if (keywords.length > 0) {
        const msg = keywords.some((k) => k.name !== null)
          ? "positional argument follows keyword argument"
          : "positional argument follows keyword argument unpacking";
        this.fail(`invalid syntax: ${msg}`, c.from);
      }
      let end = i + 1;
      while (end < ch.length && ch[end].name !== ",") {
        if (ch[end].name === "for" || ch[end].name === "async") {
          // Generator: runs to the end of the argument list (it must be the sole argument).
          end = ch.length;
          break;
        }
        end++;
      }
      if (end > i + 1) {
        const elt = this.expr(c);
        const gens = this.generators(ch.slice(0, end), i + 1);
        const last = ch[end - 1];
        args.push({
          kind: "Comprehension",
          ...this.base({ from: c.from, to: last.to }),
          type: "generator",
          elt,
          generators: gens,
        });
        if (ch.length > end || args.length > 1 || keywords.length > 0) {
          this.fail("invalid syntax: generator expression must be parenthesized", c.from);
        }
      } else args.push(this.expr(c));
      i = end;
    }
    return { kind: "Call", ...this.base(span), func, args, keywords };
  }
}

/** The children of a node, without comments. */
/**
 * Python's float literals with a trailing point (`3.`, `1_000.`, `1.e-3`), which lezer's grammar
 * does not read as numbers (it sees `3` followed by an attribute access), found after the int
 * literal `tree` shows before the point. Returns a copy of `text` in which each is written with a
 * leading point instead (`.3`, `.1_000`, `.1e-3`): a number token of the same length at the same
 * place, so every offset stays right; the converter reads the literal's value from the original
 * text. Undefined when there is none.
 */
function pointFloats(tree: Tree, text: string): string | undefined {
  const parts: string[] = [];
  let done = 0;
  const cur = tree.cursor();
  do {
    if (cur.name !== "Number" || text[cur.to] !== ".") continue;
    const digits = text.slice(cur.from, cur.to);
    if (!/^\d[\d_]*$/.test(digits)) continue;
    // After the point: an exponent, or anything that cannot continue a name or a number.
    const m = /^(?:[eE][+-]?\d[\d_]*)?(?![\w.])/.exec(text.slice(cur.to + 1, cur.to + 200));
    if (!m) continue;
    parts.push(text.slice(done, cur.from), ".", digits, m[0]);
    done = cur.to + 1 + m[0].length;
  } while (cur.next());
  return parts.length ? parts.join("") + text.slice(done) : undefined;
}

function kids(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== "Comment") out.push(c);
  return out;
}

/** Python's name for what an expression is, for "cannot assign to …". */
function describe(e: Expr): string {
  switch (e.kind) {
    case "Number":
    case "String":
    case "Bool":
    case "None":
    case "Ellipsis":
      return "literal";
    case "Call":
      return "function call";
    case "BinOp":
    case "UnaryOp":
      return "expression";
    case "Compare":
      return "comparison";
    case "Lambda":
      return "lambda";
    case "Comprehension":
      return "comprehension";
    case "Dict":
      return "dict literal";
    case "Set":
      return "set display";
    case "IfExp":
      return "conditional expression";
    case "Starred":
      return "starred";
    default:
      return "expression";
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\n": "",
};

/** Decodes the escape sequences of a non-raw Python string body. */
function decodeEscapes(s: string): string {
  return s.replace(
    /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|N\{[^}]*\}|[\s\S])/g,
    (all, e: string) => {
      if (e in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[e];
      const c = e[0];
      const cp =
        c === "x" || c === "u" || c === "U"
          ? parseInt(e.slice(1), 16)
          : /[0-7]/.test(c)
            ? parseInt(e, 8)
            : -1;
      if (cp >= 0 && cp <= 0x10ffff) return String.fromCodePoint(cp);
      return all;
    },
  );
}
