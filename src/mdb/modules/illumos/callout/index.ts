/*
 * Callouts (genunix.c's ::callout and its walkers): every callout table of
 * callout_table[] (CALLOUT_NTYPES per CPU: realtime "R" then normal "N"),
 * each table's expired lists, its callout queue and its 512 list-hash
 * buckets, each list's callouts in order. A callout prints as its CPU's
 * sequence ID, type, expiration (hrtime), the XHAL flags (eXecuting,
 * Hrestime, Absolute, Long-term), its ID and FUNC(ARG). Filters and views
 * follow mdb's; what a table holds is what the dump's memory says.
 *
 * Walkers: callout_table (the tables, or one), callout_list (lists along
 * cl_next), callouts_bytime (callouts along c_clnext), callouts_byid (along
 * c_idnext).
 */
import { defineDcmd, defineWalker, flag, str, text, uint, type Module } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { typeOffset } from '../taskq/helpers.js';

const CALLOUT_BUCKETS = 512;
const CALLOUT_TYPE_MASK = 1;
const CALLOUT_REALTIME = 0;
const CALLOUT_NORMAL = 1;
const CALLOUT_ID_FREE = 0x8000000000000000n;
const CALLOUT_EXECUTING = 0x4000000000000000n;
const CALLOUT_ID_MASK = ~(CALLOUT_ID_FREE | CALLOUT_EXECUTING) & 0xffffffffffffffffn;
const CALLOUT_LONGTERM = 0x80000000n;
const CALLOUT_LIST_FLAG_FREE = 0x1;
const CALLOUT_LIST_FLAG_ABSOLUTE = 0x2;
const CALLOUT_LIST_FLAG_HRESTIME = 0x4;
const CALLOUT_LIST_FLAG_HEAPED = 0x10;
const CALLOUT_LIST_FLAG_QUEUED = 0x20;
const TYPENAMES = ['R', 'N'];
/**
 * At most this many callouts and lists in one ::callout or walk: a kernel
 * has a few thousand; an address that is not a callout table, whose
 * hash buckets are arbitrary heap words, must not read the heap for minutes.
 */
const MAX_CHAIN = 1_000_000;

/** the elements one command has left to visit over all its chains */
interface Budget {
  left: number;
}

const hx = (v: bigint): string => BigInt.asUintN(64, v).toString(16);
const off = (t: Target, type: string, m: string): bigint => typeOffset(t, type, m);

function readVar(target: Target, name: string, size: 4 | 8): bigint {
  const s = target.lookupSymbol(name);
  if (!s) throw new DcmdError(`failed to read '${name}'`);
  try {
    return size === 8 ? target.readU64(s.addr) : BigInt(target.readU32(s.addr));
  } catch {
    throw new DcmdError(`failed to read '${name}'`);
  }
}

interface Table {
  addr: bigint;
  index: number;
  free: bigint;
  lfree: bigint;
  idhash: bigint;
  clhash: bigint;
  cyclic: bigint;
  heap: bigint;
  heapNum: bigint;
  heapMax: bigint;
  taskq: bigint;
  expired: bigint;
  queue: bigint;
  mutex: bigint;
}

function readTable(target: Target, addr: bigint, index: number): Table {
  const T = 'callout_table_t';
  const p = (m: string): bigint => target.readPtr(addr + off(target, T, m));
  try {
    return {
      addr,
      index,
      free: p('ct_free'),
      lfree: p('ct_lfree'),
      idhash: p('ct_idhash'),
      clhash: p('ct_clhash'),
      cyclic: p('ct_cyclic'),
      heap: p('ct_heap'),
      heapNum: target.readU64(addr + off(target, T, 'ct_heap_num')),
      heapMax: target.readU64(addr + off(target, T, 'ct_heap_max')),
      taskq: p('ct_taskq'),
      expired: target.readPtr(addr + off(target, T, 'ct_expired') + off(target, 'callout_hash_t', 'ch_head')),
      queue: target.readPtr(addr + off(target, T, 'ct_queue') + off(target, 'callout_hash_t', 'ch_head')),
      mutex: addr + off(target, T, 'ct_mutex'),
    };
  } catch {
    throw new DcmdError(`failed to read callout_table at ${hx(addr)}`);
  }
}

interface List {
  addr: bigint;
  next: bigint;
  prev: bigint;
  expiration: bigint;
  head: bigint;
  flags: number;
}

