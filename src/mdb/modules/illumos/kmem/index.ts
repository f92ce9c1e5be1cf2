/*
 * The kmem module: the kernel memory allocator's dcmds and walkers (mdb's
 * genunix kmem.c). init() adds what kmem_init_walkers() adds when mdb
 * loads a dump: one walker per cache, named after it, walking that cache's
 * allocated buffers (`::walk kmem_alloc_32`).
 */
import type { Module, Walker } from '../../../dcmd.js';
import type { Target } from '../../../target.js';
import bufctl from './bufctl.js';
import { findleaksDcmd, leakbufWalker, leakWalker } from './findleaks.js';
import kmalog, { kmemLogWalker } from './kmalog.js';
import kmastat from './kmastat.js';
import kmemCache from './kmem_cache.js';
import kmemSlabs from './kmem_slabs.js';
import kmemVerify from './kmem_verify.js';
import kgrepDcmd from './kgrep.js';
import { allocdbyDcmd, allocdbyWalker, bufctlHistoryWalker, freedbyDcmd, freedbyWalker, kmausersDcmd, kmemLogDcmd } from './kmem_log.js';
import { cacheWalker, kmemWalkers } from './walkers.js';
import whatis from './whatis.js';

export { bufctl as bufctlDcmd, kmastat as kmastatDcmd, kmemCache as kmemCacheDcmd, kmemSlabs as kmemSlabsDcmd, whatis as whatisDcmd };
export { bufctlCaller, bufctlMatches, callerRange, formatBufctlVerbose, readBufctl, type BufctlAudit, type BufctlFilter } from './bufctl.js';
export { formatWhatisHit, whatis, type WhatisHit, type WhatisOptions } from './whatis.js';
export { kmastat as computeKmastat, renderKmastat, type KmastatData } from './kmastat.js';
export * from './helpers.js';
export { StructView } from './struct-view.js';
export { cacheWalker, kmemWalkers } from './walkers.js';
export { kmemLogRecords } from './kmalog.js';
export { verifyOne, verifyCache, findingText, type VerifyFinding } from './kmem_verify.js';
export { findLeaks, markGraph, searchBuffer, buildLeakGraph, type FindLeaksResult, type Leak, type LeakGroup, type MarkGraph, type LeakBeans } from './leaky.js';

/**
 * A walker per cache. mdb warns and goes on when a name is already taken
 * (two caches of one name, or a cache named like a walker); so does this,
 * silently, keeping the first.
 */
function cacheWalkers(target: Target): Walker[] {
  const t = target.table('kmem_cache_t');
  const names = t?.columns['cache_name'];
  const addrs = t?.columns['addr'];
  if (!t || names?.kind !== 'str' || addrs?.kind !== 'u64') return [];
  const taken = new Set(kmemWalkers.map((w) => w.name));
  const out: Walker[] = [];
  for (let i = 0; i < t.rowCount; i++) {
    const name = names.values[i]!;
    if (name === '' || taken.has(name)) continue;
    taken.add(name);
    out.push(cacheWalker(name, (addrs.values as BigUint64Array)[i]!));
  }
  return out;
}

export const kmemModule: Module = {
  name: 'genunix',
  dcmds: [allocdbyDcmd, bufctl, findleaksDcmd, freedbyDcmd, kmalog, kmastat, kgrepDcmd, kmausersDcmd, kmemCache, kmemLogDcmd, kmemSlabs, kmemVerify, whatis],
  walkers: [...kmemWalkers, kmemLogWalker, leakWalker, leakbufWalker, bufctlHistoryWalker, allocdbyWalker, freedbyWalker],
  init: (target) => ({ walkers: cacheWalkers(target) }),
};
