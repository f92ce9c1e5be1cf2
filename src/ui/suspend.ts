/*
 * ^Z in the REPL. The terminal is in raw mode, so ^Z arrives as a key, not
 * as SIGTSTP: give the terminal back (cooked mode, cursor shown), stop
 * ourselves with SIGTSTP as the shell expects, and on SIGCONT (`fg`) take
 * raw mode again and redraw.
 */
export function suspendProcess(redraw: () => void): void {
  const stdin = process.stdin;
  if (stdin.isTTY !== true || process.platform === 'win32') return;
  stdin.setRawMode(false);
  process.stdout.write('\x1b[?25h\n');
  process.once('SIGCONT', () => {
    stdin.setRawMode(true);
    redraw();
  });
  process.kill(process.pid, 'SIGTSTP');
}
