/*
 * The README's transcripts are real output: in every fenced block, each
 * `$ npx mddb ...` command is run on the committed dumps and must print the
 * lines shown under it (a `...` line stands for lines left out).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { outputLines, shownParts, words } from '../src/tools/readme-transcript.js';

interface Shown {
  args: string[];
  lines: string[];
}

function transcript(): Shown[] {
  const readme = fs.readFileSync('README.md', 'utf8');
  const shown: Shown[] = [];
  for (const block of readme.matchAll(/^```\n([\s\S]*?)^```$/gm)) {
    let inCommand = false;
    for (const line of block[1]!.split('\n')) {
      if (line.startsWith('$ npx mddb ')) {
        shown.push({ args: words(line.slice('$ npx mddb '.length)), lines: [] });
        inCommand = true;
      } else if (line !== '' && inCommand) shown[shown.length - 1]!.lines.push(line);
    }
  }
  return shown;
}

describe('README transcript', () => {
  const shown = transcript();
  it('has commands to check', () => expect(shown.length).toBeGreaterThan(0));
  it.each(shown.map((s) => [s.args.join(' '), s] as const))('%s prints what the README shows', (_name, s) => {
    const r = spawnSync(process.execPath, [path.resolve('dist/cli/main.js'), ...s.args], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const actual = outputLines(r.stdout);
    const { head, tail } = shownParts(s.lines);
    if (tail === null) expect(actual).toEqual(head);
    else {
      expect(actual.slice(0, head.length)).toEqual(head);
      expect(actual.slice(actual.length - tail.length)).toEqual(tail);
    }
  });
});
