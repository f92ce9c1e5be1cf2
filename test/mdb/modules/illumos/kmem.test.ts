import { beforeAll, describe, expect, it } from 'vitest';
import { BUFSTATE_ALLOC, BUFSTATE_MAGAZINE, BUFSTATE_SLAB_FREE, type DumpModel, type Table } from '../../../../src/dump/format.js';
import { wastePercent } from '../../../../src/mdb/modules/illumos/kmem/kmem_slabs.js';
import { createSession, type MdbSession } from '../../../../src/mdb/session.js';
import { toAddr } from '../../../../src/sim/machine/platform.js';
import { partialSlabs } from '../../../../src/sim/illumos/kmem/kmem.js';
import type { KmemCache, Slab } from '../../../../src/sim/illumos/kmem/types.js';
import { simulate, type RunReport } from '../../../../src/sim/scenario/run.js';

// The illumos-2911 scenario run to its panic: blkdev0_xfer and
// rootnex_dmahdl have failed allocations, DEBUG flags are on (020f).
let r: RunReport;
let s: MdbSession;
let A: (kva: number) => bigint;

beforeAll(() => {
  r = simulate('illumos-2911', { sets: [], fixes: [] });
  s = createSession(r.model, 'x.dump');
  A = (kva) => toAddr(r.sys.k.p, kva);
});

const h = (v: bigint): string => v.toString(16);
const sorted = (xs: bigint[]): bigint[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

async function out(line: string): Promise<string> {
  const res = await s.execute(line);
  if (!res.ok) throw new Error(`'${line}' failed: ${res.errors.join(' / ')}`);
  return res.output;
}

async function errors(line: string): Promise<string[]> {
  return (await s.execute(line)).errors;
}

/** The addresses a walk prints. */
async function walk(line: string): Promise<bigint[]> {
  return (await out(line))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => BigInt(l));
}

/** The structured results of one command (--json). */
async function json(line: string): Promise<Array<{ type: string; rows?: Array<Record<string, unknown>>; data?: unknown; text?: string }>> {
  const res = await s.execute(line, { json: true });
  if (!res.ok) throw new Error(`'${line}' failed: ${res.errors.join(' / ')}`);
  return (res.json[0] as { results: never[] }).results;
}

const cache = (name: string): KmemCache => r.sys.km.caches.find((c) => c.cache_name === name)!;
const slabsOf = (cp: KmemCache): Slab[] => [...cp.complete, ...partialSlabs(cp)];
const bufsOf = (cp: KmemCache, state: number): bigint[] => slabsOf(cp).flatMap((sp) => sp.bufs.filter((b) => b.state === state).map((b) => A(b.addr)));

interface KmastatJson {
  caches: Array<{ addr: string; name: string; arena: string; bufSize: number; bufInUse: number; bufTotal: number; memInUse: number; allocSucceed: number; allocFail: number }>;
  totals: Array<{ arena: string; name: string; memInUse: number; allocSucceed: number; allocFail: number }>;
  vmem: Array<{ addr: string; name: string; depth: number; memInUse: number }>;
}

