import { describe, expect, it } from 'vitest';
import type { DumpModel } from '../../src/dump/format.js';
import { MemoryError } from '../../src/mdb/errors.js';
import { Target } from '../../src/mdb/target.js';
import { AddressIndex } from '../../src/mdb/target/addr-index.js';
import { classify, parseArray } from '../../src/mdb/target/ctype.js';
import { BUF32, CACHE0, CACHE1, FOO0, FOO_STRIDE, FREED_FOO, FUNCS, KMEM_FLAGS, NULL_CACHE, PANIC_TEXT, fakeDump } from '../support/dump-builder.js';

const t = new Target(fakeDump());
const le = (b: Uint8Array) => b.reduceRight((v, x) => (v << 8n) | BigInt(x), 0n);

describe('symbols', () => {
  it('finds symbols by name, by mod`name, and by address with an offset', () => {
    expect(t.lookupSymbol('kmem_flags')?.addr).toBe(KMEM_FLAGS);
    expect(t.lookupSymbol('genunix`kmem_flags')?.addr).toBe(KMEM_FLAGS);
    expect(t.lookupSymbol('unix`kmem_flags')).toBeUndefined();
    expect(t.formatAddr(FUNCS.kmem_cache_alloc)).toBe('kmem_cache_alloc');
    expect(t.formatAddr(FUNCS.kmem_cache_alloc + 0x9cn)).toBe('kmem_cache_alloc+0x9c');
    expect(t.formatAddr(FUNCS.kmem_cache_alloc + 8n)).toBe('kmem_cache_alloc+8');
    // past the symbol's size: no symbol
    expect(t.formatAddr(FUNCS.kmem_cache_alloc + 0x200n)).toBe('0xfffffffffb8a6f20');
    expect(t.formatAddr(0n)).toBe('0');
    expect(t.symbolAt(KMEM_FLAGS + 3n)?.offset).toBe(3n);
  });
});

describe('types', () => {
  it('looks types up by typedef name or struct tag', () => {
    expect(t.types.get('kmem_cache_t')?.name).toBe('kmem_cache_t');
    expect(t.types.get('struct kmem_cache')?.name).toBe('kmem_cache_t');
    expect(t.types.get('struct  foo')?.name).toBe('foo_t');
    expect(t.types.get('kmem_cache')).toBeUndefined();
    expect(t.types.sizeOf('foo_t *')).toBe(8);
    expect(t.types.sizeOf('char [32]')).toBe(32);
    expect(t.types.sizeOf('uint64_t [4]')).toBe(32);
    expect(t.types.sizeOf('nonesuch_t')).toBeUndefined();
  });
  it('resolves member paths through nested structs and arrays', () => {
    const def = t.types.need('kmem_cache_t');
    const ml = t.types.resolve(def, 'cache_full.ml_total');
    expect(ml.offset).toBe(def.members.find((m) => m.name === 'cache_full')!.offset + 8);
    expect(ml.size).toBe(8);
    const el = t.types.resolve(def, 'cache_stack[2]');
    expect(el.offset).toBe(def.members.find((m) => m.name === 'cache_stack')!.offset + 16);
    expect(el.type).toBe('uint64_t');
    expect(() => t.types.resolve(def, 'nope')).toThrow('failed to find member nope of kmem_cache_t: unknown member name');
    expect(() => t.types.need('nope_t')).toThrow('failed to look up type nope_t');
  });
  it('classifies C type strings', () => {
    const isStruct = (n: string) => n === 'kmem_maglist_t';
    expect(classify('char [32]', isStruct)).toMatchObject({ kind: 'array', elem: 'char', count: 32 });
    expect(classify('void *[15]', isStruct)).toMatchObject({ kind: 'array', elem: 'void *', count: 15 });
    expect(parseArray('int [2][3]')).toEqual({ elem: 'int [3]', count: 2 });
    expect(classify('struct kmem_cache *', isStruct)).toMatchObject({ kind: 'ptr', target: 'struct kmem_cache', charPtr: false });
    expect(classify('char *', isStruct)).toMatchObject({ kind: 'ptr', charPtr: true });
    expect(classify('int (*)(void *, void *, int)', isStruct)).toMatchObject({ kind: 'ptr', func: true });
    expect(classify('kmem_maglist_t', isStruct)).toMatchObject({ kind: 'struct' });
    expect(classify('int32_t', isStruct)).toMatchObject({ kind: 'int', signed: true });
    expect(classify('uint32_t', isStruct)).toMatchObject({ kind: 'int', signed: false });
    expect(classify('boolean_t', isStruct)).toMatchObject({ kind: 'bool' });
  });
});

