/*
 * The README's transcripts: in every plain ``` block, each `$ npx mddb ...`
 * line is a command and the lines under it what it prints, a `...` line
 * standing for lines left out. test/readme.test.ts checks them and
 * readme-update.ts rewrites the stale ones; both read them here.
 */

/** Split a shell-like command line: words, and '...' quoted words. */
export function words(cmd: string): string[] {
  const out: string[] = [];
  for (const m of cmd.matchAll(/'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

/** The lines shown before and after a `...`, blank lines dropped (the whole output when there is none). */
export function shownParts(shown: readonly string[]): { head: string[]; tail: string[] | null } {
  const cut = shown.indexOf('...');
  const keep = (ls: readonly string[]): string[] => ls.filter((l) => l !== '');
  return cut < 0 ? { head: keep(shown), tail: null } : { head: keep(shown.slice(0, cut)), tail: keep(shown.slice(cut + 1)) };
}

/** The output's lines as a transcript compares them: blank lines dropped. */
export const outputLines = (stdout: string): string[] => stdout.split('\n').filter((l) => l !== '');
