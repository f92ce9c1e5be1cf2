/*
 * The modules every session loads, in order: mddb's genunix.c. A module adds
 * its dcmds and walkers here and nowhere else; there is no registration by
 * import side effect.
 */
import type { Module } from '../dcmd.js';
import { coreModule } from './core/index.js';
import { kmemModule } from './kmem/index.js';
import { vmemModule } from './vmem/index.js';
import { threadModule } from './thread/index.js';
import { cpuModule } from './cpu/index.js';
import { panicModule } from './panic/index.js';

export const builtinModules: readonly Module[] = [coreModule, kmemModule, vmemModule, threadModule, cpuModule, panicModule];
