/*
 * ::kmem_log [-b], ::allocdby, ::freedby, ::kmausers and the
 * bufctl_history, allocdby and freedby walkers (models mdb's genunix
 * kmem.c: kmem_log(), kmem_log_walk(), allocdby_common(), kmausers(),
 * bufctl_history_walk_*).
 */
import { defineDcmd, defineWalker, flag, text, type WalkContext } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { hex, ptrPad } from '../../../render/number.js';
import type { Target } from '../../../target.js';
import { bufctlCaller, bufctlHistory, readBufctl, type BufctlAudit } from './bufctl.js';
import { cacheBuffers, KMF_AUDIT, readKmemCache } from './helpers.js';
import { addrCol } from './indexes.js';
import { kmemLogRecords } from './kmalog.js';
import { StructView } from './struct-view.js';

/** The caller a bufctl records, as symbol+offset (--json's `caller` everywhere), or null. */
function callerName(target: Target, stack: readonly bigint[]): string | null {
  const c = bufctlCaller(target, stack);
  return c === undefined ? null : target.formatAddr(c);
}

const LOG_GLOBALS = ['kmem_transaction_log', 'kmem_failure_log', 'kmem_slab_log'];

/** The log header a global points at, or undefined. */
function logHeaderOf(target: Target, name: string): bigint | undefined {
  const sym = target.lookupSymbol(name);
  if (!sym) return undefined;
  try {
    const lh = target.readPtr(sym.addr);
    return lh === 0n ? undefined : lh;
  } catch {
    return undefined;
  }
}

/** The kmem_log_header_t an address names: a log global's address, or a header itself. */
function asLogHeader(target: Target, addr: bigint): bigint | undefined {
  for (const name of LOG_GLOBALS) {
    const sym = target.lookupSymbol(name);
    if (sym && sym.addr === addr) return logHeaderOf(target, name);
  }
  return target.typeAt(addr) === 'kmem_log_header_t' ? addr : undefined;
}

/** Each CPU's current chunk, [low, high): the records written since it was loaded (kmem_log_walk's kmc_low/kmc_high). */
function cpuChunks(target: Target, lh: bigint): Array<[bigint, bigint]> {
  const v = StructView.read(target, 'kmem_log_header_t', lh, 'log header');
  const chunk = v.u('lh_chunksize');
  const out: Array<[bigint, bigint]> = [];
  for (let i = 0; i < target.header.ncpus && v.has(`lh_cpu[${i}].clh_current`); i++) {
    const cur = v.u(`lh_cpu[${i}].clh_current`);
    const avail = v.u(`lh_cpu[${i}].clh_avail`);
    out.push([cur - (chunk - avail), cur]);
  }
  return out;
}

const hdr = (ps: number): string => `CPU ${'ADDR'.padEnd(ps * 2)} ${'BUFADDR'.padEnd(ps * 2)} ${'TIMESTAMP'.padStart(16)} ${'THREAD'.padEnd(ps * 2)}\n`;

function logLine(bc: BufctlAudit, chunks: Array<[bigint, bigint]>, ps: number): string {
  const cpu = chunks.findIndex(([lo, hi]) => bc.addr >= lo && bc.addr < hi);
  return `${cpu < 0 ? '   ' : String(cpu).padStart(3)} ${ptrPad(bc.addr, ps)} ${ptrPad(bc.bc_addr, ps)} ${hex(bc.bc_timestamp).padStart(16)} ${ptrPad(bc.bc_thread, ps)}\n`;
}

