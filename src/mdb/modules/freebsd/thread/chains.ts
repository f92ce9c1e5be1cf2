/*
 * ddb's lock chains (kern/subr_turnstile.c print_lockchain, kern_sx.c and
 * kern_lock.c's sleep chains): from a thread, follow the owner of the lock
 * it is blocked on, hop by hop, until a thread that runs, can run or sleeps.
 * `show lockchain [tid]`, `show sleepchain [tid]` and `show allchains`
 * (every thread blocked on a lock or asleep, as FOREACH_PROC_IN_SYSTEM
 * visits them).
 *
 * The lock a thread is blocked on is its turnstile's ts_lockobj when the dump
 * has struct turnstile rows; otherwise the struct mtx named by td_lockname
 * (a mutex the dump models outside another struct, Giant). Its owner is
 * mtx_lock without the flag bits. The dump models no sx locks or lockmgr
 * locks, so a sleeping thread ends its chain ("sleeping on ...").
 */
import { defineDcmd, text, type DcmdContext, type TextResult } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { MTX_UNOWNED, TDS_CAN_RUN, TDS_INACTIVE, TDS_INHIBITED, TDS_RUNNING, TDS_RUNQ } from '../names.js';
import { px, structRows, type StructRows } from '../struct.js';
import { defaultThread, isSleeping, onLock, procOf, procRows, readFbProc, readFbThread, resolveThread, threadRows, threadName, threadStateWords, type FbThread } from './helpers.js';

/** mtx_lock's flag bits: MTX_RECURSED 1, MTX_CONTESTED 2, MTX_UNOWNED 4 */
const MTX_RECURSED = 1n;
const MTX_CONTESTED = 2n;
const MTX_FLAGMASK = 7n;

/** mtx_owner(): the thread in mtx_lock, 0 for an unowned mutex */
function mtxOwner(v: bigint): bigint {
  return v === MTX_UNOWNED ? 0n : v & ~MTX_FLAGMASK;
}

interface LockHop {
  lock: bigint;
  cls: string;
  name: string;
  owner: bigint;
}

/** The lock a thread on a turnstile waits for, and its owner (0 for none). */
function blockedOn(target: Target, th: FbThread): LockHop {
  const ts = structRows(target, 'struct turnstile');
  const tr = ts.rowOf(th.blocked);
  const mtx = structRows(target, 'struct mtx');
  let lock = tr >= 0 ? ts.get(tr, 'ts_lockobj') : 0n;
  if (lock === 0n && th.lockName !== '') {
    const sym = target.lookupSymbol(th.lockName);
    if (sym && mtx.rowOf(sym.addr) >= 0) lock = sym.addr;
  }
  let owner = tr >= 0 ? ts.get(tr, 'ts_owner') : 0n;
  const mr = mtx.rowOf(lock);
  if (owner === 0n && mr >= 0) owner = mtxOwner(mtx.get(mr, 'mtx_lock'));
  return { lock, cls: (mr >= 0 ? lockClass(mtx, mr).name : undefined) ?? 'sleep mutex', name: th.lockName, owner };
}

/** One hop of a chain as --json gives it: the thread, and why the chain goes on or stops there. */
export interface ChainHop {
  thread: bigint;
  tid: number;
  pid: number;
  comm: string;
  /** deadlock, inactive, canRun, runQueue, running, blockedOnLock, sleeping, inhibited, unknown */
  state: string;
  cpu?: number;
  lock?: bigint;
  lockClass?: string;
  lockName?: string;
  wchan?: bigint;
  wmesg?: string;
}

