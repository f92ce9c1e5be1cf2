/*
 * The EXAMPLES of a dcmd's help text, read one way for everyone who checks
 * or rewrites them: the help tests (test/mdb/meta.test.ts for genunix's
 * pages, test/mdb/modules/freebsd/examples.test.ts for FreeBSD's) and
 * `npm run examples:update`. An example is a `> command` line (mdb's
 * grammar) or a `db> command` line (ddb's) with the lines under it, up to
 * the next command or section; "..." stands for lines left out.
 */
import type { ExecResult } from '../mdb/api.js';

export interface HelpExample {
  syntax: 'mdb' | 'ddb';
  /** the prompt as written: `> ` or `db> ` */
  prompt: '> ' | 'db> ';
  /** the command line's indentation in the help text */
  indent: string;
  command: string;
  /** the lines under the command as the source has them (its trailing blank lines dropped) */
  raw: string[];
  /** the same without the indentation and trailing blanks: what the command must print */
  shown: string[];
}

export function helpExamples(help: string): HelpExample[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => /^EXAMPLES$/.test(l));
  const out: HelpExample[] = [];
  if (start < 0) return out;
  for (const l of lines.slice(start + 1)) {
    if (l !== '' && !/^\s/.test(l)) break;
    const m = /^(\s*)(db> |> )(.+)$/.exec(l);
    if (m) {
      const prompt = m[2] as HelpExample['prompt'];
      out.push({ syntax: prompt === 'db> ' ? 'ddb' : 'mdb', prompt, indent: m[1]!, command: m[3]!, raw: [], shown: [] });
    } else out.at(-1)?.raw.push(l);
  }
  for (const e of out) {
    while (e.raw.length > 0 && e.raw.at(-1)!.trim() === '') e.raw.pop();
    e.shown = e.raw.map((l) => l.slice(e.indent.length).trimEnd());
  }
  return out;
}

/** What an executed example printed: stdout, then its error lines, trailing blanks dropped. */
export function printedLines(r: ExecResult): string[] {
  const printed = [...r.output.split('\n').slice(0, -1), ...r.errors].map((l) => l.trimEnd());
  while (printed.at(-1) === '') printed.pop();
  return printed;
}

/**
 * Whether what a command printed reads as the example shows it: the shown
 * lines are the first ones printed; after a "..." line, the next shown lines
 * come later, together; without a final "...", nothing follows them.
 * Returns why not, or undefined.
 */
export function showsLike(printed: string[], shown: string[]): string | undefined {
  const chunks: string[][] = [[]];
  for (const l of shown) if (l.trim() === '...') chunks.push([]);
  else chunks.at(-1)!.push(l);
  const truncated = chunks.length > 1 && chunks.at(-1)!.length === 0;
  let pos = 0;
  for (const [i, chunk] of chunks.entries()) {
    if (chunk.length === 0) continue;
    const at = (p: number): boolean => chunk.every((l, k) => printed[p + k] === l);
    let p = pos;
    if (i === 0) {
      if (!at(0)) return `the first lines differ:\n  shown:   ${chunk.join('\n           ')}\n  printed: ${printed.slice(0, chunk.length).join('\n           ')}`;
    } else {
      while (p + chunk.length <= printed.length && !at(p)) p++;
      if (p + chunk.length > printed.length) return `these lines are not printed (in this order):\n  ${chunk.join('\n  ')}`;
    }
    pos = p + chunk.length;
  }
  if (!truncated && pos !== printed.length) return `${printed.length - pos} more lines are printed than shown (end the example with "...")`;
  return undefined;
}
