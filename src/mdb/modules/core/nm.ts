/*
 * ::nm — the kernel symbol table in mdb's columns: Value, Size, Type, Bind,
 * Other, Shndx, Name, '|'-separated (mdb_nm.c's layout). The dump records
 * each symbol's module, address, size and kind; binding is always GLOB and
 * the section index is a stand-in (1 for text, 3 for data) since the dump
 * keeps no section table.
 */
import { SYMKIND_FUNC, SYMKIND_OBJECT } from '../../../dump/format.js';
import { addresses, defineDcmd, flag, str, table, type Column, type Row } from '../../dcmd.js';
import { MdbError, UsageError } from '../../errors.js';
import { numtostr } from '../../render/number.js';
import type { Sym } from '../../target.js';

const FIELDS = ['ndx', 'obj', 'val', 'sz', 'type', 'bind', 'oth', 'shndx', 'name'] as const;
type Field = (typeof FIELDS)[number];
const DEFAULT_FIELDS: Field[] = ['val', 'sz', 'type', 'bind', 'oth', 'shndx', 'name'];

const typeName = (k: number): string => (k === SYMKIND_FUNC ? 'FUNC' : k === SYMKIND_OBJECT ? 'OBJT' : 'NOTY');

export default defineDcmd({
  name: 'nm',
  synopsis: '?[-dghnopvx] [-f format] [-t types] [object]',
  address: 'optional',
  summary: 'print symbols',
  help: `Prints the symbol table, or with an address the symbol containing it.
An object (module) name limits the listing to that module's symbols.

-f takes a comma-separated list of fields: ndx, obj, val, sz, type, bind,
oth, shndx, name. -t takes a list of types: func, objt, noty.

EXAMPLES
  > kmem_cache_alloc::nm
  Value              Size               Type  Bind  Other Shndx    Name
  0xfffffffffb806030|0x000000000000014e|FUNC |GLOB |0x0  |1       |kmem_cache_alloc
  > ::nm -t objt genunix
  Value              Size               Type  Bind  Other Shndx    Name
  0xfffffffffbc00000|0x0000000000000020|OBJT |GLOB |0x0  |3       |cv_sobj_ops
  0xfffffffffbc00020|0x0000000000000020|OBJT |GLOB |0x0  |3       |mutex_sobj_ops
  ...
  > ::nm -p -t func unix
  0xfffffffffb800000::nmadd -f -s 0x1a0 _locore_start
  0xfffffffffb8001a0::nmadd -f -s 0x160 _resume_from_idle
  ...`,
  options: {
    d: flag('print values and sizes in decimal'),
    f: str('format', 'fields to print'),
    g: flag('global symbols only (every symbol in a dump is global)'),
    h: flag('suppress the header'),
    n: flag('sort by name'),
    o: flag('print values and sizes in octal'),
    p: flag('print symbols as ::nmadd commands'),
    t: str('types', 'symbol types to print'),
    v: flag('sort by value'),
    x: flag('print values and sizes in hexadecimal (the default)'),
  },
  run(ctx, addr, opts, args) {
    if (args.length > 1 || (args.length === 1 && (addr !== undefined || typeof args[0] !== 'string'))) throw new UsageError();
    if ([opts.d, opts.o, opts.x].filter(Boolean).length > 1) throw new UsageError('-d/-o/-x options are mutually exclusive');
    const fields = opts.f === undefined ? DEFAULT_FIELDS : parseList(opts.f, FIELDS, 'format');
    const kinds = opts.t === undefined ? undefined : parseList(opts.t, ['func', 'objt', 'noty'] as const, 'type');
    const all = ctx.target.symbols.byAddr;
    let syms: Sym[];
    if (addr !== undefined) {
      const hit = ctx.target.symbolAt(addr);
      if (!hit) throw new MdbError(`no symbol corresponds to address ${ctx.target.formatAddr(addr)}`);
      syms = [hit.sym];
    } else {
      const obj = args[0] as string | undefined;
      syms = obj === undefined ? [...all] : all.filter((s) => s.module === obj);
      if (obj !== undefined && syms.length === 0) throw new MdbError(`unknown object file name: ${obj}`);
    }
    if (kinds) syms = syms.filter((s) => kinds.includes(typeName(s.kind).toLowerCase() as 'func' | 'objt' | 'noty'));
    if (opts.n) syms.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (ctx.pipedInto) return addresses(syms.map((s) => s.addr));
    const index = new Map(all.map((s, i) => [s, i]));
    const ps = ctx.pointerSize;
    const radix = opts.d ? 10 : opts.o ? 8 : 16;
    const num = (v: bigint): string =>
      radix === 16 ? `0x${v.toString(16).padStart(ps * 2, '0')}` : numtostr(v, radix, { unsigned: true }).padEnd(radix === 10 ? ps * 2.5 : ps * 2.75);
    const hwidth = radix === 16 ? ps * 2 + 2 : radix === 10 ? ps * 2.5 : ps * 2.75;
    if (opts.p) {
      const lines = syms.map((s) => ({
        line: `${numtostr(s.addr, 16, { unsigned: true, showbase: true })}::nmadd ${s.kind === SYMKIND_FUNC ? '-f ' : s.kind === SYMKIND_OBJECT ? '-o ' : ''}-s ${numtostr(s.size, 16, { unsigned: true, showbase: true })} ${s.name}`,
      }));
      return table([{ key: 'line', header: '' }], lines, { noHeader: true });
    }
    const spec: Record<Field, Column> = {
      ndx: { key: 'ndx', header: 'Index', width: 5, align: 'right', headerAlign: 'left' },
      obj: { key: 'obj', header: 'Object', width: 15 },
      val: { key: 'val', header: 'Value', width: hwidth, format: (v) => num(v as bigint) },
      sz: { key: 'sz', header: 'Size', width: hwidth, format: (v) => num(v as bigint) },
      type: { key: 'type', header: 'Type', width: 5 },
      bind: { key: 'bind', header: 'Bind', width: 5 },
      oth: { key: 'oth', header: 'Other', width: 5, format: (v) => (radix === 16 ? `0x${Number(v).toString(16)}` : String(v)) },
      shndx: { key: 'shndx', header: 'Shndx', width: 8 },
      name: { key: 'name', header: 'Name' },
    };
    const columns = fields.map((f) => spec[f]);
    const rows: Row[] = syms.map((s) => ({
      ndx: index.get(s) ?? 0,
      obj: s.module,
      val: s.addr,
      sz: s.size,
      type: typeName(s.kind),
      bind: 'GLOB',
      oth: 0,
      shndx: s.kind === SYMKIND_FUNC ? '1' : s.kind === SYMKIND_OBJECT ? '3' : 'ABS',
      name: s.name,
    }));
    const header = columns.map((c) => (c.key === 'name' ? c.header : c.header.padEnd(typeof c.width === 'number' ? c.width : 0))).join(' ');
    return table(columns, rows, { sep: '|', ...(opts.h ? { noHeader: true } : { headerLines: [header] }) });
  },
});

function parseList<T extends string>(s: string, allowed: readonly T[], what: string): T[] {
  const out: T[] = [];
  for (const w of s.split(',')) {
    const t = w.trim() as T;
    if (!allowed.includes(t)) throw new UsageError(`invalid ${what} '${w}'`);
    out.push(t);
  }
  return out;
}
