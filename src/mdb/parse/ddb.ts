/*
 * ddb's grammar (FreeBSD sys/ddb/db_command.c): `cmd[/modifiers]
 * [addr][,count]`, the command one or more words (`show all procs`), each
 * word abbreviable to a unique prefix among its siblings (db_cmd_search: an
 * exact match wins, two prefix matches are `Ambiguous`, none is `No such
 * command`). Numbers are in radix 16 unless prefixed 0t (decimal), 0o
 * (octal) or 0x.
 *
 * The commands are the registry's: every dcmd that declares `ddb` words
 * (dcmd.ts DdbSpec) is reachable by them, and a ddb command becomes the same
 * AST the mdb grammar produces (a `dcmd` verb, the address as the
 * invocation's address, modifiers and count as arguments), so the engine
 * runs one implementation whichever grammar typed it. Two commands are the
 * grammar's own, as in ddb: `x/FMT addr[,n]` (examine) is mdb's `/` format
 * verb. `p[/FMT] expr` is the ddb module's ::ddbprint (ddb's own widths).
 */
import type { AnyDcmd, DdbSpec } from '../dcmd.js';
import { DdbError, ParseError } from '../errors.js';
import type { Registry } from '../registry.js';
import type { Arg, Expr, Invocation } from './ast.js';
import { parseExpression, type ParsedCommand } from './parser.js';

/** A node of ddb's command tables: `show` is a node whose children are `uma`, `thread`, `all` ... */
export interface DdbNode {
  word: string;
  children: Map<string, DdbNode>;
  dcmd?: AnyDcmd;
  spec?: DdbSpec;
  /** the grammar's own command (examine: mdb's `/` format verb) */
  builtin?: 'examine';
}

/** The grammar's own commands, with ddb's synopsis and summary (for help). */
export const DDB_BUILTINS: ReadonlyArray<{ words: string[]; builtin: 'examine'; synopsis: string; summary: string }> = [
  { words: ['x', 'examine'], builtin: 'examine', synopsis: '[/bhlg][xzduorcsSaiI] addr[,count]', summary: 'display memory' },
];

const tables = new WeakMap<Registry, DdbNode>();

/** ddb's command tree over a registry's dcmds (built once per registry). */
export function ddbTable(registry: Registry): DdbNode {
  const hit = tables.get(registry);
  if (hit) return hit;
  const root: DdbNode = { word: '', children: new Map() };
  const place = (phrase: string): DdbNode => {
    let node = root;
    for (const w of phrase.trim().split(/\s+/)) {
      let next = node.children.get(w);
      if (!next) {
        next = { word: w, children: new Map() };
        node.children.set(w, next);
      }
      node = next;
    }
    return node;
  };
  for (const b of DDB_BUILTINS) for (const w of b.words) place(w).builtin = b.builtin;
  const seen = new Set<AnyDcmd>();
  for (const [, d] of registry.dcmdNames()) {
    if (!d.ddb || seen.has(d)) continue;
    seen.add(d);
    for (const phrase of d.ddb.words) {
      const n = place(phrase);
      n.dcmd = d;
      n.spec = d.ddb;
    }
  }
  tables.set(registry, root);
  return root;
}

/** Every ddb command phrase with what it runs, sorted (for help and completion). */
export function ddbPhrases(registry: Registry): Array<{ phrase: string; node: DdbNode }> {
  const out: Array<{ phrase: string; node: DdbNode }> = [];
  const visit = (n: DdbNode, prefix: string): void => {
    for (const [w, c] of n.children) {
      const phrase = prefix ? `${prefix} ${w}` : w;
      if (c.dcmd || c.builtin) out.push({ phrase, node: c });
      visit(c, phrase);
    }
  };
  visit(ddbTable(registry), '');
  return out.sort((a, b) => (a.phrase < b.phrase ? -1 : a.phrase > b.phrase ? 1 : 0));
}

/** db_cmd_search: the child a (possibly abbreviated) word names. */
export function searchWord(node: DdbNode, word: string): { node: DdbNode } | { error: 'none' | 'ambiguous' } {
  const exact = node.children.get(word);
  if (exact) return { node: exact };
  const hits = [...node.children.values()].filter((c) => c.word.startsWith(word));
  if (hits.length === 1) return { node: hits[0]! };
  return { error: hits.length === 0 ? 'none' : 'ambiguous' };
}

