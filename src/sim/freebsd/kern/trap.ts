/*
 * How a user thread enters the kernel at the bottom of its stack: a system
 * call through int $0x80 (i386: Xint0x80_syscall -> syscall()) or the
 * syscall instruction (amd64: fast_syscall_common -> amd64_syscall()), or a
 * trap (calltrap -> trap()). The entry frame keeps the trapframe ddb prints
 * below it: the system call's number (syscalls.master) or the trap number,
 * and the user registers it interrupted.
 */
import type { Kernel } from '../../machine/kernel.js';
import { func, type FuncSym } from '../../machine/symbols.js';
import { f20, K20 } from './kern2020.js';
import type { Frame } from '../../machine/thread.js';

/** syscalls.master numbers of the handlers the loads call (5.x names them after the call, 13.0 sys_*) */
const SYSCALL_NO = new Map<string, number>([
  ['sys_exit', 1],
  ['sys_sys_exit', 1],
  ['sys_read', 3],
  ['sys_write', 4],
  ['wait4', 7],
  ['sys_wait4', 7],
  ['recvfrom', 29],
  ['sys_execve', 59],
  ['sendto', 133],
  ['nanosleep', 240],
  ['sys_nanosleep', 240],
  ['sys_openat', 499],
]);
/** trap numbers (machine/trap.h): T_PAGEFLT */
const T_PAGEFLT = 12;

// the entry points, declared with the kernels' other functions so that their text is laid out at boot
const ENTRIES = new Map<string, { int80: FuncSym; fast?: FuncSym; amd64Syscall?: FuncSym }>([
  ['kernel', { int80: func('kernel', 'Xint0x80_syscall', 0x40) }],
  [K20, { int80: f20('Xint0x80_syscall', 0x40), fast: f20('fast_syscall_common', 0x110), amd64Syscall: f20('amd64_syscall', 0x330) }],
]);

/**
 * The user registers at the entry: the pc in libc's stub for the call, and
 * a stack near the top of the process's stack, fixed by pid so that the
 * same process shows the same stack in every trace.
 */
function userRegs(k: Kernel, code: number): number[] {
  const pid = k.curthread?.proc.pid ?? 0;
  if (k.p.isa === 'amd64') {
    const sp = 0x7fffffffe000 - 0x40 * (pid % 64) - 0x58;
    return [code, 0x800a00000 + code * 0x100 + 0xa, sp, sp + 0x30];
  }
  const sp = 0xbfbfe000 - 0x20 * (pid % 64) - 0x3c;
  return [code, 0x28100000 + code * 0x100 + 0x13, sp, sp + 0x2c];
}

/**
 * Enter a path that starts where a user thread enters the kernel: a path
 * beginning with `syscall` gets its platform's entry and system-call
 * function, one beginning with `calltrap` a page fault's trapframe; any
 * other path is entered as it is. Returns the frames entered, outermost
 * first, for the caller to leave.
 */
export function enterFromUser(k: Kernel, path: readonly FuncSym[]): Frame[] {
  const first = path[0];
  if (first?.name === 'syscall') {
    const e = ENTRIES.get(first.module);
    if (!e) throw new Error(`simulator: no system-call entry for module ${first.module}`);
    const amd64 = k.p.isa === 'amd64' && e.fast !== undefined && e.amd64Syscall !== undefined;
    const entry = k.enterTrap(amd64 ? e.fast! : e.int80);
    entry.trapframe = userRegs(k, SYSCALL_NO.get(path[1]?.name ?? '') ?? 0);
    const handler = amd64 ? e.amd64Syscall! : first;
    return [entry, k.enter(handler, 0), ...path.slice(1).map((fn) => k.enter(fn, 0))];
  }
  if (first?.name === 'calltrap') {
    const entry = k.enter(first, 0);
    entry.trapframe = userRegs(k, T_PAGEFLT);
    return [entry, ...path.slice(1).map((fn) => k.enter(fn, 0))];
  }
  return path.map((fn) => k.enter(fn, 0));
}
