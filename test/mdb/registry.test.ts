import { describe, expect, it } from 'vitest';
import { defineDcmd, defineWalker, flag, str, text, type Module } from '../../src/mdb/dcmd.js';
import { coreModule } from '../../src/mdb/modules/core/index.js';
import { Registry, RegistryError, usageLine } from '../../src/mdb/registry.js';
import { Target } from '../../src/mdb/target.js';
import { readDump } from '../../src/dump/read.js';
import { modulesFor } from '../../src/mdb/modules/index.js';
import { fakeDump } from '../support/dump-builder.js';
import { fakeSession, out, run } from '../support/mdb-session.js';
import { testModule } from '../support/test-module.js';

const target = new Target(fakeDump());
const dcmd = (name: string, extra: Partial<Parameters<typeof defineDcmd>[0]> = {}) =>
  defineDcmd({ name, synopsis: '', address: 'none', summary: `the ${name} dcmd`, help: 'Help text.', options: {}, run: () => text('x'), ...extra });
const walker = (name: string) => defineWalker({ name, description: `walk ${name}`, walk: () => [] });
const mod = (name: string, m: Partial<Module>): Module => ({ name, dcmds: [], walkers: [], ...m });

describe('Registry', () => {
  it('indexes dcmds by name and alias, walkers by name, and knows their modules', () => {
    const r = Registry.from([mod('a', { dcmds: [dcmd('one', { aliases: ['uno'] })], walkers: [walker('w')] })], target);
    expect(r.dcmd('one')?.name).toBe('one');
    expect(r.dcmd('uno')?.name).toBe('one');
    expect(r.dcmd('a`one')?.name).toBe('one');
    expect(r.dcmd('b`one')).toBeUndefined();
    expect(r.walker('w')?.name).toBe('w');
    expect(r.moduleOf('w')).toBe('a');
  });
  it('rejects duplicate dcmd names, aliases and walker names', () => {
    expect(() => Registry.from([mod('a', { dcmds: [dcmd('x')] }), mod('b', { dcmds: [dcmd('x')] })], target)).toThrow(RegistryError);
    expect(() => Registry.from([mod('a', { dcmds: [dcmd('x'), dcmd('y', { aliases: ['x'] })] })], target)).toThrow(/dcmd name already in use: 'x'/);
    expect(() => Registry.from([mod('a', { walkers: [walker('w')] }), mod('b', { walkers: [walker('w')] })], target)).toThrow(/walk name already in use/);
    expect(() => Registry.from([coreModule, mod('b', { dcmds: [dcmd('print')] })], target)).toThrow(RegistryError);
  });
  it('adds what init(target) returns (a walker per cache) and checks those too', () => {
    const perCache = mod('kmem', {
      init: (t) => ({ walkers: (t.table('kmem_cache_t')!.columns['cache_name']!.values as string[]).map((n) => walker(n)) }),
    });
    const r = Registry.from([perCache], target);
    expect(r.walkers().map((w) => w.name)).toEqual(['foo_cache', 'kmem_alloc_32', 'kmem_null_cache']);
    expect(() => Registry.from([perCache, mod('x', { walkers: [walker('foo_cache')] })], target)).toThrow(RegistryError);
  });
  it('rejects a synopsis whose ?/: prefix contradicts the address mode', () => {
    expect(() => Registry.from([mod('a', { dcmds: [dcmd('x', { synopsis: ':[-v]', address: 'optional' })] })], target)).toThrow(/does not match/);
    expect(() => Registry.from([mod('a', { dcmds: [dcmd('x', { synopsis: '?[-v]', address: 'optional' })] })], target)).not.toThrow();
  });
  it('writes usage lines as mdb does', () => {
    expect(usageLine(dcmd('x', { synopsis: '?[-v] [-n cache]', address: 'optional' }))).toBe('[address]::x [-v] [-n cache]');
    expect(usageLine(dcmd('x', { synopsis: '[-v]', address: 'required' }))).toBe('address::x [-v]');
    expect(usageLine(dcmd('x', { synopsis: 'type', address: 'none' }))).toBe('::x type');
  });
});

