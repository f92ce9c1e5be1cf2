// The registry meta-test (style.md B3, after drgn's test_docs.py): the help is
// written once, next to each dcmd, so check that it is there for all of them.
// The registry is the one a session builds on the panic dump, so the walkers
// that kmem's init() adds per cache are checked too. Every example a help
// page shows is run on that dump and must print what the page says, so an
// example goes stale in a failing test, not in a user's hands: when the
// dumps are regenerated, paste the new lines from the golden .out files.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DumpModel } from '../../src/dump/format.js';
import { readDump } from '../../src/dump/read.js';
import type { AnyDcmd } from '../../src/mdb/dcmd.js';
import { builtinModules } from '../../src/mdb/modules/index.js';
import { usageLine } from '../../src/mdb/registry.js';
import { createSession, type MdbSession } from '../../src/mdb/session.js';
import { DOLLAR_VERBS } from '../../src/mdb/verbs.js';
import { GOLDEN_DIR, REPO_ROOT, findGoldenCases } from '../../src/tools/golden.js';
import { helpExamples, printedLines, showsLike } from '../../src/tools/help-examples.js';

/** genunix's pages show mdb's grammar only */
const mdbExamples = (help: string) => helpExamples(help).filter((e) => e.syntax === 'mdb');

const PANIC_DUMP = 'dumps/illumos-2911.dump';

let model: DumpModel;
let session: MdbSession;
let dcmds: AnyDcmd[];
let goldenScripts: string;

