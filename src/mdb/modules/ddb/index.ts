/*
 * The ddb grammar's own module, loaded when a session speaks ddb: `help`,
 * which lists the ddb commands the registry answers (db_help_cmd). Every
 * other ddb command is a dcmd of a kernel module that declares its ddb words.
 */
import { defineDcmd, flag, str, text, type Module, type Result } from '../../dcmd.js';
import { DcmdError, DdbError, UsageError } from '../../errors.js';
import { DDB_BUILTINS, ddbPhrases, ddbTable, NO_SUCH_COMMAND, searchWord } from '../../parse/ddb.js';
import type { Registry } from '../../registry.js';

export const ddbhelp = defineDcmd({
  name: 'ddbhelp',
  synopsis: '[-r] [-t table]',
  address: 'none',
  summary: "list ddb's commands",
  help: `Lists the commands the ddb grammar knows, one per line: the command
words, their syntax, and what they do. Commands may be abbreviated to a
unique prefix ("sh u" is "show uma"), numbers are hex unless prefixed 0t
(decimal) or 0o (octal), and an empty line repeats the last command. In
ddb syntax this is "help" (which, as ddb's help does, ignores the rest of
its line).

-t lists one command table instead, as db_cmd_list() does: the names of
its commands in columns of 16, four to a line, then those that have
subcommands of their own. ddb prints that for a table given with "help"
as its subcommand ("show help") or, after "Subcommand required; available
subcommands:" (-r), with none ("show").

EXAMPLES
  db> help
  Command list:
  ...
  db> show all help
  chains          pcpu            procs           trace
  vmem            vmemdump
  > ::ddbhelp
  Command list:
  ...`,
  options: { t: str('table', 'list this command table (show, show all)'), r: flag('begin with "Subcommand required"') },
  ddb: { words: ['help'] },
  run(ctx, _addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    if (opts.t !== undefined) return tableList(ctx.registry, String(opts.t), opts.r === true);
    const rows = ddbPhrases(ctx.registry).map(({ phrase, node }) => {
      const b = DDB_BUILTINS.find((x) => x.builtin === node.builtin && node.builtin !== undefined);
      const synopsis = b ? b.synopsis : (node.spec?.synopsis ?? '');
      const summary = b ? b.summary : (node.dcmd?.summary ?? '');
      const mdb = node.dcmd ? `::${node.dcmd.name}` : '/fmt';
      return { command: phrase, synopsis, summary, mdb };
    });
    const w = Math.max(...rows.map((r) => (r.command + r.synopsis).length + 1), 20);
    const lines = rows.map((r) => `${(r.command + (r.synopsis ? (/^\[?\//.test(r.synopsis) ? '' : ' ') + r.synopsis : '')).padEnd(w)}  ${r.summary} (${r.mdb})`);
    return text(['Command list:', ...lines].join('\n') + '\n', { data: rows });
  },
});

/** db_max_width: where db_end_line() starts a new line */
const DB_MAX_WIDTH = 79;

/**
 * db_cmd_list(table): each name "%-16s", a new line when the next field
 * would pass db_max_width (db_end_line(16)), then the names that have
 * subcommands under "The following have subcommands; ...".
 */
function tableList(registry: Registry, phrase: string, required: boolean): Result {
  let node = ddbTable(registry);
  for (const w of phrase.trim().split(/\s+/)) {
    const r = searchWord(node, w);
    if ('error' in r) throw new DdbError(r.error === 'none' ? NO_SUCH_COMMAND : 'Ambiguous');
    node = r.node;
  }
  if (node.children.size === 0) throw new DcmdError(`${phrase} has no subcommands`);
  const names = [...node.children.keys()].sort();
  const column = (list: readonly string[]): string => {
    let out = '';
    let pos = 0;
    for (const n of list) {
      const f = n.padEnd(16);
      out += f;
      pos += f.length;
      if (pos + 16 > DB_MAX_WIDTH) {
        out += '\n';
        pos = 0;
      }
    }
    return pos > 0 ? out + '\n' : out;
  };
  let out = required ? 'Subcommand required; available subcommands:\n' : '';
  out += column(names);
  const more = names.filter((n) => node.children.get(n)!.children.size > 0);
  if (more.length > 0) out += `\nThe following have subcommands; append "help" to list (e.g. "show help"):\n${column(more)}`;
  return text(out, { data: { table: phrase, commands: names, withSubcommands: more } });
}

/** ddb's db_print_cmd widths: %8lx, %+8lz, %11ld, %11lu, %16lo, %+11lr. */
const PRINT: Record<string, (v: bigint) => string> = {
  x: (v) => v.toString(16).padStart(8),
  z: (v) => {
    const s = BigInt.asIntN(64, v);
    return (s < 0n ? '-' + (-s).toString(16) : '+' + s.toString(16)).padStart(8);
  },
  r: (v) => {
    const s = BigInt.asIntN(64, v);
    return (s < 0n ? '-' + (-s).toString(16) : '+' + s.toString(16)).padStart(11);
  },
  d: (v) => BigInt.asIntN(64, v).toString(10).padStart(11),
  u: (v) => v.toString(10).padStart(11),
  o: (v) => v.toString(8).padStart(16),
  c: (v) => {
    const c = Number(v & 0x7fn);
    return c < 0x20 || c === 0x7f ? `\\${c.toString(8).padStart(3, '0')}` : String.fromCharCode(c);
  },
};

export const ddbprint = defineDcmd({
  name: 'ddbprint',
  synopsis: ':[-x|-z|-r|-d|-u|-o|-c|-a]',
  address: 'required',
  summary: "print a value as ddb's print does",
  help: `Prints the value of the address expression as ddb's "print" (p) does:
in hex padded to 8 columns by default (-x); -z signed hex, -r signed in
the current radix, -d signed decimal, -u unsigned decimal (11 columns),
-o octal (16 columns), -c a character, -a a symbol. In ddb syntax:
p[/xzrduoca] expr; as in ddb only the first modifier letter counts, and
a p without one prints as the last p that had one did.

EXAMPLES
  db> p 0t10
         a
  > 0t10::ddbprint -d
           10`,
  options: {
    x: flag('hex (the default)'),
    z: flag('signed hex'),
    r: flag('signed, current radix'),
    d: flag('signed decimal'),
    u: flag('unsigned decimal'),
    o: flag('octal'),
    c: flag('a character'),
    a: flag('a symbol'),
  },
  ddb: {
    words: ['p', 'print'],
    modifiers: { x: '-x', z: '-z', r: '-r', d: '-d', u: '-u', o: '-o', c: '-c', a: '-a' },
    // db_print_cmd(): "if (modif[0] != '\0') db_print_format = modif[0];", and an unknown one is a db_error()
    firstModifier: { error: 'Syntax error: unsupported print modifier' },
    synopsis: '[/xzrduoca] expr',
  },
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const v = BigInt.asUintN(ctx.pointerSize * 8, addr!);
    const letter = (['z', 'r', 'd', 'u', 'o', 'c', 'a'] as const).filter((l) => opts[l]).pop() ?? 'x';
    // 'a' is db_printsym(): sym+0x8, as ddb names a location
    const s = letter === 'a' ? ctx.target.formatAddrDdb(v) : PRINT[letter]!(v);
    return text(s + '\n', { data: { value: v } });
  },
});

export const ddbModule: Module = { name: 'ddb', dcmds: [ddbhelp, ddbprint], walkers: [] };
