/*
 * `mddb simulate <scenario>`: run a scenario, print the report, write the dump.
 */
import fs from 'node:fs';
import { writeDump } from '../dump/write.js';
import { DumpError } from '../dump/errors.js';
import { ScenarioError } from '../sim/scenario/load.js';
import { loadScenario, simulate, type RunReport } from '../sim/scenario/run.js';
import { checkFixes } from '../sim/scenario/load.js';
import { visible } from '../mdb/render/visible.js';
import { freeMemoryChart } from './free-chart.js';
import { freeMemoryFromDump } from './free-memory.js';

/**
 * The exit status says what the simulated kernel did, so a script can check a
 * fix: 0 the run completed, 3 it panicked, 4 it hung. 2 is bad usage, 70 an
 * internal error (main.ts).
 */
export const OUTCOME_STATUS: Record<RunReport['outcome'], number> = { completed: 0, panic: 3, hang: 4 };

export interface SimulateArgs {
  scenario: string;
  output?: string;
  seed?: number;
  sets: Array<[string, string]>;
  fixes: string[];
  force: boolean;
  quiet: boolean;
  /** print the report as JSON */
  json?: boolean;
}

/** `a.b=value` → [a.b, value]; a bad form is a usage error. */
export function parseSet(s: string): [string, string] {
  const i = s.indexOf('=');
  if (i <= 0) throw new ScenarioError(`--set ${s}: expected key=value (e.g. --set kernel.debug=false)`);
  return [s.slice(0, i), s.slice(i + 1)];
}

function formatNs(ns: number): string {
  return `${(ns / 1e9).toFixed(6)} s`;
}

export function formatReport(r: RunReport, dumpPath: string | null, dumpBytes: number): string {
  const lines: string[] = [];
  lines.push(`scenario:  ${r.scenario} (seed ${r.seed}, fixes: ${r.fixes.length ? r.fixes.join(', ') : 'none'})`);
  lines.push(`outcome:   ${r.outcome}${r.outcome === 'completed' ? ` (${r.stopReason})` : ''}`);
  // the console line is the simulated kernel's text: shown, never obeyed by the terminal
  if (r.consoleLine) lines.push(`console:   ${visible(r.consoleLine)}`);
  lines.push(`time:      ${formatNs(r.simTimeNs)} simulated`);
  lines.push(`ops:       ${r.ops} kernel function calls, ${r.syscalls} system calls`);
  // the values in one column when every label fits in 40 characters; else each runs on after a space
  const longest = Math.max(0, ...r.counters.map(([k]) => k.length));
  const w = longest <= 40 ? Math.max(28, longest) : 28;
  for (const [k, v] of r.counters) lines.push(`  ${k.padEnd(w)} ${v}`);
  if (dumpPath) {
    const kind = r.outcome === 'panic' ? 'crash dump' : 'live dump';
    lines.push(`dump:      ${dumpPath} (${kind}, ${(dumpBytes / 1024).toFixed(0)} KB)`);
  } else lines.push('dump:      not written (give -o FILE)');
  return lines.join('\n') + '\n';
}

/** The report as --json prints it: counters as numbers when they are numbers. */
export function reportJson(r: RunReport, dumpPath: string | null, dumpBytes: number): unknown {
  return {
    schemaVersion: 1,
    scenario: r.scenario,
    os: r.os,
    seed: r.seed,
    fixes: r.fixes,
    outcome: r.outcome,
    exitCode: OUTCOME_STATUS[r.outcome],
    ...(r.outcome === 'completed' ? { stopReason: r.stopReason } : {}),
    consoleLine: r.consoleLine,
    simTimeNs: r.simTimeNs,
    ops: r.ops,
    syscalls: r.syscalls,
    counters: Object.fromEntries(r.counters.map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v])),
    dump: dumpPath === null ? null : { path: dumpPath, kind: r.outcome === 'panic' ? 'crash' : 'live', bytes: dumpBytes },
    // what the terminal picture draws: the lowest free pages of each interval, and the thresholds
    freeMemory: { intervalNs: r.freeMemory.intervalNs, thresholds: Object.fromEntries(r.freeMemory.thresholds), samples: r.freeMemory.samples },
  };
}

/** A progress bar on a terminal for runs longer than about a second; nothing otherwise. */
function progressReporter(stream: NodeJS.WriteStream): { tick: (f: number) => void; done: () => void } {
  const start = Date.now();
  let shown = false;
  let last = -1;
  return {
    tick(f: number) {
      if (!stream.isTTY) return;
      if (Date.now() - start < 1000) return;
      const pct = Math.min(100, Math.floor(f * 100));
      if (pct === last) return;
      last = pct;
      shown = true;
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      stream.write(`\r\x1b[2Ksimulating [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}%`);
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Returns the exit status. */
export function runSimulate(a: SimulateArgs, out: NodeJS.WriteStream, err: NodeJS.WriteStream): number {
  try {
    // a directory is neither a scenario file nor a dump file (not EISDIR as an internal error)
    if (isDirectory(a.scenario)) {
      err.write(`mddb: ${a.scenario}: is a directory, not a scenario file\n`);
      return 2;
    }
    if (a.output && (isDirectory(a.output) || a.output.endsWith('/'))) {
      err.write(`mddb: ${a.output}: is a directory (give -o a file name)\n`);
      return 2;
    }
    // a bad scenario, --set or --fix is the error to report, whatever -o names
    checkFixes(loadScenario(a.scenario, a.sets).sc, a.fixes);
    if (a.output && fs.existsSync(a.output) && !a.force) {
      err.write(`mddb: ${a.output} exists (use --force to replace it)\n`);
      return 2;
    }
    const prog = a.quiet ? null : progressReporter(err);
    const report = simulate(a.scenario, {
      ...(a.seed !== undefined ? { seed: a.seed } : {}),
      sets: a.sets,
      fixes: a.fixes,
      keepSystem: false,
      ...(prog ? { onProgress: prog.tick } : {}),
    });
    prog?.done();
    let bytes = 0;
    if (a.output) {
      writeDump(a.output, report.model, { force: a.force });
      bytes = fs.statSync(a.output).size;
    }
    if (a.json) out.write(JSON.stringify(reportJson(report, a.output ?? null, bytes), null, 2) + '\n');
    else if (!a.quiet) {
      out.write(formatReport(report, a.output ?? null, bytes));
      // the picture is for a terminal: piped output stays the plain report a script reads
      // drawn from the dump the run made (its free_memory event log and the kernel's thresholds)
      if (out.isTTY) {
        const rec = freeMemoryFromDump(report.model) ?? report.freeMemory;
        out.write(freeMemoryChart(rec, report.outcome, report.simTimeNs, { width: Math.min((out.columns || 80) - 14, 72), color: !process.env['NO_COLOR'] }));
      }
    }
    return OUTCOME_STATUS[report.outcome];
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof DumpError) {
      err.write(`mddb: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
