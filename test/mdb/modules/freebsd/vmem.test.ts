// FreeBSD vmem in both grammars on the 2020 fixture (PR 248008's hang):
// show vmem, show all vmem, show vmemdump, ::vmem, ::vmem_seg and the
// walkers; a property over random arenas; and a million boundary tags
// opened and summarised within the illumos bounds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TableBuilder } from '../../../../src/dump/builder.js';
import type { DumpModel, Table } from '../../../../src/dump/format.js';
import { readDump, validateAll } from '../../../../src/dump/read.js';
import { writeDump } from '../../../../src/dump/write.js';
import { size2order, order2size, vmemIndex } from '../../../../src/mdb/modules/freebsd/vmem/helpers.js';
import { structRows } from '../../../../src/mdb/modules/freebsd/struct.js';
import { DdbConsole } from '../../../../src/mdb/render/ddb-console.js';
import { createSession } from '../../../../src/mdb/session.js';
import { freebsdSession } from './fixture.js';
import { ARENA, freebsd2020Dump, freebsd2020Session, out, tagAddr } from './fixture2020.js';

const hex = (v: bigint): string => v.toString(16);
/** db_printf()'s text as ddb's console shows it: tabs to 8-column stops as spaces, no trailing blanks (render/ddb-console.ts, tested on its own) */
const db = (s: string): string => new DdbConsole().put(s);

describe('show vmem', () => {
  it("prints the arena's counters and its busy and free segments per size class (vmem_summ)", async () => {
    expect(await out(freebsd2020Session('ddb'), `show vmem ${hex(ARENA.dom0)}`)).toBe(
      db([
        `vmem 0x${hex(ARENA.dom0)} 'kernel arena dom0'`,
        '\tquantum:\t4096',
        '\tsize:\t8388608',
        '\tinuse:\t8372224',
        '\tfree:\t16384',
        '\tbusy tags:\t3',
        '\tfree tags:\t1',
        '\t\t\tinuse\tsize\t\tfree\tsize',
        '\t4096            1\t4096            1\t4096            ',
        '\t12288           0\t0               1\t12288           ',
        '\t2097152         2\t8368128         0\t0               ',
        '',
      ].join('\n')),
    );
  });

  it('is a usage error without an address: ddb\'s one usage line in ddb, mdb_dcmd_usage() in mdb, never output', async () => {
    for (const [syntax, line, errors] of [
      ['ddb', 'show vmem', ['usage: show vmem <addr>']],
      ['ddb', 'show vmemdump', ['usage: show vmemdump <addr>']],
      ['mdb', '::vmem_summ', ['Usage: address::vmem_summ', "mdb: try '::help vmem_summ' for more information"]],
      ['mdb', '::vmemdump', ['Usage: address::vmemdump', "mdb: try '::help vmemdump' for more information"]],
    ] as const) {
      const r = await freebsd2020Session(syntax).execute(line);
      expect({ line, output: r.output, ok: r.ok, errors: r.errors }).toEqual({ line, output: '', ok: false, errors });
    }
  });

  it('takes *kernel_arena, and says what a pointer variable holds when given one', async () => {
    const s = freebsd2020Session('ddb');
    expect((await out(s, 'show vmem *kernel_arena')).split('\n')[0]).toBe(`vmem 0x${hex(ARENA.kernel)} 'kernel arena'`);
    const r = await s.execute('show vmem kernel_arena');
    expect(r.ok).toBe(false);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/c0a00004 is not a vmem arena: no struct vmem starts there \(it holds c1c00000, an arena: use \*kernel_arena\)/);
  });

  it('show all vmem and show allvmem print every arena, newest first (vmem_list order)', async () => {
    const s = freebsd2020Session('ddb');
    const all = await out(s, 'show all vmem');
    expect(await out(s, 'show allvmem')).toBe(all);
    // the same text; only ddb's console turns the tabs into spaces and drops trailing blanks
    expect(db(await out(freebsd2020Session('mdb'), '::vmem_summall'))).toBe(all);
    expect(all.match(/^vmem .*$/gm)).toEqual([`vmem 0x${hex(ARENA.buffer)} 'buffer arena'`, `vmem 0x${hex(ARENA.dom0)} 'kernel arena dom0'`, `vmem 0x${hex(ARENA.kernel)} 'kernel arena'`]);
    expect(all.match(/free tags: +\d+/g)).toEqual(['free tags:      0', 'free tags:      1', 'free tags:      2']);
  });

  it('on a 2004 dump says in one line that the kernel has no vmem', async () => {
    for (const line of ['show all vmem', 'show vmem c0a00000', 'show vmemdump c0a00000']) {
      const r = await freebsdSession(true, 'ddb').execute(line);
      expect(r.ok).toBe(false);
      expect(r.errors).toEqual(["this dump has no vmem arenas (struct vmem): FreeBSD's vmem arrived in 2013, after this kernel"]);
    }
    const r = await freebsdSession(true, 'mdb').execute('::walk vmem');
    expect(r.errors).toHaveLength(1);
  });
});

