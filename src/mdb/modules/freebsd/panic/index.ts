/*
 * The panic and the message buffer as ddb shows them: `show panic` prints
 * panicstr ("panicstr not set" when nothing panicked, as on a hang) and
 * `show msgbuf` the console messages, oldest first.
 */
import { TABLE_MSGBUF } from '../../../../dump/format.js';
import { defineDcmd, flag, text, type Module } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { readPanic } from '../../illumos/panic/helpers.js';
import { secondsSinceBoot } from '../../illumos/panic/msgbuf.js';
import { bigCol, strCol } from '../../illumos/thread/helpers.js';

export const showPanic = defineDcmd({
  name: 'panicinfo',
  synopsis: '',
  address: 'none',
  summary: 'print the panic message as ddb does',
  help: `Prints the panic message as ddb's "show panic" does, "panic: <message>"
from panicstr, or "panicstr not set" when the kernel did not panic (a hang
dump, where the debugger was entered by a break). In ddb syntax: show
panic.

EXAMPLES
  > ::panicinfo
  panic: uma_zone_slab is looping
  ...`,
  options: {},
  ddb: { words: ['show panic'] },
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const p = readPanic(ctx.target);
    const line = p ? `panic: ${p.message}` : 'panicstr not set';
    return text(line + '\n', { data: p ? { message: p.message, thread: p.thread, cpu: p.cpu } : null });
  },
});

export const msgbuf = defineDcmd({
  name: 'msgbuf',
  synopsis: '[-v]',
  address: 'none',
  summary: 'print the kernel message buffer',
  help: `Prints the console messages kept in the kernel's message buffer, oldest
first, as ddb's "show msgbuf" does: the text alone. -v leads each line
with when it was logged, in seconds since boot.

EXAMPLES
  > ::msgbuf
  Copyright (c) 1992-2004 The FreeBSD Project.
  ...`,
  options: { v: flag('print when each message was logged') },
  ddb: { words: ['show msgbuf'] },
  run(ctx, _addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const t = ctx.target.table(TABLE_MSGBUF);
    if (!t) throw new DcmdError('no message buffer in this dump');
    const time = bigCol(t, 'timestamp');
    const line = strCol(t, 'text');
    let out = '';
    const rows = [];
    for (let i = 0; i < t.rowCount; i++) {
      const m = line(i).replace(/^\r/, '').replace(/\n$/, '');
      rows.push({ timestamp: time(i), message: m });
      out += opts.v ? `[${secondsSinceBoot(time(i))}] ${m}\n` : `${m}\n`;
    }
    return text(out, { data: rows });
  },
});

export const panicModule: Module = { name: 'panic', dcmds: [showPanic, msgbuf], walkers: [] };
