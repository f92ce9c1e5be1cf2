/*
 * `dcmd ! shellcmd`: mdb pipes a command's output through the shell
 * (`::kmem_cache ! grep blkdev`). The engine does no I/O, so the front ends
 * give it this hook. The command runs asynchronously: the REPL's spinner keeps
 * turning and Ctrl-C (the signal) kills it, as it kills mdb's child.
 */
import { spawn } from 'node:child_process';
import { terminalOwner } from '../ui/terminal-owner.js';

export function runShell(command: string, input: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const chunks: string[] = [];
    let settled = false;
    const done = (s: string): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(s);
    };
    // its own process group, so Ctrl-C reaches every process of the pipeline (sh, sleep, ...)
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const onAbort = (): void => {
      killGroup('SIGINT');
      setTimeout(() => killGroup('SIGKILL'), 500).unref();
      // do not wait for a process that ignores SIGINT: its output is dropped anyway
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      done('');
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort);
    child.stdout.setEncoding('utf8').on('data', (d: string) => chunks.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => chunks.push(d));
    // a command that does not read all its input (head -1) closes the pipe early
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    child.on('error', (e) => done(`mdb: failed to run shell command: ${e.message}\n`));
    child.on('close', () => done(chunks.join('')));
  });
}

/** Is this shell command a pager (less, more, $PAGER), which needs the terminal itself? */
export function isPagerCommand(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const first = command.trim().split(/\s+/)[0] ?? '';
  const base = first.split('/').pop() ?? '';
  const pager = (env['PAGER'] ?? '').trim().split(/\s+/)[0]?.split('/').pop();
  return ['less', 'more', 'most', 'pg'].includes(base) || (pager !== undefined && pager !== '' && base === pager) || first === '$PAGER';
}

/**
 * The REPL's hook: a pager (`::kmem_cache ! less`) gets the terminal, as in
 * mdb: the REPL leaves raw mode and stops reading, the pager reads the keys
 * and draws on the screen, and the REPL takes the terminal back when it
 * exits (its ^C goes to the pager, not to us). Everything else is captured
 * by runShell.
 */
/** Longer than ink's render throttle, so its pending frame is written before a pager starts. */
const INK_FRAME_MS = 100;

export function runShellInTerminal(command: string, input: string, signal?: AbortSignal): Promise<string> {
  if (!isPagerCommand(command) || process.stdin.isTTY !== true || process.stdout.isTTY !== true) return runShell(command, input, signal);
  return new Promise((resolve) => {
    const stdin = process.stdin;
    const ignore = (): void => {};
    process.on('SIGINT', ignore);
    terminalOwner.child = true;
    stdin.setRawMode(false);
    stdin.pause();
    const done = (s: string): void => {
      terminalOwner.child = false;
      process.off('SIGINT', ignore);
      stdin.setRawMode(true);
      stdin.resume();
      resolve(s);
    };
    // ink throttles its renders: the frame that echoes the command line can
    // reach the terminal after the pager has drawn its first screen, and
    // overwrite it. Start the pager once that frame is out (terminalOwner
    // keeps ink from drawing anything after it).
    setTimeout(() => {
      const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'inherit', 'inherit'] });
      child.stdin.on('error', () => {});
      child.stdin.end(input);
      child.on('error', (e) => done(`mdb: failed to run shell command: ${e.message}\n`));
      child.on('close', () => done(''));
    }, INK_FRAME_MS);
  });
}
