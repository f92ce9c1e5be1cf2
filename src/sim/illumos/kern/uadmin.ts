/*
 * The operator's forced crash dump: `reboot -d` calls uadmin(A_REBOOT ...)
 * after asking for a dump, which the kernel takes as uadmin(A_DUMP, AD_BOOT):
 * kadmin() sets panic_forced and panics "forced crash dump initiated at user
 * request" (uts/common/os/uadmin.c), and the panic path writes the dump. It
 * is how a leak hunt gets a dump of a machine that has not crashed.
 */
import type { Kernel } from '../../machine/kernel.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { panic } from './panic.js';

/** Only a machine whose operator forces a dump has these in its text (symbols.ts, feature). */
export const UADMIN_FEATURE = 'uadmin';
const sysSyscall = func('unix', 'sys_syscall', 0x1e0);
const uadminFn = func('genunix', 'uadmin', 0x1f0, UADMIN_FEATURE);
const kadminFn = func('genunix', 'kadmin', 0x5c0, UADMIN_FEATURE);

/** sys/uadmin.h */
export const A_DUMP = 5;
export const AD_BOOT = 1;

/** The operator's shell: wait until `atNs`, then `reboot -d`. Never returns. */
export function* operatorRebootDump(k: Kernel, atNs: number): KGen<void> {
  if (atNs > k.now) yield* k.delay(atNs - k.now);
  k.enter(sysSyscall, 0);
  k.enter(uadminFn, 0, A_DUMP, AD_BOOT, 0);
  k.enter(kadminFn, 0, A_DUMP, AD_BOOT, 0, 0);
  panic(k, 'forced crash dump initiated at user request');
}
