/*
 * proc_t as genunix's process dcmds read it (genunix.c ps(), ptree(),
 * pgrep(), proc_walk_*): the members, read through the dump's CTF, and the
 * structures they point at (struct pid, sess_t, cred_t, zone_t).
 */
import type { Target } from '../../../target.js';
import { DcmdError } from '../../../errors.js';
import { StructView } from '../kmem/struct-view.js';

/** What ::ps, ::ptree and ::pgrep print of one process (readProc may hand the same one out twice). */
export interface ProcRec {
  readonly addr: bigint;
  readonly stat: number;
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  readonly uid: number;
  readonly zoneid: number;
  readonly flag: number;
  readonly comm: string;
  readonly psargs: string;
  /** u_start in ns */
  readonly start: bigint;
  readonly parent: bigint;
  readonly child: bigint;
  readonly sibling: bigint;
}

/** pstat2ch(): p_stat as ::ps's S column (sys/proc.h SSLEEP .. SWAIT) */
export function pstat2ch(stat: number): string {
  return ['?', 'S', 'R', 'Z', 'T', 'I', 'O', 'W'][stat] ?? '?';
}

/** member offsets by target, type and member, resolved once (a pipe of 65,536 addresses reads proc_t at each) */
const offsetCache = new WeakMap<Target, Map<string, Map<string, bigint>>>();

function offsets(target: Target, type: string): (member: string) => bigint {
  let byType = offsetCache.get(target);
  if (!byType) offsetCache.set(target, (byType = new Map()));
  let members = byType.get(type);
  if (!members) {
    if (!target.types.get(type)) throw new DcmdError(`the dump has no type ${type}`);
    byType.set(type, (members = new Map()));
  }
  const known = members;
  return (m) => {
    let v = known.get(m);
    if (v === undefined) known.set(m, (v = BigInt(target.types.resolve(target.types.get(type)!, m).offset)));
    return v;
  };
}

const i32 = (v: number): number => v | 0;

/**
 * The proc_t at addr. Its own members must be readable (a MemoryError says
 * where not); what it points at is read as mdb_vread() would leave it when a
 * read fails: pids and ids 0.
 */
export function readProc(target: Target, addr: bigint): ProcRec {
  // the dump does not change: the last process read is kept, for ::ptree ADDR reads
  // the process at ADDR for its ancestors and again to walk its subtree (a pipe of
  // 65,536 page_t addresses into ::ptree read each twice)
  const last = lastProc.get(target);
  if (last && last.addr === addr) return last;
  const p = readProcOnce(target, addr);
  lastProc.set(target, p);
  return p;
}

const lastProc = new WeakMap<Target, ProcRec>();

function readProcOnce(target: Target, addr: bigint): ProcRec {
  const o = offsets(target, 'proc_t');
  const tryRead = (f: () => number): number => {
    try {
      return f();
    } catch {
      return 0;
    }
  };
  const pidAt = (pidp: bigint): number => {
    if (pidp === 0n) return 0;
    const po = offsets(target, 'struct pid');
    return tryRead(() => i32(target.readU32(pidp + po('pid_id'))));
  };
  // the proc_t in one read, as mdb_vread() takes it (a pipe of 65,536
  // addresses reads one at each); where the whole struct cannot be read,
  // each member is read alone, so the error names the member's bytes
  let v: StructView | undefined;
  try {
    v = StructView.read(target, 'proc_t', addr);
  } catch (e) {
    if (!(e instanceof DcmdError)) throw e;
  }
  const num = (m: string, size: 1 | 4 | 8): bigint => (v ? v.u(m) : target.readUint(addr + o(m), size));
  const ptr = (m: string): bigint => num(m, target.pointerSize);
  const str = (m: string, max: number): string => (v ? v.str(m) : target.readString(addr + o(m), max));
  const stat = Number(num('p_stat', 1));
  const pidp = ptr('p_pidp');
  const ppid = i32(Number(num('p_ppid', 4)));
  const pgidp = ptr('p_pgidp');
  const sessp = ptr('p_sessp');
  const credp = ptr('p_cred');
  const zonep = ptr('p_zone');
  const sid = sessp === 0n ? 0 : tryRead(() => pidAt(target.readPtr(sessp + offsets(target, 'sess_t')('s_sidp'))));
  const uid = credp === 0n ? 0 : tryRead(() => target.readU32(credp + offsets(target, 'cred_t')('cr_uid')));
  const zoneid = zonep === 0n ? 0 : tryRead(() => i32(target.readU32(zonep + offsets(target, 'zone_t')('zone_id'))));
  const sec = num('p_user.u_start.tv_sec', 8);
  const nsec = num('p_user.u_start.tv_nsec', 8);
  return {
    addr,
    stat,
    pid: pidAt(pidp),
    ppid,
    pgid: pidAt(pgidp),
    sid,
    uid,
    zoneid,
    flag: Number(num('p_flag', 4)),
    comm: str('p_user.u_comm', 41),
    psargs: str('p_user.u_psargs', 80),
    start: BigInt.asIntN(64, sec) * 1_000_000_000n + BigInt.asIntN(64, nsec),
    parent: ptr('p_parent'),
    child: ptr('p_child'),
    sibling: ptr('p_sibling'),
  };
}

