import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../src/mdb/parse/parser.js';
import { fakeSession } from '../support/mdb-session.js';
import { runShell } from '../../src/cli/shell.js';

describe('cmd ! shellcmd', () => {
  it('parses the rest of the command as the shell command', () => {
    expect(parsePipeline('::walk foo | ::print foo_t ! grep x | wc -l').shell).toBe('grep x | wc -l');
    expect(parsePipeline('::dcmds').shell).toBeUndefined();
  });

  it('hands the text output to the shell hook and prints what it returns', async () => {
    const seen: Array<[string, string]> = [];
    const s = fakeSession([], { shell: (cmd, input) => (seen.push([cmd, input]), `${input.split('\n').length - 1} lines\n`) });
    const r = await s.execute('::walkers ! wc -l');
    expect(r.ok).toBe(true);
    expect(seen[0]![0]).toBe('wc -l');
    expect(seen[0]![1]).toMatch(/^foo +- /m);
    expect(r.output).toMatch(/^\d+ lines\n$/);
  });

  it('without a hook it is one mdb: error', async () => {
    const r = await fakeSession().execute('::walkers ! cat');
    expect(r.errors).toEqual(['mdb: shell escapes (!) are not available here']);
  });

  it('the CLI hook runs /bin/sh with the output on stdin', async () => {
    expect(await runShell('grep b', 'a\nb\nc\n')).toBe('b\n');
    // a command that stops reading early (head) is not an error
    expect(await runShell('head -1', 'x\n'.repeat(200_000))).toBe('x\n');
  });
});
