/*
 * `mddb simulate <scenario>`: run a scenario, print the report, write the dump.
 */
import fs from 'node:fs';
import { writeDump } from '../dump/write.js';
import { DumpError } from '../dump/errors.js';
import { ScenarioError } from '../sim/scenario/load.js';
import { simulate, type RunReport } from '../sim/scenario/run.js';

export interface SimulateArgs {
  scenario: string;
  output?: string;
  seed?: number;
  sets: Array<[string, string]>;
  fixes: string[];
  force: boolean;
  quiet: boolean;
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
  if (r.consoleLine) lines.push(`console:   ${r.consoleLine}`);
  lines.push(`time:      ${formatNs(r.simTimeNs)} simulated`);
  lines.push(`ops:       ${r.ops} kernel function calls, ${r.syscalls} system calls`);
  for (const [k, v] of r.counters) lines.push(`  ${k.padEnd(28)} ${v}`);
  if (dumpPath) {
    const kind = r.outcome === 'panic' ? 'crash dump' : 'live dump';
    lines.push(`dump:      ${dumpPath} (${kind}, ${(dumpBytes / 1024).toFixed(0)} KB)`);
  } else lines.push('dump:      not written (give -o FILE)');
  return lines.join('\n') + '\n';
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

/** Returns the exit status. */
export function runSimulate(a: SimulateArgs, out: NodeJS.WriteStream, err: NodeJS.WriteStream): number {
  try {
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
    if (!a.quiet) out.write(formatReport(report, a.output ?? null, bytes));
    return 0;
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof DumpError) {
      err.write(`mddb: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
