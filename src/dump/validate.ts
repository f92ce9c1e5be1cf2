/*
 * The invariants of format.ts section 2, checked on every dump read and
 * before every dump is written: a debugger that trusts its dump can index
 * columns without bounds checks, and a simulator bug shows up as a refused
 * write rather than as a wrong answer in a dcmd much later.
 *
 * Checks that touch every row are plain loops over typed arrays; for a
 * million-row dump they cost a few milliseconds.
 *
 * The writer checks a whole model (validateModel). The reader applies the
 * same checks in pieces (codec.ts): the schema from the catalog's names and
 * kinds when the file is opened (validateSchema, validateReferenceKind), and
 * each column's values when the column is decoded (checkOffsets,
 * validateColumnReferences, which needs only the other tables' row counts).
 */
import {
  NO_ROW,
  TABLE_BUFFERS,
  TABLE_FRAMES,
  TABLE_MSGBUF,
  TABLE_GLOBALS,
  TABLE_STRINGS,
  TABLE_STACKS,
  TABLE_TEXT,
  TABLE_SYMBOLS,
  TABLE_TXLOG,
  TABLE_LEAK_TRUTH,
  TABLE_FREE_MEMORY,
  type Column,
  type ColumnKind,
  type DumpHeader,
  type DumpModel,
  type ScalarKind,
  type Table,
  type TypeDef,
} from './format.js';
import { DumpError } from './errors.js';
import { nameTable, own } from './names.js';
import { isArrayOfKind, isColumnKind, isScalarKind } from './kinds.js';

/** Row-reference columns and the table whose rows they number. */
export const ROW_REFERENCES: Readonly<Record<string, string>> = nameTable({
  cache_row: 'kmem_cache_t',
  thread_row: 'kthread_t',
  stack_row: 'stacks',
  // a FreeBSD boundary tag's arena (format.ts, 2020 paragraph): not a kernel member
  arena_row: 'struct vmem',
});

/** A column kind as format.ts specifies it: a scalar kind, 'str', or a list of a scalar kind. */
export type KindSpec = ScalarKind | 'str' | { list: ScalarKind };

/**
 * The tables that are not C structs, with the kinds format.ts fixes for their
 * columns. A listed column must have its kind; other columns are allowed.
 */
export const NON_STRUCT_TABLES: ReadonlyMap<string, Readonly<Record<string, KindSpec>>> = new Map<
  string,
  Record<string, KindSpec>
>([
  [TABLE_SYMBOLS, { name: 'str', module: 'str', addr: 'u64', size: 'u64', kind: 'u8' }],
  [TABLE_STACKS, { pcs: { list: 'u64' } }],
  [
    TABLE_FRAMES,
    { thread_row: 'u32', depth: 'u16', fp: 'u64', pc: 'u64', args: { list: 'u64' }, locals: { list: 'u64' } },
  ],
  [
    TABLE_BUFFERS,
    {
      addr: 'u64',
      cache_row: 'u32',
      state: 'u8',
      fill: 'u8',
      bufctl: 'u64',
      ptr_offs: { list: 'u32' },
      ptr_vals: { list: 'u64' },
    },
  ],
  [
    TABLE_TXLOG,
    {
      timestamp: 'i64',
      log: 'u8',
      event: 'u8',
      thread: 'u64',
      cpu: 'u16',
      cache_row: 'u32',
      addr: 'u64',
      bufctl: 'u64',
      kmflag: 'u32',
      stack_row: 'u32',
    },
  ],
  [TABLE_MSGBUF, { timestamp: 'i64', text: 'str' }],
  [TABLE_GLOBALS, { addr: 'u64', size: 'u8', value: 'u64' }],
  [TABLE_STRINGS, { addr: 'u64', text: 'str' }],
  [TABLE_LEAK_TRUTH, { addr: 'u64', cache_row: 'u32', size: 'u64', reason: 'str' }],
  [TABLE_TEXT, { addr: 'u64', bytes: { list: 'u8' } }],
  [TABLE_FREE_MEMORY, { start: 'i64', length: 'i64', free: 'u64' }],
]);

