/*
 * One structure read out of the dump, the way mdb's dcmds mdb_vread() a
 * kmem_cache_t or vmem_seg_t into a local and then look at its members.
 * The bytes are read once (through the target, so an address that is not a
 * row start still reads what memory holds there) and members are decoded by
 * name, nested paths included ("cache_full.ml_total").
 */
import type { TypeDef } from '../../../../dump/format.js';
import { DcmdError, MemoryError } from '../../../errors.js';
import { hex } from '../../../render/number.js';
import type { Target } from '../../../target.js';
import type { ResolvedMember } from '../../../target/types.js';

/**
 * Member offsets by type and path, resolved once per dump: keyed by the
 * dump's own TypeDef object (one per type per dump), then by path, so the
 * hot path is two lookups and no string building.
 */
const resolved = new WeakMap<TypeDef, Map<string, ResolvedMember>>();

function member(target: Target, def: TypeDef, path: string): ResolvedMember {
  let m = resolved.get(def);
  if (!m) resolved.set(def, (m = new Map()));
  let r = m.get(path);
  if (!r) m.set(path, (r = target.types.resolve(def, path)));
  return r;
}

export class StructView {
  private constructor(
    readonly target: Target,
    readonly def: TypeDef,
    readonly addr: bigint,
    private readonly bytes: Uint8Array,
  ) {}

  /**
   * Reads a `type` at addr. An unreadable address fails as mdb's dcmds do:
   * "couldn't read <what> at <addr>" (what defaults to the type name).
   */
  static read(target: Target, type: string, addr: bigint, what?: string): StructView {
    const def = target.types.need(type);
    try {
      return new StructView(target, def, BigInt.asUintN(64, addr), target.readBytes(addr, def.size));
    } catch (e) {
      if (e instanceof MemoryError) throw new DcmdError(`couldn't read ${what ?? type} at ${hex(addr)}`);
      throw e;
    }
  }

  /** Does the type have this member? */
  has(path: string): boolean {
    try {
      member(this.target, this.def, path);
      return true;
    } catch {
      return false;
    }
  }

  /** The address of a member. */
  addrOf(path: string): bigint {
    return this.addr + BigInt(member(this.target, this.def, path).offset);
  }

  /** An integer member, unsigned. */
  u(path: string): bigint {
    const m = member(this.target, this.def, path);
    return this.uintAt(m.offset, Math.min(m.size, 8));
  }

  /** An integer member read as two's complement (short cc_rounds = 0xffff is -1). */
  s(path: string): bigint {
    const m = member(this.target, this.def, path);
    const size = Math.min(m.size, 8);
    return BigInt.asIntN(size * 8, this.uintAt(m.offset, size));
  }

  /** A small integer member as a number (flags, counts that fit in 53 bits). */
  n(path: string): number {
    return Number(this.u(path));
  }

  /** A char array member, up to its first NUL. */
  str(path: string): string {
    const m = member(this.target, this.def, path);
    let s = '';
    for (let i = m.offset; i < m.offset + m.size && i < this.bytes.length; i++) {
      const b = this.bytes[i]!;
      if (b === 0) break;
      s += String.fromCharCode(b);
    }
    return s;
  }

  /** The elements of an integer array member (pc_t [20]), unsigned. */
  array(path: string, elemSize: number): bigint[] {
    const m = member(this.target, this.def, path);
    const out: bigint[] = [];
    for (let off = m.offset; off + elemSize <= m.offset + m.size; off += elemSize) out.push(this.uintAt(off, elemSize));
    return out;
  }

  private uintAt(off: number, size: number): bigint {
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[off + i] ?? 0);
    return v;
  }
}
