/*
 * `dcmd ! shellcmd`: mdb pipes a command's output through the shell
 * (`::kmem_cache ! grep blkdev`). The engine does no I/O, so the front ends
 * give it this hook.
 */
import { spawnSync } from 'node:child_process';

export function runShell(command: string, input: string): string {
  const r = spawnSync('/bin/sh', ['-c', command], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) return `mdb: failed to run shell command: ${r.error.message}\n`;
  return (r.stdout ?? '') + (r.stderr ?? '');
}
