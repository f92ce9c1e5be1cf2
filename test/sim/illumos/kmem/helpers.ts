/*
 * Test helpers for kmem: a small booted machine (vmem's arenas, the page
 * supply and kmem, as bootIllumos() makes them), ways to run kmem code paths
 * on it, and a checker of every structural invariant of every cache.
 */
import { Kernel, type KernelConfig } from '../../../../src/sim/machine/kernel.js';
import { ILLUMOS } from '../../../../src/sim/illumos/kern/personality.js';
import { I86PC } from '../../../../src/sim/machine/platform.js';
import { func } from '../../../../src/sim/machine/symbols.js';
import { runNoSleep } from '../../../../src/sim/machine/sync.js';
import type { KGen, KThread, Proc } from '../../../../src/sim/machine/thread.js';
import {
  pageCreateAnon,
  pageFreeAnon,
  pageSupply,
  PG_PUSHPAGE,
  vmemAlloc,
  VM_SLEEP,
  vmemInitIllumos,
  vmemList,
  type IllumosArenas,
  type PageSupply,
} from '../../../../src/sim/illumos/vmem/index.js';
import {
  kmemInit,
  partialSlabs,
  KMF_BUFTAG,
  KMF_DEADBEEF,
  KMF_LITE,
  type Buf,
  type KmemCache,
  type Kmem,
  type Magazine,
  type Slab,
} from '../../../../src/sim/illumos/kmem/kmem.js';
import { BUFSTATE_ALLOC, BUFSTATE_MAGAZINE, BUFSTATE_SLAB_FREE, FILL_DEADBEEF } from '../../../../src/dump/format.js';
import { checkArena } from '../vmem/helpers.js';

// Declared at module level, as simulated functions must be: the symbol table
// lays out every function declared so far when a kernel is made.
const mainFn = func('unix', 'main', 0x3a0);
const testThreadFn = func('genunix', 'kmem_test_thread', 0x80);

export interface Machine {
  k: Kernel;
  km: Kmem;
  arenas: IllumosArenas;
  ps: PageSupply;
  /** t0, the boot thread the tests run on (it belongs to p0, so NOMEMWAIT() holds for it) */
  t0: KThread;
}

/**
 * Boot a small illumos machine up to kmem_init(), the way bootIllumos() does.
 * (vmem keeps kmem's quantum-cache entry points per kernel, so machines
 * booted in one process do not share them.)
 */
export function bootKmem(over: Partial<KernelConfig> = {}): Machine {
  const k = new Kernel({
    os: ILLUMOS,
    platform: I86PC,
    hostname: 'kmemtest',
    kernelVersion: 'SunOS 5.11 test',
    debug: true,
    ncpus: 2,
    physmem: 65536,
    seed: 1,
    ...over,
  });
  const t0 = k.bootThread(mainFn);
  const arenas = vmemInitIllumos(k, { audit: k.cfg.debug });
  const ps = pageSupply(k);
  const km = kmemInit(k, arenas);
  // kmem_va's quantum caches are made on its first allocation once kmem is up;
  // boot does that on t0 (the first slab of thread_cache). Do it here too, so
  // no test thread makes them later under memory pressure (kmem_cache_create()
  // cannot sleep).
  now(vmemAlloc(k, arenas.kmem_va, k.p.pagesize, VM_SLEEP));
  return { k, km, arenas, ps, t0 };
}

/** Run a code path that must not block. */
export function now<T>(g: KGen<T>): T {
  return runNoSleep(g, 'test');
}

/** A user process and a thread of it running body (its threads are not NOMEMWAIT()). */
export function spawnUser(k: Kernel, body: (t: KThread) => KGen<void>, comm = 'reader'): { proc: Proc; t: KThread } {
  const proc = k.newProc(comm, comm);
  const t = k.threadCreate(proc, testThreadFn, body, 59);
  return { proc, t };
}

/** The function names on a thread's stack, innermost first. */
export function stackNames(t: KThread): string[] {
  return t.frames.map((f) => f.fn.name).reverse();
}

/**
 * Squeeze memory: take anon pages (PG_PUSHPAGE, without waiting) until freemem
 * is `left`. Returns how many were taken, for giveBack().
 */
