/*
 * The slab layer: kmem_slab_create(), kmem_slab_alloc(), kmem_slab_free() and
 * kmem_slab_destroy().
 *
 *   small slab (KMF_HASH clear): one page; bufctls overlay each free buffer,
 *   the kmem_slab_t sits at the end of the page.
 *
 *     +--------+--------+--------+-- ... --+-------------+
 *     | color  | buf 0  | buf 1  |         | kmem_slab_t |
 *     +--------+--------+--------+-- ... --+-------------+
 *
 *   large slab (KMF_HASH): slabsize bytes of buffers (each followed by its
 *   buftag when KMF_BUFTAG); the kmem_slab_t comes from kmem_slab_cache and
 *   each bufctl (audit bufctl under KMF_AUDIT) from kmem_bufctl_(audit_)cache;
 *   allocated buffers are found through the cache's hash.
 */
import type { Kva } from '../../machine/platform.js';
import { callSiteOffset, func } from '../../machine/symbols.js';
import type { KThread } from '../../machine/thread.js';
import type { KGen } from '../../machine/thread.js';
import { runNoSleep } from '../../machine/sync.js';
import {
  BUFSTATE_ALLOC,
  BUFSTATE_SLAB_FREE,
  EVENT_ALLOC,
  EVENT_ALLOC_FAIL,
  EVENT_FREE,
  EVENT_SLAB_CREATE,
  FILL_BADDCAFE,
  FILL_DEADBEEF,
  FILL_ZERO,
  LOG_FAILURE,
  LOG_SLAB,
  LOG_TRANSACTION,
} from '../../../dump/format.js';
import { vmemAlloc, vmemFree } from '../vmem/index.js';
import { KM_VMFLAGS, KMF_AUDIT, KMF_BUFTAG, KMF_CONTENTS, KMF_DEADBEEF, KMF_HASH, KMEM_STACK_DEPTH } from './flags.js';
import type { Kmem } from './state.js';
import { SIZEOF_KMEM_SLAB } from './cache.js';
import type { Buf, KmemCache, Slab } from './types.js';
// kmem_slab_cache and the bufctl caches are themselves allocated with
// kmem_cache_alloc(); the import cycle mirrors kmem.c calling itself.
import { kmemCacheAlloc, kmemCacheFree } from './alloc.js';

const kmem_slab_create = func('genunix', 'kmem_slab_create', 0x2f0);
const kmem_slab_alloc = func('genunix', 'kmem_slab_alloc', 0x1c0);
const kmem_slab_free = func('genunix', 'kmem_slab_free', 0x1e0);
const kmem_slab_destroy = func('genunix', 'kmem_slab_destroy', 0xc0);


const getpcstack = func('unix', 'getpcstack', 0x70);

/**
 * getpcstack() as KMEM_AUDIT() calls it: the stack starts at the return
 * address of that call in the auditing function (kmem_cache_alloc_debug+0x…),
 * so the innermost frame's pc is moved to its call site first.
 */
function auditStack(km: Kmem, t: KThread): number {
  const cur = t.frames[t.frames.length - 1];
  if (cur) cur.pcOff = callSiteOffset(cur.fn, getpcstack);
  return km.stacks.capture(t.frames, KMEM_STACK_DEPTH);
}

/**
 * models kmem_log_event(lp, cp, sp, addr): a zeroed kmem_bufctl_audit_t
 * naming the cache, slab and address, audited into the failure or slab log
 * with the current thread's stack. Returns the record's address in the log.
 */
export function kmemLog(km: Kmem, which: number, event: number, cp: KmemCache, addr: Kva, slab: Kva, kmflag: number): Kva {
  const k = km.k;
  const t = k.curthread;
  const log = which === LOG_FAILURE ? km.failureLog : which === LOG_SLAB ? km.slabLog : km.transactionLog;
  return log.enter(k.curcpu, {
    time: k.now,
    log: which,
    event,
    thread: t ? t.addr : 0,
    cpu: k.curcpu,
    cache: cp.index,
    addr,
    slab,
    bufctl: 0,
    lastlog: 0,
    contents: 0,
    kmflag,
    stack: t ? auditStack(km, t) : 0,
  });
}

