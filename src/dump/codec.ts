/*
 * The dump file, byte by byte (format version 3). All integers are
 * little-endian; u64 fields hold byte counts and must stay below 2^53.
 *
 *   Fixed prefix (24 bytes)
 *     0    8   magic "MDDBDUMP" (ASCII)
 *     8    4   u32 format version (DUMP_VERSION, 3; versions 1 and 2 are read too)
 *     12   4   u32 CRC-32 (IEEE, zlib.crc32) of bytes [24, fileLength)
 *     16   8   u64 fileLength, the size of the whole file in bytes
 *
 *   Everything from here on is covered by the CRC.
 *
 *   Directory
 *     24   4   u32 N, the number of sections (at least 3)
 *     28   4   u32 D, the directory's length in bytes
 *     32   D   N entries, back to back, each 28 + L bytes:
 *                +0   u64 offset of the section's stored bytes (a multiple of 8)
 *                +8   u64 stored length in the file
 *                +16  u64 raw length once decompressed
 *                +24  u8  codec: 0 stored as is, 1 deflate (raw RFC 1951 stream),
 *                         2 (version 2) deflate segment: a raw deflate stream
 *                         ending in a sync flush (an empty stored block)
 *                         instead of a final block; the chunks of a column
 *                         are segments, so they inflate alone and, put end
 *                         to end, as one stream
 *                +25  u8  reserved, 0
 *                +26  u16 L, the length of the name
 *                +28  L   the section's name, UTF-8, used only in messages
 *                         ("header", "buffers.addr", "buffers.ptr_offs#offsets")
 *
 *   Sections, in directory order, each starting at the next multiple of 8
 *   after the previous one (after 32 + D for the first), zero padding between;
 *   the file ends where the last section ends.
 *     0   "header"  DumpHeader as JSON, UTF-8
 *     1   "types"   TypeDef[] as JSON, UTF-8
 *     2   "tables"  the catalog, JSON, UTF-8: one entry per table in model order,
 *                   { name, rowCount, columns: [...] }, a column being one of
 *                     { name, kind: <scalar kind>, values: s }
 *                     { name, kind: "str", values: s, pool: p }
 *                     { name, kind: "list", of: <scalar kind>, offsets: o, values: s }
 *                   where s, p, o are section numbers (3 or more)
 *                   A table of more than CHUNK_ROWS (65,536) rows is chunked
 *                   (version 2): its entry has chunkRows (C, at least 1,024),
 *                   and each scalar column and each str column's indices are
 *                   stored in chunks of C rows (the last one shorter), one
 *                   section per chunk: values is then [s0, s1, ...], one per
 *                   chunk, ceil(rowCount / C) of them. A chunked integer
 *                   column also has min: [...] and max: [...], the lowest
 *                   and highest value of each chunk's rows (JSON numbers, or
 *                   decimal strings for u64/i64), so a search for a value
 *                   (an address, a cache_row) skips the chunks that cannot
 *                   hold it without inflating them. List columns and string
 *                   pools are not chunked. Version 1 has no chunkRows and
 *                   every values is one section number.
 *                   (version 3) A chunked table with a u64 addr column whose
 *                   rows are memory (a struct table, buffers, strings,
 *                   globals, text) and are not in address order also has
 *                   order: s, a section named "<table>#order" of rowCount
 *                   u32: the row numbers in ascending address order, ties in
 *                   row order (addr-order.ts), each stored as its difference
 *                   from the one before (modulo 2^32; the first from 0).
 *                   Version 2 has no order.
 *     3.. column data, raw bytes before compression:
 *         scalar   rowCount elements of the kind (u8 1 byte ... u64/i64/f64 8 bytes);
 *                  a chunk: its rows' elements. Chunk sections are named
 *                  "<table>.<column>@<k>" ("kmem_bufctl_audit_t.addr@3").
 *         str      values: rowCount u32 pool indices; pool: see pool.ts
 *         list     offsets: rowCount + 1 u32; values: offsets[rowCount] elements.
 *                  Two list columns of one table with equal offsets share one
 *                  offsets section (a buffer's ptr_offs and ptr_vals).
 *
 * Compression is per section, deflate level 1. On the million-buffer heap of
 * tools/bench-dump.ts (125 MB of columns) level 1 encodes in ~0.45 s to
 * 22.5 MB; level 6 takes ~3.3 s for 20.6 MB, and storing everything makes a
 * 121 MB file. Decoding level 1 costs ~0.2 s. A section deflate does not
 * shrink by a tenth is stored; the reader then views the file's bytes directly.
 *
 * Chunks cost a little: on the million-buffer dump 2,300 more sections,
 * 0.2% more bytes, and reading a column whole copies its chunks into one
 * array. What they buy: reading a row inflates 64 Ki rows of each column it
 * reads (512 KiB of u64, ~3 ms), not the column (22 MB, ~110 ms).
 *
 * Reading makes typed-array views, not copies, on the decompressed (or stored)
 * bytes whenever their address is aligned for the element size; section
 * starts are multiples of 8 in the file so stored sections align too.
 */
