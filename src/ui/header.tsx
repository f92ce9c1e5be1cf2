/*
 * The banner printed once at the top of the session: which dump, which host
 * and OS, and why it panicked, so a scrolled-back transcript says what it is.
 */
import { Text } from 'ink';
import type { SessionInfo } from '../mdb/api.js';

function field(v: unknown, fallback: string): string {
  return typeof v === 'string' && v !== '' ? v.replace(/[\x00-\x1f\x7f]/g, ' ') : fallback;
}

/** e.g. `mddb: dumps/a.dump (host sim01, illumos 5.11) panic: kernel heap corruption detected` */
export function headerText(info: Partial<SessionInfo>): string {
  const name = field(info.os, 'unknown OS');
  const version = field(info.kernelVersion, '');
  // a FreeBSD version string names its OS already ("FreeBSD 13.0-CURRENT #0 ..."): say it once
  const os = version === '' ? name : version.toLowerCase().startsWith(name.toLowerCase()) ? version : `${name} ${version}`;
  const entry = field(info.entry, '');
  const panic =
    typeof info.panic === 'string' && info.panic !== ''
      ? `panic: ${field(info.panic, '')}`
      : entry !== ''
        ? `no panic (hang: the debugger was entered, ${entry})`
        : 'no panic (live dump)';
  return `mddb: ${field(info.path, '(unnamed dump)')} (host ${field(info.hostname, 'unknown')}, ${os}) ${panic}`;
}

/** The banner row; its text comes from headerText() when the session opens. */
export function Header({ text }: { text: string }) {
  return <Text bold>{text}</Text>;
}
