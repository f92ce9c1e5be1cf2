// Format version 3: a big table's rows in address order, written by the
// encoder so that no reader sorts them; checked when first read, so a
// damaged order is one DumpError and never a wrong answer.
import { describe, expect, it } from 'vitest';
import { addressOrder, addressOrderOf, checkAddressOrder, orderDeltas, orderFromDeltas, orderFromDeltasChecked, wordsOf } from '../../src/dump/addr-order.js';
import { decodeDump, encodeDump } from '../../src/dump/codec.js';
import { DumpError } from '../../src/dump/errors.js';
import type { DumpModel } from '../../src/dump/format.js';
import { TableBuilder } from '../../src/dump/builder.js';
import { assemble } from '../../src/dump/sections.js';
import { Target } from '../../src/mdb/target.js';
import { explode, json, jsonBytes, readDirectory, sampleModel, dumpError } from './fixtures.js';

const CHUNK = 1024;
const ROWS = 3 * CHUNK + 100;
const BASE = 0xffffff01c0000000n;
/** Row i's thread: addresses interleaved from three runs, and rows 10 and 11 at one address. */
const addrOf = (i: number): bigint => (i === 11 ? addrOf(10) : BASE + BigInt(((i % 3) * ROWS + Math.floor(i / 3) * 3) * 0x400));

function bigModel(sorted = false): DumpModel {
  const m = sampleModel(1);
  const threads = new TableBuilder('kthread_t', { addr: 'u64', t_pri: 'u16' });
  for (let i = 0; i < ROWS; i++) threads.add({ addr: sorted ? BASE + BigInt(i * 0x400) : addrOf(i), t_pri: i % 170 });
  m.tables = m.tables.map((t) => (t.name === 'kthread_t' ? threads.build() : t));
  return m;
}

const bytes = encodeDump(bigModel(), { chunkRows: CHUNK });


/** The file with the stored order's row numbers changed (CRC and all). */
function orderChange(f: (d: Uint32Array) => void): Buffer {
  const secs = explode(bytes);
  const s = secs.find((x) => x.name === 'kthread_t#order')!;
  const order = orderFromDeltas(new Uint32Array(s.raw.slice().buffer));
  f(order);
  s.raw = new Uint8Array(orderDeltas(order).buffer);
  return assemble(secs, 1);
}

/** Rows by address then row: what a stable sort gives. */
function expected(): number[] {
  return Array.from({ length: ROWS }, (_, i) => i).sort((p, q) => (addrOf(p) < addrOf(q) ? -1 : addrOf(p) > addrOf(q) ? 1 : p - q));
}