import type { Column, DumpModel, ScalarArray, ScalarKind, Table } from './format.js';
import { addressOrder, addressOrderOf, isMemoryTable, orderDeltas, orderFromDeltasChecked, registerAddressOrder, wordsOf } from './addr-order.js';
import { registerChunks, type ColumnChunks } from './chunks.js';
import { DumpError, toDumpError } from './errors.js';
import { HOST_IS_LITTLE_ENDIAN, SCALAR_KINDS, bytesOf, isScalarKind, viewOf } from './kinds.js';
import { emptyNameTable } from './names.js';
import { decodePool, encodePool } from './pool.js';
import { Sections, assemble, checkPrefix, readDirectory } from './sections.js';
import {
  MAX_ROWS,
  checkOffsets,
  isValidName,
  q,
  typeIndex,
  validateColumnReferences,
  validateHeader,
  validateModel,
  validateReferenceKind,
  validateSchema,
  validateTypes,
} from './validate.js';

export interface EncodeOptions {
  /** zlib level, 0 (store everything) to 9; default 1 */
  level?: number;
  /**
   * Rows per chunk of the tables that have more rows than this (default
   * CHUNK_ROWS; at least MIN_CHUNK_ROWS). Smaller chunks put the chunked
   * layout into small dumps (the fuzz's mutations reach it that way).
   */
  chunkRows?: number;
}

function fail(reason: string): never {
  throw new DumpError(reason);
}

function checkHost(): void {
  if (!HOST_IS_LITTLE_ENDIAN) fail('this host is big-endian; mddb reads and writes dumps only on little-endian hosts');
}

// ---- writing ---------------------------------------------------------------

/** The dump file's bytes for `model`, after checking every invariant validate.ts knows. */
export function encodeDump(model: DumpModel, opts: EncodeOptions = {}): Buffer {
  try {
    checkHost();
    validateModel(model);
    const level = opts.level ?? 1;
    if (!Number.isInteger(level) || level < 0 || level > 9) fail(`compression level ${level} is not 0 to 9`);
    const chunkRows = opts.chunkRows ?? CHUNK_ROWS;
    if (!Number.isSafeInteger(chunkRows) || chunkRows < MIN_CHUNK_ROWS || chunkRows > MAX_ROWS) fail(`chunk size ${chunkRows} is not ${MIN_CHUNK_ROWS} to ${MAX_ROWS} rows`);
    return encodeValid(model, level, chunkRows);
  } catch (e) {
    throw toDumpError(e, undefined, 'encode');
  }
}

function encodeValid(model: DumpModel, level: number, chunkRows: number): Buffer {
  const sections: Array<{ name: string; raw: Uint8Array; segment?: boolean }> = [];
  const add = (name: string, raw: Uint8Array, segment = false): number => sections.push({ name, raw, segment }) - 1;
  add('header', Buffer.from(JSON.stringify(model.header), 'utf8'));
  add('types', Buffer.from(JSON.stringify(model.types), 'utf8'));
  add('tables', new Uint8Array(0)); // the catalog, filled in once section numbers are known
  const catalog = model.tables.map((t) => catalogEntry(t, add, chunkRows));
  sections[2]!.raw = Buffer.from(JSON.stringify(catalog), 'utf8');
  return assemble(sections, level);
}

/**
 * Rows per chunk of a big table's scalar and string-index columns. A read of
 * a few rows inflates 64 Ki rows of the column (512 KiB of u64), not the
 * whole column (22 MB for the audit bufctls of a million-buffer heap).
 */
export const CHUNK_ROWS = 65536;

