/*
 * ::msgbuf — the console message buffer, oldest first (genunix log.c). The
 * dump keeps each line with the hrtime it was logged at; -v shows that time
 * (seconds since boot: the dump has no wall clock) where mdb shows the
 * log_ctl_t's date and address, which the dump does not keep.
 */
import { TABLE_MSGBUF } from '../../../dump/format.js';
import { defineDcmd, flag, table } from '../../dcmd.js';
import { DcmdError, UsageError } from '../../errors.js';
import { bigCol, strCol } from '../thread/helpers.js';

/** hrtime ns as seconds since boot: "167.762348158". */
export function secondsSinceBoot(ns: bigint): string {
  const s = BigInt.asIntN(64, ns);
  return `${s / 1_000_000_000n}.${(s % 1_000_000_000n).toString().padStart(9, '0')}`;
}

export default defineDcmd({
  name: 'msgbuf',
  synopsis: '[-v]',
  address: 'none',
  summary: 'print most recent console messages',
  help: `Prints the console messages kept in the kernel's message buffer, oldest
first. After a panic the last of them is the panic line,
"panic[cpuN]/thread=<addr>: <message>". -v also prints when each message
was logged, in seconds since boot, and LOGCTL as "-" (the dump keeps no
log_ctl_t).

EXAMPLES
  > ::msgbuf
  MESSAGE
  panic[cpu3]/thread=ffffff01c0065e40: assertion failed: rc == -1, file: ../../common/os/kmem.c, line: 2598`,
  options: { v: flag('print when each message was logged') },
  run(ctx, _addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const t = ctx.target.table(TABLE_MSGBUF);
    if (!t) throw new DcmdError('failed to read log_recent: this dump has no message buffer');
    const time = bigCol(t, 'timestamp');
    const line = strCol(t, 'text');
    const rows = [];
    for (let i = 0; i < t.rowCount; i++) rows.push({ timestamp: time(i), logctl: '-', message: line(i).replace(/^\r/, '') });
    const ps = ctx.pointerSize;
    const columns = opts.v
      ? [
          { key: 'timestamp', header: 'TIMESTAMP', width: 20, align: 'right' as const, format: (v: unknown) => secondsSinceBoot(v as bigint) },
          { key: 'logctl', header: 'LOGCTL', width: ps * 2, align: 'right' as const },
          { key: 'message', header: 'MESSAGE', width: 40 },
        ]
      : [{ key: 'message', header: 'MESSAGE', width: 70 }];
    return table(columns, rows);
  },
});
