/*
 * `npm run golden:update [-- [--check] [filter ...]]`: rewrites every golden
 * `.out` from its `.mdb`, running each case exactly as the golden test does
 * (golden.ts), then lists what changed so the diff can be reviewed like code.
 * commands/triage.mdb and triage.ddb are copied into their golden cases first, so the scripts
 * users run and the one the tests check never drift apart.
 *
 *   --check    write nothing; exit 1 if any .out would change
 *   filter     only the cases whose id (dump/topic/file) contains it
 *
 * It also warns about a tst case that fails or an err case that succeeds:
 * the .out is still written, and the golden test will reject it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DumpCache, GOLDEN_DIR, TRIAGE_SCRIPTS, caseId, findGoldenCases, goldenText, outPath, runGoldenCase } from './golden.js';

function readOr(p: string, dflt: string): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return dflt;
  }
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const filters = argv.filter((a) => a !== '--check');
  let status = 0;

  for (const { script, goldenCase } of TRIAGE_SCRIPTS) {
    const triage = fs.readFileSync(script, 'utf8');
    if (readOr(goldenCase, '') === triage) continue;
    process.stdout.write(`${check ? 'stale' : 'copied'}: ${path.relative(GOLDEN_DIR, goldenCase)} (from commands/${path.basename(script)})\n`);
    if (check) status = 1;
    else {
      fs.mkdirSync(path.dirname(goldenCase), { recursive: true });
      fs.writeFileSync(goldenCase, triage);
    }
  }

  const dumps = new DumpCache();
  const cases = findGoldenCases().filter((c) => filters.length === 0 || filters.some((f) => caseId(c).includes(f)));
  let changed = 0;
  for (const c of cases) {
    const t = await runGoldenCase(c, dumps.model(c.dump));
    const text = goldenText(t);
    if (c.kind === 'tst' && t.status !== 0) process.stderr.write(`warning: ${caseId(c)} must succeed but failed: ${t.stderr[0] ?? ''}\n`);
    if (c.kind === 'err' && t.status === 0) process.stderr.write(`warning: ${caseId(c)} must fail but succeeded\n`);
    if (readOr(outPath(c), '\u0000') === text) continue;
    changed++;
    process.stdout.write(`${check ? 'differs' : 'updated'}: ${caseId(c)}.out\n`);
    if (check) status = 1;
    else fs.writeFileSync(outPath(c), text);
  }
  process.stdout.write(`${cases.length} golden cases, ${changed} ${check ? 'out of date' : 'updated'}\n`);
  return status;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`golden-update: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 70;
  },
);
