/*
 * UMA's dcmds: ddb's `show uma` (one row per zone, ddb's layout; /i for
 * CSV), and mdb-style tables of zones (::uma_zone) and kegs (::uma_keg).
 */
import { defineDcmd, flag, str, table, text, type Column } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { ptrPad } from '../../../render/number.js';
import { hx } from '../struct.js';
import { umaFlagNames, umaFlagNames2020 } from '../names.js';
import { KEG, ZONE, kegFreeItems, kegName, kegPages, kegRows, umaEra, umaZones, zoneName, type ZoneStats } from './helpers.js';

/** The 2020 kernel's show uma (db_show_uma): %18s %6s %7s %7s %11s %7s %7s %10s %8s. */
const W2020 = [18, 6, 7, 7, 11, 7, 7, 10, 8];
const umaLine2020 = (cells: string[]): string => cells.map((c, i) => c.padStart(W2020[i]!)).join(' ');
const HDR2020 = ['Zone', 'Size', 'Used', 'Free', 'Requests', 'Sleeps', 'Bucket', 'Total Mem', 'XFree'];

/** ddb's `show uma` header and row widths (%18s %6s %7s %7s %11s), the 2004 columns. */
const W = [18, 6, 7, 7, 11];
const umaLine = (cells: string[]): string => cells.map((c, i) => c.padStart(W[i]!)).join(' ');

/** Total memory of a zone's items, allocated and cached: the sort key of `show uma`. */
const totalMem = (z: ZoneStats): bigint => (z.used + z.free) * BigInt(z.size);

/** show uma's page on a 2020 kernel: that kernel's columns, and an example from the PR 248008 dump. */
const SHOW_UMA_HELP_2020 = `Prints one row per UMA zone, as the 2020 kernel's ddb "show uma" does
(db_show_uma): the zone's name, its item size, the items in use, the
free items it holds, the allocation requests it has served, the
allocations that slept (uz_sleeps), the zone's bucket size
(uz_bucket_size), the memory its items take, (Used + Free) x Size, and
the items freed to another domain (uz_xdomain). Rows are sorted by Total
Mem, largest first. -i (ddb's "show uma/i") prints the same as
comma-separated values, the zone name quoted.

  Used      allocations - frees: uz_allocs - uz_frees, plus each CPU's
            uc_allocs - uc_frees not yet folded into them
  Free      as get_uma_stats() counts it: each CPU's alloc, free and
            cross-domain buckets, each domain's bucket cache (uzd_nitems)
            and, for a keg's first zone, the keg's ud_free_items
  Requests  allocations served (uz_allocs plus the per-CPU uc_allocs)

After the table, mddb adds what ddb's show uma leaves out and a hang on
the boundary-tag reserve turns on: for each zone whose keg has a reserve
(uk_reserve, items only M_USE_RESERVE allocations may take), the reserve
and the free items left in the keg itself (Free above also counts the
buckets, which only their own CPU can use). /i leaves these lines out.

A 2004 kernel's show uma has only Zone, Size, Used, Free and Requests.
In mdb syntax this is ::uma; ::uma_zone prints the same counts with each
zone's address.

EXAMPLES
  db> show uma
                Zone   Size    Used    Free    Requests  Sleeps  Bucket  Total Mem    XFree
        malloc-65536  65536     251       0         251       0       1   16449536        0
  ...
  > ::uma -i
  Zone,Size,Used,Free,Requests,Sleeps,Bucket,Total Mem,XFree
  "malloc-65536",65536,251,0,251,0,1,16449536,0
  ...`;

