// Sessions over the fake dump for the engine tests, with the core module and
// the test module (typed walkers, a table dcmd). The kernel modules (kmem,
// thread ...) are tested on real dumps; here they would only shadow names.
import type { ExecResult } from '../../src/mdb/api.js';
import type { Module } from '../../src/mdb/dcmd.js';
import { coreModule } from '../../src/mdb/modules/core/index.js';
import { createSession, type MdbSession, type SessionOptions } from '../../src/mdb/session.js';
import { fakeDump } from './dump-builder.js';
import { testModule } from './test-module.js';

export function fakeSession(extra: Module[] = [], options: SessionOptions = {}): MdbSession {
  return createSession(fakeDump(), 'fake.dump', [coreModule, testModule, ...extra], options);
}

/** Runs one line on a fresh (or given) session. */
export async function run(line: string, s: MdbSession = fakeSession()): Promise<ExecResult> {
  return s.execute(line);
}

/** Output of a line that must succeed. */
export async function out(line: string, s: MdbSession = fakeSession()): Promise<string> {
  const r = await s.execute(line);
  if (!r.ok) throw new Error(`'${line}' failed: ${r.errors.join(' / ')}`);
  return r.output;
}
