// The help examples of the FreeBSD dcmds, run on the simulated FreeBSD dump
// (dumps/freebsd-2004-uma-looping.dump, or $MDDB_FREEBSD_DUMP): `> ` lines in
// mdb's grammar, `db> ` lines in ddb's, each printing the lines shown under
// it ("..." where lines are left out). The dump is committed: its absence is a failure.
// The vmem dcmds' examples need a 2020 kernel: they run on the simulated
// PR 248008 dump (dumps/freebsd-248008-btalloc.dump, or $MDDB_FREEBSD_2020_DUMP)
// when it exists, else on the in-memory 2020 fixture (fixture2020.ts).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDump } from '../../../../src/dump/read.js';
import { modulesFor } from '../../../../src/mdb/modules/index.js';
import { createSession } from '../../../../src/mdb/session.js';
import { Target } from '../../../../src/mdb/target.js';
import { REPO_ROOT } from '../../../../src/tools/golden.js';
import { helpExamples, printedLines, showsLike } from '../../../../src/tools/help-examples.js';
import type { DumpModel } from '../../../../src/dump/format.js';
import { vmemModule } from '../../../../src/mdb/modules/freebsd/index.js';
import { freebsd2020Dump } from './fixture2020.js';

const DUMP = process.env['MDDB_FREEBSD_DUMP'] ?? path.join(REPO_ROOT, 'dumps/freebsd-2004-uma-looping.dump');
const DUMP2020 = process.env['MDDB_FREEBSD_2020_DUMP'] ?? path.join(REPO_ROOT, 'dumps/freebsd-248008-btalloc.dump');
const VMEM_DCMDS = new Set(vmemModule.dcmds.map((d) => d.name));

describe('FreeBSD help examples on the simulated dump', () => {
  it('print what the help shows', async () => {
    const model = readDump(DUMP);
    const model2020: DumpModel = fs.existsSync(DUMP2020) ? readDump(DUMP2020) : freebsd2020Dump();
    const bad: string[] = [];
    for (const m of modulesFor('freebsd')) {
      if (m.name === 'mdb' || m.name === 'mdb_kvm') continue;
      for (const d of m.dcmds) {
        const [dm, dp] = VMEM_DCMDS.has(d.name) ? [model2020, DUMP2020] : [model, DUMP];
        const sessions = { mdb: createSession(dm, dp, undefined, { syntax: 'mdb' }), ddb: createSession(dm, dp, undefined, { syntax: 'ddb' }) };
        for (const e of helpExamples(d.help)) {
          const r = await sessions[e.syntax].execute(e.command);
          const printed = printedLines(r);
          if (!r.ok) bad.push(`${d.name}: '${e.command}' failed: ${r.errors.join(' / ')}`);
          else {
            const why = e.shown.length > 0 ? showsLike(printed, e.shown) : undefined;
            if (why) bad.push(`${d.name}: '${e.command}': ${why}`);
          }
        }
        // a page another kernel's layout needs (helpFor: ::uma_keg on a 2020 kernel) runs on the 2020 dump
        const page2020 = d.helpFor?.(new Target(model2020));
        if (page2020 === undefined) continue;
        const s2020 = { mdb: createSession(model2020, DUMP2020, undefined, { syntax: 'mdb' }), ddb: createSession(model2020, DUMP2020, undefined, { syntax: 'ddb' }) };
        for (const e of helpExamples(page2020)) {
          const r = await s2020[e.syntax].execute(e.command);
          if (!r.ok) bad.push(`${d.name} (2020): '${e.command}' failed: ${r.errors.join(' / ')}`);
          else {
            const why = e.shown.length > 0 ? showsLike(printedLines(r), e.shown) : undefined;
            if (why) bad.push(`${d.name} (2020): '${e.command}': ${why}`);
          }
        }
      }
    }
    expect(bad.join('\n\n')).toBe('');
  });
});
