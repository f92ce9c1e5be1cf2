/*
 * ::dcmds, ::walkers and ::formats: the registry and the format table as
 * "name - description" lines, sorted, optionally filtered by a pattern
 * (matched against name and description, or only the name with -n).
 */
import { defineDcmd, flag, table, text } from '../../dcmd.js';
import { MdbError, UsageError } from '../../errors.js';
import { formatHelp } from '../../format.js';

function matcher(pattern: string | undefined, nameOnly: boolean): (name: string, descr: string) => boolean {
  if (pattern === undefined) return () => true;
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    throw new MdbError(e instanceof Error ? e.message : 'bad pattern');
  }
  return (name, descr) => re.test(name) || (!nameOnly && re.test(descr));
}

const LIST_COLUMNS = [
  { key: 'name', header: '', width: 24 },
  { key: 'description', header: '', format: (v: unknown) => `- ${String(v)}` },
];

const FILTER_HELP = `If a pattern (a regular expression) is given, only the names or
descriptions that match it are listed.`;

export const dcmds = defineDcmd({
  name: 'dcmds',
  synopsis: '[-n] [pattern]',
  address: 'none',
  summary: 'list available debugger commands',
  help: `Lists every dcmd, alias included, with its one-line description.\n${FILTER_HELP}`,
  options: { n: flag('match only the name, not the description') },
  run(ctx, _addr, opts, args) {
    if (args.length > 1) throw new UsageError();
    const ok = matcher(args[0] === undefined ? undefined : String(args[0]), opts.n);
    const rows = ctx.registry
      .dcmdNames()
      .filter(([n, d]) => ok(n, d.summary))
      .map(([name, d]) => ({ name, description: d.summary }));
    return table(LIST_COLUMNS, rows, { noHeader: true });
  },
});

export const walkers = defineDcmd({
  name: 'walkers',
  synopsis: '[-n] [pattern]',
  address: 'none',
  summary: 'list available walkers',
  help: `Lists every walker with its description.\n${FILTER_HELP}`,
  options: { n: flag('match only the name, not the description') },
  run(ctx, _addr, opts, args) {
    if (args.length > 1) throw new UsageError();
    const ok = matcher(args[0] === undefined ? undefined : String(args[0]), opts.n);
    const rows = ctx.registry
      .walkers()
      .filter((w) => ok(w.name, w.description))
      .map((w) => ({ name: w.name, description: w.description }));
    return table(LIST_COLUMNS, rows, { noHeader: true });
  },
});

export const formats = defineDcmd({
  name: 'formats',
  synopsis: '',
  address: 'none',
  summary: 'list format specifiers',
  help: 'Lists the format letters of the / and = verbs with the number of bytes each reads.',
  options: {},
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    return text(formatHelp(ctx.pointerSize));
  },
});
