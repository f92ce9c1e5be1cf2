/*
 * ::vmem_seg — print or filter one vmem segment (mdb's vmem_seg()); fed by
 * a segment walk, e.g. `<arena>::walk vmem_alloc | ::vmem_seg -m 0t8192`.
 * Only allocated segments of a debug arena carry a thread, a timestamp and
 * a stack; the caller, thread and time filters drop every other segment.
 * Piped onward, a segment that passes the filters is passed on as is.
 */
import { addresses, defineDcmd, flag, str, table, text, uint, type Column } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { parseUint } from '../../../options.js';
import { hex, ptrPad } from '../../../render/number.js';
import type { Target } from '../../../target.js';
import { VMEM_STACK_DEPTH } from '../../../../dump/types/illumos/vmem.js';
import { own } from '../../../../dump/names.js';
import { readVmemSeg, segTypeName, VMEM_ALLOC, VMEM_FREE, VMEM_ROTOR, VMEM_SPAN, VMEM_WALKER, type VmemSeg } from './helpers.js';

const TYPES: Record<string, number> = {
  ALLC: VMEM_ALLOC,
  ALLOC: VMEM_ALLOC,
  FREE: VMEM_FREE,
  SPAN: VMEM_SPAN,
  ROTR: VMEM_ROTOR,
  ROTOR: VMEM_ROTOR,
  WLKR: VMEM_WALKER,
  WALKER: VMEM_WALKER,
};

/** An address to match in a stack: a number, or a function (any pc inside it). */
function callerRange(target: Target, spec: string): [bigint, bigint] {
  const n = parseUint(spec);
  const sym = n === undefined ? target.lookupSymbol(spec) : target.symbolAt(n)?.sym;
  if (n === undefined && !sym) throw new DcmdError(`failed to look up caller ${spec}: unknown symbol name`);
  const at = n ?? sym!.addr;
  // an exact function address matches anywhere in the function, as in mdb
  if (sym && sym.addr === at) return [sym.addr, sym.addr + sym.size];
  return [at, at + BigInt(target.pointerSize)];
}

/** The first frame of the stack outside vmem itself (mdb's WHO column). */
function who(target: Target, s: VmemSeg): string {
  for (const pc of s.vs_stack) {
    const hit = target.symbolAt(pc);
    if (!hit) continue;
    if (hit.sym.name.startsWith('vmem_')) continue;
    return target.formatAddr(pc);
  }
  return target.formatAddr(0n);
}