/** The lowest and highest value of an integer chunk, as the catalog stores them (decimal strings for 64-bit kinds). */
function boundsOf(kind: ScalarKind, v: ScalarArray): [number | string, number | string] | undefined {
  if (v.length === 0 || kind === 'f64') return undefined;
  if (kind === 'u64') {
    // compared as 32-bit halves: no BigInt per row
    const w = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
    let minH = w[1]!, minL = w[0]!, maxH = minH, maxL = minL;
    for (let i = 1, n = v.length; i < n; i++) {
      const h = w[2 * i + 1]!;
      const l = w[2 * i]!;
      if (h < minH || (h === minH && l < minL)) (minH = h), (minL = l);
      if (h > maxH || (h === maxH && l > maxL)) (maxH = h), (maxL = l);
    }
    const big = (h: number, l: number): string => ((BigInt(h) << 32n) | BigInt(l)).toString();
    return [big(minH, minL), big(maxH, maxL)];
  }
  if (kind === 'i64') {
    let lo = v[0] as bigint, hi = lo;
    for (const x of v as BigInt64Array) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return [lo.toString(), hi.toString()];
  }
  let lo = v[0] as number, hi = lo;
  for (let i = 1, n = v.length; i < n; i++) {
    const x = v[i] as number;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

/**
 * The columns whose chunks get bounds in the catalog: those a search by
 * value reads (an object's address, a row reference such as a buffer's
 * cache_row). Other columns are read by row, where bounds would only cost
 * a check of every value.
 */
const searched = (name: string): boolean => name === 'addr' || name.endsWith('_row');

/** One table's catalog entry; adds its column sections through `add`. */
function catalogEntry(t: Table, add: (name: string, raw: Uint8Array, segment?: boolean) => number, chunkRows: number): object {
  const shared: Array<{ offsets: Uint32Array; section: number }> = [];
  const chunked = t.rowCount > chunkRows;
  const starts: number[] = [];
  for (let r = 0; r < t.rowCount; r += chunkRows) starts.push(r);
  /** a scalar array as its chunks' sections, with bounds when `bounds` */
  const chunks = (base: string, kind: ScalarKind, v: ScalarArray, bounds: boolean): { values: number[]; min?: Array<number | string>; max?: Array<number | string> } => {
    const values: number[] = [];
    const min: Array<number | string> = [];
    const max: Array<number | string> = [];
    starts.forEach((r, k) => {
      const part = v.subarray(r, Math.min(r + chunkRows, t.rowCount));
      // a chunk is a deflate segment: a column's chunks inflate as one stream too
      values.push(add(`${base}@${k}`, bytesOf(part), true));
      const b = bounds ? boundsOf(kind, part) : undefined;
      if (b) {
        min.push(b[0]);
        max.push(b[1]);
      }
    });
    return bounds && min.length === values.length ? { values, min, max } : { values };
  };
  const columns = Object.entries(t.columns).map(([name, c]) => {
    const base = `${t.name}.${name}`;
    if (c.kind === 'str') {
      const { indices, pool } = encodePool(c.values, `table ${q(t.name)} column ${q(name)}`);
      const values = chunked ? chunks(base, 'u32', indices, false).values : add(base, bytesOf(indices));
      return { name, kind: 'str', values, pool: add(`${base}#pool`, pool) };
    }
    if (c.kind === 'list') {
      const ob = Buffer.from(c.offsets.buffer, c.offsets.byteOffset, c.offsets.byteLength);
      let offsets = shared.find(
        (s) => s.offsets === c.offsets || ob.equals(Buffer.from(s.offsets.buffer, s.offsets.byteOffset, s.offsets.byteLength)),
      )?.section;
      if (offsets === undefined) {
        offsets = add(`${base}#offsets`, ob);
        shared.push({ offsets: c.offsets, section: offsets });
      }
      return { name, kind: 'list', of: c.of, offsets, values: add(base, bytesOf(c.values)) };
    }
    if (chunked) return { name, kind: c.kind, ...chunks(base, c.kind, c.values, searched(name)) };
    return { name, kind: c.kind, values: add(base, bytesOf(c.values)) };
  });
  if (!chunked) return { name: t.name, rowCount: t.rowCount, columns };
  // (version 3) a big table's rows in address order, so that no reader sorts them (addr-order.ts)
  const addr = Object.prototype.hasOwnProperty.call(t.columns, 'addr') ? t.columns['addr'] : undefined;
  const order = addr?.kind === 'u64' && isMemoryTable(t.name) ? addressOrder(addr.values as BigUint64Array) : undefined;
  return order
    ? { name: t.name, rowCount: t.rowCount, chunkRows, columns, order: add(`${t.name}#order`, bytesOf(orderDeltas(order))) }
    : { name: t.name, rowCount: t.rowCount, chunkRows, columns };
}

// ---- reading ---------------------------------------------------------------
//
// Opening a dump checks, before returning, everything that does not need the
// values of a big table: the prefix and the CRC over the whole file, the
// section directory, the header, the types, the catalog (table and column
// names, row counts, kinds, section numbers and their lengths, the schema
// against format.ts and the types, which sections are used), and every column
// of the small tables. A big table's column is decompressed and checked (list
// offsets, string indices, row references, which need only the other tables'
// row counts) the first time it is read, and kept. So a command that reads
// the header and a few small tables pays for those alone, and a damaged
// column still fails with the same one-line DumpError, thrown by the read
// that reaches it; { eager: true } (validateAll) reads every column now.
// A chunked column (format 2) is checked a chunk at a time as row reads
// reach its chunks (dump/chunks.ts): its references, and its values against
// the chunk's bounds in the catalog. A bound that lies about a chunk no read
// reaches can make a search skip that chunk; an eager open, which reads
// every chunk, finds it.

export interface DecodeOptions {
  /**
   * Decompress and check every column before returning (validateAll), as a
   * tool that wants every problem up front does. Default: small tables now,
   * each column of a big one on its first read.
   */
  eager?: boolean;
  /**
   * Tables whose columns hold at most this many bytes, decompressed, are
   * decoded and checked before returning (default EAGER_TABLE_BYTES; 0 leaves
   * every table lazy).
   */
  eagerTableBytes?: number;
}

/**
 * Small tables cost next to nothing to decode (the globals, the caches, the
 * threads, the log of a million-buffer dump take ~5 ms together), and the
 * debugger reads several of them as a session starts: they are checked up
 * front, so a damaged one fails the open as before. Only the big tables
 * (buffers, bufctls, slabs, segments) wait for their first read.
 */
export const EAGER_TABLE_BYTES = 1 << 20;

/** Models whose columns decode on first read (validateAll forces them). */
const LAZY = new WeakSet<DumpModel>();

/**
 * The model in a dump file's bytes, checked as described above. `source`
 * names the file in error messages. Typed arrays in the result may be views
 * on `bytes`: do not modify `bytes` afterwards. Every problem is a DumpError,
 * from here or (lazy columns) from the first read of the damaged column.
 */
export function decodeDump(bytes: Uint8Array, source?: string, opts: DecodeOptions = {}): DumpModel {
  let model: DumpModel;
  try {
    checkHost();
    model = decode(bytes, source, opts.eagerTableBytes ?? EAGER_TABLE_BYTES);
  } catch (e) {
    throw toDumpError(e, source, 'open');
  }
  if (opts.eager) validateAll(model);
  return model;
}

/**
 * Every column of `model` decoded and checked: for a model decodeDump
 * returned, this reads each lazy column (its first DumpError is thrown);
 * for a model built in memory it is validateModel.
 */
export function validateAll(model: DumpModel): void {
  if (!LAZY.has(model)) {
    validateModel(model);
    return;
  }
  for (const t of model.tables) {
    for (const name of Object.keys(t.columns)) void t.columns[name];
    addressOrderOf(t);
  }
}

/** A column as the catalog describes it: its kind and its section numbers. */
interface ColumnEntry {
  name: string;
  kind: ScalarKind | 'str' | 'list';
  of: ScalarKind | undefined;
  /** the values' sections: one, or one per chunk of rows (scalar and str columns of a chunked table) */
  values: number[];
  /** each chunk's lowest and highest value, when the catalog gives them (integer kinds) */
  min: bigint[] | undefined;
  max: bigint[] | undefined;
  pool: number | undefined;
  offsets: number | undefined;
}

interface TableEntry {
  name: string;
  rowCount: number;
  /** rows per chunk; rowCount (one chunk) when the table is not chunked */
  chunkRows: number;
  columns: ColumnEntry[];
  /** (version 3) the section of the rows' address order, if stored */
  order: number | undefined;
}

/** Every section a column uses. */
const sectionsOf = (c: ColumnEntry): number[] => [...c.values, ...(c.pool === undefined ? [] : [c.pool]), ...(c.offsets === undefined ? [] : [c.offsets])];

function decode(b: Uint8Array, source: string | undefined, eagerTableBytes: number): DumpModel {
  const version = checkPrefix(b);
  const secs = new Sections(b, readDirectory(b, version));
  const header = secs.json(0);
  validateHeader(header);
  const types = secs.json(1);
  validateTypes(types);
  const catalog = secs.json(2);
  if (!Array.isArray(catalog)) fail("section 'tables' is not a list of tables");
  const entries = catalog.map((t: unknown) => catalogTable(t, secs, version));
  const used = new Uint8Array(secs.entries.length);
  used.fill(1, 0, 3);
  for (const t of entries) {
    for (const c of t.columns) for (const s of sectionsOf(c)) used[s] = 1;
    if (t.order !== undefined) used[t.order] = 1;
  }
  const unused = used.indexOf(0);
  if (unused >= 0) fail(`section ${q(secs.name(unused))} is not used by any table`);
  const rows = new Map<string, number>();
  for (const t of entries) {
    if (rows.has(t.name)) fail(`table ${q(t.name)} appears twice`);
    rows.set(t.name, t.rowCount);
  }
  const byType = typeIndex(types);
  for (const t of entries) {
    const kinds = t.columns.map((c) => [c.name, c.kind === 'list' ? { list: c.of! } : c.kind] as const);
    validateSchema(t.name, kinds, byType);
    for (const [name, kind] of kinds) validateReferenceKind(t.name, name, kind);
  }
  const tables = entries.map((t) => lazyColumns(t, secs, rows, source));
  entries.forEach((t, i) => {
    if (eagerTableBytes > 0 && rawBytes(t, secs) <= eagerTableBytes) for (const c of t.columns) void tables[i]!.columns[c.name];
  });
  const model: DumpModel = { header, types, tables };
  LAZY.add(model);
  return model;
}

/** A table's decompressed size: every section its columns use, a shared one once. */
function rawBytes(t: TableEntry, secs: Sections): number {
  const seen = new Set<number>();
  for (const c of t.columns) for (const s of sectionsOf(c)) seen.add(s);
  let n = 0;
  for (const s of seen) n += secs.entries[s]!.raw;
  return n;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One catalog entry, checked against the directory (section numbers and lengths) without reading data. */
function catalogTable(t: unknown, secs: Sections, version: number): TableEntry {
  if (!isObject(t) || !isValidName(t.name)) fail("section 'tables' has an entry without a valid table name");
  const where = `table ${q(t.name)}`;
  const n = t.rowCount;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > MAX_ROWS) fail(`${where} has a bad row count`);
  // chunks of rows are version 2's; a table without them is one chunk
  let chunkRows = Math.max(1, n);
  if (t.chunkRows !== undefined) {
    const c = t.chunkRows;
    if (version < 2) fail(`${where} has chunks of rows, which format version ${version} does not have`);
    if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < MIN_CHUNK_ROWS || c > MAX_ROWS) fail(`${where} has a bad chunk size`);
    chunkRows = c;
  }
  if (!Array.isArray(t.columns)) fail(`${where} has no column list`);
  const columns: ColumnEntry[] = [];
  const seen = new Set<string>();
  for (const c of t.columns as unknown[]) {
    if (!isObject(c) || !isValidName(c.name)) fail(`${where} has a column without a valid name`);
    if (seen.has(c.name)) fail(`${where} column ${q(c.name)} appears twice`);
    seen.add(c.name);
    columns.push(catalogColumn(c, c.name, n, chunkRows, `${where} column ${q(c.name)}`, secs));
  }
  // a row count no column backs would size the debugger's per-row arrays from nothing
  if (n > 0 && columns.length === 0) fail(`${where} has ${n} rows and no columns`);
  let order: number | undefined;
  if (t.order !== undefined) {
    if (version < 3) fail(`${where} has an address order, which format version ${version} does not have`);
    if (columns.find((c) => c.name === 'addr')?.kind !== 'u64') fail(`${where} has an address order but no u64 addr column`);
    order = section(secs, t.order, `${where} address order`, n * 4);
  }
  return { name: t.name, rowCount: n, chunkRows, columns, order };
}

/**
 * The smallest chunk a reader accepts: with fewer rows per chunk the
 * directory would hold more entries than rows are worth (and a damaged
 * catalog could ask for a section per row).
 */
export const MIN_CHUNK_ROWS = 1024;

/** Section number `v` of a catalog entry; checks its raw length when `size` is given. */
function section(secs: Sections, v: unknown, what: string, size?: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 3 || v >= secs.entries.length)
    fail(`${what} names no data section (${String(v)})`);
  const raw = secs.entries[v]!.raw;
  if (size !== undefined && raw !== size) fail(`${what} (section ${q(secs.name(v))}) is ${raw} bytes, expected ${size}`);
  return v;
}

