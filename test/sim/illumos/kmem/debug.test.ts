/*
 * kmem_cache_alloc_debug()'s three outcomes (0 success, 1 constructor failed,
 * -1 corruption reported by kmem_error() without panicking), what each leaves
 * behind, and kmem_error() panicking when kmem_panic is set; the free side's
 * duplicate-free detection; kmem_mtbf's induced failures.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  kmemCacheAlloc,
  kmemCacheAllocDebug,
  kmemCacheCreate,
  kmemCacheFree,
  KM_NOSLEEP,
  KM_PANIC,
  KM_SLEEP,
  KMF_BUFTAG,
  KMF_FIREWALL,
  type Buf,
  type KmemCache,
} from '../../../../src/sim/illumos/kmem/kmem.js';
import { kmemSlabAlloc } from '../../../../src/sim/illumos/kmem/slab.js';
import { loadPtr, storePtr } from '../../../../src/sim/illumos/kmem/contents.js';
import { PanicStop } from '../../../../src/sim/machine/kernel.js';
import type { KGen } from '../../../../src/sim/machine/thread.js';
import {
  BUFSTATE_ALLOC,
  BUFSTATE_MAGAZINE,
  BUFSTATE_SLAB_FREE,
  EVENT_ALLOC,
  EVENT_CTOR_FAIL,
  EVENT_FREE,
  FILL_BADDCAFE,
  FILL_DEADBEEF,
  FILL_ZERO,
} from '../../../../src/dump/format.js';
import { bootKmem, checkCache, checkKmem, now, stackNames, type Machine } from './helpers.js';

interface Rig extends Machine {
  cp: KmemCache;
  ctl: { fail: boolean; ctor: number; dtor: number };
}

/** A DEBUG machine with a cache whose constructor fails while ctl.fail is set. */
function rig(debug = true): Rig {
  const m = bootKmem({ debug });
  const ctl = { fail: false, ctor: 0, dtor: 0 };
  const priv = m.k.bootAlloc(16);
  const cp = kmemCacheCreate(m.km, {
    name: 'debug_test',
    bufsize: 200,
    priv,
    ctor: function* (_k, b: Buf): KGen<number> {
      ctl.ctor++;
      if (ctl.fail) return -1;
      storePtr(b, 0, priv);
      return 0;
    },
    dtor: (_k, b: Buf) => {
      ctl.dtor++;
      storePtr(b, 0, 0);
    },
  });
  return { ...m, cp, ctl };
}

/** A buffer straight from the slab layer, as kmem_cache_alloc() has it before the debug layer runs. */
function fromSlab(r: Rig): Buf {
  const b = now(kmemSlabAlloc(r.km, r.cp, KM_SLEEP));
  expect(b).not.toBeNull();
  return b!;
}

function lastTx(r: Rig) {
  const recs = r.km.transactionLog.records();
  return recs[recs.length - 1]!;
}