export function squeeze(k: Kernel, ps: PageSupply, left: number): number {
  const n = ps.freemem - left;
  if (n <= 0) return 0;
  if (!now(pageCreateAnon(k, n, PG_PUSHPAGE))) throw new Error('squeeze failed');
  return n;
}

export function giveBack(k: Kernel, n: number): void {
  pageFreeAnon(k, n);
}

/** Every buffer of a cache, in slab order (complete slabs, then the partial ones). */
export function slabsOf(cp: KmemCache): Slab[] {
  return [...cp.complete, ...partialSlabs(cp)];
}

/** The rounds a CPU cache holds: loaded then previous. */
function cpuMagazines(cp: KmemCache): Array<{ where: string; mp: Magazine; rounds: number }> {
  const out: Array<{ where: string; mp: Magazine; rounds: number }> = [];
  cp.cache_cpu.forEach((cc, i) => {
    if (cc.cc_loaded) out.push({ where: `cpu${i}.loaded`, mp: cc.cc_loaded, rounds: cc.cc_rounds });
    if (cc.cc_ploaded) out.push({ where: `cpu${i}.ploaded`, mp: cc.cc_ploaded, rounds: cc.cc_prounds });
  });
  return out;
}

/**
 * Every structural invariant of one cache (kmem.ts §3 and the object states);
 * returns the violations (empty when sound). `leaked` are buffers a test knows
 * kmem abandoned (a corrupt buffer kmem_error() reported without panicking).
 */
