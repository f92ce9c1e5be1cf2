/*
 * System V message queues: the msgsys module (uts/common/os/msg.c), as far as
 * the leak and corruption scenarios need it.
 *
 * A queue (kmsqid_t, kmem_zalloc'd by ipc_get()) is found through the
 * msq_svc global: msq_svc -> ipc_service_t -> ipcs_table[] -> ipct_data.
 * Its messages hang off the queue's msg_list (a list_t whose list_head sits
 * inside the kmsqid_t), linked through msg_node; each struct msg points at its
 * text (msg_addr), a kmem_alloc'd buffer of msg_size bytes. So a queued
 * message is reachable only through other buffers, and a message a sender
 * has built but not yet queued (msgsnd() asleep waiting for queue space) only
 * from that thread's stack.
 *
 * msg_copycnt counts the references to a struct msg: the queue's, and one
 * msg_hold() per reader copying it out (msg_copyout() drops the queue lock
 * around copyout()). msg_rele() frees the header and text when it reaches 0.
 *
 * Three modelled bugs, each removed by a fix of the scenario (they are not
 * real illumos changes; the code around them follows msg.c):
 *   msg-copyout-efault  msg_copyout() returns EFAULT when copyout() faults
 *                       before it calls msg_rele(): the msg_hold() reference
 *                       is never dropped, so when the message is later
 *                       unlinked its header and text leak.
 *   msg-copyout-order   msg_copyout() calls msg_rele() before it clears
 *                       MSG_RCVCOPY in msg_flags: if IPC_RMID removed the
 *                       queue during the copyout, msg_rele() freed the
 *                       message and the flag update writes into a freed
 *                       buffer (use after free).
 *   msgsnap-count       msgsnap() counts the messages, drops the queue lock
 *                       to copy out the snapshot header, then sizes the
 *                       snaplist by the old count but fills it with every
 *                       message on the queue now: a message sent meanwhile is
 *                       written past the end of the snaplist (overrun).
 * Which one shows depends on the load (fault_pct, rmid_pct, snap_pct).
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func, type FuncSym } from '../../machine/symbols.js';
import type { Frame, KGen, KThread } from '../../machine/thread.js';
import { runNoSleep } from '../../machine/sync.js';
import { kmemAlloc, kmemFree, KM_SLEEP, type Buf, type Kmem } from '../kmem/kmem.js';
import { storePtr } from '../kmem/contents.js';

/** msgsys's functions; the module is loaded only on a machine whose load uses message queues */
export const MSGSYS_MODULE = 'msgsys';
const sysSyscall = func('unix', 'sys_syscall', 0x1e0);
const msgsysFn = func(MSGSYS_MODULE, 'msgsys', 0x120);
const msggetFn = func(MSGSYS_MODULE, 'msgget', 0x1e0);
const msgsndFn = func(MSGSYS_MODULE, 'msgsnd', 0x4b0);
const msgrcvFn = func(MSGSYS_MODULE, 'msgrcv', 0x3c0);
const msgCopyoutFn = func(MSGSYS_MODULE, 'msg_copyout', 0x210);
const msgsnapFn = func(MSGSYS_MODULE, 'msgsnap', 0x3a0);
const msgctlFn = func(MSGSYS_MODULE, 'msgctl', 0x420);
const msgReleFn = func(MSGSYS_MODULE, 'msg_rele', 0x60);
const msgunlinkFn = func(MSGSYS_MODULE, 'msgunlink', 0x90);
const msgRmidFn = func(MSGSYS_MODULE, 'msg_rmid', 0x80);
const msgInitFn = func(MSGSYS_MODULE, '_init', 0x70);

/*
 * Layouts on amd64 as modelled (sys/msg_impl.h, sys/ipc_impl.h):
 *   struct msg { list_node_t msg_node; long msg_type; size_t msg_size;
 *                void *msg_addr; long msg_flags; long msg_copycnt; }  56 bytes
 *   kmsqid_t: kipc_perm_t msg_perm, then list_t msg_list (its list_head at
 *   0x68), the condition variables and the 65 + 65 waiter lists: 3272 bytes.
 */
export const SIZEOF_MSG = 56;
export const MSG_NEXT = 0x0;
export const MSG_PREV = 0x8;
export const MSG_ADDR = 0x20;
export const MSG_FLAGS = 0x28;
export const SIZEOF_KMSQID = 3272;
const MSQ_LIST_HEAD = 0x68;
const MSQ_SND_CV = 0x80;
const MSQ_RCV_CV = 0x88;
const SIZEOF_IPC_SERVICE = 0x70;
const IPCS_TABLE = 0x48;
const SIZEOF_IPC_SLOT = 0x20;
const IPCT_DATA = 0x10;
/** msg_flags: being copied out */
export const MSG_RCVCOPY = 0x1;
/** the msgsnap header copied out before the messages (struct msgsnap_head) */
const SIZEOF_MSGSNAP_HEAD = 16;

