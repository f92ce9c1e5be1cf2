/*
 * Tab completion over the candidates `DebugSession.complete()` returns.
 *
 * The engine names whole words ("kmastat", or "::kmastat"); it does not say
 * where the word starts. So the word being completed is the longest tail of
 * the text before the cursor that is also a head of every candidate: for
 * "::kma" and ["kmastat", "kmausers"] that is "kma", for "::walk " it is "".
 * One candidate: replace that word with it and add a space. Several: extend
 * the word to their common prefix and list them, in columns as ls does.
 */
import type { LineEditorState } from './hooks/use-line-editor.js';

export interface CompletionOutcome {
  readonly state: LineEditorState;
  /** candidates to list under the prompt (empty when nothing needs listing) */
  readonly listed: readonly string[];
}

export function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return '';
  let prefix = words[0]!;
  for (const w of words) {
    let i = 0;
    while (i < prefix.length && i < w.length && prefix[i] === w[i]) i++;
    prefix = prefix.slice(0, i);
    if (prefix === '') break;
  }
  return prefix;
}

/** Length of the longest tail of `before` that is a head of `word`. */
function overlap(before: string, word: string): number {
  for (let k = Math.min(before.length, word.length); k > 0; k--) {
    if (word.startsWith(before.slice(before.length - k))) return k;
  }
  return 0;
}

export function applyCompletion(state: LineEditorState, rawCandidates: readonly unknown[]): CompletionOutcome {
  const candidates = [...new Set(rawCandidates.filter((c): c is string => typeof c === 'string' && c !== ''))]
    .map((c) => c.replace(/[\r\n]/g, ''))
    .sort();
  if (candidates.length === 0) return { state, listed: [] };
  const before = state.text.slice(0, state.cursor);
  const after = state.text.slice(state.cursor);
  const prefix = commonPrefix(candidates);
  // a candidate unrelated to what is typed ("foo" for "::bar"): list, never splice
  const k = overlap(before, candidates.length === 1 ? candidates[0]! : prefix);
  const typingWord = before !== '' && /[\w.`$]/.test(before[before.length - 1]!);
  if (k === 0 && typingWord && candidates.length > 1) return { state, listed: candidates };
  if (k === 0 && typingWord) return { state, listed: [] };
  const head = before.slice(0, before.length - k);
  if (candidates.length === 1) {
    const word = candidates[0]!;
    const space = after.startsWith(' ') ? '' : ' ';
    const text = head + word + space + after;
    return { state: { ...state, text, cursor: head.length + word.length + space.length }, listed: [] };
  }
  const text = head + prefix + after;
  return { state: { ...state, text, cursor: head.length + prefix.length }, listed: candidates };
}

/** Lay words out in columns, column-major (ls order), within `width`. */
export function formatColumns(words: readonly string[], width: number): string {
  if (words.length === 0) return '';
  const colWidth = Math.max(...words.map((w) => w.length)) + 2;
  const cols = Math.max(1, Math.floor(Math.max(1, width) / colWidth));
  const rows = Math.ceil(words.length / cols);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < cols; c++) {
      const w = words[c * rows + r];
      if (w === undefined) continue;
      line += c === cols - 1 || words[(c + 1) * rows + r] === undefined ? w : w.padEnd(colWidth);
    }
    lines.push(line);
  }
  return lines.join('\n');
}
