// The REPL keys mdb and shell users reach for (issue #10), each in a real
// pseudo-terminal of fixed size with the real binary: completion of struct
// members, cache names and dcmds (Tab on an empty line, a list printed once),
// ^T, ^R, ^L and ^Z.
import { afterEach, describe, expect, it } from 'vitest';
import { childEnv, dump, main, ready, root, spawnInPty, type PtyScreen } from './pty-screen.js';

let term: PtyScreen | undefined;
afterEach(() => {
  term?.kill();
  term = undefined;
});

async function repl(): Promise<PtyScreen> {
  const t = spawnInPty(process.execPath, [main, dump], { cwd: root, env: childEnv(), cols: 100, rows: 30 });
  await t.waitFor((s) => /^> ?$/m.test(s), 'the first prompt');
  return t;
}
const lastLine = (s: string): string => s.split('\n').pop() ?? '';
const count = (s: string, sub: string): number => s.split(sub).length - 1;

describe.skipIf(!ready)('REPL keys in a pty', () => {
  it('Tab completes a struct member after its type', async () => {
    term = await repl();
    term.write('::print kmem_cache_t cache_n\t');
    await term.waitFor((s) => lastLine(s) === '> ::print kmem_cache_t cache_name', 'the member completed');
  });

  it('Tab completes cache names after ::kmem_cache -n and lists them once, however often Tab is pressed', async () => {
    term = await repl();
    term.write('::kmem_cache -n blk\t');
    await term.waitFor((s) => s.includes('blkdev0_xfer') && s.includes('blkdev1_xfer'), 'the cache names');
    term.write('\t');
    term.write('\t');
    await term.waitFor((s) => lastLine(s) === '> ::kmem_cache -n blkdev', 'the common prefix');
    await new Promise((r) => setTimeout(r, 300));
    expect(count(term.screen(), 'blkdev0_xfer')).toBe(1);
  });

  it('Tab on an empty line lists the dcmds', async () => {
    term = await repl();
    term.write('\t');
    await term.waitFor((s) => s.includes('::kmastat') && s.includes('::status') && lastLine(s) === '> ::', 'the dcmd list');
  });

  it('^T transposes the characters before the cursor', async () => {
    term = await repl();
    term.write('::statsu\x14');
    await term.waitFor((s) => lastLine(s) === '> ::status', 'the swapped letters');
  });

  it('^R searches history back as you type; Enter runs the line found', async () => {
    term = await repl();
    term.write('::sizeof kmem_cache_t\r');
    await term.waitFor((s) => s.includes('sizeof (kmem_cache_t) = '), 'the first command');
    term.write('::status\r');
    await term.waitFor((s) => s.includes('debugging crash dump'), 'the second command');
    term.write('\x12siz');
    await term.waitFor((s) => lastLine(s).startsWith("(reverse-i-search)'siz': ::sizeof kmem_cache_t"), 'the search prompt and match');
    term.write('\r');
    await term.waitFor((s) => count(s, 'sizeof (kmem_cache_t) = ') === 2, 'the found line run again');
  });

  it('^L clears the screen and redraws the prompt on the top row', async () => {
    term = await repl();
    term.write('::status\r');
    await term.waitFor((s) => s.includes('debugging crash dump'), '::status output');
    term.write('::siz\x0c');
    await term.waitFor(() => term!.raw().includes('\x1b[2J'), 'the clear');
    await term.waitFor((s) => s.split('\n').some((l) => l === '> ::siz'), 'the prompt redrawn');
  });

  it('^Z suspends to the shell and fg resumes the REPL', async () => {
    // under an interactive shell, as a user runs it: job control needs a parent shell
    const env = { ...childEnv(), PS1: 'sh$ ' };
    term = spawnInPty('/bin/bash', ['--norc', '--noprofile', '-i'], { cwd: root, env, cols: 100, rows: 30 });
    await term.waitFor((s) => lastLine(s).startsWith('sh$'), 'the shell prompt');
    term.write(`${process.execPath} ${main} ${dump}\r`);
    await term.waitFor((s) => /^> ?$/m.test(s), 'the REPL prompt');
    term.write('\x1a');
    await term.waitFor((s) => /Stopped/.test(s) && lastLine(s).startsWith('sh$'), 'the shell after ^Z');
    term.write('fg\r');
    await new Promise((r) => setTimeout(r, 500));
    term.write('::status\r');
    await term.waitFor((s) => s.includes('debugging crash dump'), 'a command after fg');
    term.write('$q\r');
    await term.waitFor((s) => lastLine(s).startsWith('sh$'), 'the shell again');
    term.write('exit\r');
    expect(await term.exited()).toBe(0);
  });
});