/**
 * The sections of a scalar array of n rows of `size` bytes: one section
 * number, or (a chunked table) an array of one per chunk of chunkRows rows,
 * each checked for the bytes its rows need.
 */
function chunkSections(secs: Sections, v: unknown, where: string, n: number, chunkRows: number, size: number): number[] {
  if (!Array.isArray(v)) return [section(secs, v, where, n * size)];
  if (n === 0) return [section(secs, v.length === 1 ? v[0] : v, where, 0)];
  if (chunkRows >= n && n > 0 && v.length === 1) return [section(secs, v[0], where, n * size)];
  const count = Math.ceil(n / chunkRows);
  if (v.length !== count) fail(`${where} has ${v.length} chunks, ${n} rows in chunks of ${chunkRows} need ${count}`);
  return v.map((s, k) => section(secs, s, `${where} chunk ${k}`, (Math.min(n, (k + 1) * chunkRows) - k * chunkRows) * size));
}

/** Chunk bounds of an integer column: both lists or neither, one per chunk, each min <= max and inside the kind's range. */
function chunkBounds(c: Record<string, unknown>, kind: ScalarKind, count: number, where: string): [bigint[], bigint[]] | [undefined, undefined] {
  if (c.min === undefined && c.max === undefined) return [undefined, undefined];
  if (kind === 'f64' || !Array.isArray(c.min) || !Array.isArray(c.max) || c.min.length !== count || c.max.length !== count)
    fail(`${where} has bad chunk bounds`);
  const { size } = SCALAR_KINDS[kind];
  const signed = kind === 'i32' || kind === 'i64';
  const lo = signed ? -(1n << BigInt(size * 8 - 1)) : 0n;
  const hi = signed ? (1n << BigInt(size * 8 - 1)) - 1n : (1n << BigInt(size * 8)) - 1n;
  const parse = (v: unknown): bigint => {
    let b: bigint | undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
    else if (typeof v === 'string' && /^-?[0-9]{1,20}$/.test(v)) b = BigInt(v);
    if (b === undefined || b < lo || b > hi) fail(`${where} has bad chunk bounds`);
    return b;
  };
  const min = c.min.map(parse);
  const max = c.max.map(parse);
  for (let k = 0; k < count; k++) if (min[k]! > max[k]!) fail(`${where} chunk ${k} has bounds ${min[k]} > ${max[k]}`);
  return [min, max];
}

