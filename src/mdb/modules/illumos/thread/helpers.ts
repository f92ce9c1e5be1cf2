/*
 * Threads as the genunix module sees them (sys/thread.h): the kthread_t
 * table indexed once per target, one thread's members, each thread's stack
 * frames, and lbolt. The names of states and sync objects are in names.ts
 * (re-exported here), processes in procs.ts.
 *
 * Everything here reads the dump only. Whole-table loops (::stacks over a
 * hundred thousand threads) take the typed columns directly; the per-thread
 * readers return plain records for the dcmds that print one thread at a time.
 * A member the dump does not model reads as zero, exactly as memory would.
 */
import { TABLE_FRAMES, type Column, type Table } from '../../../../dump/format.js';
import { DcmdError } from '../../../errors.js';
import type { Target } from '../../../target.js';

export * from './names.js';

// ---------------------------------------------------------------- the thread index

/** Reads row r of a numeric column as a bigint (0n when the dump does not model the member). */
export type BigCol = (r: number) => bigint;
/** Reads row r of a numeric column as a number (0 when unmodelled). */
export type NumCol = (r: number) => number;

export function bigCol(t: Table | undefined, name: string): BigCol {
  const c: Column | undefined = t?.columns[name];
  if (!c || c.kind === 'str' || c.kind === 'list') return () => 0n;
  const v = c.values;
  if (v instanceof BigUint64Array) return (r) => v[r]!;
  if (v instanceof BigInt64Array) return (r) => BigInt.asUintN(64, v[r]!);
  const n = v as ArrayLike<number>;
  return (r) => BigInt.asUintN(64, BigInt(Math.trunc(n[r]!)));
}

export function numCol(t: Table | undefined, name: string): NumCol {
  const c: Column | undefined = t?.columns[name];
  if (!c || c.kind === 'str' || c.kind === 'list') return () => 0;
  const v = c.values as ArrayLike<number | bigint>;
  return (r) => Number(v[r]!);
}

export function strCol(t: Table | undefined, name: string): (r: number) => string {
  const c: Column | undefined = t?.columns[name];
  if (!c || c.kind !== 'str') return () => '';
  return (r) => c.values[r] ?? '';
}

/**
 * The kthread_t table, indexed: addresses in walk order, a lookup by address,
 * and each thread's frames in CSR form (frameRows[frameStart[i] ..
 * frameStart[i + 1]) are rows of the frames table, innermost first).
 */
export interface ThreadIndex {
  readonly table: Table;
  readonly count: number;
  readonly addr: BigUint64Array;
  readonly frameStart: Uint32Array;
  readonly frameRows: Uint32Array;
  /** the frames table, when the dump has one */
  readonly frames: Table | undefined;
  /** the row of the thread at addr, or -1 */
  rowOf(addr: bigint): number;
}

const indexes = new WeakMap<Target, ThreadIndex>();


/**
 * The OS's thread table, the one the frames table's thread_row refers to:
 * illumos's kthread_t, FreeBSD's "struct thread".
 */
export function threadTableName(target: Target): string {
  return target.header.os === 'freebsd' ? 'struct thread' : 'kthread_t';
}

/** The thread index of a target, built on first use. Throws if the dump has no threads. */
export function threadIndex(target: Target): ThreadIndex {
  const hit = indexes.get(target);
  if (hit) return hit;
  const name = threadTableName(target);
  const table = target.table(name);
  const addrCol = table?.columns['addr'];
  if (!table || !addrCol || !(addrCol.values instanceof BigUint64Array)) throw new DcmdError(`couldn't find ${name} table: this dump has no threads`);
  const addr = addrCol.values;
  const count = table.rowCount;
  const frames = target.table(TABLE_FRAMES);
  const { frameStart, frameRows } = indexFrames(frames, count);
  let byAddr: Map<bigint, number> | undefined;
  const idx: ThreadIndex = {
    table,
    count,
    addr,
    frameStart,
    frameRows,
    frames,
    rowOf(a) {
      if (!byAddr) {
        byAddr = new Map();
        for (let i = 0; i < count; i++) byAddr.set(addr[i]!, i);
      }
      return byAddr.get(BigInt.asUintN(64, a)) ?? -1;
    },
  };
  indexes.set(target, idx);
  return idx;
}

