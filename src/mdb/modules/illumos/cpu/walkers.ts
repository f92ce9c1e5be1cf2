/*
 * The `cpu` walker (genunix): every cpu_t, in cpu_list order, which is the
 * order of the dump's cpu_t table.
 */
import { defineWalker } from '../../../dcmd.js';
import { cpuAddrs } from './helpers.js';

export const cpuWalker = defineWalker({
  name: 'cpu',
  description: 'walk cpu_t structures in cpu_list order',
  outputType: 'cpu_t',
  *walk(ctx) {
    for (const a of cpuAddrs(ctx.target)) yield a;
  },
});