describe('address order (format 3)', () => {
  it('is written for a chunked memory table out of order, as deltas, and read back checked', () => {
    expect(readDirectory(bytes).map((e) => e.name)).toContain('kthread_t#order');
    const m = decodeDump(bytes, undefined, { eagerTableBytes: 0 });
    const t = m.tables.find((x) => x.name === 'kthread_t')!;
    expect([...addressOrderOf(t)!]).toEqual(expected());
    // deltas round-trip, including a step down (mod 2^32)
    const o = Uint32Array.from([5, 2, 7, 0]);
    expect([...orderFromDeltas(orderDeltas(o))]).toEqual([5, 2, 7, 0]);
  });

  it('is not written for a table already in address order, nor a small one, nor a model in memory', () => {
    const sorted = encodeDump(bigModel(true), { chunkRows: CHUNK });
    expect(readDirectory(sorted).map((e) => e.name)).not.toContain('kthread_t#order');
    const small = encodeDump(bigModel());
    expect(readDirectory(small).map((e) => e.name)).not.toContain('kthread_t#order');
    expect(addressOrderOf(bigModel().tables.find((x) => x.name === 'kthread_t'))).toBeUndefined();
    expect(addressOrder(new BigUint64Array([1n, 2n, 2n, 3n]))).toBeUndefined();
  });

  it('gives the debugger the same rows as its own sort', () => {
    const stored = new Target(decodeDump(bytes, undefined, { eagerTableBytes: 0 }));
    const sorted = new Target(bigModel());
    for (const i of [0, 1, 2, 10, 11, 12, 1500, ROWS - 1]) {
      for (const d of [0n, 8n]) {
        const a = addrOf(i) + d;
        expect(stored.memory.objectAt(a)).toEqual(sorted.memory.objectAt(a));
        expect(stored.memory.rowAt('kthread_t', a)?.row).toEqual(sorted.memory.rowAt('kthread_t', a)?.row);
      }
    }
    // the first row at an address shared by two: the lower
    expect(stored.memory.rowAt('kthread_t', addrOf(11))?.row).toBe(10);
  });

  it('damaged, is one DumpError when read, never a wrong answer', () => {
    const cases: Array<[string, (d: Uint32Array) => void, RegExp]> = [
      ['two positions swapped', (d) => ([d[5], d[6]] = [d[6]!, d[5]!]), /not in address order|names row \d+ twice/],
      ['a row named twice', (d) => (d[7] = 0), /names row \d+ twice|not in address order/],
      ['a row past the end', (d) => (d[0] = ROWS + 5), /names row|not in address order/],
    ];
    for (const [, change, re] of cases) {
      const m = decodeDump(orderChange(change), 'o.dump', { eagerTableBytes: 0 });
      const e = dumpError(() => addressOrderOf(m.tables.find((x) => x.name === 'kthread_t')));
      expect(e.message).toMatch(/^cannot open o\.dump: table 'kthread_t' address order /);
      expect(e.message).toMatch(re);
      expect(e.message).not.toContain('\n');
      // a lookup answers from the addresses themselves (the first few scan chunks) or fails the same way; an eager open fails
      const t = new Target(decodeDump(orderChange(change), 'o.dump', { eagerTableBytes: 0 }));
      let failed = 0;
      for (let i = 12; i < 24; i++) {
        try {
          expect(t.memory.rowAt('kthread_t', addrOf(i))?.row).toBe(i);
        } catch (x) {
          expect(x).toBeInstanceOf(DumpError);
          expect((x as DumpError).message).toBe(e.message);
          failed++;
        }
      }
      expect(failed).toBeGreaterThan(0);
      expect(dumpError(() => decodeDump(orderChange(change), 'o.dump', { eager: true })).message).toBe(e.message);
    }
    expect(() => checkAddressOrder(Uint32Array.from([1, 0]), wordsOf(new BigUint64Array([1n, 1n])), 'x')).toThrow(/not in address order/);
    // the reader's one pass (sum and check) says what checkAddressOrder says of the summed order
    const w = wordsOf(new BigUint64Array([3n, 1n, 2n, 2n]));
    expect([...orderFromDeltasChecked(orderDeltas(Uint32Array.from([1, 2, 3, 0])), w, 'x')]).toEqual([1, 2, 3, 0]);
    for (const bad of [[1, 3, 2, 0], [1, 2, 2, 0], [1, 2, 3, 4], [1, 2, 3]]) {
      const o = Uint32Array.from(bad);
      expect(() => orderFromDeltasChecked(orderDeltas(o), w, 'x')).toThrow(dumpError(() => checkAddressOrder(o, w, 'x')).message);
    }
  });

  it('a catalog entry that is wrong fails the open', () => {
    const change = (f: (t: Record<string, unknown>) => void, version?: number): Buffer => {
      const secs = explode(bytes);
      const cat = json(secs[2]!.raw) as Array<Record<string, unknown>>;
      f(cat.find((t) => t.name === 'kthread_t')!);
      secs[2]!.raw = jsonBytes(cat);
      const b = assemble(secs, 1);
      if (version !== undefined) b.writeUInt32LE(version, 8);
      return b;
    };
    expect(dumpError(() => decodeDump(change(() => undefined, 2), 'v2.dump')).message).toBe(
      "cannot open v2.dump: table 'kthread_t' has an address order, which format version 2 does not have",
    );
    expect(dumpError(() => decodeDump(change((t) => (t.order = 4)), 'o.dump')).message).toMatch(/^cannot open o\.dump: table 'kthread_t' address order \(section .*\) is \d+ bytes, expected \d+$/);
    expect(dumpError(() => decodeDump(change((t) => (t.order = 'x')), 'o.dump')).message).toBe("cannot open o.dump: table 'kthread_t' address order names no data section (x)");
    expect(dumpError(() => decodeDump(change((t) => delete t.order), 'o.dump')).message).toBe("cannot open o.dump: section 'kthread_t#order' is not used by any table");
  });
});
