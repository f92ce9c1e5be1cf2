import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeDump, encodeDump } from '../../src/dump/codec.js';
import { DumpError } from '../../src/dump/errors.js';
import { assemble } from '../../src/dump/sections.js';
import type { DumpModel, ListColumn, ScalarColumn, StringColumn } from '../../src/dump/format.js';
import { TableBuilder } from '../../src/dump/builder.js';
import { BIG_ADDR, explode, fixCrc, json, jsonBytes, readDirectory, sampleHeader, sampleModel, sampleTypes, dumpError } from './fixtures.js';

function table(m: DumpModel, name: string) {
  const t = m.tables.find((x) => x.name === name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
}


describe('encodeDump/decodeDump round trip', () => {
  it('returns an equal model for every column kind', () => {
    const m = sampleModel();
    expect(decodeDump(encodeDump(m))).toEqual(m);
  });

  it('keeps u64 addresses above 2^53 and i64/f64 edge values exact', () => {
    const m = sampleModel();
    const special = new TableBuilder('kmem_cache_t', {
      addr: 'u64',
      cache_load: 'f64',
      cache_flags: 'i32',
      'cache_full.ml_total': 'u64',
    });
    const f64s = [Number.NaN, -0, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, 0.1];
    f64s.forEach((v, i) =>
      special.add({ addr: [BIG_ADDR, 0xffffffffffffffffn, 0n, 2n ** 53n + 1n][i % 4]!, cache_load: v, cache_flags: -(2 ** 31), 'cache_full.ml_total': 2n ** 63n }),
    );
    m.tables[0] = special.build();
    const back = decodeDump(encodeDump(m));
    const t = table(back, 'kmem_cache_t');
    expect((t.columns.addr as ScalarColumn).values[0]).toBe(0xffffff01f0dc2880n);
    expect((t.columns.addr as ScalarColumn).values[1]).toBe(0xffffffffffffffffn);
    expect((t.columns.addr as ScalarColumn).values[3]).toBe(9007199254740993n);
    const loads = Array.from((t.columns.cache_load as ScalarColumn).values as Float64Array);
    expect(Object.is(loads[1], -0)).toBe(true);
    expect(loads[0]).toBeNaN();
    expect(loads.slice(2)).toEqual(f64s.slice(2));
    const ts = (table(back, 'txlog').columns.timestamp as ScalarColumn).values;
    expect(ts).toBeInstanceOf(BigInt64Array);
    expect(back).toEqual(m);
  });

  it('keeps unicode strings, the empty string and a leading BOM', () => {
    const back = decodeDump(encodeDump(sampleModel()));
    expect((table(back, 'msgbuf').columns.text as StringColumn).values).toEqual([
      '',
      'NOTICE: zfs: pool ok',
      'WARNING: ünïcödé 中文 \u{1F4A5}',
      '\uFEFFBOM first',
      'tab\there',
    ]);
    expect((table(back, 'kmem_cache_t').columns.cache_name as StringColumn).values[4]).toBe('ストリーム 😀');
    expect(back.header.hostname).toBe('bldr-ü-01');
  });

  it('keeps list columns with empty rows and empty tables', () => {
    const back = decodeDump(encodeDump(sampleModel()));
    const mags = table(back, 'kmem_magazine_t').columns.mag_round as ListColumn;
    expect(Array.from(mags.offsets)).toEqual([0, 2, 2, 5]);
    expect(Array.from(mags.values as BigUint64Array)).toEqual([BIG_ADDR, 0xffffffffffffffffn, 1n, 2n, 3n]);
    const vmem = table(back, 'vmem_t');
    expect(vmem.rowCount).toBe(0);
    expect((vmem.columns.addr as ScalarColumn).values).toBeInstanceOf(BigUint64Array);
    expect((vmem.columns.addr as ScalarColumn).values.length).toBe(0);
  });

  it('round-trips a dump with no tables and no types', () => {
    const m: DumpModel = { header: { ...sampleHeader(), dumpKind: 'live', panic: null, outcome: 'hang' }, types: [], tables: [] };
    expect(decodeDump(encodeDump(m))).toEqual(m);
  });

  it('is deterministic: the same model gives the same bytes', () => {
    expect(encodeDump(sampleModel(3)).equals(encodeDump(sampleModel(3)))).toBe(true);
  });

  it('decodes from a misaligned copy of the bytes (typed arrays are then copies)', () => {
    const bytes = encodeDump(sampleModel(5));
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect(decodeDump(shifted)).toEqual(sampleModel(5));
  });
});

describe('file layout', () => {
  const bytes = encodeDump(sampleModel(20));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  it('has the documented prefix: magic, version, CRC, length', () => {
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('MDDBDUMP');
    expect(dv.getUint32(8, true)).toBe(3);
    expect(dv.getUint32(12, true)).toBe(zlib.crc32(bytes.subarray(24)));
    expect(Number(dv.getBigUint64(16, true))).toBe(bytes.length);
  });

  it('has header, types and catalog first, sections 8-aligned and in order', () => {
    const dir = readDirectory(bytes);
    expect(dir.slice(0, 3).map((e) => e.name)).toEqual(['header', 'types', 'tables']);
    let end = 32 + dv.getUint32(28, true);
    for (const e of dir) {
      expect(e.offset % 8).toBe(0);
      expect(e.offset).toBeGreaterThanOrEqual(end);
      end = e.offset + e.stored;
    }
    expect(end).toBe(bytes.length);
    expect(dir.some((e) => e.codec === 1)).toBe(true);
    expect(dir.some((e) => e.codec === 0)).toBe(true);
  });

  it('stores header and types as JSON and the tables as a catalog of sections', () => {
    const secs = explode(bytes);
    expect(json(secs[0]!.raw)).toEqual(sampleHeader());
    expect(json(secs[1]!.raw)).toEqual(sampleTypes());
    const cat = json(secs[2]!.raw);
    const buffers = cat.find((t: { name: string }) => t.name === 'buffers');
    expect(buffers.rowCount).toBe(800);
    const addr = buffers.columns.find((c: { name: string }) => c.name === 'addr');
    expect(addr.kind).toBe('u64');
    const raw = secs[addr.values]!.raw;
    expect(raw.length).toBe(800 * 8);
    expect(new DataView(raw.buffer, raw.byteOffset).getBigUint64(0, true)).toBe(BIG_ADDR);
  });

  it('shares one offsets section between list columns with equal offsets', () => {
    const names = readDirectory(bytes).map((e) => e.name);
    expect(names).toContain('buffers.ptr_offs#offsets');
    expect(names).not.toContain('buffers.ptr_vals#offsets');
    const back = decodeDump(bytes);
    const b = table(back, 'buffers');
    expect((b.columns.ptr_vals as ListColumn).offsets).toEqual((b.columns.ptr_offs as ListColumn).offsets);
  });

  it('views stored sections in place instead of copying them', () => {
    const back = decodeDump(bytes);
    const dir = readDirectory(bytes);
    const stored = dir.findIndex((e) => e.name === 'kmem_cache_t.addr');
    expect(dir[stored]!.codec).toBe(0);
    const addr = (table(back, 'kmem_cache_t').columns.addr as ScalarColumn).values;
    expect(addr.buffer).toBe(bytes.buffer);
    expect(addr.byteOffset).toBe(bytes.byteOffset + dir[stored]!.offset);
  });

  it('can store everything uncompressed (level 0)', () => {
    const flat = encodeDump(sampleModel(20), { level: 0 });
    expect(readDirectory(flat).every((e) => e.codec === 0)).toBe(true);
    expect(decodeDump(flat)).toEqual(sampleModel(20));
    expect(dumpError(() => encodeDump(sampleModel(), { level: 12 })).message).toBe(
      'cannot encode dump: compression level 12 is not 0 to 9',
    );
  });
});

describe('decodeDump refuses damaged files with one line', () => {
  const good = encodeDump(sampleModel(20));
  const copy = (): Buffer => Buffer.from(good);

  it('bad magic', () => {
    const b = copy();
    b[3] = 0x41;
    expect(dumpError(() => decodeDump(b, '/tmp/x.dump')).message).toBe('cannot open /tmp/x.dump: bad magic (not an mddb dump)');
    expect(dumpError(() => decodeDump(Buffer.from('{"json": true}'), 'a.json')).message).toBe(
      'cannot open a.json: bad magic (not an mddb dump)',
    );
    expect(dumpError(() => decodeDump(new Uint8Array(0), 'e')).message).toBe('cannot open e: empty file (not an mddb dump)');
  });

  it('a newer format version', () => {
    const b = copy();
    b.writeUInt32LE(4, 8);
    const err = dumpError(() => decodeDump(b, 'v4.dump'));
    expect(err.message).toBe('cannot open v4.dump: unsupported dump format version 4 (this mddb reads versions 1 to 3)');
    expect(err.file).toBe('v4.dump');
    expect(err.reason).toBe('unsupported dump format version 4 (this mddb reads versions 1 to 3)');
  });

  it('truncation names the first section that does not fit', () => {
    const dir = readDirectory(good);
    const victim = dir[dir.length - 3]!;
    const cut = victim.offset + 1;
    expect(dumpError(() => decodeDump(good.subarray(0, cut), 'short.dump')).message).toBe(
      `cannot open short.dump: truncated: section '${victim.name}' needs ${victim.stored} bytes at offset ${victim.offset}, file has ${cut}`,
    );
    expect(dumpError(() => decodeDump(good.subarray(0, 40))).message).toMatch(
      /^cannot open dump: truncated: the section directory needs \d+ bytes at offset 32, file has 40$/,
    );
    expect(dumpError(() => decodeDump(good.subarray(0, 12))).message).toBe(
      'cannot open dump: truncated: file has 12 bytes, the fixed prefix alone is 24',
    );
  });

  it('trailing bytes', () => {
    const b = Buffer.concat([good, Buffer.alloc(3)]);
    expect(dumpError(() => decodeDump(b)).reason).toBe(`3 unexpected bytes after the end of the dump (${good.length} bytes)`);
  });

  it('checksum mismatch', () => {
    const b = copy();
    b[Math.floor(b.length / 2)]! ^= 0x10;
    expect(dumpError(() => decodeDump(b, 'x.dump')).message).toMatch(
      /^cannot open x\.dump: checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/,
    );
  });

  /**
   * The one-line DumpError of a file whose damage is in one column's data.
   * The sample's tables are small, so the default open decodes them and
   * fails; with every table lazy the open succeeds, other columns still
   * read, and the first read of the damaged column throws that error (the
   * same one every time); eager decoding throws it up front.
   */
  function dataError(b: Uint8Array, table: string, columnName: string, source?: string): DumpError {
    const atOpen = dumpError(() => decodeDump(b, source));
    const lazy = decodeDump(b, source, { eagerTableBytes: 0 });
    const t = lazy.tables.find((x) => x.name === table)!;
    expect(Object.keys(t.columns)).toContain(columnName);
    for (const other of lazy.tables)
      if (other.name !== table) for (const name of Object.keys(other.columns)) expect(other.columns[name]).toBeDefined();
    const first = dumpError(() => t.columns[columnName]);
    expect(dumpError(() => t.columns[columnName])).toBe(first);
    expect(first.message).toBe(atOpen.message);
    const eager = dumpError(() => decodeDump(b, source, { eager: true, eagerTableBytes: 0 }));
    expect(eager.message).toBe(first.message);
    return first;
  }

  it('a row reference out of range', () => {
    const b = copy();
    const e = readDirectory(b).find((x) => x.name === 'kmem_cache_t.cache_flags')!;
    expect(e).toBeDefined();
    // put a bad cache_row in txlog, a stored section: 10 rows of u32
    const tx = readDirectory(b).find((x) => x.name === 'txlog.cache_row')!;
    expect(tx.codec).toBe(0);
    b.writeUInt32LE(900, tx.offset + 4 * 7);
    fixCrc(b);
    expect(dataError(b, 'txlog', 'cache_row', '/tmp/x.dump').message).toBe(
      "cannot open /tmp/x.dump: table 'txlog' column 'cache_row' row 7 refers to kmem_cache_t row 900 (only 5 rows)",
    );
  });

  /** Rebuild the file after changing its raw sections, CRC and all. */
  function rebuilt(change: (secs: Array<{ name: string; raw: Uint8Array }>) => void): Buffer {
    const secs = explode(good);
    change(secs);
    return assemble(secs, 1);
  }
  const catalogChange = (f: (cat: any[]) => void) =>
    rebuilt((secs) => {
      const cat = json(secs[2]!.raw);
      f(cat);
      secs[2]!.raw = jsonBytes(cat);
    });
  const column = (cat: any[], t: string, c: string) =>
    cat.find((x) => x.name === t).columns.find((x: { name: string }) => x.name === c);

  it('assemble() without changes reproduces the original bytes', () => {
    expect(rebuilt(() => {}).equals(good)).toBe(true);
  });

  it('a header that is not valid JSON, or lacks a field', () => {
    const cut = rebuilt((s) => (s[0]!.raw = Buffer.from('{"os": ')));
    expect(dumpError(() => decodeDump(cut)).reason).toMatch(
      /^section 'header' is not valid JSON \(.+\)$/,
    );
    const noHost = rebuilt((s) => {
      const h = json(s[0]!.raw);
      delete h.hostname;
      s[0]!.raw = jsonBytes(h);
    });
    expect(dumpError(() => decodeDump(noHost)).reason).toBe("header field 'hostname' is missing, expected a string");
  });

  it('a string index outside its pool', () => {
    const b = rebuilt((secs) => {
      const i = secs.findIndex((s) => s.name === 'msgbuf.text');
      new DataView(secs[i]!.raw.buffer, secs[i]!.raw.byteOffset).setUint32(8, 77, true);
    });
    expect(dataError(b, 'msgbuf', 'text').reason).toBe("table 'msgbuf' column 'text' row 2 has string index 77, the pool has 5");
  });

  it('a string pool that is not UTF-8', () => {
    const b = rebuilt((secs) => {
      const pool = secs.find((s) => s.name === 'msgbuf.text#pool')!.raw;
      pool[pool.length - 1] = 0xff;
    });
    expect(dataError(b, 'msgbuf', 'text').reason).toBe("table 'msgbuf' column 'text' string pool is not valid UTF-8");
  });

  it('list offsets that decrease or do not end at the values', () => {
    const dec = rebuilt((secs) => {
      const o = secs.find((s) => s.name === 'kmem_magazine_t.mag_round#offsets')!.raw;
      new DataView(o.buffer, o.byteOffset).setUint32(8, 1, true); // [0, 2, 1, 5]
    });
    expect(dataError(dec, 'kmem_magazine_t', 'mag_round').reason).toBe(
      "table 'kmem_magazine_t' column 'mag_round' list offsets decrease at row 1 (2 then 1)",
    );
    const end = rebuilt((secs) => {
      const o = secs.find((s) => s.name === 'kmem_magazine_t.mag_round#offsets')!.raw;
      new DataView(o.buffer, o.byteOffset).setUint32(12, 4, true);
    });
    expect(dataError(end, 'kmem_magazine_t', 'mag_round').reason).toBe(
      "table 'kmem_magazine_t' column 'mag_round' list offsets end at 4, but there are 5 values",
    );
  });

  it('a column section of the wrong length', () => {
    const b = rebuilt((secs) => {
      const i = secs.findIndex((s) => s.name === 'kthread_t.t_delta');
      secs[i]!.raw = secs[i]!.raw.subarray(0, 8);
    });
    expect(dumpError(() => decodeDump(b)).reason).toBe(
      "table 'kthread_t' column 't_delta' (section 'kthread_t.t_delta') is 8 bytes, expected 12",
    );
  });

  it('catalog entries naming sections that do not exist or are not data', () => {
    const b = catalogChange((cat) => (column(cat, 'kthread_t', 't_pri').values = 1));
    expect(dumpError(() => decodeDump(b)).reason).toBe("table 'kthread_t' column 't_pri' names no data section (1)");
    const far = catalogChange((cat) => (column(cat, 'kthread_t', 't_pri').values = 100000));
    expect(dumpError(() => decodeDump(far)).reason).toBe("table 'kthread_t' column 't_pri' names no data section (100000)");
  });

  it('a section no table uses', () => {
    const b = rebuilt((secs) => secs.push({ name: 'stray', raw: new Uint8Array(16) }));
    expect(dumpError(() => decodeDump(b)).reason).toBe("section 'stray' is not used by any table");
  });

  it('duplicate and reserved column names, bad kinds', () => {
    const dup = catalogChange((cat) => (column(cat, 'kthread_t', 't_pri').name = 't_state'));
    expect(dumpError(() => decodeDump(dup)).reason).toBe("table 'kthread_t' column 't_state' appears twice");
    const proto = catalogChange((cat) => (column(cat, 'kthread_t', 't_pri').name = '__proto__'));
    expect(dumpError(() => decodeDump(proto)).reason).toBe("table 'kthread_t' has a column without a valid name");
    const kind = catalogChange((cat) => (column(cat, 'kthread_t', 't_pri').kind = 'u128'));
    expect(dumpError(() => decodeDump(kind)).reason).toBe("table 'kthread_t' column 't_pri' has a bad kind \"u128\"");
  });

  it('a deflate stream that is corrupt or longer than its directory entry says', () => {
    const dir = readDirectory(good);
    const i = dir.findIndex((e) => e.codec === 1 && e.stored > 40);
    const b = copy();
    for (let k = 0; k < 8; k++) b[dir[i]!.offset + k] = 0xff;
    fixCrc(b);
    expect(dumpError(() => decodeDump(b)).reason).toMatch(new RegExp(`^section '${dir[i]!.name.replace('.', '\\.')}' does not decompress \\(.+\\)$`));
    const long = copy();
    long.writeBigUInt64LE(BigInt(dir[i]!.raw - 1), 32 + dir.slice(0, i).reduce((s, e) => s + 28 + Buffer.byteLength(e.name), 0) + 16);
    fixCrc(long);
    const huge = copy();
    huge.writeBigUInt64LE(BigInt(dir[i]!.stored * 5000), 32 + dir.slice(0, i).reduce((s, e) => s + 28 + Buffer.byteLength(e.name), 0) + 16);
    fixCrc(huge);
    expect(dumpError(() => decodeDump(huge)).reason).toBe(
      `section '${dir[i]!.name}' claims ${dir[i]!.stored * 5000} bytes from ${dir[i]!.stored} compressed bytes`,
    );
    expect(dumpError(() => decodeDump(long)).reason).toBe(`section '${dir[i]!.name}' decompresses to more than the ${dir[i]!.raw - 1} bytes the directory says`);
  });
});
