/*
 * ::kmem_verify [addr] (models mdb's kmem_verify(), verify_alloc() and
 * verify_free() in genunix kmem.c): the heap checks a DEBUG kernel makes
 * at allocation and free, made over a whole cache after the fact.
 *
 *   allocated buffer: its redzone is 0xfeedfacefeedface, or (kmem_alloc)
 *     its second 32-bit word is a valid size encoding (251 * size + 1) and
 *     the byte at that size is 0xbb; its buftag's bt_bxstat ^ bt_bufctl is
 *     0xa110c8ed (KMEM_BUFTAG_ALLOC);
 *   free buffer: with KMF_DEADBEEF every word up to cache_verify reads
 *     0xdeadbeefdeadbeef; a hashed cache keeps the redzone pattern; the
 *     buftag says free (KMEM_BUFTAG_FREE, 0xf4eef4ee).
 *
 * In the dump a buftag is implied by the buffer's row (format.ts,
 * TABLE_BUFFERS): the pattern, the bufctl, and the bxstat of its state.
 * Words a client wrote past the end of its buffer are pointer words of the
 * row at offsets from cache_buftag on, and overlay the implied ones, as they
 * overwrite the real buftag; so do words written into a free buffer.
 */
import { BUFSTATE_ALLOC, BUFSTATE_MAGAZINE, FILL_DEADBEEF, TABLE_BUFFERS } from '../../../../dump/format.js';
import { defineDcmd, text } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { hex } from '../../../render/number.js';
import type { Target } from '../../../target.js';
import { KMF_BUFTAG, KMF_DEADBEEF, KMF_HASH, KMF_REDZONE, readKmemCache } from './helpers.js';
import { addrCol, cacheBufferRows, cacheRowOf, scalars } from './indexes.js';

export const KMEM_REDZONE_PATTERN = 0xfeedfacefeedfacen;
export const KMEM_FREE_PATTERN = 0xdeadbeefdeadbeefn;
export const KMEM_UNINITIALIZED_PATTERN = 0xbaddcafebaddcafen;
export const KMEM_BUFTAG_ALLOC = 0xa110c8edn;
export const KMEM_BUFTAG_FREE = 0xf4eef4een;
export const KMEM_REDZONE_BYTE = 0xbb;
/** kmem_maxverify's default: how much of a free buffer kmem checks */
const KMEM_MAXVERIFY = 1024n;

/** What verify_alloc() / verify_free() found wrong with one buffer. */
export type VerifyFinding =
  | { kind: 'size-encoding' | 'redzone-signature' | 'alloc-buftag'; buf: bigint }
  | { kind: 'free-modified'; buf: bigint; at: bigint }
  | { kind: 'free-redzone' | 'free-buftag'; buf: bigint };

export function findingText(f: VerifyFinding): string {
  const b = hex(f.buf);
  switch (f.kind) {
    case 'size-encoding':
      return `buffer ${b} (allocated) has a corrupt redzone size encoding`;
    case 'redzone-signature':
      return `buffer ${b} (allocated) has a corrupt redzone signature`;
    case 'alloc-buftag':
      return `buffer ${b} (allocated) has a corrupt buftag`;
    case 'free-modified':
      return `buffer ${b} (free) seems corrupted, at ${hex(f.at)}`;
    case 'free-redzone':
      return `buffer ${b} (free) seems to have a corrupt redzone pattern`;
    case 'free-buftag':
      return `buffer ${b} (free) has a corrupt buftag`;
  }
}

interface CacheCheck {
  addr: bigint;
  name: string;
  flags: number;
  bufSize: bigint;
  buftag: number;
  verify: number;
  row: number;
}

/** The words a buffer's row records, by offset (the pointer words its client stored, inside or past the buffer). */
function rowWords(t: NonNullable<ReturnType<Target['table']>>, row: number): Map<number, bigint> | undefined {
  const offs = t.columns['ptr_offs'];
  const vals = t.columns['ptr_vals'];
  if (offs?.kind !== 'list' || vals?.kind !== 'list') return undefined;
  const a = offs.offsets[row]!;
  const b = offs.offsets[row + 1]!;
  if (a === b) return undefined;
  const m = new Map<number, bigint>();
  const v0 = vals.offsets[row]!;
  for (let i = a; i < b; i++) m.set(Number(offs.values[i]!), BigInt.asUintN(64, BigInt(vals.values[v0 + i - a]!)));
  return m;
}

