/*
 * The names mdb prints for thread states (sys/thread.h) and synchronisation
 * object types (sys/sobject.h), both ways: value to name and name to value.
 */
import { DcmdError } from '../../../errors.js';
import type { Target } from '../../../target.js';

/** t_state values (sys/thread.h). */
export const TS_FREE = 0x00;
export const TS_SLEEP = 0x01;
export const TS_RUN = 0x02;
export const TS_ONPROC = 0x04;
export const TS_ZOMB = 0x08;
export const TS_STOPPED = 0x10;
export const TS_WAIT = 0x20;

/** t_flag: an interrupt thread (sys/thread.h T_INTR_THREAD). */
export const T_INTR_THREAD = 0x0001;

const STATE_NAMES: ReadonlyArray<[number, string]> = [
  [TS_FREE, 'free'],
  [TS_SLEEP, 'sleep'],
  [TS_RUN, 'run'],
  [TS_ONPROC, 'onproc'],
  [TS_ZOMB, 'zomb'],
  [TS_STOPPED, 'stopped'],
  [TS_WAIT, 'wait'],
];

/** A thread state as ::thread prints it ("sleep"); unknown values read "inval/%02x". */
export function threadStateName(state: number): string {
  for (const [v, n] of STATE_NAMES) if (v === state) return n;
  return `inval/${(state >>> 0).toString(16).padStart(2, '0')}`;
}

/** The t_state value for a name, any case ("SLEEP", "onproc"); undefined if unknown. */
export function threadStateValue(name: string): number | undefined {
  const n = name.toLowerCase();
  for (const [v, s] of STATE_NAMES) if (s === n) return v;
  return undefined;
}

/*
 * Synchronisation object types (sys/sobject.h). A sleeping thread's
 * t_sobj_ops points at one ops vector per type; mdb names the type by
 * reading sobj_type there. The dump has the vectors as symbols, so the
 * symbol's name identifies the type, and sobj_type is read only for a
 * vector the table does not know.
 */
const SOBJ_TYPES: ReadonlyArray<{ type: number; name: string; ops: string }> = [
  { type: 1, name: 'mutex', ops: 'mutex_sobj_ops' },
  { type: 2, name: 'rwlock', ops: 'rw_sobj_ops' },
  { type: 3, name: 'cv', ops: 'cv_sobj_ops' },
  { type: 4, name: 'sema', ops: 'sema_sobj_ops' },
  { type: 5, name: 'user', ops: 'lwp_sobj_ops' },
  { type: 6, name: 'user_pi', ops: 'lwp_sobj_pi_ops' },
  { type: 7, name: 'shuttle', ops: 'shuttle_sobj_ops' },
];

/** The type name of a t_sobj_ops value: "cv", "mutex" … "<none>" for 0, "??" if unreadable. */
export function sobjTypeName(target: Target, ops: bigint): string {
  if (ops === 0n) return '<none>';
  const cache = sobjNames(target);
  const hit = cache.get(ops);
  if (hit !== undefined) return hit;
  let name = '??';
  const sym = target.symbolAt(ops);
  const byOps = sym && sym.offset === 0n ? SOBJ_TYPES.find((s) => s.ops === sym.sym.name) : undefined;
  if (byOps) name = byOps.name;
  else {
    try {
      const t = target.readU32(ops);
      name = SOBJ_TYPES.find((s) => s.type === t)?.name ?? `<unk:${t.toString(16).padStart(2, '0')}>`;
    } catch {
      name = '??';
    }
  }
  cache.set(ops, name);
  return name;
}

/**
 * The t_sobj_ops value for a type name (any case), as ::stacks -s takes it:
 * the address of that type's ops vector. Throws when the name is unknown or
 * the dump has no such vector.
 */
export function sobjOpsOf(target: Target, name: string): bigint {
  const info = SOBJ_TYPES.find((s) => s.name === name.toLowerCase());
  if (!info) throw new DcmdError(`sobj type "${name}" unknown`);
  const sym = target.lookupSymbol(info.ops);
  if (!sym) throw new DcmdError(`unable to find symbol "${info.ops}"`);
  return sym.addr;
}

const sobjCache = new WeakMap<Target, Map<bigint, string>>();

function sobjNames(target: Target): Map<bigint, string> {
  let m = sobjCache.get(target);
  if (!m) sobjCache.set(target, (m = new Map()));
  return m;
}
