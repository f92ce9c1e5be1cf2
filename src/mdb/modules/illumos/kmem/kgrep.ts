/*
 * ::kgrep [-d dist | -m mask | -M invmask] value (models mdb's genunix
 * kgrep.c): every pointer-sized, aligned word of kernel memory that holds
 * value, printed by address in increasing order.
 *
 * The dump has no memory image (target/memory.ts): the words that can
 * hold anything but zero or a fill pattern are the struct rows'
 * pointer-sized members, the words a buffer's row records, and the values
 * of the globals. Those are searched, each at its real address (the row's
 * address plus the member's offset), so the answer is the one a scan of
 * every page would give.
 */
import { TABLE_BUFFERS, TABLE_GLOBALS, type Table } from '../../../../dump/format.js';
import { defineDcmd, text, uint } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { hex } from '../../../render/number.js';
import type { Target } from '../../../target.js';
import { parseUint } from '../../../options.js';
import { NON_STRUCT } from '../../../target/memory.js';
import { parseArray } from '../../../target/ctype.js';

const MASK64 = (1n << 64n) - 1n;

/** Calls visit(word, address) for every pointer-sized word the dump describes. */
function forEachWord(target: Target, visit: (w: bigint, at: bigint) => void): void {
  const ps = target.pointerSize;
  const u64s = (t: Table, name: string): BigUint64Array | BigInt64Array | undefined => {
    const c = t.columns[name];
    return c && (c.kind === 'u64' || c.kind === 'i64') ? (c.values as BigUint64Array) : undefined;
  };
  for (const t of target.model.tables) {
    const addrs = u64s(t, 'addr');
    if (!addrs) continue;
    if (t.name === TABLE_BUFFERS) {
      const offs = t.columns['ptr_offs'];
      const vals = t.columns['ptr_vals'];
      if (offs?.kind !== 'list' || vals?.kind !== 'list') continue;
      for (let r = 0; r < t.rowCount; r++) {
        const v0 = vals.offsets[r]!;
        for (let k = offs.offsets[r]!; k < offs.offsets[r + 1]!; k++) {
          const w = BigInt.asUintN(64, BigInt(vals.values[v0 + k - offs.offsets[r]!]!));
          visit(w, addrs[r]! + BigInt(offs.values[k]!));
        }
      }
      continue;
    }
    if (t.name === TABLE_GLOBALS) {
      const size = t.columns['size'];
      const vals = u64s(t, 'value');
      if (!vals || !size || size.kind === 'str' || size.kind === 'list') continue;
      for (let r = 0; r < t.rowCount; r++) if (Number(size.values[r]!) === ps) visit(BigInt.asUintN(64, vals[r]!), BigInt.asUintN(64, addrs[r]!));
      continue;
    }
    if (NON_STRUCT.has(t.name)) continue;
    const def = target.types.get(t.name);
    if (!def) continue;
    for (const [name, c] of Object.entries(t.columns)) {
      if (name === 'addr') continue;
      let m;
      try {
        m = target.types.resolve(def, name);
      } catch {
        continue;
      }
      if ((c.kind === 'u64' || c.kind === 'i64') && m.size === ps && m.offset % ps === 0) {
        const v = c.values as BigUint64Array;
        for (let r = 0; r < t.rowCount; r++) visit(BigInt.asUintN(64, v[r]!), addrs[r]! + BigInt(m.offset));
      } else if (c.kind === 'list' && (c.of === 'u64' || c.of === 'i64') && parseArray(m.type) && m.offset % ps === 0) {
        const v = c.values as BigUint64Array;
        const max = Math.floor(m.size / ps);
        for (let r = 0; r < t.rowCount; r++)
          for (let k = c.offsets[r]!, i = 0; k < c.offsets[r + 1]! && i < max; k++, i++) visit(BigInt.asUintN(64, v[k]!), addrs[r]! + BigInt(m.offset + i * ps));
      }
    }
  }
}

/**
 * Every described word and its address, sorted by word then address, made
 * once per dump (the dump does not change) and only up to WORDS_INDEXED
 * words: then a search for one value or a range is two binary searches
 * instead of a pass that makes a BigInt of every word. Bigger dumps, and
 * the mask searches, take the pass.
 */
interface WordIndex {
  words: BigUint64Array;
  at: BigUint64Array;
}

const WORDS_INDEXED = 1 << 22;
/** Passes before the index is made: it costs a few passes, and one search never pays it back. */
const PASSES_BEFORE_INDEX = 2;
const wordIndexes = new WeakMap<Target, WordIndex | null>();
const passes = new WeakMap<Target, number>();

