// A small illumos crash dump with threads, frames, processes and CPUs, built
// in memory for the thread, cpu and panic module tests (drgn's mock_program):
// an idle thread, three taskq threads asleep on one cv, two process threads
// blocked on a mutex, the panicking thread, a free thread and a thread on a
// run queue; two CPUs; a message buffer. `extra` scales the same shapes up
// for the performance and property tests; `interrupts` adds two interrupt
// threads bound to CPU 1, one servicing PIL 5 and one waiting in the pool.
import { CtfBuilder, LP64 } from '../../../../src/dump/ctf.js';
import { TableBuilder } from '../../../../src/dump/builder.js';
import { SYMKIND_FUNC, SYMKIND_OBJECT, type DumpHeader, type DumpModel } from '../../../../src/dump/format.js';
import { declareThreadTypes } from '../../../../src/dump/types/illumos/thread.js';
import { createSession, type MdbSession } from '../../../../src/mdb/session.js';

const TEXT = 0xfffffffffb800000n;
/** function symbols: name -> [module, address, size] */
export const FN: Record<string, [string, bigint, bigint]> = {};
let at = TEXT;
for (const [mod, name, size] of [
  ['unix', 'thread_start', 0x20n],
  ['unix', 'idle', 0x1a0n],
  ['unix', 'swtch', 0x200n],
  ['unix', 'vpanic', 0x150n],
  ['genunix', 'cv_wait', 0xa0n],
  ['genunix', 'turnstile_block', 0x300n],
  ['genunix', 'mutex_vector_enter', 0x400n],
  ['genunix', 'taskq_thread', 0x400n],
  ['genunix', 'assfail', 0xa0n],
  ['genunix', 'kmem_cache_alloc', 0x400n],
  ['genunix', 'delay', 0x70n],
  ['blkdev', 'bd_xfer_alloc', 0x200n],
  ['foo', 'foo_lookup', 0x100n],
  ['foo', 'foo_ioctl', 0x100n],
] as Array<[string, string, bigint]>) {
  FN[name] = [mod, at, size];
  at += 0x1000n;
}
export const pc = (name: string, off: bigint): bigint => FN[name]![1] + off;

const DATA = 0xfffffffffbc00000n;
export const SYM = {
  cv_sobj_ops: DATA + 0x00n,
  mutex_sobj_ops: DATA + 0x20n,
  sema_sobj_ops: DATA + 0x40n,
  panic_thread: DATA + 0x100n,
  panicstr: DATA + 0x108n,
  panic_cpu_id: DATA + 0x110n,
  hz: DATA + 0x114n,
};
export const PANIC_TEXT = DATA + 0x1000n;
export const PANIC_MSG = 'assertion failed: obj->o_ref > 0, file: ../../common/io/foo.c, line: 88';

export const P0 = 0xfffffffffbc2efe0n;
export const P1 = 0xffffff01e0c3d0a8n;
const PID = 0xf00n;
export const CPU0 = 0xfffffffffbc3f000n;
export const CPU1 = 0xffffff01d6fa3000n;
const DISP0_OFF = (() => {
  const b = new CtfBuilder(LP64);
  declareThreadTypes(b);
  return BigInt(b.structs.get('cpu_t')!.members.find((m) => m.name === 'cpu_disp0')!.offset);
})();

export const T = {
  idle: 0xfffffffffbc2fa80n,
  tq1: 0xffffff000f41bc40n,
  tq2: 0xffffff000f421c40n,
  tq3: 0xffffff000f427c40n,
  mx1: 0xffffff01e1234000n,
  mx2: 0xffffff01e1235000n,
  panic: 0xffffff000f8bcc40n,
  free: 0xffffff000f900c40n,
  runq: 0xffffff01e1236000n,
  /** with `interrupts`: servicing PIL 5 on CPU 1 (blocked on LOCK) */
  intr5: 0xffffff000f500c40n,
  /** with `interrupts`: PIL 4's thread, idle in CPU 1's pool */
  intr4: 0xffffff000f506c40n,
};
export const CV = 0xffffff01d0000100n;
export const LOCK = 0xffffff01d0000200n;
export const CACHE = 0xffffff01d6e2a008n;
export const BUF = 0xffffff01e29f7e40n;

interface ThreadSpec {
  addr: bigint;
  state: number;
  pri: number;
  proc: bigint;
  start: string;
  sobj?: bigint;
  wchan?: bigint;
  cpu: bigint;
  flag?: number;
  /** interrupt level, for an interrupt thread */
  pil?: number;
  bound?: bigint;
  /** frames innermost first: [function, offset, args] */
  frames: Array<[string, bigint, bigint[]]>;
  stackTop: bigint;
  dispTime?: number;
}

