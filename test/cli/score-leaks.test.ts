/*
 * `mddb score-leaks` on the committed sample dumps (issue #8): findLeaks()
 * against the leak_truth the simulator wrote. Every leaked message is found;
 * the one buffer reported beyond the truth is blkdev's bd_t, whose owner (the
 * driver's soft state) the simulator keeps outside the memory the dump models.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { encodeDump, readDump } from '../../src/dump/index.js';
import type { ScalarColumn } from '../../src/dump/format.js';
import { renderScore, scoreLeaks } from '../../src/cli/score-leaks.js';

const score = (f: string) => scoreLeaks(readDump(`dumps/${f}`));

describe('score-leaks', () => {
  it('illumos-leak: 100% recall; the false positives are the boot objects the simulator holds outside the dump (bd_t, the ZFS file)', () => {
    const s = score('illumos-leak.dump');
    expect(s.hasTruth).toBe(true);
    expect(s.truth).toBe(82);
    expect(s.truePositives).toBe(82);
    expect(s.recall).toBe(1);
    expect(s.missed).toEqual([]);
    expect(s.falsePositives.map((x) => x.cache)).toEqual(['kmem_alloc_224', 'kmem_alloc_112', 'vn_cache', 'cred_cache', 'dnode_t', 'dmu_buf_impl_t', 'arc_buf_t', 'kmem_alloc_1344', 'zio_buf_16384']);
    expect(s.falsePositives[0]!.why).toMatch(/no word in the dump points into it/);
    expect(s.precision).toBeCloseTo(82 / 91, 10);
    expect(renderScore('x', s)).toContain('recall:      100.0% (82/82)');
  });

  it('illumos-leak-fixed: nothing leaked and no message reported', () => {
    const s = score('illumos-leak-fixed.dump');
    expect(s.truth).toBe(0);
    expect(s.truePositives).toBe(0);
    expect(s.recall).toBe(1);
    expect(s.falsePositives.map((x) => x.cache)).toEqual(['kmem_alloc_224', 'kmem_alloc_112', 'vn_cache', 'cred_cache', 'dnode_t', 'dmu_buf_impl_t', 'arc_buf_t', 'kmem_alloc_1344', 'zio_buf_16384']);
  });

  it('the illumos-2911 dump has no truth: every report counts against precision', () => {
    const s = score('illumos-2911.dump');
    expect(s.hasTruth).toBe(false);
    expect(s.truth).toBe(0);
    expect(s.recall).toBe(1);
    expect(s.reported).toBeGreaterThan(0);
    expect(s.falsePositives.length).toBe(s.reported);
  });

  it('leak_truth is checked like every table: a cache row past the caches is refused', () => {
    const m = readDump('dumps/illumos-leak.dump');
    const t = m.tables.find((x) => x.name === 'leak_truth')!;
    expect(t.rowCount).toBe(82);
    (t.columns['cache_row'] as ScalarColumn).values[0] = 100000;
    expect(() => encodeDump(m)).toThrow(/leak_truth.*cache_row/);
  });

  it('the debugger never reads the truth; only score-leaks does', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.tsx?$/.test(e.name) && /leak_truth|TABLE_LEAK_TRUTH/.test(fs.readFileSync(p, 'utf8'))) offenders.push(p);
      }
    };
    walk('src/mdb');
    walk('src/ui');
    expect(offenders).toEqual([]);
  });
});
