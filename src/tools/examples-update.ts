/*
 * `npm run examples:update [-- --check]`: rewrites the output lines of the
 * dcmds' help EXAMPLES from what each example prints now, as the golden
 * update does for golden files. A page's examples run on the dump its test
 * runs them on (test/mdb/meta.test.ts: the illumos panic dump, genunix's
 * pages; test/mdb/modules/freebsd/examples.test.ts: the FreeBSD 2004 panic
 * dump, the FreeBSD modules' pages), each page on a fresh session; `> `
 * lines run in mdb's grammar, `db> ` lines in ddb's.
 *
 * An example keeps its shape: with no "..." every printed line is shown;
 * with a final "..." as many lines as it showed are kept, then "...". An
 * example with a "..." in the middle is left for a person (it says so). The
 * edit is a literal replacement in the module's source file, so a page whose
 * example text cannot be found once, exactly, is reported and left alone.
 *
 * It rewrites outputs, never commands: an example whose command names an
 * address that moved when the dumps were regenerated still needs a person
 * (review the diff: an example that now prints an error is one of those).
 *
 *   --check  write nothing; exit 1 if an example would change
 */
import fs from 'node:fs';
import path from 'node:path';
import { readDump } from '../dump/read.js';
import type { AnyDcmd, Module } from '../mdb/dcmd.js';
import { builtinModules } from '../mdb/modules/index.js';
import { freebsdModules, vmemModule } from '../mdb/modules/freebsd/index.js';
import { ddbModule } from '../mdb/modules/ddb/index.js';
import { createSession } from '../mdb/session.js';
import { Target } from '../mdb/target.js';
import { REPO_ROOT } from './golden.js';
import { helpExamples, printedLines } from './help-examples.js';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Text as it stands inside a template literal in the source. */
const literal = (s: string): string => s.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const groups: Array<{ dump: string; modules: readonly Module[] }> = [
    // genunix's pages and mdb's own (core, kvm), as test/mdb/meta.test.ts runs them
    { dump: 'dumps/illumos-2911.dump', modules: builtinModules },
    { dump: 'dumps/freebsd-2004-uma-looping.dump', modules: [...freebsdModules.filter((m) => m !== vmemModule), ddbModule] },
    // vmem's pages need a 2020 kernel: PR 248008's unfixed i386 dump
    { dump: 'dumps/freebsd-248008-btalloc.dump', modules: [vmemModule] },
  ];
  const srcDir = path.join(REPO_ROOT, 'src', 'mdb', 'modules');
  const texts = new Map(sourceFiles(srcDir).map((f) => [f, fs.readFileSync(f, 'utf8')]));
  let changed = 0;
  let status = 0;
  // a page another kernel's layout needs (helpFor: ::uma_keg on a 2020 kernel) runs on the 2020 dump,
  // as test/mdb/modules/freebsd/examples.test.ts runs it
  const dump2020 = 'dumps/freebsd-248008-btalloc.dump';
  const model2020 = readDump(path.join(REPO_ROOT, dump2020));
  for (const g of groups) {
    const model = readDump(path.join(REPO_ROOT, g.dump));
    const dcmds = new Map<string, AnyDcmd>();
    for (const m of g.modules) for (const d of m.dcmds) dcmds.set(d.name, d);
    const pages: Array<{ d: AnyDcmd; text: string; model: typeof model; dump: string }> = [];
    for (const d of dcmds.values()) {
      pages.push({ d, text: d.help, model, dump: g.dump });
      const p2020 = g.dump === dump2020 ? undefined : d.helpFor?.(new Target(model2020));
      if (p2020 !== undefined) pages.push({ d, text: p2020, model: model2020, dump: dump2020 });
    }
    for (const { d, text: page, model: pm, dump: pd } of pages) {
      // a page's examples run in order on one session per grammar, as the tests run them: a later
      // example may use what an earlier one set (`>p`, then `<p`)
      const sessions = new Map<string, ReturnType<typeof createSession>>();
      for (const e of helpExamples(page)) {
        let session = sessions.get(e.syntax);
        if (!session) sessions.set(e.syntax, (session = createSession(pm, pd, undefined, { syntax: e.syntax })));
        const printed = printedLines(await session.execute(e.command));
        // an example that shows no output shows only the command (the tests do not compare it)
        if (e.shown.length === 0) continue;
        const cut = e.shown.findIndex((l) => l.trim() === '...');
        if (cut >= 0 && cut !== e.shown.length - 1) {
          process.stderr.write(`left alone: ${d.name}: '${e.command}' (a "..." in the middle)\n`);
          continue;
        }
        const fresh = (cut < 0 ? printed : [...printed.slice(0, cut), '...']).map((l) => (l === '' ? '' : e.indent + l));
        if (fresh.join('\n') === e.raw.join('\n')) continue;
        const head = e.indent + e.prompt + e.command;
        const before = literal([head, ...e.raw].join('\n'));
        const after = literal([head, ...fresh].join('\n'));
        const hits = [...texts].filter(([, t]) => t.split(before).length === 2);
        if (hits.length !== 1) {
          process.stderr.write(`left alone: ${d.name}: '${e.command}' (its text is not found exactly once)\n`);
          status = 1;
          continue;
        }
        const [file, text] = hits[0]!;
        texts.set(file, text.replace(before, after));
        process.stdout.write(`${check ? 'stale' : 'updated'}: ${d.name}: '${e.command}' (${path.relative(REPO_ROOT, file)})\n`);
        changed++;
      }
    }
  }
  if (check) return changed > 0 ? 1 : status;
  for (const [f, t] of texts) if (t !== fs.readFileSync(f, 'utf8')) fs.writeFileSync(f, t);
  process.stdout.write(`${changed} examples ${check ? 'stale' : 'updated'}\n`);
  return status;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`examples-update: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
