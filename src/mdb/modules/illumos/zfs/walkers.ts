/*
 * zfs.c's walkers: `spa` (the pools in spa_namespace_avl, a layered avl
 * walk), `zio` (every zio_t allocated from zio_cache, or a pool's) and
 * `zio_root` (those of them with no parent).
 */
import { defineWalker, type WalkContext } from '../../../dcmd.js';
import { DcmdError } from '../../../errors.js';
import { avlObjects, readZio } from './helpers.js';

export const spaWalker = defineWalker({
  name: 'spa',
  description: 'walk all spa_t entries in the namespace',
  outputType: 'spa_t',
  *walk(ctx, addr) {
    if (addr !== undefined) throw new DcmdError('spa walk only supports global walks');
    const sym = ctx.target.lookupSymbol('spa_namespace_avl');
    if (!sym) throw new DcmdError("failed to find symbol 'spa_namespace_avl'");
    for (const spa of avlObjects(ctx.target, sym.addr)) {
      ctx.checkInterrupt();
      yield spa;
    }
  },
});

/** the zio_cache buffers whose io_spa is `spa` (all of them for none) and, for roots, whose io_parent_list is empty */
function* zios(ctx: WalkContext, spa: bigint | undefined, rootsOnly: boolean): Generator<bigint> {
  if (!ctx.target.types.get('zio_t')) throw new DcmdError("couldn't find type struct zio");
  for (const a of ctx.walk('zio_cache')) {
    let z;
    try {
      z = readZio(ctx.target, a);
    } catch {
      throw new DcmdError(`failed to read zio_t at ${a.toString(16)}`);
    }
    if (spa !== undefined && spa !== 0n && z.spa !== spa) continue;
    if (rootsOnly && z.parentFirst !== z.parentHead) continue;
    yield a;
  }
}

export const zioWalker = defineWalker({
  name: 'zio',
  description: 'walk all zio structures, optionally for a particular spa_t',
  inputType: 'spa_t',
  outputType: 'zio_t',
  walk: (ctx, addr) => zios(ctx, addr, false),
});

export const zioRootWalker = defineWalker({
  name: 'zio_root',
  description: 'walk all root zio_t structures, optionally for a particular spa_t',
  inputType: 'spa_t',
  outputType: 'zio_t',
  walk: (ctx, addr) => zios(ctx, addr, true),
});