describe('show vmemdump', () => {
  it('lists the segment list, then each non-empty freelist (vmem_dump)', async () => {
    expect(await out(freebsd2020Session('ddb'), `show vmemdump ${hex(ARENA.kernel)}`)).toBe(
      db([
        `vmem 0x${hex(ARENA.kernel)} 'kernel arena'`,
        `\t0x${hex(tagAddr(0))}: c4000000 1000000, 2(static span)`,
        `\t0x${hex(tagAddr(1))}: c4000000 400000, 4(busy)`,
        `\t0x${hex(tagAddr(2))}: c4400000 400000, 4(busy)`,
        `\t0x${hex(tagAddr(3))}: c4800000 2000, 3(free)`,
        `\t0x${hex(tagAddr(4))}: c4802000 7fe000, 4(busy)`,
        'freelist[1]',
        `\t0x${hex(tagAddr(3))}: c4800000 2000, 3(free)`,
        '',
      ].join('\n')),
    );
  });

  it('show all vmemdump dumps every arena; the buffer arena\'s 2 MB free segment is on freelist[35]', async () => {
    const o = await out(freebsd2020Session('ddb'), 'show all vmemdump');
    expect(o.match(/^vmem /gm)).toHaveLength(3);
    expect(o).toContain(db("vmem 0xc1c00800 'buffer arena'\n\t0xc1d00180: d0000000 200000, 2(static span)\n\t0xc1d001a0: d0000000 200000, 3(free)\nfreelist[35]\n"));
  });
});

