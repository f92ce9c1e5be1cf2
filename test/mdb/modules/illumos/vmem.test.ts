import { beforeAll, describe, expect, it } from 'vitest';
import { createSession, type MdbSession } from '../../../../src/mdb/session.js';
import { toAddr } from '../../../../src/sim/machine/platform.js';
import { simulate, type RunReport } from '../../../../src/sim/scenario/run.js';
import { vmemState, type Vmem } from '../../../../src/sim/illumos/vmem/arena.js';
import type { VmemSeg } from '../../../../src/sim/illumos/vmem/btag.js';

// The illumos-2911 scenario run to its panic; kmem_default's segments are
// audited (thread, timestamp, stack).
let r: RunReport;
let s: MdbSession;
let A: (kva: number) => bigint;
let arenas: Vmem[];

beforeAll(() => {
  r = simulate('illumos-2911', { sets: [], fixes: [] });
  s = createSession(r.model, 'x.dump');
  A = (kva) => toAddr(r.sys.k.p, kva);
  arenas = vmemState(r.sys.k).list;
});

const h = (v: bigint): string => v.toString(16);
const VMEM_ALLOC = 1;
const VMEM_FREE = 2;
const VMEM_SPAN = 0x10;

async function out(line: string): Promise<string> {
  const res = await s.execute(line);
  if (!res.ok) throw new Error(`'${line}' failed: ${res.errors.join(' / ')}`);
  return res.output;
}

async function walk(line: string): Promise<bigint[]> {
  return (await out(line))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => BigInt(l));
}

const arena = (name: string): Vmem => arenas.find((v) => v.name === name)!;
const depthOf = (v: Vmem): number => (v.source ? 1 + depthOf(v.source) : 0);
/** vm_seg0, then every tag on the arena list (rotor and span markers included). */
const segsOf = (v: Vmem): VmemSeg[] => [v.seg0, ...v.segments()];

function prefix(): Vmem[] {
  const outl: Vmem[] = [];
  const visit = (v: Vmem): void => {
    outl.push(v);
    arenas.filter((c) => c.source === v).forEach(visit);
  };
  arenas.filter((v) => !v.source).forEach(visit);
  return outl;
}

describe('vmem walkers', () => {
  it('vmem walks the arena tree parent first, siblings in vmem_list order', async () => {
    const want = prefix();
    expect(want).toHaveLength(arenas.length);
    expect(await walk('::walk vmem')).toEqual(want.map((v) => A(v.addr)));
    // from an arena, the walk carries on through the rest of the tree
    const i = want.indexOf(arena('kmem_metadata'));
    expect(await walk(`${h(A(arena('kmem_metadata').addr))}::walk vmem`)).toEqual(want.slice(i).map((v) => A(v.addr)));
    expect(await out('::walk vmem | ::print vmem_t vm_name')).toContain('vm_name = [ "kmem_default" ]');
  });

  it('vmem_postfix puts every arena after its children', async () => {
    const order = await walk('::walk vmem_postfix');
    expect(sortedCopy(order)).toEqual(sortedCopy(arenas.map((v) => A(v.addr))));
    for (const v of arenas) if (v.source) expect(order.indexOf(A(v.addr))).toBeLessThan(order.indexOf(A(v.source.addr)));
  });

  it('vmem_seg follows vs_anext from vm_seg0 round to it again, stock segments excluded', async () => {
    for (const v of arenas) {
      expect(await walk(`${h(A(v.addr))}::walk vmem_seg`), v.name).toEqual(segsOf(v).map((g) => A(g.addr)));
    }
    const stock = new Set<bigint>();
    for (const v of arenas) for (let g = v.segfree; g; g = g.knext) stock.add(A(g.addr));
    for (let g = vmemState(r.sys.k).segfree; g; g = g.knext) stock.add(A(g.addr));
    expect(stock.size).toBeGreaterThan(0);
    const all = (await Promise.all(arenas.map((v) => walk(`${h(A(v.addr))}::walk vmem_seg`)))).flat();
    expect(all.filter((a) => stock.has(a))).toEqual([]);
    expect((await s.execute('::walk vmem_seg')).errors).toEqual(['mdb: vmem_seg does not support global walks']);
    expect((await s.execute('::walk vmem_alloc')).errors).toEqual(['mdb: vmem_alloc does not support global walks']);
  });

  it('vmem_alloc, vmem_free and vmem_span keep one type; their sizes add up to the kstats', async () => {
    for (const v of arenas) {
      const a = h(A(v.addr));
      for (const [w, t] of [['vmem_alloc', VMEM_ALLOC], ['vmem_free', VMEM_FREE], ['vmem_span', VMEM_SPAN]] as const) {
        expect(await walk(`${a}::walk ${w}`), `${v.name} ${w}`).toEqual(segsOf(v).filter((g) => g.type === t).map((g) => A(g.addr)));
      }
      const size = (t: number) => segsOf(v).filter((g) => g.type === t).reduce((n, g) => n + (g.end - g.start), 0);
      expect(size(VMEM_ALLOC), v.name).toBe(v.kstat.vk_mem_inuse);
      expect(size(VMEM_SPAN), v.name).toBe(v.kstat.vk_mem_total);
    }
  });
});

