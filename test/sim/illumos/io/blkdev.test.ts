/*
 * blkdev's transfer constructor and the root nexus's DMA handle cache, before
 * and after the fix 679ac15 (illumos #2911).
 *
 * bd_xfer_ctor(kmflag) chooses the DMA callback: DDI_DMA_SLEEP for KM_SLEEP
 * (and, after 679ac15, for KM_PUSHPAGE), DDI_DMA_DONTWAIT otherwise; rootnex
 * turns DDI_DMA_SLEEP into a KM_SLEEP allocation of its handle and anything
 * else into KM_NOSLEEP. We observe the kmflag rootnex really used: in the
 * audit log of a DEBUG kernel; in kmem_failure_log when the handle cache has
 * to make a slab and memory is below pageout_reserve; and on the stack of a
 * thread that sleeps in the page allocator for it.
 */
import { vioblkBdDmaAttr } from '../../../../src/sim/illumos/io/vioblk.js';
import { describe, expect, it } from 'vitest';
import { kmemCacheAlloc, KM_NOSLEEP, KM_PUSHPAGE, KM_SLEEP, type Buf } from '../../../../src/sim/illumos/kmem/kmem.js';
import { loadPtr } from '../../../../src/sim/illumos/kmem/contents.js';
import { rootnexAttach, type Rootnex } from '../../../../src/sim/illumos/io/rootnex.js';
import { bdAttach, bdStateInit, bdStrategy, type Bd } from '../../../../src/sim/illumos/io/blkdev.js';
import { func } from '../../../../src/sim/machine/symbols.js';
import { DDI_DMA_SLEEP, ENOMEM } from '../../../../src/sim/illumos/io/ddi.js';
import type { Bio } from '../../../../src/sim/illumos/io/bio.js';
import { offsetOf } from '../../../../src/dump/types/illumos/index.js';
import { illumosLayouts } from '../../../../src/sim/illumos/dump/layouts.js';
import { EVENT_ALLOC, EVENT_ALLOC_FAIL, LOG_FAILURE, LOG_TRANSACTION } from '../../../../src/dump/format.js';
import { TS_SLEEP, type KThread, type Frame } from '../../../../src/sim/machine/thread.js';
import type { Kernel } from '../../../../src/sim/machine/kernel.js';
import { bootKmem, checkKmem, giveBack, now, spawnUser, squeeze, stackNames, type Machine } from '../kmem/helpers.js';

const PANIC_2911 = 'assertion failed: rc == -1, file: ../../common/os/kmem.c, line: 2598';
const X_DMAH = offsetOf(illumosLayouts(), 'bd_xfer_impl_t', 'i_public.x_dmah');

interface Disk extends Machine {
  rn: Rootnex;
  bd: Bd;
  started: Buf[];
}

function disk(debug: boolean, fix679ac15: boolean): Disk {
  const m = bootKmem({ debug });
  const rn = rootnexAttach(m.km);
  const started: Buf[] = [];
  const bd = now(
    bdAttach(m.k, m.km, rn, now(bdStateInit(m.km)), 0, { start: (_k, _bd, xi) => started.push(xi), readFn: func('blkdev', 'test_o_read', 0x40), dmaAttr: vioblkBdDmaAttr() }, { qsize: 8, useDma: true, numblks: 1 << 20, fix679ac15 }),
  );
  return { ...m, rn, bd, started };
}

/** The function a pc falls in. */
function fnAt(k: Kernel, pc: number): string {
  const f = k.sym.funcs.find((x) => pc >= x.addr && pc < x.addr + x.size);
  return f ? f.name : `?${pc}`;
}

/** The innermost frame of `name` on t (optionally the one whose args[0] is `arg0`). */
function frame(t: KThread, name: string, arg0?: number): Frame | undefined {
  for (let i = t.frames.length - 1; i >= 0; i--) {
    const f = t.frames[i]!;
    if (f.fn.name === name && (arg0 === undefined || f.args[0] === arg0)) return f;
  }
  return undefined;
}

