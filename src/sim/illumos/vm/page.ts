/*
 * Physical pages with an identity: the page_t of every page frame
 * (uts/common/vm/vm_page.c, vm/page.h).
 *
 * 1. Concepts
 *
 * A page frame (pfn 0 .. physmem - 1) is either named or free. A named page
 * has an identity [p_vnode, p_offset] and is findable through the page hash
 * (page_lookup()): kernel heap pages are named by kvp at their own kernel
 * address, ZFS file data by zvp, anonymous memory by a swapfs vnode at the
 * offset swap_alloc() gave its slot. A free page is on one of two lists:
 *   - the freelist: no identity (p_vnode NULL), P_FREE;
 *   - the cachelist: still named, P_FREE, so a fault on the same identity
 *     could reclaim it; page_create takes one only when the freelist is
 *     empty, and then hashes the old identity out first.
 * freemem counts both lists.
 *
 * 2. Where pages change identity (the only places)
 *
 *   page_create_va()   a free page (freelist first, then the oldest cachelist
 *                      page, hashed out) gets [vp, off + i * PAGESIZE]
 *   page_destroy()     named page -> freelist, identity dropped (segkmem_free,
 *                      a process's anon pages at exit)
 *   page_free()        named page -> cachelist, identity kept (pageout frees a
 *                      page it has pushed to swap)
 * The page supply (vmem/page.ts) moves freemem by the same numbers at the same
 * calls, so freemem always equals the pages on the two lists (checked by
 * pageTableCheck() and by the invariant test).
 *
 * 3. Representation
 *
 * Typed arrays by pfn (vnode, offset, state, the order pages were named in),
 * the freelist as a stack (page_free puts a page at the head of its bin and
 * page_get_freelist takes from the head), the cachelist as an insertion-
 * ordered set (oldest reclaimed first), and the hash as a Map from
 * "vp:off" to pfn. The dump's vnode lists (p_vpnext, p_vpprev) are laid
 * out from these when the dump is written (dump/collect-vm.ts).
 */

/** p_state bits (vm/page.h) */
export const P_FREE = 0x80;
export const P_NORELOC = 0x40;
export const P_SWAP = 0x10;

/** sizeof (page_t) on amd64, 2012 */
export const SIZEOF_PAGE = 0x78;

export class PageTable {
  /** p_vnode by pfn (0: none) */
  readonly vp: Float64Array;
  /** p_offset by pfn */
  readonly off: Float64Array;
  /** p_state by pfn */
  readonly state: Uint8Array;
  /** when the page was given its identity (page_vpadd() puts it at the head of its vnode's list) */
  readonly named: Float64Array;
  private seq = 0;
  /** the freelist, a stack: its top is the next page handed out */
  private readonly free: Int32Array;
  private nfree = 0;
  /** the cachelist, oldest first */
  private readonly cache = new Set<number>();
  /** the page hash: "vp:off" -> pfn */
  private readonly hash = new Map<string, number>();

  constructor(
    readonly npages: number,
    readonly pagesize: number,
  ) {
    this.vp = new Float64Array(npages);
    this.off = new Float64Array(npages);
    this.state = new Uint8Array(npages);
    this.named = new Float64Array(npages);
    this.free = new Int32Array(npages);
  }

  /** pages on the freelist */
  get freelistCount(): number {
    return this.nfree;
  }

  /** pages on the cachelist */
  get cachelistCount(): number {
    return this.cache.size;
  }

  /** the freelist from the page handed out next */
  *freelist(): Generator<number> {
    for (let i = this.nfree - 1; i >= 0; i--) yield this.free[i]!;
  }

  /** the cachelist, oldest first */
  cachelist(): Iterable<number> {
    return this.cache;
  }

  /** models page_lookup_nowait(): the page named [vp, off], or -1 */
  lookup(vp: number, off: number): number {
    return this.hash.get(`${vp}:${off}`) ?? -1;
  }

  /** models page_hashin() and page_vpadd(): name a page */
  private hashin(pfn: number, vp: number, off: number): void {
    const key = `${vp}:${off}`;
    if (this.hash.has(key)) throw new Error(`simulator bug: page [${vp.toString(16)}, ${off.toString(16)}] created twice`);
    this.hash.set(key, pfn);
    this.vp[pfn] = vp;
    this.off[pfn] = off;
    this.named[pfn] = ++this.seq;
  }

