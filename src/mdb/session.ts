/*
 * The session with every kernel module at hand: createSession() picks the
 * dump's modules itself (modules/index.ts imports them all). The library,
 * the tools and the tests open sessions here; the command line opens them
 * through session-core.ts with the modules modules/load.ts imports for the
 * dump's OS alone.
 */
import type { DumpModel } from '../dump/format.js';
import type { Module } from './dcmd.js';
import { modulesFor } from './modules/index.js';
import { createSessionWith, type MdbSession, type SessionOptions } from './session-core.js';

export * from './session-core.js';

/** Opens a session over a dump with the given modules (default: those of the dump's OS). */
export function createSession(model: DumpModel, path: string, modules?: readonly Module[], options?: SessionOptions): MdbSession {
  return createSessionWith(model, path, modules ?? modulesFor(model.header.os), options);
}