describe('mdb syntax', () => {
  it('::vmem prints one line per arena, each indented under the arena it imports from', async () => {
    expect(await out(freebsd2020Session('mdb'), '::vmem')).toBe(
      [
        'ADDR     NAME                        INUSE        TOTAL BUSYTAGS FREETAGS',
        'c1c00000 kernel arena             16769024     16777216        3        2',
        'c1c00400   kernel arena dom0       8372224      8388608        3        1',
        'c1c00800 buffer arena                    0      2097152        0        0',
        '',
      ].join('\n'),
    );
  });

  it('walks tags: vmem_btag the segment list, vmem_freetags the spares (vm_nfreetags of them)', async () => {
    const s = freebsd2020Session('mdb');
    expect((await out(s, `${hex(ARENA.dom0)}::walk vmem_btag`)).trim().split('\n')).toHaveLength(7);
    expect((await out(s, `${hex(ARENA.kernel)}::walk vmem_freetags`)).trim().split('\n')).toEqual([`0x${hex(tagAddr(14))}`, `0x${hex(tagAddr(15))}`]);
    expect((await out(s, '::walk vmem_btag')).trim().split('\n')).toHaveLength(14);
    expect((await out(s, '::walk vmem')).trim().split('\n')).toEqual(['0xc1c00000', '0xc1c00400', '0xc1c00800']);
  });

  it('::vmem_seg prints a tag; -T keeps one type (FreeBSD names, any case), -s the size', async () => {
    const s = freebsd2020Session('mdb');
    const busy = [
      'ADDR     TYPE    START     SIZE ARENA',
      'c1d000c0 BUSY c4000000   3ff000 kernel arena dom0',
      'c1d00120 BUSY c4400000   3fc000 kernel arena dom0',
      'c1d00160 BUSY c47ff000     1000 kernel arena dom0',
      '',
    ].join('\n');
    expect(await out(s, `${hex(ARENA.dom0)}::walk vmem_btag | ::vmem_seg -T busy -s`)).toBe(busy);
    expect(await out(s, `${hex(ARENA.dom0)}::walk vmem_btag | ::vmem_seg -T BUSY -s`)).toBe(busy);
    expect(await out(s, `${hex(ARENA.dom0)}::walk vmem_btag | ::vmem_seg -T ALLOC -s`)).toBe(busy);
    const spans = await out(s, `${hex(ARENA.dom0)}::walk vmem_btag | ::vmem_seg -T SPAN`);
    expect(spans.split('\n').slice(1, -1).every((l) => / SPAN /.test(l))).toBe(true);
    expect((await s.execute('c1d000c0::vmem_seg -T bogus')).errors).toEqual(['mdb: "bogus" is not a recognized vmem_seg type: SPAN, SPAN_STATIC (STATIC, SSPN), FREE, BUSY (ALLOC), CURSOR (CURS) or SPARE (SPRE)']);
  });

  it('::vmem_seg -m/-M filter on the size, -v adds the decimal size', async () => {
    const s = freebsd2020Session('mdb');
    expect(await out(s, `${hex(ARENA.dom0)}::walk vmem_btag | ::vmem_seg -T busy -m 0t8192 -M 3fe000 -v`)).toBe(
      ['ADDR     TYPE    START      END       SIZE ARENA', 'c1d00120 BUSY c4400000 c47fc000    4177920 kernel arena dom0', ''].join('\n'),
    );
    // everything filtered out: the header alone, as mdb prints it for a walk's first element
    expect(await out(s, `${hex(ARENA.dom0)}::walk vmem_btag | ::vmem_seg -m 0t100000000`)).toBe('ADDR     TYPE    START      END ARENA\n');
  });

  it("::vmem_seg refuses illumos's -c, -e, -l and -t in one line: a FreeBSD tag has no stack, timestamp or thread", async () => {
    const s = freebsd2020Session('mdb');
    for (const [o, what] of [['-c vmem_xalloc', 'stack'], ['-e 1', 'timestamp'], ['-l 1', 'timestamp'], ['-t c5000000', 'thread']] as const) {
      const r = await s.execute(`${hex(ARENA.dom0)}::walk vmem_btag | ::vmem_seg ${o}`);
      expect({ o, output: r.output, errors: r.errors }).toEqual({ o, output: '', errors: [`mdb: ${o.slice(0, 2)}: a FreeBSD boundary tag (struct vmem_btag) records no ${what} to filter on`] });
    }
  });
});

describe('the hang, as a FreeBSD engineer reads it', () => {
  it('ps shows btalloc sleepers, ::stacks -c vmem_bt_alloc groups them, show uma and ::uma_keg show the reserve', async () => {
    const ddb = freebsd2020Session('ddb');
    expect(await out(ddb, 'show panic')).toBe('panicstr not set\n');
    expect((await out(ddb, 'ps')).match(/btalloc/g)).toHaveLength(2);
    // no lock holds them: their chains end asleep on the pause channel
    expect((await out(ddb, 'show allchains')).match(/^ thread \d+ .* sleeping on 0x[0-9a-f]+ "btalloc"$/gm)).toHaveLength(2);
    const mdb = freebsd2020Session('mdb');
    const st = await out(mdb, '::stacks -c vmem_bt_alloc');
    expect(st.split('\n')[1]).toBe('c5000000 D      btalloc      2');
    expect(st).toContain('bt_fill+0x4b');
    expect(await out(mdb, '*vmem_bt_zone::print struct uma_zone uz_keg | ::uma_keg')).toBe(
      [
        'ADDR     NAME                SIZE RSIZE IPERS PPERA   PAGES    FREE RESERVE FLAGS                ALLOCF',
        'c1e00000 vmem btag             28    28   145     1      35       3      32 VM                   vmem_bt_alloc',
        '',
      ].join('\n'),
    );
    expect(await out(mdb, '::status')).toMatch(/^hang: no panic; the debugger was entered \(break\) on CPU 0/m);
  });
});

