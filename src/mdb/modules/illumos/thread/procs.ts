/*
 * Processes as the thread dcmds name them (sys/proc.h, sys/user.h): a
 * proc_t's command and arguments and its pid, a thread's lwp id, and the
 * description ::findstack and ::threadlist print for a thread.
 */
import type { Target } from '../../../target.js';
import { taskqName } from '../taskq/helpers.js';
import { bigCol, numCol, readThread, threadIndex, type KThreadInfo } from './helpers.js';

/** The members of a proc_t the thread dcmds print. */
export interface ProcInfo {
  addr: bigint;
  comm: string;
  psargs: string;
  pid: number;
}

const procIndexes = new WeakMap<Target, Map<bigint, ProcInfo | null>>();

/** The proc_t at addr (u_comm, u_psargs, pid), or undefined when it cannot be read. */
export function procInfo(target: Target, addr: bigint): ProcInfo | undefined {
  let m = procIndexes.get(target);
  if (!m) procIndexes.set(target, (m = new Map()));
  const hit = m.get(addr);
  if (hit !== undefined) return hit ?? undefined;
  let info: ProcInfo | null = null;
  const def = target.types.get('proc_t');
  if (def && addr !== 0n) {
    try {
      const off = (member: string): bigint => BigInt(target.types.resolve(def, member).offset);
      const comm = target.readString(addr + off('p_user.u_comm'), 41);
      const psargs = target.readString(addr + off('p_user.u_psargs'), 80);
      const pidp = target.readPtr(addr + off('p_pidp'));
      const pidDef = target.types.get('struct pid');
      const pid = pidp !== 0n && pidDef ? signed32(target.readU32(pidp + BigInt(target.types.resolve(pidDef, 'pid_id').offset))) : 0;
      info = { addr, comm, psargs, pid };
    } catch {
      info = null;
    }
  }
  m.set(addr, info);
  return info ?? undefined;
}

function signed32(v: number): number {
  return v | 0;
}

/**
 * Lwp ids by thread row. A dump that models t_tid has them; otherwise a
 * kernel thread (one of p0's) has none and a process's threads are numbered
 * from 1 in walk order, as its lwps were created.
 */
export function lwpIds(target: Target): Uint32Array {
  const idx = threadIndex(target);
  const cached = lwpCache.get(target);
  if (cached) return cached;
  const out = new Uint32Array(idx.count);
  if (idx.table.columns['t_tid']) {
    const tid = numCol(idx.table, 't_tid');
    for (let i = 0; i < idx.count; i++) out[i] = tid(i);
  } else {
    const procp = bigCol(idx.table, 't_procp');
    const next = new Map<bigint, number>();
    for (let i = 0; i < idx.count; i++) {
      const p = procp(i);
      const info = procInfo(target, p);
      if (!info || info.pid === 0) continue;
      const n = (next.get(p) ?? 0) + 1;
      next.set(p, n);
      out[i] = n;
    }
  }
  lwpCache.set(target, out);
  return out;
}

const lwpCache = new WeakMap<Target, Uint32Array>();

/**
 * How mdb names a thread in ::findstack and ::threadlist: `tq:<taskq>` for a
 * taskq thread, `<startfunc>()` for another kernel thread, `<comm>/<lwpid>`
 * for a process's thread; a taskq thread is named by its t_taskq's tq_name.
 */
export function threadDesc(target: Target, row: number): string {
  const t = readThread(target, row);
  if (t.t_taskq !== 0n) {
    const name = taskqName(target, t.t_taskq);
    if (name !== undefined) return `tq:${name}`;
  }
  const lwp = lwpIds(target)[row]!;
  if (lwp === 0) return `${target.formatAddr(t.t_startpc)}()`;
  const p = procInfo(target, t.t_procp);
  return `${p ? p.comm : '?'}/${lwp}`;
}

/** Is this a taskq thread (t_taskq set, or, when the dump lacks t_taskq, started at taskq_thread)? */
export function isTaskqThread(target: Target, t: KThreadInfo): boolean {
  if (t.t_taskq !== 0n) return true;
  if (threadIndex(target).table.columns['t_taskq']) return false;
  const s = target.symbolAt(t.t_startpc);
  return !!s && s.offset === 0n && (s.sym.name === 'taskq_thread' || s.sym.name === 'taskq_d_thread');
}
