// End to end: the real binary in a real pseudo-terminal. Runs once the CLI
// (dist/cli/main.js, built by the global setup) and the committed dump exist.
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

const promptRow = /^> ?$/m;

describe('mddb REPL in a pty', () => {
  it.skipIf(!ready)('opens a dump, runs ::status, writes history and leaves on $q with status 0', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-pty-'));
    const history = path.join(dir, 'history');
    term = spawnInPty(process.execPath, [main, dump], { cwd: root, env: childEnv(history), cols: 100, rows: 30 });

    await term.waitFor((s) => promptRow.test(s), 'the first prompt');
    expect(term.screen()).toMatch(/^mddb: .*illumos-2911\.dump \(host /m);

    term.write('::status');
    await term.waitFor((s) => s.includes('> ::status'), 'the typed command');
    term.write('\r');
    // the echo line, some output, and a fresh prompt after it
    await term.waitFor((s) => /> ::status\n[\s\S]+\n> ?$/.test(s), '::status output and a new prompt');

    term.write('$q');
    await term.waitFor((s) => s.includes('> $q'), 'the typed $q');
    term.write('\r');
    expect(await term.exited()).toBe(0);

    expect(fs.readFileSync(history, 'utf8')).toBe('::status\n$q\n');
  });
});

describe('the REPL pager in a pty (issue #10)', () => {
  it.skipIf(!ready)('shows the first screen of a long streaming command while it still runs, and q stops it', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-pty-'));
    const log = path.join(dir, 'after.log');
    term = spawnInPty(process.execPath, [main, dump], { cwd: root, env: childEnv(''), cols: 100, rows: 30 });
    await term.waitFor((s) => promptRow.test(s), 'the first prompt');
    // ::log runs only once the walk of 27,000 bufctls has printed every row: the log file says whether it has
    term.write(`::walk kmem_log | ::bufctl ; ::log ${log}\r`);
    await term.waitFor((s) => s.includes('>> More'), 'the pager at the first screenful');
    expect(term.screen()).toMatch(/ADDR +BUFADDR +TIMESTAMP +THREAD +CALLER/);
    expect(fs.existsSync(log)).toBe(false);
    term.write('q');
    await term.waitFor((s) => /\n> ?$/.test(s), 'the prompt after q');
    term.write('$q\r');
    expect(await term.exited()).toBe(0);
  });
});
