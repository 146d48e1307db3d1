/**
 * The typed AST of dlq's Python subset, closely following the names of Python's own `ast` module.
 * Every node carries its 1-based line and column (and the 0-based character offsets `from`/`to`).
 * src/python/parse.ts builds it from @lezer/python's syntax tree.
 */
import type { Loc } from "../errors.js";

// ---------------------------------------------------------------------------------------------

/** Position of a node: `loc` (1-based line/column, with the file) and 0-based offsets. */
export interface NodeBase {
  loc: Loc;
  /** Offset of the first character (0-based, UTF-16 code units) in the parsed text. */
  from: number;
  /** Offset just past the last character. */
  to: number;
}

/** A number literal; `isFloat` keeps Python's int/float distinction (`2` vs `2.0`, `1e3`). */
export interface NumberExpr extends NodeBase {
  kind: "Number";
  value: number;
  isFloat: boolean;
  /** The literal as written (`0x10`, `1_000`, `1e-5`). */
  raw: string;
}
export interface StringExpr extends NodeBase {
  kind: "String";
  value: string;
}
export interface BoolExpr extends NodeBase {
  kind: "Bool";
  value: boolean;
}
export interface NoneExpr extends NodeBase {
  kind: "None";
}
export interface EllipsisExpr extends NodeBase {
  kind: "Ellipsis";
}
export interface NameExpr extends NodeBase {
  kind: "Name";
  id: string;
}
/** `value.attr` */
export interface AttributeExpr extends NodeBase {
  kind: "Attribute";
  value: Expr;
  attr: string;
  /** Where the attribute's name is written (for messages about a method). */
  attrLoc?: Loc;
}
/** A keyword argument `name=value`, or `**value` when `name` is null. */
export interface Keyword extends NodeBase {
  name: string | null;
  value: Expr;
}
/** `func(args..., keywords...)`; `args` may contain {@link StarredExpr} (`*xs`). */
export interface CallExpr extends NodeBase {
  kind: "Call";
  func: Expr;
  args: Expr[];
  keywords: Keyword[];
}
export interface TupleExpr extends NodeBase {
  kind: "Tuple";
  elts: Expr[];
}
export interface ListExpr extends NodeBase {
  kind: "List";
  elts: Expr[];
}
export interface SetExpr extends NodeBase {
  kind: "Set";
  elts: Expr[];
}
/** `{k: v, **d}`: a null key is a `**d` entry. */
export interface DictExpr extends NodeBase {
  kind: "Dict";
  keys: (Expr | null)[];
  values: Expr[];
}
export type BinOperator =
  "+" | "-" | "*" | "/" | "//" | "%" | "**" | "@" | "|" | "^" | "&" | "<<" | ">>";
export interface BinOpExpr extends NodeBase {
  kind: "BinOp";
  op: BinOperator;
  left: Expr;
  right: Expr;
  /** Where the operator is written (for messages about the operation). */
  opLoc?: Loc;
}
export interface UnaryOpExpr extends NodeBase {
  kind: "UnaryOp";
  op: "-" | "+" | "not" | "~";
  operand: Expr;
}
/** `a and b and c` */
export interface BoolOpExpr extends NodeBase {
  kind: "BoolOp";
  op: "and" | "or";
  values: Expr[];
}
export type CompareOperator =
  "<" | ">" | "<=" | ">=" | "==" | "!=" | "in" | "not in" | "is" | "is not";
