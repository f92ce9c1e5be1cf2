/*
 * ::dcmds, ::walkers and ::formats: the registry and the format table as
 * "name - description" lines, sorted, optionally filtered by a pattern
 * (matched against name and description, or only the name with -n).
 */
import { defineDcmd, flag, table, text } from '../../dcmd.js';
import { MdbError, UsageError } from '../../errors.js';
import { formatHelp, formatList } from '../../format.js';

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
  help: `Lists every dcmd, alias included, with its one-line description.
${FILTER_HELP}

EXAMPLES
  > ::dcmds ^kmem
  kmem_cache               - print kernel memory caches
  kmem_log                 - dump kmem transaction log
  kmem_slabs               - display slab usage per kmem cache
  kmem_verify              - check integrity of kmem-managed memory`,
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
  help: `Lists every walker with its description.
${FILTER_HELP}

EXAMPLES
  > ::walkers -n ^vmem_
  vmem_alloc               - given a vmem_t, walk its allocated vmem_segs
  vmem_free                - given a vmem_t, walk its free vmem_segs
  vmem_postfix             - walk vmem structures in post-fix, depth-first order
  vmem_seg                 - given a vmem_t, walk all of its vmem_segs
  vmem_span                - given a vmem_t, walk its spanning vmem_segs`,
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
  help: `Lists the format letters of the / and = verbs, each with what it prints
and the number of bytes it reads. A letter after / reads memory at dot;
after = it formats the value of dot itself.

EXAMPLES
  > ::formats
  + - increment dot by the count (variable size)
  - - decrement dot by the count (variable size)
  B - hexadecimal int (1 byte)
  ...
  J - hexadecimal long long (8 bytes)
  K - hexadecimal uintptr_t (8 bytes)
  ...`,
  options: {},
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    return text(formatHelp(ctx.pointerSize), { data: formatList(ctx.pointerSize) });
  },
});
