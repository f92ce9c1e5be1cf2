/*
 * The dump file, byte by byte (format version 1). All integers are
 * little-endian; u64 fields hold byte counts and must stay below 2^53.
 *
 *   Fixed prefix (24 bytes)
 *     0    8   magic "MDDBDUMP" (ASCII)
 *     8    4   u32 format version (DUMP_VERSION, 1)
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
 *                +24  u8  codec: 0 stored as is, 1 deflate (raw RFC 1951 stream)
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
 *     3.. column data, raw bytes before compression:
 *         scalar   rowCount elements of the kind (u8 1 byte ... u64/i64/f64 8 bytes)
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
 * Reading makes typed-array views, not copies, on the decompressed (or stored)
 * bytes whenever their address is aligned for the element size; section
 * starts are multiples of 8 in the file so stored sections align too.
 */
import type { Column, DumpModel, ScalarKind, Table } from './format.js';
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
    return encodeValid(model, level);
  } catch (e) {
    throw toDumpError(e, undefined, 'encode');
  }
}

function encodeValid(model: DumpModel, level: number): Buffer {
  const sections: Array<{ name: string; raw: Uint8Array }> = [];
  const add = (name: string, raw: Uint8Array): number => sections.push({ name, raw }) - 1;
  add('header', Buffer.from(JSON.stringify(model.header), 'utf8'));
  add('types', Buffer.from(JSON.stringify(model.types), 'utf8'));
  add('tables', new Uint8Array(0)); // the catalog, filled in once section numbers are known
  const catalog = model.tables.map((t) => catalogEntry(t, add));
  sections[2]!.raw = Buffer.from(JSON.stringify(catalog), 'utf8');
  return assemble(sections, level);
}

/** One table's catalog entry; adds its column sections through `add`. */
function catalogEntry(t: Table, add: (name: string, raw: Uint8Array) => number): object {
  const shared: Array<{ offsets: Uint32Array; section: number }> = [];
  const columns = Object.entries(t.columns).map(([name, c]) => {
    const base = `${t.name}.${name}`;
    if (c.kind === 'str') {
      const { indices, pool } = encodePool(c.values, `table ${q(t.name)} column ${q(name)}`);
      return { name, kind: 'str', values: add(base, bytesOf(indices)), pool: add(`${base}#pool`, pool) };
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
    return { name, kind: c.kind, values: add(base, bytesOf(c.values)) };
  });
  return { name: t.name, rowCount: t.rowCount, columns };
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
  for (const t of model.tables) for (const name of Object.keys(t.columns)) void t.columns[name];
}

/** A column as the catalog describes it: its kind and its section numbers. */
interface ColumnEntry {
  name: string;
  kind: ScalarKind | 'str' | 'list';
  of: ScalarKind | undefined;
  values: number;
  pool: number | undefined;
  offsets: number | undefined;
}

interface TableEntry {
  name: string;
  rowCount: number;
  columns: ColumnEntry[];
}

function decode(b: Uint8Array, source: string | undefined, eagerTableBytes: number): DumpModel {
  checkPrefix(b);
  const secs = new Sections(b, readDirectory(b));
  const header = secs.json(0);
  validateHeader(header);
  const types = secs.json(1);
  validateTypes(types);
  const catalog = secs.json(2);
  if (!Array.isArray(catalog)) fail("section 'tables' is not a list of tables");
  const entries = catalog.map((t: unknown) => catalogTable(t, secs));
  const used = new Uint8Array(secs.entries.length);
  used.fill(1, 0, 3);
  for (const t of entries)
    for (const c of t.columns) for (const s of [c.values, c.pool, c.offsets]) if (s !== undefined) used[s] = 1;
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
  const tables = entries.map((t) => ({ name: t.name, rowCount: t.rowCount, columns: lazyColumns(t, secs, rows, source) }));
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
  for (const c of t.columns) for (const s of [c.values, c.pool, c.offsets]) if (s !== undefined) seen.add(s);
  let n = 0;
  for (const s of seen) n += secs.entries[s]!.raw;
  return n;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One catalog entry, checked against the directory (section numbers and lengths) without reading data. */
function catalogTable(t: unknown, secs: Sections): TableEntry {
  if (!isObject(t) || !isValidName(t.name)) fail("section 'tables' has an entry without a valid table name");
  const where = `table ${q(t.name)}`;
  const n = t.rowCount;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > MAX_ROWS) fail(`${where} has a bad row count`);
  if (!Array.isArray(t.columns)) fail(`${where} has no column list`);
  const columns: ColumnEntry[] = [];
  const seen = new Set<string>();
  for (const c of t.columns as unknown[]) {
    if (!isObject(c) || !isValidName(c.name)) fail(`${where} has a column without a valid name`);
    if (seen.has(c.name)) fail(`${where} column ${q(c.name)} appears twice`);
    seen.add(c.name);
    columns.push(catalogColumn(c, c.name, n, `${where} column ${q(c.name)}`, secs));
  }
  // a row count no column backs would size the debugger's per-row arrays from nothing
  if (n > 0 && columns.length === 0) fail(`${where} has ${n} rows and no columns`);
  return { name: t.name, rowCount: n, columns };
}

/** Section number `v` of a catalog entry; checks its raw length when `size` is given. */
function section(secs: Sections, v: unknown, what: string, size?: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 3 || v >= secs.entries.length)
    fail(`${what} names no data section (${String(v)})`);
  const raw = secs.entries[v]!.raw;
  if (size !== undefined && raw !== size) fail(`${what} (section ${q(secs.name(v))}) is ${raw} bytes, expected ${size}`);
  return v;
}

