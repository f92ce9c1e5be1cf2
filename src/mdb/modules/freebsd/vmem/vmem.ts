/*
 * FreeBSD vmem's debugger commands, as subr_vmem.c's DDB commands print
 * them: `show vmem ADDR` (vmem_summ: the arena's counters and a table of
 * busy and free segments per size class), `show all vmem` (vmem_summall),
 * `show vmemdump ADDR` (vmem_dump: every boundary tag on vm_seglist, then
 * each non-empty vm_freelist[i]) and `show all vmemdump`; and in mdb's
 * style ::vmem (one line per arena, indented under the arena it imports
 * from) and ::vmem_seg (one line per boundary tag).
 */
import { defineDcmd, flag, str, table, text, uint, type Column, type DcmdContext } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { own } from '../../../../dump/names.js';
import { ptrPad } from '../../../render/number.js';
import { BT_TYPE_BUSY, BT_TYPE_CURSOR, BT_TYPE_FREE, BT_TYPE_SPAN, BT_TYPE_SPAN_STATIC, btTypeString } from '../names.js';
import { hx, px } from '../struct.js';
import { BTAG, VMEM, arenaTree, freelists, hasVmem, notAn, readArena, sizeClasses, vmemIndex, type Arena, type VmemIndex } from './helpers.js';

/** The one line a dcmd prints on a dump whose kernel has no vmem (2004). */
export const NO_VMEM = "this dump has no vmem arenas (struct vmem): FreeBSD's vmem arrived in 2013, after this kernel";

function needVmem(ctx: DcmdContext): VmemIndex {
  if (!hasVmem(ctx.target)) throw new DcmdError(NO_VMEM);
  return vmemIndex(ctx.target);
}

/** The arena at addr, or a one-line error (naming the arena a pointer variable holds, when addr is one). */
function arenaAt(ctx: DcmdContext, idx: VmemIndex, addr: bigint): Arena {
  const r = idx.arenas.rowOf(addr);
  if (r >= 0) return readArena(ctx.target, r);
  let hint = '';
  try {
    const p = ctx.target.readPtr(addr);
    if (idx.arenas.rowOf(p) >= 0) hint = ` (it holds ${hx(p)}, an arena: use *${ctx.target.formatAddr(addr)})`;
  } catch {
    // not readable: no hint
  }
  throw new DcmdError(`${notAn(ctx.target, addr, 'struct vmem', 'a vmem arena')}${hint}`);
}

/** %zu of a size_t: vm_size - vm_inuse wraps as the kernel's arithmetic does. */
const zu = (v: bigint, ps: number): string => BigInt.asUintN(ps * 8, v).toString(10);

/** vmem_summ(): show vmem's text for one arena. */
export function vmemSumm(idx: VmemIndex, a: Arena, ps: number): string {
  let s = `vmem ${px(a.addr)} '${a.name}'\n`;
  s += `\tquantum:\t${zu(a.quantum, ps)}\n`;
  s += `\tsize:\t${zu(a.size, ps)}\n`;
  s += `\tinuse:\t${zu(a.inuse, ps)}\n`;
  s += `\tfree:\t${zu(a.size - a.inuse, ps)}\n`;
  s += `\tbusy tags:\t${a.nbusytag}\n`;
  s += `\tfree tags:\t${a.nfreetags}\n`;
  s += '\t\t\tinuse\tsize\t\tfree\tsize\n';
  for (const c of sizeClasses(idx, a)) {
    s += `\t${String(c.classSize).padEnd(15)} ${c.inuse}\t${String(c.inuseSize).padEnd(15)} ${c.free}\t${String(c.freeSize).padEnd(16)}\n`;
  }
  return s;
}

const summData = (idx: VmemIndex, a: Arena) => ({
  addr: a.addr,
  name: a.name,
  // a size, so a number in --json (a bigint under a key not named as a count would be hex)
  quantum: Number(a.quantum),
  size: a.size,
  memInUse: a.inuse,
  memFree: a.size - a.inuse,
  busyTags: a.nbusytag,
  freeTags: a.nfreetags,
  classes: sizeClasses(idx, a),
});