// ---------------------------------------------------------------- property

interface Seg {
  free: boolean;
  pages: number;
}

/** An arena model: spans each tiled by segments; returns the tables' rows in segment-list order, spares last. */
function arenaModel(spans: Seg[][], spares: number, shuffle: number[]): DumpModel {
  const base = freebsd2020Dump();
  const q = 0x1000n;
  const rows: Array<{ start: bigint; size: bigint; type: number }> = [];
  let addr = 0xd4000000n;
  let size = 0n;
  let inuse = 0n;
  let nbusy = 0;
  for (const span of spans) {
    const total = span.reduce((s, x) => s + BigInt(x.pages), 0n) * q;
    rows.push({ start: addr, size: total, type: 2 });
    size += total;
    for (const seg of span) {
      const sz = BigInt(seg.pages) * q;
      rows.push({ start: addr, size: sz, type: seg.free ? 3 : 4 });
      if (!seg.free) {
        inuse += sz;
        nbusy++;
      }
      addr += sz;
    }
    addr += 0x100000n; // a hole between spans
  }
  for (let i = 0; i < spares; i++) rows.push({ start: 0n, size: 0n, type: 0 });
  // the dump may list an arena's tags in any order when it has no links: the index sorts them
  const order = rows.map((_, i) => i);
  for (let i = 0; i < Math.min(shuffle.length, order.length); i++) {
    const j = shuffle[i]! % order.length;
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const vmem = new TableBuilder('struct vmem', { addr: 'u64', vm_name: 'str', vm_size: 'u32', vm_inuse: 'u32', vm_quantum_mask: 'u32', vm_quantum_shift: 'i32', vm_nfreetags: 'i32', vm_nbusytag: 'i32' });
  vmem.add({ addr: 0xc1c00000n, vm_name: 'prop arena', vm_size: size, vm_inuse: inuse, vm_quantum_mask: 0xfff, vm_quantum_shift: 12, vm_nfreetags: spares, vm_nbusytag: nbusy });
  const tags = new TableBuilder('struct vmem_btag', { addr: 'u64', arena_row: 'u32', bt_start: 'u64', bt_size: 'u64', bt_type: 'i32' });
  for (const i of order) tags.add({ addr: 0xc1d00000n + BigInt(i) * 0x20n, arena_row: 0, bt_start: rows[i]!.start, bt_size: rows[i]!.size, bt_type: rows[i]!.type });
  const tables: Table[] = base.tables.filter((t) => t.name !== 'struct vmem' && t.name !== 'struct vmem_btag');
  tables.push(vmem.build(), tags.build());
  return { ...base, tables };
}

const segArb = fc.record({ free: fc.boolean(), pages: fc.integer({ min: 1, max: 5000 }) });

describe('property', () => {
  it('show vmemdump lists every tag of the arena exactly once, in address order, a span before its segments; free + inuse = size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(segArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }), fc.nat(6), fc.array(fc.nat(), { maxLength: 40 }), async (spans, spares, shuffle) => {
        const model = arenaModel(spans, spares, shuffle);
        const s = createSession(model, 'prop.dump', undefined, { syntax: 'ddb' });
        const dump = await out(s, 'show vmemdump c1c00000');
        const lines = dump.split('\n');
        const fl = lines.findIndex((l) => l.startsWith('freelist['));
        const seg = lines.slice(1, fl < 0 ? -1 : fl).map((l) => /^ +0x([0-9a-f]+): ([0-9a-f]+) ([0-9a-f]+), (\d)\(/.exec(l)!);
        const nseg = spans.reduce((n, sp) => n + 1 + sp.length, 0);
        expect(seg).toHaveLength(nseg);
        expect(new Set(seg.map((m) => m[1])).size).toBe(nseg);
        for (let i = 1; i < seg.length; i++) {
          const a = BigInt('0x' + seg[i - 1]![2]);
          const b = BigInt('0x' + seg[i]![2]);
          expect(a <= b).toBe(true);
          if (a === b) expect(Number(seg[i - 1]![4]) <= 2 || Number(seg[i]![4]) > 2).toBe(true);
        }
        // each freelist holds free tags of its order only, and every free tag is on one
        const frees = seg.filter((m) => m[4] === '3').map((m) => m[1]);
        const listed: string[] = [];
        let order = -1;
        for (const l of fl < 0 ? [] : lines.slice(fl, -1)) {
          const h = /^freelist\[(\d+)\]$/.exec(l);
          if (h) order = Number(h[1]);
          else {
            const m = /^ +0x([0-9a-f]+): [0-9a-f]+ ([0-9a-f]+), 3\(free\)$/.exec(l)!;
            expect(size2order(Number(BigInt('0x' + m[2]) >> 12n))).toBe(order);
            listed.push(m[1]!);
          }
        }
        expect(listed.sort()).toEqual(frees.sort());
        // show vmem: free + inuse = size, and the classes add up to inuse and free
        const summ = await out(s, 'show vmem c1c00000');
        const num = (k: string): bigint => BigInt(new RegExp(` ${k}: +(\\d+)`).exec(summ)![1]!);
        expect(num('free') + num('inuse')).toBe(num('size'));
        const classes = summ.split('\n').slice(8, -1).map((l) => l.trim().split(/\s+/).map(BigInt));
        expect(classes.reduce((t, c) => t + c[2]!, 0n)).toBe(num('inuse'));
        expect(classes.reduce((t, c) => t + c[4]!, 0n)).toBe(num('free'));
        expect(num('free tags')).toBe(BigInt(spares));
      }),
      { numRuns: 60 },
    );
  });

  it('SIZE2ORDER and ORDER2SIZE agree: a size is at least its order\'s size and below the next one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (q) => {
        const o = size2order(q);
        expect(order2size(o) <= q).toBe(true);
        expect(q < order2size(o + 1)).toBe(true);
      }),
    );
  });
});