export const kmemLogDcmd = defineDcmd({
  name: 'kmem_log',
  synopsis: '?[-b]',
  address: 'optional',
  summary: 'dump kmem transaction log',
  help: `Prints the kmem transaction log (kmem_transaction_log), newest record
first: the CPU whose current log chunk holds the record (blank once the
chunk has been retired), the record, the buffer, the time and the thread.
With the address of a log global or of a kmem_log_header_t, prints that log
instead (kmem_failure_log, kmem_slab_log); with the address of one record,
that record. With -b, the address is a buffer and only the records of
transactions on it are printed.

OPTIONS
  -b    the address is a buffer: print the transactions on it

EXAMPLES
  > kmem_failure_log::kmem_log
  CPU ADDR             BUFADDR                 TIMESTAMP THREAD
    2 ffffff01c0a27b40 0000000000000000        13688839f ffffff01c0aa1120
  ...
`,
  options: { b: flag('the address is a buffer: print the transactions on it') },
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const t = ctx.target;
    const ps = ctx.pointerSize;
    let lh = logHeaderOf(t, 'kmem_transaction_log');
    let only: bigint | undefined;
    let buf: bigint | undefined;
    if (addr !== undefined && opts.b) buf = addr;
    else if (addr !== undefined) {
      const h = asLogHeader(t, addr);
      if (h !== undefined) lh = h;
      else only = addr;
    }
    if (lh === undefined) throw new DcmdError('no kmem transaction log');
    const chunks = cpuChunks(t, lh);
    const header = ctx.first || !ctx.loop;
    let out = header && !ctx.pipedInto ? hdr(ps) : '';
    const rows: BufctlAudit[] = [];
    if (only !== undefined) rows.push(readBufctl(t, only));
    else if (buf !== undefined) rows.push(...recordsHolding(t, lh, buf));
    else rows.push(...kmemLogRecords(t, lh));
    if (ctx.pipedInto) return { kind: 'addresses', addresses: rows.map((r) => r.addr), addressType: 'kmem_bufctl_audit_t' };
    for (const bc of rows) out += logLine(bc, chunks, ps);
    return text(out, {
      data: rows.map((bc) => ({ addr: bc.addr, bufAddr: bc.bc_addr, timestamp: bc.bc_timestamp, thread: bc.bc_thread })),
      addresses: rows.map((r) => r.addr),
      addressType: 'kmem_bufctl_audit_t',
    });
  },
});

// ---------------------------------------------------------------- allocdby, freedby

/**
 * The audit bufctls of the KMF_AUDIT caches (allocated, or free), grouped
 * by thread, newest first: made on the first ::allocdby or ::freedby of a
 * dump and kept (the dump does not change), since each call would
 * otherwise read every audit record to keep one thread's.
 */
const byThreadCache = new WeakMap<Target, Map<boolean, Map<bigint, BufctlAudit[]>>>();

function threadsBufctls(target: Target, free: boolean): Map<bigint, BufctlAudit[]> {
  let m = byThreadCache.get(target);
  if (!m) byThreadCache.set(target, (m = new Map()));
  let by = m.get(free);
  if (by) return by;
  by = new Map();
  for (const c of addrCol(target.table('kmem_cache_t'))) {
    const cp = readKmemCache(target, c);
    if ((cp.cache_flags & KMF_AUDIT) === 0) continue;
    for (const a of cacheBuffers(target, c, free ? 'free' : 'allocated', true)) {
      if (a === 0n) continue;
      let bc: BufctlAudit;
      try {
        bc = readBufctl(target, a);
      } catch {
        continue;
      }
      let l = by.get(bc.bc_thread);
      if (!l) by.set(bc.bc_thread, (l = []));
      l.push(bc);
    }
  }
  // a stable sort, as the walk's: equal times keep cache and buffer order
  for (const l of by.values()) l.sort((a, b) => (a.bc_timestamp > b.bc_timestamp ? -1 : a.bc_timestamp < b.bc_timestamp ? 1 : 0));
  m.set(free, by);
  return by;
}

/** Every audit bufctl of the KMF_AUDIT caches (allocated or free) whose thread is thr, newest first (allocdby_walk). */
function byThread(target: Target, thr: bigint, free: boolean): readonly BufctlAudit[] {
  return threadsBufctls(target, free).get(thr) ?? [];
}

function byThreadWalker(name: string, free: boolean, description: string) {
  return defineWalker({
    name,
    description,
    outputType: 'kmem_bufctl_audit_t',
    *walk(ctx: WalkContext, addr?: bigint) {
      if (addr === undefined) throw new DcmdError(`must specify a thread`);
      for (const bc of byThread(ctx.target, addr, free)) yield bc.addr;
    },
  });
}

