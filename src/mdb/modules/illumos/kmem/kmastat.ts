/*
 * ::kmastat — the kernel memory allocator's statistics (mdb's kmastat()).
 * Two sections:
 *
 *   caches  one line per cache in kmem_cache walk order, then one
 *           "Total [arena]" line per arena backing caches that allocated
 *           anything, in vmem walk order;
 *   vmem    one line per arena in vmem walk order, the name indented 4
 *           spaces per import level.
 *
 * The column layouts are mdb's, including its one quirk: the memory column
 * prints its unit letter after a 10-wide number, one more than its dashes.
 * Trailing blanks are trimmed, as everywhere in mddb.
 */
import { alertIfNonZero, colourBar, usageBar } from '../../../render/bar.js';
import { visible } from '../../../render/visible.js';
import { defineDcmd, flag, text } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { vmemPrefix, readVmem } from '../vmem/helpers.js';
import { forEachKmemCache, kmemCacheUsage, toCount, type KmemCacheUsage } from './helpers.js';

const KILOS = 10;
const MEGS = 20;
const GIGS = 30;

/** mdb's datafmt_t: two header lines, dashes, and the value's width. */
interface Field {
  hdr1: string;
  hdr2: string;
  dashes: string;
}

const f = (hdr1: string, hdr2: string, dashes: string): Field => ({ hdr1, hdr2, dashes });

const CACHE_FIELDS: Field[] = [
  f('cache'.padEnd(25), 'name'.padEnd(25), '-'.repeat(25)),
  f('   buf', '  size', '------'),
  f('   buf', 'in use', '------'),
  f('   buf', ' total', '------'),
  f('   memory', '   in use', '----------'),
  f('    alloc', '  succeed', '---------'),
  f('alloc', ' fail', '-----'),
];

const VMEM_FIELDS: Field[] = [
  f('vmem'.padEnd(25), 'name'.padEnd(25), '-'.repeat(25)),
  f('   memory', '   in use', '----------'),
  f('    memory', '     total', '-----------'),
  f('   memory', '   import', '----------'),
  f('    alloc', '  succeed', '---------'),
  f('alloc', ' fail', '-----'),
];

const line = (parts: string[]): string => parts.join(' ').trimEnd() + '\n';
const header = (fields: Field[]): string =>
  line(fields.map((x) => x.hdr1)) + line(fields.map((x) => x.hdr2)) + line(fields.map((x) => x.dashes));
const dashes = (fields: Field[]): string => line(fields.map((x) => x.dashes));

const num = (v: bigint, w: number): string => v.toString().padStart(w);
const count = toCount;

/** Per-arena sums of the caches it backs (mdb's kmastat_vmem_t). */
interface ArenaTotal {
  memInUse: bigint;
  alloc: bigint;
  fail: bigint;
}

export interface KmastatData {
  caches: KmemCacheUsage[];
  totals: Array<{ arena: bigint; name: string } & ArenaTotal>;
  vmem: Array<{ addr: bigint; name: string; depth: number; memInUse: bigint; memTotal: bigint; memImport: bigint; allocSucceed: bigint; allocFail: bigint }>;
}

/** The numbers ::kmastat prints. */
export function kmastat(target: Target): KmastatData {
  const caches: KmemCacheUsage[] = [];
  const byArena = new Map<bigint, ArenaTotal>();
  for (const c of forEachKmemCache(target)) {
    const u = kmemCacheUsage(target, c);
    caches.push(u);
    let t = byArena.get(u.arena);
    if (!t) byArena.set(u.arena, (t = { memInUse: 0n, alloc: 0n, fail: 0n }));
    t.memInUse += u.memInUse;
    t.alloc += u.allocSucceed;
    t.fail += u.allocFail;
  }
  const arenas = vmemPrefix(target);
  const totals: KmastatData['totals'] = [];
  for (const a of arenas) {
    const t = byArena.get(a.addr);
    if (t && t.alloc !== 0n) totals.push({ arena: a.addr, name: a.name, ...t });
  }
  const vmem = arenas.map((a) => {
    const v = readVmem(target, a.addr);
    return { addr: a.addr, name: v.vm_name, depth: a.depth, memInUse: v.mem_inuse, memTotal: v.mem_total, memImport: v.mem_import, allocSucceed: v.alloc, allocFail: v.fail };
  });
  return { caches, totals, vmem };
}

export interface KmastatLook {
  /** -G: a bar of buffers in use / total after each cache, memory in use / total after each arena */
  bars?: boolean;
  /** colour: non-zero alloc fail in bold red, the bars' filled part green; dump names made visible */
  color?: boolean;
}

