/*
 * The prompt's line editor: a pure reducer over (text, cursor), plus a hook
 * that keeps the state in a ref.
 *
 * The state lives in a ref, not in React state, because one input chunk can
 * carry several keys ("::kma" + Tab + Enter from a paste, or type-ahead typed
 * while a dcmd ran) and each key must see the result of the previous one
 * before React has rendered. The REPL publishes a snapshot once per chunk.
 *
 * Words follow readline's unix-word-rubout: Ctrl-W and the word motions treat
 * whitespace as the only separator, so `::walk kmem_cache | ::kmastat` loses
 * `::kmastat` in one stroke.
 */
import { useRef } from 'react';

export interface LineEditorState {
  readonly text: string;
  /** cursor position, a UTF-16 index into `text`, 0..text.length */
  readonly cursor: number;
  /** last killed text, for Ctrl-Y */
  readonly killed: string;
}

export type EditorAction =
  | { type: 'insert'; text: string }
  | { type: 'set'; text: string }
  | { type: 'replace'; text: string; cursor: number }
  | {
      type:
        | 'left'
        | 'right'
        | 'wordLeft'
        | 'wordRight'
        | 'home'
        | 'end'
        | 'backspace'
        | 'delete'
        | 'killLine'
        | 'killToEnd'
        | 'killWord'
        | 'yank'
        | 'transpose'
        | 'clear';
    };

export const emptyEditor: LineEditorState = { text: '', cursor: 0, killed: '' };

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Index one character left of `i`, never splitting a surrogate pair. */
function prevIndex(text: string, i: number): number {
  if (i <= 0) return 0;
  if (i >= 2 && isLowSurrogate(text.charCodeAt(i - 1)) && isHighSurrogate(text.charCodeAt(i - 2))) return i - 2;
  return i - 1;
}

/** Index one character right of `i`, never splitting a surrogate pair. */
function nextIndex(text: string, i: number): number {
  if (i >= text.length) return text.length;
  if (isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1))) return i + 2;
  return i + 1;
}

function wordStart(text: string, i: number): number {
  let j = i;
  while (j > 0 && isSpace(text[j - 1])) j--;
  while (j > 0 && !isSpace(text[j - 1])) j--;
  return j;
}

function wordEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length && isSpace(text[j])) j++;
  while (j < text.length && !isSpace(text[j])) j++;
  return j;
}

/** Line-editor transitions; the input state is never modified. */
export function lineEditorReducer(state: LineEditorState, action: EditorAction): LineEditorState {
  const { text, cursor } = state;
  switch (action.type) {
    case 'insert': {
      // newlines never reach here (the key decoder turns them into Enter), but a
      // stray one would break the one-row prompt, so keep it out defensively
      const ins = action.text.replace(/[\r\n]/g, '');
      if (ins === '') return state;
      return { ...state, text: text.slice(0, cursor) + ins + text.slice(cursor), cursor: cursor + ins.length };
    }
    case 'set':
      return { ...state, text: action.text, cursor: action.text.length };
    case 'replace': {
      const text = action.text.replace(/[\r\n]/g, '');
      return { ...state, text, cursor: Math.max(0, Math.min(text.length, Math.floor(action.cursor))) };
    }
    case 'clear':
      return { ...state, text: '', cursor: 0 };
    case 'left':
      return { ...state, cursor: prevIndex(text, cursor) };
    case 'right':
      return { ...state, cursor: nextIndex(text, cursor) };
    case 'wordLeft':
      return { ...state, cursor: wordStart(text, cursor) };
    case 'wordRight':
      return { ...state, cursor: wordEnd(text, cursor) };
    case 'home':
      return { ...state, cursor: 0 };
    case 'end':
      return { ...state, cursor: text.length };
    case 'backspace': {
      if (cursor === 0) return state;
      const p = prevIndex(text, cursor);
      return { ...state, text: text.slice(0, p) + text.slice(cursor), cursor: p };
    }
    case 'delete': {
      if (cursor >= text.length) return state;
      return { ...state, text: text.slice(0, cursor) + text.slice(nextIndex(text, cursor)) };
    }
    case 'killLine':
      // readline's unix-line-discard: everything before the cursor
      if (cursor === 0) return state;
      return { text: text.slice(cursor), cursor: 0, killed: text.slice(0, cursor) };
    case 'killToEnd':
      if (cursor >= text.length) return state;
      return { text: text.slice(0, cursor), cursor, killed: text.slice(cursor) };
    case 'killWord': {
      const start = wordStart(text, cursor);
      if (start === cursor) return state;
      return { text: text.slice(0, start) + text.slice(cursor), cursor: start, killed: text.slice(start, cursor) };
    }
    case 'transpose': {
      // ^T as readline and libtecla: swap the characters before and at the
      // cursor (at the end of the line, the last two), and move past them
      if (text.length < 2 || cursor === 0) return state;
      const at = cursor >= text.length ? text.length - 1 : cursor;
      const swapped = text.slice(0, at - 1) + text[at] + text[at - 1] + text.slice(at + 1);
      return { ...state, text: swapped, cursor: Math.min(text.length, at + 1) };
    }
    case 'yank':
      return lineEditorReducer(state, { type: 'insert', text: state.killed });
  }
}

/** A ref-held line editor: `get()` always returns the latest state. */
export interface LineEditor {
  get(): LineEditorState;
  dispatch(action: EditorAction): LineEditorState;
}

export function useLineEditor(): LineEditor {
  const ref = useRef<LineEditor | null>(null);
  if (ref.current === null) {
    let state = emptyEditor;
    ref.current = {
      get: () => state,
      dispatch: (action) => (state = lineEditorReducer(state, action)),
    };
  }
  return ref.current;
}
