/*
 * ::bufctl — one audit record (kmem_bufctl_audit_t) of a KMF_AUDIT cache:
 * the buffer, when, which thread and who called the allocator (models mdb's
 * bufctl() in genunix kmem.c). The filters (-a, -c, -t, -e, -l) print
 * nothing on a mismatch, so the dcmd is a pipeline stage:
 * `<cache>::walk bufctl | ::bufctl -c foo | ::bufctl -v`. The stack is
 * bc_stack[0 .. bc_depth), which the dump stores as a row of `stacks`.
 */
import { defineDcmd, flag, str, table, text, type Column, type Row } from '../../../dcmd.js';
import { TABLE_STACKS } from '../../../../dump/format.js';
import { UsageError } from '../../../errors.js';
import { hex, ptrPad } from '../../../render/number.js';
import type { Target } from '../../../target.js';
import type { ScalarArray } from '../../../../dump/format.js';
import { StructView } from './struct-view.js';
import { chunksOf } from '../../../../dump/chunks.js';

/** The members of a kmem_bufctl_audit_t that ::bufctl shows. */
export interface BufctlAudit {
  addr: bigint;
  bc_addr: bigint;
  bc_cache: bigint;
  bc_timestamp: bigint;
  bc_thread: bigint;
  bc_lastlog: bigint;
  bc_contents: bigint;
  /** bc_stack[0 .. bc_depth), innermost first */
  bc_stack: bigint[];
}

/**
 * bc_stack when the dump stores it as a row of `stacks` (format.ts): the
 * pcs of that row, zero-padded to the array's length. The target's byte
 * synthesis reads such a column as the row number, so it is resolved here.
 */
function storedStack(target: Target, addr: bigint): bigint[] | undefined {
  // the row starting at addr (the last one, as objectsIn's first with that base), from that table alone
  const ref = target.memory.rowAt('kmem_bufctl_audit_t', addr);
  // the cell alone: only its chunk of rows is read (dump/chunks.ts)
  const col = chunksOf(target.table('kmem_bufctl_audit_t'), 'bc_stack');
  const pcs = target.table(TABLE_STACKS)?.columns['pcs'];
  if (!ref || !col || pcs?.kind !== 'list') return undefined;
  const k = Math.floor(ref.row / col.chunkRows);
  const row = Number(col.chunk(k)[ref.row - k * col.chunkRows]!);
  const n = stackSlots(target);
  // the row's pcs, zero-padded (or cut) to the array's length
  const out = new Array<bigint>(n);
  const from = row < pcs.offsets.length - 1 ? pcs.offsets[row]! : 0;
  const count = row < pcs.offsets.length - 1 ? pcs.offsets[row + 1]! - from : 0;
  for (let i = 0; i < n; i++) out[i] = i < count ? BigInt(pcs.values[from + i]!) : 0n;
  return out;
}

/** bc_stack's length in pcs, per dump (its member looked up once, not for every record read). */
const stackLengths = new WeakMap<Target, number>();

function stackSlots(target: Target): number {
  let n = stackLengths.get(target);
  if (n === undefined) {
    const len = target.types.need('kmem_bufctl_audit_t').members.find((m) => m.name === 'bc_stack');
    n = Math.max(0, len ? Math.floor(len.size / target.pointerSize) : 0);
    stackLengths.set(target, n);
  }
  return n;
}

/** The audit bufctl at addr ("couldn't read bufctl at <addr>"). */
export function readBufctl(target: Target, addr: bigint): BufctlAudit {
  const v = StructView.read(target, 'kmem_bufctl_audit_t', addr, 'bufctl');
  const stack = storedStack(target, v.addr) ?? v.array('bc_stack', target.pointerSize);
  const depth = Math.max(0, Math.min(Number(v.s('bc_depth')), stack.length));
  return {
    addr: v.addr,
    bc_addr: v.u('bc_addr'),
    bc_cache: v.u('bc_cache'),
    bc_timestamp: v.u('bc_timestamp'),
    bc_thread: v.u('bc_thread'),
    bc_lastlog: v.u('bc_lastlog'),
    bc_contents: v.u('bc_contents'),
    bc_stack: stack.slice(0, depth),
  };
}

