/*
 * How dcmds and walkers are declared (style.md B2/B3). A dcmd is data plus a
 * pure `run` that returns a Result; the engine parses options, loops over
 * walkers and pipes, prints headers once and renders text or JSON. A module
 * is mdb's modinfo: a name, its dcmds and walkers, and an optional `init`
 * that adds dump-dependent ones (kmem_init_walkers: a walker per cache).
 */
import type { Target } from './target.js';
import type { Registry } from './registry.js';

// ---------------------------------------------------------------- options

export type OptionSpec =
  | { kind: 'flag'; help: string }
  | { kind: 'string'; arg: string; help: string; repeat?: false }
  | { kind: 'strings'; arg: string; help: string }
  | { kind: 'uint'; arg: string; help: string };

/** Options by letter: { v: flag('verbose'), n: str('name', 'match name') }. */
export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed options a dcmd's run() receives. */
export type ParsedOptions<O extends OptionSpecs> = {
  [K in keyof O]: O[K] extends { kind: 'flag' }
    ? boolean
    : O[K] extends { kind: 'uint' }
      ? bigint | undefined
      : O[K] extends { kind: 'strings' }
        ? string[]
        : string | undefined;
};

export const flag = (help: string) => ({ kind: 'flag', help }) as const;
export const str = (arg: string, help: string) => ({ kind: 'string', arg, help }) as const;
export const strs = (arg: string, help: string) => ({ kind: 'strings', arg, help }) as const;
export const uint = (arg: string, help: string) => ({ kind: 'uint', arg, help }) as const;

/** A dcmd argument after option parsing: a word, or the value of a `$[expr]`. */
export type DcmdArg = string | bigint;

// ---------------------------------------------------------------- results

export type Row = Record<string, unknown>;

export interface Column {
  /** the row key, and the field name in --json */
  key: string;
  /** header text (may be '' for a headerless column) */
  header: string;
  /** value alignment, default left */
  align?: 'left' | 'right';
  /** header alignment, default the value alignment */
  headerAlign?: 'left' | 'right';
  /** minimum width; 'ptr' is pointer width (16 on 64-bit, %?p) */
  width?: number | 'ptr';
  /** value to text; default: bigint as hex, number as decimal, string as is */
  format?: (value: unknown, row: Row) => string;
  /** the cell is highlighted (bold red) when colour is on: a non-zero alloc fail */
  alert?: (value: unknown, row: Row) => boolean;
  /** the cell is a usage bar (render/bar.ts) whose filled part is coloured when colour is on */
  bar?: boolean;
  /**
   * how --json writes the value when the row holds a number: 'hex' for flags
   * and bit masks ("0x1c00"), as addresses are; default: bigints as hex
   * strings, numbers as numbers (counts)
   */
  json?: 'hex';
}

export interface ResultBase {
  /** addresses for the next pipe stage (what mdb prints when piped) */
  addresses?: bigint[];
  /** the C type of those addresses, so `| ::print` needs no type */
  addressType?: string;
  /**
   * the same text with colour (SGR sequences; every string from the dump
   * already made visible), printed instead when the front end has colour on
   */
  colorText?: string;
}

/** Rows rendered by render/table.ts; the header prints once per command. */
export interface TableResult extends ResultBase {
  kind: 'table';
  columns: Column[];
  rows: Row[];
  /** replaces the generated header line(s) */
  headerLines?: string[];
  noHeader?: boolean;
  /** column separator, default one space */
  sep?: string;
}

/**
 * Preformatted text (newline-terminated lines) and the typed data it shows:
 * --json prints only `data` ({"type": "data"}), never the text, so every
 * text result says what it means as data.
 */
export interface TextResult extends ResultBase {
  kind: 'text';
  text: string;
  data: unknown;
}

/** Only addresses (a walk); printed one per line when not piped. */
export interface AddressResult extends ResultBase {
  kind: 'addresses';
  addresses: bigint[];
  /** variable assigned each address as it flows to the next stage (::walk name var) */
  bindVar?: string;
}

