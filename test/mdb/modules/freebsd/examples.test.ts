// The help examples of the FreeBSD dcmds, run on the simulated FreeBSD dump
// (dumps/freebsd-2004-uma-looping.dump, or $MDDB_FREEBSD_DUMP): `> ` lines in
// mdb's grammar, `db> ` lines in ddb's, each printing the lines shown under
// it ("..." where lines are left out). Skipped while the dump is absent.
// The vmem dcmds' examples need a 2020 kernel: they run on the simulated
// PR 248008 dump (dumps/freebsd-248008-btalloc.dump, or $MDDB_FREEBSD_2020_DUMP)
// when it exists, else on the in-memory 2020 fixture (fixture2020.ts).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDump } from '../../../../src/dump/read.js';
import { modulesFor } from '../../../../src/mdb/modules/index.js';
import { createSession } from '../../../../src/mdb/session.js';
import { REPO_ROOT } from '../../../../src/tools/golden.js';
import type { DumpModel } from '../../../../src/dump/format.js';
import { vmemModule } from '../../../../src/mdb/modules/freebsd/index.js';
import { freebsd2020Dump } from './fixture2020.js';

const DUMP = process.env['MDDB_FREEBSD_DUMP'] ?? path.join(REPO_ROOT, 'dumps/freebsd-2004-uma-looping.dump');
const DUMP2020 = process.env['MDDB_FREEBSD_2020_DUMP'] ?? path.join(REPO_ROOT, 'dumps/freebsd-248008-btalloc.dump');
const VMEM_DCMDS = new Set(vmemModule.dcmds.map((d) => d.name));

interface Example {
  syntax: 'mdb' | 'ddb';
  command: string;
  shown: string[];
}

function examples(help: string): Example[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => /^EXAMPLES$/.test(l));
  const out: Example[] = [];
  if (start < 0) return out;
  for (const l of lines.slice(start + 1)) {
    if (l !== '' && !/^\s/.test(l)) break;
    const cmd = /^\s*(db)?> (.+)$/.exec(l);
    if (cmd) out.push({ syntax: cmd[1] ? 'ddb' : 'mdb', command: cmd[2]!, shown: [] });
    else out.at(-1)?.shown.push(l.slice(2).trimEnd());
  }
  for (const e of out) while (e.shown.at(-1) === '') e.shown.pop();
  return out;
}

/** The shown lines, split at "...", must be printed in order; the first chunk first; no "..." at the end means nothing more. */
function mismatch(printed: string[], shown: string[]): string | undefined {
  const chunks: string[][] = [[]];
  for (const l of shown) if (l.trim() === '...') chunks.push([]); else chunks.at(-1)!.push(l);
  const truncated = chunks.length > 1 && chunks.at(-1)!.length === 0;
  let pos = 0;
  for (const [i, chunk] of chunks.entries()) {
    if (chunk.length === 0) continue;
    const at = (p: number): boolean => chunk.every((l, k) => printed[p + k] === l);
    let p = pos;
    if (i === 0) {
      if (!at(0)) return `first lines differ:\n${chunk.join('\n')}\n---\n${printed.slice(0, chunk.length).join('\n')}`;
    } else {
      while (p + chunk.length <= printed.length && !at(p)) p++;
      if (p + chunk.length > printed.length) return `not printed:\n${chunk.join('\n')}`;
    }
    pos = p + chunk.length;
  }
  if (!truncated && shown.length > 0 && pos !== printed.length) return `${printed.length - pos} more lines printed than shown`;
  return undefined;
}

describe.skipIf(!fs.existsSync(DUMP))('FreeBSD help examples on the simulated dump', () => {
  it('print what the help shows', async () => {
    const model = readDump(DUMP);
    const model2020: DumpModel = fs.existsSync(DUMP2020) ? readDump(DUMP2020) : freebsd2020Dump();
    const bad: string[] = [];
    for (const m of modulesFor('freebsd')) {
      if (m.name === 'mdb' || m.name === 'mdb_kvm') continue;
      for (const d of m.dcmds) {
        const [dm, dp] = VMEM_DCMDS.has(d.name) ? [model2020, DUMP2020] : [model, DUMP];
        const sessions = { mdb: createSession(dm, dp, undefined, { syntax: 'mdb' }), ddb: createSession(dm, dp, undefined, { syntax: 'ddb' }) };
        for (const e of examples(d.help)) {
          const r = await sessions[e.syntax].execute(e.command);
          const printed = [...r.output.split('\n').slice(0, -1), ...r.errors].map((l) => l.trimEnd());
          while (printed.at(-1) === '') printed.pop();
          if (!r.ok) bad.push(`${d.name}: '${e.command}' failed: ${r.errors.join(' / ')}`);
          else {
            const why = mismatch(printed, e.shown);
            if (why) bad.push(`${d.name}: '${e.command}': ${why}`);
          }
        }
      }
    }
    expect(bad.join('\n\n')).toBe('');
  });
});