describe('memory synthesised from rows', () => {
  const def = t.types.need('kmem_cache_t');
  const off = (m: string) => t.types.resolve(def, m).offset;
  it('encodes scalar members little-endian at their offsets, and zero elsewhere', () => {
    expect(t.readPtr(CACHE0 + BigInt(off('cache_next')))).toBe(CACHE1);
    expect(t.readUint(CACHE0 + BigInt(off('cache_flags')), 4)).toBe(0x20fn);
    expect(t.readUint(CACHE0 + BigInt(off('cache_bufsize')), 8)).toBe(32n);
    expect(t.readUint(CACHE0 + BigInt(off('cache_delta')), 4)).toBe(0xfffffffdn); // i32 -3
    expect(t.readU8(CACHE0 + BigInt(off('cache_c')))).toBe(0x41);
    expect(t.readUint(CACHE0 + BigInt(off('cache_full.ml_list')), 8)).toBe(0n); // not modelled
    expect(t.readUint(CACHE0 + BigInt(off('cache_full.ml_total')), 8)).toBe(5n); // dotted column
  });
  it('writes str columns as NUL-padded char arrays and list columns as array elements', () => {
    const name = t.readBytes(CACHE0 + BigInt(off('cache_name')), 32);
    expect(String.fromCharCode(...name.subarray(0, 14))).toBe('kmem_alloc_32\0');
    expect(name.subarray(13).every((b) => b === 0)).toBe(true);
    expect(t.readString(CACHE0 + BigInt(off('cache_name')))).toBe('kmem_alloc_32');
    expect(t.readUint(CACHE0 + BigInt(off('cache_stack[0]')), 8)).toBe(FUNCS.kmem_cache_alloc + 0x9cn);
    expect(t.readUint(CACHE0 + BigInt(off('cache_stack[1]')), 8)).toBe(FUNCS.assfail + 0x7en);
    expect(t.readUint(CACHE0 + BigInt(off('cache_stack[2]')), 8)).toBe(0n);
  });
  it('reads buffers: fill patterns and stored pointers; struct rows win inside buffers', () => {
    expect(le(t.readBytes(FREED_FOO, 8))).toBe(0xdeadbeefdeadbeefn);
    expect(le(t.readBytes(FREED_FOO + 60n, 4))).toBe(0xdeadbeefn);
    expect(le(t.readBytes(BUF32, 8))).toBe(0xbaddcafebaddcafen);
    expect(t.readPtr(BUF32 + 8n)).toBe(CACHE0);
    expect(le(t.readBytes(BUF32 + 16n, 8))).toBe(0xbaddcafebaddcafen);
    // foo_t rows sit inside zero-filled foo_cache buffers (64 bytes; foo_t is smaller)
    expect(t.objectAt(FOO0)).toMatchObject({ table: 'foo_t', row: 0, base: FOO0 });
    expect(t.objectsAt(FOO0).map((o) => o.table)).toEqual(['foo_t', 'buffers']);
    expect(t.objectAt(FOO0 + 0x30n)).toMatchObject({ table: 'buffers', base: FOO0, size: 64 });
    expect(t.readPtr(FOO0)).toBe(FOO0 + FOO_STRIDE);
    expect(t.typeAt(FOO0)).toBe('foo_t');
    expect(t.typeAt(FOO0 + 8n)).toBeUndefined();
  });
  it('reads globals and strings', () => {
    expect(t.readU32(KMEM_FLAGS)).toBe(0xf);
    expect(t.readString(PANIC_TEXT)).toBe('assertion failed: foo');
    expect(t.readU8(PANIC_TEXT + 21n)).toBe(0); // the NUL
    expect(t.typeAt(NULL_CACHE)).toBe('kmem_cache_t');
  });
  it('throws MemoryError for unmapped bytes, naming the read', () => {
    expect(() => t.readBytes(0x1000n, 8)).toThrow(MemoryError);
    expect(() => t.readBytes(0x1000n, 8)).toThrow('failed to read 8 bytes at 1000: no mapping for address');
    // a read running off the end of an object
    expect(() => t.readBytes(KMEM_FLAGS + 2n, 4)).toThrow(MemoryError);
    expect(() => t.readString(0x10n)).toThrow(MemoryError);
  });
  it('reads across adjacent objects', () => {
    const b = t.readBytes(FOO0 + 60n, 8); // last 4 bytes of buffer 0, first 4 of foo 1
    expect(le(b.subarray(4))).toBe((FOO0 + 2n * FOO_STRIDE) & 0xffffffffn);
  });
});

