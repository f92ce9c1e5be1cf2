/*
 * The VM structures as genunix's memory.c reads them: struct memseg (the
 * memseg list from `memsegs`), page_t and a vnode's v_flag and v_pages.
 * Every count that comes from the dump is bounded before it is looped over.
 */
import type { Target } from '../../../target.js';
import { DcmdError } from '../../../errors.js';
import { typeOffset } from '../taskq/helpers.js';

/** p_state's P_FREE (vm/page.h): the page is on the freelist or the cachelist */
export const P_FREE = 0x80;
/** v_flag bits (sys/vnode.h): a swapfs vnode (IS_SWAPFSVP), a vnode mapped for exec */
export const VISSWAPFS = 0x20000;
export const VVMEXEC = 0x1000;

/** memsegs beyond this many are taken for a loop in a damaged list */
const MAX_MEMSEGS = 4096;

/** sizeof (type) from the dump's CTF */
export function sizeOf(target: Target, type: string): bigint {
  const def = target.types.get(type);
  if (!def) throw new DcmdError(`couldn't find type ${type}`);
  return BigInt(def.size);
}

/** A global's value (mdb_readvar), `size` bytes. */
export function readVar(target: Target, name: string, size = 8): bigint {
  const s = target.lookupSymbol(name);
  if (!s) throw new DcmdError(`unable to read ${name}`);
  return target.readUint(s.addr, size);
}

export interface MemsegRec {
  addr: bigint;
  /** page_t *pages, *epages: [pages, epages) in the page_t array */
  pages: bigint;
  epages: bigint;
  /** [pages_base, pages_end) in page frame numbers */
  base: bigint;
  end: bigint;
  next: bigint;
}

/** The struct memseg at addr. */
export function readMemseg(target: Target, addr: bigint): MemsegRec {
  const o = (m: string): bigint => addr + typeOffset(target, 'struct memseg', m);
  return {
    addr,
    pages: target.readPtr(o('pages')),
    epages: target.readPtr(o('epages')),
    base: target.readPtr(o('pages_base')),
    end: target.readPtr(o('pages_end')),
    next: target.readPtr(o('next')),
  };
}

/** The memseg list from `addr`, or from `memsegs` (mdb's memseg walk). */
export function* forEachMemseg(target: Target, addr?: bigint): Generator<MemsegRec> {
  let a = addr ?? readVar(target, 'memsegs', target.pointerSize);
  const seen = new Set<bigint>();
  while (a !== 0n) {
    if (seen.has(a) || seen.size >= MAX_MEMSEGS) throw new DcmdError(`memseg list loops or is too long at ${a.toString(16)}`);
    seen.add(a);
    let ms: MemsegRec;
    try {
      ms = readMemseg(target, a);
    } catch {
      throw new DcmdError(`unable to read struct memseg at ${a.toString(16)}`);
    }
    yield ms;
    a = ms.next;
  }
}

/**
 * The number of page_t a memseg describes: pages_end - pages_base, which
 * must fit [pages, epages) and the page_t the dump holds.
 */
export function memsegPageCount(target: Target, ms: MemsegRec): number {
  const sz = sizeOf(target, 'page_t');
  const n = ms.end - ms.base;
  const rows = BigInt(target.table('page_t')?.rowCount ?? 0);
  if (n < 0n || ms.epages < ms.pages || (ms.epages - ms.pages) / sz < n || n > rows)
    throw new DcmdError(`memseg at ${ms.addr.toString(16)} describes ${n} pages in [${ms.pages.toString(16)}, ${ms.epages.toString(16)}), more than the dump's ${rows} page_t`);
  return Number(n);
}

/** What the walkers and ::memstat read of a page_t (::page reads its row through StructView). */
export interface PageRec {
  addr: bigint;
  vnode: bigint;
  state: number;
  vpnext: bigint;
}

