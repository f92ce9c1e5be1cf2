// The frame-time harness works with 100 000 rows of scrollback; the 50 ms
// budget itself is measured by `npm run bench`, never by a timed unit test.
import { describe, expect, it } from 'vitest';
import { benchReplFrames } from '../../src/tools/bench-repl.js';

describe('REPL frame time', () => {
  it('renders typing frames behind 100 000 rows of scrollback', async () => {
    const { maxFrameMs, lines } = await benchReplFrames();
    expect(lines).toBeGreaterThanOrEqual(100_000);
    expect(maxFrameMs).toBeGreaterThan(0);
  });
});
