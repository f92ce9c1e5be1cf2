/*
 * What the kernel recorded about its panic (sys/panic.h): panicstr,
 * panic_thread and the panicking CPU, read from the dump's globals as mdb
 * reads them from the kernel, with the dump header as the fallback.
 */
import type { DcmdContext } from '../../../dcmd.js';
import type { Target } from '../../../target.js';
import { panicThread } from '../thread/helpers.js';

export interface PanicRecord {
  message: string;
  thread: bigint;
  cpu: number;
}

/** The panic, or undefined on a live dump. */
export function readPanic(target: Target): PanicRecord | undefined {
  const h = target.header.panic;
  if (!h && target.header.dumpKind !== 'panic') return undefined;
  let message = h?.message;
  const strSym = target.lookupSymbol('panicstr');
  if (strSym) {
    try {
      const p = target.readPtr(strSym.addr);
      if (p !== 0n) message = target.readString(p, 1024);
    } catch {
      // keep the header's copy
    }
  }
  let cpu = h?.cpu ?? -1;
  const cpuSym = target.lookupSymbol('panic_cpu_id');
  if (cpuSym) {
    try {
      cpu = target.readU32(cpuSym.addr) | 0;
    } catch {
      // keep the header's copy
    }
  }
  if (message === undefined) return undefined;
  return { message, thread: panicThread(target), cpu };
}

/** The session cache key under which the session may record the dump's path. */
export const DUMP_PATH_KEY = 'mdb.dumpPath';

/**
 * The dump file's name as the user gave it, for ::status. The target does
 * not know it, so the session has to pass it on: as `dumpPath` on the
 * context, `path` on the target, or under DUMP_PATH_KEY in the session
 * cache. Without it the line leaves the name out.
 */
export function dumpPath(ctx: DcmdContext): string | undefined {
  const candidates = [(ctx as DcmdContext & { dumpPath?: unknown }).dumpPath, (ctx.target as Target & { path?: unknown }).path, ctx.cache.get(DUMP_PATH_KEY)];
  for (const c of candidates) if (typeof c === 'string' && c !== '') return c;
  return undefined;
}