export const allocdbyWalker = byThreadWalker('allocdby', false, 'given a thread, walk its allocated bufctls');
export const freedbyWalker = byThreadWalker('freedby', true, 'given a thread, walk its freed bufctls');

function byThreadDcmd(name: string, free: boolean, help: string) {
  return defineDcmd({
    name,
    synopsis: ':',
    address: 'required',
    summary: `given a thread, print its ${free ? 'freed' : 'allocated'} buffers`,
    help,
    options: {},
    input: 'kthread_t',
    run(ctx, addr, _o, args) {
      if (args.length > 0 || addr === undefined) throw new UsageError();
      const ps = ctx.pointerSize;
      const rows = byThread(ctx.target, addr, free);
      if (ctx.pipedInto) return { kind: 'addresses', addresses: rows.map((r) => r.addr), addressType: 'kmem_bufctl_audit_t' };
      let out = `${'BUFCTL'.padEnd(ps * 2)} ${'TIMESTAMP'.padStart(12)} CALLER\n`;
      for (const bc of rows) {
        const c = bufctlCaller(ctx.target, bc.bc_stack);
        out += `${ptrPad(bc.addr, ps)} ${hex(bc.bc_timestamp).padStart(12)} ${c === undefined ? '' : ctx.target.formatAddr(c)}\n`;
      }
      return text(out, { data: rows.map((bc) => ({ bufctl: bc.addr, timestamp: bc.bc_timestamp, caller: callerName(ctx.target, bc.bc_stack) })) });
    },
  });
}

export const allocdbyDcmd = byThreadDcmd(
  'allocdby',
  false,
  `Prints the bufctls of KMF_AUDIT caches whose last transaction was an
allocation by the given thread, newest first: the bufctl, its hrtime and
the first caller outside the allocator.

EXAMPLES
  > ffffff01c0a44040::allocdby
  BUFCTL              TIMESTAMP CALLER
  ...
`,
);
export const freedbyDcmd = byThreadDcmd(
  'freedby',
  true,
  `Prints the bufctls of KMF_AUDIT caches whose last transaction was a free
by the given thread, newest first: the bufctl, its hrtime and the first
caller outside the allocator.

EXAMPLES
  > ffffff01c0a44040::freedby
  BUFCTL              TIMESTAMP CALLER
  ...
`,
);

// ---------------------------------------------------------------- bufctl_history

export const bufctlHistoryWalker = defineWalker({
  name: 'bufctl_history',
  description: "walk the available history of a bufctl",
  inputType: 'kmem_bufctl_audit_t',
  outputType: 'kmem_bufctl_audit_t',
  walk(ctx, addr) {
    if (addr === undefined) throw new DcmdError('bufctl_history walk doesn\'t support global walks');
    return bufctlHistory(ctx.target, addr);
  },
});

// ---------------------------------------------------------------- kmausers

interface Owner {
  total: bigint;
  num: number;
  dataSize: bigint;
  stack: bigint[];
}

/**
 * A KMF_AUDIT cache's allocated buffers with their bufctls and the
 * grouping key of ::kmausers (size and stack), read once per dump: a loop
 * or a pipe into ::kmausers read every audit bufctl of every cache again on
 * each call.
 */
const auditsCache = new WeakMap<Target, Map<bigint, Array<{ a: bigint; bc: BufctlAudit; key: string }>>>();

function allocatedAudits(t: Target, cache: bigint, bufsize: bigint): Array<{ a: bigint; bc: BufctlAudit; key: string }> {
  let m = auditsCache.get(t);
  if (!m) auditsCache.set(t, (m = new Map()));
  let l = m.get(cache);
  if (l) return l;
  l = [];
  for (const a of cacheBuffers(t, cache, 'allocated', true)) {
    const bc = readBufctl(t, a);
    l.push({ a, bc, key: `${bufsize}|${bc.bc_stack.join(',')}` });
  }
  m.set(cache, l);
  return l;
}

