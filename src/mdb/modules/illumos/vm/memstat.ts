/*
 * ::memstat (memory.c's memstat(), illumos-gate 2012): every page_t of every
 * memseg (the allpages walk) sorted by what it holds. A page with no vnode
 * (or unused_pages_vp's) is free on the freelist and is not counted; kvp's
 * are Kernel, zvp's ZFS File Data; any other free page is on the cachelist;
 * then by its vnode's v_flag: VISSWAPFS is Anon, VVMEXEC Exec and libs, the
 * rest Page cache. Free (freelist) is physmem less everything counted.
 *
 * mdb of 2012 finds kvp and zvp as kvps[KV_KVP] and kvps[KV_ZVP]; the dump
 * names them `kvp` and `zvp` (the globals before kvps[]), which are looked up
 * when there is no `kvps`.
 */
import { defineDcmd, text, uint } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { forEachMemseg, memsegPageCount, P_FREE, PageBatch, readVar, sizeOf, vnodeFlag, VISSWAPFS, VVMEXEC } from './helpers.js';

/** One line of the summary. */
export interface MemstatRow {
  name: string;
  pages: bigint;
  mb: bigint;
  /** %Tot as mdb rounds it; absent on the Total and Physical lines */
  pct?: bigint;
}

export interface MemstatResult {
  pagesize: bigint;
  physmem: bigint;
  totalPages: bigint;
  kernel: bigint;
  zfsFileData: bigint;
  anon: bigint;
  execAndLibs: bigint;
  pageCache: bigint;
  cachelist: bigint;
  freelist: bigint;
  rows: MemstatRow[];
}

function vnodeAddr(target: Target, name: string, index: number): bigint | undefined {
  const kvps = target.lookupSymbol('kvps');
  if (kvps) return kvps.addr + BigInt(index) * sizeOf(target, 'vnode_t');
  return target.lookupSymbol(name)?.addr;
}

/** each target's page summary, counted once (an interrupted count is not kept) */
const summaries = new WeakMap<Target, MemstatResult>();

/** The page summary (the counting half of memstat()). */
export function memstatSummary(target: Target, checkInterrupt: () => void): MemstatResult {
  const pagesize = readVar(target, '_pagesize');
  const totalPages = readVar(target, 'total_pages');
  const physmem = readVar(target, 'physmem');
  if (physmem === 0n) throw new DcmdError('unable to read physmem');
  const kvp = vnodeAddr(target, 'kvp', 0);
  if (kvp === undefined) throw new DcmdError('unable to read kvps');
  const zvp = vnodeAddr(target, 'zvp', 1);
  const unused = target.lookupSymbol('unused_pages_vp');
  if (!unused) throw new DcmdError('unable to read unused_pages_vp');
  const s = { kmem: 0n, zfs: 0n, anon: 0n, exec: 0n, vnode: 0n, cache: 0n, total: 0n };
  // vn_get()'s table: v_flag by vnode
  const flags = new Map<bigint, number>();
  const batch = new PageBatch(target);
  const count = (_pp: bigint, vp: bigint, state: number): void => {
    if (vp === 0n || vp === unused.addr) return;
    if (vp === kvp) s.kmem++;
    else if (vp === zvp) s.zfs++;
    else if (state & P_FREE) s.cache++;
    else {
      let f = flags.get(vp);
      if (f === undefined) flags.set(vp, (f = vnodeFlag(target, vp)));
      if (f & VISSWAPFS) s.anon++;
      else if (f & VVMEXEC) s.exec++;
      else s.vnode++;
    }
    s.total++;
  };
  // the allpages walk: every page_t of every memseg
  for (const ms of forEachMemseg(target)) batch.forEach(ms, memsegPageCount(target, ms), count, checkInterrupt);
  // occasionally pages are counted twice; free memory is clamped at zero
  const freelist = physmem > s.total ? physmem - s.total : 0n;
  const mb = (n: bigint): bigint => (n * pagesize) / (1024n * 1024n);
  const pct = (n: bigint): bigint => (5n * totalPages + n * 1000n) / (physmem * 10n);
  const row = (name: string, n: bigint): MemstatRow => ({ name, pages: n, mb: mb(n), pct: pct(n) });
  const rows: MemstatRow[] = [
    row('Kernel', s.kmem),
    ...(s.zfs !== 0n ? [row('ZFS File Data', s.zfs)] : []),
    row('Anon', s.anon),
    row('Exec and libs', s.exec),
    row('Page cache', s.vnode),
    row('Free (cachelist)', s.cache),
    row('Free (freelist)', freelist),
    { name: 'Total', pages: physmem, mb: mb(physmem) },
    ...(physmem !== totalPages ? [{ name: 'Physical', pages: totalPages, mb: mb(totalPages) }] : []),
  ];
  return {
    pagesize,
    physmem,
    totalPages,
    kernel: s.kmem,
    zfsFileData: s.zfs,
    anon: s.anon,
    execAndLibs: s.exec,
    pageCache: s.vnode,
    cachelist: s.cache,
    freelist,
    rows,
  };
}

