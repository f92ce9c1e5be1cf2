/*
 * The FreeBSD kernel's debugger modules, loaded for a FreeBSD dump: UMA
 * (zones, kegs, slabs, buckets, show uma, ::whatis), vmem (arenas and
 * boundary tags, show vmem, show vmemdump, on a 2020 kernel), threads and processes
 * (ps, traces, show thread/proc, ::stacks, ::findstack), per-CPU data, and
 * the panic and message buffer. Each dcmd that ddb has declares its ddb
 * words, so both grammars reach the same code.
 */
import type { Module } from '../../dcmd.js';
import { pcpuModule } from './pcpu/index.js';
import { panicModule } from './panic/index.js';
import { showUma, showUmaCache, umaKeg, umaZone } from './uma/uma.js';
import { bucketWalker, kegWalker, slabWalker, zoneWalker } from './uma/walkers.js';
import { whatis } from './uma/whatis.js';
import { acttrace, alltrace, threads, trace } from './thread/trace.js';
import { ps, showProc, showThread } from './thread/ps.js';
import { findstack, stacks } from './thread/stacks.js';
import { procWalker, threadWalker } from './thread/walkers.js';
import { showAllchains, showLock, showLockchain, showSleepchain, showTurnstile } from './thread/chains.js';
import { vmemDcmd, vmemDumpAll, vmemDumpDcmd, vmemSeg, vmemSummAll, vmemSummDcmd } from './vmem/vmem.js';
import { btagWalker, freetagsWalker, vmemWalker } from './vmem/walkers.js';

export const umaModule: Module = {
  name: 'uma',
  dcmds: [showUma, showUmaCache, umaZone, umaKeg, whatis],
  walkers: [zoneWalker, kegWalker, slabWalker, bucketWalker],
};

export const fbThreadModule: Module = {
  name: 'kern',
  dcmds: [trace, alltrace, acttrace, threads, ps, showThread, showProc, stacks, findstack, showLockchain, showSleepchain, showAllchains, showTurnstile, showLock],
  walkers: [threadWalker, procWalker],
};

export const vmemModule: Module = {
  name: 'vmem',
  dcmds: [vmemSummDcmd, vmemSummAll, vmemDumpDcmd, vmemDumpAll, vmemDcmd, vmemSeg],
  walkers: [vmemWalker, btagWalker, freetagsWalker],
};

export const freebsdModules: readonly Module[] = [umaModule, vmemModule, fbThreadModule, pcpuModule, panicModule];
