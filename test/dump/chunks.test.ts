// Format version 2: a big table's scalar columns in chunks of rows, each its
// own section with its bounds in the catalog; a read of a few rows inflates
// only their chunks, and a damaged chunk or catalog is one DumpError.
import { describe, expect, it } from 'vitest';
import { cellReader, chunksOf } from '../../src/dump/chunks.js';
import { CHUNK_ROWS, decodeDump, encodeDump } from '../../src/dump/codec.js';
import { DumpError } from '../../src/dump/errors.js';
import type { DumpModel, ScalarArray } from '../../src/dump/format.js';
import { bytesOf } from '../../src/dump/kinds.js';
import { TableBuilder } from '../../src/dump/builder.js';
import { assemble } from '../../src/dump/sections.js';
import { Target } from '../../src/mdb/target.js';
import { explode, json, jsonBytes, readDirectory, sampleModel, dumpError } from './fixtures.js';

const ROWS = 2 * CHUNK_ROWS + 1000;
const BASE = 0xffffff01c0000000n;
/** Row i's thread address: descending, so no chunk's bounds overlap another's. */
const addrOf = (i: number): bigint => BASE + BigInt((ROWS - i) * 0x400);

/** The sample model with a kthread_t table of three chunks. */
function bigModel(): DumpModel {
  const m = sampleModel(1);
  const threads = new TableBuilder('kthread_t', { addr: 'u64', t_state: 'u16', t_pri: 'u16', t_delta: 'i32' });
  for (let i = 0; i < ROWS; i++) threads.add({ addr: addrOf(i), t_state: i % 5, t_pri: i % 170, t_delta: -i });
  m.tables = m.tables.map((t) => (t.name === 'kthread_t' ? threads.build() : t));
  return m;
}

const bytes = encodeDump(bigModel());


/** The file with its catalog changed (CRC and all). */
function catalogChange(f: (cat: any[]) => void): Buffer {
  const secs = explode(bytes);
  const cat = json(secs[2]!.raw);
  f(cat);
  secs[2]!.raw = jsonBytes(cat);
  return assemble(secs, 1);
}
const threadsOf = (cat: any[]) => cat.find((t) => t.name === 'kthread_t');
const columnOf = (cat: any[], c: string) => threadsOf(cat).columns.find((x: { name: string }) => x.name === c);