export const vmemSummDcmd = defineDcmd({
  name: 'vmem_summ',
  synopsis: ':',
  address: 'required',
  summary: "print a vmem arena's usage as ddb's show vmem does",
  help: `Prints a FreeBSD vmem arena (struct vmem) as ddb's "show vmem" does
(subr_vmem.c's vmem_summ): "vmem ADDR 'name'", then the quantum, the
bytes in the arena's spans (vm_size), allocated (vm_inuse) and free, the
number of busy segments (vm_nbusytag) and the spare boundary tags the
arena holds (vm_nfreetags: fewer than BT_MAXALLOC, 4, and the next
allocation that needs tags must get them from the "vmem btag" zone), then
one row per size class (ORDER2SIZE of a freelist order, in bytes): busy
segments and their bytes, free segments and their bytes. The address is
required: without one it is a usage error (ddb prints its usage line and
goes on; a batch run here reports it on stderr and exits 1). "show all
vmem" (::vmem_summall) does this for every arena.

EXAMPLES
  db> show vmem c0b02e00
  vmem 0xc0b02e00 'kernel arena dom'
  ...
  > *kernel_arena::vmem_summ
  vmem 0xc0901110 'kernel arena'
  ...`,
  options: {},
  input: VMEM,
  ddb: { words: ['show vmem'], synopsis: '<addr>' },
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    if (addr === undefined) throw new UsageError('address required', true);
    const idx = needVmem(ctx);
    const a = arenaAt(ctx, idx, addr);
    return text(vmemSumm(idx, a, ctx.pointerSize), { data: summData(idx, a), addresses: [a.addr], addressType: VMEM });
  },
});

export const vmemSummAll = defineDcmd({
  name: 'vmem_summall',
  synopsis: '',
  address: 'none',
  summary: 'print every vmem arena as ddb\'s show all vmem does',
  help: `Prints every vmem arena as "show vmem" does, in vmem_list order: the
kernel inserts each new arena at the head of that list, so the newest
arena comes first and kernel_arena last. In ddb syntax: show all vmem, or
show allvmem. The arenas whose "free tags" are below 4 are those whose
next allocation must refill their boundary tags from UMA.

EXAMPLES
  db> show all vmem
  vmem 0xc09012b8 'buffer arena'
  ...
  vmem 0xc0b02e00 'kernel arena dom'
  ...
  vmem 0xc0901110 'kernel arena'
  ...
  > ::vmem_summall
  vmem 0xc09012b8 'buffer arena'
  ...`,
  options: {},
  ddb: { words: ['show all vmem', 'show allvmem'] },
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const idx = needVmem(ctx);
    const arenas = idx.listOrder.map((r) => readArena(ctx.target, r));
    return text(arenas.map((a) => vmemSumm(idx, a, ctx.pointerSize)).join(''), {
      data: arenas.map((a) => summData(idx, a)),
      addresses: arenas.map((a) => a.addr),
      addressType: VMEM,
    });
  },
});

/** bt_dump(): "\t%p: %jx %jx, %d(%s)". */
const btLine = (idx: VmemIndex, r: number): string =>
  `\t${px(idx.addr(r))}: ${hx(idx.start(r))} ${BigInt(idx.size[r]!).toString(16)}, ${idx.type[r]}(${btTypeString(idx.type[r]!)})\n`;

/** vmem_dump(): the arena line, every tag on vm_seglist, then each non-empty freelist. */
export function vmemDump(idx: VmemIndex, a: Arena): string {
  const parts: string[] = [`vmem ${px(a.addr)} '${a.name}'\n`];
  for (const r of idx.seglist(a.row)) parts.push(btLine(idx, r));
  for (const fl of freelists(idx, a)) {
    parts.push(`freelist[${fl.order}]\n`);
    for (const r of fl.rows) parts.push(btLine(idx, r));
  }
  return parts.join('');
}

const dumpData = (idx: VmemIndex, a: Arena) => ({
  addr: a.addr,
  name: a.name,
  tags: Array.from(idx.seglist(a.row), (r) => ({
    addr: idx.addr(r),
    start: idx.start(r),
    size: BigInt(idx.size[r]!),
    type: idx.type[r]!,
  })),
  freelists: freelists(idx, a).map((f) => ({ order: f.order, tags: f.rows.map((r) => idx.addr(r)) })),
});