export default defineDcmd({
  name: 'vmem_seg',
  synopsis: ':[-sv] [-c caller] [-e earliest] [-l latest] [-m minsize] [-M maxsize] [-t thread] [-T type]',
  address: 'required',
  summary: 'print or filter a vmem_seg',
  help: `Prints one vmem segment (a vmem_seg_t: a range of addresses, or of
plain integers in an identifier arena), or passes it down a pipe if it
survives the filters. Usually fed by a segment walk of an arena.

Only ALLOC segments of an arena with debugging on have a thread, a
timestamp and a stack; -c, -t, -e and -l drop every segment that lacks
them. The -T types are ALLOC (or ALLC),
FREE, SPAN, ROTOR (ROTR) and WALKER (WLKR).

COLUMNS
  ADDR       address of the vmem_seg_t
  TYPE       ALLC, FREE, SPAN, ROTR or WLKR
  START      first address (or integer) of the segment
  END        one past its last (SIZE with -s)
  WHO        the first caller outside vmem, for a debug ALLOC segment

EXAMPLES
  > *kmem_va_arena::walk vmem_seg | ::vmem_seg
              ADDR TYPE            START              END WHO
  ffffff01c00070a8 SPAN 0000000000000000 0000000000000000
  ffffff01c0007190 ROTR 0000000000000000 0000000000000000
  ffffff01c001ad98 SPAN ffffff01c0a83000 ffffff01c0aa3000
  ffffff01c001acb0 ALLC ffffff01c0a83000 ffffff01c0aa3000 kmem_slab_create+0x274
  ...
  > *kmem_va_arena::walk vmem_alloc | ::vmem_seg -s -m 0t8192
              ADDR TYPE            START             SIZE WHO
  ffffff01c001acb0 ALLC ffffff01c0a83000 0000000000020000 kmem_slab_create+0x274
  ...
  > *kmem_va_arena::walk vmem_alloc | ::vmem_seg -v -c bd_xfer_alloc
              ADDR TYPE            START              END             SIZE
                                  THREAD        TIMESTAMP`,
  options: {
    c: str('caller', 'only segments whose stack holds this pc, or a pc in this function'),
    e: uint('earliest', 'only segments allocated at or after this hrtime'),
    l: uint('latest', 'only segments allocated at or before this hrtime'),
    s: flag('print the size in place of the end address'),
    m: uint('minsize', 'only segments of at least this many bytes'),
    M: uint('maxsize', 'only segments of at most this many bytes'),
    t: uint('thread', 'only segments allocated by this thread'),
    T: str('type', 'only segments of this type'),
    v: flag('print every field and the stack, one block per segment'),
  },
  input: 'vmem_seg_t',
  run(ctx, addr, opts, args) {
    if (args.length > 0 || addr === undefined) throw new UsageError();
    const t = ctx.target;
    const ps = ctx.pointerSize;
    const w = ps * 2;
    const header = ctx.first && !ctx.pipedInto;
    const vheader = `${'ADDR'.padStart(16)} ${'TYPE'.padStart(4)} ${'START'.padStart(16)} ${'END'.padStart(16)} ${'SIZE'.padStart(16)}\n` + `${''.padStart(16)} ${''.padStart(4)} ${'THREAD'.padStart(16)} ${'TIMESTAMP'.padStart(16)}\n`;
    const headerLines = [`${'ADDR'.padStart(w)} TYPE ${'START'.padStart(w)} ${(opts.s ? 'SIZE' : 'END').padStart(w)} WHO`];
    const columns: Column[] = [
      { key: 'addr', header: 'ADDR', format: (v) => ptrPad(v as bigint, ps) },
      { key: 'type', header: 'TYPE', width: 4, align: 'right' },
      { key: 'start', header: 'START', format: (v) => ptrPad(v as bigint, ps) },
      { key: opts.s ? 'size' : 'end', header: opts.s ? 'SIZE' : 'END', format: (v) => ptrPad(v as bigint, ps) },
      { key: 'who', header: 'WHO' },
    ];
    // what a filtered-out segment prints: the header, if this is the first call
    const nothing = () => (!header ? undefined : opts.v ? text(vheader, { data: undefined }) : table(columns, [], { headerLines }));

    const s = readVmemSeg(t, addr);
    if (opts.T !== undefined) {
      const want = own(TYPES, opts.T);
      if (want === undefined) throw new DcmdError(`"${opts.T}" is not a recognized vmem_seg type`);
      if (s.vs_type !== want) return nothing();
    }
    const size = BigInt.asUintN(64, s.vs_end - s.vs_start);
    if (opts.m !== undefined && opts.m !== 0n && size < opts.m) return nothing();
    if (opts.M !== undefined && opts.M !== 0n && size > opts.M) return nothing();
    const noDebug = s.vs_type !== VMEM_ALLOC || s.vs_depth === 0 || s.vs_depth > VMEM_STACK_DEPTH;
    const filtered = opts.c !== undefined || (opts.t ?? 0n) !== 0n || (opts.e ?? 0n) !== 0n || (opts.l ?? 0n) !== 0n;
    if (noDebug) {
      if (filtered) return nothing();
    } else {
      if (opts.c !== undefined) {
        const [lo, hi] = callerRange(t, opts.c);
        if (!s.vs_stack.some((pc) => pc >= lo && pc < hi)) return nothing();
      }
      if ((opts.t ?? 0n) !== 0n && s.vs_thread !== opts.t) return nothing();
      if ((opts.e ?? 0n) !== 0n && s.vs_timestamp < opts.e!) return nothing();
      if ((opts.l ?? 0n) !== 0n && s.vs_timestamp > opts.l!) return nothing();
    }
    if (ctx.pipedInto) return addresses([addr], 'vmem_seg_t');

    const type = segTypeName(s.vs_type);
    const data = {
      addr,
      type,
      start: s.vs_start,
      end: s.vs_end,
      size,
      ...(noDebug ? {} : { thread: s.vs_thread, timestamp: s.vs_timestamp, stack: s.vs_stack.map((pc) => t.formatAddr(pc)) }),
    };
    if (opts.v) {
      let out = header ? vheader : '';
      out += `${hex(addr).padStart(16)} ${type.padStart(4)} ${hex(s.vs_start).padStart(16)} ${hex(s.vs_end).padStart(16)} ${size.toString().padStart(16)}\n`;
      if (!noDebug) {
        out += `${''.padStart(16)} ${''.padStart(4)} ${hex(s.vs_thread).padStart(16)} ${hex(s.vs_timestamp).padStart(16)}\n`;
        for (const pc of s.vs_stack) out += ' '.repeat(17) + t.formatAddr(pc) + '\n';
        out += '\n';
      }
      return text(out, { data, addresses: [addr], addressType: 'vmem_seg_t' });
    }
    const row = { addr, type, start: s.vs_start, end: s.vs_end, size, who: noDebug ? '' : who(t, s) };
    return table(columns, [row], { headerLines, addresses: [addr], addressType: 'vmem_seg_t' });
  },
});
