/*
 * Pages with an identity (vm/page.ts): after a whole #2911 run, every page
 * frame is named and in use or on exactly one free list, freemem is the
 * pages on those lists, the kernel's pages are at least what segkmem's
 * arenas imported, and ::memstat on the dump made from the same machine
 * counts the same pages by vnode.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../../src/sim/scenario/run.js';
import type { IllumosSystem } from '../../../../src/sim/illumos/system.js';
import { pageSupply, vmemList } from '../../../../src/sim/illumos/vmem/index.js';
import { P_FREE, PageTable, pageTableCheck } from '../../../../src/sim/illumos/vm/page.js';
import { createSession } from '../../../../src/mdb/session.js';
import { toAddr } from '../../../../src/sim/machine/platform.js';

describe('the page table', () => {
  it('names pages on create, keeps the name on the cachelist, drops it on destroy', () => {
    const pt = new PageTable(8, 4096);
    pt.bootFree(0, 8);
    const a = pt.create(0x100, 0);
    const b = pt.create(0x100, 4096);
    expect([a, b]).toEqual([0, 1]);
    expect(pt.lookup(0x100, 4096)).toBe(b);
    expect(() => pt.create(0x100, 0)).toThrow(/created twice/);
    pt.freeToCache(a);
    expect(pt.state[a]! & P_FREE).toBe(P_FREE);
    expect(pt.lookup(0x100, 0)).toBe(a);
    pt.destroy(b);
    expect(pt.lookup(0x100, 4096)).toBe(-1);
    pageTableCheck(pt, 8);
    // the freelist first (b, just destroyed, is at its head), then the oldest cachelist page, renamed
    expect(pt.create(0x200, 0)).toBe(b);
    for (let i = 1; i < 7; i++) pt.create(0x200, i * 4096);
    expect(pt.freelistCount).toBe(0);
    const c = pt.create(0x300, 0);
    expect(c).toBe(a);
    expect(pt.lookup(0x100, 0)).toBe(-1);
    pageTableCheck(pt, 0);
  });
});

describe('after the #2911 run', () => {
  const r = simulate('illumos-2911', { sets: [], fixes: [], keepSystem: true });
  const sys = r.sys as IllumosSystem;
  const k = sys.k;
  const ps = pageSupply(k);
  const pt = ps.pages;
  const vpOf = (name: string): number => k.sym.objects.find((o) => o.name === name)!.addr;

  it('every frame is named or on one free list, and freemem is the free lists', () => {
    pageTableCheck(pt, ps.freemem);
    expect(pt.freelistCount + pt.cachelistCount).toBe(ps.freemem);
  });

  it('the pages by identity sum to physmem and agree with the counts', () => {
    const by = new Map<number, number>();
    let free = 0;
    for (let pfn = 0; pfn < pt.npages; pfn++) {
      if (pt.state[pfn]! & P_FREE) free++;
      else by.set(pt.vp[pfn]!, (by.get(pt.vp[pfn]!) ?? 0) + 1);
    }
    const kvp = by.get(vpOf('kvp')) ?? 0;
    const zvp = by.get(vpOf('zvp')) ?? 0;
    const anon = by.get(vpOf('swap_vnodes')) ?? 0;
    expect(kvp + zvp + anon + free).toBe(ps.physmem);
    expect(by.size).toBe(3);
    expect(kvp + zvp).toBe(ps.bootPages + ps.kernelPages);
    expect(anon).toBe(ps.anonPages);
  });

  it("kernel pages are at least what segkmem's arenas imported", () => {
    let kvpBytes = 0;
    let zvpBytes = 0;
    for (const a of vmemList(k)) {
      const f = a.sourceAlloc?.sym.name;
      if (f === 'segkmem_alloc' || f === 'segkmem_alloc_permanent' || f === 'hat_memload_alloc') kvpBytes += a.kstat.vk_mem_import;
      if (f === 'segkmem_zio_alloc') zvpBytes += a.kstat.vk_mem_import;
    }
    let kvp = 0;
    let zvp = 0;
    for (let pfn = 0; pfn < pt.npages; pfn++) {
      if (pt.vp[pfn] === vpOf('kvp')) kvp++;
      if (pt.vp[pfn] === vpOf('zvp')) zvp++;
    }
    expect(kvpBytes).toBeGreaterThan(0);
    expect(kvp).toBeGreaterThanOrEqual(kvpBytes / k.p.pagesize);
    expect(zvp).toBeGreaterThanOrEqual(zvpBytes / k.p.pagesize);
  });

  it('::memstat on its dump counts the same pages', async () => {
    const s = createSession(r.model, 'x.dump');
    const res = await s.execute('::memstat', { json: true });
    expect(res.ok).toBe(true);
    const d = (res.json[0] as { results: Array<{ data: Record<string, number> }> }).results[0]!.data;
    let kvp = 0;
    let zvp = 0;
    let anon = 0;
    for (let pfn = 0; pfn < pt.npages; pfn++) {
      if (pt.state[pfn]! & P_FREE) continue;
      if (pt.vp[pfn] === vpOf('kvp')) kvp++;
      else if (pt.vp[pfn] === vpOf('zvp')) zvp++;
      else anon++;
    }
    expect([d.kernel, d.zfsFileData, d.anon, d.cachelist, d.freelist]).toEqual([kvp, zvp, anon, pt.cachelistCount, pt.freelistCount]);
    expect(d.physmem).toBe(ps.physmem);
    // the swapfs vnode's pages through v_pages and p_vpnext
    const w = await s.execute(`${toAddr(k.p, vpOf('swap_vnodes')).toString(16)}::walk page`, { json: true });
    const n = (w.json[0] as { results: Array<{ addresses: string[] }> }).results.flatMap((x) => x.addresses).length;
    expect(n).toBe(anon + [...pt.cachelist()].filter((pfn) => pt.vp[pfn] === vpOf('swap_vnodes')).length);
  });
});