/**
 * models KMEM_AUDIT(kmem_transaction_log, cp, bcp): stamp the audit bufctl
 * with the time, thread and stack, copy it into the transaction log, and
 * point bc_lastlog at the copy (the copy keeps the previous bc_lastlog, so
 * ::bufctl -h can follow a buffer's history back). With KMF_CONTENTS a free
 * first saves cache_contents bytes of the buffer in the content log
 * (kmem_cache_free_debug()); bc_contents points at them.
 */
export function kmemAudit(km: Kmem, cp: KmemCache, b: Buf, event: number, kmflag: number): void {
  const k = km.k;
  const t = k.curthread!;
  if (event === EVENT_FREE && cp.cache_flags & KMF_CONTENTS && cp.cache_flags & KMF_AUDIT) {
    b.audContents = km.contentLog.enter(k.curcpu, null, cp.cache_contents);
  }
  b.audThread = t.addr;
  b.audTime = k.now;
  b.audStack = auditStack(km, t);
  b.audLastlog = km.transactionLog.enter(k.curcpu, {
    time: k.now,
    log: LOG_TRANSACTION,
    event,
    thread: t.addr,
    cpu: k.curcpu,
    cache: cp.index,
    addr: b.addr,
    slab: b.slab.addr,
    bufctl: b.bufctl,
    lastlog: b.audLastlog,
    contents: b.audContents,
    kmflag,
    stack: b.audStack,
  });
}

/** KMF_AUDIT without KMF_BUFTAG: no kmem_cache_*_debug() runs, so the slab layer audits. */
function slabAudits(km: Kmem, cp: KmemCache): boolean {
  return (cp.cache_flags & (KMF_AUDIT | KMF_BUFTAG)) === KMF_AUDIT && km.k.curthread !== null;
}

function partialAdd(cp: KmemCache, sp: Slab): void {
  let b = cp.partial[sp.refcnt];
  if (!b) b = cp.partial[sp.refcnt] = new Set();
  b.add(sp);
  cp.npartial++;
}

function partialRemove(cp: KmemCache, sp: Slab): void {
  if (cp.partial[sp.refcnt]?.delete(sp)) cp.npartial--;
}

/** The first slab of the partial AVL: the most allocated one. */
function partialFirst(cp: KmemCache): Slab | null {
  if (cp.npartial === 0) return null;
  for (let r = cp.partial.length - 1; r >= 0; r--) {
    const b = cp.partial[r];
    if (b && b.size > 0) return b.values().next().value as Slab;
  }
  return null;
}

export function* partialSlabs(cp: KmemCache): Generator<Slab> {
  for (let r = cp.partial.length - 1; r >= 0; r--) {
    const b = cp.partial[r];
    if (b) yield* b;
  }
}

/**
 * models kmem_findslab() for kmem_cache_free_debug(): the buffer of cp that
 * starts at addr, allocated or not, or null if no slab of cp holds one there.
 */
export function kmemFindBuf(cp: KmemCache, addr: Kva): Buf | null {
  for (const sp of [...cp.complete, ...partialSlabs(cp)]) {
    const off = addr - sp.base;
    if (off < 0 || off >= sp.chunks * cp.cache_chunksize) continue;
    return off % cp.cache_chunksize === 0 ? sp.bufs[off / cp.cache_chunksize]! : null;
  }
  return null;
}

