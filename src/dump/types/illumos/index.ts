/*
 * The illumos amd64 kernel's type layouts (LP64), the dump's `types` for an
 * illumos dump.
 */
import type { TypeDef } from '../../format.js';
import { CtfBuilder, LP64 } from '../../ctf.js';
import { declareBaseTypes } from './base.js';
import { declareKmemTypes } from './kmem.js';
import { declareThreadTypes } from './thread.js';
import { declareIoTypes } from './io.js';
import { declareVmemTypes } from './vmem.js';
import { declareCalloutTypes } from './callout.js';
import { declareZfsTypes } from './zfs.js';
import { declareVmTypes } from './vm.js';

/** All illumos layouts for a kernel with `ncpus` CPUs (kmem_cache_t ends in cache_cpu[ncpus]). */
export function illumosTypes(ncpus: number): CtfBuilder {
  const b = new CtfBuilder(LP64);
  declareBaseTypes(b);
  // vmem_t is referenced by kmem_cache_t only as a pointer; declared first anyway.
  declareVmemTypes(b);
  declareThreadTypes(b);
  declareKmemTypes(b, ncpus);
  declareIoTypes(b);
  declareCalloutTypes(b);
  declareZfsTypes(b);
  declareVmTypes(b);
  return b;
}

export function illumosTypeDefs(ncpus: number): TypeDef[] {
  return illumosTypes(ncpus).types();
}

/** Offset of a member (dotted path for nested structs) in a layout. */
export function offsetOf(b: CtfBuilder, type: string, path: string): number {
  let t = b.structs.get(type);
  let off = 0;
  for (const part of path.split('.')) {
    if (!t) throw new Error(`ctf: ${type} has no ${path}`);
    const m = t.members.find((x) => x.name === part);
    if (!m) throw new Error(`ctf: ${type} has no member ${path}`);
    off += m.offset;
    t = b.structs.get(m.type);
  }
  return off;
}
