/*
 * Rows of a FreeBSD struct table ("struct uma_keg", "struct thread"), read
 * by member path. A member the dump stores as a column is read from the
 * column; any other member (a nested path such as "uz_cpu[1].uc_allocbucket"
 * when the dump stored the struct differently, or an unmodelled one) is read
 * from the target's memory at addr + offsetof, which synthesises it from
 * whatever columns the dump has, or zero. So the module does not depend on
 * how the simulator chose to spell nested members.
 */
import { addressOrder, addressOrderOf, wordsOf } from '../../../dump/addr-order.js';
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
  /** rowOf for an address given as its high and low 32 bits (no bigint on the way: list walks over a million rows) */
  rowOfParts(hi: number, lo: number): number;
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
  // the addr column is read on first use: reading a column inflates it, and a
  // command that only tallies a million rows (show all vmem) never needs it
  let addrCol: ArrayLike<number | bigint> | undefined | null = null;
  const addrs = (): ArrayLike<number | bigint> | undefined => {
    if (addrCol === null) {
      const ac = table?.columns['addr'];
      addrCol = ac && ac.kind !== 'str' && ac.kind !== 'list' ? (ac.values as ArrayLike<number | bigint>) : undefined;
    }
    return addrCol;
  };
  const addr = (row: number): bigint => {
    const v = addrs();
    return v ? BigInt.asUintN(64, BigInt(v[row]!)) : 0n;
  };
  let byAddr: ((hi: number, lo: number) => number) | undefined;
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
      if (!byAddr) byAddr = exactIndex(table, addrs(), count, addr);
      const u = BigInt.asUintN(64, a);
      return byAddr(Number(u >> 32n), Number(u & 0xffffffffn));
    },
    rowOfParts(hi, lo) {
      if (!byAddr) byAddr = exactIndex(table, addrs(), count, addr);
      return byAddr(hi >>> 0, lo >>> 0);
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

/**
 * The row whose address is exactly `a` (the last such row, as a Map filled
 * in row order answers), or -1. A 64-bit column is searched in address
 * order: the dump's stored order when it has one (addr-order.ts), else the
 * column sorted once; a lookup first tries the position after the last hit,
 * since the lists it serves (a vmem arena's segment list) run in address
 * order, then binary-searches. A Map keyed by bigint cost about 0.9 s to
 * build and query for the million boundary tags `show all vmem` follows.
 */
function exactIndex(table: Table | undefined, values: ArrayLike<number | bigint> | undefined, count: number, addr: (row: number) => bigint): (hi: number, lo: number) => number {
  if (values instanceof BigUint64Array && values.length === count) {
    const w = wordsOf(values);
    const order = addressOrderOf(table) ?? addressOrder(values);
    const hi = new Uint32Array(count);
    const lo = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      const r = order ? order[i]! : i;
      lo[i] = w[2 * r]!;
      hi[i] = w[2 * r + 1]!;
    }
    const rowAt = (pos: number): number => (order ? order[pos]! : pos);
    let last = -1;
    return (h, l) => {
      // the last position whose address is <= a
      let pos: number;
      const n = last + 1;
      if (n < count && hi[n] === h && lo[n] === l && (n + 1 >= count || hi[n + 1] !== h || lo[n + 1] !== l)) pos = n;
      else {
        let lo0 = 0;
        let hi0 = count;
        while (lo0 < hi0) {
          const m = (lo0 + hi0) >>> 1;
          if (hi[m]! < h || (hi[m] === h && lo[m]! <= l)) lo0 = m + 1;
          else hi0 = m;
        }
        pos = lo0 - 1;
        if (pos < 0 || hi[pos] !== h || lo[pos] !== l) return -1;
      }
      last = pos;
      return rowAt(pos);
    };
  }
  const m = new Map<bigint, number>();
  for (let i = 0; i < count; i++) m.set(addr(i), i);
  return (h, l) => m.get((BigInt(h) << 32n) | BigInt(l)) ?? -1;
}
