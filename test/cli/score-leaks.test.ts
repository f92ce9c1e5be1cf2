/*
 * `mddb score-leaks` on the committed sample dumps (issue #8): findLeaks()
 * against the leak_truth the simulator wrote. Every leaked message is found
 * and nothing else: every other buffer is reached from a root, because the
 * simulator keeps each object where the kernel keeps it (blkdev's soft state,
 * the pool's lists and hash tables, the DNLC, the processes' open files).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { encodeDump, readDump } from '../../src/dump/index.js';
import type { ScalarColumn } from '../../src/dump/format.js';
import { renderScore, scoreLeaks } from '../../src/cli/score-leaks.js';

const score = (f: string) => scoreLeaks(readDump(`dumps/${f}`));

describe('score-leaks', () => {
  it('illumos-leak: 100% precision and 100% recall', () => {
    const s = score('illumos-leak.dump');
    expect(s.hasTruth).toBe(true);
    expect(s.truth).toBe(76);
    expect(s.reported).toBe(76);
    expect(s.truePositives).toBe(76);
    expect(s.recall).toBe(1);
    expect(s.precision).toBe(1);
    expect(s.missed).toEqual([]);
    expect(s.falsePositives).toEqual([]);
    expect(renderScore('x', s)).toContain('precision:   100.0% (76/76)');
    expect(renderScore('x', s)).toContain('recall:      100.0% (76/76)');
  });

  it('illumos-leak-fixed and both corruption dumps: nothing leaked and nothing reported', () => {
    for (const f of ['illumos-leak-fixed.dump', 'illumos-corruption.dump', 'illumos-corruption-fixed.dump']) {
      const s = score(f);
      expect(s.truth, f).toBe(0);
      expect(s.reported, f).toBe(0);
      expect(s.falsePositives, f).toEqual([]);
    }
  });

  it('the three illumos-2911 dumps have no truth and no report', () => {
    for (const f of ['illumos-2911.dump', 'illumos-2911-fixed.dump', 'illumos-2911-nodebug.dump']) {
      const s = score(f);
      expect(s.hasTruth, f).toBe(false);
      expect(s.reported, f).toBe(0);
      expect(s.recall, f).toBe(1);
    }
  });

  it('leak_truth is checked like every table: a cache row past the caches is refused', () => {
    const m = readDump('dumps/illumos-leak.dump');
    const t = m.tables.find((x) => x.name === 'leak_truth')!;
    expect(t.rowCount).toBe(76);
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