export function checkCache(km: Kmem, cp: KmemCache, leaked: ReadonlySet<Buf> = new Set()): string[] {
  const bad: string[] = [];
  const n = cp.cache_name;
  const where = new Map<Buf, string>();
  const place = (b: Buf, w: string): void => {
    const was = where.get(b);
    if (was) bad.push(`${n}: buffer ${b.addr} is both in ${was} and in ${w}`);
    else where.set(b, w);
  };
  // CPU layer
  let magRounds = 0;
  cp.cache_cpu.forEach((cc, i) => {
    if (cc.cc_rounds < -1 || cc.cc_rounds > cc.cc_magsize) bad.push(`${n}: cpu${i} cc_rounds ${cc.cc_rounds}`);
    if ((cc.cc_loaded === null) !== (cc.cc_rounds === -1)) bad.push(`${n}: cpu${i} loaded ${!!cc.cc_loaded} with cc_rounds ${cc.cc_rounds}`);
    if ((cc.cc_ploaded === null) !== (cc.cc_prounds === -1)) bad.push(`${n}: cpu${i} ploaded ${!!cc.cc_ploaded} with cc_prounds ${cc.cc_prounds}`);
    if (cc.cc_flags !== cp.cache_flags) bad.push(`${n}: cpu${i} cc_flags ${cc.cc_flags} != cache_flags ${cp.cache_flags}`);
  });
  const mags: Array<{ where: string; mp: Magazine; rounds: number }> = cpuMagazines(cp);
  // depot
  for (const [name, ml, full] of [['full', cp.cache_full, true], ['empty', cp.cache_empty, false]] as const) {
    if (ml.total !== ml.list.length) bad.push(`${n}: depot ${name} ml_total ${ml.total} != ${ml.list.length}`);
    if (ml.min > ml.total) bad.push(`${n}: depot ${name} ml_min ${ml.min} > ml_total ${ml.total}`);
    ml.list.forEach((mp, i) => mags.push({ where: `depot.${name}[${i}]`, mp, rounds: full ? mp.size : 0 }));
  }
  const seenMags = new Set<Magazine>();
  for (const { where: w, mp, rounds } of mags) {
    if (seenMags.has(mp)) bad.push(`${n}: magazine ${mp.buf.addr} in two places (${w})`);
    seenMags.add(mp);
    if (mp.rounds.length !== rounds) bad.push(`${n}: ${w} holds ${mp.rounds.length} rounds, expected ${rounds}`);
    if (cp.cache_magtype && mp.size !== cp.cache_magtype.mt_magsize) bad.push(`${n}: ${w} has size ${mp.size}`);
    if (mp.buf.mag !== mp) bad.push(`${n}: ${w}'s buffer does not point back at it`);
    if (!cp.magCache || cp.magCache.allocated.get(mp.buf.addr) !== mp.buf) bad.push(`${n}: ${w}'s buffer is not allocated from ${cp.magCache?.cache_name}`);
    for (let r = 0; r < mp.rounds.length; r++) {
      const b = mp.rounds[r]!;
      place(b, `${w}.round[${r}]`);
      if (b.state !== BUFSTATE_MAGAZINE) bad.push(`${n}: ${w}.round[${r}] state ${b.state}`);
      if (b.slab.cache !== cp) bad.push(`${n}: ${w}.round[${r}] belongs to ${b.slab.cache.cache_name}`);
    }
    magRounds += mp.rounds.length;
  }
  // allocated
  for (const [addr, b] of cp.allocated) {
    place(b, 'allocated');
    if (b.addr !== addr) bad.push(`${n}: allocated key ${addr} holds buffer ${b.addr}`);
    if (b.state !== BUFSTATE_ALLOC) bad.push(`${n}: allocated buffer ${addr} in state ${b.state}`);
  }
  for (const b of leaked) place(b, 'leaked');
  // slab layer
  let chunks = 0;
  let onChains = 0;
  const slabs = slabsOf(cp);
  let npartial = 0;
  cp.partial.forEach((set, r) => {
    if (!set) return;
    npartial += set.size;
    for (const sp of set) if (sp.refcnt !== r) bad.push(`${n}: slab ${sp.addr} in partial bucket ${r} has refcnt ${sp.refcnt}`);
  });
  if (npartial !== cp.npartial) bad.push(`${n}: npartial ${cp.npartial} but ${npartial} partial slabs`);
  for (const sp of slabs) {
    chunks += sp.chunks;
    if (sp.cache !== cp) bad.push(`${n}: slab ${sp.addr} belongs to ${sp.cache.cache_name}`);
    if (sp.bufs.length !== sp.chunks) bad.push(`${n}: slab ${sp.addr} has ${sp.bufs.length} buffers, ${sp.chunks} chunks`);
    let free = 0;
    for (let b = sp.head; b; b = b.next) {
      free++;
      if (free > sp.chunks) {
        bad.push(`${n}: slab ${sp.addr} free chain loops`);
        break;
      }
      place(b, `slab ${sp.addr} free chain`);
      if (b.slab !== sp) bad.push(`${n}: buffer ${b.addr} on the chain of slab ${sp.addr} belongs to another`);
      if (b.state !== BUFSTATE_SLAB_FREE) bad.push(`${n}: buffer ${b.addr} on a free chain in state ${b.state}`);
    }
    onChains += free;
    if (sp.refcnt !== sp.chunks - free) bad.push(`${n}: slab ${sp.addr} refcnt ${sp.refcnt} with ${sp.chunks - free} buffers off its chain`);
    if (sp.refcnt <= 0) bad.push(`${n}: slab ${sp.addr} alive with refcnt ${sp.refcnt}`);
    const isComplete = cp.complete.has(sp);
    if (isComplete !== (sp.refcnt === sp.chunks)) bad.push(`${n}: slab ${sp.addr} complete=${isComplete} refcnt ${sp.refcnt}/${sp.chunks}`);
    if (sp.complete !== isComplete) bad.push(`${n}: slab ${sp.addr} complete flag ${sp.complete}`);
    for (const b of sp.bufs) {
      if (!where.has(b)) bad.push(`${n}: buffer ${b.addr} of slab ${sp.addr} is nowhere`);
      if (b.slab !== sp) bad.push(`${n}: buffer ${b.addr} does not point at its slab`);
    }
  }
  for (const b of where.keys()) if (!slabs.includes(b.slab)) bad.push(`${n}: buffer ${b.addr} of a slab the cache does not list`);
  if (onChains !== cp.cache_bufslab) bad.push(`${n}: cache_bufslab ${cp.cache_bufslab} but ${onChains} on free chains`);
  if (chunks !== cp.cache_buftotal) bad.push(`${n}: cache_buftotal ${cp.cache_buftotal} but slabs hold ${chunks}`);
  const total = cp.allocated.size + magRounds + cp.cache_bufslab + leaked.size;
  if (total !== cp.cache_buftotal) {
    bad.push(`${n}: buftotal ${cp.cache_buftotal} != allocated ${cp.allocated.size} + magazines ${magRounds} + bufslab ${cp.cache_bufslab}`);
  }
  if (cp.cache_bufmax < cp.cache_buftotal) bad.push(`${n}: bufmax ${cp.cache_bufmax} < buftotal ${cp.cache_buftotal}`);
  // the debug layer's view of each buffer
  const poisons = (cp.cache_flags & KMF_DEADBEEF) !== 0 && !(cp.cache_flags & KMF_LITE);
  if (cp.cache_flags & KMF_BUFTAG) {
    for (const [b, w] of where) {
      if (leaked.has(b)) continue;
      const alloc = w === 'allocated';
      if (b.bxAlloc !== alloc) bad.push(`${n}: buffer ${b.addr} (${w}) buftag says ${b.bxAlloc ? 'ALLOC' : 'FREE'}`);
      if (!alloc && poisons && b.fill !== FILL_DEADBEEF) bad.push(`${n}: free buffer ${b.addr} (${w}) not poisoned (fill ${b.fill})`);
      if (!alloc && poisons && b.ptrs && b.ptrs.length > 0) bad.push(`${n}: free buffer ${b.addr} (${w}) still holds pointers`);
    }
  }
  // the slab layer's own metadata: a kmem_slab_t and bufctls per hashed slab
  if (cp.cache_bufctl_cache) {
    for (const sp of slabs) {
      if (!sp.sbuf || km.slabCache.allocated.get(sp.addr) !== sp.sbuf) bad.push(`${n}: slab ${sp.addr}'s kmem_slab_t is not allocated`);
      for (const b of sp.bufs) {
        if (!cp.cache_bufctl_cache.allocated.has(b.bufctl)) bad.push(`${n}: bufctl ${b.bufctl} of ${b.addr} is not allocated`);
      }
    }
  }
  return bad;
}

