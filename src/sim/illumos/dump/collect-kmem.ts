/*
 * kmem's objects into dump tables: caches, CPU caches, slabs, bufctls and the
 * contents of every buffer (savecore's view of the heap).
 */
import { ColumnArena, formatTable, TableBuilder } from '../../../dump/builder.js';
import type { Table } from '../../../dump/format.js';
import { NO_ROW } from '../../../dump/format.js';
import type { CtfBuilder } from '../../../dump/ctf.js';
import { offsetOf } from '../../../dump/types/illumos/index.js';
import { toAddr, type Kva, type Platform } from '../../machine/platform.js';
import { lookupFunc } from '../../machine/symbols.js';
import { KMEM_MAGTYPES, KMF_AUDIT, KMF_HASH, type Buf, type Kmem, type KmemCache, type Magazine, type MagType, type Slab } from '../kmem/kmem.js';
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
    'cache_complete_slabs.list_size': 'u64',
    'cache_complete_slabs.list_offset': 'u64',
    'cache_complete_slabs.list_head.list_next': 'u64',
    'cache_complete_slabs.list_head.list_prev': 'u64',
    cache_complete_slab_count: 'u64',
    'cache_partial_slabs.avl_root': 'u64',
    'cache_partial_slabs.avl_offset': 'u64',
    'cache_partial_slabs.avl_numnodes': 'u64',
    'cache_partial_slabs.avl_size': 'u64',
    cache_magtype: 'u64',
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
  // kmem_caches (a list_t through cache_link) and kmem_magtype[] are kernel
  // data: their symbols are laid out now, as savecore finds them.
  const k = km.k;
  const cacheLinkOff = offsetOf(L, 'kmem_cache_t', 'cache_link');
  const listT = L.structs.get('list_t')!;
  const kmemCaches = k.sym.object('genunix', 'kmem_caches', listT.size).addr;
  const magtypeT = L.structs.get('kmem_magtype_t')!;
  const magtypeSym = k.sym.object('genunix', 'kmem_magtype', magtypeT.size * KMEM_MAGTYPES.length).addr;
  const magtypeAddr = (mt: MagType | null): bigint => {
    const i = mt ? KMEM_MAGTYPES.indexOf(mt) : -1;
    return i < 0 ? 0n : A(magtypeSym + i * magtypeT.size);
  };
  const lists = new TableBuilder('list_t', {
    addr: 'u64',
    list_size: 'u64',
    list_offset: 'u64',
    'list_head.list_next': 'u64',
    'list_head.list_prev': 'u64',
  });
  const kcHead = kmemCaches + offsetOf(L, 'list_t', 'list_head');
  const link = (i: number): Kva => (i < 0 || i >= km.caches.length ? kcHead : km.caches[i]!.addr + cacheLinkOff);
  lists.add({
    addr: A(kmemCaches),
    list_size: BigInt(L.structs.get('kmem_cache_t')!.size),
    list_offset: BigInt(cacheLinkOff),
    'list_head.list_next': A(link(0)),
    'list_head.list_prev': A(link(km.caches.length - 1)),
  });
  add(lists.build());
  const mts = new TableBuilder('kmem_magtype_t', {
    addr: 'u64',
    mt_magsize: 'u16',
    mt_align: 'u32',
    mt_minbuf: 'u64',
    mt_maxbuf: 'u64',
    mt_cache: 'u64',
  });
  KMEM_MAGTYPES.forEach((mt, i) => {
    const mc = km.magCaches.get(mt.mt_magsize);
    mts.add({
      addr: A(magtypeSym + i * magtypeT.size),
      mt_magsize: mt.mt_magsize,
      mt_align: mt.mt_align,
      mt_minbuf: BigInt(mt.mt_minbuf),
      mt_maxbuf: BigInt(mt.mt_maxbuf),
      mt_cache: mc ? A(mc.addr) : 0n,
    });
  });
  add(mts.build());

  // Slab linkage as the kernel keeps it: complete slabs on a list_t, partial
  // ones in an AVL tree, both through slab_link (see slabLinks below).
  const slabLinkOff = offsetOf(L, 'kmem_slab_t', 'slab_link');
  const slabSize = L.structs.get('kmem_slab_t')!.size;
  const links = new Map<Slab, SlabLink>();
  const avlRoots = new Map<KmemCache, Kva>();
  const completeHeadOff = offsetOf(L, 'kmem_cache_t', 'cache_complete_slabs.list_head');
  for (const cp of km.caches) {
    avlRoots.set(cp, slabLinks(cp, cp.addr + completeHeadOff, slabLinkOff, links));
  }
  km.caches.forEach((cp, i) => {
    const head = cp.addr + completeHeadOff;
    const complete = [...cp.complete];
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
      'cache_link.list_next': A(link(i + 1)),
      'cache_link.list_prev': A(link(i - 1)),
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
      'cache_complete_slabs.list_size': BigInt(slabSize),
      'cache_complete_slabs.list_offset': BigInt(slabLinkOff),
      'cache_complete_slabs.list_head.list_next': A(complete.length ? complete[0]!.addr + slabLinkOff : head),
      'cache_complete_slabs.list_head.list_prev': A(complete.length ? complete[complete.length - 1]!.addr + slabLinkOff : head),
      cache_complete_slab_count: BigInt(cp.complete.size),
      'cache_partial_slabs.avl_root': A(avlRoots.get(cp) ?? 0),
      'cache_partial_slabs.avl_offset': BigInt(slabLinkOff),
      'cache_partial_slabs.avl_numnodes': BigInt(cp.npartial),
      'cache_partial_slabs.avl_size': BigInt(slabSize),
      cache_magtype: magtypeAddr(cp.cache_magtype),
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
    'slab_link.avl_child[0]': 'u64',
    'slab_link.avl_child[1]': 'u64',
    'slab_link.avl_pcb': 'u64',
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
    bc_lastlog: 'u64',
    bc_contents: 'u64',
    bc_depth: 'i32',
    bc_stack: 'u32',
  });
  const plain = new TableBuilder('kmem_bufctl_t', { addr: 'u64', bc_next: 'u64', bc_addr: 'u64', bc_slab: 'u64' });
  const bufs = formatTable('buffers');
  const MAG_ROUND = offsetOf(L, 'kmem_magazine_t', 'mag_round');
  const offs: number[] = [];
  const vals: number[] = [];
  const raws: Array<number | bigint> = [];
  const stackDepth = (id: number): number => km.stacks.stacks[id]?.length ?? 0;
  const slabsOf = (cp: KmemCache): Iterable<Slab> => [...cp.complete, ...partialSlabs(cp)];
  // Hot loops (a million buffers, a million log records): rows are put
  // column by column, addresses as the platform's base plus a Kva.
  for (const t of [slabs, audit, plain, bufs]) t.setAddrBase(p.kvaBase);
  // Each table's rows (and the buffers' words) counted first, for one
  // allocation per column rather than doublings (TableBuilder.reserve).
  {
    let nslab = 0;
    let nbuf = 0;
    let naudit = 0;
    let nplain = 0;
    let nword = 0;
    for (const cp of km.caches) {
      const hashed = (cp.cache_flags & KMF_HASH) !== 0;
      const audited = (cp.cache_flags & KMF_AUDIT) !== 0;
      for (const sp of slabsOf(cp)) {
        nslab++;
        nbuf += sp.bufs.length;
        if (hashed && audited) naudit += sp.bufs.length;
        else if (hashed) nplain += sp.bufs.length;
        for (const b of sp.bufs) nword += contentWords(b, magNext);
      }
    }
    for (const lp of [km.transactionLog, km.failureLog, km.slabLog]) if (lp.columns()) lp.forEachSlot(() => naudit++);
    const arena = new ColumnArena(slabs.reserveBytes(nslab) + audit.reserveBytes(naudit) + plain.reserveBytes(nplain) + bufs.reserveBytes(nbuf, nword));
    slabs.reserve(nslab, 0, arena);
    audit.reserve(naudit, 0, arena);
    plain.reserve(nplain, 0, arena);
    bufs.reserve(nbuf, nword, arena);
  }
  const S = colsOf(slabs, ['addr', 'slab_cache', 'slab_base', 'slab_link.avl_child[0]', 'slab_link.avl_child[1]', 'slab_link.avl_pcb', 'slab_head', 'slab_refcnt', 'slab_chunks']);
  const AU = colsOf(audit, ['addr', 'bc_next', 'bc_addr', 'bc_slab', 'bc_cache', 'bc_timestamp', 'bc_thread', 'bc_lastlog', 'bc_contents', 'bc_depth', 'bc_stack']);
  const PL = colsOf(plain, ['addr', 'bc_next', 'bc_addr', 'bc_slab']);
  const BU = colsOf(bufs, ['addr', 'cache_row', 'state', 'fill', 'bufctl', 'ptr_offs', 'ptr_vals']);
  for (const cp of km.caches) {
    const hashed = (cp.cache_flags & KMF_HASH) !== 0;
    const audited = (cp.cache_flags & KMF_AUDIT) !== 0;
    // Slabs: complete list then partial AVL order; empty slabs do not exist.
    const list = [...slabsOf(cp)];
    for (const sp of list) {
      const ln = links.get(sp);
      slabs.begin();
      slabs.putAddr(S[0]!, sp.addr);
      slabs.putAddr(S[1]!, cp.addr);
      slabs.putAddr(S[2]!, sp.base);
      slabs.putAddr(S[3]!, ln?.child0 ?? 0);
      slabs.putAddr(S[4]!, ln?.child1 ?? 0);
      slabs.put(S[5]!, avlPcb(ln, A));
      slabs.putAddr(S[6]!, sp.head ? sp.head.bufctl : 0);
      slabs.putUint(S[7]!, sp.refcnt);
      slabs.putUint(S[8]!, sp.chunks);
      slabs.commit();
      for (const b of sp.bufs) {
        if (hashed) {
          const t = audited ? audit : plain;
          const C = audited ? AU : PL;
          t.begin();
          t.putAddr(C[0]!, b.bufctl);
          t.putAddr(C[1]!, b.next ? b.next.bufctl : 0);
          t.putAddr(C[2]!, b.addr);
          t.putAddr(C[3]!, sp.addr);
          if (audited) {
            t.putAddr(C[4]!, cp.addr);
            t.putUint(C[5]!, b.audTime);
            t.putAddr(C[6]!, b.audThread);
            t.putAddr(C[7]!, b.audLastlog);
            t.putAddr(C[8]!, b.audContents);
            t.putUint(C[9]!, b.audThread ? stackDepth(b.audStack) : 0);
            t.putUint(C[10]!, b.audThread ? b.audStack : NO_ROW);
          }
          t.commit();
        }
        offs.length = 0;
        vals.length = 0;
        raws.length = 0;
        const raw = addContents(b, offs, vals, raws, MAG_ROUND, magNext);
        bufs.begin();
        bufs.putAddr(BU[0]!, b.addr);
        bufs.putUint(BU[1]!, cp.index);
        bufs.putUint(BU[2]!, b.state);
        bufs.putUint(BU[3]!, b.fill);
        bufs.putAddr(BU[4]!, hashed ? b.bufctl : 0);
        bufs.putUintList(BU[5]!, offs);
        // words a client wrote raw (corruption scenarios) go as they are
        if (raw) bufs.put(BU[6]!, raws.map((v) => (typeof v === 'bigint' ? v : A(v))));
        else bufs.putAddrList(BU[6]!, vals);
        bufs.commit();
      }
    }
  }
  // The logs' records are kmem_bufctl_audit_t copies in the kmem_log arena.
  for (const lp of [km.transactionLog, km.failureLog, km.slabLog]) {
    const c = lp.columns();
    if (!c) continue;
    lp.forEachSlot((s, at) => {
      const rc = km.caches[c.cache[s]!];
      const thread = c.thread[s]!;
      audit.begin();
      audit.putAddr(AU[0]!, at);
      audit.putAddr(AU[2]!, c.addr[s]!);
      audit.putAddr(AU[3]!, c.slab[s]!);
      audit.putAddr(AU[4]!, rc ? rc.addr : 0);
      audit.putUint(AU[5]!, c.time[s]!);
      audit.putAddr(AU[6]!, thread);
      audit.putAddr(AU[7]!, c.lastlog[s]!);
      audit.putAddr(AU[8]!, c.contents[s]!);
      audit.putUint(AU[9]!, thread ? stackDepth(c.stack[s]!) : 0);
      audit.putUint(AU[10]!, thread ? c.stack[s]! : NO_ROW);
      audit.commit();
    });
  }
  add(slabs.build());
  add(audit.build());
  add(logHeaders(km, L, A));
  add(plain.build());
  add(bufs.build());
}

