/*
 * Command history: a pure reducer for browsing with up/down, and a hook that
 * loads and persists it through history-file.ts.
 *
 * Browsing follows readline: index -1 means "not browsing"; the first Up saves
 * the line being typed as the draft, and Down past the newest entry gives the
 * draft back.
 */
import { useRef } from 'react';
import { appendHistory, HISTORY_MAX, loadHistory } from '../history-file.js';

export interface HistoryState {
  /** oldest first */
  readonly entries: readonly string[];
  /** -1 when not browsing, else an index into `entries` */
  readonly index: number;
  /** the line that was being typed when browsing started */
  readonly draft: string;
}

export type HistoryAction =
  | { type: 'add'; line: string }
  | { type: 'up'; current: string }
  | { type: 'down' }
  | { type: 'reset' };

export const emptyHistory: HistoryState = { entries: [], index: -1, draft: '' };

export function historyReducer(state: HistoryState, action: HistoryAction, max: number = HISTORY_MAX): HistoryState {
  switch (action.type) {
    case 'add': {
      const line = action.line;
      const reset = { ...state, index: -1, draft: '' };
      // blank lines and immediate repeats are not worth a slot (bash's ignoredups)
      if (line.trim() === '' || state.entries[state.entries.length - 1] === line) return reset;
      const entries = [...state.entries, line];
      return { ...reset, entries: entries.length > max ? entries.slice(entries.length - max) : entries };
    }
    case 'up': {
      if (state.entries.length === 0) return state;
      if (state.index === -1) return { ...state, index: state.entries.length - 1, draft: action.current };
      if (state.index === 0) return state;
      return { ...state, index: state.index - 1 };
    }
    case 'down': {
      if (state.index === -1) return state;
      if (state.index < state.entries.length - 1) return { ...state, index: state.index + 1 };
      return { ...state, index: -1 };
    }
    case 'reset':
      return { ...state, index: -1, draft: '' };
  }
}

/** The line the prompt should show for a history state. */
export function historyLine(state: HistoryState): string {
  return state.index === -1 ? state.draft : (state.entries[state.index] ?? '');
}

export interface History {
  get(): HistoryState;
  /** Up/Down: returns the line to show, or null when nothing changes */
  browse(direction: 'up' | 'down', current: string): string | null;
  /** record a submitted line (and persist it); returns an I/O error message or null */
  add(line: string): string | null;
  reset(): void;
  /** why loading failed, reported once by the REPL */
  readonly loadError: string | null;
}

/** History backed by `file` (null: in memory only). Loaded once at mount. */
export function useHistory(file: string | null): History {
  const ref = useRef<History | null>(null);
  if (ref.current === null) {
    const loaded = file === null ? { entries: [], error: null } : loadHistory(file);
    let state: HistoryState = { ...emptyHistory, entries: loaded.entries };
    ref.current = {
      loadError: loaded.error,
      get: () => state,
      browse(direction, current) {
        const next = historyReducer(state, direction === 'up' ? { type: 'up', current } : { type: 'down' });
        if (next === state) return null;
        state = next;
        return historyLine(state);
      },
      add(line) {
        const before = state.entries;
        state = historyReducer(state, { type: 'add', line });
        if (file === null || state.entries === before) return null;
        return appendHistory(file, line);
      },
      reset() {
        state = historyReducer(state, { type: 'reset' });
      },
    };
  }
  return ref.current;
}
