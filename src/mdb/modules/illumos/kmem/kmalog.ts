/*
 * ::kmalog [fail|slab] and the kmem_log walker (mdb's genunix kmem.c:
 * kmalog(), showbc(), kmem_log_walk_*). kmem's logs are chunks of copied
 * kmem_bufctl_audit_t records in the kmem_log arena, described by a
 * kmem_log_header_t that a global (kmem_transaction_log, kmem_failure_log,
 * kmem_slab_log) points at. The walk reads every record of every chunk and
 * yields them newest first; an unused slot (timestamp 0) ends ::kmalog.
 */
import { defineDcmd, defineWalker, text } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { hex } from '../../../render/number.js';
import type { Target } from '../../../target.js';
import { bufctlRowReader, readBufctl, type BufctlAudit } from './bufctl.js';
import { addrCol } from './indexes.js';
import { StructView } from './struct-view.js';

const LOGS: ReadonlyMap<string, string> = new Map([
  ['', 'kmem_transaction_log'],
  ['fail', 'kmem_failure_log'],
  ['slab', 'kmem_slab_log'],
]);

/**
 * A log's records, read and sorted once per target: a dump never changes
 * under the debugger, and reading every audit record and sorting them is
 * what made each ::kmalog cost over a second.
 */
const logCache = new WeakMap<Target, Map<bigint, readonly BufctlAudit[]>>();

/** The records of the log whose kmem_log_header_t is at addr, newest first (the kmem_log walk). */
export function kmemLogRecords(target: Target, addr: bigint): readonly BufctlAudit[] {
  let byLog = logCache.get(target);
  if (!byLog) logCache.set(target, (byLog = new Map()));
  const hit = byLog.get(addr);
  if (hit) return hit;
  const recs = readLogRecords(target, addr);
  byLog.set(addr, recs);
  return recs;
}

function readLogRecords(target: Target, addr: bigint): BufctlAudit[] {
  const lh = StructView.read(target, 'kmem_log_header_t', addr, 'log header');
  const base = lh.u('lh_base');
  const end = base + lh.u('lh_chunksize') * BigInt(Number(lh.s('lh_nchunks')));
  const addrs = addrCol(target.table('kmem_bufctl_audit_t'));
  const out: BufctlAudit[] = [];
  // every record is a row of the table: read its columns, not synthesized bytes
  const row = bufctlRowReader(target);
  for (let i = 0; i < addrs.length; i++) {
    const a = addrs[i]!;
    if (a >= base && a < end) out.push(row ? row(i) : readBufctl(target, a));
  }
  // newest first; equal times in log order
  out.sort((x, y) => (x.bc_timestamp > y.bc_timestamp ? -1 : x.bc_timestamp < y.bc_timestamp ? 1 : x.addr < y.addr ? -1 : 1));
  return out;
}

/** The log header a kmem log global points at ("failed to read <name> log header pointer"). */
function logHeader(target: Target, name: string): bigint {
  const sym = target.lookupSymbol(name);
  const lh = sym ? target.readPtr(sym.addr) : 0n;
  if (!sym || lh === 0n) throw new DcmdError(`failed to read ${name} log header pointer`);
  return lh;
}

export const kmemLogWalker = defineWalker({
  name: 'kmem_log',
  description: 'walk the kmem transaction log',
  outputType: 'kmem_bufctl_audit_t',
  *walk(ctx, addr) {
    const lh = addr ?? logHeader(ctx.target, 'kmem_transaction_log');
    for (const r of kmemLogRecords(ctx.target, lh)) yield r.addr;
  },
});

/** A cache's name and buffer size, read once per command for the many records that name it. */
interface CacheInfo {
  name: string;
  size: bigint | null;
}

function cacheInfo(target: Target, seen: Map<bigint, CacheInfo>, cp: bigint): CacheInfo {
  let ci = seen.get(cp);
  if (ci) return ci;
  try {
    const v = StructView.read(target, 'kmem_cache_t', cp);
    ci = { name: v.str('cache_name'), size: v.u('cache_bufsize') };
  } catch {
    ci = { name: target.formatAddr(cp), size: null };
  }
  seen.set(cp, ci);
  return ci;
}

/** models showbc(): one record, as T-<age> relative to the newest */
function showbc(target: Target, bc: BufctlAudit, newest: bigint, name: string, pcs: Map<bigint, string>): string {
  const delta = newest - bc.bc_timestamp;
  const sec = delta / 1_000_000_000n;
  const ns = (delta % 1_000_000_000n).toString().padStart(9, '0');
  const lines = [``, `T-${sec}.${ns}  addr=${hex(bc.bc_addr)}  ${name}`];
  for (const pc of bc.bc_stack) {
    let sym = pcs.get(pc);
    if (sym === undefined) pcs.set(pc, (sym = target.formatAddr(pc)));
    lines.push(`\t ${sym}`);
  }
  return lines.join('\n') + '\n';
}

/** One record of a log as ::kmalog prints it, with what its address filter needs. */
interface LogEntry {
  lo: bigint;
  size: bigint | null;
  cache: bigint;
  text: string;
  record: LogRecord;
}

