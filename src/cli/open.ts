/*
 * Opening a dump: the REPL when stdin and stdout are both terminals; a plain
 * line reader on the terminal when only stdin is one (`mddb DUMP | tee log`);
 * batch mode otherwise (-e, -f, or commands streamed on standard input). The
 * REPL is imported lazily so batch runs never load ink (about 200 ms, and
 * escape codes).
 */
import readline from 'node:readline';
import { runBatch } from './batch.js';

export interface OpenArgs {
  dumpPath: string;
  commands: string[];
  files: string[];
  json: boolean;
  /** --jsonl: one JSON record per command, per line */
  jsonl?: boolean;
  color: boolean;
  /** --syntax: the grammar, default from the dump's OS (illumos mdb, FreeBSD ddb) */
  syntax?: 'mdb' | 'ddb';
}

export async function openDump(a: OpenArgs): Promise<number> {
  const scripted = a.commands.length > 0 || a.files.length > 0;
  const stdinTty = process.stdin.isTTY === true;
  const json = a.json || a.jsonl === true;
  if (json && !scripted && stdinTty) {
    // the interactive debugger prints text; JSON is for scripts
    process.stderr.write(`mddb: --${a.jsonl ? 'jsonl' : 'json'} needs commands to run: give -e or -f, or pipe them on standard input\n`);
    return 2;
  }
  const interactive = !scripted && stdinTty && process.stdout.isTTY === true;
  if (!interactive) {
    // `mddb dump -e ... | head`: a closed pipe ends the output, quietly and at once
    const stop = new AbortController();
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') {
        stop.abort();
        process.exit(process.exitCode ?? 0);
      }
      throw e;
    });
    if (!scripted && stdinTty) return terminalLines(a);
    return runBatch({
      dumpPath: a.dumpPath,
      commands: a.commands,
      files: a.files,
      // the line iterator is made now, not when runBatch first reads it: readline emits lines as they
      // arrive, and only an existing iterator buffers them, so the ones piped in while the dump and
      // its modules load would be lost
      ...(!scripted ? { stdin: readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false })[Symbol.asyncIterator]() } : {}),
      json: a.json,
      ...(a.jsonl ? { jsonl: true } : {}),
      ...(a.syntax ? { syntax: a.syntax } : {}),
      // colour only on a terminal: piped output and NO_COLOR stay plain text
      ...(a.color && process.stdout.isTTY === true && !process.env['NO_COLOR'] ? { color: true } : {}),
      stdout: process.stdout,
      stderr: process.stderr,
      signal: stop.signal,
    });
  }
  const session = await openSession(a, true);
  if (typeof session === 'number') return session;
  const { runRepl } = await import('./repl.js');
  return runRepl(session, { color: a.color && !process.env['NO_COLOR'] });
}

/** stdin a terminal, stdout not: read commands from the terminal with a plain line reader. */
async function terminalLines(a: OpenArgs): Promise<number> {
  const session = await openSession(a);
  if (typeof session === 'number') return session;
  const { runTerminalLines } = await import('./lines.js');
  return runTerminalLines(session, process.stdin, process.stdout, process.stderr);
}

/** The session for the REPL (`terminal`: a pager after `!` takes the terminal) or the line reader. */
async function openSession(a: OpenArgs, terminal = false) {
  const { readDump } = await import('../dump/read.js');
  const { DumpError } = await import('../dump/errors.js');
  const { createSessionWith } = await import('../mdb/session-core.js');
  const { loadModulesFor } = await import('../mdb/modules/load.js');
  let model;
  try {
    model = readDump(a.dumpPath);
  } catch (e) {
    if (e instanceof DumpError) {
      process.stderr.write(`mddb: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const { runShell, runShellInTerminal } = await import('./shell.js');
  const { openLogFile } = await import('./script.js');
  const fs2 = await import('node:fs');
  const modules = await loadModulesFor(model.header.os);
  try {
    return createSessionWith(model, a.dumpPath, modules, { readFile: (p: string) => fs2.readFileSync(p, 'utf8'), shell: terminal ? runShellInTerminal : runShell, openLog: (p: string) => openLogFile(p), ...(a.syntax ? { syntax: a.syntax } : {}) });
  } catch (e) {
    process.stderr.write(`mddb: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}