export const FIX_EFAULT = 'msg-copyout-efault';
export const FIX_ORDER = 'msg-copyout-order';
export const FIX_SNAP = 'msgsnap-count';

/** A struct msg and its text. */
export interface Msg {
  hdr: Buf;
  text: Buf;
  size: number;
  type: number;
  /** msg_copycnt */
  copycnt: number;
  flags: number;
  /** the queue it is linked on, or null */
  q: Msq | null;
  /** threads working on it now (a sender before it is queued, a reader in copyout) */
  active: number;
  /** msg_copyout() left its msg_hold() reference behind (the EFAULT bug) */
  strandedHold: boolean;
  freed: boolean;
}

/** A kmsqid_t. */
export interface Msq {
  slot: number;
  buf: Buf;
  msgs: Msg[];
  qmax: number;
  /** IPC_RMID ran: IPC_FREE(&qp->msg_perm) */
  removed: boolean;
  /** ipc_hold() references: the kmsqid_t is freed by the last ipc_rele() after removal */
  holds: number;
  freed: boolean;
}

/** A buffer the simulator knows to be leaked, and why. */
export interface LeakRecord {
  addr: Kva;
  /** the kmem_alloc size (kmem_free would have been given it) */
  size: number;
  reason: string;
}

export interface MsgState {
  k: Kernel;
  km: Kmem;
  /** the ipc_service_t msq_svc points at */
  svc: Buf;
  table: Buf;
  queues: Msq[];
  qmax: number;
  fixes: ReadonlySet<string>;
  /** every message neither freed nor known lost, for the ground truth */
  live: Set<Msg>;
  stats: { sent: number; received: number; efault: number; snaps: number; rmids: number; eidrm: number };
  /** the load's count of completed system calls (LoadStats.syscalls), which simulate reports */
  load: { syscalls: number };
}

function allocBuf(km: Kmem, size: number): KGen<Buf | null> {
  return (function* () {
    const b = yield* kmemAlloc(km, size, KM_SLEEP);
    return b === null || typeof b === 'number' ? null : b;
  })();
}

/** One msgsys system call: sys_syscall -> msgsys -> the operation, counted when it returns. */
function* along<T>(ms: MsgState, path: readonly FuncSym[], body: (inner: Frame) => KGen<T>): KGen<T> {
  const k = ms.k;
  const frames = path.map((fn) => k.enter(fn, 0));
  const r = yield* body(frames[frames.length - 1]!);
  for (let i = frames.length - 1; i >= 0; i--) k.leave(frames[i]!);
  ms.load.syscalls++;
  return r;
}

/** models msgsys's _init(): ipc_service_create() for msq_svc, and the queues the load's msgget() calls make. */
export function msgInit(k: Kernel, km: Kmem, nqueues: number, qmax: number, fixes: readonly string[], load: { syscalls: number }): MsgState {
  const fr = k.enter(msgInitFn, 0);
  const svc = runNoSleep(allocBuf(km, SIZEOF_IPC_SERVICE), 'ipc_service_create');
  const table = runNoSleep(allocBuf(km, nqueues * SIZEOF_IPC_SLOT), 'ipc_service_create');
  if (!svc || !table) throw new Error('simulator: no memory for msq_svc at boot');
  storePtr(svc, IPCS_TABLE, table.addr);
  k.leave(fr);
  const ms: MsgState = {
    k, km, svc, table, queues: [], qmax, fixes: new Set(fixes), live: new Set(),
    stats: { sent: 0, received: 0, efault: 0, snaps: 0, rmids: 0, eidrm: 0 },
    load,
  };
  for (let i = 0; i < nqueues; i++) {
    const q = runNoSleep(msgget(ms, i), 'msgget');
    if (!q) throw new Error('simulator: no memory for a message queue at boot');
  }
  return ms;
}

