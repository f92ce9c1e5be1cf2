/*
 * The order a session loads its modules in, whichever way they were
 * imported: mdb's own ("mdb", core/), the crash-dump target's ("mdb_kvm",
 * kvm/), then the kernel's modules for the dump's OS, and for FreeBSD the
 * ddb grammar's module last. index.ts imports every kernel's modules up
 * front; load.ts imports only the dump's.
 */
import type { DumpHeader } from '../../dump/format.js';
import type { Module } from '../dcmd.js';
import { coreModule } from './core/index.js';
import { kvmModule } from './kvm/index.js';
import { ddbModule } from './ddb/index.js';

/** The modules for a dump of this OS, given that OS's kernel modules (none for an OS without any). */
export function modulesFrom(os: DumpHeader['os'], kernel: readonly Module[]): readonly Module[] {
  if (os === 'freebsd') return [coreModule, kvmModule, ...kernel, ddbModule];
  return [coreModule, kvmModule, ...kernel];
}
