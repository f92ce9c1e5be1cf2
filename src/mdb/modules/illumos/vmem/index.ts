/*
 * The vmem module: the resource allocator's arenas and segments (mdb's
 * genunix kmem.c, vmem part): ::vmem, ::vmem_seg and the vmem walkers.
 */
import type { Module } from '../../../dcmd.js';
import vmem from './vmem.js';
import vmemSeg from './vmem_seg.js';
import { vmemWalkers } from './walkers.js';

export { vmem as vmemDcmd, vmemSeg as vmemSegDcmd };
export * from './helpers.js';
export { vmemWalkers } from './walkers.js';

export const vmemModule: Module = {
  name: 'genunix',
  dcmds: [vmem, vmemSeg],
  walkers: vmemWalkers,
};
