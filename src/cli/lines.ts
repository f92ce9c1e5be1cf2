/*
 * `mddb DUMP | tee log` on a terminal: stdin is a terminal, stdout is not.
 * mdb reads its commands from the terminal then, and so does mddb, with a
 * plain line reader (node's readline: editing, history in memory), not the
 * ink REPL, which needs stdout to be the screen. The prompt goes to the
 * terminal on stderr so the log holds only what the commands printed; output
 * is written as it is produced. Ctrl-C interrupts the running command, or
 * clears the line at the prompt; ^D, $q or ::quit end the session.
 */
import readline from 'node:readline';
import type { DebugSession } from '../mdb/api.js';
import type { TextSink } from './batch.js';

export async function runTerminalLines(session: DebugSession, input: NodeJS.ReadableStream, out: TextSink, err: NodeJS.WritableStream): Promise<number> {
  const rl = readline.createInterface({ input, output: err, terminal: true, prompt: session.prompt(), historySize: 1000 });
  let running: AbortController | null = null;
  rl.on('SIGINT', () => {
    if (running) running.abort();
    else {
      rl.write(null, { ctrl: true, name: 'u' });
      err.write('\n');
      rl.prompt();
    }
  });
  const next = (): Promise<string | null> =>
    new Promise((resolve) => {
      const onLine = (l: string): void => {
        rl.off('close', onClose);
        resolve(l);
      };
      const onClose = (): void => {
        rl.off('line', onLine);
        resolve(null);
      };
      rl.once('line', onLine);
      rl.once('close', onClose);
      rl.setPrompt(session.prompt());
      rl.prompt();
    });
  for (;;) {
    const line = await next();
    if (line === null) break;
    if (line.trim() === '' && session.syntax !== 'ddb') continue;
    running = new AbortController();
    const r = await session.execute(line, { signal: running.signal, onOutput: (t) => void out.write(t) });
    running = null;
    if (r.output) out.write(r.output);
    for (const e of r.errors) err.write(e + '\n');
    if (r.quit) break;
  }
  rl.close();
  err.write('\n');
  return 0;
}
