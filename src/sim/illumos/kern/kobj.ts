/*
 * A kernel global by name: the symbol table lays out a new object on each
 * declaration, so code that names a global (kvp, zvp, turnstile_table ...)
 * on a hot path takes it from here, laid out once per kernel.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { ObjSym } from '../../machine/symbols.js';

const byKernel = new WeakMap<Kernel, Map<string, ObjSym>>();

/** The global `module`name`, declared with `size` the first time it is named. */
export function kernelObject(k: Kernel, module: string, name: string, size: number): ObjSym {
  let m = byKernel.get(k);
  if (!m) byKernel.set(k, (m = new Map()));
  const key = `${module}\`${name}`;
  let o = m.get(key);
  if (!o) {
    o = k.sym.objects.find((x) => x.module === module && x.name === name) ?? k.sym.object(module, name, size);
    m.set(key, o);
  }
  return o;
}
