// mdb-style golden tests (style.md B4): every test/golden/<dump>/<topic>/{tst,err}.<case>.mdb
// runs on a fresh session over its dump, through the code batch mode uses, and
// must print exactly its .out. Regenerate with `npm run golden:update`, then
// review the diff.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openScriptSession } from '../../src/cli/script-session.js';
import {
  DumpCache,
  GOLDEN_DIR,
  REPO_ROOT,
  TRIAGE_SCRIPTS,
  caseId,
  dumpArg,
  findGoldenCases,
  goldenText,
  outPath,
  runGoldenCase,
  strayGoldenFiles,
} from '../../src/tools/golden.js';
import { parseLine } from '../../src/mdb/parse/parser.js';
import type { CommandJson } from '../../src/mdb/session.js';

const cases = findGoldenCases();
// one read per dump for the whole file; each case opens its own session over it
const dumps = new DumpCache();

describe('golden tree', () => {
  it('has cases for each sample dump', () => {
    const byDump = new Set(cases.map((c) => c.dump));
    expect([...byDump].sort()).toEqual([
      'freebsd-2004-uma-looping',
      'freebsd-2004-uma-looping-fixed',
      'freebsd-2004-uma-looping-hang',
      'freebsd-248008-btalloc',
      'freebsd-248008-btalloc-amd64',
      'freebsd-248008-btalloc-r368236',
      'illumos-2911',
      'illumos-2911-fixed',
      'illumos-2911-nodebug',
      'illumos-leak',
    ]);
    for (const d of byDump) expect(fs.existsSync(path.join(REPO_ROOT, dumpArg(d))), d).toBe(true);
  });

  it('holds only case scripts and their .out files', () => {
    expect(strayGoldenFiles()).toEqual([]);
    const missing = cases.filter((c) => !fs.existsSync(outPath(c))).map(caseId);
    expect(missing, 'cases without a .out: run npm run golden:update').toEqual([]);
  });

  it('checks commands/triage.mdb and triage.ddb as they are shipped', () => {
    for (const { script, goldenCase } of TRIAGE_SCRIPTS) expect(fs.readFileSync(goldenCase, 'utf8')).toBe(fs.readFileSync(script, 'utf8'));
  });
});

describe.each(cases.map((c) => [caseId(c), c] as const))('%s', (_id, c) => {
  it(c.kind === 'tst' ? 'prints its .out and succeeds' : 'prints its .out and fails', async () => {
    const t = await runGoldenCase(c, dumps.model(c.dump));
    const expected = fs.existsSync(outPath(c)) ? fs.readFileSync(outPath(c), 'utf8') : '(no .out file: run npm run golden:update)';
    expect(goldenText(t)).toBe(expected);
    if (c.kind === 'tst') {
      expect(t.stderr).toEqual([]);
      expect(t.status).toBe(0);
      return;
    }
    expect(t.status).toBe(1);
    // each failing line says why in mdb's form, one line per message
    for (const { line, result } of t.lines) {
      if (result.ok) continue;
      expect(result.errors.length, line).toBeGreaterThan(0);
      // a usage error adds mdb_dcmd_usage()'s "Usage: ..." and "try '::help NAME'" lines to its warning
      const usage = result.errors.filter((e) => e.startsWith('Usage: ')).length;
      expect(result.errors.length, line).toBeLessThanOrEqual((c.syntax === 'mdb' ? parseLine(line).length : 1) + 2 * usage);
      // mdb says `mdb: ...` (or, for ::callout's complaints, what the dcmd printed before DCMD_USAGE);
      // ddb says its own words (`No such command`), one line either way
      for (const e of result.errors) expect(e, line).toMatch(c.syntax === 'mdb' ? /^(mdb: |Usage: |-|value for )[^\n]+$/ : /^[^\n]+$/);
    }
  });

  if (c.kind === 'err') {
    it('reports exactly one line per failing command (a usage error: its warning and mdb_dcmd_usage()\'s two lines)', async () => {
      // --json keeps a record per command, so the per-command count can be checked
      const session = openScriptSession(dumps.model(c.dump), dumpArg(c.dump), undefined, c.syntax);
      const text = await runGoldenCase(c, dumps.model(c.dump));
      const records: CommandJson[] = [];
      for (const { line } of text.lines) {
        const r = await session.execute(line, { json: true });
        records.push(...(r.json as CommandJson[]));
      }
      const failed = records.filter((r) => !r.ok);
      expect(failed.length).toBeGreaterThan(0);
      for (const r of failed) {
        const usage = r.errors.findIndex((e) => e.startsWith('Usage: '));
        if (usage < 0) expect(r.errors, r.command).toHaveLength(1);
        else {
          // at most one warning before the usage line, then the ::help line, nothing else
          expect(usage, r.command).toBeLessThanOrEqual(1);
          expect(r.errors.slice(usage + 1), r.command).toEqual([expect.stringMatching(/^(mdb: )?try '::help \S+' for more information$/)]);
        }
      }
      expect(failed.flatMap((r) => r.errors)).toEqual(text.stderr);
    });
  }
});
