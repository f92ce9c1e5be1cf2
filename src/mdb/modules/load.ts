/*
 * The modules for one dump, imported when it is opened: a FreeBSD dump
 * never compiles illumos's modules, nor an illumos dump FreeBSD's. Batch
 * runs start faster for it (the modules are most of the code a batch run
 * loads); the order is assemble.ts's, the same as modules/index.ts gives.
 */
import type { DumpHeader } from '../../dump/format.js';
import type { Module } from '../dcmd.js';
import { modulesFrom } from './assemble.js';

/** The kernel modules of the dump's OS, then modulesFrom()'s order. */
export async function loadModulesFor(os: DumpHeader['os']): Promise<readonly Module[]> {
  if (os === 'illumos') return modulesFrom(os, (await import('./illumos/index.js')).illumosModules);
  if (os === 'freebsd') return modulesFrom(os, (await import('./freebsd/index.js')).freebsdModules);
  return modulesFrom(os, []);
}
