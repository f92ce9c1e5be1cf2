/*
 * `mddb score-leaks` on the committed sample dumps (issue #8): findLeaks()
 * against the leak_truth the simulator wrote. Every leaked message is found;
 * the one buffer reported beyond the truth is blkdev's bd_t, whose owner (the
 * driver's soft state) the simulator keeps outside the memory the dump models.
 */
import { describe, expect, it } from 'vitest';
import { readDump } from '../../src/dump/index.js';
import { renderScore, scoreLeaks } from '../../src/cli/score-leaks.js';

const score = (f: string) => scoreLeaks(readDump(`dumps/${f}`));

describe('score-leaks', () => {
  it('illumos-leak: 100% recall; the only false positive is the unreferenced bd_t', () => {
    const s = score('illumos-leak.dump');
    expect(s.hasTruth).toBe(true);
    expect(s.truth).toBe(124);
    expect(s.truePositives).toBe(124);
    expect(s.recall).toBe(1);
    expect(s.missed).toEqual([]);
    expect(s.falsePositives.map((x) => [x.cache, x.size])).toEqual([['kmem_alloc_224', 224]]);
    expect(s.falsePositives[0]!.why).toMatch(/no word in the dump points into it/);
    expect(s.precision).toBeCloseTo(124 / 125, 10);
    expect(renderScore('x', s)).toContain('recall:      100.0% (124/124)');
  });

  it('illumos-leak-fixed: nothing leaked and no message reported', () => {
    const s = score('illumos-leak-fixed.dump');
    expect(s.truth).toBe(0);
    expect(s.truePositives).toBe(0);
    expect(s.recall).toBe(1);
    expect(s.falsePositives.map((x) => x.cache)).toEqual(['kmem_alloc_224']);
  });
});