/** models kmem_slab_create() */
function* kmemSlabCreate(km: Kmem, cp: KmemCache, kmflag: number): KGen<Slab | null> {
  const k = km.k;
  const fr = k.enter(kmem_slab_create, 0b1, cp.addr, kmflag);
  let color = cp.cache_color + cp.cache_align;
  if (color > cp.cache_maxcolor) color = cp.cache_mincolor;
  cp.cache_color = color;
  const slabMem = yield* vmemAlloc(k, cp.cache_arena, cp.cache_slabsize, kmflag & KM_VMFLAGS);
  if (slabMem === 0) {
    cp.cache_alloc_fail++;
    kmemLog(km, LOG_FAILURE, EVENT_ALLOC_FAIL, cp, 0, 0, kmflag);
    k.leave(fr);
    return null;
  }
  const hashed = (cp.cache_flags & KMF_HASH) !== 0;
  let sbuf: Buf | null = null;
  let saddr: Kva;
  let chunks: number;
  if (hashed) {
    sbuf = yield* kmemCacheAlloc(km, km.slabCache, kmflag & KM_VMFLAGS);
    if (!sbuf) {
      vmemFree(k, cp.cache_arena, slabMem, cp.cache_slabsize);
      cp.cache_alloc_fail++;
      kmemLog(km, LOG_FAILURE, EVENT_ALLOC_FAIL, cp, 0, 0, kmflag);
      k.leave(fr);
      return null;
    }
    saddr = sbuf.addr;
    chunks = Math.floor((cp.cache_slabsize - color) / cp.cache_chunksize);
  } else {
    saddr = slabMem + cp.cache_slabsize - SIZEOF_KMEM_SLAB;
    chunks = Math.floor((cp.cache_slabsize - SIZEOF_KMEM_SLAB - color) / cp.cache_chunksize);
  }
  const sp: Slab = {
    addr: saddr,
    cache: cp,
    base: slabMem + color,
    head: null,
    refcnt: 0,
    chunks,
    bufs: [],
    sbuf,
    size: cp.cache_slabsize,
    color,
    complete: false,
  };
  const poison = cp.cache_flags & KMF_DEADBEEF ? FILL_DEADBEEF : FILL_BADDCAFE;
  let prev: Buf | null = null;
  for (let i = 0; i < chunks; i++) {
    const addr = sp.base + i * cp.cache_chunksize;
    let bufctl = addr + cp.cache_bufctl;
    if (hashed) {
      const bc = yield* kmemCacheAlloc(km, cp.cache_bufctl_cache!, kmflag & KM_VMFLAGS);
      if (!bc) {
        // Unwind: free the bufctls made so far, the slab struct and the memory.
        for (const b of sp.bufs) kmemCacheFree(km, cp.cache_bufctl_cache!, b.bufctl);
        kmemCacheFree(km, km.slabCache, saddr);
        vmemFree(k, cp.cache_arena, slabMem, cp.cache_slabsize);
        cp.cache_alloc_fail++;
        kmemLog(km, LOG_FAILURE, EVENT_ALLOC_FAIL, cp, 0, 0, kmflag);
        k.leave(fr);
        return null;
      }
      bufctl = bc.addr;
    }
    const b: Buf = {
      addr,
      slab: sp,
      bufctl,
      state: BUFSTATE_SLAB_FREE,
      fill: cp.cache_flags & KMF_BUFTAG ? poison : FILL_BADDCAFE,
      bxAlloc: false,
      next: null,
      audThread: 0,
      audTime: 0,
      audStack: 0,
      audLastlog: 0,
      audContents: 0,
      ptrs: null,
      // present from the start, so every Buf has one shape (adding them later
      // gave buffers several hidden classes and the hot paths polymorphic loads)
      corrupt: null,
      allocSize: 0,
      mag: null,
    };
    sp.bufs.push(b);
    // slab_head is a LIFO chain in address order: buffer 0 first
    if (prev) prev.next = b;
    else sp.head = b;
    prev = b;
  }
  kmemLog(km, LOG_SLAB, EVENT_SLAB_CREATE, cp, slabMem, sp.addr, kmflag);
  k.leave(fr);
  return sp;
}