export const showUma = defineDcmd({
  name: 'uma',
  synopsis: '[-i]',
  address: 'none',
  summary: 'print UMA zone statistics',
  help: `Prints one row per UMA zone, as ddb's "show uma" does: the zone's name,
its item size (uk_size), the items in use, the free items it holds, and
the allocation requests it has served. Rows are sorted by the memory the
zone's items take, (Used + Free) x Size, largest first. -i (ddb's
"show uma/i") prints the same as comma-separated values.

  Used      allocations - frees: uz_allocs - uz_frees, plus each CPU's
            uc_allocs - uc_frees not yet folded into them
  Free      items in the per-CPU alloc and free buckets, in the zone's
            full buckets, and free in the keg (uk_free). A secondary zone
            (Packet, over the Mbuf keg) counts only its own buckets: the
            keg's free items belong to the keg's first zone.
  Requests  allocations served (uz_allocs plus the per-CPU uc_allocs)

A December 2004 kernel's ddb had no show uma yet (it came in 2005). On a
2004 dump mddb prints the columns a 2004 zone can fill, "Zone Size Used
Free Requests", in 13.0's widths: a 2004 zone has no uz_sleeps and no
cross-domain free counts, so Sleeps, Bucket, Total Mem and XFree are left
out rather than printed as zeros. On a 2020 kernel (the dump's types declare
uk_domain[] and uk_reserve) it prints that kernel's layout, "Zone Size
Used Free Requests Sleeps Bucket Total Mem XFree" (uz_sleeps,
uz_bucket_size, (Used + Free) x uk_size, uz_xdomain), with Free counting
each CPU's alloc, free and cross-domain buckets, each domain's bucket
cache (uzd_nitems) and the keg's ud_free_items, as get_uma_stats() does;
/i quotes the zone name, as that kernel's CSV does. In mdb syntax this is
::uma; ::uma_zone prints the same counts with each zone's address.

EXAMPLES
  db> show uma
                Zone   Size    Used    Free    Requests
           MbufClust   2048    9562       0        9763
              Packet    256    9525       0       13563
       UMA RCntSlabs     74    4784       0        4852
  ...
  > ::uma -i
  Zone,Size,Used,Free,Requests
  MbufClust,2048,9562,0,9763
  ...`,
  helpFor: (t) => (umaEra(t) === 2020 ? SHOW_UMA_HELP_2020 : undefined),
  options: { i: flag('print comma-separated values (show uma/i)') },
  ddb: { words: ['show uma'], modifiers: { i: '-i' }, synopsis: '[/i]' },
  run(ctx, _addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const zones = umaZones(ctx.target);
    if (zones.length === 0) throw new DcmdError("couldn't find struct uma_zone table: this dump has no UMA zones");
    const sorted = zones
      .map((z, i) => ({ z, i }))
      .sort((a, b) => {
        // db_show_uma()'s selection sort prints ties in the order it meets them: uma_kegs, where
        // keg_ctor() inserts each new keg at the head, so the newest zone first
        const d = totalMem(b.z) - totalMem(a.z);
        return d > 0n ? 1 : d < 0n ? -1 : b.i - a.i;
      })
      .map((x) => x.z);
    if (umaEra(ctx.target) === 2020) {
      const data = sorted.map((z) => ({
        zone: z.name,
        addr: z.addr,
        size: z.zoneSize,
        used: z.used,
        free: z.free,
        requests: z.requests,
        sleeps: z.sleeps,
        bucket: z.bucketSize,
        // --json: memTotal and xdomainFree are sizes and counts, so numbers (render/json.ts's COUNT_PATTERN)
        memTotal: totalMem(z),
        xdomainFree: z.xdomain,
      }));
      const cells = (d: (typeof data)[number]): string[] => [d.zone, String(d.size), String(d.used), String(d.free), String(d.requests), String(d.sleeps), String(d.bucket), String(d.memTotal), String(d.xdomainFree)];
      const lines = opts.i
        ? [HDR2020.join(','), ...data.map((d) => [`"${d.zone}"`, ...cells(d).slice(1)].join(','))]
        : [umaLine2020(HDR2020), ...data.map((d) => umaLine2020(cells(d)))];
      // mddb's addition: each keg reserve against the free items in the keg (not ddb's output, so not in /i's CSV)
      const reserves = opts.i ? [] : zoneReserves(ctx.target, sorted);
      if (reserves.length > 0) {
        lines.push('', 'Reserves (uk_reserve: items only M_USE_RESERVE allocations may take):', `${'Zone'.padStart(18)} ${'Reserve'.padStart(8)} ${'Keg free'.padStart(9)}`);
        for (const r of reserves) lines.push(`${r.zone.padStart(18)} ${String(r.reserve).padStart(8)} ${String(r.kegFree).padStart(9)}`);
      }
      return text(lines.map((l) => l + '\n').join(''), { data, addresses: sorted.map((z) => z.addr), addressType: ZONE });
    }
    const data = sorted.map((z) => ({ zone: z.name, addr: z.addr, size: z.size, used: z.used, free: z.free, requests: z.requests }));
    const lines = opts.i
      ? ['Zone,Size,Used,Free,Requests', ...data.map((d) => `${d.zone},${d.size},${d.used},${d.free},${d.requests}`)]
      : [umaLine(['Zone', 'Size', 'Used', 'Free', 'Requests']), ...data.map((d) => umaLine([d.zone, String(d.size), String(d.used), String(d.free), String(d.requests)]))];
    return text(lines.map((l) => l + '\n').join(''), { data, addresses: sorted.map((z) => z.addr), addressType: ZONE });
  },
});