/**
 * A reader of kmem_bufctl_audit_t rows straight from the table's columns,
 * for a pass over every record (the kmem logs): what readBufctl() decodes
 * from the bytes memory synthesizes out of the same columns, without
 * building those bytes. Undefined when a column is not a plain scalar (a
 * dump with another layout): callers then read through memory.
 */
export function bufctlRowReader(target: Target): ((row: number) => BufctlAudit) | undefined {
  const t = target.table('kmem_bufctl_audit_t');
  const def = target.types.get('kmem_bufctl_audit_t');
  const pcs = target.table(TABLE_STACKS)?.columns['pcs'];
  if (!t || !def || pcs?.kind !== 'list') return undefined;
  const scalar = (name: string): { values: ScalarArray; bits: bigint } | undefined => {
    const c = t.columns[name];
    const m = def.members.find((x) => x.name === name);
    if (!c || c.kind === 'str' || c.kind === 'list' || !m || m.size < 1 || m.size > 8 || c.values.length !== t.rowCount) return undefined;
    return { values: c.values, bits: BigInt(m.size * 8) };
  };
  const names = ['addr', 'bc_addr', 'bc_cache', 'bc_timestamp', 'bc_thread', 'bc_lastlog', 'bc_contents', 'bc_depth', 'bc_stack'] as const;
  // bc_stack's column is the row of `stacks` holding the pcs (the member itself is an array)
  const stackCol = t.columns['bc_stack'];
  const stackRows = stackCol && stackCol.kind !== 'str' && stackCol.kind !== 'list' && stackCol.values.length === t.rowCount ? { values: stackCol.values, bits: 64n } : undefined;
  const cols = names.map((n) => (n === 'addr' ? { values: addrColumn(t), bits: 64n } : n === 'bc_stack' ? stackRows : scalar(n)));
  if (cols.some((c) => c === undefined)) return undefined;
  const [addr, bcAddr, cache, ts, thread, lastlog, contents, depth, stack] = cols as Array<{ values: ScalarArray; bits: bigint }>;
  const stackMember = def.members.find((m) => m.name === 'bc_stack');
  const n = stackMember ? Math.floor(stackMember.size / target.pointerSize) : 0;
  // what a member of that size holds of the column's value, read back unsigned
  const u = (c: { values: ScalarArray; bits: bigint }, i: number): bigint => {
    const v = c.values[i]!;
    return BigInt.asUintN(Number(c.bits), typeof v === 'bigint' ? v : BigInt(v));
  };
  return (i) => {
    const srow = Number(stack!.values[i]!);
    const out: bigint[] = [];
    if (srow >= 0 && srow < pcs.offsets.length - 1) for (let k = pcs.offsets[srow]!; k < pcs.offsets[srow + 1]! && out.length < n; k++) out.push(BigInt(pcs.values[k]!));
    // bc_depth is signed in the kernel; the stack is zero-padded to the array's length
    const d = Number(BigInt.asIntN(Number(depth!.bits), u(depth!, i)));
    const keep = Math.max(0, Math.min(d, n));
    while (out.length < keep) out.push(0n);
    return {
      addr: u(addr!, i),
      bc_addr: u(bcAddr!, i),
      bc_cache: u(cache!, i),
      bc_timestamp: u(ts!, i),
      bc_thread: u(thread!, i),
      bc_lastlog: u(lastlog!, i),
      bc_contents: u(contents!, i),
      bc_stack: out.slice(0, keep),
    };
  };
}

function addrColumn(t: { columns: Record<string, { kind: string; values?: unknown }>; rowCount: number }): ScalarArray {
  const c = t.columns['addr'];
  return c && c.kind === 'u64' ? (c.values as ScalarArray) : new BigUint64Array(t.rowCount);
}

/** The first frame outside the allocator (not named kmem_*): what CALLER shows. */
export function bufctlCaller(target: Target, stack: readonly bigint[]): bigint | undefined {
  for (const pc of stack) {
    const hit = target.symbolAt(pc);
    if (!hit) continue; // mdb skips frames it cannot name
    if (hit.sym.name.startsWith('kmem_')) continue;
    return pc;
  }
  return undefined;
}

/** The filters of ::bufctl, as addresses and times. */
export interface BufctlFilter {
  addr?: bigint;
  /** a pc range [lo, hi): a whole function, or one pc */
  caller?: [bigint, bigint];
  thread?: bigint;
  earliest?: bigint;
  latest?: bigint;
}