function catalogColumn(c: Record<string, unknown>, name: string, n: number, where: string, secs: Sections): ColumnEntry {
  const kind = c.kind;
  if (isScalarKind(kind)) {
    const values = section(secs, c.values, where, n * SCALAR_KINDS[kind].size);
    return { name, kind, of: undefined, values, pool: undefined, offsets: undefined };
  }
  if (kind === 'str') {
    const values = section(secs, c.values, where, n * 4);
    return { name, kind, of: undefined, values, pool: section(secs, c.pool, `${where} pool`), offsets: undefined };
  }
  if (kind === 'list') {
    const of = c.of;
    if (!isScalarKind(of)) fail(`${where} has a bad element kind`);
    const offsets = section(secs, c.offsets, `${where} offsets`, (n + 1) * 4);
    const values = section(secs, c.values, where);
    const raw = secs.entries[values]!.raw;
    if (raw % SCALAR_KINDS[of].size !== 0) fail(`${where} values are ${raw} bytes, not a whole number of ${of}`);
    return { name, kind, of, values, pool: undefined, offsets };
  }
  fail(`${where} has a bad kind ${kind === undefined ? '(none)' : JSON.stringify(kind)}`);
}

/**
 * The columns of one table as properties that decode on first read: the
 * getter decompresses, checks, and replaces itself with the column (a plain
 * data property from then on). A damaged column throws the same DumpError on
 * every read.
 */
function lazyColumns(t: TableEntry, secs: Sections, rows: ReadonlyMap<string, number>, source: string | undefined): Record<string, Column> {
  // null prototype: a column is looked up by name, and a name is data from the file
  const cols = emptyNameTable<Column>();
  const settle = (name: string, value: Column): void => {
    Object.defineProperty(cols, name, { value, enumerable: true, writable: true, configurable: true });
  };
  for (const c of t.columns) {
    let failure: DumpError | undefined;
    Object.defineProperty(cols, c.name, {
      enumerable: true,
      configurable: true,
      get(): Column {
        if (failure) throw failure;
        let col: Column;
        try {
          col = decodeColumn(t, c, secs, rows);
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
  return cols;
}

/** A column's values from its sections, with every check that needs them. */
function decodeColumn(t: TableEntry, c: ColumnEntry, secs: Sections, rows: ReadonlyMap<string, number>): Column {
  const n = t.rowCount;
  const where = `table ${q(t.name)} column ${q(c.name)}`;
  let col: Column;
  if (c.kind === 'str') {
    const idx = viewOf('u32', secs.bytes(c.values), n) as Uint32Array;
    const pool = decodePool(secs.bytes(c.pool!), where);
    const values = new Array<string>(n);
    const m = pool.length;
    for (let i = 0; i < n; i++) {
      const k = idx[i]!;
      if (k >= m) fail(`${where} row ${i} has string index ${k}, the pool has ${m}`);
      values[i] = pool[k]!;
    }
    col = { kind: 'str', values };
  } else if (c.kind === 'list') {
    const of = c.of!;
    const offsets = viewOf('u32', secs.bytes(c.offsets!), n + 1) as Uint32Array;
    const vb = secs.bytes(c.values);
    const values = viewOf(of, vb, vb.length / SCALAR_KINDS[of].size);
    checkOffsets(offsets, n, values.length, where);
    col = { kind: 'list', of, offsets, values };
  } else {
    col = { kind: c.kind, values: viewOf(c.kind, secs.bytes(c.values), n) };
  }
  validateColumnReferences(t.name, c.name, col, rows);
  return col;
}