describe('kmem_cache_alloc_debug', () => {
  let r: Rig;
  beforeEach(() => {
    r = rig();
    expect(r.cp.cache_flags).toBe(0x20f);
  });

  it('returns 0 and claims, constructs and audits a good buffer', () => {
    const b = fromSlab(r);
    expect(b.fill).toBe(FILL_DEADBEEF);
    expect(b.bxAlloc).toBe(false);
    const t = r.k.now;
    expect(now(kmemCacheAllocDebug(r.km, r.cp, b, KM_SLEEP, true))).toBe(0);
    expect(b.bxAlloc).toBe(true);
    expect(b.fill).toBe(FILL_BADDCAFE);
    expect(r.ctl.ctor).toBe(1);
    expect(loadPtr(b, 0)).toBe(r.cp.cache_private);
    expect(b.audThread).toBe(r.t0.addr);
    expect(b.audTime).toBeGreaterThanOrEqual(t);
    const rec = lastTx(r);
    expect(rec).toMatchObject({ event: EVENT_ALLOC, cache: r.cp.index, addr: b.addr, bufctl: b.bufctl, thread: r.t0.addr });
    // bc_lastlog is the address of the record's copy in the transaction log
    expect(r.km.transactionLog.slots.get(b.audLastlog)).toBe(rec);
  });

  it('constructs even when asked not to: DEADBEEF forces construct (the magazine path)', () => {
    const b = fromSlab(r);
    expect(now(kmemCacheAllocDebug(r.km, r.cp, b, KM_NOSLEEP, false))).toBe(0);
    expect(r.ctl.ctor).toBe(1);
  });

  it('returns 1 when the constructor fails, with the buffer back in its slab, free and poisoned', () => {
    const keep = fromSlab(r); // keeps the slab alive
    const b = fromSlab(r);
    const sp = b.slab;
    expect(keep.slab).toBe(sp);
    const before = { fail: r.cp.cache_alloc_fail, bufslab: r.cp.cache_bufslab, refcnt: sp.refcnt };
    r.ctl.fail = true;
    expect(now(kmemCacheAllocDebug(r.km, r.cp, b, KM_SLEEP, true))).toBe(1);
    expect(r.ctl.ctor).toBe(1);
    expect(r.cp.cache_alloc_fail).toBe(before.fail + 1);
    expect(b.bxAlloc).toBe(false);
    expect(b.fill).toBe(FILL_DEADBEEF);
    expect(b.ptrs ?? []).toEqual([]);
    expect(b.state).toBe(BUFSTATE_SLAB_FREE);
    expect(sp.head).toBe(b);
    expect(r.cp.allocated.has(b.addr)).toBe(false);
    expect(r.cp.cache_bufslab).toBe(before.bufslab + 1);
    expect(sp.refcnt).toBe(before.refcnt - 1);
    // kmem_cache_alloc_debug() logs nothing for a failed constructor
    expect(r.km.transactionLog.records().some((x) => x.event === EVENT_CTOR_FAIL)).toBe(false);
    // with its last buffer back, the slab goes back to vmem
    expect(now(kmemCacheAllocDebug(r.km, r.cp, keep, KM_SLEEP, true))).toBe(1);
    expect(r.cp.cache_slab_destroy).toBe(1);
    expect(r.cp.cache_buftotal).toBe(0);
    expect(checkKmem(r.km)).toEqual([]);
  });

  it('returns -1 without panicking for a buffer modified after free, when kmem_panic is 0', () => {
    r.km.kmem_panic = 0;
    const b = fromSlab(r);
    b.fill = FILL_ZERO; // someone wrote over the free buffer's 0xdeadbeef
    expect(now(kmemCacheAllocDebug(r.km, r.cp, b, KM_SLEEP, true))).toBe(-1);
    expect(r.k.panicked).toBeNull();
    expect(r.ctl.ctor).toBe(0);
    expect(r.k.msgbuf.map((l) => l.text)).toContain('kernel memory allocator: buffer modified after being freed');
    expect(r.k.msgbuf.some((l) => l.text.startsWith(`buffer=${r.k.hex(b.addr)}`) && l.text.endsWith('cache: debug_test'))).toBe(true);
  });

  it('returns -1 for a buffer allocated twice (its buftag already says ALLOC)', () => {
    r.km.kmem_panic = 0;
    const b = fromSlab(r);
    expect(now(kmemCacheAllocDebug(r.km, r.cp, b, KM_SLEEP, true))).toBe(0);
    expect(now(kmemCacheAllocDebug(r.km, r.cp, b, KM_SLEEP, true))).toBe(-1);
    expect(r.k.msgbuf.map((l) => l.text)).toContain('kernel memory allocator: boundary tag corrupted');
    expect(r.ctl.ctor).toBe(1);
    expect(r.k.panicked).toBeNull();
  });

  it("returns -1 for another cache's buffer (its bufctl is not this cache's)", () => {
    r.km.kmem_panic = 0;
    const other = kmemCacheCreate(r.km, { name: 'debug_other', bufsize: 200 });
    const b = now(kmemSlabAlloc(r.km, other, KM_SLEEP))!;
    expect(now(kmemCacheAllocDebug(r.km, r.cp, b, KM_SLEEP, true))).toBe(-1);
    expect(r.k.msgbuf.map((l) => l.text)).toContain('kernel memory allocator: bufctl corrupted');
  });

  it('panics in kmem_error() when kmem_panic is 1 (the default)', () => {
    expect(r.km.kmem_panic).toBe(1);
    const b = fromSlab(r);
    b.fill = FILL_ZERO;
    expect(() => now(kmemCacheAllocDebug(r.km, r.cp, b, KM_SLEEP, true))).toThrow(PanicStop);
    expect(r.k.panicked).toMatchObject({ message: 'kernel heap corruption detected', thread: r.t0, cpu: 0 });
    expect(stackNames(r.t0).slice(0, 4)).toEqual(['vpanic', 'panic', 'kmem_error', 'kmem_cache_alloc_debug']);
    const kerr = r.t0.frames.find((f) => f.fn.name === 'kmem_error')!;
    expect(kerr.args).toEqual([0 /* KMERR_MODIFIED */, r.cp.addr, b.addr]);
    expect(r.k.msgbuf.find((l) => l.text.startsWith('panic['))!.text).toBe(`panic[cpu0]/thread=${r.k.hex(r.t0.addr)}: kernel heap corruption detected`);
  });
});

