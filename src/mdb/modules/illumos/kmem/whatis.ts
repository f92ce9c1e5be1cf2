/*
 * ::whatis — what an address is (models mdb's whatis: mdb_whatis.c and
 * the whatis callbacks of genunix). The sources are searched in mdb's
 * priority order, and the first one that claims the address answers
 * (every one with -a):
 *   1. modules: a kernel symbol ("is kmem_flags, in genunix's data segment");
 *   2. threads: a kthread_t ("allocated as a thread structure");
 *   3. kmem: a buffer of a cache, allocated or free; for a KMF_AUDIT cache
 *      with a bufctl, followed by that record as ::bufctl -v prints it;
 *   4. vmem: an allocated or free segment, leaf arenas first;
 * then, for memory the dump describes but none of those sources cover, the
 * struct row holding it (mddb's own line, "a kmem_cache_t"); else "unknown".
 * Lookups go through the target's object index and a per-dump sorted
 * segment index, so a piped walk costs a few binary searches per address.
 */
import { BUFSTATE_ALLOC, TABLE_BUFFERS, type Column, type ScalarArray } from '../../../../dump/format.js';
import { defineDcmd, flag, text, type Result } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import { hex } from '../../../render/number.js';
import type { ObjectRef, Target } from '../../../target.js';
import { readVmem, vmemPostfix, vmemSegs, VMEM_ALLOC, VMEM_FREE } from '../vmem/helpers.js';
import { formatBufctlVerbose, readBufctl } from './bufctl.js';
import { KMC_NOTOUCH, KMF_AUDIT, KMF_HASH } from './helpers.js';
import { addrCol, numAt, scalars, bigAt } from './indexes.js';

/** vm_cflags: an arena of identifiers, not memory (searched only with -i) */
const VMC_IDENTIFIER = 0x40000;

/** One answer of ::whatis. */
export type WhatisHit =
  | { kind: 'symbol'; addr: bigint; name: string; offset: bigint; module: string; segment: string }
  | { kind: 'thread'; addr: bigint; base: bigint }
  /** in a thread's stack [t_stkbase, t_stk); suffix as mdb's stack_active() */
  | { kind: 'stack'; addr: bigint; thread: bigint; suffix: string }
  | { kind: 'kmem'; addr: bigint; base: bigint; cache: bigint; cacheName: string; allocated: boolean; bufctl: bigint; audit: boolean }
  | { kind: 'vmem'; addr: bigint; base: bigint; seg: bigint; arenaName: string; allocated: boolean; debug: boolean }
  | { kind: 'unknown'; addr: bigint };

export interface WhatisOptions {
  /** report every source that claims the address (-a) */
  all?: boolean;
  /** search identifier arenas too (-i) */
  identifiers?: boolean;
}

// ---------------------------------------------------------------- vmem index

interface ArenaSegs {
  name: string;
  identifier: boolean;
  /** ALLOC and FREE segments by start (they do not overlap within an arena) */
  starts: bigint[];
  ends: bigint[];
  segs: bigint[];
  alloc: boolean[];
  debug: boolean[];
}

const vmemIndex = new WeakMap<Target, ArenaSegs[]>();

/** Every arena's segments, children before parents (vmem_postfix), read once per dump. */
function arenaSegs(target: Target): ArenaSegs[] {
  let ix = vmemIndex.get(target);
  if (ix) return ix;
  ix = [];
  if (target.table('vmem_t') && target.table('vmem_seg_t')) {
    for (const node of vmemPostfix(target)) {
      const list: Array<{ s: bigint; e: bigint; seg: bigint; alloc: boolean; debug: boolean }> = [];
      for (const s of vmemSegs(target, node.addr)) {
        if (s.vs_type !== VMEM_ALLOC && s.vs_type !== VMEM_FREE) continue;
        list.push({ s: s.vs_start, e: s.vs_end, seg: s.addr, alloc: s.vs_type === VMEM_ALLOC, debug: s.vs_type === VMEM_ALLOC && s.vs_depth !== 0 });
      }
      list.sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : 0));
      ix.push({
        name: node.name,
        identifier: (readVmem(target, node.addr).vm_cflags & VMC_IDENTIFIER) !== 0,
        starts: list.map((x) => x.s),
        ends: list.map((x) => x.e),
        segs: list.map((x) => x.seg),
        alloc: list.map((x) => x.alloc),
        debug: list.map((x) => x.debug),
      });
    }
  }
  vmemIndex.set(target, ix);
  return ix;
}