/**
 * The records of a log whose buffer holds buf (::kmem_log -b), newest
 * first; kept per dump for the last addresses asked, since a loop
 * (`addr,0x100::kmem_log -b`) asks the same one again and each answer is a
 * pass over every record of the log.
 */
const holdingCache = new WeakMap<Target, Map<string, readonly BufctlAudit[]>>();
const HOLDING_KEPT = 1024;

function recordsHolding(t: Target, lh: bigint, buf: bigint): readonly BufctlAudit[] {
  let m = holdingCache.get(t);
  if (!m) holdingCache.set(t, (m = new Map()));
  const key = `${lh}:${buf}`;
  const hit = m.get(key);
  if (hit) return hit;
  // a log names a few dozen caches in tens of thousands of records: read each cache's size once
  const sizes = new Map<bigint, bigint | null>();
  const bufsize = (cp: bigint): bigint | null => {
    let z = sizes.get(cp);
    if (z !== undefined) return z;
    try {
      z = readKmemCache(t, cp).cache_bufsize;
    } catch {
      z = null;
    }
    sizes.set(cp, z);
    return z;
  };
  const out: BufctlAudit[] = [];
  for (const bc of kmemLogRecords(t, lh)) {
    const size = bufsize(bc.bc_cache);
    if (size === null) continue;
    if (buf < bc.bc_addr || buf >= bc.bc_addr + size) continue;
    out.push(bc);
  }
  if (m.size >= HOLDING_KEPT) m.delete(m.keys().next().value!);
  m.set(key, out);
  return out;
}

/** A cache's audit entries sorted by buffer address, made on the first lookup by address. */
const byBufAddr = new WeakMap<readonly unknown[], Int32Array>();

/**
 * The entries of a cache's list whose buffer [bc_addr, bc_addr + bufsize)
 * holds addr, in the list's order: two binary searches instead of a pass
 * over every allocation for each address piped into ::kmausers.
 */
function auditsHolding<E extends { bc: BufctlAudit }>(list: readonly E[], addr: bigint, bufsize: bigint): E[] {
  let order = byBufAddr.get(list);
  if (!order) {
    order = Int32Array.from(list.keys()).sort((x, y) => {
      const p = list[x]!.bc.bc_addr;
      const q = list[y]!.bc.bc_addr;
      return p < q ? -1 : p > q ? 1 : x - y;
    });
    byBufAddr.set(list, order);
  }
  // the first entry whose buffer starts above addr
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[order[mid]!]!.bc.bc_addr <= addr) lo = mid + 1;
    else hi = mid;
  }
  const hits: number[] = [];
  for (let k = lo - 1; k >= 0 && list[order[k]!]!.bc.bc_addr + bufsize > addr; k--) hits.push(order[k]!);
  return hits.sort((x, y) => x - y).map((i) => list[i]!);
}

/**
 * A cache as ::kmausers searches it, worked out once per dump: its kmem_cache,
 * whether it audits, its allocated buffers' audit records and the span of
 * addresses they cover (a pipe of 65,536 addresses into ::kmausers asks every
 * cache at each one).
 */
interface AuditedCache {
  cp: ReturnType<typeof readKmemCache>;
  audited: boolean;
  list: Array<{ a: bigint; bc: BufctlAudit; key: string }>;
  lo: bigint;
  hi: bigint;
}
const auditedCaches = new WeakMap<Target, Map<bigint, AuditedCache>>();

function auditedCache(t: Target, c: bigint): AuditedCache {
  let m = auditedCaches.get(t);
  if (!m) auditedCaches.set(t, (m = new Map()));
  let ac = m.get(c);
  if (ac) return ac;
  const cp = readKmemCache(t, c);
  const audited = (cp.cache_flags & KMF_AUDIT) !== 0;
  const list = audited ? allocatedAudits(t, c, cp.cache_bufsize) : [];
  let lo = 0n;
  let hi = 0n;
  for (const { bc } of list) {
    const end = bc.bc_addr + cp.cache_bufsize;
    if (hi === 0n || bc.bc_addr < lo) lo = bc.bc_addr;
    if (end > hi) hi = end;
  }
  ac = { cp, audited, list, lo, hi };
  m.set(c, ac);
  return ac;
}