describe('AddressIndex', () => {
  it('finds nested extents innermost-first and respects priority at equal starts', () => {
    const idx = new AddressIndex([
      { starts: new BigUint64Array([0x1000n, 0x2000n]), sizes: [0x100, 0x100] },
      { starts: new BigUint64Array([0x1000n, 0x1080n]), sizes: [0x10, 0x10] },
    ]);
    const at = (a: bigint) => [...idx.containing(a)].map((e) => `${idx.source(e)}:${idx.rowOf(e)}`);
    expect(at(0x1000n)).toEqual(['1:0', '0:0']);
    expect(at(0x1020n)).toEqual(['0:0']);
    expect(at(0x1085n)).toEqual(['1:1', '0:0']);
    expect(at(0x10ffn)).toEqual(['0:0']);
    expect(at(0x1100n)).toEqual([]);
    expect(at(0x2050n)).toEqual(['0:1']);
    expect(at(0xfffn)).toEqual([]);
  });
  it('handles addresses at the top of the address space and zero sizes', () => {
    const idx = new AddressIndex([{ starts: [0xfffffffffffffff0n, 0x10n], sizes: [0x20, 0] }]);
    expect(idx.find(0xffffffffffffffffn)).toBeGreaterThanOrEqual(0);
    expect(idx.find(0x10n)).toBe(-1);
  });

  // its time is a benchmark's (npm run bench: build every debugger index), not a unit test's
  it('indexes a 1,000,000-row buffers table and finds what it holds', () => {
    const m: DumpModel = fakeDump();
    const n = 1_000_000;
    const addr = new BigUint64Array(n);
    const cacheRow = new Uint32Array(n).fill(1);
    // a scrambled order, so the radix sort has real work to do
    for (let i = 0; i < n; i++) addr[i] = 0xffffff0200000000n + BigInt(((i * 7919) % n) * 64);
    const buf = m.tables.find((x) => x.name === 'buffers')!;
    buf.rowCount = n;
    buf.columns = {
      addr: { kind: 'u64', values: addr },
      cache_row: { kind: 'u32', values: cacheRow },
      state: { kind: 'u8', values: new Uint8Array(n) },
      fill: { kind: 'u8', values: new Uint8Array(n).fill(1) },
      bufctl: { kind: 'u64', values: new BigUint64Array(n) },
      ptr_offs: { kind: 'list', of: 'u32', offsets: new Uint32Array(n + 1), values: new Uint32Array(0) },
      ptr_vals: { kind: 'list', of: 'u64', offsets: new Uint32Array(n + 1), values: new BigUint64Array(0) },
    };
    const tgt = new Target(m);
    tgt.memory.indexAll();
    const probe = 0xffffff0200000000n + 64n * 123457n + 9n;
    expect(tgt.objectAt(probe)).toMatchObject({ table: 'buffers', base: probe - 9n, size: 64 });
    expect(tgt.objectAt(0xffffff0200000000n + 64n * BigInt(n))).toBeUndefined();
    expect(le(tgt.readBytes(probe, 4))).toBe(0xdeadbeefn >> 8n | 0xef000000n);
  });
});