function vmemHits(target: Target, addr: bigint, opts: WhatisOptions): WhatisHit[] {
  const out: WhatisHit[] = [];
  for (const a of arenaSegs(target)) {
    if (a.identifier && !opts.identifiers) continue;
    let lo = 0;
    let hi = a.starts.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a.starts[mid]! <= addr) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0 || addr >= a.ends[best]!) continue;
    out.push({ kind: 'vmem', addr, base: a.starts[best]!, seg: a.segs[best]!, arenaName: a.name, allocated: a.alloc[best]!, debug: a.debug[best]! });
    if (!opts.all) break;
  }
  return out;
}

// ---------------------------------------------------------------- the search

/** TS_FREE: an idle interrupt thread's state */
const TS_FREE = 0;

/**
 * models the stack half of whatis_walk_thread() (mdb genunix thread.c): an
 * address in [t_stkbase, t_stk) of some thread is "in thread <t>'s stack",
 * marked " (below sp)" under the saved t_sp and " (inactive interrupt
 * thread)" for a free one (stack_active()).
 */
/** Each thread's stack bounds [t_stkbase, t_stk) as bigints, per dump: a typed array's element is a new bigint at every read, and every address asked reads them all. */
const stackBounds = new WeakMap<Target, { lo: bigint[]; hi: bigint[] } | null>();

function stacksOf(target: Target): { lo: bigint[]; hi: bigint[] } | null {
  let b = stackBounds.get(target);
  if (b === undefined) {
    const t = target.table('kthread_t');
    const base = scalars(t, 't_stkbase');
    const top = scalars(t, 't_stk');
    const n = addrCol(t).length;
    b = base && top ? { lo: Array.from({ length: n }, (_, i) => bigAt(base, i)), hi: Array.from({ length: n }, (_, i) => bigAt(top, i)) } : null;
    stackBounds.set(target, b);
  }
  return b;
}

function stackHits(target: Target, addr: bigint, opts: WhatisOptions, out: WhatisHit[]): void {
  const b = stacksOf(target);
  if (!b) return;
  const { lo: los, hi: his } = b;
  for (let i = 0; i < los.length; i++) {
    const lo = los[i]!;
    if (lo === 0n || addr < lo || addr >= his[i]!) continue;
    const t = target.table('kthread_t');
    const state = scalars(t, 't_state');
    const suffix = numAt(state, i) === TS_FREE ? ' (inactive interrupt thread)' : addr >= bigAt(scalars(t, 't_sp'), i) ? '' : ' (below sp)';
    out.push({ kind: 'stack', addr, thread: addrCol(t)[i]!, suffix });
    if (!opts.all) break;
  }
}

/** The columns of the buffers and caches a kmem answer reads, per dump: looked up once rather than by name for every address. */
interface KmemColumns {
  cacheRow: ScalarArray | undefined;
  state: ScalarArray | undefined;
  bufctl: ScalarArray | undefined;
  names: Column | undefined;
  flags: ScalarArray | undefined;
  cflags: ScalarArray | undefined;
  caddrs: BigUint64Array;
}

const kmemColumnsOf = new WeakMap<Target, KmemColumns>();

function kmemColumns(target: Target): KmemColumns {
  let k = kmemColumnsOf.get(target);
  if (!k) {
    const bt = target.table(TABLE_BUFFERS);
    const ct = target.table('kmem_cache_t');
    k = {
      cacheRow: scalars(bt, 'cache_row'),
      state: scalars(bt, 'state'),
      bufctl: scalars(bt, 'bufctl'),
      names: ct?.columns['cache_name'],
      flags: scalars(ct, 'cache_flags'),
      cflags: scalars(ct, 'cache_cflags'),
      caddrs: addrCol(ct),
    };
    kmemColumnsOf.set(target, k);
  }
  return k;
}

