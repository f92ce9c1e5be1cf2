/*
 * Batch mode (`mddb <dump> -e cmd -f file`, or commands on standard input),
 * mdb -e style: open the dump, run each command line in order, print output
 * on stdout as it is produced and each error line on stderr, keep going after
 * a failure. Exit status: 0 if every command succeeded, 1 if any failed, 2 if
 * the dump could not be opened (or a command file could not be read).
 *
 * Standard input is read as a stream, a line at a time, each line run as it
 * arrives (as `mdb < script` does), so `(sleep 1; echo ::status) | mddb DUMP`
 * works and a long pipe of commands never sits in memory.
 *
 * --json prints one document, {schemaVersion, dump, commands: [{command, ok,
 * results, errors: [{message}]}]} (src/mdb/render/json-schema.json);
 * --jsonl prints one such command record per line as each command finishes.
 * No ink here: batch must start fast and work without a terminal.
 */
import fs from 'node:fs';
import { readDump } from '../dump/read.js';
import type { ExecResult } from '../mdb/api.js';
import type { CommandJson } from '../mdb/session-core.js';
import { loadModulesFor } from '../mdb/modules/load.js';
import { JSON_SCHEMA_VERSION, commandRecord } from '../mdb/render/json.js';
import { openScriptSessionWith, runLines, runScript, type LineRun } from './script.js';
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
  /** commands read from standard input, run last: the whole text, or lines as they arrive */
  stdin?: string | AsyncIterable<string>;
  json: boolean;
  /** --jsonl: one JSON command record per line, written as each command ends */
  jsonl?: boolean;
  /** the grammar (--syntax); default from the dump's OS */
  syntax?: 'mdb' | 'ddb';
  /** stdout is a terminal with colour on (not --no-color, no NO_COLOR): non-zero alloc fail and bars are coloured */
  color?: boolean;
  stdout: TextSink;
  stderr: TextSink;
  /** fires when the reader of stdout has gone (EPIPE): stop producing */
  signal?: AbortSignal;
}

/**
 * Text for stdout gathered while the engine runs synchronously and written
 * in one piece when it yields to the event loop (it does every 256 KiB of
 * output and every few hundred loop iterations), at the end of each command
 * line and before anything goes to stderr: a walk piped into a dcmd makes a
 * write per element otherwise (65,536 for ::page over every page). Rows
 * still reach a reader as the command streams them, a yield at a time.
 */
class Coalescer {
  private parts: string[] = [];
  private size = 0;
  private scheduled = false;
  constructor(private readonly sink: TextSink) {}
  write(t: string): void {
    if (t === '') return;
    this.parts.push(t);
    this.size += t.length;
    if (this.size >= 1 << 16) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const t = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.sink.write(t);
  }
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

  const modules = await loadModulesFor(model.header.os);
  let session;
  try {
    session = openScriptSessionWith(model, o.dumpPath, modules, undefined, o.syntax);
  } catch (e) {
    // the modules read the dump as they load (one walker per kmem cache)
    o.stderr.write(`mddb: ${message(e)}\n`);
    return 2;
  }
  const json = o.json || o.jsonl === true;
  const out = new Coalescer(o.stdout);
  const commands: unknown[] = [];
  let failed = false;
  const execOpts = {
    json,
    // text streams to stdout as the dcmds produce it
    ...(json ? {} : { onOutput: (t: string) => out.write(t) }),
    ...(o.color && !json ? { color: true } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const take = (r: ExecResult): boolean => {
    if (!r.ok) failed = true;
    if (json) {
      for (const rec of r.json as CommandJson[]) {
        const c = commandRecord(rec);
        if (o.jsonl) o.stdout.write(JSON.stringify(c) + '\n');
        else commands.push(c);
      }
    } else {
      if (r.output) out.write(r.output);
      out.flush();
      for (const e of r.errors) o.stderr.write(e + '\n');
    }
    return r.quit || o.signal?.aborted === true;
  };
  const sources: Array<AsyncIterable<LineRun>> = scripts.map((s) => runScript(session, s, execOpts));
  if (typeof o.stdin === 'string') sources.push(runScript(session, o.stdin, execOpts));
  else if (o.stdin !== undefined) sources.push(runLines(session, o.stdin, execOpts));
  try {
    outer: for (const src of sources) {
      for await (const { result } of src) if (take(result)) break outer;
    }
  } finally {
    out.flush();
  }
  if (o.json && !o.jsonl) o.stdout.write(JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, dump: o.dumpPath, commands }, null, 2) + '\n');
  return failed ? 1 : 0;
}