function catalogColumn(c: Record<string, unknown>, name: string, n: number, chunkRows: number, where: string, secs: Sections): ColumnEntry {
  const kind = c.kind;
  if (isScalarKind(kind)) {
    const values = chunkSections(secs, c.values, where, n, chunkRows, SCALAR_KINDS[kind].size);
    const [min, max] = chunkBounds(c, kind, values.length, where);
    return { name, kind, of: undefined, values, min, max, pool: undefined, offsets: undefined };
  }
  if (kind === 'str') {
    const values = chunkSections(secs, c.values, where, n, chunkRows, 4);
    return { name, kind, of: undefined, values, min: undefined, max: undefined, pool: section(secs, c.pool, `${where} pool`), offsets: undefined };
  }
  if (kind === 'list') {
    const of = c.of;
    if (!isScalarKind(of)) fail(`${where} has a bad element kind`);
    const offsets = section(secs, c.offsets, `${where} offsets`, (n + 1) * 4);
    const values = section(secs, c.values, where);
    const raw = secs.entries[values]!.raw;
    if (raw % SCALAR_KINDS[of].size !== 0) fail(`${where} values are ${raw} bytes, not a whole number of ${of}`);
    return { name, kind, of, values: [values], min: undefined, max: undefined, pool: undefined, offsets };
  }
  fail(`${where} has a bad kind ${kind === undefined ? '(none)' : JSON.stringify(kind)}`);
}

