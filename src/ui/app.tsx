/*
 * The interactive mddb REPL: finished output in <Static> (the terminal's
 * scrollback), and a live area of one row below it: the prompt, the
 * "working…" indicator, or the pager's ">> More" question.
 *
 * Only cli/repl.ts imports this module, dynamically, so batch mode never
 * loads ink (≈200 ms, peers.md §4.3 item 4).
 */
import { Box, Static, Text } from 'ink';
import type { DebugSession } from '../mdb/api.js';
import { BusyIndicator } from './busy-indicator.js';
import { useRepl } from './hooks/use-repl.js';
import { PagerPrompt } from './pager.js';
import { PromptLine } from './prompt-line.js';
import { ScrollBlock } from './scroll-block.js';
import type { ScrollItem } from './scrollback.js';

export interface AppProps {
  session: DebugSession;
  /** where history persists; null or absent: in memory only */
  historyFile?: string | null;
  /** terminal size overrides, for tests (default: the real terminal's, tracked on resize) */
  rows?: number;
  columns?: number;
  /** default 150 ms */
  busyDelayMs?: number;
  /** default 1000 ms */
  cancelGraceMs?: number;
  /** colour on (runRepl: a terminal, no --no-color, no NO_COLOR): dcmd highlights are shown */
  color?: boolean;
}

export function App(props: AppProps) {
  const view = useRepl({
    session: props.session,
    historyFile: props.historyFile ?? null,
    ...(props.rows !== undefined ? { rows: props.rows } : {}),
    ...(props.columns !== undefined ? { columns: props.columns } : {}),
    busyDelayMs: props.busyDelayMs ?? 150,
    cancelGraceMs: props.cancelGraceMs ?? 1000,
    ...(props.color === true ? { color: true } : {}),
  });
  return (
    <>
      <Static items={view.items as ScrollItem[]}>{(item) => <ScrollBlock key={item.id} item={item} />}</Static>
      {view.mode === 'prompt' && (
        <Box flexDirection="column">
          <PromptLine prompt={view.prompt} state={view.editor} columns={view.columns} />
          {view.hint !== null && <Text dimColor>{view.hint}</Text>}
        </Box>
      )}
      {view.mode === 'busy' && view.showBusy && <BusyIndicator />}
      {view.mode === 'pager' && <PagerPrompt />}
    </>
  );
}

export default App;