/** models msgget(key, IPC_CREAT): ipc_get() allocates the kmsqid_t and ipc_commit_end() puts it in its slot. */
export function* msgget(ms: MsgState, slot: number): KGen<Msq | null> {
  const { km } = ms;
  return yield* along(ms, [sysSyscall, msgsysFn, msggetFn], function* () {
    const buf = yield* allocBuf(km, SIZEOF_KMSQID);
    if (!buf) return null;
    const q: Msq = { slot, buf, msgs: [], qmax: ms.qmax, removed: false, holds: 0, freed: false };
    relink(q);
    storePtr(ms.table, slot * SIZEOF_IPC_SLOT + IPCT_DATA, buf.addr);
    ms.queues[slot] = q;
    return q;
  });
}

/** The queue's list_t as memory holds it: list_head and every msg_node, circular through the head. */
function relink(q: Msq): void {
  const head = q.buf.addr + MSQ_LIST_HEAD;
  const n = q.msgs.length;
  const node = (i: number): Kva => (i < 0 || i >= n ? head : q.msgs[i]!.hdr.addr);
  storePtr(q.buf, MSQ_LIST_HEAD, node(0));
  storePtr(q.buf, MSQ_LIST_HEAD + 8, node(n - 1));
  for (let i = 0; i < n; i++) {
    storePtr(q.msgs[i]!.hdr, MSG_NEXT, node(i + 1));
    storePtr(q.msgs[i]!.hdr, MSG_PREV, node(i - 1));
  }
}

/** models msg_rele(): drop a reference; the last one frees the text and the header. */
function msgRele(ms: MsgState, m: Msg): void {
  const { k, km } = ms;
  const fr = k.enter(msgReleFn, 0b1, m.hdr.addr);
  // msg_rele's ASSERT(mp->msg_copycnt > 0): the modelled bugs never break it, so a
  // violation here is the simulator's own error, not a kernel panic
  if (m.copycnt <= 0) throw new Error(`simulator: msg_rele of a message with msg_copycnt ${m.copycnt}`);
  if (m.copycnt-- === 1) {
    kmemFree(km, m.text.addr, m.size);
    kmemFree(km, m.hdr.addr, SIZEOF_MSG);
    m.freed = true;
    ms.live.delete(m);
  }
  k.leave(fr);
}

/** models msgunlink(): take the message off its queue (list_remove NULLs msg_node) and drop the queue's reference. */
function msgunlink(ms: MsgState, q: Msq, m: Msg): void {
  const k = ms.k;
  const fr = k.enter(msgunlinkFn, 0b11, q.buf.addr, m.hdr.addr);
  const i = q.msgs.indexOf(m);
  if (i >= 0) q.msgs.splice(i, 1);
  m.q = null;
  storePtr(m.hdr, MSG_NEXT, 0);
  storePtr(m.hdr, MSG_PREV, 0);
  relink(q);
  msgRele(ms, m);
  k.leave(fr);
}

/** ipc_rele(): the last hold on a removed queue frees its kmsqid_t. */
function ipcRele(ms: MsgState, q: Msq): void {
  q.holds--;
  if (q.removed && q.holds === 0 && !q.freed) {
    q.freed = true;
    kmemFree(ms.km, q.buf.addr, SIZEOF_KMSQID);
  }
}

/**
 * models msgsnd(): the header and text are allocated up front (msgsz <=
 * MSG_PREALLOC_LIMIT), copied in, then the sender waits for space on the
 * queue holding the message only in its own locals.
 */
export function* msgsnd(ms: MsgState, slot: number, size: number, type: number): KGen<number> {
  const { k, km } = ms;
  return yield* along(ms, [sysSyscall, msgsysFn, msgsndFn], function* (fr) {
    const hdr = yield* allocBuf(km, SIZEOF_MSG);
    if (!hdr) return 12; // ENOMEM
    fr.locals.push(hdr.addr);
    const text = yield* allocBuf(km, size);
    if (!text) {
      kmemFree(km, hdr.addr, SIZEOF_MSG);
      return 12;
    }
    storePtr(hdr, MSG_ADDR, text.addr);
    const m: Msg = { hdr, text, size, type, copycnt: 1, flags: 0, q: null, active: 1, strandedHold: false, freed: false };
    ms.live.add(m);
    const q = ms.queues[slot]!;
    q.holds++;
    let error = 0;
    while (q.msgs.length >= q.qmax && !q.removed) {
      yield* k.cvWait(q.buf.addr + MSQ_SND_CV);
    }
    if (q.removed) error = 43; // EIDRM
    else {
      q.msgs.push(m);
      m.q = q;
      relink(q);
      ms.stats.sent++;
      k.cvSignal(q.buf.addr + MSQ_RCV_CV);
    }
    m.active--;
    ipcRele(ms, q);
    if (error) {
      ms.stats.eidrm++;
      msgRele(ms, m);
    }
    return error;
  });
}