describe('::kmastat', () => {
  it('agrees with the simulator for every cache', async () => {
    const d = (await json('::kmastat'))[0]!.data as KmastatJson;
    expect(d.caches.map((c) => c.name)).toEqual(r.sys.km.caches.map((c) => c.cache_name));
    for (const cp of r.sys.km.caches) {
      const c = d.caches.find((x) => x.name === cp.cache_name)!;
      expect(c.addr).toBe(`0x${h(A(cp.addr))}`);
      expect(c.bufSize).toBe(cp.cache_bufsize);
      expect(c.bufTotal).toBe(cp.cache_buftotal);
      // in use: neither free in a slab nor parked in a magazine
      expect(c.bufInUse, cp.cache_name).toBe(bufsOf(cp, BUFSTATE_ALLOC).length);
      expect(c.memInUse).toBe((cp.cache_slab_create - cp.cache_slab_destroy) * cp.cache_slabsize);
      const ccAlloc = cp.cache_cpu.reduce((a, cc) => a + cc.cc_alloc, 0);
      expect(c.allocSucceed).toBe(cp.cache_slab_alloc + cp.cache_full.alloc + ccAlloc);
      expect(c.allocFail).toBe(cp.cache_alloc_fail);
    }
    // the disk whose xfer constructor failed is the seed's to decide
    const bd = d.caches.find((c) => /^blkdev\d_xfer$/.test(c.name) && c.allocFail > 0)!;
    expect(bd.allocFail).toBeGreaterThan(0);
    expect(bd.allocFail).toBe(cache(bd.name).cache_alloc_fail);
  });

  it('totals the caches of each backing arena, in vmem walk order', async () => {
    const d = (await json('::kmastat'))[0]!.data as KmastatJson;
    const order = d.vmem.map((v) => v.addr);
    expect(d.totals.map((t) => order.indexOf(t.arena))).toEqual([...d.totals.map((t) => order.indexOf(t.arena))].sort((a, b) => a - b));
    for (const t of d.totals) {
      const mine = d.caches.filter((c) => c.arena === t.arena);
      expect(t.memInUse).toBe(mine.reduce((a, c) => a + c.memInUse, 0));
      expect(t.allocSucceed).toBe(mine.reduce((a, c) => a + c.allocSucceed, 0));
      expect(t.allocFail).toBe(mine.reduce((a, c) => a + c.allocFail, 0));
      expect(t.allocSucceed).toBeGreaterThan(0);
    }
    expect(d.totals.map((t) => t.name)).toContain('kmem_default');
  });

  it('lays out both sections as mdb does', async () => {
    const lines = (await out('::kmastat')).split('\n');
    const dash = '------------------------- ------ ------ ------ ---------- --------- -----';
    expect(lines.slice(0, 3)).toEqual([
      'cache                        buf    buf    buf    memory     alloc alloc',
      'name                        size in use  total    in use   succeed  fail',
      dash,
    ]);
    const cp = cache('blkdev0_xfer');
    const inUse = bufsOf(cp, BUFSTATE_ALLOC).length;
    const mem = (cp.cache_slab_create - cp.cache_slab_destroy) * cp.cache_slabsize;
    const alloc = cp.cache_slab_alloc + cp.cache_full.alloc + cp.cache_cpu.reduce((a, cc) => a + cc.cc_alloc, 0);
    const row = `${'blkdev0_xfer'.padEnd(25)} ${String(cp.cache_bufsize).padStart(6)} ${String(inUse).padStart(6)} ${String(cp.cache_buftotal).padStart(6)} ${String(mem).padStart(10)}B ${String(alloc).padStart(9)} ${String(cp.cache_alloc_fail).padStart(5)}`;
    expect(lines).toContain(row);
    // the cache rows, a dash line, the Total rows, a dash line, a blank line
    const n = r.sys.km.caches.length;
    expect(lines[3 + n]).toBe(dash);
    const totals = lines.slice(4 + n, lines.indexOf(dash, 4 + n));
    expect(totals.length).toBeGreaterThan(0);
    for (const t of totals) expect(t).toMatch(/^Total \[\w+\]\s+\d+B +\d+ +\d+$/);
    const def = totals.find((t) => t.startsWith('Total [kmem_default]'))!;
    expect(def.indexOf('B ')).toBe(57); // the memory column ends where the cache rows' does
    const v = lines.indexOf('', 4 + n);
    expect(lines.slice(v + 1, v + 4)).toEqual([
      'vmem                         memory     memory    memory     alloc alloc',
      'name                         in use      total    import   succeed  fail',
      '------------------------- ---------- ----------- ---------- --------- -----',
    ]);
    expect(lines[v + 4]).toMatch(/^heap {21} *\d+B +\d+B +0B +\d+ +\d+$/);
    // the name is indented 4 per import level inside its 25 columns
    const named = (indent: number, name: string) => lines.find((l) => l.startsWith(' '.repeat(indent) + name + ' '))?.slice(0, 26);
    expect(named(4, 'kmem_va')).toBe(`    ${'kmem_va'.padEnd(21)} `);
    expect(named(8, 'kmem_default')).toBe(`        ${'kmem_default'.padEnd(17)} `);
    expect(named(8, 'vmem_seg')).toBe(`        ${'vmem_seg'.padEnd(17)} `);
    expect(lines.at(-2)).toBe('------------------------- ---------- ----------- ---------- --------- -----');
  });

  it('prints memory in K, M or G with -k, -m, -g', async () => {
    const cp = cache('blkdev0_xfer');
    const mem = (cp.cache_slab_create - cp.cache_slab_destroy) * cp.cache_slabsize;
    const row = (await out('::kmastat -k')).split('\n').find((l) => l.startsWith('blkdev0_xfer '))!;
    expect(row.slice(47, 58)).toBe(`${String(mem >> 10).padStart(10)}K`);
    expect((await out('::kmastat -g')).split('\n').find((l) => l.startsWith('heap '))).toMatch(/^heap +\d+G +\d+G +0G/);
    // a dcmd that takes no address: DCMD_USAGE, mdb_dcmd_usage()'s lines and no warning
    expect(await errors('1::kmastat')).toEqual(['Usage: kmastat [-kmgG]', "mdb: try '::help kmastat' for more information"]);
  });
});

