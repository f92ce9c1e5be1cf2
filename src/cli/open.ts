/*
 * Opening a dump: the REPL on a terminal, batch mode otherwise. The REPL is
 * imported lazily so batch runs never load ink (about 200 ms, and escape codes).
 */
import fs from 'node:fs';
import { runBatch } from './batch.js';

export interface OpenArgs {
  dumpPath: string;
  commands: string[];
  files: string[];
  json: boolean;
  color: boolean;
  /** --syntax: the grammar, default from the dump's OS (illumos mdb, FreeBSD ddb) */
  syntax?: 'mdb' | 'ddb';
}

export async function openDump(a: OpenArgs): Promise<number> {
  const interactive = a.commands.length === 0 && a.files.length === 0 && process.stdin.isTTY === true && process.stdout.isTTY === true;
  if (!interactive) {
    // `mddb dump -e ... | head`: a closed pipe ends the output, quietly
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
    let stdin: string | undefined;
    if (a.commands.length === 0 && a.files.length === 0 && process.stdin.isTTY !== true) {
      stdin = fs.readFileSync(0, 'utf8');
    }
    return runBatch({
      dumpPath: a.dumpPath,
      commands: a.commands,
      files: a.files,
      ...(stdin !== undefined ? { stdin } : {}),
      json: a.json,
      ...(a.syntax ? { syntax: a.syntax } : {}),
      stdout: process.stdout,
      stderr: process.stderr,
    });
  }
  const { readDump } = await import('../dump/read.js');
  const { DumpError } = await import('../dump/errors.js');
  const { createSession } = await import('../mdb/session.js');
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
  const { runShell } = await import('./shell.js');
  const fs2 = await import('node:fs');
  let session;
  try {
    session = createSession(model, a.dumpPath, undefined, { readFile: (p: string) => fs2.readFileSync(p, 'utf8'), shell: runShell, ...(a.syntax ? { syntax: a.syntax } : {}) });
  } catch (e) {
    process.stderr.write(`mddb: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const { runRepl } = await import('./repl.js');
  return runRepl(session, { color: a.color && !process.env['NO_COLOR'] });
}
