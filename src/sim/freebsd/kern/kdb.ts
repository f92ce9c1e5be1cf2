/*
 * Entering the debugger from an interrupt on a hung machine: the interrupt
 * lands on a CPU, its handler calls kdb_enter(), and the thread that was
 * running there carries the interrupt frames on top of what it was doing,
 * as ddb then traces it ("--- interrupt, eip = ... ---" below the vector's
 * frame). 2004: the software watchdog fires from the clock interrupt
 * (hardclock -> watchdog_fire(), which prints a backtrace and enters the
 * debugger with "watchdog timeout"). 2020: a break on the console uart
 * (uart_intr -> uart_intr_break -> kdb_break(), "Break to debugger").
 */
import type { Kernel } from '../../machine/kernel.js';
import { framePcOff, func, type FuncSym } from '../../machine/symbols.js';
import type { KThread } from '../../machine/thread.js';
import { f20 } from './kern2020.js';
import { kdbBacktrace } from './panic.js';

/** The interrupt entry of the I/O APIC's first bank: ddb recognizes it by name (Xapic_isr*) and prints the trapframe below it. */
const isr2004 = func('kernel', 'Xapic_isr1', 0x50);
const path2004: FuncSym[] = [
  func('kernel', 'lapic_handle_intr', 0x60),
  func('kernel', 'intr_execute_handlers', 0x120),
  func('kernel', 'clkintr', 0x100),
  func('kernel', 'hardclock', 0x1a0),
  func('kernel', 'watchdog_fire', 0xb0),
];
const kdb_enter2004 = func('kernel', 'kdb_enter', 0x40);

const isr2020 = f20('Xapic_isr1', 0x50);
const path2020: FuncSym[] = [
  f20('lapic_handle_intr', 0x70),
  f20('intr_execute_handlers', 0x100),
  f20('intr_event_handle', 0x170),
  f20('uart_intr', 0x1c0),
  f20('uart_intr_break', 0x50),
  f20('kdb_break', 0x40),
];
const kdb_enter2020 = f20('kdb_enter', 0x90);

/**
 * On thread t, as curthread: the interrupt vector's frame, with the
 * trapframe of the kernel code it stopped (that frame's pc, a stack
 * pointer inside it and its frame pointer), then the handlers down to the
 * one that enters the debugger. The caller restores curthread.
 */
function interrupt(k: Kernel, t: KThread, isr: FuncSym, path: readonly FuncSym[]): void {
  k.curthread = t;
  const vec = k.enter(isr, 0);
  const stopped = t.frames[t.frames.length - 2]!;
  vec.trapframe = [0, stopped.fn.addr + stopped.pcOff, stopped.fp - 0x14, stopped.fp];
  vec.trapframeKernel = true;
  for (const fn of path) k.enter(fn, 0);
}

/** Where the debugger stopped: the breakpoint in kdb_enter. */
function stoppedAt(t: KThread): string {
  const top = t.frames[t.frames.length - 1]!;
  return `${top.fn.name}+0x${framePcOff(top).toString(16)}`;
}

/** 2004: watchdog_fire() on the clock interrupt: a backtrace on the console, then "KDB: enter: watchdog timeout". */
export function watchdogFire2004(k: Kernel, t: KThread, tid: number): void {
  const saved = k.curthread;
  interrupt(k, t, isr2004, path2004);
  kdbBacktrace(k);
  k.enter(kdb_enter2004, 0b1, k.kstring('watchdog timeout'));
  k.curthread = saved;
  k.console('KDB: enter: watchdog timeout');
  k.console(`[thread pid ${t.proc.pid} tid ${tid} ]`);
  k.console(`Stopped at      ${stoppedAt(t)}`);
}

/** 2020: a break on the console uart: kdb_break(), "KDB: enter: Break to debugger". */
export function consoleBreak2020(k: Kernel, t: KThread, tid: number): void {
  const saved = k.curthread;
  interrupt(k, t, isr2020, path2020);
  // kdb_break(): 13.0's kdb_enter(KDB_WHY_BREAK, "Break to debugger")
  k.enter(kdb_enter2020, 0b11, k.kstring('break'), k.kstring('Break to debugger'));
  k.curthread = saved;
  k.console('KDB: enter: Break to debugger');
  k.console(`[ thread pid ${t.proc.pid} tid ${tid} ]`);
  k.console(`Stopped at      ${stoppedAt(t)}`);
}