function readList(target: Target, addr: bigint): List {
  const L = 'callout_list_t';
  try {
    return {
      addr,
      next: target.readPtr(addr + off(target, L, 'cl_next')),
      prev: target.readPtr(addr + off(target, L, 'cl_prev')),
      expiration: BigInt.asIntN(64, target.readU64(addr + off(target, L, 'cl_expiration'))),
      head: target.readPtr(addr + off(target, L, 'cl_callouts') + off(target, 'callout_hash_t', 'ch_head')),
      flags: target.readU32(addr + off(target, L, 'cl_flags')) | 0,
    };
  } catch {
    throw new DcmdError(`failed to read callout_list at ${hx(addr)}`);
  }
}

interface Co {
  addr: bigint;
  idnext: bigint;
  idprev: bigint;
  clnext: bigint;
  clprev: bigint;
  func: bigint;
  arg: bigint;
  executor: bigint;
  done: bigint;
  waiting: number;
  xid: bigint;
  list: bigint;
}

function readCallout(target: Target, addr: bigint): Co {
  const C = 'callout_t';
  const p = (m: string): bigint => target.readPtr(addr + off(target, C, m));
  try {
    return {
      addr,
      idnext: p('c_idnext'),
      idprev: p('c_idprev'),
      clnext: p('c_clnext'),
      clprev: p('c_clprev'),
      func: p('c_func'),
      arg: p('c_arg'),
      executor: p('c_executor'),
      done: addr + off(target, C, 'c_done'),
      waiting: target.readU16(addr + off(target, C, 'c_waiting')),
      xid: target.readU64(addr + off(target, C, 'c_xid')),
      list: p('c_list'),
    };
  } catch {
    throw new DcmdError(`failed to read callout at ${hx(addr)}`);
  }
}

/** callout_table_walk: every table of callout_table[] (CALLOUT_NTYPES * max_ncpus), or the one at addr */
function* tablesFrom(target: Target, addr: bigint | undefined): Generator<Table> {
  const base = readVar(target, 'callout_table', 8);
  const size = BigInt(target.types.get('callout_table_t')?.size ?? 0);
  if (size === 0n) throw new DcmdError('the dump has no type callout_table_t');
  if (addr !== undefined) {
    yield readTable(target, addr, Number((addr - base) / size));
    return;
  }
  const maxNcpus = Number(readVar(target, 'max_ncpus', 4));
  const n = 2 * Math.max(0, Math.min(maxNcpus, 4096));
  for (let i = 0; i < n; i++) yield readTable(target, base + BigInt(i) * size, i);
}

/**
 * A NULL-terminated chain. mdb's list walks would follow a corrupt chain
 * forever; this one stops with one line when the chain comes back to an
 * element it has visited or the command's budget runs out.
 */
function* chain<T>(start: bigint, read: (a: bigint) => T, next: (x: T) => bigint, budget: Budget): Generator<T> {
  const seen = new Set<bigint>();
  let a = start;
  while (a !== 0n) {
    if (seen.has(a)) throw new DcmdError(`the chain at ${hx(start)} loops back to ${hx(a)}: not a callout list`);
    if (--budget.left < 0) throw new DcmdError(`more than ${MAX_CHAIN} callouts and lists: not a callout table`);
    seen.add(a);
    const x = read(a);
    yield x;
    a = next(x);
  }
}

/** COF_* as genunix.c numbers them */
const COF_REAL = 0x1;
const COF_NORM = 0x2;
const COF_LONG = 0x4;
const COF_SHORT = 0x8;
const COF_EMPTY = 0x10;
const COF_TIME = 0x20;
const COF_BEFORE = 0x40;
const COF_AFTER = 0x80;
const COF_SEQID = 0x100;
const COF_FUNC = 0x200;
const COF_ADDR = 0x400;
const COF_EXEC = 0x800;
const COF_HIRES = 0x1000;
const COF_ABS = 0x2000;
const COF_TABLE = 0x4000;
const COF_BYIDH = 0x8000;
const COF_FREE = 0x10000;
const COF_LIST = 0x20000;
const COF_EXPREL = 0x40000;
const COF_LONGLIST = 0x200000;
const COF_THDR = 0x400000;
const COF_LHDR = 0x800000;
const COF_CHDR = 0x1000000;
const COF_PARAM = 0x2000000;
const COF_HEAP = 0x8000000;
const COF_QUEUE = 0x10000000;
const COF_LIST_FLAGS = CALLOUT_LIST_FLAG_HRESTIME | CALLOUT_LIST_FLAG_ABSOLUTE;