/** Offsets of the page_t members read, looked up once per target. */
export class PageReader {
  private readonly vnode: number;
  private readonly state: number;
  private readonly vpnext: number;
  readonly size: number;
  constructor(private readonly target: Target) {
    const def = target.types.get('page_t');
    if (!def) throw new DcmdError("couldn't find type page_t");
    this.size = def.size;
    const m = (name: string): number => target.types.resolve(def, name).offset;
    this.vnode = m('p_vnode');
    this.state = m('p_state');
    this.vpnext = m('p_vpnext');
  }

  /** The page_t at addr, read as one object. */
  read(addr: bigint): PageRec {
    let b: Uint8Array;
    try {
      b = this.target.readBytes(addr, this.size);
    } catch {
      throw new DcmdError(`unable to read page_t at ${addr.toString(16)}`);
    }
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { addr, vnode: dv.getBigUint64(this.vnode, true), state: dv.getUint8(this.state), vpnext: dv.getBigUint64(this.vpnext, true) };
  }
}

/** A vnode's v_flag (vn_get() keeps these in a table; so does the caller). */
export function vnodeFlag(target: Target, vp: bigint): number {
  try {
    return target.readU32(vp + typeOffset(target, 'vnode_t', 'v_flag'));
  } catch (e) {
    if (e instanceof DcmdError) throw e;
    throw new DcmdError(`unable to read vnode_t at ${vp.toString(16)}`);
  }
}

/** A vnode's v_pages. */
export function vnodePages(target: Target, vp: bigint): bigint {
  try {
    return target.readPtr(vp + typeOffset(target, 'vnode_t', 'v_pages'));
  } catch (e) {
    if (e instanceof DcmdError) throw e;
    throw new DcmdError(`unable to read vnode_t at ${vp.toString(16)}`);
  }
}

/**
 * What ::memstat reads of each page (p_vnode, p_state), for the pages of a
 * memseg. mdb's allpages walk reads page_t's PAGE_BUFFER at a time; here the
 * page_t table's columns are the buffer: a page whose row is where the
 * array says (rows in address order) is read from its columns, any other
 * through memory (PageReader), so the answer is the same either way.
 */
export class PageBatch {
  private readonly addrs: BigUint64Array;
  private readonly vnodes: BigUint64Array | undefined;
  private readonly states: ArrayLike<number> | undefined;
  private readonly pr: PageReader;
  readonly size: bigint;

  constructor(target: Target) {
    this.pr = new PageReader(target);
    this.size = BigInt(this.pr.size);
    const t = target.table('page_t');
    const u64col = (name: string): BigUint64Array | undefined => {
      const c = t?.columns[name];
      return c && c.kind === 'u64' ? (c.values as BigUint64Array) : undefined;
    };
    this.addrs = u64col('addr') ?? new BigUint64Array(0);
    this.vnodes = u64col('p_vnode');
    const st = t?.columns.p_state;
    this.states = st && st.kind === 'u8' ? (st.values as Uint8Array) : undefined;
  }

  /** The first row whose address is at least a (rows are in address order in a sound dump). */
  private lowerBound(a: bigint): number {
    let lo = 0;
    let hi = this.addrs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.addrs[mid]! < a) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Calls f(addr, vnode, state) for each of the memseg's n page_t, in order. */
  forEach(ms: MemsegRec, n: number, f: (addr: bigint, vnode: bigint, state: number) => void, checkInterrupt: () => void): void {
    const { addrs, vnodes, states } = this;
    let r = this.lowerBound(ms.pages);
    let a = ms.pages;
    for (let i = 0; i < n; i++, a += this.size) {
      if ((i & 0xffff) === 0) checkInterrupt();
      if (r < addrs.length && addrs[r] === a) {
        f(a, vnodes ? vnodes[r]! : 0n, states ? states[r]! : 0);
        r++;
      } else {
        const p = this.pr.read(a);
        f(a, p.vnode, p.state);
        if (r < addrs.length && addrs[r]! < a) r = this.lowerBound(a);
      }
    }
  }
}