/**
 * The columns of one table as properties that decode on first read: the
 * getter decompresses, checks, and replaces itself with the column (a plain
 * data property from then on). A damaged column throws the same DumpError on
 * every read.
 */
function lazyColumns(t: TableEntry, secs: Sections, rows: ReadonlyMap<string, number>, source: string | undefined): Table {
  // null prototype: a column is looked up by name, and a name is data from the file
  const cols = emptyNameTable<Column>();
  const settle = (name: string, value: Column): void => {
    Object.defineProperty(cols, name, { value, enumerable: true, writable: true, configurable: true });
  };
  const table = { name: t.name, rowCount: t.rowCount, columns: cols };
  if (t.order !== undefined) registerAddressOrder(table, storedOrder(table, t.order, secs, source));
  for (const c of t.columns) {
    let failure: DumpError | undefined;
    const chunks = c.kind !== 'str' && c.kind !== 'list' && c.values.length > 1 ? new Chunks(t, c, secs, rows, source) : undefined;
    if (chunks) registerChunks(table, c.name, chunks);
    Object.defineProperty(cols, c.name, {
      enumerable: true,
      configurable: true,
      get(): Column {
        if (failure) throw failure;
        let col: Column;
        try {
          col = chunks ? chunks.readWhole() : decodeColumn(t, c, secs, rows);
        } catch (e) {
          failure = toDumpError(e, source, 'open');
          throw failure;
        }
        settle(c.name, col);
        return col;
      },
      set(value: Column) {
        settle(c.name, value);
      },
    });
  }
  return table;
}

