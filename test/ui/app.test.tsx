import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { KEY, renderApp, tick } from './app-harness.js';
import { INTERRUPT_HINT } from '../../src/ui/hooks/use-repl.js';
import { MORE_PROMPT } from '../../src/ui/pager-state.js';

afterEach(() => {
  cleanup();
});

describe('<App> basics', () => {
  it('shows the header and the prompt', async () => {
    const app = renderApp();
    await tick();
    expect(app.frame()).toContain('mddb: dumps/fake.dump (host testhost, illumos 5.11) panic: kernel heap corruption detected');
    expect(app.lastLine()).toBe('>');
  });

  it('runs a command: echo line, output, then the prompt again', async () => {
    const app = renderApp();
    await app.run('::echo 3');
    expect(app.session.lines).toEqual(['::echo 3']);
    const f = app.frame();
    expect(f).toContain('> ::echo 3\nline 1\nline 2\nline 3');
    expect(app.lastLine()).toBe('>');
  });

  it('prints error lines after the output, exactly as the engine gave them', async () => {
    const app = renderApp();
    await app.run('::both');
    expect(app.frame()).toContain('> ::both\nsome output\nmdb: both: something failed');
    await app.run('::err');
    expect(app.frame()).toContain("> ::err\nmdb: invalid command '::err': unknown dcmd name");
  });

  it('edits the line: arrows, home/end, ^A/^E, backspace, delete, ^U, ^W', async () => {
    const app = renderApp();
    await app.type('::eco 2', KEY.home, KEY.ctrlE, KEY.left, KEY.left, KEY.left, 'h');
    expect(app.lastLine()).toBe('> ::echo 2');
    await app.type(KEY.ctrlA, KEY.delete, KEY.delete, KEY.right, KEY.backspace);
    expect(app.lastLine()).toBe('> cho 2');
    await app.type(KEY.ctrlE, KEY.ctrlW);
    expect(app.lastLine()).toBe('> cho');
    await app.type(KEY.ctrlU, '::echo 1', KEY.enter);
    await tick();
    expect(app.session.lines).toEqual(['::echo 1']);
  });

  it('switches prompts when the engine does', async () => {
    const app = renderApp();
    await app.run('::ddb');
    expect(app.lastLine()).toBe('db>');
  });
});

describe('<App> history', () => {
  it('up recalls the last command and down returns to the draft', async () => {
    const app = renderApp();
    await app.run('::echo 1');
    await app.run('::echo 2');
    await app.type('draft', KEY.up);
    expect(app.lastLine()).toBe('> ::echo 2');
    await app.type(KEY.up);
    expect(app.lastLine()).toBe('> ::echo 1');
    await app.type(KEY.down, KEY.down);
    expect(app.lastLine()).toBe('> draft');
  });

  it('persists to the history file and loads it in the next session', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-app-'));
    const file = path.join(dir, 'history');
    try {
      const first = renderApp({ historyFile: file });
      await first.run('::echo 1');
      await first.run('::status');
      expect(fs.readFileSync(file, 'utf8')).toBe('::echo 1\n::status\n');
      cleanup();
      const second = renderApp({ historyFile: file });
      await second.type(KEY.up);
      expect(second.lastLine()).toBe('> ::status');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps running when the history file cannot be written', async () => {
    const app = renderApp({ historyFile: path.join(os.tmpdir(), 'no-such-dir-mddb', 'x', 'h') });
    await app.run('::echo 1');
    await app.run('::echo 2');
    const f = app.frame();
    expect(f).toContain('line 1');
    expect(f.match(/cannot write history file/g)).toHaveLength(1); // said once
    await app.type(KEY.up);
    expect(app.lastLine()).toBe('> ::echo 2'); // still in memory
  });
});

describe('<App> completion', () => {
  it('Tab completes a unique dcmd name', async () => {
    const app = renderApp();
    await app.type('::kmas', KEY.tab);
    expect(app.lastLine()).toBe('> ::kmastat');
  });

  it('Tab extends to the common prefix and lists the candidates', async () => {
    const app = renderApp();
    await app.type('::km', KEY.tab);
    expect(app.lastLine()).toBe('> ::km');
    // listed under an echo of the line, in columns as wide as the longest name + 2
    expect(app.frame()).toContain('> ::km\nkmastat     kmausers    kmem_cache\n');
    await app.type('a', KEY.tab);
    expect(app.frame()).toContain('> ::kma\nkmastat   kmausers\n');
    expect(app.lastLine()).toBe('> ::kma');
  });
});

