/*
 * The prompt and the line being edited, on exactly one row.
 *
 * A line longer than the terminal scrolls sideways around the cursor instead
 * of wrapping: the live area then never grows, and ink never hits its
 * "taller than the screen" path that clears the terminal and reprints all of
 * <Static> (ink.js onRender), which with 100 000 rows behind would be slow.
 * The terminal's own cursor marks the insertion point (ink's useCursor), so
 * it stays visible with colours off.
 */
import { Text, useCursor } from 'ink';
import type { LineEditorState } from './hooks/use-line-editor.js';

/** The slice of `text` to show so that `cursor` is visible in `width` columns. */
export function visibleWindow(text: string, cursor: number, width: number): { start: number; end: number } {
  const w = Math.max(1, width);
  if (text.length <= w) return { start: 0, end: text.length };
  const start = cursor < w ? 0 : cursor - w + 1;
  return { start, end: Math.min(text.length, start + w) };
}

export interface PromptLineProps {
  prompt: string;
  state: LineEditorState;
  columns: number;
}

export function PromptLine({ prompt, state, columns }: PromptLineProps) {
  const { setCursorPosition } = useCursor();
  // keep the last column free so a cursor at the end never wraps the row
  const width = Math.max(1, columns - prompt.length - 1);
  const { start, end } = visibleWindow(state.text, state.cursor, width);
  setCursorPosition({ x: prompt.length + state.cursor - start, y: 0 });
  return (
    <Text wrap="truncate">
      {prompt}
      {state.text.slice(start, end)}
    </Text>
  );
}
