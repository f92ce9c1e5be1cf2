/*
 * The command line imports the kernel modules of the dump's OS only
 * (modules/load.ts); the library's modulesFor() imports them all. Both
 * must give a session the same modules in the same order.
 */
import { describe, expect, it } from 'vitest';
import { loadModulesFor } from '../../../src/mdb/modules/load.js';
import { modulesFor } from '../../../src/mdb/modules/index.js';

describe('loadModulesFor', () => {
  for (const os of ['illumos', 'freebsd'] as const) {
    it(`gives a ${os} dump the modules modulesFor() gives, in order`, async () => {
      const loaded = await loadModulesFor(os);
      expect(loaded.map((m) => m.name)).toEqual(modulesFor(os).map((m) => m.name));
      // the very objects: a dynamic import of a module already loaded is the same module
      expect(loaded).toEqual(modulesFor(os));
    });
  }
  it('keeps the FreeBSD modules out of an illumos session and the illumos ones out of a FreeBSD one', async () => {
    const illumos = (await loadModulesFor('illumos')).map((m) => m.name);
    const freebsd = (await loadModulesFor('freebsd')).map((m) => m.name);
    const shared = illumos.filter((n) => freebsd.includes(n));
    expect(shared).toEqual(['mdb', 'mdb_kvm']);
    expect(freebsd).toContain('uma');
    expect(illumos).not.toContain('uma');
    expect(freebsd.at(-1)).toBe('ddb');
  });
});