beforeAll(() => {
  model = readDump(path.join(REPO_ROOT, PANIC_DUMP));
  session = createSession(model, PANIC_DUMP, builtinModules);
  dcmds = [...new Map(session.registry.dcmdNames().map(([, d]) => [d.name, d])).values()];
  // coverage is checked on the panic dump's cases, where every dcmd has something to show
  goldenScripts = findGoldenCases(GOLDEN_DIR)
    .filter((c) => c.dump === 'illumos-2911')
    .map((c) => fs.readFileSync(c.script, 'utf8'))
    .join('\n');
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The ways a command line can name this dcmd: ::name, ::alias, or an adb verb ($c for stack). */
function invocations(d: AnyDcmd): RegExp[] {
  const names = [d.name, ...(d.aliases ?? [])].map((n) => new RegExp(`::${escape(n)}(?![\\w\`])`));
  const verbs = Object.entries(DOLLAR_VERBS)
    .filter(([, v]) => v.name === d.name)
    .map(([verb]) => new RegExp(`${escape(verb)}(?![A-Za-z])`));
  return [...names, ...verbs];
}

const invokes = (d: AnyDcmd, line: string): boolean => invocations(d).some((re) => re.test(line));

/** Lines of the help text that show a command typed at the prompt. */
function exampleCommands(help: string): string[] {
  return help
    .split('\n')
    .map((l) => /^\s*> (.+)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
}

describe('every dcmd', () => {
  it('is found (the registry is not empty)', () => {
    expect(dcmds.length).toBeGreaterThan(20);
  });

  it('has a one-line lower-case summary', () => {
    const bad = dcmds.filter((d) => !/^[a-z][^\n]*[^.\s]$/.test(d.summary)).map((d) => `${d.name}: ${JSON.stringify(d.summary)}`);
    expect(bad).toEqual([]);
  });

  it('has help text with an EXAMPLES section showing the dcmd at the prompt', () => {
    const bad = dcmds
      .filter((d) => !/^EXAMPLES$/m.test(d.help) || !exampleCommands(d.help).some((l) => invokes(d, l)))
      .map((d) => d.name);
    expect(bad).toEqual([]);
  });

  it("has a synopsis whose ?/: prefix matches its address mode (mdb's usage convention)", () => {
    const prefix = { required: ':', optional: '?', none: '' } as const;
    const bad = dcmds
      .filter((d) => {
        const p = d.synopsis.startsWith(':') || d.synopsis.startsWith('?') ? d.synopsis[0] : '';
        return p !== prefix[d.address];
      })
      .map((d) => `${d.name} (${d.address}): ${JSON.stringify(d.synopsis)}`);
    expect(bad).toEqual([]);
  });

  it('names every option it declares in its synopsis', () => {
    const bad: string[] = [];
    for (const d of dcmds) {
      const flags = [...d.synopsis.matchAll(/(?:^|[\s[|?:])-([A-Za-z]+)/g)].map((m) => m[1]!).join('');
      for (const letter of Object.keys(d.options)) if (!flags.includes(letter)) bad.push(`${d.name} -${letter}`);
    }
    expect(bad).toEqual([]);
  });

  it('has a ::help page with its name, summary and usage', async () => {
    for (const d of dcmds) {
      const r = await session.execute(`::help ${d.name}`);
      expect(r.errors, d.name).toEqual([]);
      expect(r.output, d.name).toContain(`${d.name} - ${d.summary}`);
      expect(usageLine(d), d.name).toContain(`::${d.name}`);
    }
  });

  it('is run by at least one golden case on the panic dump (as ::name or through its $ verb)', () => {
    const untested = dcmds.filter((d) => !invokes(d, goldenScripts)).map((d) => d.name);
    expect(untested).toEqual([]);
  });
});

describe('every help example', () => {
  it('is found on every dcmd', () => {
    for (const d of dcmds) expect(mdbExamples(d.help).length, d.name).toBeGreaterThan(0);
  });

  it('runs on the panic dump and prints what the help shows', async () => {
    const bad: string[] = [];
    for (const d of dcmds) {
      // a fresh session per page, so that one page's variables and dot do not leak into another's
      const s = createSession(model, PANIC_DUMP, builtinModules);
      for (const e of mdbExamples(d.help)) {
        const r = await s.execute(e.command);
        const printed = printedLines(r);
        const expectsError = e.shown.some((l) => l.startsWith('mdb: '));
        if (!r.ok && !expectsError) bad.push(`::help ${d.name}: '${e.command}' failed: ${r.errors.join(' / ')}`);
        else if (e.shown.length > 0) {
          const why = showsLike(printed, e.shown);
          if (why) bad.push(`::help ${d.name}: '${e.command}': ${why}`);
        }
      }
    }
    expect(bad.join('\n\n')).toBe('');
  });
});

describe('every walker', () => {
  it('has a description', () => {
    const walkers = session.registry.walkers();
    expect(walkers.map((w) => w.name)).toContain('blkdev0_xfer'); // kmem's per-cache walkers are there
    expect(walkers.filter((w) => w.description.trim() === '').map((w) => w.name)).toEqual([]);
  });

  it('is run by at least one golden case on the panic dump (one per-cache walker stands for all)', () => {
    const walked = (name: string): boolean => new RegExp(`::walk\\s+${escape(name)}(?![\\w\`])`).test(goldenScripts);
    const fixed = builtinModules.flatMap((m) => m.walkers).map((w) => w.name);
    expect(fixed.filter((n) => !walked(n))).toEqual([]);
    const perCache = session.registry.walkers().filter((w) => !fixed.includes(w.name));
    expect(perCache.some((w) => walked(w.name))).toBe(true);
  });
});

describe('the listings', () => {
  /** The names a `name - description` listing shows. */
  const listed = (out: string): string[] => out.split('\n').flatMap((l) => /^(\S+)\s+- /.exec(l)?.[1] ?? []);

  it('::dcmds lists every dcmd and alias with its summary', async () => {
    const r = await session.execute('::dcmds');
    expect(r.ok).toBe(true);
    const names = session.registry.dcmdNames().map(([n]) => n);
    expect(listed(r.output)).toEqual(names);
    for (const [n, d] of session.registry.dcmdNames()) expect(r.output).toMatch(new RegExp(`^${escape(n)}\\s+- ${escape(d.summary)}$`, 'm'));
  });

  it('::walkers lists every walker with its description', async () => {
    const r = await session.execute('::walkers');
    expect(r.ok).toBe(true);
    expect(listed(r.output)).toEqual(session.registry.walkers().map((w) => w.name));
  });
});
