import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDump, encodeDump } from '../../src/dump/codec.js';
import { DumpError } from '../../src/dump/errors.js';
import type { Column, DumpModel, ScalarArray, ScalarKind, Table, TypeDef } from '../../src/dump/format.js';
import { SCALAR_KINDS } from '../../src/dump/kinds.js';
import { validateModel } from '../../src/dump/validate.js';
import { fixCrc, sampleHeader, sampleModel } from './fixtures.js';

const KINDS: ScalarKind[] = ['u8', 'u16', 'u32', 'i32', 'u64', 'i64', 'f64'];

function element(kind: ScalarKind): fc.Arbitrary<number | bigint> {
  switch (kind) {
    case 'u8':
      return fc.integer({ min: 0, max: 0xff });
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'u32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'i32':
      return fc.integer();
    case 'u64':
      return fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0xffffff0000000000n, max: 0xffffff01ffffffffn }));
    case 'i64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'f64':
      return fc.double();
  }
}

const fromValues = (kind: ScalarKind, a: Array<number | bigint>): ScalarArray =>
  (SCALAR_KINDS[kind].ctor as unknown as { from(a: unknown[]): ScalarArray }).from(a);

const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('', 'kmem_alloc_8', 'genunix'));

function column(n: number): fc.Arbitrary<Column> {
  const scalar = fc
    .constantFrom(...KINDS)
    .chain((kind) => fc.array(element(kind), { minLength: n, maxLength: n }).map((a) => ({ kind, values: fromValues(kind, a) }) as Column));
  const str = fc.array(text, { minLength: n, maxLength: n }).map((values): Column => ({ kind: 'str', values }));
  const list = fc.constantFrom(...KINDS).chain((of) =>
    fc.array(fc.array(element(of), { maxLength: 4 }), { minLength: n, maxLength: n }).map((rows): Column => {
      const offsets = new Uint32Array(n + 1);
      rows.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.length));
      return { kind: 'list', of, offsets, values: fromValues(of, rows.flat()) };
    }),
  );
  return fc.oneof(scalar, str, list);
}

/** A struct table T<i> whose columns m<j> are the members of type T<i>. */
function structTable(i: number): fc.Arbitrary<{ table: Table; type: TypeDef }> {
  return fc.integer({ min: 0, max: 12 }).chain((n) =>
    fc
      .tuple(fc.array(element('u64'), { minLength: n, maxLength: n }), fc.array(column(n), { maxLength: 6 }))
      .map(([addrs, cols]) => {
        const name = `T${i}_t`;
        const columns: Record<string, Column> = { addr: { kind: 'u64', values: BigUint64Array.from(addrs as bigint[]) } };
        cols.forEach((c, j) => (columns[`m${j}`] = c));
        const type: TypeDef = {
          name,
          kind: 'struct',
          size: 8 * cols.length,
          members: cols.map((_, j) => ({ name: `m${j}`, type: 'uint64_t', offset: 8 * j, size: 8 })),
        };
        return { table: { name, rowCount: n, columns }, type };
      }),
  );
}

const model: fc.Arbitrary<DumpModel> = fc
  .record({
    hostname: text,
    message: text,
    seed: fc.integer(),
    tables: fc.integer({ min: 0, max: 4 }).chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => structTable(i)))),
    msgs: fc.array(text, { maxLength: 6 }),
  })
  .map(({ hostname, message, seed, tables, msgs }) => {
    const header = sampleHeader();
    header.hostname = hostname;
    header.panic!.message = message;
    header.recipe.seed = seed;
    const msgbuf: Table = {
      name: 'msgbuf',
      rowCount: msgs.length,
      columns: { timestamp: { kind: 'i64', values: new BigInt64Array(msgs.length) }, text: { kind: 'str', values: msgs } },
    };
    return { header, types: tables.map((t) => t.type), tables: [...tables.map((t) => t.table), msgbuf] };
  });

/** Run decodeDump (eager unless told); anything thrown must be a one-line DumpError. */
function decodeOrDumpError(bytes: Uint8Array, eager = true): DumpModel | DumpError {
  try {
    return decodeDump(bytes, '/tmp/p.dump', { eager });
  } catch (e) {
    if (!(e instanceof DumpError)) throw new Error(`not a DumpError: ${String(e)}`);
    if (/[\n\r]/.test(e.message) || !e.message.startsWith('cannot open /tmp/p.dump: '))
      throw new Error(`bad message: ${e.message}`);
    return e;
  }
}

describe('properties', () => {
  it('random models round-trip exactly', () => {
    fc.assert(
      fc.property(model, (m) => {
        expect(decodeDump(encodeDump(m))).toEqual(m);
      }),
      { numRuns: 200 },
    );
  });

  const original = sampleModel(3);
  const good = encodeDump(original);

  it('flipping bytes gives the original model or a DumpError', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ pos: fc.nat(good.length - 1), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }),
        (flips) => {
          const b = Buffer.from(good);
          for (const f of flips) b[f.pos]! ^= f.xor;
          const r = decodeOrDumpError(b);
          if (!(r instanceof DumpError)) expect(r).toEqual(original);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('truncating at any length gives a DumpError', () => {
    fc.assert(
      fc.property(fc.nat(good.length - 1), (len) => {
        expect(decodeOrDumpError(good.subarray(0, len))).toBeInstanceOf(DumpError);
      }),
      { numRuns: 300 },
    );
  });

  it('flips behind a recomputed CRC give a valid model or a DumpError, never another exception', () => {
    const noCompression = encodeDump(original, { level: 0 });
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.record({ pos: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 3 }),
        (flat, flips) => {
          const b = Buffer.from(flat ? noCompression : good);
          for (const f of flips) b[24 + (f.pos % (b.length - 24))]! ^= f.xor;
          const r = decodeOrDumpError(fixCrc(b));
          if (!(r instanceof DumpError)) expect(() => validateModel(r)).not.toThrow();
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('garbage behind a valid prefix gives a DumpError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (tail) => {
        const b = Buffer.alloc(24 + tail.length);
        b.write('MDDBDUMP', 0, 'latin1');
        b.writeUInt32LE(1, 8);
        b.writeBigUInt64LE(BigInt(b.length), 16);
        b.set(tail, 24);
        b.writeUInt32LE(zlib.crc32(b.subarray(24)), 12);
        expect(decodeOrDumpError(b)).toBeInstanceOf(DumpError);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes give a DumpError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(decodeOrDumpError(b)).toBeInstanceOf(DumpError);
      }),
    );
  });
});
