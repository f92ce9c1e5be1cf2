/*
 * ::msgbuf — the console message buffer, oldest first (genunix log.c: the
 * messages queued on log_recentq). Each message is printed as it was
 * logged, without a leading carriage return, and nothing is added or
 * taken away: after a panic the buffer holds whatever vpanic() logged (the
 * panic line, a blank line, the panic stack, the dump device line), so
 * ::msgbuf shows exactly that. -v puts before each message when it was
 * logged (seconds since boot: the dump has no wall clock) and LOGCTL as
 * "-" (mdb prints the log_ctl_t's date and address, which the dump does
 * not keep).
 */
import { TABLE_MSGBUF } from '../../../../dump/format.js';
import { defineDcmd, flag, text } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { bigCol, strCol } from '../thread/helpers.js';

/** hrtime ns as seconds since boot: "167.762348158". */
export function secondsSinceBoot(ns: bigint): string {
  const s = BigInt.asIntN(64, ns);
  return `${s / 1_000_000_000n}.${(s % 1_000_000_000n).toString().padStart(9, '0')}`;
}

/** One message as mdb prints it: a leading CR dropped, one newline at the end. */
function messageText(raw: string): string {
  const m = raw.startsWith('\r') ? raw.slice(1) : raw;
  return m.endsWith('\n') ? m : m + '\n';
}

export default defineDcmd({
  name: 'msgbuf',
  synopsis: '[-v]',
  address: 'none',
  summary: 'print most recent console messages',
  help: `Prints the console messages kept in the kernel's message buffer, oldest
first, each as it was logged. After a panic the buffer ends with what
vpanic() logged: the panic line, "panic[cpuN]/thread=<addr>: <message>",
then the panic stack, one frame per line, and the dump device. -v also
prints when each message was logged, in seconds since boot, and LOGCTL
as "-" (the dump keeps no log_ctl_t).

EXAMPLES
  > ::msgbuf
  MESSAGE
  panic[cpu2]/thread=ffffff01c0aa1120: assertion failed: rc == -1, file: ../../common/os/kmem.c, line: 2598

  ffffff0008b7c050 genunix:assfail+24 ()
  ffffff0008b7c110 genunix:kmem_cache_alloc+102 ()
  ffffff0008b7c180 blkdev:bd_xfer_alloc+23 ()
  ...
  > ::msgbuf -v
             TIMESTAMP           LOGCTL MESSAGE
           5.209883671                - panic[cpu2]/thread=ffffff01c0aa1120: assertion failed: rc == -1, file: ../../common/os/kmem.c, line: 2598
  ...`,
  options: { v: flag('print when each message was logged') },
  run(ctx, _addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const t = ctx.target.table(TABLE_MSGBUF);
    if (!t) throw new DcmdError('failed to read log_recent: this dump has no message buffer');
    const time = bigCol(t, 'timestamp');
    const line = strCol(t, 'text');
    const w = ctx.pointerSize * 2;
    let out = opts.v ? `${'TIMESTAMP'.padStart(20)} ${'LOGCTL'.padStart(w)} MESSAGE\n` : 'MESSAGE\n';
    const rows = [];
    for (let i = 0; i < t.rowCount; i++) {
      const message = messageText(line(i));
      rows.push({ timestamp: time(i), logctl: '-', message: message.slice(0, -1) });
      out += opts.v ? `${secondsSinceBoot(time(i)).padStart(20)} ${'-'.padStart(w)} ${message}` : message;
    }
    return text(out, { data: rows });
  },
});
