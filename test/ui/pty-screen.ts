// Drives a real program in a pseudo-terminal and reads its screen through a
// headless xterm (peers.md §4.8), for the REPL's end-to-end tests.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';

/** The repository, the built CLI and the panic dump the end-to-end REPL tests open. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const main = path.join(root, 'dist/cli/main.js');
export const dump = path.join(root, 'dumps/illumos-2911.dump');
/** the tests run once the CLI (built by the global setup) and the committed dump exist */
export const ready = fs.existsSync(main) && fs.existsSync(dump);

/** The child's environment: a real-looking terminal, not CI (peers.md §4.3 item 1); history in historyFile, or none. */
export function childEnv(historyFile = ''): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', CI: 'false', MDDB_HISTORY: historyFile };
  delete env['NO_COLOR'];
  delete env['FORCE_COLOR'];
  return env;
}

export interface PtyScreen {
  /** the child's process id */
  readonly pid: number;
  /** the visible screen, rows joined by '\n', trailing blanks trimmed */
  screen(): string;
  write(data: string): void;
  /** everything the program wrote, escape sequences included */
  raw(): string;
  /** poll the screen until `pred` holds; throws with the screen on timeout */
  waitFor(pred: (screen: string) => boolean, what: string, ms?: number): Promise<void>;
  /** resolves with the exit code; throws after `ms` */
  exited(ms?: number): Promise<number>;
  kill(): void;
}

export function spawnInPty(
  file: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; cols?: number; rows?: number },
): PtyScreen {
  const cols = opts.cols ?? 100;
  const rows = opts.rows ?? 30;
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  const child = pty.spawn(file, args, { name: 'xterm-256color', cols, rows, cwd: opts.cwd, env });
  let exitCode: number | null = null;
  let raw = '';
  const exitWaiters: Array<(code: number) => void> = [];
  child.onData((d) => {
    raw += d;
    term.write(d);
  });
  child.onExit(({ exitCode: code }) => {
    exitCode = code;
    for (const w of exitWaiters) w(code);
  });

  const screen = (): string => {
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
    // the whole buffer (scrollback too), as a user scrolling up would see it
    return lines.join('\n').replace(/\n+$/, '');
  };

  return {
    pid: child.pid,
    screen,
    write: (data) => child.write(data),
    raw: () => raw,
    async waitFor(pred, what, ms = 15_000) {
      const end = Date.now() + ms;
      // xterm parses asynchronously; give it a beat before each look
      for (;;) {
        await new Promise<void>((r) => term.write('', r));
        const s = screen();
        if (pred(s)) return;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited(ms = 15_000) {
      if (exitCode !== null) return Promise.resolve(exitCode);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no exit within ${ms} ms; screen:\n${screen()}`)), ms);
        exitWaiters.push((code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    },
    kill() {
      if (exitCode === null) child.kill();
      term.dispose();
    },
  };
}