/** Every invariant of every cache, plus the metadata totals across caches and the arenas' tiling. */
export function checkKmem(km: Kmem, leaked: ReadonlyMap<KmemCache, ReadonlySet<Buf>> = new Map()): string[] {
  const bad: string[] = [];
  for (const cp of km.caches) bad.push(...checkCache(km, cp, leaked.get(cp)));
  // Each hashed slab holds one kmem_slab_t and one bufctl per chunk; the
  // metadata caches hand out nothing else.
  let hashedSlabs = 0;
  const bufctls = new Map<KmemCache, number>();
  for (const cp of km.caches) {
    const bc = cp.cache_bufctl_cache;
    if (!bc) continue;
    hashedSlabs += cp.complete.size + cp.npartial;
    bufctls.set(bc, (bufctls.get(bc) ?? 0) + cp.cache_buftotal);
  }
  if (km.slabCache.allocated.size !== hashedSlabs) bad.push(`kmem_slab_cache has ${km.slabCache.allocated.size} allocated, ${hashedSlabs} hashed slabs`);
  for (const bc of [km.bufctlCache, km.bufctlAuditCache]) {
    const want = bufctls.get(bc) ?? 0;
    if (bc.allocated.size !== want) bad.push(`${bc.cache_name} has ${bc.allocated.size} allocated, slabs need ${want}`);
  }
  // Each magazine is a buffer of its kmem_magazine_<n> cache.
  const mags = new Map<KmemCache, number>();
  for (const cp of km.caches) {
    if (!cp.magCache) continue;
    let n = cp.cache_full.total + cp.cache_empty.total;
    for (const cc of cp.cache_cpu) n += (cc.cc_loaded ? 1 : 0) + (cc.cc_ploaded ? 1 : 0);
    mags.set(cp.magCache, (mags.get(cp.magCache) ?? 0) + n);
  }
  for (const mc of km.magCaches.values()) {
    const want = mags.get(mc) ?? 0;
    if (mc.allocated.size !== want) bad.push(`${mc.cache_name} has ${mc.allocated.size} allocated, caches hold ${want} magazines`);
  }
  for (const vmp of vmemList(km.k)) for (const v of checkArena(vmp)) bad.push(`${vmp.name}: ${v}`);
  return bad;
}