describe('::kmem_cache', () => {
  it('prints one row per cache, flags as 4 and 6 hex digits, the header once', async () => {
    const text = await out('::kmem_cache');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('ADDR             NAME                      FLAG  CFLAG  BUFSIZE  BUFTOTL');
    expect(lines.length).toBe(r.sys.km.caches.length + 1);
    const cp = cache('blkdev0_xfer');
    expect(lines).toContain(`${h(A(cp.addr))} blkdev0_xfer              020f 000000      152 ${String(cp.cache_buftotal).padStart(8)}`);
    expect(await out('::walk kmem_cache | ::kmem_cache')).toBe(text);
  });

  it('gives structured rows and passes typed addresses down a pipe', async () => {
    const rows = (await json('::kmem_cache'))[0]!.rows!;
    expect(rows.map((x) => x['name'])).toEqual(r.sys.km.caches.map((c) => c.cache_name));
    const bd = rows.find((x) => x['name'] === 'blkdev0_xfer')!;
    expect(bd).toMatchObject({ flags: '0x20f', cflags: '0x0', bufSize: 152 });
    expect(await out('::kmem_cache -n blkdev | ::print kmem_cache_t cache_flags')).toBe('cache_flags = 0x20f\ncache_flags = 0x20f\n');
  });

  it('prints just the cache at an address, and filters by name', async () => {
    const cp = cache('rootnex_dmahdl');
    const one = (await out(`${h(A(cp.addr))}::kmem_cache`)).trimEnd().split('\n');
    expect(one).toHaveLength(2);
    expect(one[1]).toMatch(new RegExp(`^${h(A(cp.addr))} rootnex_dmahdl `));
    const f = (await out('::kmem_cache -n kmem_alloc_1')).trimEnd().split('\n').slice(1);
    expect(f.map((l) => l.split(/\s+/)[1])).toEqual(r.sys.km.caches.map((c) => c.cache_name).filter((n) => n.includes('kmem_alloc_1')));
    // mdb prints the header before it filters
    expect(await out('::kmem_cache -n no_such_cache')).toBe('ADDR             NAME                      FLAG  CFLAG  BUFSIZE  BUFTOTL\n');
    expect(await errors('0::kmem_cache')).toEqual(["mdb: couldn't read kmem_cache at 0"]);
  });
});

