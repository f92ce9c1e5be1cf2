/*
 * Batch mode (`mddb <dump> -e cmd -f file`), mdb -e style: open the dump, run
 * each command line in order, print output on stdout and each error line on
 * stderr, keep going after a failure. Exit status: 0 if every command
 * succeeded, 1 if any failed, 2 if the dump could not be opened (or a command
 * file could not be read). With --json, one JSON document (an array of
 * {command, ok, results, errors}) replaces the text. No ink here: batch must
 * start fast and work without a terminal.
 */
import fs from 'node:fs';
import { readDump } from '../dump/read.js';
import type { CommandJson } from '../mdb/session.js';
import { openScriptSession, runScript } from './script.js';
import { fsReason } from '../dump/errors.js';

export interface TextSink {
  write(s: string): unknown;
}

export interface BatchOptions {
  dumpPath: string;
  /** -e values, in order; each may hold several commands (`;`, newlines) */
  commands: string[];
  /** -f files, run after the -e commands */
  files: string[];
  /** commands read from standard input, run last */
  stdin?: string;
  json: boolean;
  /** the grammar (--syntax); default from the dump's OS */
  syntax?: 'mdb' | 'ddb';
  stdout: TextSink;
  stderr: TextSink;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function runBatch(o: BatchOptions): Promise<number> {
  let model;
  try {
    model = readDump(o.dumpPath);
  } catch (e) {
    o.stderr.write(`mddb: ${message(e)}\n`);
    return 2;
  }

  const scripts: string[] = [...o.commands];
  for (const f of o.files) {
    try {
      scripts.push(fs.readFileSync(f, 'utf8'));
    } catch (e) {
      o.stderr.write(`mddb: cannot read ${f}: ${fsReason(e)}\n`);
      return 2;
    }
  }
  if (o.stdin !== undefined) scripts.push(o.stdin);

  let session;
  try {
    session = openScriptSession(model, o.dumpPath, undefined, o.syntax);
  } catch (e) {
    // the modules read the dump as they load (one walker per kmem cache)
    o.stderr.write(`mddb: ${message(e)}\n`);
    return 2;
  }
  const doc: CommandJson[] = [];
  let failed = false;
  outer: for (const script of scripts) {
    for await (const { result: r } of runScript(session, script, { json: o.json })) {
      if (!r.ok) failed = true;
      if (o.json) doc.push(...(r.json as CommandJson[]));
      else {
        if (r.output) o.stdout.write(r.output);
        for (const e of r.errors) o.stderr.write(e + '\n');
      }
      if (r.quit) break outer;
    }
  }
  if (o.json) o.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  return failed ? 1 : 0;
}
