/*
 * The VM part of genunix (usr/src/cmd/mdb/common/modules/genunix/memory.c):
 * ::memstat, ::page and the memseg, allpages and page walkers.
 */
import type { Module } from '../../../dcmd.js';
import { memstat } from './memstat.js';
import { page } from './page.js';
import { allpagesWalker, memsegWalker, pageWalker } from './walkers.js';

export const vmModule: Module = {
  name: 'genunix',
  dcmds: [memstat, page],
  walkers: [memsegWalker, allpagesWalker, pageWalker],
};

export { memstatSummary, renderMemstat, type MemstatResult, type MemstatRow } from './memstat.js';
