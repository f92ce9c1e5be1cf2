// The core module's dcmds that mdb builds in (module "mdb"), where the other
// tests of the engine (test/mdb/*.test.ts) do not cover them: ::mappings,
// and what ::help says about which module provides a dcmd.
import { describe, expect, it } from 'vitest';
import { coreModule } from '../../../src/mdb/modules/core/index.js';
import { cpuModule } from '../../../src/mdb/modules/illumos/cpu/index.js';
import { kmemModule } from '../../../src/mdb/modules/illumos/kmem/index.js';
import { panicModule } from '../../../src/mdb/modules/illumos/panic/index.js';
import { threadModule } from '../../../src/mdb/modules/illumos/thread/index.js';
import { vmemModule } from '../../../src/mdb/modules/illumos/vmem/index.js';
import { out, threadSession } from './illumos/thread-fixture.js';

describe('module names, as mdb shows them in ::help ATTRIBUTES', () => {
  it('the debugger built-ins are "mdb"; kmem, vmem, threads, CPUs and the message buffer are all genunix', async () => {
    expect(coreModule.name).toBe('mdb');
    for (const m of [kmemModule, vmemModule, threadModule, cpuModule, panicModule]) expect(m.name).toBe('genunix');
    const s = threadSession();
    expect(await out(s, '::help findstack')).toContain('  Module: genunix\n');
    expect(await out(s, '::help print')).toContain('  Module: mdb\n');
  });
});

describe('$m (::mappings)', () => {
  it('fails as mdb does on a target without a mapping iterator', async () => {
    const s = threadSession();
    for (const line of ['$m', '::mappings', 'panic_thread::mappings']) {
      const r = await s.execute(line);
      expect(r.ok).toBe(false);
      expect(r.errors).toEqual(['mdb: failed to iterate over mappings: operation not supported by target']);
    }
    expect((await s.execute('::mappings a b')).usage).toBe(true);
  });
});

describe('::eval', () => {
  it('takes an optional address, as its synopsis says', async () => {
    const d = coreModule.dcmds.find((x) => x.name === 'eval')!;
    expect(d.address).toBe('optional');
    expect(d.synopsis.startsWith('?')).toBe(true);
    const s = threadSession();
    expect(await out(s, '0t42::eval "<.=D"')).toBe(await out(s, '0t42=D'));
  });
});
