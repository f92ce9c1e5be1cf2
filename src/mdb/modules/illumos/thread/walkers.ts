/*
 * Thread walkers (genunix thread.c, sobj.c): `thread` walks every kthread_t
 * (the allthreads ring through t_next, which is the kthread_t table's order),
 * or from a proc_t that process's threads; `wchan` walks the threads asleep on
 * one wait channel, or without one every channel that has sleepers.
 */
import { defineWalker } from '../../../dcmd.js';
import { DcmdError } from '../../../errors.js';
import { bigCol, forEachThread, threadIndex } from './helpers.js';

export const threadWalker = defineWalker({
  name: 'thread',
  description: 'given a proc pointer, walk its threads; otherwise walk all threads (allthreads)',
  inputType: 'proc_t',
  outputType: 'kthread_t',
  *walk(ctx, addr) {
    const idx = threadIndex(ctx.target);
    if (addr !== undefined && ctx.target.typeAt(addr) !== 'proc_t') throw new DcmdError(`failed to read proc at ${addr.toString(16)}`);
    for (const row of forEachThread(ctx.target, addr)) yield idx.addr[row]!;
  },
});

export const wchanWalker = defineWalker({
  name: 'wchan',
  description: 'given a wchan, walk the threads asleep on it; otherwise walk every wchan with sleepers',
  *walk(ctx, addr) {
    const idx = threadIndex(ctx.target);
    const wchan = bigCol(idx.table, 't_wchan');
    if (addr !== undefined) {
      for (let i = 0; i < idx.count; i++) if (wchan(i) === addr) yield idx.addr[i]!;
      return;
    }
    const seen = new Set<bigint>();
    for (let i = 0; i < idx.count; i++) {
      const w = wchan(i);
      if (w === 0n || seen.has(w)) continue;
      seen.add(w);
      yield w;
    }
  },
});