function wordIndex(target: Target): WordIndex | null {
  const hit = wordIndexes.get(target);
  if (hit !== undefined) return hit;
  const p = (passes.get(target) ?? 0) + 1;
  passes.set(target, p);
  if (p <= PASSES_BEFORE_INDEX) return null;
  let n = 0;
  forEachWord(target, () => void n++);
  let r: WordIndex | null = null;
  if (n <= WORDS_INDEXED) {
    const w0 = new BigUint64Array(n);
    const a0 = new BigUint64Array(n);
    let i = 0;
    forEachWord(target, (w, at) => {
      w0[i] = w;
      a0[i++] = BigInt.asUintN(64, at);
    });
    const order = Array.from({ length: n }, (_, k) => k);
    order.sort((x, y) => (w0[x]! < w0[y]! ? -1 : w0[x]! > w0[y]! ? 1 : a0[x]! < a0[y]! ? -1 : a0[x]! > a0[y]! ? 1 : 0));
    const words = new BigUint64Array(n);
    const at = new BigUint64Array(n);
    for (let k = 0; k < n; k++) {
      words[k] = w0[order[k]!]!;
      at[k] = a0[order[k]!]!;
    }
    r = { words, at };
  }
  wordIndexes.set(target, r);
  return r;
}

/** The first index whose word is >= v. */
function lowerBound(words: BigUint64Array, v: bigint): number {
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (words[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What a search asks for: words equal to value, in [value, value + dist), or equal under a mask. */
export type KgrepQuery = { value: bigint; dist?: bigint; mask?: bigint };

/** Every address holding a matching word, lowest first, each once. */
export function kgrep(target: Target, q: KgrepQuery): bigint[] {
  const { value } = q;
  const out: bigint[] = [];
  const idx = q.mask === undefined ? wordIndex(target) : null;
  if (idx) {
    const hiValue = q.dist === undefined ? value + 1n : value + q.dist;
    for (let k = lowerBound(idx.words, value), end = lowerBound(idx.words, hiValue > MASK64 ? MASK64 : hiValue); k < end; k++) out.push(idx.at[k]!);
    // a range reaching 2^64 - 1 includes it (the bound above stops short of it)
    if (hiValue > MASK64) for (let k = lowerBound(idx.words, MASK64); k < idx.words.length; k++) out.push(idx.at[k]!);
  } else {
    const m = q.mask;
    const match: (w: bigint) => boolean =
      m !== undefined ? (w) => (w & m) === value : q.dist !== undefined ? (w) => w >= value && w - value < q.dist! : (w) => w === value;
    forEachWord(target, (w, at) => {
      if (match(w)) out.push(BigInt.asUintN(64, at));
    });
  }
  // a typed array sorts numerically, natively: a search can match most words of the dump
  const sorted = BigUint64Array.from(out).sort();
  // a word can be described twice (a struct row inside a buffer whose row records it too)
  const uniq: bigint[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) uniq.push(sorted[i]!);
  return uniq;
}

export default defineDcmd({
  name: 'kgrep',
  synopsis: '?[-d dist|-m mask|-M invmask] value',
  address: 'optional',
  summary: 'search kernel as for a pointer',
  help: `Searches kernel memory for pointer-sized, aligned words holding a
value, and prints the address of each, lowest first. With -d, any word
from value up to value + dist - 1 matches; with -m, words whose bits under
mask equal value; with -M, words whose bits outside invmask equal value.
The value may also be given as the address (value::kgrep).

OPTIONS
  -d dist     match words in [value, value + dist)
  -m mask     match (word & mask) == value
  -M invmask  match (word & ~invmask) == value

EXAMPLES
  > ::kgrep ffffff01c0a50850
  ...
`,
  options: {
    d: uint('dist', 'match words in [value, value + dist)'),
    m: uint('mask', 'match (word & mask) == value'),
    M: uint('invmask', 'match (word & ~invmask) == value'),
  },
  run(ctx, addr, opts, args) {
    if (args.length > 1) throw new UsageError();
    let value: bigint;
    if (args.length === 1) {
      const v = parseUint(args[0]!, ctx.radix);
      if (v === undefined) throw new UsageError();
      value = v;
    } else if (addr !== undefined) value = addr;
    else throw new UsageError();
    const set = [opts.d, opts.m, opts.M].filter((x) => x !== undefined).length;
    if (set > 1) throw new DcmdError('only one of -d, -m and -M may be specified');
    value = BigInt.asUintN(64, value);
    let q: KgrepQuery = { value };
    if (opts.d !== undefined) {
      const d = opts.d;
      if (d === 0n) throw new DcmdError('dist must be greater than 0');
      q = { value, dist: d };
    } else if (opts.m !== undefined) {
      const m = opts.m;
      if ((value & ~m & MASK64) !== 0n) throw new DcmdError(`value ${hex(value)} has bits outside mask ${hex(m)}`);
      q = { value, mask: m };
    } else if (opts.M !== undefined) {
      const m = ~opts.M & MASK64;
      if ((value & ~m & MASK64) !== 0n) throw new DcmdError(`value ${hex(value)} has bits in invmask ${hex(opts.M)}`);
      q = { value, mask: m };
    }
    const hits = kgrep(ctx.target, q);
    if (ctx.pipedInto) return { kind: 'addresses', addresses: hits };
    return text(hits.map((a) => hex(a) + '\n').join(''), { data: hits, addresses: hits });
  },
});