/** A slab's slab_link words: list_next/list_prev (complete) or AVL children and avl_pcb (partial). */
interface SlabLink {
  child0: Kva;
  child1: Kva;
  /** the AVL parent node (0 for the root and for list nodes) */
  parent: Kva;
  /** avl_pcb's low bits: child index << 2 | (balance + 1); 0 for list nodes */
  bits: number;
}

/** avl_pcb: parent | child index << 2 | (balance + 1) */
function avlPcb(l: SlabLink | undefined, A: (k: Kva) => bigint): bigint {
  if (!l) return 0n;
  return (l.parent ? A(l.parent) : 0n) | BigInt(l.bits);
}

/**
 * The slab linkage of one cache, as kmem keeps it (models the list and
 * AVL code under kmem_slab_alloc()/kmem_slab_free(), uts/common/avl/avl.c):
 * complete slabs on cache_complete_slabs, a list whose list_node_t overlays
 * the slab's avl_node_t; partial slabs in cache_partial_slabs, ordered by
 * kmem_partial_slab_cmp() (more allocated first, then by address), stored as
 * a balanced tree whose avl_pcb packs parent, child index and balance.
 * Returns the AVL root's node address (0 when empty).
 */
function slabLinks(cp: KmemCache, head: Kva, linkOff: number, out: Map<Slab, SlabLink>): Kva {
  const complete = [...cp.complete];
  complete.forEach((sp, i) => {
    out.set(sp, {
      child0: i + 1 < complete.length ? complete[i + 1]!.addr + linkOff : head,
      child1: i > 0 ? complete[i - 1]!.addr + linkOff : head,
      parent: 0,
      bits: 0,
    });
  });
  const partial = [...partialSlabs(cp)].sort((a, b) => b.refcnt - a.refcnt || a.addr - b.addr);
  const node = (sp: Slab): Kva => sp.addr + linkOff;
  // returns [node address, height]
  const build = (lo: number, hi: number, parent: Kva, which: number): [Kva, number] => {
    if (lo > hi) return [0, 0];
    const mid = (lo + hi) >> 1;
    const sp = partial[mid]!;
    const [l, hl] = build(lo, mid - 1, node(sp), 0);
    const [r, hr] = build(mid + 1, hi, node(sp), 1);
    out.set(sp, { child0: l, child1: r, parent, bits: which * 4 + (hr - hl + 1) });
    return [node(sp), Math.max(hl, hr) + 1];
  };
  return build(0, partial.length - 1, 0, 0)[0];
}

