/*
 * ::whatis on a FreeBSD dump: what an address is. An item inside a UMA
 * slab is reported with its keg, slab and state (allocated, free in the
 * slab, or cached in one of a zone's buckets); then a thread's stack, a
 * struct row the dump describes (a thread, a zone, a keg ...), a symbol;
 * else "unknown". Like mdb's, an address inside an object is given as
 * base+offset.
 */
import { defineDcmd, text } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { hx } from '../struct.js';
import { procOf, procRows, readFbThread, threadRows } from '../thread/helpers.js';
import { BT_TYPE_BUSY } from '../names.js';
import { vmemIndex, vmemSegmentsAt } from '../vmem/helpers.js';
import { allSlabs, bucketRows, kegName, kegRows, slabAt, slabFreeItems, umaZones, zoneName, type SlabRef } from './helpers.js';

export interface WhatisHit {
  addr: bigint;
  base: bigint;
  what: string;
  kind: 'item' | 'stack' | 'struct' | 'vmem' | 'symbol' | 'unknown';
}

const at = (addr: bigint, base: bigint): string => (addr === base ? `${hx(addr)} is ` : `${hx(addr)} is ${hx(base)}+${hx(addr - base)}, `);

/** The zone and bucket that cache an item, if a bucket holds it. */
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
    if (s) detail = ` of ${kegName(target, s.rows.get(s.row, 'us_keg'))}'s keg`;
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
  for (const s of allSlabs(target)) {
    const o = order++;
    const keg = s.rows.get(s.row, 'us_keg');
    const kr = k.rowOf(keg);
    if (kr < 0) continue;
    const rsize = BigInt(k.num(kr, 'uk_rsize') || k.num(kr, 'uk_size'));
    const ipers = BigInt(k.num(kr, 'uk_ipers'));
    const data = s.rows.get(s.row, 'us_data');
    if (rsize === 0n || ipers <= 0n) continue;
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
  const span = slabHolding(target, addr);
  if (span) {
    const { s, keg, rsize } = span;
    const data = span.lo;
    const idx = (addr - data) / rsize;
    const item = data + idx * rsize;
    const name = kegName(target, keg) || hx(keg);
    let state: string;
    const cached = slabFreeItems(s).has(Number(idx)) ? undefined : bucketHolding(target, item);
    if (slabFreeItems(s).has(Number(idx))) state = 'free';
    else if (cached) state = `free in ${cached.zone}'s bucket ${hx(cached.bucket)}`;
    else state = 'allocated';
    const where = cached ? `, ${state.replace(/^free in /, 'cached in ')}` : '';
    let what = cached
      ? `${at(addr, item)}free from ${name}'s keg ${hx(keg)}, slab ${hx(s.addr)}${where}`
      : `${at(addr, item)}${state} from ${name}'s keg ${hx(keg)}, slab ${hx(s.addr)}`;
    // the item holds a struct the dump describes (a thread is a THREAD zone item)
    const obj = target.objectAt(addr);
    if (obj && obj.table.startsWith('struct ') && obj.base >= item && obj.base < item + rsize) what += `: ${structDesc(target, obj.table, obj.row, obj.base)}`;
    return { addr, base: item, what, kind: 'item' };
  }
  const t = threadRows(target);
  const page = BigInt(target.header.pagesize || 4096);
  for (let r = 0; r < t.count; r++) {
    const ks = t.get(r, 'td_kstack');
    const n = BigInt(t.num(r, 'td_kstack_pages'));
    if (ks !== 0n && addr >= ks && addr < ks + n * page) {
      const th = readFbThread(target, r);
      const p = procOf(target, th);
      return { addr, base: ks, kind: 'stack', what: `${at(addr, ks)}in thread ${hx(th.addr)}'s stack (pid ${p?.pid ?? -1} tid ${th.tid})` };
    }
  }
  const obj = target.objectAt(addr);
  if (obj && obj.table.startsWith('struct ')) return { addr, base: obj.base, kind: 'struct', what: `${at(addr, obj.base)}${structDesc(target, obj.table, obj.row, obj.base)}` };
  // kernel virtual address in a vmem arena (vmem_whatis): the innermost arena's segment
  const segs = vmemSegmentsAt(target, addr);
  if (segs.length > 0) {
    const idx = vmemIndex(target);
    const { arena, tag } = segs[0]!;
    const start = idx.start(tag);
    const state = idx.type[tag] === BT_TYPE_BUSY ? 'allocated' : 'free';
    const also = segs.slice(1).map((x) => `'${idx.arenas.chars(x.arena, 'vm_name')}'`);
    const what = `${at(addr, start)}${state} in vmem arena '${idx.arenas.chars(arena, 'vm_name')}' (boundary tag ${hx(idx.addr(tag))})${also.length ? `, imported from ${also.join(', ')}` : ''}`;
    return { addr, base: start, kind: 'vmem', what };
  }
  const sym = target.symbolAt(addr);
  if (sym) return { addr, base: sym.sym.addr, kind: 'symbol', what: `${hx(addr)} is ${target.formatAddr(addr)}, in ${sym.sym.module}'s data` };
  return { addr, base: addr, kind: 'unknown', what: `${hx(addr)} is unknown` };
}

export const whatis = defineDcmd({
  name: 'whatis',
  synopsis: ':',
  address: 'required',
  summary: 'given an address, return information',
  help: `Says what an address is on a FreeBSD dump: an item in a UMA slab, with
the keg (named after its first zone), the slab, and whether the item is
allocated, free in the slab, or free in a zone's bucket; else a place in a
thread's kernel stack; else a struct the dump describes (a thread, zone,
keg, slab header, bucket, process ...); else, on a 2020 kernel, a busy or
free segment of a vmem arena (the innermost one, naming the arenas it was
imported from, as ddb's vmem_whatis finds it); else a kernel symbol. An address
inside an object is given as base+offset.

EXAMPLES
  > c140f900::whatis
  c140f900 is c140f800+100, allocated from MbufClust's keg c1400580, slab c140e000
  > c14025a0::whatis
  c14025a0 is allocated from THREAD's keg c1400400, slab c1402fb4: a struct thread (pid 21 tid 100021 "tcp")`,
  options: {},
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const h = whatisFreebsd(ctx.target, addr!);
    return text(h.what + '\n', { data: h });
  },
});
