// Reads through a tiling (target/memory.ts, issue #13's `::walk page |
// ::ptree` and `::walk allpages | ::kmem_cache` lines): a struct table whose
// rows do not overlap and whose span no other table reaches answers a read
// from its index and its rows' bytes in one step. Those reads must return
// exactly what the row-by-row path returns (each step the innermost object
// at the address, asked of every table), bytes or error, and so must rowAt,
// which a tiling lets skip the other struct tables. Compared read for read
// with a memory that never tiles ({ tilings: false }).
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TableBuilder } from '../../src/dump/builder.js';
import type { DumpModel, Table } from '../../src/dump/format.js';
import { readDump } from '../../src/dump/read.js';
import { ObjectMemory } from '../../src/mdb/target/memory.js';
import { TypeTable } from '../../src/mdb/target/types.js';
import { fakeDump } from '../support/dump-builder.js';

const DUMPS = path.resolve(import.meta.dirname, '../../dumps');

/** read()'s answer as a comparable value: the bytes, or the error's class and message. */
function attempt(f: () => Uint8Array): string {
  try {
    return Buffer.from(f()).toString('hex');
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

function memories(m: DumpModel): { tiled: ObjectMemory; rows: ObjectMemory } {
  return {
    tiled: new ObjectMemory(m, new TypeTable(m.types, 8), 8),
    rows: new ObjectMemory(m, new TypeTable(m.types, 8), 8, { tilings: false }),
  };
}

describe.each(['illumos-2911-fixed.dump', 'illumos-corruption.dump'])('the page_t table of %s as a tiling', (name) => {
  const m = readDump(path.join(DUMPS, name));
  const pages = m.tables.find((t) => t.name === 'page_t')!;
  const addrs = pages.columns['addr']!.values as BigUint64Array;
  const size = BigInt(new TypeTable(m.types, 8).need('page_t').size);
  const n = addrs.length;
  // rows spread over the table, its first and last, and the addresses either side of its span
  const near = [...Array.from({ length: 16 }, (_, k) => addrs[Math.floor((k * (n - 1)) / 15)]!), addrs[0]! - 64n, addrs[n - 1]! + size];
  const at = fc.tuple(fc.constantFrom(...near), fc.integer({ min: -300, max: 300 })).map(([a, d]) => BigInt.asUintN(64, a + BigInt(d)));
  // a proc_t, a kmem_cache_t, a kmem_cpu_cache_t, a page_t, words, and anything up to a few rows
  const len = fc.oneof(fc.constantFrom(0x180, 0x380, 0x40, Number(size), 1, 4, 8), fc.integer({ min: 0, max: 2000 }));

  it('reads the same bytes, or fails the same way, as row by row; rowAt answers the same', () => {
    const { tiled, rows } = memories(m);
    // every page in turn, as `::walk page | ::ptree` reads them: the table becomes a tiling on the way
    for (let i = 0; i < n; i += 97) expect(attempt(() => tiled.read(addrs[i]!, 0x180))).toBe(attempt(() => rows.read(addrs[i]!, 0x180)));
    expect(tiled.indexStats().find((s) => s.table === 'page_t')?.tiled).toBe(true);
    expect(rows.indexStats().some((s) => s.tiled)).toBe(false);
    fc.assert(
      fc.property(at, len, (a, k) => {
        expect(attempt(() => tiled.read(a, k)), `${a.toString(16)},${k}`).toBe(attempt(() => rows.read(a, k)));
        for (const t of ['page_t', 'proc_t', 'kmem_cache_t']) expect(tiled.rowAt(t, a)?.row).toBe(rows.rowAt(t, a)?.row);
      }),
      { numRuns: 2000, seed: 13 },
    );
  });
});

/** The fake dump with foo_t rows at `foos` (foo_value the row number, so rows differ) and globals at `globals`. */
function model(foos: bigint[], globals: Array<{ addr: bigint; size: number }>): DumpModel {
  const m = fakeDump();
  const replace = (t: Table) => (m.tables[m.tables.findIndex((x) => x.name === t.name)] = t);
  const f = new TableBuilder('foo_t', { addr: 'u64', foo_value: 'u32', foo_next: 'u64', foo_name: 'str' });
  foos.forEach((a, i) => f.add({ addr: a, foo_value: i + 1, foo_next: a ^ 0xffffn, foo_name: `foo${i}` }));
  replace(f.build());
  const g = new TableBuilder('globals', { addr: 'u64', size: 'u8', value: 'u64' });
  globals.forEach((x, i) => g.add({ addr: x.addr, size: x.size, value: BigInt(i) * 0x0101010101n }));
  replace(g.build());
  return m;
}

describe('tilings of a struct table with gaps, and of one another table reaches into', () => {
  // below the heap: a buffer's extent has no known bound, so a table above any buffer is never a tiling
  const BASE = 0xfffffe00_00000000n;
  const FOO = 40n; // sizeof (foo_t)

  it('reads and rowAt agree with the row-by-row path, whatever the rows and what lies among them (fast-check)', () => {
    fc.assert(
      fc.property(
        // rows in runs: each the gap before it (0: right after the row before, so the rows tile; below 0: overlapping it)
        fc.array(
          fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 100 }) }, { weight: 1, arbitrary: fc.integer({ min: -39, max: -1 }) }),
          { minLength: 1, maxLength: 40 },
        ),
        // a few globals, some inside or next to the rows' span
        fc.array(fc.record({ at: fc.integer({ min: -80, max: 2000 }), size: fc.constantFrom(1, 4, 8) }), { maxLength: 3 }),
        fc.array(fc.tuple(fc.integer({ min: -100, max: 2200 }), fc.integer({ min: 0, max: 300 })), { minLength: 1, maxLength: 60 }),
        fc.boolean(),
        (gaps, globals, probes, shuffle) => {
          let a = BASE;
          const foos = gaps.map((g) => {
            a += BigInt(g);
            const r = a;
            a += FOO;
            return r;
          });
          // rows out of address order too: the tiling follows the index's order, not the table's
          if (shuffle) foos.reverse();
          const m = model(
            foos,
            globals.map((x) => ({ addr: BASE + BigInt(x.at), size: x.size })),
          );
          const { tiled, rows } = memories(m);
          for (const [off, k] of [...probes, ...probes]) {
            const p = BigInt.asUintN(64, BASE + BigInt(off));
            expect(attempt(() => tiled.read(p, k)), `${off},${k}`).toBe(attempt(() => rows.read(p, k)));
            expect(tiled.rowAt('foo_t', p)?.row).toBe(rows.rowAt('foo_t', p)?.row);
            expect(tiled.rowAt('globals', p)?.row).toBe(rows.rowAt('globals', p)?.row);
          }
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });

  it('a table is a tiling only when its rows do not overlap and no other table reaches its span', () => {
    const run = Array.from({ length: 10 }, (_, i) => BASE + BigInt(i) * FOO);
    const tiledAfter = (m: DumpModel): boolean => {
      const { tiled } = memories(m);
      tiled.read(BASE + 4n, 100);
      return tiled.indexStats().find((s) => s.table === 'foo_t')!.tiled;
    };
    expect(tiledAfter(model(run, []))).toBe(true);
    // a gap between rows is fine (a read across it fails, as it does row by row)
    expect(tiledAfter(model([...run, BASE + 20n * FOO], []))).toBe(true);
    // two rows overlapping
    expect(tiledAfter(model([...run, BASE + 3n * FOO + 8n], []))).toBe(false);
    // a global inside the span, and one that starts just below it and reaches into it
    expect(tiledAfter(model(run, [{ addr: BASE + 5n * FOO + 4n, size: 4 }]))).toBe(false);
    expect(tiledAfter(model(run, [{ addr: BASE - 4n, size: 8 }]))).toBe(false);
    // one that ends where the span starts does not reach it
    expect(tiledAfter(model(run, [{ addr: BASE - 8n, size: 8 }]))).toBe(true);
  });
});