/**
 * The reader of a table's stored address order: inflated and checked
 * against the table's addr column (read whole) on the first call, kept;
 * a damaged one throws the same DumpError on every call.
 */
function storedOrder(table: Table, s: number, secs: Sections, source: string | undefined): () => Uint32Array {
  let order: Uint32Array | undefined;
  let failure: DumpError | undefined;
  return () => {
    if (order) return order;
    if (failure) throw failure;
    try {
      // summed and checked in one pass, in the inflated deltas themselves (dropped from the
      // section cache, they are this reader's alone), or into a copy when the section is the file's own bytes
      const w = wordsOf(table.columns['addr']!.values as BigUint64Array);
      const d = viewOf('u32', secs.bytes(s), table.rowCount) as Uint32Array;
      const owned = secs.owned(s);
      secs.drop(s);
      const v = orderFromDeltasChecked(d, w, `table ${q(table.name)} address order`, owned);
      order = v;
    } catch (e) {
      failure = toDumpError(e, source, 'open');
      throw failure;
    }
    return order;
  };
}

/**
 * A chunked scalar column (ColumnChunks): each chunk is inflated and checked
 * on its first read and kept; reading the column whole copies the chunks
 * into one array and drops them, and from then on a chunk is a view on it.
 */
class Chunks implements ColumnChunks {
  readonly kind: ScalarKind;
  readonly rowCount: number;
  readonly chunkRows: number;
  readonly count: number;
  private readonly parts: Array<ScalarArray | undefined> = [];
  private all: ScalarArray | undefined;
  private readonly views: Array<ScalarArray | undefined> = [];
  private failure: DumpError | undefined;
  private readonly where: string;

  constructor(
    private readonly t: TableEntry,
    private readonly c: ColumnEntry,
    private readonly secs: Sections,
    private readonly rows: ReadonlyMap<string, number>,
    private readonly source: string | undefined,
  ) {
    this.kind = c.kind as ScalarKind;
    this.rowCount = t.rowCount;
    this.chunkRows = t.chunkRows;
    this.count = c.values.length;
    this.where = `table ${q(t.name)} column ${q(c.name)}`;
  }

  get whole(): boolean {
    return this.all !== undefined;
  }

  private rowsIn(k: number): number {
    return Math.min(this.rowCount, (k + 1) * this.chunkRows) - k * this.chunkRows;
  }

  chunk(k: number): ScalarArray {
    if (this.all) {
      // views on the whole column, made once: a cell read must not allocate
      const hit = this.views[k];
      if (hit) return hit;
      if (!(k >= 0 && k < this.count && Number.isInteger(k))) throw new DumpError(`${this.where} has no chunk ${k}`, this.source, 'read');
      return (this.views[k] = this.all.subarray(k * this.chunkRows, k * this.chunkRows + this.rowsIn(k)));
    }
    const hit = this.parts[k];
    if (hit) return hit;
    if (!(k >= 0 && k < this.count && Number.isInteger(k))) throw new DumpError(`${this.where} has no chunk ${k}`, this.source, 'read');
    if (this.failure) throw this.failure;
    try {
      const v = this.decodeChunk(k);
      this.parts[k] = v;
      return v;
    } catch (e) {
      // a damaged chunk fails every read of the column the same way
      this.failure = toDumpError(e, this.source, 'open');
      throw this.failure;
    }
  }

  mayHold(k: number, lo: bigint, hi: bigint): boolean {
    const { min, max } = this.c;
    return !min || !max || (min[k]! <= hi && lo <= max[k]!);
  }

  private decodeChunk(k: number): ScalarArray {
    const n = this.rowsIn(k);
    const s = this.c.values[k]!;
    const v = viewOf(this.kind, this.secs.bytes(s), n);
    // the cache holds the view now; the section's bytes are not asked again
    this.secs.drop(s);
    this.check(k, v);
    return v;
  }

  /** Every chunk in one array: what `table.columns[name]` gives. */
  readWhole(): Column {
    // one inflate of every chunk, unless row reads have already inflated most of them (then those are copied)
    const have = this.parts.reduce((n, p) => n + (p ? 1 : 0), 0);
    if (!this.all && have * 2 < this.count) this.all = this.readJoined();
    if (!this.all) {
      const { ctor, size } = SCALAR_KINDS[this.kind];
      const out = new ctor(this.rowCount) as ScalarArray;
      const bytes = bytesOf(out);
      for (let k = 0; k < this.count; k++) {
        const part = this.parts[k] ?? this.chunk(k);
        bytes.set(bytesOf(part), k * this.chunkRows * size);
        this.parts[k] = undefined;
      }
      this.all = out;
    }
    return { kind: this.kind, values: this.all } as Column;
  }