function header(panic: boolean): DumpHeader {
  return {
    os: 'illumos',
    kernelVersion: 'SunOS 5.11 illumos-1a2b3c4d',
    platform: 'i86pc',
    isa: 'amd64',
    pointerSize: 8,
    hostname: 'myhost',
    debug: true,
    ncpus: 2,
    physmem: 262144,
    pagesize: 4096,
    dumpTime: '12345000000000',
    dumpKind: panic ? 'panic' : 'live',
    panic: panic ? { message: PANIC_MSG, thread: T.panic.toString(16), cpu: 1, caller: 'assfail' } : null,
    outcome: panic ? 'panic' : 'hang',
    recipe: { scenario: 'test', scenarioText: 'name: test\n', seed: 1, set: [], fixes: [], mddbVersion: '0.1.0' },
  };
}

function baseThreads(): ThreadSpec[] {
  const top = (i: number) => 0xffffff000f800000n + BigInt(i) * 0x10000n;
  const tq = (addr: bigint, i: number): ThreadSpec => ({
    addr,
    state: 1,
    pri: 99,
    proc: P0,
    start: 'taskq_thread',
    sobj: SYM.cv_sobj_ops,
    wchan: CV,
    cpu: CPU0,
    dispTime: 1234000 - i * 10,
    frames: [
      ['swtch', 0x141n, []],
      ['cv_wait', 0x70n, [CV, LOCK]],
      ['taskq_thread', 0x37cn, [0xffffff01d0000000n]],
      ['thread_start', 8n, []],
    ],
    stackTop: top(i),
  });
  const mx = (addr: bigint, i: number): ThreadSpec => ({
    addr,
    state: 1,
    pri: 60,
    proc: P1,
    start: 'thread_start',
    sobj: SYM.mutex_sobj_ops,
    wchan: LOCK,
    cpu: CPU1,
    frames: [
      ['swtch', 0x141n, []],
      ['turnstile_block', 0x21an, [0n, 0n, LOCK]],
      ['mutex_vector_enter', 0x3a3n, [LOCK]],
      ['foo_lookup', 0x41n, [0x2an]],
      ['foo_ioctl', 0x10n, [3n, 0x1234n]],
    ],
    stackTop: top(i),
  });
  return [
    { addr: T.idle, state: 4, pri: -1, proc: P0, start: 'idle', cpu: CPU0, frames: [['idle', 0x10n, []], ['thread_start', 8n, []]], stackTop: top(0) },
    tq(T.tq1, 1),
    tq(T.tq2, 2),
    tq(T.tq3, 3),
    mx(T.mx1, 4),
    mx(T.mx2, 5),
    {
      addr: T.panic,
      state: 4,
      pri: 60,
      proc: P1,
      start: 'thread_start',
      cpu: CPU1,
      frames: [
        ['vpanic', 0n, []],
        ['assfail', 0x7en, [0xfffffffff7a1c7a8n, 0xfffffffff7a1c790n, 0x58n]],
        ['kmem_cache_alloc', 0x9cn, [CACHE, 0n]],
        ['bd_xfer_alloc', 0x2cn, [0xffffff01c0041008n, 4n]],
        ['foo_ioctl', 0x10n, [3n, 0x1234n]],
      ],
      stackTop: top(6),
    },
    { addr: T.free, state: 0, pri: 0, proc: P0, start: 'thread_start', cpu: CPU0, frames: [], stackTop: top(7) },
    { addr: T.runq, state: 2, pri: 59, proc: P1, start: 'thread_start', cpu: CPU1, frames: [['swtch', 0x141n, []], ['delay', 0x1bn, [0x64n]]], stackTop: top(8) },
  ];
}

