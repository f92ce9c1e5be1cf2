/*
 * buf_init() sizes the ARC's hash table by physical memory (a bucket per
 * 64 KB); above 1 GB it is larger than KMEM_MAXBUF, and kmem_zalloc() hands
 * out a kmem_oversize segment rather than a kmem_alloc_<n> buffer. Boot
 * threw 'no memory for the pool at boot' there, which broke the 16 GB
 * benchmark recipe.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario, simulate } from '../../../src/sim/scenario/run.js';
import { ScenarioError } from '../../../src/sim/scenario/load.js';
import { bootIllumos } from '../../../src/sim/illumos/system.js';
import type { Scenario } from '../../../src/sim/scenario/schema.js';

const boot = (mb: number) => bootIllumos(loadScenario('illumos-2911', [['kernel.physmem_mb', String(mb)], ['build.jobs', '0']]).sc as Scenario, 1, []);

describe('zfs boot: the ARC hash table', () => {
  it('is a kmem buffer up to 1 GB of physmem, a kmem_oversize segment above', () => {
    const small = boot(1024).zfs.arc;
    expect(small.hashTable).not.toBeNull();
    expect(small.hashTableAddr).toBe(small.hashTable!.addr);
    const big = boot(2048);
    expect(big.zfs.arc.hashTable).toBeNull();
    expect(big.zfs.arc.hashMask).toBe(32767);
    const ov = big.arenas.kmem_oversize;
    expect([...ov.segments()].some((v) => v.start === big.zfs.arc.hashTableAddr)).toBe(true);
  });

  it('refuses, as a scenario error, a load that would cache ZFS blocks in an oversize table', () => {
    expect(() => simulate('illumos-2911', { sets: [['kernel.physmem_mb', '2048']], fixes: [], keepSystem: false })).toThrow(ScenarioError);
  });
});