interface Args {
  flags: number;
  seqid: number;
  time: bigint;
  atime: bigint;
  btime: bigint;
  funcaddr: bigint;
  param: bigint;
  now: bigint;
  ctbits: number;
  ndx: number;
  bucket: number;
  exp: bigint;
  listFlags: number;
}

interface Out {
  lines: string[];
  addrs: bigint[];
  callouts: Array<Record<string, unknown>>;
  lists: Array<Record<string, unknown>>;
  tables: Array<Record<string, unknown>>;
  budget: Budget;
}

const W = 16;
const l = (s: string, w: number): string => s.padEnd(w);
const r = (s: string, w: number): string => s.padStart(w);

/** callouts_cb(): one callout; false stops the chain (a free/allocated mismatch) */
function calloutRow(target: Target, co: Co, a: Args, o: Out): boolean {
  if (a.flags & COF_FREE && !(co.xid & CALLOUT_ID_FREE)) return false;
  if (!(a.flags & COF_FREE) && co.xid & CALLOUT_ID_FREE) return false;
  if (a.flags & COF_FUNC && a.funcaddr !== co.func) return true;
  if (a.flags & COF_PARAM && a.param !== co.arg) return true;
  if (!(a.flags & COF_LONG) && co.xid & CALLOUT_LONGTERM) return true;
  if (!(a.flags & COF_SHORT) && !(co.xid & CALLOUT_LONGTERM)) return true;
  if (a.flags & COF_EXEC && !(co.xid & CALLOUT_EXECUTING)) return true;
  if (a.flags & COF_BYIDH) {
    if (!(a.flags & COF_FREE)) {
      try {
        const cl = readList(target, co.list);
        a.exp = cl.expiration;
        a.listFlags = cl.flags;
      } catch {
        a.exp = 0n;
        a.listFlags = 0;
      }
    } else {
      a.exp = 0n;
      a.listFlags = 0;
    }
    if (a.exp !== 0n) {
      if (a.flags & COF_TIME && a.exp !== a.time) return true;
      if (a.flags & COF_BEFORE && a.exp > a.btime) return true;
      if (a.flags & COF_AFTER && a.exp < a.atime) return true;
    }
    if (a.flags & COF_HIRES && a.flags & COF_ABS) {
      if (!(a.listFlags & COF_LIST_FLAGS)) return true;
    } else {
      if (a.flags & COF_HIRES && !(a.listFlags & CALLOUT_LIST_FLAG_HRESTIME)) return true;
      if (a.flags & COF_ABS && !(a.listFlags & CALLOUT_LIST_FLAG_ABSOLUTE)) return true;
    }
    if (a.flags & COF_HEAP && !(a.listFlags & CALLOUT_LIST_FLAG_HEAPED)) return true;
    if (a.flags & COF_QUEUE && !(a.listFlags & CALLOUT_LIST_FLAG_QUEUED)) return true;
  }
  const tableid = Number(co.xid & ((1n << BigInt(a.ctbits)) - 1n));
  const coid = co.xid & CALLOUT_ID_MASK;
  if (a.flags & COF_CHDR && !(a.flags & COF_ADDR)) {
    let h = `${r('SEQ', 3)} ${l('T', 1)} ${l('EXP', 14)} ${l('XHAL', 4)} ${l('XID', W)} ${l('FUNC(ARG)', 20)}`;
    if (a.flags & COF_LONGLIST) h += ` ${l('PREVID', W)} ${l('NEXTID', W)} ${l('PREVL', W)} ${l('NEXTL', W)} ${l('DONE', W)} ${l('UTOS', 4)} ${l('THREAD', W)}`;
    o.lines.push(h);
    a.flags &= ~COF_CHDR;
    a.flags |= COF_THDR | COF_LHDR;
  }
  const exp = a.flags & COF_EXPREL ? a.exp - a.now : a.exp;
  const lf = a.listFlags;
  const xhal =
    (co.xid & CALLOUT_EXECUTING ? 'X' : ' ') + (lf & CALLOUT_LIST_FLAG_HRESTIME ? 'H' : ' ') + (lf & CALLOUT_LIST_FLAG_ABSOLUTE ? 'A' : ' ') + (co.xid & CALLOUT_LONGTERM ? 'L' : ' ');
  o.callouts.push({
    addr: co.addr,
    seqid: tableid >> 1,
    type: TYPENAMES[tableid & CALLOUT_TYPE_MASK]!,
    expiration: exp,
    executing: (co.xid & CALLOUT_EXECUTING) !== 0n,
    hrestime: (lf & CALLOUT_LIST_FLAG_HRESTIME) !== 0,
    absolute: (lf & CALLOUT_LIST_FLAG_ABSOLUTE) !== 0,
    longterm: (co.xid & CALLOUT_LONGTERM) !== 0n,
    xid: coid,
    func: target.formatAddr(co.func),
    arg: co.arg,
  });
  o.addrs.push(co.addr);
  if (a.flags & COF_ADDR) {
    o.lines.push(hx(co.addr));
    return true;
  }
  let s = `${l(String(tableid >> 1), 3)} ${TYPENAMES[tableid & CALLOUT_TYPE_MASK]} ${l(hx(exp), 14)} ${xhal} ${l(hx(coid), W)} ${target.formatAddr(co.func)}(${hx(co.arg)})`;
  if (a.flags & COF_LONGLIST)
    s += ` ${l(hx(co.idprev), W)} ${l(hx(co.idnext), W)} ${l(hx(co.clprev), W)} ${l(hx(co.clnext), W)} ${l(hx(co.done), W)} ${l(String(co.waiting), 4)} ${hx(co.executor).padStart(W, '0')}`;
  o.lines.push(s);
  return true;
}

