/*
 * UMA as the 2004 kernel laid it out (vm/uma_int.h): kegs (the slab layer),
 * zones (per-CPU caches and bucket lists over a keg), slab headers and
 * buckets, read from the dump's struct tables. The statistics are computed
 * as the kernel's own reporting did:
 *
 *   Requests  uz_allocs + the per-CPU uc_allocs not yet folded into it
 *   Used      requests - (uz_frees + the per-CPU uc_frees)
 *   Free      items in the per-CPU alloc and free buckets + items in the
 *             zone's full buckets + (primary zone only) uk_free, the free
 *             items in the keg's slabs. A secondary zone (Packet over the
 *             Mbuf keg) counts only its own buckets: the keg's free items
 *             belong to the keg's first zone.
 *
 * A 2020 kernel (13.0-CURRENT) lays UMA out differently, under the same
 * struct names: the dump's types say which era it is (umaEra: a keg with
 * uk_domain[] and uk_reserve is 2020's). Its counts are get_uma_stats()'s
 * in uma_core.c: Free adds each CPU's alloc, free and cross-domain cache
 * buckets (uc_*bucket.ucb_cnt), each domain's bucket cache (uzd_nitems)
 * and, for the keg's first zone, each domain's ud_free_items; an INTERNAL
 * keg's zone counts no per-CPU caches. uk_free becomes the sum of
 * uk_domain[i].ud_free_items and uk_pages the sum of ud_pages.
 */
import type { Target } from '../../../target.js';
import { listElements, structRows, type StructRows } from '../struct.js';

export const ZONE = 'struct uma_zone';
export const KEG = 'struct uma_keg';
export const BUCKET = 'struct uma_bucket';
export const SLAB = 'struct uma_slab';
export const SLAB_REFCNT = 'struct uma_slab_refcnt';

export interface ZoneStats {
  addr: bigint;
  row: number;
  name: string;
  keg: bigint;
  /** the keg's row, -1 when the dump has no such keg */
  kegRow: number;
  /** uk_size: the item size */
  size: number;
  /** the first zone created over its keg (the keg's free items are its) */
  primary: boolean;
  requests: bigint;
  frees: bigint;
  fails: bigint;
  used: bigint;
  /** items in the per-CPU buckets */
  cacheFree: bigint;
  /** items in the zone's full buckets */
  bucketFree: bigint;
  /** free items in the keg, counted for the primary zone only */
  kegFree: bigint;
  free: bigint;
  /** every bucket the zone holds: per-CPU alloc and free buckets, then the full and free lists */
  buckets: bigint[];
  /** 2020: uz_sleeps, uz_bucket_size, uz_xdomain, and the size show uma prints (uz_size); 0 on 2004 */
  sleeps: bigint;
  bucketSize: number;
  xdomain: bigint;
  zoneSize: number;
}

export type UmaEra = 2004 | 2020;

/** The UMA layout the dump's types declare: 2020's kegs have uk_domain[] and uk_reserve, 2004's uk_free. */
export function umaEra(target: Target): UmaEra {
  const def = kegRows(target).def;
  return def?.members.some((m) => m.name === 'uk_domain' || m.name === 'uk_reserve') ? 2020 : 2004;
}

/** The length of a member array from its declared type ("struct uma_domain [2]"), or `fallback`. */
function arrayLength(rows: StructRows, member: string, fallback: number): number {
  const m = rows.def?.members.find((x) => x.name === member);
  const n = m ? /\[(\d+)\]\s*$/.exec(m.type)?.[1] : undefined;
  return n !== undefined ? Number(n) : fallback;
}

/** How many memory domains a 2020 keg has (uk_domain[]). */
export const kegDomains = (target: Target): number => arrayLength(kegRows(target), 'uk_domain', 1);
/** How many per-domain bucket caches a 2020 zone has (uz_domain[]). */
export const zoneDomains = (target: Target): number => arrayLength(zoneRows(target), 'uz_domain', 1);