// ---------------------------------------------------------------- performance

describe('finding a row by its address', () => {
  it('answers exactly for addresses differing only in their high bits, repeated addresses (the last row) and absent ones, in any lookup order', () => {
    const base = freebsd2020Dump();
    const tags = new TableBuilder('struct vmem_btag', { addr: 'u64', arena_row: 'u32', bt_start: 'u64', bt_size: 'u64', bt_type: 'i32' });
    const addrs = [0xffffffff81a00000n, 0x7fffffff81a00000n, 0xffe0000081a00000n, 0xffffffff81a00040n, 0xffffffff81a00000n, 0x1000n, 0xffffffff81a00080n];
    for (const a of addrs) tags.add({ addr: a, arena_row: 0, bt_start: 0x1000n, bt_size: 0x1000n, bt_type: 4 });
    const tables: Table[] = base.tables.filter((t) => t.name !== 'struct vmem_btag');
    tables.push(tags.build());
    const s = freebsd2020Session('ddb', { ...base, tables });
    const rows = structRows(s.target, 'struct vmem_btag');
    const expected = (a: bigint): number => addrs.lastIndexOf(a);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...addrs), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })), { maxLength: 40 }), (asks) => {
        for (const a of asks) {
          expect(rows.rowOf(a)).toBe(expected(a));
          expect(rows.rowOfParts(Number(a >> 32n), Number(a & 0xffffffffn))).toBe(expected(a));
        }
      }),
    );
    expect(rows.rowOf(0xffffffff81a00000n)).toBe(4);
    expect(rows.rowOf(0xffffffff81a00020n)).toBe(-1);
  });
});

