/*
 * ::whatis on a FreeBSD dump: what an address is. An item inside a UMA
 * slab is reported with its keg, slab and state (allocated, free in the
 * slab, or cached in one of a zone's buckets: on a 2020 kernel, with the
 * bucket's place, a CPU's alloc, free or cross-domain bucket or the bucket
 * cache); then a thread's stack, a
 * struct row the dump describes (a thread, a zone, a keg ...), a symbol;
 * else "unknown". Like mdb's, an address inside an object is given as
 * base+offset.
 */
import { defineDcmd, flag, text } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { hx, listElements, structRows, type StructRows } from '../struct.js';
import { procOf, procRows, readFbThread, threadRows } from '../thread/helpers.js';
import { BT_TYPE_BUSY } from '../names.js';
import { vmemIndex, vmemSegmentsAt } from '../vmem/helpers.js';
import { SLAB, allSlabs, bucketRows, kegName, kegRows, kegSlabs, slabAt, slabFreeItems, umaEra, umaZones, zoneCpus, zoneDomains, zoneName, zoneRows, type SlabRef } from './helpers.js';

/**
 * One answer of ::whatis: the line it prints (`what`) and the same as typed
 * fields for --json, by kind: an item's keg, slab, state and the bucket that
 * caches it; a stack's thread; a struct's type; a vmem segment's arena and
 * tag; a symbol's name, module and segment.
 */
export interface WhatisHit {
  addr: bigint;
  base: bigint;
  what: string;
  kind: 'item' | 'stack' | 'struct' | 'vmem' | 'symbol' | 'unknown';
  /** item: the keg's address and name, the slab header (absent when the dump does not place it), free or allocated */
  keg?: bigint;
  kegName?: string;
  slab?: bigint;
  state?: 'free' | 'allocated';
  /** item: the zone, bucket and place ("CPU 0 alloc bucket", "bucket cache") caching it */
  cachedIn?: { zone: string; place: string; bucket: bigint };
  /** item or struct: the struct the dump describes there ("struct thread") */
  type?: string;
  /** stack: the thread, its pid and tid */
  thread?: bigint;
  pid?: number;
  tid?: number;
  /** vmem: the innermost arena, the tag, the arenas it was imported from */
  arena?: string;
  tag?: bigint;
  importedFrom?: string[];
  /** symbol */
  name?: string;
  offset?: bigint;
  module?: string;
  segment?: 'text' | 'data';
}

const at = (addr: bigint, base: bigint): string => (addr === base ? `${hx(addr)} is ` : `${hx(addr)} is ${hx(base)}+${hx(addr - base)}, `);

/** The zone and bucket that cache an item, if a bucket holds it (2004). */
function bucketHolding(target: Target, item: bigint): { zone: string; bucket: bigint } | undefined {
  const b = bucketRows(target);
  for (let r = 0; r < b.count; r++) {
    const items = b.list(r, 'ub_bucket');
    const n = Math.max(0, b.num(r, 'ub_cnt'));
    if (items.slice(0, n || items.length).includes(item)) {
      const addr = b.addr(r);
      const z = umaZones(target).find((x) => x.buckets.includes(addr));
      return { zone: z?.name ?? '?', bucket: addr };
    }
  }
  return undefined;
}

/** Where a 2020 zone keeps a bucket: a CPU's alloc, free or cross-domain bucket, or a domain's bucket cache. */
interface BucketPlace {
  zone: string;
  bucket: bigint;
  place: string;
  /** the zone's keg and its item size (uk_rsize), to place an address inside an item */
  keg: bigint;
  rsize: bigint;
}

/**
 * Every item a 2020 zone caches, with its bucket and where that bucket is:
 * each CPU's uc_allocbucket, uc_freebucket and uc_crossbucket (their
 * ucb_bucket), then each domain's bucket cache (uzd_buckets). Made once per
 * dump; a bucket holds its first ub_cnt entries.
 */
const cachedItems = new WeakMap<Target, Map<bigint, BucketPlace>>();

