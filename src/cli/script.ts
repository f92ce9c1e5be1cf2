/*
 * Running a script of dcmds the way batch mode does: one session, each
 * non-blank line executed in order, a failure reported and the next line run,
 * `$q` ending it all. Batch mode (-e, -f, stdin) prints each line's results as
 * they come; the golden tests and `npm run golden:update` collect them with
 * runScriptText(). Both go through runScript(), so a golden `.out` file is
 * exactly what `mddb <dump> -f <script>` prints.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DebugSession, ExecOptions, ExecResult } from '../mdb/api.js';
import type { DumpModel } from '../dump/format.js';
import type { Module } from '../mdb/dcmd.js';
import { createSessionWith, type LogWriter, type MdbSession, type Syntax } from '../mdb/session-core.js';
import { runShell } from './shell.js';

/**
 * A session as batch mode opens it, with the given modules: `path` is the
 * dump's name as the user typed it (::status prints it), and `$<file` reads
 * files relative to `cwd`. (script-session.ts opens one with the dump's
 * modules found for it.)
 */
export function openScriptSessionWith(model: DumpModel, dumpPath: string, modules: readonly Module[], cwd?: string, syntax?: Syntax): MdbSession {
  const readFile = (p: string): string => fs.readFileSync(cwd === undefined ? p : path.resolve(cwd, p), 'utf8');
  return createSessionWith(model, dumpPath, modules, { readFile, shell: runShell, openLog: (p) => openLogFile(p, cwd), ...(syntax ? { syntax } : {}) });
}

/** The lines of a script that are run: blank ones are skipped (mdb ignores empty input lines). */
export function scriptLines(script: string): string[] {
  return script.split(/\r?\n/).filter((line) => line.trim() !== '');
}

/** One script line and what executing it produced. */
export interface LineRun {
  line: string;
  result: ExecResult;
}

/**
 * The lines of a ddb script: an empty line repeats the last command in ddb,
 * so blank lines are kept, except those after the last command (the file's
 * final newline).
 */
export function ddbScriptLines(script: string): string[] {
  const lines = script.split(/\r?\n/).map((l) => (l.trim() === '' ? '' : l));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Executes the script line by line, yielding each result; stops after a line that quits ($q). */
export async function* runScript(session: DebugSession, script: string, opts: ExecOptions = {}): AsyncGenerator<LineRun> {
  for (const line of session.syntax === 'ddb' ? ddbScriptLines(script) : scriptLines(script)) {
    const result = await session.execute(line, opts);
    yield { line, result };
    if (result.quit) return;
  }
}

/**
 * Executes lines as they arrive (standard input read as a stream, as
 * `mdb < script` does): each line runs before the next is read. Blank lines
 * are skipped in mdb; in ddb a blank line repeats the last command, but only
 * once a later command shows it was not the input's trailing newline.
 */
export async function* runLines(session: DebugSession, lines: AsyncIterable<string>, opts: ExecOptions = {}): AsyncGenerator<LineRun> {
  const ddb = session.syntax === 'ddb';
  let blanks = 0;
  for await (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      if (ddb) blanks++;
      continue;
    }
    for (; blanks > 0; blanks--) {
      const result = await session.execute('', opts);
      yield { line: '', result };
      if (result.quit) return;
    }
    const result = await session.execute(line, opts);
    yield { line, result };
    if (result.quit) return;
  }
}

/** Everything a script run printed, as batch mode would, and its exit status. */
export interface ScriptTranscript {
  /** what batch mode writes on stdout */
  stdout: string;
  /** the error lines batch mode writes on stderr, in order, without newlines */
  stderr: string[];
  /** batch mode's exit status: 0 if every line succeeded, else 1 */
  status: 0 | 1;
  /** every executed line with its result */
  lines: LineRun[];
}

/** Runs a whole script on a session and collects its output (text mode, as `mddb -f` without --json). */
export async function runScriptText(session: DebugSession, script: string): Promise<ScriptTranscript> {
  let stdout = '';
  const stderr: string[] = [];
  const lines: LineRun[] = [];
  for await (const run of runScript(session, script)) {
    lines.push(run);
    stdout += run.result.output;
    stderr.push(...run.result.errors);
  }
  return { stdout, stderr, status: lines.every((l) => l.result.ok) ? 0 : 1, lines };
}

/** ::log's transcript file: appended to, never replaced. */
export function openLogFile(p: string, cwd?: string): LogWriter {
  const fd = fs.openSync(cwd === undefined ? p : path.resolve(cwd, p), 'a');
  return {
    write: (t: string) => void fs.writeSync(fd, t),
    close: () => fs.closeSync(fd),
  };
}
