/*
 * openScriptSession(): a batch-mode session with the dump's modules taken
 * from modules/index.ts, which imports every kernel's. For the tools and
 * the tests, which open many dumps in one process; `mddb` itself loads
 * only the dump's OS's modules (batch.ts, modules/load.ts).
 */
import type { DumpModel } from '../dump/format.js';
import { modulesFor } from '../mdb/modules/index.js';
import type { MdbSession, Syntax } from '../mdb/session-core.js';
import { openScriptSessionWith } from './script.js';

export function openScriptSession(model: DumpModel, dumpPath: string, cwd?: string, syntax?: Syntax): MdbSession {
  return openScriptSessionWith(model, dumpPath, modulesFor(model.header.os), cwd, syntax);
}
