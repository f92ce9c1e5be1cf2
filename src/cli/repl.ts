/*
 * `mddb DUMP` on a terminal: the interactive REPL.
 *
 * ink, react and the App are imported here, dynamically, so that batch mode
 * and every other subcommand never pay ink's ~200 ms start-up (peers.md §4.3
 * item 4). The caller (main.ts) decides that stdin and stdout are TTYs.
 *
 * Colour: chalk (inside ink) decides its colour level once, when it is first
 * imported, and it honours FORCE_COLOR but not NO_COLOR (peers.md §4.3 item
 * 6). So `--no-color` (opts.color false) and a non-empty NO_COLOR are mapped
 * to FORCE_COLOR=0 HERE, before the dynamic imports below load chalk. This
 * only works if nothing imported ink or chalk earlier: main.ts must not
 * import them statically.
 */
import os from 'node:os';
import type { DebugSession } from '../mdb/api.js';
import { resolveHistoryPath } from '../ui/history-file.js';

export interface ReplOptions {
  /** history file; default $MDDB_HISTORY, else ~/.mddb_history ('' turns history off) */
  historyFile?: string;
  color: boolean;
}

function homeDir(): string {
  try {
    return os.homedir();
  } catch {
    return '';
  }
}

/** Run the REPL until $q, ::quit or ^D; resolves to the exit status (0, or 1 if the UI itself failed). */
export async function runRepl(session: DebugSession, opts: ReplOptions): Promise<number> {
  const noColor = process.env['NO_COLOR'];
  const color = opts.color && (noColor === undefined || noColor === '');
  if (!color) process.env['FORCE_COLOR'] = '0';

  const [{ render }, { createElement }, { App }] = await Promise.all([
    import('ink'),
    import('react'),
    import('../ui/app.js'),
  ]);
  const historyFile = resolveHistoryPath(opts.historyFile, process.env, homeDir());
  try {
    const instance = render(createElement(App, { session, historyFile, color }), {
      // ^C belongs to the REPL: it interrupts a dcmd or the pager (peers.md §4.3 item 9)
      exitOnCtrlC: false,
      // a stray console.log from the engine must not corrupt the live area
      patchConsole: true,
    });
    await instance.waitUntilExit();
    return 0;
  } catch (err) {
    process.stderr.write(`mddb: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
