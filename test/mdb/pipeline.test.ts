import { describe, expect, it } from 'vitest';
import { addresses, defineDcmd, text, type Module } from '../../src/mdb/dcmd.js';
import { CACHE0, CACHE1, FOO0, FOO_STRIDE, NULL_CACHE } from '../support/dump-builder.js';
import { fakeSession, out, run } from '../support/mdb-session.js';

const h = (v: bigint) => v.toString(16);
const FOOS = [FOO0, FOO0 + FOO_STRIDE, FOO0 + 2n * FOO_STRIDE];

/** Records the flags of every call, to check DCMD_* semantics. */
function spy(): { module: Module; calls: Array<Record<string, unknown>> } {
  const calls: Array<Record<string, unknown>> = [];
  const d = defineDcmd({
    name: 'spy',
    synopsis: '?',
    address: 'optional',
    summary: 'record calls',
    help: 'x',
    options: {},
    run(ctx, addr) {
      calls.push({ addr, addrSpec: ctx.addrSpec, loop: ctx.loop, first: ctx.first, piped: ctx.piped, pipedInto: ctx.pipedInto, inputType: ctx.inputType });
      return ctx.pipedInto ? addresses(addr === undefined ? [] : [addr + 1n]) : text(`spy ${addr === undefined ? '-' : h(addr)}`);
    },
  });
  return { module: { name: 'spy', dcmds: [d], walkers: [] }, calls };
}

describe('pipes', () => {
  it('::walk prints addresses, or passes them to the next stage', async () => {
    expect(await out('::walk foo')).toBe(FOOS.map((a) => `0x${h(a)}\n`).join(''));
    expect(await out(`${h(FOOS[1]!)}::walk foo`)).toBe(FOOS.slice(1).map((a) => `0x${h(a)}\n`).join(''));
    expect(await out('::walk foo | ::print foo_t foo_value')).toBe('foo_value = 0x100\nfoo_value = 0x200\nfoo_value = 0x300\n');
  });
  it('runs the next stage once per address with DCMD_PIPE flags; the producer only passes addresses', async () => {
    const { module, calls } = spy();
    const s = fakeSession([module]);
    const r = await run('::walk foo | ::spy | ::spy', s);
    expect(r.output).toBe(FOOS.map((a) => `spy ${h(a + 1n)}\n`).join(''));
    // stages stream: each address runs through the whole pipe before the next one
    const producer = calls.filter((c) => c['pipedInto'] === true);
    const consumer = calls.filter((c) => c['pipedInto'] === false);
    expect(calls.map((c) => c['pipedInto'])).toEqual([true, false, true, false, true, false]);
    expect(producer).toEqual(FOOS.map((a, i) => ({ addr: a, addrSpec: true, loop: true, first: i === 0, piped: true, pipedInto: true, inputType: 'foo_t' })));
    expect(consumer.map((c) => [c['first'], c['pipedInto'], c['inputType']])).toEqual([
      [true, false, undefined],
      [false, false, undefined],
      [false, false, undefined],
    ]);
  });
  it('does not run later stages when nothing is passed on', async () => {
    const { module, calls } = spy();
    const s = fakeSession([module]);
    expect((await run('::walk needs_addr x | ::spy', s)).errors).toEqual(["mdb: needs_addr doesn't support global walks"]);
    expect(await out('::walk foo | ::print foo_t foo_name | ::spy | ::walk needs_addr | ::spy', s)).toBe(FOOS.map((a) => `spy ${h(a + 0xen + 1n)}\n`).join(''));
    expect(calls.length).toBeGreaterThan(0);
  });
  it('a dcmd with a walker walks when given no address, printing the header once', async () => {
    const row = (a: bigint, i: number) => `${h(a)} ${((i + 1) * 0x100).toString(16).padStart(8)}`;
    expect(await out('::foo')).toBe(['            ADDR    VALUE', ...FOOS.map(row)].join('\n') + '\n');
    expect(await out(`${h(FOOS[1]!)}::foo`)).toBe(`            ADDR    VALUE\n${h(FOOS[1]!)}      200\n`);
    // piped in: the header still prints once for the whole pipe
    expect(await out('::walk foo | ::foo -v')).toBe(['            ADDR    VALUE FIRST', ...FOOS.map((a, i) => `${row(a, i)} ${i === 0 ? 'yes' : 'no'}`)].join('\n') + '\n');
    expect(await out('::foo | ::foo | ::walk foo')).toBe([...FOOS, ...FOOS.slice(1), ...FOOS.slice(2)].map((a) => `0x${h(a)}\n`).join(''));
  });
  it(',count repeats a dcmd and a walk variable binds each address', async () => {
    const { module, calls } = spy();
    const s = fakeSession([module]);
    expect(await out('10,3::spy', s)).toBe('spy 10\nspy 10\nspy 10\n');
    expect(calls.map((c) => [c['loop'], c['first']])).toEqual([
      [true, true],
      [true, false],
      [true, false],
    ]);
    expect(await out(`::walk foo p | ::eval '<p=K'`, s)).toBe(FOOS.map((a) => `${' '.repeat(16)}${h(a)} \n`).join(''));
    expect(await out('<p=K', s)).toBe(`${' '.repeat(16)}${h(FOOS[2]!)} \n`);
    expect((await run('::walk foo 9x', s)).errors).toEqual(["mdb: '9' may not be used in a variable name"]);
  });
  it('walks the cache table typed, so ::print needs no type', async () => {
    expect(await out('::walk kmem_cache | ::print cache_name')).toBe('cache_name = [ "kmem_alloc_32" ]\ncache_name = [ "foo_cache" ]\ncache_name = [ "kmem_null_cache" ]\n');
    expect(await out('::walk kmem_cache | ::print kmem_cache_t cache_next | ::walk kmem_cache | ::eval .=K')).toContain(h(NULL_CACHE));
    expect(await out(`${h(CACHE0)}::print kmem_cache_t cache_next | ::print kmem_cache_t cache_name`)).toBe('cache_name = [ "foo_cache" ]\n');
    expect(h(CACHE1)).toBe('ffffff01d6e2c008');
  });
  it('::eval in the middle of a pipe passes its command\'s addresses on', async () => {
    expect(await out(`::walk foo | ::eval '.::print foo_t foo_cache' | ::print kmem_cache_t cache_name`)).toBe('cache_name = [ "foo_cache" ]\n'.repeat(3));
  });
});