describe('kmem walkers', () => {
  it('kmem_cache walks every cache in list order, typed for ::print', async () => {
    expect(await walk('::walk kmem_cache')).toEqual(r.sys.km.caches.map((c) => A(c.addr)));
    const names = (await out('::walk kmem_cache | ::print kmem_cache_t cache_name')).trimEnd().split('\n');
    // kmem_cache_init() creates the magazine caches first
    expect(names[0]).toBe('cache_name = [ "kmem_magazine_1" ]');
    expect(names).toHaveLength(r.sys.km.caches.length);
  });

  it('kmem_cpu_cache needs a cache and yields one per CPU', async () => {
    expect(await errors('::walk kmem_cpu_cache')).toEqual(["mdb: kmem_cpu_cache doesn't support global walks"]);
    const cp = cache('blkdev0_xfer');
    expect(await walk(`${h(A(cp.addr))}::walk kmem_cpu_cache`)).toEqual(cp.cache_cpu.map((cc) => A(cc.addr)));
    const rounds = await out(`${h(A(cp.addr))}::walk kmem_cpu_cache | ::print kmem_cpu_cache_t cc_alloc`);
    expect(rounds).toBe(cp.cache_cpu.map((cc) => `cc_alloc = 0x${cc.cc_alloc.toString(16)}\n`).join(''));
  });

  it('kmem_slab yields complete then partial slabs; kmem_slab_partial the partial ones (or one complete)', async () => {
    for (const name of ['blkdev0_xfer', 'kmem_alloc_128', 'kmem_alloc_16384']) {
      const cp = cache(name);
      const a = h(A(cp.addr));
      // complete slabs in list order, then the partial AVL tree in order:
      // kmem_partial_slab_cmp() puts more allocated slabs first, then by address
      const avl = [...partialSlabs(cp)].sort((x, y) => y.refcnt - x.refcnt || x.addr - y.addr);
      expect(await walk(`${a}::walk kmem_slab`)).toEqual([...cp.complete, ...avl].map((sp) => A(sp.addr)));
      const partial = [...partialSlabs(cp)].map((sp) => A(sp.addr));
      const first = [...cp.complete][0];
      expect(await walk(`${a}::walk kmem_slab_partial`)).toEqual(partial.length > 0 ? partial : first ? [A(first.addr)] : []);
    }
    expect(await errors('::walk kmem_slab')).toEqual(["mdb: kmem_slab doesn't support global walks"]);
  });

  it('a walker per cache walks its allocated buffers in address order', async () => {
    // the busiest cache whose buffers span several slabs
    const cp = [...r.sys.km.caches].sort((a, b) => bufsOf(b, BUFSTATE_ALLOC).length - bufsOf(a, BUFSTATE_ALLOC).length).find((c) => slabsOf(c).length > 2)!;
    const want = sorted(bufsOf(cp, BUFSTATE_ALLOC));
    expect(want.length).toBeGreaterThan(10);
    expect(await walk(`::walk ${cp.cache_name}`)).toEqual(want);
    expect(await walk('::walk blkdev0_xfer')).toEqual(sorted(bufsOf(cache('blkdev0_xfer'), BUFSTATE_ALLOC)));
    expect(await walk(`${h(A(cp.addr))}::walk kmem`)).toEqual(want);
    // the cache is fixed when the walker is made: an address is ignored
    expect(await walk(`${h(A(cache('zio_cache').addr))}::walk ${cp.cache_name}`)).toEqual(want);
    expect(s.registry.walker('kmem_alloc_32')?.description).toBe('walk the kmem_alloc_32 cache');
    for (const c of r.sys.km.caches) expect(s.registry.walker(c.cache_name), c.cache_name).toBeDefined();
    expect(s.registry.moduleOf('blkdev0_xfer')).toBe('genunix'); // kmem.c is part of mdb's genunix module
  });

  it('freemem reports magazine rounds, then free slab chunks; bufctl the allocated bufctls', async () => {
    const cp = cache('kmem_alloc_64');
    const a = h(A(cp.addr));
    const mag = sorted(bufsOf(cp, BUFSTATE_MAGAZINE));
    const slab = sorted(bufsOf(cp, BUFSTATE_SLAB_FREE));
    expect(await walk(`${a}::walk freemem`)).toEqual([...mag, ...slab]);
    const ctl = new Map(slabsOf(cp).flatMap((sp) => sp.bufs.map((b) => [A(b.addr), A(b.bufctl)] as const)));
    expect(await walk(`${a}::walk bufctl`)).toEqual(sorted(bufsOf(cp, BUFSTATE_ALLOC)).map((b) => ctl.get(b)!));
    expect(await walk(`${a}::walk freectl`)).toEqual([...mag, ...slab].map((b) => ctl.get(b)!));
  });

  it('kmem without a cache walks every cache but the NOTOUCH ones', async () => {
    const all = await walk('::walk kmem');
    const want = r.sys.km.caches.filter((c) => (c.cache_cflags & 0x10000) === 0).flatMap((c) => sorted(bufsOf(c, BUFSTATE_ALLOC)));
    expect(all).toEqual(want);
    expect(await errors('1234::walk kmem')).toEqual(["mdb: couldn't read cache at addr 1234"]);
  });
});

