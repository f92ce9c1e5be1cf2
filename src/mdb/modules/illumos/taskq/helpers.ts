/*
 * taskq_t and taskq_ent_t as genunix's taskq.c reads them.
 */
import type { Target } from '../../../target.js';
import { DcmdError } from '../../../errors.js';

/** tq_flags (sys/taskq.h, taskq_impl.h) */
export const TASKQ_DYNAMIC = 0x0004;
export const TASKQ_NOINSTANCE = 0x00040000;

export interface TaskqRec {
  addr: bigint;
  name: string;
  flags: number;
  active: number;
  nthreads: number;
  nthreadsMax: number;
  instance: number;
  tasks: bigint;
  executed: bigint;
  maxtasks: number;
  thread: bigint;
  /** &tq->tq_task, the entry list's head */
  head: bigint;
  first: bigint;
}

export function typeOffset(target: Target, type: string, member: string): bigint {
  const def = target.types.get(type);
  if (!def) throw new DcmdError(`the dump has no type ${type}`);
  return BigInt(target.types.resolve(def, member).offset);
}

/** The taskq_t at addr (a MemoryError when it cannot be read). */
export function readTaskq(target: Target, addr: bigint): TaskqRec {
  const o = (m: string): bigint => addr + typeOffset(target, 'taskq_t', m);
  const i32 = (m: string): number => target.readU32(o(m)) | 0;
  return {
    addr,
    name: target.readString(o('tq_name'), 31),
    flags: target.readU32(o('tq_flags')),
    active: i32('tq_active'),
    nthreads: i32('tq_nthreads'),
    nthreadsMax: i32('tq_nthreads_max'),
    instance: target.readU32(o('tq_instance')),
    tasks: target.readU64(o('tq_tasks')),
    executed: target.readU64(o('tq_executed')),
    maxtasks: i32('tq_maxtasks'),
    thread: target.readPtr(o('tq_thread')),
    head: o('tq_task'),
    first: target.readPtr(o('tq_task') + typeOffset(target, 'taskq_ent_t', 'tqent_next')),
  };
}

/** tqcmp(): fixed queues before dynamic ones, NOINSTANCE first in creation order, others by name then instance. */
export function tqcmp(l: TaskqRec, r: TaskqRec, lorder: number, rorder: number): number {
  const ld = (l.flags & TASKQ_DYNAMIC) !== 0;
  const rd = (r.flags & TASKQ_DYNAMIC) !== 0;
  if (ld !== rd) return ld ? 1 : -1;
  const ln = (l.flags & TASKQ_NOINSTANCE) !== 0;
  const rn = (r.flags & TASKQ_NOINSTANCE) !== 0;
  if (ln !== rn) return ln ? -1 : 1;
  if (!ln) {
    const c = l.name.toLowerCase().localeCompare(r.name.toLowerCase());
    if (c !== 0) return c;
    return (l.instance | 0) - (r.instance | 0);
  }
  return lorder - rorder;
}

/** The tq_name of the taskq at addr, or undefined when it cannot be read. */
export function taskqName(target: Target, addr: bigint): string | undefined {
  try {
    return target.readString(addr + typeOffset(target, 'taskq_t', 'tq_name'), 31);
  } catch {
    return undefined;
  }
}
