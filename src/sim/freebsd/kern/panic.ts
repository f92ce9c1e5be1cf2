/*
 * panic() and KASSERT (kern/kern_shutdown.c, sys/systm.h), as a 2004
 * FreeBSD kernel with KDB and DDB prints them: "panic: <message>", the CPU
 * that panicked, a stack backtrace from kdb_backtrace(), then the debugger
 * is entered with "KDB: enter: panic". The machine stops there (PanicStop):
 * no frame is popped, so every thread's stack is as the debugger saw it.
 */
import type { Kernel } from '../../machine/kernel.js';
import { func, type FuncSym } from '../../machine/symbols.js';
import { PanicStop } from '../../machine/stop.js';
import type { Frame } from '../../machine/thread.js';

export const panicFn = func('kernel', 'panic', 0x150);
const kdb_enter = func('kernel', 'kdb_enter', 0x40);
const kdb_backtrace = func('kernel', 'kdb_backtrace', 0x40);
const db_trace_self = func('kernel', 'db_trace_self', 0x30);
// panic() calls kdb_backtrace() and then, further on, kdb_enter(): their
// return addresses in panic keep that order (the hash that places other
// call sites could put them either way round)
panicFn.sites = new Map([
  [kdb_backtrace, 0x10a],
  [kdb_enter, 0x128],
]);

/** "fn(a,b,c) at fn+0x1f", the line db_trace_self prints per frame (i386 shows the first five stack words). */
export function traceLine(k: Kernel, f: Frame): string {
  const args = f.args.slice(0, 5).map((v, j) => ((f.ptrMask >> j) & 1 ? k.hex(v) : (v >>> 0).toString(16)));
  return `${f.fn.name}(${args.join(',')}) at ${f.fn.name}+0x${f.pcOff.toString(16)}`;
}

/** ddb's i386 frame types by name (db_trace.c): the vectors below which db_nextframe() prints an interrupt. */
export const INTERRUPT_VECTOR = /^(Xapic_isr\d+|Xatpic_intr\d+|Xfastintr\d+|Xtimerint)$/;

/**
 * db_nextframe()'s line below an entry frame, from its trapframe: "---
 * interrupt, eip = ...", "--- trap 0xc, eip = ..." or "--- syscall (133,
 * FreeBSD ELF32, sendto), eip = ..." (decode_syscall() names the handler:
 * the frame the system-call function called). `frames` outermost first.
 */
export function entryLine(k: Kernel, frames: readonly Frame[], i: number): string | undefined {
  const f = frames[i]!;
  const tf = f.trapframe;
  if (!tf || tf.length < 4) return undefined;
  const v = (x: number): string => `0x${f.trapframeKernel ? k.hex(x) : x.toString(16)}`;
  const [ip, sp, bp] = k.p.pointerSize === 4 ? ['eip', 'esp', 'ebp'] : ['rip', 'rsp', 'rbp'];
  const regs = `${ip} = ${v(tf[1]!)}, ${sp} = ${v(tf[2]!)}, ${bp} = ${v(tf[3]!)}`;
  if (INTERRUPT_VECTOR.test(f.fn.name)) return `--- interrupt, ${regs} ---`;
  if (f.fn.name === 'calltrap') return `--- trap 0x${tf[0]!.toString(16)}, ${regs} ---`;
  const handler = frames[i + 2];
  return `--- syscall (${tf[0]}${handler ? `, FreeBSD ELF${k.p.pointerSize * 8}, ${handler.fn.name}` : ''}), ${regs} ---`;
}

/**
 * models kdb_backtrace() -> db_trace_self() on the current thread: "KDB:
 * stack backtrace:" and a line per frame, and below an entry frame the
 * line its trapframe gives (entryLine). db_trace_self starts from its
 * caller's frame, so kdb_backtrace prints at the return address of that
 * call and db_trace_self not at all.
 */
export function kdbBacktrace(k: Kernel): void {
  const t = k.curthread!;
  k.console('KDB: stack backtrace:');
  const bt = k.enter(kdb_backtrace, 0);
  const ts = k.enter(db_trace_self, 0);
  const frames = t.frames;
  for (let i = frames.length - 2; i >= 0; i--) {
    const f = frames[i]!;
    if (f.hidden) continue;
    k.console(traceLine(k, f));
    const line = entryLine(k, frames, i);
    if (line) k.console(line);
  }
  k.leave(ts);
  k.leave(bt);
}

/** models panic(): record panicstr, print the message and a backtrace, and enter the debugger. Never returns. */
export function panic(k: Kernel, message: string, caller: FuncSym = panicFn, args: number[] = [], ptrMask = 0): never {
  const t = k.curthread!;
  if (caller === panicFn) k.enter(panicFn, 0b1, k.kstring(message), ...args.slice(0, 4));
  else k.enter(panicFn, ptrMask, ...args);
  k.panicked = { message, thread: t, cpu: k.curcpu, caller: caller.name, time: k.now };
  k.console(`panic: ${message}`);
  k.console(`cpuid = ${k.curcpu}`);
  // kdb_backtrace() runs inside panic, before kdb_enter
  kdbBacktrace(k);
  k.enter(kdb_enter, 0b1, k.kstring('panic'));
  k.console('KDB: enter: panic');
  throw new PanicStop();
}

/** models KASSERT(): live on INVARIANTS kernels; a false expression panics with the message. */
export function kassert(k: Kernel, ok: boolean, expr: string, file: string, line: number): void {
  if (ok || !k.cfg.debug) return;
  panic(k, `${expr} (${file}:${line})`);
}
