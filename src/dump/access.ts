/*
 * Typed reads of table cells for the debugger's readers. Each accessor checks
 * the column's kind and the row, so a reader written against the wrong column
 * fails with a DumpError naming the table and column instead of returning
 * undefined. Hot loops should take the column's array once with col() and
 * index it directly.
 */
import type { Column, DumpModel, ScalarArray, Table } from './format.js';
import { DumpError } from './errors.js';

/** Tables by name. */
export function tableIndex(model: DumpModel): Map<string, Table> {
  return new Map(model.tables.map((t) => [t.name, t]));
}

function fail(reason: string): never {
  throw new DumpError(reason, undefined, 'read');
}

/** The column `name` of `table`; a DumpError if it has none. */
export function col(table: Table, name: string): Column {
  const c = Object.prototype.hasOwnProperty.call(table.columns, name) ? table.columns[name] : undefined;
  if (c === undefined) fail(`table '${table.name}' has no column '${name}'`);
  return c;
}

function checkRow(table: Table, name: string, row: number): void {
  if (!(row >= 0 && row < table.rowCount && Number.isInteger(row)))
    fail(`table '${table.name}' column '${name}': row ${row} out of range (${table.rowCount} rows)`);
}

function scalarValues(table: Table, name: string, row: number): ScalarArray {
  const c = col(table, name);
  if (c.kind === 'str' || c.kind === 'list') fail(`table '${table.name}' column '${name}' is ${c.kind}, not a number`);
  checkRow(table, name, row);
  return c.values;
}

/** A cell as a bigint (exact for u64/i64 addresses and counters; other integer kinds widen). */
export function u64(table: Table, name: string, row: number): bigint {
  const v = scalarValues(table, name, row)[row]!;
  if (typeof v === 'bigint') return v;
  if (!Number.isInteger(v)) fail(`table '${table.name}' column '${name}' row ${row} is ${v}, not an integer`);
  return BigInt(v);
}

/** A cell as a number (u64/i64 values above 2^53 lose precision: use u64() for addresses). */
export function num(table: Table, name: string, row: number): number {
  return Number(scalarValues(table, name, row)[row]!);
}

/** A string cell. */
export function str(table: Table, name: string, row: number): string {
  const c = col(table, name);
  if (c.kind !== 'str') fail(`table '${table.name}' column '${name}' is ${c.kind}, not str`);
  checkRow(table, name, row);
  return c.values[row]!;
}

/** A list cell: a subarray view of the column's values (no copy). */
export function list(table: Table, name: string, row: number): ScalarArray {
  const c = col(table, name);
  if (c.kind !== 'list') fail(`table '${table.name}' column '${name}' is ${c.kind}, not a list`);
  checkRow(table, name, row);
  return c.values.subarray(c.offsets[row]!, c.offsets[row + 1]!);
}

/** Row access that inflates only the chunks of rows it reads (format version 2): see chunks.ts. */
export { chunksOf, cellReader, type ColumnChunks } from './chunks.js';