export const kmausersDcmd = defineDcmd({
  name: 'kmausers',
  synopsis: '?[-ef] [cache ...]',
  address: 'optional',
  summary: 'display current medium and large users of the kmem allocator',
  help: `Displays the largest users of the kmem allocator, sorted by trace.
If one or more caches is specified, only those caches will be searched.
By default, all caches are searched. If an address is specified, then only
those allocations which include the given address are displayed.
Specifying an address implies -f. Needs KMF_AUDIT.

Only users of at least 8192 bytes or 100 allocations are shown, unless -e.

OPTIONS
  -e    include all users, not just the largest
  -f    display individual allocations; by default users are grouped by stack

EXAMPLES
  > ::kmausers -e blkdev0_xfer
  ...
`,
  options: { e: flag('include all users, not just the largest'), f: flag('display individual allocations') },
  run(ctx, addr, opts, args) {
    const t = ctx.target;
    const caches: bigint[] = [];
    const all = args.length === 0;
    const addrs = addrCol(t.table('kmem_cache_t'));
    for (const a of args) {
      const name = String(a);
      if (name.startsWith('-')) throw new UsageError();
      const hit = addrs.find((c) => readKmemCache(t, c).cache_name === name);
      if (hit === undefined) throw new DcmdError(`unknown kmem cache: ${name}`);
      caches.push(hit);
    }
    if (all) caches.push(...addrs);
    const f = opts.f || addr !== undefined;
    const memThreshold = opts.e ? 0n : 8192n;
    const cntThreshold = opts.e ? 0 : 100;
    let out = '';
    let audited = 0;
    const owners = new Map<string, Owner>();
    const warnings: string[] = [];
    for (const c of caches) {
      const ac = auditedCache(t, c);
      if (!ac.audited) {
        if (!all) warnings.push(`KMF_AUDIT is not enabled for ${ac.cp.cache_name}`);
        continue;
      }
      audited++;
      const { cp, list } = ac;
      // an address outside every allocated buffer of the cache: nothing to search
      if (addr !== undefined && (addr < ac.lo || addr >= ac.hi)) continue;
      for (const { a, bc, key } of addr === undefined ? list : auditsHolding(list, addr, cp.cache_bufsize)) {
        if (f) {
          if (addr !== undefined && (addr < bc.bc_addr || addr >= bc.bc_addr + cp.cache_bufsize)) continue;
          out += `size ${cp.cache_bufsize}, addr ${hex(a)}, thread ${hex(bc.bc_thread)}, cache ${cp.cache_name}\n`;
          for (const pc of bc.bc_stack) out += `\t ${t.formatAddr(pc)}\n`;
        }
        const o = owners.get(key);
        if (o) {
          o.total += cp.cache_bufsize;
          o.num++;
        } else owners.set(key, { total: cp.cache_bufsize, num: 1, dataSize: cp.cache_bufsize, stack: bc.bc_stack });
      }
    }
    if (audited === 0 && all) throw new DcmdError('KMF_AUDIT is not enabled for any caches');
    const sorted = [...owners.values()].sort((a, b) => (a.total > b.total ? -1 : a.total < b.total ? 1 : 0));
    const shown = sorted.filter((o) => !(o.total < memThreshold && o.num < cntThreshold));
    for (const o of shown) {
      out += `${o.total} bytes for ${o.num} allocations with data size ${o.dataSize}:\n`;
      for (const pc of o.stack) out += `\t ${t.formatAddr(pc)}\n`;
    }
    // mdb_warn()s go to stderr, which a dcmd's result does not carry: they are left out
    void warnings;
    return text(out, { data: shown.map((o) => ({ bytes: o.total, allocations: o.num, dataSize: o.dataSize, stack: o.stack.map((pc) => t.formatAddr(pc)) })) });
  },
});
