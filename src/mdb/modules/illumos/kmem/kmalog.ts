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

/** The records of the log whose kmem_log_header_t is at addr, newest first (the kmem_log walk). */
export function kmemLogRecords(target: Target, addr: bigint): BufctlAudit[] {
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

/** models showbc(): one record, as T-<age> relative to the newest */
function showbc(target: Target, bc: BufctlAudit, newest: bigint): string {
  const delta = newest - bc.bc_timestamp;
  const sec = delta / 1_000_000_000n;
  const ns = (delta % 1_000_000_000n).toString().padStart(9, '0');
  let name: string;
  try {
    name = StructView.read(target, 'kmem_cache_t', bc.bc_cache).str('cache_name');
  } catch {
    name = target.formatAddr(bc.bc_cache);
  }
  const lines = [``, `T-${sec}.${ns}  addr=${hex(bc.bc_addr)}  ${name}`];
  for (const pc of bc.bc_stack) lines.push(`\t ${target.formatAddr(pc)}`);
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
    for (const bc of recs) {
      if (bc.bc_timestamp === 0n) break;
      if (newest === 0n) newest = bc.bc_timestamp;
      if (addr !== undefined) {
        const size = StructView.read(ctx.target, 'kmem_cache_t', bc.bc_cache, `cache_bufsize for cache`).u('cache_bufsize');
        if (addr < bc.bc_addr || addr >= bc.bc_addr + size) continue;
      }
      out += showbc(ctx.target, bc, newest);
    }
    return text(out);
  },
});
