/*
 * A small CTF: struct layouts written as member lists, laid out with the
 * platform's natural alignment (LP64 for amd64, ILP32 for i386). The kernel
 * headers' layouts are declared once with this, shared by the simulator (which
 * writes the dump's `types`) and the debugger's modules (which, like an mdb
 * module compiled against kernel headers, know member names); the debugger
 * itself always reads the layouts from the dump.
 */
import type { TypeDef, TypeMember } from './format.js';
import { nameTable } from './names.js';

export interface DataModel {
  pointerSize: 4 | 8;
  longSize: 4 | 8;
}

export const LP64: DataModel = { pointerSize: 8, longSize: 8 };
export const ILP32: DataModel = { pointerSize: 4, longSize: 4 };

const FIXED: Readonly<Record<string, number>> = nameTable({
  char: 1,
  uchar_t: 1,
  uint8_t: 1,
  int8_t: 1,
  boolean_t: 4,
  short: 2,
  uint16_t: 2,
  int16_t: 2,
  ushort_t: 2,
  int: 4,
  uint_t: 4,
  uint32_t: 4,
  int32_t: 4,
  id_t: 4,
  pid_t: 4,
  zoneid_t: 4,
  pri_t: 2,
  processorid_t: 4,
  'unsigned int': 4,
  uint64_t: 8,
  int64_t: 8,
  hrtime_t: 8,
  u_longlong_t: 8,
  'long long': 8,
  'unsigned long long': 8,
  double: 8,
  // illumos enums the ZFS structures hold (4 bytes on both data models)
  'enum zio_checksum': 4,
  'enum zio_compress': 4,
  'enum zio_child': 4,
  'enum zio_flag': 4,
  'enum zio_stage': 4,
  zio_type_t: 4,
  dmu_object_type_t: 4,
  pool_state_t: 4,
  spa_load_state_t: 4,
  vdev_aux_t: 4,
  // FreeBSD's spellings (sys/types.h)
  u_char: 1,
  u_int8_t: 1,
  u_short: 2,
  u_int16_t: 2,
  u_int: 4,
  u_int32_t: 4,
  uid_t: 4,
  gid_t: 4,
  lwpid_t: 4,
  u_int64_t: 8,
  sbintime_t: 8,
});

const LONGS = new Set(['long', 'u_long', 'vmem_addr_t', 'vmem_size_t', 'uma_import', 'uma_release', 'uma_ctor', 'uma_dtor', 'uma_init', 'uma_fini', 'uma_alloc', 'uma_free', 'ulong_t', 'size_t', 'ssize_t', 'uintptr_t', 'intptr_t', 'time_t', 'pgcnt_t', 'vm_offset_t', 'vm_size_t', 'u_long', 'caddr_t', 'pc_t', 'diskaddr_t']);

/** Size and alignment of a C type string, given the structs defined so far. */
export function sizeOf(ctype: string, dm: DataModel, structs: Map<string, TypeDef>): { size: number; align: number } {
  const t = ctype.trim();
  const arr = /^(.*)\[(\d+)\]$/.exec(t);
  if (arr) {
    const el = sizeOf(arr[1]!, dm, structs);
    return { size: el.size * Number(arr[2]), align: el.align };
  }
  if (t.endsWith('*') || t.includes('(*)')) return { size: dm.pointerSize, align: dm.pointerSize };
  if (t === 'diskaddr_t') return { size: 8, align: 8 };
  if (LONGS.has(t)) return { size: dm.longSize, align: dm.longSize };
  const f = FIXED[t];
  if (f !== undefined) return { size: f, align: Math.min(f, dm.pointerSize === 4 && f === 8 ? 4 : f) };
  const s = structs.get(t) ?? structs.get(t.replace(/^struct /, ''));
  if (s) return { size: s.size, align: structAlign(s, dm, structs) };
  throw new Error(`ctf: unknown type '${t}'`);
}

function structAlign(s: TypeDef, dm: DataModel, structs: Map<string, TypeDef>): number {
  let a = 1;
  for (const m of s.members) a = Math.max(a, sizeOf(m.type, dm, structs).align);
  return a;
}

/** Collects struct definitions for one data model, in declaration order. */
export class CtfBuilder {
  readonly structs = new Map<string, TypeDef>();
  constructor(readonly dm: DataModel) {}

  /**
   * Declare a struct. `members` are [name, C type] pairs in declaration order;
   * offsets follow natural alignment, and `tag` is the struct tag ("struct kmem_cache").
   * A struct may be declared under several names (typedef and tag): pass `aliases`.
   */
  struct(name: string, tag: string | undefined, members: Array<[string, string]>, aliases: string[] = []): TypeDef {
    let off = 0;
    let maxAlign = 1;
    const out: TypeMember[] = [];
    for (const [mname, mtype] of members) {
      const { size, align } = sizeOf(mtype, this.dm, this.structs);
      off = Math.ceil(off / align) * align;
      out.push({ name: mname, type: mtype, offset: off, size });
      off += size;
      maxAlign = Math.max(maxAlign, align);
    }
    const size = Math.ceil(off / maxAlign) * maxAlign;
    const td: TypeDef = { name, kind: 'struct', size, members: out, ...(tag ? { tag } : {}) };
    this.structs.set(name, td);
    if (tag) this.structs.set(tag, td);
    for (const a of aliases) this.structs.set(a, td);
    return td;
  }

  /** The distinct type definitions, in declaration order. */
  types(): TypeDef[] {
    return [...new Set(this.structs.values())];
  }
}
