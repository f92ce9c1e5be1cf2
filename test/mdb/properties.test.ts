import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/mdb/eval.js';
import { parseNumber, splitCommands } from '../../src/mdb/parse/lexer.js';
import { parseExpression } from '../../src/mdb/parse/parser.js';
import { numtostr } from '../../src/mdb/render/number.js';
import { Target } from '../../src/mdb/target.js';
import { AddressIndex, OrderedStarts } from '../../src/mdb/target/addr-index.js';
import { fakeDump } from '../support/dump-builder.js';
import { fakeSession } from '../support/mdb-session.js';

const PIECES = [
  '::walk foo', '::walk kmem_cache', '::walk', '::print foo_t', '::print', '::print -t', 'foo_next->foo_name', '::sizeof', 'foo_t',
  '::offsetof', '::nm', '::help', '::dcmds', '::walkers', '::foo', '::eval', '::vars', '::quit', '$q', '$c', '$<', '$v', '$d',
  '/K', '/4X', '=K', '=E', '/s', '/', '=', '?', '\\', ',4', ',0', '|', ';', '\n', ' ', ' ', ' ', 'kmem_flags', 'panicstr',
  'ffffff01e0000000', 'ffffff01d6e2a008', '0t10', '0x', '0i101', '0o7', '_', '*', '+', '-', '^', '#', '%', '~', '&', '==', '<<',
  '(', ')', '"', "'", '$[', ']', '!', '-z', '-v', '-t', '-a', '.', '<x', '>x', '0', '1', 'nosuch', '`', 'genunix`', '::', ':',
];

const commandLine = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { maxLength: 10 }).map((a) => a.join('')),
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^[0-9a-fx:$/=,|;<>*+()'" .\-kmtK]{0,30}$/),
);

