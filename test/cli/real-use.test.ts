/*
 * The debugger as a user runs it from a shell: the real binary, with stdin a
 * slow pipe, stdout a pipe, a shell pipe under --json, mistyped subcommands,
 * hostile strings in a dump. Issue #10's bugs list and #13's terminal item.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDump } from '../../src/dump/write.js';
import { fakeDump } from '../support/dump-builder.js';

const BIN = path.resolve('dist/cli/main.js');
const DUMP = path.resolve('dumps/illumos-2911.dump');
const env = { ...process.env, CI: 'true' };

function mddb(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, ...(input !== undefined ? { input } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the binary with stdin a pipe fed by `feed`, which writes lines over time. */
function mddbFed(args: string[], feed: (w: (s: string) => void, end: () => void) => void, onData: () => void = () => {}): Promise<{ status: number | null; stdout: string; stderr: string; times: number[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const t0 = Date.now();
    const times: number[] = [];
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      times.push(Date.now() - t0);
      onData();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr, times }));
    feed((s) => child.stdin.write(s), () => child.stdin.end());
  });
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-real-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('standard input is read as a stream', () => {
  it('runs the lines already waiting on stdin when the dump has loaded (`mddb DUMP < script`)', () => {
    // every line is in the pipe before the dump and its modules have loaded: none may be lost
    const r = mddb([DUMP], '::status\n::sizeof kmem_cache_t\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^debugging crash dump .*illumos-2911\.dump/);
    expect(r.stdout).toMatch(/sizeof \(kmem_cache_t\) = /);
    const f = mddb([path.resolve('dumps/freebsd-248008-btalloc.dump')], 'show panic\nps\n');
    expect(f.status).toBe(0);
    expect(f.stdout).toMatch(/^panicstr not set\n {2}pid {2}ppid/);
  });

  it('runs commands that arrive late on a pipe (no EAGAIN), each as its line arrives', async () => {
    let answered: () => void = () => {};
    const firstOutput = new Promise<void>((r) => (answered = r));
    const r = await mddbFed(
      [DUMP],
      (w, end) => {
        setTimeout(() => w('::status\n'), 300);
        // the next line is written only once ::status has answered: it ran as its line arrived
        void firstOutput.then(() => {
          w('$q\n');
          end();
        });
      },
      () => answered(),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^debugging crash dump .*illumos-2911\.dump/);
  });
});

describe('--json', () => {
  it('refuses a shell pipe in one line instead of dropping it', () => {
    const r = mddb([DUMP, '--json', '-e', '::kmem_cache ! grep blkdev']);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { commands: Array<{ ok: boolean; errors: Array<{ message: string }>; results: unknown[] }> };
    expect(doc.commands[0]!.ok).toBe(false);
    expect(doc.commands[0]!.results).toEqual([]);
    expect(doc.commands[0]!.errors[0]!.message).toMatch(/! .*--json/);
  });
});

describe('subcommands and help', () => {
  it('mddb help and mddb help simulate print help and exit 0', () => {
    const top = mddb(['help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/^Usage: mddb /);
    const sim = mddb(['help', 'simulate']);
    expect(sim.status).toBe(0);
    expect(sim.stdout).toMatch(/^Usage: mddb simulate /);
  });
  it('offers "did you mean" for a mistyped subcommand', () => {
    const r = mddb(['simulat', 'illumos-2911']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("mddb: simulat: no such file, and not a command (did you mean 'mddb simulate'?)\n");
  });
  it("reports commander's option errors as one mddb: line, exit 2", () => {
    const fb = path.resolve('dumps/freebsd-248008-btalloc.dump');
    const bad = mddb(['--syntax', 'foo', fb, '-e', 'ps']);
    expect(bad).toEqual({ status: 2, stdout: '', stderr: "mddb: option '--syntax <grammar>' argument 'foo' is invalid. Allowed choices are mdb, ddb.\n" });
    expect(mddb(['--jsn', DUMP])).toEqual({ status: 2, stdout: '', stderr: "mddb: unknown option '--jsn' (did you mean --json?)\n" });
    expect(mddb(['-e'])).toEqual({ status: 2, stdout: '', stderr: "mddb: option '-e, --eval <commands>' argument missing\n" });
    expect(mddb(['simulate'])).toEqual({ status: 2, stdout: '', stderr: "mddb: missing required argument 'scenario'\n" });
    expect(mddb(['scenarios', '--x'])).toEqual({ status: 2, stdout: '', stderr: "mddb: unknown option '--x'\n" });
  });
  it('a dcmd missing its required address is an error: stderr only, exit 1', () => {
    const fb = path.resolve('dumps/freebsd-248008-btalloc.dump');
    expect(mddb([fb, '-e', 'show vmem'])).toEqual({ status: 1, stdout: '', stderr: 'usage: show vmem <addr>\n' });
    expect(mddb([fb, '-e', 'show vmemdump', '-e', 'show vmem c0b04500']).status).toBe(1);
    expect(mddb(['--syntax', 'mdb', fb, '-e', '::vmem_summ'])).toEqual({ status: 1, stdout: '', stderr: "Usage: address::vmem_summ\nmdb: try '::help vmem_summ' for more information\n" });
  });
  it('--help shows no "(default: [])" for repeatable options', () => {
    const r = mddb(['--help']);
    expect(r.stdout).toContain('--eval <commands>');
    expect(r.stdout).not.toContain('(default: [])');
    expect(mddb(['simulate', '--help']).stdout).not.toContain('(default: [])');
  });
  it('$<file errors name the reason, not a ::help page that does not exist', () => {
    const r = mddb([DUMP, '-e', '$<' + path.join(dir, 'nope.mdb')]);
    expect(r.stderr).toBe(`mdb: failed to open ${path.join(dir, 'nope.mdb')}: no such file or directory\n`);
  });
});

describe('mddb simulate', () => {
  it('exits 3 on a panic, 0 when the run completes, with a --json report', () => {
    const p = mddb(['simulate', 'illumos-2911', '-q']);
    expect(p.status).toBe(3);
    const ok = mddb(['simulate', 'illumos-2911', '--fix', '679ac15', '--json']);
    expect(ok.status).toBe(0);
    const rep = JSON.parse(ok.stdout) as { schemaVersion: number; outcome: string; exitCode: number };
    expect(rep).toMatchObject({ schemaVersion: 1, outcome: 'completed', exitCode: 0 });
  });
  it('says in one line that a directory is not a scenario or a dump file', () => {
    const a = mddb(['simulate', dir + '/']);
    expect(a.status).toBe(2);
    expect(a.stderr).toBe(`mddb: ${dir}/: is a directory, not a scenario file\n`);
    const b = mddb(['simulate', 'illumos-2911', '-q', '-o', dir + '/']);
    expect(b.status).toBe(2);
    expect(b.stderr).toBe(`mddb: ${dir}/: is a directory (give -o a file name)\n`);
  });
});

describe('strings from a dump reach the terminal visibly', () => {
  it('prints control characters as \\x escapes in text, and keeps them in --json', () => {
    const m = fakeDump();
    const evil = path.join(dir, 'evil.dump');
    writeDump(evil, { ...m, header: { ...m.header, hostname: 'host\x1b]0;pwned\x07' } });
    const t = mddb([evil, '-e', '::status']);
    expect(t.status).toBe(0);
    expect(t.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(t.stdout).toContain('from host\\x1b]0;pwned\\x07\n');
    const j = mddb([evil, '--json', '-e', '::status']);
    expect(j.stdout).toContain('host\\u001b]0;pwned\\u0007');
  });
});

describe('a reader that goes away', () => {
  it('ends mddb quietly whatever is printing: help, the scenario list', () => {
    for (const args of ['help simulate', 'scenarios', '--help']) {
      const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${BIN}" ${args} | head -1`], { encoding: 'utf8' });
      expect(r.stdout.split('\n').filter((l) => l !== '').length).toBe(1);
      expect(r.stderr).toBe('');
    }
  });
});
