/*
 * Running a code path that must not block. Some callers are in contexts that
 * cannot sleep (a KM_NOSLEEP allocation, a free, boot); if the simulated code
 * would block there, that is a bug in the simulator, not a kernel state.
 */
import type { KGen } from './thread.js';

export function runNoSleep<T>(g: KGen<T>, what: string): T {
  const r = g.next();
  if (!r.done) throw new Error(`simulator bug: ${what} tried to block in a context that cannot sleep`);
  return r.value;
}
