/*
 * Guarded calls into the engine. The DebugSession contract says execute()
 * never throws, but the REPL must survive an engine that breaks it: a throw,
 * a rejected promise, a missing field or a non-string prompt all become
 * something printable (an `mdb:` error line in mdb's own form).
 */
import type { DebugSession, ExecOptions, SessionInfo } from '../mdb/api.js';

/** The part of an ExecResult the REPL prints. */
export interface ShownResult {
  readonly output: string;
  readonly errors: readonly string[];
  readonly quit: boolean;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return 'unknown error';
  }
}

export function normalizeResult(raw: unknown): ShownResult {
  if (raw === null || typeof raw !== 'object') {
    return { output: '', errors: ['mdb: internal error: no result from the engine'], quit: false };
  }
  const r = raw as Record<string, unknown>;
  const output = typeof r['output'] === 'string' ? r['output'] : '';
  const errors = Array.isArray(r['errors'])
    ? r['errors'].map((e) => (typeof e === 'string' ? e : describe(e))).flatMap((e) => e.split('\n')).filter((e) => e !== '')
    : [];
  return { output, errors, quit: r['quit'] === true };
}

export async function safeExecute(session: DebugSession, line: string, opts: ExecOptions): Promise<ShownResult> {
  try {
    return normalizeResult(await session.execute(line, opts));
  } catch (err) {
    return { output: '', errors: [`mdb: internal error: ${describe(err)}`], quit: false };
  }
}

export function safePrompt(session: DebugSession): string {
  try {
    const p = session.prompt();
    return typeof p === 'string' ? p.replace(/[\x00-\x1f\x7f]/g, '') : '> ';
  } catch {
    return '> ';
  }
}

export function safeComplete(session: DebugSession, line: string): unknown[] {
  try {
    const c: unknown = session.complete(line);
    return Array.isArray(c) ? c : [];
  } catch {
    return [];
  }
}

export function safeInfo(session: DebugSession): Partial<SessionInfo> {
  try {
    const info: unknown = session.info;
    return info !== null && typeof info === 'object' ? (info as Partial<SessionInfo>) : {};
  } catch {
    return {};
  }
}