/** print_lockchain(): one line per hop; the hops as data alongside. */
export function lockchain(target: Target, row: number, prefix: string, hops: ChainHop[] = []): string {
  let s = '';
  const t = threadRows(target);
  const seen = new Set<number>();
  for (let r = row; ; ) {
    const th = readFbThread(target, r);
    const p = procOf(target, th);
    s += `${prefix}thread ${th.tid} (pid ${p?.pid ?? -1}, ${threadName(th, p)}) `;
    const hop: ChainHop = { thread: th.addr, tid: th.tid, pid: p?.pid ?? -1, comm: threadName(th, p), state: 'unknown' };
    hops.push(hop);
    const end = (state: string, line: string, extra: Partial<ChainHop> = {}): string => {
      Object.assign(hop, { state, ...extra });
      return s + line;
    };
    if (seen.has(r)) return end('deadlock', 'is already in this chain (a deadlock)\n');
    seen.add(r);
    switch (th.state) {
      case TDS_INACTIVE:
        return end('inactive', 'is inactive\n');
      case TDS_CAN_RUN:
        return end('canRun', 'can run\n');
      case TDS_RUNQ:
        return end('runQueue', 'is on a run queue\n');
      case TDS_RUNNING:
        return end('running', `running on CPU ${th.oncpu}\n`, { cpu: th.oncpu });
      case TDS_INHIBITED: {
        if (onLock(th)) {
          const hop2 = blockedOn(target, th);
          s += `blocked on lock ${px(hop2.lock)} (${hop2.cls}) "${hop2.name}"\n`;
          Object.assign(hop, { state: 'blockedOnLock', lock: hop2.lock, lockClass: hop2.cls, lockName: hop2.name });
          const next = hop2.owner === 0n ? -1 : t.rowOf(hop2.owner);
          if (next < 0) return s;
          r = next;
          break;
        }
        if (isSleeping(th)) return end('sleeping', `sleeping on ${px(th.wchan)} "${th.wmesg}"\n`, { wchan: th.wchan, wmesg: th.wmesg });
        return end('inhibited', `inhibited: ${threadStateWords(th)}\n`);
      }
      default:
        return end('unknown', `??? (${px(BigInt(th.state))})\n`);
    }
  }
}

function chainOf(ctx: DcmdContext, addr: bigint | undefined): TextResult {
  const row = resolveThread(ctx.target, addr ?? defaultThread(ctx.target));
  const hops: ChainHop[] = [];
  return text(lockchain(ctx.target, row, '', hops), { data: { hops } });
}

export const showLockchain = defineDcmd({
  name: 'lockchain',
  synopsis: '?',
  address: 'optional',
  summary: 'follow the chain of lock owners from a thread as ddb does',
  help: `Follows a thread's lock chain as ddb's "show lockchain" does: the
thread, the lock it is blocked on (its turnstile's lock: address, class
and name) and that lock's owner, hop by hop, until a thread that runs, can
run, is on a run queue or sleeps. Without an address it starts from the
thread ddb traces by default (the panic thread, or the one the debugger
was entered on). The thread is a tid or pid as ddb reads them, or an
address. In ddb syntax: show lockchain [tid].

EXAMPLES
  db> show lockchain 100015
  thread 100015 (pid 15, tcp) blocked on lock 0xc0900000 (sleep mutex) "Giant"
  thread 100019 (pid 19, tcp) running on CPU 1
  > c14023c0::lockchain
  thread 100015 (pid 15, tcp) blocked on lock 0xc0900000 (sleep mutex) "Giant"
  thread 100019 (pid 19, tcp) running on CPU 1`,
  options: {},
  ddb: { words: ['show lockchain'], synopsis: '[tid]' },
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    return chainOf(ctx, ctx.addrSpec ? addr : undefined);
  },
});

