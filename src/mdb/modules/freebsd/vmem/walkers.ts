/*
 * vmem walkers on a FreeBSD dump: every arena (vmem), an arena's boundary
 * tags on its segment list (vmem_btag), an arena's spare tags
 * (vmem_freetags).
 */
import { defineWalker, type WalkContext } from '../../../dcmd.js';
import { DcmdError } from '../../../errors.js';
import { BTAG, VMEM, arenaTree, hasVmem, notAn, vmemIndex, type VmemIndex } from './helpers.js';
import { NO_VMEM } from './vmem.js';

function index(ctx: WalkContext): VmemIndex {
  if (!hasVmem(ctx.target)) throw new DcmdError(NO_VMEM);
  return vmemIndex(ctx.target);
}

function arenaRow(ctx: WalkContext, idx: VmemIndex, addr: bigint): number {
  const r = idx.arenas.rowOf(addr);
  if (r < 0) throw new DcmdError(notAn(ctx.target, addr, 'struct vmem', 'a vmem arena'));
  return r;
}

export const vmemWalker = defineWalker({
  name: 'vmem',
  description: 'walk every vmem arena (struct vmem), each after the arena it imports from',
  outputType: VMEM,
  *walk(ctx, addr) {
    if (addr !== undefined) throw new DcmdError('vmem walk takes no address: walk vmem_btag from an arena instead');
    const idx = index(ctx);
    for (const { row } of arenaTree(ctx.target)) yield idx.arenas.addr(row);
  },
});

export const btagWalker = defineWalker({
  name: 'vmem_btag',
  description: "given an arena, walk the boundary tags on its segment list (vm_seglist) in address order; otherwise every arena's",
  inputType: VMEM,
  outputType: BTAG,
  *walk(ctx, addr) {
    const idx = index(ctx);
    const rows = addr === undefined ? arenaTree(ctx.target).map((x) => x.row) : [arenaRow(ctx, idx, addr)];
    for (const a of rows) for (const r of idx.seglist(a)) yield idx.addr(r);
  },
});

export const freetagsWalker = defineWalker({
  name: 'vmem_freetags',
  description: "given an arena, walk its spare boundary tags (vm_freetags, vm_nfreetags of them); otherwise every arena's",
  inputType: VMEM,
  outputType: BTAG,
  *walk(ctx, addr) {
    const idx = index(ctx);
    const rows = addr === undefined ? arenaTree(ctx.target).map((x) => x.row) : [arenaRow(ctx, idx, addr)];
    for (const a of rows) for (let i = idx.spareOff[a]!; i < idx.spareOff[a + 1]!; i++) yield idx.addr(idx.spareRows[i]!);
  },
});