export const vmemDumpDcmd = defineDcmd({
  name: 'vmemdump',
  synopsis: ':',
  address: 'required',
  summary: "list a vmem arena's boundary tags as ddb's show vmemdump does",
  help: `Lists every boundary tag of a vmem arena as ddb's "show vmemdump" does
(subr_vmem.c's vmem_dump): "vmem ADDR 'name'", then each tag on the
arena's segment list, in address order, as "<tag>: <start> <size>,
<type>(<name>)" (start and size in hex; type 1 span, 2 static span, 3
free, 4 busy, 5 cursor), then each non-empty freelist[i] with its free
tags. A span (an import from the parent arena, or a vmem_add) is
followed by the free and busy segments that tile it. When the dump has
no freelist links, each free tag is listed on the freelist bt_insfree()
puts it on. The address is required: without one it is a usage error, as
for show vmem; "show all vmemdump" (::vmemdumpall) dumps every arena.
The spare tags on vm_freetags are not on the segment list: walk
vmem_freetags for them.

EXAMPLES
  db> show vmemdump c0b02e00
  vmem 0xc0b02e00 'kernel arena dom'
  ...
  > *kernel_arena::vmemdump
  vmem 0xc0901110 'kernel arena'
  ...`,
  options: {},
  input: VMEM,
  ddb: { words: ['show vmemdump'], synopsis: '<addr>' },
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    if (addr === undefined) throw new UsageError('address required', true);
    const idx = needVmem(ctx);
    const a = arenaAt(ctx, idx, addr);
    return text(vmemDump(idx, a), { data: dumpData(idx, a), addresses: [a.addr], addressType: VMEM });
  },
});

export const vmemDumpAll = defineDcmd({
  name: 'vmemdumpall',
  synopsis: '',
  address: 'none',
  summary: 'list every vmem arena\'s boundary tags as ddb\'s show all vmemdump does',
  help: `Lists the boundary tags of every vmem arena as "show vmemdump" does, in
vmem_list order (newest arena first). In ddb syntax: show all vmemdump.
On a large dump this prints one line per tag: pipe it through grep.

EXAMPLES
  db> show all vmemdump
  vmem 0xc09012b8 'buffer arena'
  ...
  > ::vmemdumpall
  vmem 0xc09012b8 'buffer arena'
  ...`,
  options: {},
  ddb: { words: ['show all vmemdump', 'show allvmemdump'] },
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const idx = needVmem(ctx);
    const arenas = idx.listOrder.map((r) => readArena(ctx.target, r));
    return text(arenas.map((a) => vmemDump(idx, a)).join(''), { data: arenas.map((a) => dumpData(idx, a)), addresses: arenas.map((a) => a.addr), addressType: VMEM });
  },
});

/** mdb's VMEM_NAMEWIDTH */
const NAMEWIDTH = 22;
const dec = (v: unknown): string => String(v);

const vmemColumns = (ps: number): Column[] => [
  { key: 'addr', header: 'ADDR', width: 'ptr', format: (v) => ptrPad(v as bigint, ps) },
  { key: 'label', header: 'NAME', width: NAMEWIDTH },
  { key: 'memInUse', header: 'INUSE', width: 10, align: 'right', format: dec },
  { key: 'memTotal', header: 'TOTAL', width: 12, align: 'right', format: dec },
  { key: 'busyTags', header: 'BUSYTAGS', width: 8, align: 'right', format: dec },
  { key: 'freeTags', header: 'FREETAGS', width: 8, align: 'right', format: dec },
];

export const vmemDcmd = defineDcmd({
  name: 'vmem',
  synopsis: '?',
  address: 'optional',
  summary: 'print FreeBSD vmem arenas',
  help: `Prints FreeBSD vmem arenas (struct vmem) in mdb's style, one line each:
every arena in vmem walk order (each after the arena it imports from,
vm_source, indented under it), or the arena at the address. FreeBSD's
arenas keep no allocation counts, so where illumos's ::vmem prints SUCCEED
and FAIL this prints the boundary tag counts: BUSYTAGS (vm_nbusytag, busy
segments) and FREETAGS (vm_nfreetags, the arena's stock of spare tags; an
allocation needs up to BT_MAXALLOC, 4, and refills the stock from the
"vmem btag" zone when it is below that). ddb's view of an arena is "show
vmem" (::vmem_summ).

COLUMNS
  ADDR      address of the struct vmem
  NAME      arena name (vm_name), indented 2 spaces per import level
  INUSE     bytes allocated (vm_inuse)
  TOTAL     bytes in the arena's spans (vm_size)
  BUSYTAGS  busy segments (vm_nbusytag)
  FREETAGS  spare boundary tags on vm_freetags (vm_nfreetags)

EXAMPLES
  > ::vmem
  ADDR     NAME                        INUSE        TOTAL BUSYTAGS FREETAGS
  c0901110 kernel arena             29360128     50331648       14       10
  c0b02e00   kernel arena dom       28753920     29360128     1784        3
  ...
  > *kernel_arena::vmem
  ADDR     NAME                        INUSE        TOTAL BUSYTAGS FREETAGS
  c0901110 kernel arena             29360128     50331648       14       10`,
  options: {},
  input: VMEM,
  walker: 'vmem',
  run(ctx, addr, _opts, args) {
    if (args.length > 0 || addr === undefined) throw new UsageError();
    const idx = needVmem(ctx);
    const a = arenaAt(ctx, idx, addr);
    const depth = depthOf(ctx, a.row);
    const label = (' '.repeat(2 * depth) + a.name).slice(0, NAMEWIDTH - 1);
    const row = { addr: a.addr, name: a.name, label, memInUse: a.inuse, memTotal: a.size, busyTags: a.nbusytag, freeTags: a.nfreetags, source: a.source };
    return table(vmemColumns(ctx.pointerSize), [row], { addresses: [a.addr], addressType: VMEM });
  },
});

