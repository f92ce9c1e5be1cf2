/*
 * dumps/ is made by `npm run dumps`; regenerating it must give the committed
 * bytes exactly (the simulator is deterministic and the writer canonical).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { regenerateDumps, SAMPLE_DUMPS } from '../src/cli/dumps.js';

describe('dumps/', () => {
  it('regenerates byte-identical to the committed files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-dumps-'));
    const out: string[] = [];
    regenerateDumps(dir, { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream);
    for (const d of SAMPLE_DUMPS) {
      const fresh = fs.readFileSync(path.join(dir, d.file));
      const committed = fs.readFileSync(path.join('dumps', d.file));
      expect(fresh.equals(committed), `${d.file} differs from a fresh regeneration: run npm run dumps`).toBe(true);
      expect(committed.length).toBeLessThan(4 * 1024 * 1024);
    }
    fs.rmSync(dir, { recursive: true });
    // ten scenarios run end to end: well past the default per-test timeout on a shared machine
  }, 600_000);
});