/** The largest row count: row numbers must stay below NO_ROW. */
export const MAX_ROWS = NO_ROW - 1;

function fail(reason: string): never {
  throw new DumpError(reason);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isInt = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

/**
 * A table, column or type name: non-empty, printable, and not a key that
 * would change an object's prototype when used as a property name.
 */
export function isValidName(v: unknown): v is string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 256 || v === '__proto__') return false;
  // A struct with no typedef is named by its tag: "struct pid".
  const bare = v.startsWith('struct ') ? v.slice(7) : v.startsWith('union ') ? v.slice(6) : v;
  return bare.length > 0 && !/[\s\u0000-\u001f]/.test(bare);
}

/** Quote a name for a message, short enough to stay readable. */
export function q(name: unknown): string {
  const s = typeof name === 'string' ? name : String(name);
  return `'${s.length > 80 ? `${s.slice(0, 77)}...` : s}'`;
}

// ---- header ----------------------------------------------------------------

/** The header has every field of DumpHeader with its JS type. */
export function validateHeader(h: unknown): asserts h is DumpHeader {
  if (!isObject(h)) fail('header is not an object');
  const str = (obj: Record<string, unknown>, k: string, where: string): void => {
    if (typeof obj[k] !== 'string') fail(`${where} field '${k}' is ${describe(obj[k])}, expected a string`);
  };
  const int = (obj: Record<string, unknown>, k: string, where: string, min = 0): void => {
    if (!isInt(obj[k], min)) fail(`${where} field '${k}' is ${describe(obj[k])}, expected an integer >= ${min}`);
  };
  const oneOf = (obj: Record<string, unknown>, k: string, where: string, allowed: unknown[]): void => {
    if (!allowed.includes(obj[k]))
      fail(`${where} field '${k}' is ${describe(obj[k])}, expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  };
  oneOf(h, 'os', 'header', ['illumos', 'freebsd']);
  for (const k of ['kernelVersion', 'platform', 'isa', 'hostname', 'dumpTime']) str(h, k, 'header');
  oneOf(h, 'pointerSize', 'header', [4, 8]);
  if (typeof h.debug !== 'boolean') fail(`header field 'debug' is ${describe(h.debug)}, expected a boolean`);
  int(h, 'ncpus', 'header', 1);
  int(h, 'physmem', 'header');
  int(h, 'pagesize', 'header', 1);
  // the debugger sizes per-CPU tables and page arithmetic by these
  if ((h.ncpus as number) > MAX_NCPUS) fail(`header field 'ncpus' is ${h.ncpus}, more than any kernel supports (${MAX_NCPUS})`);
  const ps = h.pagesize as number;
  if (ps < 512 || ps > 1 << 30 || (ps & (ps - 1)) !== 0) fail(`header field 'pagesize' is ${ps}, expected a power of two from 512 to 2^30`);
  if ((h.physmem as number) > 2 ** 42) fail(`header field 'physmem' is ${h.physmem} pages, more than any machine has`);
  if (!/^\d+$/.test(h.dumpTime as string)) fail(`header field 'dumpTime' is ${describe(h.dumpTime)}, expected decimal digits`);
  oneOf(h, 'dumpKind', 'header', ['panic', 'live']);
  oneOf(h, 'outcome', 'header', ['panic', 'hang', 'completed']);
  const p = h.panic;
  if (h.dumpKind === 'live' && p !== null) fail("header field 'panic' must be null in a live dump");
  if (h.dumpKind === 'panic') {
    if (!isObject(p)) fail(`header field 'panic' is ${describe(p)}, expected the panic of a panic dump`);
    str(p, 'message', 'panic');
    str(p, 'caller', 'panic');
    str(p, 'thread', 'panic');
    if (!/^[0-9a-f]+$/i.test(p.thread as string)) fail(`panic field 'thread' is ${describe(p.thread)}, expected hex digits`);
    int(p, 'cpu', 'panic');
    if ((p.cpu as number) >= (h.ncpus as number)) fail(`panic field 'cpu' is ${p.cpu}, the dump has ${h.ncpus} CPUs`);
  }
  if (h.entry !== undefined) {
    const e = h.entry;
    if (!isObject(e)) fail(`header field 'entry' is ${describe(e)}, expected an object`);
    str(e, 'reason', 'entry');
    str(e, 'thread', 'entry');
    if (!/^[0-9a-f]+$/i.test(e.thread as string)) fail(`entry field 'thread' is ${describe(e.thread)}, expected hex digits`);
    int(e, 'cpu', 'entry');
    if ((e.cpu as number) >= (h.ncpus as number)) fail(`entry field 'cpu' is ${e.cpu}, the dump has ${h.ncpus} CPUs`);
  }
  const r = h.recipe;
  if (!isObject(r)) fail(`header field 'recipe' is ${describe(r)}, expected an object`);
  for (const k of ['scenario', 'scenarioText', 'mddbVersion']) str(r, k, 'recipe');
  if (typeof r.seed !== 'number' || !Number.isSafeInteger(r.seed))
    fail(`recipe field 'seed' is ${describe(r.seed)}, expected an integer`);
  const set = r.set;
  if (!Array.isArray(set) || !set.every((e) => Array.isArray(e) && e.length === 2 && e.every((x) => typeof x === 'string')))
    fail("recipe field 'set' is not a list of [key, value] string pairs");
  if (!Array.isArray(r.fixes) || !r.fixes.every((x) => typeof x === 'string'))
    fail("recipe field 'fixes' is not a list of strings");
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `a ${typeof v}`;
}

// ---- types -----------------------------------------------------------------

/** Every type is a well-formed TypeDef, names are unique, members lie inside their struct. */
/** The largest struct a dump may declare (kmem_cache_t with 1024 CPUs is under 64 KB). */
export const MAX_TYPE_SIZE = 1 << 20;
/** The most members one struct may have. */
export const MAX_TYPE_MEMBERS = 4096;
/** The most CPUs a dump may declare (illumos NCPU and FreeBSD MAXCPU are far below). */
export const MAX_NCPUS = 1 << 16;
/** The longest C type string a member may have ("struct kmem_cpu_cache *[64]" is 27). */
export const MAX_CTYPE_LENGTH = 256;

/** The element count of a C array type ("char [32]" 32, "void *[4][2]" 8), 1 for a non-array; Infinity past 2^53. */
export function arrayElements(ctype: string): number {
  let n = 1;
  for (const m of ctype.matchAll(/\[\s*(\d*)\s*\]/g)) n *= m[1] === '' ? 0 : Number(m[1]);
  return Number.isSafeInteger(n) ? n : Infinity;
}

export function validateTypes(types: unknown): asserts types is TypeDef[] {
  if (!Array.isArray(types)) fail('types is not a list');
  const names = new Set<string>();
  types.forEach((t: unknown, i) => {
    if (!isObject(t)) fail(`type #${i} is not an object`);
    if (!isValidName(t.name)) fail(`type #${i} has a bad name ${describe(t.name)}`);
    const where = `type ${q(t.name)}`;
    if (names.has(t.name)) fail(`${where} is defined twice`);
    names.add(t.name);
    if (t.tag !== undefined && !isValidName(t.tag)) fail(`${where} has a bad tag ${describe(t.tag)}`);
    if (t.kind !== 'struct' && t.kind !== 'union') fail(`${where} has kind ${describe(t.kind)}, expected "struct" or "union"`);
    if (!isInt(t.size)) fail(`${where} has size ${describe(t.size)}, expected an integer >= 0`);
    // every object the debugger synthesises is this many bytes: a kernel struct is never near it
    if (t.size > MAX_TYPE_SIZE) fail(`${where} has size ${t.size}, larger than any kernel structure (${MAX_TYPE_SIZE} bytes)`);
    if (!Array.isArray(t.members)) fail(`${where} has no member list`);
    if (t.members.length > MAX_TYPE_MEMBERS) fail(`${where} has ${t.members.length} members, more than ${MAX_TYPE_MEMBERS}`);
    const seen = new Set<string>();
    for (const m of t.members as unknown[]) {
      if (!isObject(m) || !isValidName(m.name)) fail(`${where} has a member with a bad name`);
      if (seen.has(m.name)) fail(`${where} member ${q(m.name)} is defined twice`);
      seen.add(m.name);
      if (typeof m.type !== 'string' || m.type === '') fail(`${where} member ${q(m.name)} has no C type`);
      if (m.type.length > MAX_CTYPE_LENGTH || /[\u0000-\u001f]/.test(m.type)) fail(`${where} member ${q(m.name)} has a bad C type ${describe(m.type)}`);
      if (!isInt(m.offset) || !isInt(m.size)) fail(`${where} member ${q(m.name)} has a bad offset or size`);
      if (m.offset + m.size > t.size)
        fail(`${where} member ${q(m.name)} at offset ${m.offset} size ${m.size} ends past the struct's ${t.size} bytes`);
      // every element of an array member is at least a byte: "char [4294967296]" in 8 bytes is a lie a printer would loop over
      const elems = arrayElements(m.type);
      if (elems > m.size && !(elems === 0 && m.size === 0))
        fail(`${where} member ${q(m.name)} of type ${describe(m.type)} has ${elems === Infinity ? 'too many' : elems} elements in ${m.size} bytes`);
    }
  });
}