describe('::kmem_slabs', () => {
  it('counts slabs, partial slabs and unused buffers per cache', async () => {
    const res = await json('::kmem_slabs');
    const data = res.map((x) => x.data as { name: string; slabs: number; partialSlabs: number; buffers: number; unusedBuffers: number; waste: string });
    expect(data.map((d) => d.name)).toEqual(r.sys.km.caches.map((c) => c.cache_name));
    for (const cp of r.sys.km.caches) {
      const d = data.find((x) => x.name === cp.cache_name)!;
      const sl = slabsOf(cp);
      expect(d.slabs).toBe(sl.length);
      expect(d.partialSlabs).toBe(cp.npartial);
      expect(d.buffers).toBe(cp.cache_buftotal);
      expect(d.unusedBuffers).toBe(sl.reduce((a, sp) => a + sp.chunks - sp.refcnt, 0));
      expect(d.unusedBuffers).toBe(cp.cache_bufslab);
    }
  });

  it('prints mdb\'s header and rows, -v lists the partial slabs', async () => {
    const cp = cache('kmem_alloc_128');
    const lines = (await out('::kmem_slabs -N kmem_alloc_128 -v')).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '                                    Partial              Unused',
      'Cache Name                   Slabs    Slabs   Buffers   Buffers  Waste',
      '------------------------- -------- -------- --------- --------- ------',
    ]);
    const sl = slabsOf(cp);
    const unused = sl.reduce((a, sp) => a + sp.chunks - sp.refcnt, 0);
    expect(lines[3]).toBe(
      `${'kmem_alloc_128'.padEnd(25)} ${String(sl.length).padStart(8)} ${String(cp.npartial).padStart(8)} ${String(cp.cache_buftotal).padStart(9)} ${String(unused).padStart(9)} ${wastePercent(BigInt(unused), BigInt(cp.cache_buftotal))}`,
    );
    const partial = [...partialSlabs(cp)];
    if (partial.length > 0) {
      expect(lines[4]).toBe(`  ${sl.length - partial.length} complete (${cp.cache_maxchunks}), ${partial.length} partial: ${partial.map((p) => p.refcnt).join(' ')}`);
      expect(lines[5]).toBe('');
    }
  });

  it('draws the allocated-per-slab histogram with -b', async () => {
    const cp = cache('kmem_alloc_128');
    const lines = (await out('::kmem_slabs -N kmem_alloc_128 -b 4')).split('\n');
    expect(lines[5]).toBe('  Allocated');
    expect(lines[6]).toBe('    Buffers  ------------------ Distribution ------------------ Slabs');
    expect(lines[7]).toMatch(new RegExp(`^ {${11 - String(cp.cache_maxchunks).length}}${cp.cache_maxchunks} \\|@* +${cp.complete.size}$`));
    expect(lines.slice(7, 11).every((l) => l.length > 60)).toBe(true);
  });

  it('rounds the waste as mdb does', () => {
    expect(wastePercent(37n, 1008n)).toBe('  3.7%');
    expect(wastePercent(0n, 0n)).toBe('  0.0%');
    expect(wastePercent(1n, 1n)).toBe('100.0%');
    expect(wastePercent(999n, 1000n)).toBe(' 99.9%');
    expect(wastePercent(9995n, 10000n)).toBe('100.0%');
  });
});

