/*
 * ::findleaks [-dfv] and the leak and leakbuf walkers (mdb's leaky.c:
 * findleaks(), leaky_dump(), leaky_walk_*; leaky_subr.c: leaky_subr_dump*).
 * The scan itself is leaky.ts. Its result is kept for the session, as
 * mdb keeps its leak table between invocations; -f throws it away.
 */
import { defineDcmd, defineWalker, flag, text, type WalkContext } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { hex, ptrPad } from '../../../render/number.js';
import type { Target } from '../../../target.js';
import { readVmemSeg, VMEM_ALLOC } from '../vmem/helpers.js';
import { formatBufctlVerbose, readBufctl } from './bufctl.js';
import { readKmemCache } from './helpers.js';
import { findLeaks, type FindLeaksResult, type LeakGroup, type LeakType } from './leaky.js';

const CACHE_KEY = 'findleaks';

/** The cached result, or undefined when ::findleaks has not run in this session. */
export function cachedLeaks(ctx: WalkContext): FindLeaksResult | undefined {
  return ctx.cache.get(CACHE_KEY) as FindLeaksResult | undefined;
}

/** leaky_filter(): a stack holds the pc itself, or a pc in the function starting there. */
function stackMatches(target: Target, stack: readonly bigint[], filter: bigint | undefined): boolean {
  if (filter === undefined) return true;
  for (const pc of stack) {
    if (pc === filter) return true;
    const hit = target.symbolAt(pc);
    if (hit && hit.sym.addr === filter) return true;
  }
  return false;
}

/** The stack the filter and CALLER look at: a bufctl's without its kmem_cache_alloc frame. */
const groupStack = (g: LeakGroup): bigint[] => (g.type === 'kmem' ? g.members[0]!.stack.slice(1) : g.members[0]!.stack);

const plural = (n: number | bigint, one: string, many: string): string => (BigInt(n) === 1n ? one : many);

function cacheInfo(target: Target, addr: bigint): { name: string; bufsize: bigint } {
  try {
    const c = readKmemCache(target, addr);
    return { name: c.cache_name, bufsize: c.cache_bufsize };
  } catch {
    return { name: hex(addr), bufsize: 0n };
  }
}

/** The table part (leaky_subr_dump with verbose off, and leaky_subr_dump_end). */
function renderTable(target: Target, groups: LeakGroup[], ps: number): string {
  let out = '';
  const w = ps * 2;
  const seen = new Set<LeakType>();
  for (const type of ['vmem', 'cache', 'kmem'] as const) {
    const of = groups.filter((g) => g.type === type);
    if (of.length === 0) continue;
    let ttl = 0n;
    let bytes = 0n;
    if (type === 'vmem') out += `${'BYTES'.padEnd(16)} ${'LEAKED'.padStart(7)} ${'VMEM_SEG'.padStart(w)} CALLER\n`;
    else {
      if (seen.size > 0) out += '\n';
      out += `${'CACHE'.padEnd(w)} ${'LEAKED'.padStart(7)} ${(type === 'kmem' ? 'BUFCTL' : 'BUFFER').padStart(w)} CALLER\n`;
    }
    seen.add(type);
    for (const g of of) {
      const rep = g.members[0]!;
      const n = g.members.length;
      const caller = g.caller === undefined ? '?' : target.formatAddr(g.caller);
      if (type === 'vmem') {
        let min = rep.size;
        let max = rep.size;
        for (const m of g.members) {
          if (m.size < min) min = m.size;
          if (m.size > max) max = m.size;
          ttl++;
          bytes += m.size;
        }
        const sz = min === max ? `${min}` : `${min}-${max}`;
        out += `${sz.padEnd(16)} ${String(n).padStart(7)} ${hex(rep.addr).padStart(w)} ${caller}\n`;
      } else {
        const size = cacheInfo(target, rep.cache).bufsize;
        ttl += BigInt(n);
        bytes += BigInt(n) * size;
        out += `${ptrPad(rep.cache, ps)} ${String(n).padStart(7)} ${ptrPad(rep.addr, ps)} ${caller}\n`;
      }
    }
    const leaks = type === 'vmem' ? 'kmem_oversize leak' : 'buffer';
    out += '-'.repeat(72) + '\n';
    out += `${'Total'.padStart(type === 'vmem' ? 16 : w)} ${String(ttl).padStart(7)} ${leaks}${plural(ttl, '', 's')}, ${bytes} byte${plural(bytes, '', 's')}\n`;
  }
  return out;
}

