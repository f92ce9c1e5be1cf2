/*
 * The modules every session loads, in order. A module adds its dcmds and
 * walkers here and nowhere else; there is no registration by import side
 * effect. The names are mdb's, so ::help and ::whence say what mdb says:
 * "mdb" for the debugger's built-in commands, "mdb_kvm" for the crash-dump
 * target's own, and "genunix" for the kernel's module (kmem, vmem,
 * threads, CPUs, the message buffer), which several folders share.
 */
import type { Module } from '../dcmd.js';
import { coreModule } from './core/index.js';
import { kvmModule } from './kvm/index.js';
import { kmemModule } from './kmem/index.js';
import { vmemModule } from './vmem/index.js';
import { threadModule } from './thread/index.js';
import { cpuModule } from './cpu/index.js';
import { panicModule } from './panic/index.js';

export const builtinModules: readonly Module[] = [coreModule, kvmModule, kmemModule, vmemModule, threadModule, cpuModule, panicModule];
