/*
 * The REPL's history file: one command line per text line, oldest first.
 *
 * Where: `opts.historyFile` (the caller, e.g. a test's temp file) wins over
 * `$MDDB_HISTORY`, which wins over `~/.mddb_history`. An empty
 * `MDDB_HISTORY=` turns persistence off, the way `HISTFILE=` does in shells.
 *
 * Every function here swallows I/O errors and reports them as a message: a
 * read-only home directory or a corrupt file must never take the debugger
 * down (peers.md §2, "never crash the session").
 */
import fs from 'node:fs';
import path from 'node:path';

/** Entries kept; drgn and sdb cap theirs at 1000 too. */
export const HISTORY_MAX = 1000;

export const DEFAULT_HISTORY_NAME = '.mddb_history';

/** The history file to use, or null when persistence is off. */
export function resolveHistoryPath(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): string | null {
  if (explicit !== undefined) return explicit === '' ? null : explicit;
  const fromEnv = env['MDDB_HISTORY'];
  if (fromEnv !== undefined) return fromEnv === '' ? null : fromEnv;
  if (home === '') return null;
  return path.join(home, DEFAULT_HISTORY_NAME);
}

export interface LoadedHistory {
  entries: string[];
  /** why the file could not be read (a missing file is not an error) */
  error: string | null;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Read the history file; a missing file is an empty history. */
export function loadHistory(file: string, max: number = HISTORY_MAX): LoadedHistory {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT') return { entries: [], error: null };
    return { entries: [], error: `cannot read history file ${file}: ${describe(err)}` };
  }
  const entries = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  return { entries: entries.slice(-max), error: null };
}

/**
 * Append one entry. When the file has grown past twice `max` lines, rewrite it
 * with the newest `max` (through a temp file and a rename, so a crash midway
 * leaves the old file intact). Returns an error message or null.
 */
export function appendHistory(file: string, line: string, max: number = HISTORY_MAX): string | null {
  const entry = line.replace(/[\r\n]+/g, ' ');
  if (entry.trim() === '') return null;
  try {
    fs.appendFileSync(file, entry + '\n', { encoding: 'utf8', mode: 0o600 });
  } catch (err) {
    return `cannot write history file ${file}: ${describe(err)}`;
  }
  try {
    const { size } = fs.statSync(file);
    // cheap pre-check: only count lines once the file could plausibly be too long
    if (size > max * 8) {
      const all = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
      if (all.length > 2 * max) {
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, all.slice(-max).join('\n') + '\n', { encoding: 'utf8', mode: 0o600 });
        fs.renameSync(tmp, file);
      }
    }
  } catch {
    // trimming is best effort; the entry itself was written
  }
  return null;
}