/** callout_list_cb(): one list (and, unless -L, its callouts); false stops the chain */
function listRow(target: Target, cl: List, a: Args, o: Out): boolean {
  a.exp = cl.expiration;
  a.listFlags = cl.flags;
  if (a.flags & COF_FREE && !(cl.flags & CALLOUT_LIST_FLAG_FREE)) return false;
  if (!(a.flags & COF_FREE) && cl.flags & CALLOUT_LIST_FLAG_FREE) return false;
  if (a.flags & COF_TIME && cl.expiration !== a.time) return true;
  if (a.flags & COF_BEFORE && cl.expiration > a.btime) return true;
  if (a.flags & COF_AFTER && cl.expiration < a.atime) return true;
  if (!(a.flags & COF_EMPTY) && cl.head === 0n) return true;
  if (a.flags & COF_HIRES && a.flags & COF_ABS) {
    if (!(cl.flags & COF_LIST_FLAGS)) return true;
  } else {
    if (a.flags & COF_HIRES && !(cl.flags & CALLOUT_LIST_FLAG_HRESTIME)) return true;
    if (a.flags & COF_ABS && !(cl.flags & CALLOUT_LIST_FLAG_ABSOLUTE)) return true;
  }
  if (a.flags & COF_HEAP && !(a.listFlags & CALLOUT_LIST_FLAG_HEAPED)) return true;
  if (a.flags & COF_QUEUE && !(a.listFlags & CALLOUT_LIST_FLAG_QUEUED)) return true;
  if (a.flags & COF_LIST) {
    if (a.flags & COF_LHDR && !(a.flags & COF_ADDR)) {
      let h = `SEQ T EXP            HA BUCKET CALLOUTS        `;
      if (a.flags & COF_LONGLIST) h += ` ${l('PREV', W)} ${l('NEXT', W)}`;
      o.lines.push(h);
      a.flags &= ~COF_LHDR;
      a.flags |= COF_THDR | COF_CHDR;
    }
    const exp = a.flags & COF_EXPREL ? cl.expiration - a.now : cl.expiration;
    o.lists.push({
      addr: cl.addr,
      seqid: a.ndx >> 1,
      type: TYPENAMES[a.ndx & CALLOUT_TYPE_MASK]!,
      expiration: exp,
      hrestime: (cl.flags & CALLOUT_LIST_FLAG_HRESTIME) !== 0,
      absolute: (cl.flags & CALLOUT_LIST_FLAG_ABSOLUTE) !== 0,
      bucket: a.bucket,
      callouts: cl.head,
    });
    o.addrs.push(cl.addr);
    if (a.flags & COF_ADDR) o.lines.push(hx(cl.addr));
    else {
      let s = `${r(String(a.ndx >> 1), 3)} ${TYPENAMES[a.ndx & CALLOUT_TYPE_MASK]} ${l(hx(exp), 14)} ${cl.flags & CALLOUT_LIST_FLAG_HRESTIME ? 'H' : ' '}${cl.flags & CALLOUT_LIST_FLAG_ABSOLUTE ? 'A' : ' '} ${l(String(a.bucket), 6)} ${hx(cl.head).padStart(W, '0')}`;
      if (a.flags & COF_LONGLIST) s += ` ${l(hx(cl.prev), W)} ${l(hx(cl.next), W)}`;
      o.lines.push(s);
    }
    return true;
  }
  if (cl.head === 0n || a.flags & COF_FREE) return true;
  for (const co of chain(cl.head, (x) => readCallout(target, x), (c) => c.clnext, o.budget)) if (!calloutRow(target, co, a, o)) break;
  return true;
}

