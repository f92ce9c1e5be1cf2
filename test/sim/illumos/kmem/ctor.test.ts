/*
 * A constructor that fails, on DEBUG and non-DEBUG kernels: the heart of
 * illumos #2911. On DEBUG (KMF_DEADBEEF) every free destructs and every
 * allocation reconstructs, even from a magazine; a constructor failure for a
 * caller without KM_NOSLEEP (KM_SLEEP or KM_PUSHPAGE) burns every magazine
 * round and then trips ASSERT(rc == -1) in kmem_cache_alloc. Non-DEBUG
 * kernels keep magazine objects constructed and return NULL when the
 * constructor fails, whatever the flag.
 */
import { describe, expect, it } from 'vitest';
import {
  kmemCacheAlloc,
  kmemCacheCreate,
  kmemCacheFree,
  kmemReapAll,
  kmemUpdate,
  KM_NOSLEEP,
  KM_PUSHPAGE,
  KM_SLEEP,
  KMC_NOMAGAZINE,
  KMF_BUFTAG,
  KMF_REDZONE,
  type Buf,
  type KmemCache,
} from '../../../../src/sim/illumos/kmem/kmem.js';
import { loadPtr, storePtr } from '../../../../src/sim/illumos/kmem/contents.js';
import { PanicStop } from '../../../../src/sim/machine/kernel.js';
import type { KGen, KThread } from '../../../../src/sim/machine/thread.js';
import { BUFSTATE_MAGAZINE, FILL_DEADBEEF } from '../../../../src/dump/format.js';
import { bootKmem, checkKmem, now, spawnUser, stackNames, type Machine } from './helpers.js';

const PANIC_2911 = 'assertion failed: rc == -1, file: ../../common/os/kmem.c, line: 2598';
const CLIENT_OFF = 16;

interface Rig extends Machine {
  cp: KmemCache;
  ctl: { fail: boolean; ctor: number; dtor: number; flags: number[] };
}

