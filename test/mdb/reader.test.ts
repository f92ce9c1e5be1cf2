// The format verbs' windowed reads (ObjectMemory.reader, issue #13's slow
// `addr,0t65536/o` lines): a run of reads through one reader returns exactly
// what read() returns for each, bytes or error, including where a read
// straddles the start of an object nested in the one it began in (read()
// takes an object's bytes to its end; the reader shares lookups, not
// semantics). And the format letters print the same through the reader and
// with their repeated values' text reused as they did item by item.
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readDump } from '../../src/dump/read.js';
import type { DumpModel } from '../../src/dump/format.js';
import { LETTERS, formatG, printFormat, type FormatContext } from '../../src/mdb/format.js';
import { Iob } from '../../src/mdb/render/iob.js';
import { Target } from '../../src/mdb/target.js';

const DUMPS = path.resolve(import.meta.dirname, '../../dumps');
const SAMPLES = ['illumos-2911.dump', 'illumos-corruption.dump', 'freebsd-2004-uma-looping.dump'];

/** Object starts of every table with an address column: reads near them cross object boundaries. */
function starts(m: DumpModel): bigint[] {
  const out: bigint[] = [];
  for (const t of m.tables) {
    const c = t.columns['addr'];
    if (!c || c.kind !== 'u64' || t.rowCount === 0) continue;
    const v = c.values as BigUint64Array;
    // a few rows of each table, spread over it
    for (let k = 0; k < 8; k++) out.push(v[Math.floor((k * (t.rowCount - 1)) / 7)]!);
  }
  return out;
}

/** read()'s answer as a comparable value: the bytes, or the error's class and message. */
function attempt(f: () => Uint8Array): string {
  try {
    return Buffer.from(f()).toString('hex');
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

describe.each(SAMPLES)('reader() on %s', (name) => {
  const model = readDump(path.join(DUMPS, name));
  const target = new Target(model);
  const near = starts(model);
  const at = fc.tuple(fc.constantFrom(...near), fc.integer({ min: -40, max: 40 })).map(([a, d]) => BigInt.asUintN(64, a + BigInt(d)));
  const sizes = fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2, 4, 8) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }) }), { minLength: 1, maxLength: 200 });

  it('a run of reads returns what read() returns for each read, bytes or error', () => {
    fc.assert(
      fc.property(at, sizes, (start, ns) => {
        // a fresh reader per run, reads one after another as a format verb makes them
        const windowed = target.reader();
        let a = start;
        for (const n of ns) {
          expect(attempt(() => windowed(a, n)), `${a.toString(16)},${n}`).toBe(attempt(() => target.readBytes(a, n)));
          a = BigInt.asUintN(64, a + BigInt(n));
        }
      }),
      { numRuns: 150, seed: 13 },
    );
  });

  it('byte reads through the reader are read() byte by byte, also after jumps back and forth', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(at, fc.integer({ min: 1, max: 64 })), { minLength: 1, maxLength: 6 }), (runs) => {
        const windowed = target.reader();
        for (const [start, len] of runs) {
          for (let i = 0; i < len; i++) {
            const a = BigInt.asUintN(64, start + BigInt(i));
            expect(attempt(() => windowed(a, 1))).toBe(attempt(() => target.readBytes(a, 1)));
          }
        }
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it('the numeric letters print through the reader what item-by-item reads print, each value shown afresh', () => {
    const letters = Object.entries(LETTERS).filter(([k, l]) => k !== 'C' && (typeof l.size === 'string' || l.size > 0)).map(([k]) => k);
    fc.assert(
      fc.property(at, fc.constantFrom(...letters), fc.integer({ min: 1, max: 120 }), (start, letter, count) => {
        const print = (read: FormatContext['read'], perItem: boolean): string => {
          const iob = new Iob();
          const ctx: FormatContext = { target, iob, read, incr: 0n, addressed: true };
          try {
            if (perItem) {
              let a = start;
              for (let i = 0; i < count; i++) a = printFormat(ctx, a, [{ kind: 'fmt', letter, count: 1 }]);
            } else printFormat(ctx, start, [{ kind: 'fmt', letter, count }]);
          } catch (e) {
            iob.puts(`error: ${(e as Error).message}`);
          }
          return `${iob.text()}${ctx.last}`;
        };
        expect(print(target.reader(), false)).toBe(print((a, n) => target.readBytes(a, n), true));
      }),
      { numRuns: 120, seed: 5 },
    );
  });
});

describe('F and f reinterpret the bits as DataView does', () => {
  const show = (letter: 'F' | 'f', v: bigint): string => {
    const iob = new Iob();
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, v, true);
    LETTERS[letter]!.run({ target: undefined as unknown as Target, iob, read: (_a, n) => bytes.slice(0, n), incr: 0n }, 0n, 1);
    return iob.text();
  };
  it('F is formatG of the little-endian double, for any 64 bits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
        const dv = new DataView(new ArrayBuffer(8));
        dv.setBigUint64(0, v, true);
        expect(show('F', v)).toBe(`${formatG(dv.getFloat64(0, true))}\n`);
      }),
      { numRuns: 2000, seed: 3 },
    );
  });
  it('f is %e of the little-endian float, for any 32 bits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), (v) => {
        const dv = new DataView(new ArrayBuffer(4));
        dv.setUint32(0, Number(v), true);
        const s = dv.getFloat32(0, true).toExponential(6).replace(/e([+-])(\d)$/, 'e$10$2');
        expect(show('f', v)).toBe(`${s}\n`);
      }),
      { numRuns: 2000, seed: 4 },
    );
  });
});