/** The logs' kmem_log_header_t, and the global pointers to them. */
function logHeaders(km: Kmem, L: CtfBuilder, A: (k: Kva) => bigint): Table {
  const ncpus = km.k.cfg.ncpus;
  const cols: Record<string, 'u64' | 'u32' | 'i32'> = {
    addr: 'u64',
    lh_base: 'u64',
    lh_free: 'u64',
    lh_chunksize: 'u64',
    lh_nchunks: 'i32',
    lh_head: 'i32',
    lh_tail: 'i32',
    lh_hits: 'i32',
  };
  for (let i = 0; i < ncpus; i++) {
    cols[`lh_cpu[${i}].clh_current`] = 'u64';
    cols[`lh_cpu[${i}].clh_avail`] = 'u64';
    cols[`lh_cpu[${i}].clh_chunk`] = 'i32';
    cols[`lh_cpu[${i}].clh_hits`] = 'i32';
  }
  void L;
  const t = new TableBuilder('kmem_log_header_t', cols);
  for (const lp of [km.transactionLog, km.contentLog, km.failureLog, km.slabLog]) {
    if (!lp.enabled) continue;
    const row: Record<string, bigint | number> = {
      addr: A(lp.header),
      lh_base: A(lp.base),
      lh_free: A(lp.freeArr),
      lh_chunksize: BigInt(lp.chunksize),
      lh_nchunks: lp.nchunks,
      lh_head: lp.lh_head,
      lh_tail: lp.lh_tail,
      lh_hits: lp.lh_hits,
    };
    lp.cpus.forEach((c, i) => {
      row[`lh_cpu[${i}].clh_current`] = A(c.clh_current);
      row[`lh_cpu[${i}].clh_avail`] = BigInt(c.clh_avail);
      row[`lh_cpu[${i}].clh_chunk`] = c.clh_chunk;
      row[`lh_cpu[${i}].clh_hits`] = c.clh_hits;
    });
    t.add(row);
  }
  return t.build();
}

