/*
 * Memory synthesised from tables. The dump does not hold a memory image:
 * each kernel object is a row, and "memory at an address" is the object
 * whose [addr, addr + sizeof) contains it, with each modelled member encoded
 * little-endian at its offset and everything else zero (format.ts, Tables).
 * Buffer contents come from the `buffers` table: a fill pattern
 * (zero / 0xdeadbeef / 0xbaddcafe) overlaid with the pointer words the
 * client stored. Plain global variables come from `globals` (a value of 1,
 * 2, 4 or 8 bytes at the variable's address) and strings from `strings`.
 *
 * Where extents overlap the more specific one wins: a struct row over the
 * string or buffer it sits in, a string over a buffer.
 *
 * Bytes are built per object on demand and the last few objects are kept,
 * so `addr,100/K` costs one synthesis, not a hundred.
 */
import {
  FILL_BADDCAFE,
  FILL_DEADBEEF,
  NO_ROW,
  TABLE_BUFFERS,
  TABLE_FRAMES,
  TABLE_GLOBALS,
  TABLE_MSGBUF,
  TABLE_STRINGS,
  TABLE_STACKS,
  TABLE_SYMBOLS,
  TABLE_TXLOG,
  type Column,
  type DumpModel,
  type Table,
  type TypeDef,
} from '../../dump/format.js';
import { MemoryError } from '../errors.js';
import { AddressIndex, type ExtentSource } from './addr-index.js';
import { parseArray } from './ctype.js';
import type { TypeTable } from './types.js';

/** Tables that are not C structs (format.ts TABLE_*). */
export const NON_STRUCT = new Set([TABLE_SYMBOLS, TABLE_STACKS, TABLE_FRAMES, TABLE_BUFFERS, TABLE_TXLOG, TABLE_MSGBUF, TABLE_GLOBALS, TABLE_STRINGS]);

/** Where an address lives. */
export interface ObjectRef {
  /** the table: a C type name, or "buffers" for buffer contents */
  table: string;
  row: number;
  /** the object's start address and size */
  base: bigint;
  size: number;
}

interface MemberPlan {
  col: Column;
  offset: number;
  size: number;
  /** element size for list columns (array members) */
  elem: number;
}

interface StructSource {
  kind: 'struct';
  table: Table;
  def: TypeDef;
  plan: MemberPlan[];
}

interface BufferSource {
  kind: 'buffers';
  table: Table;
  sizes: Uint32Array;
}

/** `globals` (value of `size` bytes) or `strings` (text and its NUL). */
interface ValueSource {
  kind: 'globals' | 'strings';
  table: Table;
}

type Source = StructSource | BufferSource | ValueSource;

const CACHE_OBJECTS = 64;

export class ObjectMemory {
  readonly index: AddressIndex;
  private readonly sources: Source[] = [];
  private readonly cache = new Map<number, Uint8Array>();

  constructor(
    model: DumpModel,
    private readonly types: TypeTable,
    private readonly pointerSize: number,
  ) {
    const extents: ExtentSource[] = [];
    const buffers = model.tables.find((t) => t.name === TABLE_BUFFERS);
    if (buffers) {
      const src = bufferSource(model, buffers, pointerSize);
      const addr = buffers.columns['addr'];
      if (src && addr && addr.kind === 'u64') {
        this.sources.push(src);
        extents.push({ starts: addr.values as BigUint64Array, sizes: src.sizes });
      }
    }
    for (const name of [TABLE_STRINGS, TABLE_GLOBALS] as const) {
      const t = model.tables.find((x) => x.name === name);
      const addr = t?.columns['addr'];
      if (!t || !addr || addr.kind !== 'u64') continue;
      this.sources.push({ kind: name, table: t });
      extents.push({ starts: addr.values as BigUint64Array, sizes: valueSizes(t) });
    }
    for (const t of model.tables) {
      if (NON_STRUCT.has(t.name)) continue;
      const def = types.get(t.name);
      const addr = t.columns['addr'];
      if (!def || !addr || (addr.kind !== 'u64' && addr.kind !== 'i64')) continue;
      this.sources.push({ kind: 'struct', table: t, def, plan: planMembers(t, def, types, pointerSize) });
      extents.push({ starts: addr.values as BigUint64Array, sizes: constSizes(t.rowCount, def.size) });
    }
    this.index = new AddressIndex(extents);
  }