describe('<App> pager', () => {
  it('pages long output and q stops it', async () => {
    const app = renderApp({ rows: 10 });
    await app.run('::echo 50 E');
    let f = app.frame();
    expect(f).toContain('line 9\n' + MORE_PROMPT);
    expect(f).not.toContain('line 10');
    await app.type(' ');
    f = app.frame();
    expect(f).toContain('line 18\n' + MORE_PROMPT);
    expect(f).not.toContain('line 19');
    await app.type(KEY.enter);
    expect(app.frame()).toContain('line 19\n' + MORE_PROMPT);
    await app.type('n');
    expect(app.frame()).toContain('line 20\n' + MORE_PROMPT);
    await app.type('q');
    f = app.frame();
    expect(f).not.toContain('line 21');
    expect(f).not.toContain(MORE_PROMPT);
    expect(f).toContain('line 20\nmdb: echo: trailing error'); // q keeps the error lines
    expect(app.lastLine()).toBe('>');
    await app.run('::echo 1');
    expect(app.session.lines).toEqual(['::echo 50 E', '::echo 1']);
  });

  it('holds a streaming command a screenful ahead of the user, as mdb pauses per screenful', async () => {
    const app = renderApp({ rows: 10 });
    await app.run('::stream 100');
    await app.waitFor(() => app.frame().includes('line 9\n' + MORE_PROMPT));
    // the first screen (9 rows) is shown; the command runs until one more screen is ready, then waits
    await app.waitFor(() => app.session.produced >= 18);
    await tick(50);
    expect(app.session.produced).toBe(18);
    await app.type(' ');
    await app.waitFor(() => app.frame().includes('line 18\n' + MORE_PROMPT));
    await app.waitFor(() => app.session.produced >= 27);
    await tick(50);
    expect(app.session.produced).toBe(27);
    await app.type('c');
    await app.waitFor(() => app.frame().includes('line 100'), 10000);
    expect(app.session.produced).toBe(100);
    await app.waitFor(() => app.lastLine() === '>');
  });

  it('q while a command is held stops it', async () => {
    const app = renderApp({ rows: 10 });
    await app.run('::stream 1000');
    await app.waitFor(() => app.frame().includes('line 9\n' + MORE_PROMPT));
    await app.type('q');
    await app.waitFor(() => app.lastLine() === '>');
    await tick(30);
    expect(app.session.produced).toBeLessThan(30);
    await app.run('::echo 1');
    expect(app.frame()).toContain('> ::echo 1\nline 1');
  });

  it('c prints the rest without paging', async () => {
    const app = renderApp({ rows: 10 });
    await app.run('::echo 30');
    await app.type('c');
    const f = app.frame();
    expect(f).toContain('line 29\nline 30');
    expect(f).not.toContain(MORE_PROMPT);
    expect(app.lastLine()).toBe('>');
  });

  it('a aborts: no more output and no error lines', async () => {
    const app = renderApp({ rows: 10 });
    await app.run('::echo 30 E');
    await app.type('a');
    const f = app.frame();
    expect(f).not.toContain('line 10');
    expect(f).not.toContain('trailing error');
    expect(app.lastLine()).toBe('>');
  });

  it('^C leaves the pager', async () => {
    const app = renderApp({ rows: 10 });
    await app.run('::echo 30');
    await app.type(KEY.ctrlC);
    expect(app.frame()).not.toContain(MORE_PROMPT);
    expect(app.lastLine()).toBe('>');
  });

  it('writes a huge remainder straight to the terminal, in order', async () => {
    const app = renderApp({ rows: 10 });
    await app.run('::echo 2000');
    await app.type('c');
    await tick(10);
    const all = app.frames.join('');
    expect(all).toContain('line 1999\nline 2000\n');
    // the raw write comes after the first page
    expect(all.indexOf('line 2000\n')).toBeGreaterThan(all.indexOf('line 9\n'));
    // (ink's debug mode repaints only on the next render)
    await app.type('x');
    expect(app.lastLine()).toBe('> x');
  });
});

