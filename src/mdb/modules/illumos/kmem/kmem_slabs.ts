/*
 * ::kmem_slabs — slab usage per cache (mdb's kmem_slabs()): slabs, partial
 * slabs, buffers, unused buffers in partial slabs and the waste they make.
 * -v lists each partial slab's allocated count; -b/-B add a histogram of
 * allocated buffers per slab. Headers follow mdb: printed once for the
 * plain listing, but in verbose or histogram mode again before every cache
 * that has something to show, so each block reads on its own.
 */
import { defineDcmd, flag, str, text, uint } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import { distBucket, distHeader, distLinear } from './dist.js';
import { cacheMaxChunks, cachePartialSlabs, cacheSlabs, kmemSlabStats, readKmemCache, type KmemSlabStats } from './helpers.js';

const row = (cells: Array<[string, number]>): string => cells.map(([s, w]) => (w < 0 ? s.padEnd(-w) : s.padStart(w))).join(' ');

function slabsHeader(): string {
  const w: number[] = [-25, 8, 8, 9, 9, 6];
  const l = (cells: string[]): string => row(cells.map((s, i) => [s, w[i]!])).trimEnd() + '\n';
  return (
    l(['', '', 'Partial', '', 'Unused', '']) +
    l(['Cache Name', 'Slabs', 'Slabs', 'Buffers', 'Buffers', 'Waste']) +
    l(['-'.repeat(25), '-'.repeat(8), '-'.repeat(8), '-'.repeat(9), '-'.repeat(9), '-'.repeat(6)])
  );
}

/** Unused / total as mdb rounds it: a percentage with one decimal ("3.6%"). */
export function wastePercent(unused: bigint, total: bigint): string {
  let pct = 0;
  let tenths = 0;
  if (total !== 0n) {
    pct = Number((unused * 10000n) / total);
    tenths = pct - Math.trunc(pct / 100) * 100;
    tenths = Math.trunc((tenths + 5) / 10);
    if (tenths === 10) {
      pct += 100;
      tenths = 0;
    }
  }
  return `${String(Math.trunc(pct / 100)).padStart(3)}.${tenths}%`;
}

const LABEL_WIDTH = 11;

/** The allocated-buffers-per-slab histogram (models kmem_slabs_print_dist()). */
function slabsDist(st: KmemSlabStats, perSlab: number, maxBuckets: number, minBucketSize: number): string {
  let buckets = perSlab;
  const total = st.buckets.reduce((a, b) => a + b, 0);
  if (maxBuckets > 1) buckets = Math.min(buckets, maxBuckets);
  if (minBucketSize > 1) {
    // the first bucket, for complete slabs, is not subject to the minimum
    buckets = Math.min(buckets, 1 + Math.trunc((perSlab - 1) / minBucketSize));
    if (buckets < 2 && perSlab > 1) buckets = 2;
  }
  const complete = [perSlab, perSlab + 1];
  const bounds = distLinear(buckets - 1, 1, perSlab - 1);
  let out = `${'Allocated'.padStart(LABEL_WIDTH)}\n` + distHeader('Buffers', LABEL_WIDTH, 'Slabs');
  out += distBucket(complete, 0, st.buckets, total, LABEL_WIDTH);
  // descending after the complete bucket, so fragmentation shows at the top
  for (let i = buckets - 2; i >= 0; i--) out += distBucket(bounds, i, st.buckets, total, LABEL_WIDTH);
  return out + '\n';
}