/** callout_t_cb(): one table */
function tableRows(target: Target, ct: Table, a: Args, o: Out): void {
  const cotype = ct.index & CALLOUT_TYPE_MASK;
  const seqid = ct.index >> 1;
  if (a.flags & COF_SEQID && a.seqid !== seqid) return;
  if (!(a.flags & COF_REAL) && cotype === CALLOUT_REALTIME) return;
  if (!(a.flags & COF_NORM) && cotype === CALLOUT_NORMAL) return;
  if (!(a.flags & COF_EMPTY) && (ct.heap === 0n || ct.cyclic === 0n)) return;
  if (a.flags & COF_TABLE) {
    if (a.flags & COF_THDR && !(a.flags & COF_ADDR)) {
      let h = `${l('SEQ', 3)} ${l('T', 1)} ${l('FREE', W)} ${l('LFREE', W)} ${l('CYCLIC', W)} ${l('HEAP', W)}`;
      if (a.flags & COF_LONGLIST) h += ` ${l('HEAPNUM', 7)} ${l('HEAPMAX', 7)} ${l('TASKQ', W)} ${l('EXPQ', W)} ${l('QUE', W)} ${l('PEND', W)} ${l('FREE', W)} ${l('LOCK', W)}`;
      o.lines.push(h);
      a.flags &= ~COF_THDR;
      a.flags |= COF_LHDR | COF_CHDR;
    }
    o.tables.push({ addr: ct.addr, seqid, type: TYPENAMES[cotype]!, freeHead: ct.free, lfreeHead: ct.lfree, cyclic: ct.cyclic, heap: ct.heap, heapNum: ct.heapNum, heapMax: ct.heapMax });
    o.addrs.push(ct.addr);
    if (a.flags & COF_ADDR) o.lines.push(hx(ct.addr).padStart(W, '0'));
    else {
      let s = `${l(String(seqid), 3)} ${TYPENAMES[cotype]} ${hx(ct.free).padStart(W, '0')} ${hx(ct.lfree).padStart(W, '0')} ${hx(ct.cyclic).padStart(W, '0')} ${l(hx(ct.heap), W)}`;
      // the kstats' pending and allocation counts read as the dump has them (the model keeps none)
      if (a.flags & COF_LONGLIST)
        s += ` ${l(String(ct.heapNum), 7)} ${l(String(ct.heapMax), 7)} ${l(hx(ct.taskq), W)} ${l(hx(ct.expired), W)} ${l(hx(ct.queue), W)} ${l('0', W)} ${l('0', W)} ${l(hx(ct.mutex), W)}`;
      o.lines.push(s);
    }
    return;
  }
  a.ndx = ct.index;
  if (!(a.flags & COF_BYIDH)) {
    if (a.flags & COF_FREE) {
      a.bucket = 0;
      for (const cl of chain(ct.lfree, (x) => readList(target, x), (c) => c.next, o.budget)) if (!listRow(target, cl, a, o)) break;
      return;
    }
    for (const head of [ct.expired, ct.queue]) {
      a.bucket = -1;
      for (const cl of chain(head, (x) => readList(target, x), (c) => c.next, o.budget)) if (!listRow(target, cl, a, o)) break;
    }
    if (ct.clhash === 0n) return;
    for (let i = 0; i < CALLOUT_BUCKETS; i++) {
      const head = target.readPtr(ct.clhash + BigInt(i * 16));
      if (head === 0n) continue;
      a.bucket = i;
      for (const cl of chain(head, (x) => readList(target, x), (c) => c.next, o.budget)) if (!listRow(target, cl, a, o)) break;
    }
    return;
  }
  if (a.flags & COF_FREE) {
    a.bucket = 0;
    for (const co of chain(ct.free, (x) => readCallout(target, x), (c) => c.idnext, o.budget)) if (!calloutRow(target, co, a, o)) break;
    return;
  }
  if (ct.idhash === 0n) return;
  for (let i = 0; i < CALLOUT_BUCKETS; i++) {
    const head = target.readPtr(ct.idhash + BigInt(i * 16));
    if (head === 0n) continue;
    a.bucket = i;
    for (const co of chain(head, (x) => readCallout(target, x), (c) => c.idnext, o.budget)) if (!calloutRow(target, co, a, o)) break;
  }
}