export const showSleepchain = defineDcmd({
  name: 'sleepchain',
  synopsis: '?',
  address: 'optional',
  summary: 'follow the chain of lock owners through sleep locks as ddb does',
  help: `Follows a thread's chain as ddb's "show sleepchain" does: like show
lockchain, but a thread asleep on an sx lock or a lockmgr lock leads on to
that lock's owner. The dump models neither, so a sleeping thread ends the
chain with its wait channel and message ("sleeping on 0x... "btalloc""):
a thread that sleeps on nothing anyone owns is waiting for an event, not a
lock. In ddb syntax: show sleepchain [tid].

EXAMPLES
  db> show sleepchain 15
  thread 100015 (pid 15, tcp) blocked on lock 0xc0900000 (sleep mutex) "Giant"
  thread 100019 (pid 19, tcp) running on CPU 1
  > c14023c0::sleepchain
  thread 100015 (pid 15, tcp) blocked on lock 0xc0900000 (sleep mutex) "Giant"
  ...`,
  options: {},
  ddb: { words: ['show sleepchain'], synopsis: '[tid]' },
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    return chainOf(ctx, ctx.addrSpec ? addr : undefined);
  },
});

export const showAllchains = defineDcmd({
  name: 'allchains',
  synopsis: '',
  address: 'none',
  summary: 'print the lock chain of every blocked or sleeping thread as ddb does',
  help: `Prints "chain N:" and the lock chain (see ::lockchain) of every thread
that is blocked on a lock or asleep, process by process in allproc order,
as ddb's "show allchains" does. Many chains that end in the same running
thread point at the thread everyone waits for; many that end asleep on
the same wait message point at an event that does not come. In ddb
syntax: show allchains, or show all chains.

EXAMPLES
  db> show allchains
  chain 1:
   thread 100025 (pid 25, swap) sleeping on 0xc0900048 "pfault"
  ...
  > ::allchains
  chain 1:
  ...`,
  options: {},
  ddb: { words: ['show allchains', 'show all chains'] },
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const procs = procRows(ctx.target);
    const t = threadRows(ctx.target);
    const order: number[] = [];
    const seen = new Set<number>();
    for (let p = 0; p < procs.count; p++) for (const r of readFbProc(ctx.target, p).threads) if (!seen.has(r)) order.push(r), seen.add(r);
    for (let r = 0; r < t.count; r++) if (!seen.has(r)) order.push(r);
    let s = '';
    let n = 1;
    const chains: Array<{ chain: number; hops: ChainHop[] }> = [];
    for (const r of order) {
      const th = readFbThread(ctx.target, r);
      if (!onLock(th) && !isSleeping(th)) continue;
      const hops: ChainHop[] = [];
      chains.push({ chain: n, hops });
      s += `chain ${n++}:\n` + lockchain(ctx.target, r, ' ', hops);
    }
    return text(s, { data: { chains } });
  },
});

/** A thread's tid, its process's pid and its name (td_name, else p_comm), or undefined when the dump has no such thread. */
function threadIdent(target: Target, addr: bigint): { tid: number; pid: number; name: string } | undefined {
  const r = threadRows(target).rowOf(addr);
  if (r < 0) return undefined;
  const th = readFbThread(target, r);
  const p = procOf(target, th);
  return { tid: th.tid, pid: p?.pid ?? -1, name: threadName(th, p) };
}

/** print_thread(): "%p (tid %d, pid %d, \"%s\")", the name td_name or else p_comm. */
function tsThread(target: Target, addr: bigint): string {
  const id = threadIdent(target, addr);
  return id ? `${px(addr)} (tid ${id.tid}, pid ${id.pid}, "${id.name}")` : `${px(addr)} (tid ?, pid ?, "?")`;
}