/** One cache's findings (the kmem walk through verify_alloc, then the freemem walk through verify_free). */
export function verifyCache(target: Target, c: CacheCheck): VerifyFinding[] {
  const out: VerifyFinding[] = [];
  const t = target.table(TABLE_BUFFERS);
  if (!t) return out;
  const addrs = addrCol(t);
  const state = scalars(t, 'state');
  const fill = scalars(t, 'fill');
  const ctl = scalars(t, 'bufctl');
  const rows = cacheBufferRows(target, c.row);
  const ps = 8;
  const mags: number[] = [];
  const slabFree: number[] = [];
  const offs = t.columns['ptr_offs'];
  const ov = offs?.kind === 'list' ? offs : undefined;
  /** does the row record a word at or past `from` (nothing else can be wrong with an allocated buffer's implied buftag) */
  const wordsFrom = (r: number, from: number): boolean => {
    if (!ov) return false;
    for (let k = ov.offsets[r]!, e = ov.offsets[r + 1]!; k < e; k++) if (Number(ov.values[k]!) >= from) return true;
    return false;
  };
  for (const r of rows) {
    const st = state ? Number(state[r]!) : BUFSTATE_ALLOC;
    if (st !== BUFSTATE_ALLOC) {
      (st === BUFSTATE_MAGAZINE ? mags : slabFree).push(r);
      continue;
    }
    if (!wordsFrom(r, c.buftag)) continue; // the implied buftag is consistent
    const words = rowWords(t, r)!;
    const buf = addrs[r]!;
    const bufctl = ctl ? BigInt.asUintN(64, BigInt(ctl[r]!)) : 0n;
    const redzone = words.get(c.buftag) ?? KMEM_REDZONE_PATTERN;
    const btBufctl = words.get(c.buftag + ps) ?? bufctl;
    const bxstat = words.get(c.buftag + 2 * ps) ?? (bufctl ^ KMEM_BUFTAG_ALLOC);
    let looksOk = false;
    let sizeOk = true;
    if (redzone === KMEM_REDZONE_PATTERN) looksOk = true;
    else {
      const enc = Number((redzone >> 32n) & 0xffffffffn);
      if (enc % 251 !== 1) sizeOk = false;
      else {
        const size = (enc - 1) / 251;
        // the byte at that size: inside a stored word, else the fill (zero or a pattern: never 0xbb)
        const word = words.get(size - (size % ps));
        const byte = word === undefined ? -1 : Number((word >> BigInt(8 * (size % ps))) & 0xffn);
        if (byte !== KMEM_REDZONE_BYTE) sizeOk = false;
        // the size was found; the buftag's first 32-bit word must still be the signature (0xfeedface)
        else looksOk = (redzone & 0xffffffffn) === (KMEM_REDZONE_PATTERN & 0xffffffffn);
      }
    }
    if (!sizeOk) out.push({ kind: 'size-encoding', buf });
    else if (!looksOk) out.push({ kind: 'redzone-signature', buf });
    else if ((bxstat ^ btBufctl) !== KMEM_BUFTAG_ALLOC) out.push({ kind: 'alloc-buftag', buf });
  }
  // free buffers: the freemem walk's order (magazine rounds, then the slabs' free chunks)
  for (const r of [...mags, ...slabFree]) {
    const buf = addrs[r]!;
    const poisoned = !fill || Number(fill[r]!) === FILL_DEADBEEF;
    if (poisoned && !wordsFrom(r, 0)) continue; // all 0xdeadbeef, the implied buftag free
    const words = rowWords(t, r);
    const bufctl = ctl ? BigInt.asUintN(64, BigInt(ctl[r]!)) : 0n;
    if (c.flags & KMF_DEADBEEF) {
      // verify_pattern(): the first word that is not 0xdeadbeefdeadbeef
      let at: number | undefined;
      if (fill && Number(fill[r]!) !== FILL_DEADBEEF) at = 0;
      else if (words) for (const [off, v] of [...words].sort((x, y) => x[0] - y[0])) if (off < c.verify && v !== KMEM_FREE_PATTERN && (at === undefined || off < at)) at = off;
      if (at !== undefined) {
        out.push({ kind: 'free-modified', buf, at: buf + BigInt(at) });
        continue;
      }
    }
    const redzone = words?.get(c.buftag) ?? KMEM_REDZONE_PATTERN;
    if (c.flags & KMF_HASH && redzone !== KMEM_REDZONE_PATTERN) {
      out.push({ kind: 'free-redzone', buf });
      continue;
    }
    const btBufctl = words?.get(c.buftag + ps) ?? bufctl;
    const bxstat = words?.get(c.buftag + 2 * ps) ?? (bufctl ^ KMEM_BUFTAG_FREE);
    if ((bxstat ^ btBufctl) !== KMEM_BUFTAG_FREE) out.push({ kind: 'free-buftag', buf });
  }
  return out;
}