/** a -f/-p value: a symbol's address, else a number */
function symOrNum(target: Target, s: string): bigint {
  const sym = target.lookupSymbol(s);
  if (sym) return sym.addr;
  const t = s.trim().toLowerCase();
  try {
    if (t.startsWith('0t')) return BigInt(t.slice(2));
    return BigInt('0x' + t.replace(/^0x/, ''));
  } catch {
    return 0n;
  }
}

export const callout = defineDcmd({
  name: 'callout',
  synopsis: '?[-r|-n] [-s|-l] [-xhBE] [-t|-a|-b nsec [-dk]] [-D] [-S seqid] [-C addr] [-f name|addr] [-p name|addr] [-T|-L] [-FivHQA]',
  address: 'optional',
  summary: 'display callouts',
  help: `Prints the callouts of every callout table (or of the table at the given
address): per CPU a realtime (R) and a normal (N) table, each table's
expired lists, its callout queue and its list hash, and each list's
callouts. A callout prints as SEQ (its CPU's sequence ID), T, EXP (its
expiration, hrtime in nanoseconds), XHAL (eXecuting, Hrestime, Absolute,
Long-term), its XID and FUNC(ARG). A thread asleep in cv_timedwait() waits
for setrun(thread), one in nanosleep() for cv_wakeup(thread).

OPTIONS
  -r|n          only realtime or normal callouts
  -s|l          only short-term or long-term IDs
  -x            only callouts that are executing
  -h            only callouts based on hrestime
  -B            only callouts based on absolute time
  -t|a|b nsec   only callouts that expire at, after or before a time
                (-a and -b together give a range)
  -d            the -t|a|b time is relative to now (hrtime_last)
  -k            the -t|a|b time is in ticks, not nanoseconds
  -D            print expirations relative to now
  -S seqid      only the tables of this CPU sequence ID
  -C addr       only the tables of the CPU at this cpu_t
  -f name|addr  only callouts of this function
  -p name|addr  only callouts with this argument
  -T            print the callout tables, not callouts
  -L            print the callout lists, not callouts
  -E            with -T or -L, also empty tables and lists
  -i            walk the ID hash instead of the list hash
  -F            walk the free callouts (free lists with -L)
  -H|Q          only callouts in the heap, or in the callout queue
  -A            only addresses (for pipelines)

EXAMPLES
  > ::callout
  SEQ T EXP            XHAL XID              FUNC(ARG)
  1   R 13e954e48       H   17fffbcc2        cv_wakeup(ffffff01c0aa1040)
  1   R 2553d1100           17fffbc6a        setrun(ffffff01c0a94020)
  2   R 174539a71       H   17fffbb3c        cv_wakeup(ffffff01c0a94c60)
  3   R 13bbaebb4       H   17fffc336        cv_wakeup(ffffff01c0a94d40)
  3   R 13fee6e0c       H   17fffc1ae        cv_wakeup(ffffff01c0a94b80)
  3   R 143d17512       H   17fffbff6        cv_wakeup(ffffff01c0a94e20)
  3   R 14a939772       H   17fffbebe        cv_wakeup(ffffff01c0a94f00)
  3   R 17ec5356d       H   17fffc026        cv_wakeup(ffffff01c0a94aa0)
  > ::callout -T
  SEQ T FREE             LFREE            CYCLIC           HEAP
  0   R ffffff01c0aa2040 ffffff01c0bf5000 ffffff01c0a87040 ffffff01c0b03000
  0   N 0000000000000000 0000000000000000 ffffff01c0a871c0 ffffff01c0b0b000
  1   R ffffff01c0c13480 ffffff01c0bf5d80 ffffff01c0a87340 ffffff01c0b13000
  1   N 0000000000000000 0000000000000000 ffffff01c0a874c0 ffffff01c0b1e000
  2   R ffffff01c0aa2ac0 ffffff01c0bf5700 ffffff01c0a87640 ffffff01c0b29000
  2   N 0000000000000000 0000000000000000 ffffff01c0a877c0 ffffff01c0b34000
  3   R ffffff01c0c13180 ffffff01c0bf5b80 ffffff01c0a87940 ffffff01c0b3f000
  3   N 0000000000000000 0000000000000000 ffffff01c0a87ac0 ffffff01c0b4a000`,
  options: {
    r: flag('only realtime callouts'),
    n: flag('only normal callouts'),
    l: flag('only long-term callout IDs'),
    s: flag('only short-term callout IDs'),
    x: flag('only executing callouts'),
    h: flag('only callouts based on hrestime'),
    B: flag('only callouts based on absolute time'),
    E: flag('with -T or -L, also empty structures'),
    d: flag('-t|a|b time is relative to now'),
    C: uint('addr', 'only the tables of the CPU at this cpu_t'),
    S: uint('seqid', 'only the tables of this CPU sequence ID'),
    t: uint('nsec', 'only callouts that expire at this time'),
    a: uint('nsec', 'only callouts that expire after this time'),
    b: uint('nsec', 'only callouts that expire before this time'),
    k: flag('-t|a|b time is in ticks'),
    f: str('name|addr', 'only callouts of this function'),
    p: str('name|addr', 'only callouts with this argument'),
    T: flag('print the callout tables'),
    D: flag('print expirations relative to now'),
    L: flag('print the callout lists'),
    v: flag('print more of each item'),
    i: flag('walk callouts by the ID hash'),
    F: flag('walk the free callouts or lists'),
    H: flag('only callouts in the callout heap'),
    Q: flag('only callouts in the callout queue'),
    A: flag('only addresses'),
  },
  input: 'callout_table_t',
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const target = ctx.target;
    let flags = COF_REAL | COF_NORM | COF_LONG | COF_SHORT;
    if (opts.r) flags &= ~COF_NORM;
    if (opts.n) flags &= ~COF_REAL;
    if (opts.l) flags &= ~COF_SHORT;
    if (opts.s) flags &= ~COF_LONG;
    const set: Array<[boolean, number]> = [
      [opts.x, COF_EXEC],
      [opts.h, COF_HIRES],
      [opts.B, COF_ABS],
      [opts.E, COF_EMPTY],
      [opts.T, COF_TABLE],
      [opts.D, COF_EXPREL],
      [opts.L, COF_LIST],
      [opts.v, COF_LONGLIST],
      [opts.i, COF_BYIDH],
      [opts.F, COF_FREE],
      [opts.H, COF_HEAP],
      [opts.Q, COF_QUEUE],
      [opts.A, COF_ADDR],
    ];
    for (const [on, bit] of set) if (on) flags |= bit;
    // callout_common_init()
    readVar(target, 'callout_table', 8);
    const now = target.lookupSymbol('hrtime_last') ? readVar(target, 'hrtime_last', 8) : readVar(target, 'hrtime_base', 8);
    const ctbits = Number(readVar(target, 'callout_table_bits', 4));
    const nsecPerTick = readVar(target, 'nsec_per_tick', 4);
    const a: Args = { flags, seqid: -1, time: opts.t ?? 0n, atime: opts.a ?? 0n, btime: opts.b ?? 0n, funcaddr: 0n, param: 0n, now, ctbits, ndx: 0, bucket: 0, exp: 0n, listFlags: 0 };
    if (opts.k) {
      a.time *= nsecPerTick;
      a.atime *= nsecPerTick;
      a.btime *= nsecPerTick;
    }
    if (opts.d) {
      a.time += now;
      a.atime += now;
      a.btime += now;
    }
    // these complaints are mdb_printf()'d before DCMD_USAGE, not warned
    const usage = (msg: string): never => {
      throw new UsageError(msg, false, true);
    };
    if (opts.S !== undefined) {
      if (addr !== undefined) usage('-S option conflicts with explicit address');
      a.flags |= COF_SEQID;
      a.seqid = Number(opts.S);
    }
    if (opts.C !== undefined) {
      if (addr !== undefined) usage('-C option conflicts with explicit address');
      if (a.flags & COF_SEQID) usage('-C and -S are mutually exclusive');
      try {
        a.seqid = target.readU32(opts.C + off(target, 'cpu_t', 'cpu_seqid')) | 0;
      } catch {
        throw new DcmdError(`failed to read cpu_t at ${hx(opts.C)}`);
      }
      a.flags |= COF_SEQID;
    }
    if (!(a.flags & (COF_REAL | COF_NORM))) a.flags |= COF_REAL | COF_NORM;
    if (!(a.flags & (COF_LONG | COF_SHORT))) a.flags |= COF_LONG | COF_SHORT;
    if (opts.t !== undefined) {
      if (opts.a !== undefined || opts.b !== undefined) usage('-t and -a|b are mutually exclusive');
      a.flags |= COF_TIME;
    }
    if (opts.a !== undefined) a.flags |= COF_AFTER;
    if (opts.b !== undefined) a.flags |= COF_BEFORE;
    if (opts.a !== undefined && opts.b !== undefined && a.btime <= a.atime) usage('value for -a must be earlier than the value for -b.');
    if (a.flags & COF_HEAP && a.flags & COF_QUEUE) usage('-H and -Q are mutually exclusive');
    if (opts.f !== undefined) {
      a.funcaddr = symOrNum(target, opts.f);
      a.flags |= COF_FUNC;
    }
    if (opts.p !== undefined) {
      a.param = symOrNum(target, opts.p);
      a.flags |= COF_PARAM;
    }
    if (addr !== undefined) a.flags |= COF_REAL | COF_NORM;
    if (!ctx.loop || ctx.first) a.flags |= COF_THDR | COF_LHDR | COF_CHDR;
    if (a.flags & COF_FREE) {
      a.flags |= COF_EMPTY;
      if (!(a.flags & COF_LIST)) a.flags |= COF_BYIDH;
    }
    const o: Out = { lines: [], addrs: [], callouts: [], lists: [], tables: [], budget: { left: MAX_CHAIN } };
    for (const ct of tablesFrom(target, addr)) {
      ctx.checkInterrupt();
      tableRows(target, ct, a, o);
    }
    const what = a.flags & COF_TABLE ? 'callout_table_t' : a.flags & COF_LIST ? 'callout_list_t' : 'callout_t';
    const out = o.lines.map((x) => x.trimEnd() + '\n').join('');
    return text(out, { data: { now, tables: o.tables, lists: o.lists, callouts: o.callouts }, addresses: o.addrs, addressType: what });
  },
});