describe('a million boundary tags', () => {
  it('opens and validates within 1 s and answers show all vmem within 100 ms after load', { timeout: 120_000 }, async () => {
    const base = freebsd2020Dump();
    const N = 1_000_000;
    const arenas = 4;
    const vmem = new TableBuilder('struct vmem', { addr: 'u64', vm_name: 'str', vm_size: 'u32', vm_inuse: 'u32', vm_quantum_mask: 'u32', vm_quantum_shift: 'i32', vm_nfreetags: 'i32', vm_nbusytag: 'i32', vm_source: 'u64' });
    const tags = new TableBuilder('struct vmem_btag', { addr: 'u64', arena_row: 'u32', bt_start: 'u64', bt_size: 'u64', bt_type: 'i32' });
    const per = N / arenas;
    let row = 0;
    for (let a = 0; a < arenas; a++) {
      // one static span, then alternating busy and free segments of 1..7 pages
      let start = 0x10000000n * BigInt(a + 1);
      const spanRow = row++;
      let size = 0n;
      let inuse = 0n;
      const segs: Array<[bigint, bigint, number]> = [];
      for (let i = 0; i < per - 1; i++) {
        const sz = BigInt(((i * 7) % 7) + 1) * 0x1000n;
        const type = i % 2 === 0 ? 4 : 3;
        segs.push([start, sz, type]);
        if (type === 4) inuse += sz;
        start += sz;
        size += sz;
      }
      tags.add({ addr: 0x80000000n + BigInt(spanRow) * 0x20n, arena_row: a, bt_start: 0x10000000n * BigInt(a + 1), bt_size: size, bt_type: 2 });
      for (const [s, sz, type] of segs) tags.add({ addr: 0x80000000n + BigInt(row++) * 0x20n, arena_row: a, bt_start: s, bt_size: sz, bt_type: type });
      vmem.add({ addr: 0xc1c00000n + BigInt(a) * 0x400n, vm_name: `arena ${a}`, vm_size: size, vm_inuse: inuse, vm_quantum_mask: 0xfff, vm_quantum_shift: 12, vm_nfreetags: 3, vm_nbusytag: Math.ceil((per - 1) / 2), vm_source: a === 0 ? 0n : 0xc1c00000n });
    }
    const tables: Table[] = base.tables.filter((t) => t.name !== 'struct vmem' && t.name !== 'struct vmem_btag');
    tables.push(vmem.build(), tags.build());
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-vmem-')), 'big.dump');
    writeDump(file, { ...base, tables });
    try {
      let t0 = performance.now();
      const model = readDump(file);
      validateAll(model);
      const open = performance.now() - t0;
      const s = createSession(model, file, undefined, { syntax: 'ddb' });
      t0 = performance.now();
      vmemIndex(s.target);
      const index = performance.now() - t0;
      t0 = performance.now();
      const all = await out(s, 'show all vmem');
      const dcmd = performance.now() - t0;
      t0 = performance.now();
      await out(s, 'show vmem c1c00000');
      const one = performance.now() - t0;
      console.log(`1M tags: open+validate ${open.toFixed(0)} ms, index ${index.toFixed(0)} ms, show all vmem ${dcmd.toFixed(1)} ms, show vmem ${one.toFixed(1)} ms`);
      expect(all.match(/^vmem /gm)).toHaveLength(4);
      expect(all).toContain(db('\tbusy tags:\t125000\n'));
      // the times are printed; their targets (1000 ms, 100 ms) are npm run bench's to check, not a unit test's
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});

describe('::whatis', () => {
  it('finds a kernel virtual address in the innermost arena, naming the arena it was imported from', async () => {
    const s = freebsd2020Session('mdb');
    expect(await out(s, 'c4000100::whatis')).toBe("c4000100 is c4000000+100, allocated in vmem arena 'kernel arena dom0' (boundary tag c1d000c0), imported from 'kernel arena'\n");
    expect(await out(s, 'c4800010::whatis')).toBe("c4800010 is c4800000+10, free in vmem arena 'kernel arena' (boundary tag c1d00060)\n");
    expect(await out(s, 'd1000000::whatis')).toBe('d1000000 is unknown\n');
  });
});

describe("the dump's own links", () => {
  it('follows vm_list from the arena no other names, and bt_freelist chains when there are no list heads', async () => {
    const base = freebsd2020Dump();
    const vmemT = base.tables.find((t) => t.name === 'struct vmem')!;
    const tagT = base.tables.find((t) => t.name === 'struct vmem_btag')!;
    // vm_list: dom0 -> kernel -> buffer; kernel arena gets a second free tag, linked before the first on freelist[1]
    const vmem = new TableBuilder('struct vmem', { addr: 'u64', vm_name: 'str', vm_size: 'u32', vm_inuse: 'u32', vm_quantum_mask: 'u32', vm_quantum_shift: 'i32', vm_nfreetags: 'i32', vm_nbusytag: 'i32', 'vm_list.le_next': 'u64' });
    const next: Record<string, bigint> = { [hex(ARENA.dom0)]: ARENA.kernel, [hex(ARENA.kernel)]: ARENA.buffer, [hex(ARENA.buffer)]: 0n };
    for (let r = 0; r < vmemT.rowCount; r++) {
      const col = (k: string): bigint | number | string => (vmemT.columns[k]!.kind === 'str' ? (vmemT.columns[k]!.values as string[])[r]! : (vmemT.columns[k]!.values as ArrayLike<number | bigint>)[r]!);
      const addr = col('addr') as bigint;
      vmem.add({ addr, vm_name: col('vm_name') as string, vm_size: col('vm_size') as number, vm_inuse: col('vm_inuse') as number, vm_quantum_mask: 0xfff, vm_quantum_shift: 12, vm_nfreetags: col('vm_nfreetags') as number, vm_nbusytag: col('vm_nbusytag') as number, 'vm_list.le_next': next[hex(addr)]! });
    }
    const tags = new TableBuilder('struct vmem_btag', { addr: 'u64', arena_row: 'u32', bt_start: 'u64', bt_size: 'u64', bt_type: 'i32', 'bt_freelist.le_next': 'u64' });
    for (let r = 0; r < tagT.rowCount; r++) {
      const v = (k: string): number | bigint => (tagT.columns[k]!.values as ArrayLike<number | bigint>)[r]!;
      // kernel arena: split the 7fe000 busy tail into a free 2000 and a busy rest, linked ahead of tag 3
      if (r === 4) {
        tags.add({ addr: v('addr') as bigint, arena_row: 0, bt_start: 0xc4802000n, bt_size: 0x2000n, bt_type: 3, 'bt_freelist.le_next': tagAddr(3) });
        tags.add({ addr: 0xc1d10000n, arena_row: 0, bt_start: 0xc4804000n, bt_size: 0x7fc000n, bt_type: 4 });
        continue;
      }
      tags.add({ addr: v('addr') as bigint, arena_row: v('arena_row') as number, bt_start: v('bt_start') as bigint, bt_size: v('bt_size') as bigint, bt_type: v('bt_type') as number });
    }
    const tables: Table[] = base.tables.filter((t) => t !== vmemT && t !== tagT);
    tables.push(vmem.build(), tags.build());
    const s = freebsd2020Session('ddb', { ...base, tables });
    expect((await out(s, 'show all vmem')).match(/^vmem .*$/gm)).toEqual([`vmem 0x${hex(ARENA.dom0)} 'kernel arena dom0'`, `vmem 0x${hex(ARENA.kernel)} 'kernel arena'`, `vmem 0x${hex(ARENA.buffer)} 'buffer arena'`]);
    const dump = await out(s, `show vmemdump ${hex(ARENA.kernel)}`);
    expect(dump.slice(dump.indexOf('freelist['))).toBe(db(`freelist[1]\n\t0x${hex(tagAddr(4))}: c4802000 2000, 3(free)\n\t0x${hex(tagAddr(3))}: c4800000 2000, 3(free)\n`));
  });
});
