/*
 * `npm run fuzz`: issue #13's properties at full size (fuzz-gen.ts holds
 * the inputs and the checks; test/robust/fuzz.test.ts runs them small).
 *
 *   node dist/tools/fuzz.js [--lines N] [--dumps N] [--scenarios N] [--seed S] [--scale X] [--out FILE] [--skip-slow]
 *
 * --skip-slow leaves out the dcmds fuzz-gen.ts lists in SLOW_DCMDS (over a
 * second per call on the sample dumps), which otherwise fill the run with
 * `slow` cases and watchdog kills.
 *
 * Defaults: 100,000 command lines (mdb over every dump in dumps/, ddb over
 * the FreeBSD ones, half of them invocations of registered dcmds), 10,000
 * mutated dumps spread over every dump in dumps/, 10,000 scenario inputs.
 * Case i of a property is generated from seed S + i, so a case is
 * reproducible alone.
 *
 * Cases run in child processes bounded in memory (--max-old-space-size)
 * and time (a watchdog kills a child whose case takes longer than HANG_MS);
 * a child that dies is restarted after the case that killed it. Each case
 * is classed:
 *   clean    returned, or failed in one line as designed
 *   failure  an `internal error`, a message of several lines, an exception
 *            other than the debugger's, dump or scenario error types
 *   slow     a command that used more CPU than SLOW_MS plus what its output
 *            accounts for at OUTPUT_BYTES_PER_MS (reported as a hang; CPU
 *            time, so that a loaded machine does not count)
 *   hang     the watchdog killed the child
 *   memory   the child ran out of its heap
 *   crash    the child died otherwise
 * with a reproducer for every case not clean. The dumps in dumps/ are
 * hashed before and after: they must be byte-identical.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { readDump } from '../dump/read.js';
import { createSession, type MdbSession } from '../mdb/session.js';
import { checkDump, checkScenario, chunkedSample, dcmdLine, ddbLine, isSlow, loadSample, mdbLine, mutate, mutation, OUTPUT_BYTES_PER_MS, runLine, scenarioText, setAndFix, SLOW_DCMDS, SLOW_MS, vocabulary, type DumpSample, type Vocabulary } from './fuzz-gen.js';

const HANG_MS = 20_000;
const HEAP_MB = 768;
const DUMPS_DIR = 'dumps';

type Kind = 'lines' | 'dumps' | 'scenarios';
type Class = 'clean' | 'failure' | 'slow' | 'hang' | 'memory' | 'crash';
const CLASSES: Class[] = ['clean', 'failure', 'slow', 'hang', 'memory', 'crash'];

function dumpFiles(): string[] {
  return fs
    .readdirSync(DUMPS_DIR)
    .filter((f) => f.endsWith('.dump'))
    .sort()
    .map((f) => path.join(DUMPS_DIR, f));
}

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
}

// ---- the child: runs cases [from, to) of one property ------------------------

interface LineCase {
  dump: string;
  grammar: 'mdb' | 'ddb';
  line: string;
}

async function child(args: string[]): Promise<void> {
  const kind = args[args.indexOf('--child') + 1] as Kind;
  const from = arg(args, '--from', 0);
  const to = arg(args, '--to', 0);
  const seed = arg(args, '--seed', 13);
  const skip = args.includes('--skip-slow') ? SLOW_DCMDS : [];
  const files = dumpFiles();
  const say = (s: string): void => void process.stdout.write(`${s}\n`);
  if (kind === 'lines') {
    const sessions = new Map<string, { mdb: MdbSession; ddb?: MdbSession; v: Vocabulary }>();
    for (const f of files) {
      const model = readDump(f);
      const mdb = createSession(model, f, undefined, { syntax: 'mdb' });
      const ddb = model.header.os === 'freebsd' ? createSession(model, f, undefined, { syntax: 'ddb' }) : undefined;
      sessions.set(f, ddb ? { mdb, ddb, v: vocabulary(model, mdb, skip) } : { mdb, v: vocabulary(model, mdb, skip) });
    }
    for (let i = from; i < to; i++) {
      const c = lineCase(i, seed, files, sessions);
      say(`C ${i} ${JSON.stringify(c)}`);
      const s = sessions.get(c.dump)!;
      const r = await runLine(c.grammar === 'ddb' ? s.ddb! : s.mdb, c.line, HANG_MS);
      say(`R ${i} ${r.problem ? `failure ${JSON.stringify(r.problem)}` : isSlow(r) ? `slow ${JSON.stringify(`${r.ms.toFixed(0)} ms CPU (${r.wallMs.toFixed(0)} ms wall) for ${r.bytes} bytes of output`)}` : 'clean'}`);
    }
  } else if (kind === 'dumps') {
    const samples = files.map(loadSample);
    // the sample dumps' tables are smaller than a chunk of rows: one of them
    // written again in chunks of MIN_CHUNK_ROWS puts chunk directories and
    // bounds (format 2) in reach of the mutations
    const chunked = files.find((f) => path.basename(f) === 'illumos-2911.dump');
    if (chunked) samples.push(chunkedSample(chunked));
    for (let i = from; i < to; i++) {
      const d = samples[i % samples.length]!;
      const m = fc.sample(mutation(), { numRuns: 1, seed: seed + i })[0]!;
      say(`C ${i} ${JSON.stringify({ dump: d.path, mutation: m })}`);
      const t0 = performance.now();
      const p = await checkDump(mutate(d, m), HANG_MS);
      const ms = performance.now() - t0;
      say(`R ${i} ${p ? `failure ${JSON.stringify(p)}` : ms > SLOW_MS * 10 ? `slow ${JSON.stringify(`${ms.toFixed(0)} ms`)}` : 'clean'}`);
    }
  } else {
    const arb = fc.tuple(scenarioText(), setAndFix());
    for (let i = from; i < to; i++) {
      const [text, { sets, fixes }] = fc.sample(arb, { numRuns: 1, seed: seed + i })[0]!;
      say(`C ${i} ${JSON.stringify({ text: text.length > 400 ? `${text.slice(0, 400)}...` : text, sets, fixes })}`);
      const t0 = performance.now();
      const p = checkScenario(text, sets, fixes);
      const ms = performance.now() - t0;
      say(`R ${i} ${p ? `failure ${JSON.stringify(p)}` : ms > SLOW_MS ? `slow ${JSON.stringify(`${ms.toFixed(0)} ms`)}` : 'clean'}`);
    }
  }
  say('DONE');
}

/** Case i of the command-line property: which dump, which grammar, which line. */
function lineCase(i: number, seed: number, files: string[], sessions: Map<string, { ddb?: MdbSession; v: Vocabulary }>): LineCase {
  const dump = files[i % files.length]!;
  const s = sessions.get(dump)!;
  const k = Math.floor(i / files.length);
  const grammar = s.ddb && k % 2 === 1 ? 'ddb' : 'mdb';
  const arb = grammar === 'ddb' ? ddbLine(s.v) : k % 4 < 2 ? dcmdLine(s.v) : mdbLine(s.v);
  return { dump, grammar, line: fc.sample(arb, { numRuns: 1, seed: seed + i })[0]! };
}