/** models kmem_slab_alloc(): a buffer from the partial slab with the most allocations, or a new slab */
export function* kmemSlabAlloc(km: Kmem, cp: KmemCache, kmflag: number): KGen<Buf | null> {
  const k = km.k;
  const fr = k.enter(kmem_slab_alloc, 0b1, cp.addr, kmflag);
  let sp = partialFirst(cp);
  let fresh = false;
  if (!sp) {
    sp = yield* kmemSlabCreate(km, cp, kmflag);
    if (!sp) {
      k.leave(fr);
      return null;
    }
    fresh = true;
    cp.cache_slab_create++;
    cp.cache_buftotal += sp.chunks;
    if (cp.cache_buftotal > cp.cache_bufmax) cp.cache_bufmax = cp.cache_buftotal;
    cp.cache_bufslab += sp.chunks;
  }
  // kmem_slab_alloc_impl()
  if (!fresh) partialRemove(cp, sp);
  cp.cache_slab_alloc++;
  cp.cache_bufslab--;
  sp.refcnt++;
  const b = sp.head!;
  sp.head = b.next;
  b.next = null;
  b.state = BUFSTATE_ALLOC;
  cp.allocated.set(b.addr, b);
  if (slabAudits(km, cp)) kmemAudit(km, cp, b, EVENT_ALLOC, kmflag);
  if (cp.cache_flags & KMF_HASH) maybeRehash(km, cp);
  if (sp.refcnt === sp.chunks) {
    sp.complete = true;
    cp.complete.add(sp);
  } else {
    partialAdd(cp, sp);
  }
  k.leave(fr);
  return b;
}

/** kmem_hash_rescale(), done inline: double the table when the load exceeds 2 per bucket */
function maybeRehash(km: Kmem, cp: KmemCache): void {
  if (cp.allocated.size <= cp.hashSize * 2) return;
  const k = km.k;
  const ns = cp.hashSize * 4;
  const nt = runNoSleep(vmemAlloc(k, km.arenas.kmem_hash, ns * 8, 1 /* VM_NOSLEEP */), 'kmem_hash_rescale');
  if (nt === 0) return;
  vmemFree(k, km.arenas.kmem_hash, cp.hashTable, cp.hashSize * 8);
  cp.hashTable = nt;
  cp.hashSize = ns;
}

/** models kmem_slab_free(): the buffer goes back on its slab's free chain */
export function kmemSlabFree(km: Kmem, cp: KmemCache, b: Buf): void {
  const k = km.k;
  const fr = k.curthread ? k.enter(kmem_slab_free, 0b11, cp.addr, b.addr) : null;
  const sp = b.slab;
  cp.cache_slab_free++;
  if (slabAudits(km, cp)) kmemAudit(km, cp, b, EVENT_FREE, 0);
  cp.allocated.delete(b.addr);
  b.state = BUFSTATE_SLAB_FREE;
  b.ptrs = null;
  if (!(cp.cache_flags & KMF_BUFTAG)) b.fill = FILL_ZERO;
  b.next = sp.head;
  sp.head = b;
  cp.cache_bufslab++;
  if (sp.complete) {
    sp.complete = false;
    cp.complete.delete(sp);
  } else {
    partialRemove(cp, sp);
  }
  sp.refcnt--;
  if (sp.refcnt === 0) {
    cp.cache_buftotal -= sp.chunks;
    cp.cache_bufslab -= sp.chunks;
    cp.cache_slab_destroy++;
    kmemSlabDestroy(km, cp, sp);
  } else {
    partialAdd(cp, sp);
  }
  if (fr) k.leave(fr);
}

/** models kmem_slab_destroy(): bufctls, slab struct and memory go back */
function kmemSlabDestroy(km: Kmem, cp: KmemCache, sp: Slab): void {
  const k = km.k;
  const fr = k.curthread ? k.enter(kmem_slab_destroy, 0b11, cp.addr, sp.addr) : null;
  const slabMem = sp.base - sp.color;
  if (cp.cache_flags & KMF_HASH) {
    for (const b of sp.bufs) kmemCacheFree(km, cp.cache_bufctl_cache!, b.bufctl);
    kmemCacheFree(km, km.slabCache, sp.addr);
  }
  vmemFree(k, cp.cache_arena, slabMem, sp.size);
  if (fr) k.leave(fr);
}