  /** The innermost object containing addr (struct rows win over the buffer they sit in). */
  objectAt(addr: bigint): ObjectRef | undefined {
    const e = this.index.find(addr);
    return e < 0 ? undefined : this.ref(e);
  }

  /** Every object containing addr, innermost first. */
  objectsAt(addr: bigint): ObjectRef[] {
    return [...this.index.containing(addr)].map((e) => this.ref(e));
  }

  /** n bytes at addr, possibly spanning adjacent objects; MemoryError if any byte is unmapped. */
  read(addr: bigint, n: number): Uint8Array {
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const cur = BigInt.asUintN(64, addr + BigInt(done));
      const e = this.index.find(cur);
      if (e < 0) throw new MemoryError(addr, n);
      const bytes = this.bytesOf(e);
      const off = Number(cur - this.index.start(e));
      const take = Math.min(n - done, bytes.length - off);
      out.set(bytes.subarray(off, off + take), done);
      done += take;
    }
    return out;
  }

  /** A NUL-terminated string at addr, at most max bytes (stops at unmapped memory after the first byte). */
  readString(addr: bigint, max: number): string {
    let s = '';
    let i = 0;
    while (i < max) {
      const cur = BigInt.asUintN(64, addr + BigInt(i));
      const e = this.index.find(cur);
      if (e < 0) {
        if (i === 0) throw new MemoryError(addr, 1);
        break;
      }
      const bytes = this.bytesOf(e);
      let off = Number(cur - this.index.start(e));
      while (off < bytes.length && i < max) {
        const b = bytes[off++]!;
        i++;
        if (b === 0) return s;
        s += String.fromCharCode(b);
      }
    }
    return s;
  }

  private ref(e: number): ObjectRef {
    const src = this.sources[this.index.source(e)]!;
    return { table: src.table.name, row: this.index.rowOf(e), base: this.index.start(e), size: this.index.sizeOf(e) };
  }

  private bytesOf(e: number): Uint8Array {
    let b = this.cache.get(e);
    if (b) return b;
    const src = this.sources[this.index.source(e)]!;
    const row = this.index.rowOf(e);
    const size = this.index.sizeOf(e);
    if (src.kind === 'struct') b = structBytes(src, row);
    else if (src.kind === 'buffers') b = bufferBytes(src, row, size, this.pointerSize);
    else b = valueBytes(src, row, size);
    if (this.cache.size >= CACHE_OBJECTS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(e, b);
    return b;
  }
}

/** Extent sizes of `globals` rows (their size column) and `strings` rows (text plus NUL). */
function valueSizes(t: Table): Uint32Array {
  const out = new Uint32Array(t.rowCount);
  const size = t.columns['size'];
  const txt = t.columns['text'];
  for (let i = 0; i < t.rowCount; i++) {
    if (txt?.kind === 'str') out[i] = txt.values[i]!.length + 1;
    else if (size && size.kind !== 'str' && size.kind !== 'list') out[i] = Number(size.values[i]!);
  }
  return out;
}

function valueBytes(src: ValueSource, row: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const c = src.table.columns[src.kind === 'strings' ? 'text' : 'value'];
  if (c?.kind === 'str') {
    const s = c.values[row]!;
    for (let i = 0; i < s.length && i < size; i++) out[i] = s.charCodeAt(i) & 0xff;
  } else if (c && c.kind !== 'list') writeScalar(out, new DataView(out.buffer), 0, size, c.values[row]!, false);
  return out;
}

function constSizes(n: number, size: number): Uint32Array {
  return new Uint32Array(n).fill(size);
}

/** Where each column of a struct table goes in the object's bytes. */
function planMembers(t: Table, def: TypeDef, types: TypeTable, pointerSize: number): MemberPlan[] {
  const plan: MemberPlan[] = [];
  for (const [name, col] of Object.entries(t.columns)) {
    if (name === 'addr') continue;
    let m;
    try {
      m = types.resolve(def, name);
    } catch {
      continue; // validate.ts rejects these; a lenient reader just skips them
    }
    const arr = parseArray(m.type);
    const elem = arr ? Math.max(1, Math.floor(m.size / arr.count)) : col.kind === 'list' ? pointerSize : m.size;
    plan.push({ col, offset: m.offset, size: m.size, elem });
  }
  return plan;
}

