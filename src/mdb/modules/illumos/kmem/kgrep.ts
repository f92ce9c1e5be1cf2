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

/** Every address holding a word w with match(w). */
export function kgrep(target: Target, match: (w: bigint) => boolean): bigint[] {
  const out: bigint[] = [];
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
          if (match(w)) out.push(addrs[r]! + BigInt(offs.values[k]!));
        }
      }
      continue;
    }
    if (t.name === TABLE_GLOBALS) {
      const size = t.columns['size'];
      const vals = u64s(t, 'value');
      if (!vals || !size || size.kind === 'str' || size.kind === 'list') continue;
      for (let r = 0; r < t.rowCount; r++) if (Number(size.values[r]!) === ps && match(BigInt.asUintN(64, vals[r]!))) out.push(BigInt.asUintN(64, addrs[r]!));
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
        for (let r = 0; r < t.rowCount; r++) if (match(BigInt.asUintN(64, v[r]!))) out.push(addrs[r]! + BigInt(m.offset));
      } else if (c.kind === 'list' && (c.of === 'u64' || c.of === 'i64') && parseArray(m.type) && m.offset % ps === 0) {
        const v = c.values as BigUint64Array;
        const max = Math.floor(m.size / ps);
        for (let r = 0; r < t.rowCount; r++)
          for (let k = c.offsets[r]!, i = 0; k < c.offsets[r + 1]! && i < max; k++, i++) if (match(BigInt.asUintN(64, v[k]!))) out.push(addrs[r]! + BigInt(m.offset + i * ps));
      }
    }
  }
  out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // a word can be described twice (a struct row inside a buffer whose row records it too)
  return out.filter((a, i) => i === 0 || a !== out[i - 1]);
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
    let match: (w: bigint) => boolean = (w) => w === value;
    if (opts.d !== undefined) {
      const d = opts.d;
      if (d === 0n) throw new DcmdError('dist must be greater than 0');
      match = (w) => w >= value && w - value < d;
    } else if (opts.m !== undefined) {
      const m = opts.m;
      if ((value & ~m & MASK64) !== 0n) throw new DcmdError(`value ${hex(value)} has bits outside mask ${hex(m)}`);
      match = (w) => (w & m) === value;
    } else if (opts.M !== undefined) {
      const m = ~opts.M & MASK64;
      if ((value & ~m & MASK64) !== 0n) throw new DcmdError(`value ${hex(value)} has bits in invmask ${hex(opts.M)}`);
      match = (w) => (w & m) === value;
    }
    const hits = kgrep(ctx.target, match);
    if (ctx.pipedInto) return { kind: 'addresses', addresses: hits };
    return text(hits.map((a) => hex(a) + '\n').join(''), { data: hits, addresses: hits });
  },
});
