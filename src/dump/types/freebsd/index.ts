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

export function freebsdTypes(pointerSize: 4 | 8, ncpus: number): CtfBuilder {
  const b = new CtfBuilder(pointerSize === 4 ? ILP32 : LP64);
  declareFreebsdBaseTypes(b);
  declareFreebsdKernTypes(b);
  declareUmaTypes(b, ncpus);
  return b;
}

export function freebsdTypeDefs(pointerSize: 4 | 8, ncpus: number): TypeDef[] {
  return freebsdTypes(pointerSize, ncpus).types();
}