describe('::help, ::dcmds, ::walkers', () => {
  const slabs = dcmd('kmem_slabs', {
    synopsis: '?[-v] [-n cache]',
    address: 'optional',
    summary: 'display slab usage per kmem cache',
    help: 'Prints one row per cache.\n\nEXAMPLES\n  > ::kmem_slabs',
    options: { v: flag('list partial slabs'), n: str('cache', 'match caches whose name contains cache') },
  });
  const s = fakeSession([mod('kmem', { dcmds: [slabs] })]);

  it('shows NAME, SYNOPSIS, DESCRIPTION with options, ATTRIBUTES', async () => {
    expect(await out('::help kmem_slabs', s)).toBe(
      [
        '',
        'NAME',
        '  kmem_slabs - display slab usage per kmem cache',
        '',
        'SYNOPSIS',
        '  [ addr ] ::kmem_slabs [-v] [-n cache]',
        '',
        'DESCRIPTION',
        '  Prints one row per cache.',
        '',
        '  EXAMPLES',
        '    > ::kmem_slabs',
        '',
        '  OPTIONS',
        '    -v         list partial slabs',
        '    -n cache   match caches whose name contains cache',
        '',
        'ATTRIBUTES',
        '',
        '  Target: kvm',
        '  Module: kmem',
        // cmd_help(): a loaded module's dcmds are Unstable, mdb's built-ins Evolving
        '  Interface Stability: Unstable',
        '',
        '',
      ].join('\n'),
    );
    expect(await out('::help ::kmem_slabs', s)).toContain('NAME\n  kmem_slabs');
    expect(await out('::help', s)).toContain('::help name');
    expect((await run('::help nope', s)).errors).toEqual(['mdb: unknown command: nope']);
  });
  it('lists dcmds and walkers sorted, "%-24s - %s", with an optional pattern', async () => {
    const d = await out('::dcmds', s);
    const names = d.trimEnd().split('\n').map((l) => l.split(' ')[0]!);
    expect(names).toEqual([...names].sort());
    expect(d).toContain(`${'kmem_slabs'.padEnd(24)} - display slab usage per kmem cache\n`);
    expect(d).toContain(`${'print'.padEnd(24)} - print the contents of a data structure\n`);
    expect(await out('::dcmds ^size', s)).toBe(`${'sizeof'.padEnd(24)} - print the size of a type\n`);
    expect(await out('::walkers', s)).toBe(
      testModule.walkers
        .map((w) => `${w.name.padEnd(24)} - ${w.description}\n`)
        .sort()
        .join(''),
    );
  });
  it("every dcmd's help prose, on each kernel's page, fits an 80-column terminal once ::help indents it", () => {
    // ::help indents the DESCRIPTION two columns; example output and OPTIONS/COLUMNS tables (indented
    // lines) are what the dcmd prints or lays out, so only the prose is held to the width
    const t2020 = new Target(readDump('dumps/freebsd-248008-btalloc.dump'));
    const long: string[] = [];
    for (const os of ['illumos', 'freebsd'] as const) {
      for (const m of modulesFor(os)) {
        for (const d of m.dcmds) {
          for (const page of [d.help, d.helpFor?.(t2020)]) {
            for (const l of (page ?? '').split('\n')) if (!/^\s/.test(l) && l.length > 78) long.push(`${d.name}: ${l}`);
          }
        }
      }
    }
    expect(long).toEqual([]);
  });
  it('every core dcmd is documented', () => {
    for (const d of coreModule.dcmds) {
      expect(d.summary, d.name).not.toBe('');
      expect(d.help, d.name).not.toBe('');
      expect(d.summary, d.name).toBe(d.summary.toLowerCase());
    }
  });
});
