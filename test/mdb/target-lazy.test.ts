// The target over a lazily decoded dump: opening reads no column, memory
// lookups read just the tables that may hold the address (and give the same
// answer as asking every row), and a damaged column surfaces as one `mdb:`
// line from the command that reaches it, exit status 1 in batch mode.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CHUNK_ROWS, decodeDump, encodeDump } from '../../src/dump/codec.js';
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

describe('opening a dump reads no big table', () => {
  // the committed dumps are small: every table lazy stands in for a big dump's big tables
  const lazily = { eagerTableBytes: 0 };

  it('readDump decompresses no column, createSession only the cache names; ::status on a live dump reads only the symbols, strings and address columns', async () => {
    const live = readDump(path.join(DUMPS, 'illumos-2911-nodebug.dump'), lazily);
    expect(live.header.dumpKind).toBe('live');
    expect(decodedColumns(live)).toEqual([]);
    // the kmem module names a walker after each cache: that reads kmem_cache_t's names and addresses
    const s = createSession(live, 'live.dump');
    expect(decodedColumns(live)).toEqual(['kmem_cache_t.addr', 'kmem_cache_t.cache_name']);
    const r = await s.execute('::status');
    expect(r.ok).toBe(true);
    // kt_status_dcmd(): the image uuid (dump_osimage_uuid, a symbol and its string), an empty panic message
    expect(r.output).toMatch(/^image uuid: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/m);
    expect(r.output).toMatch(/^panic message: $/m);
    // reading the uuid's string indexes memory: address columns only, as ::status on a panic dump
    const small = /^(symbols|strings|globals)\./;
    expect(decodedColumns(live).filter((c) => !small.test(c) && !c.endsWith('.addr'))).toEqual(['kmem_cache_t.cache_name']);
  });

  it('::status on a panic dump reads the small tables and only the address column of the big ones', async () => {
    const m = readDump(path.join(DUMPS, 'illumos-2911.dump'), lazily);
    const s = createSession(m, 'dumps/illumos-2911.dump');
    const r = await s.execute('::status');
    expect(r.ok).toBe(true);
    expect(r.output).toMatch(/^panic message: assertion failed: /m);
    for (const big of ['buffers', 'kmem_bufctl_audit_t', 'vmem_seg_t', 'kmem_slab_t']) {
      const t = m.tables.find((x) => x.name === big)!;
      for (const c of Object.keys(t.columns)) if (c !== 'addr') expect(decoded(m, big, c), `${big}.${c}`).toBe(false);
    }
    // ...once, for their bounds: the heap tables and the static vmem segments lie elsewhere than the globals
    const stats = s.target.memory.indexStats();
    for (const big of ['buffers', 'vmem_seg_t']) {
      const st = stats.find((x) => x.table === big)!;
      expect(st.rows).toBeGreaterThan(4096);
      expect(st).toMatchObject({ scans: 0, indexed: false });
    }
    expect(stats.find((x) => x.table === 'globals')?.indexed).toBe(true);
  });

  it('by default the small tables are decoded at open, and only the big ones wait', () => {
    const m = readDump(path.join(DUMPS, 'illumos-2911.dump'));
    const decodedTables = new Set(decodedColumns(m).map((c) => c.slice(0, c.lastIndexOf('.'))));
    // the structures every dcmd starts from are small; the DEBUG kmem logs' audit records are not
    for (const small of ['kmem_cache_t', 'vmem_t', 'kthread_t', 'symbols', 'globals', 'msgbuf']) expect(decodedTables.has(small), small).toBe(true);
    const all = readDump(path.join(DUMPS, 'illumos-2911.dump'), { eagerTableBytes: Infinity });
    expect(decodedColumns(all).length).toBe(all.tables.reduce((n, t) => n + Object.keys(t.columns).length, 0));
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

  it('bounds a table spread over many 4 GiB ranges, including an extent reaching across the last', () => {
    const spread = [0x10n, ...Array.from({ length: 70 }, (_, i) => BigInt(i + 2) << 32n), 0xffffff01_fffffff8n];
    const m = randomModel([], spread, [], []);
    for (const policy of [{ smallTable: 0, scansBeforeIndex: 1e9 }, {}]) {
      const mem = new ObjectMemory(m, new TypeTable(m.types, 8), 8, policy);
      for (const a of [0xffffff02_00000004n, 0x10n, 0x5_00000000n, 0x5_00000030n, 0xffffff03_00000000n, 0x8n])
        expect(mem.objectsAt(a)).toEqual(bruteForce(m, a));
      expect(mem.objectAt(0xffffff02_00000004n)).toMatchObject({ table: 'foo_t', row: 71, base: 0xffffff01_fffffff8n });
    }
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
  function damagedSmall(): string {
    const secs = explode(fs.readFileSync(path.join(DUMPS, 'illumos-2911.dump')));
    const pool = secs.find((s) => s.name === 'msgbuf.text#pool')!.raw;
    pool[pool.length - 1] = 0xff;
    const file = path.join(tmp, 'damaged-small.dump');
    fs.writeFileSync(file, assemble(secs, 1));
    return file;
  }
  const reason = "table 'msgbuf' column 'text' string pool is not valid UTF-8";

  /** The fake dump with 100,000 more buffers (a table over 1 MiB, so lazy), one refering to kmem_cache_t row 900. */
  function damagedBig(): string {
    const m = fakeDump();
    const b = new TableBuilder('buffers', { addr: 'u64', cache_row: 'u32', state: 'u8', fill: 'u8', bufctl: 'u64', ptr_offs: { list: 'u32' }, ptr_vals: { list: 'u64' } });
    for (let i = 0; i < 100_000; i++) b.add({ addr: 0xffffff02_00000000n + BigInt(i) * 64n, cache_row: 1 });
    const t = b.build();
    m.tables[m.tables.findIndex((x) => x.name === 'buffers')] = t;
    const secs = explode(encodeDump(m));
    // dump format 2 stores the column in chunks of CHUNK_ROWS rows: row 77,777 is in the second
    const rows = secs.find((s) => s.name === 'buffers.cache_row@1')!.raw;
    new DataView(rows.buffer, rows.byteOffset).setUint32(4 * (77_777 - CHUNK_ROWS), 900, true);
    const file = path.join(tmp, 'damaged-big.dump');
    fs.writeFileSync(file, assemble(secs, 1));
    return file;
  }
  const bigReason = "table 'buffers' column 'cache_row' row 77777 refers to kmem_cache_t row 900 (only 3 rows)";

  it('a damaged big table opens (the CRC and the catalog are fine) and fails only where the column is read', async () => {
    const file = damagedBig();
    expect(() => readDump(file, { eager: true })).toThrow(`cannot open ${file}: ${bigReason}`);
    const m = readDump(file);
    const s = createSession(m, file);
    expect((await s.execute('kmem_flags/X')).output).toContain('f');
    // a heap address sizes the buffers from their caches: the damaged column is read
    const bad = await s.execute('ffffff0200000040/K');
    expect(bad.ok).toBe(false);
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toMatch(/^mdb: /);
    expect(bad.errors[0]).toContain(`cannot open ${file}: ${bigReason}`);
    // the session goes on, and the column fails the same way again
    const again = await s.execute('ffffff0200000040/K; kmem_flags/X');
    expect(again.errors).toEqual(bad.errors);
    expect(again.output).toMatch(/^kmem_flags:/m);
  });

  it('the same with a small table read lazily', async () => {
    const file = damagedSmall();
    const s = createSession(readDump(file, { eagerTableBytes: 0 }), file);
    expect((await s.execute('::status')).errors).toEqual([]);
    const bad = await s.execute('::msgbuf');
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toMatch(/^mdb: /);
    expect(bad.errors[0]).toContain(`cannot open ${file}: ${reason}`);
  });

  async function batch(file: string, commands: string[]): Promise<{ status: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const status = await runBatch({
      dumpPath: file,
      commands,
      files: [],
      json: false,
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
    });
    return { status, out, err };
  }

  it('batch mode prints that line on stderr and exits 1', async () => {
    const file = damagedBig();
    const r = await batch(file, ['::status', 'ffffff0200000040/K']);
    expect(r.status).toBe(1);
    expect(r.out).toContain('panic message: ');
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mdb: .*cannot open .*damaged-big\.dump: table 'buffers' column 'cache_row' row 77777 refers to kmem_cache_t row 900 \(only 3 rows\)$/);
  });

  it('a damaged small table still fails the open: one line, exit 2', async () => {
    const file = damagedSmall();
    const r = await batch(file, ['::status']);
    expect(r).toEqual({ status: 2, out: '', err: `mddb: cannot open ${file}: ${reason}\n` });
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