/** One group in detail (leaky_subr_dump with verbose on): a summary line, then ::bufctl -v or ::vmem_seg -v of the representative. */
function renderDetail(target: Target, g: LeakGroup): string {
  const rep = g.members[0]!;
  const n = g.members.length;
  if (g.type === 'vmem') {
    let min = rep.size;
    let max = rep.size;
    let bytes = 0n;
    for (const m of g.members) {
      if (m.size < min) min = m.size;
      if (m.size > max) max = m.size;
      bytes += m.size;
    }
    const sz = min === max ? `${min}` : `${min}-${max}`;
    let out = n === 1 ? `kmem_oversize leak: 1 vmem_seg, ${bytes} bytes\n` : `kmem_oversize leak: ${n} vmem_segs, ${sz} bytes each, ${bytes} bytes total\n`;
    out += vmemSegVerbose(target, rep.addr);
    return out;
  }
  const c = cacheInfo(target, rep.cache);
  const bytes = BigInt(n) * c.bufsize;
  if (g.type === 'cache') {
    const caller = g.caller === undefined ? '' : target.formatAddr(g.caller);
    const head = n === 1 ? `${c.name} leak: 1 buffer, ${bytes} bytes,\n` : `${c.name} leak: ${n} buffers, ${c.bufsize} bytes each, ${bytes} bytes total,\n`;
    return head + `    sample addr ${hex(rep.addr)}${g.caller === undefined ? '' : ', caller '}${caller}\n`;
  }
  const head = n === 1 ? `${c.name} leak: 1 buffer, ${bytes} bytes\n` : `${c.name} leak: ${n} buffers, ${c.bufsize} bytes each, ${bytes} bytes total\n`;
  return head + formatBufctlVerbose(target, readBufctl(target, rep.addr), true);
}

/** `addr::vmem_seg -v`, as the detail of an oversize leak. */
function vmemSegVerbose(target: Target, addr: bigint): string {
  const s = readVmemSeg(target, addr);
  const size = BigInt.asUintN(64, s.vs_end - s.vs_start);
  let out = `${'ADDR'.padStart(16)} ${'TYPE'.padStart(4)} ${'START'.padStart(16)} ${'END'.padStart(16)} ${'SIZE'.padStart(16)}\n`;
  out += `${''.padStart(16)} ${''.padStart(4)} ${'THREAD'.padStart(16)} ${'TIMESTAMP'.padStart(16)}\n`;
  out += `${hex(addr).padStart(16)} ${'ALLC'.padStart(4)} ${hex(s.vs_start).padStart(16)} ${hex(s.vs_end).padStart(16)} ${size.toString().padStart(16)}\n`;
  if (s.vs_type === VMEM_ALLOC && s.vs_depth > 0) {
    out += `${''.padStart(16)} ${''.padStart(4)} ${hex(s.vs_thread).padStart(16)} ${hex(s.vs_timestamp).padStart(16)}\n`;
    for (const pc of s.vs_stack) out += ' '.repeat(17) + target.formatAddr(pc) + '\n';
    out += '\n';
  }
  return out;
}

const vline = (label: string, v: number | string): string => `findleaks: ${label.padStart(30)} => ${v}\n`;

/** The -v report of a run (leaky_verbose, leaky_verbose_perc, leaky_verbose_end as kmdb prints them). */
function renderVerbose(r: FindLeaksResult): string {
  const b = r.beans;
  const total = b.dismissals + b.misses + b.dups + b.follows;
  const perc = (label: string, v: number): string => {
    const p = total === 0 ? 0 : Math.floor((v * 100) / total);
    const t = total === 0 ? 0 : Math.floor((v * 1000) / total) % 10;
    return `findleaks: ${label.padStart(30)} => ${String(v).padEnd(13)} (${String(p).padStart(2)}.${t}%)\n`;
  };
  let out = vline('maximum buffers', r.estimate) + vline('actual buffers', r.buffers);
  out += 'findleaks: \n' + vline('potential pointers', total);
  out += perc('dismissals', b.dismissals) + perc('misses', b.misses) + perc('dups', b.dups) + perc('follows', b.follows);
  out += 'findleaks: \n';
  out += vline('peak memory usage', `${Math.floor((r.memoryBytes + 1023) / 1024)} kB`);
  // mdb adds the elapsed CPU and wall time here; kmdb, which cannot tell time, does not, and neither
  // does this debugger: it reads no clock, so that a session's output depends on the dump alone
  out += 'findleaks: \n';
  return out;
}

