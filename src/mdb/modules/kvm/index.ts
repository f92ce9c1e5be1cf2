/*
 * The kvm target's own dcmds (mdb_kvm.c): what mdb registers under the
 * built-in module "mdb_kvm" when it opens a crash dump, rather than in a
 * loadable module such as genunix. They answer from the target's view of
 * the dump: its status, the representative (panic) thread's stack, and its
 * registers.
 */
import type { Module } from '../../dcmd.js';
import regs from './regs.js';
import { stack, stackregs } from './stack.js';
import status from './status.js';

export const kvmModule: Module = {
  name: 'mdb_kvm',
  dcmds: [status, stack, stackregs, regs],
  walkers: [],
};

export { backtrace } from './stack.js';
export { releaseAndVersion } from './status.js';
