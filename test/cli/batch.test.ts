import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch, type BatchOptions } from '../../src/cli/batch.js';
import { writeDump } from '../../src/dump/write.js';
import { fakeDump } from '../support/dump-builder.js';

let dir: string;
let dump: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-batch-'));
  dump = path.join(dir, 'fake.dump');
  writeDump(dump, fakeDump());
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function batch(o: Partial<BatchOptions>): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runBatch({
    dumpPath: dump,
    commands: [],
    files: [],
    json: false,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    ...o,
  });
  return { status, stdout, stderr };
}

describe('runBatch', () => {
  it('runs -e commands in order and exits 0 when all succeed', async () => {
    const r = await batch({ commands: ['::sizeof foo_t', 'kmem_flags/X; 0t5=D'] });
    expect(r).toEqual({ status: 0, stdout: `sizeof (foo_t) = 0x28\nkmem_flags:\nkmem_flags:     f               \n${' '.repeat(16)}5               \n`, stderr: '' });
  });
  it('prints each error on stderr, keeps going, and exits 1', async () => {
    const r = await batch({ commands: ['::nope', '::sizeof foo_t; ::walk bar'] });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('sizeof (foo_t) = 0x28\n');
    expect(r.stderr).toBe("mdb: invalid command '::nope': unknown dcmd name\nmdb: failed to perform walk: unknown walk name\n");
  });
  it('runs -f files after -e, then stdin, and stops at $q', async () => {
    const f = path.join(dir, 'cmds.mdb');
    fs.writeFileSync(f, '1=K\n$q\n2=K\n');
    const r = await batch({ commands: ['0=K'], files: [f], stdin: '3=K\n' });
    expect(r.stdout).toBe(`${' '.repeat(16)}0               \n${' '.repeat(16)}1               \n`);
    expect(r.status).toBe(0);
    const missing = await batch({ files: [path.join(dir, 'missing.mdb')] });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^mddb: cannot read .*missing\.mdb: no such file or directory\n$/);
  });
  it('supports $< with files read by the CLI', async () => {
    const f = path.join(dir, 'macro.mdb');
    fs.writeFileSync(f, '::sizeof kmem_cache_t\n');
    expect((await batch({ commands: [`$<${f}`] })).stdout).toBe('sizeof (kmem_cache_t) = 0x88\n');
  });
  it('exits 2 with one mddb: line when the dump cannot be opened', async () => {
    const bad = path.join(dir, 'bad.dump');
    fs.writeFileSync(bad, 'not a dump at all');
    const r = await batch({ dumpPath: bad, commands: ['::help'] });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^mddb: cannot open .*bad\.dump: /);
    expect((await batch({ dumpPath: path.join(dir, 'none.dump') })).status).toBe(2);
  });
  it('prints one JSON document with --json', async () => {
    const r = await batch({ commands: ['ffffff01e0000000::print foo_t foo_next | ::eval .=J', '::nope'], json: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.schemaVersion).toBe(2);
    expect(doc.commands).toEqual([
      { command: 'ffffff01e0000000::print foo_t foo_next | ::eval .=J', ok: true, errors: [], results: [{ type: 'values', values: [{ format: 'J', bytes: 8, value: '0xffffff01e0000040', text: 'ffffff01e0000040' }] }] },
      { command: '::nope', ok: false, errors: [{ message: "mdb: invalid command '::nope': unknown dcmd name" }], results: [] },
    ]);
  });
});

describe('runBatch on a FreeBSD dump (ddb syntax by default)', () => {
  let fdump: string;
  beforeAll(async () => {
    const { freebsdDump } = await import('../mdb/modules/freebsd/fixture.js');
    fdump = path.join(dir, 'freebsd.dump');
    // without frames: dump/validate.ts still checks thread_row against kthread_t only
    const m = freebsdDump(true);
    writeDump(fdump, { ...m, tables: m.tables.filter((t) => t.name !== 'frames') });
  });

  it('runs ddb commands, and mdb ones with --syntax mdb', async () => {
    const r = await batch({ dumpPath: fdump, commands: ['show panic', 'sh uma/i'] });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^panic: uma_zone_slab is looping\nZone,Size,Used,Free,Requests\n/);
    const m = await batch({ dumpPath: fdump, commands: ['::panicinfo'], syntax: 'mdb' });
    expect(m).toEqual({ status: 0, stdout: 'panic: uma_zone_slab is looping\n', stderr: '' });
    const bad = await batch({ dumpPath: fdump, commands: ['show panic'], syntax: 'mdb' });
    expect(bad.status).toBe(1);
  });

  it('says No such command on stderr and exits 1', async () => {
    const r = await batch({ dumpPath: fdump, commands: ['frobnicate', 'show panic'] });
    expect(r).toEqual({ status: 1, stdout: 'panic: uma_zone_slab is looping\n', stderr: 'No such command; use "help" to list available commands\n' });
  });

  it('repeats the last command on an empty line of a script, but not for the final newline', async () => {
    const f = path.join(dir, 'repeat.ddb');
    fs.writeFileSync(f, 'show panic\n\n');
    expect((await batch({ dumpPath: fdump, files: [f] })).stdout).toBe('panic: uma_zone_slab is looping\n');
    fs.writeFileSync(f, 'show panic\n\nshow msgbuf\n');
    expect((await batch({ dumpPath: fdump, files: [f] })).stdout).toBe('panic: uma_zone_slab is looping\n'.repeat(2) + 'Copyright (c) 1992-2004 The FreeBSD Project.\npanic: uma_zone_slab is looping\n');
  });

  it('gives --json results for ddb commands', async () => {
    const r = await batch({ dumpPath: fdump, commands: ['ps'], json: true });
    const doc = JSON.parse(r.stdout) as { commands: Array<{ command: string; ok: boolean }> };
    expect(doc.commands[0]).toMatchObject({ command: 'ps', ok: true });
  });
});

describe('::log and $> keep a transcript', () => {
  it('appends the commands (with -e) and their output and errors until ::log -d', async () => {
    const log = path.join(dir, 'session.log');
    fs.writeFileSync(log, 'kept\n');
    const r = await batch({ commands: [`::log -e ${log}`, '::sizeof foo_t', '::nope', '::log', '::log -d', '0=K'] });
    expect(r.stdout).toBe(`sizeof (foo_t) = 0x28\nlogging to "${log}"\n${' '.repeat(16)}0               \n`);
    expect(fs.readFileSync(log, 'utf8')).toBe(
      `kept\n> ::sizeof foo_t\nsizeof (foo_t) = 0x28\n> ::nope\nmdb: invalid command '::nope': unknown dcmd name\n> ::log\nlogging to "${log}"\n> ::log -d\n`,
    );
  });
  it('$> FILE logs like ::log -e, $> alone stops', async () => {
    const log = path.join(dir, 'dollar.log');
    await batch({ commands: [`$>${log}`, '1=K', '$>', '2=K'] });
    expect(fs.readFileSync(log, 'utf8')).toBe(`> 1=K\n${' '.repeat(16)}1               \n> $>\n`);
  });
});
