// The FreeBSD modules' registry, checked as meta.test.ts checks genunix's:
// every dcmd a FreeBSD session loads (beyond the debugger's own, which the
// illumos cases cover) is run by a golden case on a FreeBSD dump, in mdb's
// grammar as ::name or in ddb's by the words it declares (parsed by the
// ddb grammar itself, so an abbreviation counts); every walker is walked.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDump } from '../../src/dump/read.js';
import type { AnyDcmd } from '../../src/mdb/dcmd.js';
import { coreModule } from '../../src/mdb/modules/core/index.js';
import { kvmModule } from '../../src/mdb/modules/kvm/index.js';
import { parseDdbLine } from '../../src/mdb/parse/ddb.js';
import { createSession, type MdbSession } from '../../src/mdb/session.js';
import { GOLDEN_DIR, REPO_ROOT, findGoldenCases } from '../../src/tools/golden.js';

const DUMP = 'dumps/freebsd-2004-uma-looping.dump';
const SHARED = new Set([...coreModule.dcmds, ...kvmModule.dcmds].map((d) => d.name));

let session: MdbSession;
let dcmds: AnyDcmd[];
let mdbScripts: string;
let ddbRun: Set<string>;

beforeAll(() => {
  session = createSession(readDump(path.join(REPO_ROOT, DUMP)), DUMP, undefined, { syntax: 'ddb' });
  dcmds = [...new Map(session.registry.dcmdNames().map(([, d]) => [d.name, d])).values()].filter((d) => !SHARED.has(d.name));
  const cases = findGoldenCases(GOLDEN_DIR).filter((c) => c.dump.startsWith('freebsd-'));
  mdbScripts = cases.filter((c) => c.syntax === 'mdb').map((c) => fs.readFileSync(c.script, 'utf8')).join('\n');
  // the dcmds the ddb cases' lines name, as the ddb grammar resolves them
  ddbRun = new Set();
  for (const c of cases.filter((x) => x.syntax === 'ddb')) {
    for (const line of fs.readFileSync(c.script, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      for (const cmd of parseDdbLine(line, session.registry)) {
        if (!cmd.ok) continue;
        for (const st of cmd.pipeline.stages) if (st.verb.kind === 'dcmd') ddbRun.add(st.verb.name);
      }
    }
  }
});

describe('the FreeBSD registry', () => {
  it('has the UMA, thread, process, pcpu and panic dcmds', () => {
    const names = dcmds.map((d) => d.name);
    for (const n of ['uma', 'uma_zone', 'uma_keg', 'trace', 'ps', 'thread', 'proc', 'pcpu', 'stacks', 'whatis']) expect(names).toContain(n);
  });

  it('runs every FreeBSD dcmd in a golden case on a FreeBSD dump (::name, or its ddb words)', () => {
    const untested = dcmds.filter((d) => !new RegExp(`::${d.name}(?![\\w\`])`).test(mdbScripts) && !ddbRun.has(d.name)).map((d) => d.name);
    expect(untested).toEqual([]);
  });

  it('walks every FreeBSD walker in a golden case', () => {
    const walkers = session.registry.walkers().map((w) => w.name);
    const unwalked = ['uma_zone', 'uma_keg', 'uma_slab', 'uma_bucket', 'thread', 'proc'].filter((w) => walkers.includes(w) && !new RegExp(`::walk ${w}\\b`).test(mdbScripts));
    expect(walkers).toEqual(expect.arrayContaining(['uma_zone', 'uma_keg', 'uma_slab', 'uma_bucket', 'thread', 'proc']));
    expect(unwalked).toEqual([]);
  });
});