/** The text of ::kmastat for a unit shift (0, KILOS, MEGS or GIGS). */
export function renderKmastat(d: KmastatData, shift: number, look: KmastatLook = {}): string {
  const sh = BigInt(shift);
  const unit = shift === GIGS ? 'G' : shift === MEGS ? 'M' : shift === KILOS ? 'K' : 'B';
  const mem = (v: bigint, w: number): string => num(v >> sh, w) + unit;
  const name = (s: string): string => (look.color ? visible(s) : s);
  const fail = (v: bigint): string => (look.color ? alertIfNonZero(num(v, 5), v) : num(v, 5));
  const bar = (used: bigint, total: bigint): string[] => {
    if (!look.bars) return [];
    const b = usageBar(used, total);
    return [look.color ? colourBar(b) : b];
  };
  let out = header(CACHE_FIELDS);
  for (const c of d.caches) {
    out += line([name(c.name).padEnd(25), num(c.bufSize, 6), num(c.bufInUse, 6), num(c.bufTotal, 6), mem(c.memInUse, 10), num(c.allocSucceed, 9), fail(c.allocFail), ...bar(c.bufInUse, c.bufTotal)]);
  }
  out += dashes(CACHE_FIELDS);
  for (const t of d.totals) {
    const label = `Total [${name(t.name)}]` + ' '.repeat(17 - Math.min(17, t.name.length));
    out += line([label, ''.padEnd(6), ''.padEnd(6), ''.padEnd(6), mem(t.memInUse, 10), num(t.alloc, 9), fail(t.fail)]);
  }
  out += dashes(CACHE_FIELDS);
  out += '\n';
  out += header(VMEM_FIELDS);
  for (const v of d.vmem) {
    const ident = 4 * v.depth;
    const vname = ' '.repeat(ident) + name(v.name).padEnd(Math.max(0, 25 - ident));
    out += line([vname, mem(v.memInUse, 9), mem(v.memTotal, 10), mem(v.memImport, 9), num(v.allocSucceed, 9), fail(v.allocFail), ...bar(v.memInUse, v.memTotal)]);
  }
  out += dashes(VMEM_FIELDS);
  return out;
}

export default defineDcmd({
  name: 'kmastat',
  synopsis: '[-kmgG]',
  address: 'none',
  summary: 'kernel memory allocator stats',
  help: `Prints the statistics of every kmem cache, totals per backing vmem
arena, then the statistics of every vmem arena.

For a cache: "buf in use" is the total minus the buffers sitting in the
depot's full magazines, in each CPU's loaded and previous magazines and
free in partial slabs; "memory in use" is (slabs created - slabs
destroyed) * slab size; "alloc succeed" counts slab-layer, depot and
per-CPU allocations; "alloc fail" is cache_alloc_fail. The "Total
[arena]" lines sum the caches backed by each arena. -k, -m and -g print
memory in kilobytes, megabytes or gigabytes instead of bytes. -G (mddb's
own: mdb's -g is gigabytes) ends each cache line with a bar of its
buffers in use out of its total and each arena line with one of its
memory in use out of its total. On a terminal with colour, a non-zero
"alloc fail" is bold red.

EXAMPLES
  > ::kmastat
  cache                        buf    buf    buf    memory     alloc alloc
  name                        size in use  total    in use   succeed  fail
  ------------------------- ------ ------ ------ ---------- --------- -----
  kmem_magazine_1               16    182    200       8192B       182     0
  kmem_magazine_3               32    188    248      16384B       188     0
  ...
  > ::kmastat -m
  cache                        buf    buf    buf    memory     alloc alloc
  name                        size in use  total    in use   succeed  fail
  ------------------------- ------ ------ ------ ---------- --------- -----
  kmem_magazine_1               16    182    200          0M       182     0
  ...`,
  options: {
    k: flag('print memory in kilobytes'),
    m: flag('print memory in megabytes'),
    g: flag('print memory in gigabytes'),
    G: flag('draw in-use/total bars: buffers per cache, memory per arena'),
  },
  run(ctx, _addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    // mdb sets these as bits of one shift, so -k -m together mean gigabytes
    const shift = (opts.k ? KILOS : 0) | (opts.m ? MEGS : 0) | (opts.g ? GIGS : 0);
    const d = kmastat(ctx.target);
    const data = {
      caches: d.caches.map((c) => ({
        addr: c.addr,
        name: c.name,
        arena: c.arena,
        bufSize: count(c.bufSize),
        bufInUse: count(c.bufInUse),
        bufTotal: count(c.bufTotal),
        memInUse: count(c.memInUse),
        allocSucceed: count(c.allocSucceed),
        allocFail: count(c.allocFail),
      })),
      totals: d.totals.map((t) => ({ arena: t.arena, name: t.name, memInUse: count(t.memInUse), allocSucceed: count(t.alloc), allocFail: count(t.fail) })),
      vmem: d.vmem.map((v) => ({
        addr: v.addr,
        name: v.name,
        depth: v.depth,
        memInUse: count(v.memInUse),
        memTotal: count(v.memTotal),
        memImport: count(v.memImport),
        allocSucceed: count(v.allocSucceed),
        allocFail: count(v.allocFail),
      })),
    };
    return text(renderKmastat(d, shift, { bars: opts.G }), { data, colorText: renderKmastat(d, shift, { bars: opts.G, color: true }) });
  },
});
