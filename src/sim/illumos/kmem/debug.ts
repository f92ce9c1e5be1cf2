/*
 * kmem's debugging layer: buftags (redzone + bufctl ^ state), poisoning with
 * 0xdeadbeef / 0xbaddcafe, auditing, and kmem_error(). Models
 * kmem_cache_alloc_debug() and kmem_cache_free_debug().
 */
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { EVENT_ALLOC, EVENT_FREE, FILL_BADDCAFE, FILL_DEADBEEF } from '../../../dump/format.js';
import { KM_NOSLEEP, KM_PANIC, KMF_AUDIT, KMF_DEADBEEF, KMF_HASH, KMF_LITE, KMF_REDZONE } from './flags.js';
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
  'duplicate free: buffer freed twice',
  'invalid free: buffer not in cache',
  'boundary tag corrupted',
  'bufctl corrupted',
];

/** KMEM_FREE_PATTERN: what verify_pattern() expects in a free buffer */
export const KMEM_FREE_PATTERN = 0xdeadbeefdeadbeefn;

/**
 * models verify_pattern(KMEM_FREE_PATTERN, buf, cache_verify): the offset of
 * the first word of a free buffer that is not the pattern, with what is
 * there, or null. Only words a client wrote after the free can differ.
 */
export function verifyFreePattern(cp: KmemCache, b: Buf): { off: number; word: bigint } | null {
  const c = b.corrupt;
  if (!c || b.fill !== FILL_DEADBEEF) return null;
  let best: { off: number; word: bigint } | null = null;
  for (let i = 0; i < c.length; i += 2) {
    const off = Number(c[i]!);
    if (off >= cp.cache_verify) continue;
    const v = c[i + 1]!;
    const word = typeof v === 'bigint' ? v : BigInt(v);
    if (word !== KMEM_FREE_PATTERN && (best === null || off < best.off)) best = { off, word };
  }
  return best;
}

/**
 * models kmem_free()'s KMF_REDZONE check: kmem_alloc() put KMEM_REDZONE_BYTE
 * right after the size asked for; a word written at or past that size has
 * overwritten it (or the buftag's bt_redzone beyond).
 */
export function redzoneViolated(b: Buf, size: number): boolean {
  const c = b.corrupt;
  if (!c) return false;
  for (let i = 0; i < c.length; i += 2) if (Number(c[i]!) + 8 > size) return true;
  return false;
}

/** kobj_getsymname(pc, &off) as kmem_error prints it: "sym+off" */
function symOff(km: Kmem, pc: number): string {
  const fs = km.k.sym.funcs;
  let lo = 0;
  let hi = fs.length - 1;
  let hit = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fs[mid]!.addr <= pc) {
      hit = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const f = hit >= 0 ? fs[hit]! : null;
  if (!f || pc >= f.addr + f.size) return `?+${pc.toString(16)}`;
  return `${f.name}+${(pc - f.addr).toString(16)}`;
}

/**
 * models kmem_error(error, cparg, bufarg): print the report the real
 * function prints (the reason, the buffer and bufctl, and with KMF_AUDIT the
 * buffer's previous transaction and its stack), then panic when kmem_panic > 0.
 */
export function kmemError(km: Kmem, error: number, cp: KmemCache, addr: number, b: Buf | null = null): void {
  const k = km.k;
  const fr = k.enter(kmem_error, 0b110, error, cp.addr, addr);
  k.console(`kernel memory allocator: ${KMERR_TEXT[error]}`);
  if (error === KMERR_MODIFIED) {
    const m = b ? verifyFreePattern(cp, b) : null;
    const off = m ? m.off : 0;
    const word = m ? m.word : KMEM_FREE_PATTERN;
    k.console(`modification occurred at offset 0x${off.toString(16)} (0x${KMEM_FREE_PATTERN.toString(16)} replaced by 0x${word.toString(16)})`);
  }
  if (error === KMERR_BADBUFTAG && b) {
    // bt_bufctl ^ bt_bxstat is the state word the buftag holds (KMEM_BUFTAG_ALLOC/FREE)
    k.console(`bcp ^ bxstat = ${(b.bxAlloc ? 0xa110c8ed : 0xf4eef4ee).toString(16)}, should be f4eef4ee`);
  }
  const bcp = b && cp.cache_flags & KMF_HASH ? b.bufctl : 0;
  k.console(`buffer=${k.hex(addr)}  bufctl=${bcp ? k.hex(bcp) : '0'}  cache: ${cp.cache_name}`);
  if (b && bcp && cp.cache_flags & KMF_AUDIT && error !== KMERR_BADBUFCTL && b.audThread) {
    const diff = k.now - b.audTime;
    const sec = Math.floor(diff / 1e9);
    const ns = String(diff % 1e9).padStart(9, '0');
    k.console(`previous transaction on buffer ${k.hex(b.addr)}:`);
    k.console(`thread=${k.hex(b.audThread)}  time=T-${sec}.${ns}  slab=${k.hex(b.slab.addr)}  cache: ${cp.cache_name}`);
    for (const pc of km.stacks.stacks[b.audStack] ?? []) k.console(symOff(km, pc));
  }
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
    kmemError(km, KMERR_BADBUFTAG, cp, b.addr, b);
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
    if (b.fill !== FILL_DEADBEEF || verifyFreePattern(cp, b) !== null) {
      kmemError(km, KMERR_MODIFIED, cp, b.addr, b);
      k.leave(fr);
      return -1;
    }
    b.fill = FILL_BADDCAFE;
    b.corrupt = null;
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
  // bt_redzone != KMEM_REDZONE_PATTERN: a write reached the buftag
  if (cp.cache_flags & KMF_REDZONE && b.corrupt && b.corrupt.some((v, i) => i % 2 === 0 && Number(v) + 8 > cp.cache_buftag && Number(v) < cp.cache_buftag + 8)) {
    kmemError(km, KMERR_REDZONE, cp, b.addr, b);
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
