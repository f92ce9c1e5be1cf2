// End to end: the real binary in a real pseudo-terminal. Runs once the CLI
// (dist/cli/main.js, built by the global setup) and the committed dump exist.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnInPty, type PtyScreen } from './pty-screen.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const main = path.join(root, 'dist/cli/main.js');
const dump = path.join(root, 'dumps/illumos-2911.dump');
const ready = fs.existsSync(main) && fs.existsSync(dump);

/** The child's environment: a real-looking terminal, not CI (peers.md §4.3 item 1). */
function childEnv(historyFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', CI: 'false', MDDB_HISTORY: historyFile };
  delete env['NO_COLOR'];
  delete env['FORCE_COLOR'];
  return env;
}

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
