/*
 * The pager's question, alone on the last row while a long output waits.
 * The rows already shown live in <Static>, so the live area stays one row
 * high however large the output (see pager-state.ts for the keys).
 */
import { Text, useCursor } from 'ink';
import { MORE_PROMPT } from './pager-state.js';

export function PagerPrompt() {
  const { setCursorPosition } = useCursor();
  setCursorPosition({ x: MORE_PROMPT.length + 1, y: 0 });
  return <Text>{MORE_PROMPT} </Text>;
}