const FLAGS = [
  ['KM_SLEEP', KM_SLEEP],
  ['KM_NOSLEEP', KM_NOSLEEP],
  ['KM_PUSHPAGE', KM_PUSHPAGE],
] as const;

/** the handle kmflag each xfer kmflag leads to */
function expectedHandleFlag(kmflag: number, fixed: boolean): number {
  return kmflag === KM_SLEEP || (fixed && kmflag === KM_PUSHPAGE) ? KM_SLEEP : KM_NOSLEEP;
}

describe('bd_xfer_ctor → ddi_dma_alloc_handle → rootnex: the kmflag of the handle allocation', () => {
  for (const fixed of [false, true]) {
    for (const [name, kmflag] of FLAGS) {
      const want = expectedHandleFlag(kmflag, fixed);
      it(`${fixed ? 'after' : 'before'} 679ac15, ${name} allocates the handle with ${want === KM_SLEEP ? 'KM_SLEEP' : 'KM_NOSLEEP'}`, () => {
        const d = disk(true, fixed);
        const xi = now(kmemCacheAlloc(d.km, d.bd.cache, kmflag));
        expect(xi).not.toBeNull();
        const h = loadPtr(xi!, X_DMAH);
        expect(d.rn.r_dmahdl_cache.allocated.has(h)).toBe(true);
        // the audit record of the handle's allocation: its kmflag and the stack that made it
        const rec = d.km.transactionLog
          .records()
          .find((x) => x.log === LOG_TRANSACTION && x.event === EVENT_ALLOC && x.cache === d.rn.r_dmahdl_cache.index && x.addr === h)!;
        expect(rec).toBeDefined();
        expect(rec.kmflag).toBe(want);
        const stack = d.km.stacks.stacks[rec.stack]!.map((pc) => fnAt(d.k, pc));
        const at = stack.indexOf('kmem_cache_alloc');
        expect(stack.slice(at, at + 6)).toEqual([
          'kmem_cache_alloc',
          'rootnex_coredma_allochdl',
          'rootnex_dma_allochdl',
          'ddi_dma_alloc_handle',
          'bd_xfer_ctor',
          'kmem_cache_alloc_debug',
        ]);
        // and the xfer's own allocation was audited with the caller's kmflag
        const xrec = d.km.transactionLog.records().find((x) => x.event === EVENT_ALLOC && x.cache === d.bd.cache.index && x.addr === xi!.addr)!;
        expect(xrec.kmflag).toBe(kmflag);
      });
    }
  }
});

/**
 * Make the handle cache unable to supply a buffer without a new slab (all its
 * buffers allocated, none in magazines), keep some constructed-free xfers in
 * the xfer cache's slab, and bring freemem down to pageout_reserve: a NOSLEEP
 * page request now fails, a sleeping one waits on freemem_cv.
 */
function starve(d: Disk): { taken: number; xfers: Buf[]; handles: Buf[] } {
  const xfers = [now(kmemCacheAlloc(d.km, d.bd.cache, KM_SLEEP))!];
  const hc = d.rn.r_dmahdl_cache;
  const handles: Buf[] = [];
  while (hc.npartial > 0) handles.push(now(kmemCacheAlloc(d.km, hc, KM_SLEEP))!);
  expect(d.bd.cache.npartial).toBe(1);
  for (const cc of hc.cache_cpu) expect(Math.max(0, cc.cc_rounds) + Math.max(0, cc.cc_prounds)).toBe(0);
  const taken = squeeze(d.k, d.ps, d.ps.pageout_reserve);
  expect(d.ps.freemem).toBe(d.ps.pageout_reserve);
  return { taken, xfers, handles };
}

function lastFailure(d: Disk) {
  const recs = d.km.failureLog.records().filter((x) => x.log === LOG_FAILURE && x.event === EVENT_ALLOC_FAIL);
  return recs[recs.length - 1];
}

/** Allocate an xfer on a user thread. */
function allocXfer(d: Disk, kmflag: number) {
  let got: Buf | null | undefined;
  const { t } = spawnUser(d.k, function* () {
    got = yield* kmemCacheAlloc(d.km, d.bd.cache, kmflag);
  });
  const why = d.k.run(() => false);
  return { why, t, got: () => got };
}

