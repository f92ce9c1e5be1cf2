/*
 * The process module (genunix.c): ::ps, ::ptree, ::pgrep and the `proc`
 * walker, over the proc_t tree the dump holds.
 */
import type { Module } from '../../../dcmd.js';
import ps from './ps.js';
import ptree from './ptree.js';
import pgrep from './pgrep.js';
import { procWalker } from './walkers.js';

export const procModule: Module = {
  name: 'genunix',
  dcmds: [ps, ptree, pgrep],
  walkers: [procWalker],
};

export { readProc, walkProcs, procRoot, type ProcRec } from './helpers.js';