describe('corruption seen through kmem_cache_alloc and kmem_cache_free', () => {
  it('burns a corrupt magazine round for a sleeping caller, and gives NULL to a NOSLEEP one', () => {
    const r = rig();
    r.km.kmem_panic = 0;
    const a = now(kmemCacheAlloc(r.km, r.cp, KM_SLEEP))!;
    const b = now(kmemCacheAlloc(r.km, r.cp, KM_SLEEP))!;
    kmemCacheFree(r.km, r.cp, a.addr);
    kmemCacheFree(r.km, r.cp, b.addr);
    expect(b.state).toBe(BUFSTATE_MAGAZINE);
    expect(b.fill).toBe(FILL_DEADBEEF);
    expect(lastTx(r)).toMatchObject({ event: EVENT_FREE, addr: b.addr });
    b.fill = FILL_ZERO; // a write after free into the top round
    // NOSLEEP: the corrupt round fails the allocation
    expect(now(kmemCacheAlloc(r.km, r.cp, KM_NOSLEEP))).toBeNull();
    const cc = r.cp.cache_cpu[0]!;
    expect(cc.cc_rounds).toBe(1);
    // KM_SLEEP: the next round serves it
    a.fill = FILL_ZERO;
    const c = now(kmemCacheAlloc(r.km, r.cp, KM_SLEEP))!;
    expect(c).not.toBeNull();
    expect(c.addr).not.toBe(a.addr);
    expect(c.addr).not.toBe(b.addr);
    expect(r.k.panicked).toBeNull();
    expect(r.k.msgbuf.filter((l) => l.text.includes('modified after being freed'))).toHaveLength(2);
    // kmem abandons the corrupt buffers: everything else still adds up
    expect(checkCache(r.km, r.cp, new Set([a, b]))).toEqual([]);
  });

  it('reports a duplicate free of a buftagged buffer as such', () => {
    const r = rig();
    r.km.kmem_panic = 0;
    const a = now(kmemCacheAlloc(r.km, r.cp, KM_SLEEP))!;
    kmemCacheFree(r.km, r.cp, a.addr);
    expect(r.ctl.dtor).toBe(1);
    kmemCacheFree(r.km, r.cp, a.addr);
    expect(r.k.msgbuf.map((l) => l.text)).toContain('kernel memory allocator: duplicate free: buffer freed twice');
    // the second free did nothing
    expect(r.ctl.dtor).toBe(1);
    expect(checkKmem(r.km)).toEqual([]);
    // an address that is no buffer of the cache is an invalid free
    kmemCacheFree(r.km, r.cp, a.addr + 8);
    expect(r.k.msgbuf.map((l) => l.text)).toContain('kernel memory allocator: invalid free: buffer not in cache');
    expect(r.k.panicked).toBeNull();
  });

  it('panics on a duplicate free with kmem_panic set', () => {
    const r = rig();
    const a = now(kmemCacheAlloc(r.km, r.cp, KM_SLEEP))!;
    kmemCacheFree(r.km, r.cp, a.addr);
    expect(() => kmemCacheFree(r.km, r.cp, a.addr)).toThrow(PanicStop);
    expect(stackNames(r.t0).slice(0, 5)).toEqual(['vpanic', 'panic', 'kmem_error', 'kmem_cache_free_debug', 'kmem_cache_free']);
  });
});