function cacheCheck(target: Target, addr: bigint): CacheCheck {
  const cp = readKmemCache(target, addr);
  const row = cacheRowOf(target, addr);
  if (row === undefined) throw new DcmdError(`couldn't read kmem_cache ${hex(addr)}`);
  const ct = target.table('kmem_cache_t');
  const buftag = Number(scalars(ct, 'cache_buftag')?.[row] ?? cp.cache_bufsize);
  const verifyCol = scalars(ct, 'cache_verify');
  let verify = verifyCol ? BigInt(verifyCol[row]!) : 0n;
  if (verify === 0n) verify = cp.cache_bufsize < KMEM_MAXVERIFY ? cp.cache_bufsize : KMEM_MAXVERIFY;
  return { addr, name: cp.cache_name, flags: cp.cache_flags, bufSize: cp.cache_bufsize, buftag, verify: Number(verify), row };
}

/** A cache's verdict: the findings, or why it cannot be checked. */
export function verifyOne(target: Target, addr: bigint): { name: string; redzone: boolean; findings: VerifyFinding[] } {
  const c = cacheCheck(target, addr);
  // kmem_verify() checks only caches with a buftag and a redzone
  if ((c.flags & KMF_REDZONE) === 0 || (c.flags & KMF_BUFTAG) === 0) return { name: c.name, redzone: false, findings: [] };
  return { name: c.name, redzone: true, findings: verifyCache(target, c) };
}

/** KMEM_CACHE_NAMELEN: the Cache Name column's width */
const NAMEW = 31;

export default defineDcmd({
  name: 'kmem_verify',
  synopsis: '?',
  address: 'optional',
  summary: 'check integrity of kmem-managed memory',
  help: `Checks the buffers of kmem caches that have redzones (KMF_REDZONE):
each allocated buffer's redzone (0xfeedface, or a kmem_alloc buffer's size
encoding and its 0xbb byte) and buftag, and each free buffer's contents
(0xdeadbeef with KMF_DEADBEEF), redzone and buftag.

Without an address every cache is checked and one line printed per cache
with a redzone: "clean", or how many of its buffers are corrupt. With a
cache's address, each corrupt buffer is described.

EXAMPLES
  > ffffff01c003d000::kmem_verify
  mdb: couldn't read kmem_cache at ffffff01c003d000
`,
  options: {},
  input: 'kmem_cache_t',
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const t = ctx.target;
    if (addr !== undefined) {
      const v = verifyOne(t, addr);
      if (!v.redzone) throw new DcmdError(`cache ${hex(addr)} (${v.name}) does not have redzone checking enabled`);
      let out = `Summary for cache '${v.name}'\n`;
      if (v.findings.length === 0) out += '  clean\n';
      for (const f of v.findings) out += `  ${findingText(f)}\n`;
      return text(out, { data: { cache: addr, name: v.name, findings: v.findings.map((f) => ({ ...f, message: findingText(f) })) } });
    }
    let out = `${'Cache Name'.padEnd(NAMEW)} ${'Addr'.padEnd(16)} Cache Integrity\n`;
    const data: Array<{ cache: bigint; name: string; corrupt: number }> = [];
    for (const c of addrCol(t.table('kmem_cache_t'))) {
      const v = verifyOne(t, c);
      if (!v.redzone) continue;
      const n = new Set(v.findings.map((f) => f.buf)).size;
      data.push({ cache: c, name: v.name, corrupt: n });
      out += `${v.name.padEnd(NAMEW)} ${hex(c).padStart(16)} ${n === 0 ? 'clean' : `${n} corrupt buffer${n === 1 ? '' : 's'}`}\n`;
    }
    return text(out, { data });
  },
});
