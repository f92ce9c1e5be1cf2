/*
 * kmem_cache_create()'s flag derivation (deriveCacheFlags) and the flags a
 * booted kernel's caches actually get, blkdev0_xfer's above all: on a DEBUG
 * kernel it is AUDIT|DEADBEEF|REDZONE|CONTENTS|HASH (0x20f) with magazines,
 * which is what puts bd_xfer_ctor on every allocation (illumos #2911).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  deriveCacheFlags,
  KMC_NODEBUG,
  KMC_NOHASH,
  KMC_NOMAGAZINE,
  KMC_NOTOUCH,
  KMC_QCACHE,
  KMEM_MAGTYPES,
  KMF_AUDIT,
  KMF_BUFTAG,
  KMF_CONTENTS,
  KMF_DEADBEEF,
  KMF_DEBUG,
  KMF_FIREWALL,
  KMF_HASH,
  KMF_LITE,
  KMF_NOMAGAZINE,
  KMF_REDZONE,
  KMF_TOUCH,
  KMEM_BUFTAG_SIZE,
} from '../../../../src/sim/illumos/kmem/kmem.js';
import { illumosLayouts } from '../../../../src/sim/illumos/dump/layouts.js';
import { rootnexAttach, ROOTNEX_DMAHDL_SIZE } from '../../../../src/sim/illumos/io/rootnex.js';
import { bdAttach, bdStateInit } from '../../../../src/sim/illumos/io/blkdev.js';
import { bootKmem, now } from './helpers.js';

const PAGE = 4096;
const MINFIREWALL = PAGE / 2;
const XFER_SIZE = illumosLayouts().structs.get('bd_xfer_impl_t')!.size;
const DEBUG_FLAGS = KMF_AUDIT | KMF_DEADBEEF | KMF_REDZONE | KMF_CONTENTS; // kmem_flags on DEBUG kernels

/** deriveCacheFlags for a cache of kmem_default (the vmp == NULL case) */
const derive = (kmemFlags: number, cflags: number, bufsize: number, isDefault = true): number =>
  deriveCacheFlags(kmemFlags, cflags, bufsize, PAGE, MINFIREWALL, isDefault);

