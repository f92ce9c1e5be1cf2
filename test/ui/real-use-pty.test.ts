// The terminal cases of issue #10, with the real binary in a pseudo-terminal:
// stdout piped while stdin is the terminal, --json on a terminal, and Ctrl-C
// reaching a shell command run from the REPL.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnv, dump, main, ready, root, spawnInPty, type PtyScreen } from './pty-screen.js';

let term: PtyScreen | undefined;
let dir: string | undefined;
afterEach(() => {
  term?.kill();
  term = undefined;
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const sh = (cmd: string) => spawnInPty('/bin/sh', ['-c', cmd], { cwd: root, env: childEnv(), cols: 100, rows: 30 });
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('stdin a terminal, stdout not (mddb DUMP | tee log)', () => {
  it.skipIf(!ready)('reads commands from the terminal and writes their output to the pipe', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-tee-'));
    const log = path.join(dir, 'log');
    term = sh(`${q(process.execPath)} ${q(main)} ${q(dump)} | tee ${q(log)}`);
    await term.waitFor((s) => /^> ?$/m.test(s), 'a prompt');
    term.write('::status\r');
    await term.waitFor((s) => s.includes('debugging crash dump'), '::status output');
    term.write('$q\r');
    expect(await term.exited()).toBe(0);
    const text = fs.readFileSync(log, 'utf8');
    expect(text).toMatch(/^debugging crash dump .*illumos-2911\.dump/);
    // the log holds the output, not the prompt or escape codes
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('> ');
  });
});

describe('--json on a terminal without commands', () => {
  it.skipIf(!ready)('refuses in one line instead of opening the REPL', async () => {
    term = spawnInPty(process.execPath, [main, dump, '--json'], { cwd: root, env: childEnv(), cols: 100, rows: 30 });
    expect(await term.exited()).toBe(2);
    expect(term.screen()).toBe('mddb: --json needs commands to run: give -e or -f, or pipe them on standard input');
  });
});

describe('a shell pipe in the REPL', () => {
  it.skipIf(!ready)('runs asynchronously: Ctrl-C kills the shell command and the prompt comes back', async () => {
    term = spawnInPty(process.execPath, [main, dump], { cwd: root, env: childEnv(), cols: 100, rows: 30 });
    await term.waitFor((s) => /^> ?$/m.test(s), 'the first prompt');
    term.write('::status ! sleep 60\r');
    // the spinner turns while the child runs (the event loop is free)
    await term.waitFor((s) => s.includes('working'), 'the busy indicator', 5000);
    term.write('\x03');
    await term.waitFor((s) => /interrupted[\s\S]*\n> ?$/.test(s), 'interrupted and a fresh prompt', 8000);
    term.write('$q\r');
    expect(await term.exited()).toBe(0);
  });
});

describe('a pager after ! in the REPL', () => {
  it.skipIf(!ready)('gets the terminal: less shows the output, q returns to the prompt', async () => {
    const env = { ...childEnv(), LESS: '' };
    term = spawnInPty(process.execPath, [main, dump], { cwd: root, env, cols: 100, rows: 30 });
    await term.waitFor((s) => /^> ?$/m.test(s), 'the first prompt');
    term.write('::status ! less\r');
    await term.waitFor((s) => s.includes('debugging crash dump') && /\(END\)|^:/m.test(s), 'less showing the output');
    term.write('q');
    await term.waitFor((s) => /\n> ?$/.test(s), 'the prompt back');
    term.write('::sizeof kmem_cache_t\r');
    await term.waitFor((s) => s.includes('sizeof (kmem_cache_t) = '), 'the REPL reading keys again');
    term.write('$q\r');
    expect(await term.exited()).toBe(0);
  });
});

describe('colour in the REPL', () => {
  it.skipIf(!ready)('highlights a non-zero alloc fail in ::kmastat, and NO_COLOR turns it off', async () => {
    for (const [env, coloured] of [
      [childEnv(), true],
      [{ ...childEnv(), NO_COLOR: '1' }, false],
    ] as const) {
      // tall enough for the whole table without the pager
      term = spawnInPty(process.execPath, [main, dump], { cwd: root, env, cols: 120, rows: 160 });
      await term.waitFor((s) => /^> ?$/m.test(s), 'the first prompt');
      term.write('::kmastat\r');
      await term.waitFor((s) => /blkdev\d_xfer [\s\S]*\n> ?$/.test(s), 'the table');
      expect(term.screen()).toMatch(/blkdev\d_xfer +\d+ +\d+ +\d+ +\d+[BKMG] +\d+ +[1-9]\d*/);
      // ink re-encodes the highlight's SGR (bold and red apart)
      expect(/\x1b\[(?:1;)?31m *[1-9]/.test(term.raw()), `colour with NO_COLOR=${env['NO_COLOR']}`).toBe(coloured);
      term.write('$q\r');
      expect(await term.exited()).toBe(0);
      term.kill();
      term = undefined;
    }
  });
});