export const findleaksDcmd = defineDcmd({
  name: 'findleaks',
  synopsis: '?[-dfv]',
  address: 'optional',
  summary: 'search for potential kernel memory leaks',
  help: `Does a conservative garbage collection of the heap to find buffers
that nothing points to any more. Every allocated buffer of the caches
backed by kmem_default, kmem_firewall and static, and every kmem_oversize
allocation, is a candidate; the roots are the kernel's data and bss, every
thread's stack, and the free constructed buffers. Every pointer-sized word
of a root that points into a candidate marks it, and a marked buffer's own
words are scanned in turn. Whatever is left unmarked has leaked.

Leaks with the same allocation stack (from the KMF_AUDIT bufctls) and cache
are coalesced, the oldest one representing them; caches without KMF_AUDIT
are grouped by cache alone (CALLER "?"). The leak table is cached between
invocations.

With an address (a function or a pc), only leaks with that function or pc
in their stack are reported. The leak and leakbuf walkers list the members
of a group (bufctls, or the buffers themselves).

OPTIONS
  -d    detail each representative leak (long): ::bufctl -v or ::vmem_seg -v
  -f    throw away cached state, and do a full run
  -v    report verbose information about the findleaks run

EXAMPLES
  > bd_xfer_alloc::findleaks
  findleaks: no memory leaks matching bd_xfer_alloc found
`,
  options: {
    d: flag('detail each representative leak'),
    f: flag('throw away cached state, and do a full run'),
    v: flag('report verbose information about the findleaks run'),
  },
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const t = ctx.target;
    if (t.header.os !== 'illumos') throw new DcmdError('findleaks: not an illumos kernel dump');
    if (t.header.dumpKind === 'live' && !t.header.panic && t.header.outcome !== 'hang') {
      // leaky_subr_estimate: a live dump has no panicstr
      throw new DcmdError('findleaks: cannot be run on a live dump.');
    }
    let out = '';
    let r = opts.f ? undefined : cachedLeaks(ctx);
    if (r) {
      if (opts.v) out += "findleaks: using cached results (use '-f' to force a full run)\n";
    } else {
      r = findLeaks(t);
      ctx.cache.set(CACHE_KEY, r);
      for (const w of r.warnings) out += `findleaks: ${w}\n`;
      if (opts.v) out += renderVerbose(r);
    }
    const filter = ctx.addrSpec ? addr : undefined;
    const groups = r.groups.filter((g) => stackMatches(t, groupStack(g), filter));
    if (groups.length === 0) {
      out += filter !== undefined ? `findleaks: no memory leaks matching ${t.formatAddr(filter)} found\n` : 'findleaks: no memory leaks detected\n';
    } else {
      out += renderTable(t, groups, ctx.pointerSize);
      if (opts.d) {
        out += '\n';
        for (const g of groups) out += renderDetail(t, g);
      }
    }
    const data = {
      buffers: r.buffers,
      estimate: r.estimate,
      beans: r.beans,
      leaks: groups.map((g) => ({
        type: g.type,
        count: g.members.length,
        cache: g.members[0]!.cache,
        addr: g.members[0]!.addr,
        caller: g.caller === undefined ? undefined : t.formatAddr(g.caller),
        bytes: g.members.reduce((s, m) => s + m.size, 0n),
        members: g.members.map((m) => ({ addr: m.addr, bufAddr: m.bufaddr, size: m.size, timestamp: m.timestamp })),
      })),
    };
    return text(out, { data, addresses: groups.map((g) => g.members[0]!.addr) });
  },
});

/** The members of the group holding addr (a representative first, else any member), or of every group. */
function* leakMembers(ctx: WalkContext, addr: bigint | undefined): Generator<{ addr: bigint; bufaddr: bigint }> {
  const r = cachedLeaks(ctx);
  if (!r) throw new DcmdError('::findleaks must be run before leaks can be walked');
  if (addr === undefined) {
    for (const g of r.groups) yield* g.members;
    return;
  }
  const g = r.groups.find((x) => x.members[0]!.addr === addr) ?? r.groups.find((x) => x.members.some((m) => m.addr === addr));
  if (!g) throw new DcmdError(`${hex(addr)} is not a leaked ctl address`);
  yield* g.members;
}

export const leakWalker = defineWalker({
  name: 'leak',
  description: 'given a leaked bufctl or vmem_seg, find leaks w/ same stack',
  *walk(ctx, addr) {
    for (const m of leakMembers(ctx, addr)) yield m.addr;
  },
});

export const leakbufWalker = defineWalker({
  name: 'leakbuf',
  description: 'given a leaked bufctl or vmem_seg, walk buffers for leaks w/ same stack',
  *walk(ctx, addr) {
    for (const m of leakMembers(ctx, addr)) yield m.bufaddr;
  },
});
