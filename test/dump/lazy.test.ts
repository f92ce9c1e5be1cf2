// Lazy decoding: readDump/decodeDump check the file and the catalog, and each
// column on its first read. The data must be what eager decoding gives, and
// every problem the same one-line DumpError, only later.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDump, encodeDump, validateAll } from '../../src/dump/codec.js';
import { DumpError } from '../../src/dump/errors.js';
import type { DumpModel } from '../../src/dump/format.js';
import { readDump } from '../../src/dump/read.js';
import { fixCrc, readDirectory, sampleModel } from './fixtures.js';

const DUMPS = path.resolve(import.meta.dirname, '../../dumps');

function isLazy(m: DumpModel, table: string, column: string): boolean {
  const t = m.tables.find((x) => x.name === table)!;
  return Object.getOwnPropertyDescriptor(t.columns, column)?.get !== undefined;
}

/** Each column of `m` read in order; the first DumpError, or the model. */
function forceAll(m: DumpModel): DumpModel | DumpError {
  try {
    validateAll(m);
    return m;
  } catch (e) {
    if (!(e instanceof DumpError)) throw e;
    return e;
  }
}

function outcome(fn: () => DumpModel): DumpModel | DumpError {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof DumpError)) throw new Error(`not a DumpError: ${String(e)}`);
    expect(e.message).not.toMatch(/[\n\r]/);
    return e;
  }
}

describe('lazy decoding', () => {
  it('returns the same data as eager decoding for every committed dump', () => {
    const files = fs.readdirSync(DUMPS).filter((f) => f.endsWith('.dump'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const lazy = readDump(path.join(DUMPS, f), { eagerTableBytes: 0 });
      // nothing decompressed yet; names, row counts and kinds are known
      for (const t of lazy.tables) for (const c of Object.keys(t.columns)) expect(isLazy(lazy, t.name, c)).toBe(true);
      const eager = readDump(path.join(DUMPS, f), { eager: true });
      for (const t of eager.tables) for (const c of Object.keys(t.columns)) expect(isLazy(eager, t.name, c)).toBe(false);
      expect(lazy).toEqual(eager);
    }
  });

  it('decodes small tables at open and leaves big ones for their first read', () => {
    const m = sampleModel(20);
    const bytes = encodeDump(m);
    const sizes = new Map(readDirectory(bytes).map((e) => [e.name, e.raw]));
    const tableBytes = (t: string) => [...sizes].filter(([n]) => n.startsWith(`${t}.`)).reduce((a, [, r]) => a + r, 0);
    const biggest = [...m.tables].sort((a, b) => tableBytes(b.name) - tableBytes(a.name))[0]!.name;
    const limit = tableBytes(biggest) - 1;
    const back = decodeDump(bytes, 'x', { eagerTableBytes: limit });
    for (const t of back.tables)
      for (const c of Object.keys(t.columns)) expect(isLazy(back, t.name, c), `${t.name}.${c}`).toBe(tableBytes(t.name) > limit);
    expect(isLazy(back, biggest, Object.keys(back.tables.find((t) => t.name === biggest)!.columns)[0]!)).toBe(true);
    // by default (1 MiB) a sample this small is decoded whole
    const all = decodeDump(bytes);
    for (const t of all.tables) for (const c of Object.keys(t.columns)) expect(isLazy(all, t.name, c)).toBe(false);
  });

  it('reads a column once: later reads return the same arrays', () => {
    const m = decodeDump(encodeDump(sampleModel(20)), undefined, { eagerTableBytes: 0 });
    const t = m.tables.find((x) => x.name === 'kthread_t')!;
    const first = t.columns['t_pri'];
    expect(isLazy(m, 'kthread_t', 't_pri')).toBe(false);
    expect(isLazy(m, 'kthread_t', 't_state')).toBe(true);
    expect(t.columns['t_pri']).toBe(first);
    // a column can still be replaced, as on a model built in memory
    t.columns['t_state'] = first!;
    expect(t.columns['t_state']).toBe(first);
  });

  it('a column whose deflate stream is corrupt fails when read, and only then', () => {
    const good = encodeDump(sampleModel(200));
    const dir = readDirectory(good);
    const i = dir.findIndex((e) => e.codec === 1 && e.name.includes('.') && !e.name.includes('#') && e.stored > 40);
    expect(i).toBeGreaterThan(2);
    const victim = dir[i]!;
    const [table, column] = [victim.name.slice(0, victim.name.indexOf('.')), victim.name.slice(victim.name.indexOf('.') + 1)];
    const b = Buffer.from(good);
    for (let k = 0; k < 8; k++) b[victim.offset + k] = 0xff;
    fixCrc(b);
    expect(() => decodeDump(b, 'z.dump')).toThrow(/does not decompress/);
    const m = decodeDump(b, 'z.dump', { eagerTableBytes: 0 });
    const t = m.tables.find((x) => x.name === table)!;
    for (const other of Object.keys(t.columns)) if (other !== column) expect(t.columns[other]).toBeDefined();
    expect(() => t.columns[column]).toThrow(DumpError);
    expect(() => t.columns[column]).toThrow(new RegExp(`^cannot open z\\.dump: section '${victim.name.replace('.', '\\.')}' does not decompress \\(.+\\)$`));
    expect(() => decodeDump(b, 'z.dump', { eager: true })).toThrow(/does not decompress/);
  });

  it('validateAll on a model built in memory is validateModel', () => {
    const m = sampleModel();
    expect(() => validateAll(m)).not.toThrow();
    m.tables[0]!.rowCount += 1;
    expect(() => validateAll(m)).toThrow(DumpError);
  });

  it('flips behind a recomputed CRC: lazy gives what eager gives, error for error (fast-check)', () => {
    const original = sampleModel(3);
    const files = [encodeDump(original), encodeDump(original, { level: 0 })];
    fc.assert(
      fc.property(
        fc.nat(1),
        fc.array(fc.record({ pos: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 3 }),
        (which, flips) => {
          const b = Buffer.from(files[which]!);
          for (const f of flips) b[24 + (f.pos % (b.length - 24))]! ^= f.xor;
          fixCrc(b);
          const eager = outcome(() => decodeDump(b, '/tmp/p.dump', { eager: true }));
          // the default open (small tables now) gives the same as well
          const usual = outcome(() => decodeDump(b, '/tmp/p.dump'));
          if (eager instanceof DumpError) expect(usual instanceof DumpError ? usual.message : 'no error').toBe(eager.message);
          else expect(usual).toEqual(eager);
          const opened = outcome(() => decodeDump(b, '/tmp/p.dump', { eagerTableBytes: 0 }));
          const lazy = opened instanceof DumpError ? opened : forceAll(opened);
          if (eager instanceof DumpError) {
            expect(lazy).toBeInstanceOf(DumpError);
            expect((lazy as DumpError).message).toBe(eager.message);
          } else expect(lazy).toEqual(eager);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
