/*
 * CPUs as genunix sees them (sys/cpuvar.h, sys/disp.h): each cpu_t with the
 * dispatcher queue it points at, the thread it runs, and, for ::cpuinfo -v,
 * the threads waiting to run on it and the interrupt threads bound to it.
 */
import { DcmdError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { bigCol, numCol, T_INTR_THREAD, threadIndex, TS_FREE, TS_RUN } from '../thread/helpers.js';
import { procInfo } from '../thread/procs.js';

/** cpu_flags bits, lowest first (sys/cpuvar.h CPU_RUNNING … CPU_FAULTED). */
export const CPU_FLAG_NAMES = ['RUNNING', 'READY', 'QUIESCED', 'EXISTS', 'ENABLE', 'OFFLINE', 'POWEROFF', 'FROZEN', 'SPARE', 'FAULTED'] as const;

/** The members of a cpu_t that ::cpuinfo prints. */
export interface CpuInfo {
  addr: bigint;
  cpu_id: number;
  cpu_flags: number;
  cpu_base_spl: number;
  cpu_disp: bigint;
  cpu_thread: bigint;
  cpu_idle_thread: bigint;
  cpu_runrun: number;
  cpu_kprunrun: number;
  cpu_last_swtch: bigint;
  /** one bit per interrupt level being serviced on this CPU (bit n: PIL n) */
  cpu_intr_actv: number;
  /** cpu_disp->disp_nrunnable */
  disp_nrunnable: number;
}

/** The cpu_t addresses, in cpu_list order (the cpu_t table's order). */
export function cpuAddrs(target: Target): BigUint64Array {
  const t = target.table('cpu_t');
  const a = t?.columns['addr'];
  if (!t || !a || !(a.values instanceof BigUint64Array)) throw new DcmdError("couldn't find cpu_t table: this dump has no CPUs");
  return a.values;
}

/** The cpu_t at addr, with its dispatcher queue's run count read through cpu_disp. */
export function readCpu(target: Target, addr: bigint): CpuInfo {
  const addrs = cpuAddrs(target);
  const row = addrs.indexOf(addr);
  if (row < 0) throw new DcmdError(`failed to read cpu_t at ${addr.toString(16)}`);
  const t = target.table('cpu_t');
  const big = (m: string) => bigCol(t, m)(row);
  const num = (m: string) => numCol(t, m)(row);
  const cpu_disp = big('cpu_disp');
  let disp_nrunnable = 0;
  const disp = target.types.get('disp_t');
  if (cpu_disp !== 0n && disp) {
    try {
      disp_nrunnable = target.readU32(cpu_disp + BigInt(target.types.resolve(disp, 'disp_nrunnable').offset)) | 0;
    } catch {
      throw new DcmdError(`failed to read disp_t at ${cpu_disp.toString(16)}`);
    }
  }
  return {
    addr,
    cpu_id: num('cpu_id'),
    cpu_flags: num('cpu_flags'),
    cpu_base_spl: num('cpu_base_spl'),
    cpu_disp,
    cpu_thread: big('cpu_thread'),
    cpu_idle_thread: big('cpu_idle_thread'),
    cpu_runrun: num('cpu_runrun'),
    cpu_kprunrun: num('cpu_kprunrun'),
    cpu_last_swtch: BigInt.asIntN(64, big('cpu_last_swtch')),
    cpu_intr_actv: num('cpu_intr_actv') >>> 0,
    disp_nrunnable,
  };
}

/** The CPU an address names: a cpu_t address, or else a CPU id (mdb takes either). */
export function findCpu(target: Target, addrOrId: bigint): bigint | undefined {
  const addrs = cpuAddrs(target);
  if (addrs.includes(addrOrId)) return addrOrId;
  const ids = numCol(target.table('cpu_t'), 'cpu_id');
  for (let i = 0; i < addrs.length; i++) if (BigInt(ids(i)) === addrOrId) return addrs[i]!;
  return undefined;
}

/** A thread as the -v sections list it. */
export interface CpuThread {
  addr: bigint;
  pri: number;
  pil: number;
  comm: string;
}

/**
 * Threads waiting to run on a CPU, highest priority first. The dump has no
 * dispatch queues (disp_q), so they are the TS_RUN threads whose t_cpu is
 * this CPU, other than the thread it runs and its idle thread: the same set
 * disp_nrunnable counts.
 */
export function runQueue(target: Target, cpu: CpuInfo): CpuThread[] {
  const idx = threadIndex(target);
  const state = numCol(idx.table, 't_state');
  const tcpu = bigCol(idx.table, 't_cpu');
  const pri = numCol(idx.table, 't_pri');
  const procp = bigCol(idx.table, 't_procp');
  const out: CpuThread[] = [];
  for (let i = 0; i < idx.count; i++) {
    const a = idx.addr[i]!;
    if (state(i) !== TS_RUN || tcpu(i) !== cpu.addr || a === cpu.cpu_idle_thread || a === cpu.cpu_thread) continue;
    out.push({ addr: a, pri: pri(i), pil: 0, comm: procInfo(target, procp(i))?.comm ?? '?' });
  }
  return out.sort((x, y) => y.pri - x.pri);
}

/**
 * The interrupt threads a CPU is running, highest PIL first: threads marked
 * T_INTR_THREAD, not free, bound to the CPU, at a level the CPU has active
 * in cpu_intr_actv. An interrupt thread waiting in the CPU's pool for its
 * next interrupt is not one of them, whatever state the dump gives it: mdb
 * lists active levels only (cpuinfo_walk_ithread() skips free threads, and
 * a pooled thread is free), so a CPU that is not servicing an interrupt
 * shows none.
 */
export function interruptThreads(target: Target, cpu: CpuInfo): CpuThread[] {
  const idx = threadIndex(target);
  const flag = numCol(idx.table, 't_flag');
  const state = numCol(idx.table, 't_state');
  const bound = bigCol(idx.table, 't_bound_cpu');
  const pil = numCol(idx.table, 't_pil');
  const pri = numCol(idx.table, 't_pri');
  const out: CpuThread[] = [];
  for (let i = 0; i < idx.count; i++) {
    if (!(flag(i) & T_INTR_THREAD) || state(i) === TS_FREE || bound(i) !== cpu.addr) continue;
    const level = pil(i);
    if (level < 1 || level > 31 || !((cpu.cpu_intr_actv >>> level) & 1)) continue;
    out.push({ addr: idx.addr[i]!, pri: pri(i), pil: level, comm: '' });
  }
  return out.sort((x, y) => y.pil - x.pil);
}

/** The set flags' names, lowest bit first. */
export function cpuFlagNames(flags: number): string[] {
  return CPU_FLAG_NAMES.filter((_, i) => (flags >>> i) & 1);
}