export const showTurnstile = defineDcmd({
  name: 'turnstile',
  synopsis: '?',
  address: 'optional',
  summary: 'print a turnstile, by its lock or its address, as ddb does',
  help: `Prints the turnstile of a lock as ddb's "show turnstile" does: first as
the turnstile whose lock (ts_lockobj) is the address, then as a turnstile
at the address. "Lock: addr - (class) name", the owner ("Lock Owner:"
and the thread, or none), then the shared waiters, the exclusive waiters
and the pending threads, each thread as "addr (tid N, pid N, "name")"
indented by a tab, or "empty". The dump keeps no td_lockq links, so the
waiters are the threads whose td_blocked is the turnstile, in the thread
table's order; every lock the model contends is a sleep mutex, whose
waiters are exclusive, and none is pending. Without an address it prints
nothing, as db_show_turnstile() returns. In ddb syntax: show turnstile
addr.

EXAMPLES
  db> show turnstile Giant
  Lock: 0xc0900000 - (sleep mutex) Giant
  Lock Owner: 0xc1402500 (tid 100019, pid 19, "tcp")
  ...
  > Giant::turnstile
  Lock: 0xc0900000 - (sleep mutex) Giant
  ...`,
  options: {},
  ddb: { words: ['show turnstile'], synopsis: 'addr' },
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    if (addr === undefined) return text('', { data: null });
    const t = ctx.target;
    const ts = structRows(t, 'struct turnstile');
    let row = -1;
    for (let r = 0; r < ts.count && row < 0; r++) if (ts.get(r, 'ts_lockobj') === addr) row = r;
    if (row < 0) row = ts.rowOf(addr);
    if (row < 0) throw new DcmdError(`Unable to locate a turnstile via ${px(addr)}`);
    const tsAddr = ts.addr(row);
    const lock = ts.get(row, 'ts_lockobj');
    const owner = ts.get(row, 'ts_owner');
    const mtx = structRows(t, 'struct mtx');
    const mr = mtx.rowOf(lock);
    const name = mr >= 0 ? mtx.str(mr, 'mtx_object.lo_name') : '';
    const tr = threadRows(t);
    const waiters: bigint[] = [];
    for (let r = 0; r < tr.count; r++) if (tr.get(r, 'td_blocked') === tsAddr) waiters.push(tr.addr(r));
    const queue = (header: string, list: readonly bigint[]): string[] => [`${header}:`, ...(list.length === 0 ? ['\tempty'] : list.map((w) => `\t${tsThread(t, w)}`))];
    const lines = [
      `Lock: ${px(lock)} - (sleep mutex) ${name}`,
      owner !== 0n ? `Lock Owner: ${tsThread(t, owner)}` : 'Lock Owner: none',
      ...queue('Shared Waiters', []),
      ...queue('Exclusive Waiters', waiters),
      ...queue('Pending Threads', []),
    ];
    return text(lines.map((l) => l + '\n').join(''), { data: { turnstile: tsAddr, lock, name, owner, exclusiveWaiters: waiters } });
  },
});

/** lo_flags: LO_CLASSINDEX() and the flags db_show_mtx() names */
const LO_CLASSSHIFT = 24n;
const LO_CLASSMASK = 0x0f000000n;
const LO_RECURSABLE = 0x00080000n;
const LO_DUPOK = 0x00400000n;
/** lock_classes[] of kern/subr_lock.c, as far as the dump has locks of a class */
const LOCK_CLASSES = ['spin mutex', 'sleep mutex'];

export interface LockInfo {
  lock: bigint;
  class: string;
  name: string;
  flags: string[];
  state: string[];
  /** the owning thread, for an owned mutex */
  owner?: bigint;
  ownerTid?: number;
  ownerPid?: number;
  ownerName?: string;
  recursed?: number;
}