/** memstat()'s lines: "%-16s %16llu  %16llu  %3lu%%", a blank line before Total. */
export function renderMemstat(rows: readonly MemstatRow[]): string {
  let out = 'Page Summary                Pages                MB  %Tot\n';
  out += '------------     ----------------  ----------------  ----\n';
  for (const r of rows) {
    if (r.name === 'Total') out += '\n';
    const head = `${r.name.padEnd(16)} ${r.pages.toString().padStart(16)}  ${r.mb.toString().padStart(16)}`;
    out += r.pct === undefined ? `${head}\n` : `${head}  ${r.pct.toString().padStart(3)}%\n`;
  }
  return out;
}

export const memstat = defineDcmd({
  name: 'memstat',
  synopsis: '[-s size]',
  address: 'none',
  summary: 'display memory usage summary',
  help: `Sorts every physical page (the allpages walk over the memsegs) by what
it holds and prints the totals in pages, megabytes and percent of physmem:

  Kernel            pages named by kvp (the kernel heap, boot memory)
  ZFS File Data     pages named by zvp (the zio data arenas); only if any
  Anon              pages of a swapfs vnode (VISSWAPFS): anonymous memory
  Exec and libs     pages of vnodes mapped for exec (VVMEXEC)
  Page cache        pages of any other vnode
  Free (cachelist)  free pages that still have their name
  Free (freelist)   physmem less all of the above

Total is physmem; a Physical line follows when total_pages differs (memory
held back by a tunable). -s sets the size of mdb's vnode cache and changes
nothing else.

EXAMPLES
  > ::memstat
  Page Summary                Pages                MB  %Tot
  ------------     ----------------  ----------------  ----
  Kernel                       6316                24   10%
  ZFS File Data               12704                49   19%
  Anon                        46481               181   71%
  Exec and libs                   0                 0    0%
  Page cache                      0                 0    0%
  Free (cachelist)               20                 0    0%
  Free (freelist)                15                 0    0%

  Total                       65536               256`,
  options: { s: uint('size', 'the size of the vnode cache (internal)') },
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    // the dump does not change under the debugger: one count a session
    let r = summaries.get(ctx.target);
    if (!r) summaries.set(ctx.target, (r = memstatSummary(ctx.target, () => ctx.checkInterrupt())));
    // page counts are numbers in JSON (a page count never nears 2^53)
    const n = Number;
    return text(renderMemstat(r.rows), {
      data: {
        pagesize: n(r.pagesize),
        physmem: n(r.physmem),
        totalPages: n(r.totalPages),
        kernel: n(r.kernel),
        zfsFileData: n(r.zfsFileData),
        anon: n(r.anon),
        execAndLibs: n(r.execAndLibs),
        pageCache: n(r.pageCache),
        cachelist: n(r.cachelist),
        freelist: n(r.freelist),
        rows: r.rows.map((x) => ({ name: x.name, pages: n(x.pages), mb: n(x.mb), ...(x.pct === undefined ? {} : { pct: n(x.pct) }) })),
      },
    });
  },
});