/** The zones whose keg keeps a reserve (2020's uk_reserve), with the free items in the keg, for a keg's first zone. */
function zoneReserves(target: Target, zones: readonly ZoneStats[]): Array<{ zone: string; reserve: number; kegFree: bigint }> {
  const k = kegRows(target);
  const out: Array<{ zone: string; reserve: number; kegFree: bigint }> = [];
  for (const z of zones) {
    if (!z.primary || z.kegRow < 0) continue;
    const reserve = k.num(z.kegRow, 'uk_reserve');
    if (reserve > 0) out.push({ zone: z.name, reserve, kegFree: kegFreeItems(target, z.kegRow) });
  }
  return out;
}

const zoneColumns = (ps: number): Column[] => [
  { key: 'addr', header: 'ADDR', width: 'ptr', format: (v) => ptrPad(v as bigint, ps) },
  { key: 'name', header: 'NAME', width: 18 },
  { key: 'size', header: 'SIZE', width: 6, align: 'right' },
  { key: 'used', header: 'USED', width: 8, align: 'right', format: (v) => String(v) },
  { key: 'free', header: 'FREE', width: 8, align: 'right', format: (v) => String(v) },
  { key: 'requests', header: 'REQUESTS', width: 10, align: 'right', format: (v) => String(v) },
  { key: 'fails', header: 'FAILS', width: 6, align: 'right', format: (v) => String(v) },
];

/** db_show_umacache()'s columns: "%18s %8s %8s %8s %12s %8s" */
const CACHE_W = [18, 8, 8, 8, 12, 8];

export const showUmaCache = defineDcmd({
  name: 'umacache',
  synopsis: '',
  address: 'none',
  summary: 'print the UMA cache zones (zones without a keg)',
  help: `Prints the cache-only zones, as ddb's "show umacache" does
(db_show_umacache): zones made with uma_zcache_create(), which have no
keg and import their items from elsewhere; one row each with the item
size, the items in use, the free items in the zone's buckets and bucket
cache, the requests served and the bucket size. The zones with a keg are
show uma's. The simulated kernels make no cache zone (their zones all
have kegs), so on these dumps it prints its header alone. In mdb syntax
this is ::umacache.

EXAMPLES
  db> show umacache
                Zone     Size     Used     Free     Requests   Bucket
  > ::umacache
                Zone     Size     Used     Free     Requests   Bucket`,
  options: {},
  ddb: { words: ['show umacache'] },
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const zones = umaZones(ctx.target);
    if (zones.length === 0) throw new DcmdError("couldn't find struct uma_zone table: this dump has no UMA zones");
    // LIST_FOREACH(z, &uma_cachezones, uz_link): the zones without a keg
    const cache = zones.filter((z) => z.keg === 0n);
    const line = (cells: string[]): string => cells.map((c, i) => c.padStart(CACHE_W[i]!)).join(' ');
    const data = cache.map((z) => ({ zone: z.name, addr: z.addr, size: z.zoneSize || z.size, used: z.used, free: z.free, requests: z.requests, bucket: z.bucketSize }));
    const lines = [line(['Zone', 'Size', 'Used', 'Free', 'Requests', 'Bucket']), ...data.map((d) => line([d.zone, String(d.size), String(d.used), String(d.free), String(d.requests), String(d.bucket)]))];
    return text(lines.map((l) => l + '\n').join(''), { data, addresses: data.map((d) => d.addr), addressType: ZONE });
  },
});

