import { describe, expect, it } from 'vitest';
import { ColumnArena, TableBuilder, col, list, num, str, tableIndex, u64 } from '../../src/dump/builder.js';
import { decodeDump, encodeDump } from '../../src/dump/codec.js';
import { DumpError } from '../../src/dump/errors.js';
import type { ListColumn, ScalarColumn, StringColumn } from '../../src/dump/format.js';
import { BIG_ADDR, sampleModel } from './fixtures.js';

function caches(): TableBuilder {
  return new TableBuilder('kmem_cache_t', {
    addr: 'u64',
    cache_name: 'str',
    cache_flags: 'u32',
    mag_round: { list: 'u64' },
  });
}

describe('TableBuilder', () => {
  it('builds columns of the declared kinds, trimmed to the row count', () => {
    const b = caches();
    expect(b.add({ addr: BIG_ADDR, cache_name: 'kmem_alloc_8', cache_flags: 0x200, mag_round: [1n, BIG_ADDR] })).toBe(0);
    expect(b.add({ addr: 0x1000, cache_name: 'ü', mag_round: [] })).toBe(1);
    expect(b.rowCount).toBe(2);
    const t = b.build();
    expect(t).toEqual({
      name: 'kmem_cache_t',
      rowCount: 2,
      columns: {
        addr: { kind: 'u64', values: BigUint64Array.of(BIG_ADDR, 0x1000n) },
        cache_name: { kind: 'str', values: ['kmem_alloc_8', 'ü'] },
        cache_flags: { kind: 'u32', values: Uint32Array.of(0x200, 0) },
        mag_round: { kind: 'list', of: 'u64', offsets: Uint32Array.of(0, 2, 2), values: BigUint64Array.of(1n, BIG_ADDR) },
      },
    });
    expect((t.columns.addr as ScalarColumn).values.buffer.byteLength).toBe(16);
  });

  it('reads missing values as zero, the empty string and the empty list', () => {
    const t = caches();
    t.add({});
    const built = t.build();
    expect((built.columns.addr as ScalarColumn).values[0]).toBe(0n);
    expect((built.columns.cache_name as StringColumn).values[0]).toBe('');
    expect(Array.from((built.columns.mag_round as ListColumn).offsets)).toEqual([0, 0]);
  });

  it('grows past its initial capacity and keeps building after build()', () => {
    const b = new TableBuilder('stacks', { pcs: { list: 'u64' } });
    for (let i = 0; i < 5000; i++) b.add({ pcs: Array.from({ length: i % 5 }, (_, j) => BigInt(i * 10 + j)) });
    const first = b.build();
    b.add({ pcs: [7n] });
    const second = b.build();
    expect(first.rowCount).toBe(5000);
    expect(second.rowCount).toBe(5001);
    const pcs = second.columns.pcs as ListColumn;
    expect(pcs.offsets[5001]).toBe(pcs.values.length);
    expect(Array.from(list(second, 'pcs', 4999) as BigUint64Array)).toEqual([49990n, 49991n, 49992n, 49993n]);
    expect(Array.from(list(second, 'pcs', 5000) as BigUint64Array)).toEqual([7n]);
  });

  it('reserve()s rows and list elements up front, in a shared ColumnArena, building the same table without copying it', () => {
    const spec = { addr: 'u64', f: 'u8', name: 'str', l: { list: 'u64' } } as const;
    const fill = (b: TableBuilder, from: number, to: number): void => {
      for (let i = from; i < to; i++) b.add({ addr: BigInt(i) << 40n, f: i & 0xff, name: `n${i}`, l: Array.from({ length: i % 3 }, (_, j) => BigInt(i + j)) });
    };
    const words = (n: number): number => Array.from({ length: n }, (_, i) => i % 3).reduce((a, x) => a + x, 0);
    const plain = new TableBuilder('x', spec);
    fill(plain, 0, 3000);
    const one = new TableBuilder('x', spec);
    const two = new TableBuilder('y', spec);
    const arena = new ColumnArena(one.reserveBytes(3000, words(3000)) + two.reserveBytes(2000));
    one.reserve(3000, words(3000), arena);
    two.reserve(2000, 0, arena);
    fill(one, 0, 3000);
    fill(two, 0, 2000);
    const built = one.build();
    expect(built).toEqual(plain.build());
    // the reserved arrays are the table's: views into the arena's one buffer, not copies
    const addr = built.columns.addr as ScalarColumn;
    const l = built.columns.l as ListColumn;
    expect(addr.values.buffer).toBe(l.values.buffer);
    expect(addr.values.buffer).toBe((two.build().columns.addr as ScalarColumn).values.buffer);
    // adding past the reservation leaves the built table as it was
    fill(one, 3000, 3001);
    expect(built.rowCount).toBe(3000);
    expect(one.build().rowCount).toBe(3001);
    expect(built).toEqual(plain.build());
    // an arena too small (or none) still builds: the rest get arrays of their own
    const small = new TableBuilder('x', spec).reserve(3000, words(3000), new ColumnArena(64));
    fill(small, 0, 3000);
    expect(small.build()).toEqual(plain.build());
    expect(() => small.reserve(-1)).toThrow(DumpError);
  });

  it('putUint into number columns and putUintList store what add() stores, and refuse what it refuses', () => {
    const spec = { f: 'u8', n: 'u32', d: 'f64', l: { list: 'u32' } } as const;
    const a = new TableBuilder('x', spec);
    const b = new TableBuilder('x', spec);
    const [F, N, D, L] = ['f', 'n', 'd', 'l'].map((c) => b.colIndex(c)) as [number, number, number, number];
    for (let i = 0; i < 3000; i++) {
      const l = Array.from({ length: i % 4 }, (_, j) => i * 1000 + j);
      a.add({ f: i & 0xff, n: i * 65537, d: i, l });
      b.begin();
      b.putUint(F, i & 0xff);
      b.putUint(N, i * 65537);
      b.putUint(D, i);
      if (i % 2) b.putUintList(L, l);
      else b.putUintList(L, [...l, 99], l.length);
      b.commit();
    }
    expect(b.build()).toEqual(a.build());
    b.begin();
    expect(() => b.putUint(F, 256)).toThrow(/does not fit in u8/);
    b.begin();
    expect(() => b.putUintList(L, [1, 2 ** 32])).toThrow(DumpError);
    b.begin();
    b.putUintList(L, [5]);
    b.commit();
    expect(Array.from(list(b.build(), 'l', 3000) as Uint32Array)).toEqual([5]);
  });

  it('refuses values its column cannot hold exactly', () => {
    const b = new TableBuilder('buffers', { state: 'u8', addr: 'u64', cpu: 'i32', load: 'f64', name: 'str' });
    const err = (row: Record<string, unknown>): string => {
      try {
        b.add(row as never);
      } catch (e) {
        expect(e).toBeInstanceOf(DumpError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err({ state: 300 })).toBe("cannot build dump: table 'buffers' column 'state' row 0: 300 does not fit in u8");
    expect(err({ state: 1.5 })).toBe("cannot build dump: table 'buffers' column 'state' row 0: 1.5 does not fit in u8");
    expect(err({ addr: -1n })).toBe("cannot build dump: table 'buffers' column 'addr' row 0: -1 does not fit in u64");
    expect(err({ addr: 2 ** 60 })).toMatch(/column 'addr' row 0: \d+ is not an exact integer for u64$/);
    expect(err({ addr: 2n ** 64n })).toMatch(/does not fit in u64$/);
    expect(err({ name: 5 })).toBe("cannot build dump: table 'buffers' column 'name' row 0: 5 is not a string");
    expect(err({ load: Number.NaN, cpu: -5 })).toBe('no error');
    expect(b.rowCount).toBe(1);
  });

  it('refuses an unknown column kind', () => {
    expect(() => new TableBuilder('x', { a: 'u128' as never })).toThrow(DumpError);
  });

  it('adds 1,000,000 rows of 8 columns (its speed is measured by npm run bench)', () => {
    const b = new TableBuilder('buffers', {
      addr: 'u64',
      cache_row: 'u32',
      state: 'u8',
      fill: 'u8',
      bufctl: 'u64',
      name: 'str',
      ptr_offs: { list: 'u32' },
      ptr_vals: { list: 'u64' },
    });
    const offs = [0];
    for (let i = 0; i < 1_000_000; i++) {
      const vals = [BIG_ADDR + BigInt(i)];
      b.add({ addr: BIG_ADDR, cache_row: i & 63, state: i % 3, fill: 1, bufctl: 0n, name: 'kmem_alloc_64', ptr_offs: offs, ptr_vals: vals });
    }
    const t = b.build();
    expect(t.rowCount).toBe(1_000_000);
    expect((t.columns.ptr_vals as ListColumn).values[999_999]).toBe(BIG_ADDR + 999_999n);
  });
});

describe('accessors', () => {
  const m = decodeDump(encodeDump(sampleModel()));
  const tables = tableIndex(m);
  const caches = tables.get('kmem_cache_t')!;
  const bufs = tables.get('buffers')!;

  it('index tables by name', () => {
    expect([...tables.keys()]).toEqual(m.tables.map((t) => t.name));
  });

  it('read cells by kind', () => {
    expect(u64(caches, 'addr', 0)).toBe(0xffffff01f0dc2880n);
    expect(u64(caches, 'cache_flags', 3)).toBe(-1n);
    expect(num(caches, 'cache_bufsize', 2)).toBe(32);
    expect(num(caches, 'cache_flags', 3)).toBe(-1);
    expect(str(caches, 'cache_name', 4)).toBe('ストリーム 😀');
    expect(Array.from(list(bufs, 'ptr_offs', 2) as Uint32Array)).toEqual([0, 8]);
    const vals = list(bufs, 'ptr_vals', 2);
    expect(vals.buffer).toBe((bufs.columns.ptr_vals as ListColumn).values.buffer);
    expect(col(bufs, 'state').kind).toBe('u8');
  });

  it('fail with a DumpError on a missing column, a wrong kind or a bad row', () => {
    expect(() => col(caches, 'cache_bogus')).toThrow("cannot read dump: table 'kmem_cache_t' has no column 'cache_bogus'");
    expect(() => col(caches, 'toString')).toThrow(DumpError);
    expect(() => str(caches, 'addr', 0)).toThrow("table 'kmem_cache_t' column 'addr' is u64, not str");
    expect(() => u64(caches, 'cache_name', 0)).toThrow("table 'kmem_cache_t' column 'cache_name' is str, not a number");
    expect(() => list(caches, 'addr', 0)).toThrow("column 'addr' is u64, not a list");
    expect(() => u64(caches, 'addr', 5)).toThrow("table 'kmem_cache_t' column 'addr': row 5 out of range (5 rows)");
    expect(() => num(caches, 'addr', -1)).toThrow(DumpError);
    expect(() => u64(caches, 'cache_load', 1)).toThrow('is 0.3333333333333333, not an integer');
  });
});

describe('TableBuilder.add on a bad value', () => {
  it('adds nothing: the row is rolled back in every column', () => {
    const b = new TableBuilder('t', { name: 'str', pcs: { list: 'u64' }, state: 'u8' });
    b.add({ name: 'first', pcs: [1n], state: 1 });
    expect(() => b.add({ name: 'bad', pcs: [2n, 3n], state: 256 })).toThrow(DumpError);
    expect(() => b.add({ name: 'bad', pcs: [2n, -3n], state: 1 })).toThrow(DumpError);
    b.add({ name: 'second', pcs: [4n], state: 2 });
    const t = b.build();
    expect(t.rowCount).toBe(2);
    expect((t.columns.name as StringColumn).values).toEqual(['first', 'second']);
    expect(Array.from((t.columns.pcs as ListColumn).offsets)).toEqual([0, 1, 2]);
    expect(Array.from((t.columns.pcs as ListColumn).values as BigUint64Array)).toEqual([1n, 4n]);
    expect(Array.from((t.columns.state as ScalarColumn).values as Uint8Array)).toEqual([1, 2]);
  });

  it('put*, one column at a time, stores what add() stores, across growth, carries and refusals', () => {
    const base = 0xfffffd8000000000n;
    const spec = { addr: 'u64', n: 'u64', t: 'i64', f: 'u8', name: 'str', l: { list: 'u64' } } as const;
    const a = new TableBuilder('x', spec);
    const b = new TableBuilder('x', spec).setAddrBase(base);
    const [ADDR, N, T, F, NAME, L] = ['addr', 'n', 't', 'f', 'name', 'l'].map((c) => b.colIndex(c)) as [number, number, number, number, number, number];
    // offsets with a carry out of the low half, above 2^32, zero (stays 0) and near the top of the space
    const offs = [0, 1, 0xffffffff, 0x1_0000_0000, 0x7f_ffff_ffff, 0x27f_0000_0000];
    for (let i = 0; i < 3000; i++) {
      const kva = offs[i % offs.length]! + (i % offs.length === 0 ? 0 : i);
      const addr = (k: number): bigint => (k === 0 ? 0n : base + BigInt(k));
      const list = i % 7 === 0 ? [] : [kva, 0, i];
      a.add({ addr: addr(kva), n: BigInt(i * 4099), t: BigInt(i), f: i & 0xff, name: i % 5 ? `c${i}` : undefined, l: list.map(addr) });
      b.begin();
      b.putAddr(ADDR, kva);
      b.putUint(N, i * 4099);
      if (i % 3) b.putUint(T, i);
      else b.put(T, BigInt(i));
      b.putUint(F, i & 0xff);
      if (i % 5) b.put(NAME, `c${i}`);
      if (list.length) b.putAddrList(L, list);
      b.commit();
    }
    expect(b.build()).toEqual(a.build());
    // a value that does not fit is refused as add() refuses it, and the row is dropped
    const wrap = new TableBuilder('x', spec).setAddrBase(0xffffffffffff0000n);
    wrap.begin();
    wrap.put(NAME, 'dropped');
    expect(() => wrap.putAddr(ADDR, 0x10000)).toThrow(DumpError);
    expect(() => wrap.putUint(F, 256)).toThrow(/does not fit in u8/);
    wrap.begin();
    wrap.putAddr(ADDR, 0xffff);
    wrap.commit();
    expect(wrap.build().columns.addr).toEqual({ kind: 'u64', values: BigUint64Array.of(0xffffffffffffffffn) });
    expect(wrap.build().columns.name).toEqual({ kind: 'str', values: [''] });
  });
});