/** `left op0 comparators[0] op1 comparators[1] …` (chained comparisons, as in Python). */
export interface CompareExpr extends NodeBase {
  kind: "Compare";
  left: Expr;
  ops: CompareOperator[];
  comparators: Expr[];
}
/** `value[slice]`; several indices are a {@link TupleExpr} of indices/slices. */
export interface SubscriptExpr extends NodeBase {
  kind: "Subscript";
  value: Expr;
  slice: Expr;
}
/** `lower:upper:step` inside a subscript. */
export interface SliceExpr extends NodeBase {
  kind: "Slice";
  lower?: Expr;
  upper?: Expr;
  step?: Expr;
}
/** `*value` in a call, list, tuple or assignment target. */
export interface StarredExpr extends NodeBase {
  kind: "Starred";
  value: Expr;
}
export interface LambdaExpr extends NodeBase {
  kind: "Lambda";
  params: Param[];
  body: Expr;
}
/** `body if test else orelse` */
export interface IfExpExpr extends NodeBase {
  kind: "IfExp";
  test: Expr;
  body: Expr;
  orelse: Expr;
}
export interface Comprehension {
  target: Expr;
  iter: Expr;
  ifs: Expr[];
}
/** `[elt for …]`, `(elt for …)`, `{elt for …}`, `{key: value for …}` (then `elt` is the key). */
export interface ComprehensionExpr extends NodeBase {
  kind: "Comprehension";
  type: "list" | "generator" | "set" | "dict";
  elt: Expr;
  value?: Expr;
  generators: Comprehension[];
}
/** One `{value!r:spec}` of an f-string. */
export interface FormattedValue {
  value: Expr;
  conversion?: "r" | "s" | "a";
  /** The format spec as written (`>10`, `.2f`), without the colon; may not contain `{`. */
  spec?: string;
}
/** An f-string: literal parts and formatted values, in order. */
export interface JoinedStrExpr extends NodeBase {
  kind: "JoinedStr";
  parts: (string | FormattedValue)[];
}
/** Valid Python that this AST does not model (`await`, `yield`, `:=`, complex numbers). */
export interface OpaqueExpr extends NodeBase {
  kind: "Opaque";
  what: string;
}

export type Expr =
  | NumberExpr
  | StringExpr
  | BoolExpr
  | NoneExpr
  | EllipsisExpr
  | NameExpr
  | AttributeExpr
  | CallExpr
  | TupleExpr
  | ListExpr
  | SetExpr
  | DictExpr
  | BinOpExpr
  | UnaryOpExpr
  | BoolOpExpr
  | CompareExpr
  | SubscriptExpr
  | SliceExpr
  | StarredExpr
  | LambdaExpr
  | IfExpExpr
  | ComprehensionExpr
  | JoinedStrExpr
  | OpaqueExpr;

/** A function or lambda parameter. `kind`: `*args` is "vararg", `**kw` is "kwarg". */
export interface Param extends NodeBase {
  name: string;
  kind: "positional" | "vararg" | "kwonly" | "kwarg";
  default?: Expr;
  annotation?: Expr;
}