describe('kmem_mtbf', () => {
  it('fails NOSLEEP (non-PANIC) allocations in the debug layer, never sleeping ones', () => {
    const r = rig();
    r.km.kmem_mtbf = 1; // every hrtime is a multiple of 1
    const fails = r.cp.cache_alloc_fail;
    expect(now(kmemCacheAlloc(r.km, r.cp, KM_NOSLEEP))).toBeNull();
    expect(r.cp.cache_alloc_fail).toBe(fails + 1);
    expect(r.ctl.ctor).toBe(0);
    const b = now(kmemCacheAlloc(r.km, r.cp, KM_SLEEP));
    expect(b?.state).toBe(BUFSTATE_ALLOC);
    expect(now(kmemCacheAlloc(r.km, r.cp, KM_NOSLEEP | KM_PANIC))).not.toBeNull();
    expect(checkKmem(r.km)).toEqual([]);
  });
});

describe('auditing without buftags', () => {
  it('audits a firewalled cache (AUDIT, no BUFTAG) in the slab layer', () => {
    const m = bootKmem({ debug: true });
    const cp = kmemCacheCreate(m.km, { name: 'audit_fw', bufsize: 4000 });
    expect(cp.cache_flags & KMF_FIREWALL).toBe(KMF_FIREWALL);
    expect(cp.cache_flags & KMF_BUFTAG).toBe(0);
    expect(cp.cache_arena).toBe(m.arenas.kmem_firewall);
    const b = now(kmemCacheAlloc(m.km, cp, KM_NOSLEEP))!;
    const recs = () => m.km.transactionLog.records().filter((x) => x.cache === cp.index);
    expect(recs()).toEqual([expect.objectContaining({ event: EVENT_ALLOC, addr: b.addr, kmflag: KM_NOSLEEP, thread: m.t0.addr })]);
    expect(b.audThread).toBe(m.t0.addr);
    expect(m.km.transactionLog.slots.get(b.audLastlog)).toMatchObject({ event: EVENT_ALLOC, addr: b.addr });
    const stack = m.km.stacks.stacks[b.audStack]!;
    const fnAt = (pc: number) => m.k.sym.funcs.find((f) => pc >= f.addr && pc < f.addr + f.size)?.name;
    expect(stack.slice(0, 2).map(fnAt)).toEqual(['kmem_slab_alloc', 'kmem_cache_alloc']);
    kmemCacheFree(m.km, cp, b.addr);
    expect(recs().map((x) => x.event)).toEqual([EVENT_ALLOC, EVENT_FREE]);
    expect(checkKmem(m.km)).toEqual([]);
  });

  it('does not audit on a non-DEBUG kernel', () => {
    const m = bootKmem({ debug: false });
    const cp = kmemCacheCreate(m.km, { name: 'audit_none', bufsize: 4000 });
    const before = m.km.transactionLog.count;
    const b = now(kmemCacheAlloc(m.km, cp, KM_SLEEP))!;
    kmemCacheFree(m.km, cp, b.addr);
    expect(m.km.transactionLog.count).toBe(before);
  });
});