function sortedCopy(xs: bigint[]): bigint[] {
  return [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('::vmem', () => {
  it('prints every arena with its kstats, names indented 2 per level', async () => {
    const res = await s.execute('::vmem', { json: true });
    const rows = (res.json[0] as { results: Array<{ rows: Array<Record<string, unknown>> }> }).results[0]!.rows;
    expect(rows.map((x) => x['name'])).toEqual(prefix().map((v) => v.name));
    for (const v of arenas) {
      const row = rows.find((x) => x['name'] === v.name)!;
      expect(row).toMatchObject({
        addr: `0x${h(A(v.addr))}`,
        label: (' '.repeat(2 * depthOf(v)) + v.name).slice(0, 21),
        memInUse: v.kstat.vk_mem_inuse,
        memTotal: v.kstat.vk_mem_total,
        allocSucceed: v.kstat.vk_alloc,
        allocFail: v.kstat.vk_fail,
      });
    }
  });

  it("lays out mdb's columns", async () => {
    const lines = (await out('::vmem')).trimEnd().split('\n');
    expect(lines[0]).toBe('ADDR             NAME                        INUSE        TOTAL   SUCCEED  FAIL');
    const heap = arena('heap');
    const k = heap.kstat;
    expect(lines[1]).toBe(`${h(A(heap.addr))} ${'heap'.padEnd(22)} ${String(k.vk_mem_inuse).padStart(10)} ${String(k.vk_mem_total).padStart(12)} ${String(k.vk_alloc).padStart(9)} ${String(k.vk_fail).padStart(5)}`);
    const def = arena('kmem_default');
    expect(lines).toContain(
      `${h(A(def.addr))} ${'    kmem_default'.padEnd(22)} ${String(def.kstat.vk_mem_inuse).padStart(10)} ${String(def.kstat.vk_mem_total).padStart(12)} ${String(def.kstat.vk_alloc).padStart(9)} ${String(def.kstat.vk_fail).padStart(5)}`,
    );
    expect(await out('::walk vmem | ::vmem')).toBe(await out('::vmem'));
    const one = (await out(`${h(A(def.addr))}::vmem`)).trimEnd().split('\n');
    expect(one).toHaveLength(2);
    expect(one[1]).toMatch(/^\w{16} {5}kmem_default /);
  });
});

describe('::vmem_seg', () => {
  /** kmem_default: audited slab allocations, free space, span markers. */
  const KD = (): string => h(A(arena('kmem_default').addr));

  it("prints mdb's row: type, start, end and the first caller outside vmem", async () => {
    const v = arena('kmem_default');
    const lines = (await out(`${KD()}::walk vmem_seg | ::vmem_seg`)).trimEnd().split('\n');
    expect(lines[0]).toBe('            ADDR TYPE            START              END WHO');
    expect(lines).toHaveLength(segsOf(v).length + 1);
    const p = (x: number) => h(A(x)).padStart(16, '0');
    const alloc = segsOf(v).find((g) => g.type === VMEM_ALLOC && g.depth > 0)!;
    const caller = alloc.stack!.map((pc) => A(pc)).find((pc) => !s.target.symbolAt(pc)!.sym.name.startsWith('vmem_'))!;
    expect(lines).toContain(`${p(alloc.addr)} ALLC ${p(alloc.start)} ${p(alloc.end)} ${s.target.formatAddr(caller)}`);
    expect(lines[1]).toBe(`${p(v.seg0.addr)} SPAN 0000000000000000 0000000000000000`);
    expect(lines).toContain(`${p(v.rotor.addr)} ROTR 0000000000000000 0000000000000000`);
  });

  it('filters by type and size, and prints sizes with -s', async () => {
    const v = arena('kmem_default');
    const allocs = segsOf(v).filter((g) => g.type === VMEM_ALLOC);
    const big = allocs.filter((g) => g.end - g.start >= 0x2000);
    expect(big.length).toBeGreaterThan(0);
    const lines = (await out(`${KD()}::walk vmem_seg | ::vmem_seg -s -T ALLOC -m 2000`)).trimEnd().split('\n');
    expect(lines[0]).toBe('            ADDR TYPE            START             SIZE WHO');
    expect(lines.slice(1).map((l) => BigInt('0x' + l.slice(0, 16)))).toEqual(big.map((g) => A(g.addr)));
    expect(lines[1]!.slice(39, 55)).toBe((big[0]!.end - big[0]!.start).toString(16).padStart(16, '0'));
    // piped on, the surviving segments' addresses flow to the next stage
    const heap = arena('heap');
    const free = segsOf(heap).filter((g) => g.type === VMEM_FREE);
    expect(free.length).toBeGreaterThan(0);
    const piped = (await out(`${h(A(heap.addr))}::walk vmem_seg | ::vmem_seg -T FREE | ::print -a vmem_seg_t vs_end`)).trimEnd().split('\n');
    expect(piped).toEqual(free.map((g) => `${h(A(g.addr) + 8n)} vs_end = 0x${h(A(g.end))}`));
    expect((await s.execute(`${KD()}::walk vmem_seg | ::vmem_seg -T BOGUS`)).errors[0]).toBe('mdb: "BOGUS" is not a recognized vmem_seg type');
  });

  it('keeps only debug ALLOC segments under -c, -t, -e and -l', async () => {
    const v = arena('kmem_default');
    const audited = segsOf(v).filter((g) => g.type === VMEM_ALLOC && g.depth > 0);
    expect(audited.length).toBeGreaterThan(0);
    const fn = 'kmem_slab_create';
    const sym = s.target.lookupSymbol(fn)!;
    const byCaller = audited.filter((g) => g.stack!.some((pc) => A(pc) >= sym.addr && A(pc) < sym.addr + sym.size));
    const rows = (await out(`${KD()}::walk vmem_seg | ::vmem_seg -c ${fn}`)).trimEnd().split('\n').slice(1);
    expect(rows.map((l) => BigInt('0x' + l.slice(0, 16)))).toEqual(byCaller.map((g) => A(g.addr)));
    const t = audited[0]!.thread;
    const byThread = audited.filter((g) => g.thread === t);
    const trows = (await out(`${KD()}::walk vmem_seg | ::vmem_seg -t ${h(A(t))}`)).trimEnd().split('\n').slice(1);
    expect(trows).toHaveLength(byThread.length);
    const ts = audited[0]!.timestamp;
    const late = audited.filter((g) => g.timestamp >= ts);
    const erows = (await out(`${KD()}::walk vmem_seg | ::vmem_seg -e 0t${ts}`)).trimEnd().split('\n').slice(1);
    expect(erows).toHaveLength(late.length);
  });

  it('-v prints every field and the stack indented 17', async () => {
    const v = arena('kmem_default');
    const g = segsOf(v).find((x) => x.type === VMEM_ALLOC && x.depth > 0)!;
    const lines = (await out(`${h(A(g.addr))}::vmem_seg -v`)).split('\n');
    expect(lines[0]).toBe('            ADDR TYPE            START              END             SIZE');
    expect(lines[1]).toBe('                                THREAD        TIMESTAMP');
    expect(lines[2]).toBe(`${h(A(g.addr)).padStart(16)} ALLC ${h(A(g.start)).padStart(16)} ${h(A(g.end)).padStart(16)} ${String(g.end - g.start).padStart(16)}`);
    expect(lines[3]).toBe(`${''.padStart(21)} ${h(A(g.thread)).padStart(16)} ${g.timestamp.toString(16).padStart(16)}`);
    expect(lines.slice(4, 4 + g.depth)).toEqual(g.stack!.map((pc) => ' '.repeat(17) + s.target.formatAddr(A(pc))));
    expect(lines[4 + g.depth]).toBe('');
  });

  it('needs an address', async () => {
    const res = await s.execute('::vmem_seg');
    expect(res.usage).toBe(true);
    expect(res.errors[0]).toMatch(/^Usage: address::vmem_seg /);
  });
});