export const showLock = defineDcmd({
  name: 'lock',
  synopsis: 'addr',
  address: 'optional',
  summary: "print a mutex's class, name, flags, state and owner, as ddb's show lock does",
  help: `Prints the lock at the address as ddb's "show lock" does (db_show_lock()
and the mutex class's db_show_mtx()): " class:" (spin mutex or sleep
mutex, from the class index in lo_flags), " name:", " flags:" ({SPIN} or
{DEF}, then RECURSE for a mutex initialised with MTX_RECURSE), " state:"
({UNOWNED}, or {OWNED} with CONTESTED while threads are blocked on it and
RECURSED when its owner holds it more than once) and, for an owned mutex,
" owner:" and the thread as "addr (tid N, pid N, "name")". The locks a
dump has are the ones it writes as struct mtx rows (Giant; in 2020
vmem_bt_lock and the spin locks threads are contained by, td_lock) and a
turnstile's own ts_lock, by the turnstile's address; any other address is
an error. Without an address it prints nothing, as ddb does. In ddb syntax:
show lock addr.

EXAMPLES
  db> show lock Giant
   class: sleep mutex
   name: Giant
   flags: {DEF, RECURSE}
   state: {OWNED, CONTESTED}
   owner: 0xc1402500 (tid 100019, pid 19, "tcp")
  > Giant::lock
   class: sleep mutex
  ...`,
  options: {},
  ddb: { words: ['show lock'], synopsis: 'addr' },
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    if (addr === undefined) return text('', { data: null });
    const info = lockAt(ctx.target, addr);
    const lines = [` class: ${info.class}`, ` name: ${info.name}`, ` flags: {${info.flags.join(', ')}}`, ` state: {${info.state.join(', ')}}`];
    if (info.owner !== undefined) {
      lines.push(` owner: ${tsThread(ctx.target, info.owner)}`);
      if (info.recursed !== undefined) lines.push(` recursed: ${info.recursed}`);
    }
    return text(lines.map((l) => l + '\n').join(''), { data: info });
  },
});

/** The struct mtx at addr (or a turnstile's ts_lock) as db_show_lock() reads it. */
function lockAt(target: Target, addr: bigint): LockInfo {
  const mtx = structRows(target, 'struct mtx');
  const r = mtx.rowOf(addr);
  if (r < 0) {
    const ts = structRows(target, 'struct turnstile');
    const tr = ts.rowOf(addr);
    if (tr >= 0 && ts.table?.columns['ts_lock.mtx_object.lo_name'] !== undefined) {
      // turnstile_init(): mtx_init(&ts->ts_lock, "turnstile lock", NULL, MTX_SPIN | MTX_RECURSE); nobody holds it at a dump
      return { lock: addr, class: 'spin mutex', name: ts.str(tr, 'ts_lock.mtx_object.lo_name'), flags: ['SPIN', 'RECURSE'], state: ['UNOWNED'] };
    }
    throw new DcmdError(`no lock at ${px(addr)}: the dump has no struct mtx there`);
  }
  const { name: cls, index, flags } = lockClass(mtx, r);
  if (cls === undefined) throw new DcmdError(`Unknown lock class: ${index}`);
  const v = mtx.get(r, 'mtx_lock');
  const info: LockInfo = { lock: addr, class: cls, name: mtx.str(r, 'mtx_object.lo_name'), flags: [index === 0 ? 'SPIN' : 'DEF'], state: [] };
  if (flags & LO_RECURSABLE) info.flags.push('RECURSE');
  if (flags & LO_DUPOK) info.flags.push('DUPOK');
  if (v === MTX_UNOWNED) info.state.push('UNOWNED');
  else {
    info.state.push('OWNED');
    if (v & MTX_CONTESTED) info.state.push('CONTESTED');
    if (v & MTX_RECURSED) info.state.push('RECURSED');
    info.owner = mtxOwner(v);
    const id = threadIdent(target, info.owner);
    if (id) Object.assign(info, { ownerTid: id.tid, ownerPid: id.pid, ownerName: id.name });
    const rec = Number(mtx.get(r, 'mtx_recurse'));
    if (rec > 0) info.recursed = rec;
  }
  return info;
}

/** LO_CLASSINDEX() of a struct mtx row and the class's lc_name; a dump without lo_flags has sleep mutexes only. */
function lockClass(mtx: StructRows, row: number): { name: string | undefined; index: number; flags: bigint } {
  const flags = mtx.table?.columns['mtx_object.lo_flags'] !== undefined ? mtx.get(row, 'mtx_object.lo_flags') : 1n << LO_CLASSSHIFT;
  const index = Number((flags & LO_CLASSMASK) >> LO_CLASSSHIFT);
  return { name: LOCK_CLASSES[index], index, flags };
}
