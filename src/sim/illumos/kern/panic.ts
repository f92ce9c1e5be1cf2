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
const assfail = func('genunix', 'assfail', 0x26);

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
  const callerFrame = t.frames[t.frames.length - 1]!;
  const fr = k.enter(vpanic, 0b11, k.kstring(format), alist);
  k.panicked = { message, thread: t, cpu: k.curcpu, caller: caller.name, time: k.now };
  savePanicRegs(k, fr.args, args, fr.fp, callerFrame.fp);
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

/** struct regs as vpanic() builds it on the panic stack, by member (greg_t values) */
export type PanicRegs = Map<string, number>;

/** kernel selectors on amd64 (intel/sys/segments.h): KCS_SEL, KDS_SEL, UDS_SEL, KGS_SEL */
const KCS_SEL = 0x30;
const KDS_SEL = 0x38;
const UDS_SEL = 0x4b;
const KGS_SEL = 0x1c3;

/** the register sets of panics, by kernel (the dump's panic_reg) */
export const panicRegs = new WeakMap<Kernel, { regs: PanicRegs; addrs: Set<string>; at: number }>();

/**
 * models the register save at vpanic()'s entry (intel/ia32/ml/i86_subr.s):
 * the registers as they were when vpanic was called, in a struct regs on
 * the panic thread's stack, which panicsys() hands to panic_reg. The
 * argument registers hold vpanic's arguments (format, alist) and what the
 * caller left in %rdx and %rcx (panic()'s further arguments); %rip is
 * vpanic, %rsp vpanic's frame, %rbp the caller's; %gs's base is the CPU.
 * Callee-saved registers the model does not track are left 0.
 */
function savePanicRegs(k: Kernel, vargs: number[], callerArgs: number[], sp: number, fp: number): void {
  const regs: PanicRegs = new Map();
  const cpu = k.cpus[k.curcpu]!;
  const set = (m: string, v: number): void => void regs.set(m, v);
  set('r_savfp', fp);
  set('r_savpc', vpanic.addr);
  set('r_rdi', vargs[0] ?? 0);
  set('r_rsi', vargs[1] ?? 0);
  set('r_rdx', callerArgs[1] ?? 0);
  set('r_rcx', callerArgs[2] ?? 0);
  set('r_rbp', fp);
  set('__r_gsbase', cpu.addr);
  set('r_ds', UDS_SEL);
  set('r_es', UDS_SEL);
  set('r_gs', KGS_SEL);
  set('r_rip', vpanic.addr);
  set('r_cs', KCS_SEL);
  set('r_rfl', 0x246);
  set('r_rsp', sp);
  set('r_ss', KDS_SEL);
  // which hold kernel addresses (the rest are integers, selectors, flags)
  const addrs = new Set(['r_savfp', 'r_savpc', 'r_rdi', 'r_rsi', 'r_rdx', 'r_rbp', '__r_gsbase', 'r_rip', 'r_rsp']);
  // the struct regs sits just below vpanic's frame
  panicRegs.set(k, { regs, addrs, at: sp - 0xf0 });
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