/**
 * models msg_copyout(): mark the message MSG_RCVCOPY, msg_hold() it, drop the
 * lock and copyout() the type and text (a fault makes copyerror), then retake
 * the lock, clear the flag, msg_rele() and unlink it.
 */
function* msgCopyout(ms: MsgState, q: Msq, m: Msg, fault: boolean): KGen<number> {
  const k = ms.k;
  const fr = k.enter(msgCopyoutFn, 0b11, q.buf.addr, m.hdr.addr);
  fr.locals.push(m.hdr.addr);
  m.flags |= MSG_RCVCOPY;
  m.copycnt++; // msg_hold()
  m.active++;
  // copyout() of up to msg_size bytes; the page faults it takes let other threads run
  yield* k.delay(20_000 + m.size * 40);
  m.active--;
  let rc: number;
  if (fault && !ms.fixes.has(FIX_EFAULT)) {
    // the bug: the fault path returns before msg_rele(), stranding the hold
    m.flags &= ~MSG_RCVCOPY;
    m.strandedHold = true;
    rc = 14; // EFAULT
  } else {
    if (ms.fixes.has(FIX_ORDER)) {
      m.flags &= ~MSG_RCVCOPY;
      msgRele(ms, m);
    } else {
      // the bug: the reference is dropped first; if IPC_RMID unlinked the
      // message meanwhile this frees it, and the flag update lands in freed memory
      msgRele(ms, m);
      m.flags &= ~MSG_RCVCOPY;
      if (m.freed) writeFreed(m.hdr, MSG_FLAGS, m.flags);
    }
    if (q.removed) rc = 43;
    else if (fault) rc = 14;
    else {
      msgunlink(ms, q, m);
      ms.stats.received++;
      rc = 0;
    }
  }
  k.leave(fr);
  return rc;
}

/**
 * A store into a buffer kmem has already taken back: on a DEBUG kernel the
 * buffer is poisoned with 0xdeadbeefdeadbeef, and `msg_flags &= ~MSG_RCVCOPY`
 * reads the pattern and writes back 0xdeadbeefdeadbeee.
 */
function writeFreed(b: Buf, offset: number, flags: number): void {
  const word = b.fill === 1 /* FILL_DEADBEEF */ ? 0xdeadbeefdeadbeeen & ~BigInt(MSG_RCVCOPY) : BigInt(flags);
  (b.corrupt ??= []).push(offset, word);
}

/** models msgrcv(): the oldest message not being copied out, or sleep for one. */
export function* msgrcv(ms: MsgState, slot: number, fault: boolean): KGen<number> {
  const k = ms.k;
  return yield* along(ms, [sysSyscall, msgsysFn, msgrcvFn], function* () {
    const q = ms.queues[slot]!;
    q.holds++;
    let rc = 0;
    for (;;) {
      if (q.removed) {
        rc = 43;
        break;
      }
      const m = q.msgs.find((x) => (x.flags & MSG_RCVCOPY) === 0);
      if (m) {
        rc = yield* msgCopyout(ms, q, m, fault);
        k.cvSignal(q.buf.addr + MSQ_SND_CV);
        break;
      }
      // msg_rcvq_sleep(): nothing to take; wait for a sender (or time out as a signal would)
      if (!(yield* k.cvWait(q.buf.addr + MSQ_RCV_CV, 50_000_000))) {
        rc = 4; // EINTR
        break;
      }
    }
    if (rc === 14) ms.stats.efault++;
    ipcRele(ms, q);
    return rc;
  });
}

/**
 * models msgsnap(): count the messages, copy the msgsnap_head out, then hold
 * every message in a snaplist and copy them out one by one.
 */