/** The thread sleeps in the page allocator for the handle's slab, called with `kmflag`. */
function expectSleepingForHandle(d: Disk, t: KThread, kmflag: number): void {
  expect(t.state).toBe(TS_SLEEP);
  expect(t.wchan).toBe(d.ps.freememCv);
  const names = stackNames(t);
  expect(names.slice(0, 5)).toEqual(['swtch', 'cv_wait', 'page_create_throttle', 'page_create_wait', 'page_create_va']);
  expect(names).toContain('segkmem_alloc');
  expect(names).toContain('kmem_slab_create');
  expect(frame(t, 'kmem_cache_alloc', d.rn.r_dmahdl_cache.addr)!.args[1]).toBe(KM_SLEEP);
  expect(frame(t, 'ddi_dma_alloc_handle')!.args[2]).toBe(DDI_DMA_SLEEP);
  expect(frame(t, 'bd_xfer_ctor')!.args[2]).toBe(kmflag);
  expect(frame(t, 'kmem_cache_alloc', d.bd.cache.addr)!.args[1]).toBe(kmflag);
}

describe('the handle cache cannot grow without sleeping', () => {
  for (const debug of [true, false]) {
    const kind = debug ? 'DEBUG' : 'non-DEBUG';
    for (const fixed of [false, true]) {
      const when = fixed ? 'after 679ac15' : 'before 679ac15';

      it(`${kind}, ${when}: KM_NOSLEEP fails (DONTWAIT → KM_NOSLEEP → NORESOURCES) without a panic`, () => {
        const d = disk(debug, fixed);
        starve(d);
        const fails = d.bd.cache.cache_alloc_fail;
        const r = allocXfer(d, KM_NOSLEEP);
        expect(r.why).not.toBe('panic');
        expect(r.got()).toBeNull();
        expect(d.rn.noResources).toBe(1);
        expect(d.bd.cache.cache_alloc_fail).toBe(fails + 1);
        expect(lastFailure(d)).toMatchObject({ cache: d.rn.r_dmahdl_cache.index, kmflag: KM_NOSLEEP, thread: r.t.addr });
        expect(checkKmem(d.km)).toEqual([]);
      });

      it(`${kind}, ${when}: KM_SLEEP sleeps for memory (DDI_DMA_SLEEP → KM_SLEEP) and then succeeds`, () => {
        const d = disk(debug, fixed);
        const { taken } = starve(d);
        const r = allocXfer(d, KM_SLEEP);
        expect(r.why).toBe('hang');
        expectSleepingForHandle(d, r.t, KM_SLEEP);
        giveBack(d.k, taken);
        expect(d.k.run(() => false)).toBe('idle');
        expect(r.got()).not.toBeNull();
        expect(d.rn.r_dmahdl_cache.allocated.has(loadPtr(r.got()!, X_DMAH))).toBe(true);
        expect(d.rn.noResources).toBe(0);
      });

      it(`${kind}, ${when}: KM_PUSHPAGE ${fixed ? 'sleeps for memory and succeeds' : debug ? 'panics in kmem_cache_alloc' : 'returns NULL'}`, () => {
        const d = disk(debug, fixed);
        const { taken } = starve(d);
        const fails = d.bd.cache.cache_alloc_fail;
        const r = allocXfer(d, KM_PUSHPAGE);
        if (fixed) {
          // 679ac15: KM_PUSHPAGE → DDI_DMA_SLEEP → KM_SLEEP, which waits and never fails
          expect(r.why).toBe('hang');
          expectSleepingForHandle(d, r.t, KM_PUSHPAGE);
          giveBack(d.k, taken);
          expect(d.k.run(() => false)).toBe('idle');
          expect(r.got()).not.toBeNull();
          expect(d.bd.cache.cache_alloc_fail).toBe(fails);
          expect(d.k.panicked).toBeNull();
          return;
        }
        // before: KM_PUSHPAGE → DDI_DMA_DONTWAIT → KM_NOSLEEP, which fails
        expect(d.rn.noResources).toBe(1);
        expect(lastFailure(d)).toMatchObject({ cache: d.rn.r_dmahdl_cache.index, kmflag: KM_NOSLEEP });
        expect(d.bd.cache.cache_alloc_fail).toBe(fails + 1);
        if (debug) {
          expect(r.why).toBe('panic');
          expect(d.k.panicked).toMatchObject({ message: PANIC_2911, thread: r.t });
          expect(stackNames(r.t).slice(0, 3)).toEqual(['vpanic', 'assfail', 'kmem_cache_alloc']);
          expect(r.t.frames[r.t.frames.length - 3]!.args).toEqual([d.bd.cache.addr, KM_PUSHPAGE]);
        } else {
          expect(r.why).not.toBe('panic');
          expect(r.got()).toBeNull();
          expect(d.k.panicked).toBeNull();
          expect(checkKmem(d.km)).toEqual([]);
        }
      });
    }
  }
});

