/*
 * The illumos kernel's modules, loaded for an illumos dump as mdb loads
 * genunix and unix for a vmcore: kmem, vmem, threads, CPUs, the panic, pages;
 * and zfs, as mdb loads it for a kernel with the zfs module.
 */
import type { Module } from '../../dcmd.js';
import { kmemModule } from './kmem/index.js';
import { vmemModule } from './vmem/index.js';
import { threadModule } from './thread/index.js';
import { cpuModule } from './cpu/index.js';
import { panicModule } from './panic/index.js';
import { procModule } from './proc/index.js';
import { taskqModule } from './taskq/index.js';
import { devinfoModule } from './devinfo/index.js';
import { calloutModule } from './callout/index.js';
import { zfsModule } from './zfs/index.js';
import { vmModule } from './vm/index.js';

export const illumosModules: readonly Module[] = [kmemModule, vmemModule, threadModule, cpuModule, panicModule, procModule, taskqModule, devinfoModule, calloutModule, zfsModule, vmModule];
