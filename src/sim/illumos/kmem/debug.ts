/*
 * kmem's debugging layer: buftags (redzone + bufctl ^ state), poisoning with
 * 0xdeadbeef / 0xbaddcafe, auditing, and kmem_error(). Models
 * kmem_cache_alloc_debug() and kmem_cache_free_debug().
 */
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { EVENT_ALLOC, EVENT_FREE, FILL_BADDCAFE, FILL_DEADBEEF } from '../../../dump/format.js';
import { KM_NOSLEEP, KM_PANIC, KMF_AUDIT, KMF_DEADBEEF, KMF_HASH, KMF_LITE } from './flags.js';
import type { Kmem } from './state.js';
import type { Buf, KmemCache } from './types.js';
import { kmemAudit, kmemSlabFree } from './slab.js';

const kmem_cache_alloc_debug = func('genunix', 'kmem_cache_alloc_debug', 0x2c0);
const kmem_cache_free_debug = func('genunix', 'kmem_cache_free_debug', 0x2a0);
const kmem_error = func('genunix', 'kmem_error', 0x3e0);

/** kmem_error() types (KMERR_*) */
export const KMERR_MODIFIED = 0;
export const KMERR_REDZONE = 1;
export const KMERR_DUPFREE = 2;
export const KMERR_BADADDR = 3;
export const KMERR_BADBUFTAG = 4;
export const KMERR_BADBUFCTL = 5;

const KMERR_TEXT = [
  'buffer modified after being freed',
  'redzone violation: write past end of buffer',
  'duplicate free',
  'invalid free: buffer not in cache',
  'boundary tag corrupt',
  'bufctl corrupt',
];

/** kmem_error(): report heap corruption; panics when kmem_panic > 0 */
export function kmemError(km: Kmem, error: number, cp: KmemCache, addr: number): void {
  const k = km.k;
  const fr = k.enter(kmem_error, 0b110, error, cp.addr, addr);
  k.console(`kernel memory allocator: ${KMERR_TEXT[error]}`);
  k.console(`buffer=${k.hex(addr)}  bufctl=0  cache: ${cp.cache_name}`);
  if (km.kmem_panic > 0) k.panic('kernel heap corruption detected');
  k.leave(fr);
}

/**
 * models kmem_cache_alloc_debug(): verify and claim a buffer's buftag, apply
 * the constructor, audit. Returns 0 on success, -1 when it found corruption
 * (kmem_error did not panic), 1 when the constructor failed; on failure the
 * buffer has already been given back to the slab layer.
 */
export function* kmemCacheAllocDebug(km: Kmem, cp: KmemCache, b: Buf, kmflag: number, construct: boolean): KGen<number> {
  const k = km.k;
  const fr = k.enter(kmem_cache_alloc_debug, 0b11, cp.addr, b.addr, kmflag, construct ? 1 : 0);
  if (b.bxAlloc) {
    kmemError(km, KMERR_BADBUFTAG, cp, b.addr);
    k.leave(fr);
    return -1;
  }
  b.bxAlloc = true;
  if (cp.cache_flags & KMF_HASH && b.slab.cache !== cp) {
    kmemError(km, KMERR_BADBUFCTL, cp, b.addr);
    k.leave(fr);
    return -1;
  }
  if (cp.cache_flags & KMF_DEADBEEF && !(cp.cache_flags & KMF_LITE)) {
    // Buffers in magazines were destructed and poisoned when freed, so the
    // constructor must run again: construct is forced (illumos #2911's path).
    construct = true;
    if (b.fill !== FILL_DEADBEEF) {
      kmemError(km, KMERR_MODIFIED, cp, b.addr);
      k.leave(fr);
      return -1;
    }
    b.fill = FILL_BADDCAFE;
  }
  const mtbf = km.kmem_mtbf | cp.cache_mtbf;
  const induced = mtbf !== 0 && k.now % mtbf === 0 && (kmflag & (KM_NOSLEEP | KM_PANIC)) === KM_NOSLEEP;
  let ctorFailed = false;
  if (!induced && construct && cp.ctor) {
    ctorFailed = (yield* cp.ctor(k, b, kmflag)) !== 0;
  }
  if (induced || ctorFailed) {
    cp.cache_alloc_fail++;
    b.bxAlloc = false;
    b.fill = FILL_DEADBEEF;
    b.ptrs = null;
    kmemSlabFree(km, cp, b);
    k.leave(fr);
    return 1;
  }
  if (cp.cache_flags & KMF_AUDIT) kmemAudit(km, cp, b, EVENT_ALLOC, kmflag);
  k.leave(fr);
  return 0;
}

/**
 * models kmem_cache_free_debug(): check the buftag, audit, and with
 * KMF_DEADBEEF destroy and poison the object, so every later allocation
 * reconstructs it even from a magazine. Returns -1 on corruption.
 */
export function kmemCacheFreeDebug(km: Kmem, cp: KmemCache, b: Buf): number {
  const k = km.k;
  const fr = k.enter(kmem_cache_free_debug, 0b11, cp.addr, b.addr);
  if (!b.bxAlloc) {
    kmemError(km, KMERR_DUPFREE, cp, b.addr);
    k.leave(fr);
    return -1;
  }
  b.bxAlloc = false;
  if (cp.cache_flags & KMF_AUDIT) kmemAudit(km, cp, b, EVENT_FREE, 0);
  if (cp.cache_flags & KMF_DEADBEEF && !(cp.cache_flags & KMF_LITE)) {
    if (cp.dtor) cp.dtor(k, b);
    b.ptrs = null;
    b.fill = FILL_DEADBEEF;
  }
  k.leave(fr);
  return 0;
}