/** ddb splits nothing on `;` itself; mddb does, so that `-e 'show uma; bt'` runs both. */
function splitDdb(line: string): string[] {
  return line
    .split(/[;\r\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The last command of a ddb line, the one an empty line repeats; undefined for a blank line. */
export function lastDdbCommand(line: string): string | undefined {
  return splitDdb(line).at(-1);
}

/** Parses every command of a ddb line against the registry's ddb words. */
export function parseDdbLine(line: string, registry: Registry, radix = 16, st?: DdbState): ParsedCommand[] {
  return splitDdb(line).map((text) => {
    try {
      return { ok: true, pipeline: { text, stages: [parseDdbCommand(text, registry, radix, st)] } };
    } catch (e) {
      if (e instanceof ParseError) return { ok: false, text, error: e };
      const msg = e instanceof Error ? e.message : String(e);
      return { ok: false, text, error: new ParseError(msg) };
    }
  });
}

const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;
/** db_command()'s words (13.0) for a word that names no command, and for a line that starts with no word */
export const NO_SUCH_COMMAND = 'No such command; use "help" to list available commands';
const UNRECOGNIZED = 'Unrecognized input; use "help" to list available commands';

/** A command's words resolved against the table: the node they name and the text after them, or an invocation already made (a help listing). */
type Resolved = { node: DdbNode; path: string[]; rest: string } | { inv: Invocation };

/** db_command()'s search: the command words of `text`, subcommand by subcommand (db_cmd_search), each abbreviable to a unique prefix. */
function resolveCommand(text: string, registry: Registry): Resolved {
  let rest = text.trim();
  const first = WORD.exec(rest);
  // db_command(): a line that does not start with a word is tNUMBER, tEXCL or the like
  if (!first) throw new DdbError(UNRECOGNIZED);
  let node: DdbNode = ddbTable(registry);
  let word = first[0];
  rest = rest.slice(word.length);
  const path: string[] = [];
  for (;;) {
    const r = searchWord(node, word);
    if ('error' in r) {
      // db_cmd_search(): a word beginning "help" that names nothing is CMD_HELP, the table's list (the rest of the line flushed)
      if (r.error === 'none' && word.startsWith('help')) return { inv: listTable(path, false) };
      throw new DdbError(r.error === 'none' ? NO_SUCH_COMMAND : 'Ambiguous');
    }
    node = r.node;
    path.push(node.word);
    // `help` is mddb's command list; like CMD_HELP it ignores what follows it
    if (path.length === 1 && node.dcmd?.name === 'ddbhelp') return { inv: { verb: { kind: 'dcmd', name: 'ddbhelp', args: [] } } };
    if (node.children.size === 0) break;
    // a table (`show`, `show all`) takes the next word as its subcommand; a
    // command that also has subcommands takes it only when it names one
    const m = /^\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    const isCommand = node.dcmd !== undefined || node.builtin !== undefined;
    if (!m) {
      if (isCommand) break;
      // db_command(): "Subcommand required; available subcommands:" and the table
      return { inv: listTable(path, true) };
    }
    if (isCommand && 'error' in searchWord(node, m[1]!)) break;
    word = m[1]!;
    rest = rest.slice(m[0].length);
  }
  return { node, path, rest };
}

/**
 * What ddb keeps between commands: db_examine_format, the modifiers of the
 * last x that had any ("x" at boot), which an x without modifiers reuses.
 */
export interface DdbState {
  examineFormat: string;
  /** db_print_format and its like: the kept modifier letter of each command that keeps one, by dcmd name */
  kept?: Map<string, string>;
}

/** One ddb command (no `;`) as one AST invocation. */
export function parseDdbCommand(text: string, registry: Registry, radix = 16, st?: DdbState): Invocation {
  const r = resolveCommand(text, registry);
  if ('inv' in r) return r.inv;
  const { node } = r;
  let rest = r.rest;
  let modifiers = '';
  if (rest.startsWith('/')) {
    // db_command(): the token after the slash must be an identifier (db_lex: a letter, '_' or '\\'
    // first, then letters, digits and '_'), else "Bad modifier"; x/5 starts a number
    const mod = /^\/[ \t]*([A-Za-z_\\][A-Za-z0-9_\\]*)/.exec(rest);
    if (!mod) throw new DdbError('Bad modifier');
    modifiers = mod[1]!;
    rest = rest.slice(mod[0].length);
  }
  const { addr, count } = addrAndCount(rest, radix);
  if (node.builtin === 'examine') {
    // db_examine_cmd(): "if (modif[0] != '\0') db_strcpy(db_examine_format, modif);"
    // (db_examine_format starts as "x")
    if (modifiers !== '') {
      if (st) st.examineFormat = modifiers;
    } else modifiers = st?.examineFormat ?? 'x';
    return examine(modifiers, addr, count);
  }
  const d = node.dcmd!;
  const spec = node.spec ?? { words: [] };
  const args: Arg[] = [];
  const known = (c: string): string | undefined => (spec.modifiers && Object.hasOwn(spec.modifiers, c) ? spec.modifiers[c] : undefined);
  if (spec.firstModifier) {
    let c = modifiers.charAt(0);
    if (c === '') c = st?.kept?.get(d.name) ?? '';
    else if (known(c) === undefined) {
      // db_print_cmd() goes back to its default before the error
      st?.kept?.delete(d.name);
      throw new DdbError(spec.firstModifier.error);
    } else if (st) (st.kept ??= new Map()).set(d.name, c);
    modifiers = c;
  }
  // a command looks for the letters it knows (strchr(modif, 'a') and the like) and ignores the rest
  const seen = new Set<string>();
  for (const c of modifiers) {
    const opt = known(c);
    if (opt === undefined || seen.has(opt)) continue;
    seen.add(opt);
    args.push({ kind: 'str', value: opt });
  }
  if (count && spec.count === 'arg') args.push({ kind: 'str', value: '-n' }, { kind: 'expr', expr: count.expr, text: `$[${count.text}]` });
  const inv: Invocation = { verb: { kind: 'dcmd', name: d.name, args } };
  if (addr) inv.addr = addr.expr;
  return inv;
}

/**
 * db_command()'s empty line: "repeats last command, at 'next'", with no
 * address of its own, a count of 1 and no modifiers. So x goes on at db_next
 * (the address after what it printed, `next`) in the format it kept, and any
 * other command runs again as if typed bare (bt traces the current thread
 * again). The line to run, or undefined when the last one named no command.
 */
export function ddbRepeatLine(last: string, registry: Registry, next: bigint): string | undefined {
  let r: Resolved;
  try {
    r = resolveCommand(last, registry);
  } catch {
    return undefined;
  }
  if ('inv' in r) return last;
  return r.node.builtin === 'examine' ? `${r.path.join(' ')} 0x${next.toString(16)}` : r.path.join(' ');
}

/** ddbhelp listing one command table (db_cmd_list), with db_command()'s "Subcommand required" line when no subcommand was given. */
function listTable(path: readonly string[], required: boolean): Invocation {
  const args: Arg[] = [];
  if (required) args.push({ kind: 'str', value: '-r' });
  if (path.length > 0) args.push({ kind: 'str', value: '-t' }, { kind: 'str', value: path.join(' ') });
  return { verb: { kind: 'dcmd', name: 'ddbhelp', args } };
}

interface Parsed {
  expr: Expr;
  text: string;
}

/** `[addr][,count]`: two expressions in the default radix. */
function addrAndCount(rest: string, radix: number): { addr?: Parsed; count?: Parsed } {
  const t = rest.trim();
  if (t === '') return {};
  const comma = t.lastIndexOf(',');
  const a = (comma < 0 ? t : t.slice(0, comma)).trim();
  const c = comma < 0 ? '' : t.slice(comma + 1).trim();
  // db_command(): "if (!db_expression(&count)) { db_printf("Count missing\n"); ...}"
  if (comma >= 0 && c === '') throw new DdbError('Count missing');
  const out: { addr?: Parsed; count?: Parsed } = {};
  if (a !== '') out.addr = { expr: expr(a, radix), text: a };
  if (c !== '') out.count = { expr: expr(c, radix), text: c };
  return out;
}

function expr(text: string, radix: number): Expr {
  try {
    return parseExpression(text, radix);
  } catch (e) {
    if (e instanceof ParseError) throw new DdbError(`Syntax error: ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`);
    throw e;
  }
}

/** x's modifiers are db_examine_format, read a character at a time when it prints; the count is how many rounds. */
function examine(format: string, addr: Parsed | undefined, count: Parsed | undefined): Invocation {
  const n = count ? countOf(count) : 1;
  const inv: Invocation = { verb: { kind: 'format', space: '/', items: [], values: [], examine: { format, count: n } } };
  if (addr) inv.addr = addr.expr;
  return inv;
}

/** x's count is a number of items: a constant, as a format item's count is. */
function countOf(c: Parsed): number {
  if (c.expr.kind !== 'num') throw new DdbError('Bad count');
  const n = c.expr.value;
  if (n < 1n || n > 0x10000n) throw new DdbError('Bad count');
  return Number(n);
}