/** `a = b = value`, `p1, p2 = 0.1, 0.2` (tuple target). */
export interface AssignStmt extends NodeBase {
  kind: "Assign";
  targets: Expr[];
  value: Expr;
}
/** `x: int = 5`, or `x: int` without a value (a dataclass field). */
export interface AnnAssignStmt extends NodeBase {
  kind: "AnnAssign";
  target: Expr;
  annotation: Expr;
  value?: Expr;
}
/** `target op= value`; `op` without the `=` (`+`, `//`, `@`, …). */
export interface AugAssignStmt extends NodeBase {
  kind: "AugAssign";
  target: Expr;
  op: BinOperator;
  value: Expr;
}
export interface ExprStmt extends NodeBase {
  kind: "Expr";
  value: Expr;
}
export interface FunctionDefStmt extends NodeBase {
  kind: "FunctionDef";
  name: string;
  params: Param[];
  body: Stmt[];
  returns?: Expr;
  decorators: Expr[];
}
export interface ReturnStmt extends NodeBase {
  kind: "Return";
  value?: Expr;
}
export interface ImportAlias extends NodeBase {
  /** Dotted name (`torch.nn`), or `*` in `from m import *`. */
  name: string;
  asname?: string;
}
/** `import a.b as c, d` */
export interface ImportStmt extends NodeBase {
  kind: "Import";
  names: ImportAlias[];
}
/** `from ..module import a as b`; `level` counts the leading dots. */
export interface ImportFromStmt extends NodeBase {
  kind: "ImportFrom";
  module: string;
  level: number;
  names: ImportAlias[];
}
export interface ForStmt extends NodeBase {
  kind: "For";
  target: Expr;
  iter: Expr;
  body: Stmt[];
  orelse: Stmt[];
}
/** `if`; an `elif` chain is a nested If in `orelse`. */
export interface IfStmt extends NodeBase {
  kind: "If";
  test: Expr;
  body: Stmt[];
  orelse: Stmt[];
}
/** One item of a `with` statement: `torch.no_grad()`, or `open(p) as f` (target `f`). */
export interface WithItem {
  context: Expr;
  target?: Expr;
}
/** `with a, b as x: body` (also `async with`, and Python 3.10's `with (a, b):`). */
export interface WithStmt extends NodeBase {
  kind: "With";
  items: WithItem[];
  body: Stmt[];
}
/** `class Name(bases, keywords): body`. */
export interface ClassDefStmt extends NodeBase {
  kind: "ClassDef";
  name: string;
  bases: Expr[];
  keywords: Keyword[];
  body: Stmt[];
  decorators: Expr[];
}
export interface WhileStmt extends NodeBase {
  kind: "While";
  test: Expr;
  body: Stmt[];
  orelse: Stmt[];
}
export interface BreakStmt extends NodeBase {
  kind: "Break";
}
export interface ContinueStmt extends NodeBase {
  kind: "Continue";
}
export interface PassStmt extends NodeBase {
  kind: "Pass";
}
/** `assert test, msg` */
export interface AssertStmt extends NodeBase {
  kind: "Assert";
  test: Expr;
  msg?: Expr;
}
/** `raise`, `raise exc`, `raise exc from cause` */
export interface RaiseStmt extends NodeBase {
  kind: "Raise";
  exc?: Expr;
  cause?: Expr;
}
/** One `except T as name:` clause (no `type`: a bare `except:`). */
export interface ExceptHandler extends NodeBase {
  type?: Expr;
  name?: string;
  body: Stmt[];
}
export interface TryStmt extends NodeBase {
  kind: "Try";
  body: Stmt[];
  handlers: ExceptHandler[];
  orelse: Stmt[];
  finalbody: Stmt[];
}
/** `del a, b[0], c.d` */
export interface DeleteStmt extends NodeBase {
  kind: "Delete";
  targets: Expr[];
}
/** `global a, b` / `nonlocal a` */
export interface ScopeStmt extends NodeBase {
  kind: "Global" | "Nonlocal";
  names: string[];
}

/**
 * A statement this AST does not model (`match`, `async for`, a `print` statement…). `binds` lists
 * the names it (syntactically) assigns, so an interpreter can mark them unknown rather than
 * undefined.
 */
export interface SkippedStmt extends NodeBase {
  kind: "Skipped";
  /** The lezer node name, e.g. `MatchStatement`. */
  what: string;
  binds: string[];
}

export type Stmt =
  | AssignStmt
  | AnnAssignStmt
  | AugAssignStmt
  | ExprStmt
  | FunctionDefStmt
  | ReturnStmt
  | ImportStmt
  | ImportFromStmt
  | ForStmt
  | IfStmt
  | WithStmt
  | ClassDefStmt
  | WhileStmt
  | BreakStmt
  | ContinueStmt
  | PassStmt
  | AssertStmt
  | RaiseStmt
  | TryStmt
  | DeleteStmt
  | ScopeStmt
  | SkippedStmt;

export interface Module {
  kind: "Module";
  body: Stmt[];
  file?: string;
}

/** Where a parsed text sits in its file (for text cut out of a bigger file, e.g. a repr line). */
export interface ParseOrigin {
  /** Line of the text's first character in the file (1-based). Default 1. */
  line?: number;
  /** Column of the text's first character (1-based). Default 1. */
  column?: number;
  /**
   * Characters removed from the start of each line before parsing (0-based line index of the
   * text → count), e.g. a `>>> ` prompt: added back to the columns of every location.
   */
  shift?: readonly number[];
}