function depthOf(ctx: DcmdContext, row: number): number {
  const key = 'freebsd.vmem.depth';
  let m = ctx.cache.get(key) as { target: unknown; depth: Map<number, number> } | undefined;
  if (!m || m.target !== ctx.target) {
    m = { target: ctx.target, depth: new Map(arenaTree(ctx.target).map((x) => [x.row, x.depth])) };
    ctx.cache.set(key, m);
  }
  return m.depth.get(row) ?? 0;
}

/** ::vmem_seg's TYPE column, four letters as illumos's. */
const SEGTYPE: Record<number, string> = {
  0: 'SPRE',
  [BT_TYPE_SPAN]: 'SPAN',
  [BT_TYPE_SPAN_STATIC]: 'SSPN',
  [BT_TYPE_FREE]: 'FREE',
  [BT_TYPE_BUSY]: 'BUSY',
  [BT_TYPE_CURSOR]: 'CURS',
};
/**
 * -T's words, case-insensitive: subr_vmem.c's BT_TYPE_* names without the
 * prefix, the TYPE column's four letters, and illumos's ALLOC/ALLC for a
 * busy segment (an mdb user's habit).
 */
const TYPE_WORDS: Record<string, number> = {
  span: BT_TYPE_SPAN,
  span_static: BT_TYPE_SPAN_STATIC,
  static: BT_TYPE_SPAN_STATIC,
  sspn: BT_TYPE_SPAN_STATIC,
  free: BT_TYPE_FREE,
  busy: BT_TYPE_BUSY,
  alloc: BT_TYPE_BUSY,
  allc: BT_TYPE_BUSY,
  cursor: BT_TYPE_CURSOR,
  curs: BT_TYPE_CURSOR,
  spare: 0,
  spre: 0,
};
const TYPE_LIST = 'SPAN, SPAN_STATIC (STATIC, SSPN), FREE, BUSY (ALLOC), CURSOR (CURS) or SPARE (SPRE)';

/** illumos's filters that need a debug segment's thread, timestamp or stack: a FreeBSD btag has none of them. */
const DEBUG_ONLY: Record<string, string> = { c: 'stack', e: 'timestamp', l: 'timestamp', t: 'thread' };