/** A cache the size of bd_xfer_impl_t whose constructor fails while ctl.fail is set. */
function rig(debug: boolean): Rig {
  const m = bootKmem({ debug });
  const ctl = { fail: false, ctor: 0, dtor: 0, flags: [] as number[] };
  const priv = m.k.bootAlloc(16);
  const cp = kmemCacheCreate(m.km, {
    name: 'ctor_test',
    bufsize: 152,
    align: 8,
    priv,
    ctor: function* (_k, b: Buf, kmflag: number): KGen<number> {
      ctl.ctor++;
      ctl.flags.push(kmflag);
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

/** Fill CPU 0's magazines (and the depot) with n freed buffers. */
function stock(r: Rig, n: number): Buf[] {
  r.k.curcpu = 0;
  const bs: Buf[] = [];
  for (let i = 0; i < n; i++) bs.push(now(kmemCacheAlloc(r.km, r.cp, KM_SLEEP))!);
  for (const b of bs) kmemCacheFree(r.km, r.cp, b.addr);
  return bs;
}

/** rounds held by the CPU layer and the depot */
function rounds(cp: KmemCache): number {
  let n = cp.cache_full.total * (cp.cache_magtype?.mt_magsize ?? 0);
  for (const cc of cp.cache_cpu) n += Math.max(0, cc.cc_rounds) + Math.max(0, cc.cc_prounds);
  return n;
}

/** Allocate on a user thread (the #2911 thread was a process doing read(2)); returns why the run stopped. */
function allocOnThread(r: Rig, kmflag: number): { why: string; t: KThread; got: Buf | null | undefined } {
  let got: Buf | null | undefined;
  const { t } = spawnUser(r.k, function* () {
    got = yield* kmemCacheAlloc(r.km, r.cp, kmflag);
  });
  const why = r.k.run(() => false);
  return { why, t, got };
}

describe('DEBUG kernel: a failing constructor', () => {
  it('gives a KM_NOSLEEP caller NULL, without panicking', () => {
    const r = rig(true);
    r.ctl.fail = true;
    const { why, got } = allocOnThread(r, KM_NOSLEEP);
    expect(why).not.toBe('panic');
    expect(got).toBeNull();
    expect(r.k.panicked).toBeNull();
    expect(r.cp.cache_alloc_fail).toBe(1);
    expect(r.ctl.flags).toEqual([KM_NOSLEEP]);
    expect(checkKmem(r.km)).toEqual([]);
  });

  it('panics a KM_PUSHPAGE caller with ASSERT(rc == -1) at kmem.c line 2598', () => {
    const r = rig(true);
    r.ctl.fail = true;
    const { why, t } = allocOnThread(r, KM_PUSHPAGE);
    expect(why).toBe('panic');
    expect(r.k.panicked).toMatchObject({ message: PANIC_2911, thread: t, caller: 'assfail' });
    expect(r.k.msgbuf.find((l) => l.text.startsWith('panic['))!.text).toBe(`panic[cpu${r.k.panicked!.cpu}]/thread=${r.k.hex(t.addr)}: ${PANIC_2911}`);
    // the panicking thread's stack, innermost first: vpanic, assfail, kmem_cache_alloc(cp, KM_PUSHPAGE)
    expect(stackNames(t).slice(0, 3)).toEqual(['vpanic', 'assfail', 'kmem_cache_alloc']);
    const fr = t.frames[t.frames.length - 3]!;
    expect(fr.args).toEqual([r.cp.addr, KM_PUSHPAGE]);
    expect(fr.args[1]).toBe(4);
    // the constructor really ran with KM_PUSHPAGE and failed; kmem_cache_alloc_debug gave the buffer back first
    expect(r.ctl.flags).toEqual([KM_PUSHPAGE]);
    expect(r.cp.cache_alloc_fail).toBe(1);
    expect(r.cp.allocated.size).toBe(0);
    expect(r.cp.cache_bufslab).toBe(r.cp.cache_buftotal);
  });

  it('panics a KM_SLEEP caller the same way (the ASSERT only spares KM_NOSLEEP)', () => {
    const r = rig(true);
    r.ctl.fail = true;
    expect(allocOnThread(r, KM_SLEEP).why).toBe('panic');
    expect(r.k.panicked!.message).toBe(PANIC_2911);
  });

  it('makes a KM_PUSHPAGE caller burn every magazine round, depot included, before the slab layer panics', () => {
    const r = rig(true);
    const magsize = r.cp.cache_magtype!.mt_magsize;
    const n = 3 * magsize - 1;
    stock(r, n);
    expect(rounds(r.cp)).toBe(n);
    expect(r.cp.cache_full.total).toBeGreaterThan(0);
    const cc = r.cp.cache_cpu[0]!;
    const before = { alloc: cc.cc_alloc, full: r.cp.cache_full.alloc, depot: r.cp.cache_full.total, ctor: r.ctl.ctor };
    r.ctl.fail = true;
    // on CPU 0, where the rounds are
    r.k.curcpu = 0;
    expect(() => now(kmemCacheAlloc(r.km, r.cp, KM_PUSHPAGE))).toThrow(PanicStop);
    expect(r.k.panicked!.message).toBe(PANIC_2911);
    // every round was taken (cc_alloc), reconstructed (and failed), and went back to its slab
    expect(cc.cc_alloc - before.alloc).toBe(n);
    expect(r.cp.cache_full.alloc - before.full).toBe(before.depot);
    expect(r.cp.cache_full.total).toBe(0);
    expect(rounds(r.cp)).toBe(0);
    expect(r.ctl.ctor - before.ctor).toBe(n + 1);
    expect(r.cp.cache_alloc_fail).toBe(n + 1);
    expect(r.cp.cache_bufslab).toBe(r.cp.cache_buftotal);
    expect(r.ctl.flags.slice(-(n + 1)).every((f) => f === KM_PUSHPAGE)).toBe(true);
  });

  it('gives KM_NOSLEEP NULL at the first failing round, leaving the rest', () => {
    const r = rig(true);
    const magsize = r.cp.cache_magtype!.mt_magsize;
    stock(r, magsize);
    r.ctl.fail = true;
    r.k.curcpu = 0;
    expect(now(kmemCacheAlloc(r.km, r.cp, KM_NOSLEEP))).toBeNull();
    expect(rounds(r.cp)).toBe(magsize - 1);
    expect(r.cp.cache_alloc_fail).toBe(1);
    expect(checkKmem(r.km)).toEqual([]);
  });

  it('destructs at free and reconstructs at the next allocation, even from a magazine', () => {
    const r = rig(true);
    const a = now(kmemCacheAlloc(r.km, r.cp, KM_SLEEP))!;
    expect(r.ctl.ctor).toBe(1);
    storePtr(a, CLIENT_OFF, r.cp.cache_private);
    kmemCacheFree(r.km, r.cp, a.addr);
    expect(r.ctl.dtor).toBe(1);
    expect(a.state).toBe(BUFSTATE_MAGAZINE);
    expect(a.fill).toBe(FILL_DEADBEEF);
    expect(a.ptrs ?? []).toEqual([]);
    const b = now(kmemCacheAlloc(r.km, r.cp, KM_SLEEP))!;
    expect(b).toBe(a); // the magazine's top round
    expect(r.ctl.ctor).toBe(2);
    expect(loadPtr(b, 0)).toBe(r.cp.cache_private);
    expect(loadPtr(b, CLIENT_OFF)).toBe(0);
    expect(checkKmem(r.km)).toEqual([]);
  });
});

describe('non-DEBUG kernel: a failing constructor', () => {
  it('gives KM_PUSHPAGE and KM_SLEEP callers NULL, counted in cache_alloc_fail, without a panic', () => {
    const r = rig(false);
    expect(r.cp.cache_flags).toBe(0);
    r.ctl.fail = true;
    for (const [i, flag] of [KM_PUSHPAGE, KM_SLEEP, KM_NOSLEEP].entries()) {
      const { why, got } = allocOnThread(r, flag);
      expect(why).not.toBe('panic');
      expect(got).toBeNull();
      expect(r.cp.cache_alloc_fail).toBe(i + 1);
    }
    expect(r.k.panicked).toBeNull();
    expect(r.ctl.flags).toEqual([KM_PUSHPAGE, KM_SLEEP, KM_NOSLEEP]);
    // the buffer went back to its slab (whose last buffer it was: the slab is gone)
    expect(r.cp.allocated.size).toBe(0);
    expect(r.cp.cache_buftotal).toBe(r.cp.cache_bufslab);
    expect(checkKmem(r.km)).toEqual([]);
  });

  it('keeps a freed buffer constructed in its magazine: the next allocation runs no constructor', () => {
    const r = rig(false);
    const a = now(kmemCacheAlloc(r.km, r.cp, KM_SLEEP))!;
    expect(r.ctl.ctor).toBe(1);
    storePtr(a, CLIENT_OFF, r.cp.cache_private);
    kmemCacheFree(r.km, r.cp, a.addr);
    expect(r.ctl.dtor).toBe(0);
    expect(a.state).toBe(BUFSTATE_MAGAZINE);
    expect(loadPtr(a, 0)).toBe(r.cp.cache_private);
    // even with the constructor failing now, the magazine serves a constructed object
    r.ctl.fail = true;
    const b = now(kmemCacheAlloc(r.km, r.cp, KM_PUSHPAGE))!;
    expect(b).toBe(a);
    expect(r.ctl.ctor).toBe(1);
    expect(loadPtr(b, 0)).toBe(r.cp.cache_private);
    expect(loadPtr(b, CLIENT_OFF)).toBe(r.cp.cache_private);
    expect(r.cp.cache_alloc_fail).toBe(0);
    expect(checkKmem(r.km)).toEqual([]);
  });

  it('destructs magazine rounds only when the reaper gives them back to the slab layer', () => {
    const r = rig(false);
    const magsize = r.cp.cache_magtype!.mt_magsize;
    stock(r, 3 * magsize);
    expect(r.ctl.dtor).toBe(0);
    const full = r.cp.cache_full.total;
    expect(full).toBeGreaterThan(0);
    kmemUpdate(r.km);
    kmemUpdate(r.km);
    kmemReapAll(r.km);
    expect(r.cp.cache_full.total).toBe(0);
    expect(r.ctl.dtor).toBe(full * magsize);
    expect(checkKmem(r.km)).toEqual([]);
  });

  it('on DEBUG, the reaper runs no destructor (the rounds were destructed at free)', () => {
    const r = rig(true);
    const magsize = r.cp.cache_magtype!.mt_magsize;
    stock(r, 3 * magsize);
    expect(r.ctl.dtor).toBe(3 * magsize);
    kmemUpdate(r.km);
    kmemUpdate(r.km);
    kmemReapAll(r.km);
    expect(r.cp.cache_full.total).toBe(0);
    expect(r.ctl.dtor).toBe(3 * magsize);
    expect(checkKmem(r.km)).toEqual([]);
  });
});

describe('kmem_flags with buftags but no poisoning (REDZONE only)', () => {
  it('keeps magazine objects constructed and destructs them when they go back to the slab layer', () => {
    const m = bootKmem({ debug: false });
    m.km.kmem_flags = KMF_REDZONE;
    const ctl = { ctor: 0, dtor: 0 };
    const mk = (name: string, cflags: number) =>
      kmemCacheCreate(m.km, {
        name,
        bufsize: 152,
        cflags,
        ctor: function* (): KGen<number> {
          ctl.ctor++;
          return 0;
        },
        dtor: () => {
          ctl.dtor++;
        },
      });
    const nomag = mk('redzone_nomag', KMC_NOMAGAZINE);
    expect(nomag.cache_flags & KMF_BUFTAG).toBe(KMF_REDZONE);
    const a = now(kmemCacheAlloc(m.km, nomag, KM_SLEEP))!;
    expect(ctl.ctor).toBe(1);
    kmemCacheFree(m.km, nomag, a.addr);
    expect(ctl.dtor).toBe(1);
    const withMags = mk('redzone_mag', 0);
    const b = now(kmemCacheAlloc(m.km, withMags, KM_SLEEP))!;
    kmemCacheFree(m.km, withMags, b.addr);
    expect(ctl.dtor).toBe(1);
    expect(now(kmemCacheAlloc(m.km, withMags, KM_SLEEP))).toBe(b);
    expect(ctl.ctor).toBe(2);
    expect(checkKmem(m.km)).toEqual([]);
  });
});