// ---- the parent: children, watchdog, classes, report -----------------------

interface Failure {
  kind: Kind;
  case: number;
  class: Class;
  detail: string;
  input: unknown;
  reproduce: string;
}

function reproducer(kind: Kind, input: unknown, seed: number, i: number): string {
  if (kind === 'lines' && input !== undefined) {
    const c = input as LineCase;
    return `mddb ${c.dump}${c.grammar === 'ddb' ? '' : ' --syntax mdb'} -e ${JSON.stringify(c.line)}   (case ${i}, seed ${seed})`;
  }
  return `node dist/tools/fuzz.js --child ${kind} --from ${i} --to ${i + 1} --seed ${seed}`;
}

async function runProperty(kind: Kind, total: number, seed: number, counts: Record<Class, number>, failures: Failure[], extra: string[]): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  let next = 0;
  const started = Date.now();
  while (next < total) {
    const r = await new Promise<{ reached: number; died?: Class; detail?: string; input?: unknown }>((resolve) => {
      const p = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, self, '--child', kind, '--from', String(next), '--to', String(total), '--seed', String(seed), ...extra], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let current = next;
      let input: unknown;
      // the case `input` belongs to: a child killed after one case's R line and before the
      // next one's C line must not be reported with the previous case's input
      let inputCase = -1;
      let stderr = '';
      let killedForHang = false;
      let timer: NodeJS.Timeout | undefined;
      const arm = (): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          killedForHang = true;
          p.kill('SIGKILL');
        }, HANG_MS * 2);
      };
      arm();
      p.stderr.on('data', (d: Buffer) => {
        if (stderr.length < 20_000) stderr += d.toString();
      });
      const rl = readline.createInterface({ input: p.stdout });
      rl.on('line', (l) => {
        const m = /^([CR]) (\d+) (.*)$/.exec(l);
        if (!m) return;
        const i = Number(m[2]);
        if (m[1] === 'C') {
          current = i;
          inputCase = i;
          input = JSON.parse(m[3]!);
          arm();
          return;
        }
        const [cls, ...rest] = m[3]!.split(' ');
        const c = cls as Class;
        counts[c]++;
        if (c !== 'clean') failures.push({ kind, case: i, class: c, detail: rest.length ? (JSON.parse(rest.join(' ')) as string) : '', input, reproduce: reproducer(kind, input, seed, i) });
        current = i + 1;
        if ((i + 1) % 1000 === 0) process.stderr.write(`  ${kind}: ${i + 1}/${total} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
      });
      p.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (code === 0 && current >= total) return resolve({ reached: total });
        const died: Class = killedForHang ? 'hang' : /heap out of memory|Allocation failed|ERR_MEMORY|Array buffer allocation failed/i.test(stderr) ? 'memory' : 'crash';
        resolve({ reached: current, died, detail: `${signal ?? `exit ${code}`}: ${stderr.split('\n').filter((x) => x.trim()).slice(-3).join(' | ')}`, input: inputCase === current ? input : undefined });
      });
    });
    if (r.died) {
      counts[r.died]++;
      failures.push({ kind, case: r.reached, class: r.died, detail: r.detail ?? '', input: r.input, reproduce: reproducer(kind, r.input, seed, r.reached) });
      next = r.reached + 1;
    } else next = r.reached;
  }
}

function hashDumps(): Map<string, string> {
  return new Map(dumpFiles().map((f) => [f, crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')]));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--child')) return child(args);
  const scale = arg(args, '--scale', 1);
  const sizes: Record<Kind, number> = {
    lines: Math.round(arg(args, '--lines', 100_000) * scale),
    dumps: Math.round(arg(args, '--dumps', 10_000) * scale),
    scenarios: Math.round(arg(args, '--scenarios', 10_000) * scale),
  };
  const seed = arg(args, '--seed', 13);
  const out = args.includes('--out') ? args[args.indexOf('--out') + 1]! : path.join(os.tmpdir(), 'mddb-fuzz-report.json');
  const before = hashDumps();
  const skipSlow = args.includes('--skip-slow');
  const report: Record<string, unknown> = { seed, sizes, skipped: skipSlow ? SLOW_DCMDS : [], dumps: [...before.keys()], slowMs: SLOW_MS, outputBytesPerMs: OUTPUT_BYTES_PER_MS, hangMs: HANG_MS, heapMb: HEAP_MB };
  const failures: Failure[] = [];
  const rows: string[] = [];
  for (const kind of ['scenarios', 'dumps', 'lines'] as Kind[]) {
    const counts = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<Class, number>;
    const t0 = Date.now();
    await runProperty(kind, sizes[kind], seed, counts, failures, skipSlow ? ['--skip-slow'] : []);
    const secs = ((Date.now() - t0) / 1000).toFixed(0);
    report[kind] = { ...counts, seconds: Number(secs) };
    report['failures'] = failures;
    fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
    process.stderr.write(`${kind}: ${JSON.stringify(report[kind])}\n`);
    rows.push(`${kind.padEnd(10)} ${String(sizes[kind]).padStart(7)} ${CLASSES.map((c) => String(counts[c]).padStart(8)).join('')} ${secs.padStart(6)} s`);
  }
  const after = hashDumps();
  const changed = [...before].filter(([f, h]) => after.get(f) !== h).map(([f]) => f);
  report['dumpsChanged'] = changed;
  report['failures'] = failures;
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`${'property'.padEnd(10)} ${'cases'.padStart(7)} ${CLASSES.map((c) => c.padStart(8)).join('')}   time\n${rows.join('\n')}\n`);
  process.stdout.write(`dumps in ${DUMPS_DIR}/ byte-identical before and after: ${changed.length === 0 ? 'yes' : `NO (${changed.join(', ')})`}\n`);
  for (const f of failures.slice(0, 50)) process.stdout.write(`${f.class} ${f.kind} #${f.case}: ${f.detail}\n  reproduce: ${f.reproduce}\n`);
  if (failures.length > 50) process.stdout.write(`... ${failures.length - 50} more in ${out}\n`);
  process.stdout.write(`report: ${out}\n`);
  process.exitCode = failures.length === 0 && changed.length === 0 ? 0 : 1;
}

void main().catch((e: unknown) => {
  process.stderr.write(`fuzz: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 2;
});

export type { DumpSample };
