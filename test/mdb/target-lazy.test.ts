// The target over a lazily decoded dump: opening reads no column, memory
// lookups read just the tables that may hold the address (and give the same
// answer as asking every row), and a damaged column surfaces as one `mdb:`
// line from the command that reaches it, exit status 1 in batch mode.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDump, encodeDump } from '../../src/dump/codec.js';
import { readDump } from '../../src/dump/read.js';
import { assemble } from '../../src/dump/sections.js';
import { TableBuilder } from '../../src/dump/builder.js';
import { NO_ROW, type DumpModel, type Table } from '../../src/dump/format.js';
import { createSession } from '../../src/mdb/session.js';
import { ObjectMemory, type ObjectRef } from '../../src/mdb/target/memory.js';
import { TypeTable } from '../../src/mdb/target/types.js';
import { runBatch } from '../../src/cli/batch.js';
import { explode } from '../dump/fixtures.js';
import { fakeDump, CACHE0, FOO0, KMEM_FLAGS, PANIC_TEXT } from '../support/dump-builder.js';

const DUMPS = path.resolve(import.meta.dirname, '../../dumps');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-lazy-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Has this column been decompressed yet? (A lazy column is an accessor until its first read.) */
function decoded(m: DumpModel, table: string, column: string): boolean {
  const t = m.tables.find((x) => x.name === table)!;
  const d = Object.getOwnPropertyDescriptor(t.columns, column);
  if (!d) throw new Error(`no column ${table}.${column}`);
  return d.get === undefined;
}

function decodedColumns(m: DumpModel): string[] {
  return m.tables.flatMap((t) => Object.keys(t.columns).filter((c) => decoded(m, t.name, c)).map((c) => `${t.name}.${c}`));
}

describe('opening a dump reads no column', () => {
  it('readDump decompresses no column, createSession only the cache names; ::status on a live dump reads nothing more', async () => {
    const live = readDump(path.join(DUMPS, 'illumos-2911-nodebug.dump'));
    expect(live.header.dumpKind).toBe('live');
    expect(decodedColumns(live)).toEqual([]);
    // the kmem module names a walker after each cache: that reads kmem_cache_t's names and addresses
    const s = createSession(live, 'live.dump');
    expect(decodedColumns(live)).toEqual(['kmem_cache_t.addr', 'kmem_cache_t.cache_name']);
    const r = await s.execute('::status');
    expect(r.ok).toBe(true);
    expect(r.output).toContain('live dump: taken from a running system');
    expect(decodedColumns(live)).toEqual(['kmem_cache_t.addr', 'kmem_cache_t.cache_name']);
  });

  it('::status on a panic dump reads the small tables and only the address column of the big ones', async () => {
    const m = readDump(path.join(DUMPS, 'illumos-2911.dump'));
    const s = createSession(m, 'dumps/illumos-2911.dump');
    const r = await s.execute('::status');
    expect(r.ok).toBe(true);
    expect(r.output).toMatch(/^panic message: assertion failed: /m);
    for (const big of ['buffers', 'kmem_bufctl_audit_t', 'vmem_seg_t', 'kmem_slab_t']) {
      const t = m.tables.find((x) => x.name === big)!;
      for (const c of Object.keys(t.columns)) if (c !== 'addr') expect(decoded(m, big, c), `${big}.${c}`).toBe(false);
    }
    // ...and the biggest table, read once for its bounds, was not sorted
    const stats = s.target.memory.indexStats();
    expect(stats.find((x) => x.table === 'buffers')).toEqual({ table: 'buffers', rows: 8356, indexed: false });
    expect(stats.find((x) => x.table === 'globals')?.indexed).toBe(true);
  });
});