/** Free items in a keg's slabs: uk_free (2004), or the sum of uk_domain[i].ud_free_items (2020). */
export function kegFreeItems(target: Target, row: number): bigint {
  const k = kegRows(target);
  if (umaEra(target) === 2004) return k.get(row, 'uk_free');
  let n = 0n;
  for (let d = 0; d < kegDomains(target); d++) n += k.get(row, `uk_domain[${d}].ud_free_items`);
  return n;
}

/** Pages a keg holds: uk_pages (2004), or the sum of uk_domain[i].ud_pages (2020). */
export function kegPages(target: Target, row: number): bigint {
  const k = kegRows(target);
  if (umaEra(target) === 2004) return k.get(row, 'uk_pages');
  let n = 0n;
  for (let d = 0; d < kegDomains(target); d++) n += k.get(row, `uk_domain[${d}].ud_pages`);
  return n;
}

export const zoneRows = (t: Target): StructRows => structRows(t, ZONE);
export const kegRows = (t: Target): StructRows => structRows(t, KEG);
export const bucketRows = (t: Target): StructRows => structRows(t, BUCKET);

/** How many uma_cache entries a zone has (uz_cpu[]), from the layout, else the header's ncpus. */
export function zoneCpus(target: Target): number {
  const z = zoneRows(target);
  const m = z.def?.members.find((x) => x.name === 'uz_cpu');
  const n = m ? /\[(\d+)\]\s*$/.exec(m.type)?.[1] : undefined;
  return n !== undefined ? Number(n) : target.header.ncpus;
}

/** Items a bucket holds (ub_cnt), 0 for an address that is no bucket. */
export function bucketCount(target: Target, bucket: bigint): bigint {
  if (bucket === 0n) return 0n;
  const b = bucketRows(target);
  const r = b.rowOf(bucket);
  return r < 0 ? 0n : BigInt(Math.max(0, b.num(r, 'ub_cnt') << 16 >> 16));
}

const statsCache = new WeakMap<Target, ZoneStats[]>();

/** Every zone with its statistics, in creation (table) order. */
/**
 * Whether zone row r is its keg's first zone, the one the keg's free items
 * count for: the head of uk_zones when the dump has it, else the first zone
 * created on the keg (`seen` collects the kegs met so far, in table order).
 */
function isPrimaryZone(z: ReturnType<typeof zoneRows>, k: ReturnType<typeof kegRows>, r: number, kegRow: number, seen: Set<bigint>): boolean {
  const keg = z.get(r, 'uz_keg');
  const head = kegRow >= 0 ? k.get(kegRow, 'uk_zones.lh_first') : 0n;
  const primary = head !== 0n && z.rowOf(head) >= 0 ? head === z.addr(r) : !seen.has(keg);
  seen.add(keg);
  return primary;
}

export function umaZones(target: Target): ZoneStats[] {
  const hit = statsCache.get(target);
  if (hit) return hit;
  if (umaEra(target) === 2020) {
    const out = umaZones2020(target);
    statsCache.set(target, out);
    return out;
  }
  const z = zoneRows(target);
  const k = kegRows(target);
  const b = bucketRows(target);
  const ncpu = zoneCpus(target);
  const seenKegs = new Set<bigint>();
  const out: ZoneStats[] = [];
  for (let r = 0; r < z.count; r++) {
    const keg = z.get(r, 'uz_keg');
    const kegRow = k.rowOf(keg);
    const primary = isPrimaryZone(z, k, r, kegRow, seenKegs);
    let requests = z.get(r, 'uz_allocs');
    let frees = z.get(r, 'uz_frees');
    let cacheFree = 0n;
    const buckets: bigint[] = [];
    for (let c = 0; c < ncpu; c++) {
      requests += z.get(r, `uz_cpu[${c}].uc_allocs`);
      frees += z.get(r, `uz_cpu[${c}].uc_frees`);
      for (const which of ['uc_allocbucket', 'uc_freebucket']) {
        const bk = z.get(r, `uz_cpu[${c}].${which}`);
        if (bk !== 0n) {
          buckets.push(bk);
          cacheFree += bucketCount(target, bk);
        }
      }
    }
    let bucketFree = 0n;
    for (const bk of listElements(b, z.get(r, 'uz_full_bucket.lh_first'), 'ub_link')) {
      buckets.push(bk);
      bucketFree += bucketCount(target, bk);
    }
    for (const bk of listElements(b, z.get(r, 'uz_free_bucket.lh_first'), 'ub_link')) buckets.push(bk);
    const kegFree = primary && kegRow >= 0 ? k.get(kegRow, 'uk_free') : 0n;
    const used = requests >= frees ? requests - frees : 0n;
    out.push({
      addr: z.addr(r),
      row: r,
      name: z.str(r, 'uz_name'),
      keg,
      kegRow,
      size: kegRow >= 0 ? k.num(kegRow, 'uk_size') : 0,
      primary,
      requests,
      frees,
      fails: z.get(r, 'uz_fails'),
      used,
      cacheFree,
      bucketFree,
      kegFree,
      free: cacheFree + bucketFree + kegFree,
      buckets,
      sleeps: 0n,
      bucketSize: 0,
      xdomain: 0n,
      zoneSize: kegRow >= 0 ? k.num(kegRow, 'uk_size') : 0,
    });
  }
  statsCache.set(target, out);
  return out;
}