describe('<App> interrupting and leaving', () => {
  it('shows a working indicator, and ^C cancels a slow command', async () => {
    const app = renderApp();
    await app.run('::slow');
    await app.waitFor(() => app.frame().includes('working…'));
    await app.type(KEY.ctrlC);
    await tick();
    expect(app.session.signals[0]?.aborted).toBe(true);
    expect(app.frame()).toContain('> ::slow\nmdb: interrupted');
    expect(app.lastLine()).toBe('>');
  });

  it('detaches a command that ignores the abort', async () => {
    const app = renderApp();
    await app.run('::hang');
    await app.type(KEY.ctrlC);
    await app.waitFor(() => app.lastLine() === '>');
    expect(app.frame()).toContain('> ::hang\nmdb: interrupted');
  });

  it('^C at an empty prompt only shows a hint; on a line it clears it', async () => {
    const app = renderApp();
    await app.type(KEY.ctrlC);
    expect(app.frame()).toContain(INTERRUPT_HINT);
    expect(app.isListening()).toBe(true);
    await app.type('::sta');
    expect(app.frame()).not.toContain(INTERRUPT_HINT);
    await app.type(KEY.ctrlC);
    expect(app.lastLine()).toBe('>');
  });

  it('$q leaves', async () => {
    const app = renderApp();
    await app.run('$q');
    await tick();
    expect(app.isListening()).toBe(false);
    expect(app.frame()).toContain('> $q');
    expect(app.lastLine()).toBe('> $q'); // no prompt after it
  });

  it('::quit leaves after printing its line', async () => {
    const app = renderApp();
    await app.run('::quit');
    await tick();
    expect(app.isListening()).toBe(false);
  });

  it('^D leaves on an empty line and deletes otherwise', async () => {
    const app = renderApp();
    await app.type('ab', KEY.home, KEY.ctrlD);
    expect(app.lastLine()).toBe('> b');
    expect(app.isListening()).toBe(true);
    await app.type(KEY.ctrlE, KEY.ctrlU);
    expect(app.lastLine()).toBe('>');
    await app.type(KEY.ctrlD);
    await tick();
    expect(app.isListening()).toBe(false);
  });
});

describe('<App> pastes and type-ahead', () => {
  it('runs each line of a pasted chunk in order', async () => {
    const app = renderApp();
    await app.type('::echo 1\r::echo 2\r::ech');
    await app.waitFor(() => app.session.lines.length === 2);
    await tick();
    expect(app.frame()).toContain('> ::echo 1\nline 1\n> ::echo 2\nline 1\nline 2');
    expect(app.lastLine()).toBe('> ::ech');
  });

  it('keeps keys typed during a command for the next prompt', async () => {
    const app = renderApp();
    await app.run('::sleep 60');
    await app.type('::echo 1');
    await app.type(KEY.enter);
    await app.waitFor(() => app.session.lines.length === 2);
    await tick();
    expect(app.frame()).toContain('> ::sleep 60\nslept\n> ::echo 1\nline 1');
  });

  it('a pasted line after a paged command waits for the pager', async () => {
    const app = renderApp({ rows: 10 });
    await app.type('::echo 30\r::echo 1\r');
    await tick();
    expect(app.frame()).toContain(MORE_PROMPT);
    expect(app.session.lines).toEqual(['::echo 30']);
    await app.type('q');
    await app.waitFor(() => app.session.lines.length === 2);
  });
});

describe('<App> never crashes', () => {
  it('survives an engine that throws or returns garbage', async () => {
    const app = renderApp();
    await app.run('::throw');
    expect(app.frame()).toContain('mdb: internal error: engine exploded');
    await app.run('::junk');
    await app.run('::echo 1');
    expect(app.frame()).toContain('> ::echo 1\nline 1');
    expect(app.lastLine()).toBe('>');
  });

  it('keeps blank output lines, even a lone one', async () => {
    const session = new (await import('./fake-session.js')).FakeSession();
    session.execute = async (line: string) => ({
      output: line === '::one' ? '\n' : 'a\n\nb\n',
      errors: [],
      json: [],
      ok: true,
      quit: false,
    });
    const app = renderApp({ session });
    await app.run('::one');
    await app.run('::two');
    expect(app.frame()).toContain('> ::one\n\n> ::two\na\n\nb\n>');
  });

  it('shows control characters from the engine in caret form', async () => {
    const session = new (await import('./fake-session.js')).FakeSession();
    session.execute = async () => ({ output: 'a\x1b[2Jb\tc\n', errors: [], json: [], ok: true, quit: false });
    const app = renderApp({ session });
    await app.run('::x');
    expect(app.frame()).toContain('a^[[2Jb c');
  });

  it('asks the engine for colour when colour is on, and shows its SGR highlights', async () => {
    const session = new (await import('./fake-session.js')).FakeSession();
    const seen: boolean[] = [];
    session.execute = async (_line: string, opts?: { color?: boolean }) => {
      seen.push(opts?.color === true);
      return { output: opts?.color === true ? 'fail \x1b[1;31m37\x1b[0m\n' : 'fail 37\n', errors: [], json: [], ok: true, quit: false };
    };
    const coloured = renderApp({ session, color: true });
    await coloured.run('::kmastat');
    // ink re-encodes the SGR (bold and red apart)
    expect(coloured.lastFrame()).toMatch(/\x1b\[(?:1;)?31m37/);
    expect(coloured.frame()).toContain('fail 37');
    coloured.unmount();
    const plain = renderApp({ session });
    await plain.run('::kmastat');
    expect(plain.frame()).toContain('fail 37');
    expect(seen).toEqual([true, false]);
  });
});
