/*
 * ::kmastat -G and ::vmem -G draw in-use/total bars; with colour on a non-zero
 * alloc fail is bold red and the bars' filled part green; without colour
 * (piped, NO_COLOR) the same text has no escape sequence (issue #10).
 */
import { describe, expect, it } from 'vitest';
import { openScriptSession } from '../../src/cli/script-session.js';
import { readDump } from '../../src/dump/read.js';
import { usageBar } from '../../src/mdb/render/bar.js';

const DUMP = 'dumps/illumos-2911.dump';
const session = () => openScriptSession(readDump(DUMP), DUMP);

describe('usage bars', () => {
  it('fills in proportion and says the percentage', () => {
    expect(usageBar(0, 0)).toBe('..........   0%');
    expect(usageBar(141, 186)).toBe('########..  76%');
    expect(usageBar(5n, 5n)).toBe('########## 100%');
  });

  const before0 = (plain: string): string => plain.split('\n').find((l) => l.startsWith('kmem_magazine_3 '))!;

  it('::kmastat -G ends each cache line with buffers in use of total, each arena line with memory', async () => {
    const plain = (await session().execute('::kmastat')).output;
    const g = (await session().execute('::kmastat -G')).output;
    const line = g.split('\n').find((l) => l.startsWith('kmem_magazine_3 '))!;
    // the bar is the line's own buffers in use out of its total (76% on the panic dump: 188 of 248)
    const [inUse, total] = before0(plain).split(/ +/).slice(2, 4).map(Number);
    expect(line.endsWith(usageBar(inUse!, total!))).toBe(true);
    expect(line).toMatch(/ 188 +248 .* ########\.\. {2}76%$/);
    expect(g.split('\n').find((l) => /^ *kmem_firewall /.test(l))).toMatch(/#{10} 100%$/);
    // the same lines without -G are the start of those with it
    const before = plain.split('\n').find((l) => l.startsWith('kmem_magazine_3 '))!;
    expect(line.startsWith(before)).toBe(true);
    expect(g).not.toContain('\x1b');
  });

  it('::vmem -G adds an IN USE / TOTAL bar and an inUsePercent number in --json', async () => {
    const g = (await session().execute('::vmem -G')).output.split('\n');
    expect(g[0]).toMatch(/FAIL IN USE \/ TOTAL$/);
    expect(g.find((l) => l.includes(' vmem_seg '))).toMatch(/#{10} 100%$/);
    const j = await session().execute('::vmem -G', { json: true });
    const rows = (j.json[0] as { results: Array<{ rows: Array<Record<string, unknown>> }> }).results[0]!.rows;
    expect(rows.find((r) => r['name'] === 'vmem_seg')!['inUsePercent']).toBe(100);
  });

  it('with colour on, a non-zero alloc fail is bold red and bars are green; never without', async () => {
    const c = (await session().execute('::kmastat -G', { color: true })).output;
    // the cache whose constructor failed (which blkdev instance depends on the run: blkdev0 on the sample dump)
    expect(c.split('\n').find((l) => l.startsWith('blkdev0_xfer '))).toContain('\x1b[1;31m   37\x1b[0m');
    expect(c).toContain('\x1b[32m########');
    // a zero fail is not highlighted
    expect(c.split('\n').find((l) => l.startsWith('kmem_magazine_3 '))).not.toContain('\x1b[1;31m');
    const v = (await session().execute('::vmem', { color: true })).output;
    expect(v.split('\n').find((l) => / kmem_firewall /.test(l))).toContain('\x1b[1;31m   37\x1b[0m');
    expect((await session().execute('::vmem')).output).not.toContain('\x1b');
    // colour does not change what the characters say
    const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
    expect(strip(c)).toBe((await session().execute('::kmastat -G')).output);
    expect(strip(v)).toBe((await session().execute('::vmem')).output);
  });
});
