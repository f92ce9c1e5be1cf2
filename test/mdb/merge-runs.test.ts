import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mergeAscendingRuns } from '../../src/dump/merge-runs.js';

describe('mergeAscendingRuns (the address index and ::findleaks candidates)', () => {
  it('gives the order a stable sort gives, for keys in ascending runs', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }), { minLength: 1, maxLength: 12 }), (runs) => {
        const keys = runs.flatMap((r) => [...r].sort((a, b) => a - b));
        const stable = keys.map((_, i) => i).sort((p, q) => keys[p]! - keys[q]! || p - q);
        const order = mergeAscendingRuns(keys.length, (p, q) => keys[p]! < keys[q]!, 64);
        expect(order && [...order]).toEqual(stable);
      }),
      { numRuns: 300 },
    );
  });

  it('declines above maxRuns, so the caller sorts', () => {
    const keys = [5, 4, 3, 2, 1];
    expect(mergeAscendingRuns(keys.length, (p, q) => keys[p]! < keys[q]!, 4)).toBeUndefined();
    expect([...mergeAscendingRuns(keys.length, (p, q) => keys[p]! < keys[q]!, 5)!]).toEqual([4, 3, 2, 1, 0]);
  });
});
