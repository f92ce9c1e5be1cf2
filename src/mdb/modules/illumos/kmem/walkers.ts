/*
 * The kmem walkers (mdb's genunix kmem.c): caches, their CPU caches and
 * slabs, and the buffer walks. A walker that needs a cache refuses a global
 * walk with mdb's message; the buffer walks without a cache walk every
 * cache except the NOTOUCH ones, as kmem_walk_all() does, so that
 * `::walk kmem` and `::walk freemem` never report a buffer twice.
 */
import { defineWalker, type Walker } from '../../../dcmd.js';
import { DcmdError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import {
  type BufferSet,
  cacheBuffers,
  cacheCpuCaches,
  cachePartialSlabs,
  cacheSlabs,
  forEachKmemCache,
  forEachTouchableCache,
  readKmemCache,
} from './helpers.js';
import { StructView } from './struct-view.js';

export const kmemCacheWalker = defineWalker({
  name: 'kmem_cache',
  description: 'walk list of kmem caches',
  outputType: 'kmem_cache_t',
  walk: (ctx) => forEachKmemCache(ctx.target),
});

export const kmemCpuCacheWalker = defineWalker({
  name: 'kmem_cpu_cache',
  description: 'given a kmem cache, walk its per-CPU caches',
  inputType: 'kmem_cache_t',
  outputType: 'kmem_cpu_cache_t',
  *walk(ctx, addr) {
    if (addr === undefined) throw new DcmdError("kmem_cpu_cache doesn't support global walks");
    yield* cacheCpuCaches(ctx.target, addr);
  },
});

/**
 * A cache's slabs as mdb's kmem_slab walk finds them in memory: the
 * cache_complete_slabs list (list_next through slab_link until the list
 * head comes round again), then the cache_partial_slabs AVL tree in order
 * (avl_child[0], node, avl_child[1]), each node minus the tree's avl_offset.
 */
export function* cacheSlabsInMemory(target: Target, cacheAddr: bigint): Generator<bigint> {
  const cp = StructView.read(target, 'kmem_cache_t', cacheAddr, 'kmem_cache');
  const head = cp.addrOf('cache_complete_slabs.list_head');
  const loff = cp.u('cache_complete_slabs.list_offset');
  let node = cp.u('cache_complete_slabs.list_head.list_next');
  for (let guard = 0; node !== 0n && node !== head && guard < 1 << 24; guard++) {
    yield node - loff;
    node = target.readPtr(node);
  }
  const aoff = cp.u('cache_partial_slabs.avl_offset');
  const ps = BigInt(target.pointerSize);
  function* inorder(n: bigint, depth: number): Generator<bigint> {
    if (n === 0n || depth > 64) return;
    yield* inorder(target.readPtr(n), depth + 1);
    yield n - aoff;
    yield* inorder(target.readPtr(n + ps), depth + 1);
  }
  yield* inorder(cp.u('cache_partial_slabs.avl_root'), 0);
}

export const kmemSlabWalker = defineWalker({
  name: 'kmem_slab',
  description: 'given a kmem cache, walk its slabs',
  inputType: 'kmem_cache_t',
  outputType: 'kmem_slab_t',
  *walk(ctx, addr) {
    if (addr === undefined) throw new DcmdError("kmem_slab doesn't support global walks");
    readKmemCache(ctx.target, addr);
    // older dumps kept no linkage in memory: fall back to the slab table
    const cp = StructView.read(ctx.target, 'kmem_cache_t', addr, 'kmem_cache');
    if (cp.u('cache_complete_slabs.list_size') === 0n) {
      for (const s of cacheSlabs(ctx.target, addr)) yield s.addr;
      return;
    }
    yield* cacheSlabsInMemory(ctx.target, addr);
  },
});

export const kmemSlabPartialWalker = defineWalker({
  name: 'kmem_slab_partial',
  description: 'given a kmem cache, walk its partially allocated slabs (min 1)',
  inputType: 'kmem_cache_t',
  outputType: 'kmem_slab_t',
  *walk(ctx, addr) {
    if (addr === undefined) throw new DcmdError("kmem_slab_partial doesn't support global walks");
    for (const s of cachePartialSlabs(ctx.target, readKmemCache(ctx.target, addr))) yield s.addr;
  },
});

/** A buffer walk over one cache, or over every touchable cache without one. */
function bufferWalk(target: Target, addr: bigint | undefined, set: BufferSet, bufctl: boolean): Iterable<bigint> {
  if (addr !== undefined) return cacheBuffers(target, addr, set, bufctl);
  return (function* () {
    for (const c of forEachTouchableCache(target)) yield* cacheBuffers(target, c, set, bufctl);
  })();
}

function bufferWalker(name: string, description: string, set: BufferSet, bufctl: boolean): Walker {
  // the bufctl type depends on the cache (audit or not), so bufctl walks are untyped
  return defineWalker({ name, description, inputType: 'kmem_cache_t', walk: (ctx, addr) => bufferWalk(ctx.target, addr, set, bufctl) });
}

export const kmemWalker = bufferWalker('kmem', 'walk a kmem cache', 'allocated', false);
export const bufctlWalker = bufferWalker('bufctl', 'walk a kmem cache\'s bufctls', 'allocated', true);
export const freememWalker = bufferWalker('freemem', 'walk a kmem cache\'s free memory', 'free', false);
export const freememConstructedWalker = bufferWalker('freemem_constructed', 'walk a kmem cache\'s constructed free memory', 'constructed', false);
export const freectlWalker = bufferWalker('freectl', 'walk a kmem cache\'s free bufctls', 'free', true);
export const freectlConstructedWalker = bufferWalker('freectl_constructed', 'walk a kmem cache\'s constructed free bufctls', 'constructed', true);

/**
 * The walker kmem_init_walkers() adds for one cache: its allocated buffers.
 * As in mdb, the cache is fixed when the walker is made; an address given
 * to the walk is ignored.
 */
export function cacheWalker(name: string, cacheAddr: bigint): Walker {
  return defineWalker({
    name,
    description: `walk the ${name} cache`,
    walk: (ctx) => cacheBuffers(ctx.target, cacheAddr, 'allocated'),
  });
}

export const kmemWalkers: Walker[] = [
  kmemCacheWalker,
  kmemCpuCacheWalker,
  kmemSlabWalker,
  kmemSlabPartialWalker,
  kmemWalker,
  bufctlWalker,
  freememWalker,
  freememConstructedWalker,
  freectlWalker,
  freectlConstructedWalker,
];
