/*
 * kmem's objects into dump tables: caches, CPU caches, slabs, bufctls and the
 * contents of every buffer (savecore's view of the heap).
 */
import { formatTable, TableBuilder } from '../../../dump/builder.js';
import type { Table } from '../../../dump/format.js';
import { NO_ROW } from '../../../dump/format.js';
import type { CtfBuilder } from '../../../dump/ctf.js';
import { offsetOf } from '../../../dump/types/illumos/index.js';
import { toAddr, type Kva, type Platform } from '../../machine/platform.js';
import { lookupFunc } from '../../machine/symbols.js';
import { KMF_AUDIT, KMF_HASH, type Buf, type Kmem, type KmemCache, type Magazine, type Slab } from '../kmem/kmem.js';
import { partialSlabs } from '../kmem/kmem.js';

export function collectKmem(km: Kmem, L: CtfBuilder, add: (t: Table) => void): void {
  const p: Platform = km.k.p;
  const A = (kva: Kva): bigint => toAddr(p, kva);
  const fnAddr = (name: string | null): bigint => {
    if (!name) return 0n;
    const f = lookupFunc(name);
    return f ? A(f.addr) : 0n;
  };

  // Depot lists: ml_list is the top magazine; each magazine's mag_next the one below.
  const magNext = new Map<Magazine, Kva>();
  for (const cp of km.caches) {
    for (const ml of [cp.cache_full, cp.cache_empty]) {
      for (let i = 0; i < ml.list.length; i++) magNext.set(ml.list[i]!, i > 0 ? ml.list[i - 1]!.buf.addr : 0);
    }
  }
  const top = (l: Magazine[]): bigint => (l.length ? A(l[l.length - 1]!.buf.addr) : 0n);

  const caches = new TableBuilder('kmem_cache_t', {
    addr: 'u64',
    cache_slab_create: 'u64',
    cache_slab_destroy: 'u64',
    cache_slab_alloc: 'u64',
    cache_slab_free: 'u64',
    cache_alloc_fail: 'u64',
    cache_buftotal: 'u64',
    cache_bufmax: 'u64',
    cache_bufslab: 'u64',
    cache_reap: 'u64',
    cache_depot_contention: 'u64',
    cache_name: 'str',
    cache_bufsize: 'u64',
    cache_align: 'u64',
    cache_constructor: 'u64',
    cache_destructor: 'u64',
    cache_private: 'u64',
    cache_arena: 'u64',
    cache_cflags: 'u32',
    cache_flags: 'u32',
    cache_mtbf: 'u32',
    'cache_link.list_next': 'u64',
    'cache_link.list_prev': 'u64',
    cache_chunksize: 'u64',
    cache_slabsize: 'u64',
    cache_maxchunks: 'u64',
    cache_bufctl: 'u64',
    cache_buftag: 'u64',
    cache_verify: 'u64',
    cache_contents: 'u64',
    cache_color: 'u64',
    cache_mincolor: 'u64',
    cache_maxcolor: 'u64',
    cache_hash_shift: 'u64',
    cache_hash_mask: 'u64',
    cache_complete_slab_count: 'u64',
    'cache_partial_slabs.avl_numnodes': 'u64',
    cache_bufctl_cache: 'u64',
    cache_hash_table: 'u64',
    'cache_full.ml_list': 'u64',
    'cache_full.ml_total': 'u64',
    'cache_full.ml_min': 'u64',
    'cache_full.ml_reaplimit': 'u64',
    'cache_full.ml_alloc': 'u64',
    'cache_empty.ml_list': 'u64',
    'cache_empty.ml_total': 'u64',
    'cache_empty.ml_min': 'u64',
    'cache_empty.ml_reaplimit': 'u64',
    'cache_empty.ml_alloc': 'u64',
  });
  const ccs = new TableBuilder('kmem_cpu_cache_t', {
    addr: 'u64',
    cc_alloc: 'u64',
    cc_free: 'u64',
    cc_loaded: 'u64',
    cc_ploaded: 'u64',
    cc_flags: 'u32',
    cc_rounds: 'u16',
    cc_prounds: 'u16',
    cc_magsize: 'u16',
  });
  const n = km.caches.length;
  km.caches.forEach((cp, i) => {
    caches.add({
      addr: A(cp.addr),
      cache_slab_create: BigInt(cp.cache_slab_create),
      cache_slab_destroy: BigInt(cp.cache_slab_destroy),
      cache_slab_alloc: BigInt(cp.cache_slab_alloc),
      cache_slab_free: BigInt(cp.cache_slab_free),
      cache_alloc_fail: BigInt(cp.cache_alloc_fail),
      cache_buftotal: BigInt(cp.cache_buftotal),
      cache_bufmax: BigInt(cp.cache_bufmax),
      cache_bufslab: BigInt(cp.cache_bufslab),
      cache_reap: BigInt(cp.cache_reap),
      cache_depot_contention: BigInt(cp.cache_depot_contention),
      cache_name: cp.cache_name,
      cache_bufsize: BigInt(cp.cache_bufsize),
      cache_align: BigInt(cp.cache_align),
      cache_constructor: fnAddr(cp.ctorName),
      cache_destructor: fnAddr(cp.dtorName),
      cache_private: A(cp.cache_private),
      cache_arena: A(cp.cache_arena.addr),
      cache_cflags: cp.cache_cflags >>> 0,
      cache_flags: cp.cache_flags >>> 0,
      cache_mtbf: cp.cache_mtbf,
      'cache_link.list_next': i + 1 < n ? A(km.caches[i + 1]!.addr) : 0n,
      'cache_link.list_prev': i > 0 ? A(km.caches[i - 1]!.addr) : 0n,
      cache_chunksize: BigInt(cp.cache_chunksize),
      cache_slabsize: BigInt(cp.cache_slabsize),
      cache_maxchunks: BigInt(cp.cache_maxchunks),
      cache_bufctl: BigInt(cp.cache_bufctl),
      cache_buftag: BigInt(cp.cache_buftag),
      cache_verify: BigInt(cp.cache_verify),
      cache_contents: BigInt(cp.cache_contents),
      cache_color: BigInt(cp.cache_color),
      cache_mincolor: BigInt(cp.cache_mincolor),
      cache_maxcolor: BigInt(cp.cache_maxcolor),
      cache_hash_shift: BigInt(cp.cache_hash_shift),
      cache_hash_mask: BigInt(cp.hashSize > 0 ? cp.hashSize - 1 : 0),
      cache_complete_slab_count: BigInt(cp.complete.size),
      'cache_partial_slabs.avl_numnodes': BigInt(cp.npartial),
      cache_bufctl_cache: cp.cache_bufctl_cache ? A(cp.cache_bufctl_cache.addr) : 0n,
      cache_hash_table: A(cp.hashTable),
      'cache_full.ml_list': top(cp.cache_full.list),
      'cache_full.ml_total': BigInt(cp.cache_full.total),
      'cache_full.ml_min': BigInt(cp.cache_full.min),
      'cache_full.ml_reaplimit': BigInt(cp.cache_full.reaplimit),
      'cache_full.ml_alloc': BigInt(cp.cache_full.alloc),
      'cache_empty.ml_list': top(cp.cache_empty.list),
      'cache_empty.ml_total': BigInt(cp.cache_empty.total),
      'cache_empty.ml_min': BigInt(cp.cache_empty.min),
      'cache_empty.ml_reaplimit': BigInt(cp.cache_empty.reaplimit),
      'cache_empty.ml_alloc': BigInt(cp.cache_empty.alloc),
    });
    for (const cc of cp.cache_cpu) {
      ccs.add({
        addr: A(cc.addr),
        cc_alloc: BigInt(cc.cc_alloc),
        cc_free: BigInt(cc.cc_free),
        cc_loaded: cc.cc_loaded ? A(cc.cc_loaded.buf.addr) : 0n,
        cc_ploaded: cc.cc_ploaded ? A(cc.cc_ploaded.buf.addr) : 0n,
        cc_flags: cc.cc_flags >>> 0,
        cc_rounds: cc.cc_rounds & 0xffff,
        cc_prounds: cc.cc_prounds & 0xffff,
        cc_magsize: cc.cc_magsize,
      });
    }
  });
  add(caches.build());
  add(ccs.build());

  const slabs = new TableBuilder('kmem_slab_t', {
    addr: 'u64',
    slab_cache: 'u64',
    slab_base: 'u64',
    'slab_link.list_next': 'u64',
    slab_head: 'u64',
    slab_refcnt: 'u64',
    slab_chunks: 'u64',
  });
  const audit = new TableBuilder('kmem_bufctl_audit_t', {
    addr: 'u64',
    bc_next: 'u64',
    bc_addr: 'u64',
    bc_slab: 'u64',
    bc_cache: 'u64',
    bc_timestamp: 'i64',
    bc_thread: 'u64',
    bc_depth: 'i32',
    bc_stack: 'u32',
  });
  const plain = new TableBuilder('kmem_bufctl_t', { addr: 'u64', bc_next: 'u64', bc_addr: 'u64', bc_slab: 'u64' });
  const bufs = formatTable('buffers');
  const MAG_ROUND = offsetOf(L, 'kmem_magazine_t', 'mag_round');
  const offs: number[] = [];
  const vals: bigint[] = [];
  const stackDepth = (id: number): number => km.stacks.stacks[id]?.length ?? 0;
  const slabsOf = (cp: KmemCache): Iterable<Slab> => [...cp.complete, ...partialSlabs(cp)];
  for (const cp of km.caches) {
    const hashed = (cp.cache_flags & KMF_HASH) !== 0;
    const audited = (cp.cache_flags & KMF_AUDIT) !== 0;
    // Slabs: complete list then partial AVL order; empty slabs do not exist.
    const list = [...slabsOf(cp)];
    list.forEach((sp, si) => {
      slabs.add({
        addr: A(sp.addr),
        slab_cache: A(cp.addr),
        slab_base: A(sp.base),
        'slab_link.list_next': si + 1 < list.length ? A(list[si + 1]!.addr) : 0n,
        slab_head: sp.head ? A(sp.head.bufctl) : 0n,
        slab_refcnt: BigInt(sp.refcnt),
        slab_chunks: BigInt(sp.chunks),
      });
      for (const b of sp.bufs) {
        if (hashed) {
          const bc = {
            addr: A(b.bufctl),
            bc_next: b.next ? A(b.next.bufctl) : 0n,
            bc_addr: A(b.addr),
            bc_slab: A(sp.addr),
          };
          if (audited) {
            audit.add({
              ...bc,
              bc_cache: A(cp.addr),
              bc_timestamp: BigInt(b.audTime),
              bc_thread: A(b.audThread),
              bc_depth: b.audThread ? stackDepth(b.audStack) : 0,
              bc_stack: b.audThread ? b.audStack : NO_ROW,
            });
          } else plain.add(bc);
        }
        offs.length = 0;
        vals.length = 0;
        addContents(b, offs, vals, A, MAG_ROUND, magNext);
        bufs.add({
          addr: A(b.addr),
          cache_row: cp.index,
          state: b.state,
          fill: b.fill,
          bufctl: hashed ? A(b.bufctl) : 0n,
          ptr_offs: offs,
          ptr_vals: vals,
        });
      }
    });
  }
  add(slabs.build());
  add(audit.build());
  add(plain.build());
  add(bufs.build());
}

function addContents(
  b: Buf,
  offs: number[],
  vals: bigint[],
  A: (k: Kva) => bigint,
  magRound: number,
  magNext: Map<Magazine, Kva>,
): void {
  if (b.mag) {
    const next = magNext.get(b.mag) ?? 0;
    if (next) {
      offs.push(0);
      vals.push(A(next));
    }
    b.mag.rounds.forEach((r, i) => {
      offs.push(magRound + 8 * i);
      vals.push(A(r.addr));
    });
    return;
  }
  const p = b.ptrs;
  if (!p) return;
  for (let i = 0; i < p.length; i += 2) {
    offs.push(p[i]!);
    vals.push(A(p[i + 1]!));
  }
}
