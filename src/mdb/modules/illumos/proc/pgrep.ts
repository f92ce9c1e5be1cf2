/*
 * ::pgrep (genunix.c pgrep(), pgrep_cb()): the processes whose u_comm
 * matches an extended regular expression, printed by ::ps; -x matches the
 * whole name, -n / -o keep only the newest / oldest match (by u_start).
 * Piped, it passes the proc_t addresses on.
 */
import { defineDcmd, flag, text, addresses } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { procRoot, walkProcs, type ProcRec } from './helpers.js';
import { psHeader, psLines } from './ps.js';

export default defineDcmd({
  name: 'pgrep',
  synopsis: '[-x] [-n | -o] pattern',
  address: 'none',
  summary: 'pattern match against all processes',
  help: `Walks every process and prints, as ::ps does, those whose command
name (u_comm) matches the extended regular expression pattern. Piped into
another command it prints nothing and passes on the proc_t addresses.

OPTIONS
  -x   the pattern must match the whole command name
  -n   only the newest matching process (the latest u_start)
  -o   only the oldest matching process

EXAMPLES
  > ::pgrep -x init
  S    PID   PPID   PGID    SID    UID      FLAGS             ADDR NAME
  R      1      0      0      0      0 0x4a004000 ffffff01c0a83008 init
  > ::pgrep -n ^ld
  S    PID   PPID   PGID    SID    UID      FLAGS             ADDR NAME
  R     16      1     16     16      0 0x4a004000 ffffff01c0a9c808 ld
  > ::pgrep -x cc1 | ::print proc_t p_pidp->pid_id
  p_pidp->pid_id = 7
  p_pidp->pid_id = 3`,
  options: {
    x: flag('match the whole command name'),
    n: flag('only the newest matching process'),
    o: flag('only the oldest matching process'),
  },
  run(ctx, addr, opts, args) {
    if (addr !== undefined || args.length !== 1 || typeof args[0] !== 'string') throw new UsageError();
    if (opts.n && opts.o) throw new UsageError();
    let re: RegExp;
    try {
      re = new RegExp(args[0]);
    } catch (e) {
      throw new DcmdError((e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, ''));
    }
    const match = (p: ProcRec): boolean => {
      const m = re.exec(p.comm);
      return !!m && (!opts.x || (m.index === 0 && m[0].length === p.comm.length));
    };
    let hits: ProcRec[] = [];
    for (const p of walkProcs(ctx.target, procRoot(ctx.target))) {
      ctx.checkInterrupt();
      if (match(p)) hits.push(p);
    }
    if ((opts.n || opts.o) && hits.length > 0) {
      // the first process of the extreme u_start, as pgrep_cb() replaces only on a strict improvement
      let best = hits[0]!;
      for (const p of hits) if (opts.n ? p.start > best.start : p.start < best.start) best = p;
      hits = [best];
    }
    const list = hits.map((p) => p.addr);
    if (ctx.pipedInto) return addresses(list, 'proc_t');
    if (hits.length === 0) return;
    const o = { f: false, l: false, t: false, z: false };
    const parts = hits.map((p) => psLines(ctx, p, o));
    return text(psHeader(o, ctx.pointerSize) + parts.map((x) => x.text).join(''), { data: parts.map((x) => x.data), addresses: list, addressType: 'proc_t' });
  },
});
