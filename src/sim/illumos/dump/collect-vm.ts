/*
 * The page frames into dump tables, as mdb's ::memstat and page walkers read
 * them (usr/src/cmd/mdb/common/modules/genunix/memory.c): the page_t array
 * with one row per frame, the memseg that describes it (memsegs), and the
 * vnodes pages are named by (kvp, zvp, the swapfs vnode, unused_pages_vp)
 * with the v_flag memstat tests and their v_pages lists.
 *
 * The simulator keeps each page's identity and which free list it is on
 * (vm/page.ts); the list pointers are laid out here from that: a vnode's
 * pages in a ring through p_vpnext/p_vpprev, most recently named first (as
 * page_vpadd() inserts at v_pages). The dump has no page_hash and no
 * page_freelists[]/page_cachelists[] heads, so p_hash, p_next and p_prev are
 * zero (free pages are told by P_FREE; a 16 GB machine's 4 M free pages in
 * rings would be most of its dump).
 */
import { TableBuilder } from '../../../dump/builder.js';
import type { Table } from '../../../dump/format.js';
import { P_FREE as P_FREE_CTF, VISSWAPFS } from '../../../dump/types/illumos/vm.js';
import { toAddr, type Kva } from '../../machine/platform.js';
import type { Kernel } from '../../machine/kernel.js';
import type { IllumosSystem } from '../system.js';
import { kernelObject } from '../kern/kobj.js';
import { kernelVnode, pageArrayBase, pageSupply } from '../vmem/page.js';
import { P_FREE, SIZEOF_PAGE, pageTableCheck } from '../vm/page.js';
import type { GlobalVar } from './collect-kern.js';

const ppBase = pageArrayBase;

function memsegAddr(k: Kernel): Kva {
  const end = ppBase(k) + pageSupply(k).physmem * SIZEOF_PAGE;
  return Math.ceil(end / 64) * 64;
}

/** A global vnode if the kernel has declared it (kvp, zvp, swap_vnodes, unused_pages_vp). */
function declared(k: Kernel, name: string): Kva | undefined {
  return k.sym.objects.find((o) => o.module === 'genunix' && o.name === name)?.addr;
}

/**
 * The VM globals ::memstat reads that the kernel model has no use for:
 * _pagesize, total_pages, memsegs, and unused_pages_vp (vm_page.c), the
 * vnode of pages a physmem tunable holds back (none here). They are
 * declared when the dump is written, after every other object, so they move
 * no address the kernel laid out. (physmem and freemem are declared elsewhere.)
 */
export function vmLateGlobals(k: Kernel): GlobalVar[] {
  kernelObject(k, 'genunix', 'unused_pages_vp', 0xc8);
  return [
    { module: 'unix', name: '_pagesize', size: 8, value: k.p.pagesize },
    { module: 'unix', name: 'total_pages', size: 8, value: pageSupply(k).physmem },
    { module: 'genunix', name: 'memsegs', size: 8, value: memsegAddr(k), ptr: true },
  ];
}

export function collectVm(sys: IllumosSystem, add: (t: Table) => void): void {
  const k = sys.k;
  const ps = pageSupply(k);
  const pt = ps.pages;
  kernelVnode(k);
  // a dump whose lists and freemem disagree is a simulator bug: refuse it
  pageTableCheck(pt, ps.freemem);
  if (P_FREE !== P_FREE_CTF) throw new Error('simulator: P_FREE differs between vm/page.ts and the dump types');
  const A = (kva: Kva): bigint => toAddr(k.p, kva);
  const base = ppBase(k);
  const ppAddr = (pfn: number): bigint => A(base + pfn * SIZEOF_PAGE);
  const n = pt.npages;
  const kernelVps = new Set([declared(k, 'kvp'), declared(k, 'zvp')].filter((x): x is Kva => x !== undefined));

  // vnode rings, most recently named first
  const next = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n).fill(-1);
  const byVp = new Map<number, number[]>();
  for (let pfn = 0; pfn < n; pfn++) {
    const vp = pt.vp[pfn]!;
    if (vp === 0) continue;
    let l = byVp.get(vp);
    if (!l) byVp.set(vp, (l = []));
    l.push(pfn);
  }
  const head = new Map<number, number>();
  for (const [vp, l] of byVp) {
    l.sort((a, b) => pt.named[b]! - pt.named[a]!);
    for (let i = 0; i < l.length; i++) {
      next[l[i]!] = l[(i + 1) % l.length]!;
      prev[l[i]!] = l[(i + l.length - 1) % l.length]!;
    }
    head.set(vp, l[0]!);
  }
  const t = new TableBuilder('page_t', {
    addr: 'u64',
    p_offset: 'u64',
    p_vnode: 'u64',
    p_vpnext: 'u64',
    p_vpprev: 'u64',
    p_state: 'u8',
    p_pagenum: 'u64',
  });
  const P = (pfn: number): bigint => (pfn < 0 ? 0n : ppAddr(pfn));
  for (let pfn = 0; pfn < n; pfn++) {
    const vp = pt.vp[pfn]!;
    const off = pt.off[pfn]!;
    t.add({
      addr: ppAddr(pfn),
      // kvp and zvp pages are named by their kernel address
      p_offset: vp !== 0 && kernelVps.has(vp) ? A(off) : BigInt(off),
      p_vnode: vp === 0 ? 0n : A(vp),
      p_vpnext: P(next[pfn]!),
      p_vpprev: P(prev[pfn]!),
      p_state: pt.state[pfn]!,
      p_pagenum: BigInt(pfn),
    });
  }
  add(t.build());

  // the one memseg: every frame, [pages, epages) and [pages_base, pages_end)
  const ms = new TableBuilder('struct memseg', { addr: 'u64', pages: 'u64', epages: 'u64', pages_base: 'u64', pages_end: 'u64', next: 'u64' });
  ms.add({ addr: A(memsegAddr(k)), pages: ppAddr(0), epages: ppAddr(n), pages_base: 0n, pages_end: BigInt(n), next: 0n });
  add(ms.build());

  // the vnodes pages are named by: the swapfs vnode is VISSWAPFS (swapfs_init())
  const vt = new TableBuilder('vnode_t', { addr: 'u64', v_flag: 'u32', v_count: 'u32', v_pages: 'u64' });
  const swapvp = declared(k, 'swap_vnodes');
  const vnodes: Array<[Kva | undefined, number]> = [
    [declared(k, 'kvp'), 0],
    [declared(k, 'zvp'), 0],
    [swapvp, VISSWAPFS],
    [declared(k, 'unused_pages_vp'), 0],
  ];
  const seen = new Set<number>();
  for (const [vp, flag] of vnodes.filter((v): v is [Kva, number] => v[0] !== undefined).sort((a, b) => a[0] - b[0])) {
    seen.add(vp);
    const h = head.get(vp);
    vt.add({ addr: A(vp), v_flag: flag, v_count: 1, v_pages: h === undefined ? 0n : ppAddr(h) });
  }
  for (const vp of byVp.keys()) if (!seen.has(vp)) throw new Error(`simulator: pages named by a vnode the dump does not describe (${vp.toString(16)})`);
  add(vt.build());
}
