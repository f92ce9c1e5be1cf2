// The compiled REPL (dist/cli/repl.js, built by the global setup) in a real
// pseudo-terminal over a canned session: pager, ^C, spinner, colour switch,
// history file and exit status, independent of the engine.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnInPty, type PtyScreen } from './pty-screen.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = path.join(root, 'test/ui/fixtures/fake-repl-main.mjs');
const ready = fs.existsSync(path.join(root, 'dist/cli/repl.js')) && fs.existsSync(path.join(root, 'dist/ui/app.js'));

let term: PtyScreen | undefined;
let dir: string;
afterEach(() => {
  term?.kill();
  term = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(args: string[] = [], extraEnv: Record<string, string> = {}): { term: PtyScreen; history: string } {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-ptyfake-'));
  const history = path.join(dir, 'history');
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', MDDB_HISTORY: history, ...extraEnv };
  // ink must not think it runs in CI; chalk must see a colour terminal
  delete env['CI'];
  for (const k of Object.keys(env)) if (k.startsWith('CI_') || k === 'CONTINUOUS_INTEGRATION') delete env[k];
  delete env['FORCE_COLOR'];
  if (!('NO_COLOR' in extraEnv)) delete env['NO_COLOR'];
  term = spawnInPty(process.execPath, [fixture, ...args], { cwd: root, env, cols: 100, rows: 30 });
  return { term, history };
}

const endsAtPrompt = (s: string): boolean => /\n> ?$/.test(s);

describe.skipIf(!ready)('compiled REPL in a pty (canned session)', () => {
  it('runs commands, pages, interrupts, and leaves with status 0', async () => {
    const { term, history } = start();
    await term.waitFor((s) => s.startsWith('mddb: fake.dump (host ptyhost, illumos 5.11) panic: boom') && endsAtPrompt(s), 'header and prompt');

    term.write('::status');
    await term.waitFor((s) => s.includes('> ::status'), 'typed text');
    term.write('\r');
    await term.waitFor((s) => /> ::status\ndebugging crash dump .*\npanic message: boom\n> ?$/.test(s), '::status output');

    // 30 rows: 29 rows of output, then the pager's question on the last row
    term.write('::echo 100\r');
    await term.waitFor((s) => /line 29\n>> More \[<space>, <cr>, q, n, c, a\] \?$/.test(s), 'the pager');
    expect(term.screen()).not.toContain('line 30');
    term.write(' ');
    await term.waitFor((s) => /line 58\n>> More/.test(s), 'the second page');
    term.write('q');
    await term.waitFor((s) => /line 58\n> ?$/.test(s), 'the prompt after q');

    term.write('::slow\r');
    await term.waitFor((s) => s.includes('working…'), 'the working indicator');
    term.write('\x03');
    await term.waitFor((s) => /> ::slow\nmdb: interrupted\n> ?$/.test(s), 'the interrupted command');

    term.write('::echo 3000\r');
    await term.waitFor((s) => s.endsWith('?'), 'the pager again');
    term.write('c');
    await term.waitFor((s) => /line 2999\nline 3000\n> ?$/.test(s), 'the rest, unpaged');

    term.write('::kmas\t');
    await term.waitFor((s) => /\n> ::kmastat ?$/.test(s), 'completion');
    term.write('\x15$q');
    await term.waitFor((s) => /\n> \$q$/.test(s), 'the quit command');
    term.write('\r');
    expect(await term.exited()).toBe(0);
    expect(fs.readFileSync(history, 'utf8')).toBe('::status\n::echo 100\n::slow\n::echo 3000\n$q\n');
  });

  it('uses colour on a colour terminal, none with NO_COLOR or --no-color', async () => {
    const sgrRed = '\x1b[31m';
    for (const [args, env, coloured] of [
      [[], {}, true],
      [[], { NO_COLOR: '1' }, false],
      [['--no-color'], {}, false],
    ] as const) {
      const { term: t } = start([...args], { ...env });
      await t.waitFor(endsAtPrompt, 'the prompt');
      t.write('::nope');
      await t.waitFor((s) => s.includes('> ::nope'), 'typed text');
      t.write('\r');
      await t.waitFor((s) => s.includes("mdb: invalid command '::nope'"), 'the error line');
      expect(t.raw().includes(sgrRed), `colour with ${JSON.stringify({ args, env })}`).toBe(coloured);
      t.write('\x04'); // ^D on an empty line leaves
      expect(await t.exited()).toBe(0);
      t.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
