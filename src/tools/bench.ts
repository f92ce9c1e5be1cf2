/*
 * `npm run bench`: the performance targets of the issues, measured on the
 * real pieces (never by timed unit tests).
 *
 *   1. The simulator makes a heap of about a million buffers (the illumos-2911
 *      scenario with its background load scaled up, DEBUG kernel, no
 *      foreground I/O so it runs to its budget), then savecore: collect the
 *      machine into a dump model and write it (target: write <= 3 s).
 *   2. Open it: read, decompress, validate (target <= 1 s) and build the
 *      debugger's indexes (createSession).
 *   3. ::kmastat and ::stacks on that dump (target <= 100 ms each after load).
 *   4. Batch `::status` end to end, against `node` merely reading the file
 *      (target <= 3x).
 *   5. The REPL's slowest frame with 100,000 lines of output behind it
 *      (target <= 50 ms).
 *
 *   node dist/tools/bench.js [--buffers N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { simulate } from '../sim/scenario/run.js';
import { writeDump } from '../dump/write.js';
import { readDump } from '../dump/read.js';
import { createSession } from '../mdb/session.js';
import { benchReplFrames } from './bench-repl.js';

interface Row {
  what: string;
  value: string;
  target: string;
  ok: boolean | null;
}

const ms = (t0: number): number => performance.now() - t0;
const fmt = (x: number): string => `${x.toFixed(0)} ms`;

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function main(): Promise<void> {
  const argi = process.argv.indexOf('--buffers');
  const want = argi > 0 ? Number(process.argv[argi + 1]) : 1_000_000;
  const rows: Row[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-bench-'));
  const file = path.join(dir, 'big.dump');

  // 1. a heap of ~want buffers: jobs x kmem_objects x scale live objects
  const jobs = 8;
  const objects = 250;
  const scale = Math.max(1, Math.round(want / (jobs * objects)));
  let t0 = performance.now();
  const r = simulate('illumos-2911', {
    sets: [
      ['kernel.physmem_mb', '16384'],
      ['build.jobs', String(jobs)],
      ['build.kmem_objects', String(objects)],
      ['build.scale', String(scale)],
      ['build.anon_mb', '1'],
      ['build.write_pct', '0'],
      ['reader.threads', '0'],
      ['stop.max_time_s', '2'],
    ],
    fixes: [],
  });
  const simMs = ms(t0);
  const bufs = r.model.tables.find((t) => t.name === 'buffers')!.rowCount;
  const live = r.sys.km.caches.reduce((a, c) => a + c.allocated.size, 0);
  rows.push({ what: `simulate + collect (${live} allocated buffers, ${bufs} buffer rows)`, value: fmt(simMs), target: '-', ok: null });
  t0 = performance.now();
  writeDump(file, r.model, { force: true });
  const writeMs = ms(t0);
  const bytes = fs.statSync(file).size;
  rows.push({ what: `write dump (${(bytes / 1e6).toFixed(1)} MB)`, value: fmt(writeMs), target: '<= 3000 ms', ok: writeMs <= 3000 });

  // 2. open
  t0 = performance.now();
  const model = readDump(file);
  const readMs = ms(t0);
  rows.push({ what: 'open dump (read, inflate, validate)', value: fmt(readMs), target: '<= 1000 ms', ok: readMs <= 1000 });
  t0 = performance.now();
  const session = createSession(model, file);
  const indexMs = ms(t0);
  rows.push({ what: 'build debugger indexes (createSession)', value: fmt(indexMs), target: '-', ok: null });

  // 3. dcmds after load
  for (const cmd of ['::kmastat', '::stacks']) {
    t0 = performance.now();
    const res = await session.execute(cmd);
    const d = ms(t0);
    const ok = res.ok && d <= 100;
    rows.push({ what: `${cmd} (${res.output.split('\n').length} lines)${res.ok ? '' : ' FAILED: ' + res.errors[0]}`, value: fmt(d), target: '<= 100 ms', ok });
  }
  rows.push({ what: 'peak RSS of the benchmark process', value: `${peakRssMb().toFixed(0)} MB`, target: '<= 1024 MB', ok: peakRssMb() <= 1024 });

  // 4. batch ::status end to end vs node reading the file
  const here = path.dirname(fileURLToPath(import.meta.url));
  const main = path.join(here, '../cli/main.js');
  const time = (args: string[]): number => {
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      const p = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore'] });
      if (p.status !== 0) throw new Error(`bench: ${args.join(' ')} exited ${p.status}`);
      best = Math.min(best, ms(s));
    }
    return best;
  };
  const base = time(['-e', `require('fs').readFileSync(${JSON.stringify(file)})`]);
  const status = time([main, file, '-e', '::status']);
  rows.push({
    what: `batch ::status end to end (node reading the file: ${fmt(base)})`,
    value: `${fmt(status)} = ${(status / base).toFixed(1)}x`,
    target: '<= 3x',
    ok: status <= 3 * base,
  });

  // 5. REPL frames
  const repl = await benchReplFrames();
  rows.push({
    what: `REPL slowest frame with ${repl.lines} lines behind it`,
    value: `${repl.maxFrameMs.toFixed(1)} ms`,
    target: '<= 50 ms',
    ok: repl.maxFrameMs <= 50,
  });

  fs.rmSync(dir, { recursive: true, force: true });
  const w = Math.max(...rows.map((x) => x.what.length));
  process.stdout.write(`mddb benchmarks (node ${process.version}, ${os.cpus().length} CPUs)\n\n`);
  for (const x of rows) {
    const mark = x.ok === null ? '' : x.ok ? '  ok' : '  MISSED';
    process.stdout.write(`${x.what.padEnd(w)}  ${x.value.padStart(14)}  ${x.target.padEnd(11)}${mark}\n`);
  }
  process.exitCode = rows.some((x) => x.ok === false) ? 1 : 0;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 2;
});
