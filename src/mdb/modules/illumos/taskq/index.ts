/*
 * The taskq module (genunix taskq.c): ::taskq, ::taskq_entry and the
 * taskq_thread and taskq_entry walkers.
 */
import type { Module } from '../../../dcmd.js';
import { taskq, taskqEntry } from './taskq.js';
import { taskqEntryWalker, taskqThreadWalker } from './walkers.js';

export const taskqModule: Module = {
  name: 'genunix',
  dcmds: [taskq, taskqEntry],
  walkers: [taskqThreadWalker, taskqEntryWalker],
};

export { readTaskq, taskqName, type TaskqRec } from './helpers.js';