describe('deriveCacheFlags (the top of kmem_cache_create)', () => {
  it('gives a small ordinary cache AUDIT|DEADBEEF|REDZONE|CONTENTS|HASH = 0x20f on DEBUG', () => {
    expect(XFER_SIZE).toBeLessThan(2048);
    expect(derive(0xf, 0, XFER_SIZE)).toBe(0x20f);
    expect(derive(DEBUG_FLAGS, 0, 8)).toBe(0x20f);
    expect(derive(DEBUG_FLAGS, 0, MINFIREWALL - 1)).toBe(0x20f);
  });

  it('gives nothing on a non-DEBUG kernel but HASH for buffers of quantum/8 and more', () => {
    expect(derive(0, 0, XFER_SIZE)).toBe(0);
    expect(derive(0, 0, PAGE / 8 - 8)).toBe(0);
    expect(derive(0, 0, PAGE / 8)).toBe(KMF_HASH);
    expect(derive(0, 0, 8192)).toBe(KMF_HASH);
  });

  it('keeps a KMC_NOHASH cache on small slabs even when audited or large', () => {
    // kmem_cache_create clears AUDIT and FIREWALL for NOHASH, and CONTENTS
    // without AUDIT: kmem's metadata caches are 0006 on a DEBUG kernel
    expect(derive(0xf, KMC_NOHASH, XFER_SIZE)).toBe(KMF_DEADBEEF | KMF_REDZONE);
    expect(derive(0xf, KMC_NOHASH, XFER_SIZE)).toBe(0x6);
    expect(derive(0, KMC_NOHASH, 8192)).toBe(0);
    // NOHASH also keeps it out of the firewall
    expect(derive(0xf, KMC_NOHASH, 8192)).toBe(0x6);
  });

  it('firewalls buftagged buffers of kmem_minfirewall and more: no buftag, no magazines', () => {
    const f = derive(0xf, 0, MINFIREWALL);
    expect(f).toBe(KMF_AUDIT | KMF_CONTENTS | KMF_NOMAGAZINE | KMF_FIREWALL | KMF_HASH);
    expect(f & KMF_BUFTAG).toBe(0);
    // only for kmem_default's caches
    expect(derive(0xf, 0, MINFIREWALL, false)).toBe(0x20f);
    // never without a buftag to begin with
    expect(derive(0, 0, MINFIREWALL)).toBe(KMF_HASH);
  });

  it('clears every debug flag for KMC_NODEBUG', () => {
    expect(derive(0xf, KMC_NODEBUG, XFER_SIZE)).toBe(0);
    expect(derive(0xf, KMC_NODEBUG, 8192)).toBe(KMF_HASH);
    expect(derive(0xf | KMF_LITE, KMC_NODEBUG, XFER_SIZE)).toBe(0);
  });

  it('applies the other rules: DEADBEEF adds REDZONE, NOTOUCH, QCACHE and NOMAGAZINE', () => {
    expect(derive(KMF_DEADBEEF, 0, XFER_SIZE)).toBe(KMF_DEADBEEF | KMF_REDZONE);
    // CONTENTS means nothing without AUDIT
    expect(derive(KMF_CONTENTS, 0, XFER_SIZE)).toBe(0);
    // NOTOUCH: audit only, and the buffers must stay out of the bufctl's way
    expect(derive(0xf, KMC_NOTOUCH, XFER_SIZE)).toBe(KMF_AUDIT | KMF_HASH);
    // the quantum caches vmem makes (QCACHE|NOTOUCH) lose their magazines when audited
    expect(derive(0xf, KMC_QCACHE | KMC_NOTOUCH, PAGE)).toBe(KMF_AUDIT | KMF_NOMAGAZINE | KMF_HASH);
    expect(derive(0, KMC_QCACHE | KMC_NOTOUCH, PAGE)).toBe(KMF_HASH);
    expect(derive(0xf, KMC_NOMAGAZINE, XFER_SIZE)).toBe(0x20f | KMF_NOMAGAZINE);
  });

  it('satisfies the derivation rules for every kmem_flags, cflags and size', () => {
    const cflagBits = [KMC_NOTOUCH, KMC_NODEBUG, KMC_NOMAGAZINE, KMC_NOHASH, KMC_QCACHE];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x1ff }),
        fc.subarray(cflagBits),
        fc.integer({ min: 1, max: 20000 }),
        fc.boolean(),
        (kf, cfl, size, isDefault) => {
          const cflags = cfl.reduce((a, b) => a | b, 0);
          const f = derive(kf, cflags, size, isDefault);
          // only debug flags and HASH can come out
          expect(f & ~(KMF_DEBUG | KMF_HASH)).toBe(0);
          if (cflags & KMC_NODEBUG) expect(f & ~(KMF_HASH | KMF_NOMAGAZINE)).toBe(0);
          if (cflags & KMC_NOTOUCH) expect(f & KMF_TOUCH).toBe(0);
          if (f & KMF_DEADBEEF) expect(f & KMF_REDZONE).toBe(KMF_REDZONE);
          if (f & KMF_CONTENTS) expect(f & KMF_AUDIT).toBe(KMF_AUDIT);
          if (f & KMF_FIREWALL) {
            expect(f & KMF_BUFTAG).toBe(0);
            expect(f & KMF_NOMAGAZINE).toBe(KMF_NOMAGAZINE);
          }
          if (cflags & KMC_NOMAGAZINE) expect(f & KMF_NOMAGAZINE).toBe(KMF_NOMAGAZINE);
          if (cflags & KMC_NOHASH) expect(f & KMF_HASH).toBe(0);
          // audited and untouchable caches always hash their bufctls (unless NOHASH)
          if (!(cflags & KMC_NOHASH) && (f & KMF_AUDIT || cflags & KMC_NOTOUCH)) expect(f & KMF_HASH).toBe(KMF_HASH);
          // and a plain non-debug cache hashes exactly when its chunks are big
          if (kf === 0 && cflags === 0) expect(f).toBe(Math.ceil(size / 8) * 8 >= PAGE / 8 ? KMF_HASH : 0);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('caches of a booted kernel', () => {
  function attach(debug: boolean) {
    const m = bootKmem({ debug });
    const rn = rootnexAttach(m.km);
    const dev = { start: () => {} };
    const bd = now(bdAttach(m.k, m.km, rn, now(bdStateInit(m.km)), 0, dev, { qsize: 4, useDma: true, numblks: 1 << 20, fix679ac15: false }));
    return { ...m, rn, bd };
  }

  it('makes blkdev0_xfer 0x20f with buftags and magazines on DEBUG', () => {
    const { km, bd, rn } = attach(true);
    const cp = bd.cache;
    expect(cp.cache_name).toBe('blkdev0_xfer');
    expect(km.kmem_flags).toBe(0xf);
    expect(cp.cache_flags).toBe(0x20f);
    expect(cp.cache_bufsize).toBe(XFER_SIZE);
    expect(cp.cache_buftag).toBe(Math.ceil(XFER_SIZE / 8) * 8);
    expect(cp.cache_chunksize).toBe(cp.cache_buftag + KMEM_BUFTAG_SIZE);
    expect(cp.cache_bufctl_cache).toBe(km.bufctlAuditCache);
    expect(cp.ctorName).toBe('bd_xfer_ctor');
    expect(cp.dtorName).toBe('bd_xfer_dtor');
    // magazines: the first magazine type whose minbuf is below the chunk size
    const mt = KMEM_MAGTYPES.find((t) => t.mt_minbuf < cp.cache_chunksize)!;
    expect(cp.cache_magtype).toBe(mt);
    expect(cp.magCache).toBe(km.magCaches.get(mt.mt_magsize));
    for (const cc of cp.cache_cpu) {
      expect(cc.cc_magsize).toBe(mt.mt_magsize);
      expect(cc.cc_flags).toBe(0x20f);
      expect(cc.cc_rounds).toBe(-1);
    }
    expect(km.caches).toContain(cp);
    // the DMA handle cache follows the same rules (a handle is large enough to be firewalled)
    expect(rn.r_dmahdl_cache.cache_name).toBe('rootnex_dmahdl');
    expect(rn.r_dmahdl_cache.cache_flags).toBe(derive(0xf, 0, ROOTNEX_DMAHDL_SIZE));
  });

  it('makes blkdev0_xfer a plain small-slab cache with magazines on non-DEBUG', () => {
    const { km, bd } = attach(false);
    const cp = bd.cache;
    expect(km.kmem_flags).toBe(0);
    expect(cp.cache_flags).toBe(0);
    expect(cp.cache_chunksize).toBe(Math.ceil(XFER_SIZE / 8) * 8);
    expect(cp.cache_bufctl_cache).toBeNull();
    expect(cp.cache_slabsize).toBe(PAGE);
    expect(cp.cache_magtype).not.toBeNull();
    for (const cc of cp.cache_cpu) expect(cc.cc_magsize).toBe(cp.cache_magtype!.mt_magsize);
  });

  it('derives every cache of a booted kernel the way deriveCacheFlags says', () => {
    for (const debug of [true, false]) {
      const { km } = bootKmem({ debug });
      for (const cp of km.caches) {
        const isDefault = cp.cache_arena === km.arenas.kmem_default || (cp.cache_flags & KMF_FIREWALL) !== 0;
        expect(cp.cache_flags, cp.cache_name).toBe(derive(km.kmem_flags, cp.cache_cflags, cp.cache_bufsize, isDefault));
        // NOMAGAZINE caches have no magazine type, the others one
        expect(cp.cache_magtype === null, cp.cache_name).toBe((cp.cache_flags & KMF_NOMAGAZINE) !== 0);
      }
      // kmem's own caches never hash (they would recurse into themselves)
      for (const cp of [km.slabCache, km.bufctlCache, km.bufctlAuditCache, ...km.magCaches.values()]) {
        expect(cp.cache_flags & KMF_HASH, cp.cache_name).toBe(0);
      }
    }
  });
});