export default defineDcmd({
  name: 'kmem_slabs',
  synopsis: '?[-v] [-n cache] [-N cache] [-b maxbins] [-B minbinsize]',
  address: 'optional',
  summary: 'display slab usage per kmem cache',
  help: `Displays slab usage per kmem cache: every cache, or the one at the
address. -n keeps caches whose name contains the text, -N the cache of
exactly that name (given both, a cache matching either is shown).

-v lists the allocated buffer count of each partial slab in list order:
"  6 complete (126), 2 partial: 110 88" means eight slabs of 126
buffers, two of them partly allocated. A count marked * is on a slab kmem
may not reclaim (a client refused to move one of its buffers).

-b and -B print a distribution of allocated buffers per slab. The first
bin is reserved for completely allocated slabs; -b sets the most bins
(-b 0: one per possible count), -B the least width of the others.

COLUMNS
  Cache Name       the cache
  Slabs            slabs the cache has
  Partial Slabs    of those, the ones with free buffers
  Buffers          buffers in all the slabs
  Unused Buffers   free buffers in the partial slabs
  Waste            Unused Buffers as a share of Buffers; buffers parked in
                   magazines, debug metadata and colouring are not counted

EXAMPLES
  > ::kmem_slabs -v -N kmem_alloc_128
                                      Partial              Unused
  Cache Name                   Slabs    Slabs   Buffers   Buffers  Waste
  ------------------------- -------- -------- --------- --------- ------
  kmem_alloc_128                   3        1        63         7  11.1%
    2 complete (21), 1 partial: 14

  > ::kmem_slabs -N kmem_alloc_128 -b 4
                                      Partial              Unused
  Cache Name                   Slabs    Slabs   Buffers   Buffers  Waste
  ------------------------- -------- -------- --------- --------- ------
  kmem_alloc_128                   3        1        63         7  11.1%

    Allocated
      Buffers  ------------------ Distribution ------------------ Slabs
           21 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  2
        14-20 |@@@@@@@@@@@@@@@@                                   1
         7-13 |                                                   0
          1-6 |                                                   0`,
  options: {
    v: flag('list the allocated buffer count of each partial slab'),
    n: str('cache', 'only caches whose name contains this text'),
    N: str('cache', 'only the cache of exactly this name'),
    b: uint('maxbins', 'distribution of allocated buffers per slab in at most maxbins bins'),
    B: uint('minbinsize', 'distribution with bins at least minbinsize buffers apart'),
  },
  input: 'kmem_cache_t',
  walker: 'kmem_cache',
  run(ctx, addr, opts, args) {
    if (args.length > 0 || addr === undefined) throw new UsageError();
    let maxBuckets = opts.b === undefined ? 1 : Number(opts.b);
    const minBucketSize = opts.B === undefined ? 0 : Number(opts.B);
    const buckets = maxBuckets !== 1 || minBucketSize !== 0;
    const verbose = opts.v;
    const cp = readKmemCache(ctx.target, addr);
    const name = cp.cache_name;
    const skip =
      opts.N === undefined ? opts.n !== undefined && !name.includes(opts.n) : opts.n === undefined ? name !== opts.N : name !== opts.N && !name.includes(opts.n);

    let out = '';
    if (!(verbose || buckets)) {
      if (ctx.first) out += slabsHeader();
    } else if (!skip) {
      if (ctx.first) out += slabsHeader();
      else {
        // a new block: only for a cache with a partial slab (-v) or any slab (-b/-B)
        let has = false;
        if (verbose) {
          const first = cachePartialSlabs(ctx.target, cp).next();
          has = !first.done && first.value.slab_refcnt > 0 && first.value.slab_refcnt < first.value.slab_chunks;
        } else has = !cacheSlabs(ctx.target, cp.addr).next().done;
        if (has) out += slabsHeader();
      }
    }
    if (skip) return out === '' ? undefined : text(out, { data: undefined });

    const st = kmemSlabStats(ctx.target, cp);
    const waste = wastePercent(st.unusedBuffers, cp.cache_buftotal);
    out +=
      row([
        [name, -25],
        [String(st.slabs), 8],
        [String(st.partialSlabs), 8],
        [cp.cache_buftotal.toString(), 9],
        [st.unusedBuffers.toString(), 9],
        [waste, 0],
      ]) + '\n';
    const perSlab = cacheMaxChunks(cp);
    if (maxBuckets === 0) maxBuckets = perSlab;
    if ((maxBuckets > 1 || minBucketSize > 0) && st.slabs > 0) out += '\n' + slabsDist(st, perSlab, maxBuckets, minBucketSize);
    if (verbose && st.partialSlabs > 0) {
      out += `  ${st.slabs - st.partialSlabs} complete (${perSlab}), ${st.partialSlabs} partial:`;
      for (const p of st.partial) out += ` ${p.refcnt}${p.nomove ? '*' : ''}`;
      out += '\n\n';
    }
    const data = {
      addr: cp.addr,
      name,
      slabs: st.slabs,
      partialSlabs: st.partialSlabs,
      buffers: Number(cp.cache_buftotal),
      unusedBuffers: Number(st.unusedBuffers),
      waste: waste.trim(),
      partial: st.partial,
      perSlab,
    };
    return text(out, { data });
  },
});
