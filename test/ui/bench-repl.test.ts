// The frame budget: typing stays under 50 ms a frame with 100 000
// rows of output already in the scrollback (measured ~1 ms on a 2-core box).
import { describe, expect, it } from 'vitest';
import { benchReplFrames } from '../../src/tools/bench-repl.js';

describe('REPL frame time', () => {
  it('keeps every typing frame under 50 ms behind 100 000 rows of scrollback', async () => {
    const { maxFrameMs, lines } = await benchReplFrames();
    expect(lines).toBeGreaterThanOrEqual(100_000);
    expect(maxFrameMs).toBeGreaterThan(0);
    expect(maxFrameMs).toBeLessThan(50);
  });
});