/** One buffer's kmem answer. */
function kmemHit(k: KmemColumns, addr: bigint, o: ObjectRef): WhatisHit & { kind: 'kmem' } {
  const cr = numAt(k.cacheRow, o.row);
  const allocated = numAt(k.state, o.row) === BUFSTATE_ALLOC;
  const f = numAt(k.flags, cr);
  return {
    kind: 'kmem',
    addr,
    base: o.base,
    cache: k.caddrs[cr] ?? 0n,
    cacheName: k.names?.kind === 'str' ? (k.names.values[cr] ?? '') : '',
    allocated,
    bufctl: (f & KMF_HASH) !== 0 || !allocated ? bigAt(k.bufctl, o.row) : 0n,
    audit: (f & KMF_AUDIT) !== 0,
  };
}

/**
 * The buffers holding addr, appended to hits: ordinary caches before
 * NOTOUCH ones, allocated before free, innermost first. True when the
 * search is done (a hit, without -a). A function of its own, apart from
 * whatis(), so that the optimiser compiles it once rather than into each
 * recompilation of its caller.
 */
function kmemHits(target: Target, addr: bigint, opts: WhatisOptions, hits: WhatisHit[]): boolean {
  const bufs = target.memory.objectsIn(TABLE_BUFFERS, addr);
  if (bufs.length === 0) return false;
  const k = kmemColumns(target);
  if (bufs.length === 1) {
    // the usual answer, one buffer: nothing to rank
    hits.push(kmemHit(k, addr, bufs[0]!));
    return !opts.all;
  }
  // a buffer inside another (a slab carved from a kmem_va quantum cache's buffer)
  const found = bufs.map((o) => {
    const hit = kmemHit(k, addr, o);
    const rank = ((numAt(k.cflags, numAt(k.cacheRow, o.row)) & KMC_NOTOUCH) !== 0 ? 2 : 0) + (hit.allocated ? 0 : 1);
    return { hit, rank };
  });
  found.sort((a, b) => a.rank - b.rank); // stable: innermost first within a rank
  for (const f of found) {
    hits.push(f.hit);
    if (!opts.all) return true;
  }
  return false;
}

/** What ::whatis says about addr, in mdb's order; never empty (the last resort is 'unknown'). */
export function whatis(target: Target, addr: bigint, opts: WhatisOptions = {}): WhatisHit[] {
  addr = BigInt.asUintN(64, addr);
  const hits: WhatisHit[] = [];
  const done = (): boolean => hits.length > 0 && !opts.all;

  // 1. modules: a symbol's text or data
  const sym = target.symbolAt(addr);
  if (sym && (sym.offset < sym.sym.size || sym.offset === 0n)) {
    const segment = target.symbols.isFunc(sym.sym) ? 'text segment' : 'data segment';
    hits.push({ kind: 'symbol', addr, name: sym.sym.name, offset: sym.offset, module: sym.sym.module, segment });
  }
  if (done()) return hits;

  // 2. threads (only the tables a source reads are asked: memory.objectsIn)
  for (const o of target.memory.objectsIn('kthread_t', addr)) hits.push({ kind: 'thread', addr, base: o.base });
  if (done()) return hits;
  stackHits(target, addr, opts, hits);
  if (done()) return hits;

  // 3. kmem: ordinary caches before NOTOUCH ones, allocated before free, innermost first
  if (kmemHits(target, addr, opts, hits)) return hits;
  if (done()) return hits;

  // 4. vmem
  hits.push(...vmemHits(target, addr, opts));
  if (done()) return hits;

  // mdb names no types: memory no source covers is unknown
  if (hits.length === 0) hits.push({ kind: 'unknown', addr });
  return hits;
}

// ---------------------------------------------------------------- output

/** "<addr> is " or "<addr> is <base>+<off>, " (mdb_whatis_report_object). */
const reportObject = (addr: bigint, base: bigint): string => (addr === base ? `${hex(addr)} is ` : `${hex(addr)} is ${hex(base)}+${hex(addr - base)}, `);

/**
 * Whether a kmem_bufctl_audit_t starts at addr (what target.typeAt(addr)
 * says when the dump has one there), asking that table alone.
 */
function isAuditBufctl(target: Target, addr: bigint): boolean {
  return target.memory.rowAt('kmem_bufctl_audit_t', addr) !== undefined;
}