/** get_uma_stats() of a 2020 kernel, for every zone in table order. */
function umaZones2020(target: Target): ZoneStats[] {
  const z = zoneRows(target);
  const k = kegRows(target);
  const b = bucketRows(target);
  const ncpu = zoneCpus(target);
  const ndom = zoneDomains(target);
  const seenKegs = new Set<bigint>();
  const out: ZoneStats[] = [];
  for (let r = 0; r < z.count; r++) {
    const keg = z.get(r, 'uz_keg');
    const kegRow = k.rowOf(keg);
    const primary = isPrimaryZone(z, k, r, kegRow, seenKegs);
    const internal = kegRow >= 0 && (k.num(kegRow, 'uk_flags') & UMA_ZFLAG_INTERNAL_2020) !== 0;
    let requests = z.get(r, 'uz_allocs');
    let frees = z.get(r, 'uz_frees');
    let xdomain = z.get(r, 'uz_xdomain');
    let cacheFree = 0n;
    const buckets: bigint[] = [];
    for (let c = 0; c < ncpu; c++) {
      for (const which of ['uc_allocbucket', 'uc_freebucket', 'uc_crossbucket']) {
        const bk = z.get(r, `uz_cpu[${c}].${which}.ucb_bucket`);
        if (bk !== 0n) buckets.push(bk);
        if (!internal) cacheFree += BigInt(Math.max(0, Number(BigInt.asIntN(16, z.get(r, `uz_cpu[${c}].${which}.ucb_cnt`)))));
      }
      if (!internal) {
        requests += z.get(r, `uz_cpu[${c}].uc_allocs`);
        frees += z.get(r, `uz_cpu[${c}].uc_frees`);
      }
    }
    let bucketFree = 0n;
    for (let d = 0; d < ndom; d++) {
      bucketFree += BigInt(Math.max(0, z.num(r, `uz_domain[${d}].uzd_nitems`)));
      for (const bk of listElements(b, z.get(r, `uz_domain[${d}].uzd_buckets.lh_first`), 'ub_link')) buckets.push(bk);
    }
    if (internal) xdomain = 0n;
    const kegFree = primary && kegRow >= 0 ? kegFreeItems(target, kegRow) : 0n;
    const used = requests >= frees ? requests - frees : 0n;
    const kegSize = kegRow >= 0 ? k.num(kegRow, 'uk_size') : 0;
    out.push({
      addr: z.addr(r),
      row: r,
      name: z.str(r, 'uz_name'),
      keg,
      kegRow,
      size: kegSize,
      primary,
      requests,
      frees,
      fails: z.get(r, 'uz_fails'),
      used,
      cacheFree,
      bucketFree,
      kegFree,
      free: cacheFree + bucketFree + kegFree,
      buckets,
      sleeps: z.get(r, 'uz_sleeps'),
      bucketSize: z.num(r, 'uz_bucket_size') & 0xffff,
      xdomain,
      zoneSize: z.num(r, 'uz_size') || kegSize,
    });
  }
  return out;
}