  /** models page_hashout(): the page loses its name */
  private hashout(pfn: number): void {
    this.hash.delete(`${this.vp[pfn]}:${this.off[pfn]}`);
    this.vp[pfn] = 0;
    this.off[pfn] = 0;
    this.named[pfn] = 0;
  }

  /** A page put on the freelist at boot, or by page_destroy(). */
  private toFreelist(pfn: number): void {
    this.state[pfn] = P_FREE;
    this.free[this.nfree++] = pfn;
  }

  /** Boot: pages [from, to) go on the freelist, the lowest handed out first. */
  bootFree(from: number, to: number): void {
    for (let pfn = to - 1; pfn >= from; pfn--) this.toFreelist(pfn);
  }

  /** Boot: page pfn (not on the freelist) is in use, named [vp, off] (the kernel's text, data and boot allocations). */
  bootNamed(pfn: number, vp: number, off: number): void {
    if (this.state[pfn]! & P_FREE) throw new Error(`simulator bug: boot page ${pfn} is free`);
    this.hashin(pfn, vp, off);
  }

  /**
   * models the page taking of page_create_va(): page_get_freelist(), else
   * page_get_cachelist() (its old name hashed out), then the new name. The
   * caller has already taken the page off freemem (page_create_wait()).
   */
  create(vp: number, off: number): number {
    if (this.hash.has(`${vp}:${off}`)) throw new Error(`simulator bug: page [${vp.toString(16)}, ${off.toString(16)}] created twice`);
    let pfn: number;
    if (this.nfree > 0) pfn = this.free[--this.nfree]!;
    else {
      const it = this.cache.values().next();
      if (it.done) throw new Error('simulator bug: page_create_va() found no free page although freemem allowed it');
      pfn = it.value;
      this.cache.delete(pfn);
      this.hashout(pfn);
    }
    this.state[pfn] = 0;
    this.hashin(pfn, vp, off);
    return pfn;
  }

  /** models page_destroy(): hashed out, onto the freelist */
  destroy(pfn: number): void {
    if (this.state[pfn]! & P_FREE) throw new Error(`simulator bug: page ${pfn} destroyed while free`);
    this.hashout(pfn);
    this.toFreelist(pfn);
  }

  /** models page_free() of a named page: onto the cachelist, still named */
  freeToCache(pfn: number): void {
    if (this.state[pfn]! & P_FREE) throw new Error(`simulator bug: page ${pfn} freed twice`);
    if (this.vp[pfn] === 0) {
      this.toFreelist(pfn);
      return;
    }
    this.state[pfn] = P_FREE;
    this.cache.add(pfn);
  }
}

/**
 * The checks the theory above promises: every page is on exactly one list or
 * named and in use, the hash finds every named page, and the free pages are
 * `freemem`. Throws on the first violation.
 */
export function pageTableCheck(pt: PageTable, freemem: number): void {
  const seen = new Uint8Array(pt.npages);
  let free = 0;
  for (const pfn of pt.freelist()) {
    if (seen[pfn]++ || pt.vp[pfn] !== 0 || !(pt.state[pfn]! & P_FREE)) throw new Error(`page table: freelist page ${pfn} is not free and nameless`);
    free++;
  }
  for (const pfn of pt.cachelist()) {
    if (seen[pfn]++ || pt.vp[pfn] === 0 || !(pt.state[pfn]! & P_FREE)) throw new Error(`page table: cachelist page ${pfn} is not free and named`);
    free++;
  }
  for (let pfn = 0; pfn < pt.npages; pfn++) {
    if (seen[pfn]) continue;
    if (pt.state[pfn]! & P_FREE) throw new Error(`page table: page ${pfn} is free but on no list`);
    if (pt.vp[pfn] === 0) throw new Error(`page table: page ${pfn} is in use but has no name`);
    if (pt.vp[pfn] !== 0 && pt.lookup(pt.vp[pfn]!, pt.off[pfn]!) !== pfn) throw new Error(`page table: page ${pfn} is not in the page hash`);
  }
  if (free !== freemem) throw new Error(`page table: ${free} free pages on the lists, freemem ${freemem}`);
}
