/*
 * The kernel globals a FreeBSD model names by address, the wait channels
 * above all (vm_daemon_needed, bd_request, lbolt, g_wait_event ...): each is
 * laid out once per kernel, at its first use, in that kernel's own symbol
 * module ("kernel" for 2004, "kernel.2020"), so ::whatis and ::nm name it as
 * they would name the real global.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';

const objects = new WeakMap<Kernel, Map<string, Kva>>();

/** The address of the kernel global `name` (`size` bytes), laid out at its first use. */
export function kernelObject(k: Kernel, name: string, size: number): Kva {
  let m = objects.get(k);
  if (!m) objects.set(k, (m = new Map()));
  let a = m.get(name);
  if (a === undefined) m.set(name, (a = k.sym.object(k.cfg.os.modules[0]!, name, size).addr));
  return a;
}
