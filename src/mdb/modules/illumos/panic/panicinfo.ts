/*
 * ::panicinfo — the panic as the kernel recorded it (genunix.c): the CPU,
 * the thread and the message, each under a 16-wide right-aligned label.
 * mdb then lists the registers saved in panicbuf; an mddb dump saves none,
 * so the list is empty.
 */
import { defineDcmd, text } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { hx } from '../thread/helpers.js';
import { readPanic } from './helpers.js';

export default defineDcmd({
  name: 'panicinfo',
  synopsis: '',
  address: 'none',
  summary: 'print panic information',
  help: `Prints the panicking CPU, the panic thread and the panic message, each
after a right-aligned label. mdb also lists the registers saved in the
panic buffer; mddb dumps do not save registers, so none are listed. On a
live dump there is no panic to show.

EXAMPLES
  > ::panicinfo
               cpu                3
            thread ffffff01c0067a40
           message assertion failed: rc == -1, file: ../../common/os/kmem.c, line: 2598`,
  options: {},
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const p = readPanic(ctx.target);
    if (!p) throw new DcmdError('panicinfo: no panic recorded: this is a live dump (savecore -L)');
    const w = ctx.pointerSize * 2;
    const label = (l: string) => l.padStart(16);
    const lines = [`${label('cpu')} ${String(p.cpu).padStart(w)}`, `${label('thread')} ${hx(p.thread).padStart(w)}`, `${label('message')} ${p.message}`];
    return text(lines.map((l) => l + '\n').join(''), { data: { cpu: p.cpu, thread: p.thread, message: p.message, registers: [] } });
  },
});
