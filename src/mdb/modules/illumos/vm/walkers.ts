/*
 * memory.c's walkers: `memseg` (the memseg list), `allpages` (every page_t
 * of every memseg, in memseg order) and `page` (a vnode's pages through
 * p_vpnext; without a vnode, every named page). mdb's global page walk reads
 * the page hash (page_hash, page_hashsz); the dump has no page hash, so the
 * global walk here goes through the memsegs and skips the pages with no
 * vnode, which are the pages the hash would not hold.
 */
import { defineWalker } from '../../../dcmd.js';
import { DcmdError } from '../../../errors.js';
import { forEachMemseg, memsegPageCount, PageBatch, PageReader, sizeOf, vnodePages } from './helpers.js';
import type { Target } from '../../../target.js';

/** page_t read at a time by the global page walk (memory.c's PAGE_BUFFER is 128; rows are cheaper) */
const PAGE_BUFFER = 4096;

/** Every page_t of every memseg. */
export function* allPages(target: Target, checkInterrupt: () => void): Generator<bigint> {
  const sz = sizeOf(target, 'page_t');
  for (const ms of forEachMemseg(target)) {
    const n = memsegPageCount(target, ms);
    for (let i = 0; i < n; i++) {
      if ((i & 0xfff) === 0) checkInterrupt();
      yield ms.pages + BigInt(i) * sz;
    }
  }
}

export const memsegWalker = defineWalker({
  name: 'memseg',
  description: 'given a memseg_t *, walk the memseg list',
  inputType: 'struct memseg',
  outputType: 'struct memseg',
  *walk(ctx, addr) {
    for (const ms of forEachMemseg(ctx.target, addr)) yield ms.addr;
  },
});

export const allpagesWalker = defineWalker({
  name: 'allpages',
  description: 'walk all pages, including free pages',
  outputType: 'page_t',
  *walk(ctx, addr) {
    if (addr !== undefined) throw new DcmdError('allpages only supports global walks.');
    yield* allPages(ctx.target, () => ctx.checkInterrupt());
  },
});

export const pageWalker = defineWalker({
  name: 'page',
  description: 'walk all pages, or those associated with a particular vnode',
  inputType: 'vnode_t',
  outputType: 'page_t',
  *walk(ctx, addr) {
    const target = ctx.target;
    const pr = new PageReader(target);
    if (addr === undefined) {
      // the named pages of each memseg, read PAGE_BUFFER page_t at a time
      const batch = new PageBatch(target);
      for (const ms of forEachMemseg(target)) {
        const n = memsegPageCount(target, ms);
        for (let i = 0; i < n; i += PAGE_BUFFER) {
          const named: bigint[] = [];
          const part = { ...ms, pages: ms.pages + BigInt(i) * batch.size };
          batch.forEach(part, Math.min(PAGE_BUFFER, n - i), (pp, vp) => vp !== 0n && named.push(pp), () => ctx.checkInterrupt());
          yield* named;
        }
      }
      return;
    }
    // the vnode's ring through p_vpnext, from v_pages back to it; no longer than the dump's page_t
    const bound = target.table('page_t')?.rowCount ?? 0;
    const first = vnodePages(target, addr);
    let pp = first;
    for (let i = 0; pp !== 0n; i++) {
      if (i >= bound) throw new DcmdError(`the pages of vnode ${addr.toString(16)} do not come back to v_pages`);
      if ((i & 0xfff) === 0) ctx.checkInterrupt();
      const p = pr.read(pp);
      yield pp;
      pp = p.vpnext;
      if (pp === first) break;
    }
  },
});