describe('chunks of rows', () => {
  it('round-trips, one section per chunk of each scalar column', () => {
    // compared as bytes: toEqual over 130 k bigints takes seconds
    const got = decodeDump(bytes, undefined, { eager: true });
    const want = bigModel();
    expect(got.tables.map((t) => t.name)).toEqual(want.tables.map((t) => t.name));
    for (const t of want.tables) {
      const g = got.tables.find((x) => x.name === t.name)!;
      expect(Object.keys(g.columns)).toEqual(Object.keys(t.columns));
      for (const [name, c] of Object.entries(t.columns)) {
        const h = g.columns[name]!;
        if (c.kind === 'str' || c.kind === 'list') expect(h).toEqual(c);
        else expect([h.kind, Buffer.from(bytesOf(h.values as ScalarArray)).equals(bytesOf(c.values))]).toEqual([c.kind, true]);
      }
    }
    const names = readDirectory(bytes).map((e) => e.name);
    expect(names.filter((n) => n.startsWith('kthread_t.addr'))).toEqual(['kthread_t.addr@0', 'kthread_t.addr@1', 'kthread_t.addr@2']);
    // small tables are written as before
    expect(names).toContain('kmem_cache_t.addr');
    const cat = json(explode(bytes)[2]!.raw);
    expect(threadsOf(cat).chunkRows).toBe(CHUNK_ROWS);
    // bounds for the columns searched by value (addresses, row references), decimal for 64 bits
    expect(columnOf(cat, 'addr').max).toEqual([0, CHUNK_ROWS, 2 * CHUNK_ROWS].map((r) => addrOf(r).toString()));
    expect(columnOf(cat, 'addr').min).toEqual([CHUNK_ROWS - 1, 2 * CHUNK_ROWS - 1, ROWS - 1].map((r) => addrOf(r).toString()));
    expect(columnOf(cat, 't_delta').min).toBeUndefined();
  });

  it('reads a row by inflating its chunk only; the whole column after that is the same', () => {
    const m = decodeDump(bytes, undefined, { eagerTableBytes: 0 });
    const t = m.tables.find((x) => x.name === 'kthread_t')!;
    const cc = chunksOf(t, 'addr')!;
    expect([cc.count, cc.chunkRows, cc.whole]).toEqual([3, CHUNK_ROWS, false]);
    const row = 2 * CHUNK_ROWS + 7;
    expect(cellReader(t, 'addr')!(row)).toBe(addrOf(row));
    expect(cellReader(t, 't_delta')!(row)).toBe(-row);
    expect(cellReader(t, 't_delta')!(ROWS)).toBeUndefined();
    // bounds let a search skip chunks without inflating them
    expect([0, 1, 2].map((k) => cc.mayHold(k, addrOf(row), addrOf(row)))).toEqual([false, false, true]);
    expect(Object.getOwnPropertyDescriptor(t.columns, 'addr')?.get).toBeDefined();
    const whole = t.columns['addr']!.values as BigUint64Array;
    expect(cc.whole).toBe(true);
    expect(whole[row]).toBe(addrOf(row));
    expect(cc.chunk(2)[7]).toBe(addrOf(row));
  });

  it('a value outside its chunk bounds is a DumpError on the read that reaches it, and at an eager open', () => {
    const low = addrOf(CHUNK_ROWS) - 0x400n;
    const b = catalogChange((cat) => (columnOf(cat, 'addr').max[1] = low.toString()));
    const m = decodeDump(b, 'x.dump', { eagerTableBytes: 0 });
    const t = m.tables.find((x) => x.name === 'kthread_t')!;
    expect(cellReader(t, 'addr')!(3)).toBe(addrOf(3));
    const msg = `cannot open x.dump: table 'kthread_t' column 'addr' row ${CHUNK_ROWS} holds ${addrOf(CHUNK_ROWS)}, outside its chunk's bounds ${addrOf(2 * CHUNK_ROWS - 1)}..${low}`;
    expect(dumpError(() => cellReader(t, 'addr')!(CHUNK_ROWS + 5)).message).toBe(msg);
    expect(dumpError(() => t.columns['addr']).message).toBe(msg);
    expect(dumpError(() => decodeDump(b, 'x.dump', { eager: true })).message).toBe(msg);
  });

  it('a catalog whose chunks do not match the rows is refused at open', () => {
    const fewer = catalogChange((cat) => columnOf(cat, 't_pri').values.pop());
    expect(dumpError(() => decodeDump(fewer)).reason).toBe(
      `table 'kthread_t' column 't_pri' has 2 chunks, ${ROWS} rows in chunks of ${CHUNK_ROWS} need 3`,
    );
    const tiny = catalogChange((cat) => (threadsOf(cat).chunkRows = 1));
    expect(dumpError(() => decodeDump(tiny)).reason).toBe("table 'kthread_t' has a bad chunk size");
    const swapped = catalogChange((cat) => {
      const v = columnOf(cat, 't_pri').values;
      [v[0], v[2]] = [v[2], v[0]];
    });
    expect(dumpError(() => decodeDump(swapped)).reason).toMatch(/^table 'kthread_t' column 't_pri' chunk 0 \(section 'kthread_t.t_pri@2'\) is 2000 bytes, expected 131072$/);
    const bounds = catalogChange((cat) => columnOf(cat, 'addr').min.pop());
    expect(dumpError(() => decodeDump(bounds)).reason).toBe("table 'kthread_t' column 'addr' has bad chunk bounds");
    const upside = catalogChange((cat) => Object.assign(columnOf(cat, 't_state'), { min: [9, 0, 0], max: [4, 4, 4] }));
    expect(dumpError(() => decodeDump(upside)).reason).toBe("table 'kthread_t' column 't_state' chunk 0 has bounds 9 > 4");
  });

  it('version 1 files load; a version 1 file with chunks is refused', () => {
    // the version is outside the CRC (bytes 24 on)
    const v1 = Buffer.from(encodeDump(sampleModel(2)));
    v1.writeUInt32LE(1, 8);
    expect(decodeDump(v1, undefined, { eager: true })).toEqual(sampleModel(2));
    // (written as plain deflate streams: version 1 has no deflate segments)
    const big = assemble(explode(bytes).map((x) => ({ ...x, segment: false })), 1);
    big.writeUInt32LE(1, 8);
    expect(dumpError(() => decodeDump(big)).reason).toBe("table 'kthread_t' has chunks of rows, which format version 1 does not have");
    const segments = Buffer.from(bytes);
    segments.writeUInt32LE(1, 8);
    expect(dumpError(() => decodeDump(segments)).reason).toBe("section 'kthread_t.addr@0' has unknown codec 2");
  });

  it('a struct read at a row start finds the row chunk by chunk, as the sorted index does', () => {
    const m = decodeDump(bytes, undefined, { eagerTableBytes: 0 });
    const target = new Target(m);
    const t = m.tables.find((x) => x.name === 'kthread_t')!;
    const rows = [5, ROWS - 1, 2 * CHUNK_ROWS + 3, 0, CHUNK_ROWS];
    // the first few lookups do not read the address column whole
    expect(rows.slice(0, 3).map((r) => target.memory.rowAt('kthread_t', addrOf(r))?.row)).toEqual(rows.slice(0, 3));
    expect(target.memory.rowAt('kthread_t', addrOf(3) + 8n)).toBeUndefined();
    expect(chunksOf(t, 'addr')!.whole).toBe(false);
    // later ones go through the index, with the same answers
    expect(rows.map((r) => target.memory.rowAt('kthread_t', addrOf(r))?.row)).toEqual(rows);
    expect(target.memory.rowAt('kthread_t', addrOf(3) + 8n)).toBeUndefined();
    expect(chunksOf(t, 'addr')!.whole).toBe(true);
  });

  it('a read that no chunk\'s bounds reach passes the table by; one inside a row inflates that row\'s chunk only', () => {
    const m = decodeDump(bytes, undefined, { eagerTableBytes: 0 });
    const target = new Target(m);
    const t = m.tables.find((x) => x.name === 'kthread_t')!;
    // below every thread: no chunk may hold a row reaching it
    expect(() => target.memory.read(BASE - 0x100000n, 8)).toThrow();
    expect(chunksOf(t, 'addr')!.whole).toBe(false);
    // 8 bytes into a thread in the middle chunk: its t_state etc., as the eager decode gives them
    const inside = addrOf(CHUNK_ROWS + 7) + 8n;
    const got = target.memory.read(inside, 16);
    expect(chunksOf(t, 'addr')!.whole).toBe(false);
    const eager = new Target(decodeDump(bytes, undefined, { eager: true }));
    expect(Buffer.from(got).equals(Buffer.from(eager.memory.read(inside, 16)))).toBe(true);
    // the next lookup that needs a chunk reads the extents (the column whole), with the same answer
    expect(Buffer.from(target.memory.read(addrOf(3) + 8n, 16)).equals(Buffer.from(eager.memory.read(addrOf(3) + 8n, 16)))).toBe(true);
    expect(chunksOf(t, 'addr')!.whole).toBe(true);
  });
});
