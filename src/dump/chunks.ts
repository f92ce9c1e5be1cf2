/*
 * Row access to a column without reading all of it (format version 2).
 *
 * A big table's scalar columns are stored in chunks of rows, each its own
 * deflated section with the lowest and highest value of its rows in the
 * catalog (codec.ts). `table.columns[name].values` still gives the whole
 * column (every chunk inflated into one typed array on first access); the
 * functions here give the hot paths that need a few rows (a struct read at
 * one row, a walk over one cache's buffers, an exact-address lookup) the
 * chunks that hold those rows, inflated and checked one by one, and the
 * bounds that let a search skip a chunk without inflating it.
 *
 * A column that is not chunked (a small table, a model built in memory, a
 * version 1 dump, or a column already read whole) is one chunk of all its
 * rows, without bounds.
 */
import type { ScalarArray, ScalarKind, Table } from './format.js';
import { isScalarKind } from './kinds.js';

/** A scalar column as chunks of rows. */
export interface ColumnChunks {
  kind: ScalarKind;
  rowCount: number;
  /** rows per chunk (the last may hold fewer) */
  chunkRows: number;
  /** number of chunks */
  count: number;
  /** the values of chunk k's rows, inflated and checked on first use (a DumpError if damaged) */
  chunk(k: number): ScalarArray;
  /** whether chunk k may hold a value in [lo, hi] (true when the catalog gives no bounds) */
  mayHold(k: number, lo: bigint, hi: bigint): boolean;
  /** whether the whole column has been read (then chunk(k) is a view on it) */
  readonly whole: boolean;
}

/** Chunked columns of the tables a dump decoder made, by table then column name. */
const REGISTRY = new WeakMap<Table, Map<string, ColumnChunks>>();

/** Called by the decoder for each chunked scalar column of a table. */
export function registerChunks(table: Table, name: string, c: ColumnChunks): void {
  let m = REGISTRY.get(table);
  if (!m) REGISTRY.set(table, (m = new Map()));
  m.set(name, c);
}

/**
 * Column `name` of `table` as chunks, without reading the column whole; for
 * a column the decoder did not chunk, one chunk over its values. Undefined
 * when the table has no such scalar column.
 */
export function chunksOf(table: Table | undefined, name: string): ColumnChunks | undefined {
  if (!table) return undefined;
  const hit = REGISTRY.get(table)?.get(name);
  if (hit) return hit;
  if (!Object.prototype.hasOwnProperty.call(table.columns, name)) return undefined;
  const c = table.columns[name]!;
  if (!isScalarKind(c.kind)) return undefined;
  const values = c.values as ScalarArray;
  return {
    kind: c.kind,
    rowCount: values.length,
    chunkRows: Math.max(1, values.length),
    count: values.length > 0 ? 1 : 0,
    chunk: () => values,
    mayHold: () => true,
    whole: true,
  };
}

/**
 * A reader of one cell at a time: the chunk holding the row is inflated on
 * first need and the last one is kept, so a run of nearby rows costs one
 * lookup each. Values as the column stores them (bigint for u64/i64).
 */
export function cellReader(table: Table | undefined, name: string): ((row: number) => number | bigint) | undefined {
  const cc = chunksOf(table, name);
  if (!cc) return undefined;
  if (cc.count <= 1) {
    const v = cc.count === 1 ? cc.chunk(0) : undefined;
    return (row) => (v ? v[row]! : 0);
  }
  const per = cc.chunkRows;
  const rows = cc.rowCount;
  let k = -1;
  let cur: ScalarArray | undefined;
  return (row) => {
    // what indexing a typed array past its end gives
    if (!(row >= 0 && row < rows)) return undefined as never;
    const want = Math.floor(row / per);
    if (want !== k) {
      cur = cc.chunk(want);
      k = want;
    }
    return cur![row - k * per]!;
  };
}