export const umaZone = defineDcmd({
  name: 'uma_zone',
  synopsis: '?[-n name]',
  address: 'optional',
  summary: 'print UMA zones',
  help: `Prints UMA zones, one line each: the struct uma_zone, its name, item
size, items in use, free items it holds (per-CPU buckets, full buckets, and
for a keg's first zone the keg's free items), allocation requests and
failures (uz_fails). Without an address it walks every zone. -n keeps the
zones whose name contains the given text. See ::uma for how the counts
are made.

EXAMPLES
  > ::uma_zone
  ADDR     NAME                 SIZE     USED     FREE   REQUESTS  FAILS
  c0900180 UMA Kegs              128       12       19         12      0
  ...
  > ::uma_zone -n Clust
  ADDR     NAME                 SIZE     USED     FREE   REQUESTS  FAILS
  c14014b0 MbufClust            2048     9562        0       9763      0`,
  options: { n: str('name', 'only zones whose name contains this text') },
  input: ZONE,
  walker: 'uma_zone',
  run(ctx, addr, opts, args) {
    if (args.length > 0 || addr === undefined) throw new UsageError();
    const z = umaZones(ctx.target).find((x) => x.addr === addr);
    if (!z) throw new DcmdError(`couldn't read struct uma_zone at ${hx(addr)}`);
    const match = opts.n === undefined || z.name.includes(opts.n);
    if (!match && !ctx.first) return;
    const rows = match ? [{ addr: z.addr, name: z.name, size: z.size, used: z.used, free: z.free, requests: z.requests, fails: z.fails, keg: z.keg, primary: z.primary }] : [];
    return table(zoneColumns(ctx.pointerSize), rows, { addresses: match ? [z.addr] : [], addressType: ZONE });
  },
});

/** The columns both eras' ::uma_keg begin with: the keg and its item geometry. */
const kegGeometry = (ps: number): Column[] => [
  { key: 'addr', header: 'ADDR', width: 'ptr', format: (v) => ptrPad(v as bigint, ps) },
  { key: 'name', header: 'NAME', width: 18 },
  { key: 'size', header: 'SIZE', width: 5, align: 'right' },
  { key: 'rsize', header: 'RSIZE', width: 5, align: 'right' },
  { key: 'ipers', header: 'IPERS', width: 5, align: 'right' },
  { key: 'ppera', header: 'PPERA', width: 5, align: 'right' },
];

const kegColumns = (ps: number): Column[] => [
  ...kegGeometry(ps),
  { key: 'pages', header: 'PAGES', width: 11, align: 'right', format: (_v, r) => `${r['pages']}/${r['maxpages']}` },
  { key: 'free', header: 'FREE', width: 6, align: 'right' },
  { key: 'recurse', header: 'RECURSE', width: 7, align: 'right' },
  { key: 'flags', header: 'FLAGS', width: 20, format: (v) => umaFlagNames(v as number) },
  { key: 'slabzone', header: 'SLABZONE', width: 14, format: (v) => (v as string) || '-' },
  { key: 'allocf', header: 'ALLOCF', format: (v) => (v as string) || '-' },
];

/** ::uma_keg on a 2020 kernel: pages and free items summed over domains, the reserve, 2020's flag names. */
const kegColumns2020 = (ps: number): Column[] => [
  ...kegGeometry(ps),
  { key: 'pages', header: 'PAGES', width: 7, align: 'right', format: (v) => String(v) },
  { key: 'free', header: 'FREE', width: 7, align: 'right', format: (v) => String(v) },
  { key: 'reserve', header: 'RESERVE', width: 7, align: 'right' },
  { key: 'flags', header: 'FLAGS', width: 20, format: (_v, r) => r['flagNames'] as string },
  { key: 'allocf', header: 'ALLOCF', format: (v) => (v as string) || '-' },
];

