/*
 * The FreeBSD kernel's type layouts, the dump's `types` for a FreeBSD dump:
 * ILP32 for i386, LP64 for amd64. Struct names are as ::print takes them
 * ("struct uma_keg"): FreeBSD's kernel types are struct tags, not typedefs.
 */
import type { TypeDef } from '../../format.js';
import { CtfBuilder, ILP32, LP64 } from '../../ctf.js';
import { declareFreebsdBaseTypes } from './base.js';
import { declareUmaTypes } from './uma.js';
import { declareFreebsdKernTypes } from './kern.js';
import { declareUma2020Types } from './uma2020.js';
import { declareVmemTypes } from './vmem.js';

/**
 * The kernel's era picks the UMA layouts: 2004's kegs keep one set of slab
 * lists and uk_free; 2020's keep them per memory domain, with uk_reserve,
 * and the 2020 kernel has vmem.
 */
export type FreebsdEra = 2004 | 2020;

export function freebsdTypes(pointerSize: 4 | 8, ncpus: number, era: FreebsdEra = 2004, ndomains = 1): CtfBuilder {
  const b = new CtfBuilder(pointerSize === 4 ? ILP32 : LP64);
  declareFreebsdBaseTypes(b);
  declareFreebsdKernTypes(b, era === 2020);
  if (era === 2004) declareUmaTypes(b, ncpus);
  else {
    b.struct('struct cv', undefined, [
      ['cv_description', 'const char *'],
      ['cv_waiters', 'int'],
    ]);
    b.struct('struct domainset_ref', undefined, [
      ['dr_policy', 'struct domainset *'],
      ['dr_iter', 'int'],
    ]);
    declareUma2020Types(b, ncpus, ndomains);
    declareVmemTypes(b, pointerSize);
  }
  return b;
}

export function freebsdTypeDefs(pointerSize: 4 | 8, ncpus: number, era: FreebsdEra = 2004, ndomains = 1): TypeDef[] {
  return freebsdTypes(pointerSize, ncpus, era, ndomains).types();
}
