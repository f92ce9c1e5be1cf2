/*
 * ::vars ($v lists the non-zero ones) and ::radix ($d): mdb's variables, set
 * with `>name` and read with `<name`, and the default input radix.
 */
import { defineDcmd, flag, text } from '../../dcmd.js';
import { MdbError, UsageError } from '../../errors.js';
import { numtostr } from '../../render/number.js';

export const vars = defineDcmd({
  name: 'vars',
  synopsis: '[-np]',
  address: 'none',
  summary: 'print listing of variables',
  help: `Lists the variables and their values, sorted by name. Variables are
set with >name (dot) or ::walk name var, and read with <name; 0 holds the
last value a / or = format printed. $v is ::vars -n.

EXAMPLES
  > panic_thread>p
  > <p=K
                  fffffffffbc14010
  > ::vars
  0 = fffffffffbc14010
  p = fffffffffbc14010`,
  options: { n: flag('only variables with non-zero values'), p: flag('print as commands that recreate them') },
  run(ctx, _addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const names = [...ctx.vars.keys()].sort();
    let s = '';
    for (const n of names) {
      const v = ctx.vars.get(n)!;
      if (opts.n && v === 0n) continue;
      const num = numtostr(v, ctx.radix, { unsigned: true });
      s += opts.p ? `${numtostr(v, ctx.radix, { unsigned: true, showbase: true })}>${n}\n` : `${n} = ${num}\n`;
    }
    return text(s, { data: Object.fromEntries(names.map((n) => [n, ctx.vars.get(n)])) });
  },
});

export const radix = defineDcmd({
  name: 'radix',
  synopsis: '?',
  address: 'optional',
  summary: 'get/set default output radix',
  help: `Prints the radix used for numbers typed without a prefix (0x, 0t, 0o,
0i). With an address, sets it first: 0t10$d switches to decimal. The
radix is always printed in decimal. $d is the same command.

EXAMPLES
  > ::radix
  radix = 16 base ten
  > 0t10::radix
  radix = 10 base ten`,
  options: {},
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    if (addr !== undefined) {
      if (addr < 2n || addr > 16n) throw new MdbError('expected radix from 2 to 16');
      ctx.setRadix(Number(addr));
    }
    return text(`radix = ${ctx.radix} base ten\n`, { data: { radix: ctx.radix } });
  },
});
