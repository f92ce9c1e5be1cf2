/*
 * mdb's output pager as a pure state machine (debugger.md §1, "Pager").
 *
 * A command's output is first cut into screen rows (screen-rows.ts). When it
 * holds more rows than fit above the prompt, the REPL shows `pageSize`
 * (terminal rows - 1) of them and asks
 *     >> More [<space>, <cr>, q, n, c, a] ?
 * on the last row. Keys:
 *   space        the next page
 *   Enter, n     one more row
 *   q, ^C        stop this command's output (its error lines still print)
 *   a            abort: drop the rest, the error lines, and a pending quit
 *   c            print the rest without paging
 *
 * Each step says which rows to print now and whether paging ended and why.
 */
import type { KeyEvent } from './keys.js';

export const MORE_PROMPT = '>> More [<space>, <cr>, q, n, c, a] ?';

export type PagerKey = 'page' | 'line' | 'quit' | 'abort' | 'continue';
export type PagerEnd = 'end' | 'quit' | 'abort' | 'continue';

export interface PagerState {
  readonly rows: readonly string[];
  /** rows already printed */
  readonly shown: number;
  readonly pageSize: number;
}

export interface PagerStep {
  readonly state: PagerState;
  /** rows to print now, in order */
  readonly emit: readonly string[];
  /** why paging ended, or null while the More prompt stays up */
  readonly end: PagerEnd | null;
}

/** True when `rowCount` rows do not fit in one page. */
export function needsPager(rowCount: number, pageSize: number): boolean {
  return rowCount > Math.max(1, pageSize);
}

function advance(state: PagerState, count: number, endReason: PagerEnd = 'end'): PagerStep {
  const to = Math.min(state.rows.length, state.shown + count);
  const emit = state.rows.slice(state.shown, to);
  const next = { ...state, shown: to };
  return { state: next, emit, end: to >= state.rows.length ? endReason : null };
}

/** Begin paging: print the first page. */
export function pagerStart(rows: readonly string[], pageSize: number): PagerStep {
  return advance({ rows, shown: 0, pageSize: Math.max(1, Math.floor(pageSize)) }, Math.max(1, Math.floor(pageSize)));
}

export function pagerStep(state: PagerState, key: PagerKey): PagerStep {
  switch (key) {
    case 'page':
      return advance(state, state.pageSize);
    case 'line':
      return advance(state, 1);
    case 'continue':
      return advance(state, state.rows.length, 'continue');
    case 'quit':
      return { state, emit: [], end: 'quit' };
    case 'abort':
      return { state, emit: [], end: 'abort' };
  }
}

/** The pager's meaning of one typed character, or null for keys it ignores. */
export function pagerKeyFor(ch: string): PagerKey | null {
  switch (ch) {
    case ' ':
      return 'page';
    case '\r':
    case '\n':
    case 'n':
    case 'N':
      return 'line';
    case 'q':
    case 'Q':
    case '\x03':
      return 'quit';
    case 'a':
    case 'A':
      return 'abort';
    case 'c':
    case 'C':
      return 'continue';
    default:
      return null;
  }
}

/** The pager keys in one decoded key event (a fast typist's "  " is two pages). */
export function pagerKeysOf(ev: KeyEvent): PagerKey[] {
  if (ev.kind === 'text') return [...ev.text].map(pagerKeyFor).filter((k): k is PagerKey => k !== null);
  if (ev.kind === 'enter') return ['line'];
  if (ev.kind === 'interrupt') return ['quit'];
  return [];
}
