/*
 * `thread` walks every struct thread, or a process's threads from its
 * struct proc; `proc` walks every process (allproc order).
 */
import { defineWalker } from '../../../dcmd.js';
import { DcmdError } from '../../../errors.js';
import { hx } from '../struct.js';
import { PROC, THREAD, procRows, readFbProc, threadRows } from './helpers.js';

export const threadWalker = defineWalker({
  name: 'thread',
  description: 'given a struct proc, walk its threads; otherwise walk every thread',
  inputType: PROC,
  outputType: THREAD,
  *walk(ctx, addr) {
    const t = threadRows(ctx.target);
    if (addr === undefined) {
      for (let r = 0; r < t.count; r++) yield t.addr(r);
      return;
    }
    const pr = procRows(ctx.target).rowOf(addr);
    if (pr < 0) throw new DcmdError(`failed to read proc at ${hx(addr)}`);
    for (const r of readFbProc(ctx.target, pr).threads) yield t.addr(r);
  },
});

export const procWalker = defineWalker({
  name: 'proc',
  description: 'walk every process (struct proc, allproc order)',
  outputType: PROC,
  *walk(ctx, addr) {
    if (addr !== undefined) throw new DcmdError('proc walk takes no address');
    const p = procRows(ctx.target);
    for (let r = 0; r < p.count; r++) yield p.addr(r);
  },
});