/** how many words addContents() gives a buffer */
function contentWords(b: Buf, magNext: Map<Magazine, Kva>): number {
  if (b.mag) return (magNext.get(b.mag) ? 1 : 0) + b.mag.rounds.length;
  return (b.ptrs ? b.ptrs.length / 2 : 0) + (b.corrupt ? b.corrupt.length / 2 : 0);
}

/** column numbers of `names` in a builder */
function colsOf(t: TableBuilder, names: string[]): number[] {
  return names.map((n) => t.colIndex(n));
}

/**
 * A buffer's words: offsets, and values as Kvas in `vals`; when a client
 * wrote raw bits (a bigint) anywhere, every value also goes in `raws` (a Kva
 * or the raw bits) and the result is true.
 */
function addContents(
  b: Buf,
  offs: number[],
  vals: number[],
  raws: Array<number | bigint>,
  magRound: number,
  magNext: Map<Magazine, Kva>,
): boolean {
  if (b.mag) {
    const next = magNext.get(b.mag) ?? 0;
    if (next) {
      offs.push(0);
      vals.push(next);
    }
    b.mag.rounds.forEach((r, i) => {
      offs.push(magRound + 8 * i);
      vals.push(r.addr);
    });
    return false;
  }
  const p = b.ptrs;
  if (p) {
    for (let i = 0; i < p.length; i += 2) {
      offs.push(p[i]!);
      vals.push(p[i + 1]!);
    }
  }
  // words written after free or past the requested size (corruption scenarios)
  const c = b.corrupt;
  let raw = false;
  if (c) {
    for (let i = 0; i < c.length; i += 2) {
      const v = c[i + 1]!;
      offs.push(Number(c[i]!));
      if (typeof v === 'bigint') raw = true;
      vals.push(typeof v === 'bigint' ? 0 : v);
      raws.push(v);
    }
  }
  if (raw) {
    // the words before the corrupt ones were Kvas
    const kvas = vals.length - raws.length;
    raws.unshift(...vals.slice(0, kvas));
  }
  return raw;
}