/** Every object containing addr, by asking every row (the reference the lazy lookups must match). */
function bruteForce(m: DumpModel, addr: bigint): ObjectRef[] {
  const types = new TypeTable(m.types, 8);
  const byName = (n: string) => m.tables.find((t) => t.name === n);
  const sources: Array<{ t: Table; size: (row: number) => number }> = [];
  const bufs = byName('buffers');
  const caches = byName('kmem_cache_t');
  if (bufs) {
    const bufsize = (r: number) => (caches && r < caches.rowCount ? Number(caches.columns['cache_bufsize']!.values[r]!) : 0);
    sources.push({
      t: bufs,
      size: (row) => {
        const b = bufsize(Number(bufs.columns['cache_row']!.values[row]!));
        if (b > 0) return b;
        const offs = bufs.columns['ptr_offs']!;
        if (offs.kind !== 'list') throw new Error('ptr_offs');
        let sz = 8;
        for (let j = offs.offsets[row]!; j < offs.offsets[row + 1]!; j++) sz = Math.max(sz, Number(offs.values[j]!) + 8);
        return sz;
      },
    });
  }
  const strs = byName('strings');
  if (strs) sources.push({ t: strs, size: (row) => (strs.columns['text']!.values[row] as string).length + 1 });
  const globs = byName('globals');
  if (globs) sources.push({ t: globs, size: (row) => Number(globs.columns['size']!.values[row]!) });
  for (const t of m.tables) {
    const def = types.get(t.name);
    if (def && t.columns['addr']) sources.push({ t, size: () => def.size });
  }
  const hits: Array<ObjectRef & { src: number }> = [];
  sources.forEach(({ t, size }, src) => {
    const starts = t.columns['addr']!.values as BigUint64Array;
    for (let row = 0; row < t.rowCount; row++) {
      const base = starts[row]!;
      const sz = size(row);
      if (addr >= base && addr - base < BigInt(sz)) hits.push({ table: t.name, row, base, size: sz, src });
    }
  });
  hits.sort((p, q) => (p.base !== q.base ? (p.base < q.base ? 1 : -1) : p.src !== q.src ? q.src - p.src : q.row - p.row));
  return hits.map(({ src: _src, ...ref }) => ref);
}

/** Addresses around 4 GiB boundaries, the top of the address space, the heap and kernel data. */
const BASES = [0x0n, 0xfffffff0n, 0x1_0000_0000n, 0xffffff01_ffffffc0n, 0xffffff02_00000000n, 0xffffffff_fbc4a000n, 0xffffffff_ffffff80n];
const arbAddr = fc.tuple(fc.constantFrom(...BASES), fc.integer({ min: 0, max: 0x7f })).map(([b, o]) => BigInt.asUintN(64, b + BigInt(o)));

function randomModel(bufs: Array<{ addr: bigint; cache: number; offs: number[] }>, foos: bigint[], globals: Array<{ addr: bigint; size: number }>, strings: Array<{ addr: bigint; text: string }>): DumpModel {
  const m = fakeDump();
  const replace = (t: Table) => (m.tables[m.tables.findIndex((x) => x.name === t.name)] = t);
  const b = new TableBuilder('buffers', { addr: 'u64', cache_row: 'u32', state: 'u8', fill: 'u8', bufctl: 'u64', ptr_offs: { list: 'u32' }, ptr_vals: { list: 'u64' } });
  for (const x of bufs) b.add({ addr: x.addr, cache_row: x.cache, ptr_offs: x.offs, ptr_vals: x.offs.map(() => 1n) });
  replace(b.build());
  const f = new TableBuilder('foo_t', { addr: 'u64', foo_value: 'u32' });
  for (const a of foos) f.add({ addr: a, foo_value: 7 });
  replace(f.build());
  const g = new TableBuilder('globals', { addr: 'u64', size: 'u8', value: 'u64' });
  for (const x of globals) g.add({ addr: x.addr, size: x.size, value: 1n });
  replace(g.build());
  const s = new TableBuilder('strings', { addr: 'u64', text: 'str' });
  for (const x of strings) s.add({ addr: x.addr, text: x.text });
  replace(s.build());
  return m;
}