export type Result = TableResult | TextResult | AddressResult;

export const table = (columns: Column[], rows: Row[], extra: Partial<TableResult> = {}): TableResult => ({ kind: 'table', columns, rows, ...extra });
export const text = (t: string, extra: Partial<TextResult> & { data: unknown }): TextResult => ({ kind: 'text', text: t, ...extra });
export const addresses = (list: bigint[], addressType?: string): AddressResult =>
  addressType === undefined ? { kind: 'addresses', addresses: list } : { kind: 'addresses', addresses: list, addressType };

// ---------------------------------------------------------------- contexts

/** What a walker sees. */
export interface WalkContext {
  readonly target: Target;
  readonly registry: Registry;
  /** a layered walk (mdb_pwalk): the addresses of another walker */
  walk(name: string, addr?: bigint): Iterable<bigint>;
  /** per-session state shared by a module's dcmds and walkers (e.g. ::findleaks results) */
  readonly cache: Map<string, unknown>;
  /** throws "interrupted" when Ctrl-C was pressed; call it in long loops */
  checkInterrupt(): void;
}

/*
 * Ctrl-C arrives as an event, so a loop that never yields cannot see it.
 * Long-running dcmds (heap scans) should `await ctx.poll()` in their loop:
 * it lets the event loop run now and then and throws "interrupted" once the
 * signal has fired. Walkers are synchronous; the engine checks between
 * their elements.
 */

/** What a dcmd sees: mdb's flags made explicit, plus the session's services. */
export interface DcmdContext extends WalkContext {
  /** dot when the dcmd was called */
  readonly dot: bigint;
  /** an address was given (DCMD_ADDRSPEC) */
  readonly addrSpec: boolean;
  /** called once per element of a loop, walk or pipe (DCMD_LOOP) */
  readonly loop: boolean;
  /** the first call of such a loop (DCMD_LOOPFIRST): print headers now */
  readonly first: boolean;
  /** input comes from a pipe (DCMD_PIPE) */
  readonly piped: boolean;
  /** every address piped into this command, in order (mdb_get_pipe()); the first call may consume them all */
  readonly pipeInput?: readonly bigint[];
  /** output goes to a pipe (DCMD_PIPE_OUT): return addresses, not text */
  readonly pipedInto: boolean;
  /** the C type of piped addresses, when the previous stage knew it */
  readonly inputType: string | undefined;
  readonly pointerSize: 4 | 8;
  /** mdb's variables (`>x`, `<x`) */
  readonly vars: Map<string, bigint>;
  /** the default radix for numbers typed without a prefix */
  readonly radix: number;
  setRadix(radix: number): void;
  /** moves dot after this command (::print leaves dot past the object) */
  setDot(v: bigint): void;
  /** evaluates an expression (::grep) with dot as this call's dot, in mdb's arithmetic */
  evalExpr(text: string): bigint;
  /** runs command text (::eval, $<); returns the last stage's addresses when piped */
  evaluate(line: string): Promise<bigint[]>;
  /** reads a file for $< (only batch and the REPL can) */
  readFile?(path: string): string;
  /** asks the session to end after this line ($q, ::quit) */
  quit(): void;
  /**
   * ::log: start a transcript in `file` (with the command lines when `echo`),
   * stop it (null), or only ask (undefined); returns the file logged to
   * afterwards, or null. Absent where the front end cannot write files.
   */
  log?(file: string | null | undefined, echo: boolean): string | null;
  /** yields to the event loop every so often and throws "interrupted" after Ctrl-C */
  poll(): Promise<void>;
}

/** What a custom renderer gets. */
export interface RenderContext {
  readonly target: Target;
  /** the first result of this command: print the header */
  readonly first: boolean;
  readonly pointerSize: 4 | 8;
}

// ---------------------------------------------------------------- declarations

export type AddressMode = 'none' | 'optional' | 'required';