function structBytes(src: StructSource, row: number): Uint8Array {
  const out = new Uint8Array(src.def.size);
  const dv = new DataView(out.buffer);
  for (const p of src.plan) {
    const c = p.col;
    if (c.kind === 'str') {
      const s = c.values[row] ?? '';
      for (let i = 0; i < s.length && i < p.size; i++) out[p.offset + i] = s.charCodeAt(i) & 0xff;
    } else if (c.kind === 'list') {
      const from = c.offsets[row]!;
      const to = c.offsets[row + 1]!;
      for (let i = from, off = p.offset; i < to && off + p.elem <= p.offset + p.size; i++, off += p.elem) {
        writeScalar(out, dv, off, p.elem, c.values[i]!, c.of === 'f64');
      }
    } else {
      writeScalar(out, dv, p.offset, p.size, c.values[row]!, c.kind === 'f64');
    }
  }
  return out;
}

/** Stores v little-endian in `size` bytes (truncating or zero-extending). */
export function writeScalar(out: Uint8Array, dv: DataView, off: number, size: number, v: number | bigint, float: boolean): void {
  if (off < 0 || off + size > out.length) return;
  if (float && typeof v === 'number') {
    if (size === 8) dv.setFloat64(off, v, true);
    else if (size === 4) dv.setFloat32(off, v, true);
    return;
  }
  if (typeof v === 'number' && v >= 0 && v < 4294967296 && Number.isInteger(v)) {
    for (let i = 0; i < size && i < 4; i++) out[off + i] = (v >>> (8 * i)) & 0xff;
    return;
  }
  const b = BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(Math.trunc(v)));
  for (let i = 0; i < size && i < 8; i++) out[off + i] = Number((b >> BigInt(8 * i)) & 0xffn);
}

/**
 * Buffer sizes: the owning cache's cache_bufsize when kmem_cache_t models it,
 * otherwise just enough to hold the recorded pointer words.
 */
function bufferSource(model: DumpModel, t: Table, pointerSize: number): BufferSource | undefined {
  const cacheRow = t.columns['cache_row'];
  const caches = model.tables.find((x) => x.name === 'kmem_cache_t');
  const bufsize = caches?.columns['cache_bufsize'];
  const offs = t.columns['ptr_offs'];
  const sizes = new Uint32Array(t.rowCount);
  // per-cache buffer sizes, converted from bigint once rather than per buffer
  const perCache = new Float64Array(caches?.rowCount ?? 0);
  if (bufsize && bufsize.kind !== 'str' && bufsize.kind !== 'list') for (let r = 0; r < perCache.length; r++) perCache[r] = Number(bufsize.values[r]!);
  const rows = cacheRow && cacheRow.kind !== 'str' && cacheRow.kind !== 'list' ? cacheRow.values : undefined;
  for (let i = 0; i < t.rowCount; i++) {
    const r = rows ? Number(rows[i]!) : NO_ROW;
    let sz = r < perCache.length ? perCache[r]! : 0;
    if (sz <= 0) {
      sz = pointerSize;
      if (offs && offs.kind === 'list') {
        for (let j = offs.offsets[i]!; j < offs.offsets[i + 1]!; j++) sz = Math.max(sz, Number(offs.values[j]!) + pointerSize);
      }
    }
    sizes[i] = sz;
  }
  return { kind: 'buffers', table: t, sizes };
}

const PATTERN: Record<number, number[]> = {
  [FILL_DEADBEEF]: [0xef, 0xbe, 0xad, 0xde],
  [FILL_BADDCAFE]: [0xfe, 0xca, 0xdd, 0xba],
};

function bufferBytes(src: BufferSource, row: number, size: number, pointerSize: number): Uint8Array {
  const t = src.table;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  const fill = t.columns['fill'];
  const pat = fill && fill.kind !== 'str' && fill.kind !== 'list' ? PATTERN[Number(fill.values[row]!)] : undefined;
  if (pat) for (let i = 0; i < size; i++) out[i] = pat[i & 3]!;
  const offs = t.columns['ptr_offs'];
  const vals = t.columns['ptr_vals'];
  if (offs?.kind === 'list' && vals?.kind === 'list') {
    const from = offs.offsets[row]!;
    const to = offs.offsets[row + 1]!;
    const vfrom = vals.offsets[row]!;
    for (let i = from; i < to; i++) {
      const v = vals.values[vfrom + (i - from)];
      if (v !== undefined) writeScalar(out, dv, Number(offs.values[i]!), pointerSize, v, false);
    }
  }
  return out;
}
