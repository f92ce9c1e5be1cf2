import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { visibleWindow } from '../../src/ui/prompt-line.js';
import { KEY, renderApp } from './app-harness.js';
import { cleanup } from 'ink-testing-library';

describe('prompt line', () => {
  it('shows the whole line when it fits', () => {
    expect(visibleWindow('abc', 1, 10)).toEqual({ start: 0, end: 3 });
  });

  it('scrolls sideways so the cursor stays visible', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.nat(300), fc.integer({ min: 1, max: 120 }), (text, c, width) => {
        const cursor = Math.min(c, text.length);
        const { start, end } = visibleWindow(text, cursor, width);
        expect(end - start).toBeLessThanOrEqual(width);
        expect(cursor).toBeGreaterThanOrEqual(start);
        expect(cursor).toBeLessThanOrEqual(start + width - 1 + (text.length <= width ? 1 : 0));
      }),
    );
  });

  it('keeps a long line on one row in the app', async () => {
    const app = renderApp({ columns: 40 });
    const long = '::walk ' + 'x'.repeat(80);
    await app.type(long);
    const row = app.lastLine();
    expect(row.startsWith('> ')).toBe(true);
    expect(row.length).toBeLessThanOrEqual(40);
    expect(row.endsWith('xxxx')).toBe(true);
    await app.type(KEY.home);
    expect(app.lastLine()).toMatch(/^> ::walk x+$/);
    cleanup();
  });
});