/** UMA_ZFLAG_INTERNAL, the same bit in both eras */
const UMA_ZFLAG_INTERNAL_2020 = 0x20000000;

/** The name a keg goes by: its primary zone's. */
export function kegName(target: Target, keg: bigint): string {
  const zones = umaZones(target);
  return (zones.find((z) => z.keg === keg && z.primary) ?? zones.find((z) => z.keg === keg))?.name ?? '';
}

/** The zone whose address is `zone`, by name for messages ("" when unknown). */
export function zoneName(target: Target, zone: bigint): string {
  const z = zoneRows(target);
  const r = z.rowOf(zone);
  return r < 0 ? '' : z.str(r, 'uz_name');
}

// ---------------------------------------------------------------- slabs

export interface SlabRef {
  rows: StructRows;
  row: number;
  addr: bigint;
}

/** Both slab header tables (uma_slab, and uma_slab_refcnt for REFCNT kegs). */
export function slabTables(target: Target): StructRows[] {
  return [structRows(target, SLAB), structRows(target, umaEra(target) === 2020 ? HASH_SLAB : SLAB_REFCNT)];
}

/** A 2020 off-page slab header (uma_hash_slab): its uhs_slab is the slab. */
export const HASH_SLAB = 'struct uma_hash_slab';

/** The member path of a slab member in its table (uhs_slab.X in a uma_hash_slab). */
const slabPath = (rows: StructRows, member: string): string => (rows.name === HASH_SLAB ? `uhs_slab.${member}` : member);

/** The slab header at addr. */
export function slabAt(target: Target, addr: bigint): SlabRef | undefined {
  for (const rows of slabTables(target)) {
    const row = rows.rowOf(addr);
    if (row >= 0) return { rows, row, addr };
  }
  return undefined;
}

/** Every slab header of the dump. */
export function* allSlabs(target: Target): Generator<SlabRef> {
  for (const rows of slabTables(target)) for (let row = 0; row < rows.count; row++) yield { rows, row, addr: rows.addr(row) };
}

/** A keg's slabs: its partial, free and full lists, in that order. */
export function* kegSlabs(target: Target, keg: bigint): Generator<bigint> {
  const k = kegRows(target);
  const r = k.rowOf(keg);
  if (r < 0) return;
  const link = (addr: bigint): bigint => {
    const s = slabAt(target, addr);
    return s ? s.rows.get(s.row, slabPath(s.rows, 'us_link.le_next')) : 0n;
  };
  const lists =
    umaEra(target) === 2004
      ? ['uk_part_slab', 'uk_free_slab', 'uk_full_slab']
      : Array.from({ length: kegDomains(target) }, (_, d) => ['ud_part_slab', 'ud_free_slab', 'ud_full_slab'].map((l) => `uk_domain[${d}].${l}`)).flat();
  for (const list of lists) {
    const seen = new Set<bigint>();
    for (let p = k.get(r, `${list}.lh_first`); p !== 0n && !seen.has(p); p = link(p)) {
      seen.add(p);
      yield p;
    }
  }
}

/** The indexes of a slab's free items: the freelist chain from us_firstfree, us_freecount long. */
export function slabFreeItems(s: SlabRef): Set<number> {
  const free = new Set<number>();
  const bits = s.rows.list(s.row, slabPath(s.rows, 'us_free'));
  if (bits.length > 0 && !s.rows.table?.columns['us_freelist']) {
    // 2020: us_free is a bitset of free items, 32 a word
    bits.forEach((w, i) => {
      for (let b = 0; b < 32; b++) if ((w >> BigInt(b)) & 1n) free.add(i * 32 + b);
    });
    return free;
  }
  const list = s.rows.list(s.row, 'us_freelist');
  let n = s.rows.num(s.row, 'us_freecount');
  let i = s.rows.num(s.row, 'us_firstfree');
  while (n-- > 0 && i >= 0 && !free.has(i)) {
    free.add(i);
    if (i >= list.length) break;
    i = Number(list[i]!);
  }
  return free;
}