export const vmemSeg = defineDcmd({
  name: 'vmem_seg',
  // illumos's synopsis, so an mdb user's command line parses; -c, -e, -l and -t are refused in run
  synopsis: ':[-sv] [-c caller] [-e earliest] [-l latest] [-m minsize] [-M maxsize] [-t thread] [-T type]',
  address: 'required',
  summary: 'print or filter a FreeBSD vmem boundary tag',
  help: `Prints a FreeBSD vmem boundary tag (struct vmem_btag), one line each, if
it survives the filters: its address, type, the segment's start and end
(-s: its size) and the arena it belongs to. Pipe a walk into it: the
vmem_btag walker lists an arena's segment list, vmem_freetags its spare
tags. The options are illumos's ::vmem_seg's, as far as a FreeBSD tag
has what they filter on.

OPTIONS
  -s          print the size (hex) in place of the end address
  -v          print the end and the size in decimal (no thread, timestamp
              or stack line: a FreeBSD tag records none)
  -m minsize  only segments of at least minsize bytes
  -M maxsize  only segments of at most maxsize bytes
  -T type     only tags of this type, case-insensitive: SPAN (an imported
              span), SPAN_STATIC (STATIC, SSPN: a static span from vmem_add
              or vmem_create), FREE, BUSY (ALLOC), CURSOR (CURS: the
              next-fit cursor) or SPARE (SPRE: a spare tag on the arena's
              vm_freetags)
  -c, -e, -l, -t  refused with one line: illumos filters on a debug
              segment's caller, timestamps and thread, and a FreeBSD
              boundary tag records none of them

COLUMNS
  ADDR   address of the struct vmem_btag
  TYPE   SPAN, SSPN, FREE, BUSY, CURS or SPRE
  START  first address of the segment (bt_start)
  END    one past its last (SIZE with -s: bt_size)
  ARENA  the arena whose segment list holds it

EXAMPLES
  > c0b02e00::walk vmem_btag | ::vmem_seg -T free
  ADDR     TYPE    START      END ARENA
  ...
  > c0b02e00::walk vmem_btag | ::vmem_seg -T free -m 0t1048576 -s
  ADDR     TYPE    START     SIZE ARENA
  ...
  > c0901110::walk vmem_freetags | ::vmem_seg -s
  ADDR     TYPE    START     SIZE ARENA
  c0f056ac SPRE        0        0 kernel arena
  c0f05690 SPRE        0        0 kernel arena
  ...`,
  options: {
    c: str('caller', 'refused: a FreeBSD boundary tag records no stack'),
    e: uint('earliest', 'refused: a FreeBSD boundary tag records no timestamp'),
    l: uint('latest', 'refused: a FreeBSD boundary tag records no timestamp'),
    s: flag('print the size rather than the end'),
    m: uint('minsize', 'only segments of at least this many bytes'),
    M: uint('maxsize', 'only segments of at most this many bytes'),
    t: uint('thread', 'refused: a FreeBSD boundary tag records no thread'),
    T: str('type', `only tags of this type: ${TYPE_LIST}`),
    v: flag('print the end and the decimal size'),
  },
  input: BTAG,
  run(ctx, addr, opts, args) {
    if (args.length > 0 || addr === undefined) throw new UsageError();
    for (const [o, what] of Object.entries(DEBUG_ONLY)) {
      if ((opts as Record<string, unknown>)[o] !== undefined) throw new DcmdError(`-${o}: a FreeBSD boundary tag (struct vmem_btag) records no ${what} to filter on`);
    }
    const idx = needVmem(ctx);
    const r = idx.tags.rowOf(addr);
    if (r < 0) throw new DcmdError(notAn(ctx.target, addr, 'struct vmem_btag', 'a boundary tag'));
    let want: number | undefined;
    if (opts.T !== undefined) {
      want = own(TYPE_WORDS, opts.T.toLowerCase());
      if (want === undefined) throw new DcmdError(`"${opts.T}" is not a recognized vmem_seg type: ${TYPE_LIST}`);
    }
    const ptrCol = (key: string, header: string): Column => ({ key, header, width: 'ptr', align: 'right', format: (v) => hx(v as bigint) });
    const columns: Column[] = [
      { key: 'addr', header: 'ADDR', width: 'ptr', format: (v) => ptrPad(v as bigint, ctx.pointerSize) },
      { key: 'typeName', header: 'TYPE', width: 4 },
      ptrCol('start', 'START'),
      ...(opts.v
        ? [ptrCol('end', 'END'), { key: 'size', header: 'SIZE', width: 10, align: 'right' as const, format: dec }]
        : [opts.s ? ptrCol('size', 'SIZE') : ptrCol('end', 'END')]),
      { key: 'arena', header: 'ARENA' },
    ];
    const type = idx.type[r]!;
    const start = idx.start(r);
    const size = BigInt(idx.size[r]!);
    // a filtered-out tag prints only the header, and only as the first of a walk
    const dropped = (want !== undefined && type !== want) || (opts.m !== undefined && opts.m !== 0n && size < opts.m) || (opts.M !== undefined && opts.M !== 0n && size > opts.M);
    if (dropped) {
      if (!ctx.first) return;
      return table(columns, [], { addresses: [] });
    }
    const a = idx.arenaOf(r);
    const row = { addr, type, typeName: SEGTYPE[type] ?? String(type), start, size, end: start + size, arena: a >= 0 ? idx.arenas.chars(a, 'vm_name') : '?', arenaAddr: a >= 0 ? idx.arenas.addr(a) : 0n };
    return table(columns, [row], { addresses: [addr], addressType: BTAG });
  },
});
