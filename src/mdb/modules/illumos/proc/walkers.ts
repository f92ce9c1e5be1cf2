/*
 * The `proc` walker (genunix.c proc_walk_init/step): every process, p0 first,
 * then depth first through p_child and p_sibling; from a proc_t, that
 * process and its descendants.
 */
import { defineWalker } from '../../../dcmd.js';
import { procRoot, walkProcs } from './helpers.js';

export const procWalker = defineWalker({
  name: 'proc',
  description: 'list of active proc_t structures',
  inputType: 'proc_t',
  outputType: 'proc_t',
  *walk(ctx, addr) {
    for (const p of walkProcs(ctx.target, addr ?? procRoot(ctx.target))) yield p.addr;
  },
});
