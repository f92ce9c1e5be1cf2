/*
 * Making tables row by row. The simulator thinks in objects (one kmem cache,
 * one buffer) and the dump stores columns; TableBuilder turns the first into
 * the second with growable typed arrays, so a million rows cost a few array
 * doublings rather than a million small objects kept alive.
 */
import { emptyNameTable } from './names.js';
import type { Column, ScalarArray, ScalarKind, Table } from './format.js';
import { DumpError } from './errors.js';
import { SCALAR_KINDS, isScalarKind, newArray } from './kinds.js';

export { col, list, num, str, tableIndex, u64 } from './access.js';
import { NON_STRUCT_TABLES } from './validate.js';

/** A builder for one of format.ts's fixed tables (symbols, frames, buffers ...), with its columns. */
export function formatTable(name: string): TableBuilder {
  const spec = NON_STRUCT_TABLES.get(name);
  if (!spec) throw new DumpError(`'${name}' is not one of the dump format's fixed tables`);
  return new TableBuilder(name, spec);
}

/** How a builder column is declared: a scalar kind, 'str', or { list: element kind }. */
export type ColumnSpec = ScalarKind | 'str' | { list: ScalarKind };

/** A row's value for one column; a missing value is 0, '' or an empty list (unmodelled members read as zero). */
export type RowValue = number | bigint | string | ArrayLike<number | bigint> | undefined;

const INITIAL = 1024;

/** Element access on any scalar array, whose element type is number or bigint by kind. */
type Slots = { [i: number]: number | bigint };

function grow<T extends ScalarArray>(arr: T, need: number): T {
  let cap = arr.length * 2;
  while (cap < need) cap *= 2;
  const out = newArray(kindOfArray(arr), cap) as T;
  (out as unknown as { set(a: T): void }).set(arr);
  return out;
}

function kindOfArray(arr: ScalarArray): ScalarKind {
  for (const k of Object.keys(SCALAR_KINDS) as ScalarKind[]) if (arr.constructor === SCALAR_KINDS[k].ctor) return k;
  throw new Error('not a scalar array');
}

interface ScalarBuild {
  type: 'scalar';
  name: string;
  kind: ScalarKind;
  bigint: boolean;
  values: ScalarArray;
}
interface StrBuild {
  type: 'str';
  name: string;
  values: string[];
}
interface ListBuild {
  type: 'list';
  name: string;
  of: ScalarKind;
  bigint: boolean;
  offsets: Uint32Array;
  values: ScalarArray;
  count: number;
}
type Build = ScalarBuild | StrBuild | ListBuild;

export class TableBuilder {
  private readonly cols: Build[];
  private n = 0;
  private cap = INITIAL;

  constructor(
    readonly name: string,
    spec: Record<string, ColumnSpec>,
  ) {
    this.cols = Object.entries(spec).map(([cname, s]): Build => {
      if (s === 'str') return { type: 'str', name: cname, values: [] };
      if (typeof s === 'object' && s !== null && isScalarKind(s.list)) {
        const offsets = new Uint32Array(INITIAL + 1);
        return { type: 'list', name: cname, of: s.list, bigint: SCALAR_KINDS[s.list].bigint, offsets, values: newArray(s.list, INITIAL), count: 0 };
      }
      if (isScalarKind(s)) return { type: 'scalar', name: cname, kind: s, bigint: SCALAR_KINDS[s].bigint, values: newArray(s, INITIAL) };
      throw new DumpError(`table '${name}' column '${cname}' has a bad kind ${JSON.stringify(s)}`, undefined, 'build');
    });
  }

  get rowCount(): number {
    return this.n;
  }

