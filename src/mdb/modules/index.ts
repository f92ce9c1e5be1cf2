/*
 * The modules a session loads, in order. A module adds its dcmds and
 * walkers here and nowhere else; there is no registration by import side
 * effect. The names are mdb's, so ::help and ::whence say what mdb says:
 * "mdb" for the debugger's built-in commands, "mdb_kvm" for the crash-dump
 * target's own, and then the kernel's modules, chosen by the dump header's
 * OS as mdb loads genunix for an illumos vmcore: illumos/ (genunix: kmem,
 * vmem, threads, CPUs, the panic) or freebsd/ (UMA, threads and processes,
 * pcpu, the panic and message buffer), with the ddb grammar's own module
 * (ddb/: help, print), which a session in ddb syntax loads on any dump.
 */
import type { DumpHeader } from '../../dump/format.js';
import type { Module } from '../dcmd.js';
import { modulesFrom } from './assemble.js';
import { illumosModules } from './illumos/index.js';
import { freebsdModules } from './freebsd/index.js';

/** The modules for an illumos dump. */
export const builtinModules: readonly Module[] = modulesFrom('illumos', illumosModules);

/** The modules for a dump of this OS (load.ts imports the same, for one OS only). */
export function modulesFor(os: DumpHeader['os']): readonly Module[] {
  if (os === 'illumos') return builtinModules;
  return modulesFrom(os, os === 'freebsd' ? freebsdModules : []);
}