function cachedItems2020(target: Target): Map<bigint, BucketPlace> {
  const hit = cachedItems.get(target);
  if (hit) return hit;
  const items = new Map<bigint, BucketPlace>();
  const z = zoneRows(target);
  const b = bucketRows(target);
  const k = kegRows(target);
  // the first ub_cnt entries of a bucket, each placed with the zone and keg it was read for
  const add = (where: Omit<BucketPlace, 'bucket' | 'place'>, bucket: bigint, place: string): void => {
    const r = b.rowOf(bucket);
    if (r < 0) return;
    const n = Math.max(0, b.num(r, 'ub_cnt') << 16 >> 16);
    for (const it of b.list(r, 'ub_bucket').slice(0, n)) if (!items.has(it)) items.set(it, { ...where, bucket, place });
  };
  const ncpu = zoneCpus(target);
  const ndom = zoneDomains(target);
  const which: Array<[string, string]> = [['uc_allocbucket', 'alloc'], ['uc_freebucket', 'free'], ['uc_crossbucket', 'cross-domain']];
  for (let r = 0; r < z.count; r++) {
    const keg = z.get(r, 'uz_keg');
    const kr = k.rowOf(keg);
    const where = { zone: z.str(r, 'uz_name'), keg, rsize: kr < 0 ? 0n : BigInt(k.num(kr, 'uk_rsize') || k.num(kr, 'uk_size')) };
    for (let c = 0; c < ncpu; c++) {
      for (const [m, label] of which) {
        const bk = z.get(r, `uz_cpu[${c}].${m}.ucb_bucket`);
        if (bk !== 0n) add(where, bk, `CPU ${c} ${label} bucket`);
      }
    }
    for (let d = 0; d < ndom; d++) {
      for (const bk of listElements(b, z.get(r, `uz_domain[${d}].uzd_buckets.lh_first`), 'ub_link')) add(where, bk, ndom > 1 ? `domain ${d}'s bucket cache` : 'bucket cache');
    }
  }
  cachedItems.set(target, items);
  return items;
}

/** The cached items sorted by address, to find the one an address falls in. */
const cachedSorted = new WeakMap<Target, Array<[bigint, BucketPlace]>>();

/**
 * The 2020 cached item that holds addr, when no slab does: an item of an
 * OFFPAGE keg in a dump without its struct uma_hash_slab rows (which tie an
 * off-page header to its pages) is still known by the bucket that caches it.
 */
function cachedItemAt(target: Target, addr: bigint): [bigint, BucketPlace] | undefined {
  let sorted = cachedSorted.get(target);
  if (!sorted) {
    sorted = [...cachedItems2020(target)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    cachedSorted.set(target, sorted);
  }
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]![0] <= addr) lo = mid + 1;
    else hi = mid;
  }
  const hit = sorted[lo - 1];
  return hit && addr < hit[0] + (hit[1].rsize > 0n ? hit[1].rsize : 1n) ? hit : undefined;
}

/** "a struct thread (pid 21 tid 100021 "tcp")", "a struct uma_keg (MbufClust)" ... */
function structDesc(target: Target, table: string, row: number, base: bigint): string {
  let detail = '';
  if (table === 'struct thread') {
    const th = readFbThread(target, row);
    const p = procOf(target, th);
    detail = ` (pid ${p?.pid ?? -1} tid ${th.tid} "${p?.comm ?? ''}")`;
  } else if (table === 'struct proc') {
    const p = procRows(target);
    detail = ` (pid ${p.num(row, 'p_pid')} "${p.chars(row, 'p_comm')}")`;
  } else if (table === 'struct uma_zone') detail = ` (${zoneName(target, base)})`;
  else if (table === 'struct uma_keg') detail = ` (${kegName(target, base)})`;
  else if (table === 'struct uma_slab' || table === 'struct uma_slab_refcnt') {
    const s = slabAt(target, base);
    const keg = !s ? 0n : s0HasKeg(target) ? s.rows.get(s.row, 'us_keg') : (slabKegs(target).get(base) ?? 0n);
    if (keg !== 0n) detail = ` of ${kegName(target, keg) || hx(keg)}'s keg`;
  }
  return `a ${table}${detail}`;
}

/** The items a slab holds: [lo, hi), its keg and item size; `order` is its place in the slab walk. */
interface SlabSpan {
  lo: bigint;
  hi: bigint;
  order: number;
  s: SlabRef;
  keg: bigint;
  rsize: bigint;
}

/** UMA_ZFLAG_OFFPAGE of 2020's uma_int.h: the slab header is not on the slab's pages. */
const UMA_ZFLAG_OFFPAGE_2020 = 0x00200000;

