/*
 * The FreeBSD i386 layouts the simulator lays its objects out by: the same
 * ones savecore writes into the dump's `types` (dump/types/freebsd).
 */
import type { CtfBuilder } from '../../../dump/ctf.js';
import type { TypeDef } from '../../../dump/format.js';
import { freebsdTypes } from '../../../dump/types/freebsd/index.js';

const cache = new Map<string, CtfBuilder>();

export function freebsdLayouts(pointerSize: 4 | 8, ncpus: number): CtfBuilder {
  const key = `${pointerSize}/${ncpus}`;
  let b = cache.get(key);
  if (!b) cache.set(key, (b = freebsdTypes(pointerSize, ncpus)));
  return b;
}

function typeDef(b: CtfBuilder, name: string): TypeDef {
  const t = b.structs.get(name);
  if (!t) throw new Error(`simulator: no layout for ${name}`);
  return t;
}

export function sizeofType(b: CtfBuilder, name: string): number {
  return typeDef(b, name).size;
}

/** offsetof(type, member) for a top-level member */
export function offsetofMember(b: CtfBuilder, name: string, member: string): number {
  const m = typeDef(b, name).members.find((x) => x.name === member);
  if (!m) throw new Error(`simulator: ${name} has no member ${member}`);
  return m.offset;
}
