/*
 * npm run readme:update: the README's transcripts are real output
 * (test/readme.test.ts checks them). After a change to the simulator or a
 * dcmd, this reruns every `$ npx mddb ...` command in a fenced block and, for
 * the commands whose output no longer matches, rewrites the lines shown under
 * them from the real output, keeping as many lines before and after a `...`
 * as were shown. Matching transcripts are left byte for byte; review the diff.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { outputLines, shownParts, words } from './readme-transcript.js';

function output(args: string[]): string[] | null {
  const r = spawnSync(process.execPath, [path.resolve('dist/cli/main.js'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return outputLines(r.stdout);
}

function matches(shown: string[], actual: string[]): boolean {
  const { head, tail } = shownParts(shown);
  const eq = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  if (tail === null) return eq(head, actual);
  return eq(actual.slice(0, head.length), head) && eq(actual.slice(actual.length - tail.length), tail);
}

function rewrite(shown: string[], actual: string[]): string[] {
  const { head, tail } = shownParts(shown);
  if (tail === null || head.length + tail.length >= actual.length) return actual;
  return [...actual.slice(0, head.length), '...', ...(tail.length > 0 ? actual.slice(actual.length - tail.length) : [])];
}

function main(): void {
  const file = 'README.md';
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out: string[] = [];
  let inBlock = false;
  // only plain ``` blocks are transcripts (the test reads no others)
  let plain = false;
  let updated = 0;
  let failed = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('```')) {
      if (inBlock) inBlock = false;
      else {
        inBlock = true;
        plain = line === '```';
      }
      out.push(line);
      continue;
    }
    if (!inBlock || !plain || !line.startsWith('$ npx mddb ')) {
      out.push(line);
      continue;
    }
    out.push(line);
    const shown: string[] = [];
    while (i + 1 < lines.length && lines[i + 1] !== '```' && !lines[i + 1]!.startsWith('$ ')) shown.push(lines[++i]!);
    const actual = output(words(line.slice('$ npx mddb '.length)));
    if (actual === null) {
      failed++;
      process.stderr.write(`readme:update: failed: ${line}\n`);
      out.push(...shown);
    } else if (matches(shown, actual)) out.push(...shown);
    else {
      updated++;
      process.stdout.write(`updated: ${line}\n`);
      out.push(...rewrite(shown, actual));
    }
  }
  fs.writeFileSync(file, out.join('\n'));
  process.stdout.write(`${updated} transcripts updated${failed ? `, ${failed} commands failed` : ''}\n`);
  if (failed) process.exitCode = 1;
}

main();
