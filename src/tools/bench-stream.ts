/*
 * Streaming output (issue #10): `::walk bufctl | ::bufctl` on a big dump, in
 * a fresh process. Measured after load (readDump and createSession, what
 * batch mode does before its first command; no index is built ahead): the time
 * to the first row printed, the time to the last, the rows, and the peak RSS
 * while it runs (the text goes to a counter, as it would go to a pipe, so
 * memory holds no output). Then `mddb FILE -e '::walk bufctl | ::bufctl' |
 * head -1` end to end: the time until the process has exited, against batch
 * `::status` (what loading costs).
 *
 * The same measures `::walk kmem | ::whatis` (--command): a million
 * answers printed as they are made, in bounded memory.
 *
 *   node dist/tools/bench-stream.js FILE [--json] [--command CMD]
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { readDump } from '../dump/read.js';
import { createSession } from '../mdb/session.js';
import { peakRssMb } from './bench-open.js';

export const STREAM_COMMAND = '::walk bufctl | ::bufctl';

export interface StreamBench {
  command: string;
  loadMs: number;
  firstRowMs: number;
  lastRowMs: number;
  rows: number;
  peakRssMb: number;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

export async function benchStream(file: string, command = STREAM_COMMAND): Promise<StreamBench> {
  let t0 = performance.now();
  // load is what batch mode does before its first command: no index is built
  // ahead, so whatever the pipe's first row needs counts in its time
  const session = createSession(readDump(file), file);
  const loadMs = performance.now() - t0;
  let first = -1;
  let rows = 0;
  t0 = performance.now();
  const r = await session.execute(command, {
    onOutput: (t) => {
      if (first < 0) first = performance.now() - t0;
      for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) rows++;
    },
  });
  const lastRowMs = performance.now() - t0;
  if (!r.ok) throw new Error(`bench-stream: ${command}: ${r.errors[0] ?? ''}`);
  return { command, loadMs, firstRowMs: first, lastRowMs, rows, peakRssMb: peakRssMb() };
}

/** benchStream in a fresh process. */
export function benchStreamInChild(file: string, command = STREAM_COMMAND): StreamBench {
  const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), file, '--json', '--command', command], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (p.status !== 0) throw new Error(`bench-stream: ${p.stderr.trim()}`);
  return JSON.parse(p.stdout) as StreamBench;
}

/** Milliseconds until a child exits, reading its stdout like `head -1`: close after the first line. */
function headOne(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      if (buf.includes('\n')) c.stdout.destroy();
    });
    c.on('error', reject);
    c.on('close', () => resolve(performance.now() - t0));
  });
}

/** `mddb FILE -e CMD | head -1` against `mddb FILE -e ::status`, best of `runs`, end to end. */
export async function benchHeadOne(file: string, runs = 3): Promise<{ headMs: number; statusMs: number }> {
  const main = path.join(HERE, '../cli/main.js');
  let headMs = Infinity;
  let statusMs = Infinity;
  for (let i = 0; i < runs; i++) {
    headMs = Math.min(headMs, await headOne([main, file, '-e', STREAM_COMMAND]));
    statusMs = Math.min(statusMs, await headOne([main, file, '-e', '::status']));
  }
  return { headMs, statusMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node dist/tools/bench-stream.js FILE [--json]\n');
    process.exit(2);
  }
  const ci = process.argv.indexOf('--command');
  const b = await benchStream(file, ci > 0 ? process.argv[ci + 1] : undefined);
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(b) + '\n');
  else {
    const h = await benchHeadOne(file);
    process.stdout.write(
      `${b.command}: load ${b.loadMs.toFixed(0)} ms, first row ${b.firstRowMs.toFixed(0)} ms after load, ` +
        `${b.rows} rows in ${b.lastRowMs.toFixed(0)} ms, peak RSS ${b.peakRssMb.toFixed(0)} MB\n` +
        `| head -1 end to end: ${h.headMs.toFixed(0)} ms (batch ::status: ${h.statusMs.toFixed(0)} ms)\n`,
    );
  }
}
