/*
 * ::ps (genunix.c ps()): one line per process — state, pid, parent, process
 * group, session, (zone,) uid, p_flag, the proc_t and the command — and with
 * -t / -l a line per thread / lwp under it (ps_threadprint()).
 */
import { defineDcmd, flag, text, type DcmdContext } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import { forEachThread, readThread } from '../thread/helpers.js';
import { pstat2ch, readProc, type ProcRec } from './helpers.js';

/** t_state as ps_threadprint()'s %b shows it (sys/thread.h TS_*; TS_FREE is 0) */
const T_STATE_BITS: ReadonlyArray<[string, number]> = [
  ['TS_SLEEP', 0x01],
  ['TS_RUN', 0x02],
  ['TS_ONPROC', 0x04],
  ['TS_ZOMB', 0x08],
  ['TS_STOPPED', 0x10],
  ['TS_WAIT', 0x20],
];

export function tStateBits(state: number): string {
  if (state === 0) return 'TS_FREE';
  return T_STATE_BITS.filter(([, bit]) => (state & bit) === bit)
    .map(([n]) => n)
    .join(',');
}

export interface PsOpts {
  f: boolean;
  l: boolean;
  t: boolean;
  z: boolean;
}

export function psHeader(o: PsOpts, ps: number): string {
  return `${'S'} ${'PID'.padStart(6)} ${'PPID'.padStart(6)} ${'PGID'.padStart(6)} ${'SID'.padStart(6)} ${o.z ? 'ZONE'.padStart(5) + ' ' : ''}${'UID'.padStart(6)} ${'FLAGS'.padStart(10)} ${'ADDR'.padStart(ps * 2)} NAME\n`;
}

/** One process's line (and its thread/lwp lines) and what --json gets for it. */
export function psLines(ctx: DcmdContext, p: ProcRec, o: PsOpts): { text: string; data: Record<string, unknown> } {
  const ps = ctx.pointerSize;
  const name = o.f ? p.psargs : p.comm;
  let out =
    `${pstat2ch(p.stat)} ${String(p.pid).padStart(6)} ${String(p.ppid).padStart(6)} ${String(p.pgid).padStart(6)} ${String(p.sid).padStart(6)} ` +
    (o.z ? `${String(p.zoneid).padStart(5)} ` : '') +
    `${String(p.uid).padStart(6)} 0x${(p.flag >>> 0).toString(16).padStart(8, '0')} ${p.addr.toString(16).padStart(ps * 2, '0')} ${name}\n`;
  const threads: Array<Record<string, unknown>> = [];
  if (o.t || o.l) {
    for (const row of forEachThread(ctx.target, p.addr)) {
      const t = readThread(ctx.target, row);
      if (o.t) out += `\tT  ${t.addr.toString(16).padStart(ps * 2)} <${tStateBits(t.t_state)}>\n`;
      if (o.l) out += `\tL  ${t.t_lwp.toString(16).padStart(ps * 2)} ID: ${t.t_tid >>> 0}\n`;
      threads.push({ thread: t.addr, state: tStateBits(t.t_state), lwp: t.t_lwp, lwpid: t.t_tid >>> 0 });
    }
  }
  const data: Record<string, unknown> = {
    s: pstat2ch(p.stat),
    pid: p.pid,
    ppid: p.ppid,
    pgid: p.pgid,
    sid: p.sid,
    ...(o.z ? { zone: p.zoneid } : {}),
    uid: p.uid,
    flags: `0x${(p.flag >>> 0).toString(16)}`,
    addr: p.addr,
    name,
    ...(o.t || o.l ? { threads } : {}),
  };
  return { text: out, data };
}

export default defineDcmd({
  name: 'ps',
  synopsis: '?[-fltz]',
  address: 'optional',
  summary: 'list processes (and associated thr,lwp)',
  help: `Prints one line per process, walking \`proc\` (p0 first, then each
process's children depth first) without an address: S, the process state
(R for any live process: illumos keeps p_stat SRUN and puts the state in its
threads), PID, PPID, PGID and SID, UID (the cred's cr_uid), p_flag as FLAGS
(SSYS 0x1 for kernel processes, SEXECED 0x4000 for one that exec'd), the
proc_t address and u_comm. An address prints that proc_t only.

OPTIONS
  -f   print the arguments (u_psargs) instead of the command name
  -l   under each process, its lwps: L, the klwp_t and the lwp id
  -t   under each process, its threads: T, the kthread_t and its state
  -z   add the ZONE column (the zone id)

EXAMPLES
  > ::ps
  S    PID   PPID   PGID    SID    UID      FLAGS             ADDR NAME
  R      0      0      0      0      0 0x00000001 fffffffffbe00000 sched
  R      2      0      0      0      0 0x00020001 ffffff01c0a831a0 pageout
  R      1      0      0      0      0 0x4a004000 ffffff01c0a83008 init
  R     16      1     16     16      0 0x4a004000 ffffff01c0a9c808 ld
  ...
  > ::pgrep -x init | ::ps -ftl
  S    PID   PPID   PGID    SID    UID      FLAGS             ADDR NAME
  R      1      0      0      0      0 0x4a004000 ffffff01c0a83008 /sbin/init
  	T  ffffff01c0a94480 <TS_SLEEP>
  	L  ffffff01c0a98008 ID: 1`,
  options: {
    f: flag('print arguments (u_psargs) instead of the command name'),
    l: flag('list each process lwps'),
    t: flag('list each process threads'),
    z: flag('print the zone id'),
  },
  input: 'proc_t',
  walker: 'proc',
  run(ctx, addr, opts, args) {
    if (args.length > 0 || addr === undefined) throw new UsageError();
    const o: PsOpts = { f: opts.f, l: opts.l, t: opts.t, z: opts.z };
    const p = readProc(ctx.target, addr);
    const { text: body, data } = psLines(ctx, p, o);
    return text((ctx.first ? psHeader(o, ctx.pointerSize) : '') + body, { data, addresses: [addr], addressType: 'proc_t' });
  },
});