describe('performance', () => {
  /** The dump with a million buffers and sixty thousand slabs added, spread over the caches. */
  function bigModel(base: DumpModel): DumpModel {
    const N = 1_000_000;
    const S = 60_000;
    const caches = base.tables.find((t) => t.name === 'kmem_cache_t')!;
    const caddr = caches.columns['addr']!.values as BigUint64Array;
    const nc = caches.rowCount;
    const baddr = new BigUint64Array(N);
    const row = new Uint32Array(N);
    const state = new Uint8Array(N);
    for (let i = 0; i < N; i++) {
      baddr[i] = 0xffffff8000000000n + BigInt(i) * 64n;
      row[i] = i % nc;
      // every cache gets all three states whatever the number of caches
      state[i] = Math.floor(i / nc) % 3;
    }
    const empty = (of: 'u32' | 'u64') => ({ kind: 'list' as const, of, offsets: new Uint32Array(N + 1), values: of === 'u32' ? new Uint32Array(0) : new BigUint64Array(0) });
    const buffers: Table = {
      name: 'buffers',
      rowCount: N,
      columns: {
        addr: { kind: 'u64', values: baddr },
        cache_row: { kind: 'u32', values: row },
        state: { kind: 'u8', values: state },
        fill: { kind: 'u8', values: new Uint8Array(N) },
        bufctl: { kind: 'u64', values: new BigUint64Array(N) },
        ptr_offs: empty('u32'),
        ptr_vals: empty('u64'),
      },
    };
    const old = base.tables.find((t) => t.name === 'kmem_slab_t')!;
    const slabCols: Table['columns'] = {};
    for (const [k, c] of Object.entries(old.columns)) {
      if (c.kind !== 'u64') continue;
      const v = new BigUint64Array(old.rowCount + S);
      v.set(c.values as BigUint64Array);
      for (let i = 0; i < S; i++) {
        const j = old.rowCount + i;
        v[j] = k === 'addr' ? 0xffffff9000000000n + BigInt(i) * 128n : k === 'slab_cache' ? caddr[i % nc]! : k === 'slab_chunks' ? 20n : k === 'slab_refcnt' ? BigInt(i % 21) : 0n;
      }
      slabCols[k] = { kind: 'u64', values: v };
    }
    const slabs: Table = { name: 'kmem_slab_t', rowCount: old.rowCount + S, columns: slabCols };
    return { ...base, tables: base.tables.map((t) => (t.name === 'buffers' ? buffers : t.name === 'kmem_slab_t' ? slabs : t)) };
  }

  it('::kmastat and a per-cache walk work on a dump of a million buffers (timed by npm run bench)', async () => {
    const big = createSession(bigModel(r.model), 'big.dump');
    const res = await big.execute('::kmastat');
    expect(res.ok).toBe(true);
    // a per-cache walk sorts that cache's buffers once, by runs
    const w = await big.execute('::walk kmem_alloc_32');
    expect(w.output.split('\n').length).toBeGreaterThan(1000);
  });
});