/** Groups frame rows by thread_row, innermost (lowest depth) first. */
function indexFrames(frames: Table | undefined, nthreads: number): { frameStart: Uint32Array; frameRows: Uint32Array } {
  const frameStart = new Uint32Array(nthreads + 1);
  const tr = frames?.columns['thread_row'];
  if (!frames || !tr || tr.kind === 'str' || tr.kind === 'list') return { frameStart, frameRows: new Uint32Array(0) };
  const owner = tr.values as ArrayLike<number | bigint>;
  const n = frames.rowCount;
  for (let r = 0; r < n; r++) {
    const t = Number(owner[r]!);
    if (t >= 0 && t < nthreads) frameStart[t + 1]!++;
  }
  for (let t = 0; t < nthreads; t++) frameStart[t + 1]! += frameStart[t]!;
  const fill = frameStart.slice(0, nthreads);
  const frameRows = new Uint32Array(frameStart[nthreads]!);
  for (let r = 0; r < n; r++) {
    const t = Number(owner[r]!);
    if (t >= 0 && t < nthreads) frameRows[fill[t]!++] = r;
  }
  // The writer emits each thread's frames innermost first; sort any thread whose rows say otherwise.
  const depth = numCol(frames, 'depth');
  for (let t = 0; t < nthreads; t++) {
    const a = frameStart[t]!;
    const b = frameStart[t + 1]!;
    let sorted = true;
    for (let i = a + 1; i < b && sorted; i++) if (depth(frameRows[i]!) < depth(frameRows[i - 1]!)) sorted = false;
    if (!sorted) frameRows.subarray(a, b).sort((x, y) => depth(x) - depth(y));
  }
  return { frameStart, frameRows };
}

/** The row of the kthread_t at addr; throws `<what> at <addr>` in mdb's words when there is none. */
export function needThread(target: Target, addr: bigint, message: (hex: string) => string): number {
  const row = threadIndex(target).rowOf(addr);
  if (row < 0) throw new DcmdError(message(BigInt.asUintN(64, addr).toString(16)));
  return row;
}

/** Thread rows in walk order: all of them, or those of one process (the `thread` walker from a proc_t). */
export function* forEachThread(target: Target, proc?: bigint): Generator<number> {
  const idx = threadIndex(target);
  const procp = proc === undefined ? undefined : bigCol(idx.table, 't_procp');
  for (let i = 0; i < idx.count; i++) if (!procp || procp(i) === proc) yield i;
}

// ---------------------------------------------------------------- one thread

/** The members of a kthread_t the genunix dcmds print. */
export interface KThreadInfo {
  addr: bigint;
  row: number;
  t_state: number;
  t_flag: number;
  t_proc_flag: number;
  t_schedflag: number;
  t_pri: number;
  t_epri: number;
  t_pil: number;
  t_cid: number;
  t_tid: number;
  t_bind_cpu: number;
  t_preempt: number;
  t_pc: bigint;
  t_sp: bigint;
  t_stk: bigint;
  t_startpc: bigint;
  t_wchan: bigint;
  t_sobj_ops: bigint;
  t_ts: bigint;
  t_prioinv: bigint;
  t_procp: bigint;
  t_lwp: bigint;
  t_cred: bigint;
  t_cpu: bigint;
  t_bound_cpu: bigint;
  t_intr: bigint;
  t_taskq: bigint;
  t_sigqueue: bigint;
  t_sig: bigint;
  t_hold: bigint;
  t_disp_time: bigint;
}

const BIG_MEMBERS = ['t_pc', 't_sp', 't_stk', 't_startpc', 't_wchan', 't_sobj_ops', 't_ts', 't_prioinv', 't_procp', 't_lwp', 't_cred', 't_cpu', 't_bound_cpu', 't_intr', 't_taskq', 't_sigqueue', 't_sig', 't_hold', 't_disp_time'] as const;
const NUM_MEMBERS = ['t_state', 't_flag', 't_proc_flag', 't_schedflag', 't_pri', 't_epri', 't_pil', 't_cid', 't_tid', 't_bind_cpu', 't_preempt'] as const;

/** Column readers for each member of KThreadInfo, made once per target. */
const readers = new WeakMap<Target, Array<[string, BigCol | NumCol]>>();

/** The kthread_t at a row of the table. */
export function readThread(target: Target, row: number): KThreadInfo {
  const idx = threadIndex(target);
  let rs = readers.get(target);
  if (!rs) {
    const t = idx.table;
    rs = [...BIG_MEMBERS.map((m): [string, BigCol] => [m, bigCol(t, m)]), ...NUM_MEMBERS.map((m): [string, NumCol] => [m, numCol(t, m)])];
    readers.set(target, rs);
  }
  const out: Record<string, unknown> = { addr: idx.addr[row]!, row };
  for (const [m, read] of rs) out[m] = read(row);
  return out as unknown as KThreadInfo;
}