export function* msgsnap(ms: MsgState, slot: number): KGen<number> {
  const { k, km } = ms;
  return yield* along(ms, [sysSyscall, msgsysFn, msgsnapFn], function* (fr) {
    const q = ms.queues[slot]!;
    q.holds++;
    ms.stats.snaps++;
    let nmsg = q.msgs.length;
    let list: Msg[];
    let snaplist: Buf | null = null;
    if (ms.fixes.has(FIX_SNAP)) {
      // the lock is held from the count to the fill: the list has nmsg entries
      if (nmsg > 0) snaplist = yield* allocBuf(km, nmsg * 8);
      list = snaplist ? q.msgs.slice(0, nmsg) : [];
      holdAll(snaplist, list, nmsg);
      // copyout of the header, with the messages held
      yield* k.delay(10_000 + SIZEOF_MSGSNAP_HEAD * 40);
    } else {
      // the bug: the header is copied out with the lock dropped, and the
      // snaplist sized by the old count is filled with the messages there now
      yield* k.delay(10_000 + SIZEOF_MSGSNAP_HEAD * 40);
      if (q.removed) nmsg = 0;
      if (nmsg > 0) snaplist = yield* allocBuf(km, nmsg * 8);
      list = snaplist ? q.msgs.slice() : [];
      holdAll(snaplist, list, nmsg);
    }
    if (snaplist) fr.locals.push(snaplist.addr);
    for (const m of list) {
      yield* k.delay(5_000 + m.size * 20);
      msgRele(ms, m);
    }
    if (snaplist) kmemFree(km, snaplist.addr, nmsg * 8);
    ipcRele(ms, q);
    return q.removed ? 43 : 0;
  });
}

/** The fill: msg_hold() each message and store it in snaplist[i]; an index at or past nmsg writes past the buffer's end. */
function holdAll(snaplist: Buf | null, list: Msg[], nmsg: number): void {
  for (let i = 0; i < list.length; i++) {
    const m = list[i]!;
    m.copycnt++;
    if (i < nmsg) storePtr(snaplist!, i * 8, m.hdr.addr);
    else (snaplist!.corrupt ??= []).push(i * 8, m.hdr.addr);
  }
}

/** models msgctl(IPC_RMID): msg_rmid() unlinks every message, then ipc_rmid() frees the id; the load makes the queue again. */
export function* msgctlRmid(ms: MsgState, slot: number): KGen<number> {
  const k = ms.k;
  const rc = yield* along(ms, [sysSyscall, msgsysFn, msgctlFn], function* () {
    const q = ms.queues[slot]!;
    ms.stats.rmids++;
    const fr = k.enter(msgRmidFn, 0b1, q.buf.addr);
    q.removed = true;
    for (const m of q.msgs.slice()) msgunlink(ms, q, m);
    k.cvBroadcast(q.buf.addr + MSQ_SND_CV);
    k.cvBroadcast(q.buf.addr + MSQ_RCV_CV);
    k.leave(fr);
    storePtr(ms.table, slot * SIZEOF_IPC_SLOT + IPCT_DATA, 0);
    q.holds++;
    ipcRele(ms, q);
    return 0;
  });
  yield* msgget(ms, slot);
  return rc;
}

/**
 * The ground truth: every message the simulator knows is neither freed, nor
 * on a queue, nor in a thread's hands. Only the EFAULT bug strands one.
 */
export function msgLeaks(ms: MsgState): LeakRecord[] {
  const out: LeakRecord[] = [];
  for (const m of ms.live) {
    if (m.freed || m.q !== null || m.active > 0) continue;
    const why = m.strandedHold
      ? 'msg_copyout() returned EFAULT without msg_rele(); msgunlink() left msg_copycnt at 1 and nothing frees the message'
      : 'message unlinked with msg_copycnt > 0 and no holder';
    out.push({ addr: m.hdr.addr, size: SIZEOF_MSG, reason: `struct msg: ${why}` });
    out.push({ addr: m.text.addr, size: m.size, reason: 'message text: its only reference is msg_addr of a leaked struct msg' });
  }
  return out.sort((a, b) => a.addr - b.addr);
}

/** A load process's thread: senders send, receivers receive (and snapshot and remove queues). */
export function* msgSender(ms: MsgState, t: KThread, msgMax: number, thinkUs: number): KGen<void> {
  const k = ms.k;
  for (;;) {
    const slot = k.rng.below(ms.queues.length);
    yield* msgsnd(ms, slot, 1 + k.rng.below(msgMax), 1 + k.rng.below(8));
    yield* k.delay(thinkUs * 500 + k.rng.below(thinkUs * 1000));
    void t;
  }
}

export function* msgReceiver(ms: MsgState, t: KThread, pct: { fault: number; snap: number; rmid: number }, thinkUs: number): KGen<void> {
  const k = ms.k;
  for (;;) {
    const slot = k.rng.below(ms.queues.length);
    const r = k.rng.float() * 100;
    if (r < pct.rmid) yield* msgctlRmid(ms, slot);
    else if (r < pct.rmid + pct.snap) yield* msgsnap(ms, slot);
    else yield* msgrcv(ms, slot, k.rng.float() * 100 < pct.fault);
    yield* k.delay(thinkUs * 500 + k.rng.below(thinkUs * 1000));
    void t;
  }
}