/** ::uma_keg's page on a 2004 kernel (the default: the FreeBSD examples run on the 2004 dump). */
const UMA_KEG_HELP_2004 = `Prints UMA kegs, the slab layer under the zones, one line each: the
struct uma_keg, the name of its first zone, item size (uk_size) and
size with alignment (uk_rsize), items per slab (uk_ipers), pages per
allocation (uk_ppera), pages held over the limit (uk_pages/uk_maxpages, 0
for no limit), free items in its slabs (uk_free), uk_recurse (nonzero
while a thread is inside the keg's slab allocator: on an INTERNAL keg,
every allocation of a slab header fails meanwhile), the flags by name
(OFFPAGE, REFCNT, INTERNAL, ...), the zone off-page slab headers come from
(uk_slabzone), and the page allocator (uk_allocf) as a symbol. Without an
address it walks every keg. -n keeps the kegs whose name contains the
given text, as ::uma_zone -n does.

This is the 2004 kernel's layout. On a 2020 kernel the keg has no
uk_free, uk_recurse, uk_maxpages or uk_slabzone, and ::uma_keg prints
PAGES and FREE summed over the memory domains, then RESERVE (uk_reserve):
::help uma_keg on a 2020 dump shows that layout.

EXAMPLES
  > ::uma_keg
  ADDR     NAME                SIZE RSIZE IPERS PPERA       PAGES   FREE RECURSE FLAGS                SLABZONE       ALLOCF
  c0900100 UMA Kegs             128   128    31     1         1/0     19       0 NOFREE|INTERNAL      -              page_alloc
  ...
  > ::uma_keg -n Clust
  ADDR     NAME                SIZE RSIZE IPERS PPERA       PAGES   FREE RECURSE FLAGS                SLABZONE       ALLOCF
  c1400580 MbufClust           2048  2048     2     1  4781/12800      0       4 OFFPAGE|HASH|REFCNT  UMA RCntSlabs  page_alloc
  > *zone_clust::print struct uma_zone uz_keg | ::uma_keg
  ADDR     NAME                SIZE RSIZE IPERS PPERA       PAGES   FREE RECURSE FLAGS                SLABZONE       ALLOCF
  c1400580 MbufClust           2048  2048     2     1  4781/12800      0       4 OFFPAGE|HASH|REFCNT  UMA RCntSlabs  page_alloc`;

/** ::uma_keg's page on a 2020 kernel: its columns and an example from the PR 248008 dump. */
export const UMA_KEG_HELP_2020 = `Prints UMA kegs, the slab layer under the zones, one line each, in the
2020 kernel's layout: the struct uma_keg, the name of its first zone,
item size (uk_size) and size with alignment (uk_rsize), items per slab
(uk_ipers), pages per allocation (uk_ppera), then PAGES and FREE summed
over the keg's memory domains (uk_domain[i].ud_pages and ud_free_items),
RESERVE (uk_reserve: items only an M_USE_RESERVE allocation may take; a
keg whose FREE is below its RESERVE refuses every other allocation from
its slabs), the flags by that kernel's names (VM, CACHEONLY, NOFREE,
OFFPAGE, HASH, INTERNAL, BUCKET ...) and the page allocator (uk_allocf)
as a symbol. Without an address it walks every keg. -n keeps the kegs
whose name contains the given text, as ::uma_zone -n does.

A 2020 keg has no uk_free, uk_recurse, uk_maxpages or uk_slabzone, so the
2004 layout's PAGES x/y, RECURSE and SLABZONE columns are not printed.

EXAMPLES
  > ::uma_keg
  ADDR     NAME                SIZE RSIZE IPERS PPERA   PAGES    FREE RESERVE FLAGS                ALLOCF
  c0f03000 4 Bucket              16    16   254     1       2       2       0 BUCKET               page_alloc
  ...
  > ::uma_keg -n btag
  ADDR     NAME                SIZE RSIZE IPERS PPERA   PAGES    FREE RESERVE FLAGS                ALLOCF
  c0f03fc0 vmem btag             28    28   145     1      21       0      16 VM|CACHEONLY         vmem_bt_alloc
  > *vmem_bt_zone::print struct uma_zone uz_keg | ::uma_keg
  ADDR     NAME                SIZE RSIZE IPERS PPERA   PAGES    FREE RESERVE FLAGS                ALLOCF
  c0f03fc0 vmem btag             28    28   145     1      21       0      16 VM|CACHEONLY         vmem_bt_alloc`;