/** Where the proc walker starts: p0, which proc_sched points at. */
export function procRoot(target: Target): bigint {
  const p0 = target.lookupSymbol('p0');
  if (p0) return p0.addr;
  const ps = target.lookupSymbol('proc_sched');
  if (!ps) throw new DcmdError("failed to read 'practive'");
  return target.readPtr(ps.addr);
}

/** nproc, the walker's bound on the tree's depth (and here on its size) */
export function nproc(target: Target): number {
  // read once per dump (it does not change): ::ptree asks twice per call, 65,536 calls in a pipe
  let n = nprocs.get(target);
  if (n === undefined) {
    const s = target.lookupSymbol('nproc');
    if (!s) throw new DcmdError("failed to read 'nproc'");
    n = Math.max(1, Math.min(1_000_000, target.readU32(s.addr)));
    nprocs.set(target, n);
  }
  return n;
}

const nprocs = new WeakMap<Target, number>();

/**
 * proc_walk_step(): depth first from `start`, a process before its
 * children, children in p_child/p_sibling order; from a given process only
 * its subtree. The stack is bounded by nproc, and a process met twice (a
 * corrupt p_child or p_sibling loop) ends the walk with a warning.
 */
export function* walkProcs(target: Target, start: bigint, warn: (msg: string) => void = () => {}): Generator<ProcRec> {
  const max = nproc(target);
  const seen = new Set<bigint>();
  let first: ProcRec;
  try {
    first = readProc(target, start);
  } catch {
    throw new DcmdError(`failed to read proc at ${start.toString(16)}`);
  }
  const stack: ProcRec[] = [];
  let cur: ProcRec | undefined = first;
  while (cur) {
    if (seen.has(cur.addr) || seen.size >= max) {
      warn(`proc ${cur.addr.toString(16)} seen twice or more than nproc processes; walk stopped`);
      return;
    }
    seen.add(cur.addr);
    yield cur;
    let next: ProcRec | undefined;
    if (cur.child !== 0n) {
      try {
        next = readProc(target, cur.child);
        stack.push(cur);
        if (stack.length >= max) {
          warn(`depth ${stack.length} exceeds max depth; try again`);
          return;
        }
      } catch {
        warn(`proc ${cur.addr.toString(16)} has invalid p_child ${cur.child.toString(16)}; skipping`);
      }
    }
    // no child: the next sibling, else the nearest ancestor's (p0's and the start's siblings are not walked)
    let from: ProcRec | undefined = cur;
    while (!next && from) {
      if (from === first || stack.length === 0) break;
      if (from.sibling !== 0n) {
        try {
          next = readProc(target, from.sibling);
          break;
        } catch {
          warn(`proc ${from.addr.toString(16)} has invalid p_sibling ${from.sibling.toString(16)}; skipping`);
        }
      }
      from = stack.pop();
    }
    cur = next;
  }
}
