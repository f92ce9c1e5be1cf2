/*
 * The dump's struct layouts (CTF-like), looked up the ways mdb's users name
 * them: by typedef ("kmem_cache_t") or by tag ("struct kmem_cache"). Member
 * paths follow C: "cache_full.ml_total" (nested struct), "bc_stack[3]"
 * (array element).
 */
import type { TypeDef, TypeMember } from '../../dump/format.js';
import { nameTable } from '../../dump/names.js';
import { MdbError } from '../errors.js';
import { classify, parseArray, type CType } from './ctype.js';

/** A member reached by a path, with its absolute offset from the struct start. */
export interface ResolvedMember {
  /** the path as written */
  path: string;
  /** offset from the start of the outermost struct */
  offset: number;
  size: number;
  /** its C type string */
  type: string;
  ctype: CType;
}

export class TypeTable {
  private readonly byName = new Map<string, TypeDef>();
  private readonly members = new Map<TypeDef, Map<string, TypeMember>>();

  constructor(
    readonly defs: readonly TypeDef[],
    readonly pointerSize: number,
  ) {
    for (const d of defs) {
      this.byName.set(d.name, d);
      if (d.tag) this.byName.set(d.tag, d);
      this.members.set(d, new Map(d.members.map((m) => [m.name, m])));
    }
  }

  /** A struct by typedef name or tag; "struct x" and "union x" also match the tag. */
  get(name: string): TypeDef | undefined {
    return this.byName.get(this.normal(name));
  }

  /**
   * A type name with its white space as the table keys it, remembered for
   * the names asked most (a dcmd reads the same struct at each of 65,536
   * piped addresses, and the regular expression was most of the lookup).
   */
  private normal(name: string): string {
    let n = this.normalized.get(name);
    if (n === undefined) {
      n = name.trim().replace(/\s+/g, ' ');
      if (this.normalized.size >= 1024) this.normalized.clear();
      this.normalized.set(name, n);
    }
    return n;
  }

  private readonly normalized = new Map<string, string>();

  /** Like get(), but failing the way mdb's CTF lookups do. */
  need(name: string): TypeDef {
    const d = this.get(name);
    if (!d) throw new MdbError(`failed to look up type ${name}: unknown type name`);
    return d;
  }

  isStruct = (name: string): boolean => this.byName.has(name.trim().replace(/\s+/g, ' '));

  classify(type: string): CType {
    return classify(type, this.isStruct);
  }

  /** sizeof a C type string: structs, pointers, arrays and the usual scalars. */
  sizeOf(type: string): number | undefined {
    const t = type.trim().replace(/\s+/g, ' ');
    const d = this.get(t);
    if (d) return d.size;
    const ct = this.classify(t);
    if (ct.kind === 'ptr') return this.pointerSize;
    if (ct.kind === 'array') {
      const e = this.sizeOf(ct.elem);
      return e === undefined ? undefined : e * ct.count;
    }
    return SCALAR_SIZES[t] ?? (LONGS.has(t) ? this.pointerSize : undefined);
  }

  /** The member `name` of `def` (one level). */
  member(def: TypeDef, name: string): TypeMember | undefined {
    return this.members.get(def)?.get(name);
  }

  /** Resolves a dotted/indexed member path of `def`; throws mdb's "failed to find member" error. */
  resolve(def: TypeDef, path: string): ResolvedMember {
    const parts = splitPath(path);
    let cur: TypeDef | undefined = def;
    let offset = 0;
    let type = def.name;
    let size = def.size;
    for (const p of parts) {
      if (p.kind === 'member') {
        if (!cur) throw new MdbError(`${type} is not a struct or union type`);
        const m = this.member(cur, p.name);
        if (!m) throw new MdbError(`failed to find member ${p.name} of ${cur.name}: unknown member name`);
        offset += m.offset;
        type = m.type;
        size = m.size;
      } else {
        const arr = parseArray(type);
        if (!arr) throw new MdbError('cannot index into non-array, non-pointer type');
        const esize = size / arr.count;
        offset += esize * p.index;
        type = arr.elem;
        size = esize;
      }
      cur = this.get(type);
    }
    return { path, offset, size, type, ctype: this.classify(type) };
  }
}

type PathPart = { kind: 'member'; name: string } | { kind: 'index'; index: number };

function splitPath(path: string): PathPart[] {
  const out: PathPart[] = [];
  const re = /\s*(?:(\.|->)?\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:0t)?(\d+)\s*\])/y;
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m || m[0].length === 0) throw new MdbError(`'${path[i]}' is not a valid delimiter`);
    if (m[2] !== undefined) out.push({ kind: 'member', name: m[2] });
    else out.push({ kind: 'index', index: Number(m[3]) });
    i = re.lastIndex;
  }
  return out;
}

// null prototype: `::sizeof constructor` must not find Object's constructor
const SCALAR_SIZES = nameTable<number>({
  char: 1, 'signed char': 1, 'unsigned char': 1, uchar_t: 1, uint8_t: 1, int8_t: 1, boolean_t: 4,
  short: 2, ushort_t: 2, uint16_t: 2, int16_t: 2, pri_t: 2, int: 4, uint_t: 4, uint32_t: 4, int32_t: 4,
  'unsigned int': 4, id_t: 4, pid_t: 4, processorid_t: 4, uint64_t: 8, int64_t: 8, hrtime_t: 8,
  u_longlong_t: 8, 'long long': 8, 'unsigned long long': 8, double: 8, float: 4, diskaddr_t: 8,
});

const LONGS = new Set(['long', 'ulong_t', 'size_t', 'ssize_t', 'uintptr_t', 'intptr_t', 'time_t', 'pgcnt_t', 'caddr_t', 'pc_t', 'u_long', 'unsigned long']);