/** The fixture's threads plus `extra` generated ones (varied stacks), for scale. */
function buildModel(panic: boolean, extra: number, interrupts: boolean): DumpModel {
  const ctf = new CtfBuilder(LP64);
  declareThreadTypes(ctf);
  const threads = baseThreads();
  if (interrupts) {
    const intr = (addr: bigint, pil: number, state: number, i: number): ThreadSpec => ({
      addr,
      state,
      pri: 100 + pil,
      proc: P0,
      start: 'thread_start',
      cpu: CPU1,
      bound: CPU1,
      flag: 0x1, // T_INTR_THREAD
      pil,
      ...(state === 1 ? { sobj: SYM.mutex_sobj_ops, wchan: LOCK } : {}),
      frames: [['swtch', 0x141n, []], ['turnstile_block', 0x21an, [0n, 0n, LOCK]], ['mutex_vector_enter', 0x3a3n, [LOCK]]],
      stackTop: 0xffffff000fa00000n + BigInt(i) * 0x10000n,
    });
    threads.push(intr(T.intr5, 5, 1, 0), intr(T.intr4, 4, 1, 1));
  }
  const shapes = ['cv_wait', 'delay', 'turnstile_block', 'mutex_vector_enter'];
  for (let i = 0; i < extra; i++) {
    const s = i % 50;
    threads.push({
      addr: 0xffffff0100000000n + BigInt(i) * 0x800n,
      state: s % 3 === 0 ? 2 : 1,
      pri: 60,
      proc: s % 2 ? P1 : P0,
      start: 'taskq_thread',
      sobj: s % 3 === 0 ? undefined : s % 2 ? SYM.mutex_sobj_ops : SYM.cv_sobj_ops,
      wchan: s % 3 === 0 ? 0n : CV + BigInt(s),
      cpu: CPU0,
      frames: [
        ['swtch', 0x141n, []],
        [shapes[s % 4]!, BigInt(0x10 + s), [BigInt(i)]],
        ['taskq_thread', BigInt(0x100 + (s % 7)), []],
        ['thread_start', 8n, []],
      ],
      stackTop: 0xffffff1000000000n + BigInt(i) * 0x10000n,
    });
  }

  const sy = new TableBuilder('symbols', { name: 'str', module: 'str', addr: 'u64', size: 'u64', kind: 'u8' });
  for (const [name, [mod, addr, size]] of Object.entries(FN)) sy.add({ name, module: mod, addr, size, kind: SYMKIND_FUNC });
  sy.add({ name: 'cv_sobj_ops', module: 'genunix', addr: SYM.cv_sobj_ops, size: 0x20n, kind: SYMKIND_OBJECT });
  sy.add({ name: 'mutex_sobj_ops', module: 'genunix', addr: SYM.mutex_sobj_ops, size: 0x20n, kind: SYMKIND_OBJECT });
  sy.add({ name: 'sema_sobj_ops', module: 'genunix', addr: SYM.sema_sobj_ops, size: 0x20n, kind: SYMKIND_OBJECT });
  sy.add({ name: 'panic_thread', module: 'genunix', addr: SYM.panic_thread, size: 8n, kind: SYMKIND_OBJECT });
  sy.add({ name: 'panicstr', module: 'genunix', addr: SYM.panicstr, size: 8n, kind: SYMKIND_OBJECT });
  sy.add({ name: 'panic_cpu_id', module: 'genunix', addr: SYM.panic_cpu_id, size: 4n, kind: SYMKIND_OBJECT });
  sy.add({ name: 'hz', module: 'unix', addr: SYM.hz, size: 4n, kind: SYMKIND_OBJECT });

  const gl = new TableBuilder('globals', { addr: 'u64', size: 'u8', value: 'u64' });
  gl.add({ addr: SYM.panic_thread, size: 8, value: panic ? T.panic : 0n });
  if (panic) gl.add({ addr: SYM.panicstr, size: 8, value: PANIC_TEXT });
  gl.add({ addr: SYM.panic_cpu_id, size: 4, value: panic ? 1n : 0xffffffffn });
  gl.add({ addr: SYM.hz, size: 4, value: 100n });
  const st = new TableBuilder('strings', { addr: 'u64', text: 'str' });
  if (panic) st.add({ addr: PANIC_TEXT, text: PANIC_MSG });

  const th = new TableBuilder('kthread_t', {
    addr: 'u64', t_startpc: 'u64', t_flag: 'u16', t_state: 'u32', t_pri: 'i32', t_pc: 'u64', t_sp: 'u64', t_stk: 'u64',
    t_wchan: 'u64', t_sobj_ops: 'u64', t_cpu: 'u64', t_bound_cpu: 'u64', t_procp: 'u64', t_disp_time: 'i64',
    ...(interrupts ? { t_pil: 'u8' as const } : {}),
  });
  const fr = new TableBuilder('frames', { thread_row: 'u32', depth: 'u16', fp: 'u64', pc: 'u64', args: { list: 'u64' }, locals: { list: 'u64' } });
  threads.forEach((t, i) => {
    const n = t.frames.length;
    const fp = (d: number) => t.stackTop - BigInt((n - d) * 0x40);
    th.add({
      addr: t.addr,
      t_startpc: FN[t.start]![1],
      t_flag: t.flag ?? 0,
      t_state: t.state,
      t_pri: t.pri,
      t_pc: n ? pc(t.frames[0]![0], t.frames[0]![1]) : 0n,
      t_sp: n ? fp(0) : 0n,
      t_stk: t.stackTop,
      t_wchan: t.wchan ?? 0n,
      t_sobj_ops: t.sobj ?? 0n,
      t_cpu: t.cpu,
      t_bound_cpu: t.bound ?? 0n,
      t_procp: t.proc,
      t_disp_time: BigInt(t.dispTime ?? 1234500),
      ...(interrupts ? { t_pil: t.pil ?? 0 } : {}),
    });
    t.frames.forEach(([f, off, args], d) => fr.add({ thread_row: i, depth: d, fp: fp(d), pc: pc(f, off), args, locals: [] }));
  });

  const pr = new TableBuilder('proc_t', { addr: 'u64', p_pidp: 'u64', p_tlist: 'u64', 'p_user.u_comm': 'str', 'p_user.u_psargs': 'str' });
  pr.add({ addr: P0, p_pidp: P0 + PID, p_tlist: T.idle, 'p_user.u_comm': 'sched', 'p_user.u_psargs': 'sched' });
  pr.add({ addr: P1, p_pidp: P1 + PID, p_tlist: T.mx1, 'p_user.u_comm': 'fooadm', 'p_user.u_psargs': 'fooadm -v /dev/foo0' });
  const pid = new TableBuilder('struct pid', { addr: 'u64', pid_id: 'i32' });
  pid.add({ addr: P0 + PID, pid_id: 0 });
  pid.add({ addr: P1 + PID, pid_id: 412 });

  const nrun = (cpu: bigint) => threads.filter((t) => t.state === 2 && t.cpu === cpu).length;
  const cpu = new TableBuilder('cpu_t', {
    addr: 'u64', cpu_id: 'i32', cpu_flags: 'u16', cpu_thread: 'u64', cpu_idle_thread: 'u64', cpu_disp: 'u64',
    cpu_last_swtch: 'i64', cpu_base_spl: 'i32', cpu_kprunrun: 'u8', 'cpu_disp0.disp_nrunnable': 'i32',
    ...(interrupts ? { cpu_intr_actv: 'u32' as const } : {}),
  });
  cpu.add({ addr: CPU0, cpu_id: 0, cpu_flags: 0x1b, cpu_thread: T.idle, cpu_idle_thread: T.idle, cpu_disp: CPU0 + DISP0_OFF, cpu_last_swtch: 1234500n, 'cpu_disp0.disp_nrunnable': nrun(CPU0) });
  cpu.add({ addr: CPU1, cpu_id: 1, cpu_flags: 0x1f, cpu_thread: T.panic, cpu_idle_thread: 0xffffff000f40bc40n, cpu_disp: CPU1 + DISP0_OFF, cpu_last_swtch: 0n, cpu_base_spl: 0, cpu_kprunrun: 1, 'cpu_disp0.disp_nrunnable': nrun(CPU1), ...(interrupts ? { cpu_intr_actv: 1 << 5 } : {}) });

  const mb = new TableBuilder('msgbuf', { timestamp: 'i64', text: 'str' });
  mb.add({ timestamp: 5_000_000_000n, text: 'NOTICE: foo0: device attached' });
  if (panic) mb.add({ timestamp: 12_345_000_000_000n, text: `panic[cpu1]/thread=${T.panic.toString(16)}: ${PANIC_MSG}` });

  return {
    header: header(panic),
    types: ctf.types(),
    tables: [sy.build(), gl.build(), st.build(), th.build(), fr.build(), pr.build(), pid.build(), cpu.build(), mb.build()],
  };
}

export interface FixtureOptions {
  panic?: boolean;
  extra?: number;
  interrupts?: boolean;
}

export function threadDump(opts: FixtureOptions = {}): DumpModel {
  return buildModel(opts.panic ?? true, opts.extra ?? 0, opts.interrupts ?? false);
}

export function threadSession(opts: FixtureOptions = {}): MdbSession {
  return createSession(threadDump(opts), 'vmcore.0');
}

/** Runs a line that must succeed; returns its text. */
export async function out(s: MdbSession, line: string): Promise<string> {
  const r = await s.execute(line);
  if (!r.ok) throw new Error(`'${line}' failed: ${r.errors.join(' / ')}`);
  return r.output;
}

/** Runs a line that must succeed; returns the first command's first JSON result. */
export async function json(s: MdbSession, line: string): Promise<any> {
  const r = await s.execute(line, { json: true });
  if (!r.ok) throw new Error(`'${line}' failed: ${r.errors.join(' / ')}`);
  return (r.json[0] as { results: unknown[] }).results[0];
}