// ---- tables ----------------------------------------------------------------

/** The whole model: header, types and tables with every invariant of format.ts. */
export function validateModel(model: unknown): asserts model is DumpModel {
  if (!isObject(model)) fail('the dump is not an object');
  validateHeader(model.header);
  validateTypes(model.types);
  const tables = model.tables;
  if (!Array.isArray(tables)) fail('tables is not a list');
  const byName = new Map<string, Table>();
  for (const t of tables as unknown[]) {
    validateTableShape(t);
    if (byName.has(t.name)) fail(`table ${q(t.name)} appears twice`);
    byName.set(t.name, t);
  }
  const types = typeIndex(model.types);
  for (const t of byName.values()) validateTableSchema(t, types);
  const rows = new Map([...byName].map(([name, t]) => [name, t.rowCount]));
  for (const t of byName.values())
    for (const [name, c] of Object.entries(t.columns)) validateColumnReferences(t.name, name, c, rows);
}

/** Struct layouts by typedef name and by tag ("struct kmem_cache"). */
export function typeIndex(types: TypeDef[]): Map<string, TypeDef> {
  const m = new Map<string, TypeDef>();
  for (const t of types) if (t.tag !== undefined && !m.has(t.tag)) m.set(t.tag, t);
  for (const t of types) m.set(t.name, t);
  return m;
}