describe('bd_strategy under the same shortage (NOSLEEP, then PUSHPAGE)', () => {
  function strategy(d: Disk) {
    const done: Bio[] = [];
    const bp: Bio = { addr: d.k.bootAlloc(0x100), flags: 0x41, blkno: 64, bcount: 8192, data: 0, iodoneFn: 0, error: 0, iodone: (_k, b) => done.push(b) };
    const { t } = spawnUser(d.k, function* () {
      yield* bdStrategy(d.k, d.bd, bp);
    });
    const why = d.k.run(() => false);
    return { why, t, bp, done };
  }

  it('panics a DEBUG kernel before 679ac15, on the reading thread, with #2911 stack', () => {
    const d = disk(true, false);
    starve(d);
    const r = strategy(d);
    expect(r.why).toBe('panic');
    expect(d.k.panicked!.message).toBe(PANIC_2911);
    expect(d.k.panicked!.thread).toBe(r.t);
    expect(stackNames(r.t).slice(0, 5)).toEqual(['vpanic', 'assfail', 'kmem_cache_alloc', 'bd_xfer_alloc', 'bd_strategy']);
    expect(frame(r.t, 'bd_xfer_alloc')!.args[3]).toBe(KM_PUSHPAGE);
    // the NOSLEEP attempt failed first, with DONTWAIT in the constructor
    expect(d.bd.cache.cache_alloc_fail).toBe(2);
    expect(d.rn.noResources).toBe(2);
    expect(r.bp.error).toBe(ENOMEM);
    expect(r.done).toEqual([]);
  });

  it('fails the I/O with ENOMEM on a non-DEBUG kernel before 679ac15', () => {
    const d = disk(false, false);
    starve(d);
    const r = strategy(d);
    expect(r.why).not.toBe('panic');
    expect(r.bp.error).toBe(ENOMEM);
    expect(r.done).toEqual([r.bp]);
    expect(d.bd.enomem).toBe(1);
    expect(d.bd.cache.cache_alloc_fail).toBe(2);
    expect(d.started).toEqual([]);
  });

  for (const debug of [true, false]) {
    it(`after 679ac15 (${debug ? 'DEBUG' : 'non-DEBUG'}), waits for memory and starts the transfer`, () => {
      const d = disk(debug, true);
      const { taken } = starve(d);
      const r = strategy(d);
      expect(r.why).toBe('hang');
      expectSleepingForHandle(d, r.t, KM_PUSHPAGE);
      expect(frame(r.t, 'bd_xfer_alloc')!.args[3]).toBe(KM_PUSHPAGE);
      giveBack(d.k, taken);
      expect(d.k.run(() => false)).toBe('idle');
      expect(d.k.panicked).toBeNull();
      expect(d.started).toHaveLength(1);
      expect(d.bd.xfers.get(d.started[0]!)?.bp).toBe(r.bp);
      // the failed NOSLEEP attempt's bioerror() stays on the buf (as in blkdev.c)
      expect(r.bp.error).toBe(ENOMEM);
      expect(d.bd.enomem).toBe(0);
    });
  }
});
