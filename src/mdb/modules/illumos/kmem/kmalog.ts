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
import { readBufctl, type BufctlAudit } from './bufctl.js';
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
  for (const a of addrs) if (a >= base && a < end) out.push(readBufctl(target, a));
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
  	 kmem_slab_create+0x1f6
  	 kmem_slab_alloc+0x1b0
  	 kmem_cache_alloc+0x1df
  	 rootnex_coredma_allochdl+0x149
  ...
`,
  options: {},
  run(ctx, addr, _opts, args) {
    if (args.length > 1) throw new UsageError();
    const which = args.length ? String(args[0]) : '';
    const name = LOGS.get(which);
    if (name === undefined) throw new UsageError();
    const recs = kmemLogRecords(ctx.target, logHeader(ctx.target, name));
    let newest = 0n;
    let out = '';
    const records: Array<{ bufctl: bigint; bufAddr: bigint; cacheName: string; timestamp: bigint; age: bigint; stack: bigint[] }> = [];
    const caches = new Map<bigint, CacheInfo>();
    const pcs = new Map<bigint, string>();
    for (const bc of recs) {
      if (bc.bc_timestamp === 0n) break;
      if (newest === 0n) newest = bc.bc_timestamp;
      const ci = cacheInfo(ctx.target, caches, bc.bc_cache);
      if (addr !== undefined) {
        if (ci.size === null) throw new DcmdError(`failed to read cache_bufsize for cache at ${hex(bc.bc_cache)}`);
        if (addr < bc.bc_addr || addr >= bc.bc_addr + ci.size) continue;
      }
      out += showbc(ctx.target, bc, newest, ci.name, pcs);
      records.push({ bufctl: bc.addr, bufAddr: bc.bc_addr, cacheName: ci.name, timestamp: bc.bc_timestamp, age: newest - bc.bc_timestamp, stack: bc.bc_stack });
    }
    return text(out, { data: records });
  },
});
