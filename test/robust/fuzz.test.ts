// Issue #13's property suite at a size for `npm test`; `npm run fuzz`
// (src/tools/fuzz.ts) runs the same properties at full size.
import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readDump } from '../../src/dump/read.js';
import { createSession } from '../../src/mdb/session.js';
import { checkDump, checkScenario, dcmdLine, ddbLine, loadSample, mdbLine, mutate, mutation, runLine, scenarioText, setAndFix, SLOW_DCMDS, vocabulary } from '../../src/tools/fuzz-gen.js';

const DUMPS = fs.readdirSync('dumps').filter((f) => f.endsWith('.dump')).sort().map((f) => `dumps/${f}`);
const N = (n: number): number => Math.max(1, Math.round(n * Number(process.env['MDDB_FUZZ_SCALE'] ?? 1)));
const seed = Number(process.env['MDDB_FUZZ_SEED'] ?? 13);

describe('fuzz properties (small)', () => {
  for (const [kind, file] of [['illumos', DUMPS.find((d) => d.includes('illumos-2911.dump'))!], ['freebsd', DUMPS.find((d) => d.includes('freebsd-2004-uma-looping.dump'))!]] as const) {
    const model = readDump(file);
    const mdb = createSession(model, file, undefined, { syntax: 'mdb' });
    const v = vocabulary(model, mdb, SLOW_DCMDS);
    it(`mdb lines on ${kind} return or fail in one line`, async () => {
      await fc.assert(
        fc.asyncProperty(mdbLine(v), async (line) => {
          const r = await runLine(mdb, line, 5000);
          expect(r.problem, line).toBeUndefined();
        }),
        { numRuns: N(250), seed },
      );
    });
    it(`every dcmd on ${kind} with arbitrary addresses, options and counts`, async () => {
      await fc.assert(
        fc.asyncProperty(dcmdLine(v), async (line) => {
          const r = await runLine(mdb, line, 5000);
          expect(r.problem, line).toBeUndefined();
        }),
        { numRuns: N(250), seed },
      );
    });
    if (kind === 'freebsd') {
      const ddb = createSession(model, file, undefined, { syntax: 'ddb' });
      it('ddb lines return or fail in one line', async () => {
        await fc.assert(
          fc.asyncProperty(ddbLine(v), async (line) => {
            const r = await runLine(ddb, line, 5000);
            expect(r.problem, line).toBeUndefined();
          }),
          { numRuns: N(250), seed },
        );
      });
    }
  }

  it('mutated dumps of every kind open or fail with one DumpError line', async () => {
    const samples = DUMPS.map(loadSample);
    await fc.assert(
      fc.asyncProperty(fc.nat(), mutation(), async (k, m) => {
        const d = samples[k % samples.length]!;
        const problem = await checkDump(mutate(d, m), 5000);
        expect(problem, `${d.path} ${JSON.stringify(m)}`).toBeUndefined();
      }),
      { numRuns: N(20), seed },
    );
  });

  it('scenario text, --set and --fix load or fail with path:line:col', () => {
    fc.assert(
      fc.property(scenarioText(), setAndFix(), (text, { sets, fixes }) => {
        expect(checkScenario(text, sets, fixes), JSON.stringify({ text, sets, fixes })).toBeUndefined();
      }),
      { numRuns: N(400), seed },
    );
  });
});