/** Column arrays have the right classes and lengths; list offsets are a valid CSR index. */
export function validateTableShape(t: unknown): asserts t is Table {
  if (!isObject(t)) fail('a table is not an object');
  if (!isValidName(t.name)) fail(`a table has a bad name ${describe(t.name)}`);
  const where = `table ${q(t.name)}`;
  if (!isInt(t.rowCount) || t.rowCount > MAX_ROWS) fail(`${where} has a bad row count ${describe(t.rowCount)}`);
  const n = t.rowCount;
  if (!isObject(t.columns)) fail(`${where} has no columns object`);
  // a row count no column backs would size the debugger's per-row arrays from nothing
  if (n > 0 && Object.keys(t.columns).length === 0) fail(`${where} has ${n} rows and no columns`);
  for (const name of Object.keys(t.columns)) {
    if (!isValidName(name)) fail(`${where} has a column with a bad name ${describe(name)}`);
    validateColumnShape(t.columns[name], n, `${where} column ${q(name)}`);
  }
}

/** One column of a table of `rows` rows: its array classes and lengths, a list's CSR offsets. `cw` names it. */
export function validateColumnShape(c: unknown, rows: number, cw: string): asserts c is Column {
  if (!isObject(c) || !isColumnKind(c.kind)) fail(`${cw} has a bad kind ${describe(isObject(c) ? c.kind : c)}`);
  if (c.kind === 'str') {
    const v = c.values;
    if (!Array.isArray(v)) fail(`${cw} values are not a list of strings`);
    if (v.length !== rows) fail(`${cw} has ${v.length} values, the table has ${rows} rows`);
    for (let i = 0; i < rows; i++) if (typeof v[i] !== 'string') fail(`${cw} row ${i} is not a string`);
  } else if (c.kind === 'list') {
    if (!isScalarKind(c.of)) fail(`${cw} has a bad element kind ${describe(c.of)}`);
    if (!isArrayOfKind(c.offsets, 'u32')) fail(`${cw} offsets are not a Uint32Array`);
    if (!isArrayOfKind(c.values, c.of)) fail(`${cw} values are not an array of ${c.of}`);
    checkOffsets(c.offsets as Uint32Array, rows, c.values.length, cw);
  } else {
    if (!isArrayOfKind(c.values, c.kind)) fail(`${cw} values are not an array of ${c.kind}`);
    if (c.values.length !== rows) fail(`${cw} has ${c.values.length} values, the table has ${rows} rows`);
  }
}

