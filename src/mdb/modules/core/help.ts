/*
 * ::help — general help, or one dcmd's manual page built from its declaration
 * (NAME, SYNOPSIS, DESCRIPTION with its options, ATTRIBUTES), as mdb's
 * cmd_help lays it out.
 */
import { defineDcmd, text, type AnyDcmd } from '../../dcmd.js';
import { MdbError, UsageError } from '../../errors.js';
import { bareSynopsis } from '../../registry.js';
import { resolveVerb } from '../../verbs.js';

const GENERAL = `
Each command has the form

      [ address [, count]] verb [ arguments ... ]

  address   an expression; it sets dot (.), the address the verb works on
  count     an expression: how many times to repeat the verb
  verb      ::name for a dcmd, $x for an adb-style command, or a format
            verb: /fmt prints memory at dot, =fmt prints the value of dot
  arguments words, "quoted strings", or $[ expression ]

Separate commands with ; or a newline. In a | b, b runs once for each
address that a passes on.

      ::help name   ... the manual for one dcmd
      ::dcmds       ... every dcmd, with a one-line description
      ::walkers     ... every walker, with a one-line description
      ::formats     ... the format letters for / and =

`;

/** The option list for a dcmd's DESCRIPTION. */
export function optionLines(d: AnyDcmd): string[] {
  return Object.entries(d.options).map(([k, o]) => {
    const flag = o.kind === 'flag' ? `-${k}` : `-${k} ${o.arg}`;
    return `${flag.padEnd(10)} ${o.help}`;
  });
}

/** Modules built into mdb itself (no dmod handle): the debugger's own and the kvm target's. */
const BUILTIN_MODULES: ReadonlySet<string> = new Set(['mdb', 'mdb_kvm']);

/** The manual page of one dcmd; `help` is its DESCRIPTION for the dump at hand (helpFor), d.help by default. */
export function manPage(d: AnyDcmd, shownName: string, module: string, help = d.help): string {
  const addr = d.address === 'optional' ? '[ addr ] ' : d.address === 'required' ? 'addr ' : '';
  const syn = bareSynopsis(d);
  let s = `\nNAME\n  ${shownName} - ${d.summary}\n\nSYNOPSIS\n  ${addr}::${shownName}${syn ? ' ' + syn : ''}\n\n`;
  const body = help.trim() === '' ? [] : help.trimEnd().split('\n');
  const opts = optionLines(d);
  if (body.length > 0 || opts.length > 0) {
    s += 'DESCRIPTION\n';
    for (const l of body) s += l === '' ? '\n' : `  ${l}\n`;
    if (opts.length > 0) {
      if (body.length > 0) s += '\n';
      s += '  OPTIONS\n';
      for (const l of opts) s += `    ${l}\n`;
    }
    s += '\n';
  }
  // cmd_help(): mdb's built-in modules mark their interfaces Evolving, loaded dmods (genunix, zfs ...) Unstable
  const stability = BUILTIN_MODULES.has(module) ? 'Evolving' : 'Unstable';
  s += `ATTRIBUTES\n\n  Target: kvm\n  Module: ${module}\n  Interface Stability: ${stability}\n\n`;
  return s;
}

export default defineDcmd({
  name: 'help',
  synopsis: '[command]',
  address: 'none',
  summary: 'list commands/command help',
  help: `With no argument, explains the form of a command line. With the name
of a dcmd (with or without its leading ::, or an adb verb such as $c),
prints its manual: what it does, its synopsis and options.

EXAMPLES
  > ::help sizeof`,
  options: {},
  run(ctx, _addr, _opts, args) {
    if (args.length > 1) throw new UsageError();
    if (args.length === 0) return text(GENERAL, { data: { text: GENERAL } });
    const raw = String(args[0]);
    const name = raw.startsWith('::') ? raw.slice(2) : raw;
    const target = resolveVerb(name)?.name ?? name;
    const d = ctx.registry.dcmd(target);
    if (!d) throw new MdbError(`unknown command: ${raw}`);
    return text(manPage(d, target, ctx.registry.moduleOf(target) ?? 'mdb', d.helpFor?.(ctx.target) ?? d.help), { data: { name: target, synopsis: d.synopsis, summary: d.summary } });
  },
});