/**
 * The address of a slab's first item. A 2004 slab header records it
 * (us_data), as a 2020 off-page header does (uma_hash_slab's uhs_data); a
 * 2020 on-page header does not: it sits uk_pgoff bytes into the slab, after
 * the items, so the items start uk_pgoff below it (slab_data() in 2020's
 * uma_int.h). An off-page 2020 slab without uhs_data in the dump cannot be
 * placed: undefined.
 */
function slabData(target: Target, s: SlabRef, k: StructRows, kr: number): bigint | undefined {
  const cols = s.rows.table?.columns ?? {};
  if (cols['us_data']) return s.rows.get(s.row, 'us_data');
  if ((k.num(kr, 'uk_flags') & UMA_ZFLAG_OFFPAGE_2020) !== 0) {
    // the header is the head of a struct uma_hash_slab at the same address
    const h = structRows(target, HASH_SLAB);
    const r = h.rowOf(s.addr);
    return r >= 0 ? h.get(r, 'uhs_data') : undefined;
  }
  return s.addr - BigInt(k.num(kr, 'uk_pgoff'));
}

const HASH_SLAB = 'struct uma_hash_slab';

/** Whether the dump's slab headers record their keg (us_keg, 2004). */
const s0HasKeg = (target: Target): boolean => !!structRows(target, SLAB).table?.columns['us_keg'];

/** Each slab's keg, from every keg's partial, free and full lists. */
const slabKegCache = new WeakMap<Target, Map<bigint, bigint>>();

function slabKegs(target: Target): Map<bigint, bigint> {
  const hit = slabKegCache.get(target);
  if (hit) return hit;
  const k = kegRows(target);
  const m = new Map<bigint, bigint>();
  slabKegCache.set(target, m);
  for (let r = 0; r < k.count; r++) {
    const keg = k.addr(r);
    for (const slab of kegSlabs(target, keg)) if (!m.has(slab)) m.set(slab, keg);
  }
  return m;
}

/**
 * Every slab's item span, sorted by start, made once per dump: ::whatis
 * asked every slab for every address (a `::walk uma_slab | ::whatis` was
 * quadratic). A lookup takes the spans that start at most the longest span
 * below the address, and of those that hold it the first in walk order, as
 * the walk would have found it.
 */
const spanIndexes = new WeakMap<Target, { spans: SlabSpan[]; longest: bigint }>();

function slabSpans(target: Target): { spans: SlabSpan[]; longest: bigint } {
  const hit = spanIndexes.get(target);
  if (hit) return hit;
  const k = kegRows(target);
  const spans: SlabSpan[] = [];
  let longest = 0n;
  let order = 0;
  // a 2020 slab header names no keg (vtoslab() finds the keg from the page): the keg whose slab lists hold it
  const kegOf = s0HasKeg(target) ? undefined : slabKegs(target);
  for (const s of allSlabs(target)) {
    const o = order++;
    const keg = kegOf ? (kegOf.get(s.addr) ?? 0n) : s.rows.get(s.row, 'us_keg');
    const kr = k.rowOf(keg);
    if (kr < 0) continue;
    const rsize = BigInt(k.num(kr, 'uk_rsize') || k.num(kr, 'uk_size'));
    const ipers = BigInt(k.num(kr, 'uk_ipers'));
    const data = slabData(target, s, k, kr);
    if (data === undefined || rsize === 0n || ipers <= 0n) continue;
    const len = rsize * ipers;
    if (len > longest) longest = len;
    spans.push({ lo: data, hi: data + len, order: o, s, keg, rsize });
  }
  spans.sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : a.order - b.order));
  const r = { spans, longest };
  spanIndexes.set(target, r);
  return r;
}

/** The first slab in walk order whose items hold addr. */
function slabHolding(target: Target, addr: bigint): SlabSpan | undefined {
  const { spans, longest } = slabSpans(target);
  // the last span starting at or below addr
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid]!.lo <= addr) lo = mid + 1;
    else hi = mid;
  }
  let best: SlabSpan | undefined;
  for (let i = lo - 1; i >= 0 && spans[i]!.lo + longest > addr; i--) {
    const x = spans[i]!;
    if (addr < x.hi && (!best || x.order < best.order)) best = x;
  }
  return best;
}