/** A list column's CSR offsets: rows + 1 of them, from 0, never decreasing, ending at the number of values. */
export function checkOffsets(off: Uint32Array, rows: number, values: number, cw: string): void {
  if (off.length !== rows + 1) fail(`${cw} has ${off.length} list offsets, expected ${rows + 1}`);
  if (off[0] !== 0) fail(`${cw} list offsets start at ${off[0]}, not 0`);
  let prev = 0;
  for (let i = 1; i <= rows; i++) {
    const o = off[i]!;
    if (o < prev) fail(`${cw} list offsets decrease at row ${i - 1} (${prev} then ${o})`);
    prev = o;
  }
  if (prev !== values) fail(`${cw} list offsets end at ${prev}, but there are ${values} values`);
}

/** A column's kind as format.ts specifies kinds. */
export function kindOf(c: Column): KindSpec {
  return c.kind === 'list' ? { list: c.of } : c.kind;
}

function kindName(k: KindSpec | ColumnKind): string {
  return typeof k === 'string' ? k : `list of ${k.list}`;
}

/** Struct tables match their layout; non-struct tables have format.ts's column kinds. */
function validateTableSchema(t: Table, types: Map<string, TypeDef>): void {
  validateSchema(
    t.name,
    Object.entries(t.columns).map(([name, c]) => [name, kindOf(c)] as const),
    types,
  );
}

/**
 * A table's columns against format.ts and the dump's types, from the column
 * names and kinds alone (no values): the reader checks this from the catalog
 * before any column is decompressed.
 */
export function validateSchema(table: string, columns: ReadonlyArray<readonly [string, KindSpec]>, types: Map<string, TypeDef>): void {
  const where = `table ${q(table)}`;
  const fixed = NON_STRUCT_TABLES.get(table);
  if (fixed) {
    for (const [name, kind] of columns) {
      const want = own(fixed, name);
      if (want !== undefined && kindName(want) !== kindName(kind))
        fail(`${where} column ${q(name)} is ${kindName(kind)}, format.ts says ${kindName(want)}`);
      if (want === undefined && name.endsWith('_row') && ROW_REFERENCES[name] === undefined)
        fail(`${where} column ${q(name)} is a row reference to no known table (see ROW_REFERENCES)`);
    }
    return;
  }
  const def = types.get(table);
  if (def === undefined || def.name !== table) fail(`${where} is named after no type in the dump's types`);
  const addr = columns.find(([name]) => name === 'addr');
  if (addr === undefined) fail(`${where} has no 'addr' column`);
  if (addr[1] !== 'u64') fail(`${where} column 'addr' is ${kindName(addr[1])}, expected u64`);
  // a row reference (ROW_REFERENCES) is the dump's own index, not a member
  for (const [name] of columns) if (name !== 'addr' && ROW_REFERENCES[name] === undefined) checkMemberPath(table, name, def, types);
}

