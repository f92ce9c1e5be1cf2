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

/**
 * models kdb_backtrace() -> db_trace_self() on the current thread: "KDB:
 * stack backtrace:" and a line per frame. db_trace_self starts from its
 * caller's frame, so kdb_backtrace prints at the return address of that
 * call and db_trace_self not at all; below an interrupt vector's frame
 * (`vector`) db_nextframe() prints the trapframe of what it interrupted.
 */
export function kdbBacktrace(k: Kernel, vector?: FuncSym): void {
  const t = k.curthread!;
  k.console('KDB: stack backtrace:');
  const bt = k.enter(kdb_backtrace, 0);
  const ts = k.enter(db_trace_self, 0);
  const frames = t.frames;
  for (let i = frames.length - 2; i >= 0; i--) {
    const f = frames[i]!;
    if (f.hidden) continue;
    k.console(traceLine(k, f));
    const below = frames[i - 1];
    if (vector && f.fn === vector && below) k.console(`--- interrupt, eip = 0x${k.hex(below.fn.addr + below.pcOff)}, esp = 0x${k.hex(below.fp - 0x14)}, ebp = 0x${k.hex(below.fp)} ---`);
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
