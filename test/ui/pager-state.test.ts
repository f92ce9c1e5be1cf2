import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { needsPager, pagerKeyFor, pagerKeysOf, pagerStart, pagerStep, type PagerKey } from '../../src/ui/pager-state.js';

const rows = (n: number) => Array.from({ length: n }, (_, i) => `r${i}`);

describe('pager state', () => {
  it('pages only what does not fit', () => {
    expect(needsPager(29, 29)).toBe(false);
    expect(needsPager(30, 29)).toBe(true);
  });

  it('shows a first page, then a page per space, a row per Enter', () => {
    let step = pagerStart(rows(10), 4);
    expect(step.emit).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(step.end).toBeNull();
    step = pagerStep(step.state, 'line');
    expect(step.emit).toEqual(['r4']);
    step = pagerStep(step.state, 'page');
    expect(step.emit).toEqual(['r5', 'r6', 'r7', 'r8']);
    step = pagerStep(step.state, 'page');
    expect(step.emit).toEqual(['r9']);
    expect(step.end).toBe('end');
  });

  it('q and a stop without printing; c prints the rest', () => {
    const first = pagerStart(rows(10), 4);
    expect(pagerStep(first.state, 'quit')).toMatchObject({ emit: [], end: 'quit' });
    expect(pagerStep(first.state, 'abort')).toMatchObject({ emit: [], end: 'abort' });
    const c = pagerStep(first.state, 'continue');
    expect(c.emit).toEqual(rows(10).slice(4));
    expect(c.end).toBe('continue');
  });

  it('maps mdb pager keys', () => {
    expect([' ', '\r', 'n', 'q', 'a', 'c', '\x03', 'x'].map(pagerKeyFor)).toEqual([
      'page',
      'line',
      'line',
      'quit',
      'abort',
      'continue',
      'quit',
      null,
    ]);
  });

  it('reads pager keys out of decoded key events', () => {
    expect(pagerKeysOf({ kind: 'text', text: ' xq' })).toEqual(['page', 'quit']);
    expect(pagerKeysOf({ kind: 'enter' })).toEqual(['line']);
    expect(pagerKeysOf({ kind: 'interrupt' })).toEqual(['quit']);
    expect(pagerKeysOf({ kind: 'up' })).toEqual([]);
  });

  it('emits every row exactly once, in order, whatever the keys', () => {
    const key = fc.constantFrom<PagerKey>('page', 'line', 'continue');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 }), fc.array(key, { maxLength: 80 }), (n, page, keys) => {
        const all = rows(n);
        let step = pagerStart(all, page);
        const out = [...step.emit];
        for (const k of keys) {
          if (step.end !== null) break;
          step = pagerStep(step.state, k);
          out.push(...step.emit);
        }
        expect(out).toEqual(all.slice(0, out.length));
        if (step.end !== null) expect(out).toEqual(all);
      }),
    );
  });
});