/** The address of panic_thread (0n when nothing panicked, as on a live dump). */
export function panicThread(target: Target): bigint {
  const sym = target.lookupSymbol('panic_thread');
  if (sym) {
    try {
      return target.readPtr(sym.addr);
    } catch {
      // fall back to the header
    }
  }
  const p = target.header.panic;
  return p && /^[0-9a-fA-F]+$/.test(p.thread) ? BigInt(`0x${p.thread}`) : 0n;
}

/**
 * The thread the debugger was entered on when nothing panicked (a hang: the
 * watchdog broke in, header.entry), or 0n.
 */
export function entryThread(target: Target): bigint {
  const e = target.header.entry;
  return e && /^[0-9a-fA-F]+$/.test(e.thread) ? BigInt(`0x${e.thread}`) : 0n;
}

// ---------------------------------------------------------------- frames

/** One stack frame: its frame pointer, the pc in its function, the arguments it was called with. */
export interface StackFrame {
  fp: bigint;
  pc: bigint;
  args: bigint[];
  /** a FreeBSD dump's saved user state at a trap or system-call entry (the frames table's optional trapframe column) */
  trapframe?: bigint[];
}

/** A thread's frames, innermost first (from depth `from` on). */
export function threadFrames(target: Target, row: number, from = 0): StackFrame[] {
  const idx = threadIndex(target);
  const fr = idx.frames;
  if (!fr) return [];
  const fp = bigCol(fr, 'fp');
  const pc = bigCol(fr, 'pc');
  const args = fr.columns['args'];
  const tf = fr.columns['trapframe'];
  const out: StackFrame[] = [];
  for (let i = idx.frameStart[row]! + from; i < idx.frameStart[row + 1]!; i++) {
    const r = idx.frameRows[i]!;
    const a: bigint[] = [];
    if (args && args.kind === 'list') {
      for (let j = args.offsets[r]!; j < args.offsets[r + 1]!; j++) a.push(BigInt.asUintN(64, BigInt(args.values[j]!)));
    }
    const f: StackFrame = { fp: fp(r), pc: pc(r), args: a };
    if (tf && tf.kind === 'list' && tf.offsets[r + 1]! > tf.offsets[r]!) {
      f.trapframe = [];
      for (let j = tf.offsets[r]!; j < tf.offsets[r + 1]! && j < tf.offsets[r]! + 8; j++) f.trapframe.push(BigInt.asUintN(64, BigInt(tf.values[j]!)));
    }
    out.push(f);
  }
  return out;
}

/** Where the frame whose frame pointer is fp lives: its thread row and depth, or undefined. */
export function findFrame(target: Target, fp: bigint): { row: number; depth: number } | undefined {
  const idx = threadIndex(target);
  const fr = idx.frames;
  const col = fr?.columns['fp'];
  if (!fr || !col || !(col.values instanceof BigUint64Array)) return undefined;
  const want = BigInt.asUintN(64, fp);
  const v = col.values;
  for (let r = 0; r < fr.rowCount; r++) {
    if (v[r] !== want) continue;
    const row = numCol(fr, 'thread_row')(r);
    for (let i = idx.frameStart[row]!; i < idx.frameStart[row + 1]!; i++) {
      if (idx.frameRows[i] === r) return { row, depth: i - idx.frameStart[row]! };
    }
  }
  return undefined;
}

/** Hex without a prefix, as mdb's %lr prints in radix 16. */
export const hx = (v: bigint): string => BigInt.asUintN(64, v).toString(16);

/** A pointer zero-padded to the dump's pointer width (%0?p). */
export const ptr0 = (v: bigint, ps: number): string => hx(v).padStart(ps * 2, '0');

/**
 * One frame as $c prints it: `func+0xoff(arg, arg)`, the arguments in hex
 * without a prefix. `maxArgs` limits how many are shown ($c 0 shows none).
 */
export function frameText(target: Target, f: StackFrame, maxArgs = Infinity): string {
  const args = f.args.slice(0, Math.max(0, maxArgs)).map(hx);
  return `${target.formatAddr(f.pc)}(${args.join(', ')})`;
}

/** lbolt at the time of the dump: clock ticks since boot (hz from the dump, 100 by default). */
export function lbolt(target: Target): bigint {
  let hz = 100n;
  const sym = target.lookupSymbol('hz');
  if (sym) {
    try {
      const v = BigInt(target.readU32(sym.addr));
      if (v > 0n) hz = v;
    } catch {
      // keep the default
    }
  }
  let ns = 0n;
  try {
    ns = BigInt(target.header.dumpTime);
  } catch {
    ns = 0n;
  }
  return (ns * hz) / 1_000_000_000n;
}
