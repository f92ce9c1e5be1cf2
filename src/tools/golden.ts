/*
 * The golden cases, mdb's own test convention (usr/src/test/util-tests/tests/mdb):
 *
 *   test/golden/<dump>/<topic>/tst.<case>.mdb       a script of dcmds that must succeed
 *   test/golden/<dump>/<topic>/tst.<case>.mdb.out   exactly what it prints on stdout
 *   test/golden/<dump>/<topic>/err.<case>.mdb       a script that must fail
 *   test/golden/<dump>/<topic>/err.<case>.mdb.out   its stdout, then its stderr lines
 *
 * <dump> names a file of dumps/ without `.dump`. A case runs on a fresh
 * session, through cli/script.ts as `mddb dumps/<dump>.dump -f <case>` does
 * from the repository root; the test (test/golden/golden.test.ts) compares,
 * `npm run golden:update` (golden-update.ts) rewrites the `.out` files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DumpModel } from '../dump/format.js';
import { readDump } from '../dump/read.js';
import { runScriptText, type ScriptTranscript } from '../cli/script.js';
import { openScriptSession } from '../cli/script-session.js';

/** The repository root: two levels above this file, in src/tools/ or dist/tools/. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const GOLDEN_DIR = path.join(REPO_ROOT, 'test', 'golden');
/** The first-look script for a panic dump, which has its own golden case. */
export const TRIAGE_SCRIPT = path.join(REPO_ROOT, 'commands', 'triage.mdb');
export const TRIAGE_CASE = path.join(GOLDEN_DIR, 'illumos-2911', 'triage', 'tst.triage.mdb');
/** The shipped triage scripts and the golden case that checks each as it is shipped. */
export const TRIAGE_SCRIPTS: ReadonlyArray<{ script: string; goldenCase: string }> = [
  { script: TRIAGE_SCRIPT, goldenCase: TRIAGE_CASE },
  {
    script: path.join(REPO_ROOT, 'commands', 'triage.ddb'),
    goldenCase: path.join(GOLDEN_DIR, 'freebsd-2004-uma-looping', 'triage', 'tst.triage.ddb'),
  },
];

export interface GoldenCase {
  /** dump base name: illumos-2911 */
  dump: string;
  /** folder under the dump: panic, kmem ... */
  topic: string;
  /** tst: must succeed; err: must fail */
  kind: 'tst' | 'err';
  /** the case name between the prefix and `.mdb` / `.ddb` */
  name: string;
  /** the grammar the script is written in, from its extension: `.mdb` or `.ddb` */
  syntax: 'mdb' | 'ddb';
  /** absolute path of the script (the .out is next to it) */
  script: string;
}

/** `illumos-2911/kmem/tst.kmastat-fail-counts.mdb`, for test names and messages. */
export function caseId(c: GoldenCase): string {
  return `${c.dump}/${c.topic}/${c.kind}.${c.name}.${c.syntax}`;
}

export function outPath(c: GoldenCase): string {
  return `${c.script}.out`;
}

/** The dump as a user names it from the repository root; ::status prints this. */
export function dumpArg(dump: string): string {
  return `dumps/${dump}.dump`;
}

/** tst.NAME.mdb runs in mdb's grammar, tst.NAME.ddb in ddb's (whatever the dump's default is). */
const CASE_FILE = /^(tst|err)\.([A-Za-z0-9_.-]+)\.(mdb|ddb)$/;

function dirs(p: string): string[] {
  return fs
    .readdirSync(p, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Every case under test/golden/<dump>/<topic>/, sorted by id. */
export function findGoldenCases(root: string = GOLDEN_DIR): GoldenCase[] {
  const cases: GoldenCase[] = [];
  for (const dump of dirs(root)) {
    for (const topic of dirs(path.join(root, dump))) {
      for (const f of fs.readdirSync(path.join(root, dump, topic)).sort()) {
        const m = CASE_FILE.exec(f);
        if (m) cases.push({ dump, topic, kind: m[1] as 'tst' | 'err', name: m[2]!, syntax: m[3] as 'mdb' | 'ddb', script: path.join(root, dump, topic, f) });
      }
    }
  }
  return cases;
}

/** Files in the golden tree that are neither a case script nor a case's .out (typos, orphans). */
export function strayGoldenFiles(root: string = GOLDEN_DIR): string[] {
  const stray: string[] = [];
  for (const dump of dirs(root)) {
    for (const topic of dirs(path.join(root, dump))) {
      const files = fs.readdirSync(path.join(root, dump, topic));
      for (const f of files) {
        const script = f.endsWith('.out') ? f.slice(0, -'.out'.length) : f;
        if (!CASE_FILE.test(script) || (script !== f && !files.includes(script))) stray.push(path.join(dump, topic, f));
      }
    }
  }
  return stray.sort();
}

/** Reads each dump once; cases then open their own sessions over the shared model. */
export class DumpCache {
  private readonly models = new Map<string, DumpModel>();
  model(dump: string): DumpModel {
    let m = this.models.get(dump);
    if (!m) {
      m = readDump(path.join(REPO_ROOT, dumpArg(dump)));
      this.models.set(dump, m);
    }
    return m;
  }
}

/** Runs one case on a fresh session (dot, variables and radix start anew) over the dump's model. */
export async function runGoldenCase(c: GoldenCase, model: DumpModel): Promise<ScriptTranscript> {
  const session = openScriptSession(model, dumpArg(c.dump), REPO_ROOT, c.syntax);
  return runScriptText(session, fs.readFileSync(c.script, 'utf8'));
}

/** The `.out` text: stdout, then each stderr line (mdb's test driver appends stderr the same way). */
export function goldenText(t: ScriptTranscript): string {
  return t.stdout + t.stderr.map((e) => e + '\n').join('');
}