/**
 * The pcs -c matches: a function's whole body when the value is where a
 * function starts, else that one pc.
 */
export function callerRange(target: Target, pc: bigint): [bigint, bigint] {
  const hit = target.symbolAt(pc);
  if (hit && hit.offset === 0n && hit.sym.size > 0n) return [pc, pc + hit.sym.size];
  return [pc, pc + 1n];
}

export function bufctlMatches(bc: BufctlAudit, f: BufctlFilter): boolean {
  if (f.addr !== undefined && bc.bc_addr !== f.addr) return false;
  if (f.thread !== undefined && bc.bc_thread !== f.thread) return false;
  const ts = BigInt.asIntN(64, bc.bc_timestamp);
  if (f.earliest !== undefined && ts < f.earliest) return false;
  if (f.latest !== undefined && ts > f.latest) return false;
  if (f.caller !== undefined) {
    const [lo, hi] = f.caller;
    if (!bc.bc_stack.some((pc) => pc >= lo && pc < hi)) return false;
  }
  return true;
}

/**
 * A bufctl's history (bufctl_history_walk): the bufctl, then its earlier
 * transactions, following bc_lastlog into the transaction log while the
 * records are of the same buffer and cache and get older.
 */
export function* bufctlHistory(target: Target, addr: bigint): Generator<bigint> {
  const first = readBufctl(target, addr);
  yield addr;
  let ts = first.bc_timestamp;
  let next = first.bc_lastlog;
  for (let guard = 0; next !== 0n && guard < 4096; guard++) {
    let bc: BufctlAudit;
    try {
      bc = readBufctl(target, next);
    } catch {
      return;
    }
    if (bc.bc_addr !== first.bc_addr || bc.bc_cache !== first.bc_cache) return;
    // the log's copy of the current transaction is the bufctl itself
    if (bc.bc_timestamp < ts) {
      yield bc.addr;
      ts = bc.bc_timestamp;
    } else if (bc.bc_timestamp > ts) return;
    if (bc.bc_lastlog === next) return;
    next = bc.bc_lastlog;
  }
}

const r16 = (s: string): string => s.padStart(16);

/** The two header lines of ::bufctl -v. */
export function bufctlVerboseHeader(): string {
  return `${r16('ADDR')} ${r16('BUFADDR')} ${r16('TIMESTAMP')} ${r16('THREAD')}\n${r16('')} ${r16('CACHE')} ${r16('LASTLOG')} ${r16('CONTENTS')}\n`;
}

/**
 * One record as ::bufctl -v prints it: two value lines, the stack indented
 * 17 (under CACHE), then a blank line. `indent` shifts every line (::whatis
 * prints the record 8 columns in).
 */
export function formatBufctlVerbose(target: Target, bc: BufctlAudit, header: boolean, indent = 0): string {
  // one string built line by line (::whatis prints one of these for each audited buffer it is asked about)
  const pad = indent > 0 ? ' '.repeat(indent) : '';
  let out = header ? pad + HEADER_LINE_1 + '\n' + pad + HEADER_LINE_2 + '\n' : '';
  out += pad + r16(hex(bc.addr)) + ' ' + r16(hex(bc.bc_addr)) + ' ' + r16(hex(bc.bc_timestamp)) + ' ' + r16(hex(bc.bc_thread)) + '\n';
  out += pad + BLANK16 + ' ' + r16(hex(bc.bc_cache)) + ' ' + r16(hex(bc.bc_lastlog)) + ' ' + r16(hex(bc.bc_contents));
  const stack = bc.bc_stack;
  for (let i = 0; i < stack.length; i++) out += '\n' + pad + STACK_INDENT + target.formatAddr(stack[i]!);
  return out + '\n\n';
}

/** The header lines of ::bufctl -v without their trailing blanks, and the pieces of each record line. */
const HEADER_LINE_1 = bufctlVerboseHeader().trimEnd().split('\n')[0]!;
const HEADER_LINE_2 = bufctlVerboseHeader().trimEnd().split('\n')[1]!;
const BLANK16 = r16('');
const STACK_INDENT = ' '.repeat(17);

