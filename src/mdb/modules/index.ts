/*
 * The modules every session loads, in order: mddb's genunix.c. A module adds
 * its dcmds and walkers here and nowhere else; there is no registration by
 * import side effect.
 */
import type { Module } from '../dcmd.js';
import { coreModule } from './core/index.js';

export const builtinModules: readonly Module[] = [coreModule];