export const umaKeg = defineDcmd({
  name: 'uma_keg',
  synopsis: '?[-n name]',
  address: 'optional',
  summary: 'print UMA kegs',
  help: UMA_KEG_HELP_2004,
  helpFor: (t) => (umaEra(t) === 2020 ? UMA_KEG_HELP_2020 : undefined),
  options: { n: str('name', 'only kegs whose name contains this text') },
  input: KEG,
  walker: 'uma_keg',
  run(ctx, addr, opts, args) {
    if (args.length > 0 || addr === undefined) throw new UsageError();
    const k = kegRows(ctx.target);
    const r = k.rowOf(addr);
    if (r < 0) throw new DcmdError(`couldn't read struct uma_keg at ${hx(addr)}`);
    const allocf = k.get(r, 'uk_allocf');
    const era = umaEra(ctx.target);
    const name = era === 2020 ? kegName(ctx.target, addr) || k.str(r, 'uk_name') : kegName(ctx.target, addr);
    // -n: as ::uma_zone -n, a keg whose name does not match prints nothing (the header once, for a walk's first)
    if (opts.n !== undefined && !name.includes(opts.n)) {
      if (!ctx.first) return;
      return table(era === 2020 ? kegColumns2020(ctx.pointerSize) : kegColumns(ctx.pointerSize), [], { addresses: [], addressType: KEG });
    }
    if (era === 2020) {
      const flags = k.num(r, 'uk_flags') >>> 0;
      const row2020 = {
        addr,
        name,
        size: k.num(r, 'uk_size'),
        rsize: k.num(r, 'uk_rsize'),
        ipers: k.num(r, 'uk_ipers'),
        ppera: k.num(r, 'uk_ppera'),
        // a count: a number in --json, as the 2004 keg's uk_pages is
        pages: Number(kegPages(ctx.target, r)),
        free: kegFreeItems(ctx.target, r),
        reserve: k.num(r, 'uk_reserve'),
        flags,
        flagNames: umaFlagNames2020(flags),
        allocf: allocf === 0n ? '' : ctx.target.formatAddr(allocf),
      };
      return table(kegColumns2020(ctx.pointerSize), [row2020], { addresses: [addr], addressType: KEG });
    }
    const slabzone = k.get(r, 'uk_slabzone');
    const row = {
      addr,
      name,
      size: k.num(r, 'uk_size'),
      rsize: k.num(r, 'uk_rsize'),
      ipers: k.num(r, 'uk_ipers'),
      ppera: k.num(r, 'uk_ppera'),
      pages: k.num(r, 'uk_pages'),
      maxpages: k.num(r, 'uk_maxpages'),
      free: k.num(r, 'uk_free'),
      recurse: k.num(r, 'uk_recurse'),
      flags: k.num(r, 'uk_flags') >>> 0,
      flagNames: umaFlagNames(k.num(r, 'uk_flags') >>> 0),
      slabzone: slabzone === 0n ? '' : zoneName(ctx.target, slabzone) || hx(slabzone),
      slabzoneAddr: slabzone,
      allocf: allocf === 0n ? '' : ctx.target.formatAddr(allocf),
    };
    return table(kegColumns(ctx.pointerSize), [row], { addresses: [addr], addressType: KEG });
  },
});