describe('properties', () => {
  it('execute never throws; failures are mdb: lines, at most one per command (a usage error adds its Usage: and ::help lines)', async () => {
    const s = fakeSession();
    await fc.assert(
      fc.asyncProperty(commandLine, async (line) => {
        const r = await s.execute(line);
        expect(typeof r.output).toBe('string');
        for (const e of r.errors) {
          expect(e.startsWith('mdb: ') || e.startsWith('Usage: ')).toBe(true);
          expect(e).not.toContain('\n');
        }
        const usage = r.errors.filter((e) => e.startsWith('Usage: ')).length;
        expect(r.errors.length).toBeLessThanOrEqual(Math.max(1, splitCommands(line).length) + 2 * usage);
        expect(r.ok).toBe(r.errors.length === 0);
        expect(r.errors.some((e) => e.startsWith('mdb: internal error'))).toBe(false);
      }),
      { numRuns: Number(process.env['MDB_FC_RUNS'] ?? 600) },
    );
  });

  it('numbers print and parse back in every radix', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
        expect(parseNumber(numtostr(v, 16, { unsigned: true }), 16)).toBe(v);
        expect(parseNumber(numtostr(v, 16, { unsigned: true, showbase: true }), 10)).toBe(v);
        expect(parseNumber(numtostr(v, 10, { unsigned: true, showbase: true }), 16)).toBe(v);
        expect(parseNumber(numtostr(v, 8, { unsigned: true, showbase: true }), 16)).toBe(v);
        expect(parseNumber(numtostr(v, 2, { unsigned: true, showbase: true }), 16)).toBe(v);
      }),
    );
  });

  it('arithmetic is unsigned 64-bit', () => {
    const target = new Target(fakeDump());
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    const env = { target, dot: 0n, incr: 0n, lastDot: 0n, vars: new Map<string, bigint>() };
    fc.assert(
      fc.property(u64, u64, (a, b) => {
        const ev = (op: string) => evaluate(parseExpression(`0x${a.toString(16)}${op}0x${b.toString(16)}`), env);
        expect(ev('+')).toBe(BigInt.asUintN(64, a + b));
        expect(ev('-')).toBe(BigInt.asUintN(64, a - b));
        expect(ev('*')).toBe(BigInt.asUintN(64, a * b));
        expect(ev('&')).toBe(a & b);
        expect(ev('|')).toBe(a | b);
        expect(ev('^')).toBe(a ^ b);
        if (b !== 0n) {
          expect(ev('%')).toBe(a / b);
          expect(ev('#')).toBe(a % b);
        }
      }),
    );
  });

  it('the address index over a stored order agrees with a linear search', () => {
    // one source and its stable sort given as the order (a dump's stored address order), over several blocks of the index
    const extent = fc.record({ start: fc.bigInt({ min: 0n, max: 2000n }), size: fc.integer({ min: 0, max: 300 }) });
    fc.assert(
      fc.property(fc.array(extent, { maxLength: 400 }), fc.array(fc.bigInt({ min: 0n, max: 2400n }), { maxLength: 40 }), (rows, probes) => {
        const base = 0xffffff0000000000n;
        const order = Uint32Array.from(rows.map((_, i) => i).sort((p, q) => (rows[p]!.start !== rows[q]!.start ? (rows[p]!.start < rows[q]!.start ? -1 : 1) : p - q)));
        const starts = new BigUint64Array(rows.map((e) => base + e.start));
        const sizes = Uint32Array.from(rows.map((e) => e.size));
        const idx = new AddressIndex([{ starts, sizes }], order);
        const plain = new AddressIndex([{ starts, sizes: rows.map((e) => e.size) }]);
        for (const p of probes) {
          const want = rows
            .map((e, row) => ({ ...e, row }))
            .filter((e) => e.start <= p && p < e.start + BigInt(e.size))
            .sort((x, y) => (x.start !== y.start ? (x.start > y.start ? -1 : 1) : y.row - x.row))
            .map((e) => e.row);
          expect([...idx.containing(base + p)].map((e) => idx.rowOf(e))).toEqual(want);
          expect([...plain.containing(base + p)].map((e) => plain.rowOf(e))).toEqual(want);
          const above = rows.map((e) => e.start).filter((s) => s > p);
          const next = above.length > 0 ? base + above.reduce((m, s) => (s < m ? s : m)) : undefined;
          const a = base + p;
          expect(idx.nextStartAbove(Number(a >> 32n), Number(a & 0xffffffffn))).toBe(next);
        }
      }),
    );
  });

  it('the search of a stored order finds the first position at or above an address', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 3000n }), { maxLength: 400 }), fc.array(fc.bigInt({ min: 0n, max: 3100n }), { maxLength: 40 }), (starts, probes) => {
        const base = 0xffffff00fffff000n;
        const col = new BigUint64Array(starts.map((s) => base + s));
        const order = Uint32Array.from(starts.map((_, i) => i).sort((p, q) => (starts[p]! !== starts[q]! ? (starts[p]! < starts[q]! ? -1 : 1) : p - q)));
        const os = new OrderedStarts(new Uint32Array(col.buffer), order);
        for (const p of probes) {
          const a = base + p;
          let want = 0;
          while (want < order.length && starts[order[want]!]! < p) want++;
          expect(os.lowerBound(Number(a >> 32n), Number(a & 0xffffffffn))).toBe(want);
        }
      }),
    );
  });

  it('the address index agrees with a linear search', () => {
    const extent = fc.record({ start: fc.bigInt({ min: 0n, max: 400n }), size: fc.integer({ min: 0, max: 60 }) });
    fc.assert(
      fc.property(fc.array(fc.array(extent, { maxLength: 30 }), { minLength: 1, maxLength: 4 }), fc.array(fc.bigInt({ min: 0n, max: 480n }), { maxLength: 20 }), (sources, probes) => {
        const base = 0xffffff0000000000n;
        const idx = new AddressIndex(sources.map((s) => ({ starts: new BigUint64Array(s.map((e) => base + e.start)), sizes: s.map((e) => e.size) })));
        const flat = sources.flatMap((s, si) => s.map((e, row) => ({ ...e, si, row })));
        for (const p of probes) {
          const want = flat
            .map((e, g) => ({ ...e, g }))
            .filter((e) => e.start <= p && p < e.start + BigInt(e.size))
            .sort((x, y) => (x.start !== y.start ? (x.start > y.start ? -1 : 1) : y.g - x.g))
            .map((e) => `${e.si}:${e.row}`);
          const got = [...idx.containing(base + p)].map((e) => `${idx.source(e)}:${idx.rowOf(e)}`);
          expect(got).toEqual(want);
        }
      }),
    );
  });
});