  /**
   * Append one row. Keys not declared in the spec are ignored. Returns the new
   * row's number. A value a column cannot hold throws a DumpError and adds
   * nothing: the columns filled before the bad one are rolled back.
   */
  add(row: Record<string, RowValue>): number {
    const r = this.n;
    if (r === this.cap) this.growRows();
    const cols = this.cols;
    try {
      for (let i = 0; i < cols.length; i++) {
        const c = cols[i]!;
        const v = row[c.name];
        if (c.type === 'scalar') {
          const x = this.scalar(c.kind, c.bigint, v, c.name, r);
          const a = c.values as Slots;
          a[r] = x;
          // a typed array wraps or truncates silently; a simulator bug should not
          if (a[r] !== x && c.kind !== 'f64') this.doesNotFit(c.name, c.kind, r, v);
        } else if (c.type === 'str') {
          if (v === undefined) c.values.push('');
          else if (typeof v === 'string') c.values.push(v);
          else throw this.error(c.name, r, `${String(v)} is not a string`);
        } else this.addList(c, v, r);
      }
    } catch (e) {
      this.rollback(r);
      throw e;
    }
    this.n = r + 1;
    return r;
  }

  /** Forget a partly added row `r` (scalar slots past the row count are simply overwritten later). */
  private rollback(r: number): void {
    for (const c of this.cols) {
      if (c.type === 'str') c.values.length = r;
      else if (c.type === 'list') c.count = c.offsets[r]!;
    }
  }

  /** The table: arrays trimmed to rowCount (copies; the builder can keep adding). */
  build(): Table {
    const n = this.n;
    const columns = emptyNameTable<Column>();
    for (const c of this.cols) {
      if (c.type === 'scalar') columns[c.name] = { kind: c.kind, values: c.values.slice(0, n) };
      else if (c.type === 'str') columns[c.name] = { kind: 'str', values: c.values.slice(0, n) };
      else
        columns[c.name] = {
          kind: 'list',
          of: c.of,
          offsets: c.offsets.slice(0, n + 1),
          values: c.values.slice(0, c.count),
        };
    }
    return { name: this.name, rowCount: n, columns };
  }

  /** The value to store in a column of `kind`: numbers for number kinds, bigints for u64/i64. */
  private scalar(kind: ScalarKind, bigint: boolean, v: RowValue, cname: string, r: number): number | bigint {
    let x: number | bigint;
    if (v === undefined) x = bigint ? 0n : 0;
    else if (bigint) {
      if (typeof v === 'bigint') x = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) x = BigInt(v);
      else throw this.error(cname, r, `${String(v)} is not an exact integer for ${kind}`);
    } else if (typeof v === 'number') x = v;
    else if (typeof v === 'bigint') x = Number(v);
    else throw this.error(cname, r, `${String(v)} is not a number`);
    return x;
  }

  private addList(c: ListBuild, v: RowValue, r: number): void {
    if (v !== undefined) {
      if (typeof v !== 'object' || v === null || typeof v.length !== 'number')
        throw this.error(c.name, r, `${String(v)} is not a list`);
      const len = v.length;
      if (c.count + len > c.values.length) c.values = grow(c.values, c.count + len);
      const a = c.values as Slots;
      for (let i = 0, at = c.count; i < len; i++, at++) {
        const x = this.scalar(c.of, c.bigint, v[i], c.name, r);
        a[at] = x;
        if (a[at] !== x && c.of !== 'f64') this.doesNotFit(c.name, c.of, r, v[i]);
      }
      c.count += len;
      if (c.count > 0xffffffff) throw this.error(c.name, r, 'more than 2^32 - 1 list elements');
    }
    c.offsets[r + 1] = c.count;
  }

  private growRows(): void {
    const need = this.cap * 2;
    for (const c of this.cols) {
      if (c.type === 'scalar') c.values = grow(c.values, need);
      else if (c.type === 'list') c.offsets = grow(c.offsets, need + 1);
    }
    this.cap = need;
  }

  private doesNotFit(cname: string, kind: ScalarKind, r: number, v: RowValue): never {
    throw this.error(cname, r, `${String(v)} does not fit in ${kind}`);
  }

  private error(cname: string, r: number, what: string): DumpError {
    return new DumpError(`table '${this.name}' column '${cname}' row ${r}: ${what}`, undefined, 'build');
  }
}