const columns = (ps: number): Column[] => [
  { key: 'addr', header: 'ADDR', width: 'ptr', format: (v) => ptrPad(v as bigint, ps) },
  { key: 'bufAddr', header: 'BUFADDR', width: 'ptr', format: (v) => ptrPad(v as bigint, ps) },
  { key: 'timestamp', header: 'TIMESTAMP', width: 12, align: 'right', headerAlign: 'left', format: (v) => hex(v as bigint) },
  { key: 'thread', header: 'THREAD', width: 'ptr', format: (v) => ptrPad(v as bigint, ps) },
  { key: 'caller', header: 'CALLER', format: (v) => (v as string | undefined) ?? '' },
];

export default defineDcmd({
  name: 'bufctl',
  synopsis: ':[-vh] [-a addr] [-c caller] [-t thread] [-e earliest] [-l latest]',
  address: 'required',
  summary: 'print or filter a bufctl',
  help: `Prints the kmem_bufctl_audit_t at the given address: the audit record a
KMF_AUDIT cache keeps for each buffer, saying when the buffer was last
allocated or freed, by which thread, and from where. CALLER is the first
frame of the saved stack outside the allocator (not named kmem_*).

The filters print nothing for a record that does not match, so ::bufctl
can sit in the middle of a pipeline; piped on, it passes the matching
bufctls' addresses.

OPTIONS
  -h          also the buffer's earlier transactions, newest first, from
              the transaction log (the bufctl_history walk)
  -v          print the whole record: also the cache, the log entry, the
              saved contents and every frame of the stack
  -a addr     only the record of the buffer at addr
  -c caller   only records whose stack holds caller (a function: any pc
              inside it; any other address: that pc)
  -t thread   only records of that thread
  -e earliest only records at or after this hrtime
  -l latest   only records at or before this hrtime

EXAMPLES
  > ffffff01c1347b18::bufctl
  mdb: couldn't read bufctl at ffffff01c1347b18
  > ffffff01c1347b18::bufctl -v
  mdb: couldn't read bufctl at ffffff01c1347b18
`,
  options: {
    v: flag('print the whole record, with its stack'),
    h: flag('also print the records of its earlier transactions (bufctl_history)'),
    a: str('addr', 'only the record of this buffer'),
    c: str('caller', 'only records whose stack holds this function or pc'),
    t: str('thread', 'only records of this thread'),
    e: str('earliest', 'only records at or after this hrtime'),
    l: str('latest', 'only records at or before this hrtime'),
  },
  input: 'kmem_bufctl_audit_t',
  run(ctx, addr, opts, args) {
    if (args.length > 0 || addr === undefined) throw new UsageError();
    const filter: BufctlFilter = {};
    if (opts.a !== undefined) filter.addr = ctx.evalExpr(opts.a);
    if (opts.t !== undefined) filter.thread = ctx.evalExpr(opts.t);
    if (opts.c !== undefined) filter.caller = callerRange(ctx.target, ctx.evalExpr(opts.c));
    if (opts.e !== undefined) filter.earliest = BigInt.asIntN(64, ctx.evalExpr(opts.e));
    if (opts.l !== undefined) filter.latest = BigInt.asIntN(64, ctx.evalExpr(opts.l));
    const all = (opts.h ? [...bufctlHistory(ctx.target, addr)] : [addr]).map((a) => readBufctl(ctx.target, a));
    const hits = all.filter((b) => bufctlMatches(b, filter));
    const match = hits.length > 0;
    const bc = all[0]!;
    if (ctx.pipedInto) return { kind: 'addresses', addresses: hits.map((b) => b.addr), addressType: 'kmem_bufctl_audit_t' };
    // mdb prints the header before reading the record (DCMD_HDRSPEC): a loop that matches nothing still has one
    const header = ctx.first || !ctx.loop;
    if (opts.v) {
      if (!match) return header ? text(bufctlVerboseHeader(), { data: undefined }) : undefined;
      return text(hits.map((b, i) => formatBufctlVerbose(ctx.target, b, header && i === 0)).join(''), { data: opts.h ? hits : bc });
    }
    if (!match && !ctx.first) return;
    const rows: Row[] = hits.map((b) => {
      const caller = bufctlCaller(ctx.target, b.bc_stack);
      return { addr: b.addr, bufAddr: b.bc_addr, timestamp: b.bc_timestamp, thread: b.bc_thread, caller: caller === undefined ? undefined : ctx.target.formatAddr(caller) };
    });
    return table(columns(ctx.pointerSize), rows, { addresses: hits.map((b) => b.addr), addressType: 'kmem_bufctl_audit_t' });
  },
});