export function whatisFreebsd(target: Target, addr: bigint): WhatisHit {
  return whatisFreebsdAll(target, addr, false)[0]!;
}

/**
 * What the address is, first source first (a UMA item, a cached item, a
 * thread's stack, a struct, a vmem segment, a symbol); `all` keeps going
 * after the first, as ::whatis -a does, so an item is also shown in the
 * vmem segment that holds its slab. Never empty: "unknown" when nothing
 * knows it.
 */
export function whatisFreebsdAll(target: Target, addr: bigint, all: boolean): WhatisHit[] {
  const hits: WhatisHit[] = [];
  for (const source of SOURCES) {
    const h = source(target, addr);
    if (!h) continue;
    hits.push(h);
    if (!all) break;
  }
  return hits.length > 0 ? hits : [{ addr, base: addr, kind: 'unknown', what: `${hx(addr)} is unknown` }];
}

type Source = (target: Target, addr: bigint) => WhatisHit | undefined;

const slabItem: Source = (target, addr) => {
  const span = slabHolding(target, addr);
  if (span) {
    const { s, keg, rsize } = span;
    const data = span.lo;
    const idx = (addr - data) / rsize;
    const item = data + idx * rsize;
    const name = kegName(target, keg) || hx(keg);
    const inSlab = slabFreeItems(s).has(Number(idx));
    // free in the slab (its free bit or freelist entry), cached in one of a zone's buckets (on a 2020
    // kernel named by where the zone keeps it), or allocated
    let cachedIn: WhatisHit['cachedIn'];
    if (!inSlab && umaEra(target) === 2020) {
      const c = cachedItems2020(target).get(item);
      if (c) cachedIn = { zone: c.zone, place: c.place, bucket: c.bucket };
    } else if (!inSlab) {
      const c = bucketHolding(target, item);
      if (c) cachedIn = { zone: c.zone, place: 'bucket', bucket: c.bucket };
    }
    const state = inSlab || cachedIn ? 'free' : 'allocated';
    const where = cachedIn ? `, cached in ${cachedIn.zone}'s ${cachedIn.place} ${hx(cachedIn.bucket)}` : '';
    let what = `${at(addr, item)}${state} from ${name}'s keg ${hx(keg)}, slab ${hx(s.addr)}${where}`;
    // the item holds a struct the dump describes (a thread is a THREAD zone item)
    const obj = target.objectAt(addr);
    const holds = obj && obj.table.startsWith('struct ') && obj.base >= item && obj.base < item + rsize ? obj : undefined;
    if (holds) what += `: ${structDesc(target, holds.table, holds.row, holds.base)}`;
    return { addr, base: item, what, kind: 'item', keg, kegName: name, slab: s.addr, state, ...(cachedIn ? { cachedIn } : {}), ...(holds ? { type: holds.table } : {}) };
  }
  return undefined;
};

// an item no slab of the dump holds, known by the bucket caching it (a slab's own item is slabItem's)
const cachedItem: Source = (target, addr) => {
  const cached = umaEra(target) === 2020 && !slabHolding(target, addr) ? cachedItemAt(target, addr) : undefined;
  if (cached) {
    const [item, c] = cached;
    const kr = kegRows(target).rowOf(c.keg);
    const offpage = kr >= 0 && (kegRows(target).num(kr, 'uk_flags') & UMA_ZFLAG_OFFPAGE_2020) !== 0;
    const why = offpage ? 'an OFFPAGE keg: the dump does not say which slab holds it' : 'no slab of the dump holds it';
    const name = kegName(target, c.keg) || hx(c.keg);
    const what = `${at(addr, item)}free from ${name}'s keg ${hx(c.keg)}, cached in ${c.zone}'s ${c.place} ${hx(c.bucket)} (${why})`;
    return { addr, base: item, what, kind: 'item', keg: c.keg, kegName: name, state: 'free', cachedIn: { zone: c.zone, place: c.place, bucket: c.bucket } };
  }
  return undefined;
};

