/*
 * Rows of a FreeBSD struct table ("struct uma_keg", "struct thread"), read
 * by member path. A member the dump stores as a column is read from the
 * column; any other member (a nested path such as "uz_cpu[1].uc_allocbucket"
 * when the dump stored the struct differently, or an unmodelled one) is read
 * from the target's memory at addr + offsetof, which synthesises it from
 * whatever columns the dump has, or zero. So the module does not depend on
 * how the simulator chose to spell nested members.
 */
import type { Table, TypeDef } from '../../../dump/format.js';
import { MdbError } from '../../errors.js';
import type { Target } from '../../target.js';

export interface StructRows {
  readonly name: string;
  readonly table: Table | undefined;
  readonly def: TypeDef | undefined;
  readonly count: number;
  /** the address of each row */
  addr(row: number): bigint;
  /** the row of the struct that starts at addr, or -1 */
  rowOf(addr: bigint): number;
  /** an integer or pointer member (0n when unmodelled or unreadable) */
  get(row: number, path: string): bigint;
  /** the same as a number */
  num(row: number, path: string): number;
  /** the string a `char *` member points at ('' when none) */
  str(row: number, path: string): string;
  /** a `char [N]` member */
  chars(row: number, path: string): string;
  /** a list column (us_freelist, ub_bucket): the whole array */
  list(row: number, column: string): bigint[];
  /** the offset of a member path */
  offset(path: string): number;
}

const cache = new WeakMap<Target, Map<string, StructRows>>();

/** The rows of a struct table, indexed on first use (an empty view when the dump has none). */
export function structRows(target: Target, name: string): StructRows {
  let m = cache.get(target);
  if (!m) cache.set(target, (m = new Map()));
  const hit = m.get(name);
  if (hit) return hit;
  const r = build(target, name);
  m.set(name, r);
  return r;
}

function build(target: Target, name: string): StructRows {
  const table = target.table(name);
  const def = target.types.get(name);
  const count = table?.rowCount ?? 0;
  const ac = table?.columns['addr'];
  const addrs = ac && ac.kind !== 'str' && ac.kind !== 'list' ? (ac.values as ArrayLike<number | bigint>) : undefined;
  const addr = (row: number): bigint => (addrs ? BigInt.asUintN(64, BigInt(addrs[row]!)) : 0n);
  let byAddr: Map<bigint, number> | undefined;
  const resolved = new Map<string, { offset: number; size: number; type: string } | null>();
  const member = (path: string) => {
    if (!resolved.has(path)) {
      let v: { offset: number; size: number; type: string } | null = null;
      if (def) {
        try {
          const r = target.types.resolve(def, path);
          v = { offset: r.offset, size: r.size, type: r.type };
        } catch {
          v = null;
        }
      }
      resolved.set(path, v);
    }
    return resolved.get(path)!;
  };
  const get = (row: number, path: string): bigint => {
    const c = table?.columns[path];
    if (c && c.kind !== 'str' && c.kind !== 'list') return BigInt.asUintN(64, BigInt(c.values[row]!));
    const mem = member(path);
    if (!mem || mem.size < 1 || mem.size > 8) return 0n;
    try {
      return target.readUint(addr(row) + BigInt(mem.offset), mem.size);
    } catch {
      return 0n;
    }
  };
  return {
    name,
    table,
    def,
    count,
    addr,
    rowOf(a) {
      if (!byAddr) {
        byAddr = new Map();
        for (let i = 0; i < count; i++) byAddr.set(addr(i), i);
      }
      return byAddr.get(BigInt.asUintN(64, a)) ?? -1;
    },
    get,
    num: (row, path) => Number(BigInt.asIntN(64, get(row, path))),
    str(row, path) {
      const p = get(row, path);
      if (p === 0n) return '';
      try {
        return target.readString(p, 256);
      } catch {
        return '';
      }
    },
    chars(row, path) {
      const c = table?.columns[path];
      if (c && c.kind === 'str') return c.values[row] ?? '';
      const mem = member(path);
      if (!mem) return '';
      try {
        return target.readString(addr(row) + BigInt(mem.offset), mem.size);
      } catch {
        return '';
      }
    },
    list(row, column) {
      const c = table?.columns[column];
      if (!c || c.kind !== 'list') return [];
      const out: bigint[] = [];
      for (let j = c.offsets[row]!; j < c.offsets[row + 1]!; j++) out.push(BigInt.asUintN(64, BigInt(c.values[j]!)));
      return out;
    },
    offset(path) {
      const mem = member(path);
      if (!mem) throw new MdbError(`failed to find member ${path} of ${name}`);
      return mem.offset;
    },
  };
}

/** Follows a queue(3) LIST from its first element through `<entry>.le_next`, at most `max` steps (a damaged list may loop). */
export function* listElements(rows: StructRows, first: bigint, link: string, max = 1 << 20): Generator<bigint> {
  const seen = new Set<bigint>();
  let p = first;
  while (p !== 0n && !seen.has(p) && seen.size < max) {
    seen.add(p);
    yield p;
    const r = rows.rowOf(p);
    if (r < 0) return;
    p = rows.get(r, `${link}.le_next`);
  }
}

/** Hex without a prefix (%x). */
export const hx = (v: bigint): string => BigInt.asUintN(64, v).toString(16);
/** A pointer as FreeBSD's %p prints it: 0x-prefixed hex. */
export const px = (v: bigint): string => `0x${hx(v)}`;

/** db_hex2dec: a number ddb read in hex, reread as the decimal it was typed as (a pid or tid), or -1. */
export function hex2dec(v: bigint): number {
  const s = hx(v);
  return /^[0-9]+$/.test(s) && s.length <= 10 ? Number(s) : -1;
}
