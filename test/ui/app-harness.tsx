// Renders <App> with ink-testing-library and types into it the way a
// terminal would: one write per key or chunk, then a macrotask so ink and
// React settle (peers.md §4.3 item 12).
import { render } from 'ink-testing-library';
import { App, type AppProps } from '../../src/ui/app.js';
import { FakeSession } from './fake-session.js';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const KEY = {
  enter: '\r',
  up: '\x1b[A',
  down: '\x1b[B',
  left: '\x1b[D',
  right: '\x1b[C',
  home: '\x1b[H',
  tab: '\t',
  backspace: '\x7f',
  delete: '\x1b[3~',
  ctrlA: '\x01',
  ctrlC: '\x03',
  ctrlD: '\x04',
  ctrlE: '\x05',
  ctrlU: '\x15',
  ctrlW: '\x17',
} as const;

export function renderApp(props: Partial<AppProps> = {}) {
  const session = (props.session as FakeSession | undefined) ?? new FakeSession();
  const r = render(<App busyDelayMs={20} cancelGraceMs={100} {...props} session={session} />);
  const frame = (): string => (r.lastFrame() ?? '').replace(ANSI, '');
  return {
    ...r,
    session,
    frame,
    /** the live area's first row: what the prompt shows now */
    lastLine: (): string => frame().split('\n').filter((l) => l !== '').at(-1) ?? '',
    async type(...chunks: string[]): Promise<void> {
      for (const c of chunks) {
        r.stdin.write(c);
        await tick();
      }
    },
    /** type a line, then Enter as a separate write */
    async run(line: string): Promise<void> {
      r.stdin.write(line);
      await tick();
      r.stdin.write('\r');
      await tick();
      await tick();
    },
    async waitFor(pred: () => boolean, ms = 2000): Promise<void> {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out; frame:\n${frame()}`);
        await tick(5);
      }
    },
    /** ink's raw-mode reader is attached while the app is mounted */
    isListening: (): boolean => r.stdin.listenerCount('readable') > 0,
  };
}