const threadStack: Source = (target, addr) => {
  const t = threadRows(target);
  const page = BigInt(target.header.pagesize || 4096);
  for (let r = 0; r < t.count; r++) {
    const ks = t.get(r, 'td_kstack');
    const n = BigInt(t.num(r, 'td_kstack_pages'));
    if (ks !== 0n && addr >= ks && addr < ks + n * page) {
      const th = readFbThread(target, r);
      const p = procOf(target, th);
      return { addr, base: ks, kind: 'stack', what: `${at(addr, ks)}in thread ${hx(th.addr)}'s stack (pid ${p?.pid ?? -1} tid ${th.tid})`, thread: th.addr, pid: p?.pid ?? -1, tid: th.tid };
    }
  }
  return undefined;
};

const dumpStruct: Source = (target, addr) => {
  const obj = target.objectAt(addr);
  if (obj && obj.table.startsWith('struct ')) return { addr, base: obj.base, kind: 'struct', what: `${at(addr, obj.base)}${structDesc(target, obj.table, obj.row, obj.base)}`, type: obj.table };
  return undefined;
};

// kernel virtual address in a vmem arena (vmem_whatis): the innermost arena's segment
const vmemSegment: Source = (target, addr) => {
  const segs = vmemSegmentsAt(target, addr);
  if (segs.length > 0) {
    const idx = vmemIndex(target);
    const { arena, tag } = segs[0]!;
    const start = idx.start(tag);
    const state = idx.type[tag] === BT_TYPE_BUSY ? 'allocated' : 'free';
    const from = segs.slice(1).map((x) => idx.arenas.chars(x.arena, 'vm_name'));
    const also = from.map((n) => `'${n}'`);
    const name = idx.arenas.chars(arena, 'vm_name');
    const what = `${at(addr, start)}${state} in vmem arena '${name}' (boundary tag ${hx(idx.addr(tag))})${also.length ? `, imported from ${also.join(', ')}` : ''}`;
    return { addr, base: start, kind: 'vmem', what, arena: name, tag: idx.addr(tag), state, importedFrom: from };
  }
  return undefined;
};

// a kernel symbol: a function is in the module's text, anything else in its data
const symbol: Source = (target, addr) => {
  const sym = target.symbolAt(addr);
  if (!sym) return undefined;
  const segment = target.symbols.isFunc(sym.sym) ? 'text' : 'data';
  return { addr, base: sym.sym.addr, kind: 'symbol', what: `${hx(addr)} is ${target.formatAddr(addr)}, in ${sym.sym.module}'s ${segment}`, name: sym.sym.name, offset: sym.offset, module: sym.sym.module, segment };
};

const SOURCES: readonly Source[] = [slabItem, cachedItem, threadStack, dumpStruct, vmemSegment, symbol];

export const whatis = defineDcmd({
  name: 'whatis',
  synopsis: ':[-a]',
  address: 'required',
  summary: 'given an address, return information',
  help: `Says what an address is on a FreeBSD dump: an item in a UMA slab, with
the keg (named after its first zone), the slab, and whether the item is
allocated, free in the slab, or free in a zone's bucket. On a 2020
kernel the slab header sits after the items on the slab's page (the
items start uk_pgoff below it), the slab's free items are the bits set
in us_free, and a cached item's bucket is named by where the zone keeps
it: "CPU n alloc bucket", "CPU n free bucket", "CPU n cross-domain
bucket" or "bucket cache"; an OFFPAGE keg's slab header is off the page,
at the head of a struct uma_hash_slab whose uhs_data is the slab's
memory. Else the address is a place in a thread's kernel stack; else a
struct the dump describes (a thread, zone, keg, slab header, bucket,
process ...); else, on a 2020 kernel, a busy or free segment of a vmem
arena (the innermost one, naming the arenas it was imported from, as
ddb's vmem_whatis finds it); else a kernel symbol (in its module's text
for a function, its data otherwise). An address inside an object is
given as base+offset. The first source that knows the address answers;
-a asks every source, so a 2020 item is also shown in the vmem segment
that holds its slab.

EXAMPLES
  > c140f900::whatis
  c140f900 is c140f800+100, allocated from MbufClust's keg c1400580, slab c140e000
  > c14025a0::whatis
  c14025a0 is allocated from THREAD's keg c1400400, slab c1402fb4: a struct thread (pid 21 tid 100021 "tcp")`,
  options: { a: flag('report every match, not just the first') },
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const hits = whatisFreebsdAll(ctx.target, addr!, opts.a === true);
    return text(hits.map((h) => h.what + '\n').join(''), { data: opts.a ? hits : hits[0]! });
  },
});