/** A row-reference column (ROW_REFERENCES) holds u32 row numbers, plain or in a list. */
export function validateReferenceKind(table: string, name: string, kind: KindSpec): void {
  if (ROW_REFERENCES[name] === undefined) return;
  if ((typeof kind === 'string' ? kind : kind.list) !== 'u32')
    fail(`table ${q(table)} column ${q(name)} is ${kindName(kind)}, a row reference must be u32`);
}

/**
 * "cache_flags", "cache_full.ml_total", "mag_round": the first component is a
 * member of the struct; later components are checked while the member's type is
 * a struct the dump describes (pointers and unknown types end the check).
 */
function checkMemberPath(table: string, column: string, def: TypeDef, types: Map<string, TypeDef>): void {
  let cur: TypeDef | undefined = def;
  for (const raw of column.split('.')) {
    if (cur === undefined) return;
    const part = raw.replace(/(\[\d*\])+$/, '');
    const m: TypeDef['members'][number] | undefined = cur.members.find((x) => x.name === part);
    if (m === undefined) {
      const of = cur === def ? '' : ` (in ${cur.name})`;
      fail(`table ${q(table)} column ${q(column)} names no member of ${def.name}${of}`);
    }
    cur = structOf(m.type, types);
  }
}

function structOf(ctype: string, types: Map<string, TypeDef>): TypeDef | undefined {
  if (ctype.includes('*') || ctype.includes('(')) return undefined;
  const t = ctype.replace(/(\s*\[\d*\])+\s*$/, '').trim();
  return types.get(t) ?? types.get(t.replace(/^(struct|union)\s+/, ''));
}

/**
 * Every value of column `name` of `table`, when it is a row reference
 * (ROW_REFERENCES), is NO_ROW or a row of the table it names. `rows` holds
 * every table's row count, so each column can be checked on its own.
 */
export function validateColumnReferences(table: string, name: string, c: Column, rows: ReadonlyMap<string, number>, rowBase = 0): void {
  let target = ROW_REFERENCES[name];
  if (target === undefined) return;
  // a FreeBSD dump's frames refer to "struct thread" (format.ts, FreeBSD paragraph)
  if (name === 'thread_row' && !rows.has(target) && rows.has('struct thread')) target = 'struct thread';
  const cw = `table ${q(table)} column ${q(name)}`;
  const vals = c.kind === 'list' ? c.values : c.kind === 'str' ? undefined : c.values;
  if (!(vals instanceof Uint32Array)) fail(`${cw} is ${kindName(kindOf(c))}, a row reference must be u32`);
  const limit = rows.get(target) ?? 0;
  const bad = firstBadRow(vals, limit);
  if (bad < 0) return;
  const row = c.kind === 'list' ? rowOfValue(c.offsets, bad) : bad;
  const have = rows.has(target) ? `only ${limit} rows` : `the dump has no ${target} table`;
  fail(`${cw} row ${row + rowBase} refers to ${target} row ${vals[bad]} (${have})`);
}

/** Index of the first value that is neither NO_ROW nor below `limit`, or -1. */
function firstBadRow(vals: Uint32Array, limit: number): number {
  for (let i = 0, n = vals.length; i < n; i++) {
    const v = vals[i]!;
    if (v >= limit && v !== NO_ROW) return i;
  }
  return -1;
}

/** The row whose list holds value index `vi` (offsets are already validated). */
function rowOfValue(offsets: Uint32Array, vi: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (offsets[mid]! <= vi) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
