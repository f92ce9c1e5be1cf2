/*
 * taskq.c's walkers: `taskq_thread` (a fixed taskq's threads, from
 * tq_thread or tq_threadlist; without an address, or for a dynamic taskq,
 * the threads whose t_taskq is set / is that taskq) and `taskq_entry` (the
 * taskq_ent_t queued on a taskq, along tqent_next until the list head).
 */
import { defineWalker } from '../../../dcmd.js';
import { DcmdError } from '../../../errors.js';
import { bigCol, threadIndex } from '../thread/helpers.js';
import { readTaskq, TASKQ_DYNAMIC, typeOffset } from './helpers.js';

export const taskqThreadWalker = defineWalker({
  name: 'taskq_thread',
  description: 'given a taskq_t, list all of its threads',
  inputType: 'taskq_t',
  outputType: 'kthread_t',
  *walk(ctx, addr) {
    const target = ctx.target;
    if (addr !== undefined) {
      let tq;
      try {
        tq = readTaskq(target, addr);
      } catch {
        tq = undefined;
      }
      if (tq && !(tq.flags & TASKQ_DYNAMIC)) {
        const n = Math.max(0, Math.min(tq.nthreads, 100_000));
        let list: bigint[];
        if (tq.nthreadsMax === 1) list = n > 0 ? [tq.thread] : [];
        else {
          const tl = target.readPtr(addr + typeOffset(target, 'taskq_t', 'tq_thread'));
          list = [];
          try {
            for (let i = 0; i < n; i++) list.push(target.readPtr(tl + BigInt(i * ctx.target.pointerSize)));
          } catch {
            throw new DcmdError(`unable to read threadlist for taskq_t ${addr.toString(16)}`);
          }
        }
        for (const t of list) if (t !== 0n) yield t;
        return;
      }
    }
    const idx = threadIndex(target);
    const tq = bigCol(idx.table, 't_taskq');
    for (let i = 0; i < idx.count; i++) {
      const v = tq(i);
      if (v === 0n || (addr !== undefined && v !== addr)) continue;
      yield idx.addr[i]!;
    }
  },
});

export const taskqEntryWalker = defineWalker({
  name: 'taskq_entry',
  description: 'given a taskq_t*, list all taskq_ent_t in the list',
  inputType: 'taskq_t',
  outputType: 'taskq_ent_t',
  *walk(ctx, addr) {
    if (addr === undefined) throw new DcmdError('start address required');
    const target = ctx.target;
    const tq = readTaskq(target, addr);
    const next = typeOffset(target, 'taskq_ent_t', 'tqent_next');
    let a = tq.first;
    // bounded: a corrupt list that never returns to its head stops after 1M entries
    for (let n = 0; a !== tq.head && a !== 0n && n < 1_000_000; n++) {
      ctx.checkInterrupt();
      let nx: bigint;
      try {
        nx = target.readPtr(a + next);
      } catch {
        throw new DcmdError(`failed to read taskq_ent_t at ${a.toString(16)}`);
      }
      yield a;
      a = nx;
    }
  },
});