/** One record of ::kmalog --json. */
interface LogRecord {
  bufctl: bigint;
  bufAddr: bigint;
  cacheName: string;
  timestamp: bigint;
  age: bigint;
  stack: bigint[];
}

/**
 * A log rendered once per target and header: its records in print order
 * (up to the first unused slot) and the whole text. ::kmalog prints the
 * same log every time it is run on a dump, and in a loop (`,N::kmalog`, a
 * pipe of addresses into it) a render per call was the whole cost.
 */
interface RenderedLog {
  entries: LogEntry[];
  all: string;
  records: LogRecord[];
  /** indexes of the entries whose buffer holds an address, in log order */
  holding: (addr: bigint) => number[];
  /** an entry whose cache could not be read, if any */
  unreadable: LogEntry | undefined;
}

const rendered = new WeakMap<Target, Map<bigint, RenderedLog>>();

function renderedLog(target: Target, lh: bigint): RenderedLog {
  let byLog = rendered.get(target);
  if (!byLog) rendered.set(target, (byLog = new Map()));
  const hit = byLog.get(lh);
  if (hit) return hit;
  const caches = new Map<bigint, CacheInfo>();
  const pcs = new Map<bigint, string>();
  const entries: LogEntry[] = [];
  let newest = 0n;
  for (const bc of kmemLogRecords(target, lh)) {
    if (bc.bc_timestamp === 0n) break;
    if (newest === 0n) newest = bc.bc_timestamp;
    const ci = cacheInfo(target, caches, bc.bc_cache);
    entries.push({
      lo: bc.bc_addr,
      size: ci.size,
      cache: bc.bc_cache,
      text: showbc(target, bc, newest, ci.name, pcs),
      record: { bufctl: bc.addr, bufAddr: bc.bc_addr, cacheName: ci.name, timestamp: bc.bc_timestamp, age: newest - bc.bc_timestamp, stack: bc.bc_stack },
    });
  }
  // by start, to find the records holding an address without a pass over all of them
  const byLo = entries.map((_, i) => i).sort((a, b) => (entries[a]!.lo < entries[b]!.lo ? -1 : entries[a]!.lo > entries[b]!.lo ? 1 : a - b));
  let longest = 0n;
  for (const e of entries) if (e.size !== null && e.size > longest) longest = e.size;
  const holding = (addr: bigint): number[] => {
    let lo = 0;
    let hi = byLo.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (entries[byLo[mid]!]!.lo <= addr) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let k = lo - 1; k >= 0 && entries[byLo[k]!]!.lo + longest > addr; k--) {
      const e = entries[byLo[k]!]!;
      if (addr < e.lo + e.size!) out.push(byLo[k]!);
    }
    // in the log's order, newest first
    return out.sort((a, b) => a - b);
  };
  const unreadable = entries.find((e) => e.size === null);
  const r = { entries, all: entries.map((e) => e.text).join(''), records: entries.map((e) => e.record), holding, unreadable };
  byLog.set(lh, r);
  return r;
}

export default defineDcmd({
  name: 'kmalog',
  synopsis: '?[ fail | slab ]',
  address: 'optional',
  summary: 'display kmem transaction log and stack traces',
  help: `Prints one of kmem's logs, newest record first: the transaction log
(every allocation and free of a KMF_AUDIT cache), with "fail" the failure
log (each slab the allocator could not create because vmem_alloc() of the
cache's arena failed), with "slab" the slab log (each slab created). Each
record is its age relative to the newest, T-<seconds>.<nanoseconds>, the
buffer (or, in the failure and slab logs, the slab memory), the cache, and
the stack saved with it. With an address, only records whose buffer
contains it.

EXAMPLES
  > ::kmalog fail

  T-0.000000000  addr=0  rootnex_dmahdl
  	 kmem_slab_create+0xc
  	 kmem_slab_alloc+0x2c
  	 kmem_cache_alloc+0xaf
  	 rootnex_coredma_allochdl+0x224
  ...
`,
  options: {},
  run(ctx, addr, _opts, args) {
    if (args.length > 1) throw new UsageError();
    const which = args.length ? String(args[0]) : '';
    const name = LOGS.get(which);
    if (name === undefined) throw new UsageError();
    const log = renderedLog(ctx.target, logHeader(ctx.target, name));
    if (addr === undefined) return text(log.all, { data: log.records });
    // a record whose cache could not be read fails the filter where the walk reaches it
    if (log.unreadable !== undefined) {
      let out = '';
      const records: LogRecord[] = [];
      for (const e of log.entries) {
        if (e.size === null) throw new DcmdError(`failed to read cache_bufsize for cache at ${hex(e.cache)}`);
        if (addr < e.lo || addr >= e.lo + e.size) continue;
        out += e.text;
        records.push(e.record);
      }
      return text(out, { data: records });
    }
    let out = '';
    const records: LogRecord[] = [];
    for (const i of log.holding(addr)) {
      out += log.entries[i]!.text;
      records.push(log.entries[i]!.record);
    }
    return text(out, { data: records });
  },
});