/** One hit as mdb prints it; `quiet` (-q) gives the bufctl or vmem_seg address instead of the record. */
export function formatWhatisHit(target: Target, h: WhatisHit, quiet = false): string {
  switch (h.kind) {
    case 'symbol': {
      const at = h.offset === 0n ? h.name : `${h.name}+0x${hex(h.offset)}`;
      return `${hex(h.addr)} is ${at}, in ${h.module}'s ${h.segment}\n`;
    }
    case 'thread':
      return `${reportObject(h.addr, h.base)}allocated as a thread structure\n`;
    case 'stack':
      return `${hex(h.addr)} is in thread ${hex(h.thread)}'s stack${h.suffix}\n`;
    case 'kmem': {
      const how = `${h.allocated ? 'allocated' : 'freed'} from ${h.cacheName}`;
      // (a bigint's truth is `!== 0n`, tested without the optimiser assuming small bigints: bufctls are kernel addresses)
      const printer = h.audit && !quiet && h.bufctl && isAuditBufctl(target, h.bufctl);
      if (printer) return `${reportObject(h.addr, h.base)}${how}:\n${formatBufctlVerbose(target, readBufctl(target, h.bufctl), true)}`;
      return `${reportObject(h.addr, h.base)}${h.bufctl ? `bufctl ${hex(h.bufctl)} ` : ''}${how}\n`;
    }
    case 'vmem': {
      const seg = quiet && h.debug ? `vmem_seg ${hex(h.seg)} ` : '';
      return `${reportObject(h.addr, h.base)}${seg}${h.allocated ? 'allocated' : 'freed'} from the ${h.arenaName} vmem arena\n`;
    }
    case 'unknown':
      return `${hex(h.addr)} is unknown\n`;
  }
}

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** Piped addresses answered per chunk; a pipe this short is one result (one --json entry), as before */
const WHATIS_CHUNK = 1024;

export default defineDcmd({
  name: 'whatis',
  pipeAll: true,
  synopsis: ':[-aikq]',
  address: 'required',
  summary: 'given an address, return information',
  help: `Says what an address is: a kernel symbol, a thread structure, a kmem
buffer (allocated or freed, from which cache), or a vmem segment (from
which arena). The first source that knows the address answers; -a asks
them all. An address inside an object is shown as base+offset. For a
cache with KMF_AUDIT the buffer's audit record follows, as ::bufctl -v
prints it. Addresses piped in are sorted first (-k keeps their order).

OPTIONS
  -a   report every match, not just the first
  -i   also search identifier arenas (vmem arenas of ids, not memory)
  -k   keep the piped addresses in their order
  -q   quiet: name the bufctl or vmem_seg instead of printing it

EXAMPLES
  > kmem_flags::whatis
  fffffffffbc13fd8 is kmem_flags, in genunix's data segment
  > ffffff01c0a4af00::whatis
  ffffff01c0a4af00 is ffffff01c0a42000+8f00, allocated from the kmem_oversize vmem arena
  > ffffff01c0035390::whatis
  ffffff01c0035390 is ffffff01c0035380+10, allocated from the kmem_cache vmem arena
  > 1234::whatis
  1234 is unknown
`,
  options: {
    a: flag('report every match'),
    i: flag('search identifier arenas too'),
    k: flag('keep the piped order'),
    q: flag('quiet: bufctl and vmem_seg addresses only'),
  },
  run(ctx, addr, opts, args) {
    if (args.length > 0 || addr === undefined) throw new UsageError();
    // mdb takes the whole pipe at once (mdb_get_pipe) and sorts it unless -k
    let list = [addr];
    if (ctx.piped && ctx.pipeInput) {
      if (!ctx.first) return;
      list = [...ctx.pipeInput];
      if (!opts.k) list.sort(cmp);
    }
    const wo: WhatisOptions = { all: opts.a, identifiers: opts.i };
    const answer = (part: readonly bigint[]): Result => {
      // (a loop, not flatMap, map and join: one address a line in a script of thousands)
      const hits: WhatisHit[] = [];
      for (const a of part) for (const h of whatis(ctx.target, a, wo)) hits.push(h);
      let out = '';
      for (const h of hits) out += formatWhatisHit(ctx.target, h, opts.q);
      return text(out, { data: hits });
    };
    if (list.length <= WHATIS_CHUNK) return answer(list);
    // a long pipe (::walk kmem | ::whatis) is answered a chunk at a time and
    // each chunk printed as it is made: the whole text of a million
    // addresses is more than one string can hold
    return (function* chunks(): Generator<Result> {
      for (let i = 0; i < list.length; i += WHATIS_CHUNK) yield answer(list.slice(i, i + WHATIS_CHUNK));
    })();
  },
});