describe('memory lookups read tables lazily and answer as if every row were asked', () => {
  it('agrees with a brute-force search, scanning and then indexing (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ addr: arbAddr, cache: fc.constantFrom(0, 1, 2, NO_ROW), offs: fc.array(fc.integer({ min: 0, max: 0x60 }), { maxLength: 2 }) }), { maxLength: 12 }),
        fc.array(arbAddr, { maxLength: 8 }),
        fc.array(fc.record({ addr: arbAddr, size: fc.constantFrom(1, 2, 4, 8) }), { maxLength: 6 }),
        fc.array(fc.record({ addr: arbAddr, text: fc.string({ maxLength: 20 }) }), { maxLength: 4 }),
        fc.array(arbAddr, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(0, 1, 3),
        (bufs, foos, globals, strings, probes, scans) => {
          const m = randomModel(bufs, foos, globals, strings);
          // every table takes the scanning path first, then gets its index after `scans` scans
          const mem = new ObjectMemory(m, new TypeTable(m.types, 8), 8, { smallTable: 0, scansBeforeIndex: scans });
          for (const a of [...probes, ...probes]) expect(mem.objectsAt(a)).toEqual(bruteForce(m, a));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads the same bytes whether a table is scanned or indexed', () => {
    const m = fakeDump();
    const scanning = new ObjectMemory(m, new TypeTable(m.types, 8), 8, { smallTable: 0, scansBeforeIndex: 1e9 });
    const indexed = new ObjectMemory(m, new TypeTable(m.types, 8), 8);
    indexed.indexAll();
    expect(indexed.indexStats().every((x) => x.indexed)).toBe(true);
    for (const [a, n] of [[CACHE0, 0x80], [FOO0, 0x100], [KMEM_FLAGS, 4], [PANIC_TEXT, 22]] as const)
      expect(scanning.read(a, n)).toEqual(indexed.read(a, n));
    expect(scanning.indexStats().some((x) => x.indexed)).toBe(false);
    expect(scanning.readString(PANIC_TEXT, 64)).toBe('assertion failed: foo');
  });
});

describe('a damaged column is one mdb: line from the command that reads it', () => {
  /** dumps/illumos-2911.dump with the message buffer's string pool no longer UTF-8, CRC recomputed. */
  function damaged(): string {
    const secs = explode(fs.readFileSync(path.join(DUMPS, 'illumos-2911.dump')));
    const pool = secs.find((s) => s.name === 'msgbuf.text#pool')!.raw;
    pool[pool.length - 1] = 0xff;
    const file = path.join(tmp, 'damaged.dump');
    fs.writeFileSync(file, assemble(secs, 1));
    return file;
  }
  const reason = "table 'msgbuf' column 'text' string pool is not valid UTF-8";

  it('opens (the CRC and the catalog are fine) and fails only where the column is read', async () => {
    const file = damaged();
    expect(() => readDump(file, { eager: true })).toThrow(`cannot open ${file}: ${reason}`);
    const m = readDump(file);
    const s = createSession(m, file);
    const ok = await s.execute('::status');
    expect(ok.errors).toEqual([]);
    const bad = await s.execute('::msgbuf');
    expect(bad.ok).toBe(false);
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toMatch(/^mdb: /);
    expect(bad.errors[0]).toContain(`cannot open ${file}: ${reason}`);
    // the session goes on
    const again = await s.execute('::msgbuf; ::kmastat');
    expect(again.errors).toEqual(bad.errors);
    expect(again.output).toContain('kmem_alloc_8');
  });

  it('batch mode prints that line on stderr and exits 1', async () => {
    const file = damaged();
    let out = '';
    let err = '';
    const status = await runBatch({
      dumpPath: file,
      commands: ['::status', '::msgbuf'],
      files: [],
      json: false,
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
    });
    expect(status).toBe(1);
    expect(out).toContain('panic message: ');
    const lines = err.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mdb: .*cannot open .*damaged\.dump: table 'msgbuf' column 'text' string pool is not valid UTF-8$/);
  });
});

describe('lazy and eager decoding agree', () => {
  it('on a model with every column kind, read in any order', () => {
    const m = fakeDump();
    const bytes = encodeDump(m);
    const eager = decodeDump(bytes, 'x', { eager: true });
    const lazy = decodeDump(bytes, 'x');
    const names = lazy.tables.flatMap((t) => Object.keys(t.columns).map((c) => [t, c] as const)).reverse();
    for (const [t, c] of names) expect(t.columns[c]).toEqual(eager.tables.find((x) => x.name === t.name)!.columns[c]);
    expect(lazy).toEqual(eager);
  });
});
