/*
 * The illumos layouts the simulator lays its objects out by (the same ones it
 * writes into the dump's `types`).
 */
import type { CtfBuilder } from '../../../dump/ctf.js';
import { illumosTypes } from '../../../dump/types/illumos/index.js';

const cache = new Map<number, CtfBuilder>();

export function illumosLayouts(ncpus = 1): CtfBuilder {
  let b = cache.get(ncpus);
  if (!b) cache.set(ncpus, (b = illumosTypes(ncpus)));
  return b;
}