/** How the ddb grammar (`cmd[/modifiers] [addr][,count]`) reaches a dcmd. */
export interface DdbSpec {
  /** the command words, each a phrase: ['bt', 'trace', 'where'], ['show all procs', 'ps'] */
  words: string[];
  /** modifier letters and the dcmd argument each becomes: { i: '-i' }; other letters are ignored */
  modifiers?: Record<string, string>;
  /**
   * the command reads only the first modifier letter and keeps it for the
   * next time it is typed without one (db_print_cmd()'s db_print_format);
   * a letter not in `modifiers` is refused with this message
   */
  firstModifier?: { error: string };
  /** what `,count` is: an argument `-n count` passed on ('arg', bt's frame limit), or ignored; never an mdb repeat */
  count?: 'arg';
  /** the synopsis ddb's help shows after the words: "[tid|pid|addr][,n]" */
  synopsis?: string;
}

export interface Dcmd<O extends OptionSpecs = OptionSpecs> {
  name: string;
  aliases?: string[];
  /** mdb usage syntax without the address prefix ("[-v] [-n cache]"); a leading ?/: must agree with `address` */
  synopsis: string;
  address: AddressMode;
  /** one lower-case line (::dcmds, NAME in ::help) */
  summary: string;
  /** DESCRIPTION for ::help: prose, OPTIONS, EXAMPLES */
  help: string;
  /**
   * The DESCRIPTION for the dump at hand when it differs from `help`: a dcmd
   * that prints another layout on another kernel (::uma_keg on a 2020
   * FreeBSD kernel) explains and shows that layout. Undefined keeps `help`.
   */
  helpFor?(target: Target): string | undefined;
  options: O;
  /** the dump type expected at the address (from a pipe or the user) */
  input?: string;
  /** walk this when called without an address, calling run per element (mdb_walk_dcmd) */
  walker?: string;
  /**
   * ddb's words for this dcmd, when the ddb grammar reaches it (parse/ddb.ts):
   * "show uma", "bt", "show all procs". The ddb parser looks them up here, so
   * a ddb command is this dcmd and nothing else.
   */
  ddb?: DdbSpec;
  /**
   * A dcmd returns one Result, or yields several as it goes (a generator):
   * the engine prints or pipes on each as it comes, so a long walk streams.
   */
  run(ctx: DcmdContext, addr: bigint | undefined, opts: ParsedOptions<O>, args: DcmdArg[]): Result | void | Promise<Result | void> | Iterable<Result> | AsyncIterable<Result>;
  /**
   * Takes its whole piped input at once (mdb_get_pipe(): ::whatis sorts it,
   * ::stacks groups it): the engine collects the stage's input and offers it
   * as ctx.pipeInput. Other piped dcmds stream, one address per call.
   */
  pipeAll?: boolean;
  render?(result: Result, rc: RenderContext): string;
}

/** A dcmd with its option types erased, as registries hold them. */
export type AnyDcmd = Dcmd<OptionSpecs>;

export function defineDcmd<O extends OptionSpecs>(d: Dcmd<O>): AnyDcmd {
  return d as unknown as AnyDcmd;
}

export interface Walker {
  name: string;
  description: string;
  /** the type of the starting address, when one is accepted */
  inputType?: string;
  /** the type of the addresses yielded (lets `| ::print` omit the type) */
  outputType?: string;
  /** init, step and fini in one generator; throw DcmdError to refuse (e.g. a global walk) */
  walk(ctx: WalkContext, addr?: bigint): Iterable<bigint>;
}

export function defineWalker(w: Walker): Walker {
  return w;
}

/** mdb's modinfo: a module's dcmds and walkers. */
export interface Module {
  name: string;
  dcmds: AnyDcmd[];
  walkers: Walker[];
  /** dump-dependent additions (one walker per kmem cache) */
  init?(target: Target): { dcmds?: AnyDcmd[]; walkers?: Walker[] } | void;
}
