/*
 * The vmem walkers (mdb's genunix kmem.c): the arena tree in prefix or
 * postfix order, and an arena's segments, all of them or one type.
 */
import { defineWalker, type Walker } from '../../../dcmd.js';
import { DcmdError } from '../../../errors.js';
import { VMEM_ALLOC, VMEM_FREE, VMEM_SPAN, vmemPostfix, vmemPrefix, vmemSegs, vmemTree, type VmemNode } from './helpers.js';

/*
 * Given an arena, mdb's tree walks start at that node and carry on through
 * the rest of the tree from there (not just its subtree); an address that
 * is no arena walks everything.
 */
export const vmemWalker = defineWalker({
  name: 'vmem',
  description: 'walk vmem structures in pre-fix, depth-first order',
  inputType: 'vmem_t',
  outputType: 'vmem_t',
  *walk(ctx, addr) {
    const all = vmemPrefix(ctx.target);
    const from = addr === undefined ? -1 : all.findIndex((n) => n.addr === addr);
    for (const n of all.slice(Math.max(0, from))) yield n.addr;
  },
});

export const vmemPostfixWalker = defineWalker({
  name: 'vmem_postfix',
  description: 'walk vmem structures in post-fix, depth-first order',
  inputType: 'vmem_t',
  outputType: 'vmem_t',
  *walk(ctx, addr) {
    const all = vmemPostfix(ctx.target);
    let start: VmemNode | undefined = addr === undefined ? undefined : all.find((n) => n.addr === addr);
    if (!start) start = vmemTree(ctx.target)[0];
    // the first node visited is the start's deepest first descendant
    while (start && start.children.length > 0) start = start.children[0]!;
    const from = start ? all.indexOf(start) : 0;
    for (const n of all.slice(Math.max(0, from))) yield n.addr;
  },
});

function segWalker(name: string, description: string, type: number | undefined): Walker {
  const what = name.replace(/^vmem_/, '');
  return defineWalker({
    name,
    description,
    inputType: 'vmem_t',
    outputType: 'vmem_seg_t',
    *walk(ctx, addr) {
      if (addr === undefined) throw new DcmdError(`vmem_${what} does not support global walks`);
      for (const s of vmemSegs(ctx.target, addr, type)) yield s.addr;
    },
  });
}

export const vmemSegWalker = segWalker('vmem_seg', 'given a vmem_t, walk all of its vmem_segs', undefined);
export const vmemAllocWalker = segWalker('vmem_alloc', 'given a vmem_t, walk its allocated vmem_segs', VMEM_ALLOC);
export const vmemFreeWalker = segWalker('vmem_free', 'given a vmem_t, walk its free vmem_segs', VMEM_FREE);
export const vmemSpanWalker = segWalker('vmem_span', 'given a vmem_t, walk its spanning vmem_segs', VMEM_SPAN);

export const vmemWalkers: Walker[] = [vmemWalker, vmemPostfixWalker, vmemSegWalker, vmemAllocWalker, vmemFreeWalker, vmemSpanWalker];
