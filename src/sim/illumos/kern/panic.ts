/*
 * Panic, ASSERT and the console (panic() and vpanic() in uts/common/os/panic.c,
 * assfail() in uts/common/os/debug.c, cmn_err() in uts/common/os/printf.c).
 *
 * panic() records panicstr, panic_thread and panic_cpu, prints the console
 * line and the panicking thread's stack, and stops the machine by throwing
 * PanicStop out of the thread's generator: frames are not popped, so every
 * thread's stack stays exactly as it was at the panic. The dispatcher catches
 * PanicStop; anything else thrown is a bug in the simulator.
 */
import type { Kernel } from '../../machine/kernel.js';
import { func, type FuncSym } from '../../machine/symbols.js';
import { PanicStop } from '../../machine/stop.js';

const vpanic = func('unix', 'vpanic', 0x150);
const panicFn = func('genunix', 'panic', 0x90);
const assfail = func('genunix', 'assfail', 0xa0);

/**
 * models panic(format, ...) and vpanic(format, alist): format the console
 * line, record the panic and stop the machine. Never returns. vpanic gets
 * the format and a va_list, which panic()'s caller built on its stack
 * (amd64's __va_list_tag), not the caller's arguments.
 */
export function panic(k: Kernel, message: string, caller: FuncSym = panicFn, args: number[] = [], ptrMask = 0, format = message): never {
  const t = k.curthread!;
  if (caller === panicFn) k.enter(panicFn, ptrMask | 0b1, k.kstring(format), ...args);
  const alist = t.frames[t.frames.length - 1]!.fp - 0x30;
  // vpanic's registers are saved at its entry: its frame's pc is vpanic+0
  k.enter(vpanic, 0b11, k.kstring(format), alist);
  k.panicked = { message, thread: t, cpu: k.curcpu, caller: caller.name, time: k.now };
  cmnErr(k, `panic[cpu${k.curcpu}]/thread=${k.hex(t.addr)}: ${message}`);
  // panicsys() prints the panicking thread's stack below vpanic, then dumps
  cmnErr(k, '');
  const frames = t.frames;
  for (let i = frames.length - 2; i >= 0; i--) {
    const f = frames[i]!;
    if (f.hidden) continue;
    cmnErr(k, `${k.hex(f.fp)} ${f.fn.module}:${f.fn.name}+${f.pcOff.toString(16)} ()`);
  }
  cmnErr(k, '');
  cmnErr(k, 'dumping to /dev/zvol/dsk/rpool/dump, offset 65536, content: kernel');
  throw new PanicStop();
}

/** models ASSERT() (sys/debug.h): on DEBUG kernels a false expression calls assfail(), which panics. */
export function assert(k: Kernel, ok: boolean, expr: string, file: string, line: number): void {
  if (ok || !k.cfg.debug) return;
  // assfail(const char *assertion, const char *filename, int line_num)
  const a = [k.kstring(expr), k.kstring(file), line];
  k.enter(assfail, 0b11, ...a);
  panic(k, `assertion failed: ${expr}, file: ${file}, line: ${line}`, assfail, a, 0b11, 'assertion failed: %s, file: %s, line: %d');
}

/** cmn_err(CE_NOTE/CE_WARN)-style console output into the message buffer. */
export function cmnErr(k: Kernel, text: string): void {
  k.msgbuf.push({ time: k.now, text });
}
