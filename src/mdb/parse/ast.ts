/*
 * The command AST. A front end turns a line of text into CommandLines; the
 * engine (engine.ts) runs them and never sees text. mdb's grammar is the one
 * front end today (parser.ts). A ddb front end ("show uma", "bt", "x/gx
 * addr,4", prompt "db> ") is meant to be a second parser producing the same
 * nodes: `show uma` becomes a `dcmd` verb whose name the ddb module registers,
 * `x/gx addr,4` a `format` verb with an address and a count. Nothing below is
 * specific to mdb's surface syntax except the names of the format letters.
 */

/** Binary operators, in mdb's spelling: `%` divides and `#` is modulo. */
export type BinaryOp = '*' | '%' | '#' | '+' | '-' | '<<' | '>>' | '==' | '!=' | '&' | '^' | '|';

/**
 * Unary operators: `-` negate, `~` complement, `#` logical not, `*` read a
 * pointer-sized value at the operand, `%` read it from the object file (the
 * same thing for a dump).
 */
export type UnaryOp = '-' | '~' | '#' | '*' | '%';

export type Expr =
  | { kind: 'num'; value: bigint }
  /** a symbol (`kmem_flags`, `genunix`kmem_flags`), or a number-looking name resolved at run time */
  | { kind: 'sym'; name: string; number?: bigint }
  /** `<var` */
  | { kind: 'var'; name: string }
  /** `.` dot, `&` the last address a command ran with, `+`/`^` dot plus/minus the increment */
  | { kind: 'dot' }
  | { kind: 'lastdot' }
  | { kind: 'incr' }
  | { kind: 'decr' }
  | { kind: 'unary'; op: UnaryOp; arg: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr };

/** A dcmd argument: a word or quoted string, or `$[expr]` (an immediate value). */
export type Arg = { kind: 'str'; value: string } | { kind: 'expr'; expr: Expr; text: string };

/** One element of a format string: a letter with its repeat count, or literal text ("..."). */
export type FormatItem = { kind: 'fmt'; letter: string; count: number } | { kind: 'text'; text: string };

/** ddb's `x/FMT addr,count`, which verbs-examine.ts prints as db_examine() does. */
export interface DdbExamine {
  /**
   * db_examine_format: the modifier string, read a character at a time on
   * every round (b h l g set the size, a prints the location, r x z d u o c
   * s S i I print a value, anything else only starts a line)
   */
  format: string;
  /** how many times db_examine() runs the format */
  count: number;
}

export type Verb =
  /** `::name args`, `$c`, `$<file`; `name` keeps its spelling ("$c") and the engine maps it */
  | { kind: 'dcmd'; name: string; args: Arg[] }
  /** `/fmt` (virtual), `\fmt` (physical), `?fmt` (object file), `=fmt` (the value of dot); `examine` (and no items) when it is ddb's x */
  | { kind: 'format'; space: '/' | '\\' | '?' | '='; items: FormatItem[]; values: Arg[]; examine?: DdbExamine }
  /** `>var`: assign dot to a variable */
  | { kind: 'assign'; name: string }
  /** a bare expression: sets dot */
  | { kind: 'none' };

/** `[addr][,count] verb`: one stage of a pipeline. */
export interface Invocation {
  addr?: Expr;
  count?: Expr;
  verb: Verb;
}

/** `a | b | c`: b runs once per address a emits. */
export interface Pipeline {
  /** the source text, for --json and error messages */
  text: string;
  stages: Invocation[];
  /** `... ! shellcmd`: the shell command the output is piped to (rest of the command) */
  shell?: string;
}

/** Commands from one line, separated by `;` or newlines. */
export type CommandLine = Pipeline[];