describe('::whatis', () => {
  it('names threads, symbols, audited buffers, vmem segments and unknown addresses (structured)', async () => {
    const { whatis } = await import('../../../../src/mdb/modules/illumos/kmem/whatis.js');
    const t = s.target;
    const thr = BigInt('0x' + r.model.header.panic!.thread);
    expect(whatis(t, thr)).toEqual([{ kind: 'thread', addr: thr, base: thr }]);
    const flags = t.symbolAddr('kmem_flags');
    expect(whatis(t, flags)[0]).toMatchObject({ kind: 'symbol', name: 'kmem_flags', offset: 0n });
    expect(whatis(t, 0x1234n)).toEqual([{ kind: 'unknown', addr: 0x1234n }]);
    const [bc] = await walk('::kmem_cache -n zio_cache | ::walk bufctl');
    const buf = t.readPtr(bc! + 8n);
    const hit = whatis(t, buf + 0x10n)[0]!;
    expect(hit).toMatchObject({ kind: 'kmem', base: buf, cacheName: 'zio_cache', allocated: true, bufctl: bc, audit: true });
    const cache = (await walk('::walk kmem_cache'))[0]!;
    expect(whatis(t, cache + 0x10n)[0]).toMatchObject({ kind: 'vmem', base: cache, allocated: true });
  });

  it('prints mdb\'s lines, sorts piped addresses, and appends ::bufctl -v for AUDIT caches', async () => {
    const thr = r.model.header.panic!.thread;
    expect(await out(`${thr}::whatis`)).toBe(`${thr} is allocated as a thread structure\n`);
    const lines = (await out('::walk thread | ::whatis')).trimEnd().split('\n');
    const addrs = lines.map((l) => BigInt('0x' + l.split(' ')[0]));
    expect(addrs).toEqual(sorted(addrs));
    expect(lines.every((l) => l.endsWith('allocated as a thread structure'))).toBe(true);
    const [bc] = await walk('::kmem_cache -n zio_cache | ::walk bufctl');
    const buf = s.target.readPtr(bc! + 8n);
    const txt = await out(`${h(buf + 0x10n)}::whatis`);
    expect(txt.split('\n')[0]).toBe(`${h(buf + 0x10n)} is ${h(buf)}+10, allocated from zio_cache:`);
    // the record follows unindented, as ::bufctl -v prints it
    expect(txt).toContain(`\n${h(bc!)} ${h(buf)}`);
    expect(await out(`${h(buf + 0x10n)}::whatis -q`)).toBe(`${h(buf + 0x10n)} is ${h(buf)}+10, bufctl ${h(bc!)} allocated from zio_cache\n`);
  });
});

describe('::bufctl', () => {
  it('reads the audit record with its stack from the stacks table', async () => {
    const { readBufctl, bufctlCaller } = await import('../../../../src/mdb/modules/illumos/kmem/bufctl.js');
    const [bc] = await walk('::kmem_cache -n zio_cache | ::walk bufctl');
    const rec = readBufctl(s.target, bc!);
    expect(rec.bc_addr).toBe(s.target.readPtr(bc! + 8n));
    expect(rec.bc_stack.length).toBeGreaterThan(2);
    expect(s.target.formatAddr(rec.bc_stack[0]!)).toMatch(/^kmem_/);
    const caller = bufctlCaller(s.target, rec.bc_stack)!;
    expect(s.target.formatAddr(caller)).not.toMatch(/^kmem_/);
  });

  it('prints the header once in a pipe, filters, and lays out -v as mdb', async () => {
    const bcs = await walk('::kmem_cache -n zio_cache | ::walk bufctl');
    const tbl = (await out('::kmem_cache -n zio_cache | ::walk bufctl | ::bufctl')).trimEnd().split('\n');
    expect(tbl[0]).toBe('ADDR             BUFADDR          TIMESTAMP    THREAD           CALLER');
    expect(tbl.length).toBe(bcs.length + 1);
    expect(tbl[1]!.startsWith(h(bcs[0]!) + ' ')).toBe(true);
    // a filter that matches nothing leaves the header only
    expect((await out('::kmem_cache -n zio_cache | ::walk bufctl | ::bufctl -t 1')).trimEnd().split('\n')).toHaveLength(1);
    const v = (await out(`${h(bcs[0]!)}::bufctl -v`)).split('\n');
    expect(v[0]).toBe('            ADDR          BUFADDR        TIMESTAMP           THREAD');
    expect(v[1]).toBe('                            CACHE          LASTLOG         CONTENTS');
    expect(v[2]!.startsWith(h(bcs[0]!))).toBe(true);
    expect(v[4]!.startsWith(' '.repeat(17) + 'kmem_')).toBe(true);
    expect(v.at(-2)).toBe('');
  });
});
