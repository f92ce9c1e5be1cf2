/*
 * Pipelines stream (issue #10): each address a stage passes on runs the next
 * stage at once, and text reaches ExecOptions.onOutput as it is produced, so
 * the first row of a long walk is printed before the walk has gone on, a
 * closed reader can stop it, and memory does not hold the walk.
 */
import { describe, expect, it } from 'vitest';
import { defineDcmd, defineWalker, table, type Module } from '../../src/mdb/dcmd.js';
import { fakeSession } from '../support/mdb-session.js';

const N = 5000;
let walked = 0;
const seen: number[] = [];

const streamModule: Module = {
  name: 'stream-test',
  walkers: [
    defineWalker({
      name: 'many',
      description: 'N addresses, counting how far the walk has gone',
      *walk() {
        for (let i = 0; i < N; i++) {
          walked = i + 1;
          yield 0x1000n + BigInt(i) * 8n;
        }
      },
    }),
  ],
  dcmds: [
    defineDcmd({
      name: 'probe',
      synopsis: ':',
      address: 'required',
      summary: 'one row per address, noting how far the walk had gone',
      help: 'test dcmd',
      options: {},
      run(_ctx, addr) {
        seen.push(walked);
        return table([{ key: 'addr', header: 'ADDR' }], [{ addr }]);
      },
    }),
  ],
};

describe('streaming pipelines', () => {
  it('runs the next stage for the first address before the walk has gone on', async () => {
    walked = 0;
    seen.length = 0;
    const s = fakeSession([streamModule]);
    const r = await s.execute('::walk many | ::probe');
    expect(r.ok).toBe(true);
    expect(seen).toHaveLength(N);
    // the first ::probe ran while the walk had produced at most one chunk
    expect(seen[0]!).toBeLessThan(N / 4);
  });

  it('hands text to onOutput as it is produced, header once', async () => {
    walked = 0;
    const s = fakeSession([streamModule]);
    const pieces: Array<{ text: string; walked: number }> = [];
    const r = await s.execute('::walk many | ::probe', { onOutput: (text) => pieces.push({ text, walked }) });
    expect(r.output).toBe('');
    expect(pieces[0]!.walked).toBeLessThan(N / 4);
    const all = pieces.map((p) => p.text).join('');
    expect(all.split('\n').filter((l) => l.trim() === 'ADDR')).toHaveLength(1);
    expect(all.trim().split('\n')).toHaveLength(N + 1);
  });

  it('stops producing when the signal fires (a closed pipe)', async () => {
    const s = fakeSession([streamModule]);
    const stop = new AbortController();
    let rows = 0;
    const r = await s.execute('::walk many | ::probe', {
      signal: stop.signal,
      onOutput: () => {
        if (++rows === 10) stop.abort();
      },
    });
    expect(r.ok).toBe(false);
    expect(walked).toBeLessThan(N);
  });

  it('waits while the front end holds it, and goes on when released (the REPL pager)', async () => {
    walked = 0;
    const s = fakeSession([streamModule]);
    let rows = 0;
    let release: (() => void) | undefined;
    let gate: Promise<void> | undefined;
    const run = s.execute('::walk many | ::probe', {
      onOutput: (t) => {
        rows += t.split('\n').length - 1;
      },
      hold: () => {
        if (rows >= 100 && release === undefined) gate = new Promise<void>((r) => (release = r));
        return release !== undefined && gate !== undefined && rows < 1000 ? gate : undefined;
      },
    });
    await new Promise((r) => setTimeout(r, 50));
    // held at the first screenful: the walk has gone no further than the chunk of addresses it hands on
    expect(rows).toBeGreaterThanOrEqual(100);
    expect(rows).toBeLessThan(110);
    expect(walked).toBeLessThanOrEqual(512);
    rows = 1000;
    release!();
    const r = await run;
    expect(r.ok).toBe(true);
    expect(walked).toBe(N);
  });
});