  /**
   * The column from its segments inflated as one stream (sections.ts
   * joined), no chunk copied; each chunk's rows then checked in order, as
   * chunk() checks them. Undefined when the chunks are not all segments or
   * do not inflate as one: chunk() then reads each and names the bad one.
   */
  private readJoined(): ScalarArray | undefined {
    const { size } = SCALAR_KINDS[this.kind];
    const bytes = this.secs.joined(this.c.values, this.rowCount * size);
    if (!bytes) return undefined;
    const all = viewOf(this.kind, bytes, this.rowCount);
    for (let k = 0; k < this.count; k++) {
      const v = all.subarray(k * this.chunkRows, k * this.chunkRows + this.rowsIn(k));
      this.check(k, v);
      this.parts[k] = undefined;
    }
    return all;
  }

  /** Chunk k's row references and bounds (a DumpError naming the first bad row). */
  private check(k: number, v: ScalarArray): void {
    validateColumnReferences(this.t.name, this.c.name, { kind: this.kind, values: v }, this.rows, k * this.chunkRows);
    const { min, max } = this.c;
    if (min && max) {
      const bad = outOfBounds(v, min[k]!, max[k]!);
      if (bad >= 0) fail(`${this.where} row ${k * this.chunkRows + bad} holds ${v[bad]}, outside its chunk's bounds ${min[k]}..${max[k]}`);
    }
  }
}

/** Index of the first value outside [lo, hi], or -1 (64-bit values compared as bigints, the rest as numbers). */
function outOfBounds(v: ScalarArray, lo: bigint, hi: bigint): number {
  if (v instanceof BigUint64Array) {
    // as 32-bit halves: no BigInt per row
    const w = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
    const loH = Number(lo >> 32n);
    const loL = Number(lo & 0xffffffffn);
    const hiH = Number(hi >> 32n);
    const hiL = Number(hi & 0xffffffffn);
    for (let i = 0, n = v.length; i < n; i++) {
      const h = w[2 * i + 1]!;
      const l = w[2 * i]!;
      if (h < loH || (h === loH && l < loL) || h > hiH || (h === hiH && l > hiL)) return i;
    }
    return -1;
  }
  if (v instanceof BigInt64Array) {
    for (let i = 0, n = v.length; i < n; i++) if (v[i]! < lo || v[i]! > hi) return i;
    return -1;
  }
  const l = Number(lo);
  const h = Number(hi);
  for (let i = 0, n = v.length; i < n; i++) {
    const x = v[i] as number;
    if (x < l || x > h) return i;
  }
  return -1;
}

/** A column's values from its sections, with every check that needs them. */
function decodeColumn(t: TableEntry, c: ColumnEntry, secs: Sections, rows: ReadonlyMap<string, number>): Column {
  const n = t.rowCount;
  const where = `table ${q(t.name)} column ${q(c.name)}`;
  let col: Column;
  if (c.kind === 'str') {
    const pool = decodePool(secs.bytes(c.pool!), where);
    const values = new Array<string>(n);
    const m = pool.length;
    c.values.forEach((s, chunk) => {
      const from = chunk * t.chunkRows;
      const rowsIn = Math.min(n, from + t.chunkRows) - from;
      const idx = viewOf('u32', secs.bytes(s), rowsIn) as Uint32Array;
      for (let i = 0; i < rowsIn; i++) {
        const k = idx[i]!;
        if (k >= m) fail(`${where} row ${from + i} has string index ${k}, the pool has ${m}`);
        values[from + i] = pool[k]!;
      }
      if (c.values.length > 1) secs.drop(s);
    });
    col = { kind: 'str', values };
  } else if (c.kind === 'list') {
    const of = c.of!;
    const offsets = viewOf('u32', secs.bytes(c.offsets!), n + 1) as Uint32Array;
    const vb = secs.bytes(c.values[0]!);
    const values = viewOf(of, vb, vb.length / SCALAR_KINDS[of].size);
    checkOffsets(offsets, n, values.length, where);
    col = { kind: 'list', of, offsets, values };
  } else {
    col = { kind: c.kind, values: viewOf(c.kind, secs.bytes(c.values[0]!), n) };
  }
  validateColumnReferences(t.name, c.name, col, rows);
  return col;
}