const calloutTableWalker = defineWalker({
  name: 'callout_table',
  description: 'walk callout table array',
  inputType: 'callout_table_t',
  outputType: 'callout_table_t',
  *walk(ctx, addr) {
    for (const t of tablesFrom(ctx.target, addr)) yield t.addr;
  },
});

function localWalker(name: string, description: string, type: string, next: (t: Target, a: bigint) => bigint) {
  return defineWalker({
    name,
    description,
    inputType: type,
    outputType: type,
    *walk(ctx, addr) {
      if (addr === undefined || addr === 0n) throw new DcmdError(`${name === 'callout_list' ? 'callout list' : 'callout'} doesn't support global walk`);
      for (const a of chain(addr, (x) => x, (x) => next(ctx.target, x), { left: MAX_CHAIN })) {
        ctx.checkInterrupt();
        yield a;
      }
    },
  });
}

const calloutListWalker = localWalker('callout_list', 'walk callout lists', 'callout_list_t', (t, a) => readList(t, a).next);
const calloutsByTime = localWalker('callouts_bytime', 'walk callouts by list chain (expiration time)', 'callout_t', (t, a) => readCallout(t, a).clnext);
const calloutsById = localWalker('callouts_byid', 'walk callouts by id hash chain', 'callout_t', (t, a) => readCallout(t, a).idnext);

export const calloutModule: Module = {
  name: 'genunix',
  dcmds: [callout],
  walkers: [calloutTableWalker, calloutListWalker, calloutsByTime, calloutsById],
};
