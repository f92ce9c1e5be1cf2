/*
 * The engine's errors. Every failure reaches the user as one line in mdb's
 * form, "mdb: <message>" (mdb_warn()), so each class here only decides the
 * message; the session adds the prefix. A dcmd throws; it never prints.
 */

/** A failure reported as `mdb: <message>`: what mdb_warn() prints. */
import { DumpError } from '../dump/errors.js';
export class MdbError extends Error {
  override name = 'MdbError';
  /**
   * No stack trace is captured: an MdbError is a message for the user
   * (errorLine), never a fault to trace, and capturing one costs several
   * microseconds under the engine's async frames. A dcmd that reads each
   * of 65,536 addresses meets unmapped memory several times at each (the
   * reads ::ptree makes through a page_t's words, each a MemoryError caught
   * and read as zero): 2 s of CPU went on stacks that nothing reads.
   * Anything else thrown (a bug, an internal error) keeps its stack.
   */
  constructor(message?: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
  /** the line as the user sees it */
  line(): string {
    return `mdb: ${this.message}`;
  }
  /** the line in ddb's words, where ddb has its own; otherwise the session uses line() */
  ddbLine(): string | undefined {
    return undefined;
  }
}

/** What a dcmd throws: `new DcmdError("couldn't read kmem_cache at ...")`. */
export class DcmdError extends MdbError {
  override name = 'DcmdError';
}

/**
 * A bad invocation (DCMD_USAGE): an unknown option, a missing argument, an
 * address where none is allowed. mdb prints what mdb_getopts() warned (the
 * `reason`, when there is one), then mdb_dcmd_usage()'s two lines:
 *
 *   mdb: illegal option -- z
 *   Usage: kmastat [-kmgG]
 *   mdb: try '::help kmastat' for more information
 *
 * A dcmd that simply returns DCMD_USAGE (an address it does not take, one it
 * needs) warns nothing first: `quiet` says so.
 */
export class UsageError extends MdbError {
  override name = 'UsageError';
  /** mdb_dcmd_usage()'s lines, filled in by the engine (registry.usageLines) */
  usage?: readonly string[];
  constructor(
    readonly reason?: string,
    /** the dcmd returned DCMD_USAGE without a warning of its own */
    readonly quiet = false,
    /** the dcmd printed its reason with mdb_printf(), not mdb_warn(): no "mdb: " before it */
    readonly printed = false,
  ) {
    super(reason ?? 'usage error');
  }
  /** The warning (if any) and the usage lines, newline-separated: the session splits them. */
  override line(): string {
    if (this.usage === undefined) return `mdb: ${this.message}`;
    const warn = this.reason === undefined || this.quiet ? [] : [this.printed ? this.reason : `mdb: ${this.reason}`];
    return [...warn, ...this.usage].join('\n');
  }
}

/** The command line does not parse: mdb's yyerror(). */
export class ParseError extends MdbError {
  override name = 'ParseError';
}

/**
 * A ddb command line that names no command, or names one ambiguously: ddb
 * prints its own words, `No such command` or `Ambiguous`, without the
 * `mdb:` prefix.
 */
/**
 * An expression named a symbol the dump does not have. mdb says so in its
 * words (errorLine); a session in ddb's grammar says it as db_expr.c's
 * db_term() does, "Symbol 'name' not found".
 */
export class UnknownSymbolError extends MdbError {
  override name = 'UnknownSymbolError';
  constructor(readonly symbol: string) {
    super('failed to dereference symbol: unknown symbol name');
  }
  override ddbLine(): string {
    return `Symbol '${this.symbol}' not found`;
  }
}

export class DdbError extends ParseError {
  override name = 'DdbError';
  override line(): string {
    return this.message;
  }
}

/** Lowercase hex without 0x, as mdb's %llx. */
function hexOf(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16);
}

/**
 * A read that hit no object of the dump (EMDB_NOMAP). Dcmds that want mdb's
 * own wording catch it and rethrow ("failed to read kmem_cache at %p");
 * uncaught it reads `failed to read 8 bytes at ffffff01d6e2a008: no mapping for address`.
 */
export class MemoryError extends MdbError {
  override name = 'MemoryError';
  constructor(
    readonly addr: bigint,
    readonly size: number,
  ) {
    super(`failed to read ${size} bytes at ${hexOf(addr)}: no mapping for address`);
  }
}

/**
 * A format verb (`addr/X`, ddb's `x/x addr`) hit unmapped memory. mdb says
 * "failed to read data from target"; ddb's db_get_value() prints
 * "*** error reading from address %llx ***" and returns to the prompt.
 */
export class TargetReadError extends MdbError {
  override name = 'TargetReadError';
  constructor(readonly addr: bigint) {
    super('failed to read data from target: no mapping for address');
  }
  override ddbLine(): string {
    return `*** error reading from address ${hexOf(this.addr)} ***`;
  }
}

/**
 * A disassembling format (`addr/i`, ddb's `x/i`) found no instruction bytes
 * at addr (the dump keeps no kernel text there). mdb says "failed to read
 * instruction at ..."; ddb's db_disasm() reads through db_get_value(), so it
 * prints db_get_value()'s "*** error reading from address %llx ***".
 */
export class InstructionReadError extends MdbError {
  override name = 'InstructionReadError';
  constructor(readonly addr: bigint) {
    super(`failed to read instruction at 0x${addr.toString(16)}`);
  }
  override ddbLine(): string {
    return `*** error reading from address ${hexOf(this.addr)} ***`;
  }
}

/** Ctrl-C between walk elements (the AbortSignal fired). */
export class InterruptError extends MdbError {
  override name = 'InterruptError';
  constructor() {
    super('interrupted');
  }
}

/** The single `mdb:` line for anything thrown; non-MdbErrors are engine bugs. */
export function errorLine(err: unknown): string {
  // a usage error is mdb's warning plus mdb_dcmd_usage()'s lines, each one line
  if (err instanceof UsageError) return err.line().split('\n').map(oneLine).join('\n');
  if (err instanceof MdbError) return oneLine(err.line());
  // a table of the dump turned out damaged when first read: say so, as mdb says a read failed
  if (err instanceof DumpError) return oneLine(`mdb: ${err.message}`);
  const msg = err instanceof Error ? err.message : String(err);
  return oneLine(`mdb: internal error: ${msg}`);
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trimEnd();
}
